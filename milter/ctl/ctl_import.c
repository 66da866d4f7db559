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
/*	ctl_import() implements "import [--from PROVIDER] FILE...
/*	[--skip-invalid] [--actor NAME] [--dry-run]" and the options of
/*	the sources (import_source(3)): --purpose, --columns,
/*	--date-format, --timezone, --encoding, --delimiter. Without
/*	--from (or with --from canonical) each FILE is CSV (RFC 4180, see csv(3)) with the
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
/*	Every source yields the same canonical events through the same
/*	checks (import_source(3)); with --from, one record may yield
/*	several events, and the counts are of events. --encoding cp1252
/*	or latin1 transcodes every field to UTF-8 with iconv(3) before
/*	it is looked at; without it, text that is not UTF-8 is refused,
/*	naming the line. With --from, the field separator is found in
/*	the header (the most frequent of , ; and tab outside quotes)
/*	unless --delimiter gives it; times without a zone are read in
/*	--timezone (default UTC), set as TZ while the import runs.
/*
/*	The files are read three times, so that a million rows need no
/*	more memory than one batch. The first pass checks every row of
/*	every file and reports each bad one as FILE:LINE: reason; with
/*	any bad row and
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
/*	followed by the consentctl actor. --dry-run sends the events with
/*	dry set (writer(3)): each is judged under the writer rules and
/*	nothing is written; up to five examples per outcome are shown.
/*
/*	The summary counts outcomes in rows and in people, and tells an
/*	event already recorded (imported again) from a stale one
/*	(genuinely older): import_tally(3).
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
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Application-specific. */

#include "buf.h"
#include "csv.h"
#include "ctl.h"
#include "ctl_row.h"
#include "import_source.h"
#include "import_tally.h"
#include "campaign.h"
#include "writer.h"

#define IMPORT_USAGE	"import [--from PROVIDER] FILE... [--skip-invalid] " \
			"[--actor NAME] [--dry-run] [--purpose P] " \
			"[--columns SPEC] [--date-format FMT] " \
			"[--timezone ZONE] [--encoding cp1252|latin1|utf-8] " \
			"[--delimiter ,|;|tab] [--map-list NAME=PURPOSE]..."
#define IMPORT_FILES_MAX 64
#define IMPORT_HEADER	CTL_ROW_HEADER
#define IMPORT_BATCH	5000		/* events per cm_write_events() */
#define IMPORT_BATCH_MEM (4 << 20)	/* ... or this many bytes of text */

/* Import passes. */
#define PASS_CHECK	0		/* validate, report */
#define PASS_CONSENT	1		/* apply granted/withdrawn rows */
#define PASS_SUPPRESS	2		/* apply suppression rows */

/* One input file. */
typedef struct import_file {
    const char *name;			/* FILE, for messages */
    FILE   *fp;
    struct stat st;			/* when first checked */
    int     sep;			/* field separator */
    int     json;			/* a JSON source, not CSV */
} import_file;

typedef struct import_state {
    ctl    *c;
    const char *name;			/* the current FILE, for messages */
    import_file files[IMPORT_FILES_MAX];
    size_t  nfiles;
    size_t  cur;			/* the file being read */
    unsigned long long total, before;	/* bytes: all files, done ones */
    imp_opts opts;
    const imp_provider *p;
    imp_source src;
    imp_out out;
    imp_conv conv;			/* --encoding */
    unsigned long rows, noevent;	/* records, those without events */
    long long now;
    int     skip_invalid;
    int     dry_run;
    const char *actor;
    unsigned long valid, invalid, nsuppress;
    imp_tally tally;			/* outcomes: rows and people */
    /* The batch: text in arena, three offsets per event. */
    cm_buf  arena;
    size_t  offs[3 * IMPORT_BATCH];
    cm_event events[IMPORT_BATCH];
    cm_write_result results[IMPORT_BATCH];
    unsigned long lines[IMPORT_BATCH];	/* --dry-run: where, for examples */
    size_t  filex[IMPORT_BATCH];
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
	frac = st->total > 0 ? (double) (st->before + cm_csv_offset(r))
	    / (double) st->total : 0;
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
	st->events[i].dry = st->dry_run;
    }
    if (cm_write_events(ctl_redis(st->c), st->c->cfg.key_prefix, st->events,
			st->nev, st->results, err, sizeof(err)) != 0) {
	progress_clear(st);
	ctl_error(st->c, "consent store error: %s", err);
	ctl_error(st->c, "%s: partly imported (%lu rows applied); importing "
		  "it again is safe", st->name,
		  st->tally.rows[CM_WRITE_APPLIED]);
	return (CTL_EX_UNAVAILABLE);
    }
    for (i = 0; i < st->nev; i++) {
	imp_tally_add(&st->tally, st->results[i], st->events[i].id);
	if (st->dry_run && imp_tally_wants(&st->tally, st->results[i])
	    && imp_tally_show(&st->tally, ctl_redis(st->c),
			      st->c->cfg.key_prefix, st->events + i,
			      st->results[i], st->files[st->filex[i]].name,
			      st->lines[i], err, sizeof(err)) != 0) {
	    progress_clear(st);
	    ctl_error(st->c, "consent store error: %s", err);
	    return (CTL_EX_UNAVAILABLE);
	}
    }
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
    st->lines[st->nev] = st->src.line;
    st->filex[st->nev] = st->cur;
    if (++st->nev == IMPORT_BATCH || st->arena.len >= IMPORT_BATCH_MEM)
	return (flush(st));
    return (0);
}

/* take_events - the events of one record or row: count or queue them */

static int take_events(import_state *st, int pass)
{
    size_t  i;
    int     status = 0;

    if (pass == PASS_CHECK) {
	st->rows++;
	st->noevent += (st->out.n == 0);
    }
    for (i = 0; i < st->out.n && status == 0; i++) {
	if (pass == PASS_CHECK) {
	    st->valid++;
	    st->nsuppress += (st->out.ev[i].kind == CM_EVENT_SUPPRESS);
	} else if ((st->out.ev[i].kind == CM_EVENT_SUPPRESS)
		   == (pass == PASS_SUPPRESS)) {
	    status = queue(st, st->out.ev + i);
	}
    }
    return (status);
}

/* import_json_pass - read one JSON file once; 0, or an exit status */

static int import_json_pass(import_state *st, import_file *in, int pass)
{
    cm_buf  text = CM_BUF_INIT;
    cm_buf  why = CM_BUF_INIT;
    char    buf[65536];
    char    err[256];
    size_t  n, start, end, pos, es, elen, at = 0;
    unsigned long line = 1;
    int     status = 0;
    int     k, found = 0;

    /* An API page: read whole, checked as JSON before anything else. */
    while ((n = fread(buf, 1, sizeof(buf), in->fp)) > 0)
	cm_buf_add(&text, buf, n);
    if (ferror(in->fp) || text.oom) {
	ctl_error(st->c, "%s: %s", in->name, text.oom ? "out of memory" :
		  strerror(errno));
	cm_buf_free(&text);
	return (text.oom ? CTL_EX_SOFTWARE : CTL_EX_DATAERR);
    }
    if (text.len > 0 && text.data[0] == '{'
	&& cm_jobject_parse(&st->src.obj, text.data, text.len, err,
			    sizeof(err)) != 0) {
	if (pass == PASS_CHECK)
	    report(st, 1, err);
	cm_buf_free(&text);
	return (CTL_EX_DATAERR);
    }
    for (k = 0; st->p->jarrays[k] != 0 && status == 0; k++) {
	if (!imp_json_array(text.data, text.len, *st->p->jarrays[k] ?
			    st->p->jarrays[k] : 0, &start, &end))
	    continue;
	found = 1;
	st->src.kind = k;
	pos = start;
	while (status == 0 && imp_json_next(text.data, end, &pos, &es, &elen)) {
	    for (; at < es; at++)
		line += (text.data[at] == '\n');
	    st->src.line = line;
	    st->out.n = 0;
	    cm_buf_reset(&why);
	    if (!st->p->jrow(&st->src, text.data + es, elen, &st->out, &why)) {
		if (pass == PASS_CHECK) {
		    report(st, line, why.oom ? "out of memory" : cm_buf_str(&why));
		    st->invalid++;
		}
		continue;
	    }
	    status = take_events(st, pass);
	}
    }
    if (!found && status == 0) {
	if (pass == PASS_CHECK) {
	    cm_buf_reset(&why);
	    cm_buf_adds(&why, "no record array: want one of");
	    for (k = 0; st->p->jarrays[k] != 0; k++)
		cm_buf_printf(&why, " %s", *st->p->jarrays[k] ?
			      st->p->jarrays[k] : "[...]");
	    report(st, 1, cm_buf_str(&why));
	}
	status = CTL_EX_DATAERR;
    }
    cm_buf_free(&text);
    cm_buf_free(&why);
    return (status);
}

/* import_file_pass - read one file once; 0, or an exit status */

static int import_file_pass(import_state *st, import_file *in, int pass)
{
    cm_buf  why = CM_BUF_INIT;
    cm_csv *r;
    char  **f;
    char    err[256];
    size_t  nf;
    unsigned long line;
    int     status = 0;
    int     s, good;

    st->name = in->name;
    if (fseek(in->fp, 0L, SEEK_SET) != 0) {
	ctl_error(st->c, "%s: cannot rewind: %s", in->name, strerror(errno));
	return (CTL_EX_DATAERR);
    }
    clearerr(in->fp);
    if ((r = cm_csv_open(in->fp)) == 0) {
	ctl_error(st->c, "out of memory");
	return (CTL_EX_SOFTWARE);
    }
    cm_csv_sep(r, in->sep);
    st->src.c = st->c;
    st->src.o = &st->opts;
    st->src.p = st->p;
    st->src.file = in->name;
    st->src.now = st->now;
    if (in->json) {
	cm_csv_close(r);
	return (import_json_pass(st, in, pass));
    }

    /*
     * The header. Every pass reads it: a provider learns from it where
     * its columns are and, for some, what kind of file this is.
     */
    s = cm_csv_next(r, &f, &nf, &line, err, sizeof(err));
    if (s == CM_CSV_EOF) {
	if (pass == PASS_CHECK)
	    ctl_error(st->c, "%s: empty file: want a header row%s%s",
		      in->name, st->p == &imp_canonical ? " " : "",
		      st->p == &imp_canonical ? IMPORT_HEADER : "");
	status = CTL_EX_DATAERR;
    } else if (s != CM_CSV_RECORD) {
	if (pass == PASS_CHECK)
	    report(st, line, err);
	status = CTL_EX_DATAERR;
    } else {
	st->src.line = line;
	if (st->conv.cd != (iconv_t) -1 && !imp_conv_fields(&st->conv, &f, nf)) {
	    ctl_error(st->c, "out of memory");
	    status = CTL_EX_SOFTWARE;
	} else if (!st->p->header(&st->src, f, nf, &why)) {
	    if (pass == PASS_CHECK)
		report(st, line, why.oom ? "out of memory" : cm_buf_str(&why));
	    status = CTL_EX_DATAERR;
	}
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
	if (st->conv.cd != (iconv_t) -1 && !imp_conv_fields(&st->conv, &f, nf)) {
	    ctl_error(st->c, "out of memory");
	    status = CTL_EX_SOFTWARE;
	    break;
	}
	cm_buf_reset(&why);
	st->src.line = line;
	st->out.n = 0;
	good = st->p->row(&st->src, f, nf, &st->out, &why);
	if (!good) {
	    if (pass == PASS_CHECK) {
		report(st, line, why.oom ? "out of memory" : cm_buf_str(&why));
		st->invalid++;
	    }
	    continue;
	}
	status = take_events(st, pass);
    }
    cm_csv_close(r);
    cm_buf_free(&why);
    return (status);
}

/* import_pass - read all files once; 0, or an exit status */

static int import_pass(import_state *st, int pass)
{
    int     status = 0;

    if (pass != PASS_SUPPRESS) {
	(void) clock_gettime(CLOCK_MONOTONIC, &st->t0);
	st->last = st->t0;		/* no bar for the first 0.1 s */
    }
    st->before = 0;
    for (st->cur = 0; st->cur < st->nfiles; st->cur++) {
	if ((status = import_file_pass(st, st->files + st->cur, pass)) != 0)
	    break;
	st->before += (unsigned long long) st->files[st->cur].st.st_size;
    }
    if (status == 0 && pass != PASS_CHECK)
	status = flush(st);
    progress_clear(st);
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


/* import_options - the command line; 0, or an exit status */

static int import_options(import_state *st, int argc, char **argv)
{
    ctl    *c = st->c;
    const char *d = 0;
    const char *v;
    int     i;

    for (i = 1; i < argc; i++) {
	v = i + 1 < argc && *argv[i + 1] ? argv[i + 1] : 0;
	if (strcmp(argv[i], "--skip-invalid") == 0)
	    st->skip_invalid = 1;
	else if (strcmp(argv[i], "--dry-run") == 0)
	    st->dry_run = 1;
	else if (strcmp(argv[i], "--actor") == 0 && v && ++i)
	    st->actor = v;
	else if (strcmp(argv[i], "--from") == 0 && v && ++i)
	    st->opts.from = v;
	else if (strcmp(argv[i], "--purpose") == 0 && v && ++i)
	    st->opts.purpose = v;
	else if (strcmp(argv[i], "--columns") == 0 && v && ++i)
	    st->opts.columns = v;
	else if (strcmp(argv[i], "--date-format") == 0 && v && ++i)
	    st->opts.date_format = v;
	else if (strcmp(argv[i], "--timezone") == 0 && v && ++i)
	    st->opts.zone = v;
	else if (strcmp(argv[i], "--encoding") == 0 && v && ++i)
	    st->opts.encoding = v;
	else if (strcmp(argv[i], "--delimiter") == 0 && v && ++i)
	    d = v;
	else if (strcmp(argv[i], "--map-list") == 0 && v && ++i) {
	    if (st->opts.nmaps == IMP_MAPS_MAX || strrchr(v, '=') == 0
		|| strrchr(v, '=') == v
		|| !cm_purpose_valid(strrchr(v, '=') + 1)) {
		ctl_error(c, "--map-list %s: want NAME=PURPOSE (purpose: "
			  "1 to 64 of a-z 0-9 . _ -), at most %d", v,
			  IMP_MAPS_MAX);
		return (CTL_EX_USAGE);
	    }
	    st->opts.maps[st->opts.nmaps++] = v;
	}
	else if ((argv[i][0] != '-' || argv[i][1] == 0)
		 && st->nfiles < IMPORT_FILES_MAX)
	    st->files[st->nfiles++].name = argv[i];
	else
	    break;
    }
    if (i < argc || st->nfiles == 0)
	return (ctl_usage(c, IMPORT_USAGE));
    if (st->opts.from == 0)
	st->opts.from = "canonical";
    if ((st->p = imp_provider_find(st->opts.from)) == 0) {
	ctl_error(c, "--from %s: unknown source (want one of %s)",
		  st->opts.from, imp_provider_names());
	return (CTL_EX_USAGE);
    }
    if (st->opts.purpose && !cm_purpose_valid(st->opts.purpose)) {
	ctl_error(c, "--purpose %s: want 1 to 64 of a-z 0-9 . _ -",
		  st->opts.purpose);
	return (CTL_EX_USAGE);
    }
    if (d == 0)
	st->opts.sep = 0;
    else if (strcmp(d, ",") == 0 || strcmp(d, ";") == 0)
	st->opts.sep = *d;
    else if (strcmp(d, "tab") == 0 || strcmp(d, "\t") == 0)
	st->opts.sep = '\t';
    else {
	ctl_error(c, "--delimiter %s: want , ; or tab", d);
	return (CTL_EX_USAGE);
    }
    cm_buf_reset(&st->arena);		/* scratch for the message */
    if (!imp_conv_open(&st->conv, st->opts.encoding, &st->arena)) {
	ctl_error(c, "%s", cm_buf_str(&st->arena));
	return (CTL_EX_USAGE);
    }
    if (st->opts.zone == 0)
	st->opts.zone = "UTC";
    cm_buf_reset(&st->arena);		/* scratch for the message */
    if (!imp_zone_check(st->opts.zone, &st->arena)) {
	ctl_error(c, "%s", cm_buf_str(&st->arena));
	return (CTL_EX_USAGE);
    }
    cm_buf_reset(&st->arena);
    return (0);
}

/* ctl_import - import FILE... */

int     ctl_import(ctl *c, int argc, char **argv)
{
    import_state *st;
    cm_buf  actor = CM_BUF_INIT;
    cm_buf  oldtz = CM_BUF_INIT;
    const char *tz;
    struct stat now;
    int     status = 0;
    int     had_tz;
    size_t  i;

    if (ctl_want_help(argc, argv)) {
	(void) printf("usage: %s %s\n\nCSV header row: %s\n"
		      "state granted|withdrawn, or suppressed with purpose *;"
		      " at: Unix seconds or RFC 3339.\n"
		      "--from: %s (see consentctl(8)).\n", c->progname,
		      IMPORT_USAGE, IMPORT_HEADER, imp_provider_names());
	return (CTL_EX_OK);
    }
    if ((st = calloc(1, sizeof(*st))) == 0) {
	ctl_error(c, "out of memory");
	return (CTL_EX_SOFTWARE);
    }
    st->c = c;
    st->conv.cd = (iconv_t) -1;
    if ((status = import_options(st, argc, argv)) != 0)
	goto done;
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
    st->now = (long long) time(0);
    st->tty = isatty(STDERR_FILENO);
    for (i = 0; i < st->nfiles; i++) {
	import_file *in = st->files + i;

	if ((in->fp = import_open(c, in->name, &in->st)) == 0) {
	    status = CTL_EX_DATAERR;
	    goto done;
	}
	if (strcmp(in->name, "-") == 0)
	    in->name = "stdin";
	in->json = st->p->jarrays != 0 && imp_is_json(in->fp);
	/* The canonical format is RFC 4180: commas, always. */
	in->sep = st->opts.sep ? st->opts.sep :
	    st->p == &imp_canonical ? ',' : imp_detect_sep(in->fp);
	st->total += (unsigned long long) in->st.st_size;
    }

    /*
     * Times without a zone are local times of --timezone: TZ is set for
     * the import only, so that mktime() uses the zone database.
     */
    had_tz = (tz = getenv("TZ")) != 0;
    if (had_tz)
	cm_buf_adds(&oldtz, tz);
    if (setenv("TZ", st->opts.zone, 1) != 0) {
	ctl_error(c, "cannot set TZ: %s", strerror(errno));
	status = CTL_EX_SOFTWARE;
	goto done;
    }
    tzset();

    /* Pass 1: nothing is written unless every row is good. */
    if ((status = import_pass(st, PASS_CHECK)) != 0)
	goto restore;
    if (st->invalid > 0 && !st->skip_invalid) {
	ctl_error(c, "%s: %lu invalid row%s: nothing imported "
		  "(--skip-invalid imports the rest)", st->nfiles == 1 ?
		  st->files[0].name : "input", st->invalid,
		  st->invalid == 1 ? "" : "s");
	status = CTL_EX_DATAERR;
	goto restore;
    }

    /*
     * The second read must see the files that were checked. A file that
     * changed in between is refused before anything is written.
     */
    for (i = 0; i < st->nfiles; i++) {
	import_file *in = st->files + i;

	if (fstat(fileno(in->fp), &now) != 0 || now.st_size != in->st.st_size
	    || now.st_mtim.tv_sec != in->st.st_mtim.tv_sec
	    || now.st_mtim.tv_nsec != in->st.st_mtim.tv_nsec) {
	    ctl_error(c, "%s changed while it was checked: nothing imported",
		      in->name);
	    status = CTL_EX_DATAERR;
	    goto restore;
	}
    }
    (void) ctl_redis(c);			/* exits 69 if unavailable */
    if ((status = import_pass(st, PASS_CONSENT)) != 0)
	goto restore;
    if (st->nsuppress > 0 && (status = import_pass(st, PASS_SUPPRESS)) != 0)
	goto restore;
    if (st->dry_run)
	(void) printf("dry run: %lu consent rows, %lu suppression rows, "
		      "invalid %lu; nothing written\n", st->valid - st->nsuppress,
		      st->nsuppress, st->invalid);
    imp_tally_print(&st->tally, stdout, st->invalid, st->dry_run);
    if (st->p != &imp_canonical)
	(void) printf("%s: %lu rows, %lu events, %lu rows without a consent "
		      "event\n", st->p->name, st->rows, st->valid, st->noevent);

restore:
    if (had_tz)
	(void) setenv("TZ", cm_buf_str(&oldtz), 1);
    else
	(void) unsetenv("TZ");
    tzset();

done:
    for (i = 0; i < st->nfiles; i++)
	if (st->files[i].fp != 0 && st->files[i].fp != stdin)
	    (void) fclose(st->files[i].fp);
    imp_conv_close(&st->conv);
    for (i = 0; i < IMP_EVENTS_MAX; i++)
	cm_buf_free(st->out.text + i);
    cm_jobject_free(&st->src.obj);
    cm_jobject_free(&st->src.sub);
    cm_buf_free(&st->arena);
    imp_tally_free(&st->tally);
    cm_buf_free(&actor);
    cm_buf_free(&oldtz);
    free(st);
    return (status);
}
