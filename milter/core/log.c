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
/*	void	cm_log(priority, fmt, ...)
/*	int	priority;
/*	const char *fmt;
/* DESCRIPTION
/*	cm_log() writes one diagnostic line to syslog (facility mail) and,
/*	when the daemon runs in the foreground, to standard error with a
/*	UTC time stamp. The format is always a string constant of ours;
/*	message data reaches it only through "%s" with text that the
/*	caller made safe (cm_buf_add_safe(), JSON), so no log line can be
/*	split or forged by what a client sends.
/*
/*	Before cm_log_init() is called, lines go to standard error only.
/*
/*	When the syslog socket (_PATH_LOG) does not exist, syslog(3)
/*	would try to connect again for every line, and lose it anyway:
/*	lines are then not offered to syslog, and the socket is looked
/*	for again at most once a second.
/* DIAGNOSTICS
/*	None: logging never fails the caller.
/*--*/

/* System library. */

#include <paths.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

/* Application-specific. */

#include "log.h"

static int log_syslog = 0;
static int log_stderr = 1;
static const char *log_ident = "consent-milter";
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static long long syslog_next_check;	/* monotonic ms; atomic */
static int syslog_present;		/* atomic */

/* syslog_ready - is there a syslog socket (looked for once a second) */

static int syslog_ready(void)
{
    struct timespec ts;
    long long now;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    now = ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
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
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

/* cm_log - write one diagnostic line */

void    cm_log(int priority, const char *fmt,...)
{
    char    line[2048];
    char    stamp[32];
    struct tm tm;
    time_t  now;
    va_list ap;

    va_start(ap, fmt);
    (void) vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);

    if (log_syslog && syslog_ready())
	syslog(priority, "%s", line);
    if (log_stderr) {
	now = time((time_t *) 0);
	(void) gmtime_r(&now, &tm);
	(void) strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* One fputs per line, under a lock: threads never mix lines. */
	(void) pthread_mutex_lock(&log_lock);
	(void) fprintf(stderr, "%s %s: %s\n", stamp, log_ident, line);
	(void) fflush(stderr);
	(void) pthread_mutex_unlock(&log_lock);
    }
}
