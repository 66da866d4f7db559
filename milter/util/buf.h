#ifndef CM_BUF_H
#define CM_BUF_H

/*++
/* NAME
/*	buf 3h
/* SUMMARY
/*	growable byte buffer
/* SYNOPSIS
/*	#include "buf.h"
/*
/*	cm_buf, CM_BUF_INIT: a NUL-terminated byte buffer that grows.
/*	cm_buf_add*(), cm_buf_printf(): append; cm_buf_str(): the text;
/*	cm_buf_reserve(): room for a writer that fills it in place.
/* DESCRIPTION
/*	See buf.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cm_buf {
    char   *data;			/* always NUL-terminated when len > 0 */
    size_t  len;			/* bytes used, excluding the NUL */
    size_t  cap;			/* bytes allocated */
    int     oom;			/* an allocation failed: contents cut */
} cm_buf;

#define CM_BUF_INIT	{ 0, 0, 0, 0 }

extern void cm_buf_init(cm_buf *b);
extern void cm_buf_free(cm_buf *b);
extern void cm_buf_reset(cm_buf *b);
extern void cm_buf_add_slow(cm_buf *b, const char *s, size_t len);
#define CM_UINT_DIGITS	20		/* digits of the largest 64-bit number */
extern size_t cm_uint_digits(char *out, unsigned long long n);
extern void cm_buf_add_uint(cm_buf *b, unsigned long long n);
extern void cm_buf_printf(cm_buf *b, const char *fmt,...)
	    __attribute__((format(printf, 2, 3)));
extern void cm_buf_vprintf(cm_buf *b, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));
extern const char *cm_buf_str(const cm_buf *b);	/* "" when empty */
extern int cm_buf_grow(cm_buf *b, size_t more);

 /*
  * The fast paths, inline (as Postfix's VSTRING_ADDCH is a macro): the
  * audit line is built from a few dozen small appends, and a call for
  * each one cost more than the copying. The room test relies on the
  * invariant cap >= len + 1 once the buffer holds memory (cap - len
  * is 0 for a buffer that never did, which takes the slow path).
  */

/* cm_buf_reserve - make room for more bytes plus the NUL */

static inline int cm_buf_reserve(cm_buf *b, size_t more)
{
    return (more < b->cap - b->len ? 1 : cm_buf_grow(b, more));
}

/* cm_buf_add - append bytes */

static inline void cm_buf_add(cm_buf *b, const char *s, size_t len)
{
    /* No object is larger than PTRDIFF_MAX: that tells the compiler. */
    if (len <= PTRDIFF_MAX && len < b->cap - b->len) {
	__builtin_memcpy(b->data + b->len, s, len);
	b->len += len;
	b->data[b->len] = 0;
    } else {
	cm_buf_add_slow(b, s, len);
    }
}

/* cm_buf_adds - append a string */

static inline void cm_buf_adds(cm_buf *b, const char *s)
{
    cm_buf_add(b, s, __builtin_strlen(s));
}

/* cm_buf_addc - append one byte */

static inline void cm_buf_addc(cm_buf *b, char c)
{
    if (1 < b->cap - b->len) {
	b->data[b->len++] = c;
	b->data[b->len] = 0;
    } else {
	cm_buf_add_slow(b, &c, 1);
    }
}

#endif
