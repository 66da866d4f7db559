#ifndef CM_TRACE_H
#define CM_TRACE_H

/*++
/* NAME
/*	trace 3h
/* SUMMARY
/*	consentctl trace: the timeline of one address
/* SYNOPSIS
/*	#include "trace.h"
/* DESCRIPTION
/*	See ctl_trace.c, trace_html.c and trace_cover.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stdio.h>

#include "auditlog.h"
#include "buf.h"
#include "ctl.h"
#include "schema.h"

/* Fields of an event; message events use the audit key names. */
enum {
    F_PURPOSE, F_STATE, F_SRC, F_ACTOR, F_CAMPAIGN, F_BASIS, F_QID,
    F_MSGID, F_SUBJECT, F_SENDER, F_AUTH, F_DECISION, F_REASON, F_ACTION,
    F_MODE, F_CONSENT_AT, F_CONSENT_SRC, F_SUPPRESSED_AT, F_CHANNEL,
    F_CLIENT, F_RESULT, F_WHERE, NFIELD
};
extern const char *const trace_fname[NFIELD];

/* A history source written by the relay's own opt-out channels. */
#define TRACE_IS_CHANNEL(actor) ((actor) && (!strcmp((actor), "one-click") \
	|| !strcmp((actor), "mailto") || !strcmp((actor), "feedback")))

enum { EV_CONSENT, EV_OPTOUT, EV_MESSAGE };	/* the order at equal times */
enum { OUT_SENT, OUT_REFUSED, OUT_DEFERRED, OUT_HELD, NOUT };
extern const char *const trace_out_name[NOUT];

typedef struct event {
    long long ms;			/* event time: the sort key */
    long long recorded_ms;		/* consent: history entry id time */
    size_t  seq;			/* input order, for equal times */
    int     kind;			/* EV_* */
    int     current;			/* consent: current record, no history */
    int     outcome;			/* message: OUT_* */
    size_t  optout;			/* message sent after opt-out: index+1 */
    char   *f[NFIELD];
} event;

typedef struct trace {
    ctl    *c;
    char    norm[CM_ID_SIZE];
    char    id[CM_ID_SIZE];
    event  *ev;
    size_t  nev;
    size_t  aev;
    ctl_audit_cover cover;
} trace;

/* Counts for the summary. */
typedef struct summary {
    long    count[NOUT];
    long long first[NOUT], last[NOUT];
    size_t  optout;			/* first opt-out event: index+1 */
    long    stopped;			/* refused etc. after it */
    long    warnings;			/* sent after opt-out */
} summary;

/* trace_cover.c: the coverage statement, shared with report. */
#define TRACE_GAP_MS	(2LL * 24 * 3600 * 1000)	/* a gap worth naming */
extern void trace_cover_text(cm_buf *out, const ctl_audit_cover *cover);
extern void trace_cover_json(cm_buf *out, const ctl_audit_cover *cover);
extern void trace_cover_html(cm_buf *out, const ctl_audit_cover *cover);

/* trace_json.c: the same for machines. */
extern void trace_json(const trace *t, const summary *s);

/* trace_html.c: the evidence pack. */
extern int trace_html(const trace *t, const summary *s, const char *path);

/* ctl_trace.c, for trace_html.c. */
extern const char *trace_channel_text(cm_buf *b, const event *e);

#endif
