/*++
/* NAME
/*	consentctl 8
/* SUMMARY
/*	consent records, campaigns and complaints: the admin tool
/* SYNOPSIS
/*	consentctl [-c config_file] [--actor NAME] verb [arguments]
/*	consentctl --help | verb --help
/* DESCRIPTION
/*	The one tool through which people put consent in, take it out and
/*	answer complaints. It reads the daemon's configuration (Redis,
/*	KeyPrefix, AddressKeyFile, AuditLog), so that addresses are
/*	normalised and pseudonymised exactly as the daemon does.
/*
/*	This file is the dispatcher and the services the verbs share:
/*	the Redis connection (ctl_redis()), address handling
/*	(ctl_record_id()) and diagnostics. The verbs live in ctl_*.c.
/*
/*	The actor recorded in consent history is --actor, or else the
/*	Unix login of the user running the tool.
/* DIAGNOSTICS
/*	Exit status (a contract, DESIGN.md section 10): 0 success, 1 "no"
/*	(check: deny or tempfail; reconcile: findings), 64 usage, 65 bad
/*	input data, 69 the store is unavailable. A configuration (or
/*	AddressKeyFile) that cannot be read is 64, except for the verbs
/*	that Postfix pipe transports run, mail-unsubscribe and feedback:
/*	for them it is 75 (EX_TEMPFAIL), as for their other failures that
/*	an admin must fix; with 64 Postfix would bounce the message, and
/*	the opt-out or complaint in it would be lost.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Application-specific. */

#include "address.h"
#include "config.h"
#include "ctl.h"
#include "escape.h"
#include "redisconn.h"

/* The verbs, in the order --help lists them. */
static const struct verb {
    const char *name;
    ctl_verb_fn fn;
    const char *usage;
} verbs[] = {
    {"grant", ctl_grant, "grant ADDR PURPOSE [--at TIME] [--source TEXT] [--renew]"},
    {"withdraw", ctl_withdraw, "withdraw ADDR (PURPOSE | --all) [--at TIME] [--source TEXT]"},
    {"suppress", ctl_suppress, "suppress ADDR [--reason TEXT]"},
    {"unsuppress", ctl_unsuppress, "unsuppress ADDR --source TEXT"},
    {"erase", ctl_erase, "erase ADDR"},
    {"show", ctl_show, "show ADDR"},
    {"import", ctl_import, "import [--from PROVIDER] FILE... [--skip-invalid] [--dry-run] [--actor NAME]"},
    {"export", ctl_export, "export [--purpose P] [--unix-times]"},
    {"stats", ctl_stats, "stats [--purpose P] [--stale-months N] [--json]"},
    {"campaign", ctl_campaign, "campaign add ID --purpose P [...] | list | show ID | pause ID | resume ID | close ID"},
    {"sender", ctl_sender, "sender set ADDR CAMPAIGN"},
    {"check", ctl_check, "check ADDR CAMPAIGN [--sender S] [--auth LOGIN]"},
    {"trace", ctl_trace, "trace ADDR [--audit-log FILE...] [--json] [--html FILE]"},
    {"report", ctl_report, "report CAMPAIGN [--audit-log FILE...] [--json] [--html FILE]"},
    {"reconcile", ctl_reconcile, "reconcile --maillog FILE... [--audit-log FILE...] [--since TIME] [--json]"},
    {"unsubscribe-refs", ctl_unsubscribe_refs, "unsubscribe-refs"},
    {"unsubscribe-link", ctl_unsubscribe_link, "unsubscribe-link ADDRESS CAMPAIGN [--header]"},
    {"mail-unsubscribe", ctl_mail_unsubscribe, "mail-unsubscribe RECIPIENT [SENDER] < message"},
    {"feedback", ctl_feedback, "feedback < ARF report"},
    {0, 0, 0},
};

/*
 * ctl_vline - one diagnostic line on stderr, after "prefix: " if any.
 * Outside text reaches it escaped (cm_buf_add_safe(), cm_redis_escape());
 * a control byte that still does is written as \xNN (escape(3)'s net), so
 * that no message is split or drives the terminal.
 */
static void ctl_vline(const char *prefix, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void ctl_vline(const char *prefix, const char *fmt, va_list ap)
{
    cm_buf  b = CM_BUF_INIT;
    char    clean[4096];		/* a message's worth, escaped */
    const char *text;
    size_t  len;

    cm_buf_vprintf(&b, fmt, ap);
    text = cm_buf_str(&b);
    len = b.len;
    if (cm_has_controls(text, len)) {
	len = cm_escape_controls(clean, sizeof(clean), text, len);
	text = clean;
    }
    (void) fprintf(stderr, "%s%s%.*s\n", prefix ? prefix : "",
		   prefix ? ": " : "", (int) len, text);
    cm_buf_free(&b);
}

/* ctl_error - "consentctl: message" on stderr */

void    ctl_error(ctl *c, const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    ctl_vline(c->progname, fmt, ap);
    va_end(ap);
}

/* ctl_note - a message of its own form ("FILE:LINE: reason") on stderr */

void    ctl_note(const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    ctl_vline((const char *) 0, fmt, ap);
    va_end(ap);
}

/* ctl_usage - complain about the command line of a verb */

int     ctl_usage(ctl *c, const char *verb_usage)
{
    (void) fprintf(stderr, "usage: %s [-c config_file] %s\n",
		   c->progname, verb_usage);
    return (CTL_EX_USAGE);
}

/* ctl_want_help - does the command line ask for help */

int     ctl_want_help(int argc, char **argv)
{
    int     i;

    for (i = 1; i < argc; i++)
	if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
	    return (1);
    return (0);
}

/* ctl_redis - the connection to Redis; exit 69 when there is none */

redisContext *ctl_redis(ctl *c)
{
    char    err[512];

    if (c->redis == 0
	&& (c->redis = cm_redis_connect(&c->cfg, err, sizeof(err))) == 0) {
	ctl_error(c, "consent store unavailable: %s", err);
	exit(CTL_EX_UNAVAILABLE);
    }
    return (c->redis);
}

/* ctl_record_id - normalise an address and compute its record id */

int     ctl_record_id(ctl *c, const char *addr, char *norm, size_t normsize,
		              char *id, size_t idsize)
{
    cm_addr_status status;
    cm_buf  safe = CM_BUF_INIT;

    status = cm_addr_normalise(addr, strlen(addr), norm, normsize);
    if (status != CM_ADDR_OK) {
	cm_buf_add_safe(&safe, addr, strlen(addr));
	ctl_error(c, "address \"%s\": %s", cm_buf_str(&safe),
		  cm_addr_strerror(status));
	cm_buf_free(&safe);
	return (CTL_EX_DATAERR);
    }
    cm_addr_record_id(c->key, norm, strlen(norm), id, idsize);
    return (0);
}

/* help - the tool's usage */

static int help(ctl *c, FILE *fp, int status)
{
    const struct verb *v;

    (void) fprintf(fp, "usage: %s [-c config_file] [--actor NAME] VERB ...\n\n"
		   "verbs:\n", c->progname);
    for (v = verbs; v->name; v++)
	(void) fprintf(fp, "  %s\n", v->usage);
    (void) fprintf(fp, "\n'%s VERB --help' describes one verb. Exit status: "
		   "0 ok, 1 no (check, reconcile), 64 usage,\n65 bad input data, "
		   "69 consent store unavailable. See consentctl(8).\n",
		   c->progname);
    return (status);
}

/* pipe_verb - a verb run by a Postfix pipe transport */

static int pipe_verb(const struct verb *v)
{
    return (v->fn == ctl_mail_unsubscribe || v->fn == ctl_feedback);
}

/* default_actor - the Unix login running the tool */

static const char *default_actor(void)
{
    struct passwd *pw = getpwuid(getuid());
    const char *name = getenv("SUDO_USER");

    if (name != 0 && *name)
	return (name);
    return (pw != 0 ? pw->pw_name : "unknown");
}

int     main(int argc, char **argv)
{
    ctl     c;
    const struct verb *v;
    char    err[1024];
    int     i = 1;
    int     status;

    memset(&c, 0, sizeof(c));
    c.progname = "consentctl";
    c.config_file = CM_CONFIG_DEFAULT_FILE;

    /* A write to a connection that Redis closed must not kill us. */
    (void) signal(SIGPIPE, SIG_IGN);

    /* Global options come before the verb. */
    while (i < argc && argv[i][0] == '-') {
	if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
	    c.config_file = argv[i + 1];
	    i += 2;
	} else if (strcmp(argv[i], "--actor") == 0 && i + 1 < argc) {
	    c.actor = argv[i + 1];
	    i += 2;
	} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
	    return (help(&c, stdout, CTL_EX_OK));
	} else {
	    ctl_error(&c, "unknown option \"%s\"", argv[i]);
	    return (help(&c, stderr, CTL_EX_USAGE));
	}
    }
    if (i >= argc)
	return (help(&c, stderr, CTL_EX_USAGE));
    for (v = verbs; v->name && strcmp(v->name, argv[i]) != 0; v++)
	 /* void */ ;
    if (v->name == 0) {
	ctl_error(&c, "unknown verb \"%s\"", argv[i]);
	return (help(&c, stderr, CTL_EX_USAGE));
    }

    /*
     * A verb's --help works without a configuration; everything else
     * needs it, as the daemon does. A pipe transport's message must
     * wait for the admin, not bounce: what it carries is an opt-out.
     */
    if (!ctl_want_help(argc - i, argv + i)) {
	status = pipe_verb(v) ? CTL_EX_TEMPFAIL : CTL_EX_USAGE;
	cm_config_init(&c.cfg);
	if (cm_config_load(&c.cfg, c.config_file, err, sizeof(err)) != 0) {
	    ctl_error(&c, "%s", err);
	    cm_config_free(&c.cfg);		/* what init and the good lines set */
	    return (status);
	}
	if (c.cfg.address_key_file != 0
	    && (c.key = cm_addrkey_load(c.cfg.address_key_file, err,
					sizeof(err))) == 0) {
	    ctl_error(&c, "AddressKeyFile %s", err);
	    cm_config_free(&c.cfg);
	    return (status);
	}
    }
    if (c.actor == 0)
	c.actor = default_actor();

    status = v->fn(&c, argc - i, argv + i);

    if (c.redis != 0)
	redisFree(c.redis);
    cm_addrkey_free(c.key);
    cm_config_free(&c.cfg);
    return (status);
}
