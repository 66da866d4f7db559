/*++
/* NAME
/*	cachebench 1
/* SUMMARY
/*	what one read of the consent cache costs, small and large
/* SYNOPSIS
/*	cachebench [entries ...]
/* DESCRIPTION
/*	cachebench fills a consent cache (consentcache(3), unbounded in
/*	practice: 4,000,000 entries) with entries keyed like the
/*	daemon's (cm:consent:userN@example.org), each holding the reply
/*	of an HGETALL of one purpose, then reads random keys of it from
/*	one thread, as a cache hit does in the daemon: the shard's lock,
/*	the hash chain, the age check, the reply rebuilt and handed to a
/*	use() that only counts.
/*
/*	For each size (default 1000 and 1750000, what the warm daemons of
/*	bench.sh hold for 1,000,000 people) it prints the time of one
/*	read in nanoseconds, the median of five runs of 2,000,000 reads,
/*	less the time of making the random keys alone; then the same
/*	with the reads made in batches of 2 and of 200 keys
/*	(cm_ccache_get_many(): a recipient's two records at RCPT, and
/*	100 recipients' at end of message). A small cache stays in the
/*	CPU's caches; a large one pays for every memory access that
/*	misses them, which is what a warm relay with many people does,
/*	and a batch lets those misses overlap.
/* DIAGNOSTICS
/*	Exit status 0; 70 when out of memory or when a read was not
/*	served; 64 for bad usage.
/* SEE ALSO
/*	consentcache(3), the cache.
/*	bench.sh, which prints these lines after its tables.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Utility library. */

#include <hiredis/hiredis.h>

/* Application-specific. */

#include "consentcache.h"

#define RUNS	5
#define READS	2000000L
#define FIELDS	4
#define BATCH_MAX	200

/* use_count - a cache hit: count it */

static int use_count(const redisReply *r, void *ctx)
{
    (void) r;
    (*(long *) ctx)++;
    return (1);
}

/* now - monotonic seconds */

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* next - xorshift64: the same sequence for the timed and the base loop */

static uint64_t next(uint64_t *state)
{
    uint64_t x = *state;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return (*state = x);
}

/* make_key - the daemon's key for person k; its length */

static int make_key(char *buf, size_t size, unsigned long k)
{
    return (snprintf(buf, size, "cm:consent:user%lu@example.org", k));
}

/* cmp_double - qsort() order */

static int cmp_double(const void *a, const void *b)
{
    double  x = *(const double *) a, y = *(const double *) b;

    return (x < y ? -1 : x > y);
}

/* measure - ns per read of a cache of n entries, median of RUNS */

static double measure(unsigned long n, size_t batch)
{
    char    bkeys[BATCH_MAX][64];
    cm_ccache_key ask[BATCH_MAX];
    unsigned char hit[BATCH_MAX];
    size_t  j;
    static const char *fields[FIELDS] = {
	"newsletter", "granted", "newsletter:at", "1764000000",
    };
    cm_ccache *cc = cm_ccache_create(0, 4000000, 3600);
    redisReply reply, elem[FIELDS], *ptr[FIELDS];
    char    key[64];
    double  ns[RUNS], t0, t1, t2;
    uint64_t state;
    unsigned long k, i;
    cm_ccache_ticket ticket;
    long    hits = 0, sink = 0;
    int     run, len;

    if (cc == 0) {
	fprintf(stderr, "cachebench: out of memory\n");
	exit(70);
    }
    memset(&reply, 0, sizeof(reply));
    for (i = 0; i < FIELDS; i++) {
	memset(elem + i, 0, sizeof(elem[i]));
	elem[i].type = REDIS_REPLY_STRING;
	elem[i].str = (char *) fields[i];
	elem[i].len = strlen(fields[i]);
	ptr[i] = elem + i;
    }
    reply.type = REDIS_REPLY_ARRAY;
    reply.elements = FIELDS;
    reply.element = ptr;
    cm_ccache_enable(cc, 1);
    for (k = 0; k < n; k++) {
	len = make_key(key, sizeof(key), k);
	(void) cm_ccache_reserve(cc, key, len, &ticket);	/* enabled */
	cm_ccache_fill(cc, key, len, &ticket, &reply);
    }
    for (run = 0; run < RUNS; run++) {
	state = 88172645463325252ULL + run;
	t0 = now();
	if (batch <= 1) {
	    for (i = 0; i < READS; i++) {
		len = make_key(key, sizeof(key), next(&state) % n);
		(void) cm_ccache_get(cc, key, len, use_count, &hits);
	    }
	} else {
	    for (i = 0; i < READS; i += batch) {
		for (j = 0; j < batch; j++) {
		    ask[j].key = bkeys[j];
		    ask[j].len = make_key(bkeys[j], sizeof(bkeys[j]),
					  next(&state) % n);
		    ask[j].use = use_count;
		    ask[j].ctx = &hits;
		}
		(void) cm_ccache_get_many(cc, ask, batch, hit);
	    }
	}
	t1 = now();
	state = 88172645463325252ULL + run;
	for (i = 0; i < READS; i++) {
	    len = make_key(key, sizeof(key), next(&state) % n);
	    sink += len + key[len / 2];
	}
	t2 = now();
	ns[run] = ((t1 - t0) - (t2 - t1)) * 1e9 / READS;
    }
    cm_ccache_free(cc);
    if (hits != RUNS * READS || sink == 0) {
	fprintf(stderr, "cachebench: %ld of %ld reads served\n", hits,
		RUNS * READS);
	exit(70);
    }
    qsort(ns, RUNS, sizeof(ns[0]), cmp_double);
    return (ns[RUNS / 2]);
}

int     main(int argc, char **argv)
{
    static char *defaults[] = {"1000", "1750000", 0};
    char  **sizes = argc > 1 ? argv + 1 : defaults;
    unsigned long n;
    char   *end;

    for (; *sizes; sizes++) {
	n = strtoul(*sizes, &end, 10);
	if (*end != 0 || n == 0 || n > 4000000) {
	    fprintf(stderr, "usage: cachebench [entries (1-4000000) ...]\n");
	    return (64);
	}
	printf("consent cache read (%lu entries, random keys, one thread, "
	       "median of %d x %ld): %.0f ns; in batches of 2: %.0f ns, "
	       "of 200: %.0f ns\n", n, RUNS, READS, measure(n, 1),
	       measure(n, 2), measure(n, 200));
    }
    return (0);
}
