/*++
/* NAME
/*	buf 3
/* SUMMARY
/*	growable byte buffer
/* SYNOPSIS
/*	#include "buf.h"
/*
/*	void	cm_buf_init(b)
/*	cm_buf	*b;
/*
/*	void	cm_buf_free(b)
/*	cm_buf	*b;
/*
/*	void	cm_buf_reset(b)
/*	cm_buf	*b;
/*
/*	void	cm_buf_add(b, s, len)
/*	cm_buf	*b;
/*	const char *s;
/*	size_t	len;
/*
/*	void	cm_buf_adds(b, s)
/*	void	cm_buf_addc(b, c)
/*	void	cm_buf_add_uint(b, n)
/*
/*	size_t	cm_uint_digits(out, n)
/*	char	*out;
/*	unsigned long long n;
/*	void	cm_buf_printf(b, fmt, ...)
/*	void	cm_buf_vprintf(b, fmt, ap)
/*
/*	const char *cm_buf_str(b)
/*	const cm_buf *b;
/*
/*	int	cm_buf_reserve(b, more)
/*	cm_buf	*b;
/*	size_t	more;
/* DESCRIPTION
/*	A cm_buf is a byte buffer that grows as text is appended (what
/*	Postfix calls a VSTRING). It starts empty (CM_BUF_INIT or
/*	cm_buf_init()); cm_buf_reset() empties it but keeps the memory
/*	for the next line, and cm_buf_free() releases it. The contents
/*	are NUL-terminated, so cm_buf_str() can hand them to string
/*	functions; it returns "" for a buffer that never held anything.
/*
/*	cm_buf_add() appends len bytes, cm_buf_adds() a string,
/*	cm_buf_addc() one byte, cm_buf_add_uint() a number in decimal
/*	(cheaper than a printf on a per-message path), cm_buf_printf() and
/*	cm_buf_vprintf() formatted text. cm_uint_digits() writes the
/*	decimal digits of n, without a null byte, at out (room for
/*	CM_UINT_DIGITS bytes) and returns how many it wrote.
/*
/*	cm_buf_reserve() makes room for more bytes after the contents
/*	(and the NUL), for a writer that fills b->data + b->len itself
/*	(the JSON string writer) and then adjusts b->len.
/*
/*	cm_buf_reserve(), cm_buf_add(), cm_buf_adds() and cm_buf_addc()
/*	are inline in buf.h when the room is already there, and call
/*	cm_buf_grow() and cm_buf_add_slow() here when it is not; those
/*	two are for buf.h only.
/* DIAGNOSTICS
/*	Nothing here aborts. When memory runs out, the buffer keeps what
/*	fits in the memory it already has and sets its oom flag; a
/*	writer should test b->oom before using the text. cm_buf_reset()
/*	clears the flag. cm_buf_reserve() returns 0 when it cannot make
/*	the room, and leaves the flag to its caller.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Application-specific. */

#include "buf.h"

#define CM_BUF_MIN	512		/* first allocation: an audit line */

/* cm_buf_init - start an empty buffer */

void    cm_buf_init(cm_buf *b)
{
    b->data = 0;
    b->len = 0;
    b->cap = 0;
    b->oom = 0;
}

/* cm_buf_free - release a buffer's memory */

void    cm_buf_free(cm_buf *b)
{
    free(b->data);
    cm_buf_init(b);
}

/* cm_buf_reset - empty a buffer, keeping its memory */

void    cm_buf_reset(cm_buf *b)
{
    b->len = 0;
    b->oom = 0;
    if (b->data != 0)
	b->data[0] = 0;
}

/* cm_buf_grow - cm_buf_reserve() when the room is not there yet */

int     cm_buf_grow(cm_buf *b, size_t more)
{
    size_t  need;
    size_t  cap;
    char   *p;

    if (more > SIZE_MAX - b->len - 1)
	return (0);
    need = b->len + more + 1;
    if (need <= b->cap)
	return (1);

    /* Doubling keeps appends amortised O(1) for long audit lines. */
    cap = b->cap ? b->cap : CM_BUF_MIN;
    while (cap < need)
	cap = (cap > SIZE_MAX / 2) ? need : cap * 2;
    if ((p = realloc(b->data, cap)) == 0)
	return (0);
    b->data = p;
    b->cap = cap;
    return (1);
}

/* cm_buf_add_slow - cm_buf_add() when the room is not there yet */

void    cm_buf_add_slow(cm_buf *b, const char *s, size_t len)
{
    if (len == 0)
	return;
    if (!cm_buf_grow(b, len)) {
	b->oom = 1;
	/* Keep what fits in the memory we already have. */
	if (b->cap <= b->len + 1)
	    return;
	len = b->cap - b->len - 1;
    }
    memcpy(b->data + b->len, s, len);
    b->len += len;
    b->data[b->len] = 0;
}

/* cm_buf_vprintf - append formatted text */

void    cm_buf_vprintf(cm_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    size_t  room;
    int     n;

    /*
     * Try to format straight into the free space; only when that is too
     * small, grow once to the exact size and format again.
     */
    va_copy(ap2, ap);
    room = b->cap > b->len ? b->cap - b->len : 0;
    n = vsnprintf(room ? b->data + b->len : 0, room, fmt, ap);
    if (n < 0) {
	/* Encoding error: leave the buffer as it was. */
	if (room)
	    b->data[b->len] = 0;
    } else if ((size_t) n < room) {
	b->len += (size_t) n;
    } else if (cm_buf_reserve(b, (size_t) n)) {
	(void) vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap2);
	b->len += (size_t) n;
    } else {
	/* The first attempt left a cut, NUL-terminated copy: keep it. */
	b->oom = 1;
	if (room)
	    b->len += room - 1;
    }
    va_end(ap2);
}

/* cm_buf_printf - append formatted text */

void    cm_buf_printf(cm_buf *b, const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    cm_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

/* cm_uint_digits - a number in decimal, without printf; the length */

size_t  cm_uint_digits(char *out, unsigned long long n)
{
    char    digits[CM_UINT_DIGITS];
    char   *cp = digits + sizeof(digits);
    size_t  len;

    do {
	*--cp = (char) ('0' + n % 10);
    } while ((n /= 10) != 0);
    len = (size_t) (digits + sizeof(digits) - cp);
    memcpy(out, cp, len);
    return (len);
}

/* cm_buf_add_uint - append a number in decimal, without printf */

void    cm_buf_add_uint(cm_buf *b, unsigned long long n)
{
    char    digits[CM_UINT_DIGITS];

    cm_buf_add(b, digits, cm_uint_digits(digits, n));
}

/* cm_buf_str - the contents as a string */

const char *cm_buf_str(const cm_buf *b)
{
    return (b->data ? b->data : "");
}
