#ifndef CM_REDISCONN_H
#define CM_REDISCONN_H

/*++
/* NAME
/*	redisconn 3h
/* SUMMARY
/*	Redis connections as configured
/* SYNOPSIS
/*	#include "redisconn.h"
/*
/*	cm_redis_target_init(), cm_redis_open(), cm_redis_connect():
/*	connections as configured; cm_redis_escape/where(): for messages.
/* DESCRIPTION
/*	See redisconn.c. One way to connect and authenticate, for the
/*	daemon's pool (redispool.c) and for consentctl (writer.c users):
/*	a fixed address (Redis), the primary named by Redis Sentinel
/*	(RedisSentinel), or a replica to read from (RedisReplica).
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "config.h"

#define CM_REDIS_SHOWSZ		200	/* escaped text in a message */
#define CM_REDIS_WHERESZ	(CM_REDIS_SHOWSZ + 16)	/* address label */

/* One server address. */
typedef struct cm_redis_addr {
    char   *host;			/* TCP host, or NULL */
    int     port;
    char   *path;			/* unix socket, or NULL */
} cm_redis_addr;

/* Where and how to connect: see cm_redis_target_init(). */
typedef struct cm_redis_target {
    cm_redis_addr primary;		/* Redis; unused with sentinels */
    cm_redis_addr replica;		/* RedisReplica, or all null */
    cm_redis_addr *sentinels;		/* RedisSentinel, or NULL */
    int     sentinel_count;
    char   *master;			/* the master name for Sentinel */
    int     sentinel_first;		/* ask this one first (atomic) */
    struct timeval timeout;		/* connect, and per command */
    char   *user;			/* ACL user, or NULL */
    char   *password;			/* or NULL: no AUTH */
    char    where[CM_REDIS_WHERESZ];	/* primary's label, for messages */
} cm_redis_target;

#define cm_redis_has_replica(t)	((t)->replica.host || (t)->replica.path)

extern int cm_redis_target_init(cm_redis_target *t, const cm_config *cfg,
				        char *err, size_t errlen);
extern void cm_redis_target_free(cm_redis_target *t);
extern redisContext *cm_redis_open(cm_redis_target *t,
				           char *err, size_t errlen);
extern redisContext *cm_redis_open_replica(cm_redis_target *t,
					           char *err, size_t errlen);

/* One plain connection to the primary (not the daemon's pool). */
extern redisContext *cm_redis_connect(const cm_config *cfg,
				              char *err, size_t errlen);

/* Replies. */
extern int cm_redis_reply_unready(const redisReply *r);
extern int cm_redis_reply_is(const redisReply *r, const char *text);

/* Messages. */
extern void __attribute__((format(printf, 3, 4)))
        cm_redis_err(char *err, size_t errlen, const char *fmt,...);
extern const char *cm_redis_escape(char *buf, size_t bufsz,
				           const char *data, size_t len);
extern const char *cm_redis_where(char *buf, size_t bufsz, const char *path,
				          const char *host, int port);
extern const char *cm_redis_context_where(char *buf, size_t bufsz,
					          const redisContext *c);
extern int cm_redis_io_error(const char *where, const redisContext *c,
			             int saved_errno, char *err,
			             size_t errlen);
extern int cm_redis_context_error(const redisContext *c, int saved_errno,
				          char *err, size_t errlen);
extern const char *cm_redis_reply_show(char *buf, size_t bufsz,
				               const redisReply *r);

#endif
