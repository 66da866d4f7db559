#ifndef CM_UNSUB_H
#define CM_UNSUB_H

/*++
/* NAME
/*	unsub 3h
/* SUMMARY
/*	consent-unsubscribe: the service's state and its request handler
/* SYNOPSIS
/*	#include "unsub.h"
/* DESCRIPTION
/*	See handler.c (requests) and withdraw.c (the store's part).
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#include "address.h"
#include "audit.h"
#include "config.h"
#include "httpserv.h"
#include "metrics.h"
#include "ratelimit.h"
#include "redispool.h"
#include "unsubtoken.h"

#define CM_UNSUB_PATH_MAX	256	/* bytes of a request path */
#define CM_UNSUB_BODY_MAX	2048	/* bytes of a POST body */
#define CM_UNSUB_HEADER_MAX	8192	/* request line and headers */
#define CM_UNSUB_CONNS		256	/* connections at once */
#define CM_UNSUB_PER_PEER	16	/* of them from one remote address */
#define CM_UNSUB_TIMEOUT	10	/* idle seconds per connection */
#define CM_UNSUB_DEADLINE	10	/* seconds to deliver one request */
#define CM_UNSUB_THREADS	16	/* worker threads */
#define CM_UNSUB_FLOOR_MS	20	/* POST /u/ answers: not sooner */
#define CM_UNSUB_RETRY_AFTER	"60"	/* seconds, with 503 */
#define CM_UNSUB_ADDR_MAX	64	/* a client address, as text */

/* What one POST came to (the "result" label of the opt-out counter). */
typedef enum cm_unsub_outcome {
    CM_UNSUB_DONE,			/* withdrawn now */
    CM_UNSUB_ALREADY,			/* was withdrawn: a replay */
    CM_UNSUB_BADTOKEN,			/* not ours, or leads nowhere */
    CM_UNSUB_STOREDOWN,			/* nothing written: try again */
    CM_UNSUB_OUTCOMES
} cm_unsub_outcome;

/* Request methods and results, for the request counter. */
typedef enum cm_unsub_method {
    CM_UM_GET, CM_UM_HEAD, CM_UM_POST, CM_UM_OTHER, CM_UM_COUNT
} cm_unsub_method;

typedef enum cm_unsub_result {
    CM_UR_PAGE,				/* 200, the page */
    CM_UR_DONE,				/* 200, after a POST */
    CM_UR_UNAVAILABLE,			/* 503 */
    CM_UR_LIMITED,			/* 429 */
    CM_UR_BADBODY,			/* 400: not the RFC 8058 body */
    CM_UR_NOTFOUND,			/* 404 */
    CM_UR_METHOD,			/* 405 */
    CM_UR_TOOLONG,			/* 414 */
    CM_UR_METRICS,			/* 200, /metrics */
    CM_UR_COUNT
} cm_unsub_result;

typedef struct cm_unsub {
    const cm_config *cfg;
    const cm_token_keys *keys;		/* UnsubscribeKeyFile */
    const cm_addrkey *addrkey;		/* AddressKeyFile, or NULL */
    cm_audit *audit;			/* AuditLog */
    cm_redis_pool *pool;		/* the primary: writes */
    cm_ratelimit *limit;		/* UnsubscribeRateLimit */
    cm_metrics *metrics;
    cm_series *requests[CM_UM_COUNT][CM_UR_COUNT];
    cm_series *optouts[CM_UNSUB_OUTCOMES];
    cm_series *audit_errors;
    int     floor_ms;			/* CM_UNSUB_FLOOR_MS; tests: 0 */
} cm_unsub;

/* handler.c */
extern int cm_unsub_metrics_init(cm_unsub *svc);
extern void cm_unsub_handle(void *ctx, const cm_http_request *req,
			            cm_http_reply *reply);
extern int cm_unsub_client(const cm_http_request *req, char *out,
			           size_t outsz);

/* withdraw.c */
extern cm_unsub_outcome cm_unsub_withdraw(cm_unsub *svc, const char *token,
				            const char *client);
extern int cm_unsub_purpose(cm_unsub *svc, const char *token, char *out,
			            size_t outsz);
extern const char *cm_unsub_outcome_name(cm_unsub_outcome outcome);

#endif
