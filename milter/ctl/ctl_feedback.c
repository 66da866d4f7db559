/*++
/* NAME
/*	ctl_feedback 3
/* SUMMARY
/*	consentctl feedback: complaints (ARF) suppress, evidence kept
/* SYNOPSIS
/*	#include "ctl.h"
/*
/*	int	ctl_feedback(c, argc, argv)
/*	ctl	*c;
/*	int	argc;
/*	char	**argv;
/* DESCRIPTION
/*	ctl_feedback() implements "feedback": it reads one complaint
/*	report in the Abuse Reporting Format (RFC 5965, a multipart/report
/*	with report-type=feedback-report, as mailbox providers' feedback
/*	loops send them) on standard input, typically from a Postfix pipe
/*	transport for the feedback-loop address, and suppresses the person
/*	who complained: a complaint means "never again", whatever the
/*	purpose (DESIGN.md section 14).
/*
/*	The person is found, first match wins, from our own token in the
/*	List-Unsubscribe of the original message (the copy inside the
/*	report: providers often redact the recipient, but keep that
/*	header), then from Original-Rcpt-To. The suppression's reason is
/*	the evidence: "channel=feedback campaign=ID message=MSGID
/*	client=SOURCE-IP complaint=FEEDBACK-TYPE arrival=ARRIVAL-DATE
/*	mail-from=ORIGINAL-MAIL-FROM" (optout(3); the client and the
/*	sender pseudonymised with LogAddresses pseudonymised), actor
/*	"feedback". The audit trail gets an "opt-out" line.
/* DIAGNOSTICS
/*	Exit status (sysexits, for the pipe transport): 0 suppressed,
/*	already suppressed, or a report that names nobody we can find
/*	(logged: a bounce would go to the provider, who can do nothing
/*	about it); 65 not an ARF report (the reason is printed: wrong
/*	address for the feedback transport?); 64 usage; 75 (EX_TEMPFAIL)
/*	the store or the audit trail is unavailable, or the configuration
/*	(consentctl.c) or a key file cannot be read: Postfix tries again.
/* SEE ALSO
/*	arf(3), optout(3); RFC 5965.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

/* Application-specific. */

#include "address.h"
#include "arf.h"
#include "ctl.h"
#include "log.h"
#include "optout.h"

#define USAGE_FEEDBACK	"feedback < ARF report"

/* bare_address - "<a@b>" or "a@b" out of a field, in place */

static char *bare_address(char *s)
{
    char   *lt = strchr(s, '<'), *gt;

    if (lt != 0 && (gt = strchr(lt, '>')) != 0) {
	*gt = 0;
	return (lt + 1);
    }
    return (s);
}

/* ctl_feedback - suppress whoever complained */

int     ctl_feedback(ctl *c, int argc, char **argv)
{
    char    why[512], tok[CM_TOKEN_SIZE], err[300];
    char    norm[CM_ID_SIZE], id[CM_ID_SIZE], from_id[CM_ID_SIZE];
    const char *extra[5];
    cm_token_keys *keys = 0;
    cm_optout_ctx ctx;
    cm_optout_result res;
    redisContext *db;
    arf_report *r;
    char   *msg, *rcpt;
    size_t  len;
    int     status;

    if (ctl_want_help(argc, argv)) {
	printf("usage: consentctl %s\n", USAGE_FEEDBACK);
	return (CTL_EX_OK);
    }
    if (argc != 1)
	return (ctl_usage(c, USAGE_FEEDBACK));
    (void) signal(SIGPIPE, SIG_IGN);
    cm_log_init("consentctl", 1, 1);
    if ((msg = ctl_read_message(c, &len)) == 0)
	return (CTL_EX_TEMPFAIL);
    if ((r = malloc(sizeof(*r))) == 0) {
	free(msg);
	ctl_error(c, "out of memory");
	return (CTL_EX_TEMPFAIL);
    }
    if (arf_parse(msg, len, r, why, sizeof(why)) != 0) {
	free(msg);
	free(r);
	ctl_error(c, "standard input: %s", why);
	return (CTL_EX_DATAERR);
    }
    free(msg);

    memset(&ctx, 0, sizeof(ctx));
    ctx.channel = CM_OPTOUT_FEEDBACK;
    ctx.suppress = 1;
    ctx.complaint = r->feedback_type;
    ctx.msgid = r->msgid[0] ? r->msgid : 0;
    ctx.client = r->source_ip[0] ? r->source_ip : 0;
    ctx.key = c->key;
    ctx.pseudonymise = (c->cfg.log_addresses == CM_LOGADDR_PSEUDONYMISED);
    extra[0] = "arrival";
    extra[1] = r->arrival_date[0] ? r->arrival_date : 0;
    extra[2] = "mail-from";
    extra[3] = bare_address(r->mail_from);
    if (ctx.pseudonymise && c->key && *extra[3]) {
	cm_addr_record_id(c->key, extra[3], strlen(extra[3]), from_id,
			  sizeof(from_id));
	extra[3] = from_id;
    }
    extra[4] = 0;
    if (extra[1] == 0) {
	extra[0] = extra[2];
	extra[1] = extra[3];
	extra[2] = 0;
    }
    ctx.extra = extra;

    db = ctl_redis_soft(c, err, sizeof(err));
    memset(&res, 0, sizeof(res));
    res.status = CM_OPTOUT_BADTOKEN;
    if (r->list_unsub[0] && arf_find_token(r->list_unsub,
					   c->cfg.unsubscribe_url, tok,
					   sizeof(tok))) {
	/* Our own token: it names the person and the campaign. */
	if ((keys = ctl_token_keys(c)) == 0) {
	    free(r);
	    return (CTL_EX_TEMPFAIL);
	}
	(void) cm_optout_apply(db, c->cfg.key_prefix, keys, tok, &ctx, &res);
	cm_token_keys_free(keys);
	if (res.status == CM_OPTOUT_BADTOKEN)
	    cm_log(LOG_INFO, "feedback: the token in List-Unsubscribe does "
		   "not verify: trying Original-Rcpt-To");
    }
    if (res.status != CM_OPTOUT_BADTOKEN) {
	 /* done with the token */ ;
    } else if (r->rcpt_to[0] && (rcpt = bare_address(r->rcpt_to)) != 0
	       && cm_addr_normalise(rcpt, strlen(rcpt), norm, sizeof(norm))
	       == CM_ADDR_OK) {
	cm_addr_record_id(c->key, norm, strlen(norm), id, sizeof(id));
	(void) cm_optout_suppress_id(db, c->cfg.key_prefix, id, &ctx, &res);
    } else {
	memset(&res, 0, sizeof(res));
	res.status = CM_OPTOUT_BADTOKEN;
	snprintf(res.why, sizeof(res.why), "the report names nobody: no "
		 "token of ours in List-Unsubscribe, no usable Original-Rcpt-To");
    }
    if (db == 0 && res.status == CM_OPTOUT_STOREDOWN)
	snprintf(res.why, sizeof(res.why), "%s", err);
    status = ctl_optout_done(c, "feedback", &ctx, &res);
    free(r);
    return (status);
}
