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
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <libmilter/mfapi.h>

#include "engine.h"

extern struct smfiDesc cm_milter_desc;
extern void cm_callbacks_init(const cm_engine *eng);
extern int cm_callbacks_drain(int grace_ms);

#endif
