/*++
/* NAME
/*	tracking_warm 3
/* SUMMARY
/*	the consent cache's warm-up
/* SYNOPSIS
/*	#include "tracking_impl.h"
/*
/*	void	tracking_warm_start(t)
/*	cm_tracker *t;
/* DESCRIPTION
/*	This module is the part of tracking(3) that fills the consent
/*	cache when the invalidation link first comes up, with
/*	ConsentCacheWarmup yes.
/*
/*	tracking_warm_start() starts, once, a thread that walks the store
/*	with SCAN on a connection of its own, and reads every key of the
/*	four kinds into the cache (for a person's consent or suppression
/*	record, both: an absent suppression is an answer too) through the
/*	same reserve/read/fill protocol as the lookups (consentcache(3)):
/*	a key that changes while it is read is not kept. Past the cache's
/*	bound the least recently read go. The thread logs its progress
/*	every 5 seconds and when it ends, and stops when the tracker
/*	does (cm_tracker_destroy() joins it). Signals are blocked in it.
/* DIAGNOSTICS
/*	"consent cache warm-up not done: REASON" (no connection),
/*	"consent cache warm-up stopped after N keys: REASON" (also when
/*	the daemon stops before the walk is done: "the daemon is
/*	stopping"),
/*	"consent cache warm-up: cannot start a thread".
/* SEE ALSO
/*	tracking(3), the invalidation link.
/*	consentcache(3), the cache.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

/* Utility library. */

#include <hiredis/hiredis.h>

/* Application-specific. */

#include "clock.h"
#include "log.h"
#include "redisreply.h"
#include "thread.h"
#include "redisconn.h"
#include "schema.h"
#include "tracking.h"
#include "tracking_impl.h"

#define WARM_BATCH		1000	/* keys per SCAN and pipeline */
#define WARM_LOG_MS		5000	/* progress line */

/* One read of the warm-up. */
typedef struct warm_key {
    char   *key;			/* malloc'd */
    size_t  len;
    int     hash;			/* HGETALL, else GET */
    cm_ccache_ticket ticket;		/* epoch 0: not reserved */
} warm_key;

/* warm_add - one key to read; 0, or -1 when out of memory */

static int warm_add(warm_key *w, size_t *n, const char *prefix,
		            const char *part, const char *id, size_t id_len)
{
    size_t  plen = strlen(prefix), tlen = strlen(part);
    warm_key *k = w + *n;

    if ((k->key = malloc(plen + tlen + id_len + 1)) == 0)
	return (-1);
    memcpy(k->key, prefix, plen);
    memcpy(k->key + plen, part, tlen);
    memcpy(k->key + plen + tlen, id, id_len);
    k->len = plen + tlen + id_len;
    k->key[k->len] = 0;
    k->hash = (strcmp(part, CM_KEY_CONSENT) == 0
	       || strcmp(part, CM_KEY_CAMPAIGN) == 0);
    k->ticket.epoch = 0;
    (*n)++;
    return (0);
}

/* warm_part - which of the four kinds a key is, or null */

static const char *warm_part(const char *key, size_t len, size_t plen,
			             const char **id, size_t *id_len)
{
    size_t  i, tlen;

    for (i = 0; i < TRACK_PARTS; i++) {
	tlen = strlen(track_parts[i]);
	if (len > plen + tlen
	    && memcmp(key + plen, track_parts[i], tlen) == 0) {
	    *id = key + plen + tlen;
	    *id_len = len - plen - tlen;
	    return (track_parts[i]);
	}
    }
    return (0);
}

/* warm_read - reserve, read and fill the keys of one SCAN page */

static int warm_read(cm_tracker *t, redisContext *c, redisReply *keys,
		             size_t *done, char *err, size_t errlen)
{
    warm_key *w;
    const redisReply *k;
    const char *argv[2];
    const char *part, *id;
    size_t  lens[2];
    size_t  i, n = 0, id_len, plen = strlen(t->prefix);
    void   *reply;
    int     status = 0;

    if ((w = calloc(2 * keys->elements + 1, sizeof(*w))) == 0) {
	cm_redis_err(err, errlen, "out of memory");
	return (-1);
    }

    /*
     * A lookup reads both records of a person, and most people have no
     * suppression: cache that absence too, with the consent record.
     */
    for (i = 0; i < keys->elements && status == 0; i++) {
	k = keys->element[i];
	if (k->type != REDIS_REPLY_STRING
	    || (part = warm_part(k->str, k->len, plen, &id, &id_len)) == 0)
	    continue;				/* history: not cached */
	if (strcmp(part, CM_KEY_CONSENT) == 0 || strcmp(part, CM_KEY_SUPPRESS) == 0)
	    status = (warm_add(w, &n, t->prefix, CM_KEY_CONSENT, id, id_len)
		      | warm_add(w, &n, t->prefix, CM_KEY_SUPPRESS, id, id_len));
	else
	    status = warm_add(w, &n, t->prefix, part, id, id_len);
    }
    if (status != 0)
	cm_redis_err(err, errlen, "out of memory");
    for (i = 0; i < n && status == 0; i++) {
	if (!cm_ccache_reserve(t->cc, w[i].key, w[i].len, &w[i].ticket))
	    continue;				/* disabled meanwhile */
	argv[0] = w[i].hash ? "HGETALL" : "GET";
	argv[1] = w[i].key;
	lens[0] = strlen(argv[0]);
	lens[1] = w[i].len;
	if (redisAppendCommandArgv(c, 2, argv, lens) != REDIS_OK) {
	    cm_redis_context_error(c, errno, err, errlen);
	    status = -1;
	}
    }
    for (i = 0; i < n && status == 0; i++) {
	if (w[i].ticket.epoch == 0)
	    continue;
	if (redisGetReply(c, &reply) != REDIS_OK) {
	    cm_redis_context_error(c, errno, err, errlen);
	    status = -1;
	    break;
	}
	if (((redisReply *) reply)->type != REDIS_REPLY_ERROR) {
	    cm_ccache_fill(t->cc, w[i].key, w[i].len, &w[i].ticket, reply);
	    (*done)++;
	}
	cm_redis_reply_free(reply);
    }
    for (i = 0; i < n; i++)
	free(w[i].key);
    free(w);
    return (status);
}

/* warm_pattern - the SCAN pattern of every key under the prefix */

static void warm_pattern(char *out, size_t size, const char *prefix)
{
    size_t  n = 0;

    for (; *prefix && n + 3 < size; prefix++) {
	if (strchr("*?[]\\", *prefix))
	    out[n++] = '\\';
	out[n++] = *prefix;
    }
    out[n++] = '*';
    out[n] = 0;
}

/* warmer - the warm-up thread: SCAN, then tracked reads */

static void *warmer(void *arg)
{
    cm_tracker *t = arg;
    char    err[TRACK_ERRSZ];
    char    pattern[2 * CM_ID_SIZE + 8];
    char    cursor[32] = "0";
    const char *argv[6];
    size_t  lens[6];
    redisContext *c;
    redisReply *r;
    cm_ccache_info st;
    long long started = cm_time_mono_ms(), logged = started;
    size_t  done = 0;
    int     failed = 1;

    if ((c = tracking_link_open(t, err, sizeof(err))) == 0) {
	cm_log(LOG_WARNING, "consent cache warm-up not done: %s", err);
	return (0);
    }
    warm_pattern(pattern, sizeof(pattern), t->prefix);
    cm_log(LOG_INFO, "consent cache warm-up: started");
    do {
	argv[0] = "SCAN";
	argv[1] = cursor;
	argv[2] = "MATCH";
	argv[3] = pattern;
	argv[4] = "COUNT";
	argv[5] = "1000";
	for (int i = 0; i < 6; i++)
	    lens[i] = strlen(argv[i]);
	if ((r = tracking_link_command(c, 6, argv, lens, err,
					   sizeof(err))) == 0)
	    goto out;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2
	    || r->element[0]->type != REDIS_REPLY_STRING
	    || r->element[0]->len >= sizeof(cursor)
	    || r->element[1]->type != REDIS_REPLY_ARRAY) {
	    cm_redis_reply_show(err, sizeof(err), r);
	    cm_redis_reply_free(r);
	    goto out;
	}
	memcpy(cursor, r->element[0]->str, r->element[0]->len + 1);
	if (warm_read(t, c, r->element[1], &done, err, sizeof(err)) < 0) {
	    cm_redis_reply_free(r);
	    goto out;
	}
	cm_redis_reply_free(r);
	if (cm_time_mono_ms() - logged >= WARM_LOG_MS) {
	    logged = cm_time_mono_ms();
	    cm_log(LOG_INFO, "consent cache warm-up: %zu keys read in %lld s",
		   done, (logged - started) / 1000);
	}
    } while (strcmp(cursor, "0") != 0
	     && !__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE));
    failed = 0;

out:
    cm_ccache_stats(t->cc, &st);
    if (failed)
	cm_log(LOG_WARNING, "consent cache warm-up stopped after %zu keys: %s",
	       done, err);
    else if (strcmp(cursor, "0") != 0)		/* cm_tracker_destroy() */
	cm_log(LOG_INFO, "consent cache warm-up stopped after %zu keys: "
	       "the daemon is stopping", done);
    else
	cm_log(LOG_INFO, "consent cache warm-up: done, %zu keys read in "
	       "%.1f s, %lld entries (%lld bytes) cached", done,
	       (cm_time_mono_ms() - started) / 1000.0, st.entries, st.bytes);
    redisFree(c);
    return (0);
}

/* tracking_warm_start - start the warm-up thread, once */

void    tracking_warm_start(cm_tracker *t)
{
    if (!t->warmup || t->warm_running)
	return;
    if (cm_thread_start(&t->warm_thread, warmer, t) == 0)
	t->warm_running = 1;
    else
	cm_log(LOG_WARNING, "consent cache warm-up: cannot start a thread");
}
