#ifndef CM_CTL_H
#define CM_CTL_H

/*++
/* NAME
/*	ctl 3h
/* SUMMARY
/*	consentctl: shared state of the admin tool
/* SYNOPSIS
/*	#include "ctl.h"
/* DESCRIPTION
/*	consentctl.c parses the command line, reads the configuration
/*	and calls one verb function; the verbs live in ctl_*.c, one file
/*	per family. Exit codes are a contract (DESIGN.md section 10).
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#include <hiredis/hiredis.h>

#include "address.h"
#include "buf.h"
#include "config.h"
#include "unsubtoken.h"

#define CTL_EX_OK		0	/* success / allow */
#define CTL_EX_NO		1	/* check: deny or tempfail */
#define CTL_EX_USAGE		64	/* bad command line */
#define CTL_EX_DATAERR		65	/* bad input data */
#define CTL_EX_UNAVAILABLE	69	/* store unavailable */
#define CTL_EX_TEMPFAIL		75	/* pipe transports: try again later */
#define CTL_EX_SOFTWARE		70	/* internal error */

typedef struct ctl {
    const char *progname;		/* "consentctl" */
    const char *config_file;		/* -c, or the default */
    cm_config cfg;			/* as read from config_file */
    cm_addrkey *key;			/* AddressKeyFile, or NULL */
    redisContext *redis;		/* see ctl_redis() */
    const char *actor;			/* --actor, or the Unix user */
} ctl;

/* consentctl.c: services for the verbs. */
extern redisContext *ctl_redis(ctl *c);		/* exits 69 on failure */
extern int ctl_record_id(ctl *c, const char *addr, char *norm,
			         size_t normsize, char *id, size_t idsize);
extern void ctl_error(ctl *c, const char *fmt,...)
	    __attribute__((format(printf, 2, 3)));
extern void ctl_note(const char *fmt,...)
	    __attribute__((format(printf, 1, 2)));
extern int ctl_usage(ctl *c, const char *verb_usage);	/* returns 64 */
extern int ctl_want_help(int argc, char **argv);

/* One verb: argv[0] is the verb name. Returns the exit status. */
typedef int (*ctl_verb_fn) (ctl *c, int argc, char **argv);

/* ctl_consent.c */
extern int ctl_grant(ctl *c, int argc, char **argv);
extern int ctl_withdraw(ctl *c, int argc, char **argv);
extern int ctl_suppress(ctl *c, int argc, char **argv);
extern int ctl_unsuppress(ctl *c, int argc, char **argv);
extern int ctl_erase(ctl *c, int argc, char **argv);
extern int ctl_show(ctl *c, int argc, char **argv);

/* ctl_import.c */
extern int ctl_import(ctl *c, int argc, char **argv);
extern int ctl_export(ctl *c, int argc, char **argv);

/* One "--name value" option of a verb. */
typedef struct ctl_opt {
    const char *name;			/* "--purpose" */
    const char *value;			/* NULL: not given */
} ctl_opt;

/* ctl_campaign.c */
extern int ctl_campaign(ctl *c, int argc, char **argv);
extern int ctl_sender(ctl *c, int argc, char **argv);
extern const char *ctl_text(cm_buf *b, const char *s);
extern const redisReply *ctl_field(const redisReply *r, const char *name);
extern const char *ctl_field_str(const redisReply *r, const char *name);
extern int ctl_parse_opts(ctl *c, int argc, char **argv, int first,
			          const char **pos, int npos, ctl_opt *opts,
			          const char *usage);

/* ctl_check.c */
extern int ctl_check(ctl *c, int argc, char **argv);

/* ctl_trace.c */
extern int ctl_trace(ctl *c, int argc, char **argv);

/* ctl_report.c */
extern int ctl_report(ctl *c, int argc, char **argv);

/* ctl_stats.c */
extern int ctl_stats(ctl *c, int argc, char **argv);

/* ctl_reconcile.c */
extern int ctl_reconcile(ctl *c, int argc, char **argv);

/* ctl_auditlog.c: see auditlog.h. */

/* ctl_unsubref.c, ctl_unsublink.c: the relay's own opt-out. */
extern int ctl_unsubscribe_refs(ctl *c, int argc, char **argv);
extern int ctl_unsubscribe_link(ctl *c, int argc, char **argv);
extern cm_token_keys *ctl_token_keys(ctl *c);

/* ctl_unsubmail.c, ctl_feedback.c: opt-outs by mail (pipe transports). */
#define CTL_MESSAGE_MAX	(4 * 1024 * 1024)	/* bytes of a message kept */
struct cm_optout_ctx;
struct cm_optout_result;
extern int ctl_mail_unsubscribe(ctl *c, int argc, char **argv);
extern int ctl_feedback(ctl *c, int argc, char **argv);
extern char *ctl_read_message(ctl *c, size_t *len);
extern redisContext *ctl_redis_soft(ctl *c, char *why, size_t whylen);
extern int ctl_optout_done(ctl *c, const char *verb,
			           const struct cm_optout_ctx *ctx,
			           const struct cm_optout_result *res);

#endif
