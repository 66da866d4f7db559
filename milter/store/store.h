#ifndef CM_STORE_H
#define CM_STORE_H

/*++
/* NAME
/*	store 3h
/* SUMMARY
/*	consent store (Redis)
/* SYNOPSIS
/*	#include "store.h"
/*
/*	cm_store_create/destroy/start/ping(); cm_store_cache_info();
/*	cm_store_sender_campaign(),
/*	cm_store_fetch(), cm_store_fetch_rcpts(): the store's answers
/*	for one message: a campaign record and recipient records.
/* DESCRIPTION
/*	See store.c. The key layout is a contract (DESIGN.md section 3).
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#include "address.h"
#include "config.h"
#include "facts.h"
#include "policy.h"

typedef struct cm_store cm_store;

#define CM_STORE_CACHE	(1 << 0)	/* campaign and sender answers, 1 s */

/* cm_store_fetch(): Redis answered, the campaign's record is unreadable. */
#define CM_STORE_INVALID	(-2)

extern cm_store *cm_store_create(const cm_config *cfg, char *err, size_t errlen);
extern cm_store *cm_store_create_flags(const cm_config *cfg, int flags,
				               char *err, size_t errlen);
extern void cm_store_destroy(cm_store *st);
extern int cm_store_start(cm_store *st);

/* The consent cache (ConsentCache), for metrics and logs. */
typedef struct cm_store_cache_state {
    int     configured;			/* ConsentCache is on */
    int     enabled;			/* served now: the link is healthy */
    long long entries;
    long long bytes;
    long long hits;
    long long misses;
    long long flushes;
} cm_store_cache_state;

extern void cm_store_cache_info(cm_store *st, cm_store_cache_state *out);
extern int cm_store_ping(cm_store *st, char *err, size_t errlen);

extern int cm_store_sender_campaign(cm_store *st, const char *sender,
				            char *campaign, size_t size,
				            int *found, char *err, size_t errlen);
extern int cm_store_fetch(cm_store *st, const char *campaign_id,
			          cm_campaign *camp, cm_rcpt *rcpts,
			          size_t count, char *err, size_t errlen);
extern int cm_store_fetch_rcpts(cm_store *st, const cm_campaign *camp,
				        cm_rcpt *rcpts, size_t count,
				        char *err, size_t errlen);

#endif
