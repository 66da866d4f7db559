/*++
/* NAME
/*	mta_libmilter 3
/* SUMMARY
/*	MTA operations through libmilter
/* SYNOPSIS
/*	#include "mta.h"
/*
/*	const cm_mta_ops cm_mta_libmilter;
/* DESCRIPTION
/*	The implementation of mta.h that the daemon uses: each operation
/*	is the matching smfi_*() call on the SMFICTX handle. libmilter's
/*	prototypes predate const; the strings are not modified.
/* DIAGNOSTICS
/*	Each operation returns -1 when libmilter reports MI_FAILURE.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <string.h>

/* Utility library. */

#include <libmilter/mfapi.h>

/* Application-specific. */

#include "mta.h"

/* mta_setreply - smfi_setreply() */

static int mta_setreply(void *mta, const char *rcode, const char *xcode,
			        const char *text)
{
    return (smfi_setreply((SMFICTX *) mta, (char *) rcode, (char *) xcode,
			  (char *) text) == MI_SUCCESS ? 0 : -1);
}

/* mta_delrcpt - smfi_delrcpt() */

static int mta_delrcpt(void *mta, const char *rcpt)
{
    return (smfi_delrcpt((SMFICTX *) mta, (char *) rcpt) == MI_SUCCESS ? 0 : -1);
}

/* mta_addheader - smfi_addheader() */

static int mta_addheader(void *mta, const char *name, const char *value)
{
    return (smfi_addheader((SMFICTX *) mta, (char *) name,
			   (char *) value) == MI_SUCCESS ? 0 : -1);
}

/* mta_quarantine - smfi_quarantine() */

static int mta_quarantine(void *mta, const char *reason)
{
    return (smfi_quarantine((SMFICTX *) mta, (char *) reason) == MI_SUCCESS ?
	    0 : -1);
}

/* mta_getsymval - smfi_getsymval() */

static const char *mta_getsymval(void *mta, const char *name)
{
    return (smfi_getsymval((SMFICTX *) mta, (char *) name));
}

/* mta_insheader - smfi_insheader() */

static int mta_insheader(void *mta, int index, const char *name,
			         const char *value)
{
    return (smfi_insheader((SMFICTX *) mta, index, (char *) name,
			   (char *) value) == MI_SUCCESS ? 0 : -1);
}

/* mta_delheader - smfi_chgheader() with no value */

static int mta_delheader(void *mta, const char *name, int index)
{
    return (smfi_chgheader((SMFICTX *) mta, (char *) name, index,
			   (char *) 0) == MI_SUCCESS ? 0 : -1);
}

const cm_mta_ops cm_mta_libmilter = {
    mta_setreply,
    mta_delrcpt,
    mta_addheader,
    mta_quarantine,
    mta_getsymval,
    mta_insheader,
    mta_delheader,
};
