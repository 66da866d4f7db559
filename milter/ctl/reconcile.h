#ifndef CM_RECONCILE_H
#define CM_RECONCILE_H

/*++
/* NAME
/*	reconcile 3h
/* SUMMARY
/*	consentctl reconcile: what was read and found
/* SYNOPSIS
/*	#include "reconcile.h"
/* DESCRIPTION
/*	The state of one "consentctl reconcile" run, shared by the
/*	maillog reading and matching (ctl_reconcile.c), the audit
/*	trail's tables (reconcile_trail.c, reconcile_tab.c) and the
/*	report (ctl_reconcile_report.c).
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "ctl.h"
#include "jsonread.h"
#include "maillog.h"

/*
 * Strings with a value, in one table: open addressing, keys copied into
 * an arena that lives as long as the run.
 */
typedef struct slot {
    const char *key;
    uint32_t len;
    uint32_t hash;
    long    val;
} slot;

typedef struct strtab {
    slot   *slot;
    size_t  size;			/* a power of two */
    size_t  used;
} strtab;

/* One audit record, as far as reconciling needs it. */
typedef struct arec {
    long long ms;
    int     allow;
    const char *decision;		/* interned */
    const char *reason;
    const char *action;
    const char *mode;
    const char *campaign;
    const char *msgid;			/* interned; NULL: none */
    const char *form;			/* rcpt, when the MTA may store it otherwise */
    long    older;			/* the same qid and rcpt before, or -1 */
} arec;

/*
 * The records of one queue id in runs: records read one after another
 * with the same Message-ID (or none) are one run. A short queue id used
 * again is another message, with another Message-ID.
 */
typedef struct qrun {
    const char *msgid;			/* interned; NULL: none */
    long long first, last;		/* ms; -1: no time */
    long    next;			/* the run read before, or -1 */
} qrun;

/* A delivery without an allow record. */
typedef struct finding {
    long long time;
    const char *qid;
    const char *rcpt;			/* as logged, made safe */
    const char *orig;			/* or NULL */
    long    rec;			/* arec index, -1: no record */
    int     near;			/* rec is for another form of rcpt */
    const char *where;			/* file:line */
    const char *was;			/* requeued: the first queue id; linked
					 * by Message-ID: "\2" and it; or NULL */
} finding;

/* One file and what was read from it. */
typedef struct fileinfo {
    const char *name;
    long long count;			/* lines or records */
    long long logged;			/* maillog: lines in a known format */
    long long garbage;			/* maillog: lines in none */
} fileinfo;

typedef struct recon {
    ctl    *c;
    cm_arena arena;			/* the run's strings (arena(3)) */
    strtab  strings;			/* interned field values */
    strtab  qids;			/* qid -> its last run (runs) */
    strtab  rcpts;			/* qid \1 a|i rcpt -> arec index */
    strtab  found;			/* qid \1 rcpt: findings so far */
    strtab  aliases;			/* requeued qid -> index in alias_to */
    const char **alias_to;		/* the first queue id of the message,
					 * or "\2" Message-ID; NULL: none */
    size_t  naliases, aaliases;
    arec   *recs;
    size_t  nrecs, arecs;
    qrun   *runs;
    size_t  nruns, aruns;
    finding *finds;
    size_t  nfinds, afinds;
    fileinfo *mfiles, *afiles;
    size_t  nmfiles, amfiles, nafiles, aafiles;
    long long m_first, m_last, a_first, a_last;	/* -1: none */
    long long m_lines, a_records, a_noqid, a_pseudo, a_damaged;
    long long deliveries, audited, allowed, ordinary, not_sent, broken;
    long long garbage, before_since, truncated, nul_lines;
    long long broken_audited;		/* of those, lines of audited messages */
    long long since;			/* -1: none */
    int     unreadable;
    cm_buf  key;			/* scratch */
    cm_buf  qkey;			/* scratch: "\2" Message-ID */
} recon;

extern void ctl_recon_oom(recon *r);
extern void *ctl_recon_grow(recon *r, void *p, size_t n, size_t size);
extern const char *ctl_recon_save(recon *r, const char *s, size_t len);
extern long ctl_recon_get(strtab *t, const char *k, size_t len);
extern slot *ctl_recon_put(recon *r, strtab *t, const char *k, size_t len);
extern void ctl_recon_span(long long t, long long *first, long long *last);
extern void ctl_recon_record(void *arg, const cm_jobject *obj,
			             const char *where);
extern fileinfo *ctl_recon_audit_file(recon *r, const char *name, size_t len);
extern void ctl_recon_key(recon *r, const char *qid, size_t qlen, char kind,
			          const char *addr, size_t alen);
extern long ctl_recon_lookup(recon *r, const char *qid, size_t qlen,
			             const cm_ml_span *addr);
extern long ctl_recon_near(recon *r, const char *qid, size_t qlen,
			           const cm_ml_span *addr);
extern long ctl_recon_pick(recon *r, long run, long head, long long t);
extern long ctl_recon_message(recon *r, long run, long long t);
extern void ctl_recon_text(recon *r, cm_buf *b);
extern void ctl_recon_json(recon *r, cm_buf *b);

#endif
