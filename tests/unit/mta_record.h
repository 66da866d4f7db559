#ifndef CM_MTA_RECORD_H
#define CM_MTA_RECORD_H

/*
 * mta_record - an MTA for the engine tests: it records what the engine
 * asks for (replies, removed recipients, headers, quarantine) and
 * serves macros from a small table.
 */
#include "mta.h"

#define MTA_RECORD_MAX	32

typedef struct mta_record {
    char    rcode[8];
    char    xcode[16];
    char    text[1024];			/* the last reply text */
    char   *deleted[MTA_RECORD_MAX];
    int     ndeleted;
    char   *headers[MTA_RECORD_MAX];	/* "Name: value" */
    int     nheaders;
    char    quarantine[256];
    const char *qid;			/* the "i" macro, or NULL */
    const char *auth;			/* {auth_authen}, or NULL */
} mta_record;

extern const cm_mta_ops mta_record_ops;
extern void mta_record_reset(mta_record *m);

#endif
