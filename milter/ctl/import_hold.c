/*++
/* NAME
/*	import_hold 3
/* SUMMARY
/*	consentctl import: --skip-invalid never skips an opt-out
/* SYNOPSIS
/*	#include "import_run.h"
/*
/*	void	imp_hold_bad(st)
/*	import_state *st;
/*
/*	int	imp_hold_ready(st)
/*	import_state *st;
/*
/*	int	imp_hold_take(st, ev)
/*	import_state *st;
/*	const ctl_row *ev;
/* DESCRIPTION
/*	--skip-invalid imports the good rows and leaves out the bad
/*	ones. Leaving out a bad opt-out while the same person's grant
/*	goes in turns an opt-out into consent: the failure this tool
/*	exists to prevent (DOMAIN.md). So when a bad row carries an
/*	opt-out, or may carry one (its state cannot be read), no grant of
/*	that person is applied: each is held back and named, and the
/*	import ends with exit status 65, while everyone else is imported
/*	as --skip-invalid promises. The person's valid withdrawals and
/*	suppressions are applied: holding back an opt-out protects nobody.
/*
/*	imp_hold_bad() is called in the first pass for each bad record.
/*	The person is known from the addresses the provider noted
/*	(s->raddr and s->raddr_also[], those that are good addresses:
/*	NationBuilder keeps five for one person) and from the events the
/*	record gave before it failed; whether it is an opt-out from
/*	s->roptout (0 only when the provider knows it is not) and from
/*	those events. A bad record that may be an opt-out is counted in
/*	st->optout_invalid even when its address cannot be read: then
/*	nobody can be held back, but the exit status still tells.
/*
/*	imp_hold_ready() sorts the people held back, after the first
/*	pass. imp_hold_take() tells whether an event of the apply passes
/*	is held back (a grant of a person held back): it returns 1 and
/*	names FILE:LINE (once per record and person), else 0.
/*
/*	People are kept as 64-bit FNV-1a hashes of the record id: a
/*	collision could only hold back one more person, never apply one.
/* DIAGNOSTICS
/*	imp_hold_ready() returns 0, or CTL_EX_SOFTWARE when out of memory.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Application-specific. */

#include "ctl_row.h"
#include "import_run.h"

/* hash - 64-bit FNV-1a of a record id */

static uint64_t hash(const char *s)
{
    uint64_t h = 14695981039346656037ULL;

    for (; *s; s++) {
	h ^= (unsigned char) *s;
	h *= 1099511628211ULL;
    }
    return (h);
}

/* cmp - qsort and bsearch order of hashes */

static int cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

    return (x < y ? -1 : x > y);
}

/* hold - add one person */

static void hold(import_state *st, const char *id)
{
    uint64_t *n;
    size_t  size;

    if (st->nheld == st->held_size) {
	size = st->held_size ? 2 * st->held_size : 64;
	if ((n = realloc(st->held, size * sizeof(*n))) == 0) {
	    st->held_oom = 1;
	    return;
	}
	st->held = n;
	st->held_size = size;
    }
    st->held[st->nheld++] = hash(id);
}

/* imp_hold_bad - a bad record: hold its person back if it is an opt-out */

void    imp_hold_bad(import_state *st)
{
    char    id[CM_ID_SIZE];
    int     optout = st->src.roptout;
    size_t  i;

    for (i = 0; i < st->out.n; i++)
	if (st->out.ev[i].kind != CM_EVENT_GRANT)
	    optout = 1;
    if (optout == 0)
	return;
    st->optout_invalid++;
    for (i = 0; i < st->out.n; i++)
	hold(st, st->out.ev[i].id);
    if (st->src.raddr != 0 && ctl_row_id(st->c, st->src.raddr, id))
	hold(st, id);
    for (i = 0; i < st->src.nraddr_also; i++)
	if (ctl_row_id(st->c, st->src.raddr_also[i], id))
	    hold(st, id);
}

/* imp_hold_ready - sort the people held back */

int     imp_hold_ready(import_state *st)
{
    if (st->held_oom) {
	ctl_error(st->c, "out of memory");
	return (CTL_EX_SOFTWARE);
    }
    if (st->nheld > 1)
	qsort(st->held, st->nheld, sizeof(*st->held), cmp);
    return (0);
}

/* imp_hold_take - is this event held back; name it once per record */

int     imp_hold_take(import_state *st, const ctl_row *ev)
{
    uint64_t h;

    if (st->nheld == 0 || ev->kind != CM_EVENT_GRANT)
	return (0);
    h = hash(ev->id);
    if (bsearch(&h, st->held, st->nheld, sizeof(h), cmp) == 0)
	return (0);
    st->nheld_events++;
    if (st->held_file != st->cur || st->held_line != st->src.line
	|| st->held_last != h) {
	st->held_file = st->cur;
	st->held_line = st->src.line;
	st->held_last = h;
	imp_progress_clear(&st->progress);
	ctl_note("%s:%lu: held back: %s has an invalid opt-out row in this "
		 "import", st->name, st->src.line, ev->id);
    }
    return (1);
}
