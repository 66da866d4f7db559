#ifndef CM_STORE_IMPL_H
#define CM_STORE_IMPL_H

/*++
/* NAME
/*	store_impl 3h
/* SUMMARY
/*	consent store (Redis): what store.c, store_fetch.c and
/*	store_cache.c share
/* SYNOPSIS
/*	#include "store_impl.h"
/* DESCRIPTION
/*	Internal to the store module; callers include store.h. See
/*	store.c, store_fetch.c and store_cache.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>
#include <stdlib.h>

#include <hiredis/hiredis.h>

#include "cache.h"
#include "campaign.h"
#include "consentcache.h"
#include "redisbatch.h"
#include "redisconn.h"
#include "redispool.h"
#include "store.h"
#include "tracking.h"

#define CM_STORE_CHUNK		1000	/* commands per write */
#define CM_STORE_ERRSZ		512	/* internal message buffers */
#define CM_STORE_SHOWSZ		CM_REDIS_SHOWSZ	/* escaped key or value */
#define CM_STORE_BATCH_RCPTS	1	/* fetches this small are coalesced */
#define CM_STORE_LOCAL_SLOTS	9	/* cache slots on the stack: 4 rcpts */

struct cm_store {
    char   *prefix;			/* KeyPrefix */
    size_t  prefix_len;
    cm_redis_pool *pool;		/* connections */
    cm_cache *cache;			/* or NULL: CM_STORE_CACHE not set */
    cm_redis_batch *batch;		/* coalesces small fetches */
    cm_ccache *ccache;			/* or NULL: ConsentCache off */
    cm_tracker *tracker;		/* its invalidation link */
};

/* What the consent cache says about one command of a fetch. */
typedef struct cc_slot {
    cm_ccache_ticket ticket;		/* reserved (epoch): fill with reply */
    int     hit;			/* answered from the cache */
} cc_slot;

/*
 * A buffer for keys. Every lookup builds two or more, so a key of
 * usual size is built in place and only a longer one allocates: with
 * the default KeyPrefix (cm:) any address of up to 307 bytes fits, with
 * the longest (64 bytes) one of up to 246 (tests/postfix/longkeys.sh
 * goes past that). Start with KEYBUF_INIT, end with keybuf_free().
 */
#define KEYBUF_INLINE	320

typedef struct keybuf {
    char   *data;			/* space, heap or null */
    size_t  len;
    size_t  size;
    char    space[KEYBUF_INLINE];
} keybuf;

#define KEYBUF_INIT	{0, 0, 0, {0}}

/* keybuf_free - release what a keybuf allocated */

static inline void keybuf_free(keybuf *kb)
{
    if (kb->data != kb->space)
	free(kb->data);
}

 /*
  * The commands of a fetch, in the order sent: the campaign record, if
  * asked for, then each recipient's suppression and consent records.
  * A fetch_cmd names one of them; fetch_next() steps to the next one
  * that is sent (recipients whose address did not parse are not).
  */
typedef enum fetch_what {
    FETCH_CAMPAIGN, FETCH_SUPPRESS, FETCH_CONSENT, FETCH_END
} fetch_what;

typedef struct fetch_cmd {
    fetch_what what;
    size_t  rcpt;			/* FETCH_SUPPRESS, FETCH_CONSENT */
} fetch_cmd;

struct fetch_req {
    const cm_store *st;
    const char *campaign_id;		/* or NULL: the record is known */
    cm_campaign *camp_out;		/* the record read, or NULL */
    const cm_campaign *camp;		/* the record whose purpose counts */
    cm_rcpt *rcpts;
    size_t  count;
    int     fill;			/* campaign known: fill in records */
    cm_ccache *cc;			/* or NULL: no consent cache now */
    cc_slot *slot;			/* with cc: one per command */
    int     invalid;			/* Redis returned an unreadable
					 * campaign record (CM_STORE_INVALID) */
};


#define STORE_CMD_HIT(req, i)	((req)->slot != 0 && (req)->slot[i].hit)

 /*
  * store.c: keys.
  */
extern size_t store_key_size(const cm_store *st, const char *part,
			             const char *name);
extern size_t store_key_put(const cm_store *st, char *p, const char *part,
			            const char *name);
extern int store_key_build(const cm_store *st, keybuf *kb, const char *part,
			           const char *name);
extern int __attribute__((format(printf, 4, 5)))
        store_key_error(const keybuf *kb, char *err, size_t errlen,
			        const char *fmt,...);

 /*
  * store_fetch.c: the commands of a fetch, sent and taken in.
  */
extern size_t store_cmd_index(fetch_cmd cmd);
extern fetch_cmd store_fetch_first(const struct fetch_req *req);
extern void store_fetch_key_parts(const struct fetch_req *req, fetch_cmd cmd,
				          const char **part, const char **name);
extern int store_fetch_key(const cm_store *st, const struct fetch_req *req,
			           fetch_cmd cmd, keybuf *kb);
extern void store_suppress_clear(cm_rcpt_record *rec, int free_old);
extern void store_consent_clear(cm_rcpt_record *rec, int free_old);
extern void store_fetch_reset(struct fetch_req *req, int free_old);
extern int store_fetch_run(cm_store *st, struct fetch_req *req, char *err,
			           size_t errlen);

 /*
  * store_cache.c: the consent cache's glue.
  */
extern void store_cache_doubt(cm_store *st);
extern int store_cache_fetch(cm_store *st, struct fetch_req *req, char *err,
			             size_t errlen);
extern void store_sender_value(const char *value, size_t len,
			               char *campaign, size_t size);
extern int store_cache_sender(cm_store *st, keybuf *kb, const char *sender,
			              char *campaign, size_t size, int *found,
			              cm_ccache_ticket *ticket);

#endif
