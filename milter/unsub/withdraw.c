/*++
/* NAME
/*	withdraw 3
/* SUMMARY
/*	consent-unsubscribe: the store's part of an opt-out
/* SYNOPSIS
/*	#include "unsub.h"
/*
/*	cm_unsub_outcome cm_unsub_withdraw(svc, token, client)
/*	cm_unsub *svc;
/*	const char *token;
/*	const char *client;
/*
/*	int	cm_unsub_purpose(svc, token, out, outsz)
/*	cm_unsub *svc;
/*	const char *token;
/*	char	*out;
/*	size_t	outsz;
/*
/*	const char *cm_unsub_outcome_name(outcome)
/*	cm_unsub_outcome outcome;
/* DESCRIPTION
/*	cm_unsub_withdraw() applies a one-click opt-out: optout(3)
/*	verifies the token, resolves its references and withdraws the
/*	purpose through the writer rules (one Lua script: history with
/*	actor "one-click", evidence "channel=one-click campaign=ID
/*	message=- client=ADDRESS", the client pseudonymised where
/*	LogAddresses is pseudonymised). It runs on a connection of the
/*	service's pool (redispool(3), to the primary), so that the HTTP
/*	threads share a few connections, reconnect after Redis comes
/*	back, and fail at once while it is down.
/*
/*	A withdrawal (DONE) and a replay (ALREADY) go to the audit trail
/*	as one JSON line ("event":"opt-out", cm_optout_audit_format()),
/*	written whole or not at all (audit(3)); when that write fails
/*	the opt-out stands (it is in Redis, with its history), the line
/*	goes to syslog instead and the failure is counted. A bad token
/*	is logged to syslog with the reason (never shown to the client),
/*	and is not in the audit trail: nothing was decided about anyone.
/*
/*	Bad tokens must not be told apart from good ones: a token that
/*	optout(3) turned away without asking Redis still costs a round
/*	trip (PING), so that it takes about as long and, when Redis is
/*	down, gets the same 503 as a good one. handler.c adds the time
/*	floor that hides the rest.
/*
/*	cm_unsub_purpose() writes the purpose that a token names (the
/*	GET page) and returns 0, or returns -1 (a bad token, the store
/*	down). It writes nothing to the store.
/*
/*	cm_unsub_outcome_name() is an outcome's label for the metrics.
/* DIAGNOSTICS
/*	cm_unsub_withdraw() returns CM_UNSUB_DONE, CM_UNSUB_ALREADY,
/*	CM_UNSUB_BADTOKEN or CM_UNSUB_STOREDOWN, and logs the last two.
/* SEE ALSO
/*	optout(3), redispool(3), audit(3), consent-unsubscribe(8).
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

/* Application-specific. */

#include "buf.h"
#include "clock.h"
#include "escape.h"
#include "log.h"
#include "optout.h"
#include "redisconn.h"
#include "redisreply.h"
#include "unsub.h"

/* What one exchange with Redis takes and gives. */
typedef struct job {
    cm_unsub *svc;
    const char *token;
    const cm_optout_ctx *ctx;		/* apply; NULL: resolve only */
    cm_optout_result res;
} job;

/* ping_exchange - one round trip, as for a good token */

static int ping_exchange(redisContext *c, void *arg, char *err, size_t errlen)
{
    redisReply *r;

    (void) arg;
    if ((r = redisCommand(c, "PING")) == 0)
	return (cm_redis_pool_error(c, errno, err, errlen));
    cm_redis_reply_free(r);
    return (CM_XCHG_OK);
}

/* optout_exchange - optout(3) on a borrowed connection */

static int optout_exchange(redisContext *c, void *arg, char *err,
			           size_t errlen)
{
    job    *j = arg;
    const cm_config *cfg = j->svc->cfg;

    memset(&j->res, 0, sizeof(j->res));
    if (j->ctx != 0)
	(void) cm_optout_apply(c, cfg->key_prefix, j->svc->keys, j->token,
			       j->ctx, &j->res);
    else
	(void) cm_optout_resolve(c, cfg->key_prefix, j->svc->keys, j->token,
				 strlen(j->token), &j->res);
    if (j->res.status != CM_OPTOUT_STOREDOWN)
	return (CM_XCHG_OK);

    /*
     * A broken connection is dropped (the pool connects anew, and
     * tries once more when the connection had sat idle: a replayed
     * opt-out is harmless); an error reply leaves it usable.
     */
    cm_redis_err(err, errlen, "%s", j->res.why);
    return (c->err ? CM_XCHG_BROKEN : CM_XCHG_FAIL);
}

/* cm_unsub_outcome_name - the label of an outcome */

const char *cm_unsub_outcome_name(cm_unsub_outcome outcome)
{
    static const char *const names[CM_UNSUB_OUTCOMES] = {
	"done", "already", "bad-token", "store-down",
    };

    return ((unsigned) outcome < CM_UNSUB_OUTCOMES ? names[outcome] : "?");
}

/* audit - the opt-out's line in the audit trail, or else in syslog */

static void audit(cm_unsub *svc, const cm_optout_ctx *ctx,
		          const cm_optout_result *res)
{
    cm_buf  line = CM_BUF_INIT;

    cm_optout_audit_format(&line, cm_time_now_ms(), ctx, res);
    if (line.oom || cm_audit_write(svc->audit, line.data, line.len) != 0) {
	cm_series_add(svc->audit_errors, 1);
	cm_log(LOG_ERR, "opt-out not in the audit trail, recorded here: %s",
	       cm_buf_str(&line));
    }
    cm_buf_free(&line);
}

/* store_down - log why an opt-out got 503 */

static void store_down(const char *err)
{
    cm_buf  safe = CM_BUF_INIT;

    cm_buf_add_safe(&safe, err, strlen(err));
    cm_log(LOG_ERR, "one-click opt-out not applied, store down (503): %s",
	   cm_buf_str(&safe));
    cm_buf_free(&safe);
}

/* cm_unsub_withdraw - withdraw the purpose that token names */

cm_unsub_outcome cm_unsub_withdraw(cm_unsub *svc, const char *token,
				           const char *client)
{
    cm_optout_ctx ctx;
    job     j;
    char    err[512];
    char    who[CM_ID_SIZE];
    cm_buf  show = CM_BUF_INIT;
    cm_buf  why = CM_BUF_INIT;

    memset(&ctx, 0, sizeof(ctx));
    ctx.channel = CM_OPTOUT_ONE_CLICK;
    ctx.client = client;
    ctx.key = svc->addrkey;
    ctx.pseudonymise = svc->cfg->log_addresses == CM_LOGADDR_PSEUDONYMISED;
    memset(&j, 0, sizeof(j));
    j.svc = svc;
    j.token = token;
    j.ctx = &ctx;
    if (cm_redis_pool_run(svc->pool, optout_exchange, &j, err,
			  sizeof(err)) != 0) {
	store_down(err);
	return (CM_UNSUB_STOREDOWN);
    }
    switch (j.res.status) {
    case CM_OPTOUT_DONE:
	audit(svc, &ctx, &j.res);
	return (CM_UNSUB_DONE);
    case CM_OPTOUT_ALREADY:
	audit(svc, &ctx, &j.res);
	return (CM_UNSUB_ALREADY);
    default:
	break;
    }

    /* A bad token: the same round trip, the same answer when down. */
    if (cm_redis_pool_run(svc->pool, ping_exchange, 0, err,
			  sizeof(err)) != 0) {
	store_down(err);
	return (CM_UNSUB_STOREDOWN);
    }
    /* The client as the evidence would name it: maybe a pseudonym. */
    if (ctx.pseudonymise)
	cm_addr_record_id(svc->addrkey, client, strlen(client), who,
			  sizeof(who));
    else
	(void) snprintf(who, sizeof(who), "%s", client);
    /* What the client sent, and the store's words: made log-safe. */
    cm_buf_add_safe(&show, token, strlen(token) > 64 ? 64 : strlen(token));
    if (strlen(token) > 64)
	cm_buf_adds(&show, "...");
    cm_buf_add_safe(&why, j.res.why[0] ? j.res.why : "?", j.res.why[0] ?
		    strlen(j.res.why) : 1);
    cm_log(LOG_NOTICE, "one-click opt-out refused: bad token \"%s\" from "
	   "%s: %s", cm_buf_str(&show), who, cm_buf_str(&why));
    cm_buf_free(&show);
    cm_buf_free(&why);
    return (CM_UNSUB_BADTOKEN);
}

/* cm_unsub_purpose - the purpose a token names, for the page */

int     cm_unsub_purpose(cm_unsub *svc, const char *token, char *out,
			         size_t outsz)
{
    job     j;
    char    err[512];

    if (outsz > 0)
	out[0] = 0;
    memset(&j, 0, sizeof(j));
    j.svc = svc;
    j.token = token;
    if (cm_redis_pool_run(svc->pool, optout_exchange, &j, err,
			  sizeof(err)) != 0
	|| j.res.status != CM_OPTOUT_DONE || j.res.purpose[0] == 0)
	return (-1);
    if (strlen(j.res.purpose) >= outsz)
	return (-1);
    memcpy(out, j.res.purpose, strlen(j.res.purpose) + 1);
    return (0);
}
