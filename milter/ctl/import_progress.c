/*++
/* NAME
/*	import_progress 3
/* SUMMARY
/*	consentctl import: the progress line on a terminal
/* SYNOPSIS
/*	#include "import_run.h"
/*
/*	void	imp_progress_start(pr)
/*	imp_progress *pr;
/*
/*	void	imp_progress_show(pr, pass, frac, done)
/*	imp_progress *pr;
/*	int	pass;
/*	double	frac;
/*	unsigned long done;
/*
/*	void	imp_progress_clear(pr)
/*	imp_progress *pr;
/* DESCRIPTION
/*	A million rows take a while; someone at a terminal should see
/*	that the import moves and when it will end. One implementation
/*	serves every source, CSV or JSON, plain file or zip member:
/*	import_pass(3) tells how far it is, this module draws.
/*
/*	imp_progress_start() notes the start of a pass (the clock of the
/*	ETA) and whether stderr is a terminal; without one nothing is
/*	ever drawn, so logs and pipes get no control characters.
/*
/*	imp_progress_show() is called for every record: it looks at the
/*	clock once per 256 calls and redraws at most ten times a second,
/*	and not in the first tenth of a second. frac is the part done
/*	(0 to 1), done the records so far. The line reads "checking" in
/*	PASS_CHECK and "importing" otherwise, with a bar, the percentage,
/*	rows per second and the ETA.
/*
/*	imp_progress_clear() erases the line, before any other output to
/*	stderr and at the end of a pass.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdio.h>
#include <time.h>
#include <unistd.h>

/* Application-specific. */

#include "import_run.h"

#define BAR_WIDTH	30

/* elapsed - seconds from a to b */

static double elapsed(const struct timespec *a, const struct timespec *b)
{
    return ((double) (b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) / 1e9);
}

/* imp_progress_start - a pass begins */

void    imp_progress_start(imp_progress *pr)
{
    pr->tty = isatty(STDERR_FILENO);
    pr->tick = 0;
    (void) clock_gettime(CLOCK_MONOTONIC, &pr->t0);
    pr->last = pr->t0;			/* no bar for the first 0.1 s */
}

/* imp_progress_clear - remove the line before other output */

void    imp_progress_clear(imp_progress *pr)
{
    if (pr->drawn) {
	(void) fputs("\r\033[K", stderr);
	pr->drawn = 0;
    }
}

/* imp_progress_show - redraw, at most ten times a second */

void    imp_progress_show(imp_progress *pr, int pass, double frac,
			          unsigned long done)
{
    struct timespec now;
    double  secs, eta;
    int     i;

    /* Reading the clock for every row would cost more than the row. */
    if (!pr->tty || (++pr->tick & 255) != 0)
	return;
    (void) clock_gettime(CLOCK_MONOTONIC, &now);
    if (elapsed(&pr->last, &now) < 0.1)
	return;
    pr->last = now;
    secs = elapsed(&pr->t0, &now);
    frac = frac > 1 ? 1 : frac < 0 ? 0 : frac;
    eta = frac > 0 ? secs * (1 - frac) / frac : 0;
    (void) fprintf(stderr, "\r%s [",
		   pass == PASS_CHECK ? "checking " : "importing");
    for (i = 0; i < BAR_WIDTH; i++)
	(void) fputc(i < (int) (frac * BAR_WIDTH) ? '#' : ' ', stderr);
    (void) fprintf(stderr, "] %3d%% %lu rows, %.0f rows/s, ETA %d:%02d\033[K",
		   (int) (frac * 100), done, secs > 0 ? done / secs : 0.0,
		   (int) eta / 60, (int) eta % 60);
    pr->drawn = 1;
}
