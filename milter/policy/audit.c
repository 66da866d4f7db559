/*++
/* NAME
/*	audit 3
/* SUMMARY
/*	the audit trail's records
/* SYNOPSIS
/*	#include "audit.h"
/*
/*	void	cm_audit_format(out, rec)
/*	cm_buf	*out;
/*	const cm_audit_record *rec;
/*
/*	void	cm_audit_format_msg(out, msg, rec)
/*	cm_buf	*out;
/*	cm_audit_msg *msg;
/*	const cm_audit_record *rec;
/*
/*	void	cm_audit_msg_reset(msg)
/*	void	cm_audit_msg_free(msg)
/*	cm_audit_msg *msg;
/* DESCRIPTION
/*	The audit trail answers, months or years later, why a person got
/*	or did not get a marketing message. It is one JSON object per
/*	line, one line per recipient decision.
/*
/*	cm_audit_format() writes one record (without the newline). The
/*	keys are those of DESIGN.md section 7, in that order; values that
/*	come from the message are escaped by the JSON writer, so a line
/*	is always one valid JSON object whatever the message contains.
/*	The time stamps consent_at and suppressed_at are written as
/*	RFC 3339 UTC, like time. "subject" (after "from", null when the
/*	message has none) is the Subject header unfolded (folding white
/*	space becomes one space) and cut to CM_AUDIT_SUBJECT_MAX bytes,
/*	never inside a UTF-8 character; RFC 2047 encoded-words are kept
/*	encoded, as the message carried them.
/*
/*	cm_audit_format_msg() writes the same, for the records of one
/*	message: the members that they share (msgid, sender, auth,
/*	campaign, purpose, basis, mode, from, subject) are formatted for
/*	the first record and copied into the others, which then cost only
/*	their own members (time, qid and the recipient's); a time stamp
/*	is formatted again only when a record's time differs from the
/*	record before. msg starts as CM_AUDIT_MSG_INIT;
/*	cm_audit_msg_reset() says that the next record belongs to another
/*	message, or that the shared members changed (the message's
/*	headers came), cm_audit_msg_free() releases its memory. Time and
/*	qid stay out of the shared part because the records refused at
/*	RCPT are written one by one, before Postfix assigns the queue id.
/*
/*	The file that the records go to is audit_file(3).
/* DIAGNOSTICS
/*	None: out of memory sets the buffer's oom flag (buf.c).
/* SEE ALSO
/*	audit_file(3), the writer.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdlib.h>
#include <string.h>

/* Application-specific. */

#include "audit.h"
#include "clock.h"
#include "json.h"

/*
 * Members written for every recipient, where the JSON writer's general
 * path (finding the key's length, looking for bytes to escape) cost as
 * much as the rest of the record: a member that follows another, its
 * name and opening quote as one literal, and a value that we made
 * (a time stamp: digits and punctuation) or that comes from our own
 * tables (decision and action names: lower-case words).
 */
#define ADD_OWN(out, lead, val) do { \
	cm_buf_add((out), "" lead "", sizeof(lead) - 1); \
	cm_buf_adds((out), (val)); \
	cm_buf_addc((out), '"'); \
    } while (0)

/* ADD_TIME - write one optional time stamp member: ,"key":"..." */

#define ADD_TIME(out, lead, seconds) do { \
	char    stamp_[40]; \
	cm_time_rfc3339(stamp_, sizeof(stamp_), (seconds), -1); \
	ADD_OWN((out), lead, stamp_); \
    } while (0)

/* lead_is - the last record's time and qid are this one's */

static int lead_is(const cm_audit_msg *msg, const cm_audit_record *rec)
{
    if (msg->lead_state == 0 || msg->lead_ms != rec->time_ms)
	return (0);
    if (rec->qid == 0)
	return (msg->lead_state == 1);
    return (msg->lead_state == 2 && strcmp(cm_buf_str(&msg->lead_qid),
					   rec->qid) == 0);
}

/* format_lead - a record's own first members: {"time":...,"qid":... */

static void format_lead(cm_audit_msg *msg, const cm_audit_record *rec)
{
    char    stamp[40];
    long long ms = rec->time_ms;

    cm_buf_reset(&msg->lead);
    cm_buf_reset(&msg->lead_qid);
    cm_time_rfc3339(stamp, sizeof(stamp), ms / 1000, (int) (ms % 1000));
    cm_json_open(&msg->lead);
    CM_JSON_KV_STR_LIT(&msg->lead, "time", stamp);
    CM_JSON_KV_STR_LIT(&msg->lead, "qid", rec->qid);
    if (rec->qid != 0)
	cm_buf_adds(&msg->lead_qid, rec->qid);
    msg->lead_ms = ms;
    msg->lead_state = msg->lead.oom || msg->lead_qid.oom ? 0
	: rec->qid == 0 ? 1 : 2;
}

/* format_head - the shared members before the recipient: ,"msgid":... */

static void format_head(cm_buf *out, const cm_audit_record *rec)
{
    /* The head follows "qid": its first key brings the comma. */
    cm_buf_adds(out, ",\"msgid\":");
    cm_json_string(out, rec->msgid, rec->msgid ? strlen(rec->msgid) : 0);
    CM_JSON_KV_STR_LIT(out, "sender", rec->sender);
    CM_JSON_KV_STR_LIT(out, "auth", rec->auth);
    CM_JSON_KV_STR_LIT(out, "campaign", rec->campaign);
    CM_JSON_KV_STR_LIT(out, "purpose", rec->purpose);
    CM_JSON_KV_STR_LIT(out, "basis", rec->basis);
}

/* add_subject - the Subject header: unfolded, capped on a UTF-8 boundary */

static void add_subject(cm_buf *out, const char *subject)
{
    char    text[CM_AUDIT_SUBJECT_MAX + 1];
    const unsigned char *p;
    size_t  len = 0, cut;

    if (subject == 0) {
	CM_JSON_KV_STR_LIT(out, "subject", 0);
	return;
    }

    /*
     * Folding white space (CR, LF and the blanks after them) becomes
     * one space. RFC 2047 encoded-words are kept as they came: that is
     * what the message carried, and decoding needs charsets we lack.
     */
    for (p = (const unsigned char *) subject; *p && len < sizeof(text) - 1; p++) {
	if (*p == '\r' || *p == '\n') {
	    while (p[1] == '\r' || p[1] == '\n' || p[1] == ' ' || p[1] == '\t')
		p++;
	    if (len > 0 && text[len - 1] != ' ')
		text[len++] = ' ';
	    continue;
	}
	text[len++] = *p;
    }

    /* Cut before a UTF-8 sequence that the cap would split. */
    if (*p != 0) {
	for (cut = len; cut > 0 && cut > len - 4
	     && ((unsigned char) text[cut - 1] & 0xc0) == 0x80; cut--)
	     /* void */ ;
	if (cut > 0 && ((unsigned char) text[cut - 1] & 0x80)) {
	    unsigned char lead = text[cut - 1];
	    size_t  need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;

	    if (cut - 1 + need > len)
		len = cut - 1;
	}
    }
    text[len] = 0;
    CM_JSON_KV_STR_LIT(out, "subject", text);
}

/* format_tail - the members after the action: ,"mode":...,"from":... */

static void format_tail(cm_buf *out, const cm_audit_record *rec)
{
    /* The tail follows other members: its first key brings the comma. */
    cm_buf_adds(out, ",\"mode\":");
    cm_json_string(out, cm_mode_name(rec->mode),
		   strlen(cm_mode_name(rec->mode)));
    CM_JSON_KV_STR_LIT(out, "from", rec->from);
    add_subject(out, rec->subject);
}

/* cm_audit_format_msg - one record, with the message's parts made once */

void    cm_audit_format_msg(cm_buf *out, cm_audit_msg *msg,
			            const cm_audit_record *rec)
{
    /*
     * The keys before "when known" are on every line, null when the
     * value is unknown (DESIGN.md section 7); the others only when known.
     * The order is that of DESIGN.md. The members that every record of
     * a message shares are formatted for the first record only: the
     * caller promises they do not change until cm_audit_msg_reset().
     */
    if (!msg->ready) {
	cm_buf_reset(&msg->head);
	cm_buf_reset(&msg->tail);
	format_head(&msg->head, rec);
	format_tail(&msg->tail, rec);
	msg->ready = !msg->head.oom && !msg->tail.oom;
	if (!msg->ready)
	    out->oom = 1;
    }
    if (!lead_is(msg, rec)) {
	format_lead(msg, rec);
	if (msg->lead_state == 0)		/* out of memory: cut */
	    out->oom = 1;
    }
    cm_buf_add(out, msg->lead.data, msg->lead.len);
    cm_buf_add(out, msg->head.data, msg->head.len);
    if (rec->rcpt_pseudonymised)
	CM_JSON_KV_STR_LIT(out, "rcpt_id", rec->rcpt);
    else
	CM_JSON_KV_STR_LIT(out, "rcpt", rec->rcpt);
    ADD_OWN(out, ",\"decision\":\"", cm_decision_name(rec->decision));
    CM_JSON_KV_STR_LIT(out, "reason", rec->reason);
    ADD_OWN(out, ",\"action\":\"", cm_action_name(rec->action));
    cm_buf_add(out, msg->tail.data, msg->tail.len);
    if (rec->consent_at > 0)
	ADD_TIME(out, ",\"consent_at\":\"", rec->consent_at);
    if (rec->consent_src != 0)
	CM_JSON_KV_STR_LIT(out, "consent_src", rec->consent_src);
    if (rec->suppressed_at > 0)
	ADD_TIME(out, ",\"suppressed_at\":\"", rec->suppressed_at);
    if (rec->plugins != 0)
	cm_json_kv_raw(out, "plugins", rec->plugins);
    cm_json_close(out);
}

/* cm_audit_msg_reset - the next record starts another message */

void    cm_audit_msg_reset(cm_audit_msg *msg)
{
    msg->ready = 0;
    msg->lead_state = 0;
}

/* cm_audit_msg_free - release the message's parts */

void    cm_audit_msg_free(cm_audit_msg *msg)
{
    cm_buf_free(&msg->head);
    cm_buf_free(&msg->tail);
    cm_buf_free(&msg->lead);
    cm_buf_free(&msg->lead_qid);
    cm_audit_msg_reset(msg);
}

/* cm_audit_format - one audit record as a JSON object */

void    cm_audit_format(cm_buf *out, const cm_audit_record *rec)
{
    cm_audit_msg msg = CM_AUDIT_MSG_INIT;

    cm_audit_format_msg(out, &msg, rec);
    cm_audit_msg_free(&msg);
}
