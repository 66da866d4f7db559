/*++
/* NAME
/*	import_pass 3
/* SUMMARY
/*	consentctl import: one read of every file, and the batches
/* SYNOPSIS
/*	#include "import_run.h"
/*
/*	int	imp_run_pass(st, pass)
/*	import_state *st;
/*	int	pass;
/* DESCRIPTION
/*	ctl_import(3) reads its files three times (PASS_CHECK,
/*	PASS_CONSENT, PASS_SUPPRESS): this module is one such read. It
/*	takes each file through its provider (import_source(3)), CSV
/*	record by record or JSON array element by element, and hands
/*	each record's events to the pass: counted in PASS_CHECK, queued
/*	in the other two and sent to Redis in pipelined batches of
/*	IMPORT_BATCH events through cm_write_events() (writer(3)).
/*
/*	A bad record is reported as FILE:LINE: reason (JSON: the line on
/*	which the element starts) in PASS_CHECK only, so that each is
/*	named once; import_hold(3) notes whether it may be an opt-out,
/*	and holds back that person's events in the other two passes. Both kinds of file move the same progress line
/*	(import_progress(3)): by bytes read while checking, by events
/*	sent while importing, so that the ETA covers the suppressions
/*	too.
/*
/*	With --dry-run the batches go with dry set: each event is judged
/*	under the writer rules, nothing is written, and up to five
/*	examples per outcome are shown (import_tally(3)).
/* DIAGNOSTICS
/*	imp_run_pass() returns 0, or an exit status: 65 bad input, 69 the
/*	store failed (the batches sent so far are applied; importing
/*	again is safe), 70 out of memory.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Application-specific. */

#include "csv.h"
#include "ctl_row.h"
#include "import_run.h"

#define IMPORT_HEADER	CTL_ROW_HEADER

/* progress - how far this pass is; off: bytes read of the current file */

static void progress(import_state *st, int pass, unsigned long long off)
{
    unsigned long done;
    double  frac;

    if (!st->progress.tty)
	return;
    if (pass == PASS_CHECK) {
	done = st->valid + st->invalid;
	frac = st->total > 0 ? (double) (st->before + off)
	    / (double) st->total : 0;
    } else {
	done = st->sent;
	frac = st->valid > 0 ? (double) st->sent / (double) st->valid : 0;
    }
    imp_progress_show(&st->progress, pass, frac, done);
}

/* report - one bad row: FILE:LINE: reason */

static void report(import_state *st, unsigned long line, const char *why)
{
    imp_progress_clear(&st->progress);
    ctl_note("%s:%lu: %s", st->name, line, why);
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
	imp_progress_clear(&st->progress);
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
	imp_progress_clear(&st->progress);
	ctl_error(st->c, "consent store error: %s", err);
	ctl_error(st->c, "%s: partly imported (%lu rows applied, and "
		  "possibly some of the last batch); importing it again is "
		  "safe", st->name, st->tally.rows[CM_WRITE_APPLIED]);
	return (CTL_EX_UNAVAILABLE);
    }
    for (i = 0; i < st->nev; i++) {
	imp_tally_add(&st->tally, st->results[i], st->events[i].id);
	if (st->dry_run && imp_tally_wants(&st->tally, st->results[i])
	    && imp_tally_show(&st->tally, ctl_redis(st->c),
			      st->c->cfg.key_prefix, st->events + i,
			      st->results[i], st->files[st->filex[i]].name,
			      st->lines[i], err, sizeof(err)) != 0) {
	    imp_progress_clear(&st->progress);
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
		   == (pass == PASS_SUPPRESS)
		   && !imp_hold_take(st, st->out.ev + i)) {
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
	    progress(st, pass, es);
	    st->out.n = 0;
	    st->src.raddr = 0;
	    st->src.nraddr_also = 0;
	    st->src.roptout = -1;
	    cm_buf_reset(&why);
	    if (!st->p->jrow(&st->src, text.data + es, elen, &st->out, &why)) {
		if (pass == PASS_CHECK) {
		    report(st, line, why.oom ? "out of memory" : cm_buf_str(&why));
		    st->invalid++;
		    imp_hold_bad(st);
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
	progress(st, pass, cm_csv_offset(r));
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
		st->out.n = 0;			/* unreadable: may be an opt-out */
		st->src.raddr = 0;
		st->src.nraddr_also = 0;
		st->src.roptout = -1;
		imp_hold_bad(st);
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
	st->src.raddr = 0;
	st->src.nraddr_also = 0;
	st->src.roptout = -1;
	good = st->p->row(&st->src, f, nf, &st->out, &why);
	if (!good) {
	    if (pass == PASS_CHECK) {
		report(st, line, why.oom ? "out of memory" : cm_buf_str(&why));
		st->invalid++;
		imp_hold_bad(st);
	    }
	    continue;
	}
	status = take_events(st, pass);
    }
    cm_csv_close(r);
    cm_buf_free(&why);
    return (status);
}

/* imp_run_pass - read all files once; 0, or an exit status */

int     imp_run_pass(import_state *st, int pass)
{
    int     status = 0;

    /* The suppressions go on with the clock of the consent pass. */
    if (pass != PASS_SUPPRESS)
	imp_progress_start(&st->progress);
    st->src.checking = (pass == PASS_CHECK);
    st->before = 0;
    for (st->cur = 0; st->cur < st->nfiles; st->cur++) {
	if ((status = import_file_pass(st, st->files + st->cur, pass)) != 0)
	    break;
	st->before += (unsigned long long) st->files[st->cur].st.st_size;
    }
    if (status == 0 && pass != PASS_CHECK)
	status = flush(st);
    imp_progress_clear(&st->progress);
    return (status);
}

