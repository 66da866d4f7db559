/*++
/* NAME
/*	ctl_import 3
/* SUMMARY
/*	consentctl import: consent records from CSV
/* SYNOPSIS
/*	#include "ctl.h"
/*
/*	int	ctl_import(c, argc, argv)
/*	ctl	*c;
/*	int	argc;
/*	char	**argv;
/* DESCRIPTION
/*	Moving consent between tools is where unsubscribes get lost
/*	(DOMAIN.md): this verb loads it into Redis without losing any,
/*	and the writer rules (DESIGN.md section 3) make sure an old
/*	export can never re-subscribe someone who opted out. See also
/*	ctl_export(3), which writes this format.
/*
/*	ctl_import() implements "import FILE [--skip-invalid] [--actor
/*	NAME] [--dry-run]". FILE is CSV (RFC 4180, see csv(3)) with the
/*	header row address,purpose,state,at,source (names compared
/*	without regard to case, order fixed). Each row is one event:
/*	state granted or withdrawn for a purpose, or suppressed with
/*	purpose "*" (at is when, source the reason). at is Unix seconds
/*	or RFC 3339. An address of the form id:<64 hex digits> is a
/*	ready-made pseudonymised record id, as export writes it when
/*	AddressKeyFile is set. Empty lines are skipped. The rules for
/*	one row are in ctl_row(3), shared with export: addresses and
/*	sources must be valid UTF-8, and no time may lie more than 300
/*	seconds after the clock of the import (DESIGN.md section 3). A
/*	time less far ahead is stored as the moment it is written
/*	(writer(3)), so an opt-out that arrives after the import is
/*	always newer.
/*
/*	The file is read three times, so that a million rows need no
/*	more memory than one batch. The first pass checks every row and
/*	reports each bad one as FILE:LINE: reason; with any bad row and
/*	no --skip-invalid nothing is written. The second pass applies
/*	the consent rows and the third the suppressions, in pipelined
/*	batches through cm_write_events(). Suppressions go last so that
/*	a grant given before the person was suppressed is kept, as it
/*	was when the events happened: otherwise export followed by
/*	import would drop it and the round trip would not be exact. A
/*	suppression wins at decision time either way (DESIGN.md section
/*	5, row 12), and one already in Redis still keeps every imported
/*	grant out. Standard input ("-") and other files that cannot be
/*	read twice are first copied to an unlinked temporary file.
/*
/*	History entries name the actor --actor NAME, else "import:"
/*	followed by the consentctl actor. --dry-run checks the file and
/*	reports what it would send, without connecting to Redis.
/*
/*	On a terminal, a progress line (rows/s, ETA) is redrawn on
/*	stderr at most ten times a second; elsewhere there is none.
/*
/* DIAGNOSTICS
/*	Exit status: 0 done (stale rows are normal: the store already
/*	knew better), 64 usage, 65 bad or unreadable input (nothing
/*	written), 69 the store is unavailable or failed (an import may
/*	then be partly applied; running it again is safe), 70 out of
/*	memory.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Application-specific. */

#include "buf.h"
#include "csv.h"
#include "ctl.h"
#include "ctl_row.h"
#include "writer.h"

#define IMPORT_USAGE	"import FILE [--skip-invalid] [--actor NAME] [--dry-run]"
#define IMPORT_HEADER	CTL_ROW_HEADER
#define IMPORT_BATCH	5000		/* events per cm_write_events() */
#define IMPORT_BATCH_MEM (4 << 20)	/* ... or this many bytes of text */

/* Import passes. */
#define PASS_CHECK	0		/* validate, report */
#define PASS_CONSENT	1		/* apply granted/withdrawn rows */
#define PASS_SUPPRESS	2		/* apply suppression rows */

typedef struct import_state {
    ctl    *c;
    const char *name;			/* FILE, for messages */
    FILE   *fp;
    struct stat st;			/* when first checked */
    long long now;
    int     skip_invalid;
    const char *actor;
    unsigned long valid, invalid, nsuppress;
    unsigned long count[4];		/* by cm_write_result */
    /* The batch: text in arena, three offsets per event. */
    cm_buf  arena;
    size_t  offs[3 * IMPORT_BATCH];
    cm_event events[IMPORT_BATCH];
    cm_write_result results[IMPORT_BATCH];
    size_t  nev;
    /* Progress on a terminal. */
    int     tty;
    int     drawn;
    unsigned long tick;			/* rows read in this pass */
    unsigned long sent;			/* events queued, both passes */
    struct timespec t0, last;		/* start, last redraw */
} import_state;

/* elapsed - seconds from a to b */

static double elapsed(const struct timespec *a, const struct timespec *b)
{
    return ((double) (b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) / 1e9);
}

/* progress_clear - remove the progress line before other output */

static void progress_clear(import_state *st)
{
    if (st->drawn) {
	(void) fputs("\r\033[K", stderr);
	st->drawn = 0;
    }
}

/* progress - redraw the progress line, at most ten times a second */

static void progress(import_state *st, const cm_csv *r, int pass)
{
    struct timespec now;
    unsigned long done;
    double  frac, secs, eta;
    int     i, bar = 30;

    /* Reading the clock for every row would cost more than the row. */
    if (!st->tty || (++st->tick & 255) != 0)
	return;
    (void) clock_gettime(CLOCK_MONOTONIC, &now);
    if (elapsed(&st->last, &now) < 0.1)
	return;
    st->last = now;
    secs = elapsed(&st->t0, &now);

    /*
     * Checking: progress through the file. Importing: events sent out of
     * those found valid, over both passes, so that the ETA covers the
     * suppressions too.
     */
    if (pass == PASS_CHECK) {
	done = st->valid + st->invalid;
	frac = st->st.st_size > 0 ?
	    (double) cm_csv_offset(r) / (double) st->st.st_size : 0;
    } else {
	done = st->sent;
	frac = st->valid > 0 ? (double) st->sent / (double) st->valid : 0;
    }
    frac = frac > 1 ? 1 : frac;
    eta = frac > 0 ? secs * (1 - frac) / frac : 0;
    (void) fprintf(stderr, "\r%s [",
		   pass == PASS_CHECK ? "checking " : "importing");
    for (i = 0; i < bar; i++)
	(void) fputc(i < (int) (frac * bar) ? '#' : ' ', stderr);
    (void) fprintf(stderr, "] %3d%% %lu rows, %.0f rows/s, ETA %d:%02d\033[K",
		   (int) (frac * 100), done, secs > 0 ? done / secs : 0.0,
		   (int) eta / 60, (int) eta % 60);
    st->drawn = 1;
}

/* report - one bad row: FILE:LINE: reason */

static void report(import_state *st, unsigned long line, const char *why)
{
    progress_clear(st);
    (void) fprintf(stderr, "%s:%lu: %s\n", st->name, line, why);
}

/* arena_add - copy a string into the batch arena, return its offset */

static size_t arena_add(import_state *st, const char *s)
{
    size_t  off = st->arena.len;

    cm_buf_add(&st->arena, s, strlen(s) + 1);	/* with the NUL */
    return (off);
}

/* flush - apply the batch; 0, or an exit status */

static int flush(import_state *st)
{
    char    err[512];
    size_t  i;

    if (st->nev == 0)
	return (0);
    if (st->arena.oom) {
	progress_clear(st);
	ctl_error(st->c, "out of memory");
	return (CTL_EX_SOFTWARE);
    }

    /* Pointers only now: the arena may move while it grows. */
    for (i = 0; i < st->nev; i++) {
	st->events[i].id = st->arena.data + st->offs[3 * i];
	st->events[i].purpose = st->events[i].kind == CM_EVENT_SUPPRESS ? 0 :
	    st->arena.data + st->offs[3 * i + 1];	/* "" was a placeholder */
	st->events[i].src = st->arena.data + st->offs[3 * i + 2];
	st->events[i].actor = st->actor;
	st->events[i].renew = 0;	/* an import never lifts a suppression */
    }
    if (cm_write_events(ctl_redis(st->c), st->c->cfg.key_prefix, st->events,
			st->nev, st->results, err, sizeof(err)) != 0) {
	progress_clear(st);
	ctl_error(st->c, "consent store error: %s", err);
	ctl_error(st->c, "%s: partly imported (%lu rows applied); importing "
		  "it again is safe", st->name,
		  st->count[0] + st->count[1] + st->count[2] + st->count[3]);
	return (CTL_EX_UNAVAILABLE);
    }
    for (i = 0; i < st->nev; i++)
	if ((unsigned) st->results[i] < 4)
	    st->count[st->results[i]]++;
    st->nev = 0;
    cm_buf_reset(&st->arena);
    return (0);
}

/* queue - add a checked row to the batch; 0, or an exit status */

static int queue(import_state *st, const ctl_row *row)
{
    cm_event *ev = st->events + st->nev;

    st->sent++;
    memset(ev, 0, sizeof(*ev));
    ev->kind = row->kind;
    ev->at = row->at;
    st->offs[3 * st->nev] = arena_add(st, row->id);
    st->offs[3 * st->nev + 1] = arena_add(st, row->purpose ? row->purpose : "");
    st->offs[3 * st->nev + 2] = arena_add(st, row->src);
    if (++st->nev == IMPORT_BATCH || st->arena.len >= IMPORT_BATCH_MEM)
	return (flush(st));
    return (0);
}

/* import_pass - read the whole file once; 0, or an exit status */

static int import_pass(import_state *st, int pass)
{
    cm_buf  why = CM_BUF_INIT;
    ctl_row row;
    cm_csv *r;
    char  **f;
    char    err[256];
    size_t  nf;
    unsigned long line;
    int     status = 0;
    int     s;

    if (fseek(st->fp, 0L, SEEK_SET) != 0) {
	ctl_error(st->c, "%s: cannot rewind: %s", st->name, strerror(errno));
	return (CTL_EX_DATAERR);
    }
    clearerr(st->fp);
    if ((r = cm_csv_open(st->fp)) == 0) {
	ctl_error(st->c, "out of memory");
	return (CTL_EX_SOFTWARE);
    }
    if (pass != PASS_SUPPRESS) {
	(void) clock_gettime(CLOCK_MONOTONIC, &st->t0);
	st->last = st->t0;		/* no bar for the first 0.1 s */
    }

    /* The header; later passes only skip it. */
    s = cm_csv_next(r, &f, &nf, &line, err, sizeof(err));
    if (pass == PASS_CHECK && s == CM_CSV_EOF) {
	ctl_error(st->c, "%s: empty file: want the header row %s",
		  st->name, IMPORT_HEADER);
	status = CTL_EX_DATAERR;
    } else if (pass == PASS_CHECK && s != CM_CSV_RECORD) {
	report(st, line, err);
	status = CTL_EX_DATAERR;
    } else if (pass == PASS_CHECK && !ctl_row_header(f, nf)) {
	report(st, line, "header row is not " IMPORT_HEADER);
	status = CTL_EX_DATAERR;
    }
    while (status == 0
	   && (s = cm_csv_next(r, &f, &nf, &line, err, sizeof(err))) != CM_CSV_EOF) {
	progress(st, r, pass);
	if (s == CM_CSV_FATAL) {
	    /* Every record after an open quote is suspect: stop here. */
	    report(st, line, err);
	    status = CTL_EX_DATAERR;
	    break;
	}
	if (s == CM_CSV_BAD) {
	    if (pass == PASS_CHECK) {
		report(st, line, err);
		st->invalid++;
	    }
	    continue;
	}
	if (nf == 1 && f[0][0] == 0)
	    continue;				/* an empty line */
	cm_buf_reset(&why);
	if (!ctl_row_check(st->c, f, nf, st->now, &row, &why)) {
	    if (pass == PASS_CHECK) {
		report(st, line, why.oom ? "out of memory" : cm_buf_str(&why));
		st->invalid++;
	    }
	    continue;
	}
	if (pass == PASS_CHECK) {
	    st->valid++;
	    st->nsuppress += (row.kind == CM_EVENT_SUPPRESS);
	} else if ((row.kind == CM_EVENT_SUPPRESS) == (pass == PASS_SUPPRESS)) {
	    status = queue(st, &row);
	}
    }
    if (status == 0 && pass != PASS_CHECK)
	status = flush(st);
    progress_clear(st);
    cm_csv_close(r);
    cm_buf_free(&why);
    return (status);
}

/* import_open - open FILE, or a spooled copy of what cannot be reread */

static FILE *import_open(ctl *c, const char *path, struct stat *st)
{
    FILE   *in;
    FILE   *tmp;
    char    buf[65536];
    size_t  n;

    if (strcmp(path, "-") == 0) {
	in = stdin;
    } else if ((in = fopen(path, "rb")) == 0) {
	ctl_error(c, "cannot open %s: %s", path, strerror(errno));
	return (0);
    }
    if (fstat(fileno(in), st) != 0) {
	ctl_error(c, "%s: %s", path, strerror(errno));
	goto fail;
    }
    if (S_ISDIR(st->st_mode)) {
	ctl_error(c, "%s: is a directory", path);
	goto fail;
    }
    if (S_ISREG(st->st_mode))
	return (in);

    /*
     * A pipe or terminal can be read once only. tmpfile() is unlinked
     * from the start, so the copy of personal data vanishes with us.
     */
    if ((tmp = tmpfile()) == 0) {
	ctl_error(c, "cannot create a temporary file for %s: %s",
		  path, strerror(errno));
	goto fail;
    }
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
	if (fwrite(buf, 1, n, tmp) != n)
	    break;
    if (ferror(in) || ferror(tmp) || fflush(tmp) != 0
	|| fstat(fileno(tmp), st) != 0) {
	ctl_error(c, "cannot copy %s to a temporary file: %s",
		  path, strerror(errno));
	(void) fclose(tmp);
	goto fail;
    }
    if (in != stdin)
	(void) fclose(in);
    return (tmp);

fail:
    if (in != stdin)
	(void) fclose(in);
    return (0);
}

/* ctl_import - import FILE */

int     ctl_import(ctl *c, int argc, char **argv)
{
    import_state *st;
    cm_buf  actor = CM_BUF_INIT;
    const char *path = 0;
    struct stat now;
    int     dry_run = 0;
    int     status = 0;
    int     i;

    if (ctl_want_help(argc, argv)) {
	(void) printf("usage: %s %s\n\nCSV header row: %s\n"
		      "state granted|withdrawn, or suppressed with purpose *;"
		      " at: Unix seconds or RFC 3339.\n", c->progname,
		      IMPORT_USAGE, IMPORT_HEADER);
	return (CTL_EX_OK);
    }
    if ((st = calloc(1, sizeof(*st))) == 0) {
	ctl_error(c, "out of memory");
	return (CTL_EX_SOFTWARE);
    }
    st->c = c;
    for (i = 1; i < argc; i++) {
	if (strcmp(argv[i], "--skip-invalid") == 0)
	    st->skip_invalid = 1;
	else if (strcmp(argv[i], "--dry-run") == 0)
	    dry_run = 1;
	else if (strcmp(argv[i], "--actor") == 0 && i + 1 < argc && *argv[i + 1])
	    st->actor = argv[++i];
	else if ((argv[i][0] != '-' || argv[i][1] == 0) && path == 0)
	    path = argv[i];
	else
	    break;
    }
    if (i < argc || path == 0) {
	free(st);
	return (ctl_usage(c, IMPORT_USAGE));
    }
    if (st->actor == 0) {
	cm_buf_printf(&actor, "import:%s", c->actor ? c->actor : "unknown");
	st->actor = cm_buf_str(&actor);
    }
    cm_buf_reset(&st->arena);		/* scratch for the message */
    if (!ctl_row_utf8("--actor", st->actor, &st->arena)) {
	ctl_error(c, "%s", cm_buf_str(&st->arena));
	status = CTL_EX_DATAERR;
	goto done;
    }
    cm_buf_reset(&st->arena);
    st->name = strcmp(path, "-") == 0 ? "stdin" : path;
    st->now = (long long) time(0);
    st->tty = isatty(STDERR_FILENO);
    if ((st->fp = import_open(c, path, &st->st)) == 0) {
	status = CTL_EX_DATAERR;
	goto done;
    }

    /* Pass 1: nothing is written unless every row is good. */
    if ((status = import_pass(st, PASS_CHECK)) != 0)
	goto done;
    if (st->invalid > 0 && !st->skip_invalid) {
	ctl_error(c, "%s: %lu invalid row%s: nothing imported "
		  "(--skip-invalid imports the rest)", st->name, st->invalid,
		  st->invalid == 1 ? "" : "s");
	status = CTL_EX_DATAERR;
	goto done;
    }
    if (dry_run) {
	(void) printf("dry run: %lu consent rows, %lu suppression rows, "
		      "invalid %lu; nothing written\n", st->valid - st->nsuppress,
		      st->nsuppress, st->invalid);
	goto done;
    }

    /*
     * The second read must see the file that was checked. A file that
     * changed in between is refused before anything is written.
     */
    if (fstat(fileno(st->fp), &now) != 0 || now.st_size != st->st.st_size
	|| now.st_mtim.tv_sec != st->st.st_mtim.tv_sec
	|| now.st_mtim.tv_nsec != st->st.st_mtim.tv_nsec) {
	ctl_error(c, "%s changed while it was checked: nothing imported",
		  st->name);
	status = CTL_EX_DATAERR;
	goto done;
    }
    (void) ctl_redis(c);			/* exits 69 if unavailable */
    if ((status = import_pass(st, PASS_CONSENT)) != 0)
	goto done;
    if (st->nsuppress > 0 && (status = import_pass(st, PASS_SUPPRESS)) != 0)
	goto done;
    (void) printf("applied %lu, stale %lu (older than what is stored), "
		  "suppressed-kept %lu, unchanged %lu, invalid %lu\n",
		  st->count[CM_WRITE_APPLIED], st->count[CM_WRITE_STALE],
		  st->count[CM_WRITE_SUPPRESSED], st->count[CM_WRITE_UNCHANGED],
		  st->invalid);

done:
    if (st->fp != 0 && st->fp != stdin)
	(void) fclose(st->fp);
    cm_buf_free(&st->arena);
    cm_buf_free(&actor);
    free(st);
    return (status);
}
