/*++
/* NAME
/*	ctl_report 3
/* SUMMARY
/*	consentctl: campaign reports from the audit logs
/* SYNOPSIS
/*	#include "ctl.h"
/*
/*	int	ctl_report(c, argc, argv)
/*	ctl	*c;
/*	int	argc;
/*	char	**argv;
/* DESCRIPTION
/*	ctl_report() tells the story of one campaign from the audit logs:
/*	the coverage (which files, which time span, unreadable or missing
/*	ones), the records by decision, reason and action, the distinct
/*	messages (queue ids) and the time range, what was sent and what
/*	was refused by reason, per day, the opt-outs per day after each
/*	send (from the history streams of the recipients in Redis; left
/*	out with a warning when Redis cannot be reached) and the consent
/*	age of the recipients at their latest send.
/*
/*	The logs are the --audit-log files (each option takes one or more
/*	files, up to the next option; "-" is standard input), or else
/*	AuditLog with its rotated siblings (see ctl_auditlog.c). Opt-out
/*	lines ("event":"opt-out") are not decisions and are not counted
/*	as such. --json gives the same numbers for machines, --html FILE
/*	writes them with charts to one self-contained HTML file (see
/*	report_html.c).
/* DIAGNOSTICS
/*	Exit status 0; 64 usage; 65 a bad campaign id, or an audit log
/*	that is unreadable or missing (the report is still printed, and
/*	says it is incomplete); 73 the HTML file cannot be written.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Application-specific. */

#include "auditlog.h"
#include "campaign.h"
#include "ctl.h"
#include "escape.h"
#include "json.h"
#include "jsonread.h"
#include "report.h"
#include "timeparse.h"
#include "trace.h"

#define USAGE_REPORT	"report CAMPAIGN [--audit-log FILE...] [--json] [--html FILE]"
#define DAY_MS		86400000LL

/* day_of - the day entry of a time, made when new (days stay in order) */

static report_day *day_of(report *r, long long ms)
{
    long long day = ms / DAY_MS;
    report_day *grown;
    size_t  i;

    for (i = r->ndays; i > 0 && r->days[i - 1].day > day; i--)
	 /* void */ ;
    if (i > 0 && r->days[i - 1].day == day)
	return (r->days + i - 1);
    if ((grown = realloc(r->days, (r->ndays + 1) * sizeof(*grown))) == 0)
	return (0);
    r->days = grown;
    memmove(grown + i + 1, grown + i, (r->ndays - i) * sizeof(*grown));
    memset(grown + i, 0, sizeof(*grown));
    grown[i].day = day;
    r->ndays++;
    return (grown + i);
}

/* reason_of - the index of a refusal reason, made when new */

static size_t reason_of(report *r, const char *reason)
{
    size_t  i;
    void   *grown;

    for (i = 0; i < r->nreason; i++)
	if (strcmp(r->reason[i], reason) == 0)
	    return (i);
    if ((grown = realloc(r->reason, (i + 1) * sizeof(char *))) != 0)
	r->reason = grown;
    if ((grown = realloc(r->reason_count, (i + 1) * sizeof(long))) != 0)
	r->reason_count = grown;
    r->reason[i] = strdup(reason);
    r->reason_count[i] = 0;
    r->nreason++;
    return (i);
}

/* report_record - count one audit line of the campaign */

static void report_record(void *arg, const cm_jobject *obj, const char *where)
{
    static const char *keys[3] = {"decision", "reason", "action"};
    report *r = arg;
    const char *v[3], *qid, *mode, *rcpt, *ca;
    report_person *p;
    report_day *d;
    long long ms, cms;
    size_t  i, k2;
    int     k, sent, is_id = 0;
    void   *grown;

    if ((v[0] = cm_jobject_string(obj, "campaign")) == 0
	|| strcmp(v[0], r->campaign) != 0)
	return;
    if (cm_jobject_get(obj, "event") != 0) {
	r->optout_lines++;			/* not a decision */
	return;
    }
    if (ctl_audit_time(cm_jobject_string(obj, "time"), &ms) < 0) {
	ctl_error(r->c, "warning: %s: audit record without a valid time "
		  "skipped", where);
	return;
    }
    for (k = 0; k < 3; k++)
	if ((v[k] = cm_jobject_string(obj, keys[k])) == 0)
	    v[k] = "-";
    for (i = 0; i < r->nrows; i++)
	if (!strcmp(r->rows[i].key[0], v[0]) && !strcmp(r->rows[i].key[1], v[1])
	    && !strcmp(r->rows[i].key[2], v[2]))
	    break;
    if (i == r->nrows) {
	if ((grown = realloc(r->rows, (i + 1) * sizeof(*r->rows))) == 0)
	    return;
	r->rows = grown;
	for (k = 0; k < 3; k++)
	    r->rows[i].key[k] = strdup(v[k]);
	r->rows[i].count = 0;
	r->nrows++;
    }
    r->rows[i].count++;
    if (r->total++ == 0 || ms < r->first)
	r->first = ms;
    if (ms > r->last)
	r->last = ms;
    mode = cm_jobject_string(obj, "mode");
    if (mode && !strcmp(mode, "dry-run"))
	r->dryrun++;
    if (r->purpose == 0 && cm_jobject_string(obj, "purpose"))
	r->purpose = strdup(cm_jobject_string(obj, "purpose"));

    /* What reached the person, as trace counts it. */
    sent = (mode && !strcmp(mode, "dry-run")) || !strcmp(v[2], "accept")
	|| !strcmp(v[2], "tag");
    if ((d = day_of(r, ms)) != 0) {
	if (sent) {
	    d->sent++;
	    r->sent++;
	} else {
	    k2 = reason_of(r, v[1]);
	    if (k2 >= d->nrefused && (grown = realloc(d->refused, r->nreason
						  * sizeof(long))) != 0) {
		d->refused = grown;
		memset(d->refused + d->nrefused, 0, (r->nreason - d->nrefused)
		       * sizeof(long));
		d->nrefused = r->nreason;
	    }
	    if (k2 < d->nrefused)
		d->refused[k2]++;
	    r->reason_count[k2]++;
	    r->refused++;
	}
    }
    if ((rcpt = cm_jobject_string(obj, "rcpt")) == 0
	&& (rcpt = cm_jobject_string(obj, "rcpt_id")) != 0)
	is_id = 1;
    if (rcpt && sent && (p = report_person_get(r, rcpt, is_id)) != 0
	&& ms >= p->last_sent_ms) {
	p->last_sent_ms = ms;
	ca = cm_jobject_string(obj, "consent_at");
	p->consent_ms = ca && ctl_audit_time(ca, &cms) == 0 ? cms : 0;
    }
    /* A message's lines are written together: keep only a change. */
    if ((qid = cm_jobject_string(obj, "qid")) != 0 && (r->nqids == 0
		  || strcmp(r->qids[r->nqids - 1], qid) != 0)
	&& (grown = realloc(r->qids, (r->nqids + 1) * sizeof(char *))) != 0) {
	r->qids = grown;
	r->qids[r->nqids++] = strdup(qid);
    }
}

/* cmp_row - qsort: decision, then most frequent first */

static int cmp_row(const void *a, const void *b)
{
    const report_row *x = a, *y = b;
    int     d = strcmp(x->key[0], y->key[0]);

    if (d != 0)
	return (d);
    if (x->count != y->count)
	return (x->count > y->count ? -1 : 1);
    return (strcmp(x->key[1], y->key[1]));
}

/* cmp_qid - qsort: C strings */

static int cmp_qid(const void *a, const void *b)
{
    return (strcmp(*(char *const *) a, *(char *const *) b));
}

/* day_text - a day number as 2026-11-23 */

static const char *day_text(char *buf, size_t size, long long day)
{
    cm_time_format(day * 86400, buf, size);
    buf[size > 10 ? 10 : size - 1] = 0;
    return (buf);
}

/* refused_on - refusals of one day for one reason */

static long refused_on(const report_day *d, size_t k)
{
    return (k < d->nrefused ? d->refused[k] : 0);
}

/* print_text - the report for a terminal */

static void print_text(report *r)
{
    cm_buf  b = CM_BUF_INIT;
    char    ts[40], ts2[40];
    size_t  i, k, w[3] = {8, 6, 6};
    long    total;

    trace_cover_text(&b, &r->cover);
    printf("%s\n", cm_buf_str(&b));
    printf("campaign %s: %ld recipient decision(s), %zu message(s) "
	   "(distinct queue ids)\n", r->campaign, r->total, r->msgs);
    if (r->total > 0)
	printf("from %s to %s\n", ctl_audit_when(ts, sizeof(ts), r->first),
	       ctl_audit_when(ts2, sizeof(ts2), r->last));
    if (r->dryrun > 0)
	printf("%ld of them in Mode dry-run (logged, not enforced)\n",
	       r->dryrun);
    for (i = 0; i < r->nrows; i++)
	for (k = 0; k < 3; k++) {
	    cm_buf_reset(&b);
	    cm_buf_add_text(&b, r->rows[i].key[k], strlen(r->rows[i].key[k]));
	    if (b.len > w[k])
		w[k] = b.len;
	}
    if (r->nrows > 0)
	printf("\n%-*s  %-*s  %-*s  %s\n", (int) w[0], "decision", (int) w[1],
	       "reason", (int) w[2], "action", "count");
    for (i = 0; i < r->nrows; i++) {
	for (k = 0; k < 3; k++) {
	    cm_buf_reset(&b);
	    cm_buf_add_text(&b, r->rows[i].key[k], strlen(r->rows[i].key[k]));
	    printf("%-*s  ", (int) w[k], cm_buf_str(&b));
	}
	printf("%5ld\n", r->rows[i].count);
    }
    if (r->total == 0) {
	cm_buf_free(&b);
	return;
    }
    printf("\nsent %ld, refused %ld", r->sent, r->refused);
    for (k = 0; k < r->nreason; k++) {
	cm_buf_reset(&b);
	cm_buf_add_text(&b, r->reason[k], strlen(r->reason[k]));
	printf("%s%s %ld", k ? ", " : ": ", cm_buf_str(&b), r->reason_count[k]);
    }
    printf("\nper day:\n");
    for (i = 0; i < r->ndays; i++) {
	for (total = 0, k = 0; k < r->nreason; k++)
	    total += refused_on(r->days + i, k);
	printf("  %s  sent %ld, refused %ld\n",
	       day_text(ts, sizeof(ts), r->days[i].day), r->days[i].sent, total);
    }
    printf("recipients sent to: ");
    for (total = 0, k = 0; k < REPORT_AGES; k++)
	total += r->age[k];
    printf("%ld; consent age at their latest send:", total);
    for (k = 0; k < REPORT_AGES; k++)
	printf("%s %s %ld", k ? "," : "", report_age_name[k], r->age[k]);
    printf("\n");
    if (!r->store_ok) {
	printf("opt-outs after each send: not known (consent store "
	       "unavailable)\n");
    } else {
	printf("opt-outs after each send (history of the recipients): %ld "
	       "within %d days", r->optouts, REPORT_AFTER);
	if (r->optouts_late)
	    printf(", %ld later", r->optouts_late);
	printf("\n");
	for (i = 0; i < r->nsends; i++) {
	    printf("  send %s (%ld sent):", day_text(ts, sizeof(ts),
						   r->sends[i].day),
		   r->sends[i].sent);
	    for (k = 0; k < REPORT_AFTER; k++)
		if (r->sends[i].after[k])
		    printf(" day %zu: %ld", k, r->sends[i].after[k]);
	    printf("\n");
	}
    }
    if (r->optout_lines)
	printf("opt-outs the relay received for this campaign: %ld\n",
	       r->optout_lines);
    cm_buf_free(&b);
}

/* print_json - the same numbers for machines */

static void print_json(report *r)
{
    cm_buf  b = CM_BUF_INIT;
    char    ts[40];
    size_t  i, k;

    cm_json_open(&b);
    cm_json_kv_str(&b, "campaign", r->campaign);
    cm_json_kv_str(&b, "purpose", r->purpose);
    trace_cover_json(&b, &r->cover);
    cm_json_kv_int(&b, "decisions", r->total);
    cm_json_kv_int(&b, "messages", (long long) r->msgs);
    cm_json_kv_int(&b, "dry_run", r->dryrun);
    cm_json_kv_int(&b, "sent", r->sent);
    cm_json_kv_int(&b, "refused", r->refused);
    if (r->total > 0) {
	cm_time_format(r->first / 1000, ts, sizeof(ts));
	cm_json_kv_str(&b, "first", ts);
	cm_time_format(r->last / 1000, ts, sizeof(ts));
	cm_json_kv_str(&b, "last", ts);
    }
    cm_json_key(&b, "rows");
    cm_buf_addc(&b, '[');
    for (i = 0; i < r->nrows; i++) {
	if (i)
	    cm_buf_addc(&b, ',');
	cm_json_open(&b);
	cm_json_kv_str(&b, "decision", r->rows[i].key[0]);
	cm_json_kv_str(&b, "reason", r->rows[i].key[1]);
	cm_json_kv_str(&b, "action", r->rows[i].key[2]);
	cm_json_kv_int(&b, "count", r->rows[i].count);
	cm_json_close(&b);
    }
    cm_buf_addc(&b, ']');
    cm_json_key(&b, "refused_by_reason");
    cm_json_open(&b);
    for (k = 0; k < r->nreason; k++)
	cm_json_kv_int(&b, r->reason[k], r->reason_count[k]);
    cm_json_close(&b);
    cm_json_key(&b, "days");
    cm_buf_addc(&b, '[');
    for (i = 0; i < r->ndays; i++) {
	if (i)
	    cm_buf_addc(&b, ',');
	cm_json_open(&b);
	cm_json_kv_str(&b, "day", day_text(ts, sizeof(ts), r->days[i].day));
	cm_json_kv_int(&b, "sent", r->days[i].sent);
	cm_json_key(&b, "refused");
	cm_json_open(&b);
	for (k = 0; k < r->nreason; k++)
	    if (refused_on(r->days + i, k))
		cm_json_kv_int(&b, r->reason[k], refused_on(r->days + i, k));
	cm_json_close(&b);
	cm_json_close(&b);
    }
    cm_buf_addc(&b, ']');
    cm_json_key(&b, "consent_age");
    cm_json_open(&b);
    for (k = 0; k < REPORT_AGES; k++)
	cm_json_kv_int(&b, report_age_name[k], r->age[k]);
    cm_json_close(&b);
    cm_json_key(&b, "opt_outs");
    if (!r->store_ok) {
	cm_buf_adds(&b, "null");
    } else {
	cm_json_open(&b);
	cm_json_kv_int(&b, "total", r->optouts);
	cm_json_kv_int(&b, "later", r->optouts_late);
	cm_json_key(&b, "after_send");
	cm_buf_addc(&b, '[');
	for (i = 0; i < r->nsends; i++) {
	    if (i)
		cm_buf_addc(&b, ',');
	    cm_json_open(&b);
	    cm_json_kv_str(&b, "send", day_text(ts, sizeof(ts),
						r->sends[i].day));
	    cm_json_kv_int(&b, "sent", r->sends[i].sent);
	    cm_json_key(&b, "days");
	    cm_buf_addc(&b, '[');
	    for (k = 0; k < REPORT_AFTER; k++)
		cm_buf_printf(&b, "%s%ld", k ? "," : "", r->sends[i].after[k]);
	    cm_buf_addc(&b, ']');
	    cm_json_close(&b);
	}
	cm_buf_addc(&b, ']');
	cm_json_close(&b);
    }
    cm_json_kv_int(&b, "opt_out_lines", r->optout_lines);
    cm_json_close(&b);
    printf("%s\n", cm_buf_str(&b));
    cm_buf_free(&b);
}

/* ctl_report - one campaign across the logs */

int     ctl_report(ctl *c, int argc, char **argv)
{
    report  r;
    const char *needles[2] = {0, 0};
    const char *html = 0;
    char  **files = 0;
    cm_buf  b = CM_BUF_INIT;
    size_t  i;
    int     nfiles, status, json = 0, k;

    if (ctl_want_help(argc, argv)) {
	printf("usage: consentctl %s\n", USAGE_REPORT);
	return (CTL_EX_OK);
    }
    memset(&r, 0, sizeof(r));
    r.c = c;
    if ((status = ctl_audit_args(c, argc, argv, USAGE_REPORT, &r.campaign,
				 &files, &nfiles, &json, &html)) != 0) {
	free(files);
	return (status);
    }
    if (!cm_campaign_id_valid(r.campaign)) {
	cm_buf_add_safe(&b, r.campaign, strlen(r.campaign));
	ctl_error(c, "campaign id \"%s\": must be 1 to %d of A-Z a-z 0-9 . _ : -",
		  cm_buf_str(&b), CM_CAMPAIGN_ID_MAX);
	cm_buf_free(&b);
	free(files);
	return (CTL_EX_DATAERR);
    }
    /* Campaign ids are plain ASCII: JSON writes them as they are. */
    needles[0] = r.campaign;
    ctl_audit_read(c, files, nfiles, needles, CTL_AUDIT_EVENTS, report_record,
		   &r, &r.cover);

    /* qsort() of an empty (NULL) array is undefined: skip it. */
    if (r.nqids > 0)
	qsort(r.qids, r.nqids, sizeof(*r.qids), cmp_qid);
    for (i = 0; i < r.nqids; i++)
	r.msgs += (i == 0 || strcmp(r.qids[i], r.qids[i - 1]) != 0);
    if (r.nrows > 0)
	qsort(r.rows, r.nrows, sizeof(*r.rows), cmp_row);
    if (r.sent > 0)
	report_optouts(&r);
    else
	r.store_ok = 1;				/* nothing to look up */
    report_ages(&r);

    if (html)
	status = report_html(&r, html);
    else if (json)
	print_json(&r);
    else
	print_text(&r);
    if (status == 0 && (r.cover.bad || r.cover.none)) {
	ctl_error(c, "warning: audit trail incomplete: %d file(s) unreadable "
		  "or missing", r.cover.bad);
	status = CTL_EX_DATAERR;
    }

    for (i = 0; i < r.nrows; i++)
	for (k = 0; k < 3; k++)
	    free(r.rows[i].key[k]);
    for (i = 0; i < r.nqids; i++)
	free(r.qids[i]);
    for (i = 0; i < r.ndays; i++)
	free(r.days[i].refused);
    for (i = 0; i < r.nreason; i++)
	free(r.reason[i]);
    free(r.reason);
    free(r.reason_count);
    free(r.days);
    free(r.qids);
    free(r.rows);
    free(r.purpose);
    free(files);
    report_people_free(&r);
    ctl_audit_cover_free(&r.cover);
    cm_buf_free(&b);
    return (status);
}
