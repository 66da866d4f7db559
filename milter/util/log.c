/*++
/* NAME
/*	log 3
/* SUMMARY
/*	diagnostics to syslog and standard error
/* SYNOPSIS
/*	#include "log.h"
/*
/*	void	cm_log_init(ident, to_syslog, to_stderr)
/*	const char *ident;
/*	int	to_syslog;
/*	int	to_stderr;
/*
/*	void	cm_log_stderr(max_priority)
/*	int	max_priority;
/*
/*	void	cm_log_facility(facility)
/*	int	facility;
/*
/*	void	cm_log(priority, fmt, ...)
/*	int	priority;
/*	const char *fmt;
/*
/*	void	cm_log_text(priority, text, len)
/*	int	priority;
/*	const char *text;
/*	size_t	len;
/* DESCRIPTION
/*	cm_log() writes one diagnostic line to syslog (facility mail, or
/*	what cm_log_facility() chose) and,
/*	when the daemon runs in the foreground, to standard error with a
/*	UTC time stamp. The format is always a string constant of ours;
/*	message data reaches it only through "%s" with text that the
/*	caller made safe (cm_buf_add_safe(), JSON), so no log line can be
/*	split or forged by what a client sends.
/*
/*	cm_log_text() does the same for a line that the caller composed
/*	(made safe in the same way), without a format: the per-message
/*	line costs no printf. Lines longer than CM_LOG_LINE_MAX are cut.
/*
/*	Both also stand guard where a caller forgot: a control that
/*	reaches them (a byte 0x00-0x1f or 0x7f; U+0080-U+009F in UTF-8,
/*	or a lone byte 0x80-0x9f, which a terminal reading 8 bits takes
/*	for C1) is written as \xNN, so that a line is never split,
/*	forged or turned into a terminal command (cm_escape_controls()).
/*	This is a net, not the escaper: backslashes and other bytes pass
/*	as they are, so text already escaped is not escaped twice, and
/*	where the bytes matter the caller escapes them.
/*
/*	Before cm_log_init() is called, lines go to standard error only.
/*
/*	cm_log_stderr() sets the copy on standard error: lines up to
/*	max_priority (LOG_WARNING: problems only), or none with -1. The
/*	daemon keeps it until it has detached and started, so that every
/*	start-up error reaches the terminal. cm_log_facility() changes the
/*	syslog facility (SyslogFacility; LOG_MAIL until it is called).
/*
/*	When the syslog socket (_PATH_LOG) does not exist, syslog(3)
/*	would try to connect again for every line, and lose it anyway:
/*	lines are then not offered to syslog, and the socket is looked
/*	for again at most once a second.
/* DIAGNOSTICS
/*	None: logging never fails the caller.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <errno.h>
#include <paths.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

/* Application-specific. */

#include "clock.h"
#include "escape.h"
#include "log.h"

static int log_syslog = 0;
static int log_stderr = 1;
static int log_facility = LOG_MAIL;
static int log_stderr_max = LOG_DEBUG;	/* the least urgent one copied */
static const char *log_ident = "consent-milter";
static long long syslog_next_check;	/* monotonic ms; atomic */
static int syslog_present;		/* atomic */

/* syslog_ready - is there a syslog socket (looked for once a second) */

static int syslog_ready(void)
{
    long long now = cm_time_mono_ms();

    if (now >= __atomic_load_n(&syslog_next_check, __ATOMIC_RELAXED)) {
	__atomic_store_n(&syslog_next_check, now + 1000, __ATOMIC_RELAXED);
	__atomic_store_n(&syslog_present, access(_PATH_LOG, F_OK) == 0,
			 __ATOMIC_RELAXED);
    }
    return (__atomic_load_n(&syslog_present, __ATOMIC_RELAXED));
}

/* cm_log_init - choose where diagnostics go */

void    cm_log_init(const char *ident, int to_syslog, int to_stderr)
{
    log_ident = ident;
    log_syslog = to_syslog;
    log_stderr = to_stderr;

    /*
     * Under systemd, standard error goes to the journal, and so does
     * syslog: one copy is enough.
     */
    if (to_syslog && to_stderr && getenv("JOURNAL_STREAM") != 0)
	log_stderr = 0;
    if (to_syslog)
	openlog(ident, LOG_PID | LOG_NDELAY, log_facility);
}

/* cm_log_stderr - copy diagnostics up to a priority to stderr, or none */

void    cm_log_stderr(int max_priority)
{
    /* Under systemd the journal has the syslog copy already. */
    log_stderr = max_priority >= 0
	&& !(log_syslog && getenv("JOURNAL_STREAM") != 0);
    log_stderr_max = max_priority;
}

/* cm_log_facility - log to another syslog facility from now on */

void    cm_log_facility(int facility)
{
    if (facility == log_facility)
	return;
    log_facility = facility;
    if (log_syslog) {
	/* glibc serialises openlog() with syslog() under its own lock. */
	closelog();
	openlog(log_ident, LOG_PID | LOG_NDELAY, log_facility);
    }
}

/* cm_log - write one diagnostic line */

void    cm_log(int priority, const char *fmt,...)
{
    char    line[CM_LOG_LINE_MAX];
    va_list ap;
    int     n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0)
	return;
    cm_log_text(priority, line, (size_t) n < sizeof(line) ? (size_t) n
		: sizeof(line) - 1);
}

/* stderr_line - one line to standard error, in one write(2) */

static void stderr_line(const char *line, size_t len)
{
    ssize_t n;

    /*
     * Threads never mix their lines, without a lock of ours: a line
     * (at most CM_LOG_LINE_MAX + 64 bytes) is under PIPE_BUF, so one
     * write(2) to a pipe lands whole, and writes to a file serialise
     * in the kernel. The lock this replaced was the daemon's most
     * contended one after the audit trail's (one line per message).
     * Only a terminal may take part of a line; the rest follows.
     */
    while (len > 0) {
	if ((n = write(STDERR_FILENO, line, len)) < 0) {
	    if (errno == EINTR)
		continue;
	    return;
	}
	line += n;
	len -= (size_t) n;
    }
}

/* cm_log_text - write one diagnostic line that is already composed */

void    cm_log_text(int priority, const char *text, size_t len)
{
    char    line[CM_LOG_LINE_MAX + 64];
    char    clean[CM_LOG_LINE_MAX];
    size_t  ident_len = strlen(log_ident);
    char   *cp = line;

    if (len > CM_LOG_LINE_MAX - 1)
	len = CM_LOG_LINE_MAX - 1;
    /* A caller that forgot to escape: the net (see above). */
    if (cm_has_controls(text, len)) {
	len = cm_escape_controls(clean, sizeof(clean), text, len);
	text = clean;
    }
    if (log_syslog && syslog_ready())
	syslog(priority, "%.*s", (int) len, text);
    if (log_stderr && LOG_PRI(priority) <= log_stderr_max) {
	/* "2026-12-01T23:00:00Z consent-milter: text\n" */
	cm_time_rfc3339(cp, 32, (long long) time((time_t *) 0), -1);
	cp += strlen(cp);
	*cp++ = ' ';
	if (ident_len > 30)
	    ident_len = 30;
	memcpy(cp, log_ident, ident_len);
	cp += ident_len;
	*cp++ = ':';
	*cp++ = ' ';
	memcpy(cp, text, len);
	cp += len;
	*cp++ = '\n';

	stderr_line(line, (size_t) (cp - line));
    }
}
