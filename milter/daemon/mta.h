#ifndef CM_MTA_H
#define CM_MTA_H

/*++
/* NAME
/*	mta 3h
/* SUMMARY
/*	what the engine asks of the MTA
/* SYNOPSIS
/*	#include "mta.h"
/* DESCRIPTION
/*	The engine never calls libmilter: it calls these operations on an
/*	opaque handle. The daemon implements them with smfi_*() calls on
/*	the SMFICTX (mta_libmilter.c); the unit tests implement them with
/*	a recorder, so that reply codes, texts and removed recipients can
/*	be checked without an MTA.
/*
/*	Each returns 0 on success, -1 on failure; getsymval returns NULL
/*	for a macro that the MTA did not send.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

typedef struct cm_mta_ops {
    int     (*setreply) (void *mta, const char *rcode, const char *xcode,
			         const char *text);
    int     (*delrcpt) (void *mta, const char *rcpt);
    int     (*addheader) (void *mta, const char *name, const char *value);
    int     (*quarantine) (void *mta, const char *reason);
    const char *(*getsymval) (void *mta, const char *name);
    /* Insert a header at index (0: before every other header). */
    int     (*insheader) (void *mta, int index, const char *name,
			          const char *value);
    /* Delete the index-th (from 1) header of that name. */
    int     (*delheader) (void *mta, const char *name, int index);
} cm_mta_ops;

extern const cm_mta_ops cm_mta_libmilter;

#endif
