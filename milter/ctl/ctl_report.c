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
/*	ctl_report() counts the audit records of one campaign by decision,
/*	reason and action, the distinct messages (queue ids) and the time
/*	range. It reads only logs, never Redis: the --audit-log files
/*	(each option takes one or more files, up to the next option; "-"
/*	is standard input), or else AuditLog with its rotated siblings
/*	(see ctl_auditlog.c).
/* DIAGNOSTICS
/*	Exit status 0; 64 usage; 65 a bad campaign id. Unreadable logs
/*	are warnings.
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
#include "jsonread.h"

#define USAGE_REPORT	"report CAMPAIGN [--audit-log FILE...]"

/* Report state: one row per decision, reason and action. */
typedef struct report {
    ctl    *c;
    const char *campaign;
    struct row {
	char   *key[3];			/* decision, reason, action */
	long    count;
    }      *rows;
    size_t  nrows;
    char  **qids;			/* queue ids, repeats next to each other */
    size_t  nqids;
    long    total, dryrun;
    long long first, last;
} report;

/* report_record - count one audit line of the campaign */

static void report_record(void *arg, const cm_jobject *obj, const char *where)
{
    static const char *keys[3] = {"decision", "reason", "action"};
    report *r = arg;
    const char *v[3], *qid, *mode;
    long long ms;
    size_t  i;
    int     k;
    void   *grown;

    if ((v[0] = cm_jobject_string(obj, "campaign")) == 0
	|| strcmp(v[0], r->campaign) != 0)
	return;
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
    if ((mode = cm_jobject_string(obj, "mode")) && !strcmp(mode, "dry-run"))
	r->dryrun++;
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
    const struct row *x = a, *y = b;
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

/* ctl_report - counts for one campaign across the logs */

int     ctl_report(ctl *c, int argc, char **argv)
{
    report  r;
    const char *needles[2] = {0, 0};
    char  **files = 0;
    char    ts[40], ts2[40];
    cm_buf  b = CM_BUF_INIT;
    size_t  i, msgs = 0, w[3] = {8, 6, 6};
    int     nfiles, status, k;

    if (ctl_want_help(argc, argv)) {
	printf("usage: consentctl %s\n", USAGE_REPORT);
	return (CTL_EX_OK);
    }
    memset(&r, 0, sizeof(r));
    r.c = c;
    if ((status = ctl_audit_args(c, argc, argv, USAGE_REPORT, &r.campaign,
				 &files, &nfiles, 0)) != 0)
	return (status);
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
    ctl_audit_scan(c, files, nfiles, needles, report_record, &r);

    /* qsort() of an empty (NULL) array is undefined: skip it. */
    if (r.nqids > 0)
	qsort(r.qids, r.nqids, sizeof(*r.qids), cmp_qid);
    for (i = 0; i < r.nqids; i++)
	msgs += (i == 0 || strcmp(r.qids[i], r.qids[i - 1]) != 0);
    if (r.nrows > 0)
	qsort(r.rows, r.nrows, sizeof(*r.rows), cmp_row);
    printf("campaign %s: %ld recipient decision(s), %zu message(s) "
	   "(distinct queue ids)\n", r.campaign, r.total, msgs);
    if (r.total > 0)
	printf("from %s to %s\n", ctl_audit_when(ts, sizeof(ts), r.first),
	       ctl_audit_when(ts2, sizeof(ts2), r.last));
    if (r.dryrun > 0)
	printf("%ld of them in Mode dry-run (logged, not enforced)\n", r.dryrun);
    for (i = 0; i < r.nrows; i++)
	for (k = 0; k < 3; k++) {
	    cm_buf_reset(&b);
	    cm_buf_add_text(&b, r.rows[i].key[k], r.rows[i].key[k] ?
			    strlen(r.rows[i].key[k]) : 0);
	    if (b.len > w[k])
		w[k] = b.len;
	}
    if (r.nrows > 0)
	printf("\n%-*s  %-*s  %-*s  %s\n", (int) w[0], "decision", (int) w[1],
	       "reason", (int) w[2], "action", "count");
    for (i = 0; i < r.nrows; i++) {
	for (k = 0; k < 3; k++) {
	    cm_buf_reset(&b);
	    cm_buf_add_text(&b, r.rows[i].key[k], r.rows[i].key[k] ?
			    strlen(r.rows[i].key[k]) : 0);
	    printf("%-*s  ", (int) w[k], cm_buf_str(&b));
	    free(r.rows[i].key[k]);
	}
	printf("%5ld\n", r.rows[i].count);
    }
    for (i = 0; i < r.nqids; i++)
	free(r.qids[i]);
    free(r.qids);
    free(r.rows);
    free(files);
    cm_buf_free(&b);
    return (CTL_EX_OK);
}
