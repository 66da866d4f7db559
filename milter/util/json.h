#ifndef CM_JSON_H
#define CM_JSON_H

/*++
/* NAME
/*	json 3h
/* SUMMARY
/*	JSON writer
/* SYNOPSIS
/*	#include "json.h"
/*
/*	cm_json_open/close/key/string() and cm_json_kv_*(): one JSON
/*	object, always valid whatever the input bytes, into a cm_buf.
/* DESCRIPTION
/*	See json.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#include "buf.h"

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
  * A member whose name is a string literal of plain characters (letters,
  * digits, "_"): written without the scan for characters to escape that
  * cm_json_key() makes. The "" "" around the name refuses anything but a
  * literal at compile time. An audit line has a dozen such members.
  */
#define CM_JSON_KV_STR_LIT(b, lit, val) \
	cm_json_kv_str_plain((b), "" lit "", sizeof(lit) - 1, (val))
extern void cm_json_kv_str_plain(cm_buf *b, const char *key, size_t keylen,
				         const char *val);

#endif
