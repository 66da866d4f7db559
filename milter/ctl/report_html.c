/*++
/* NAME
/*	report_html 3
/* SUMMARY
/*	consentctl report --html: a campaign in pictures
/* SYNOPSIS
/*	#include "report.h"
/*
/*	int	report_html(r, path)
/*	report	*r;
/*	const char *path;
/* DESCRIPTION
/*	report_html() writes the campaign report as one self-contained
/*	HTML file (inline SVG, no script, no network): the coverage
/*	statement, the plain numbers, and four charts: decisions over
/*	time (sent, and refused by reason, stacked per day, or per week
/*	or longer when the campaign spans more than 120 days), refused by
/*	reason, opt-outs per day after each send (day 0 is the day of the
/*	send), and the consent age of the recipients at their latest send.
/*	Each chart has a title, a description for screen readers, axes
/*	and a legend; the numbers behind each are in tables below it.
/* DIAGNOSTICS
/*	Returns 0, or the exit status of page_write().
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
#include "report.h"
#include "report_page.h"
#include "timeparse.h"
#include "trace.h"

#define BUCKETS_MAX	120		/* bars in the time chart */

static const char *const colour[] = {
    "#c0392b", "#e67e22", "#8e44ad", "#2c7fb8", "#b8860b", "#7f8c8d",
};
#define SENT_COLOUR	"#2e8540"

/* day_text - a day number as 2026-11-23 */

static const char *day_text(char *buf, size_t size, long long day)
{
    cm_time_format(day * 86400, buf, size);
    buf[size > 10 ? 10 : size - 1] = 0;
    return (buf);
}

/* by_count - reason indexes, most refusals first */

static const report *sort_r;

static int cmp_reason(const void *a, const void *b)
{
    long    x = sort_r->reason_count[*(const size_t *) a];
    long    y = sort_r->reason_count[*(const size_t *) b];

    return (x > y ? -1 : x < y);
}

/* numbers - the plain numbers */

static void numbers(cm_buf *b, report *r)
{
    char    ts[40];
    size_t  i;
    long    people = 0;

    for (i = 0; i < REPORT_AGES; i++)
	people += r->age[i];
    cm_buf_adds(b, "<section id=\"numbers\">\n<h2>The numbers</h2>\n<table>"
		"\n<tbody>\n");
    cm_buf_printf(b, "<tr><th>Recipient decisions</th><td class=\"n\">%ld"
		  "</td></tr>\n<tr><th>Messages (distinct queue ids)</th>"
		  "<td class=\"n\">%zu</td></tr>\n<tr><th>Sent (delivered to "
		  "the recipient)</th><td class=\"n\">%ld</td></tr>\n<tr><th>"
		  "Refused, deferred or held</th><td class=\"n\">%ld</td></tr>"
		  "\n<tr><th>Of them in Mode dry-run</th><td class=\"n\">%ld"
		  "</td></tr>\n<tr><th>Recipients sent to</th><td class=\"n\">"
		  "%ld</td></tr>\n", r->total, r->msgs, r->sent, r->refused,
		  r->dryrun, people);
    if (r->store_ok)
	cm_buf_printf(b, "<tr><th>Opt-outs within %d days of a send</th>"
		      "<td class=\"n\">%ld</td></tr>\n<tr><th>Opt-outs later"
		      "</th><td class=\"n\">%ld</td></tr>\n", REPORT_AFTER,
		      r->optouts, r->optouts_late);
    else
	cm_buf_adds(b, "<tr><th>Opt-outs after a send</th><td class=\"warn\">"
		    "not known: consent store unavailable</td></tr>\n");
    cm_buf_printf(b, "<tr><th>Opt-outs the relay received for this campaign"
		  "</th><td class=\"n\">%ld</td></tr>\n", r->optout_lines);
    if (r->total > 0) {
	cm_buf_printf(b, "<tr><th>First record</th><td class=\"n\">%s</td>"
		      "</tr>\n", ctl_audit_when(ts, sizeof(ts), r->first));
	cm_buf_printf(b, "<tr><th>Last record</th><td class=\"n\">%s</td>"
		      "</tr>\n", ctl_audit_when(ts, sizeof(ts), r->last));
    }
    cm_buf_adds(b, "</tbody>\n</table>\n<h3>By decision, reason and action"
		"</h3>\n<table>\n<thead><tr><th>Decision</th><th>Reason</th>"
		"<th>Action</th><th class=\"n\">Count</th></tr></thead>\n"
		"<tbody>\n");
    for (i = 0; i < r->nrows; i++) {
	cm_buf_adds(b, "<tr><td>");
	page_text(b, r->rows[i].key[0]);
	cm_buf_adds(b, "</td><td>");
	page_text(b, r->rows[i].key[1]);
	cm_buf_adds(b, "</td><td>");
	page_text(b, r->rows[i].key[2]);
	cm_buf_printf(b, "</td><td class=\"n\">%ld</td></tr>\n",
		      r->rows[i].count);
    }
    cm_buf_adds(b, "</tbody>\n</table>\n</section>\n");
}

/* over_time - sent and refused by reason, per day (or longer) */

static void over_time(cm_buf *b, report *r, const size_t *order)
{
    svg_series ser[REPORT_SERIES + 1];
    double *val[REPORT_SERIES + 1];
    char  **cat;
    char    d1[40], d2[40];
    cm_buf  desc = CM_BUF_INIT, name = CM_BUF_INIT;
    long long first = r->days[0].day, last = r->days[r->ndays - 1].day;
    long long width = (last - first) / BUCKETS_MAX + 1;
    size_t  nb = (size_t) ((last - first) / width + 1);
    size_t  nser, i, k, j, bi;

    nser = 1 + (r->nreason < REPORT_SERIES ? r->nreason : REPORT_SERIES);
    cat = calloc(nb, sizeof(*cat));
    for (k = 0; k < nser; k++)
	val[k] = calloc(nb, sizeof(double));
    for (i = 0; i < nb; i++) {
	cm_buf_reset(&name);
	day_text(d1, sizeof(d1), first + (long long) i * width);
	if (width > 1)
	    cm_buf_printf(&name, "%s +%lld d", d1, width - 1);
	else
	    cm_buf_adds(&name, d1);
	cat[i] = strdup(cm_buf_str(&name));
    }
    for (i = 0; i < r->ndays; i++) {
	bi = (size_t) ((r->days[i].day - first) / width);
	val[0][bi] += r->days[i].sent;
	for (j = 0; j < r->nreason; j++) {
	    for (k = 0; k < nser - 1 && order[k] != j; k++)
		 /* void */ ;
	    /* The last series takes the reasons not charted by name. */
	    if (k == nser - 1)
		k = nser - 2;
	    if (j < r->days[i].nrefused)
		val[k + 1][bi] += r->days[i].refused[j];
	}
    }
    ser[0].name = "sent";
    ser[0].colour = SENT_COLOUR;
    ser[0].val = val[0];
    for (k = 1; k < nser; k++) {
	if (k == nser - 1 && r->nreason > REPORT_SERIES)
	    ser[k].name = "refused: other reasons";
	else {
	    cm_buf_reset(&name);
	    cm_buf_adds(&name, "refused: ");
	    cm_buf_adds(&name, r->reason[order[k - 1]]);
	    ser[k].name = strdup(cm_buf_str(&name));
	}
	ser[k].colour = colour[k - 1];
	ser[k].val = val[k];
    }
    cm_buf_printf(&desc, "Stacked bars, one per %s from %s to %s: %ld sent "
		  "and %ld refused in all.", width > 1 ? "period" : "day",
		  day_text(d1, sizeof(d1), first), day_text(d2, sizeof(d2),
							    last),
		  r->sent, r->refused);
    cm_buf_adds(b, "<figure>\n<figcaption>Decisions over time</figcaption>\n");
    svg_bars(b, "Decisions over time", cm_buf_str(&desc),
	     (const char *const *) cat, nb, ser, nser,
	     width > 1 ? "period (UTC)" : "day (UTC)", "recipients");
    cm_buf_adds(b, "</figure>\n");
    for (k = 1; k < nser; k++)
	if (!(k == nser - 1 && r->nreason > REPORT_SERIES))
	    free((char *) ser[k].name);
    for (k = 0; k < nser; k++)
	free(val[k]);
    for (i = 0; i < nb; i++)
	free(cat[i]);
    free(cat);
    cm_buf_free(&desc);
    cm_buf_free(&name);
}

/* by_reason - refused by reason */

static void by_reason(cm_buf *b, report *r, const size_t *order)
{
    const char **cat = calloc(r->nreason + 1, sizeof(*cat));
    double *val = calloc(r->nreason + 1, sizeof(*val));
    cm_buf  desc = CM_BUF_INIT;
    size_t  k;

    for (k = 0; k < r->nreason; k++) {
	cat[k] = r->reason[order[k]];
	val[k] = r->reason_count[order[k]];
    }
    cm_buf_printf(&desc, "Horizontal bars: %ld recipients refused, deferred "
		  "or held, by reason, most frequent first.", r->refused);
    cm_buf_adds(b, "<figure>\n<figcaption>Refused by reason</figcaption>\n");
    svg_hbars(b, "Refused by reason", cm_buf_str(&desc), cat, val,
	      r->nreason, "#c0392b", "recipients");
    cm_buf_adds(b, "</figure>\n");
    free(cat);
    free(val);
    cm_buf_free(&desc);
}

/* after_send - opt-outs per day after each send */

static void after_send(cm_buf *b, report *r)
{
    static const char *days[REPORT_AFTER];
    static char names[REPORT_AFTER][8];
    svg_series ser[REPORT_SENDS + 1];
    double  val[REPORT_SENDS + 1][REPORT_AFTER];
    char   *label[REPORT_SENDS + 1];
    char    d1[40];
    cm_buf  desc = CM_BUF_INIT, name = CM_BUF_INIT;
    size_t  i, k, s0, nser = 0;

    if (!r->store_ok) {
	cm_buf_adds(b, "<p class=\"warn\">Opt-outs after each send are not "
		    "shown: the consent store could not be read");
	if (r->store_error) {
	    cm_buf_adds(b, " (");
	    page_text(b, r->store_error);
	    cm_buf_adds(b, ")");
	}
	cm_buf_adds(b, ".</p>\n");
	return;
    }
    for (k = 0; k < REPORT_AFTER; k++) {
	snprintf(names[k], sizeof(names[k]), "%zu", k);
	days[k] = names[k];
    }
    memset(val, 0, sizeof(val));
    /* The latest sends by name; the earlier ones together. */
    s0 = r->nsends > REPORT_SENDS ? r->nsends - (REPORT_SENDS - 1) : 0;
    if (s0 > 0) {
	label[nser] = strdup("earlier sends");
	for (i = 0; i < s0; i++)
	    for (k = 0; k < REPORT_AFTER; k++)
		val[nser][k] += r->sends[i].after[k];
	nser++;
    }
    for (i = s0; i < r->nsends; i++, nser++) {
	cm_buf_reset(&name);
	cm_buf_printf(&name, "send %s (%ld sent)", day_text(d1, sizeof(d1),
						r->sends[i].day), r->sends[i].sent);
	label[nser] = strdup(cm_buf_str(&name));
	for (k = 0; k < REPORT_AFTER; k++)
	    val[nser][k] = r->sends[i].after[k];
    }
    for (k = 0; k < nser; k++) {
	ser[k].name = label[k];
	ser[k].colour = colour[(k + 3) % 6];
	ser[k].val = val[k];
    }
    cm_buf_printf(&desc, "Stacked bars: opt-outs (withdrawal of the purpose "
		  "or suppression) by the recipients, by days after the latest "
		  "send before them; %ld in the first %d days, %ld later.",
		  r->optouts, REPORT_AFTER, r->optouts_late);
    cm_buf_adds(b, "<figure>\n<figcaption>Opt-outs per day after each send"
		"</figcaption>\n");
    svg_bars(b, "Opt-outs per day after each send", cm_buf_str(&desc), days,
	     REPORT_AFTER, ser, nser, "days after the send (0 = the day of "
	     "the send)", "opt-outs");
    cm_buf_adds(b, "</figure>\n");
    for (k = 0; k < nser; k++)
	free(label[k]);
    cm_buf_free(&desc);
    cm_buf_free(&name);
}

/* ages - consent age of the recipients */

static void ages(cm_buf *b, report *r)
{
    double  val[REPORT_AGES];
    cm_buf  desc = CM_BUF_INIT;
    size_t  k;
    long    n = 0;

    for (k = 0; k < REPORT_AGES; k++) {
	val[k] = r->age[k];
	n += r->age[k];
    }
    cm_buf_printf(&desc, "Horizontal bars: the %ld recipients sent to, by "
		  "the time from their consent to their latest send.", n);
    cm_buf_adds(b, "<figure>\n<figcaption>Consent age of the recipients"
		"</figcaption>\n");
    svg_hbars(b, "Consent age of the recipients", cm_buf_str(&desc),
	      report_age_name, val, REPORT_AGES, "#2c7fb8", "recipients");
    cm_buf_adds(b, "</figure>\n");
    cm_buf_free(&desc);
}

/* per_day - the table behind the time chart */

static void per_day(cm_buf *b, report *r, const size_t *order)
{
    char    d1[40];
    size_t  i, k;
    long    v;

    cm_buf_adds(b, "<h3>Per day</h3>\n<table>\n<thead><tr><th>Day (UTC)</th>"
		"<th class=\"n\">Sent</th>");
    for (k = 0; k < r->nreason; k++) {
	cm_buf_adds(b, "<th class=\"n\">Refused: ");
	page_text(b, r->reason[order[k]]);
	cm_buf_adds(b, "</th>");
    }
    cm_buf_adds(b, "</tr></thead>\n<tbody>\n");
    for (i = 0; i < r->ndays; i++) {
	cm_buf_printf(b, "<tr><td class=\"t\">%s</td><td class=\"n\">%ld</td>",
		      day_text(d1, sizeof(d1), r->days[i].day),
		      r->days[i].sent);
	for (k = 0; k < r->nreason; k++) {
	    v = order[k] < r->days[i].nrefused ? r->days[i].refused[order[k]]
		: 0;
	    cm_buf_printf(b, "<td class=\"n\">%ld</td>", v);
	}
	cm_buf_adds(b, "</tr>\n");
    }
    cm_buf_adds(b, "</tbody>\n</table>\n");
}

/* report_html - the campaign report as one file */

int     report_html(report *r, const char *path)
{
    cm_buf  b = CM_BUF_INIT, title = CM_BUF_INIT, sub = CM_BUF_INIT;
    size_t *order = calloc(r->nreason + 1, sizeof(*order));
    size_t  k;
    int     status;

    for (k = 0; k < r->nreason; k++)
	order[k] = k;
    sort_r = r;
    if (r->nreason > 1)
	qsort(order, r->nreason, sizeof(*order), cmp_reason);
    cm_buf_adds(&title, "Campaign report: ");
    cm_buf_adds(&title, r->campaign);
    cm_buf_adds(&sub, "Purpose: ");
    cm_buf_adds(&sub, r->purpose ? r->purpose : "unknown");
    page_open(&b, cm_buf_str(&title), cm_buf_str(&sub));
    trace_cover_html(&b, &r->cover);
    numbers(&b, r);
    cm_buf_adds(&b, "<section id=\"charts\">\n<h2>Charts</h2>\n");
    if (r->ndays > 0) {
	over_time(&b, r, order);
	by_reason(&b, r, order);
	after_send(&b, r);
	ages(&b, r);
	per_day(&b, r, order);
    } else {
	cm_buf_adds(&b, "<p>No audit record of this campaign in the files "
		    "read.</p>\n");
    }
    cm_buf_adds(&b, "</section>\n");
    page_close(&b);
    status = page_write(r->c, path, &b);
    cm_buf_free(&b);
    cm_buf_free(&title);
    cm_buf_free(&sub);
    free(order);
    return (status);
}
