/*++
/* NAME
/*	tracking 3
/* SUMMARY
/*	the invalidation link that keeps the consent cache honest
/* SYNOPSIS
/*	#include "tracking.h"
/*
/*	cm_tracker *cm_tracker_create(cfg, cc, pool, err, errlen)
/*	const cm_config *cfg;
/*	cm_ccache *cc;
/*	cm_redis_pool *pool;
/*	char	*err;
/*	size_t	errlen;
/*
/*	int	cm_tracker_start(t)
/*	cm_tracker *t;
/*
/*	void	cm_tracker_destroy(t)
/*	cm_tracker *t;
/*
/*	long long cm_tracker_client_id(t)
/*	cm_tracker *t;
/* DESCRIPTION
/*	This module runs the one connection through which Redis tells
/*	the daemon that a cached record changed (server-assisted client
/*	side caching, CLIENT TRACKING), and enables the consentcache(3)
/*	only while that connection is known to work.
/*
/*	hiredis 0.14 speaks RESP2, where invalidation messages come as
/*	Pub/Sub messages on the channel __redis__:invalidate of the
/*	client named by REDIRECT. The link is one connection, to the
/*	server that the lookups read from (RedisReplica when set, else
/*	the primary, through the sentinels with RedisSentinel), that
/*	sends, in order:
/* .IP "CLIENT ID"
/*	its own id N;
/* .IP "CLIENT TRACKING on REDIRECT N BCAST PREFIX Pconsent: PREFIX Psuppress: PREFIX Pcampaign: PREFIX Psender:"
/*	broadcast mode, redirected to itself: Redis reports every change
/*	of a key under those prefixes, whoever reads or writes it;
/* .IP "SUBSCRIBE __redis__:invalidate"
/*	and then reads the messages.
/* .PP
/*	Broadcast mode, not the default mode in which Redis remembers the
/*	keys that each lookup connection read, for these reasons: the
/*	lookup connections need no tracking state at all (the pool, the
/*	batches and consentctl stay as they are), a lookup connection
/*	that drops or reconnects loses nothing, Redis keeps no table of
/*	tracked keys (with a million cached people, a table of a million
/*	keys per lookup connection), and the connection that registers
/*	the prefixes is the one that receives the messages, so that the
/*	RESP2 trap of a redirect target that dies unnoticed (redis#11767:
/*	the tracking client is not told) cannot happen: when the link
/*	dies, its registration dies with it. The cost is a message for
/*	every change under the four prefixes, cached here or not: one
/*	hash look-up each.
/*
/*	When the subscription is confirmed, the daemon's lookup
/*	connections are dropped (cm_redis_pool_reset(): a connection
/*	opened before may be to another server, before a failover), and
/*	the cache is enabled, empty. A message with a list of keys
/*	invalidates them; a null message (FLUSHALL, FLUSHDB) empties the
/*	cache. Every TRACK_PING_MS (250 ms) the link sends PING. While an
/*	answer is more than TRACK_DEADLINE_MS (500 ms) late (Redis stalled:
/*	DEBUG SLEEP, a loaded host, or the network lost), the cache is not
/*	used but kept: when the answer comes, every change message sent
/*	before it has been applied (one stream, in order), and the cache
/*	serves again. Answers to PING that are all the socket holds are
/*	read without marking the link busy (tracking_pongs_waiting()):
/*	lookups go on using the cache meanwhile. An answer that does not
/*	come within RedisTimeout
/*	(at least 1 s), an I/O error, the server closing the
/*	link (CLIENT KILL, a restart, Sentinel's reconfiguration after a
/*	failover) or a message that is not understood disables and
/*	empties the cache, closes the link and opens a new one (after a
/*	failed connect, every 200 ms). Each change of state is logged once.
/*
/*	With ConsentCacheWarmup yes, when the link first comes up a second
/*	thread walks the store with SCAN on a connection of its own, and
/*	reads every key of the four kinds into the cache (for a person's
/*	consent or suppression record, both: an absent suppression is an
/*	answer too) through the same
/*	reserve/read/fill protocol as the lookups (consentcache(3));
/*	past the cache's bound the least recently read go. It logs its progress every 5 seconds and
/*	when it ends.
/*
/*	cm_tracker_create() copies what it needs from cfg (the same
/*	addresses, timeout and password as the pool) and starts nothing;
/*	cm_tracker_start() starts the thread (after the daemon detached).
/*	cm_tracker_destroy() stops the threads and frees everything.
/*	Every TRACK_PING_MS and at every change of state, the thread sets
/*	the gauges consent_milter_cache_entries and
/*	consent_milter_cache_enabled and adds the lookups answered since
/*	to consent_milter_cache_lookups_total{result="hit"|"miss"}, when
/*	the daemon has metrics (metrics(3)); the lookups themselves only
/*	count, in their shard, under the lock they take anyway.
/*
/*	cm_tracker_client_id() is the link's client id, 0 while it is down.
/*
/*	cm_tracker_pending() returns 1 while an invalidation may have
/*	reached the daemon without being applied yet: the link's socket
/*	has something to read, or the thread is applying what it read
/*	(or the link is down). A lookup that starts then does not use
/*	the cache. So a decision that starts after Redis sent an
/*	invalidation never uses the entry it invalidates, however late
/*	the link's thread is scheduled: one look at the socket per lookup
/*	(tracking_pending(3)), and the staleness bound is the time from
/*	Redis's write to the socket (microseconds on one machine), not
/*	the thread's.
/* DIAGNOSTICS
/*	cm_tracker_create() returns a null pointer with a reason in err.
/*	The link logs "consent cache on: invalidations from redis ADDR
/*	(client id N)" and "consent cache off: REASON".
/* SEE ALSO
/*	consentcache(3), the cache.
/*	tracking_warm(3), the warm-up.
/*	tracking_pending(3), the look for unapplied changes.
/*	redispool(3), the lookup connections.
/*	https://redis.io/docs/manual/client-side-caching/
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

/* Utility library. */

#include <hiredis/hiredis.h>

/* Application-specific. */

#include "clock.h"
#include "log.h"
#include "redisreply.h"
#include "thread.h"
#include "metrics.h"
#include "redisconn.h"
#include "schema.h"
#include "tracking.h"
#include "tracking_impl.h"

#define TRACK_POLL_MS		50	/* look at the stop flag this often */
#define TRACK_PING_MS		250	/* PING the link this often */
#define TRACK_DEADLINE_MS	500	/* and pause serving without PONG */
#define TRACK_HARD_MS		1000	/* at least: then give the link up */
#define TRACK_RETRY_MS		200	/* after a failed connect */
#define TRACK_CHANNEL		"__redis__:invalidate"
#define TRACK_LOOKUPS		"consent_milter_cache_lookups_total"

const char *const track_parts[TRACK_PARTS] = {
    CM_KEY_CONSENT, CM_KEY_SUPPRESS, CM_KEY_CAMPAIGN, CM_KEY_SENDER,
};

/* publish - the cache's state into the metrics (no-op without them) */

static void publish(cm_tracker *t)
{
    static const char *const hit[] = {"hit", 0};
    static const char *const miss[] = {"miss", 0};
    cm_ccache_info st;
    cm_metrics *m;
    cm_metric *f;

    /* Off the lookups' path: every TRACK_PING_MS, from this thread. */
    if ((m = cm_metrics_default()) == 0)
	return;
    cm_ccache_stats(t->cc, &st);
    cm_metrics_gauge_set(CM_METRIC_CACHE_ENTRIES, st.entries);
    cm_metrics_gauge_set(CM_METRIC_CACHE_ENABLED, st.enabled);
    if ((f = cm_metrics_find(m, TRACK_LOOKUPS)) != 0) {
	if (st.hits > t->hits_shown)
	    cm_metric_add(f, hit, (unsigned long long) (st.hits - t->hits_shown));
	if (st.misses > t->misses_shown)
	    cm_metric_add(f, miss,
			  (unsigned long long) (st.misses - t->misses_shown));
    }
    t->hits_shown = st.hits;
    t->misses_shown = st.misses;
}

/* sleep_ms - wait, but not past a stop */

static void sleep_ms(cm_tracker *t, long long ms)
{
    long long until = cm_time_mono_ms() + ms;

    while (!__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE)
	   && cm_time_mono_ms() < until)
	(void) poll(0, 0, TRACK_POLL_MS);
}

/* tracking_link_open - a connection to the server the lookups read */

redisContext *tracking_link_open(cm_tracker *t, char *err, size_t errlen)
{
    if (cm_redis_has_replica(&t->target))
	return (cm_redis_open_replica(&t->target, err, errlen));
    return (cm_redis_open(&t->target, err, errlen));
}

/* tracking_link_command - one blocking command; the reply or null, err set */

redisReply *tracking_link_command(redisContext *c, int argc,
				          const char **argv, const size_t *lens,
				          char *err, size_t errlen)
{
    redisReply *r;

    if ((r = redisCommandArgv(c, argc, argv, lens)) == 0)
	cm_redis_context_error(c, errno, err, errlen);
    return (r);
}

/* link_setup - CLIENT ID, CLIENT TRACKING, SUBSCRIBE; the id or -1 */

static long long link_setup(cm_tracker *t, redisContext *c, char *err,
			            size_t errlen)
{
    const char *argv[6 + 2 * TRACK_PARTS];
    size_t  lens[6 + 2 * TRACK_PARTS];
    char    prefixes[TRACK_PARTS][CM_ID_SIZE + 64];
    char    idbuf[32];
    char    show[CM_REDIS_SHOWSZ];
    redisReply *r;
    long long id = -1;
    size_t  i;
    int     argc;

    argv[0] = "CLIENT";
    argv[1] = "ID";
    lens[0] = 6;
    lens[1] = 2;
    if ((r = tracking_link_command(c, 2, argv, lens, err, errlen)) == 0)
	return (-1);
    if (r->type != REDIS_REPLY_INTEGER || r->integer <= 0) {
	cm_redis_err(err, errlen, "CLIENT ID: %s",
		     cm_redis_reply_show(show, sizeof(show), r));
	cm_redis_reply_free(r);
	return (-1);
    }
    id = r->integer;
    cm_redis_reply_free(r);

    snprintf(idbuf, sizeof(idbuf), "%lld", id);
    argc = 0;
    argv[argc++] = "CLIENT";
    argv[argc++] = "TRACKING";
    argv[argc++] = "on";
    argv[argc++] = "REDIRECT";
    argv[argc++] = idbuf;
    argv[argc++] = "BCAST";
    for (i = 0; i < TRACK_PARTS; i++) {
	snprintf(prefixes[i], sizeof(prefixes[i]), "%s%s", t->prefix,
		 track_parts[i]);
	argv[argc++] = "PREFIX";
	argv[argc++] = prefixes[i];
    }
    for (i = 0; i < (size_t) argc; i++)
	lens[i] = strlen(argv[i]);
    if ((r = tracking_link_command(c, argc, argv, lens, err, errlen)) == 0)
	return (-1);
    if (r->type != REDIS_REPLY_STATUS) {
	cm_redis_err(err, errlen, "CLIENT TRACKING: %s",
		     cm_redis_reply_show(show, sizeof(show), r));
	cm_redis_reply_free(r);
	return (-1);
    }
    cm_redis_reply_free(r);

    argv[0] = "SUBSCRIBE";
    argv[1] = TRACK_CHANNEL;
    lens[0] = 9;
    lens[1] = strlen(TRACK_CHANNEL);
    if ((r = tracking_link_command(c, 2, argv, lens, err, errlen)) == 0)
	return (-1);
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 3
	|| !cm_redis_reply_is(r->element[0], "subscribe")) {
	cm_redis_err(err, errlen, "SUBSCRIBE %s: %s", TRACK_CHANNEL,
		     r->type == REDIS_REPLY_ARRAY ? "unexpected reply"
		     : cm_redis_reply_show(show, sizeof(show), r));
	cm_redis_reply_free(r);
	return (-1);
    }
    cm_redis_reply_free(r);
    return (id);
}

/* link_message - one reply on the subscribed link; -1: doubt */

static int link_message(cm_tracker *t, const redisReply *r, int *pong,
			        char *err, size_t errlen)
{
    const redisReply *keys;
    size_t  i;

    /* PING in subscribed mode (RESP2): ["pong", ""]. */
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 2
	&& cm_redis_reply_is(r->element[0], "pong")) {
	*pong = 1;
	return (0);
    }
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 3
	|| !cm_redis_reply_is(r->element[0], "message")
	|| !cm_redis_reply_is(r->element[1], TRACK_CHANNEL)) {
	cm_redis_err(err, errlen, "unexpected message on the link");
	return (-1);
    }
    keys = r->element[2];
    if (keys->type == REDIS_REPLY_NIL) {	/* FLUSHALL, FLUSHDB */
	cm_ccache_flush(t->cc);
	return (0);
    }
    if (keys->type != REDIS_REPLY_ARRAY) {
	cm_redis_err(err, errlen, "unexpected invalidation message");
	return (-1);
    }
    for (i = 0; i < keys->elements; i++) {
	if (keys->element[i]->type != REDIS_REPLY_STRING) {
	    cm_redis_err(err, errlen, "unexpected invalidation message");
	    return (-1);
	}
	cm_ccache_invalidate(t->cc, keys->element[i]->str,
			     keys->element[i]->len);
    }
    return (0);
}

/* link_ping - send PING without waiting for the answer */

static int link_ping(redisContext *c, char *err, size_t errlen)
{
    const char *argv[1] = {"PING"};
    size_t  lens[1] = {4};
    int     done = 0;

    if (redisAppendCommandArgv(c, 1, argv, lens) != REDIS_OK)
	return (cm_redis_context_error(c, errno, err, errlen), -1);
    while (!done)
	if (redisBufferWrite(c, &done) != REDIS_OK)
	    return (cm_redis_context_error(c, errno, err, errlen), -1);
    return (0);
}

/* link_pong - PING answered: what came before it has been applied */

static void link_pong(cm_tracker *t, long long *ping_sent, int *paused)
{
    *ping_sent = 0;
    if (*paused) {
	*paused = 0;
	cm_ccache_pause(t->cc, 0);
	cm_log(LOG_INFO, "consent cache resumed: the link answered");
    }
}

/* link_serve - read messages until the link fails or a stop */

static void link_serve(cm_tracker *t, redisContext *c, char *err,
		               size_t errlen)
{
    struct pollfd pfd;
    long long now, next_ping = cm_time_mono_ms() + TRACK_PING_MS;
    long long ping_sent = 0;
    long long hard_ms = t->target.timeout.tv_sec * 1000LL
    + t->target.timeout.tv_usec / 1000;
    void   *reply;
    char    pongs[256];
    ssize_t npong, got;
    int     pong;
    int     paused = 0;

    if (hard_ms < TRACK_HARD_MS)
	hard_ms = TRACK_HARD_MS;
    *err = 0;
    while (!__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE)) {
	pfd.fd = c->fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (poll(&pfd, 1, TRACK_POLL_MS) < 0 && errno != EINTR) {
	    cm_redis_err(err, errlen, "poll: %s", strerror(errno));
	    return;
	}
	if (pfd.revents && c->reader->pos == c->reader->len
	    && (npong = tracking_pongs_waiting(c->fd)) > 0) {
	    /* Answers to PING alone: lookups go on using the cache. */
	    if ((got = recv(c->fd, pongs, (size_t) npong, 0)) != npong) {
		cm_redis_err(err, errlen, "read from the link: %s",
			     got < 0 ? strerror(errno) : "short read");
		return;
	    }
	    link_pong(t, &ping_sent, &paused);
	} else if (pfd.revents) {
	    /* Before the read: see cm_tracker_pending(). */
	    __atomic_store_n(&t->busy, 1, __ATOMIC_SEQ_CST);
	    if (redisBufferRead(c) != REDIS_OK) {
		cm_redis_context_error(c, errno, err, errlen);
		return;
	    }
	    for (;;) {
		if (redisGetReplyFromReader(c, &reply) != REDIS_OK) {
		    cm_redis_context_error(c, errno, err, errlen);
		    return;
		}
		if (reply == 0)
		    break;
		pong = 0;
		if (link_message(t, reply, &pong, err, errlen) < 0) {
		    cm_redis_reply_free(reply);
		    return;
		}
		cm_redis_reply_free(reply);
		if (pong)
		    link_pong(t, &ping_sent, &paused);
	    }
	    __atomic_store_n(&t->busy, 0, __ATOMIC_SEQ_CST);
	}
	now = cm_time_mono_ms();

	/*
	 * Late: stop serving, but keep the entries while the link may
	 * just be slow (a loaded host, a busy Redis): the messages on a
	 * stream arrive in order, so when the PONG comes every change
	 * before it has been applied. Too late: give the link up.
	 */
	if (ping_sent && now - ping_sent > hard_ms) {
	    cm_redis_err(err, errlen, "no answer to PING within %lld ms",
			 hard_ms);
	    return;
	}
	if (ping_sent && !paused && now - ping_sent > TRACK_DEADLINE_MS) {
	    paused = 1;
	    cm_ccache_pause(t->cc, 1);
	    cm_log(LOG_WARNING, "consent cache paused: no answer to PING "
		   "within %d ms", TRACK_DEADLINE_MS);
	}
	if (!ping_sent && now >= next_ping) {
	    publish(t);
	    if (link_ping(c, err, errlen) < 0)
		return;
	    ping_sent = now;
	    next_ping = now + TRACK_PING_MS;
	}
    }
}

/* tracker - the link's thread */

static void *tracker(void *arg)
{
    cm_tracker *t = arg;
    char    err[TRACK_ERRSZ];
    char    where[CM_REDIS_WHERESZ];
    char    last[TRACK_ERRSZ] = "";
    redisContext *c;
    long long id;

    while (!__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE)) {
	if ((c = tracking_link_open(t, err, sizeof(err))) == 0
	    || (id = link_setup(t, c, err, sizeof(err))) < 0) {
	    /* Log a failure once, not every 200 ms. */
	    if (strcmp(err, last) != 0) {
		cm_log(LOG_WARNING, "consent cache off: %s", err);
		snprintf(last, sizeof(last), "%s", err);
	    }
	    if (c)
		redisFree(c);
	    sleep_ms(t, TRACK_RETRY_MS);
	    continue;
	}
	last[0] = 0;

	/*
	 * Lookup connections opened before may be to another server (a
	 * failover, a restart): drop them, then serve a new, empty epoch.
	 */
	cm_redis_pool_reset(t->pool);
	if (tracking_watch(t, c->fd, 1) < 0) {
	    cm_log(LOG_WARNING, "consent cache off: epoll: %s",
		   strerror(errno));
	    redisFree(c);
	    sleep_ms(t, TRACK_RETRY_MS);
	    continue;
	}
	__atomic_store_n(&t->id, id, __ATOMIC_RELEASE);
	__atomic_store_n(&t->fd, c->fd, __ATOMIC_SEQ_CST);
	cm_ccache_enable(t->cc, 1);
	cm_log(LOG_INFO, "consent cache on: invalidations from redis %s "
	       "(client id %lld)", cm_redis_context_where(where, sizeof(where),
							  c), id);
	tracking_warm_start(t);
	publish(t);
	link_serve(t, c, err, sizeof(err));
	cm_ccache_enable(t->cc, 0);
	publish(t);
	__atomic_store_n(&t->fd, -1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&t->busy, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&t->id, 0, __ATOMIC_RELEASE);
	(void) tracking_watch(t, c->fd, 0);
	redisFree(c);
	if (*err) {
	    cm_log(LOG_WARNING, "consent cache off: %s", err);
	    snprintf(last, sizeof(last), "%s", err);
	}
    }
    return (0);
}

/* cm_tracker_create - copy the configuration; start nothing */

cm_tracker *cm_tracker_create(const cm_config *cfg, cm_ccache *cc,
			              cm_redis_pool *pool, char *err,
			              size_t errlen)
{
    cm_tracker *t;

    if ((t = calloc(1, sizeof(*t))) == 0
	|| (t->prefix = strdup(cfg->key_prefix ? cfg->key_prefix
			       : CM_KEY_PREFIX_DEFAULT)) == 0) {
	free(t);
	cm_redis_err(err, errlen, "redis: out of memory");
	return (0);
    }
    if (cm_redis_target_init(&t->target, cfg, err, errlen) < 0) {
	free(t->prefix);
	free(t);
	return (0);
    }
    t->cc = cc;
    t->pool = pool;
    t->warmup = cfg->consent_cache_warmup;
    t->fd = -1;
    t->epfd = -1;
    return (t);
}

/* cm_tracker_start - the link's thread */

int     cm_tracker_start(cm_tracker *t)
{
    /* Here, not at create: after the daemon detached (fork). */
    if (tracking_watch_open(t) < 0) {
	cm_log(LOG_ERR, "consent cache: epoll: %s", strerror(errno));
	return (-1);
    }
    if (cm_thread_start(&t->thread, tracker, t) != 0) {
	cm_log(LOG_ERR, "consent cache: cannot start the tracking thread");
	return (-1);
    }
    t->running = 1;
    return (0);
}

/* cm_tracker_destroy - stop the threads, free the tracker */

void    cm_tracker_destroy(cm_tracker *t)
{
    if (t == 0)
	return;
    __atomic_store_n(&t->stop, 1, __ATOMIC_RELEASE);
    if (t->running)
	(void) pthread_join(t->thread, 0);
    if (t->warm_running)
	(void) pthread_join(t->warm_thread, 0);
    if (t->epfd >= 0)
	(void) close(t->epfd);
    cm_redis_target_free(&t->target);
    free(t->prefix);
    free(t);
}

/* cm_tracker_client_id - the link's client id, 0 while it is down */

long long cm_tracker_client_id(cm_tracker *t)
{
    return (__atomic_load_n(&t->id, __ATOMIC_ACQUIRE));
}
