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
/*	int	cm_audit_write(audit, text, len)
/*	cm_audit *audit;
/*	const char *text;
/*	size_t	len;
/*
/*	void	cm_audit_close(audit)
/*	cm_audit *audit;
/*
/*	void	cm_audit_format(out, rec)
/*	cm_buf	*out;
/*	const cm_audit_record *rec;
/*
/*	void	cm_audit_format_msg(out, msg, rec)
/*	cm_buf	*out;
/*	cm_audit_msg *msg;
/*	const cm_audit_record *rec;
/*
/*	void	cm_audit_msg_reset(msg)
/*	void	cm_audit_msg_free(msg)
/*	cm_audit_msg *msg;
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
/*	RFC 3339 UTC, like time. "subject" (after "from", null when the
/*	message has none) is the Subject header unfolded (folding white
/*	space becomes one space) and cut to CM_AUDIT_SUBJECT_MAX bytes,
/*	never inside a UTF-8 character; RFC 2047 encoded-words are kept
/*	encoded, as the message carried them.
/*
/*	cm_audit_format_msg() writes the same, for the records of one
/*	message written at once: the members that they share (time, qid,
/*	msgid, sender, auth, campaign, purpose, basis, mode, from,
/*	subject) are
/*	formatted for the first record and copied into the others, which
/*	then cost only their recipient's members. msg starts as
/*	CM_AUDIT_MSG_INIT; cm_audit_msg_reset() says that the next record
/*	belongs to another message, cm_audit_msg_free() releases it.
/*
/*	cm_audit_open() opens the log for appending (created mode 0640).
/*	A NULL path sends records to syslog instead (AuditLog none).
/*	cm_audit_reopen() closes and reopens it, after logrotate renamed
/*	it (SIGHUP).
/*
/*	cm_audit_write() appends the records of one message: text holds
/*	one or more records separated by newlines (len bytes, without the
/*	last newline). They land whole or not at all: one writev(2) under
/*	a lock, so that records of concurrent sessions never interleave
/*	and a reopen never splits one; when the write comes up short (a
/*	full disk) or fails, the file is cut back to its size before the
/*	write. With do_fsync the records are on disk before it returns,
/*	or else they are removed again. A file found ending in a torn
/*	line (a crash mid-write) gets a newline before the next record.
/*	The daemon must be the only writer of its AuditLog file.
/*
/*	With AuditLog none each record is its own syslog message (facility
/*	and ident as openlog(3) set them), labelled "audit: ".
/* DIAGNOSTICS
/*	cm_audit_open() returns NULL and cm_audit_reopen() -1 with a text
/*	in err. cm_audit_write() returns -1 when the records could not be
/*	written completely (the error is logged, and nothing of them is
/*	left in the file unless the cut failed too, which is logged at
/*	LOG_CRIT): the caller must then not deliver what it cannot account
/*	for. Syslog gives no errors to report.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

/* Application-specific. */

#include "audit.h"
#include "clock.h"
#include "json.h"
#include "log.h"
#include "metrics.h"

struct cm_audit {
    char   *path;			/* NULL: syslog */
    int     fd;				/* -1 when closed */
    int     do_fsync;
    int     torn;			/* the file may end in a torn line */
    pthread_mutex_t lock;		/* one writer at a time */
};

/* open_log - open the log file for appending */

static int open_log(const char *path, int *torn, char *err, size_t errlen)
{
    int     fd;
    int     rd;
    char    last;
    struct stat st;

    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
	(void) snprintf(err, errlen, "AuditLog %s: cannot open: %s",
			path, strerror(errno));
	return (-1);
    }

    /*
     * Does the file end in a torn line (a crash in the middle of a
     * write)? The descriptor is write-only: look through another one.
     * A file that cannot be read is taken to be whole.
     */
    *torn = 0;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0
	&& (rd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) >= 0) {
	if (pread(rd, &last, 1, st.st_size - 1) == 1 && last != '\n')
	    *torn = 1;
	(void) close(rd);
    }
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
	    || (audit->fd = open_log(path, &audit->torn, err, errlen)) < 0) {
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
    int     torn;
    int     ret = 0;

    if (audit->path == 0)
	return (0);

    /*
     * Open the new file before closing the old one, so that a failure
     * leaves the old descriptor in use rather than none at all.
     */
    (void) pthread_mutex_lock(&audit->lock);
    if ((fd = open_log(audit->path, &torn, err, errlen)) < 0) {
	ret = -1;
    } else {
	if (audit->fd >= 0)
	    (void) close(audit->fd);
	audit->fd = fd;
	audit->torn = torn;
    }
    (void) pthread_mutex_unlock(&audit->lock);
    return (ret);
}

/* write_all - write iov[0..n) completely; -1 with errno, and the count */

static int write_all(int fd, struct iovec *iov, int n, size_t *done)
{
    ssize_t got;

    *done = 0;
    while (n > 0) {
	if ((got = writev(fd, iov, n)) < 0) {
	    if (errno == EINTR)
		continue;
	    return (-1);
	}
	if (got == 0) {				/* not an error, no progress */
	    errno = ENOSPC;
	    return (-1);
	}
	*done += (size_t) got;
	while (n > 0 && (size_t) got >= iov->iov_len) {
	    got -= (ssize_t) iov->iov_len;
	    iov++;
	    n--;
	}
	if (n > 0) {
	    iov->iov_base = (char *) iov->iov_base + got;
	    iov->iov_len -= (size_t) got;
	}
    }
    return (0);
}

/* roll_back - remove what a failed write left, or say that it cannot */

static void roll_back(cm_audit *audit, size_t done, const char *what,
		              int err)
{
    struct stat st;
    const char *why = 0;

    cm_log(LOG_ERR, "AuditLog %s: %s: %s", audit->path, what, strerror(err));
    if (done == 0)
	return;

    /*
     * The file is opened O_APPEND and written only under the lock by
     * this daemon, so the done bytes are its last ones now: its size
     * before the write is its size now less those. Taken here, on the
     * rare failure, and not before every write: that fstat(2) was one
     * more system call inside the lock that every session waits for.
     */
    if (fstat(audit->fd, &st) < 0)
	why = strerror(errno);
    else if (st.st_size < (off_t) done)
	why = "the file is shorter than that: cut by someone else";
    else if (ftruncate(audit->fd, st.st_size - (off_t) done) < 0)
	why = strerror(errno);
    if (why == 0) {
	cm_log(LOG_ERR, "AuditLog %s: %zu bytes of unfinished records "
	       "removed", audit->path, done);
    } else {
	cm_log(LOG_CRIT, "AuditLog %s: cannot remove %zu bytes of "
	       "unfinished records: %s", audit->path, done, why);
	audit->torn = 1;
    }
}

/* syslog_records - AuditLog none: one syslog message per record */

static void syslog_records(const char *text, size_t len)
{
    const char *end = text + len;
    const char *nl;

    /*
     * Each record is its own message, each labelled: a syslog message
     * with a newline in it is one entry in the receiver's file, and
     * only its first line would carry the label.
     */
    while (text < end) {
	if ((nl = memchr(text, '\n', (size_t) (end - text))) == 0)
	    nl = end;
	if (nl > text)
	    syslog(LOG_INFO, "audit: %.*s", (int) (nl - text), text);
	text = nl + 1;
    }
}

/* cm_audit_write - append the records of one message, whole or not */

int     cm_audit_write(cm_audit *audit, const char *text, size_t len)
{
    struct iovec iov[3];
    size_t  done = 0;
    int     n = 0;
    int     ret = 0;

    if (audit->path == 0) {
	syslog_records(text, len);
	return (0);
    }

    /*
     * One writev(2) for every record of the message and the last
     * newline, so that the records land in one piece. A full disk may
     * take part of them (a short write): that part is cut off again
     * (ftruncate back to the size before the write), so the file never
     * keeps a torn line that would swallow the next record, nor records
     * of a message that is then deferred. Every writer of this file in
     * the daemon holds the lock, so no other record can land between
     * the write and the truncation (the daemon must be the only writer
     * of the file). A file that ends in a torn
     * line anyway (a crash, a failed truncation) gets a newline first,
     * so that it spoils no record of ours.
     */
    (void) pthread_mutex_lock(&audit->lock);
    if (audit->torn) {
	iov[n].iov_base = (void *) "\n";
	iov[n++].iov_len = 1;
    }
    iov[n].iov_base = (void *) text;
    iov[n++].iov_len = len;
    iov[n].iov_base = (void *) "\n";
    iov[n++].iov_len = 1;
    if (write_all(audit->fd, iov, n, &done) < 0) {
	roll_back(audit, done, "write", errno);
	ret = -1;
    } else if (audit->do_fsync && fsync(audit->fd) < 0) {
	/* Not known to be on disk: the caller will not act on it. */
	roll_back(audit, done, "fsync", errno);
	ret = -1;
    } else {
	audit->torn = 0;
    }
    (void) pthread_mutex_unlock(&audit->lock);
    if (ret != 0)
	cm_metrics_inc(CM_METRIC_AUDIT_ERRORS, 0);
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

/* add_time - write one optional time stamp key */

static void add_time(cm_buf *out, const char *key, long long seconds)
{
    char    stamp[40];

    cm_time_rfc3339(stamp, sizeof(stamp), seconds, -1);
    cm_json_kv_str(out, key, stamp);
}

/* format_head - the members before the recipient: {"time":...,"basis":... */

static void format_head(cm_buf *out, const cm_audit_record *rec)
{
    char    stamp[40];
    long long ms = rec->time_ms;

    cm_time_rfc3339(stamp, sizeof(stamp), ms / 1000, (int) (ms % 1000));
    cm_json_open(out);
    CM_JSON_KV_STR_LIT(out, "time", stamp);
    CM_JSON_KV_STR_LIT(out, "qid", rec->qid);
    CM_JSON_KV_STR_LIT(out, "msgid", rec->msgid);
    CM_JSON_KV_STR_LIT(out, "sender", rec->sender);
    CM_JSON_KV_STR_LIT(out, "auth", rec->auth);
    CM_JSON_KV_STR_LIT(out, "campaign", rec->campaign);
    CM_JSON_KV_STR_LIT(out, "purpose", rec->purpose);
    CM_JSON_KV_STR_LIT(out, "basis", rec->basis);
}

/* add_subject - the Subject header: unfolded, capped on a UTF-8 boundary */

static void add_subject(cm_buf *out, const char *subject)
{
    char    text[CM_AUDIT_SUBJECT_MAX + 1];
    const unsigned char *p;
    size_t  len = 0, cut;

    if (subject == 0) {
	CM_JSON_KV_STR_LIT(out, "subject", 0);
	return;
    }

    /*
     * Folding white space (CR, LF and the blanks after them) becomes
     * one space. RFC 2047 encoded-words are kept as they came: that is
     * what the message carried, and decoding needs charsets we lack.
     */
    for (p = (const unsigned char *) subject; *p && len < sizeof(text) - 1; p++) {
	if (*p == '\r' || *p == '\n') {
	    while (p[1] == '\r' || p[1] == '\n' || p[1] == ' ' || p[1] == '\t')
		p++;
	    if (len > 0 && text[len - 1] != ' ')
		text[len++] = ' ';
	    continue;
	}
	text[len++] = *p;
    }

    /* Cut before a UTF-8 sequence that the cap would split. */
    if (*p != 0) {
	for (cut = len; cut > 0 && cut > len - 4
	     && ((unsigned char) text[cut - 1] & 0xc0) == 0x80; cut--)
	     /* void */ ;
	if (cut > 0 && ((unsigned char) text[cut - 1] & 0x80)) {
	    unsigned char lead = text[cut - 1];
	    size_t  need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;

	    if (cut - 1 + need > len)
		len = cut - 1;
	}
    }
    text[len] = 0;
    CM_JSON_KV_STR_LIT(out, "subject", text);
}

/* format_tail - the members after the action: ,"mode":...,"from":... */

static void format_tail(cm_buf *out, const cm_audit_record *rec)
{
    /* The tail follows other members: its first key brings the comma. */
    cm_buf_adds(out, ",\"mode\":");
    cm_json_string(out, cm_mode_name(rec->mode),
		   strlen(cm_mode_name(rec->mode)));
    CM_JSON_KV_STR_LIT(out, "from", rec->from);
    add_subject(out, rec->subject);
}

/* cm_audit_format_msg - one record, with the message's parts made once */

void    cm_audit_format_msg(cm_buf *out, cm_audit_msg *msg,
			            const cm_audit_record *rec)
{
    /*
     * The keys before "when known" are on every line, null when the
     * value is unknown (DESIGN.md section 7); the others only when known.
     * The order is that of DESIGN.md. The members that every record of
     * a message shares are formatted for the first record only: the
     * caller promises they do not change until cm_audit_msg_reset().
     */
    if (!msg->ready) {
	cm_buf_reset(&msg->head);
	cm_buf_reset(&msg->tail);
	format_head(&msg->head, rec);
	format_tail(&msg->tail, rec);
	msg->ready = !msg->head.oom && !msg->tail.oom;
	if (!msg->ready)
	    out->oom = 1;
    }
    cm_buf_add(out, msg->head.data, msg->head.len);
    cm_json_kv_str(out, rec->rcpt_pseudonymised ? "rcpt_id" : "rcpt",
		   rec->rcpt);
    CM_JSON_KV_STR_LIT(out, "decision", cm_decision_name(rec->decision));
    CM_JSON_KV_STR_LIT(out, "reason", rec->reason);
    CM_JSON_KV_STR_LIT(out, "action", cm_action_name(rec->action));
    cm_buf_add(out, msg->tail.data, msg->tail.len);
    if (rec->consent_at > 0)
	add_time(out, "consent_at", rec->consent_at);
    if (rec->consent_src != 0)
	CM_JSON_KV_STR_LIT(out, "consent_src", rec->consent_src);
    if (rec->suppressed_at > 0)
	add_time(out, "suppressed_at", rec->suppressed_at);
    if (rec->plugins != 0)
	cm_json_kv_raw(out, "plugins", rec->plugins);
    cm_json_close(out);
}

/* cm_audit_msg_reset - the next record starts another message */

void    cm_audit_msg_reset(cm_audit_msg *msg)
{
    msg->ready = 0;
}

/* cm_audit_msg_free - release the message's parts */

void    cm_audit_msg_free(cm_audit_msg *msg)
{
    cm_buf_free(&msg->head);
    cm_buf_free(&msg->tail);
    msg->ready = 0;
}

/* cm_audit_format - one audit record as a JSON object */

void    cm_audit_format(cm_buf *out, const cm_audit_record *rec)
{
    cm_audit_msg msg = CM_AUDIT_MSG_INIT;

    cm_audit_format_msg(out, &msg, rec);
    cm_audit_msg_free(&msg);
}
