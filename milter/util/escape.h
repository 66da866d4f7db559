#ifndef CM_ESCAPE_H
#define CM_ESCAPE_H

/*++
/* NAME
/*	escape 3h
/* SUMMARY
/*	the one \xNN escaper for logs, messages and terminals
/* SYNOPSIS
/*	#include "escape.h"
/*
/*	cm_buf_add_safe(): log-safe text; cm_buf_add_text(): the same,
/*	UTF-8 kept. cm_escape_fit(): into a fixed array, for a log line.
/*	cm_escape_span() and cm_escape_byte(): the pieces.
/* DESCRIPTION
/*	See escape.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#include "buf.h"

#define CM_ESC_QUOTE	(1 << 0)	/* escape '"' too */
#define CM_ESC_UPPER	(1 << 1)	/* upper-case hex digits */
#define CM_ESC_UTF8	(1 << 2)	/* keep valid UTF-8 (no C1) */
#define CM_ESC_LEN	4		/* bytes of one \xNN */
#define CM_ESC_SHOW	200		/* cm_escape_fit(): a message's worth */

extern size_t cm_escape_span(const char *s, size_t len, int flags);
extern void cm_escape_byte(char *out, unsigned char c, int flags);
extern void cm_escape(cm_buf *b, const char *s, size_t len, int flags);
extern int cm_has_controls(const char *text, size_t len);
extern size_t cm_escape_controls(char *out, size_t size, const char *text,
				         size_t len);
extern const char *cm_escape_fit(char *buf, size_t bufsz, const char *s,
				         size_t len, int flags);
extern void cm_buf_add_safe(cm_buf *b, const char *s, size_t len);
extern void cm_buf_add_text(cm_buf *b, const char *s, size_t len);

#endif
