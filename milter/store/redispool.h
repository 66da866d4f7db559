#ifndef CM_REDISPOOL_H
#define CM_REDISPOOL_H

/*++
/* NAME
/*	redispool 3h
/* SUMMARY
/*	a shared pool of Redis connections
/* SYNOPSIS
/*	#include "redispool.h"
/*
/*	cm_redis_pool_create/destroy/run(): a shared pool of Redis
/*	connections; cm_redis_pool_healthy/error(): its state;
/*	cm_redis_pool_reset(): for the consent cache.
/* DESCRIPTION
/*	See redispool.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#include <hiredis/hiredis.h>

#include "config.h"

typedef struct cm_redis_pool cm_redis_pool;

 /*
  * Outcome of one exchange with Redis. Only CM_XCHG_OK and CM_XCHG_FAIL leave
  * the context in step with the server.
  */
#define CM_XCHG_OK	0		/* done */
#define CM_XCHG_FAIL	(-1)		/* failed, context still usable */
#define CM_XCHG_BROKEN	(-2)		/* I/O, protocol error: drop it */
#define CM_XCHG_TIMEOUT	(-3)		/* timed out: drop it, no repeat */
#define CM_XCHG_UNREADY	(-4)		/* LOADING, READONLY...: drop it */

/* One exchange with Redis on a borrowed context. */
typedef int (*cm_redis_exchange) (redisContext *c, void *arg,
				          char *err, size_t errlen);

extern cm_redis_pool *cm_redis_pool_create(const cm_config *cfg,
					           char *err, size_t errlen);
extern void cm_redis_pool_destroy(cm_redis_pool *pool);
extern int cm_redis_pool_run(cm_redis_pool *pool, cm_redis_exchange fn,
			             void *arg, char *err, size_t errlen);
extern int cm_redis_pool_healthy(cm_redis_pool *pool);
extern int cm_redis_pool_standin(cm_redis_pool *pool);
extern int cm_redis_pool_standin_run(void);
extern void cm_redis_pool_reset(cm_redis_pool *pool);
extern int cm_redis_pool_error(const redisContext *c, int saved_errno,
			               char *err, size_t errlen);

#endif
