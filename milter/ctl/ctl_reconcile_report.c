/*++
/* NAME
/*	ctl_reconcile_report 3
/* SUMMARY
/*	consentctl reconcile: the report
/* SYNOPSIS
/*	#include "reconcile.h"
/*
/*	void	ctl_recon_text(r, b)
/*	recon	*r;
/*	cm_buf	*b;
/*
/*	void	ctl_recon_json(r, b)
/*	recon	*r;
/*	cm_buf	*b;
/* DESCRIPTION
/*	What "consentctl reconcile" says, once everything is read (see
/*	ctl_reconcile.c).
/*
/*	ctl_recon_text() appends the report for people to b: the files
/*	read with their lines or records and the time span of each log,
/*	the damaged (malformed) audit records,
/*	--since when given, one line per finding (time, queue id,
/*	recipient as logged, what the trail said, the first queue id of
/*	a requeued message or the Message-ID that linked a message to
/*	records without a queue id, the maillog line), then
/*	the counts, with the maillog lines not understood (in no known
/*	format).
/*
/*	ctl_recon_json() appends the same as one JSON object and a
/*	newline: maillog, audit_log (files with lines or records),
/*	maillog_lines, audit_records, damaged_records, their first and
/*	last times (RFC
/*	3339), since, findings (time, qid, orig_qid of a requeued message
/*	or null, linked_msgid (the Message-ID that linked the queue id
/*	to records without one) or null, rcpt, orig_to, trail_rcpt when
/*	the record is for another form of the address, decision, reason,
/*	action, mode, campaign: null without a record; where), counts
/*	(with not_understood, unreadable_lines and unreadable_audited:
/*	the delivery lines of messages with audit records that could
/*	not be read) and unreadable_files.
/* DIAGNOSTICS
/*	None: text from the logs is made printable (text) or escaped
/*	(JSON).
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdio.h>
#include <string.h>

/* Application-specific. */

#include "auditlog.h"
#include "ctl.h"
#include "escape.h"
#include "json.h"
#include "reconcile.h"
#include "timeparse.h"

/* when - Unix seconds as "2026-11-23 09:41:31Z", or "-" */

static const char *when(char *buf, size_t size, long long t)
{
    if (t < 0) {
	snprintf(buf, size, "-");
	return (buf);
    }
    return (ctl_audit_when(buf, size, t * 1000));
}

/* trail_text - what the audit trail said about a finding */

static void trail_text(recon *r, cm_buf *b, long rec, int is_near)
{
    const arec *a;

    if (rec < 0) {
	cm_buf_adds(b, "no record");
	return;
    }
    a = r->recs + rec;
    if (is_near) {
	cm_buf_adds(b, "no record; for \"");
	cm_buf_add_text(b, a->form, strlen(a->form));
	cm_buf_adds(b, "\" the trail says ");
    }
    cm_buf_add_text(b, a->decision ? a->decision : "?",
		    a->decision ? strlen(a->decision) : 1);
    cm_buf_addc(b, ' ');
    cm_buf_add_text(b, a->reason ? a->reason : "-",
		    a->reason ? strlen(a->reason) : 1);
    cm_buf_addc(b, ' ');
    cm_buf_add_text(b, a->action ? a->action : "-",
		    a->action ? strlen(a->action) : 1);
    if (a->mode && strcmp(a->mode, "enforce") != 0) {
	cm_buf_adds(b, " mode=");
	cm_buf_add_text(b, a->mode, strlen(a->mode));
    }
    if (a->campaign) {
	cm_buf_adds(b, " campaign=");
	cm_buf_add_text(b, a->campaign, strlen(a->campaign));
    }
}

/* files_text - "name (N lines), ..." */

static void files_text(cm_buf *b, const fileinfo *f, size_t n,
		               const char *unit)
{
    size_t  i;

    for (i = 0; i < n; i++) {
	if (i > 0)
	    cm_buf_adds(b, ", ");
	cm_buf_add_text(b, f[i].name, strlen(f[i].name));
	cm_buf_printf(b, " (%lld %s)", f[i].count, unit);
    }
    if (n == 0)
	cm_buf_adds(b, "none");
}

/* ctl_recon_text - the report for people */

void    ctl_recon_text(recon *r, cm_buf *b)
{
    char    t1[64], t2[64];
    size_t  i;
    const finding *f;

    cm_buf_adds(b, "maillog:   ");
    files_text(b, r->mfiles, r->nmfiles, "lines");
    cm_buf_printf(b, "\n           %lld lines, %s to %s\n", r->m_lines,
		  when(t1, sizeof(t1), r->m_first),
		  when(t2, sizeof(t2), r->m_last));
    cm_buf_adds(b, "audit log: ");
    files_text(b, r->afiles, r->nafiles, "records");
    cm_buf_printf(b, "\n           %lld records, %s to %s\n", r->a_records,
		  when(t1, sizeof(t1), r->a_first),
		  when(t2, sizeof(t2), r->a_last));
    cm_buf_printf(b, "           damaged records: %lld (malformed lines; "
		  "a queue id in one counts as audited)\n", r->a_damaged);
    if (r->since >= 0)
	cm_buf_printf(b, "since:     %s\n", when(t1, sizeof(t1), r->since));
    for (i = 0; i < r->nfinds; i++) {
	f = r->finds + i;
	cm_buf_printf(b, "%s %s %s", when(t1, sizeof(t1), f->time), f->qid,
		      f->rcpt);
	if (f->orig)
	    cm_buf_printf(b, " (orig %s)", f->orig);
	cm_buf_adds(b, ": ");
	trail_text(r, b, f->rec, f->near);
	if (f->was && f->was[0] == '\2') {
	    cm_buf_adds(b, "; linked by Message-ID ");
	    cm_buf_add_text(b, f->was + 1, strlen(f->was + 1));
	} else if (f->was) {
	    cm_buf_printf(b, "; requeued from %s", f->was);
	}
	cm_buf_printf(b, " [%s]\n", f->where);
    }
    cm_buf_printf(b, "deliveries: %lld (%lld of messages with audit records: "
		  "%lld allowed, %lld not; %lld ordinary)",
		  r->deliveries, r->audited, r->allowed,
		  r->audited - r->allowed, r->ordinary);
    if (r->before_since)
	cm_buf_printf(b, "; %lld before --since", r->before_since);
    cm_buf_printf(b, "\nnot delivered (deferred, bounced...): %lld lines; "
		  "unreadable: %lld lines (delivery lines cut short, lines "
		  "over 1 MB; %lld of messages with audit records)\n",
		  r->not_sent, r->broken, r->broken_audited);
    cm_buf_printf(b, "not understood: %lld lines (not in a known log "
		  "format: not read)\n", r->garbage);
    cm_buf_printf(b, "findings: %zu\n", r->nfinds);
}

/* json_time - an RFC 3339 member, or null */

static void json_time(cm_buf *b, const char *key, long long t)
{
    char    buf[CM_TIME_SIZE];

    if (t < 0)
	cm_json_kv_raw(b, key, "null");
    else
	cm_json_kv_str(b, key, cm_time_format(t, buf, sizeof(buf)));
}

/* json_files - [{"file":..,"lines":N}, ...] */

static void json_files(cm_buf *b, const char *key, const fileinfo *f,
		               size_t n, const char *unit)
{
    size_t  i;

    cm_json_key(b, key);
    cm_buf_addc(b, '[');
    for (i = 0; i < n; i++) {
	if (i > 0)
	    cm_buf_addc(b, ',');
	cm_json_open(b);
	cm_json_kv_str(b, "file", f[i].name);
	cm_json_kv_int(b, unit, f[i].count);
	cm_json_close(b);
    }
    cm_buf_addc(b, ']');
}

/* ctl_recon_json - the report as one JSON object */

void    ctl_recon_json(recon *r, cm_buf *b)
{
    const finding *f;
    const arec *a;
    size_t  i;

    cm_json_open(b);
    json_files(b, "maillog", r->mfiles, r->nmfiles, "lines");
    cm_json_kv_int(b, "maillog_lines", r->m_lines);
    json_time(b, "maillog_first", r->m_first);
    json_time(b, "maillog_last", r->m_last);
    json_files(b, "audit_log", r->afiles, r->nafiles, "records");
    cm_json_kv_int(b, "audit_records", r->a_records);
    cm_json_kv_int(b, "damaged_records", r->a_damaged);
    json_time(b, "audit_first", r->a_first);
    json_time(b, "audit_last", r->a_last);
    json_time(b, "since", r->since);
    cm_json_key(b, "findings");
    cm_buf_addc(b, '[');
    for (i = 0; i < r->nfinds; i++) {
	f = r->finds + i;
	a = f->rec >= 0 ? r->recs + f->rec : 0;
	if (i > 0)
	    cm_buf_addc(b, ',');
	cm_json_open(b);
	json_time(b, "time", f->time);
	cm_json_kv_str(b, "qid", f->qid);
	cm_json_kv_str(b, "orig_qid", f->was && f->was[0] != '\2' ? f->was : 0);
	cm_json_kv_str(b, "linked_msgid", f->was && f->was[0] == '\2' ?
		       f->was + 1 : 0);
	cm_json_kv_str(b, "rcpt", f->rcpt);
	cm_json_kv_str(b, "orig_to", f->orig);
	cm_json_kv_str(b, "trail_rcpt", f->near ? a->form : 0);
	cm_json_kv_str(b, "decision", a ? a->decision : 0);
	cm_json_kv_str(b, "reason", a ? a->reason : 0);
	cm_json_kv_str(b, "action", a ? a->action : 0);
	cm_json_kv_str(b, "mode", a ? a->mode : 0);
	cm_json_kv_str(b, "campaign", a ? a->campaign : 0);
	cm_json_kv_str(b, "where", f->where);
	cm_json_close(b);
    }
    cm_buf_addc(b, ']');
    cm_json_key(b, "counts");
    cm_json_open(b);
    cm_json_kv_int(b, "deliveries", r->deliveries);
    cm_json_kv_int(b, "audited", r->audited);
    cm_json_kv_int(b, "allowed", r->allowed);
    cm_json_kv_int(b, "ordinary", r->ordinary);
    cm_json_kv_int(b, "findings", (long long) r->nfinds);
    cm_json_kv_int(b, "before_since", r->before_since);
    cm_json_kv_int(b, "not_sent", r->not_sent);
    cm_json_kv_int(b, "unreadable_lines", r->broken);
    cm_json_kv_int(b, "unreadable_audited", r->broken_audited);
    cm_json_kv_int(b, "not_understood", r->garbage);
    cm_json_close(b);
    cm_json_kv_int(b, "unreadable_files", r->unreadable);
    cm_json_close(b);
    cm_buf_addc(b, '\n');
}
