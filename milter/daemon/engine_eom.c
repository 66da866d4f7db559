/*++
/* NAME
/*	engine_eom 3
/* SUMMARY
/*	end of message: decide, act, account
/* SYNOPSIS
/*	#include "engine.h"
/*
/*	cm_reply cm_on_eom(s, mta)
/*	cm_session *s;
/*	void	*mta;
/* DESCRIPTION
/*	cm_on_eom() runs the plugins' last hooks, decides every recipient
/*	that is not decided yet (all of them for a header campaign, a
/*	plugin's campaign or the sendmail-command path), acts: rejects,
/*	tempfails, holds or tags the message, strips denied recipients,
/*	and adds the X-Consent-Milter header (DESIGN.md section 6) and,
/*	with Unsubscribe yes, the relay's own List-Unsubscribe (below), then
/*	writes their audit records in one write. The MTA applies the
/*	changes only when the reply lets the message through, so the
/*	records can say what was done: when the MTA refuses a change, the
/*	message is deferred and every record says "action-failed"; when
/*	the records cannot be written, what would have been delivered or
/*	held is deferred (DESIGN.md section 7).
/*
/*	The relay's own opt-out (DESIGN.md section 14): a message that
/*	goes to exactly one person (the one live recipient, or the one
/*	left after stripping; in dry-run, where nobody is refused or
/*	stripped, the one recipient), allowed on consent (row 16), gets at index
/*	0 "List-Unsubscribe: <UnsubscribeURL TOKEN>, <mailto:unsubscribe+
/*	TOKEN@UnsubscribeMailto>" and, with a URL, "List-Unsubscribe-Post:
/*	List-Unsubscribe=One-Click" (RFC 2369, RFC 8058), above a
/*	List-Unsubscribe of the sending tool. The token (unsubtoken(3))
/*	carries the references that the consent record ("#ref", read
/*	with the record at RCPT) and the campaign ("ref") hold. A message
/*	to several people gets none (a token is personal), with one log
/*	line; so does a record or campaign without a reference, with a
/*	log line that names the fix (consentctl unsubscribe-refs). Like
/*	every other change, a header the MTA refuses defers the message
/*	(action-failed). In dry-run the headers are added as well, like
/*	X-Consent-Milter. A DKIM signer must run after this milter.
/*
/*	Recipients accepted at RCPT are decided again when the message's
/*	campaign turns out to be another one (a header or plugin
/*	campaign), or when a plugin vetoed the message or failed. Those
/*	refused at RCPT are not: in dry-run, where they stay in the
/*	message, their records are made first, under the envelope's
/*	campaign that decided them, as enforce mode writes them at RCPT.
/* DIAGNOSTICS
/*	Store, audit and MTA failures are logged to syslog; each one
/*	defers the message rather than letting it through unchecked.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

/* Application-specific. */

#include "action.h"
#include "campaign.h"
#include "clock.h"
#include "escape.h"
#include "log.h"
#include "metrics.h"
#include "session.h"

/* effective_campaign - which campaign the message belongs to, if any */

static const char *effective_campaign(const cm_session *s,
				               const cm_pmsg_result *pr)
{
    if (pr->campaign != 0)
	return (pr->campaign);
    if (s->hdr_campaign != 0)
	return (s->hdr_campaign);
    /* A mapping with an empty value is a (malformed) campaign too. */
    if (s->env_mapped)
	return (s->env_campaign);
    return (0);
}

/* add_reasons - list the distinct reasons of one kind of decision */

static void add_reasons(cm_buf *out, const cm_session *s, cm_decision kind)
{
    const char *seen[8];
    size_t  nseen = 0;
    size_t  i;
    size_t  j;
    const char *reason;

    for (i = 0; i < s->nrcpt && nseen < 8; i++) {
	if (s->rcpts[i].refused || s->rcpts[i].verdict.decision != kind)
	    continue;
	reason = s->rcpts[i].verdict.reason;
	for (j = 0; j < nseen && strcmp(seen[j], reason) != 0; j++)
	     /* void */ ;
	if (j < nseen)
	    continue;
	if (nseen > 0)
	    cm_buf_adds(out, ", ");
	cm_buf_adds(out, reason);
	seen[nseen++] = reason;
    }
}

/* message_reply - the refusal text for a whole message; -1: not set */

static int message_reply(const cm_session *s, void *mta, cm_decision kind,
			         const char *campaign, size_t live)
{
    cm_buf  reasons = CM_BUF_INIT;
    cm_buf  text = CM_BUF_INIT;
    const char *addr = 0;
    int     temp = (kind == CM_DECISION_TEMPFAIL);
    int     ret;
    size_t  i;

    /* No campaign because its lookup failed: say what is wrong. */
    if (temp && s->store_error && campaign == 0)
	return (s->eng->ops->setreply(mta, "451", "4.7.1",
				      "not sent: store-error (consent store "
				      "unavailable, try again later)"));
    add_reasons(&reasons, s, kind);
    if (reasons.len == 0)
	add_reasons(&reasons, s, CM_DECISION_DENY);

    /* With one recipient, the reply has the same shape as at RCPT. */
    if (live == 1)
	for (i = 0; i < s->nrcpt; i++)
	    if (!s->rcpts[i].refused)
		addr = cm_rcpt_label(s->rcpts + i);

    /* The code class must match the SMFIS_* return, or it is ignored. */
    cm_reply_text(&text, addr, cm_buf_str(&reasons), campaign);
    ret = s->eng->ops->setreply(mta, temp ? "451" : "550",
				temp ? "4.7.1" : "5.7.1", cm_buf_str(&text));
    if (ret != 0)
	cm_log(LOG_WARNING, "cannot set the SMTP reply text");
    cm_buf_free(&text);
    cm_buf_free(&reasons);
    return (ret);
}

/* add_safe_header - add a header whose value we composed */

static int add_safe_header(const cm_session *s, void *mta, const char *name,
			           const cm_buf *value)
{
    if (value->oom || s->eng->ops->addheader(mta, name, cm_buf_str(value)) != 0) {
	cm_log(LOG_ERR, "cannot add header %s", name);
	return (-1);
    }
    return (0);
}

/* fetch_records - the records that decide_all() needs, one round trip */

static int fetch_records(cm_session *s, const char *fetch_id,
			         cm_campaign *hdr_record)
{
    const cm_engine *eng = s->eng;
    char    err[512];
    size_t  i;
    int     status;

    for (i = 0; i < s->nrcpt; i++)
	cm_rcpt_record_clear(&s->rcpts[i].record);
    /* Another campaign than the envelope one: its record as well. */
    if (fetch_id != 0)
	status = cm_store_fetch(eng->store, fetch_id, hdr_record, s->rcpts,
				s->nrcpt, err, sizeof(err));
    else
	status = cm_store_fetch_rcpts(eng->store, &s->env_record, s->rcpts,
				      s->nrcpt, err, sizeof(err));
    if (status != 0)
	cm_log(LOG_WARNING, "consent store: %s", err);
    return (status);
}

/* decide_all - decide every recipient that is not decided yet */

static void decide_all(cm_session *s, const char *campaign,
		               const cm_pmsg_result *pr)
{
    const cm_engine *eng = s->eng;
    cm_campaign hdr_record;
    const cm_campaign *record = &s->env_record;
    const char *fetch_id = 0;
    int     redo = 0;
    int     fetch = 0;
    int     status;
    cm_msg_facts m;
    size_t  i;

    memset(&hdr_record, 0, sizeof(hdr_record));
    cm_session_facts(s, campaign, 0, &m);
    m.bulk |= pr->bulk;
    /* Bulk from a sender that only the copy called unmapped: row 1. */
    m.store_error |= (s->sender_unsure && m.bulk && campaign == 0);
    m.veto = pr->veto;
    m.veto_marketing_only = pr->veto_marketing_only;
    m.plugin_error = (pr->failed != 0);
    redo = (pr->veto != 0 || pr->failed != 0);

    /*
     * A header (or plugin) campaign other than the envelope one needs
     * its own record, and recipients accepted at RCPT must pass under
     * it too.
     */
    if (campaign != 0 && campaign != s->env_campaign
	&& strcmp(campaign, s->env_campaign) != 0) {
	record = &hdr_record;
	redo = 1;
	if (!m.campaign_bad && cm_campaign_id_valid(campaign))
	    fetch_id = campaign;
    }

    /*
     * Campaign headers that disagree (the first one the envelope's
     * campaign, a second another) are row 4 for every recipient, those
     * that passed RCPT under the envelope's campaign too: nobody
     * guesses which one counts, whatever their order.
     */
    if (m.campaign_bad)
	redo = 1;
    for (i = 0; i < s->nrcpt; i++)
	if (!s->rcpts[i].decided || redo)
	    fetch = 1;

    /*
     * One round trip for the campaign and every recipient. Lookups that
     * the policy turns out not to need are cheaper than a second trip.
     * Recipients decided again without one keep no evidence read under
     * the envelope's campaign: the trail must not show consent that the
     * decision did not use.
     */
    if (campaign != 0 && !m.store_error && cm_campaign_id_valid(campaign)
	&& !m.campaign_bad && (fetch_id != 0 || fetch)) {
	if ((status = fetch_records(s, fetch_id, &hdr_record)) != 0) {
	    m.store_error = 1;
	    m.store_invalid = (status == CM_STORE_INVALID);
	}
    } else if (redo) {
	for (i = 0; i < s->nrcpt; i++)
	    if (!s->rcpts[i].refused)
		cm_rcpt_record_clear(&s->rcpts[i].record);
    }
    m.record = record;
    for (i = 0; i < s->nrcpt; i++) {
	if (s->rcpts[i].refused || (s->rcpts[i].decided && !redo))
	    continue;
	cm_policy_decide(eng->cfg, &m, &s->rcpts[i].facts,
			 &s->rcpts[i].record, &s->rcpts[i].verdict);
	s->rcpts[i].decided = 1;
    }

    /* The purpose and basis in the audit trail come from this record. */
    if (record == &hdr_record) {
	cm_campaign_clear(&s->env_record);
	s->env_record = hdr_record;
    }
}

/* decide_limit - a message over a limit: no recipient is looked up */

static void decide_limit(cm_session *s, cm_decision decision,
			         const char *reason)
{
    size_t  i;

    for (i = 0; i < s->nrcpt; i++) {
	if (s->rcpts[i].refused)
	    continue;
	memset(&s->rcpts[i].verdict, 0, sizeof(s->rcpts[i].verdict));
	s->rcpts[i].verdict.decision = decision;
	s->rcpts[i].verdict.reason = reason;
	s->rcpts[i].decided = 1;
    }
}

/* refused_records - dry-run: the records of recipients refused at RCPT */

static void refused_records(cm_session *s, cm_buf *out, const char *qid)
{
    const cm_config *cfg = s->eng->cfg;
    size_t  i;

    /*
     * Enforce mode writes these when it refuses the recipients at RCPT,
     * under the envelope's campaign that decided them (cm_on_rcpt());
     * dry-run writes them with the message, and must write the same.
     * So they are made before decide_all(), which replaces that
     * campaign's record by a header or plugin campaign's and reads
     * every recipient's evidence again under it: the line would name
     * one campaign, its purpose and evidence, with another's decision.
     */
    cm_audit_msg_reset(&s->am);
    for (i = 0; i < s->nrcpt; i++) {
	if (!s->rcpts[i].refused)
	    continue;
	if (out->len > 0)
	    cm_buf_addc(out, '\n');
	cm_session_audit(s, out, s->rcpts + i, s->env_campaign, &s->env_record,
			 &s->rcpts[i].verdict,
			 cm_action_rcpt(cfg, &s->rcpts[i].verdict), qid, &s->am);
    }
    cm_audit_msg_reset(&s->am);
}

/* own_headers_remove - take out a client's copies of our headers */

static int own_headers_remove(const cm_session *s, void *mta)
{
    static const char *const names[2] = {CM_HDR_CONSENT, CM_HDR_DENIED};
    int     i, n;

    /*
     * A message we decided carries our word only: a copy that the
     * sending tool wrote ("campaign=receipts; mode=dry-run") would be
     * read first by whoever looks downstream. The last first, so that
     * each index still names the client's copy; ours come after them.
     */
    for (i = 0; i < 2; i++) {
	for (n = s->own_headers[i]; n > 0; n--) {
	    if (s->eng->ops->delheader(mta, names[i], n) != 0) {
		cm_log(LOG_ERR, "cannot remove header %s", names[i]);
		return (-1);
	    }
	}
    }
    return (0);
}

/* consent_header - X-Consent-Milter: campaign=...; [allowed=...; ...] */

static void consent_header(cm_buf *out, const cm_session *s,
			           const char *campaign)
{
    size_t  allowed = 0;
    size_t  denied = 0;
    size_t  i;

    for (i = 0; i < s->nrcpt; i++) {
	if (s->rcpts[i].verdict.decision == CM_DECISION_ALLOW)
	    allowed++;
	else if (s->rcpts[i].verdict.decision == CM_DECISION_DENY)
	    denied++;
    }
    /*
     * Only a valid id is written: a header campaign is the client's
     * text, and "x; allowed=9; mode=dry-run" would put its own
     * parameters before ours.
     */
    cm_buf_adds(out, "campaign=");
    if (campaign == 0)
	cm_buf_adds(out, "none");
    else if (!cm_campaign_id_valid(campaign))
	cm_buf_adds(out, "invalid");
    else
	cm_buf_adds(out, campaign);

    /*
     * The counts are the sender's business: every recipient sees the
     * header, so they are added only with "ConsentHeader full".
     */
    if (s->eng->cfg->consent_header == CM_CHDR_FULL) {
	cm_buf_adds(out, "; allowed=");
	cm_buf_add_uint(out, allowed);
	cm_buf_adds(out, "; denied=");
	cm_buf_add_uint(out, denied);
    }
    cm_buf_adds(out, "; mode=");
    cm_buf_adds(out, cm_mode_name(s->eng->cfg->mode));
}

/* campaign_show - the campaign for a log line, escaped; "none" if none */

static const char *campaign_show(char *buf, size_t size, const char *id)
{
    if (id == 0)
	return ("none");
    return (cm_escape_fit(buf, size, id, strlen(id), 0));
}

/* summary_line - the syslog line of one message, without printf */

static void summary_line(cm_buf *out, const char *qid, const char *campaign,
			         const size_t *total, const size_t *count,
			         const cm_eom_plan *plan, const cm_config *cfg)
{
    /* "QID: campaign=ID allowed=N denied=N tempfailed=N action=A mode=M" */
    if (qid == 0)
	qid = "NOQUEUE";
    if (campaign == 0)
	campaign = "none";
    cm_buf_add_safe(out, qid, strlen(qid));
    cm_buf_adds(out, ": campaign=");
    cm_buf_add_safe(out, campaign, strlen(campaign));
    cm_buf_adds(out, " allowed=");
    cm_buf_add_uint(out, total[CM_DECISION_ALLOW] + count[CM_DECISION_ALLOW]);
    cm_buf_adds(out, " denied=");
    cm_buf_add_uint(out, total[CM_DECISION_DENY] + count[CM_DECISION_DENY]);
    cm_buf_adds(out, " tempfailed=");
    cm_buf_add_uint(out, total[CM_DECISION_TEMPFAIL]
		    + count[CM_DECISION_TEMPFAIL]);
    cm_buf_adds(out, " action=");
    cm_buf_adds(out, cm_action_name(plan->message));
    cm_buf_adds(out, plan->strip ? "+strip" : plan->tag ? "+tag" : "");
    cm_buf_adds(out, " mode=");
    cm_buf_adds(out, cm_mode_name(cfg->mode));
}

/* act - do what the plan says; -1 when the MTA refused a change */

static int act(cm_session *s, void *mta, const cm_eom_plan *plan,
	               const char *campaign, size_t live, size_t denied,
	               cm_reply *reply)
{
    const cm_engine *eng = s->eng;
    const char *qid = eng->ops->getsymval(mta, "i");
    cm_buf  buf = CM_BUF_INIT;
    char    qs[CM_ESC_SHOW];
    int     ret = 0;
    size_t  i;

    switch (plan->message) {
    case CM_ACTION_REJECT:
	*reply = CM_REPLY_REJECT;
	if (message_reply(s, mta, CM_DECISION_DENY, campaign, live) != 0)
	    ret = -1;
	break;
    case CM_ACTION_TEMPFAIL:
	/* Without its text the message is still deferred: no failure. */
	*reply = CM_REPLY_TEMPFAIL;
	(void) message_reply(s, mta, CM_DECISION_TEMPFAIL, campaign, live);
	break;
    case CM_ACTION_QUARANTINE:
	cm_buf_adds(&buf, "consent-milter: denied recipients (");
	add_reasons(&buf, s, CM_DECISION_DENY);
	cm_buf_adds(&buf, ")");
	if (eng->ops->quarantine(mta, cm_buf_str(&buf)) != 0) {
	    cm_log(LOG_ERR, "%s: cannot quarantine",
		   cm_qid_show(qs, sizeof(qs), qid));
	    ret = -1;
	}
	break;
    default:
	break;
    }
    for (i = 0; ret == 0 && plan->strip && i < s->nrcpt; i++) {
	if (s->rcpts[i].refused
	    || s->rcpts[i].verdict.decision != CM_DECISION_DENY)
	    continue;
	if (eng->ops->delrcpt(mta, s->rcpts[i].raw) != 0) {
	    cm_log(LOG_ERR, "%s: cannot remove a recipient",
		   cm_qid_show(qs, sizeof(qs), qid));
	    ret = -1;
	}
    }
    if (ret == 0 && *reply == CM_REPLY_ACCEPT && plan->tag && denied) {
	cm_buf_reset(&buf);
	cm_buf_printf(&buf, "%zu recipient(s); reasons=", denied);
	add_reasons(&buf, s, CM_DECISION_DENY);
	ret = add_safe_header(s, mta, CM_HDR_DENIED, &buf);
    }
    cm_buf_free(&buf);
    return (ret);
}

/* unsub_headers - the relay's own opt-out, for one person; -1: MTA refused */

static int unsub_headers(const cm_session *s, void *mta, const char *qid,
			         const char *campaign, const cm_eom_plan *plan)
{
    const cm_engine *eng = s->eng;
    const cm_config *cfg = eng->cfg;
    const cm_rcpt *one = 0;
    char    tok[CM_TOKEN_SIZE];
    cm_buf  value = CM_BUF_INIT;
    cm_token t;
    char    qs[CM_ESC_SHOW], cs[CM_ESC_SHOW];
    size_t  i, n = 0;
    int     ret = 0;

    if (!cfg->unsubscribe)
	return (0);

    /*
     * Who gets this very message: a token names one person. In dry-run
     * nothing is refused or stripped, so everyone counts: skipping the
     * recipients that enforce would have refused made a message to
     * alice and bob look like alice's alone, and handed bob a link that
     * withdraws alice (DESIGN.md section 14: single-recipient only).
     */
    for (i = 0; i < s->nrcpt; i++) {
	if (cfg->mode == CM_MODE_ENFORCE && (s->rcpts[i].refused
		|| (plan->strip
		    && s->rcpts[i].verdict.decision == CM_DECISION_DENY)))
	    continue;
	n++;
	one = s->rcpts + i;
    }
    if (n > 1) {
	cm_log(LOG_INFO, "%s: campaign=%s: no List-Unsubscribe added: %zu "
	       "recipients (the opt-out token is personal: send one message "
	       "per recipient)", cm_qid_show(qs, sizeof(qs), qid),
	       campaign_show(cs, sizeof(cs), campaign), n);
	return (0);
    }
    if (n == 0 || one->verdict.decision != CM_DECISION_ALLOW
	|| s->env_record.basis != CM_BASIS_CONSENT || one->verdict.reason == 0
	|| strcmp(one->verdict.reason, "consent") != 0)
	return (0);
    if (eng->unsub_keys == 0) {
	cm_log(LOG_WARNING, "%s: no List-Unsubscribe added: Unsubscribe yes, "
	       "but no UnsubscribeKeyFile was read at start (restart)",
	       cm_qid_show(qs, sizeof(qs), qid));
	return (0);
    }
    if (one->record.unsub_ref == 0 || s->env_record.unsub_ref == 0) {
	cm_log(LOG_WARNING, "%s: campaign=%s: no List-Unsubscribe added: "
	       "the %s has no opt-out reference (run: consentctl "
	       "unsubscribe-refs)", cm_qid_show(qs, sizeof(qs), qid),
	       campaign_show(cs, sizeof(cs), campaign),
	       one->record.unsub_ref == 0 ? "recipient's consent record"
	       : "campaign");
	return (0);
    }
    t.person = one->record.unsub_ref;
    t.campaign = s->env_record.unsub_ref;
    cm_token_purpose_check(s->env_record.purpose, t.purpose);
    t.day = cm_token_day(cm_time_now_ms() / 1000);
    if (cm_token_seal(eng->unsub_keys, &t, tok, sizeof(tok)) != 0) {
	cm_log(LOG_WARNING, "%s: no List-Unsubscribe added: cannot make the "
	       "token (reference out of range?)",
	       cm_qid_show(qs, sizeof(qs), qid));
	return (0);
    }
    cm_token_list_unsubscribe(&value, cfg->unsubscribe_url,
			      cfg->unsubscribe_mailto, tok);

    /*
     * Index 0, Post first: List-Unsubscribe ends up on top, before one
     * the sending tool set (RFC 2369 readers take the first). One-click
     * (RFC 8058) needs the https: form.
     */
    if (value.oom
	|| (cfg->unsubscribe_url != 0
	    && eng->ops->insheader(mta, 0, "List-Unsubscribe-Post",
				   CM_TOKEN_POST_VALUE) != 0)
	|| eng->ops->insheader(mta, 0, "List-Unsubscribe",
			       cm_buf_str(&value)) != 0) {
	cm_log(LOG_ERR, "%s: cannot add List-Unsubscribe",
	       cm_qid_show(qs, sizeof(qs), qid));
	ret = -1;
    }
    cm_buf_free(&value);
    return (ret);
}

/* cm_on_eom - end of message: decide what is left, act, account */

cm_reply cm_on_eom(cm_session *s, void *mta)
{
    const cm_engine *eng = s->eng;
    const cm_config *cfg = eng->cfg;
    const char *campaign;
    const char *qid = eng->ops->getsymval(mta, "i");
    cm_pmsg_result pr;
    cm_eom_plan plan;
    cm_buf *buf = &s->line;		/* empty: see session.h */
    cm_buf  refused = CM_BUF_INIT;	/* dry-run: RCPT refusals' records */
    size_t  count[4] = {0, 0, 0, 0};	/* live recipients, by decision */
    size_t  total[4] = {0, 0, 0, 0};	/* refused at RCPT, by decision */
    size_t  live = 0;
    int     tagged = 0;
    int     enforce = (cfg->mode == CM_MODE_ENFORCE);
    int     audit_failed;
    int     failed = 0;			/* the MTA refused a change */
    char    qs[CM_ESC_SHOW];		/* qid, escaped, for a log line */
    cm_reply reply = CM_REPLY_ACCEPT;
    cm_action action;
    cm_verdict v;
    size_t  i;

    /* A dry-run message that enforce mode deferred at MAIL: logged then. */
    if (!s->active || s->nrcpt == 0 || s->mail_deferred) {
	cm_session_reset(s);
	return (CM_REPLY_ACCEPT);
    }
    cm_buf_reset(buf);				/* it is; cheap to be sure */

    /* The plugins have their last word before anything is decided. */
    cm_on_eoh(s, mta);
    cm_pmsg_eom(s->pm, mta);
    cm_pmsg_result_get(s->pm, &pr);
    campaign = effective_campaign(s, &pr);
    if (!enforce)
	refused_records(s, &refused, qid);
    if (s->header_overflow)
	decide_limit(s, CM_DECISION_DENY, "header-too-large");
    else if (s->rcpt_overflow && s->non_smtp)
	decide_limit(s, CM_DECISION_TEMPFAIL, "too-many-recipients");
    else
	decide_all(s, campaign, &pr);

    /* Row 2: ordinary mail passes untouched and unlogged. */
    for (i = 0; i < s->nrcpt; i++) {
	if (s->rcpts[i].refused)
	    continue;
	live++;
	count[s->rcpts[i].verdict.decision]++;
	tagged |= s->rcpts[i].verdict.tag;
    }
    if (count[CM_DECISION_PASS] == live && live == s->nrcpt) {
	cm_buf_free(&refused);			/* none was refused: empty */
	if (cm_pmsg_add_headers(s->pm, mta) != 0)
	    cm_log(LOG_WARNING, "%s: cannot add a plugin's header",
		   cm_qid_show(qs, sizeof(qs), qid));
	cm_session_reset(s);
	return (CM_REPLY_ACCEPT);
    }
    /* A veto that decided someone: once per message, by plugin name. */
    for (i = 0; i < s->nrcpt; i++)
	if (!s->rcpts[i].refused && s->rcpts[i].verdict.row == 9) {
	    cm_metrics_inc(CM_METRIC_PLUGIN_VETOES, (const char *const []) {
		pr.veto_plugin ? pr.veto_plugin : CM_METRICS_OTHER});
	    break;
	}
    cm_action_plan(cfg, count[CM_DECISION_ALLOW], count[CM_DECISION_DENY],
		   count[CM_DECISION_TEMPFAIL], tagged, &plan);

    /*
     * A denied recipient is never delivered: where a deletion might not
     * match what the MTA stored, the whole message is deferred instead,
     * and every record says tempfail (DESIGN.md section 6).
     */
    if (plan.strip && cm_session_strip_unsure(s, qid)) {
	plan.strip = 0;
	plan.message = CM_ACTION_TEMPFAIL;
    }

    /*
     * Act, then account. libmilter hands what the calls below ask for
     * (removed recipients, the hold, headers) to the MTA, which applies
     * it only if this callback's reply lets the message through: a
     * tempfail undoes every change. So the records are written after
     * acting, and say what was done. A call that the MTA refuses defers
     * the message, and every record says "action-failed" (DESIGN.md
     * section 7): the trail never names an action that did not happen.
     */
    if (enforce && act(s, mta, &plan, campaign, live,
		       count[CM_DECISION_DENY], &reply) != 0)
	failed = 1;

    /* Every delivered marketing message says what was decided. */
    if (!failed && reply == CM_REPLY_ACCEPT) {
	consent_header(buf, s, campaign);

	/*
	 * ConsentHeader none: no header of ours; the plugins' still. But
	 * UnidentifiedBulk tag is the header: the trail says "tag", and
	 * a message so marked must carry the mark.
	 */
	if (own_headers_remove(s, mta) != 0 && enforce)
	    failed = 1;
	else if ((cfg->consent_header != CM_CHDR_NONE || tagged)
	    && add_safe_header(s, mta, CM_HDR_CONSENT, buf) != 0
	    && enforce)
	    failed = 1;
	else if (cm_pmsg_add_headers(s->pm, mta) != 0 && enforce)
	    failed = 1;
	else if (unsub_headers(s, mta, qid, campaign, &plan) != 0 && enforce)
	    failed = 1;
	cm_buf_reset(buf);
    }
    if (failed) {
	plan.message = CM_ACTION_TEMPFAIL;
	plan.strip = plan.tag = 0;
	reply = CM_REPLY_TEMPFAIL;
    }

    /*
     * One write for every record of the message. Recipients refused at
     * RCPT were written then, before the headers came, and in dry-run
     * their records were made before anything was decided again (they
     * lead): the members that the other records share are made again
     * (am).
     */
    cm_audit_msg_reset(&s->am);
    /*
     * Room for as many bytes as the last message's records took, and
     * an eighth more: a long list, mailed again, does not grow the
     * buffer by doubling, copying what it holds each time (at 1,000
     * recipients, 417 KB of records: ten reallocations from 512 bytes,
     * 168 instructions a recipient; engine.c gives a buffer that large
     * back after each message).
     */
    if (s->line_hint > 0)
	(void) cm_buf_reserve(buf, s->line_hint + s->line_hint / 8);
    if (refused.len > 0)
	cm_buf_add(buf, refused.data, refused.len);
    buf->oom |= refused.oom;
    cm_buf_free(&refused);
    for (i = 0; i < s->nrcpt; i++) {
	if (s->rcpts[i].refused)
	    continue;
	v = s->rcpts[i].verdict;
	if (failed) {
	    v.decision = CM_DECISION_TEMPFAIL;
	    v.reason = "action-failed";
	    action = CM_ACTION_TEMPFAIL;
	} else {
	    action = cm_action_for(&plan, &v);
	}
	if (buf->len > 0)
	    cm_buf_addc(buf, '\n');
	cm_session_audit(s, buf, s->rcpts + i, campaign, &s->env_record, &v,
			 action, qid, &s->am);
    }
    audit_failed = (cm_session_write_audit(s, buf) != 0);
    s->line_hint = buf->len;
    cm_buf_reset(buf);
    if (failed) {
	cm_log(LOG_ERR, "%s: the MTA refused a change: message deferred",
	       cm_qid_show(qs, sizeof(qs), qid));
	(void) eng->ops->setreply(mta, "451", "4.7.1",
				  "not sent: action-failed (the message "
				  "could not be changed, try again later)");
    } else if (audit_failed && enforce && cfg->on_error != CM_ONERR_ACCEPT
	       && reply == CM_REPLY_ACCEPT) {
	/* Delivered or held: nothing goes that the trail cannot show. */
	cm_log(LOG_ERR, "%s: audit trail not written: message deferred",
	       cm_qid_show(qs, sizeof(qs), qid));
	(void) eng->ops->setreply(mta, "451", "4.7.1",
			    "not sent: audit-error (audit trail unavailable, "
				  "try again later)");
	plan.message = CM_ACTION_TEMPFAIL;
	plan.strip = plan.tag = 0;
	reply = CM_REPLY_TEMPFAIL;
    }

    /* One syslog line per marketing message, counting every recipient. */
    for (i = 0; i < s->nrcpt; i++)
	if (s->rcpts[i].refused)
	    total[s->rcpts[i].verdict.decision]++;
    summary_line(buf, qid, campaign, total, count, &plan, cfg);
    cm_log_text(LOG_INFO, cm_buf_str(buf), buf->len);
    cm_metrics_inc(CM_METRIC_MESSAGES, (const char *const []) {
	plan.strip ? "strip" : plan.tag ? "tag" : cm_action_name(plan.message)});
    cm_session_reset(s);
    return (reply);
}
