#ifndef CM_WRITER_H
#define CM_WRITER_H

/*++
/* NAME
/*	writer 3h
/* SUMMARY
/*	consent changes, applied atomically in Redis
/* SYNOPSIS
/*	#include "writer.h"
/*
/*	cm_write_events(): consent changes, applied atomically in Redis,
/*	one Lua script per event.
/* DESCRIPTION
/*	See writer.c. Every writer of consent records goes through this
/*	module, so the rules of DESIGN.md section 3 hold for all of them:
/*	an older event never overrides a newer one (ties: withdrawn
/*	wins), no event is stored with a time in the future, a grant
/*	lifts a suppression only when asked and newer, every change is
/*	appended to Phistory:<id>, erasure keeps the suppression.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#include <hiredis/hiredis.h>

#include "config.h"

typedef enum cm_event_kind {
    CM_EVENT_GRANT,			/* purpose granted */
    CM_EVENT_WITHDRAW,			/* purpose withdrawn */
    CM_EVENT_WITHDRAW_ALL,		/* every purpose withdrawn + suppress */
    CM_EVENT_SUPPRESS,			/* never any marketing */
    CM_EVENT_UNSUPPRESS,		/* lift a suppression */
    CM_EVENT_ERASE			/* forget all but the suppression */
} cm_event_kind;

typedef struct cm_event {
    cm_event_kind kind;
    const char *id;			/* record id (plain or HMAC hex) */
    const char *purpose;		/* GRANT and WITHDRAW only */
    long long at;			/* event time, Unix seconds */
    const char *src;			/* evidence, or the reason */
    const char *actor;			/* who made the change */
    int     renew;			/* GRANT: may lift an older suppression */
    int     dry;			/* judge only: write nothing */
} cm_event;

typedef enum cm_write_result {
    CM_WRITE_APPLIED,			/* stored, history appended */
    CM_WRITE_STALE,			/* older than what is stored: no change */
    CM_WRITE_SUPPRESSED,		/* grant kept out by a suppression */
    CM_WRITE_UNCHANGED,			/* nothing to do (e.g. already suppressed) */
    CM_WRITE_SAME			/* this very event is already recorded */
} cm_write_result;

extern int cm_write_events(redisContext *c, const char *prefix,
			           const cm_event *events, size_t count,
			           cm_write_result *results,
			           char *err, size_t errlen);

#endif
