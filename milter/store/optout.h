#ifndef CM_OPTOUT_H
#define CM_OPTOUT_H

/*++
/* NAME
/*	optout 3h
/* SUMMARY
/*	the relay's own opt-out: a token in, a withdrawal out
/* SYNOPSIS
/*	#include "optout.h"
/*
/*	cm_optout_resolve(), cm_optout_apply(): verify a token, resolve
/*	its references, withdraw (or suppress) through the writer;
/*	cm_optout_token(): the token of a record and a campaign;
/*	cm_optout_audit_format(): the audit trail's opt-out line.
/* DESCRIPTION
/*	See optout.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#include <hiredis/hiredis.h>

#include "address.h"
#include "buf.h"
#include "campaign.h"
#include "unsubtoken.h"

/* How the opt-out arrived: the history's actor and src channel=. */
typedef enum cm_optout_channel {
    CM_OPTOUT_ONE_CLICK,		/* "one-click": POST /u/TOKEN */
    CM_OPTOUT_MAILTO,			/* "mailto": unsubscribe+TOKEN@ */
    CM_OPTOUT_FEEDBACK			/* "feedback": an ARF complaint */
} cm_optout_channel;

typedef enum cm_optout_status {
    CM_OPTOUT_DONE,			/* withdrawn (suppressed) now */
    CM_OPTOUT_ALREADY,			/* was already: harmless replay */
    CM_OPTOUT_BADTOKEN,			/* no verify or resolve: nothing written */
    CM_OPTOUT_STOREDOWN			/* redis failed: nothing lost, tempfail */
} cm_optout_status;

typedef struct cm_optout_ctx {
    cm_optout_channel channel;
    const char *msgid;			/* Message-ID, or NULL: "-" */
    const char *client;			/* client IP (or sender), or NULL: "-" */
    const cm_addrkey *key;		/* AddressKeyFile, or NULL */
    int     pseudonymise;		/* LogAddresses pseudonymised */
    int     suppress;			/* suppress the person (feedback) */
    const char *complaint;		/* suppress: Feedback-Type, or NULL */
    long long now;			/* event time; 0: the clock */
    const char *const *extra;		/* more evidence: key, value, ..., NULL */
} cm_optout_ctx;

#define CM_OPTOUT_SRC_MAX	1024	/* src text, with NUL */
#define CM_OPTOUT_WHY_MAX	300	/* reason, for a log line */

typedef struct cm_optout_result {
    cm_optout_status status;
    cm_token_status token;		/* BADTOKEN: why, for logs only */
    cm_token fields;			/* what the token carried */
    char    id[CM_ID_SIZE];		/* record id, or "" */
    char    campaign[CM_CAMPAIGN_ID_MAX + 1];	/* or "" */
    char    purpose[CM_PURPOSE_MAX + 1];	/* or "" */
    char    client[CM_ID_SIZE];		/* client as written: maybe a pseudonym */
    char    src[CM_OPTOUT_SRC_MAX];	/* the evidence written */
    char    why[CM_OPTOUT_WHY_MAX];	/* BADTOKEN, STOREDOWN: reason */
} cm_optout_result;

extern int cm_optout_resolve(redisContext *c, const char *prefix,
			             const cm_token_keys *keys,
			             const char *token, size_t len,
			             cm_optout_result *res);
extern int cm_optout_apply(redisContext *c, const char *prefix,
			           const cm_token_keys *keys, const char *token,
			           const cm_optout_ctx *ctx,
			           cm_optout_result *res);
extern int cm_optout_suppress_id(redisContext *c, const char *prefix,
				         const char *id,
				         const cm_optout_ctx *ctx,
				         cm_optout_result *res);
extern int cm_optout_token(redisContext *c, const char *prefix,
			           const cm_token_keys *keys, const char *id,
			           const char *campaign, char *out, size_t outsz,
			           char *why, size_t whylen);
extern const char *cm_optout_channel_name(cm_optout_channel channel);
extern const char *cm_optout_status_name(cm_optout_status status);
extern void cm_optout_audit_format(cm_buf *out, long long time_ms,
				           const cm_optout_ctx *ctx,
				           const cm_optout_result *res);

#endif
