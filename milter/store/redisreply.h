#ifndef CM_REDISREPLY_H
#define CM_REDISREPLY_H

/*++
/* NAME
/*	redisreply 3h
/* SUMMARY
/*	bounded Redis replies
/* SYNOPSIS
/*	#include "redisreply.h"
/*
/*	cm_redis_reader_bound(): a hiredis reader whose replies are
/*	bounded, so that an absurd reply costs an error, not the memory.
/*	cm_redis_reply_free(): what frees such a reply (never
/*	freeReplyObject()).
/* DESCRIPTION
/*	See redisreply.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#include <hiredis/hiredis.h>

 /*
  * What one reply may hold. The largest replies the programs ask for are
  * a SCAN page (COUNT 1000), one person's consent history (XRANGE) and
  * HGETALL of a consent record (three fields per purpose): far below.
  */
#define CM_REDIS_ARRAY_MAX	(1L << 20)	/* elements of one array */
#define CM_REDIS_STRING_MAX	(1L << 20)	/* bytes of one string */
#define CM_REDIS_REPLY_OBJECTS	(1L << 21)	/* objects in one reply */
#define CM_REDIS_REPLY_BYTES	(32L << 20)	/* string bytes in one reply */

extern void cm_redis_reader_bound(redisReader *r);
extern void cm_redis_reply_free(redisReply *r);

#endif
