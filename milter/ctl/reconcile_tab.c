/*++
/* NAME
/*	reconcile_tab 3
/* SUMMARY
/*	consentctl reconcile: memory and string tables
/* SYNOPSIS
/*	#include "reconcile.h"
/*
/*	void	ctl_recon_oom(r)
/*	recon	*r;
/*
/*	void	*ctl_recon_grow(r, p, n, size)
/*	recon	*r;
/*	void	*p;
/*	size_t	n;
/*	size_t	size;
/*
/*	const char *ctl_recon_save(r, s, len)
/*	recon	*r;
/*	const char *s;
/*	size_t	len;
/*
/*	long	ctl_recon_get(t, k, len)
/*	strtab	*t;
/*	const char *k;
/*	size_t	len;
/*
/*	slot	*ctl_recon_put(r, t, k, len)
/*	recon	*r;
/*	strtab	*t;
/*	const char *k;
/*	size_t	len;
/*
/*	void	ctl_recon_span(t, first, last)
/*	long long t;
/*	long long *first;
/*	long long *last;
/* DESCRIPTION
/*	The tables of one "consentctl reconcile" run (ctl_reconcile.c):
/*	strings with a value, open addressing, keys copied into the
/*	run's arena.
/*
/*	ctl_recon_oom() reports lack of memory and exits.
/*
/*	ctl_recon_grow() resizes an array to n elements of size bytes,
/*	or exits.
/*
/*	ctl_recon_save() copies len bytes into the run's arena,
/*	NUL-terminated.
/*
/*	ctl_recon_get() returns the value of a key, or -1.
/*
/*	ctl_recon_put() returns the slot of a key, added with the value
/*	-1 when new.
/*
/*	ctl_recon_span() widens the time span first..last (-1: empty)
/*	to include t.
/* DIAGNOSTICS
/*	Lack of memory ends the program (exit 70).
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Application-specific. */

#include "arena.h"
#include "ctl.h"
#include "reconcile.h"

/* ctl_recon_oom - give up: there is nothing sensible left to do */

void    ctl_recon_oom(recon *r)
{
    ctl_error(r->c, "out of memory");
    exit(CTL_EX_SOFTWARE);
}

/* ctl_recon_grow - grow an array or exit */

void   *ctl_recon_grow(recon *r, void *p, size_t n, size_t size)
{
    if (n != 0 && SIZE_MAX / n < size)
	ctl_recon_oom(r);
    if ((p = realloc(p, n * size)) == 0)
	ctl_recon_oom(r);
    return (p);
}

/* ctl_recon_save - copy bytes into the arena, NUL-terminated */

const char *ctl_recon_save(recon *r, const char *s, size_t len)
{
    const char *p;

    if ((p = cm_arena_strndup(&r->arena, s, len)) == 0)
	ctl_recon_oom(r);
    return (p);
}

/* hash - FNV-1a */

static uint32_t hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u;

    while (len-- > 0)
	h = (h ^ (unsigned char) *s++) * 16777619u;
    return (h);
}

/* tab_slot - the slot of a key, or the empty slot where it would go */

static slot *tab_slot(strtab *t, const char *k, size_t len, uint32_t h)
{
    size_t  i;
    slot   *s;

    for (i = h & (t->size - 1);; i = (i + 1) & (t->size - 1)) {
	s = t->slot + i;
	if (s->key == 0 || (s->hash == h && s->len == len
			    && memcmp(s->key, k, len) == 0))
	    return (s);
    }
}

/* ctl_recon_get - the value of a key, or -1 */

long    ctl_recon_get(strtab *t, const char *k, size_t len)
{
    slot   *s;

    if (t->size == 0)
	return (-1);
    s = tab_slot(t, k, len, hash(k, len));
    return (s->key ? s->val : -1);
}

/* ctl_recon_put - the slot of a key, added (value -1) when new */

slot   *ctl_recon_put(recon *r, strtab *t, const char *k, size_t len)
{
    uint32_t h = hash(k, len);
    slot   *s, *old = t->slot;
    size_t  i, oldsize = t->size;

    if (len > UINT32_MAX)
	ctl_recon_oom(r);
    if ((t->used + 1) * 2 > t->size) {		/* at most half full */
	t->size = t->size ? t->size * 2 : 1024;
	if ((t->slot = calloc(t->size, sizeof(*t->slot))) == 0)
	    ctl_recon_oom(r);
	for (i = 0; i < oldsize; i++)
	    if (old[i].key)
		*tab_slot(t, old[i].key, old[i].len, old[i].hash) = old[i];
	free(old);
    }
    if ((s = tab_slot(t, k, len, h))->key == 0) {
	s->key = ctl_recon_save(r, k, len);
	s->len = (uint32_t) len;
	s->hash = h;
	s->val = -1;
	t->used++;
    }
    return (s);
}

/* ctl_recon_span - a time into the first/last pair */

void    ctl_recon_span(long long t, long long *first, long long *last)
{
    if (*first < 0 || t < *first)
	*first = t;
    if (*last < 0 || t > *last)
	*last = t;
}
