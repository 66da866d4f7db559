#ifndef CM_AUDITLOG_H
#define CM_AUDITLOG_H

/*++
/* NAME
/*	auditlog 3h
/* SUMMARY
/*	consentctl: reading the audit logs
/* SYNOPSIS
/*	#include "auditlog.h"
/* DESCRIPTION
/*	See ctl_auditlog.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#include "ctl.h"
#include "jsonread.h"

/* Called for each parsed audit line that passed the prefilter. */
typedef void (*ctl_audit_fn) (void *arg, const cm_jobject *obj,
			              const char *where);

/* What became of one log file. */
#define CTL_AUDIT_READ		0	/* read to its end */
#define CTL_AUDIT_UNREADABLE	1	/* could not be opened or read */
#define CTL_AUDIT_MISSING	2	/* absent, or a hole in the rotation */

typedef struct ctl_audit_file {
    char   *path;
    int     state;			/* CTL_AUDIT_* */
    char   *why;			/* the error, or NULL */
    long    lines;			/* lines read */
    long long first_ms;			/* first record time, -1: none */
    long long last_ms;			/* last record time, -1: none */
} ctl_audit_file;

/* Which logs were read: the coverage of an answer. */
typedef struct ctl_audit_cover {
    ctl_audit_file *file;
    int     nfile;
    int     bad;			/* unreadable or missing files */
    int     none;			/* AuditLog none, no --audit-log */
} ctl_audit_cover;

#define CTL_AUDIT_EVENTS	(1<<0)	/* hand over "event" lines too */
#define CTL_AUDIT_DAMAGED	(1<<1)	/* and {"damaged":true,"qid":..} */

extern int ctl_audit_args(ctl *c, int argc, char **argv, const char *usage,
			          const char **pos, char ***files, int *nfiles,
			          int *json, const char **html);
extern int ctl_audit_scan(ctl *c, char **files, int nfiles,
			           const char *const *needles, ctl_audit_fn fn,
			           void *arg);
extern int ctl_audit_read(ctl *c, char **files, int nfiles,
			          const char *const *needles, int flags,
			          ctl_audit_fn fn, void *arg,
			          ctl_audit_cover *cover);
extern void ctl_audit_cover_free(ctl_audit_cover *cover);
extern int ctl_audit_time(const char *s, long long *ms);
extern const char *ctl_audit_when(char *buf, size_t size, long long ms);

#endif
