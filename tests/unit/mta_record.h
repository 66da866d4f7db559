/* SPDX-License-Identifier: BSD-3-Clause; Copyright (c) 2026 the consent-milter authors. */
#ifndef CM_MTA_RECORD_H
#define CM_MTA_RECORD_H

/*
 * mta_record - an MTA for the engine tests: it records what the engine
 * asks for (replies, removed recipients, headers, quarantine) and
 * serves macros from a small table. Any operation can be made to fail,
 * as libmilter's smfi_*() calls fail (MI_FAILURE): fail_at[op] = N
 * fails the Nth call of op and every later one (0: never); a failed
 * call records nothing. calls[op] counts the calls, failed or not.
 */
#include "mta.h"

#define MTA_RECORD_MAX	32

enum { MTA_SETREPLY, MTA_DELRCPT, MTA_ADDHEADER, MTA_QUARANTINE,
MTA_INSHEADER, MTA_DELHEADER, MTA_NOPS };

typedef struct mta_record {
    char    rcode[8];
    char    xcode[16];
    char    text[1024];			/* the last reply text */
    char   *deleted[MTA_RECORD_MAX];
    int     ndeleted;
    char   *headers[MTA_RECORD_MAX];	/* "Name: value" */
    int     nheaders;
    char   *inserted[MTA_RECORD_MAX];	/* "index Name: value", in call order */
    int     ninserted;
    char   *removed[MTA_RECORD_MAX];	/* "index Name", in call order */
    int     nremoved;
    char    quarantine[256];
    const char *qid;			/* the "i" macro, or NULL */
    const char *auth;			/* {auth_authen}, or NULL */
    int     calls[MTA_NOPS];		/* calls so far, by operation */
    int     fail_at[MTA_NOPS];		/* fail from the Nth call on */
} mta_record;

extern const cm_mta_ops mta_record_ops;
extern void mta_record_reset(mta_record *m);

#endif
