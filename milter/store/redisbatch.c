/*++
/* NAME
/*	redisbatch 3
/* SUMMARY
/*	automatic pipelining of small Redis exchanges
/* SYNOPSIS
/*	#include "redisbatch.h"
/*
/*	cm_redis_batch *cm_redis_batch_create(pool, leaders)
/*	cm_redis_pool *pool;
/*	int	leaders;
/*
/*	void	cm_redis_batch_free(batch)
/*	cm_redis_batch *batch;
/*
/*	int	cm_redis_batch_run(batch, call)
/*	cm_redis_batch *batch;
/*	cm_redis_call *call;
/*
/*	int	cm_redis_timed_run(pool, fn, arg, err, errlen)
/*	cm_redis_pool *pool;
/*	cm_redis_exchange fn;
/*	void	*arg;
/*	char	*err;
/*	size_t	errlen;
/* DESCRIPTION
/*	At RCPT time every libmilter worker thread needs the answer to a
/*	few reads of its own (one recipient's records) before it can
/*	reply to its MTA. Sent one by one, each costs a write, a wait and
/*	a wake-up on both sides, and most of the daemon's time goes into
/*	those context switches. This module coalesces the requests that
/*	threads make at the same time into shared pipelined writes on the
/*	connections of a redispool(3).
/*
/*	A request (cm_redis_call) has two functions: append() adds its
/*	commands to a hiredis context with redisAppendCommandArgv(), read()
/*	reads exactly as many replies with redisGetReply(). Both return
/*	a redispool(3) outcome (CM_XCHG_OK, CM_XCHG_FAIL: this request failed
/*	but the context is in step, CM_XCHG_UNREADY: the server cannot serve
/*	now, CM_XCHG_BROKEN or CM_XCHG_TIMEOUT: the context is lost). They
/*	write their messages into the request's own err buffer.
/*
/*	cm_redis_batch_run() queues a request. A thread that finds fewer
/*	than leaders batches in flight becomes a leader: it takes every
/*	queued request (up to 64), borrows a connection from the pool,
/*	appends all their commands, sends them in one write, reads every
/*	reply, hands each request its outcome and wakes its thread.
/*	Requests that arrive meanwhile wait; when a leader is done it
/*	hands the lead to the oldest waiting request, whose thread takes
/*	the whole queue as the next batch. So under load a handful of
/*	round trips serve all the threads, and a lone request costs one
/*	round trip, as before.
/*
/*	The pool's rules apply to a batch as a whole: it runs on one
/*	connection within RedisTimeout per reply; after a timeout, an I/O
/*	error or a broken reply the connection is dropped and every
/*	request of the batch fails with the same message (a store error,
/*	never an empty answer); a batch on a pooled connection found dead,
/*	or on a server that answers as unready (LOADING, READONLY,
/*	MASTERDOWN), is repeated once on a new connection, so append()
/*	must start the request's outputs afresh and its commands must be
/*	reads.
/*
/*	cm_redis_batch_run() returns 0 when the request succeeded and -1
/*	(with its err set) when it failed. It may be called from any
/*	number of threads; the call must stay valid until it returns.
/*
/*	cm_redis_batch_free() frees the queue, when no call is in
/*	progress. It does not free the pool.
/*
/*	cm_redis_timed_run() is cm_redis_pool_run() for the store's other
/*	lookups. It and the batches count every lookup round trip (the
/*	write of the commands and the read of their replies, on a
/*	connected context; a repeat on a new connection is another) in
/*	the histogram consent_milter_store_seconds, and every lookup that
/*	fails in consent_milter_store_errors_total (metrics(3); nothing
/*	when the process has no metrics registry).
/* DIAGNOSTICS
/*	cm_redis_batch_create() returns a null pointer when out of memory.
/* SEE ALSO
/*	redispool(3), the connections.
/*	store(3), the user.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */

#include <hiredis/hiredis.h>

/* Application-specific. */

#include "metrics.h"
#include "redisconn.h"
#include "redisbatch.h"
#include "redispool.h"

#define CM_BATCH_MAX	64		/* requests per pipelined write */
#define CM_BATCH_ERRSZ	512		/* a batch's own message */

struct cm_redis_batch {
    cm_redis_pool *pool;
    pthread_mutex_t lock;		/* protects what follows */
    cm_redis_call *head;		/* queued, not yet sent */
    cm_redis_call *tail;
    int     leaders;			/* batches in flight */
    int     max_leaders;
};

/* set_err - copy a message into a request's buffer */

static void set_err(char *err, size_t errlen, const char *text)
{
    if (err != 0 && errlen > 0)
	snprintf(err, errlen, "%s", text);
}

/* batch_exchange - one write for every request, then every reply */

static int batch_exchange(redisContext *c, void *arg, char *err,
			          size_t errlen)
{
    cm_redis_call *first = arg;
    cm_redis_call *call;
    int     status;
    int     unready = 0;
    int     done;

    /*
     * Appending only fills hiredis's output buffer; a failure there
     * leaves earlier requests' commands in it, so the context goes.
     */
    for (call = first; call != 0; call = call->next) {
	call->status = CM_XCHG_OK;
	if ((status = call->append(c, call->arg, call->err,
				   call->errlen)) != CM_XCHG_OK) {
	    set_err(err, errlen, call->err);
	    return (status == CM_XCHG_TIMEOUT ? status : CM_XCHG_BROKEN);
	}
    }
    do {
	if (redisBufferWrite(c, &done) != REDIS_OK)
	    return (cm_redis_pool_error(c, errno, err, errlen));
    } while (!done);

    /* A request that failed has read its replies too: still in step. */
    for (call = first; call != 0; call = call->next) {
	status = call->read(c, call->arg, call->err, call->errlen);
	if (status == CM_XCHG_BROKEN || status == CM_XCHG_TIMEOUT) {
	    set_err(err, errlen, call->err);
	    return (status);
	}
	if (status == CM_XCHG_UNREADY && !unready) {
	    unready = 1;
	    set_err(err, errlen, call->err);
	}
	call->status = status;
    }
    return (unready ? CM_XCHG_UNREADY : CM_XCHG_OK);
}

/* A timed exchange: the exchange and its argument. */
struct timed {
    cm_redis_exchange fn;
    void   *arg;
};

/* timed_exchange - one round trip, counted in the store histogram */

static int timed_exchange(redisContext *c, void *arg, char *err,
			          size_t errlen)
{
    struct timed *t = arg;
    double  start = cm_metrics_clock();
    int     status;

    status = t->fn(c, t->arg, err, errlen);
    cm_metrics_observe(CM_METRIC_STORE_SECONDS, cm_metrics_clock() - start);
    return (status);
}

/* cm_redis_timed_run - cm_redis_pool_run(), timed and failures counted */

int     cm_redis_timed_run(cm_redis_pool *pool, cm_redis_exchange fn,
			           void *arg, char *err, size_t errlen)
{
    struct timed t;

    t.fn = fn;
    t.arg = arg;
    if (cm_redis_pool_run(pool, timed_exchange, &t, err, errlen) != 0) {
	cm_metrics_inc(CM_METRIC_STORE_ERRORS, 0);
	return (-1);
    }
    return (0);
}

/* batch_send - run one batch on a pooled connection; set the outcomes */

static void batch_send(cm_redis_batch *batch, cm_redis_call *first)
{
    cm_redis_call *call;
    char    err[CM_BATCH_ERRSZ];

    struct timed t = {batch_exchange, first};

    err[0] = 0;
    if (cm_redis_pool_run(batch->pool, timed_exchange, &t, err,
			  sizeof(err)) != 0) {
	/* Connect, I/O, timeout or unready twice: all fail alike. */
	for (call = first; call != 0; call = call->next) {
	    call->status = -1;
	    set_err(call->err, call->errlen, err[0] ? err :
		    "redis: request failed");
	    cm_metrics_inc(CM_METRIC_STORE_ERRORS, 0);
	}
	return;
    }
    for (call = first; call != 0; call = call->next)
	if ((call->status = (call->status == CM_XCHG_OK ? 0 : -1)) != 0)
	    cm_metrics_inc(CM_METRIC_STORE_ERRORS, 0);
}

/* batch_detach - take up to CM_BATCH_MAX queued requests (locked) */

static cm_redis_call *batch_detach(cm_redis_batch *batch)
{
    cm_redis_call *first = batch->head;
    cm_redis_call *last = first;
    int     count;

    for (count = 1; count < CM_BATCH_MAX && last->next != 0; count++)
	last = last->next;
    if ((batch->head = last->next) == 0)
	batch->tail = 0;
    last->next = 0;				/* the batch ends here */
    return (first);
}

/* cm_redis_batch_run - queue a request; lead a batch or wait for one */

int     cm_redis_batch_run(cm_redis_batch *batch, cm_redis_call *call)
{
    cm_redis_call *promoted = 0;
    cm_redis_call *this;
    cm_redis_call *next;
    int     lead = 0;

    call->done = 0;
    call->next = call->run = 0;
    if (sem_init(&call->wake, 0, 0) != 0) {
	set_err(call->err, call->errlen, "redis: cannot create a semaphore");
	return (-1);
    }

    /*
     * Requests wait in the queue only while every leader is busy, so a
     * new leader is alone. A leader that finishes hands the next batch,
     * already detached, to the oldest waiting request: who leads what
     * is decided under the lock, once.
     */
    pthread_mutex_lock(&batch->lock);
    if (batch->leaders < batch->max_leaders) {
	batch->leaders++;
	call->run = call;
	lead = 1;
    } else {
	if (batch->tail)
	    batch->tail->next = call;
	else
	    batch->head = call;
	batch->tail = call;
    }
    pthread_mutex_unlock(&batch->lock);

    /*
     * Wait on a semaphore, not a condition variable: a woken thread
     * need not take the lock again, which all the threads of a batch
     * would otherwise do at once, each costing a futex round trip. One
     * post says "done" or "lead", whichever was set before it.
     */
    if (!lead) {
	while (sem_wait(&call->wake) != 0)
	    /* EINTR: wait again */ ;
	if (call->done) {
	    sem_destroy(&call->wake);
	    return (call->status);
	}
    }

    batch_send(batch, call->run);

    pthread_mutex_lock(&batch->lock);
    if (batch->head != 0) {
	promoted = batch->head;
	promoted->run = batch_detach(batch);
    } else {
	batch->leaders--;
    }
    pthread_mutex_unlock(&batch->lock);

    /* Once posted, a request may be gone: read its next pointer first. */
    if (promoted != 0)
	sem_post(&promoted->wake);
    for (this = call->run; this != 0; this = next) {
	next = this->next;
	this->done = 1;
	if (this != call)
	    sem_post(&this->wake);
    }
    sem_destroy(&call->wake);
    return (call->status);
}

/* cm_redis_batch_create - an empty queue in front of a pool */

cm_redis_batch *cm_redis_batch_create(cm_redis_pool *pool, int leaders)
{
    cm_redis_batch *batch;

    if ((batch = calloc(1, sizeof(*batch))) == 0)
	return (0);
    if (pthread_mutex_init(&batch->lock, 0) != 0) {
	free(batch);
	return (0);
    }
    batch->pool = pool;
    batch->max_leaders = leaders > 0 ? leaders : 1;
    return (batch);
}

/* cm_redis_batch_free - free the queue */

void    cm_redis_batch_free(cm_redis_batch *batch)
{
    if (batch == 0)
	return;
    pthread_mutex_destroy(&batch->lock);
    free(batch);
}
