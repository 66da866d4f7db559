/*++
/* NAME
/*	policy 3
/* SUMMARY
/*	the decision table
/* SYNOPSIS
/*	#include "policy.h"
/*
/*	int	cm_policy_message(cfg, msg, out)
/*	const cm_config *cfg;
/*	const cm_msg_facts *msg;
/*	cm_verdict *out;
/*
/*	void	cm_policy_decide(cfg, msg, rcpt, out)
/*	const cm_config *cfg;
/*	const cm_msg_facts *msg;
/*	const cm_rcpt_facts *rcpt;
/*	const cm_rcpt_record *rec;
/*	cm_verdict *out;
/*
/*	int	cm_policy_sender_listed(senders, who)
/*	const char *senders;
/*	const char *who;
/* DESCRIPTION
/*	This module is the decision table of DESIGN.md section 5, and
/*	nothing else: it reads facts that the caller gathered and returns
/*	a verdict. It performs no I/O and keeps no state, so the daemon
/*	and "consentctl check" give the same answer for the same facts,
/*	and every row can be unit tested.
/*
/*	cm_policy_message() evaluates the rows that depend on the message
/*	alone (1 to 10). It returns 1 and fills *out when one of them
/*	decides for every recipient; it returns 0 when the recipient's
/*	own records are needed. Callers use it to skip recipient lookups.
/*
/*	Row 1 also covers a plugin that could not do its check
/*	(plugin_error): like an unreadable store, it gets OnError, with
/*	the reason "plugin-error". Row 9 is a plugin's veto; a veto with
/*	veto_marketing_only set (the optout plugin) spares campaigns
/*	with basis service, which row 10 then allows.
/*
/*	cm_policy_decide() evaluates the whole table for one recipient.
/*	rcpt (the address) and rec (its records, as store(3) read
/*	them) may be NULL when cm_policy_message() already decided; rec
/*	is not looked at for an address that did not parse. Nothing here
/*	allocates or frees: the caller owns every input (facts(3)).
/*	Row 16a (reported as row CM_ROW_16A) denies granted consent whose
/*	time lies more than CM_TIME_FUTURE_MAX seconds after msg->now:
/*	no writer stores such a time (DESIGN.md section 3), so it was
/*	written by a broken tool or by hand, and it would otherwise win
/*	every later comparison and never grow older than max_age_days.
/*	It also denies a record that Redis returned but that cannot be
/*	read as consent (consent_invalid: a state that is neither
/*	granted nor withdrawn, a grant whose time is not Unix seconds):
/*	Redis answered, so row 1 is not the place for it.
/*
/*	A suppression that was read (rec->suppressed) decides row 12
/*	before a store error of the same recipient's consent record
/*	is looked at: no answer about consent could change it.
/*
/*	cm_policy_sender_listed() tells whether who appears in the
/*	comma-separated senders list of a campaign (case-insensitive,
/*	whitespace around items ignored). Row 8 compares the envelope
/*	sender in its canonical form (addrcanon(3): no source route, no
/*	trailing dot, no needless quotes), the SASL login as it is.
/* DIAGNOSTICS
/*	None: every input has a verdict.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <string.h>
#include <strings.h>

/* Application-specific. */

#include "addrcanon.h"
#include "policy.h"
#include "schema.h"
#include "timeparse.h"

#define SECONDS_PER_DAY	86400LL

/* verdict - fill in a verdict */

static int verdict(cm_verdict *out, int row, cm_decision decision,
		           const char *reason)
{
    out->row = row;
    out->decision = decision;
    out->reason = reason;
    out->tag = 0;
    return (1);
}

/* bulk_verdict - apply UnidentifiedBulk (row 3) */

static int bulk_verdict(const cm_config *cfg, cm_verdict *out)
{
    static const char reason[] = "unidentified-bulk";

    switch (cfg->unidentified_bulk) {
    case CM_BULK_TEMPFAIL:
	return (verdict(out, 3, CM_DECISION_TEMPFAIL, reason));
    case CM_BULK_ACCEPT:
	return (verdict(out, 3, CM_DECISION_ALLOW, reason));
    case CM_BULK_TAG:
	verdict(out, 3, CM_DECISION_ALLOW, reason);
	out->tag = 1;
	return (1);
    case CM_BULK_REJECT:
    default:
	return (verdict(out, 3, CM_DECISION_DENY, reason));
    }
}

/* store_error_verdict - apply OnError (row 1) */

static int store_error_verdict(const cm_config *cfg, cm_verdict *out,
			               const char *reason)
{
    return (verdict(out, 1, cfg->on_error == CM_ONERR_ACCEPT ?
		    CM_DECISION_ALLOW : CM_DECISION_TEMPFAIL, reason));
}

/* cm_policy_sender_listed - is who in a comma list of senders */

int     cm_policy_sender_listed(const char *senders, const char *who)
{
    const char *cp = senders;
    const char *item;
    size_t  len;
    size_t  wlen;

    if (senders == 0 || who == 0 || *who == 0)
	return (0);
    wlen = strlen(who);
    while (*cp) {
	while (*cp == ',' || *cp == ' ' || *cp == '\t')
	    cp++;
	item = cp;
	while (*cp && *cp != ',')
	    cp++;
	len = cp - item;
	while (len > 0 && (item[len - 1] == ' ' || item[len - 1] == '\t'))
	    len--;
	if (len == wlen && strncasecmp(item, who, len) == 0)
	    return (1);
    }
    return (0);
}

/* sender_listed - is the envelope sender, as the MTA uses it, listed */

static int sender_listed(const char *senders, const char *sender)
{
    char    canon[CM_ID_SIZE];

    /*
     * @relay:news@org.example, news@org.example. and the quoted
     * "news"@org.example are all news@org.example to the MTA, so
     * they are to the senders list (addrcanon(3)); a sender that does
     * not parse is compared as it stands, as before.
     */
    if (sender != 0 && *sender != 0
	&& cm_addr_canonical(sender, strlen(sender), canon,
			     sizeof(canon)) == CM_ADDR_OK)
	sender = canon;
    return (cm_policy_sender_listed(senders, sender));
}

/* cm_policy_message - rows 1 to 10: decisions that hold for every recipient */

int     cm_policy_message(const cm_config *cfg, const cm_msg_facts *msg,
			          cm_verdict *out)
{
    const cm_campaign *camp = msg->record;

    /*
     * The order of these tests is the order of the rows in DESIGN.md
     * section 5: the first row that matches decides.
     */
    /*
     * Row 1. OnError accept is a choice for while Redis cannot be read;
     * a campaign record that Redis returned and nobody can read (a
     * status of "Closed", no purpose) is no outage, and letting its
     * campaign through unchecked would reach the withdrawn too.
     */
    if (msg->store_error && msg->store_invalid)
	return (verdict(out, 1, CM_DECISION_TEMPFAIL, "store-error"));
    if (msg->store_error)
	return (store_error_verdict(cfg, out, "store-error"));	/* row 1 */
    if (msg->plugin_error)
	return (store_error_verdict(cfg, out, "plugin-error"));	/* row 1 */
    if (msg->campaign == 0) {
	if (!msg->bulk)
	    return (verdict(out, 2, CM_DECISION_PASS, 0));	/* row 2 */
	return (bulk_verdict(cfg, out));	/* row 3 */
    }
    if (msg->campaign_bad || !cm_campaign_id_valid(msg->campaign))
	return (verdict(out, 4, CM_DECISION_DENY, "bad-campaign-id"));
    if (camp == 0 || !camp->found)
	return (verdict(out, 5, CM_DECISION_DENY, "unknown-campaign"));
    if (camp->status == CM_STATUS_CLOSED)
	return (verdict(out, 6, CM_DECISION_DENY, "campaign-closed"));
    if (camp->status == CM_STATUS_PAUSED)
	return (verdict(out, 7, CM_DECISION_TEMPFAIL, "campaign-paused"));
    if (camp->senders != 0
	&& !sender_listed(camp->senders, msg->sender)
	&& !cm_policy_sender_listed(camp->senders, msg->auth))
	return (verdict(out, 8, CM_DECISION_DENY, "campaign-not-authorised"));
    if (msg->veto != 0
	&& !(msg->veto_marketing_only && camp->basis == CM_BASIS_SERVICE))
	return (verdict(out, 9, CM_DECISION_DENY, msg->veto));
    if (camp->basis == CM_BASIS_SERVICE)
	return (verdict(out, 10, CM_DECISION_ALLOW, "service"));
    return (0);
}

/* cm_policy_decide - the whole table for one recipient */

void    cm_policy_decide(const cm_config *cfg, const cm_msg_facts *msg,
			         const cm_rcpt_facts *rcpt,
			         const cm_rcpt_record *rec, cm_verdict *out)
{
    const cm_campaign *camp = msg->record;
    long long max_age;

    if (cm_policy_message(cfg, msg, out))
	return;

    /*
     * Rows 11 to 16 need the recipient. An address that does not parse
     * is never looked up, so it cannot carry a store error; one whose
     * records could not be read is row 1 again.
     */
    if (rcpt == 0 || !rcpt->addr_ok) {
	(void) verdict(out, 11, CM_DECISION_DENY, "bad-address");
	return;
    }
    /*
     * A suppression that was read decides even when the consent record
     * could not be: no answer about consent can change row 12, and a
     * store error would let the person's mail through under OnError
     * accept (or hold everybody's until the record is mended).
     */
    if (rec != 0 && rec->suppressed) {
	(void) verdict(out, 12, CM_DECISION_DENY, "suppressed");
	return;
    }
    if (rec == 0 || rec->store_error) {
	(void) store_error_verdict(cfg, out, "store-error");
	return;
    }
    switch (rec->consent) {
    case CM_CONSENT_NONE:
	if (rec->consent_invalid)
	    break;
	(void) verdict(out, 13, CM_DECISION_DENY, "no-consent");
	return;
    case CM_CONSENT_WITHDRAWN:
	(void) verdict(out, 14, CM_DECISION_DENY, "withdrawn");
	return;
    case CM_CONSENT_GRANTED:
	break;
    }

    /*
     * Row 16a, for a record that Redis returned but nobody can read: a
     * state that is neither granted nor withdrawn, or a grant whose
     * time is not Unix seconds. It is not consent that can be shown.
     */
    if (rec->consent_invalid) {
	(void) verdict(out, CM_ROW_16A, CM_DECISION_DENY, "consent-invalid");
	return;
    }

    /*
     * Consent with no recorded time cannot be shown to be recent enough,
     * so a campaign with a maximum age treats it as expired.
     */
    if (camp->max_age_days > 0) {
	max_age = camp->max_age_days * SECONDS_PER_DAY;
	if (rec->consent_at <= 0 || msg->now - rec->consent_at > max_age) {
	    (void) verdict(out, 15, CM_DECISION_DENY, "consent-expired");
	    return;
	}
    }

    /*
     * Row 16a. A time in the future is not evidence of consent; it is
     * also exactly what row 15 cannot see (its age is negative).
     */
    if (rec->consent_at > msg->now + CM_TIME_FUTURE_MAX) {
	(void) verdict(out, CM_ROW_16A, CM_DECISION_DENY, "consent-invalid");
	return;
    }
    (void) verdict(out, 16, CM_DECISION_ALLOW, "consent");
}

/* cm_decision_name - decision as written in the audit trail */

const char *cm_decision_name(cm_decision decision)
{
    switch (decision) {
    case CM_DECISION_ALLOW:
	return ("allow");
    case CM_DECISION_DENY:
	return ("deny");
    case CM_DECISION_TEMPFAIL:
	return ("tempfail");
    case CM_DECISION_PASS:
    default:
	return ("pass");
    }
}

/* cm_basis_name - campaign basis as written in the audit trail */

const char *cm_basis_name(cm_basis basis)
{
    return (basis == CM_BASIS_SERVICE ? CM_BASIS_SERVICE_WORD
	    : CM_BASIS_CONSENT_WORD);
}
