#ifndef CM_TRACKING_H
#define CM_TRACKING_H

/*++
/* NAME
/*	tracking 3h
/* SUMMARY
/*	the invalidation link that keeps the consent cache honest
/* SYNOPSIS
/*	#include "tracking.h"
/*
/*	cm_tracker_create/start/destroy(): Redis's invalidation messages
/*	into a consentcache(3); cm_tracker_client_id/pending(): its state.
/* DESCRIPTION
/*	See tracking.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#include "config.h"
#include "consentcache.h"
#include "redispool.h"

typedef struct cm_tracker cm_tracker;

extern cm_tracker *cm_tracker_create(const cm_config *cfg, cm_ccache *cc,
				             cm_redis_pool *pool,
				             char *err, size_t errlen);
extern int cm_tracker_start(cm_tracker *t);
extern void cm_tracker_destroy(cm_tracker *t);
extern long long cm_tracker_client_id(cm_tracker *t);
extern int cm_tracker_pending(cm_tracker *t);

#endif
