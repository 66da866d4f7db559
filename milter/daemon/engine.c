/*++
/* NAME
/*	engine 3
/* SUMMARY
/*	per-message consent enforcement
/* SYNOPSIS
/*	#include "engine.h"
/*
/*	cm_session *cm_session_new(eng, non_smtp)
/*	const cm_engine *eng;
/*	int	non_smtp;
/*
/*	void	cm_on_connect(s, mta, name, addr)
/*	cm_reply cm_on_mail(s, mta, sender, auth)
/*	cm_reply cm_on_rcpt(s, mta, rcpt)
/*	void	cm_on_header(s, mta, name, value)
/*	void	cm_on_eoh(s, mta)
/*	void	cm_on_body(s, mta, chunk, len)
/*	cm_reply cm_on_eom(s, mta)
/*	void	cm_session_abort(s)
/*	void	cm_session_free(s)
/*
/*	int	cm_session_busy(s)
/*
/*	int	cm_session_non_smtp(s)
/* DESCRIPTION
/*	The engine gathers the facts about one message as the MTA hands
/*	them over, asks the store for the records it needs, asks the
/*	policy (policy.c) and the action rules (action.c) what to do, does
/*	it through the MTA operations of mta.h, and writes the audit trail.
/*	It never calls libmilter itself.
/*
/*	A session is one MTA connection; it carries one message at a time.
/*	Each stage is also handed to the plugins (plugin_host.c); what
/*	they decide is read at end of message (engine_eom.c).
/*	cm_session_busy() says whether a message is in progress: from a
/*	MAIL FROM to its end of message or abort (drain(3) lets such a
/*	message finish when the daemon stops); cm_session_non_smtp()
/*	whether it comes from Postfix's sendmail command (see callbacks(3)).
/*
/*	The envelope sender is looked up (Psender:, and the copy of the
/*	mappings) in its canonical form, as the MTA will use it
/*	(addrcanon(3)); the audit trail's "sender" and the logs keep it
/*	as the client wrote it, normalised (address(3)).
/*
/*	When the envelope sender maps to a campaign (Psender:), every
/*	recipient is decided at RCPT time and a refused one gets its own
/*	550 or 451 reply. When the campaign comes from a header, or the
/*	message comes from Postfix's sendmail command (non_smtp), which
/*	may not refuse simulated RCPT commands, everything is decided at
/*	end of message: denied recipients are stripped, or the message is
/*	rejected, tempfailed or held (DESIGN.md section 6).
/*
/*	A denied recipient is stripped only when the deletion is sure to
/*	name it as the MTA stored it: a plain address given over SMTP
/*	(rcptform(3)). Otherwise, and always on the sendmail-command
/*	path, where the MTA shows the milter a rewritten form, the whole
/*	message is deferred instead (cm_session_strip_unsure()).
/*
/*	The null sender is decided like any other sender; it has no
/*	envelope campaign, so a bounce (one recipient, no campaign header,
/*	no bulk marker) passes as ordinary mail (DESIGN.md section 2).
/*
/*	When the sender lookup at MAIL fails, the copy of the sender
/*	mappings (sendermap(3)) is asked: a sender it does not map goes
/*	on as possibly ordinary mail (sender_unsure), and only a campaign
/*	header or a bulk marker then defers the message, at its end; a
/*	mapped sender, or no usable copy, is row 1 at MAIL as before.
/*
/*	A header campaign overrides the envelope one (DESIGN.md section 4):
/*	recipients that passed at RCPT are then decided again under it.
/*
/*	Limits, before the decision table: a recipient beyond
/*	MaxRecipients is refused at RCPT with 452 4.5.3 (the client sends
/*	it again in another transaction; on the sendmail-command path the
/*	message is tempfailed at the end; in dry-run mode it is let
/*	through), reason too-many-recipients; a
/*	header block larger than MaxHeaderBytes is not examined further
/*	(a campaign header after it could not be seen) and the message is
/*	refused at the end, reason header-too-large. Both are logged.
/*
/*	The audit records of recipients refused at RCPT are written at
/*	once; all others at end of message, when the queue id is known,
/*	in one write. If that write fails, a message that would have been
/*	delivered is tempfailed instead (unless OnError accept): nothing
/*	is sent that the trail cannot account for.
/* DIAGNOSTICS
/*	Store failures and audit failures are logged to syslog.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <sys/types.h>

/* Application-specific. */

#include "action.h"
#include "addrcanon.h"
#include "campaign.h"
#include "clock.h"
#include "escape.h"
#include "log.h"
#include "metrics.h"
#include "session.h"
#include "why.h"

#define HEADER_KEEP_MAX	1024		/* longest header value we keep */
#define RCPT_KEEP_MAX	128		/* recipient slots kept between messages */
#define LINE_KEEP_MAX	65536		/* record buffer kept between messages */

/* cm_session_reset - forget the current message */

void cm_session_reset(cm_session *s)
{
    size_t  i;

    for (i = 0; i < s->nrcpt; i++)
	cm_rcpt_free(s->rcpts + i);
    cm_arena_reset(&s->raws);
    /*
     * The array of a usual message is kept for the next one on this
     * connection; one that a long recipient list grew is given back,
     * and the next message's is made that long at once (a list mailed
     * once is usually mailed again): doubling from 8 to 1,024 copied
     * the array seven times, 121 instructions a recipient of 10,700.
     */
    s->rcpt_hint = s->nrcpt;
    if (s->rcpt_alloc > RCPT_KEEP_MAX) {
	free(s->rcpts);
	s->rcpts = 0;
	s->rcpt_alloc = 0;
    }
    if (s->line.cap > LINE_KEEP_MAX)
	cm_buf_free(&s->line);
    cm_buf_reset(&s->line);
    cm_audit_msg_reset(&s->am);
    free(s->sender);
    free(s->auth);
    free(s->hdr_campaign);
    free(s->msgid);
    free(s->from);
    free(s->subject);
    s->subject = 0;
    cm_pmsg_reset(s->pm);
    cm_campaign_clear(&s->env_record);
    s->nrcpt = 0;
    s->sender = s->auth = s->hdr_campaign = s->msgid = s->from = 0;
    s->env_campaign[0] = 0;
    s->env_mapped = 0;
    s->store_error = s->store_invalid = s->bulk_hint = s->active = 0;
    s->mail_deferred = 0;
    s->own_headers[0] = s->own_headers[1] = 0;
    s->sender_unsure = 0;
    s->hdr_campaign_count = s->hdr_campaign_conflict = s->eoh_seen = 0;
    s->rcpt_overflow = s->header_overflow = 0;
    s->header_bytes = 0;
}

/* cm_session_new - start a session for one MTA connection */

cm_session *cm_session_new(const cm_engine *eng, int non_smtp)
{
    cm_session *s;

    if ((s = calloc(1, sizeof(*s))) == 0)
	return (0);
    s->eng = eng;
    s->non_smtp = non_smtp;
    if (eng->plugins != 0 && eng->plugins->count > 0
	&& (s->pm = cm_pmsg_new(eng->plugins, eng->ops)) == 0) {
	free(s);
	return (0);
    }
    return (s);
}

/* cm_session_engine - the engine (and configuration) of a session */

const cm_engine *cm_session_engine(const cm_session *s)
{
    return (s->eng);
}

/* cm_session_busy - is a message in progress (past MAIL FROM) */

int     cm_session_busy(const cm_session *s)
{
    return (s->active);
}

/* cm_session_non_smtp - does the session come from Postfix's cleanup */

int     cm_session_non_smtp(const cm_session *s)
{
    return (s->non_smtp);
}

/* cm_session_abort - the MTA abandoned the message */

void    cm_session_abort(cm_session *s)
{
    cm_session_reset(s);
}

/* cm_session_free - end of the MTA connection */

void    cm_session_free(cm_session *s)
{
    if (s == 0)
	return;
    cm_session_reset(s);
    free(s->rcpts);
    cm_arena_free(&s->raws);
    cm_buf_free(&s->line);
    cm_audit_msg_free(&s->am);
    cm_pmsg_free(s->pm);
    free(s);
}

/* cm_on_connect - the MTA's client, for the plugins */

void    cm_on_connect(cm_session *s, void *mta, const char *name,
		              const char *addr)
{
    cm_pmsg_connect(s->pm, mta, name, addr);
}

/* cm_qid_show - the queue id for a log line: escaped, NOQUEUE if none */

const char *cm_qid_show(char *buf, size_t size, const char *qid)
{
    if (qid == 0)
	return ("NOQUEUE");
    return (cm_escape_fit(buf, size, qid, strlen(qid), 0));
}

/* cm_session_strip_unsure - would a deletion possibly miss someone */

int     cm_session_strip_unsure(const cm_session *s, const char *qid)
{
    const cm_rcpt *r;
    cm_rcptform form;
    char    show[CM_ESC_SHOW];
    size_t  i;

    /*
     * Stripping is only safe when every deletion names the recipient
     * exactly as the MTA stored it (DESIGN.md section 6). On Postfix's
     * sendmail-command path no name is certain: cleanup shows the
     * milter each recipient after its own rewriting (trailing dot
     * removed, canonical maps applied) but matches a deletion against
     * the recipient as submitted. Over SMTP, the client's argument is
     * what the MTA matches, if it has a form that no MTA rewrites.
     */
    for (i = 0; i < s->nrcpt; i++) {
	r = s->rcpts + i;
	if (r->refused || r->verdict.decision != CM_DECISION_DENY)
	    continue;
	if (!s->non_smtp && (form = cm_rcpt_form(r)) == CM_RCPTFORM_PLAIN)
	    continue;
	cm_log(LOG_WARNING, "%s: a denied recipient cannot be stripped "
	       "with certainty (%s): the whole message %s deferred",
	       cm_qid_show(show, sizeof(show), qid), s->non_smtp ?
	       "sendmail-command path" : cm_rcptform_strerror(form),
	       s->eng->cfg->mode == CM_MODE_DRY_RUN ? "would be" : "is");
	return (1);
    }
    return (0);
}

/* cm_session_facts - the facts that hold for every recipient */

void cm_session_facts(const cm_session *s, const char *campaign,
			           const cm_campaign *record, cm_msg_facts *m)
{
    cm_msg_facts_fill(m, campaign, record, s->sender, s->auth);
    m->store_error = s->store_error;
    m->store_invalid = s->store_invalid;
    m->campaign_bad = (campaign != 0 && campaign == s->hdr_campaign
		       && s->hdr_campaign_conflict);
    /* Recipients refused for MaxRecipients were sent all the same. */
    m->bulk = s->bulk_hint
	|| s->nrcpt + (size_t) s->rcpt_overflow
	> (size_t) s->eng->cfg->bulk_threshold;
}

/* cm_session_audit - write one recipient's record into a buffer */

void cm_session_audit(const cm_session *s, cm_buf *out, const cm_rcpt *r,
			         const char *campaign, const cm_campaign *record,
			         const cm_verdict *v, cm_action action,
			         const char *qid, cm_audit_msg *am)
{
    const cm_config *cfg = s->eng->cfg;
    cm_audit_record rec;
    char    id[CM_ID_SIZE];
    const char *label;

    memset(&rec, 0, sizeof(rec));
    rec.time_ms = cm_time_now_ms();
    rec.qid = qid;
    rec.msgid = s->msgid;
    rec.subject = s->subject;
    rec.sender = s->sender;
    rec.auth = s->auth;
    rec.campaign = campaign;
    if (record != 0 && record->found) {
	rec.purpose = record->purpose;
	rec.basis = cm_basis_name(record->basis);
    }
    if (r != 0) {
	label = cm_rcpt_label(r);
	if (cfg->log_addresses == CM_LOGADDR_PSEUDONYMISED) {
	    if (r->facts.addr_ok)
		label = r->facts.id;
	    else {
		cm_addr_record_id(s->eng->key, r->raw, strlen(r->raw),
				  id, sizeof(id));
		label = id;
	    }
	    rec.rcpt_pseudonymised = 1;
	}
	rec.rcpt = label;
	rec.consent_at = r->record.consent_at;
	rec.consent_src = r->record.consent_src;
	rec.suppressed_at = r->record.suppressed_at;
    }
    rec.decision = v->decision;
    rec.reason = v->reason;
    rec.action = action;
    rec.mode = cfg->mode;
    rec.from = s->from;
    rec.plugins = cm_pmsg_audit_json(s->pm);
    /* One count per record: the metric and the trail agree. */
    cm_metrics_inc(CM_METRIC_DECISIONS, (const char *const []) {
	cm_decision_name(v->decision), v->reason ? v->reason : "none"});
    if (cfg->log_why)
	cm_why_log(qid, rec.rcpt, campaign, v, action, cfg->mode);

    /* The records of one message written at once: am (see audit(3)). */
    if (am != 0)
	cm_audit_format_msg(out, am, &rec);
    else
	cm_audit_format(out, &rec);
}

/* cm_session_write_audit - append records to the trail */

int cm_session_write_audit(const cm_session *s, const cm_buf *buf)
{
    if (buf->len == 0)
	return (0);
    if (buf->oom)
	return (-1);
    return (cm_audit_write(s->eng->audit, buf->data, buf->len));
}

/* cm_session_reply - ask the MTA for a specific refusal text */

void cm_session_reply(const cm_session *s, void *mta, int temp,
		              const char *addr, const char *reason,
		              const char *campaign)
{
    cm_buf  text = CM_BUF_INIT;

    /* The code class must match the SMFIS_* return, or it is ignored. */
    cm_reply_text(&text, addr, reason, campaign);
    if (s->eng->ops->setreply(mta, temp ? "451" : "550",
			      temp ? "4.7.1" : "5.7.1",
			      cm_buf_str(&text)) != 0)
	cm_log(LOG_WARNING, "cannot set the SMTP reply text");
    cm_buf_free(&text);
}

/* sender_from_copy - live sender lookup failed: may the copy decide? */

static int sender_from_copy(const cm_session *s, const char *sender,
			            const char *err)
{
    long long age;
    size_t  size;

    /*
     * Only "not mapped" lets the message go on, as possibly ordinary
     * mail; a campaign header or a bulk marker still needs the store at
     * end of message (decide_all()). A mapped sender, or no usable copy,
     * is row 1 at once, as without a copy (sendermap(3)).
     */
    switch (cm_sendermap_lookup(s->eng->sendermap, sender, &age, &size)) {
    case CM_SENDERMAP_UNMAPPED:
	cm_log(LOG_WARNING, "consent store: %s; sender map copy (%lld s "
	       "old): no campaign for this sender: ordinary mail goes on",
	       err, age);
	return (1);
    case CM_SENDERMAP_MAPPED:
	cm_log(LOG_INFO, "sender map copy (%lld s old): the sender is "
	       "mapped to a campaign: deferred", age);
	return (0);
    default:
	return (0);
    }
}

/* cm_on_mail - MAIL FROM: the sender, and maybe an envelope campaign */

cm_reply cm_on_mail(cm_session *s, void *mta, const char *sender,
		            const char *auth)
{
    const cm_engine *eng = s->eng;
    char    canon[CM_ID_SIZE];
    char    err[512];
    int     found = 0;
    int     rc;
    cm_addr_status status;
    cm_verdict v;

    cm_session_reset(s);
    s->active = 1;

    /*
     * The sender as the audit trail and the logs show it: as the client
     * wrote it, normalised (facts(3)); "" for <>. The sender as the MTA
     * will use it (addrcanon(3): no source route, no trailing dot, no
     * needless quotes) is what is looked up, so that no other form of a
     * mapped sender skips the checks (DESIGN.md sections 2 and 4).
     */
    status = cm_msg_sender(sender, &s->line);
    s->sender = strdup(cm_buf_str(&s->line));
    cm_buf_reset(&s->line);

    /*
     * The null sender is not by itself a sign of ordinary mail (DESIGN.md
     * section 2): a true delivery status notification (one recipient,
     * no campaign header, no bulk marker) passes by the ordinary rules at
     * end of message; anything else from <> is decided like any other
     * message. Nothing is looked up for it here: <> has no Psender:.
     */
    if (status == CM_ADDR_EMPTY) {
	if (s->sender == 0)
	    return (CM_REPLY_TEMPFAIL);
	if (auth != 0 && *auth)
	    s->auth = strndup(auth, CM_ADDR_MAX);
	cm_pmsg_envfrom(s->pm, mta, sender, s->sender, s->auth);
	return (CM_REPLY_CONTINUE);
    }
    if (auth != 0 && *auth)
	s->auth = strndup(auth, CM_ADDR_MAX);
    if (s->sender == 0)
	return (CM_REPLY_TEMPFAIL);
    cm_pmsg_envfrom(s->pm, mta, sender, s->sender, s->auth);

    /*
     * A sender that does not parse, in any form, has no Psender:
     * record; a campaign can still come from the header.
     */
    if (cm_addr_canonical(sender, strlen(sender), canon,
			  sizeof(canon)) == CM_ADDR_OK) {
	if (cm_store_sender_campaign(eng->store, canon, s->env_campaign,
				     sizeof(s->env_campaign), &found,
				     err, sizeof(err)) != 0) {
	    s->sender_unsure = sender_from_copy(s, canon, err);
	    s->store_error = !s->sender_unsure;
	} else if (!found) {
	    s->env_campaign[0] = 0;
	} else {
	    /*
	     * A mapping is a campaign even when its value is no valid id
	     * (an empty one included): row 4, bad-campaign-id, for every
	     * recipient, never "no campaign" (DESIGN.md section 5).
	     */
	    s->env_mapped = 1;
	    if (cm_campaign_id_valid(s->env_campaign)
		&& (rc = cm_store_fetch(eng->store, s->env_campaign,
					&s->env_record, 0, 0,
					err, sizeof(err))) != 0) {
		s->store_error = 1;
		s->store_invalid = (rc == CM_STORE_INVALID);
	    }
	}
    }
    if (!s->store_error)
	return (CM_REPLY_CONTINUE);

    /*
     * Row 1 before any recipient is known. On the SMTP path, with the
     * default OnError, the whole transaction waits: one audit line with
     * "rcpt":null says why. The sendmail-command path may not refuse
     * here, and OnError accept decides per recipient: both go on to the
     * end of the message with store_error set. Mode dry-run writes the
     * line that enforce mode writes, and lets the transaction through
     * without deciding anything more about it (mail_deferred): enforce
     * mode would see no recipient and no message. A campaign record
     * that Redis returned and nobody can read is no outage: OnError
     * accept does not let its mail through (cm_policy_message()).
     */
    cm_log(LOG_WARNING, "consent store: %s", err);
    if (s->non_smtp
	|| (eng->cfg->on_error == CM_ONERR_ACCEPT && !s->store_invalid))
	return (CM_REPLY_CONTINUE);
    memset(&v, 0, sizeof(v));
    v.decision = CM_DECISION_TEMPFAIL;
    v.reason = "store-error";
    v.row = 1;
    /* sendmail gives the queue id with MAIL; Postfix only later. */
    cm_session_audit(s, &s->line, 0,
		 s->env_mapped ? s->env_campaign : 0, 0,
		 &v, CM_ACTION_TEMPFAIL, eng->ops->getsymval(mta, "i"), 0);
    (void) cm_session_write_audit(s, &s->line);
    if (eng->cfg->mode == CM_MODE_DRY_RUN) {
	cm_buf_reset(&s->line);
	s->mail_deferred = 1;
	return (CM_REPLY_CONTINUE);
    }
    (void) eng->ops->setreply(mta, "451", "4.7.1", s->store_invalid ?
			      "not sent: store-error (the campaign's record "
			      "cannot be read, try again later)" :
			      "not sent: store-error (consent store "
			      "unavailable, try again later)");
    cm_session_reset(s);
    return (CM_REPLY_TEMPFAIL);
}

/* add_rcpt - remember one envelope recipient */

static cm_rcpt *add_rcpt(cm_session *s, const char *raw)
{
    void   *grown;
    size_t  want;

    if (s->nrcpt == s->rcpt_alloc) {
	want = s->rcpt_alloc ? s->rcpt_alloc * 2 : s->rcpt_hint > 8 ?
	    s->rcpt_hint : 8;
	if ((grown = realloc(s->rcpts, want * sizeof(*s->rcpts))) == 0)
	    return (0);
	s->rcpts = grown;
	s->rcpt_alloc = want;
    }
    if (cm_rcpt_fill(s->rcpts + s->nrcpt, s->eng->key, raw, &s->raws) != 0)
	return (0);
    return (s->rcpts + s->nrcpt++);
}

/* rcpt_safe_label - the normalised address, or the raw one cut short */

static const char *rcpt_safe_label(const char *rcpt, cm_buf *buf)
{
    char    norm[CM_ID_SIZE];

    cm_buf_reset(buf);
    if (cm_addr_normalise(rcpt, strlen(rcpt), norm, sizeof(norm)) == CM_ADDR_OK)
	cm_buf_adds(buf, norm);
    else
	cm_buf_add(buf, rcpt, strnlen(rcpt, CM_ADDR_MAX));
    return (cm_buf_str(buf));
}

/* sender_show - the envelope sender for a log line, escaped; <> for none */

static const char *sender_show(const cm_session *s, char *buf, size_t size)
{
    if (s->sender == 0 || *s->sender == 0)	/* "" is MAIL FROM:<> */
	return ("<>");
    return (cm_escape_fit(buf, size, s->sender, strlen(s->sender), 0));
}

/* too_many_recipients - one recipient over MaxRecipients */

static cm_reply too_many_recipients(cm_session *s, void *mta,
				            const char *rcpt)
{
    const cm_engine *eng = s->eng;
    cm_buf  text = CM_BUF_INIT;
    cm_buf  line = CM_BUF_INIT;
    char    show[CM_ESC_SHOW];
    cm_verdict v;
    cm_rcpt r;

    /*
     * The sendmail-command path may not refuse a recipient: the whole
     * message waits instead (engine_eom.c). Nothing is kept of the
     * recipient, so a flood costs no memory.
     */
    if (s->rcpt_overflow++ == 0)
	cm_log(LOG_WARNING, "message from %s: more than %d recipients",
	       sender_show(s, show, sizeof(show)), eng->cfg->max_recipients);
    if (s->non_smtp)
	return (CM_REPLY_CONTINUE);

    /* One audit line, with the recipient; the session does not keep it. */
    memset(&v, 0, sizeof(v));
    v.decision = CM_DECISION_TEMPFAIL;
    v.reason = "too-many-recipients";
    if (cm_rcpt_fill(&r, eng->key, rcpt, (cm_arena *) 0) == 0) {
	cm_session_audit(s, &line, &r, s->env_mapped ? s->env_campaign
			 : 0, s->env_mapped ? &s->env_record : 0, &v,
			 CM_ACTION_TEMPFAIL, eng->ops->getsymval(mta, "i"), 0);
	(void) cm_session_write_audit(s, &line);
	cm_rcpt_free(&r);
    }
    cm_buf_free(&line);

    /*
     * Mode dry-run refuses nobody (DESIGN.md section 6): the line above
     * is the one enforce mode writes, and the recipient goes through
     * unexamined. Nothing is kept of it here either, so the limit still
     * bounds what a message costs.
     */
    if (eng->cfg->mode == CM_MODE_DRY_RUN)
	return (CM_REPLY_CONTINUE);

    /* The contract's reply shape; cm_reply_text() makes it safe. */
    cm_reply_text(&text, rcpt_safe_label(rcpt, &line), v.reason,
		  s->env_mapped ? s->env_campaign : 0);
    (void) eng->ops->setreply(mta, "452", "4.5.3", cm_buf_str(&text));
    cm_buf_free(&text);
    cm_buf_free(&line);
    return (CM_REPLY_TEMPFAIL);
}

/* cm_on_rcpt - RCPT TO: decide now if the campaign is already known */

cm_reply cm_on_rcpt(cm_session *s, void *mta, const char *rcpt)
{
    const cm_engine *eng = s->eng;
    cm_msg_facts m;
    cm_rcpt *r;
    cm_action action;
    char    err[512];

    /* Dry-run, past a MAIL FROM that enforce mode deferred: see there. */
    if (s->mail_deferred)
	return (CM_REPLY_CONTINUE);
    if (s->nrcpt >= (size_t) eng->cfg->max_recipients)
	return (too_many_recipients(s, mta, rcpt));
    if ((r = add_rcpt(s, rcpt)) == 0) {
	cm_log(LOG_ERR, "out of memory");
	return (CM_REPLY_TEMPFAIL);
    }
    cm_pmsg_envrcpt(s->pm, mta, r->raw);

    /*
     * Per-recipient refusal needs a campaign from the envelope and an
     * MTA that may refuse RCPT; everything else waits for the end.
     */
    if (s->store_error || !s->env_mapped)
	return (CM_REPLY_CONTINUE);

    cm_session_facts(s, s->env_campaign, &s->env_record, &m);
    m.bulk = 0;

    /*
     * The sendmail-command path may not refuse here. A verdict for the
     * whole message (an unregistered, closed or paused campaign) is kept
     * for the end of message, which then needs no consent lookup that
     * such a campaign has no purpose for; the rest is looked up there in
     * one round trip.
     */
    if (s->non_smtp) {
	if (cm_policy_message(eng->cfg, &m, &r->verdict))
	    r->decided = 1;
	return (CM_REPLY_CONTINUE);
    }
    if (!cm_policy_message(eng->cfg, &m, &r->verdict)) {
	if (r->facts.addr_ok
	    && cm_store_fetch_rcpts(eng->store, &s->env_record, r, 1,
				    err, sizeof(err)) != 0) {
	    cm_log(LOG_WARNING, "consent store: %s", err);
	    r->record.store_error = 1;
	}
	cm_policy_decide(eng->cfg, &m, &r->facts, &r->record, &r->verdict);
    }
    r->decided = 1;
    action = cm_action_rcpt(eng->cfg, &r->verdict);
    if (action != CM_ACTION_REJECT && action != CM_ACTION_TEMPFAIL)
	return (CM_REPLY_CONTINUE);

    /*
     * Refused here. In dry-run mode the recipient stays, and its record
     * (with the action it would have had) is written at end of message.
     */
    r->refused = 1;
    if (eng->cfg->mode == CM_MODE_DRY_RUN)
	return (CM_REPLY_CONTINUE);
    cm_session_audit(s, &s->line, r, s->env_campaign, &s->env_record,
		     &r->verdict, action, eng->ops->getsymval(mta, "i"), &s->am);
    (void) cm_session_write_audit(s, &s->line);
    cm_buf_reset(&s->line);
    cm_session_reply(s, mta, action == CM_ACTION_TEMPFAIL, cm_rcpt_label(r),
	      r->verdict.reason, s->env_campaign);
    return (action == CM_ACTION_REJECT ? CM_REPLY_REJECT : CM_REPLY_TEMPFAIL);
}

/* header_value_trim - copy a header value without surrounding space */

static char *header_value_trim(const char *value)
{
    const char *end;

    while (*value == ' ' || *value == '\t' || *value == '\r' || *value == '\n')
	value++;
    end = value + strnlen(value, HEADER_KEEP_MAX);
    while (end > value && (end[-1] == ' ' || end[-1] == '\t'
			   || end[-1] == '\r' || end[-1] == '\n'))
	end--;
    return (strndup(value, end - value));
}

/* from_address - the address part of a From header value */

static char *from_address(const char *value)
{
    const char *lt = strrchr(value, '<');
    const char *gt;

    if (lt != 0 && (gt = strchr(lt, '>')) != 0)
	return (strndup(lt + 1, gt - lt - 1));
    return (header_value_trim(value));
}

/* cm_on_header - one header field: keep what the decision needs */

void    cm_on_header(cm_session *s, void *mta, const char *name,
		             const char *value)
{
    char    id[CM_CAMPAIGN_ID_MAX + 2];
    char    show[CM_ESC_SHOW];

    if (!s->active || s->header_overflow)
	return;

    /*
     * Past MaxHeaderBytes nothing more is examined (CPU and memory stay
     * bounded), so the message cannot be checked: it is refused at the
     * end. Name, ": " and CRLF count as they would on the wire.
     */
    s->header_bytes += strlen(name) + strlen(value) + 4;
    if (s->header_bytes > (size_t) s->eng->cfg->max_header_bytes) {
	s->header_overflow = 1;
	cm_log(LOG_WARNING, "message from %s: header larger than %d bytes",
	       sender_show(s, show, sizeof(show)),
	       s->eng->cfg->max_header_bytes);
	return;
    }
    cm_pmsg_header(s->pm, mta, name, value);
    if (strcasecmp(name, s->eng->cfg->campaign_header) == 0) {
	/*
	 * An id longer than the limit is kept cut at one byte over it, so
	 * that it still fails validation (row 4) and the log shows it.
	 */
	(void) cm_campaign_from_header(name, value, id, sizeof(id));

	/*
	 * A second campaign header with another value is a conflict that
	 * no one should resolve by guessing: the message is treated as
	 * carrying a malformed campaign id.
	 */
	if (s->hdr_campaign_count++ == 0)
	    s->hdr_campaign = strdup(id);
	else if (s->hdr_campaign == 0 || strcmp(s->hdr_campaign, id) != 0)
	    s->hdr_campaign_conflict = 1;
    }
    if (cm_header_is_bulk(name, value))
	s->bulk_hint = 1;

    /*
     * The first letter (ASCII, either case: only 'M' and 'm' give 'm'
     * with the 0x20 bit set) rules out most names before strcasecmp().
     */
    switch (name[0] | 0x20) {
    case 'm':
	if (s->msgid == 0 && strcasecmp(name, "Message-ID") == 0)
	    s->msgid = header_value_trim(value);
	break;
    case 'f':
	if (s->from == 0 && strcasecmp(name, "From") == 0)
	    s->from = from_address(value);
	break;
    case 's':
	if (s->subject == 0 && strcasecmp(name, "Subject") == 0)
	    s->subject = header_value_trim(value);
	break;
    case 'x':
	/* Our headers, as a client wrote them: removed at the end. */
	if (strcasecmp(name, CM_HDR_CONSENT) == 0)
	    s->own_headers[0]++;
	else if (strcasecmp(name, CM_HDR_DENIED) == 0)
	    s->own_headers[1]++;
	break;
    }
}

/* cm_on_eoh - end of the header: the plugins learn the campaign header */

void    cm_on_eoh(cm_session *s, void *mta)
{
    if (!s->active || s->eoh_seen)
	return;
    s->eoh_seen = 1;
    cm_pmsg_eoh(s->pm, mta, s->hdr_campaign_conflict ? 0 : s->hdr_campaign);
}

/* cm_on_body - a chunk of the body, for the plugins that want it */

void    cm_on_body(cm_session *s, void *mta, const unsigned char *chunk,
		           size_t len)
{
    if (s->active)
	cm_pmsg_body(s->pm, mta, chunk, len);
}
