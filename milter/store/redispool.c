/*++
/* NAME
/*	redispool 3
/* SUMMARY
/*	a shared pool of Redis connections
/* SYNOPSIS
/*	#include "redispool.h"
/*
/*	cm_redis_pool *cm_redis_pool_create(cfg, err, errlen)
/*	const cm_config *cfg;
/*	char	*err;
/*	size_t	errlen;
/*
/*	void	cm_redis_pool_destroy(pool)
/*	cm_redis_pool *pool;
/*
/*	int	cm_redis_pool_run(pool, fn, arg, err, errlen)
/*	cm_redis_pool *pool;
/*	int	(*fn)(redisContext *c, void *arg, char *err, size_t errlen);
/*	void	*arg;
/*	char	*err;
/*	size_t	errlen;
/*
/*	int	cm_redis_pool_healthy(pool)
/*	cm_redis_pool *pool;
/*
/*	int	cm_redis_pool_standin(pool)
/*	cm_redis_pool *pool;
/*
/*	int	cm_redis_pool_standin_run(void)
/*
/*	void	cm_redis_pool_reset(pool)
/*	cm_redis_pool *pool;
/*
/*	int	cm_redis_pool_error(c, saved_errno, err, errlen)
/*	const redisContext *c;
/*	int	saved_errno;
/*	char	*err;
/*	size_t	errlen;
/* DESCRIPTION
/*	This module keeps the daemon's connections for reading the consent
/*	store (store(3)), and decides where they go: to RedisReplica when
/*	one is configured, else to the primary (Redis, or the server that
/*	the sentinels of RedisSentinel name: see redisconn(3)).
/*
/*	cm_redis_pool_create() copies what it needs from cfg and reads
/*	RedisPasswordFile, if set. It does not connect: connections are
/*	opened when first needed, so that the daemon can start while Redis
/*	is down.
/*
/*	A pool may be shared by any number of threads. It keeps at most
/*	RedisConnections hiredis contexts; cm_redis_pool_run() borrows one,
/*	waiting while all are in use, runs fn on it and gives it back. fn
/*	sends its commands, reads every reply, and returns one of:
/* .IP CM_XCHG_OK
/*	done.
/* .IP CM_XCHG_FAIL
/*	failed (a message is in err), and the context is still in step
/*	with the server.
/* .IP CM_XCHG_BROKEN
/*	an I/O or protocol error. The context is freed, not returned: the
/*	reply may still arrive, and the next caller would take it for the
/*	answer to its own command. A context that sat in the pool may have
/*	died meanwhile (Redis restarted, or Sentinel made clients reconnect
/*	after a failover): then fn is repeated once on a new connection.
/*	Use it only for commands that can safely be repeated (reads).
/* .IP CM_XCHG_TIMEOUT
/*	a timeout: the context is freed and fn is not repeated, which would
/*	double the wait.
/* .IP CM_XCHG_UNREADY
/*	the server cannot serve now (cm_redis_reply_unready(): READONLY,
/*	MASTERDOWN, LOADING). The context is freed, so that the next
/*	connect asks the sentinels again, and fn is repeated once on a new
/*	connection.
/* .PP
/*	After a failed connect to the primary, connects fail at once for
/*	200 ms, so that while Redis is down a message costs a quick error
/*	and not a connect timeout.
/*
/*	RedisTimeout bounds what one request waits in all: a wait for a
/*	free connection (at most RedisTimeout) comes off its command's
/*	timeout. After a command timed out (Redis stalled or overloaded),
/*	requests fail at once, except one every 200 ms, which tries Redis
/*	again; the first answer ends this. So a stalled Redis holds one
/*	session at a time for a RedisTimeout, not every session in turn.
/*
/*	When RedisReplica cannot be reached, or answers as a server not
/*	ready to serve, the pool reads from the primary instead: a relay
/*	whose replica is down should not defer all its mail while the
/*	primary is up. The replica is tried again after a second;
/*	connections opened to the primary meanwhile are closed after a
/*	second too, so that reads go back to the replica when it is back.
/*	The switch is logged once each way.
/*
/*	cm_redis_pool_standin() returns 1 while the pool reads from the
/*	primary in place of RedisReplica (the replica's last connect or
/*	answer failed, and none has succeeded since), else 0. Inside fn,
/*	cm_redis_pool_standin_run() returns 1 when fn's context is such
/*	a stand-in (a thread-local flag that cm_redis_pool_run() sets
/*	around the call), else 0. The consent cache needs both: its
/*	invalidation link listens to the replica, so what the primary
/*	answers is not covered by it (store_cache(3)).
/*
/*	cm_redis_pool_healthy() returns 0 when there is a sign that Redis
/*	went away: the last connect failed (and none succeeded since), or
/*	Redis closed an idle pooled connection (it shut down or restarted;
/*	such connections are dropped on the spot), else 1. It does not
/*	talk to Redis, so 1 is no promise: store(3) uses it to decide
/*	whether answers that it cached may still be used. A failed
/*	connect or command counts at once; idle connections are looked
/*	at (one poll(2)) at most every 100 ms, as the question is asked
/*	for every message.
/*
/*	cm_redis_pool_reset() closes every idle connection at once and
/*	every borrowed one when it is given back, so that the next
/*	requests connect anew (asking the sentinels again): tracking(3)
/*	calls it when its invalidation link comes up, so that no lookup
/*	reads from a server other than the one that reports changes.
/*
/*	cm_redis_pool_error() describes a failed context, with its address,
/*	and returns CM_XCHG_TIMEOUT or CM_XCHG_BROKEN, for fn to return.
/*
/*	cm_redis_pool_destroy() closes the connections and frees the pool,
/*	when no call is in progress.
/* DIAGNOSTICS
/*	cm_redis_pool_create() returns a null pointer and
/*	cm_redis_pool_run() -1, with a one-line reason in err (see
/*	redisconn(3)); after a fail-fast refusal it is the last connect
/*	error followed by "(not retried within 200 ms)".
/*
/*	An outage of the primary is logged once when a connect first
/*	fails ("consent store down: redis ADDR: reason") and once when a
/*	connect works again ("consent store: redis ADDR answers again
/*	(after N s)"), not once per message.
/* BUGS
/*	A write to a connection that Redis closed raises SIGPIPE. The
/*	process must ignore that signal: smfi_main() does so for the
/*	daemon; other programs must do it themselves.
/* SEE ALSO
/*	redisconn(3), connect, AUTH and Sentinel.
/*	store(3), what is read.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

/* Utility library. */

#include <hiredis/hiredis.h>

/* Application-specific. */

#include "clock.h"
#include "log.h"
#include "redisconn.h"
#include "redispool.h"

#define CM_POOL_RETRY_MS	200	/* no connect soon after a failure */
#define CM_POOL_REPLICA_MS	1000	/* replica down: primary this long */
#define CM_POOL_ERRSZ		512	/* internal message buffers */
#define CM_POOL_PROBE_MAX	16	/* idle connections looked at */
#define CM_POOL_PROBE_MS	100	/* and not more often than this */

/* One borrowed or idle connection. */
typedef struct pool_conn {
    redisContext *c;
    int     replica;			/* connected to RedisReplica */
    unsigned long gen;			/* opened in this generation */
    long long expires;			/* close then (ms, monotonic); 0: never */
} pool_conn;

/* What one request went through to get its connection. */
typedef struct pool_req {
    int     reused;			/* the connection was idle, not new */
    int     probe;			/* it tries a stalled Redis again */
    long long waited_ms;		/* for a free slot, this long */
} pool_req;

struct cm_redis_pool {
    cm_redis_target target;		/* addresses, timeout, password */
    pthread_mutex_t lock;		/* protects what follows */
    pthread_cond_t freed;		/* a context became available */
    pool_conn *idle;			/* connected, unused contexts */
    int     idle_count;
    int     available;			/* contexts that may be borrowed */
    long long retry_at;			/* no connect before (ms, monotonic) */
    int     stalled;			/* a command timed out: fail fast */
    int     probing;			/* one request tries Redis again */
    long long stalled_until;		/* not before then */
    char    stall_err[CM_POOL_ERRSZ];	/* that timeout */
    char    down_err[CM_POOL_ERRSZ];	/* why the last connect failed */
    long long probe_next;		/* healthy(): look again (atomic) */
    int     probe_ok;			/* what it saw last time (atomic) */
    long long replica_retry_at;		/* primary only, until then */
    int     replica_down;		/* the replica failed last time */
    long long down_since;		/* primary unreachable since, or 0 */
    unsigned long gen;			/* atomic: cm_redis_pool_reset() count */
};

/* probe_reset - a sign that Redis went away: healthy() says 0 at once */

static void probe_reset(cm_redis_pool *pool)
{
    __atomic_store_n(&pool->probe_ok, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&pool->probe_next, 0, __ATOMIC_RELEASE);
}

/* cm_redis_pool_error - describe a failed context; tell timeouts apart */

int     cm_redis_pool_error(const redisContext *c, int saved_errno,
			            char *err, size_t errlen)
{
    return (cm_redis_context_error(c, saved_errno, err, errlen)
	    ? CM_XCHG_TIMEOUT : CM_XCHG_BROKEN);
}

/*
 * Whether the exchange running on this thread reads the primary in place
 * of RedisReplica: set around each call of fn by cm_redis_pool_run().
 */
static __thread int run_standin;

/* cm_redis_pool_standin - the pool reads the primary for the replica */

int     cm_redis_pool_standin(cm_redis_pool *pool)
{
    return (cm_redis_has_replica(&pool->target)
	    && __atomic_load_n(&pool->replica_down, __ATOMIC_ACQUIRE));
}

/* cm_redis_pool_standin_run - fn's context is a stand-in for the replica */

int     cm_redis_pool_standin_run(void)
{
    return (run_standin);
}

/* run_exchange - fn on pc's connection, telling it whether a stand-in */

static int run_exchange(cm_redis_pool *pool, pool_conn *pc,
			        cm_redis_exchange fn, void *arg, char *err,
			        size_t errlen)
{
    int     status;

    run_standin = !pc->replica && cm_redis_has_replica(&pool->target);
    status = fn(pc->c, arg, err, errlen);
    run_standin = 0;
    return (status);
}

/* replica_failed - read from the primary for a while; log the switch */

static void replica_failed(cm_redis_pool *pool, const char *why)
{
    int     was_down;

    pthread_mutex_lock(&pool->lock);
    pool->replica_retry_at = cm_time_mono_ms() + CM_POOL_REPLICA_MS;
    was_down = pool->replica_down;
    pool->replica_down = 1;
    pthread_mutex_unlock(&pool->lock);
    if (!was_down)
	cm_log(LOG_WARNING, "%s: reading from the primary until the replica"
	       " answers again", why);
}

/* replica_connect - a connection to RedisReplica, or null */

static redisContext *replica_connect(cm_redis_pool *pool)
{
    char    why[CM_POOL_ERRSZ];
    redisContext *c;
    int     try, was_down;

    pthread_mutex_lock(&pool->lock);
    try = cm_time_mono_ms() >= pool->replica_retry_at;
    pthread_mutex_unlock(&pool->lock);
    if (!try)
	return (0);
    if ((c = cm_redis_open_replica(&pool->target, why, sizeof(why))) == 0) {
	replica_failed(pool, why);
	return (0);
    }
    pthread_mutex_lock(&pool->lock);
    was_down = pool->replica_down;
    pool->replica_down = 0;
    pthread_mutex_unlock(&pool->lock);
    if (was_down)
	cm_log(LOG_INFO, "redis %s: the replica answers again",
	       cm_redis_context_where(why, sizeof(why), c));
    return (c);
}

/* primary_connect - open and prepare one context, or fail fast */

static redisContext *primary_connect(cm_redis_pool *pool,
				             char *err, size_t errlen)
{
    redisContext *c;
    char    why[CM_POOL_ERRSZ];
    long long was_down = 0;
    int     went_down = 0;

    pthread_mutex_lock(&pool->lock);
    if (cm_time_mono_ms() < pool->retry_at) {
	cm_redis_err(err, errlen, "%s (not retried within %d ms)",
		     pool->down_err, CM_POOL_RETRY_MS);
	pthread_mutex_unlock(&pool->lock);
	return (0);
    }
    pthread_mutex_unlock(&pool->lock);

    /* With Sentinel, this asks the sentinels again: see redisconn(3). */
    c = cm_redis_open(&pool->target, why, sizeof(why));

    pthread_mutex_lock(&pool->lock);
    if (c) {
	pool->retry_at = 0;
	was_down = pool->down_since;
	pool->down_since = 0;
    } else {
	pool->retry_at = cm_time_mono_ms() + CM_POOL_RETRY_MS;
	snprintf(pool->down_err, sizeof(pool->down_err), "%s", why);
	probe_reset(pool);
	if (pool->down_since == 0) {
	    pool->down_since = cm_time_mono_ms();
	    went_down = 1;
	}
    }
    pthread_mutex_unlock(&pool->lock);

    /*
     * The administrator reading the mail log during an outage wants to
     * know when it began and when it ended: one line each, not one per
     * message (those say "store-error" in the audit trail).
     */
    if (went_down)
	cm_log(LOG_WARNING, "consent store down: %s", why);
    if (was_down != 0)
	cm_log(LOG_INFO, "consent store: redis %s answers again (after %lld s)",
	       cm_redis_context_where(why, sizeof(why), c),
	       (cm_time_mono_ms() - was_down + 500) / 1000);
    if (c == 0)
	cm_redis_err(err, errlen, "%s", why);
    return (c);
}

/* pool_connect - a new connection: the replica if it answers */

static int pool_connect(cm_redis_pool *pool, pool_conn *pc,
			        char *err, size_t errlen)
{
    int     has_replica = cm_redis_has_replica(&pool->target);

    pc->expires = 0;
    /* Before the connect: one opened across a reset is not kept. */
    pc->gen = __atomic_load_n(&pool->gen, __ATOMIC_ACQUIRE);
    if (has_replica && (pc->c = replica_connect(pool)) != 0) {
	pc->replica = 1;
	return (0);
    }
    pc->replica = 0;
    if ((pc->c = primary_connect(pool, err, errlen)) == 0)
	return (-1);
    /* A stand-in for the replica: do not keep it for ever. */
    if (has_replica)
	pc->expires = cm_time_mono_ms() + CM_POOL_REPLICA_MS;
    return (0);
}

/* pool_give - return a context, or only its slot if it was dropped */

static void pool_give(cm_redis_pool *pool, const pool_conn *pc)
{
    redisContext *old = 0;

    pthread_mutex_lock(&pool->lock);
    if (pc->c && pc->gen != pool->gen)
	old = pc->c;				/* opened before a reset */
    else if (pc->c)
	pool->idle[pool->idle_count++] = *pc;
    pool->available++;
    pthread_cond_signal(&pool->freed);
    pthread_mutex_unlock(&pool->lock);
    if (old)
	redisFree(old);
}

/* probe_done - a stalled Redis answered (1), timed out (0) or neither (-1) */

static void probe_done(cm_redis_pool *pool, const pool_req *rq,
		               int answered)
{
    /* Most requests find Redis fine: no lock for them. */
    if (!rq->probe && answered != 0
	&& !__atomic_load_n(&pool->stalled, __ATOMIC_RELAXED))
	return;
    pthread_mutex_lock(&pool->lock);
    if (rq->probe)
	pool->probing = 0;
    if (answered > 0) {
	__atomic_store_n(&pool->stalled, 0, __ATOMIC_RELAXED);
    } else if (answered == 0) {
	__atomic_store_n(&pool->stalled, 1, __ATOMIC_RELAXED);
	pool->stalled_until = cm_time_mono_ms() + CM_POOL_RETRY_MS;
    }
    pthread_cond_broadcast(&pool->freed);
    pthread_mutex_unlock(&pool->lock);
}

/* timeout_ms - RedisTimeout, in milliseconds */

static long long timeout_ms(const cm_redis_pool *pool)
{
    return (pool->target.timeout.tv_sec * 1000LL
	    + pool->target.timeout.tv_usec / 1000);
}

/* pool_take - borrow a context; connect one when none is idle */

static int pool_take(cm_redis_pool *pool, pool_conn *pc, pool_req *rq,
		             char *err, size_t errlen)
{
    redisContext *expired = 0;
    struct timespec deadline;
    long long wait_ms;
    long long started = 0;

    memset(pc, 0, sizeof(*pc));
    memset(rq, 0, sizeof(*rq));

    /*
     * A session never waits for a slot longer than one RedisTimeout, and
     * not at all while Redis is stalled (a command timed out): then one
     * request every CM_POOL_RETRY_MS tries it again, and all others fail
     * at once until one gets an answer. Without that, every session would
     * block for a RedisTimeout in turn; libmilter's workers would all be
     * waiting, and commands of other sessions would queue behind them,
     * for several timeouts, until the MTA's own milter timeouts fire.
     */
    wait_ms = timeout_ms(pool);
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += wait_ms / 1000;
    deadline.tv_nsec += (wait_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
	deadline.tv_sec++;
	deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&pool->lock);
    if (pool->available == 0)
	started = cm_time_mono_ms();
    for (;;) {
	if (pool->stalled && !rq->probe) {
	    if (pool->probing || cm_time_mono_ms() < pool->stalled_until) {
		cm_redis_err(err, errlen, "%s (failing fast until Redis "
			     "answers again)", pool->stall_err);
		pthread_mutex_unlock(&pool->lock);
		return (-1);
	    }
	    pool->probing = rq->probe = 1;
	}
	if (pool->available > 0)
	    break;
	if (pthread_cond_timedwait(&pool->freed, &pool->lock, &deadline) != 0
	    && pool->available == 0) {
	    if (rq->probe)
		pool->probing = 0;
	    pthread_mutex_unlock(&pool->lock);
	    cm_redis_err(err, errlen, "redis: no connection free within %lld ms"
			 " (Redis slow or stalled)", wait_ms);
	    return (-1);
	}
    }
    pool->available--;
    if (pool->idle_count > 0)
	*pc = pool->idle[--pool->idle_count];
    rq->waited_ms = started != 0 ? cm_time_mono_ms() - started : 0;
    if (pc->c != 0 && ((pc->expires && cm_time_mono_ms() >= pc->expires)
		       || pc->gen != pool->gen)) {
	expired = pc->c;
	pc->c = 0;
    }
    pthread_mutex_unlock(&pool->lock);

    /* Connect outside the lock: other threads keep using the pool. */
    if (expired)
	redisFree(expired);
    if ((rq->reused = (pc->c != 0)) == 0
	&& pool_connect(pool, pc, err, errlen) < 0) {
	probe_done(pool, rq, -1);
	pool_give(pool, pc);
	return (-1);
    }
    return (0);
}

/* pool_gone - a connection failed: healthy() notices at once */

static void pool_gone(cm_redis_pool *pool)
{
    /* Under the lock: a look in progress must not overwrite this. */
    pthread_mutex_lock(&pool->lock);
    probe_reset(pool);
    pthread_mutex_unlock(&pool->lock);
}

/* shorten_timeout - what is left of RedisTimeout after a wait */

static int shorten_timeout(cm_redis_pool *pool, redisContext *c,
			           long long waited_ms)
{
    long long left = timeout_ms(pool) - waited_ms;
    struct timeval tv;

    if (left < 1)
	left = 1;				/* one try, at once */
    tv.tv_sec = left / 1000;
    tv.tv_usec = (left % 1000) * 1000;
    return (redisSetTimeout(c, tv) == REDIS_OK);
}

/* cm_redis_pool_run - run one exchange on a borrowed context */

int     cm_redis_pool_run(cm_redis_pool *pool, cm_redis_exchange fn,
			          void *arg, char *err, size_t errlen)
{
    pool_conn pc;
    pool_req rq;
    char    where[CM_REDIS_WHERESZ];
    char    why[CM_POOL_ERRSZ];
    int     shortened = 0;
    int     status;

    if (pool_take(pool, &pc, &rq, err, errlen) < 0)
	return (-1);

    /*
     * RedisTimeout is what a session may wait for Redis in all: time
     * spent waiting for a slot comes off the command's timeout, which is
     * put back afterwards (a rare path: the pool was exhausted).
     */
    if (rq.waited_ms > 0)
	shortened = shorten_timeout(pool, pc.c, rq.waited_ms);
    status = run_exchange(pool, &pc, fn, arg, err, errlen);
    if (shortened && (status == CM_XCHG_OK || status == CM_XCHG_FAIL)
	&& redisSetTimeout(pc.c, pool->target.timeout) != REDIS_OK)
	status = CM_XCHG_BROKEN;		/* drop it, to be sure */

    /*
     * Repeat once on a new connection when this one may simply have been
     * the wrong one: dead while it sat in the pool (Redis restarted, or
     * Sentinel made clients reconnect after a failover), or connected to
     * a server that cannot serve now. Not after a timeout: that would
     * double the wait.
     */
    if ((status == CM_XCHG_BROKEN && rq.reused) || status == CM_XCHG_UNREADY) {
	if (status == CM_XCHG_UNREADY && pc.replica) {
	    cm_redis_context_where(where, sizeof(where), pc.c);
	    snprintf(why, sizeof(why), "redis %s: %s", where,
		     err && *err ? err : "cannot serve");
	    replica_failed(pool, why);
	}
	pool_gone(pool);
	redisFree(pc.c);
	if (pool_connect(pool, &pc, err, errlen) == 0)
	    status = run_exchange(pool, &pc, fn, arg, err, errlen);
	else
	    status = CM_XCHG_FAIL;
    }
    if (status == CM_XCHG_TIMEOUT) {
	pthread_mutex_lock(&pool->lock);
	snprintf(pool->stall_err, sizeof(pool->stall_err), "%s",
		 err && *err ? err : "redis: timeout");
	pthread_mutex_unlock(&pool->lock);
	probe_done(pool, &rq, 0);
    } else {
	/* An answer, even an error reply, says that Redis is back. */
	probe_done(pool, &rq, status == CM_XCHG_OK || status == CM_XCHG_FAIL
		   || status == CM_XCHG_UNREADY ? 1 : -1);
    }
    if (pc.c && (status == CM_XCHG_BROKEN || status == CM_XCHG_TIMEOUT
		 || status == CM_XCHG_UNREADY)) {
	pool_gone(pool);
	redisFree(pc.c);
	pc.c = 0;
    }
    pool_give(pool, &pc);
    return (status == CM_XCHG_OK ? 0 : -1);
}

/* cm_redis_pool_healthy - no sign that Redis went away */

int     cm_redis_pool_healthy(cm_redis_pool *pool)
{
    struct pollfd pfd[CM_POOL_PROBE_MAX];
    redisContext *dead[CM_POOL_PROBE_MAX];
    long long now = cm_time_mono_ms();
    int     ndead = 0;
    int     n, i, top, ok;

    /*
     * Asked for every message: answer from the last look while it is
     * recent. A failed connect or a dropped connection resets it
     * (probe_reset()), so only a server that closed idle connections
     * can go unnoticed, and for at most CM_POOL_PROBE_MS.
     */
    if (now < __atomic_load_n(&pool->probe_next, __ATOMIC_ACQUIRE))
	return (__atomic_load_n(&pool->probe_ok, __ATOMIC_RELAXED));

    /*
     * An idle connection in step with the server has nothing to read:
     * readable means the server closed it (shut down, restarted, a
     * client timeout). Look under the lock, so that no other thread is
     * using the connections looked at; drop the dead ones at once, so
     * that they do not spoil the next look.
     */
    pthread_mutex_lock(&pool->lock);
    if (pool->retry_at != 0) {			/* the last connect failed */
	pthread_mutex_unlock(&pool->lock);
	return (0);
    }
    n = pool->idle_count < CM_POOL_PROBE_MAX ? pool->idle_count
	: CM_POOL_PROBE_MAX;
    for (i = 0; i < n; i++) {
	pfd[i].fd = pool->idle[pool->idle_count - 1 - i].c->fd;
	pfd[i].events = POLLIN;
	pfd[i].revents = 0;
    }
    top = pool->idle_count - 1;
    if (n > 0 && poll(pfd, n, 0) > 0) {
	/* Highest slot first: the last one fills the hole, and is done. */
	for (i = 0; i < n; i++) {
	    if (pfd[i].revents == 0)
		continue;
	    dead[ndead++] = pool->idle[top - i].c;
	    pool->idle[top - i] = pool->idle[--pool->idle_count];
	}
    }
    ok = (ndead == 0);
    __atomic_store_n(&pool->probe_ok, ok, __ATOMIC_RELAXED);
    __atomic_store_n(&pool->probe_next, ok ? now + CM_POOL_PROBE_MS : 0,
		     __ATOMIC_RELEASE);
    pthread_mutex_unlock(&pool->lock);
    for (i = 0; i < ndead; i++)
	redisFree(dead[i]);
    return (ok);
}

/* cm_redis_pool_reset - no connection opened before this is used again */

void    cm_redis_pool_reset(cm_redis_pool *pool)
{
    redisContext **old;
    int     n = 0;

    pthread_mutex_lock(&pool->lock);
    __atomic_add_fetch(&pool->gen, 1, __ATOMIC_ACQ_REL);
    if ((old = calloc(pool->idle_count + 1, sizeof(*old))) != 0)
	while (pool->idle_count > 0)
	    old[n++] = pool->idle[--pool->idle_count].c;
    pthread_mutex_unlock(&pool->lock);
    while (n > 0)
	redisFree(old[--n]);
    free(old);
}

/* pool_free - free a pool's memory */

static void pool_free(cm_redis_pool *pool)
{
    free(pool->idle);
    cm_redis_target_free(&pool->target);
    free(pool);
}

/* cm_redis_pool_create - set up the pool; connect later */

cm_redis_pool *cm_redis_pool_create(const cm_config *cfg, char *err,
				            size_t errlen)
{
    cm_redis_pool *pool;

    if ((pool = calloc(1, sizeof(*pool))) == 0) {
	cm_redis_err(err, errlen, "redis: out of memory");
	return (0);
    }
    pool->available = cfg->redis_connections > 0 ? cfg->redis_connections : 1;
    if ((pool->idle = calloc(pool->available, sizeof(*pool->idle))) == 0) {
	cm_redis_err(err, errlen, "redis: out of memory");
	goto fail;
    }
    if (cm_redis_target_init(&pool->target, cfg, err, errlen) < 0)
	goto fail;
    if (pthread_mutex_init(&pool->lock, 0) != 0) {
	cm_redis_err(err, errlen, "redis: cannot create a mutex");
	goto fail;
    }
    if (pthread_cond_init(&pool->freed, 0) != 0) {
	pthread_mutex_destroy(&pool->lock);
	cm_redis_err(err, errlen, "redis: cannot create a condition variable");
	goto fail;
    }
    return (pool);

fail:
    pool_free(pool);
    return (0);
}

/* cm_redis_pool_destroy - close all connections, free the pool */

void    cm_redis_pool_destroy(cm_redis_pool *pool)
{
    if (pool == 0)
	return;
    while (pool->idle_count > 0)
	redisFree(pool->idle[--pool->idle_count].c);
    pthread_cond_destroy(&pool->freed);
    pthread_mutex_destroy(&pool->lock);
    pool_free(pool);
}
