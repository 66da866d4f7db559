/*++
/* NAME
/*	store_cache 3
/* SUMMARY
/*	consent store (Redis): the consent cache's glue
/* SYNOPSIS
/*	#include "store_impl.h"
/*
/*	int	cm_store_start(st)
/*	cm_store *st;
/*
/*	void	cm_store_cache_info(st, out)
/*	cm_store *st;
/*	cm_store_cache_state *out;
/*
/*	void	store_cache_doubt(st)
/*	cm_store *st;
/*
/*	int	store_cache_fetch(st, req, err, errlen)
/*	cm_store *st;
/*	struct fetch_req *req;
/*	char	*err;
/*	size_t	errlen;
/*
/*	int	store_cache_sender(st, kb, sender, campaign, size, found,
/*				ticket)
/*	cm_store *st;
/*	keybuf	*kb;
/*	const char *sender;
/*	char	*campaign;
/*	size_t	size;
/*	int	*found;
/*	cm_ccache_ticket *ticket;
/* DESCRIPTION
/*	This module is the part of store(3) that consults and fills the
/*	consent cache (consentcache(3), ConsentCache, DESIGN.md section
/*	12), kept honest by its invalidation link (tracking(3)). store(3)
/*	describes what a caller sees.
/*
/*	cm_store_start() starts the link's thread: call it after the
/*	daemon detached. cm_store_cache_info() tells the cache's state
/*	(all zero without one).
/*
/*	store_cache_doubt() empties the cache after a failed read: a sign
/*	that Redis may have lost track of what it promised to report.
/*
/*	store_cache_fetch() runs a fetch (store_fetch(3)) through the
/*	cache: each command is answered from the cache or its read is
/*	reserved, the rest is sent, and each reply to a reserved read is
/*	kept if nothing changed meanwhile (store_fetch.c, fetch_take()).
/*	The recipients' records are looked up together, in one
/*	cm_ccache_get_many(), so that the memory misses of a large cache
/*	overlap (consentcache(3)).
/*	Recipients' records are taken from the cache only when the
/*	campaign record is known before the fetch (cached, or the
/*	caller's): its purpose names the field.
/*
/*	store_cache_sender() answers a sender lookup from the cache into
/*	campaign and *found, or reserves its read in *ticket (epoch 0:
/*	none) and leaves the key Psender:<sender> in kb for the caller's
/*	read and cm_ccache_fill().
/*
/*	A lookup does not use the cache while the invalidation link is
/*	down or has a change message not yet applied (cm_tracker_pending()),
/*	nor while the pool reads from the primary in place of RedisReplica
/*	(cm_redis_pool_standin()): the link listens to the replica, and
/*	the primary's changes reach a replica that lost its primary
/*	never. Answers that such a stand-in read are not kept either
/*	(store_fetch.c, cm_redis_pool_standin_run()).
/* DIAGNOSTICS
/*	store_cache_fetch() returns -1 with a reason in err.
/*	store_cache_sender() returns 1 when the cache answered, 0 when
/*	not, -1 when out of memory (kb owns no new memory then).
/* SEE ALSO
/*	store(3), the store's interface.
/*	consentcache(3), the cache.
/*	tracking(3), the invalidation link.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdlib.h>
#include <string.h>

/* Utility library. */

#include <hiredis/hiredis.h>

/* Application-specific. */

#include "consentcache.h"
#include "record.h"
#include "schema.h"
#include "store.h"
#include "store_impl.h"
#include "tracking.h"

/* cm_store_start - start the consent cache's invalidation link */

int     cm_store_start(cm_store *st)
{
    return (st->tracker ? cm_tracker_start(st->tracker) : 0);
}

/* cm_store_cache_info - the consent cache's state, for metrics */

void    cm_store_cache_info(cm_store *st, cm_store_cache_state *out)
{
    cm_ccache_info cs;

    memset(out, 0, sizeof(*out));
    if (st->ccache == 0)
	return;
    cm_ccache_stats(st->ccache, &cs);
    out->configured = 1;
    out->enabled = cs.enabled;
    out->entries = cs.entries;
    out->bytes = cs.bytes;
    out->hits = cs.hits;
    out->misses = cs.misses;
    out->flushes = cs.flushes;
}

/* store_cache_doubt - Redis may have lost track: empty the cache */

void    store_cache_doubt(cm_store *st)
{
    if (st->ccache)
	cm_ccache_flush(st->ccache);
}

/* cache_active - is the consent cache served now */

static int cache_active(cm_store *st)
{
    if (st->ccache == 0 || !cm_ccache_enabled(st->ccache))
	return (0);
    /* An invalidation arrived and is not applied yet: ask Redis. */
    if (cm_tracker_pending(st->tracker))
	return (0);
    /* The link listens to the replica; the primary's answers are not ours. */
    if (cm_redis_pool_standin(st->pool))
	return (0);

    /*
     * A lookup connection that drops or reconnects loses nothing: the
     * link tracks in broadcast mode, for every reader (tracking(3)).
     */
    return (1);
}

/* use_campaign - a cached campaign record (cm_ccache_get()) */

static int use_campaign(const redisReply *r, void *ctx)
{
    cm_campaign *camp = ctx;

    if (cm_record_campaign(r, camp, 0, 0) < 0) {
	free(camp->senders);
	memset(camp, 0, sizeof(*camp));
	return (0);
    }
    return (1);
}

/* use_suppress - a cached suppression record */

static int use_suppress(const redisReply *r, void *ctx)
{
    cm_rcpt_record *rec = ctx;

    cm_record_suppress(r, rec);
    if (rec->store_error) {
	store_suppress_clear(rec, 1);
	rec->store_error = 0;
	return (0);
    }
    return (1);
}

struct consent_use {
    const char *purpose;
    cm_rcpt_record *rec;
};

/* use_consent - a cached consent record */

static int use_consent(const redisReply *r, void *ctx)
{
    struct consent_use *cu = ctx;

    cm_record_consent(r, cu->purpose, cu->rec);
    if (cu->rec->store_error) {
	store_consent_clear(cu->rec, 1);
	cu->rec->store_error = 0;
	return (0);
    }
    return (1);
}

/* cache_campaign - the campaign record from the cache, or reserve its read */

static int cache_campaign(cm_store *st, struct fetch_req *req)
{
    fetch_cmd cmd = {FETCH_CAMPAIGN, 0};
    keybuf  kb = KEYBUF_INIT;
    int     hit = 0;

    if (store_fetch_key(st, req, cmd, &kb) < 0)
	return (0);				/* out of memory: ask Redis */
    if (cm_ccache_get(req->cc, kb.data, kb.len, use_campaign, req->camp_out))
	hit = req->slot[0].hit = 1;
    else
	(void) cm_ccache_reserve(req->cc, kb.data, kb.len,
				 &req->slot[0].ticket);
    keybuf_free(&kb);
    return (hit);
}

/* What cache_rcpts() keeps on the stack: the keys of 4 recipients. */
#define CACHE_LOCAL_RCPTS	((CM_STORE_LOCAL_SLOTS - 1) / 2)
#define CACHE_LOCAL_TEXT	(2 * CACHE_LOCAL_RCPTS * 96)

/* cache_rcpts - the recipients' records the cache has; reserve the rest */

static void cache_rcpts(cm_store *st, struct fetch_req *req, int known)
{
    cm_ccache_key local_key[2 * CACHE_LOCAL_RCPTS];
    struct consent_use local_cu[CACHE_LOCAL_RCPTS];
    char    local_text[CACHE_LOCAL_TEXT + 2 * CACHE_LOCAL_RCPTS];
    cm_ccache_key *key = local_key;
    struct consent_use *cu = local_cu;
    unsigned char *hit;
    char   *text = local_text, *heap = 0;
    const char *part, *name;
    size_t  n = 0, size = 0, i, off;
    fetch_cmd cmd;
    cc_slot *slot;

    /* All keys at once, so that their reads can overlap (consentcache(3)). */
    for (cmd.rcpt = 0; cmd.rcpt < req->count; cmd.rcpt++) {
	if (!req->rcpts[cmd.rcpt].facts.addr_ok)
	    continue;
	for (cmd.what = FETCH_SUPPRESS; cmd.what <= FETCH_CONSENT; cmd.what++) {
	    store_fetch_key_parts(req, cmd, &part, &name);
	    size += store_key_size(st, part, name);
	    n++;
	}
    }
    if (n > 2 * CACHE_LOCAL_RCPTS || size > CACHE_LOCAL_TEXT) {
	if ((heap = malloc(n * sizeof(*key) + n / 2 * sizeof(*cu) + n + size))
	    == 0)
	    return;				/* these go to Redis, not kept */
	key = (cm_ccache_key *) heap;
	cu = (struct consent_use *) (key + n);
	text = (char *) (cu + n / 2);
    }
    hit = (unsigned char *) text;
    off = n;
    for (i = 0, cmd.rcpt = 0; cmd.rcpt < req->count; cmd.rcpt++) {
	if (!req->rcpts[cmd.rcpt].facts.addr_ok)
	    continue;
	for (cmd.what = FETCH_SUPPRESS; cmd.what <= FETCH_CONSENT; cmd.what++) {
	    store_fetch_key_parts(req, cmd, &part, &name);
	    key[i].key = text + off;
	    key[i].len = store_key_put(st, text + off, part, name);
	    off += key[i].len + 1;
	    if (cmd.what == FETCH_SUPPRESS) {
		key[i].use = use_suppress;
		key[i].ctx = &req->rcpts[cmd.rcpt].record;
	    } else {
		cu[i / 2].purpose = req->camp->purpose;
		cu[i / 2].rec = &req->rcpts[cmd.rcpt].record;
		key[i].use = use_consent;
		key[i].ctx = cu + i / 2;
	    }
	    i++;
	}
    }
    /* A recipient's records mean something only with the campaign's. */
    if (known)
	(void) cm_ccache_get_many(req->cc, key, n, hit);
    else
	memset(hit, 0, n);
    for (i = 0, cmd.rcpt = 0; cmd.rcpt < req->count; cmd.rcpt++) {
	if (!req->rcpts[cmd.rcpt].facts.addr_ok)
	    continue;
	for (cmd.what = FETCH_SUPPRESS; cmd.what <= FETCH_CONSENT; cmd.what++) {
	    slot = req->slot + store_cmd_index(cmd);
	    if (hit[i])
		slot->hit = 1;
	    else
		(void) cm_ccache_reserve(req->cc, key[i].key, key[i].len,
					 &slot->ticket);
	    i++;
	}
    }
    free(heap);
}

/* cache_prepare - what the cache knows; reserve reads for the rest */

static cc_slot *cache_prepare(cm_store *st, struct fetch_req *req,
			              cc_slot *local)
{
    size_t  nslot = 1 + 2 * req->count;
    cc_slot *slot;
    int     known;

    if (!cache_active(st))
	return (0);
    if (nslot <= CM_STORE_LOCAL_SLOTS) {
	slot = local;
	memset(slot, 0, nslot * sizeof(*slot));
    } else if ((slot = calloc(nslot, sizeof(*slot))) == 0) {
	return (0);				/* no cache for this one */
    }
    req->cc = st->ccache;
    req->slot = slot;
    known = (req->campaign_id == 0);
    if (req->campaign_id) {
	known = cache_campaign(st, req);
	/* An unknown campaign: its recipients are not looked up. */
	if (known && !req->camp_out->found)
	    return (slot);
    }
    cache_rcpts(st, req, known);
    return (slot);
}

/* store_cache_fetch - a fetch through the consent cache */

int     store_cache_fetch(cm_store *st, struct fetch_req *req, char *err,
		               size_t errlen)
{
    cc_slot local[CM_STORE_LOCAL_SLOTS];
    cc_slot *slot;
    int     status = 0;

    slot = cache_prepare(st, req, local);
    /* This sets fill from a cached campaign. */
    store_fetch_reset(req, 0);
    if (store_fetch_first(req).what != FETCH_END)
	status = store_fetch_run(st, req, err, errlen);
    if (slot != local)
	free(slot);
    req->slot = 0;
    req->cc = 0;
    return (status);
}

struct sender_use {
    char   *campaign;
    size_t  size;
    int    *found;
};

/* use_sender - a cached sender mapping */

static int use_sender(const redisReply *r, void *ctx)
{
    struct sender_use *su = ctx;

    if (r->type == REDIS_REPLY_NIL) {
	*su->found = 0;
	return (1);
    }
    /* Not usable: Redis's answer gives the error. */
    if (r->type != REDIS_REPLY_STRING)
	return (0);
    /* Any value is a mapping, as in cm_store_sender_campaign(). */
    store_sender_value(r->str, r->len, su->campaign, su->size);
    *su->found = 1;
    return (1);
}

/* store_cache_sender - a sender mapping from the cache, or reserve its read */

int     store_cache_sender(cm_store *st, keybuf *kb, const char *sender,
			           char *campaign, size_t size, int *found,
			           cm_ccache_ticket *ticket)
{
    struct sender_use su = {campaign, size, found};

    if (!cache_active(st))
	return (0);
    if (store_key_build(st, kb, CM_KEY_SENDER, sender) < 0)
	return (-1);
    if (cm_ccache_get(st->ccache, kb->data, kb->len, use_sender, &su))
	return (1);
    (void) cm_ccache_reserve(st->ccache, kb->data, kb->len, ticket);
    return (0);
}
