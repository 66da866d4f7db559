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

extern int ctl_audit_args(ctl *c, int argc, char **argv, const char *usage,
			          const char **pos, char ***files, int *nfiles,
			          int *json);
extern int ctl_audit_scan(ctl *c, char **files, int nfiles,
			           const char *const *needles, ctl_audit_fn fn,
			           void *arg);
extern int ctl_audit_time(const char *s, long long *ms);
extern const char *ctl_audit_when(char *buf, size_t size, long long ms);

#endif
