#ifndef CM_CONSENTCACHE_H
#define CM_CONSENTCACHE_H

/*++
/* NAME
/*	consentcache 3h
/* SUMMARY
/*	the daemon's cache of consent records, kept honest by Redis
/* SYNOPSIS
/*	#include "consentcache.h"
/*
/*	cm_ccache_create/free(); cm_ccache_get/reserve/fill(): cached
/*	Redis replies; cm_ccache_invalidate/flush/enable(): what the
/*	invalidation link says; cm_ccache_stats(): its state.
/* DESCRIPTION
/*	See consentcache.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

typedef struct cm_ccache cm_ccache;

/* Called under the cache's lock with a cached reply; 1: it was usable. */
typedef int (*cm_ccache_use_fn) (const redisReply *r, void *ctx);


/* One read of cm_ccache_get_many(): the key, and what to do with it. */
typedef struct cm_ccache_key {
    const char *key;
    size_t  len;
    cm_ccache_use_fn use;
    void   *ctx;
} cm_ccache_key;

/* What a read must find unchanged to be kept (cm_ccache_reserve()). */
typedef struct cm_ccache_ticket {
    unsigned long long epoch;		/* 0: not reserved, do not fill */
    unsigned long long gen;		/* invalidations of the key's stripe */
    long long born;			/* reserved then (monotonic ms) */
    uint64_t hash;			/* the key's */
} cm_ccache_ticket;

/* What the cache holds now. */
typedef struct cm_ccache_stats {
    long long entries;			/* cached replies */
    long long bytes;			/* accounted memory */
    long long hits;			/* answers served */
    long long misses;			/* asked, not served */
    long long flushes;			/* emptied, for any reason */
    int     enabled;			/* served now (link healthy) */
} cm_ccache_info;

extern cm_ccache *cm_ccache_create(long long max_bytes, long long max_entries,
				           int max_age_s);
extern void cm_ccache_free(cm_ccache *cc);
extern int cm_ccache_get(cm_ccache *cc, const char *key, size_t klen,
			         cm_ccache_use_fn use, void *ctx);
extern size_t cm_ccache_get_many(cm_ccache *cc, const cm_ccache_key *keys,
				         size_t n, unsigned char *hit);
extern int cm_ccache_reserve(cm_ccache *cc, const char *key, size_t klen,
			             cm_ccache_ticket *ticket);
extern void cm_ccache_fill(cm_ccache *cc, const char *key, size_t klen,
			           const cm_ccache_ticket *ticket,
			           const redisReply *r);
extern void cm_ccache_invalidate(cm_ccache *cc, const char *key,
				         size_t klen);
extern void cm_ccache_flush(cm_ccache *cc);
extern void cm_ccache_enable(cm_ccache *cc, int on);
extern void cm_ccache_pause(cm_ccache *cc, int paused);
extern int cm_ccache_enabled(cm_ccache *cc);
extern void cm_ccache_stats(cm_ccache *cc, cm_ccache_info *out);

#endif
