/*++
/* NAME
/*	redisreply 3
/* SUMMARY
/*	bounded Redis replies
/* SYNOPSIS
/*	#include "redisreply.h"
/*
/*	void	cm_redis_reader_bound(r)
/*	redisReader *r;
/*
/*	void	cm_redis_reply_free(reply)
/*	redisReply *reply;
/* DESCRIPTION
/*	A Redis server, or whatever answers at its address, decides what
/*	hiredis allocates. hiredis 0.14 allocates an array's element
/*	vector for the length the reply declares, before a single element
/*	has arrived, and frees it by visiting every declared slot: the 14
/*	bytes "*2147483647\er\en" cost 16 GB of address space, 9 GB of
/*	memory and two minutes of CPU before the connection is given up.
/*	Redis is a trusted store, but a broken server, a proxy or a
/*	tunnel to the wrong port must cost a store error, not the relay.
/*
/*	cm_redis_reader_bound() makes a hiredis reader build its replies
/*	with the functions of this module (hiredis's
/*	redisReplyObjectFunctions). They build the same redisReply
/*	objects as hiredis's own, read the same way, but each reply is
/*	one block of memory and its arena (a few blocks for a large
/*	reply), to be freed with cm_redis_reply_free(), never with
/*	freeReplyObject() (tests/layers.sh fails a call of it in milter/).
/*	A reply of a consent record, a dozen objects, costs one
/*	malloc(3) and one free(3) instead of two dozen of each. Also:
/* .IP \(bu
/*	an array's element vector grows as its elements arrive (doubling),
/*	so that memory follows what was received, never what was
/*	declared;
/* .IP \(bu
/*	an array that declares more than CM_REDIS_ARRAY_MAX elements, a
/*	string (bulk, status or error) longer than CM_REDIS_STRING_MAX
/*	bytes, and a reply of more than CM_REDIS_REPLY_OBJECTS objects or
/*	CM_REDIS_REPLY_BYTES string bytes in all, are refused. A refusal
/*	fails the reply as a protocol error, with the reason as the
/*	error text (the context's errstr): "reply refused: array of
/*	2147483647 elements (at most 1048576)". The caller sees an error,
/*	never a short or empty answer, and must drop the connection.
/* .PP
/*	The limits are far above any reply the programs ask for (see
/*	redisreply.h). Every connection that redisconn(3) opens is bound,
/*	for the daemon's lookups and for consentctl alike.
/*
/*	cm_redis_reply_free() frees a reply that such a reader gave out
/*	(redisGetReply(), redisCommand()), with everything in it; a null
/*	pointer is ignored. Elements of a reply are not freed alone.
/*
/*	How a refusal fails the reply: hiredis 0.14 takes a null object
/*	from these functions for "Out of memory", and offers no other way
/*	to fail. So the refusing function sets the reader's error (err,
/*	errstr: public fields of the reader, found from the task, which
/*	is one of the reader's rstack) and returns a placeholder that
/*	stands for everything of this reply from then on. hiredis checks
/*	the error when it runs out of input or the reply is complete,
/*	before it hands out a reply, and reads no more into an erring
/*	reader; the placeholder is never freed, what was built before is
/*	freed with the reader.
/* BUGS
/*	hiredis creates a string only once all its bytes have arrived, so
/*	a string longer than CM_REDIS_STRING_MAX is refused then, not
/*	when its length is read: until then each read waits at most
/*	RedisTimeout, and the bytes wait in hiredis's input buffer.
/* SEE ALSO
/*	redisconn(3), which installs these functions on every connection.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */

#include <hiredis/hiredis.h>

/* Application-specific. */

#include "redisreply.h"

#define CM_REPLY_FIRST	4		/* first element vector size */
#define CM_REPLY_ROOT_SIZE 1024		/* an array's first allocation */
#define CM_REPLY_CHUNK	4096		/* the first chunk after that */
#define CM_REPLY_CHUNK_MAX (64 * 1024)	/* chunks grow to this size */

 /*
  * Every top-level reply is a reply_root, allocated as one block; the
  * redisReply comes first, so that the pointer callers hold is the
  * block's. An array's elements, their strings and element vectors come
  * from an arena: the space after the root, then chunks that are freed
  * with the root. A reply of a dozen objects is one malloc(3) where
  * hiredis makes two per string and one per growth of a vector; and
  * one free(3) where freeReplyObject() visits every object.
  */
typedef struct reply_chunk {
    struct reply_chunk *next;
} reply_chunk;

typedef struct reply_root {
    redisReply reply;
    size_t  objects;			/* created in this reply */
    size_t  bytes;			/* string bytes in this reply */
    char   *room;			/* the arena's unused space */
    size_t  left;			/* its size */
    size_t  chunk_size;			/* the last chunk's size */
    reply_chunk *chunks;		/* freed with the root */
} reply_root;

 /*
  * Arena blocks are aligned for any member of a redisReply (and the
  * pointers of an element vector).
  */
union reply_align {
    long long ll;
    void   *ptr;
    size_t  size;
    double  d;
};
struct reply_align_probe {
    char    c;
    union reply_align u;
};

#define REPLY_ALIGN	offsetof(struct reply_align_probe, u)
#define REPLY_ROUND(n)	(((n) + REPLY_ALIGN - 1) & ~(REPLY_ALIGN - 1))
#define REPLY_HEAD	REPLY_ROUND(sizeof(reply_root))
#define CHUNK_HEAD	REPLY_ROUND(sizeof(reply_chunk))

static redisReply refused_reply;		/* what follows a refusal */

/* reader_of - the reader that a task belongs to */

static redisReader *reader_of(const redisReadTask *task)
{
    while (task->parent)
	task = task->parent;
    /*
     * The root task is rstack[0] of its reader (hiredis 0.14; later
     * versions keep the tasks elsewhere and this does not compile).
     */
    return ((redisReader *) ((char *) task - offsetof(redisReader, rstack)));
}

/* refuse - fail the reply, with the reason as the reader's error */

static void *refuse(const redisReadTask *task, const char *what,
		            long long n, const char *unit, long max)
{
    redisReader *r = reader_of(task);

    if (r->err == 0) {
	r->err = REDIS_ERR_PROTOCOL;
	snprintf(r->errstr, sizeof(r->errstr),
		 "reply refused: %s %lld %s (at most %ld)", what, n, unit, max);
    }
    return (&refused_reply);
}

/* refusing - this reply was refused: build nothing more of it */

static int refusing(const redisReadTask *task)
{
    return (reader_of(task)->err != 0);
}

/* reply_root_of - the root of the reply a task belongs to */

static reply_root *reply_root_of(const redisReadTask *task)
{
    while (task->parent)
	task = task->parent;
    /* The root is an array: only arrays have children. */
    return ((reply_root *) task->obj);
}

/* arena_alloc - n bytes of the reply's arena, aligned; null: no memory */

static void *arena_alloc(reply_root *root, size_t n)
{
    reply_chunk *c;
    size_t  size;
    char   *p;

    /* n is bounded by the reply limits (redisreply.h): no overflow. */
    n = REPLY_ROUND(n);
    if (n > root->left) {

	/*
	 * A block larger than half a chunk gets a chunk of its own, and
	 * the current one stays in use; the others grow by doubling, so
	 * that a large reply costs a few allocations, and what is left
	 * unused is at most what was used.
	 */
	if (n > CM_REPLY_CHUNK / 2) {
	    if ((c = malloc(CHUNK_HEAD + n)) == 0)
		return (0);
	    c->next = root->chunks;
	    root->chunks = c;
	    return ((char *) c + CHUNK_HEAD);
	}
	size = root->chunk_size == 0 ? CM_REPLY_CHUNK
	    : root->chunk_size < CM_REPLY_CHUNK_MAX ? 2 * root->chunk_size
	    : CM_REPLY_CHUNK_MAX;
	if ((c = malloc(size)) == 0)
	    return (0);
	c->next = root->chunks;
	root->chunks = c;
	root->chunk_size = size;
	root->room = (char *) c + CHUNK_HEAD;
	root->left = size - CHUNK_HEAD;
    }
    p = root->room;
    root->room += n;
    root->left -= n;
    return (p);
}

/* account - count one more object; 0, or -1 when the reply is too big */

static int account(const redisReadTask *task, size_t bytes)
{
    reply_root *root;

    if (task->parent == 0)
	return (0);
    root = reply_root_of(task);
    if (root->objects + 1 > (size_t) CM_REDIS_REPLY_OBJECTS) {
	(void) refuse(task, "reply of", (long long) root->objects + 1,
		      "objects", CM_REDIS_REPLY_OBJECTS);
	return (-1);
    }
    if (bytes > (size_t) CM_REDIS_REPLY_BYTES - root->bytes) {
	(void) refuse(task, "reply of", (long long) (root->bytes + bytes),
		      "string bytes", CM_REDIS_REPLY_BYTES);
	return (-1);
    }
    root->objects++;
    root->bytes += bytes;
    return (0);
}

/* attach - put an element into its parent array, growing the vector */

static int attach(const redisReadTask *task, redisReply *r)
{
    redisReply *parent;
    redisReply **vec;
    size_t  idx, size, declared;

    if (task->parent == 0)
	return (0);
    parent = task->parent->obj;
    declared = (size_t) task->parent->elements;
    idx = (size_t) task->idx;
    /* hiredis fills an array in order; anything else is a bug. */
    if (parent->type != REDIS_REPLY_ARRAY || idx != parent->elements
	|| idx >= declared)
	abort();

    /*
     * The vector has room for CM_REPLY_FIRST, then for each power of
     * two, never more than declared: it grows at index 0 and at each
     * power of two from CM_REPLY_FIRST on, into a new block of the
     * arena (the old one stays unused: at most half of all vectors).
     */
    if (idx == 0 || (idx >= CM_REPLY_FIRST && (idx & (idx - 1)) == 0)) {
	size = idx == 0 ? CM_REPLY_FIRST : 2 * idx;
	if (size > declared)
	    size = declared;
	if ((vec = arena_alloc(reply_root_of(task), size * sizeof(*vec))) == 0)
	    return (-1);
	if (idx > 0)
	    memcpy(vec, parent->element, idx * sizeof(*vec));
	parent->element = vec;
    }
    parent->element[idx] = r;
    parent->elements = idx + 1;
    return (0);
}

/* new_object - a reply object for a task, with extra bytes after it */

static redisReply *new_object(const redisReadTask *task, int type,
			              size_t extra)
{
    reply_root *root;
    redisReply *r;
    size_t  inline_room;

    /*
     * A top-level reply is a root: a string's bytes follow it, an
     * array gets the first part of its arena after it.
     */
    if (task->parent == 0) {
	inline_room = type == REDIS_REPLY_ARRAY ?
	    CM_REPLY_ROOT_SIZE - REPLY_HEAD : extra;
	if ((root = malloc(REPLY_HEAD + inline_room)) == 0)
	    return (0);
	memset(root, 0, sizeof(*root));
	root->objects = 1;
	if (type == REDIS_REPLY_ARRAY) {
	    root->room = (char *) root + REPLY_HEAD;
	    root->left = inline_room;
	}
	r = &root->reply;
	if (extra > 0)
	    r->str = (char *) root + REPLY_HEAD;
    } else {
	if ((r = arena_alloc(reply_root_of(task),
			     REPLY_ROUND(sizeof(*r)) + extra)) == 0)
	    return (0);
	memset(r, 0, sizeof(*r));
	if (extra > 0)
	    r->str = (char *) r + REPLY_ROUND(sizeof(*r));
    }
    r->type = type;
    return (r);
}

/* finish - attach a new object; null when there is no memory */

static void *finish(const redisReadTask *task, redisReply *r)
{
    if (r == 0)
	return (0);
    if (attach(task, r) < 0)
	return (0);			/* r is freed with the root */
    return (r);
}

/* create_string - a bulk string, status or error line */

static void *create_string(const redisReadTask *task, char *str, size_t len)
{
    redisReply *r;

    if (refusing(task))
	return (&refused_reply);
    if (len > (size_t) CM_REDIS_STRING_MAX)
	return (refuse(task, "string of", (long long) len, "bytes",
		       CM_REDIS_STRING_MAX));
    if (task->type != REDIS_REPLY_STRING && task->type != REDIS_REPLY_STATUS
	&& task->type != REDIS_REPLY_ERROR)
	abort();
    if (account(task, len) < 0)
	return (&refused_reply);
    if ((r = new_object(task, task->type, len + 1)) == 0)
	return (0);
    memcpy(r->str, str, len);
    r->str[len] = 0;
    r->len = len;
    return (finish(task, r));
}

/* create_array - an array, its elements yet to come */

static void *create_array(const redisReadTask *task, int elements)
{
    if (refusing(task))
	return (&refused_reply);
    if (elements > CM_REDIS_ARRAY_MAX)
	return (refuse(task, "array of", elements, "elements",
		       CM_REDIS_ARRAY_MAX));
    if (account(task, 0) < 0)
	return (&refused_reply);
    /* No vector yet: attach() grows it as the elements arrive. */
    return (finish(task, new_object(task, REDIS_REPLY_ARRAY, 0)));
}

/* create_integer - an integer */

static void *create_integer(const redisReadTask *task, long long value)
{
    redisReply *r;

    if (refusing(task) || account(task, 0) < 0)
	return (&refused_reply);
    if ((r = new_object(task, REDIS_REPLY_INTEGER, 0)) == 0)
	return (0);
    r->integer = value;
    return (finish(task, r));
}

/* create_nil - a null bulk string or array */

static void *create_nil(const redisReadTask *task)
{
    redisReply *r;

    if (refusing(task) || account(task, 0) < 0)
	return (&refused_reply);
    if ((r = new_object(task, REDIS_REPLY_NIL, 0)) == 0)
	return (0);
    return (finish(task, r));
}

/* free_object - free what hiredis holds */

static void free_object(void *obj)
{
    cm_redis_reply_free(obj);
}

static redisReplyObjectFunctions bounded = {
    create_string,
    create_array,
    create_integer,
    create_nil,
    free_object,
};

/* cm_redis_reader_bound - build this reader's replies within bounds */

void    cm_redis_reader_bound(redisReader *r)
{
    r->fn = &bounded;
}

/* cm_redis_reply_free - free a reply of a bound reader */

void    cm_redis_reply_free(redisReply *r)
{
    reply_root *root;
    reply_chunk *c, *next;

    if (r == 0 || r == &refused_reply)
	return;
    root = (reply_root *) r;
    for (c = root->chunks; c != 0; c = next) {
	next = c->next;
	free(c);
    }
    free(root);
}
