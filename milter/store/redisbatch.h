#ifndef CM_REDISBATCH_H
#define CM_REDISBATCH_H

/*++
/* NAME
/*	redisbatch 3h
/* SUMMARY
/*	automatic pipelining of small Redis exchanges
/* SYNOPSIS
/*	#include "redisbatch.h"
/*
/*	cm_redis_batch_create/free/run(): small Redis exchanges of
/*	concurrent sessions, pipelined together.
/* DESCRIPTION
/*	See redisbatch.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <semaphore.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

#include "redispool.h"

typedef struct cm_redis_batch cm_redis_batch;

/* Append the commands of one request; read its replies. */
typedef int (*cm_redis_append_fn) (redisContext *c, void *arg,
				           char *err, size_t errlen);
typedef int (*cm_redis_read_fn) (redisContext *c, void *arg,
				         char *err, size_t errlen);

/* One request, on its caller's stack while it waits. */
typedef struct cm_redis_call {
    cm_redis_append_fn append;
    cm_redis_read_fn read;
    void   *arg;
    char   *err;				/* the caller's buffer */
    size_t  errlen;
    /* Private to redisbatch.c. */
    int     status;
    int     done;			/* status is set */
    sem_t   wake;			/* posted: done, or lead run */
    struct cm_redis_call *next;		/* in the queue or a batch */
    struct cm_redis_call *run;		/* the batch to lead, or NULL */
} cm_redis_call;

extern cm_redis_batch *cm_redis_batch_create(cm_redis_pool *pool,
					             int leaders);
extern void cm_redis_batch_free(cm_redis_batch *batch);
extern int cm_redis_batch_run(cm_redis_batch *batch, cm_redis_call *call);
extern int cm_redis_timed_run(cm_redis_pool *pool, cm_redis_exchange fn,
			              void *arg, char *err, size_t errlen);

#endif
