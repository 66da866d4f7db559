#ifndef CM_SAYKEY_H
#define CM_SAYKEY_H

/*++
/* NAME
/*	saykey 3h
/* SUMMARY
/*	a start-up error, named by the configuration line to change
/* SYNOPSIS
/*	#include "saykey.h"
/* DESCRIPTION
/*	See saykey.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include "config.h"

extern void cm_say_key(const cm_config *cfg, const char *key,
		               const char *err);

#endif
