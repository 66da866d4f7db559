#ifndef CM_JSON_H
#define CM_JSON_H

/*++
/* NAME
/*	json 3h
/* SUMMARY
/*	growable byte buffer, JSON writer, log-safe text
/* SYNOPSIS
/*	#include "json.h"
/* DESCRIPTION
/*	See json.c.
/*--*/

#include <stddef.h>
#include <stdarg.h>

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

/*
 * JSON output. Strings are escaped so that the result is always valid
 * JSON whatever the input bytes: quotes, backslashes and control
 * characters are escaped, and bytes that are not valid UTF-8 become
 * U+FFFD. A NULL string is written as null.
 */
extern void cm_json_string(cm_buf *b, const char *s, size_t len);
extern void cm_json_open(cm_buf *b);	/* { */
extern void cm_json_close(cm_buf *b);	/* } */
extern void cm_json_key(cm_buf *b, const char *key);	/* ,"key": */
extern void cm_json_kv_str(cm_buf *b, const char *key, const char *val);
extern void cm_json_kv_strn(cm_buf *b, const char *key, const char *val,
			            size_t len);
extern void cm_json_kv_int(cm_buf *b, const char *key, long long val);
extern void cm_json_kv_raw(cm_buf *b, const char *key, const char *raw);

/*
 * Text for syslog and error messages: printable ASCII is copied, every
 * other byte (and the backslash) is written as \xNN, so that no log
 * line can be split or forged by message data.
 */
extern void cm_buf_add_safe(cm_buf *b, const char *s, size_t len);

/*
 * Text for a terminal: as cm_buf_add_safe(), but valid UTF-8 (without
 * C1 controls) is kept readable.
 */
extern void cm_buf_add_text(cm_buf *b, const char *s, size_t len);

#endif
