/*++
/* NAME
/*	ratelimit 3
/* SUMMARY
/*	per-client request limit in bounded memory
/* SYNOPSIS
/*	#include "ratelimit.h"
/*
/*	cm_ratelimit *cm_ratelimit_create(per_minute, clients)
/*	int	per_minute;
/*	size_t	clients;
/*
/*	void	cm_ratelimit_free(rl)
/*	cm_ratelimit *rl;
/*
/*	int	cm_ratelimit_take(rl, client, now_ms, retry_after)
/*	cm_ratelimit *rl;
/*	const char *client;
/*	long long now_ms;
/*	int	*retry_after;
/*
/*	size_t	cm_ratelimit_key(client, key)
/*	const char *client;
/*	unsigned char key[CM_RATELIMIT_KEY];
/*
/*	size_t	cm_ratelimit_bytes(rl)
/*	const cm_ratelimit *rl;
/* DESCRIPTION
/*	consent-unsubscribe(8) limits the requests of each client to
/*	UnsubscribeRateLimit a minute (never fewer than
/*	CM_RATELIMIT_FLOOR, so that no person and no mailbox provider
/*	that retries is refused).
/*
/*	A client is an IPv4 address, or an IPv6 /64: one IPv6 host
/*	commonly owns a whole /64, and counting its addresses one by one
/*	would give it 2^64 budgets. An IPv4-mapped IPv6 address counts
/*	as the IPv4 address. A text that is no address at all (a unix
/*	socket peer) is one client.
/*
/*	Each client has a token bucket: it holds up to a minute's worth
/*	of requests and refills at per_minute/60 a second, so a burst is
/*	allowed and the long-run rate is the limit.
/*
/*	Memory is bounded: the buckets live in a table of a fixed
/*	number of entries (clients, rounded up to a power of two; sets of
/*	CM_RATELIMIT_WAYS entries chosen by a hash keyed with a random
/*	secret, so that nobody can aim a flood of addresses at another
/*	client's set). A new client takes a free entry of its set, else
/*	one whose bucket has refilled (it says nothing any more), else the
/*	one seen least recently: with more clients active at once than
/*	the table holds, the quietest ones start afresh. That lets a
/*	client that controls very many addresses get more than the limit;
/*	so does owning many /64s. The limit keeps single clients and
/*	careless retry loops in check; it is no defence against a
/*	distributed attack, which the proxy in front must meet.
/*
/*	cm_ratelimit_take() counts one request of client at now_ms
/*	(monotonic milliseconds) and returns 1 when it is allowed, or 0
/*	with *retry_after set to the seconds (at least 1) until the next
/*	one will be.
/*
/*	cm_ratelimit_key() is the client key of an address text (for the
/*	tests), and its length. cm_ratelimit_bytes() is the memory that
/*	the table takes, fixed at creation.
/*
/*	The functions are thread-safe.
/* DIAGNOSTICS
/*	cm_ratelimit_create() returns NULL when out of memory.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* Application-specific. */

#include "ratelimit.h"

#define CM_RATELIMIT_WAYS	8	/* entries per set */
#define MILLI			1000LL	/* tokens are counted in milli-tokens */

typedef struct cm_rl_entry {
    unsigned char key[CM_RATELIMIT_KEY];
    unsigned char keylen;		/* 0: free */
    long long seen_ms;			/* last request */
    long long tokens;			/* milli-tokens at seen_ms */
} cm_rl_entry;

struct cm_ratelimit {
    pthread_mutex_t lock;
    long long capacity;			/* milli-tokens: a minute's worth */
    int     per_minute;
    size_t  sets;			/* a power of two */
    uint64_t k0, k1;			/* hash key */
    cm_rl_entry *table;			/* sets * CM_RATELIMIT_WAYS */
};

/* rotl - rotate a 64-bit word left */

static uint64_t rotl(uint64_t x, int b)
{
    return ((x << b) | (x >> (64 - b)));
}

/* sipround - one SipHash round */

#define SIPROUND(v0, v1, v2, v3) do { \
	v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32); \
	v2 += v3; v3 = rotl(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = rotl(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32); \
    } while (0)

/* siphash - SipHash-2-4 of a short key (at most CM_RATELIMIT_KEY bytes) */

static uint64_t siphash(uint64_t k0, uint64_t k1, const unsigned char *m,
			        size_t len)
{
    uint64_t v0 = k0 ^ 0x736f6d6570736575ULL;
    uint64_t v1 = k1 ^ 0x646f72616e646f6dULL;
    uint64_t v2 = k0 ^ 0x6c7967656e657261ULL;
    uint64_t v3 = k1 ^ 0x7465646279746573ULL;
    uint64_t w;
    size_t  i, j;
    unsigned char last[8];

    /*
     * The keyed hash picks a client's set: without the secret, nobody
     * can choose addresses that crowd out another client's entry.
     */
    for (i = 0; i + 8 <= len; i += 8) {
	for (w = 0, j = 0; j < 8; j++)
	    w |= (uint64_t) m[i + j] << (8 * j);
	v3 ^= w;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= w;
    }
    memset(last, 0, sizeof(last));
    memcpy(last, m + i, len - i);
    for (w = (uint64_t) len << 56, j = 0; j < 7; j++)
	w |= (uint64_t) last[j] << (8 * j);
    v3 ^= w;
    SIPROUND(v0, v1, v2, v3);
    SIPROUND(v0, v1, v2, v3);
    v0 ^= w;
    v2 ^= 0xff;
    for (j = 0; j < 4; j++)
	SIPROUND(v0, v1, v2, v3);
    return (v0 ^ v1 ^ v2 ^ v3);
}

/* random_key - a secret for the hash; the clock only if getrandom fails */

static void random_key(uint64_t *k0, uint64_t *k1)
{
    uint64_t k[2];
    struct timespec ts;

    if (getrandom(k, sizeof(k), 0) != (ssize_t) sizeof(k)) {
	(void) clock_gettime(CLOCK_REALTIME, &ts);
	k[0] = (uint64_t) ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^ (uint64_t) getpid();
	k[1] = (uint64_t) ts.tv_sec * 0xbf58476d1ce4e5b9ULL ^ (uintptr_t) k;
    }
    *k0 = k[0];
    *k1 = k[1];
}

/* cm_ratelimit_key - the client key: IPv4 address, IPv6 /64, or text */

size_t  cm_ratelimit_key(const char *client, unsigned char key[CM_RATELIMIT_KEY])
{
    struct in_addr a4;
    struct in6_addr a6;
    static const unsigned char mapped[12] =
    {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    size_t  len;

    memset(key, 0, CM_RATELIMIT_KEY);
    if (client == 0)
	client = "";
    if (inet_pton(AF_INET, client, &a4) == 1) {
	key[0] = 4;
	memcpy(key + 1, &a4, 4);
	return (5);
    }
    if (inet_pton(AF_INET6, client, &a6) == 1) {
	if (memcmp(a6.s6_addr, mapped, sizeof(mapped)) == 0) {
	    key[0] = 4;
	    memcpy(key + 1, a6.s6_addr + 12, 4);
	    return (5);
	}
	key[0] = 6;
	memcpy(key + 1, a6.s6_addr, 8);		/* the /64 */
	return (9);
    }

    /* Not an address (a unix socket peer): the text, cut, is the key. */
    key[0] = 'T';
    len = strlen(client);
    if (len > CM_RATELIMIT_KEY - 1)
	len = CM_RATELIMIT_KEY - 1;
    memcpy(key + 1, client, len);
    return (len + 1);
}

/* cm_ratelimit_create - a table for this many clients */

cm_ratelimit *cm_ratelimit_create(int per_minute, size_t clients)
{
    cm_ratelimit *rl;
    size_t  sets = 1;

    if ((rl = calloc(1, sizeof(*rl))) == 0)
	return (0);
    if (per_minute < CM_RATELIMIT_FLOOR)
	per_minute = CM_RATELIMIT_FLOOR;
    if (clients == 0)
	clients = CM_RATELIMIT_CLIENTS;
    while (sets * CM_RATELIMIT_WAYS < clients && sets < ((size_t) 1 << 24))
	sets <<= 1;
    if ((rl->table = calloc(sets * CM_RATELIMIT_WAYS,
			    sizeof(*rl->table))) == 0) {
	free(rl);
	return (0);
    }
    rl->sets = sets;
    rl->per_minute = per_minute;
    rl->capacity = (long long) per_minute * MILLI;
    random_key(&rl->k0, &rl->k1);
    (void) pthread_mutex_init(&rl->lock, (pthread_mutexattr_t *) 0);
    return (rl);
}

/* cm_ratelimit_free - release the table */

void    cm_ratelimit_free(cm_ratelimit *rl)
{
    if (rl == 0)
	return;
    (void) pthread_mutex_destroy(&rl->lock);
    free(rl->table);
    free(rl);
}

/* cm_ratelimit_bytes - the memory the limiter holds */

size_t  cm_ratelimit_bytes(const cm_ratelimit *rl)
{
    return (sizeof(*rl) + rl->sets * CM_RATELIMIT_WAYS * sizeof(*rl->table));
}

/* refill - the bucket of e at now_ms */

static long long refill(const cm_ratelimit *rl, const cm_rl_entry *e,
			        long long now_ms)
{
    long long elapsed = now_ms - e->seen_ms;
    long long tokens;

    if (elapsed < 0)
	elapsed = 0;
    /* per_minute/60000 tokens a millisecond, in milli-tokens. */
    if (elapsed >= 60000)
	return (rl->capacity);
    tokens = e->tokens + elapsed * rl->per_minute / 60;
    return (tokens > rl->capacity ? rl->capacity : tokens);
}

/* cm_ratelimit_take - count one request; 1: allowed, 0: wait retry_after s */

int     cm_ratelimit_take(cm_ratelimit *rl, const char *client,
			          long long now_ms, int *retry_after)
{
    unsigned char key[CM_RATELIMIT_KEY];
    size_t  keylen = cm_ratelimit_key(client, key);
    cm_rl_entry *set, *e = 0, *victim = 0;
    long long tokens, need;
    int     i, ok;

    (void) pthread_mutex_lock(&rl->lock);
    set = rl->table + (siphash(rl->k0, rl->k1, key, keylen) & (rl->sets - 1))
	* CM_RATELIMIT_WAYS;
    for (i = 0; i < CM_RATELIMIT_WAYS; i++) {
	if (set[i].keylen == keylen && memcmp(set[i].key, key, keylen) == 0) {
	    e = set + i;
	    break;
	}
    }
    if (e == 0) {
	/* A free entry, else one that forgot nothing, else the quietest. */
	for (i = 0; i < CM_RATELIMIT_WAYS && victim == 0; i++)
	    if (set[i].keylen == 0)
		victim = set + i;
	for (i = 0; i < CM_RATELIMIT_WAYS && victim == 0; i++)
	    if (refill(rl, set + i, now_ms) >= rl->capacity)
		victim = set + i;
	if (victim == 0) {
	    victim = set;
	    for (i = 1; i < CM_RATELIMIT_WAYS; i++)
		if (set[i].seen_ms < victim->seen_ms)
		    victim = set + i;
	}
	e = victim;
	memcpy(e->key, key, CM_RATELIMIT_KEY);
	e->keylen = (unsigned char) keylen;
	e->tokens = rl->capacity;
	e->seen_ms = now_ms;
    }
    tokens = refill(rl, e, now_ms);
    e->seen_ms = now_ms;
    if (tokens >= MILLI) {
	e->tokens = tokens - MILLI;
	ok = 1;
    } else {
	e->tokens = tokens;
	ok = 0;
	/* Seconds until a whole token, rounded up. */
	need = MILLI - tokens;
	*retry_after = (int) ((need * 60 + (long long) rl->per_minute * 1000 - 1)
			      / ((long long) rl->per_minute * 1000));
	if (*retry_after < 1)
	    *retry_after = 1;
    }
    (void) pthread_mutex_unlock(&rl->lock);
    return (ok);
}
