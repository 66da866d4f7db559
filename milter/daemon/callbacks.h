#ifndef CM_CALLBACKS_H
#define CM_CALLBACKS_H

/*++
/* NAME
/*	callbacks 3h
/* SUMMARY
/*	libmilter callbacks
/* SYNOPSIS
/*	#include "callbacks.h"
/* DESCRIPTION
/*	See callbacks.c.
/*--*/

#include <libmilter/mfapi.h>

#include "engine.h"

extern struct smfiDesc cm_milter_desc;
extern void cm_callbacks_init(const cm_engine *eng);

#endif
