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
extern void cm_buf_add(cm_buf *b, const char *s, size_t len);
extern void cm_buf_adds(cm_buf *b, const char *s);
extern void cm_buf_addc(cm_buf *b, char c);
#define CM_UINT_DIGITS	20		/* digits of the largest 64-bit number */
extern size_t cm_uint_digits(char *out, unsigned long long n);
extern void cm_buf_add_uint(cm_buf *b, unsigned long long n);
extern void cm_buf_printf(cm_buf *b, const char *fmt,...)
	    __attribute__((format(printf, 2, 3)));
extern void cm_buf_vprintf(cm_buf *b, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));
extern const char *cm_buf_str(const cm_buf *b);	/* "" when empty */
extern int cm_buf_reserve(cm_buf *b, size_t more);

#endif
