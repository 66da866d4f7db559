#ifndef CM_REPORT_H
#define CM_REPORT_H

/*++
/* NAME
/*	report 3h
/* SUMMARY
/*	consentctl report: one campaign in numbers and pictures
/* SYNOPSIS
/*	#include "report.h"
/* DESCRIPTION
/*	See ctl_report.c, report_people.c and report_html.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include "auditlog.h"
#include "buf.h"
#include "ctl.h"

#define REPORT_SERIES	6		/* refusal reasons charted by name */
#define REPORT_AFTER	14		/* days after a send that we chart */
#define REPORT_SENDS	6		/* sends charted by name */
#define REPORT_AGES	6		/* consent age buckets */

/* One row per decision, reason and action. */
typedef struct report_row {
    char   *key[3];			/* decision, reason, action */
    long    count;
} report_row;

/* One day of decisions: sent, and refused by reason. */
typedef struct report_day {
    long long day;			/* days since the epoch */
    long    sent;
    long   *refused;			/* per reason index */
    size_t  nrefused;			/* reasons that refused has room for */
} report_day;

/* One recipient (address or record id), once. */
typedef struct report_person {
    char   *key;			/* as in the log: rcpt or rcpt_id */
    int     is_id;			/* the key is a record id */
    long long last_sent_ms;		/* 0: never sent */
    long long consent_ms;		/* consent_at of that send, 0: none */
} report_person;

/* Opt-outs after one send (a day with deliveries). */
typedef struct report_send {
    long long day;
    long    sent;
    long    after[REPORT_AFTER];	/* opt-outs on day 0, 1, ... */
} report_send;

typedef struct report {
    ctl    *c;
    const char *campaign;
    char   *purpose;			/* from the records, or NULL */
    report_row *rows;
    size_t  nrows;
    char  **qids;			/* queue ids, repeats next to each other */
    size_t  nqids, msgs;
    long    total, dryrun, sent, refused, optout_lines;
    long long first, last;
    char  **reason;			/* refusal reasons seen */
    long   *reason_count;
    size_t  nreason;
    report_day *days;
    size_t  ndays;
    report_person *people;		/* hash table, npeople of apeople */
    size_t  npeople, apeople;
    report_send *sends;
    size_t  nsends;
    long    optouts, optouts_late;	/* after a send; more than 13 days */
    int     store_ok;			/* the histories were read */
    char   *store_error;
    long    age[REPORT_AGES];		/* consent age of those sent to */
    ctl_audit_cover cover;
} report;

extern const char *const report_age_name[REPORT_AGES];

/* report_people.c */
extern report_person *report_person_get(report *r, const char *key,
					        int is_id);
extern void report_optouts(report *r);
extern void report_ages(report *r);
extern void report_people_free(report *r);

/* report_html.c */
extern int report_html(report *r, const char *path);

#endif
