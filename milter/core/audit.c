/*++
/* NAME
/*	audit 3
/* SUMMARY
/*	the audit trail
/* SYNOPSIS
/*	#include "audit.h"
/*
/*	cm_audit *cm_audit_open(path, do_fsync, err, errlen)
/*	const char *path;
/*	int	do_fsync;
/*	char	*err;
/*	size_t	errlen;
/*
/*	int	cm_audit_reopen(audit, err, errlen)
/*	cm_audit *audit;
/*	char	*err;
/*	size_t	errlen;
/*
/*	int	cm_audit_write(audit, line, len)
/*	cm_audit *audit;
/*	const char *line;
/*	size_t	len;
/*
/*	void	cm_audit_close(audit)
/*	cm_audit *audit;
/*
/*	void	cm_audit_format(out, rec)
/*	cm_buf	*out;
/*	const cm_audit_record *rec;
/*
/*	void	cm_time_rfc3339(out, size, seconds, millis)
/*	char	*out;
/*	size_t	size;
/*	long long seconds;
/*	int	millis;
/*
/*	long long cm_time_now_ms()
/* DESCRIPTION
/*	The audit trail answers, months or years later, why a person got
/*	or did not get a marketing message. It is one JSON object per
/*	line, one line per recipient decision.
/*
/*	cm_audit_format() writes one record (without the newline). The
/*	keys are those of DESIGN.md section 7, in that order; values that
/*	come from the message are escaped by the JSON writer, so a line
/*	is always one valid JSON object whatever the message contains.
/*	The time stamps consent_at and suppressed_at are written as
/*	RFC 3339 UTC, like time.
/*
/*	cm_audit_open() opens the log for appending (created mode 0640).
/*	A NULL path sends records to syslog instead (AuditLog none).
/*	cm_audit_reopen() closes and reopens it, after logrotate renamed
/*	it (SIGHUP). cm_audit_write() appends one line and its newline in
/*	a single write under a lock, so lines from concurrent sessions
/*	never interleave, and a reopen never splits a line; with
/*	do_fsync the data is on disk before it returns.
/* DIAGNOSTICS
/*	cm_audit_open() returns NULL and cm_audit_reopen() -1 with a text
/*	in err. cm_audit_write() returns -1 when the line could not be
/*	written completely (the error is logged): the caller must then not
/*	deliver what it cannot account for.
/*--*/

/* System library. */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

/* Application-specific. */

#include "audit.h"
#include "log.h"

struct cm_audit {
    char   *path;			/* NULL: syslog */
    int     fd;				/* -1 when closed */
    int     do_fsync;
    pthread_mutex_t lock;		/* one writer at a time */
};

/* open_log - open the log file for appending */

static int open_log(const char *path, char *err, size_t errlen)
{
    int     fd;

    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
	(void) snprintf(err, errlen, "AuditLog %s: cannot open: %s",
			path, strerror(errno));
    return (fd);
}

/* cm_audit_open - open the audit trail */

cm_audit *cm_audit_open(const char *path, int do_fsync,
			        char *err, size_t errlen)
{
    cm_audit *audit;

    if ((audit = calloc(1, sizeof(*audit))) == 0) {
	(void) snprintf(err, errlen, "out of memory");
	return (0);
    }
    audit->fd = -1;
    audit->do_fsync = do_fsync;
    (void) pthread_mutex_init(&audit->lock, (pthread_mutexattr_t *) 0);
    if (path != 0) {
	if ((audit->path = strdup(path)) == 0
	    || (audit->fd = open_log(path, err, errlen)) < 0) {
	    cm_audit_close(audit);
	    return (0);
	}
    }
    return (audit);
}

/* cm_audit_reopen - reopen after log rotation */

int     cm_audit_reopen(cm_audit *audit, char *err, size_t errlen)
{
    int     fd;
    int     ret = 0;

    if (audit->path == 0)
	return (0);

    /*
     * Open the new file before closing the old one, so that a failure
     * leaves the old descriptor in use rather than none at all.
     */
    (void) pthread_mutex_lock(&audit->lock);
    if ((fd = open_log(audit->path, err, errlen)) < 0) {
	ret = -1;
    } else {
	if (audit->fd >= 0)
	    (void) close(audit->fd);
	audit->fd = fd;
    }
    (void) pthread_mutex_unlock(&audit->lock);
    return (ret);
}

/* cm_audit_write - append one line */

int     cm_audit_write(cm_audit *audit, const char *line, size_t len)
{
    const char *cp;
    size_t  left;
    ssize_t n;
    char   *copy;
    int     ret = 0;

    if (audit->path == 0) {
	syslog(LOG_INFO, "audit: %.*s", (int) len, line);
	return (0);
    }

    /*
     * The line and its newline go out in one write(2): with O_APPEND
     * that keeps each record whole even if another process appends to
     * the same file.
     */
    if ((copy = malloc(len + 1)) == 0)
	return (-1);
    memcpy(copy, line, len);
    copy[len] = '\n';

    (void) pthread_mutex_lock(&audit->lock);
    for (cp = copy, left = len + 1; left > 0; cp += n, left -= n) {
	if ((n = write(audit->fd, cp, left)) < 0) {
	    if (errno == EINTR) {
		n = 0;
		continue;
	    }
	    cm_log(LOG_ERR, "AuditLog %s: write: %s", audit->path,
		   strerror(errno));
	    ret = -1;
	    break;
	}
    }
    if (ret == 0 && audit->do_fsync && fsync(audit->fd) < 0) {
	cm_log(LOG_ERR, "AuditLog %s: fsync: %s", audit->path,
	       strerror(errno));
	ret = -1;
    }
    (void) pthread_mutex_unlock(&audit->lock);
    free(copy);
    return (ret);
}

/* cm_audit_close - close the audit trail */

void    cm_audit_close(cm_audit *audit)
{
    if (audit == 0)
	return;
    if (audit->fd >= 0)
	(void) close(audit->fd);
    (void) pthread_mutex_destroy(&audit->lock);
    free(audit->path);
    free(audit);
}

/* cm_time_rfc3339 - format Unix time as RFC 3339 UTC */

void    cm_time_rfc3339(char *out, size_t size, long long seconds, int millis)
{
    struct tm tm;
    time_t  when = (time_t) seconds;
    char    base[32];

    if (gmtime_r(&when, &tm) == 0
	|| strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
	(void) snprintf(out, size, "%lld", seconds);
	return;
    }
    if (millis >= 0)
	(void) snprintf(out, size, "%s.%03dZ", base, millis % 1000);
    else
	(void) snprintf(out, size, "%sZ", base);
}

/* cm_time_now_ms - the time, in milliseconds */

long long cm_time_now_ms(void)
{
    struct timeval tv;

    (void) gettimeofday(&tv, (struct timezone *) 0);
    return ((long long) tv.tv_sec * 1000 + tv.tv_usec / 1000);
}

/* add_time - write one optional time stamp key */

static void add_time(cm_buf *out, const char *key, long long seconds)
{
    char    stamp[40];

    cm_time_rfc3339(stamp, sizeof(stamp), seconds, -1);
    cm_json_kv_str(out, key, stamp);
}

/* cm_audit_format - one audit record as a JSON object */

void    cm_audit_format(cm_buf *out, const cm_audit_record *rec)
{
    char    stamp[40];
    long long ms = rec->time_ms;

    /*
     * The keys before "when known" are on every line, null when the
     * value is unknown (DESIGN.md section 7); the others only when known.
     */
    cm_time_rfc3339(stamp, sizeof(stamp), ms / 1000, (int) (ms % 1000));
    cm_json_open(out);
    cm_json_kv_str(out, "time", stamp);
    cm_json_kv_str(out, "qid", rec->qid);
    cm_json_kv_str(out, "msgid", rec->msgid);
    cm_json_kv_str(out, "sender", rec->sender);
    cm_json_kv_str(out, "auth", rec->auth);
    cm_json_kv_str(out, "campaign", rec->campaign);
    cm_json_kv_str(out, "purpose", rec->purpose);
    cm_json_kv_str(out, "basis", rec->basis);
    cm_json_kv_str(out, rec->rcpt_pseudonymised ? "rcpt_id" : "rcpt",
		   rec->rcpt);
    cm_json_kv_str(out, "decision", cm_decision_name(rec->decision));
    cm_json_kv_str(out, "reason", rec->reason);
    cm_json_kv_str(out, "action", cm_action_name(rec->action));
    cm_json_kv_str(out, "mode", cm_mode_name(rec->mode));
    cm_json_kv_str(out, "from", rec->from);
    if (rec->consent_at > 0)
	add_time(out, "consent_at", rec->consent_at);
    if (rec->consent_src != 0)
	cm_json_kv_str(out, "consent_src", rec->consent_src);
    if (rec->suppressed_at > 0)
	add_time(out, "suppressed_at", rec->suppressed_at);
    if (rec->plugins != 0)
	cm_json_kv_raw(out, "plugins", rec->plugins);
    cm_json_close(out);
}
