/*++
/* NAME
/*	action 3
/* SUMMARY
/*	what a decision does to the mail
/* SYNOPSIS
/*	#include "action.h"
/*
/*	cm_action cm_action_rcpt(cfg, verdict)
/*	const cm_config *cfg;
/*	const cm_verdict *verdict;
/*
/*	void	cm_action_plan(cfg, allowed, denied, tempfailed, tagged, plan)
/*	const cm_config *cfg;
/*	size_t	allowed;
/*	size_t	denied;
/*	size_t	tempfailed;
/*	int	tagged;
/*	cm_eom_plan *plan;
/*
/*	cm_action cm_action_for(plan, verdict)
/*	const cm_eom_plan *plan;
/*	const cm_verdict *verdict;
/*
/*	void	cm_reply_text(out, addr, reason, campaign)
/*	cm_buf	*out;
/*	const char *addr;
/*	const char *reason;
/*	const char *campaign;
/* DESCRIPTION
/*	This module turns verdicts into actions (DESIGN.md section 6).
/*	Like the policy, it performs no I/O, so the daemon's behaviour
/*	can be tested without an MTA.
/*
/*	cm_action_rcpt() gives the action for one recipient when the
/*	campaign is known at RCPT time: REJECT and TEMPFAIL refuse the
/*	recipient (550 or 451); every other action lets the recipient
/*	through, to be dealt with at end of message (QUARANTINE holds
/*	the whole message, TAG marks it).
/*
/*	cm_action_plan() decides the fate of a whole message from the
/*	verdicts of the recipients that are still in its envelope:
/* .IP \(bu
/*	any tempfailed recipient tempfails the message: whatever cannot
/*	be checked now waits in the sender's queue, nothing is lost;
/* .IP \(bu
/*	otherwise, with no denied recipient, the message is accepted;
/* .IP \(bu
/*	otherwise DenyAction decides: "reject" rejects the message when
/*	every recipient is denied and applies PartialAction when some
/*	are allowed; "tempfail" tempfails the message (a recipient cannot
/*	be tempfailed alone after DATA, and stripping would lose it);
/*	"quarantine" holds the whole message; "tag" delivers everything
/*	and marks the message.
/* .PP
/*	tagged says that a recipient verdict asked for marking
/*	(UnidentifiedBulk tag).
/*
/*	cm_action_for() gives the action recorded in the audit trail for
/*	one recipient under a plan.
/*
/*	cm_reply_text() writes the text of an SMTP reply in the contract
/*	shape "<addr>: not sent: <reason> (campaign <id>)", made safe for
/*	smfi_setreply(): bytes outside printable ASCII become '?', and
/*	'%' is doubled; an address given with its angle brackets (a raw,
/*	unparsable one) is not bracketed twice. addr may be NULL (a message-level reply) and
/*	campaign may be NULL ("no campaign").
/* DIAGNOSTICS
/*	None.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <string.h>

/* Application-specific. */

#include "action.h"
#include "buf.h"

#define REPLY_ADDR_MAX	256		/* echo no more of an address */

/* cm_action_name - action as written in the audit trail */

const char *cm_action_name(cm_action action)
{
    /* The order must match enum cm_action in action.h. */
    static const char *const names[] = {
	"accept", "reject", "strip", "tempfail", "quarantine", "tag",
    };

    if ((unsigned) action >= sizeof(names) / sizeof(names[0]))
	return ("accept");
    return (names[action]);
}

/* deny_action - what DenyAction makes of a denied recipient */

static cm_action deny_action(const cm_config *cfg)
{
    switch (cfg->deny_action) {
    case CM_DENY_TEMPFAIL:
	return (CM_ACTION_TEMPFAIL);
    case CM_DENY_QUARANTINE:
	return (CM_ACTION_QUARANTINE);
    case CM_DENY_TAG:
	return (CM_ACTION_TAG);
    case CM_DENY_REJECT:
    default:
	return (CM_ACTION_REJECT);
    }
}

/* cm_action_rcpt - action for one recipient decided at RCPT time */

cm_action cm_action_rcpt(const cm_config *cfg, const cm_verdict *v)
{
    switch (v->decision) {
    case CM_DECISION_DENY:
	return (deny_action(cfg));
    case CM_DECISION_TEMPFAIL:
	return (CM_ACTION_TEMPFAIL);
    case CM_DECISION_ALLOW:
	return (v->tag ? CM_ACTION_TAG : CM_ACTION_ACCEPT);
    case CM_DECISION_PASS:
    default:
	return (CM_ACTION_ACCEPT);
    }
}

/* cm_action_plan - the fate of a whole message */

void    cm_action_plan(const cm_config *cfg, size_t allowed, size_t denied,
		               size_t tempfailed, int tagged, cm_eom_plan *plan)
{
    plan->message = CM_ACTION_ACCEPT;
    plan->strip = 0;
    plan->tag = tagged;

    if (tempfailed > 0) {
	plan->message = CM_ACTION_TEMPFAIL;
	return;
    }
    if (denied == 0)
	return;
    switch (cfg->deny_action) {
    case CM_DENY_TEMPFAIL:
	plan->message = CM_ACTION_TEMPFAIL;
	return;
    case CM_DENY_QUARANTINE:
	plan->message = CM_ACTION_QUARANTINE;
	return;
    case CM_DENY_TAG:
	plan->tag = 1;
	return;
    case CM_DENY_REJECT:
	break;
    }
    if (allowed == 0) {
	plan->message = CM_ACTION_REJECT;
	return;
    }
    switch (cfg->partial_action) {
    case CM_PARTIAL_REJECT:
	plan->message = CM_ACTION_REJECT;
	return;
    case CM_PARTIAL_TEMPFAIL:
	plan->message = CM_ACTION_TEMPFAIL;
	return;
    case CM_PARTIAL_STRIP:
	plan->strip = 1;
	return;
    }
}

/* cm_action_for - the audit action of one recipient under a plan */

cm_action cm_action_for(const cm_eom_plan *plan, const cm_verdict *v)
{
    if (plan->message != CM_ACTION_ACCEPT)
	return (plan->message);
    if (v->decision == CM_DECISION_DENY)
	return (plan->strip ? CM_ACTION_STRIP : CM_ACTION_TAG);
    if (v->tag)
	return (CM_ACTION_TAG);
    return (CM_ACTION_ACCEPT);
}

/* add_reply_safe - append text that smfi_setreply() passes through as is */

static void add_reply_safe(cm_buf *out, const char *s, size_t len,
			           size_t max)
{
    const unsigned char *cp = (const unsigned char *) s;
    const unsigned char *end = cp + len;
    char    chunk[256];
    size_t  used = 0;
    size_t  n;

    /*
     * max counts output bytes ('%' becomes two), so that the three parts
     * of a reply always fit libmilter's limit of 980 bytes. The bytes
     * go out a chunk at a time, not one cm_buf_addc() call each (a
     * refusal's text cost more than its decision).
     */
    for (n = 0; cp < end; cp++) {
	if (n + (*cp == '%' ? 2 : 1) > max)
	    break;
	if (used + 2 > sizeof(chunk)) {
	    cm_buf_add(out, chunk, used);
	    used = 0;
	}
	if (*cp == '%') {
	    chunk[used++] = '%';
	    chunk[used++] = '%';
	    n += 2;
	} else {
	    chunk[used++] = (*cp < 0x20 || *cp > 0x7e) ? '?' : (char) *cp;
	    n += 1;
	}
    }
    if (used > 0)
	cm_buf_add(out, chunk, used);
    if (cp < end)
	cm_buf_adds(out, "...");
}

/* cm_reply_text - the text of a refusal */

void    cm_reply_text(cm_buf *out, const char *addr, const char *reason,
		              const char *campaign)
{
    size_t  len;

    if (addr != 0) {
	/* A raw (unparsable) address may come with its own brackets. */
	len = strlen(addr);
	if (len >= 2 && addr[0] == '<' && addr[len - 1] == '>') {
	    addr++;
	    len -= 2;
	}
	cm_buf_addc(out, '<');
	add_reply_safe(out, addr, len, REPLY_ADDR_MAX);
	cm_buf_adds(out, ">: ");
    }
    cm_buf_adds(out, "not sent: ");
    reason = reason ? reason : "unknown";
    add_reply_safe(out, reason, strlen(reason), REPLY_ADDR_MAX);
    if (campaign != 0) {
	cm_buf_adds(out, " (campaign ");
	add_reply_safe(out, campaign, strlen(campaign), REPLY_ADDR_MAX);
	cm_buf_addc(out, ')');
    } else {
	cm_buf_adds(out, " (no campaign)");
    }
}
