/*++
/* NAME
/*	cache 3
/* SUMMARY
/*	short-lived cache of campaign records and sender mappings
/* SYNOPSIS
/*	#include "cache.h"
/*
/*	cm_cache *cm_cache_create(slots, ttl_ms)
/*	int	slots;
/*	int	ttl_ms;
/*
/*	void	cm_cache_free(cache)
/*	cm_cache *cache;
/*
/*	long long cm_cache_now()
/*
/*	int	cm_cache_get_sender(cache, sender, campaign, size, found)
/*	cm_cache *cache;
/*	const char *sender;
/*	char	*campaign;
/*	size_t	size;
/*	int	*found;
/*
/*	void	cm_cache_put_sender(cache, sender, campaign, since)
/*	cm_cache *cache;
/*	const char *sender;
/*	const char *campaign;
/*	long long since;
/*
/*	int	cm_cache_get_campaign(cache, id, camp)
/*	cm_cache *cache;
/*	const char *id;
/*	cm_campaign *camp;
/*
/*	void	cm_cache_put_campaign(cache, id, camp, since)
/*	cm_cache *cache;
/*	const char *id;
/*	const cm_campaign *camp;
/*	long long since;
/* DESCRIPTION
/*	Every message of a campaign needs the same campaign record
/*	(Pcampaign:) and, for an envelope campaign, the same sender
/*	mapping (Psender:). This module keeps those answers for at most
/*	ttl_ms milliseconds, so that the daemon asks Redis for them about
/*	once a second instead of once a message. Consent records are
/*	never cached: they are what a withdrawal changes.
/*
/*	cm_cache_create() makes two tables (senders and campaigns) of
/*	slots entries each (rounded up to a power of two). A table is
/*	direct-mapped: an answer evicts whatever else hashed to its slot.
/*	Memory is fixed at creation, so a flood of distinct senders (each
/*	ordinary message may have its own) costs lookups, never memory,
/*	and cannot push a busy campaign out for longer than one lookup.
/*	A cache may be shared by any number of threads.
/*
/*	cm_cache_now() is the clock of the cache (monotonic milliseconds).
/*	A caller reads it before it asks Redis, and passes it as since
/*	when it stores the answer: the answer then expires ttl_ms after
/*	the question, so what the cache returns was true at most ttl_ms
/*	ago however long Redis took.
/*
/*	cm_cache_put_sender() remembers that sender maps to campaign, or
/*	that it maps to nothing (a null campaign). cm_cache_get_sender()
/*	returns 1 and sets *found (and campaign, size bytes with the null)
/*	when a fresh answer is known, else 0. An answer that does not fit
/*	in size bytes is not returned: the caller asks Redis, and reports
/*	the error that Redis's answer gives.
/*
/*	cm_cache_put_campaign() remembers a campaign record as
/*	cm_store_fetch() returned it (camp->found 0: no such campaign).
/*	cm_cache_get_campaign() returns 1 and a deep copy in *camp (the
/*	caller frees it with cm_campaign_clear()), or 0 and a cleared
/*	*camp.
/*
/*	Callers store only answers that Redis gave: never a store error.
/*	Keys too long for a slot (over CM_ADDR_MAX or CM_CAMPAIGN_ID_MAX
/*	bytes) are not cached.
/* DIAGNOSTICS
/*	cm_cache_create() returns a null pointer when out of memory. Out
/*	of memory later makes an answer a miss, never an error.
/* SEE ALSO
/*	store(3), the only user.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Application-specific. */

#include "address.h"
#include "cache.h"
#include "campaign.h"
#include "clock.h"

/* One cached answer. */
typedef struct cache_slot {
    long long expires;			/* 0: empty (cm_cache_now() > 0) */
    char    key[CM_ID_SIZE];
    union {
	struct {			/* sender table */
	    int     found;
	    char    campaign[CM_CAMPAIGN_ID_MAX + 1];
	}       snd;
	cm_campaign camp;		/* campaign table; owns senders */
    }       v;
} cache_slot;

typedef struct cache_table {
    pthread_mutex_t lock;		/* protects the slots */
    cache_slot *slot;
    size_t  mask;			/* slot count - 1 */
    size_t  key_max;			/* longest key, without the null */
} cache_table;

struct cm_cache {
    cache_table senders;
    cache_table campaigns;
    int     ttl_ms;
};

/* cm_cache_now - monotonic milliseconds: immune to clock changes */

long long cm_cache_now(void)
{
    /* Never 0, which marks an empty slot. */
    return (cm_time_mono_ms() + 1);
}

/* table_init - allocate a table of count slots (a power of two) */

static int table_init(cache_table *t, size_t count, size_t key_max)
{
    if ((t->slot = calloc(count, sizeof(*t->slot))) == 0)
	return (-1);
    if (pthread_mutex_init(&t->lock, 0) != 0) {
	free(t->slot);
	t->slot = 0;
	return (-1);
    }
    t->mask = count - 1;
    t->key_max = key_max;
    return (0);
}

/* table_free - free a table; campaign slots own their senders list */

static void table_free(cache_table *t, int campaigns)
{
    size_t  i;

    if (t->slot == 0)
	return;
    if (campaigns)
	for (i = 0; i <= t->mask; i++)
	    free(t->slot[i].v.camp.senders);
    free(t->slot);
    pthread_mutex_destroy(&t->lock);
}

/* table_slot - the slot of a key (FNV-1a), or null if it cannot fit */

static cache_slot *table_slot(const cache_table *t, const char *key)
{
    uint64_t h = 14695981039346656037ULL;
    const unsigned char *p;

    for (p = (const unsigned char *) key; *p; p++) {
	h ^= *p;
	h *= 1099511628211ULL;
    }
    if ((size_t) (p - (const unsigned char *) key) > t->key_max)
	return (0);
    return (t->slot + (h & t->mask));
}

/* slot_fresh - does a slot hold a fresh answer for this key */

static int slot_fresh(const cache_slot *s, const char *key, long long now)
{
    return (s->expires > now && strcmp(s->key, key) == 0);
}

/* cm_cache_create - two fixed tables; nothing is allocated later */

cm_cache *cm_cache_create(int slots, int ttl_ms)
{
    cm_cache *cache;
    size_t  count = 1;

    while (count < (size_t) (slots > 0 ? slots : 1))
	count <<= 1;
    if ((cache = calloc(1, sizeof(*cache))) == 0)
	return (0);
    cache->ttl_ms = ttl_ms;
    if (table_init(&cache->senders, count, CM_ID_SIZE - 1) < 0
	|| table_init(&cache->campaigns, count, CM_CAMPAIGN_ID_MAX) < 0) {
	cm_cache_free(cache);
	return (0);
    }
    return (cache);
}

/* cm_cache_free - free the tables */

void    cm_cache_free(cm_cache *cache)
{
    if (cache == 0)
	return;
    table_free(&cache->senders, 0);
    table_free(&cache->campaigns, 1);
    free(cache);
}

/* cm_cache_get_sender - a fresh sender mapping, if known */

int     cm_cache_get_sender(cm_cache *cache, const char *sender,
			            char *campaign, size_t size, int *found)
{
    cache_table *t = &cache->senders;
    cache_slot *s;
    long long now = cm_cache_now();
    int     hit = 0;

    if ((s = table_slot(t, sender)) == 0)
	return (0);
    pthread_mutex_lock(&t->lock);
    if (slot_fresh(s, sender, now)
	&& (!s->v.snd.found || strlen(s->v.snd.campaign) < size)) {
	if ((*found = s->v.snd.found) != 0)
	    strcpy(campaign, s->v.snd.campaign);
	hit = 1;
    }
    pthread_mutex_unlock(&t->lock);
    return (hit);
}

/* cm_cache_put_sender - remember a sender mapping (null: none) */

void    cm_cache_put_sender(cm_cache *cache, const char *sender,
			            const char *campaign, long long since)
{
    cache_table *t = &cache->senders;
    long long expires = since + cache->ttl_ms;
    cache_slot *s;

    if ((s = table_slot(t, sender)) == 0
	|| (campaign && strlen(campaign) > CM_CAMPAIGN_ID_MAX))
	return;
    pthread_mutex_lock(&t->lock);
    /* Two lookups raced: keep the answer that lives longer. */
    if (!(strcmp(s->key, sender) == 0 && s->expires >= expires)) {
	strcpy(s->key, sender);
	s->v.snd.found = (campaign != 0);
	strcpy(s->v.snd.campaign, campaign ? campaign : "");
	s->expires = expires;
    }
    pthread_mutex_unlock(&t->lock);
}

/* cm_cache_get_campaign - a fresh campaign record, copied */

int     cm_cache_get_campaign(cm_cache *cache, const char *id,
			              cm_campaign *camp)
{
    cache_table *t = &cache->campaigns;
    cache_slot *s;
    long long now = cm_cache_now();
    int     hit = 0;

    memset(camp, 0, sizeof(*camp));
    if ((s = table_slot(t, id)) == 0)
	return (0);
    pthread_mutex_lock(&t->lock);
    if (slot_fresh(s, id, now)) {
	*camp = s->v.camp;
	camp->senders = 0;
	hit = (s->v.camp.senders == 0
	       || (camp->senders = strdup(s->v.camp.senders)) != 0);
    }
    pthread_mutex_unlock(&t->lock);
    if (!hit)
	memset(camp, 0, sizeof(*camp));
    return (hit);
}

/* cm_cache_put_campaign - remember a campaign record, or its absence */

void    cm_cache_put_campaign(cm_cache *cache, const char *id,
			              const cm_campaign *camp, long long since)
{
    cache_table *t = &cache->campaigns;
    long long expires = since + cache->ttl_ms;
    cache_slot *s;
    char   *senders = 0;
    char   *old;

    if ((s = table_slot(t, id)) == 0
	|| (camp->senders && (senders = strdup(camp->senders)) == 0))
	return;
    pthread_mutex_lock(&t->lock);
    if (strcmp(s->key, id) == 0 && s->expires >= expires) {
	pthread_mutex_unlock(&t->lock);
	free(senders);
	return;
    }
    /* Swap under the lock; free the old list outside it. */
    old = s->v.camp.senders;
    strcpy(s->key, id);
    s->v.camp = *camp;
    s->v.camp.senders = senders;
    s->expires = expires;
    pthread_mutex_unlock(&t->lock);
    free(old);
}
