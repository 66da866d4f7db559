/* SPDX-License-Identifier: BSD-3-Clause; Copyright (c) 2026 the consent-milter authors. */
/*
 * fuzz_reply - libFuzzer target for the Redis reply reader exactly as
 * every connection has it: hiredis's redisReader with the bounded reply
 * functions of milter/store/redisreply.c (cm_redis_reader_bound()). The
 * input is what a server sends, fed in pieces of varying size (the
 * first byte picks the piece size), as a socket delivers it; every
 * reply is walked and freed as the callers do.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "redisreply.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t objects;

/* walk - touch every object, check the shape the callers rely on */

static void walk(const redisReply *r, int depth)
{
    size_t  i;

    if (r == 0 || depth > 8 || ++objects > CM_REDIS_REPLY_OBJECTS)
	abort();
    switch (r->type) {
    case REDIS_REPLY_ARRAY:
	if (r->elements > (size_t) CM_REDIS_ARRAY_MAX
	    || (r->elements > 0 && r->element == 0))
	    abort();
	for (i = 0; i < r->elements; i++)
	    walk(r->element[i], depth + 1);
	break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
	if (r->str == 0 || r->len > (size_t) CM_REDIS_STRING_MAX
	    || r->str[r->len] != 0)
	    abort();
	break;
    case REDIS_REPLY_INTEGER:
    case REDIS_REPLY_NIL:
	break;
    default:
	abort();
    }
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    redisReader *r;
    void   *reply;
    size_t  piece, off = 0, n;

    if (size == 0)
	return (0);
    piece = 1 + data[0] % 64;
    data++;
    size--;
    if ((r = redisReaderCreate()) == 0)
	return (0);
    cm_redis_reader_bound(r);
    while (off < size) {
	n = size - off < piece ? size - off : piece;
	if (redisReaderFeed(r, (const char *) data + off, n) != REDIS_OK)
	    break;
	off += n;
	for (;;) {
	    if (redisReaderGetReply(r, &reply) != REDIS_OK) {
		/* An error has its text, and no reply comes out. */
		if (r->err == 0 || memchr(r->errstr, 0, sizeof(r->errstr)) == 0
		    || reply != 0)
		    abort();
		off = size;		/* the connection would be dropped */
		break;
	    }
	    if (reply == 0)
		break;
	    objects = 0;
	    walk(reply, 0);
	    cm_redis_reply_free(reply);
	}
    }
    redisReaderFree(r);
    return (0);
}
