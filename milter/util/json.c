/*++
/* NAME
/*	json 3
/* SUMMARY
/*	JSON writer
/* SYNOPSIS
/*	#include "json.h"
/*
/*	void	cm_json_string(b, s, len)
/*	cm_buf	*b;
/*	const char *s;
/*	size_t	len;
/*
/*	void	cm_json_open(b)
/*	void	cm_json_close(b)
/*	void	cm_json_key(b, key)
/*	void	cm_json_kv_str(b, key, val)
/*	void	cm_json_kv_strn(b, key, val, len)
/*	CM_JSON_KV_STR_LIT(b, lit, val)
/*	void	cm_json_kv_str_plain(b, key, keylen, val)
/*	void	cm_json_kv_int(b, key, val)
/*	void	cm_json_kv_raw(b, key, raw)
/* DESCRIPTION
/*	The JSON functions write one object at a time into a cm_buf
/*	(buf.c) for the audit trail (DESIGN.md section 7), where a line
/*	must be valid JSON whatever bytes a sender put into a header.
/*	cm_json_string() writes len bytes at s as a quoted string: quote
/*	and backslash are escaped, control characters and DEL are written
/*	as \b, \f, \n, \r, \t or \u00XX, and so are the C1 controls
/*	U+0080-U+009F (\u0080-\u009f: legal raw in JSON, but a terminal
/*	that shows the trail, tail -f, takes U+009B for CSI); other valid
/*	UTF-8 is copied as it is, and every byte that is not part of a
/*	valid UTF-8 sequence (overlong forms, surrogates, code points above
/*	U+10FFFF, cut-off sequences, stray continuation bytes) becomes
/*	\ufffd. A NULL s is written as null.
/*
/*	cm_json_open() and cm_json_close() write the braces.
/*	cm_json_key() writes "key": preceded by a comma, except when the
/*	buffer is empty or its last byte is '{' (first member). The
/*	cm_json_kv_*() functions write one member: a string (NULL gives
/*	null), a counted string, an integer, or raw JSON text copied
/*	unchanged (NULL gives null; the caller vouches for the text).
/*	cm_json_kv_str_plain() writes a string member whose name (keylen
/*	bytes) the caller vouches needs no escaping, without looking for
/*	such bytes; CM_JSON_KV_STR_LIT() calls it with a string literal
/*	(json.h), the names of the audit record.
/* DIAGNOSTICS
/*	Nothing here aborts; memory errors set the buffer's oom flag
/*	(buf.c).
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

#include "json.h"
#include "utf8.h"

/* json_plain - a byte that a JSON string may hold as it is */

static int json_plain(unsigned char c)
{
    return (c >= 0x20 && c < 0x7f && c != '"' && c != '\\');
}

/*
 * Eight bytes at a time: one load and a few word operations tell that
 * none of them needs escaping, where the byte loop costs a compare
 * chain per byte (the audit line is mostly plain ASCII, and its JSON
 * was the largest cost of a cached decision). Each test is exact for
 * "some byte is", the classic haszero/hasless/hasmore bit tricks.
 */
#define JSON_ONES	0x0101010101010101ULL
#define JSON_HIGH	0x8080808080808080ULL

/* json_plain8 - none of the eight bytes at p needs escaping */

static int json_plain8(const unsigned char *p)
{
    uint64_t x;
    uint64_t q, bs, bad;

    memcpy(&x, p, 8);				/* any alignment, any byte order */
    q = x ^ (JSON_ONES * '"');
    bs = x ^ (JSON_ONES * '\\');
    bad = ((x - JSON_ONES * 0x20) & ~x)		/* a byte < 0x20 */
	| ((x + JSON_ONES * (0x7f - 0x7e)) | x)	/* a byte > 0x7e */
	| ((q - JSON_ONES) & ~q)		/* a '"' */
	| ((bs - JSON_ONES) & ~bs);		/* a backslash */
    return ((bad & JSON_HIGH) == 0);
}

/* cm_json_string - write a quoted, escaped JSON string */

void    cm_json_string(cm_buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *) s;
    const unsigned char *end;
    char   *out;
    size_t  seq;

    if (s == 0) {
	cm_buf_add(b, "null", 4);
	return;
    }

    /*
     * Room for the worst case (every byte six bytes long, as \u00XX or
     * \ufffd, and the quotes) once, then write straight into it: a line
     * has a dozen strings, and checking for room byte by byte cost more
     * than the rest of the record together. Out of memory, nothing is
     * written and the buffer says so (oom): the line is not used.
     */
    if (len > (SIZE_MAX - 3) / 6 || !cm_buf_reserve(b, 6 * len + 2)) {
	b->oom = 1;
	return;
    }
    out = b->data + b->len;
    end = p + len;
    *out++ = '"';
    while (p < end) {
	/* Plain printable ASCII is most text. */
	while (end - p >= 8 && json_plain8(p)) {
	    memcpy(out, p, 8);
	    out += 8;
	    p += 8;
	}
	if (p == end)
	    break;

	/*
	 * A plain tail of under eight bytes: the last eight of the string,
	 * when all plain, end it in one copy (the bytes before p among
	 * them are plain, so they were written one for one just before).
	 */
	if (end - p < 8 && end - (const unsigned char *) s >= 8
	    && json_plain8(end - 8)) {
	    memcpy(out - (8 - (end - p)), end - 8, 8);
	    out += end - p;
	    p = end;
	    break;
	}
	if (json_plain(*p)) {
	    *out++ = (char) *p++;
	    continue;
	}
	if (*p >= 0x80) {
	    if ((seq = cm_utf8_seqlen(p, (size_t) (end - p))) == 2
		&& p[0] == 0xc2 && p[1] <= 0x9f) {
		/* C1 (U+0080-U+009F): legal raw, but a terminal's CSI. */
		memcpy(out, "\\u00", 4);
		out[4] = hex[p[1] >> 4];
		out[5] = hex[p[1] & 0x0f];
		out += 6;
		p += 2;
	    } else if (seq > 0) {
		memcpy(out, p, seq);
		out += seq;
		p += seq;
	    } else {
		/* One replacement per bad byte; resynchronise on the next. */
		memcpy(out, "\\ufffd", 6);
		out += 6;
		p++;
	    }
	    continue;
	}
	*out++ = '\\';
	switch (*p) {
	case '"':
	case '\\':
	    *out++ = (char) *p;
	    break;
	case '\b':
	    *out++ = 'b';
	    break;
	case '\f':
	    *out++ = 'f';
	    break;
	case '\n':
	    *out++ = 'n';
	    break;
	case '\r':
	    *out++ = 'r';
	    break;
	case '\t':
	    *out++ = 't';
	    break;
	default:
	    /* Other controls and DEL: DEL is legal JSON but not log-safe. */
	    memcpy(out, "u00", 3);
	    out[3] = hex[*p >> 4];
	    out[4] = hex[*p & 0x0f];
	    out += 5;
	    break;
	}
	p++;
    }
    *out++ = '"';
    *out = 0;
    b->len = (size_t) (out - b->data);
}

/* cm_json_open - start an object */

void    cm_json_open(cm_buf *b)
{
    cm_buf_addc(b, '{');
}

/* cm_json_close - end an object */

void    cm_json_close(cm_buf *b)
{
    cm_buf_addc(b, '}');
}

/* put_plain_key - a member name that needs no escaping; 0: no room */

static int put_plain_key(cm_buf *b, const char *key, size_t len)
{
    char   *out;

    if (!cm_buf_reserve(b, len + 4))
	return (0);

    /*
     * Looking back at the buffer instead of keeping a "first member"
     * flag lets callers (and plugins) nest objects without any state.
     */
    out = b->data + b->len;
    if (b->len > 0 && out[-1] != '{')
	*out++ = ',';
    *out++ = '"';
    memcpy(out, key, len);
    out += len;
    *out++ = '"';
    *out++ = ':';
    *out = 0;
    b->len = (size_t) (out - b->data);
    return (1);
}

/* cm_json_key - write a member name, with a comma when one is due */

void    cm_json_key(cm_buf *b, const char *key)
{
    size_t  len = strlen(key);
    size_t  i;

    /* Keys are nearly always plain names: one copy, no escaping. */
    for (i = 0; len - i >= 8 && json_plain8((const unsigned char *) key + i);
	 i += 8)
	 /* void */ ;
    for (; i < len && json_plain((unsigned char) key[i]); i++)
	 /* void */ ;
    if (i == len && len <= SIZE_MAX / 2 && put_plain_key(b, key, len))
	return;
    if (b->len > 0 && b->data[b->len - 1] != '{')
	cm_buf_addc(b, ',');
    cm_json_string(b, key, len);
    cm_buf_addc(b, ':');
}

/* cm_json_kv_str - write a string member */

void    cm_json_kv_str(cm_buf *b, const char *key, const char *val)
{
    cm_json_key(b, key);
    cm_json_string(b, val, val ? strlen(val) : 0);
}

/* cm_json_kv_str_plain - a string member whose name needs no escaping */

void    cm_json_kv_str_plain(cm_buf *b, const char *key, size_t keylen,
			             const char *val)
{
    if (!put_plain_key(b, key, keylen)) {
	b->oom = 1;
	return;
    }
    cm_json_string(b, val, val ? strlen(val) : 0);
}

/* cm_json_kv_strn - write a string member of known length */

void    cm_json_kv_strn(cm_buf *b, const char *key, const char *val,
			        size_t len)
{
    cm_json_key(b, key);
    cm_json_string(b, val, len);
}

/* cm_json_kv_int - write an integer member */

void    cm_json_kv_int(cm_buf *b, const char *key, long long val)
{
    cm_json_key(b, key);
    if (val < 0)
	cm_buf_addc(b, '-');
    cm_buf_add_uint(b, val < 0 ? 0ULL - (unsigned long long) val
		    : (unsigned long long) val);
}

/* cm_json_kv_raw - write a member whose value is ready-made JSON */

void    cm_json_kv_raw(cm_buf *b, const char *key, const char *raw)
{
    cm_json_key(b, key);
    cm_buf_adds(b, raw ? raw : "null");
}
