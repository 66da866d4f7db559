/*++
/* NAME
/*	audit_file 3
/* SUMMARY
/*	the audit trail's file: records of a message land whole or not
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
/* DESCRIPTION
/*	cm_audit_open() opens the audit log (AuditLog, DESIGN.md section
/*	7) for appending (created mode 0640). A NULL path sends records
/*	to syslog instead (AuditLog none). cm_audit_reopen() closes and
/*	reopens it, after logrotate renamed it (SIGHUP). As root neither
/*	follows a symbolic link nor appends to a file with more than one
/*	link (the directory may belong to UserID); a FIFO or socket is
/*	refused for anyone.
/*
/*	cm_audit_write() appends the records of one message: text holds
/*	one or more records separated by newlines (len bytes, without the
/*	last newline). They land whole or not at all: records of
/*	concurrent sessions never interleave and a reopen never splits
/*	one; when a write comes up short (a full disk) or fails, the file
/*	is cut back to its size before the write. With do_fsync the
/*	records are on disk before it returns, or else they are removed
/*	again. A file found ending in a torn line (a crash mid-write) gets
/*	a newline before the next record. Other programs may append to
/*	the same file (consentctl's pipe transports, several at once;
/*	consent-unsubscribe): every writer holds a write lock on the file
/*	(fcntl(2), the whole file) from its write until the write is
/*	known good or cut back, so that a cut never takes away what
/*	another wrote meanwhile, and an open looks for a torn line under
/*	a read lock. When the file written to turns out
/*	to have no name any more (removed, or another file renamed over
/*	it, without SIGHUP), the path is opened again and the records are
/*	written there too: the trail is the file that has the name.
/*
/*	Writes are committed in groups: one session at a time writes (the
/*	leader), outside the lock; the sessions that come meanwhile queue
/*	their records and sleep, and the first of them then writes all
/*	that queued, in one writev(2) and, with do_fsync, one fsync(2),
/*	and wakes the others with the outcome. Alone, a session writes at
/*	once, as before; under load the file sees fewer, larger writes,
/*	and one fsync serves many messages. A batch that fails fails for
/*	every message in it (each of them is cut back, and each caller
/*	told).
/*
/*	With AuditLog none each record is its own syslog message (facility
/*	and ident as openlog(3) set them), labelled "audit: ".
/* DIAGNOSTICS
/*	cm_audit_open() returns NULL and cm_audit_reopen() -1 with a text
/*	in err ("AuditLog PATH: cannot open: ...", "...: a symbolic link:
/*	not written as root", "...: has 2 links: not written as root",
/*	"...: a FIFO or socket, not a file"). cm_audit_write() returns -1
/*	when the records could not be written completely (the error is
/*	logged, and nothing of them is left in the file unless the cut
/*	failed too, which is logged at LOG_CRIT): the caller must then not
/*	deliver what it cannot account for. Syslog gives no errors to
/*	report.
/* SEE ALSO
/*	audit(3), the records' format.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <syslog.h>
#include <unistd.h>

/* Application-specific. */

#include "audit.h"
#include "log.h"
#include "metrics.h"

/*
 * The writers' lock: per open file description where the system has
 * it (Linux), so that it also keeps apart two handles of one process
 * (the tests) and survives the close of another descriptor of the file.
 */
#ifdef F_OFD_SETLKW
#define AUDIT_LOCK_WAIT	F_OFD_SETLKW
#else
#define AUDIT_LOCK_WAIT	F_SETLKW
#endif

/* Messages in one write; check_audit_batch2 builds this file with 2. */
#ifndef AUDIT_BATCH_MAX
#define AUDIT_BATCH_MAX	64
#endif

/*
 * A session's records while they wait for a write. It lives on the
 * caller's stack: the caller sleeps until its records are written. It
 * is told once, by a semaphore of its own: done (with the outcome) or
 * to lead. A semaphore, not the trail's lock and a condition: the
 * leader tells a batch after it let go of that lock, and a session
 * woken to learn the outcome does not queue for it again (each would
 * cost two more futex calls).
 */
typedef struct audit_waiter {
    const char *text;
    size_t  len;
    struct audit_waiter *next;		/* in the queue or the batch */
    sem_t   told;			/* posted once: done or lead */
    int     status;			/* 0 written, -1 not; once done */
    int     done;			/* the batch with it was written */
    int     lead;			/* now it writes the queue */
} audit_waiter;

/* waiter_tell - wake a waiting session: done, with status, or to lead */

static void waiter_tell(audit_waiter *w, int done, int status)
{
    /*
     * sem_post() makes what was written before it visible to the
     * session's sem_wait(). After it the session may return and its
     * stack be gone: nothing of w is touched again.
     */
    if (done) {
	w->status = status;
	w->done = 1;
    } else {
	w->lead = 1;
    }
    (void) sem_post(&w->told);
}

struct cm_audit {
    char   *path;			/* NULL: syslog */
    int     fd;				/* -1 when closed */
    int     do_fsync;
    pthread_mutex_t lock;		/* protects what follows; no I/O */
    int     torn;			/* the file may end in a torn line */
    int     nolock_said;		/* no lock on this file: logged */
    int     writing;			/* a leader is writing */
    int     pausing;			/* a reopen waits: hand over nothing */
    pthread_cond_t idle;		/* writing went to 0 */
    audit_waiter *queue;		/* waiting for the next write */
    audit_waiter **queue_tail;
};

/* trail_lock - take (F_WRLCK, F_RDLCK) or drop (F_UNLCK) the writers' lock */

static int trail_lock(int fd, short type)
{
    struct flock fl;

    memset(&fl, 0, sizeof(fl));
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    fl.l_start = 0;
    fl.l_len = 0;				/* to the end, however it grows */
    while (fcntl(fd, AUDIT_LOCK_WAIT, &fl) < 0)
	if (errno != EINTR)
	    return (-1);
    return (0);
}

/* open_log - open the log file for appending */

static int open_log(const char *path, int *torn, char *err, size_t errlen)
{
    int     as_root = (geteuid() == 0);
    int     flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY
    | O_NONBLOCK;
    int     fd;
    int     rd;
    char    last;
    struct stat st;
    struct stat rst;

    /*
     * As root (consentctl feedback run by hand, a daemon with AllowRoot)
     * this appends in a directory that UserID may own, and that account
     * could have planted a link there: so no symbolic link is followed
     * and a plain file must have one link, as for PidFile. A FIFO would
     * block every writer and cannot be cut back: refused for anyone.
     * O_NONBLOCK only keeps the open from waiting for a FIFO's reader.
     */
    if (as_root)
	flags |= O_NOFOLLOW;
    if ((fd = open(path, flags, 0640)) < 0) {
	if (as_root && errno == ELOOP)
	    (void) snprintf(err, errlen, "AuditLog %s: a symbolic link: "
			    "not written as root", path);
	else if (errno == ENXIO)
	    (void) snprintf(err, errlen, "AuditLog %s: a FIFO or socket, "
			    "not a file", path);
	else
	    (void) snprintf(err, errlen, "AuditLog %s: cannot open: %s",
			    path, strerror(errno));
	return (-1);
    }
    if (fstat(fd, &st) != 0) {
	(void) snprintf(err, errlen, "AuditLog %s: %s", path, strerror(errno));
    } else if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) {
	(void) snprintf(err, errlen, "AuditLog %s: a FIFO or socket, not a "
			"file", path);
    } else if (as_root && S_ISREG(st.st_mode) && st.st_nlink != 1) {
	(void) snprintf(err, errlen, "AuditLog %s: has %lu links: not "
			"written as root", path, (unsigned long) st.st_nlink);
    } else if (fcntl(fd, F_SETFL, O_APPEND) != 0) {
	(void) snprintf(err, errlen, "AuditLog %s: %s", path, strerror(errno));
    } else {

	/*
	 * Does the file end in a torn line (a crash in the middle of a
	 * write)? The descriptor is write-only: look through another one,
	 * if it is the same file, under a read lock, so that the write
	 * of another program, not yet whole or cut back, is not taken for
	 * one (closing the descriptor drops the lock). A file that cannot
	 * be read is taken to be whole.
	 */
	*torn = 0;
	if (S_ISREG(st.st_mode)
	    && (rd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK
			  | O_NOFOLLOW)) >= 0) {
	    (void) trail_lock(rd, F_RDLCK);
	    if (fstat(rd, &rst) == 0 && rst.st_dev == st.st_dev
		&& rst.st_ino == st.st_ino && rst.st_size > 0
		&& pread(rd, &last, 1, rst.st_size - 1) == 1 && last != '\n')
		*torn = 1;
	    (void) close(rd);
	}
	return (fd);
    }
    (void) close(fd);
    return (-1);
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
    audit->queue_tail = &audit->queue;
    (void) pthread_mutex_init(&audit->lock, (pthread_mutexattr_t *) 0);
    (void) pthread_cond_init(&audit->idle, (pthread_condattr_t *) 0);
    if (path != 0) {
	if ((audit->path = strdup(path)) == 0
	    || (audit->fd = open_log(path, &audit->torn, err, errlen)) < 0) {
	    cm_audit_close(audit);
	    return (0);
	}
    }
    return (audit);
}

/* hand_over - the next leader (to be told after unlock), or nobody writes */

static audit_waiter *hand_over(cm_audit *audit)
{
    /*
     * The queue's first session waits until it is told, so it can be
     * told once the lock is free: woken, it takes that lock at once.
     */
    if (audit->queue != 0 && !audit->pausing)
	return (audit->queue);
    audit->writing = 0;
    (void) pthread_cond_broadcast(&audit->idle);
    return (0);
}

/* cm_audit_reopen - reopen after log rotation */

int     cm_audit_reopen(cm_audit *audit, char *err, size_t errlen)
{
    audit_waiter *next = 0;
    int     fd;
    int     torn;
    int     ret = 0;

    if (audit->path == 0)
	return (0);

    /*
     * Between two writes: no leader holds the old descriptor. The
     * leader of the moment hands over to nobody while a reopen waits,
     * so that a steady stream of sessions cannot keep it out. Open the
     * new file before closing the old one, so that a failure leaves
     * the old descriptor in use rather than none at all.
     */
    (void) pthread_mutex_lock(&audit->lock);
    audit->pausing++;
    while (audit->writing)
	(void) pthread_cond_wait(&audit->idle, &audit->lock);
    if ((fd = open_log(audit->path, &torn, err, errlen)) < 0) {
	ret = -1;
    } else {
	if (audit->fd >= 0)
	    (void) close(audit->fd);
	audit->fd = fd;
	audit->torn = torn;
    }
    audit->pausing--;
    /* Sessions that queued meanwhile wait for a leader. */
    if (audit->queue != 0 && !audit->writing && !audit->pausing) {
	audit->writing = 1;
	next = hand_over(audit);
    }
    (void) pthread_mutex_unlock(&audit->lock);
    if (next != 0)
	waiter_tell(next, 0, 0);
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
     * The file is opened O_APPEND and written only by the leader of
     * the moment (this one), which holds the writers' lock against
     * other programs, so the done bytes are its last ones now: its
     * size before the write is its size now less those. Taken here,
     * on the rare failure, and not before every write: one system call
     * less for every batch.
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

/* write_records - write a batch's records to the trail's descriptor */

static int write_records(cm_audit *audit, audit_waiter *batch)
{
    struct iovec iov[1 + 2 * AUDIT_BATCH_MAX];
    audit_waiter *w;
    size_t  done = 0;
    int     n = 0;
    int     locked;
    int     ret = 0;

    /*
     * One writev(2) for every record of the batch and their newlines,
     * so that they land in one piece. A full disk may take part of
     * them (a short write): that part is cut off again (ftruncate back
     * to the size before the write), so the file never keeps a torn
     * line that would swallow the next record, nor records of a message
     * that is then deferred. Only the leader writes, and a reopen waits
     * for it, so no other record of ours can land between the write
     * and the truncation, and the descriptor stays. A file that ends
     * in a torn line anyway (a crash, a failed truncation) gets a
     * newline first, so that it spoils no record of ours. The leader
     * alone reads and sets torn and fd while it writes: a reopen waits
     * for it.
     *
     * Other programs append to the file too (consentctl's pipe
     * transports, several at once; consent-unsubscribe): "its size now
     * less what we wrote" is the size before our write only while none
     * of them wrote in between. So every writer holds the writers' lock
     * from its write until the write is known good or cut back. Where
     * the file system has no locks, it is written as before, and that
     * is said once.
     */
    if (!(locked = (trail_lock(audit->fd, F_WRLCK) == 0))
	&& !audit->nolock_said) {
	cm_log(LOG_WARNING, "AuditLog %s: cannot lock the file (%s): "
	       "written without the lock", audit->path, strerror(errno));
	audit->nolock_said = 1;
    }
    if (audit->torn) {
	iov[n].iov_base = (void *) "\n";
	iov[n++].iov_len = 1;
    }
    for (w = batch; w != 0; w = w->next) {
	iov[n].iov_base = (void *) w->text;
	iov[n++].iov_len = w->len;
	iov[n].iov_base = (void *) "\n";
	iov[n++].iov_len = 1;
    }
    if (write_all(audit->fd, iov, n, &done) < 0) {
	roll_back(audit, done, "write", errno);
	ret = -1;
    } else if (audit->do_fsync && fsync(audit->fd) < 0) {
	/* Not known to be on disk: the callers will not act on it. */
	roll_back(audit, done, "fsync", errno);
	ret = -1;
    } else {
	audit->torn = 0;
    }
    if (locked)
	(void) trail_lock(audit->fd, F_UNLCK);
    return (ret);
}

/* write_again - the file went: reopen AuditLog, write the batch there */

static int write_again(cm_audit *audit, audit_waiter *batch)
{
    char    err[1024];
    int     fd;
    int     torn;

    /*
     * The file written to has no name any more: removed, or replaced
     * by another renamed over it (a rotation without SIGHUP, compressed
     * and deleted afterwards). What went into it is in nobody's trail,
     * so the batch goes again, into the file that now has the name.
     */
    if ((fd = open_log(audit->path, &torn, err, sizeof(err))) < 0) {
	cm_log(LOG_ERR, "%s (the file written to was removed)", err);
	return (-1);
    }
    cm_log(LOG_WARNING, "AuditLog %s: the file was removed or replaced "
	   "without SIGHUP: reopened, records written again", audit->path);
    (void) pthread_mutex_lock(&audit->lock);
    (void) close(audit->fd);
    audit->fd = fd;
    audit->torn = torn;
    (void) pthread_mutex_unlock(&audit->lock);
    return (write_records(audit, batch));
}

/* write_batch - write a batch's records; called and returns locked */

static int write_batch(cm_audit *audit, audit_waiter *batch)
{
    struct stat st;
    int     ret;

    (void) pthread_mutex_unlock(&audit->lock);
    ret = write_records(audit, batch);

    /*
     * One fstat(2) a batch: a file with no link left keeps no record
     * anyone will read. A file renamed away (logrotate before its
     * SIGHUP) keeps its link and its records: that is rotation.
     */
    if (ret == 0 && fstat(audit->fd, &st) == 0 && st.st_nlink == 0)
	ret = write_again(audit, batch);
    (void) pthread_mutex_lock(&audit->lock);
    return (ret);
}

/* cm_audit_write - append the records of one message, whole or not */

int     cm_audit_write(cm_audit *audit, const char *text, size_t len)
{
    audit_waiter self;
    audit_waiter *leader;
    audit_waiter *batch;
    audit_waiter *w;
    audit_waiter *next;
    int     count;
    int     status;

    if (audit->path == 0) {
	syslog_records(text, len);
	return (0);
    }
    self.text = text;
    self.len = len;
    self.next = 0;
    self.status = -1;
    self.done = self.lead = 0;
    (void) sem_init(&self.told, 0, 0);

    (void) pthread_mutex_lock(&audit->lock);
    *audit->queue_tail = &self;
    audit->queue_tail = &self.next;
    if (audit->writing || audit->pausing) {
	/* Another session writes: wait for the outcome, or to lead. */
	(void) pthread_mutex_unlock(&audit->lock);
	while (sem_wait(&self.told) != 0 && errno == EINTR)
	     /* void */ ;
	if (self.done)
	    goto out;
	(void) pthread_mutex_lock(&audit->lock);
    } else {
	audit->writing = 1;
    }

    /*
     * Leading: the queue, this session at its head (it came to an empty
     * queue, or was its head when told to lead), up to a batch; what is
     * left goes to the next leader. The batch's sessions are woken
     * after the trail's lock is free.
     */
    batch = audit->queue;
    for (w = batch, count = 1; w->next != 0 && count < AUDIT_BATCH_MAX;
	 w = w->next, count++)
	 /* void */ ;
    if ((audit->queue = w->next) == 0)
	audit->queue_tail = &audit->queue;
    w->next = 0;
    self.status = write_batch(audit, batch);
    leader = hand_over(audit);
    (void) pthread_mutex_unlock(&audit->lock);
    if (leader != 0)
	waiter_tell(leader, 0, 0);
    for (w = batch->next; w != 0; w = next) {
	next = w->next;				/* w may go once told */
	waiter_tell(w, 1, self.status);
    }

out:
    status = self.status;
    (void) sem_destroy(&self.told);
    if (status != 0)
	cm_metrics_inc(CM_METRIC_AUDIT_ERRORS, 0);
    return (status);
}

/* cm_audit_close - close the audit trail; nothing may write any more */

void    cm_audit_close(cm_audit *audit)
{
    if (audit == 0)
	return;
    if (audit->fd >= 0)
	(void) close(audit->fd);
    (void) pthread_cond_destroy(&audit->idle);
    (void) pthread_mutex_destroy(&audit->lock);
    free(audit->path);
    free(audit);
}
