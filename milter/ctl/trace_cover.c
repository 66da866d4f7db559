/*++
/* NAME
/*	trace_cover 3
/* SUMMARY
/*	consentctl: which audit logs an answer rests on
/* SYNOPSIS
/*	#include "trace.h"
/*
/*	void	trace_cover_text(out, cover)
/*	cm_buf	*out;
/*	const ctl_audit_cover *cover;
/*
/*	void	trace_cover_json(out, cover)
/*
/*	void	trace_cover_html(out, cover)
/* DESCRIPTION
/*	The coverage statement that "consentctl trace" and "report" put
/*	before their answer: the audit files read (oldest first, each with
/*	the time of its first and last record and its line count), those
/*	that could not be read or are missing (a hole in the numbered
/*	rotation), and the gaps: more than two days between the last
/*	record of one file and the first of the next, which is either a
/*	quiet time or a lost file. When any file was unreadable or missing
/*	the statement says that the answer is INCOMPLETE.
/*
/*	trace_cover_text() appends text (escaped for a terminal),
/*	trace_cover_json() a "coverage" member, trace_cover_html() a
/*	section of an HTML page.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdlib.h>
#include <string.h>

/* Application-specific. */

#include "auditlog.h"
#include "buf.h"
#include "escape.h"
#include "json.h"
#include "report_page.h"
#include "timeparse.h"
#include "trace.h"

static const char *state_name[] = {"read", "unreadable", "missing"};

/* by_time - the read files with records, oldest first */

static int cmp_first(const void *a, const void *b)
{
    const ctl_audit_file *x = *(ctl_audit_file *const *) a;
    const ctl_audit_file *y = *(ctl_audit_file *const *) b;

    return (x->first_ms < y->first_ms ? -1 : x->first_ms > y->first_ms);
}

static size_t by_time(const ctl_audit_cover *cover, ctl_audit_file ***out)
{
    size_t  n = 0;
    int     k;

    if ((*out = calloc(cover->nfile + 1, sizeof(**out))) == 0)
	return (0);
    for (k = 0; k < cover->nfile; k++)
	if (cover->file[k].state == CTL_AUDIT_READ
	    && cover->file[k].first_ms >= 0)
	    (*out)[n++] = cover->file + k;
    qsort(*out, n, sizeof(**out), cmp_first);
    return (n);
}

/* span - the first and the last record over all files */

static int span(const ctl_audit_cover *cover, long long *first,
		        long long *last)
{
    int     k, any = 0;

    for (k = 0; k < cover->nfile; k++) {
	if (cover->file[k].first_ms < 0)
	    continue;
	if (!any || cover->file[k].first_ms < *first)
	    *first = cover->file[k].first_ms;
	if (!any || cover->file[k].last_ms > *last)
	    *last = cover->file[k].last_ms;
	any = 1;
    }
    return (any);
}

/* text - untrusted text for a terminal */

static void text(cm_buf *b, const char *s)
{
    s = s ? s : "";
    cm_buf_add_text(b, s, strlen(s));
}

/* trace_cover_text - the coverage statement for a terminal */

void    trace_cover_text(cm_buf *out, const ctl_audit_cover *cover)
{
    ctl_audit_file **t;
    char    a[40], z[40];
    long long first = 0, last = 0;
    size_t  n, i;
    int     k;

    if (cover->none) {
	cm_buf_adds(out, "Coverage: AuditLog is none (records went to syslog) "
		    "and no --audit-log was given: no message is known. "
		    "INCOMPLETE.\n");
	return;
    }
    cm_buf_printf(out, "Coverage: %d audit log file(s)", cover->nfile);
    if (span(cover, &first, &last))
	cm_buf_printf(out, ", records from %s to %s",
		      ctl_audit_when(a, sizeof(a), first),
		      ctl_audit_when(z, sizeof(z), last));
    if (cover->bad)
	cm_buf_printf(out, "; %d unreadable or missing: this answer is "
		      "INCOMPLETE\n", cover->bad);
    else
	cm_buf_adds(out, "; every file read to its end\n");
    for (k = 0; k < cover->nfile; k++) {
	const ctl_audit_file *f = cover->file + k;

	cm_buf_printf(out, "  %-10s ", f->state == CTL_AUDIT_READ ? "read"
		      : f->state == CTL_AUDIT_MISSING ? "MISSING" : "UNREADABLE");
	text(out, f->path);
	if (f->first_ms >= 0)
	    cm_buf_printf(out, "  %s .. %s", ctl_audit_when(a, sizeof(a),
							     f->first_ms),
			  ctl_audit_when(z, sizeof(z), f->last_ms));
	if (f->state == CTL_AUDIT_READ || f->lines > 0)
	    cm_buf_printf(out, "  (%ld line(s))", f->lines);
	if (f->why) {
	    cm_buf_adds(out, "  ");
	    text(out, f->why);
	}
	cm_buf_addc(out, '\n');
    }
    n = by_time(cover, &t);
    for (i = 1; i < n; i++)
	if (t[i]->first_ms - t[i - 1]->last_ms > TRACE_GAP_MS) {
	    cm_buf_printf(out, "  gap: no record from %s to %s (%.1f days) "
			  "between ", ctl_audit_when(a, sizeof(a),
						     t[i - 1]->last_ms),
			  ctl_audit_when(z, sizeof(z), t[i]->first_ms),
			  (t[i]->first_ms - t[i - 1]->last_ms) / 86400000.0);
	    text(out, t[i - 1]->path);
	    cm_buf_adds(out, " and ");
	    text(out, t[i]->path);
	    cm_buf_adds(out, ": a quiet time, or a lost file\n");
	}
    free(t);
}

/* json_ms - a time member, or null */

static void json_ms(cm_buf *b, const char *key, long long ms)
{
    char    ts[40];

    if (ms < 0) {
	cm_json_kv_raw(b, key, "null");
	return;
    }
    cm_time_format(ms / 1000, ts, sizeof(ts));
    cm_json_kv_str(b, key, ts);
}

/* trace_cover_json - the "coverage" member */

void    trace_cover_json(cm_buf *out, const ctl_audit_cover *cover)
{
    ctl_audit_file **t;
    long long first = -1, last = -1;
    size_t  n, i, g = 0;
    int     k;

    cm_json_key(out, "coverage");
    cm_json_open(out);
    cm_json_kv_raw(out, "complete", cover->bad || cover->none ? "false"
		   : "true");
    cm_json_kv_int(out, "unreadable_or_missing", cover->bad);
    if (!span(cover, &first, &last))
	first = last = -1;
    json_ms(out, "first", first);
    json_ms(out, "last", last);
    cm_json_key(out, "files");
    cm_buf_addc(out, '[');
    for (k = 0; k < cover->nfile; k++) {
	const ctl_audit_file *f = cover->file + k;

	if (k > 0)
	    cm_buf_addc(out, ',');
	cm_json_open(out);
	cm_json_kv_str(out, "path", f->path);
	cm_json_kv_str(out, "state", state_name[f->state]);
	cm_json_kv_int(out, "lines", f->lines);
	json_ms(out, "first", f->first_ms);
	json_ms(out, "last", f->last_ms);
	cm_json_kv_str(out, "error", f->why);
	cm_json_close(out);
    }
    cm_buf_addc(out, ']');
    cm_json_key(out, "gaps");
    cm_buf_addc(out, '[');
    n = by_time(cover, &t);
    for (i = 1; i < n; i++)
	if (t[i]->first_ms - t[i - 1]->last_ms > TRACE_GAP_MS) {
	    if (g++ > 0)
		cm_buf_addc(out, ',');
	    cm_json_open(out);
	    json_ms(out, "from", t[i - 1]->last_ms);
	    json_ms(out, "to", t[i]->first_ms);
	    cm_json_kv_str(out, "after", t[i - 1]->path);
	    cm_json_kv_str(out, "before", t[i]->path);
	    cm_json_close(out);
	}
    free(t);
    cm_buf_addc(out, ']');
    cm_json_close(out);
}

/* trace_cover_html - the coverage section of a page */

void    trace_cover_html(cm_buf *out, const ctl_audit_cover *cover)
{
    ctl_audit_file **t;
    char    a[40], z[40];
    long long first = 0, last = 0;
    size_t  n, i;
    int     k;

    cm_buf_adds(out, "<section id=\"coverage\">\n<h2>Coverage: what this "
		"document rests on</h2>\n");
    if (cover->none || cover->bad)
	cm_buf_printf(out, "<div class=\"box\"><p class=\"warn\">INCOMPLETE: "
		      "%s. Counts below come only from the files that were "
		      "read; the true numbers may be higher.</p></div>\n",
		      cover->none ? "AuditLog is none (records went to "
		      "syslog), no audit file was read"
		      : "some audit log files could not be read or are "
		      "missing");
    else
	cm_buf_adds(out, "<div class=\"box good\"><p class=\"ok\">Complete: "
		    "every audit log file found was read to its end.</p>"
		    "</div>\n");
    if (span(cover, &first, &last))
	cm_buf_printf(out, "<p>Audit records from %s to %s.</p>\n",
		      ctl_audit_when(a, sizeof(a), first),
		      ctl_audit_when(z, sizeof(z), last));
    cm_buf_adds(out, "<table>\n<thead><tr><th>File</th><th>State</th>"
		"<th>First record</th><th>Last record</th>"
		"<th class=\"n\">Lines</th></tr></thead>\n<tbody>\n");
    for (k = 0; k < cover->nfile; k++) {
	const ctl_audit_file *f = cover->file + k;

	cm_buf_printf(out, "<tr%s><td class=\"mono\">",
		      f->state != CTL_AUDIT_READ ? " class=\"warn\"" : "");
	page_text(out, f->path);
	cm_buf_printf(out, "</td><td>%s", f->state == CTL_AUDIT_READ ? "read"
		      : f->state == CTL_AUDIT_MISSING ? "MISSING" : "UNREADABLE");
	if (f->why) {
	    cm_buf_adds(out, ": ");
	    page_text(out, f->why);
	}
	cm_buf_printf(out, "</td><td>%s</td><td>%s</td><td class=\"n\">%ld"
		      "</td></tr>\n", f->first_ms >= 0 ?
		      ctl_audit_when(a, sizeof(a), f->first_ms) : "-",
		      f->last_ms >= 0 ? ctl_audit_when(z, sizeof(z), f->last_ms)
		      : "-", f->lines);
    }
    cm_buf_adds(out, "</tbody>\n</table>\n");
    n = by_time(cover, &t);
    for (i = 1; i < n; i++)
	if (t[i]->first_ms - t[i - 1]->last_ms > TRACE_GAP_MS) {
	    cm_buf_printf(out, "<p class=\"warn\">Gap: no record from %s to "
			  "%s (%.1f days) between <code>",
			  ctl_audit_when(a, sizeof(a), t[i - 1]->last_ms),
			  ctl_audit_when(z, sizeof(z), t[i]->first_ms),
			  (t[i]->first_ms - t[i - 1]->last_ms) / 86400000.0);
	    page_text(out, t[i - 1]->path);
	    cm_buf_adds(out, "</code> and <code>");
	    page_text(out, t[i]->path);
	    cm_buf_adds(out, "</code>: a quiet time, or a lost file.</p>\n");
	}
    free(t);
    cm_buf_adds(out, "</section>\n");
}
