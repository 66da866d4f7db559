/*++
/* NAME
/*	trace_html 3
/* SUMMARY
/*	consentctl trace --html: the evidence pack
/* SYNOPSIS
/*	#include "trace.h"
/*
/*	int	trace_html(t, s, path)
/*	const trace *t;
/*	const summary *s;
/*	const char *path;
/* DESCRIPTION
/*	trace_html() writes the answer of "consentctl trace" as one HTML
/*	file that a data protection officer can hand over: dated, naming
/*	the tool version, printable on A4, with nothing loaded from
/*	anywhere. In order: what it rests on (the coverage statement:
/*	files, time span, unreadable or missing files, gaps), the three
/*	questions answered (on what consent, what was sent or refused,
/*	when the opt-out came and what it stopped), every consent event
/*	with its evidence, every opt-out the relay received itself, and
/*	every message with time, campaign, purpose, Message-ID, Subject,
/*	queue id and decision. Everything from Redis or a log is escaped.
/* DIAGNOSTICS
/*	Returns 0, or the exit status of page_write().
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <string.h>

/* Application-specific. */

#include "auditlog.h"
#include "buf.h"
#include "report_page.h"
#include "trace.h"

#define V(s)	((s) ? (s) : "none")

/* cell - one escaped table cell */

static void cell(cm_buf *b, const char *s, const char *cls)
{
    if (cls)
	cm_buf_printf(b, "<td class=\"%s\">", cls);
    else
	cm_buf_adds(b, "<td>");
    page_text(b, s ? s : "-");
    cm_buf_adds(b, "</td>");
}

/* time_cell - a time as a cell */

static void time_cell(cm_buf *b, long long ms)
{
    char    ts[40];

    cell(b, ctl_audit_when(ts, sizeof(ts), ms), "t");
}

/* same_basis - two sends on the same campaign, reason and consent */

static int same(const char *a, const char *b)
{
    return (strcmp(a ? a : "", b ? b : "") == 0);
}

/* answers - the three questions */

static void answers(cm_buf *b, const trace *t, const summary *s)
{
    static const char *label[NOUT] = {"Sent", "Refused", "Deferred", "Held"};
    cm_buf  ch = CM_BUF_INIT;
    const event *e, *o;
    char    ts[40];
    size_t  i, j, n;
    int     k;

    cm_buf_adds(b, "<section id=\"answers\">\n<h2>1. On what consent was "
		"this person emailed?</h2>\n<ul>\n");
    for (i = 0, n = 0; i < t->nev; i++) {
	e = t->ev + i;
	if (e->kind != EV_MESSAGE || e->outcome != OUT_SENT)
	    continue;
	for (j = 0; j < i; j++) {
	    o = t->ev + j;
	    if (o->kind == EV_MESSAGE && o->outcome == OUT_SENT
		&& same(o->f[F_CAMPAIGN], e->f[F_CAMPAIGN])
		&& same(o->f[F_REASON], e->f[F_REASON])
		&& same(o->f[F_CONSENT_AT], e->f[F_CONSENT_AT]))
		break;
	}
	if (j < i)
	    continue;
	n++;
	cm_buf_adds(b, "<li><strong>");
	page_text(b, e->f[F_CAMPAIGN] ? e->f[F_CAMPAIGN] : "(no campaign)");
	cm_buf_adds(b, "</strong> (purpose ");
	page_text(b, V(e->f[F_PURPOSE]));
	cm_buf_adds(b, "): ");
	if (same(e->f[F_REASON], "service")) {
	    cm_buf_adds(b, "service mail, no marketing consent needed");
	} else if (same(e->f[F_REASON], "consent")
		   && same(e->f[F_DECISION], "allow")) {
	    cm_buf_adds(b, "consent given ");
	    page_text(b, e->f[F_CONSENT_AT] ? e->f[F_CONSENT_AT]
		      : "(time unknown)");
	    cm_buf_adds(b, ", evidence: ");
	    page_text(b, e->f[F_CONSENT_SRC] ? e->f[F_CONSENT_SRC]
		      : "none recorded");
	} else {
	    cm_buf_adds(b, "<span class=\"warn\">NO CONSENT: decision ");
	    page_text(b, V(e->f[F_DECISION]));
	    cm_buf_adds(b, " (");
	    page_text(b, V(e->f[F_REASON]));
	    cm_buf_adds(b, "), delivered by mode or action</span>");
	}
	cm_buf_adds(b, "</li>\n");
    }
    if (n == 0)
	cm_buf_adds(b, "<li>No marketing message was delivered to this "
		    "address.</li>\n");
    cm_buf_adds(b, "</ul>\n<h2>2. What was sent or refused, and when?</h2>\n");
    if (t->cover.bad || t->cover.none)
	cm_buf_adds(b, "<p class=\"warn\">INCOMPLETE: audit log files could "
		    "not be read (see Coverage). These counts come from the "
		    "files that were read; the true numbers may be higher."
		    "</p>\n");
    cm_buf_adds(b, "<table>\n<thead><tr><th>Outcome</th><th class=\"n\">"
		"Messages</th><th>First</th><th>Last</th></tr></thead>\n"
		"<tbody>\n");
    for (k = 0; k < NOUT; k++) {
	cm_buf_printf(b, "<tr><td>%s</td><td class=\"n\">%ld</td>", label[k],
		      s->count[k]);
	if (s->count[k] > 0) {
	    time_cell(b, s->first[k]);
	    time_cell(b, s->last[k]);
	} else {
	    cm_buf_adds(b, "<td>-</td><td>-</td>");
	}
	cm_buf_adds(b, "</tr>\n");
    }
    cm_buf_adds(b, "</tbody>\n</table>\n<h2>3. When did the opt-out arrive, "
		"and what did it stop?</h2>\n");
    if (s->optout == 0) {
	cm_buf_adds(b, "<p>No withdrawal or suppression on record.</p>\n");
    } else {
	o = t->ev + s->optout - 1;
	cm_buf_adds(b, "<p>First opt-out: <strong>");
	page_text(b, strcmp(o->f[F_PURPOSE], "*") == 0 ? "all marketing"
		  : o->f[F_PURPOSE]);
	cm_buf_adds(b, " ");
	page_text(b, o->f[F_STATE]);
	cm_buf_printf(b, "</strong> at %s, source: ",
		      ctl_audit_when(ts, sizeof(ts), o->ms));
	page_text(b, o->f[F_SRC] && *o->f[F_SRC] ? o->f[F_SRC] : "none");
	if (trace_channel_text(&ch, o)) {
	    cm_buf_adds(b, " &mdash; ");
	    page_text(b, cm_buf_str(&ch));
	}
	cm_buf_printf(b, ".</p>\n<p>Messages refused, deferred or held after "
		      "it: <strong>%ld</strong>.</p>\n", s->stopped);
    }
    if (s->warnings > 0)
	cm_buf_printf(b, "<div class=\"box\"><p class=\"warn\">WARNING: %ld "
		      "marketing message(s) sent after the opt-out (marked in "
		      "the message list).</p></div>\n", s->warnings);
    else
	cm_buf_adds(b, "<p class=\"ok\">Sent after the opt-out: none.</p>\n");
    cm_buf_adds(b, "</section>\n");
    cm_buf_free(&ch);
}

/* consent_table - every consent event with its evidence */

static void consent_table(cm_buf *b, const trace *t)
{
    cm_buf  ch = CM_BUF_INIT, note = CM_BUF_INIT;
    char    ts[40];
    const event *e;
    size_t  i, n = 0;

    cm_buf_adds(b, "<section id=\"consent\">\n<h2>Consent events</h2>\n"
		"<p>From the history stream and the current record in the "
		"consent store, oldest first.</p>\n<table>\n<thead><tr>"
		"<th>Time</th><th>Purpose</th><th>State</th>"
		"<th>Evidence (source)</th><th>By</th><th>Note</th></tr>"
		"</thead>\n<tbody>\n");
    for (i = 0; i < t->nev; i++) {
	e = t->ev + i;
	if (e->kind != EV_CONSENT)
	    continue;
	n++;
	cm_buf_adds(b, "<tr>");
	time_cell(b, e->ms);
	cell(b, strcmp(V(e->f[F_PURPOSE]), "*") == 0 ? "all marketing"
	     : e->f[F_PURPOSE], 0);
	cell(b, e->f[F_STATE], 0);
	cell(b, e->f[F_SRC] && *e->f[F_SRC] ? e->f[F_SRC] : 0, "mono");
	cell(b, e->f[F_ACTOR], 0);
	cm_buf_reset(&note);
	if (trace_channel_text(&ch, e))
	    cm_buf_adds(&note, cm_buf_str(&ch));
	if (e->current)
	    cm_buf_adds(&note, "current record; no history entry");
	else if (e->recorded_ms - e->ms > 60000
		 || e->ms - e->recorded_ms > 60000)
	    cm_buf_printf(&note, "%srecorded %s", note.len ? "; " : "",
			  ctl_audit_when(ts, sizeof(ts), e->recorded_ms));
	cell(b, note.len ? cm_buf_str(&note) : 0, 0);
	cm_buf_adds(b, "</tr>\n");
    }
    if (n == 0)
	cm_buf_adds(b, "<tr><td colspan=\"6\">No consent event on record."
		    "</td></tr>\n");
    cm_buf_adds(b, "</tbody>\n</table>\n");

    /* The opt-outs the relay received itself (one-click, mailto, ARF). */
    for (i = 0, n = 0; i < t->nev; i++) {
	e = t->ev + i;
	if (e->kind != EV_OPTOUT)
	    continue;
	if (n++ == 0)
	    cm_buf_adds(b, "<h3>Opt-outs received by the relay</h3>\n<table>\n"
			"<thead><tr><th>Time</th><th>Channel</th>"
			"<th>Purpose</th><th>Campaign</th><th>Message-ID</th>"
			"<th>Client</th><th>Result</th></tr></thead>\n"
			"<tbody>\n");
	cm_buf_adds(b, "<tr>");
	time_cell(b, e->ms);
	cell(b, e->f[F_CHANNEL], 0);
	cell(b, e->f[F_PURPOSE], 0);
	cell(b, e->f[F_CAMPAIGN], 0);
	cell(b, e->f[F_MSGID], "mono");
	cell(b, e->f[F_CLIENT], "mono");
	cell(b, e->f[F_RESULT], 0);
	cm_buf_adds(b, "</tr>\n");
    }
    if (n > 0)
	cm_buf_adds(b, "</tbody>\n</table>\n");
    cm_buf_adds(b, "</section>\n");
    cm_buf_free(&ch);
    cm_buf_free(&note);
}

/* message_table - every message with its identity and decision */

static void message_table(cm_buf *b, const trace *t)
{
    static const char *verb[NOUT] = {"SENT", "REFUSED", "DEFERRED", "HELD"};
    cm_buf  d = CM_BUF_INIT;
    const event *e;
    size_t  i, n = 0;

    cm_buf_adds(b, "<section id=\"messages\">\n<h2>Messages</h2>\n<p>Every "
		"audit record for this address, oldest first. A message "
		"refused or deferred at RCPT was stopped before its header was "
		"sent: it has no queue id, Message-ID or Subject, only its "
		"sender and time.</p>\n<table>\n<thead><tr><th>Time</th><th>Outcome</th>"
		"<th>Campaign</th><th>Purpose</th><th>Message-ID</th>"
		"<th>Subject</th><th>Queue id</th><th>Decision</th></tr>"
		"</thead>\n<tbody>\n");
    for (i = 0; i < t->nev; i++) {
	e = t->ev + i;
	if (e->kind != EV_MESSAGE)
	    continue;
	n++;
	cm_buf_printf(b, "<tr%s>", e->optout ? " class=\"warn\"" : "");
	time_cell(b, e->ms);
	cell(b, verb[e->outcome], 0);
	cell(b, e->f[F_CAMPAIGN], 0);
	cell(b, e->f[F_PURPOSE], 0);
	if (e->f[F_QID] == 0 && e->f[F_MSGID] == 0) {
	    cm_buf_reset(&d);
	    cm_buf_adds(&d, e->outcome == OUT_REFUSED ? "refused at RCPT"
			: e->outcome == OUT_DEFERRED ? "deferred at RCPT"
			: "decided at RCPT");
	    cm_buf_adds(&d, ", before the message; sender ");
	    cm_buf_adds(&d, V(e->f[F_SENDER]));
	    if (e->f[F_AUTH]) {
		cm_buf_adds(&d, ", login ");
		cm_buf_adds(&d, e->f[F_AUTH]);
	    }
	    cm_buf_adds(b, "<td colspan=\"3\">");
	    page_text(b, cm_buf_str(&d));
	    cm_buf_adds(b, "</td>");
	} else {
	    cell(b, e->f[F_MSGID], "mono");
	    cell(b, e->f[F_SUBJECT], 0);
	    cell(b, e->f[F_QID], "mono");
	}
	cm_buf_reset(&d);
	cm_buf_adds(&d, V(e->f[F_DECISION]));
	cm_buf_adds(&d, ", ");
	cm_buf_adds(&d, V(e->f[F_REASON]));
	cm_buf_adds(&d, " (action ");
	cm_buf_adds(&d, V(e->f[F_ACTION]));
	cm_buf_adds(&d, ")");
	if (e->f[F_MODE] && strcmp(e->f[F_MODE], "dry-run") == 0)
	    cm_buf_adds(&d, "; Mode dry-run: delivered whatever the decision");
	if (e->optout)
	    cm_buf_adds(&d, "; WARNING: sent after opt-out");
	cell(b, cm_buf_str(&d), 0);
	cm_buf_adds(b, "</tr>\n");
    }
    if (n == 0)
	cm_buf_adds(b, "<tr><td colspan=\"8\">No audit record for this "
		    "address in the files read.</td></tr>\n");
    cm_buf_adds(b, "</tbody>\n</table>\n</section>\n");
    cm_buf_free(&d);
}

/* trace_html - the evidence pack as one file */

int     trace_html(const trace *t, const summary *s, const char *path)
{
    cm_buf  b = CM_BUF_INIT, title = CM_BUF_INIT, sub = CM_BUF_INIT;
    int     status;

    cm_buf_adds(&title, "Evidence pack: ");
    cm_buf_adds(&title, t->norm);
    if (strcmp(t->norm, t->id) != 0) {
	cm_buf_adds(&sub, "Record id (pseudonym in the logs): ");
	cm_buf_adds(&sub, t->id);
    }
    page_open(&b, cm_buf_str(&title), sub.len ? cm_buf_str(&sub) : 0);
    trace_cover_html(&b, &t->cover);
    answers(&b, t, s);
    consent_table(&b, t);
    message_table(&b, t);
    page_close(&b);
    status = page_write(t->c, path, &b);
    cm_buf_free(&b);
    cm_buf_free(&title);
    cm_buf_free(&sub);
    return (status);
}
