/*++
/* NAME
/*	ctl_unsubmail 3
/* SUMMARY
/*	consentctl mail-unsubscribe: the mailto: opt-out, from a pipe
/* SYNOPSIS
/*	#include "ctl.h"
/*
/*	int	ctl_mail_unsubscribe(c, argc, argv)
/*	ctl	*c;
/*	int	argc;
/*	char	**argv;
/*
/*	char	*ctl_read_message(c, len)
/*	ctl	*c;
/*	size_t	*len;
/*
/*	redisContext *ctl_redis_soft(c, why, whylen)
/*	ctl	*c;
/*	char	*why;
/*	size_t	whylen;
/*
/*	int	ctl_optout_done(c, verb, ctx, res)
/*	ctl	*c;
/*	const char *verb;
/*	const cm_optout_ctx *ctx;
/*	const cm_optout_result *res;
/* DESCRIPTION
/*	ctl_mail_unsubscribe() implements "mail-unsubscribe RECIPIENT
/*	[SENDER]": the mailto: form of the relay's own List-Unsubscribe
/*	(DESIGN.md section 14). A Postfix pipe transport for
/*	unsubscribe+*@UnsubscribeMailto runs it with the message on
/*	standard input, RECIPIENT = ${original_recipient} and SENDER =
/*	${sender}. The token is taken from the recipient's local part
/*	(unsubscribe+TOKEN, any case: some systems fold it), verified and
/*	applied (optout(3)): the purpose of the campaign is withdrawn,
/*	actor "mailto", with the campaign, the message's Message-ID and
/*	the sender (pseudonymised with LogAddresses pseudonymised) as the
/*	evidence. The whole message is read (the pipe must not break)
/*	and only its header is looked at.
/*
/*	ctl_read_message() reads standard input to its end: at most
/*	CTL_MESSAGE_MAX bytes are kept, the rest is read and dropped.
/*
/*	ctl_redis_soft() is ctl_redis() for a pipe transport: a store
/*	that cannot be reached gives NULL and why, not exit 69.
/*
/*	ctl_optout_done() finishes an opt-out for mail-unsubscribe and
/*	feedback alike: the audit trail's "opt-out" line (AuditLog, or
/*	syslog without one), one log line (syslog and standard error)
/*	with the result and, for a refused token, why (only in the log:
/*	whoever sent the mail learns nothing, no oracle), and the exit
/*	status a pipe transport expects.
/* DIAGNOSTICS
/*	Exit status (sysexits, for the pipe transport): 0 withdrawn,
/*	already withdrawn, or a token that is not ours or not valid
/*	(accepted and dropped, with a log line: no bounce tells a forger
/*	anything); 64 usage; 75 (EX_TEMPFAIL) the store or the audit
/*	trail is unavailable, or the configuration (consentctl.c) or a
/*	key file cannot be read, so that Postfix keeps the message and
/*	tries again: nothing is lost.
/* SEE ALSO
/*	optout(3), unsubtoken(3); contrib/postfix/README, the transport.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

/* Application-specific. */

#include "arf.h"
#include "audit.h"
#include "clock.h"
#include "ctl.h"
#include "escape.h"
#include "log.h"
#include "optout.h"
#include "redisconn.h"

#define USAGE_MAIL	"mail-unsubscribe RECIPIENT [SENDER] < message"

/* ctl_redis_soft - the connection, or NULL (with why) instead of exit 69 */

redisContext *ctl_redis_soft(ctl *c, char *why, size_t whylen)
{
    if (c->redis == 0)
	c->redis = cm_redis_connect(&c->cfg, why, whylen);
    return (c->redis);
}

/* ctl_read_message - standard input, kept up to CTL_MESSAGE_MAX bytes */

char   *ctl_read_message(ctl *c, size_t *len)
{
    char   *buf, drop[8192];
    size_t  n = 0;
    ssize_t got;

    if ((buf = malloc(CTL_MESSAGE_MAX + 1)) == 0) {
	ctl_error(c, "out of memory");
	return (0);
    }
    for (;;) {
	if (n < CTL_MESSAGE_MAX)
	    got = read(0, buf + n, CTL_MESSAGE_MAX - n);
	else
	    got = read(0, drop, sizeof(drop));
	if (got == 0)
	    break;
	if (got < 0) {
	    if (errno == EINTR)
		continue;
	    ctl_error(c, "standard input: %s", strerror(errno));
	    free(buf);
	    return (0);
	}
	if (n < CTL_MESSAGE_MAX)
	    n += (size_t) got;
    }
    buf[n] = 0;
    *len = n;
    return (buf);
}

/* ctl_optout_done - audit line, log line, exit status */

int     ctl_optout_done(ctl *c, const char *verb, const cm_optout_ctx *ctx,
			        const cm_optout_result *res)
{
    cm_buf  line = CM_BUF_INIT, why = CM_BUF_INIT;
    cm_audit *audit;
    char    err[512];
    int     status = CTL_EX_OK;

    if (res->status == CM_OPTOUT_STOREDOWN)
	status = CTL_EX_TEMPFAIL;

    /* Nothing written to the store: no record of an opt-out either. */
    if (res->status != CM_OPTOUT_STOREDOWN) {
	cm_optout_audit_format(&line, cm_time_now_ms(), ctx, res);
	if ((audit = cm_audit_open(c->cfg.audit_log, c->cfg.audit_fsync, err,
				   sizeof(err))) == 0
	    || cm_audit_write(audit, cm_buf_str(&line), line.len) != 0) {
	    cm_log(LOG_ERR, "%s: audit trail: %s", verb, audit ? "write "
		   "failed" : err);
	    /* Done or not, a retry finds it done and writes the line then. */
	    status = CTL_EX_TEMPFAIL;
	}
	if (audit)
	    cm_audit_close(audit);
    }
    cm_buf_add_safe(&why, res->why, strlen(res->why));
    cm_log(res->status == CM_OPTOUT_STOREDOWN ? LOG_WARNING : LOG_INFO,
	   "%s: channel=%s result=%s campaign=%s purpose=%s%s%s", verb,
	   cm_optout_channel_name(ctx->channel),
	   cm_optout_status_name(res->status),
	   res->campaign[0] ? res->campaign : "-",
	   res->purpose[0] ? res->purpose : "-",
	   why.len ? ": " : "", cm_buf_str(&why));
    cm_buf_free(&line);
    cm_buf_free(&why);
    return (status);
}

/* ctl_mail_unsubscribe - the mailto: opt-out */

int     ctl_mail_unsubscribe(ctl *c, int argc, char **argv)
{
    char    tok[CM_TOKEN_SIZE], msgid[ARF_FIELD_MAX];
    cm_token_keys *keys;
    cm_optout_ctx ctx;
    cm_optout_result res;
    redisContext *db;
    char    err[300];
    size_t  len;
    char   *msg;
    int     status;

    if (ctl_want_help(argc, argv)) {
	printf("usage: consentctl %s\n", USAGE_MAIL);
	return (CTL_EX_OK);
    }
    if (argc < 2 || argc > 3)
	return (ctl_usage(c, USAGE_MAIL));
    (void) signal(SIGPIPE, SIG_IGN);
    cm_log_init("consentctl", 1, 1);
    if ((msg = ctl_read_message(c, &len)) == 0)
	return (CTL_EX_TEMPFAIL);
    (void) arf_header(msg, len, "Message-ID", msgid, sizeof(msgid));
    free(msg);

    memset(&ctx, 0, sizeof(ctx));
    ctx.channel = CM_OPTOUT_MAILTO;
    ctx.msgid = msgid[0] ? msgid : 0;
    ctx.client = argc > 2 && argv[2][0] ? argv[2] : 0;
    ctx.key = c->key;
    ctx.pseudonymise = (c->cfg.log_addresses == CM_LOGADDR_PSEUDONYMISED);

    /* Not ours, or mangled: accepted and dropped, like a forged one. */
    if (!arf_find_token(argv[1], 0, tok, sizeof(tok))) {
	memset(&res, 0, sizeof(res));
	res.status = CM_OPTOUT_BADTOKEN;
	snprintf(res.why, sizeof(res.why), "no unsubscribe+TOKEN in the "
		 "recipient address");
	return (ctl_optout_done(c, "mail-unsubscribe", &ctx, &res));
    }
    if ((keys = ctl_token_keys(c)) == 0)
	return (CTL_EX_TEMPFAIL);		/* an admin must fix it: keep it */
    (void) cm_optout_apply(db = ctl_redis_soft(c, err, sizeof(err)),
			   c->cfg.key_prefix, keys, tok, &ctx, &res);
    if (db == 0 && res.status == CM_OPTOUT_STOREDOWN)
	snprintf(res.why, sizeof(res.why), "%s", err);
    cm_token_keys_free(keys);
    status = ctl_optout_done(c, "mail-unsubscribe", &ctx, &res);
    return (status);
}
