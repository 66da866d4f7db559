#ifndef CM_RATELIMIT_H
#define CM_RATELIMIT_H

/*++
/* NAME
/*	ratelimit 3h
/* SUMMARY
/*	per-client request limit in bounded memory
/* SYNOPSIS
/*	#include "ratelimit.h"
/* DESCRIPTION
/*	See ratelimit.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#define CM_RATELIMIT_FLOOR	20	/* per minute: never fewer */
#define CM_RATELIMIT_CLIENTS	16384	/* clients remembered, default */
#define CM_RATELIMIT_KEY	16	/* bytes of a client key */

typedef struct cm_ratelimit cm_ratelimit;

extern cm_ratelimit *cm_ratelimit_create(int per_minute, size_t clients);
extern void cm_ratelimit_free(cm_ratelimit *rl);
extern int cm_ratelimit_take(cm_ratelimit *rl, const char *client,
			             long long now_ms, int *retry_after);
extern size_t cm_ratelimit_key(const char *client,
			               unsigned char key[CM_RATELIMIT_KEY]);
extern size_t cm_ratelimit_bytes(const cm_ratelimit *rl);

#endif
