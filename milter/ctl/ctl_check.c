/*++
/* NAME
/*	ctl_check 3
/* SUMMARY
/*	consentctl: the daemon's decision for one recipient
/* SYNOPSIS
/*	#include "ctl.h"
/*
/*	int	ctl_check(c, argc, argv)
/*	ctl	*c;
/*	int	argc;
/*	char	**argv;
/* DESCRIPTION
/*	ctl_check() is "check ADDR CAMPAIGN": the answer the daemon would
/*	give at RCPT time for an envelope campaign, reached through the
/*	daemon's own code: the sender, the recipient and the message
/*	facts are built by facts(3), as the daemon builds them,
/*	cm_store_fetch() reads the campaign and the recipient in one round
/*	trip, and cm_policy_decide() decides. Plugins (row 9)
/*	are not run. The evidence behind the decision is printed under
/*	it.
/* DIAGNOSTICS
/*	Exit status 0 for allow (or pass), 1 for deny or tempfail, 64
/*	usage, 69 when the store could not be read (after printing the
/*	decision the daemon would then give).
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdio.h>
#include <string.h>

/* Application-specific. */

#include "audit.h"
#include "campaign.h"
#include "clock.h"
#include "ctl.h"
#include "escape.h"
#include "facts.h"
#include "policy.h"
#include "schema.h"
#include "store.h"
#include "timeparse.h"

#define USAGE_CHECK	"check ADDR CAMPAIGN [--sender S] [--auth LOGIN]"

/* print_consent - the recipient's records behind a decision */

static void print_consent(const cm_campaign *camp, const cm_rcpt_record *f,
			          const cm_verdict *v, long long now, cm_buf *t)
{
    char    stamp[40];

    if (f->suppressed) {
	cm_time_rfc3339(stamp, sizeof(stamp), f->suppressed_at, -1);
	printf("  suppressed at %s, reason: %s\n",
	       f->suppressed_at > 0 ? stamp : "an unknown time",
	       f->suppressed_reason ? ctl_text(t, f->suppressed_reason)
	       : "none given");
    }
    /*
     * Row 16a for a record that holds something unreadable: "no consent
     * on record" or "granted at an unknown time" would send whoever
     * investigates to the wrong record or to the wrong question.
     */
    if (f->consent_invalid && f->consent != CM_CONSENT_WITHDRAWN) {
	printf("  the %s record cannot be read as consent: a state other "
	       "than %s or %s, or a time that is not Unix seconds\n",
	       camp->purpose, CM_STATE_GRANTED, CM_STATE_WITHDRAWN);
	return;
    }
    if (f->consent == CM_CONSENT_NONE) {
	printf("  no %s consent on record\n", camp->purpose);
	return;
    }
    cm_time_rfc3339(stamp, sizeof(stamp), f->consent_at, -1);
    printf("  %s %s at %s, source: %s\n", camp->purpose,
	   cm_consent_state_word(f->consent),
	   f->consent_at > 0 ? stamp : "an unknown time",
	   f->consent_src ? ctl_text(t, f->consent_src) : "none recorded");
    if (v->row == 15 && f->consent_at > 0)
	printf("  the campaign accepts consent up to %ld days old; "
	       "this is %lld days old\n", camp->max_age_days,
	       (now - f->consent_at) / 86400);
    else if (v->row == 15)
	printf("  the campaign accepts consent up to %ld days old; "
	       "this has no time\n", camp->max_age_days);
    else if (v->row == CM_ROW_16A)
	printf("  that time lies more than %d seconds after this clock: "
	       "no writer stores it, so it is not evidence of consent\n",
	       CM_TIME_FUTURE_MAX);
}

/* print_verdict - the decision line and the evidence under it */

static void print_verdict(ctl *c, const cm_msg_facts *m,
			          const cm_campaign *camp, const cm_rcpt *r,
			          const cm_verdict *v)
{
    cm_buf  t = CM_BUF_INIT;
    cm_buf  a = CM_BUF_INIT;
    char    norm[CM_ID_SIZE];
    const char *addr = r->raw;

    printf("%s: %s (campaign %s", cm_decision_name(v->decision),
	   v->reason ? v->reason : "not marketing", ctl_text(&t, m->campaign));
    if (camp->found)
	printf(", purpose %s", camp->purpose);
    printf(")\n");
    switch (v->row) {
    case 1:
	printf("  %s\n", m->store_invalid ? "the campaign's record cannot be "
	       "read (consentctl campaign show says why); the daemon defers "
	       "its mail until it is mended, whatever OnError says"
	       : m->store_error ? "the consent store could not be read"
	       : "this address's records cannot be read (a key of the "
	       "wrong type)");
	break;
    case 4:
	printf("  campaign ids are 1 to %d of A-Z a-z 0-9 . _ : -\n",
	       CM_CAMPAIGN_ID_MAX);
	break;
    case 5:
	printf("  no such campaign: register it with "
	       "\"consentctl campaign add\"\n");
	break;
    case 6:
    case 7:
	printf("  campaign status: %s\n", v->row == 6 ?
	       CM_STATUS_CLOSED_WORD : CM_STATUS_PAUSED_WORD);
	break;
    case 8:
	printf("  campaign senders: %s\n", ctl_text(&t, camp->senders));
	printf("  envelope sender: %s, SASL login: %s\n",
	       *m->sender ? ctl_text(&t, m->sender) : "none",
	       m->auth ? ctl_text(&a, m->auth) : "none");
	break;
    case 10:
	printf("  basis service: not marketing, no consent needed\n");
	break;
    case 11:
	printf("  address \"%s\": %s\n", ctl_text(&t, addr), cm_addr_strerror(
		cm_addr_normalise(addr, strlen(addr), norm, sizeof(norm))));
	break;
    default:
	if (v->row >= 12)
	    print_consent(camp, &r->record, v, m->now, &t);
	break;
    }
    if (c->key != 0 && r->facts.addr_ok && v->row >= 11)
	printf("  record id: %s\n", r->facts.id);
    if (c->cfg.mode == CM_MODE_DRY_RUN)
	printf("  Mode dry-run: the daemon logs this decision, "
	       "and delivers anyway\n");
    cm_buf_free(&t);
    cm_buf_free(&a);
}

/* ctl_check - the daemon's decision for one recipient of a campaign */

int     ctl_check(ctl *c, int argc, char **argv)
{
    ctl_opt opts[] = {{"--sender", 0}, {"--auth", 0}, {0, 0}};
    const char *pos[2];
    char    err[512] = "";
    cm_buf  sender = CM_BUF_INIT;
    cm_rcpt rcpt;
    cm_campaign camp;
    cm_msg_facts m;
    cm_verdict v;
    cm_store *st;
    int     status;

    if (ctl_want_help(argc, argv)) {
	printf("usage: consentctl %s\n", USAGE_CHECK);
	return (CTL_EX_OK);
    }
    if ((status = ctl_parse_opts(c, argc, argv, 1, pos, 2, opts,
				 USAGE_CHECK)) != 0)
	return (status);

    /*
     * The sender, the recipient and the message facts as the daemon
     * builds them (facts(3)) for an envelope campaign at RCPT time. The
     * null sender with a campaign is decided like any other sender
     * (DESIGN.md section 2): only a true delivery status notification
     * passes, and a campaign given here makes it none.
     */
    (void) cm_msg_sender(opts[0].value ? opts[0].value : "", &sender);
    memset(&camp, 0, sizeof(camp));
    if (cm_rcpt_fill(&rcpt, c->key, pos[0], (cm_arena *) 0) != 0) {
	cm_buf_free(&sender);
	ctl_error(c, "out of memory");
	return (CTL_EX_SOFTWARE);
    }
    cm_msg_facts_fill(&m, pos[1], &camp, cm_buf_str(&sender),
		      opts[1].value);

    /*
     * One round trip for the campaign and the recipient, as decide_all()
     * does; a malformed id is never looked up (row 4).
     */
    if (cm_campaign_id_valid(pos[1])) {
	if ((st = cm_store_create(&c->cfg, err, sizeof(err))) == 0)
	    m.store_error = 1;
	else if ((status = cm_store_fetch(st, pos[1], &camp, &rcpt, 1, err,
					  sizeof(err))) != 0) {
	    m.store_error = 1;
	    m.store_invalid = (status == CM_STORE_INVALID);
	}
	cm_store_destroy(st);
    }
    cm_policy_decide(&c->cfg, &m, &rcpt.facts, &rcpt.record, &v);

    print_verdict(c, &m, &camp, &rcpt, &v);
    cm_campaign_clear(&camp);
    cm_rcpt_free(&rcpt);
    cm_buf_free(&sender);
    /* Redis answered: the decision (tempfail) is the answer, exit 1. */
    if (m.store_invalid)
	ctl_error(c, "%s", err);
    else if (m.store_error) {
	ctl_error(c, "consent store unavailable: %s", err);
	return (CTL_EX_UNAVAILABLE);
    }
    return (v.decision == CM_DECISION_ALLOW || v.decision == CM_DECISION_PASS ?
	    CTL_EX_OK : CTL_EX_NO);
}
