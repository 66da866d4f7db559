/*++
/* NAME
/*	ctl_auditlog 3
/* SUMMARY
/*	consentctl: reading the audit logs
/* SYNOPSIS
/*	#include "auditlog.h"
/*
/*	int	ctl_audit_args(c, argc, argv, usage, pos, files, nfiles, json,
/*				html)
/*	ctl	*c;
/*	int	argc;
/*	char	**argv;
/*	const char *usage;
/*	const char **pos;
/*	char	***files;
/*	int	*nfiles;
/*	int	*json;
/*	const char **html;
/*
/*	int	ctl_audit_read(c, files, nfiles, needles, flags, fn, arg, cover)
/*	ctl	*c;
/*	char	**files;
/*	int	nfiles;
/*	const char *const *needles;
/*	int	flags;
/*	ctl_audit_fn fn;
/*	void	*arg;
/*	ctl_audit_cover *cover;
/*
/*	void	ctl_audit_cover_free(cover)
/*	ctl_audit_cover *cover;
/*
/*	int	ctl_audit_scan(c, files, nfiles, needles, fn, arg)
/*
/*	int	ctl_audit_time(s, ms)
/*	const char *s;
/*	long long *ms;
/*
/*	const char *ctl_audit_when(buf, size, ms)
/*	char	*buf;
/*	size_t	size;
/*	long long ms;
/* DESCRIPTION
/*	The audit-log reading shared by "consentctl trace", "report" and
/*	"reconcile".
/*
/*	ctl_audit_args() parses a verb's command line: one positional
/*	argument (stored in *pos), --audit-log FILE... (each option takes
/*	one or more files, up to the next option; "-" is standard input;
/*	the files are stored in a new array *files, *nfiles of them, that
/*	the caller frees), --json when json is not NULL and --html FILE
/*	when html is not NULL.
/*
/*	ctl_audit_read() reads the given files, or else AuditLog with its
/*	rotated siblings AuditLog.N[.gz] and AuditLog-DATE[.gz] (oldest
/*	first), one JSON object per line. Compressed and plain files are
/*	read alike (zlib, with a large buffer). When needles is not NULL,
/*	a line that contains none of the strings in the NULL-terminated
/*	list is not parsed (a memchr/memmem pass, run for several files
/*	at once on threads); every other line is parsed and handed to fn
/*	with arg and a "file:line" location, in file order, on the
/*	calling thread. Lines with an "event" member (the relay's own
/*	opt-outs, "event":"opt-out") are not decisions: they are handed
/*	over only with flags CTL_AUDIT_EVENTS. A malformed line is skipped
/*	with a warning naming the file and line, as are lines over 1 MB
/*	and the bytes before a NUL that a crash left in a line; with flags
/*	CTL_AUDIT_DAMAGED, fn is also given {"damaged":true} for a
/*	malformed line, with the "qid" when the line holds a whole one
/*	(a line torn by a crash after its queue id).
/*
/*	When cover is not NULL it receives what was read: each file with
/*	its state, lines and the times of its first and last record, and
/*	the files that were unreadable or missing. A numbered rotation
/*	with a hole (AuditLog.2.gz but no AuditLog.1) names the hole as a
/*	missing file. ctl_audit_read() returns the number of files that
/*	were unreadable or missing (each named in a warning), so that a
/*	caller never presents part of the trail as the whole of it.
/*	ctl_audit_cover_free() releases what cover holds.
/*
/*	ctl_audit_scan() is ctl_audit_read() without flags and coverage.
/*
/*	ctl_audit_time() converts an audit "time" (RFC 3339, perhaps with
/*	a fraction) to milliseconds since the epoch.
/*
/*	ctl_audit_when() formats milliseconds as "2026-11-23 09:41:31Z"
/*	in buf and returns buf.
/* DIAGNOSTICS
/*	Unreadable logs and bad lines are warnings. ctl_audit_args()
/*	returns 0, or the exit status for a usage error (64) or lack of
/*	memory (70). ctl_audit_time() returns 0, or -1 for a missing or
/*	malformed time.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <errno.h>
#include <glob.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Utility library. */

#include <zlib.h>

/* Application-specific. */

#include "auditlog.h"
#include "buf.h"
#include "ctl.h"
#include "jsonread.h"
#include "timeparse.h"

#define LINE_MAX_BYTES	(1024 * 1024)	/* longer lines are skipped */
#define READ_BYTES	(1024 * 1024)	/* one gzread */
#define TIME_MAX	40		/* longest "time" value we keep */
#define THREADS_MAX	4		/* files read at once */

/* One file being read. */
typedef struct job {
    char   *path;
    int     state;			/* CTL_AUDIT_* */
    char   *why;
    long    lines;
    char    first[TIME_MAX], last[TIME_MAX];
    cm_buf  hits;			/* lines that passed the prefilter */
    int     done;			/* the reader is through */
    int     cls;			/* 0 AuditLog-DATE, 1 AuditLog.N, 2 other */
    long    num;			/* N of AuditLog.N */
} job;

/* A line that passed the prefilter, as kept in job.hits. */
typedef struct hit {
    long    lineno;
    size_t  len;
    int     toolong;
} hit;

/* Hand a line straight to the caller (no threads, no needles). */
typedef struct direct {
    ctl    *c;
    int     flags;
    ctl_audit_fn fn;
    void   *arg;
} direct;

/* The shared state of the reading threads. */
typedef struct pool {
    job    *jobs;
    int     njobs;
    int     next;			/* next job to take */
    const char *const *needles;
    pthread_mutex_t lock;
    pthread_cond_t cond;
} pool;

/* ctl_audit_when - milliseconds as "2026-11-23 09:41:31Z" */

const char *ctl_audit_when(char *buf, size_t size, long long ms)
{
    char   *t;

    cm_time_format(ms / 1000, buf, size);
    if ((t = strchr(buf, 'T')) != 0)
	*t = ' ';
    return (buf);
}

/* ctl_audit_time - an audit "time": RFC 3339, maybe with a fraction */

int     ctl_audit_time(const char *s, long long *ms)
{
    const char *p;
    long long sec;
    int     frac = 0;
    int     n;

    if (s == 0 || cm_time_parse(s, &sec) < 0)
	return (-1);
    /* cm_time_parse() drops the fraction; the trail has milliseconds. */
    if (strlen(s) > 20 && s[19] == '.')
	for (n = 0, p = s + 20; n < 3; n++)
	    frac = frac * 10 + ((*p >= '0' && *p <= '9') ? *p++ - '0' : 0);
    *ms = sec * 1000 + frac;
    return (0);
}

/* damaged - hand over what a malformed line says: its queue id */

static void damaged(cm_jobject *obj, const char *text, size_t len,
		            const char *where, ctl_audit_fn fn, void *arg)
{
    static const char key[] = "\"qid\":\"";
    char    json[128];
    const char *q, *e, *end = text + len;
    char    err[64];

    /*
     * A crash tears the line being written, and the daemon leaves it in
     * place. Its message still had a decision: a caller that must not
     * miss one (reconcile) learns the queue id, when the tear came after
     * it, so that the message counts as one with records.
     */
    if ((q = memmem(text, len, key, sizeof(key) - 1)) != 0) {
	for (e = q += sizeof(key) - 1; e < end && e - q <= 64
	     && ((*e >= '0' && *e <= '9') || (*e >= 'A' && *e <= 'Z')
		 || (*e >= 'a' && *e <= 'z')); e++)
	     /* void */ ;
	if (e == q || e >= end || *e != '"' || e - q > 64)
	    q = 0;
    }
    if (q != 0)
	snprintf(json, sizeof(json), "{\"damaged\":true,\"qid\":\"%.*s\"}",
		 (int) (e - q), q);
    else
	snprintf(json, sizeof(json), "{\"damaged\":true}");
    if (cm_jobject_parse(obj, json, strlen(json), err, sizeof(err)) == 0)
	fn(arg, obj, where);
}

/* parse_line - one line that passed the prefilter: parse, hand over */

static void parse_line(ctl *c, const char *path, long lineno,
		               const char *text, size_t len, int toolong,
		               int flags, ctl_audit_fn fn, void *arg)
{
    static cm_jobject obj = CM_JOBJECT_INIT;
    const char *nul;
    char    where[4200];
    char    err[256];

    snprintf(where, sizeof(where), "%s:%ld", path, lineno);
    if (toolong) {
	ctl_error(c, "warning: %s: line longer than %d bytes: skipped",
		  where, LINE_MAX_BYTES);
	return;
    }
    if (len > 0 && text[len - 1] == '\r')
	len--;

    /*
     * A crash can leave NUL bytes where a line was being written, and
     * the next record is then appended after them: keep that record.
     */
    for (nul = text + len; nul > text && nul[-1] != 0; nul--)
	 /* void */ ;
    if (nul > text) {
	ctl_error(c, "warning: %s: %zu bytes up to a NUL byte skipped",
		  where, (size_t) (nul - text));
	len -= nul - text;
	text = nul;
    }
    if (len == 0)
	return;
    if (cm_jobject_parse(&obj, text, len, err, sizeof(err)) < 0) {
	ctl_error(c, "warning: %s: malformed audit record skipped: %s",
		  where, err);
	if (flags & CTL_AUDIT_DAMAGED)
	    damaged(&obj, text, len, where, fn, arg);
    } else if ((flags & CTL_AUDIT_EVENTS) || cm_jobject_get(&obj, "event") == 0)
	fn(arg, &obj, where);
}

/* take_time - the earliest and latest "time" of the lines that start with it */

static void take_time(job *j, const char *p, size_t len)
{
    static const char prefix[] = "{\"time\":\"";
    const char *end;
    size_t  n;

    if (len < sizeof(prefix) + 20 || memcmp(p, prefix, sizeof(prefix) - 1))
	return;
    p += sizeof(prefix) - 1;
    len -= sizeof(prefix) - 1;
    if ((end = memchr(p, '"', len < TIME_MAX ? len : TIME_MAX)) == 0)
	return;
    n = end - p;

    /* The earliest and the latest: lines land out of order a little. */
    if (j->first[0] == 0 || (strncmp(p, j->first, n) < 0)) {
	memcpy(j->first, p, n);
	j->first[n] = 0;
    }
    if (strncmp(p, j->last, n) > 0) {
	memcpy(j->last, p, n);
	j->last[n] = 0;
    }
}

/* one_line - a line of a file: coverage, prefilter, keep or hand over */

static void one_line(job *j, const char *const *needles, direct *d,
		             const char *p, size_t len, int toolong)
{
    hit     h;
    size_t  i;

    j->lines++;
    if (!toolong)
	take_time(j, p, len);
    for (i = 0; needles && needles[i]; i++)
	if (memmem(p, len, needles[i], strlen(needles[i])) != 0)
	    break;
    if (needles && needles[i] == 0 && !toolong)
	return;					/* not ours */
    if (d != 0) {
	parse_line(d->c, j->path, j->lines, p, len, toolong, d->flags,
		   d->fn, d->arg);
	return;
    }
    h.lineno = j->lines;
    h.len = toolong ? 0 : len;
    h.toolong = toolong;
    cm_buf_add(&j->hits, (const char *) &h, sizeof(h));
    cm_buf_add(&j->hits, p, h.len);
}

/* set_why - the error of a job, once */

static void set_why(job *j, int state, const char *why)
{
    j->state = state;
    if (j->why == 0)
	j->why = strdup(why);
}

/* read_file - read one log, plain or gzip, one line at a time */

static void read_file(job *j, const char *const *needles, direct *d)
{
    cm_buf  carry = CM_BUF_INIT;	/* a line across reads */
    char   *buf;
    const char *msg, *nl, *colon;
    size_t  pos = 0, have = 0, n;
    int     got = 1, errnum = Z_OK, toolong = 0;
    gzFile  gz;

    errno = 0;
    if ((gz = strcmp(j->path, "-") == 0 ? gzdopen(dup(0), "rb")
	 : gzopen(j->path, "rb")) == 0) {
	set_why(j, errno == ENOENT ? CTL_AUDIT_MISSING : CTL_AUDIT_UNREADABLE,
		errno ? strerror(errno) : "cannot open");
	return;
    }
    if ((buf = malloc(READ_BYTES)) == 0) {
	set_why(j, CTL_AUDIT_UNREADABLE, "out of memory");
	gzclose(gz);
	return;
    }
    (void) gzbuffer(gz, READ_BYTES);

    /* gzread, not gzgets: a NUL byte must not hide the rest of a line. */
    for (;;) {
	if (pos == have) {
	    if (got <= 0)
		break;
	    pos = 0;
	    have = (got = gzread(gz, buf, READ_BYTES)) > 0 ? (size_t) got : 0;
	    continue;
	}
	nl = memchr(buf + pos, '\n', have - pos);
	n = (nl ? (size_t) (nl - buf) : have) - pos;
	if (nl != 0 && carry.len == 0 && !toolong) {
	    one_line(j, needles, d, buf + pos, n, 0);	/* the usual case */
	} else {
	    if (!toolong && carry.len + n <= LINE_MAX_BYTES)
		cm_buf_add(&carry, buf + pos, n);
	    else
		toolong = 1;
	    if (nl != 0) {
		one_line(j, needles, d, carry.data, carry.len, toolong);
		cm_buf_reset(&carry);
		toolong = 0;
	    }
	}
	pos += n + (nl != 0);
    }
    if (carry.len > 0 || toolong)
	one_line(j, needles, d, carry.data, carry.len, toolong);
    msg = gzerror(gz, &errnum);
    if (errnum != Z_OK && errnum != Z_STREAM_END) {
	/* zlib's text starts with the path; keep only the reason. */
	if ((colon = strrchr(msg, ':')) != 0 && colon[1] == ' ')
	    msg = colon + 2;
	set_why(j, CTL_AUDIT_UNREADABLE,
		errnum == Z_ERRNO ? strerror(errno) : msg);
    }
    gzclose(gz);
    free(buf);
    cm_buf_free(&carry);
}

/* worker - a reading thread: take the next file until none is left */

static void *worker(void *arg)
{
    pool   *p = arg;
    job    *j;

    for (;;) {
	pthread_mutex_lock(&p->lock);
	while (p->next < p->njobs && p->jobs[p->next].done)
	    p->next++;				/* missing: nothing to read */
	j = p->next < p->njobs ? p->jobs + p->next++ : 0;
	pthread_mutex_unlock(&p->lock);
	if (j == 0)
	    return (0);
	read_file(j, p->needles, 0);
	pthread_mutex_lock(&p->lock);
	j->done = 1;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
    }
}

/* glob_quote - a path as a glob(3) pattern that matches only itself */

static void glob_quote(cm_buf *b, const char *path)
{
    for (; *path; path++) {
	if (strchr("*?[]\\", *path))
	    cm_buf_addc(b, '\\');
	cm_buf_addc(b, *path);
    }
}

/* rotation - N of "BASE.N" or "BASE.N.gz" (base length in *blen), or 0 */

static long rotation(const char *path, size_t *blen)
{
    size_t  len = strlen(path), end;
    size_t  i;

    end = (len > 3 && strcmp(path + len - 3, ".gz") == 0) ? len - 3 : len;
    for (i = end; i > 0 && path[i - 1] >= '0' && path[i - 1] <= '9'; i--)
	 /* void */ ;
    if (i == end || i < 2 || path[i - 1] != '.' || end - i > 6)
	return (0);
    *blen = i - 1;
    return (atol(path + i));
}

/* cmp_path - oldest first: AuditLog-DATE by name, .N downwards, AuditLog */

static int cmp_path(const void *a, const void *b)
{
    const job *x = a, *y = b;

    if (x->cls != y->cls)
	return (x->cls - y->cls);
    if (x->num != y->num)
	return (x->num > y->num ? -1 : 1);
    return (strcmp(x->path, y->path));
}

/* rank - the place of a file in the rotation of base */

static void rank(job *j, const char *base)
{
    size_t  blen, len = strlen(base);

    if ((j->num = rotation(j->path, &blen)) > 0)
	j->cls = 1;
    else
	j->cls = (strncmp(j->path, base, len) == 0 && j->path[len] == '-')
	    ? 0 : 2;
}

/* add_job - one more file to read (or to name as missing) */

static void add_job(job **jobs, int *njobs, const char *path, int state,
		            const char *why)
{
    job    *grown;

    if ((grown = realloc(*jobs, (*njobs + 1) * sizeof(**jobs))) == 0)
	return;
    *jobs = grown;
    memset(grown + *njobs, 0, sizeof(**jobs));
    grown[*njobs].path = strdup(path);
    grown[*njobs].state = state;
    grown[*njobs].why = why ? strdup(why) : 0;
    grown[*njobs].done = (state != CTL_AUDIT_READ);
    (*njobs)++;
}

/* find_holes - AuditLog.2.gz without AuditLog.1: name the hole */

static void find_holes(job **jobs, int *njobs)
{
    cm_buf  name = CM_BUF_INIT;
    size_t  blen, blen2;
    long    n, k, max;
    int     i, m, have, count = *njobs;

    for (i = 0; i < count; i++) {
	if ((max = rotation((*jobs)[i].path, &blen)) <= 1)
	    continue;
	/* Only the highest number of each base looks downwards. */
	for (m = 0; m < count; m++)
	    if (m != i && (n = rotation((*jobs)[m].path, &blen2)) > max
		&& blen2 == blen && !strncmp((*jobs)[m].path, (*jobs)[i].path,
					      blen))
		break;
	if (m < count)
	    continue;
	for (k = 1; k < max; k++) {
	    for (have = 0, m = 0; m < *njobs && !have; m++)
		have = (rotation((*jobs)[m].path, &blen2) == k && blen2 == blen
			&& !strncmp((*jobs)[m].path, (*jobs)[i].path, blen));
	    if (have)
		continue;
	    cm_buf_reset(&name);
	    cm_buf_printf(&name, "%.*s.%ld", (int) blen, (*jobs)[i].path, k);
	    add_job(jobs, njobs, cm_buf_str(&name), CTL_AUDIT_MISSING,
		    "not found, though a later rotation exists");
	}
    }
    cm_buf_free(&name);
}

/* run_jobs - read the files: threads when prefiltered, else here */

static void run_jobs(ctl *c, job *jobs, int njobs, const char *const *needles,
		             int flags, ctl_audit_fn fn, void *arg)
{
    pthread_t tid[THREADS_MAX];
    direct  d;
    pool    p;
    const char *at, *end;
    hit     h;
    long    cpus;
    int     i, nt = 0;

    d.c = c;
    d.flags = flags;
    d.fn = fn;
    d.arg = arg;

    /*
     * Without needles every line is parsed here: the readers would only
     * copy the whole trail into memory. With needles most lines stop at
     * the prefilter, so decompressing files side by side is the gain.
     */
    cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (needles != 0 && njobs > 1 && cpus > 1) {
	memset(&p, 0, sizeof(p));
	p.jobs = jobs;
	p.njobs = njobs;
	p.needles = needles;
	pthread_mutex_init(&p.lock, 0);
	pthread_cond_init(&p.cond, 0);
	for (nt = 0; nt < THREADS_MAX && nt < cpus && nt < njobs; nt++)
	    if (pthread_create(tid + nt, 0, worker, &p) != 0)
		break;
    }
    for (i = 0; i < njobs; i++) {
	if (nt > 0) {
	    pthread_mutex_lock(&p.lock);
	    while (!jobs[i].done)
		pthread_cond_wait(&p.cond, &p.lock);
	    pthread_mutex_unlock(&p.lock);
	} else if (jobs[i].state == CTL_AUDIT_READ) {
	    read_file(jobs + i, needles, needles ? 0 : &d);
	}
	for (at = jobs[i].hits.data, end = at + jobs[i].hits.len; at < end;
	     at += sizeof(h) + h.len) {
	    memcpy(&h, at, sizeof(h));
	    parse_line(c, jobs[i].path, h.lineno, at + sizeof(h), h.len,
		       h.toolong, flags, fn, arg);
	}
	cm_buf_free(&jobs[i].hits);
	if (jobs[i].why)
	    ctl_error(c, "warning: %s: %s%s", jobs[i].path, jobs[i].why,
		      jobs[i].lines > 0 ? " (read in part)" : "");
    }
    for (i = 0; i < nt; i++)
	pthread_join(tid[i], 0);
    if (nt > 0) {
	pthread_mutex_destroy(&p.lock);
	pthread_cond_destroy(&p.cond);
    }
}

/* ctl_audit_read - the given logs, or AuditLog and its rotated siblings */

int     ctl_audit_read(ctl *c, char **files, int nfiles,
		               const char *const *needles, int flags,
		               ctl_audit_fn fn, void *arg,
		               ctl_audit_cover *cover)
{
    static const char *rotated[] = {".[0-9]*", "-[0-9]*"};
    cm_buf  pat = CM_BUF_INIT;
    job    *jobs = 0;
    int     njobs = 0;
    glob_t  g;
    size_t  i;
    int     k, bad = 0;
    ctl_audit_file *f;

    if (cover)
	memset(cover, 0, sizeof(*cover));
    if (nfiles > 0) {
	for (k = 0; k < nfiles; k++)
	    add_job(&jobs, &njobs, files[k], CTL_AUDIT_READ, 0);
    } else if (c->cfg.audit_log == 0) {
	ctl_error(c, "warning: AuditLog is none and no --audit-log given: "
		  "no audit records read");
	if (cover)
	    cover->none = 1;
	return (0);
    } else {
	add_job(&jobs, &njobs, c->cfg.audit_log, CTL_AUDIT_READ, 0);
	memset(&g, 0, sizeof(g));
	for (k = 0; k < 2; k++) {
	    cm_buf_reset(&pat);
	    glob_quote(&pat, c->cfg.audit_log);
	    cm_buf_adds(&pat, rotated[k]);
	    (void) glob(cm_buf_str(&pat), k ? GLOB_APPEND : 0, 0, &g);
	}
	for (i = 0; i < g.gl_pathc; i++)
	    add_job(&jobs, &njobs, g.gl_pathv[i], CTL_AUDIT_READ, 0);
	globfree(&g);
	cm_buf_free(&pat);
    }
    find_holes(&jobs, &njobs);
    if (nfiles == 0) {
	for (k = 0; k < njobs; k++)
	    rank(jobs + k, c->cfg.audit_log);
	qsort(jobs, njobs, sizeof(*jobs), cmp_path);
    }
    run_jobs(c, jobs, njobs, needles, flags, fn, arg);

    for (k = 0; k < njobs; k++) {
	bad += jobs[k].state != CTL_AUDIT_READ;
	if (cover && (f = realloc(cover->file, (cover->nfile + 1)
				  * sizeof(*f))) != 0) {
	    cover->file = f;
	    f += cover->nfile++;
	    f->path = jobs[k].path;
	    f->state = jobs[k].state;
	    f->why = jobs[k].why;
	    f->lines = jobs[k].lines;
	    if (ctl_audit_time(jobs[k].first, &f->first_ms) < 0
		|| ctl_audit_time(jobs[k].last, &f->last_ms) < 0)
		f->first_ms = f->last_ms = -1;
	} else {
	    free(jobs[k].path);
	    free(jobs[k].why);
	}
    }
    if (cover)
	cover->bad = bad;
    free(jobs);
    return (bad);
}

/* ctl_audit_cover_free - release a coverage */

void    ctl_audit_cover_free(ctl_audit_cover *cover)
{
    int     k;

    for (k = 0; k < cover->nfile; k++) {
	free(cover->file[k].path);
	free(cover->file[k].why);
    }
    free(cover->file);
    memset(cover, 0, sizeof(*cover));
}

/* ctl_audit_scan - ctl_audit_read() without flags or coverage */

int     ctl_audit_scan(ctl *c, char **files, int nfiles,
		               const char *const *needles, ctl_audit_fn fn,
		               void *arg)
{
    return (ctl_audit_read(c, files, nfiles, needles, 0, fn, arg, 0));
}

/* ctl_audit_args - one positional argument, --audit-log FILE..., --json */

int     ctl_audit_args(ctl *c, int argc, char **argv, const char *usage,
		               const char **pos, char ***files, int *nfiles,
		               int *json, const char **html)
{
    int     i;
    int     in_logs = 0;

    *pos = 0;
    *nfiles = 0;
    if (html)
	*html = 0;
    if ((*files = calloc(argc, sizeof(**files))) == 0)
	return (CTL_EX_SOFTWARE);
    for (i = 1; i < argc; i++) {
	if (strcmp(argv[i], "--audit-log") == 0) {
	    in_logs = 1;
	    if (i + 1 >= argc)
		break;
	    (*files)[(*nfiles)++] = argv[++i];
	} else if (strncmp(argv[i], "--audit-log=", 12) == 0) {
	    in_logs = 1;
	    (*files)[(*nfiles)++] = argv[i] + 12;
	} else if (json && strcmp(argv[i], "--json") == 0) {
	    *json = 1;
	    in_logs = 0;
	} else if (html && strcmp(argv[i], "--html") == 0) {
	    in_logs = 0;
	    if (i + 1 >= argc) {
		ctl_error(c, "--html needs a file");
		return (ctl_usage(c, usage));
	    }
	    *html = argv[++i];
	} else if (argv[i][0] == '-' && argv[i][1] != 0) {
	    ctl_error(c, "unknown option \"%s\"", argv[i]);
	    return (ctl_usage(c, usage));
	} else if (in_logs) {
	    (*files)[(*nfiles)++] = argv[i];
	} else if (*pos == 0) {
	    *pos = argv[i];
	} else {
	    ctl_error(c, "unexpected argument \"%s\"", argv[i]);
	    return (ctl_usage(c, usage));
	}
    }
    if (i < argc || (in_logs && *nfiles == 0)) {
	ctl_error(c, "--audit-log needs a file");
	return (ctl_usage(c, usage));
    }
    if (*pos == 0)
	return (ctl_usage(c, usage));
    return (0);
}
