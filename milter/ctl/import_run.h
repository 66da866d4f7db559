#ifndef CM_IMPORT_RUN_H
#define CM_IMPORT_RUN_H

/*++
/* NAME
/*	import_run 3h
/* SUMMARY
/*	consentctl import: the state of one import run
/* SYNOPSIS
/*	#include "import_run.h"
/* DESCRIPTION
/*	Shared by ctl_import(3) (options, files, the order of the
/*	passes), import_pass(3) (one read of every file and the batches
/*	to Redis), import_progress(3) (the progress line) and
/*	import_zip(3) (archive members).
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "buf.h"
#include "ctl.h"
#include "import_source.h"
#include "import_tally.h"
#include "writer.h"

#define IMPORT_FILES_MAX 64		/* files, zip members included */
#define IMPORT_BATCH	5000		/* events per cm_write_events() */
#define IMPORT_BATCH_MEM (4 << 20)	/* ... or this many bytes of text */

/* Import passes. */
#define PASS_CHECK	0		/* validate, report */
#define PASS_CONSENT	1		/* apply granted/withdrawn rows */
#define PASS_SUPPRESS	2		/* apply suppression rows */

/* The progress line on a terminal: import_progress(3). */
typedef struct imp_progress {
    int     tty;			/* stderr is a terminal */
    int     drawn;			/* a line is on the screen */
    unsigned long tick;			/* calls since the last look */
    struct timespec t0, last;		/* start, last redraw */
} imp_progress;

extern void imp_progress_start(imp_progress *pr);
extern void imp_progress_show(imp_progress *pr, int pass, double frac,
			              unsigned long done);
extern void imp_progress_clear(imp_progress *pr);

/* One input file, or one member of a zip archive. */
typedef struct import_file {
    const char *name;			/* FILE or ZIP:MEMBER, for messages */
    char   *owned;			/* name, when allocated */
    FILE   *fp;
    struct stat st;			/* when first checked */
    int     sep;			/* field separator */
    int     json;			/* a JSON source, not CSV */
} import_file;

typedef struct import_state {
    ctl    *c;
    const char *name;			/* the current FILE, for messages */
    const char *args[IMPORT_FILES_MAX];	/* FILE... as given */
    size_t  nargs;
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
    imp_progress progress;
    unsigned long sent;			/* events queued, both passes */
    /* --skip-invalid and bad opt-outs: import_hold(3). */
    unsigned long optout_invalid;	/* bad records that may be opt-outs */
    uint64_t *held;			/* their people, hashed, sorted */
    size_t  nheld, held_size;
    int     held_oom;
    unsigned long nheld_events;		/* events held back */
    size_t  held_file;			/* the last one named */
    unsigned long held_line;
    uint64_t held_last;
} import_state;

/* import_pass.c */
extern int imp_run_pass(import_state *st, int pass);

/* import_hold.c */
extern void imp_hold_bad(import_state *st);
extern int imp_hold_ready(import_state *st);
extern int imp_hold_take(import_state *st, const ctl_row *ev);

/* import_zip.c */
#define IMP_ZIP_ENTRIES_MAX	32		/* members of one archive */
#define IMP_ZIP_BYTES_MAX	(4ULL << 30)	/* bytes, all members */
#define IMP_ZIP_RATIO_MAX	200		/* expansion, over 1 MiB */

extern int imp_zip_is(FILE *fp, const char *name);
extern int imp_zip_members(import_state *st, FILE *fp, const char *name);

#endif
