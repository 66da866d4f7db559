#ifndef CM_TRACKING_IMPL_H
#define CM_TRACKING_IMPL_H

/*++
/* NAME
/*	tracking_impl 3h
/* SUMMARY
/*	the invalidation link: what its three files share
/* SYNOPSIS
/*	#include "tracking_impl.h"
/* DESCRIPTION
/*	Internal to the tracking module; callers include tracking.h.
/*	See tracking.c, tracking_warm.c and tracking_pending.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

#include <hiredis/hiredis.h>

#include "consentcache.h"
#include "redisconn.h"
#include "redispool.h"
#include "tracking.h"

#define TRACK_ERRSZ		512

 /*
  * The four kinds of cached key (tracking.c): the prefixes tracked, and
  * what the warm-up reads. TRACK_PARTS must match the initializer.
  */
#define TRACK_PARTS	4
extern const char *const track_parts[TRACK_PARTS];

struct cm_tracker {
    cm_redis_target target;		/* where the lookups read */
    cm_ccache *cc;
    cm_redis_pool *pool;
    char   *prefix;			/* KeyPrefix */
    int     warmup;			/* ConsentCacheWarmup */
    int     stop;			/* atomic */
    long long id;			/* atomic: link's client id, 0: down */
    int     fd;				/* atomic: the link's socket, or -1 */
    int     epfd;			/* epoll set of fd (Linux), or -1 */
    int     busy;			/* atomic: messages read, not applied */
    pthread_t thread;
    int     running;
    pthread_t warm_thread;
    int     warm_running;
    long long hits_shown;		/* counted into the metrics so far */
    long long misses_shown;
};

extern redisContext *tracking_link_open(cm_tracker *t, char *err,
				               size_t errlen);
extern redisReply *tracking_link_command(redisContext *c, int argc,
					         const char **argv,
					         const size_t *lens, char *err,
					         size_t errlen);
extern void tracking_warm_start(cm_tracker *t);
extern int tracking_watch_open(cm_tracker *t);
extern int tracking_watch(cm_tracker *t, int fd, int on);
extern ssize_t tracking_pongs_waiting(int fd);

#endif
