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
/*	cm_store_create/destroy/ping(); cm_store_sender_campaign(),
/*	cm_store_fetch(): the store's answers for one message.
/* DESCRIPTION
/*	See store.c. The key layout is a contract (DESIGN.md section 3).
/*--*/

#include <stddef.h>

#include "address.h"
#include "config.h"
#include "policy.h"

typedef struct cm_store cm_store;

/* One recipient to look up: record id in, facts out. */
typedef struct cm_rcpt_lookup {
    char    id[CM_ID_SIZE];		/* record id (plain or HMAC hex) */
    cm_rcpt_facts facts;		/* addr_ok is input; the rest output */
} cm_rcpt_lookup;

#define CM_STORE_CACHE	(1 << 0)	/* campaign and sender answers, 1 s */

extern cm_store *cm_store_create(const cm_config *cfg, char *err, size_t errlen);
extern cm_store *cm_store_create_flags(const cm_config *cfg, int flags,
				               char *err, size_t errlen);
extern void cm_store_destroy(cm_store *st);
extern int cm_store_ping(cm_store *st, char *err, size_t errlen);

extern int cm_store_sender_campaign(cm_store *st, const char *sender,
				            char *campaign, size_t size,
				            int *found, char *err, size_t errlen);
extern int cm_store_fetch(cm_store *st, const char *campaign_id,
			          cm_campaign *camp, cm_rcpt_lookup *rcpts,
			          size_t count, char *err, size_t errlen);

#endif
