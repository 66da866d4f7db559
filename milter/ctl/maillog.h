#ifndef CM_MAILLOG_H
#define CM_MAILLOG_H

/*++
/* NAME
/*	maillog 3h
/* SUMMARY
/*	consentctl: the MTA's delivery log lines
/* SYNOPSIS
/*	#include "maillog.h"
/* DESCRIPTION
/*	See maillog.c and maillog_time.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

/* What one log line is. */
typedef enum cm_ml_kind {
    CM_ML_GARBAGE = 0,			/* no syslog or ISO time stamp */
    CM_ML_OTHER,			/* a log line, not a delivery */
    CM_ML_NOT_SENT,			/* delivery attempt: deferred, bounced... */
    CM_ML_SENT,				/* delivered: status=sent, stat=Sent */
    CM_ML_BROKEN,			/* "QID: to=" but cut or malformed */
    CM_ML_REQUEUED,			/* Postfix pickup: "QID: ... orig_id=" */
    CM_ML_MSGID				/* "QID: message-id=", sendmail msgid= */
} cm_ml_kind;

typedef enum cm_ml_mta {
    CM_ML_POSTFIX = 1,
    CM_ML_SENDMAIL
} cm_ml_mta;

/* Bytes inside the line that was parsed; not NUL-terminated. */
typedef struct cm_ml_span {
    const char *ptr;
    size_t  len;
} cm_ml_span;

/* One delivered recipient. */
typedef struct cm_ml_rcpt {
    cm_ml_span addr;			/* to=, without the <> */
    cm_ml_span orig;			/* orig_to= or ctladdr=, or len 0 */
} cm_ml_rcpt;

/*
 * More than a syslog line can hold (sendmail splits longer lists with
 * "[more]"); a longer list sets "truncated" rather than losing silently.
 */
#define CM_ML_RCPT_MAX	1024

typedef struct cm_ml_line {
    long long time;			/* Unix seconds; -1 without one */
    cm_ml_mta mta;			/* for delivery lines */
    cm_ml_span qid;
    cm_ml_span orig_id;			/* CM_ML_REQUEUED: the former qid */
    cm_ml_span msgid;			/* CM_ML_MSGID: the Message-ID */
    size_t  nrcpt;
    int     truncated;			/* recipients beyond CM_ML_RCPT_MAX */
    size_t  skipped;			/* bytes up to a NUL, not read */
    cm_ml_rcpt rcpt[CM_ML_RCPT_MAX];
} cm_ml_line;

/*
 * Syslog time stamps have no year: the clock infers it from a reference
 * time (the log file's modification time), and caches the conversion of
 * the current minute.
 */
typedef struct cm_ml_clock {
    long long ref;			/* no line is later than ref + 1 day */
    int     ref_year;			/* local year of ref */
    char    key[12];			/* "Mmm dd hh:mm" of the cache */
    long long key_base;			/* its Unix time, second 0 */
    int     have_key;
} cm_ml_clock;

extern void cm_ml_clock_init(cm_ml_clock *clk, long long ref);
extern cm_ml_kind cm_ml_parse(const char *text, size_t len, cm_ml_clock *clk,
			              cm_ml_line *out);
extern const char *cm_ml_compressed(const char *data, size_t len);
extern long long cm_ml_time(const char *text, size_t len, cm_ml_clock *clk,
			            size_t *used);

#endif
