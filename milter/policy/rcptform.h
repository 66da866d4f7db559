#ifndef CM_RCPTFORM_H
#define CM_RCPTFORM_H

/*++
/* NAME
/*	rcptform 3h
/* SUMMARY
/*	can a recipient be removed with certainty
/* SYNOPSIS
/*	#include "rcptform.h"
/*
/*	cm_rcptform_check(): can a recipient be removed with certainty
/*	(its address form); cm_rcptform_strerror(): why not.
/* DESCRIPTION
/*	See rcptform.c. Pure functions: no I/O, no libmilter.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#define CM_RCPTFORM_LOCAL_MAX	64	/* RFC 5321 4.5.3.1.1 */
#define CM_RCPTFORM_ADDR_MAX	254	/* path of 256 less the brackets */

/*
 * Outcome of cm_rcptform_check(). The order must match the text table
 * in rcptform.c.
 */
typedef enum cm_rcptform {
    CM_RCPTFORM_PLAIN = 0,		/* a deletion naming it will match */
    CM_RCPTFORM_EMPTY,			/* nothing, or <> */
    CM_RCPTFORM_SPACE,			/* white space or a control byte */
    CM_RCPTFORM_BRACKETS,		/* unbalanced or extra <> */
    CM_RCPTFORM_ROUTE,			/* source route <@a,@b:u@d> */
    CM_RCPTFORM_QUOTED,			/* quoted string or backslash */
    CM_RCPTFORM_HACK,			/* % or ! routing, several @ */
    CM_RCPTFORM_NO_DOMAIN,		/* no @domain: the MTA adds one */
    CM_RCPTFORM_LITERAL,		/* [address literal] domain */
    CM_RCPTFORM_TRAILING_DOT,		/* example.org. */
    CM_RCPTFORM_8BIT,			/* non-ASCII (SMTPUTF8) bytes */
    CM_RCPTFORM_SYNTAX,			/* not a dot-atom local or domain */
    CM_RCPTFORM_TOO_LONG,		/* over the RFC 5321 limits */
    CM_RCPTFORM_COUNT
} cm_rcptform;

extern cm_rcptform cm_rcptform_check(const char *raw, size_t len);
extern const char *cm_rcptform_strerror(cm_rcptform form);

#endif
