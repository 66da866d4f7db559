/*++
/* NAME
/*	import_tally 3
/* SUMMARY
/*	consentctl import: outcomes counted in rows and in people
/* SYNOPSIS
/*	#include "import_tally.h"
/*
/*	void	imp_tally_add(t, res, id)
/*	imp_tally *t;
/*	cm_write_result res;
/*	const char *id;
/*
/*	int	imp_tally_wants(t, res)
/*	void	imp_tally_example(t, res, line)
/*	int	imp_tally_show(t, rc, prefix, ev, res, file, line, err, errlen)
/*	unsigned long imp_tally_rows(t)
/*	void	imp_tally_print(t, fp, invalid, dry)
/*	void	imp_tally_free(t)
/* DESCRIPTION
/*	An import summary must say what happened to people, not only to
/*	rows: a provider export has several rows per person, and "stale"
/*	must not be said of an event that is simply recorded already
/*	(issue 16). imp_tally_add() counts one event outcome of record id
/*	id. The people of an outcome are the distinct ids with at least
/*	one event of that outcome; a person can thus be counted under two
/*	outcomes. Ids are kept as 64-bit FNV-1a hashes, sorted and
/*	counted once at the end: 8 bytes per event, so a million rows
/*	cost 8 MB, and a collision (about 1 in 10^7 for a million
/*	people) could only make one person count once too few.
/*
/*	imp_tally_wants() tells whether an example line for res is still
/*	wanted (IMP_EXAMPLES per outcome); imp_tally_example() keeps one.
/*	imp_tally_show() makes the example of a dry event ev judged res
/*	at file:line: "<id> <purpose>: <stored> -> <new> (FILE:LINE)",
/*	reading what is stored from Redis (prefix as KeyPrefix, null for
/*	the default); it returns -1 with err when Redis fails. Dry events
/*	wrote nothing, so the stored state is that before the import.
/*
/*	imp_tally_print() writes the summary: a line of row counts (the
/*	words that tests and scripts read: "applied N, already recorded
/*	N (the same event), stale N (older than what is stored),
/*	suppressed-kept N, unchanged N, invalid N"), a line of people, and
/*	with dry the example lines under each outcome.
/* DIAGNOSTICS
/*	Out of memory while counting people: the people line says
/*	"people: not counted (out of memory)"; the row counts stay exact.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Application-specific. */

#include "import_tally.h"
#include "redisconn.h"
#include "redisreply.h"
#include "schema.h"

/* Output order and names: the first, an event that changed the store. */
static const cm_write_result order[IMP_OUTCOMES] = {
    CM_WRITE_APPLIED, CM_WRITE_SAME, CM_WRITE_STALE, CM_WRITE_SUPPRESSED,
    CM_WRITE_UNCHANGED,
};
static const char *const names[IMP_OUTCOMES] = {
    "applied", "already recorded", "stale", "suppressed-kept", "unchanged",
};

/* hash - 64-bit FNV-1a of an id */

static uint64_t hash(const char *s)
{
    uint64_t h = 14695981039346656037ULL;

    while (*s)
	h = (h ^ (unsigned char) *s++) * 1099511628211ULL;
    return (h);
}

/* imp_tally_add - count one event outcome of id */

void    imp_tally_add(imp_tally *t, cm_write_result res, const char *id)
{
    unsigned k = (unsigned) res;
    uint64_t *p;
    size_t  size;

    if (k >= IMP_OUTCOMES)
	return;
    t->rows[k]++;
    if (t->oom)
	return;
    if (t->n[k] == t->size[k]) {
	size = t->size[k] ? 2 * t->size[k] : 1024;
	if ((p = realloc(t->ids[k], size * sizeof(*p))) == 0) {
	    t->oom = 1;
	    return;
	}
	t->ids[k] = p;
	t->size[k] = size;
    }
    t->ids[k][t->n[k]++] = hash(id);
}

/* imp_tally_wants - is an example of res still wanted? */

int     imp_tally_wants(const imp_tally *t, cm_write_result res)
{
    return ((unsigned) res < IMP_OUTCOMES && t->nex[res] < IMP_EXAMPLES);
}

/* imp_tally_example - keep one example line for res */

void    imp_tally_example(imp_tally *t, cm_write_result res, const char *line)
{
    if (!imp_tally_wants(t, res))
	return;
    cm_buf_printf(t->ex + res, "  %s\n", line);
    t->nex[res]++;
}

/* imp_tally_show - keep the example of one dry event */

int     imp_tally_show(imp_tally *t, redisContext *rc, const char *prefix,
		               const cm_event *ev, cm_write_result res,
		               const char *file, unsigned long line,
		               char *err, size_t errlen)
{
    static const char *const to[] = {"granted", "withdrawn", "withdrawn",
    "suppressed", "unsuppressed", "erased"};
    cm_buf  text = CM_BUF_INIT;
    char    show[CM_REDIS_SHOWSZ];
    redisReply *r;

    if (prefix == 0)
	prefix = CM_KEY_PREFIX_DEFAULT;
    if ((unsigned) ev->kind >= sizeof(to) / sizeof(to[0]))
	return (0);
    r = ev->purpose ? redisCommand(rc, "HGET %sconsent:%s %s", prefix,
				   ev->id, ev->purpose) :
	redisCommand(rc, "EXISTS %ssuppress:%s", prefix, ev->id);
    if (r == 0 || r->type == REDIS_REPLY_ERROR) {
	(void) snprintf(err, errlen, "%s", r ? cm_redis_reply_show(show,
					     sizeof(show), r) : rc->errstr);
	if (r)
	    cm_redis_reply_free(r);
	return (-1);
    }
    cm_buf_printf(&text, "%s %s: %s -> %s (%s:%lu)", ev->id,
		  ev->purpose ? ev->purpose : "*",
		  r->type == REDIS_REPLY_STRING ?
		  cm_redis_escape(show, sizeof(show), r->str, r->len) :
		  r->type == REDIS_REPLY_INTEGER && r->integer ? "suppressed" :
		  "nothing", to[ev->kind], file, line);
    cm_redis_reply_free(r);
    imp_tally_example(t, res, cm_buf_str(&text));
    cm_buf_free(&text);
    return (0);
}

/* imp_tally_rows - events counted under every outcome */

unsigned long imp_tally_rows(const imp_tally *t)
{
    unsigned long n = 0;
    int     k;

    for (k = 0; k < IMP_OUTCOMES; k++)
	n += t->rows[k];
    return (n);
}

/* cmp - qsort order of hashes */

static int cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

    return (x < y ? -1 : x > y);
}

/* distinct - sort v, count its distinct values */

static unsigned long distinct(uint64_t *v, size_t n)
{
    unsigned long d = 0;
    size_t  i;

    if (n == 0)
	return (0);			/* and no qsort() of a null pointer */
    qsort(v, n, sizeof(*v), cmp);
    for (i = 0; i < n; i++)
	d += (i == 0 || v[i] != v[i - 1]);
    return (d);
}

/* imp_tally_print - the summary, and with dry the examples */

void    imp_tally_print(imp_tally *t, FILE *fp, unsigned long invalid, int dry)
{
    uint64_t *all = 0;
    size_t  nall = 0, at = 0;
    int     k;

    (void) fprintf(fp, "%sapplied %lu, already recorded %lu (the same event), "
		   "stale %lu (older than what is stored), suppressed-kept "
		   "%lu, unchanged %lu, invalid %lu\n", dry ? "would be: " : "",
		   t->rows[CM_WRITE_APPLIED], t->rows[CM_WRITE_SAME],
		   t->rows[CM_WRITE_STALE], t->rows[CM_WRITE_SUPPRESSED],
		   t->rows[CM_WRITE_UNCHANGED], invalid);

    /* People in all: the union of the outcomes' ids. */
    for (k = 0; k < IMP_OUTCOMES; k++)
	nall += t->n[k];
    if (!t->oom && nall > 0 && (all = malloc(nall * sizeof(*all))) == 0)
	t->oom = 1;
    if (t->oom) {
	(void) fprintf(fp, "people: not counted (out of memory)\n");
    } else {
	for (k = 0; k < IMP_OUTCOMES; k++) {
	    if (t->n[k] > 0)
		memcpy(all + at, t->ids[k], t->n[k] * sizeof(*all));
	    at += t->n[k];
	}
	(void) fprintf(fp, "people: ");
	for (k = 0; k < IMP_OUTCOMES; k++)
	    (void) fprintf(fp, "%lu %s, ", distinct(t->ids[order[k]],
				t->n[order[k]]), names[k]);
	(void) fprintf(fp, "%lu in all\n", distinct(all, nall));
    }
    free(all);
    for (k = 0; dry && k < IMP_OUTCOMES; k++)
	if (t->nex[order[k]] > 0)
	    (void) fprintf(fp, "%s, for example:\n%s", names[k],
			   cm_buf_str(t->ex + order[k]));
}

/* imp_tally_free - release the tally */

void    imp_tally_free(imp_tally *t)
{
    int     k;

    for (k = 0; k < IMP_OUTCOMES; k++) {
	free(t->ids[k]);
	cm_buf_free(t->ex + k);
    }
}
