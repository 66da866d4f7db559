#ifndef CM_CACHE_H
#define CM_CACHE_H

/*++
/* NAME
/*	cache 3h
/* SUMMARY
/*	short-lived cache of campaign records and sender mappings
/* SYNOPSIS
/*	#include "cache.h"
/*
/*	cm_cache_create/free(); cm_cache_get/put_sender(),
/*	cm_cache_get/put_campaign(): short-lived store answers.
/* DESCRIPTION
/*	See cache.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#include "policy.h"

typedef struct cm_cache cm_cache;

extern cm_cache *cm_cache_create(int slots, int ttl_ms);
extern void cm_cache_free(cm_cache *cache);
extern long long cm_cache_now(void);

extern int cm_cache_get_sender(cm_cache *cache, const char *sender,
			               char *campaign, size_t size, int *found);
extern void cm_cache_put_sender(cm_cache *cache, const char *sender,
				        const char *campaign, long long since);
extern int cm_cache_get_campaign(cm_cache *cache, const char *id,
				         cm_campaign *camp);
extern void cm_cache_put_campaign(cm_cache *cache, const char *id,
				          const cm_campaign *camp,
				          long long since);

#endif
