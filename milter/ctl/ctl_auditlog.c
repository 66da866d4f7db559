/*++
/* NAME
/*	ctl_auditlog 3
/* SUMMARY
/*	consentctl: reading the audit logs
/* SYNOPSIS
/*	#include "auditlog.h"
/*
/*	int	ctl_audit_args(c, argc, argv, usage, pos, files, nfiles, json)
/*	ctl	*c;
/*	int	argc;
/*	char	**argv;
/*	const char *usage;
/*	const char **pos;
/*	char	***files;
/*	int	*nfiles;
/*	int	*json;
/*
/*	int	ctl_audit_scan(c, files, nfiles, needles, fn, arg)
/*	ctl	*c;
/*	char	**files;
/*	int	nfiles;
/*	const char *const *needles;
/*	ctl_audit_fn fn;
/*	void	*arg;
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
/*	The audit-log reading shared by "consentctl trace" and
/*	"consentctl report".
/*
/*	ctl_audit_args() parses a verb's command line: one positional
/*	argument (stored in *pos), --audit-log FILE... (each option takes
/*	one or more files, up to the next option; "-" is standard input;
/*	the files are stored in a new array *files, *nfiles of them, that
/*	the caller frees), and --json when json is not NULL.
/*
/*	ctl_audit_scan() reads the given files, or else AuditLog with its
/*	rotated siblings AuditLog.N[.gz] and AuditLog-DATE[.gz], one JSON
/*	object per line. Compressed and plain files are read alike
/*	(zlib). When needles is not NULL, a line that contains none of
/*	the strings in the NULL-terminated list is not parsed; every
/*	other line is parsed and handed to fn with arg and a "file:line"
/*	location. A malformed line is skipped with a warning naming the
/*	file and line, as are lines over 1 MB and the bytes before a NUL
/*	that a crash left in a line. It returns the number of files that
/*	could not be read to their end (each named in a warning), so that
/*	a caller that must not work from part of the trail can refuse.
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

/* scan_line - one line of a log: prefilter, parse, hand over */

static void scan_line(ctl *c, const char *where, cm_buf *line, int toolong,
		              const char *const *needles, ctl_audit_fn fn,
		              void *arg)
{
    static cm_jobject obj = CM_JOBJECT_INIT;
    const char *text = cm_buf_str(line);
    size_t  len = line->len;
    const char *nul;
    char    err[256];
    size_t  i;

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
    for (i = 0; needles && needles[i]; i++)
	if (strstr(text, needles[i]) != 0)
	    break;
    if (len == 0 || (needles && needles[i] == 0))
	return;					/* not ours */
    if (cm_jobject_parse(&obj, text, len, err, sizeof(err)) < 0)
	ctl_error(c, "warning: %s: malformed audit record skipped: %s",
		  where, err);
    else
	fn(arg, &obj, where);
}

/* scan_file - read one log, plain or gzip, one JSON object per line */

static int scan_file(ctl *c, const char *path, const char *const *needles,
		              ctl_audit_fn fn, void *arg)
{
    cm_buf  line = CM_BUF_INIT;
    char    buf[65536];
    char    where[4200];
    const char *msg, *nl, *colon;
    size_t  pos = 0, have = 0, n;
    long    lineno = 0;
    int     got = 1, errnum, toolong = 0;
    gzFile  gz;

    errno = 0;
    if ((gz = strcmp(path, "-") == 0 ? gzdopen(dup(0), "rb")
	 : gzopen(path, "rb")) == 0) {
	ctl_error(c, "warning: %s: %s", path,
		  errno ? strerror(errno) : "cannot open");
	return (-1);
    }

    /* gzread, not gzgets: a NUL byte must not hide the rest of a line. */
    while (got > 0 || pos < have || line.len > 0 || toolong) {
	if (pos == have && got > 0) {
	    pos = 0;
	    have = (got = gzread(gz, buf, sizeof(buf))) > 0 ? (size_t) got : 0;
	    continue;
	}
	nl = memchr(buf + pos, '\n', have - pos);
	n = (nl ? (size_t) (nl - buf) : have) - pos;
	if (!toolong && line.len + n <= LINE_MAX_BYTES)
	    cm_buf_add(&line, buf + pos, n);
	else
	    toolong = 1;
	pos += n + (nl != 0);
	if (nl == 0 && got > 0)
	    continue;				/* the line goes on */
	snprintf(where, sizeof(where), "%s:%ld", path, ++lineno);
	scan_line(c, where, &line, toolong, needles, fn, arg);
	cm_buf_reset(&line);
	toolong = 0;
    }
    msg = gzerror(gz, &errnum);
    if (errnum != Z_OK && errnum != Z_STREAM_END) {
	/* zlib's text starts with the path; keep only the reason. */
	if ((colon = strrchr(msg, ':')) != 0 && colon[1] == ' ')
	    msg = colon + 2;
	ctl_error(c, "warning: %s: %s", path,
		  errnum == Z_ERRNO ? strerror(errno) : msg);
    }
    gzclose(gz);
    cm_buf_free(&line);
    return (errnum != Z_OK && errnum != Z_STREAM_END ? -1 : 0);
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

/* ctl_audit_scan - the given logs, or AuditLog and its rotated siblings */

int     ctl_audit_scan(ctl *c, char **files, int nfiles,
		               const char *const *needles, ctl_audit_fn fn,
		               void *arg)
{
    static const char *rotated[] = {".[0-9]*", "-[0-9]*"};
    cm_buf  pat = CM_BUF_INIT;
    glob_t  g;
    size_t  i;
    int     k;
    int     bad = 0;

    for (k = 0; k < nfiles; k++)
	bad += scan_file(c, files[k], needles, fn, arg) < 0;
    if (nfiles > 0)
	return (bad);
    if (c->cfg.audit_log == 0) {
	ctl_error(c, "warning: AuditLog is none and no --audit-log given: "
		  "no audit records read");
	return (0);
    }
    bad += scan_file(c, c->cfg.audit_log, needles, fn, arg) < 0;
    memset(&g, 0, sizeof(g));
    for (k = 0; k < 2; k++) {
	cm_buf_reset(&pat);
	glob_quote(&pat, c->cfg.audit_log);
	cm_buf_adds(&pat, rotated[k]);
	(void) glob(cm_buf_str(&pat), k ? GLOB_APPEND : 0, 0, &g);
    }
    for (i = 0; i < g.gl_pathc; i++)
	bad += scan_file(c, g.gl_pathv[i], needles, fn, arg) < 0;
    globfree(&g);
    cm_buf_free(&pat);
    return (bad);
}

/* ctl_audit_args - one positional argument, --audit-log FILE..., --json */

int     ctl_audit_args(ctl *c, int argc, char **argv, const char *usage,
		               const char **pos, char ***files, int *nfiles,
		               int *json)
{
    int     i;
    int     in_logs = 0;

    *pos = 0;
    *nfiles = 0;
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
