/*++
/* NAME
/*	consentcache 3
/* SUMMARY
/*	the daemon's cache of consent records, kept honest by Redis
/* SYNOPSIS
/*	#include "consentcache.h"
/*
/*	cm_ccache *cm_ccache_create(max_bytes, max_entries, max_age_s)
/*	long long max_bytes;
/*	long long max_entries;
/*	int	max_age_s;
/*
/*	void	cm_ccache_free(cc)
/*	cm_ccache *cc;
/*
/*	int	cm_ccache_get(cc, key, klen, use, ctx)
/*	cm_ccache *cc;
/*	const char *key;
/*	size_t	klen;
/*	int	(*use)(const redisReply *r, void *ctx);
/*	void	*ctx;
/*
/*	size_t	cm_ccache_get_many(cc, keys, n, hit)
/*	cm_ccache *cc;
/*	const cm_ccache_key *keys;
/*	size_t	n;
/*	unsigned char *hit;
/*
/*	int	cm_ccache_reserve(cc, key, klen, ticket)
/*	cm_ccache *cc;
/*	const char *key;
/*	size_t	klen;
/*	cm_ccache_ticket *ticket;
/*
/*	void	cm_ccache_fill(cc, key, klen, ticket, r)
/*	cm_ccache *cc;
/*	const char *key;
/*	size_t	klen;
/*	const cm_ccache_ticket *ticket;
/*	const redisReply *r;
/*
/*	void	cm_ccache_invalidate(cc, key, klen)
/*	cm_ccache *cc;
/*	const char *key;
/*	size_t	klen;
/*
/*	void	cm_ccache_flush(cc)
/*	cm_ccache *cc;
/*
/*	void	cm_ccache_enable(cc, on)
/*	cm_ccache *cc;
/*	int	on;
/*
/*	void	cm_ccache_pause(cc, paused)
/*	cm_ccache *cc;
/*	int	paused;
/*
/*	int	cm_ccache_enabled(cc)
/*	cm_ccache *cc;
/*
/*	void	cm_ccache_stats(cc, out)
/*	cm_ccache *cc;
/*	cm_ccache_info *out;
/* DESCRIPTION
/*	This module keeps Redis replies (GET and HGETALL of the consent,
/*	suppression, campaign and sender keys, DESIGN.md section 3) by
/*	their Redis key, for the daemon (ConsentCache). It never decides
/*	by itself that an answer is still true: tracking(3) listens to
/*	Redis's invalidation messages and calls cm_ccache_invalidate()
/*	for every key that changed, cm_ccache_flush() when Redis was
/*	flushed, and cm_ccache_enable() as the invalidation link comes
/*	and goes. While it is disabled nothing is served or stored.
/*
/*	A read and an invalidation for the same key can cross: Redis may
/*	change the key after it answered and before the answer is stored,
/*	and the invalidation message travels on another connection. So a
/*	reader first calls cm_ccache_reserve(), which notes in *ticket
/*	the epoch (below) and the generation of the key's stripe, then
/*	sends the read, then calls cm_ccache_fill() with the ticket and
/*	the reply. Each shard has 256 stripes, and a key's invalidation
/*	counts one more in its stripe's generation, under the shard's
/*	lock, whether or not the key is cached. The reply is stored only
/*	if neither the epoch nor the generation changed meanwhile. A
/*	change of the key after its read is reported by an invalidation
/*	that is applied either before the fill (the generation changed:
/*	the reply is dropped) or after it (and removes what the fill
/*	stored); an invalidation of another key of the stripe drops the
/*	reply too, which costs one more read later, never a stale answer.
/*	Readers of the same key fill in turn; the last fill stays, until
/*	the next invalidation. cm_ccache_reserve() returns 1, or 0 (the
/*	cache is not served: do not fill); it allocates nothing and takes
/*	no lock.
/*
/*	Every flush (and every disable and enable) starts a new epoch;
/*	an entry is served and filled only in the epoch in which it was
/*	reserved, so that a reader that raced a flush cannot put back
/*	what the flush removed. An entry is also never served more than
/*	max_age_s seconds after its read was reserved (ConsentCacheMaxAge).
/*
/*	cm_ccache_get() calls use() with the cached reply of key, under
/*	the lock of the key's shard (use() must not call back into the
/*	cache), and returns 1 when there was one and use() returned 1,
/*	else 0. Only nil replies, strings, and arrays of up to 64 strings
/*	(HGETALL) are kept; errors and other replies are never stored.
/*
/*	cm_ccache_get_many() does what cm_ccache_get() does for each of
/*	n keys (keys[i].use() with keys[i].ctx), sets hit[i] to 1 for each
/*	one served and 0 for the others, and returns how many were served.
/*	It is the same as n calls, but faster: in a cache of a million
/*	people each read misses the processor's caches twice (the bucket,
/*	the entry), and one read's misses cannot overlap the next one's
/*	(each read takes a lock). A batch first asks the processor for
/*	every key's bucket, then for every entry those buckets point to,
/*	and only then takes each lock: tests/bench/cachebench, 1,750,000
/*	entries, 715 ns a read one at a time, 356 in pairs (the two
/*	records of a recipient at RCPT), 181 in batches of 200 (100
/*	recipients at end of message).
/*
/*	The cache is 64 shards, each with its own mutex, hash table and
/*	list of entries in the order they were stored, so that the worker
/*	threads of two cores seldom meet on one lock. max_bytes (memory
/*	accounted: the entry, its key and its value, plus 16 bytes of
/*	allocator overhead) and max_entries (a person takes two, consent
/*	and suppression) bound each shard at its
/*	share; 0 is no bound. Past a bound the oldest entries of the shard
/*	go, except that one served since it last came up for eviction goes
/*	back to the front instead (the "clock" approximation of least
/*	recently used): a read only marks its entry. Moving the entry to
/*	the front at every read, as a strict LRU list does, touched three
/*	other entries, which in a cache of a million people are three more
/*	cache misses: a read cost 1.06-1.16 us instead of 0.83-0.93 us
/*	(tests/bench/cachebench, 1,750,000 entries).
/*
/*	cm_ccache_pause() stops serving (and reserving) without emptying
/*	the cache, or serves again: for a link that is late but whose
/*	messages are all still to come, in order (tracking(3)).
/*
/*	cm_ccache_stats() sums the counters (cm_ccache_info).
/* DIAGNOSTICS
/*	cm_ccache_create() returns a null pointer when out of memory.
/*	Out of memory later makes an answer a miss, never an error.
/* SEE ALSO
/*	tracking(3), the invalidation link.
/*	store(3), the reader.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */

#include <hiredis/hiredis.h>

/* Application-specific. */

#include "clock.h"
#include "consentcache.h"

#define CC_SHARD_BITS	6
#define CC_SHARDS	(1 << CC_SHARD_BITS)
#define CC_MAX_ELEMS	64		/* longest array kept */
#define CC_MAX_VALUE	65536		/* largest value kept */
#define CC_MALLOC_OVER	16		/* allocator overhead, accounted */
#define CC_AVG_ENTRY	160		/* for sizing the hash tables */
#define CC_BATCH	32		/* reads of get_many() in flight */
#define CC_STRIPES	256		/* invalidation counters a shard */

#define CC_NIL		'N'
#define CC_STRING	'S'
#define CC_ARRAY	'A'

/* One entry: a cached reply. */
typedef struct cc_entry {
    struct cc_entry *hnext;		/* hash chain */
    struct cc_entry *lprev;		/* store order: head is newest */
    struct cc_entry *lnext;
    unsigned long long epoch;		/* reserved in this epoch */
    long long born;			/* reserved then (monotonic ms) */
    uint64_t hash;
    uint32_t klen;
    uint32_t vlen;
    uint32_t served;			/* since it last came up for eviction */
    char    data[];			/* key, null, value */
} cc_entry;

/* The memory an entry is accounted for: itself, key, value, allocator. */
#define CC_ENTRY_SIZE(e) \
    ((long long) sizeof(*(e)) + (e)->klen + 1 + (e)->vlen + CC_MALLOC_OVER)

typedef struct cc_shard {
    pthread_mutex_t lock;		/* protects what follows */
    cc_entry **bucket;
    size_t  mask;
    cc_entry *head;			/* most recently used */
    cc_entry *tail;			/* next to go */
    long long entries;
    long long bytes;
    long long hits;
    long long misses;
    /* Written under the lock, read without it by cm_ccache_reserve(). */
    unsigned long long gen[CC_STRIPES];	/* invalidations, by stripe */
    char    pad[64];			/* one cache line per lock */
} cc_shard;

struct cm_ccache {
    cc_shard shard[CC_SHARDS];
    long long max_bytes;		/* per shard; 0: none */
    long long max_entries;		/* per shard; 0: none */
    long long max_age_ms;
    unsigned long long epoch;		/* atomic */
    long long flushes;			/* atomic */
    int     enabled;			/* atomic */
};

/* key_hash - 64 bits, eight bytes a step, finished with a mixer */

static uint64_t key_hash(const char *key, size_t klen)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ klen;
    uint64_t w;
    size_t  i;

    /*
     * Each step is a bijection of h for a given word (xor, an odd
     * multiplier, an xor-shift): keys of one length that differ in one
     * word differ after it. For a key of 33 bytes: 74 instructions
     * where FNV-1a, a byte at a time, took 219 (callgrind, -O2).
     */
    for (i = 0; i + 8 <= klen; i += 8) {
	memcpy(&w, key + i, 8);			/* one load */
	h = (h ^ w) * 0xff51afd7ed558ccdULL;
	h ^= h >> 29;
    }
    if (i < klen) {
	for (w = 0; i < klen; i++)
	    w = (w << 8) | (unsigned char) key[i];
	h = (h ^ w) * 0xff51afd7ed558ccdULL;
	h ^= h >> 29;
    }
    /* The shard is the top bits, the bucket the low ones: mix both. */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return (h);
}

/* shard_of - the shard of a hash: its top bits (the bucket uses the low) */

static cc_shard *shard_of(cm_ccache *cc, uint64_t h)
{
    return (cc->shard + (h >> (64 - CC_SHARD_BITS)));
}

/* stripe_of - the invalidation counter of a hash in its shard */

static unsigned long long *stripe_of(cc_shard *s, uint64_t h)
{
    return (s->gen + ((h >> 32) & (CC_STRIPES - 1)));
}

/* shard_find - the link that points to key's entry, or to null */

static cc_entry **shard_find(cc_shard *s, uint64_t h, const char *key,
			             size_t klen)
{
    cc_entry **pp;

    for (pp = s->bucket + (h & s->mask); *pp; pp = &(*pp)->hnext)
	if ((*pp)->hash == h && (*pp)->klen == klen
	    && memcmp((*pp)->data, key, klen) == 0)
	    break;
    return (pp);
}

/* lru_unlink - take an entry off the shard's list */

static void lru_unlink(cc_shard *s, cc_entry *e)
{
    if (e->lprev)
	e->lprev->lnext = e->lnext;
    else
	s->head = e->lnext;
    if (e->lnext)
	e->lnext->lprev = e->lprev;
    else
	s->tail = e->lprev;
    e->lprev = e->lnext = 0;
}

/* lru_push - put an entry at the head of the shard's list */

static void lru_push(cc_shard *s, cc_entry *e)
{
    e->lprev = 0;
    e->lnext = s->head;
    if (s->head)
	s->head->lprev = e;
    else
	s->tail = e;
    s->head = e;
}

/* shard_remove - unlink and free the entry that *pp points to */

static void shard_remove(cc_shard *s, cc_entry **pp)
{
    cc_entry *e = *pp;

    /* Atomic: cm_ccache_get_many() peeks at bucket heads unlocked. */
    __atomic_store_n(pp, e->hnext, __ATOMIC_RELAXED);
    lru_unlink(s, e);
    s->entries--;
    s->bytes -= CC_ENTRY_SIZE(e);
    free(e);
}

/* shard_evict - drop the oldest unserved entries while over a bound */

static void shard_evict(cm_ccache *cc, cc_shard *s)
{
    cc_entry **pp;
    cc_entry *e;

    /*
     * Terminates: each turn either removes the tail or clears its mark,
     * and nothing marks an entry meanwhile (the shard is locked).
     */
    while ((e = s->tail) != 0
	   && ((cc->max_entries && s->entries > cc->max_entries)
	       || (cc->max_bytes && s->bytes > cc->max_bytes))) {
	if (e->served) {
	    e->served = 0;
	    lru_unlink(s, e);
	    lru_push(s, e);
	    continue;
	}
	/* Chains are short (the table is sized for the bound). */
	pp = s->bucket + (e->hash & s->mask);
	while (*pp != s->tail)
	    pp = &(*pp)->hnext;
	shard_remove(s, pp);
    }
}

/* shard_insert - link a new entry (none for its key exists) */

static void shard_insert(cm_ccache *cc, cc_shard *s, cc_entry *e)
{
    cc_entry **bp = s->bucket + (e->hash & s->mask);

    e->hnext = *bp;
    __atomic_store_n(bp, e, __ATOMIC_RELAXED);
    lru_push(s, e);
    s->entries++;
    s->bytes += CC_ENTRY_SIZE(e);
    shard_evict(cc, s);
}

/* shard_clear - free every entry of a shard */

static void shard_clear(cc_shard *s)
{
    cc_entry *e, *next;
    size_t  i;

    for (e = s->head; e; e = next) {
	next = e->lnext;
	free(e);
    }
    for (i = 0; i <= s->mask; i++)
	__atomic_store_n(s->bucket + i, (cc_entry *) 0, __ATOMIC_RELAXED);
    s->head = s->tail = 0;
    s->entries = s->bytes = 0;
}

/* entry_new - an entry with room for key and a value of vlen bytes */

static cc_entry *entry_new(uint64_t h, const char *key, size_t klen,
			           size_t vlen)
{
    cc_entry *e;

    if (klen > UINT32_MAX || (e = malloc(sizeof(*e) + klen + 1 + vlen)) == 0)
	return (0);
    memset(e, 0, sizeof(*e));
    e->hash = h;
    e->klen = (uint32_t) klen;
    e->vlen = (uint32_t) vlen;
    memcpy(e->data, key, klen);
    e->data[klen] = 0;
    return (e);
}

/* value_size - bytes to keep a reply, or 0 if it is not kept */

static size_t value_size(const redisReply *r)
{
    size_t  n, i;

    switch (r->type) {
    case REDIS_REPLY_NIL:
	return (1);
    case REDIS_REPLY_STRING:
	return (r->len < CC_MAX_VALUE ? 1 + 4 + r->len + 1 : 0);
    case REDIS_REPLY_ARRAY:
	if (r->elements > CC_MAX_ELEMS)
	    return (0);
	for (n = 1 + 4, i = 0; i < r->elements; i++) {
	    if (r->element[i]->type != REDIS_REPLY_STRING)
		return (0);
	    n += 4 + r->element[i]->len + 1;
	}
	return (n < CC_MAX_VALUE ? n : 0);
    default:
	return (0);
    }
}

/* put_string - length, bytes and a null */

static char *put_string(char *p, const char *str, size_t len)
{
    uint32_t n = (uint32_t) len;

    memcpy(p, &n, 4);
    memcpy(p + 4, str, len);
    p[4 + len] = 0;
    return (p + 4 + len + 1);
}

/* value_encode - a reply, flattened (value_size() bytes) */

static void value_encode(char *p, const redisReply *r)
{
    uint32_t n;
    size_t  i;

    switch (r->type) {
    case REDIS_REPLY_NIL:
	*p = CC_NIL;
	break;
    case REDIS_REPLY_STRING:
	*p = CC_STRING;
	(void) put_string(p + 1, r->str, r->len);
	break;
    default:					/* an array of strings */
	*p++ = CC_ARRAY;
	n = (uint32_t) r->elements;
	memcpy(p, &n, 4);
	p += 4;
	for (i = 0; i < r->elements; i++)
	    p = put_string(p, r->element[i]->str, r->element[i]->len);
	break;
    }
}

/* get_string - a string element back, pointing into the value */

static const char *get_string(const char *p, redisReply *r)
{
    uint32_t n;

    memcpy(&n, p, 4);
    memset(r, 0, sizeof(*r));
    r->type = REDIS_REPLY_STRING;
    r->len = n;
    r->str = (char *) p + 4;
    return (p + 4 + n + 1);
}

/* value_use - rebuild the reply on the stack and hand it to use() */

static int value_use(const cc_entry *e, cm_ccache_use_fn use, void *ctx)
{
    const char *p = e->data + e->klen + 1;
    redisReply top;
    redisReply elem[CC_MAX_ELEMS];
    redisReply *ptr[CC_MAX_ELEMS];
    uint32_t n, i;

    memset(&top, 0, sizeof(top));
    switch (*p) {
    case CC_NIL:
	top.type = REDIS_REPLY_NIL;
	break;
    case CC_STRING:
	(void) get_string(p + 1, &top);
	break;
    default:
	memcpy(&n, p + 1, 4);
	p += 5;
	for (i = 0; i < n; i++) {
	    p = get_string(p, elem + i);
	    ptr[i] = elem + i;
	}
	top.type = REDIS_REPLY_ARRAY;
	top.elements = n;
	top.element = ptr;
	break;
    }
    return (use(&top, ctx));
}

/* cm_ccache_create - an empty, disabled cache */

cm_ccache *cm_ccache_create(long long max_bytes, long long max_entries,
			            int max_age_s)
{
    cm_ccache *cc;
    long long per;
    size_t  buckets = 16;
    int     i;

    if ((cc = calloc(1, sizeof(*cc))) == 0)
	return (0);
    cc->max_bytes = max_bytes > 0 ? (max_bytes + CC_SHARDS - 1) / CC_SHARDS : 0;
    cc->max_entries = max_entries > 0 ?
	(max_entries + CC_SHARDS - 1) / CC_SHARDS : 0;
    cc->max_age_ms = (max_age_s > 0 ? max_age_s : 3600) * 1000LL;
    cc->epoch = 1;
    per = cc->max_entries ? cc->max_entries
	: cc->max_bytes ? cc->max_bytes / CC_AVG_ENTRY : 1024;
    while ((long long) buckets < per && buckets < (1 << 24))
	buckets <<= 1;
    for (i = 0; i < CC_SHARDS; i++) {
	if ((cc->shard[i].bucket = calloc(buckets, sizeof(cc_entry *))) == 0
	    || pthread_mutex_init(&cc->shard[i].lock, 0) != 0) {
	    free(cc->shard[i].bucket);
	    while (--i >= 0) {
		pthread_mutex_destroy(&cc->shard[i].lock);
		free(cc->shard[i].bucket);
	    }
	    free(cc);
	    return (0);
	}
	cc->shard[i].mask = buckets - 1;
    }
    return (cc);
}

/* cm_ccache_free - free every entry and the cache */

void    cm_ccache_free(cm_ccache *cc)
{
    int     i;

    if (cc == 0)
	return;
    for (i = 0; i < CC_SHARDS; i++) {
	shard_clear(cc->shard + i);
	pthread_mutex_destroy(&cc->shard[i].lock);
	free(cc->shard[i].bucket);
    }
    free(cc);
}

/* epoch_now - the current epoch */

static unsigned long long epoch_now(cm_ccache *cc)
{
    return (__atomic_load_n(&cc->epoch, __ATOMIC_ACQUIRE));
}

/* cm_ccache_pause - stop or resume serving, keeping what is cached */

void    cm_ccache_pause(cm_ccache *cc, int paused)
{
    __atomic_store_n(&cc->enabled, !paused, __ATOMIC_RELEASE);
}

/* cm_ccache_enabled - is the cache served */

int     cm_ccache_enabled(cm_ccache *cc)
{
    return (__atomic_load_n(&cc->enabled, __ATOMIC_ACQUIRE));
}

/* shard_get - cm_ccache_get() of a hashed key, at time now */

static int shard_get(cm_ccache *cc, uint64_t h, const char *key, size_t klen,
		             long long now, cm_ccache_use_fn use, void *ctx)
{
    cc_shard *s = shard_of(cc, h);
    cc_entry **pp, *e;
    int     hit = 0;

    pthread_mutex_lock(&s->lock);
    if ((e = *(pp = shard_find(s, h, key, klen))) != 0) {
	if (e->epoch != epoch_now(cc) || now - e->born >= cc->max_age_ms) {
	    shard_remove(s, pp);		/* too old: never served again */
	} else if ((hit = value_use(e, use, ctx)) != 0 && !e->served) {
	    e->served = 1;			/* a second chance; see above */
	}
    }
    if (hit)
	s->hits++;
    else
	s->misses++;
    pthread_mutex_unlock(&s->lock);
    return (hit);
}

/* cm_ccache_get - hand a current cached reply to use() */

int     cm_ccache_get(cm_ccache *cc, const char *key, size_t klen,
		              cm_ccache_use_fn use, void *ctx)
{
    if (!cm_ccache_enabled(cc))
	return (0);
    return (shard_get(cc, key_hash(key, klen), key, klen, cm_time_mono_ms(),
		      use, ctx));
}

/* cm_ccache_get_many - cm_ccache_get() of many keys, their loads overlapped */

size_t  cm_ccache_get_many(cm_ccache *cc, const cm_ccache_key *keys,
			           size_t n, unsigned char *hit)
{
    uint64_t h[CC_BATCH];
    cc_shard *s;
    cc_entry *e;
    long long now;
    size_t  base, m, i, hits = 0;

    memset(hit, 0, n);
    if (n == 0 || !cm_ccache_enabled(cc))
	return (0);
    now = cm_time_mono_ms();
    for (base = 0; base < n; base += m) {
	m = n - base < CC_BATCH ? n - base : CC_BATCH;

	/*
	 * A read misses the processor's caches twice, bucket and entry,
	 * and the shard's lock keeps one read's misses from overlapping
	 * the next one's. So first ask for every bucket (their address
	 * never changes), then for every entry a bucket points to now
	 * (a hint only: it may be gone by the time it is read, under
	 * the lock, and a prefetch of freed memory is harmless).
	 */
	for (i = 0; i < m; i++) {
	    h[i] = key_hash(keys[base + i].key, keys[base + i].len);
	    s = shard_of(cc, h[i]);
	    __builtin_prefetch(s->bucket + (h[i] & s->mask));
	}
	for (i = 0; i < m; i++) {
	    s = shard_of(cc, h[i]);
	    e = __atomic_load_n(s->bucket + (h[i] & s->mask), __ATOMIC_RELAXED);
	    if (e != 0) {
		__builtin_prefetch(e);
		__builtin_prefetch((char *) e + 64);
		__builtin_prefetch((char *) e + 128);
	    }
	}
	for (i = 0; i < m; i++)
	    if ((hit[base + i] = shard_get(cc, h[i], keys[base + i].key,
					   keys[base + i].len, now,
					   keys[base + i].use,
					   keys[base + i].ctx)) != 0)
		hits++;
    }
    return (hits);
}

/* cm_ccache_reserve - note what a read must find unchanged to be kept */

int     cm_ccache_reserve(cm_ccache *cc, const char *key, size_t klen,
			          cm_ccache_ticket *t)
{
    cc_shard *s;

    t->epoch = 0;
    if (!cm_ccache_enabled(cc))
	return (0);
    t->hash = key_hash(key, klen);
    t->born = cm_time_mono_ms();
    s = shard_of(cc, t->hash);

    /*
     * Both before the read is sent (the caller's send is a system call
     * after this): an invalidation applied since is seen by the fill.
     */
    t->gen = __atomic_load_n(stripe_of(s, t->hash), __ATOMIC_ACQUIRE);
    t->epoch = epoch_now(cc);
    return (1);
}

/* shard_invalidate - count an invalidation of a hashed key, drop its entry */

static void shard_invalidate(cm_ccache *cc, uint64_t h, const char *key,
			             size_t klen)
{
    cc_shard *s = shard_of(cc, h);
    unsigned long long *gen = stripe_of(s, h);
    cc_entry **pp;

    pthread_mutex_lock(&s->lock);
    __atomic_store_n(gen, *gen + 1, __ATOMIC_RELEASE);
    if (*(pp = shard_find(s, h, key, klen)) != 0)
	shard_remove(s, pp);
    pthread_mutex_unlock(&s->lock);
}

/* cm_ccache_fill - keep a reply, if nothing changed since reserve */

void    cm_ccache_fill(cm_ccache *cc, const char *key, size_t klen,
		               const cm_ccache_ticket *t, const redisReply *r)
{
    cc_shard *s;
    cc_entry **pp, *e;
    size_t  vlen;

    if (t->epoch == 0)
	return;
    /* A reply that is not kept is a doubt about what is. */
    if ((vlen = value_size(r)) == 0
	|| (e = entry_new(t->hash, key, klen, vlen)) == 0) {
	shard_invalidate(cc, t->hash, key, klen);
	return;
    }
    value_encode(e->data + klen + 1, r);
    /* The answer was true when the read was reserved, not later. */
    e->born = t->born;
    e->epoch = t->epoch;
    s = shard_of(cc, t->hash);
    pthread_mutex_lock(&s->lock);
    if (*stripe_of(s, t->hash) == t->gen && t->epoch == epoch_now(cc)) {
	if (*(pp = shard_find(s, t->hash, key, klen)) != 0)
	    shard_remove(s, pp);		/* another reader's */
	shard_insert(cc, s, e);
	e = 0;
    }
    pthread_mutex_unlock(&s->lock);
    free(e);
}

/* cm_ccache_invalidate - Redis says key changed */

void    cm_ccache_invalidate(cm_ccache *cc, const char *key, size_t klen)
{
    shard_invalidate(cc, key_hash(key, klen), key, klen);
}

/* cm_ccache_flush - forget everything; a new epoch */

void    cm_ccache_flush(cm_ccache *cc)
{
    int     i;

    /* First the epoch: a reserve that follows cannot be filled before. */
    __atomic_add_fetch(&cc->epoch, 1, __ATOMIC_ACQ_REL);
    __atomic_add_fetch(&cc->flushes, 1, __ATOMIC_RELAXED);
    for (i = 0; i < CC_SHARDS; i++) {
	pthread_mutex_lock(&cc->shard[i].lock);
	shard_clear(cc->shard + i);
	pthread_mutex_unlock(&cc->shard[i].lock);
    }
}

/* cm_ccache_enable - serve (the link is healthy) or not (any doubt) */

void    cm_ccache_enable(cm_ccache *cc, int on)
{
    if (!on)
	__atomic_store_n(&cc->enabled, 0, __ATOMIC_RELEASE);
    cm_ccache_flush(cc);
    if (on)
	__atomic_store_n(&cc->enabled, 1, __ATOMIC_RELEASE);
}

/* cm_ccache_stats - the counters, summed over the shards */

void    cm_ccache_stats(cm_ccache *cc, cm_ccache_info *out)
{
    cc_shard *s;
    int     i;

    memset(out, 0, sizeof(*out));
    for (i = 0; i < CC_SHARDS; i++) {
	s = cc->shard + i;
	pthread_mutex_lock(&s->lock);
	out->entries += s->entries;
	out->bytes += s->bytes;
	out->hits += s->hits;
	out->misses += s->misses;
	pthread_mutex_unlock(&s->lock);
    }
    out->flushes = __atomic_load_n(&cc->flushes, __ATOMIC_RELAXED);
    out->enabled = cm_ccache_enabled(cc);
}
