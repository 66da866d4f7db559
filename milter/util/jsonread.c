/*++
/* NAME
/*	jsonread 3
/* SUMMARY
/*	reader for one flat JSON object (an audit line)
/* SYNOPSIS
/*	#include "jsonread.h"
/*
/*	int	cm_jobject_parse(obj, src, len, err, errlen)
/*	cm_jobject *obj;
/*	const char *src;
/*	size_t	len;
/*	char	*err;
/*	size_t	errlen;
/*
/*	const cm_jmember *cm_jobject_get(obj, key)
/*	const cm_jobject *obj;
/*	const char *key;
/*
/*	const char *cm_jobject_string(obj, key)
/*	const cm_jobject *obj;
/*	const char *key;
/*
/*	void	cm_jobject_free(obj)
/*	cm_jobject *obj;
/* DESCRIPTION
/*	This module reads back what audit(3) writes: one JSON object per
/*	line whose members are strings, null, numbers and booleans, plus
/*	the nested "plugins" object. consentctl trace and report read
/*	audit logs years after they were written, possibly cut short by
/*	a full disk or a crash, so every input has a defined outcome:
/*	either a parsed object or a one-line reason.
/*
/*	cm_jobject_parse() parses len bytes at src (not NUL-terminated,
/*	without the newline) as exactly one JSON object, with optional
/*	white space around it (RFC 8259). obj starts as CM_JOBJECT_INIT
/*	and may be reused for the next line: its memory is kept. For each
/*	member, in input order:
/* .IP \(bu
/*	a string is decoded: the escapes \e" \e\e \e/ \eb \ef \en \er \et
/*	and \euXXXX, where a surrogate pair becomes one UTF-8 sequence
/*	and a lone surrogate becomes U+FFFD. Bytes from 0x80 up are kept
/*	as they are (the audit writer only writes valid UTF-8; a damaged
/*	byte should not cost a whole record). \eu0000 gives a NUL byte:
/*	val_len counts it, so a caller that compares must use val_len.
/* .IP \(bu
/*	a number is checked against the JSON grammar; val is its text.
/* .IP \(bu
/*	null, true and false have val NULL.
/* .IP \(bu
/*	a nested object or array is checked, not decoded: val is its raw
/*	JSON text, for a caller that passes it on.
/* .PP
/*	Keys are decoded like strings. A key that appears twice makes the
/*	line malformed: evidence must not depend on which copy a reader
/*	prefers.
/*
/*	cm_jobject_get() finds a member by key (a C string, so a key with
/*	a NUL byte never matches). cm_jobject_string() returns the value
/*	of a string member, or NULL when the key is absent, null or not a
/*	string.
/*
/*	cm_jobject_free() releases the memory of an object.
/* DIAGNOSTICS
/*	cm_jobject_parse() returns 0, or -1 with a reason in err that
/*	names the byte offset: "offset 17: control character in string",
/*	"offset 0: not an object", "offset 52: duplicate key \e"rcpt\e"",
/*	"out of memory". After a failure obj holds no members.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Application-specific. */

#include "hex.h"
#include "jsonread.h"

/* The state of one parse. */
typedef struct jr {
    const unsigned char *src;		/* start, for offsets in messages */
    const unsigned char *p;		/* next byte to read */
    const unsigned char *end;
    char   *out;			/* next free byte in the object text */
    char   *out_end;
    char   *err;
    size_t  errlen;
} jr;

/* jr_fail - record why the line is malformed */

static int __attribute__((format(printf, 2, 3)))
jr_fail(jr *j, const char *fmt,...)
{
    char    what[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (j->err != 0 && j->errlen > 0)
	snprintf(j->err, j->errlen, "offset %zu: %s",
		 (size_t) (j->p - j->src), what);
    return (-1);
}

/* jr_ws - skip JSON white space */

static void jr_ws(jr *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t'
			     || *j->p == '\n' || *j->p == '\r'))
	j->p++;
}

/* jr_put - append decoded bytes, unless only checking (store == 0) */

static int jr_put(jr *j, int store, const void *data, size_t len)
{
    if (!store)
	return (0);
    /* Cannot happen (decoded text never outgrows its source): be sure. */
    if ((size_t) (j->out_end - j->out) < len)
	return (jr_fail(j, "internal error: text buffer too small"));
    memcpy(j->out, data, len);
    j->out += len;
    return (0);
}

/* jr_utf8 - append one code point as UTF-8 */

static int jr_utf8(jr *j, int store, unsigned long cp)
{
    unsigned char buf[4];
    size_t  n;

    if (cp < 0x80) {
	buf[0] = (unsigned char) cp;
	n = 1;
    } else if (cp < 0x800) {
	buf[0] = (unsigned char) (0xc0 | (cp >> 6));
	buf[1] = (unsigned char) (0x80 | (cp & 0x3f));
	n = 2;
    } else if (cp < 0x10000) {
	buf[0] = (unsigned char) (0xe0 | (cp >> 12));
	buf[1] = (unsigned char) (0x80 | ((cp >> 6) & 0x3f));
	buf[2] = (unsigned char) (0x80 | (cp & 0x3f));
	n = 3;
    } else {
	buf[0] = (unsigned char) (0xf0 | (cp >> 18));
	buf[1] = (unsigned char) (0x80 | ((cp >> 12) & 0x3f));
	buf[2] = (unsigned char) (0x80 | ((cp >> 6) & 0x3f));
	buf[3] = (unsigned char) (0x80 | (cp & 0x3f));
	n = 4;
    }
    return (jr_put(j, store, buf, n));
}

/* jr_hex4 - four hex digits after \u */

static int jr_hex4(const unsigned char *p, const unsigned char *end,
		           unsigned long *cp)
{
    unsigned long val = 0;
    int     n;
    int     d;

    if (end - p < 4)
	return (-1);
    for (n = 0; n < 4; n++) {
	if ((d = cm_hexval(p[n])) < 0)
	    return (-1);
	val = val * 16 + d;
    }
    *cp = val;
    return (0);
}

/* jr_unicode - \uXXXX at j->p (after the backslash and u), pairs joined */

static int jr_unicode(jr *j, int store)
{
    unsigned long cp;
    unsigned long low;

    if (jr_hex4(j->p, j->end, &cp) < 0)
	return (jr_fail(j, "bad \\u escape"));
    j->p += 4;
    if (cp >= 0xd800 && cp <= 0xdbff) {
	/* A high surrogate counts only with a low one right after it. */
	if (j->end - j->p >= 6 && j->p[0] == '\\' && j->p[1] == 'u'
	    && jr_hex4(j->p + 2, j->end, &low) == 0
	    && low >= 0xdc00 && low <= 0xdfff) {
	    j->p += 6;
	    cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
	} else {
	    cp = 0xfffd;
	}
    } else if (cp >= 0xdc00 && cp <= 0xdfff) {
	cp = 0xfffd;
    }
    return (jr_utf8(j, store, cp));
}

/* jr_string - a string at j->p; decoded into the object text if store */

static int jr_string(jr *j, int store, const char **val, size_t *len)
{
    static const char from[] = "\"\\/bfnrt";
    static const char to[] = "\"\\/\b\f\n\r\t";
    const unsigned char *run;
    char   *start = j->out;
    const char *esc;
    unsigned char c;

    if (j->p >= j->end || *j->p != '"')
	return (jr_fail(j, "string expected"));
    j->p++;
    for (;;) {
	/* Copy plain bytes in runs: most of an audit line is plain. */
	for (run = j->p; j->p < j->end && *j->p != '"' && *j->p != '\\'
	     && *j->p >= 0x20; j->p++)
	     /* void */ ;
	if (jr_put(j, store, run, j->p - run) < 0)
	    return (-1);
	if (j->p >= j->end)
	    return (jr_fail(j, "unterminated string"));
	c = *j->p;
	if (c == '"')
	    break;
	if (c < 0x20)
	    return (jr_fail(j, "control character in string"));
	/* A backslash. */
	if (j->p + 1 >= j->end)
	    return (jr_fail(j, "unterminated string"));
	c = j->p[1];
	if (c == 'u') {
	    j->p += 2;
	    if (jr_unicode(j, store) < 0)
		return (-1);
	} else if (c != 0 && (esc = strchr(from, c)) != 0) {
	    if (jr_put(j, store, to + (esc - from), 1) < 0)
		return (-1);
	    j->p += 2;
	} else {
	    j->p++;
	    return (jr_fail(j, "bad escape"));
	}
    }
    j->p++;				/* the closing quote */
    if (store) {
	*len = j->out - start;
	if (jr_put(j, store, "", 1) < 0)
	    return (-1);
	*val = start;
    }
    return (0);
}

/* jr_digits - one or more decimal digits */

static int jr_digits(jr *j)
{
    const unsigned char *start = j->p;

    while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
	j->p++;
    return (j->p > start ? 0 : jr_fail(j, "digit expected"));
}

/* jr_number - -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */

static int jr_number(jr *j)
{
    if (j->p < j->end && *j->p == '-')
	j->p++;
    if (j->p < j->end && *j->p == '0')
	j->p++;
    else if (jr_digits(j) < 0)
	return (-1);
    if (j->p < j->end && *j->p == '.') {
	j->p++;
	if (jr_digits(j) < 0)
	    return (-1);
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
	j->p++;
	if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
	    j->p++;
	if (jr_digits(j) < 0)
	    return (-1);
    }
    return (0);
}

/* jr_literal - null, true or false */

static int jr_literal(jr *j, const char *word)
{
    size_t  len = strlen(word);

    if ((size_t) (j->end - j->p) < len || memcmp(j->p, word, len) != 0)
	return (jr_fail(j, "unexpected character"));
    j->p += len;
    return (0);
}

static int jr_skip(jr *j, int depth);

/* jr_skip_members - the inside of an object or array, checked only */

static int jr_skip_members(jr *j, int depth, int is_object)
{
    unsigned char close = is_object ? '}' : ']';

    j->p++;				/* the opening bracket */
    jr_ws(j);
    if (j->p < j->end && *j->p == close) {
	j->p++;
	return (0);
    }
    for (;;) {
	jr_ws(j);
	if (is_object) {
	    if (jr_string(j, 0, 0, 0) < 0)
		return (-1);
	    jr_ws(j);
	    if (j->p >= j->end || *j->p != ':')
		return (jr_fail(j, "':' expected"));
	    j->p++;
	}
	if (jr_skip(j, depth + 1) < 0)
	    return (-1);
	jr_ws(j);
	if (j->p < j->end && *j->p == ',') {
	    j->p++;
	    continue;
	}
	if (j->p < j->end && *j->p == close) {
	    j->p++;
	    return (0);
	}
	return (jr_fail(j, "',' or '%c' expected", close));
    }
}

/* jr_skip - check one value of any type without keeping it */

static int jr_skip(jr *j, int depth)
{
    jr_ws(j);
    if (j->p >= j->end)
	return (jr_fail(j, "value expected"));
    if (depth > CM_JSON_DEPTH_MAX)
	return (jr_fail(j, "nested too deeply"));
    switch (*j->p) {
    case '{':
	return (jr_skip_members(j, depth, 1));
    case '[':
	return (jr_skip_members(j, depth, 0));
    case '"':
	return (jr_string(j, 0, 0, 0));
    case 'n':
	return (jr_literal(j, "null"));
    case 't':
	return (jr_literal(j, "true"));
    case 'f':
	return (jr_literal(j, "false"));
    default:
	return (jr_number(j));
    }
}

/* jr_value - one member value of the top-level object */

static int jr_value(jr *j, cm_jmember *m)
{
    const unsigned char *start;

    jr_ws(j);
    if (j->p >= j->end)
	return (jr_fail(j, "value expected"));
    start = j->p;
    m->val = 0;
    m->val_len = 0;
    switch (*j->p) {
    case '"':
	m->type = CM_JTYPE_STRING;
	return (jr_string(j, 1, &m->val, &m->val_len));
    case 'n':
	m->type = CM_JTYPE_NULL;
	return (jr_literal(j, "null"));
    case 't':
	m->type = CM_JTYPE_TRUE;
	return (jr_literal(j, "true"));
    case 'f':
	m->type = CM_JTYPE_FALSE;
	return (jr_literal(j, "false"));
    case '{':
    case '[':
	m->type = *j->p == '{' ? CM_JTYPE_OBJECT : CM_JTYPE_ARRAY;
	if (jr_skip(j, 1) < 0)
	    return (-1);
	break;
    default:
	m->type = CM_JTYPE_NUMBER;
	if (jr_number(j) < 0)
	    return (-1);
	break;
    }
    /* Numbers and nested values: keep the source text. */
    m->val = j->out;
    m->val_len = j->p - start;
    if (jr_put(j, 1, start, m->val_len) < 0 || jr_put(j, 1, "", 1) < 0)
	return (-1);
    return (0);
}

/* add_member - room for one more member */

static cm_jmember *add_member(cm_jobject *obj)
{
    cm_jmember *grown;
    size_t  want;

    if (obj->count == obj->alloc) {
	want = obj->alloc ? obj->alloc * 2 : 32;
	if ((grown = realloc(obj->member, want * sizeof(*grown))) == 0)
	    return (0);
	obj->member = grown;
	obj->alloc = want;
    }
    return (obj->member + obj->count++);
}

/* find_key - a member with exactly these key bytes */

static const cm_jmember *find_key(const cm_jobject *obj, size_t before,
				          const char *key, size_t len)
{
    size_t  i;

    for (i = 0; i < before; i++)
	if (obj->member[i].key_len == len
	    && memcmp(obj->member[i].key, key, len) == 0)
	    return (obj->member + i);
    return (0);
}

/* show_key - a key for a message: printable ASCII, others as '?' */

static const char *show_key(char *buf, size_t size, const cm_jmember *m)
{
    size_t  n;

    for (n = 0; n < m->key_len && n + 1 < size; n++)
	buf[n] = (m->key[n] >= 0x20 && m->key[n] < 0x7f) ? m->key[n] : '?';
    buf[n] = 0;
    return (buf);
}

/* parse_members - the top-level object */

static int parse_members(jr *j, cm_jobject *obj)
{
    const unsigned char *key_at;
    char    show[41];
    cm_jmember *m;

    jr_ws(j);
    if (j->p >= j->end || *j->p != '{')
	return (jr_fail(j, "not an object"));
    j->p++;
    jr_ws(j);
    if (j->p < j->end && *j->p == '}') {
	j->p++;
	return (0);
    }
    for (;;) {
	jr_ws(j);
	if ((m = add_member(obj)) == 0)
	    return (jr_fail(j, "out of memory"));
	key_at = j->p;
	if (jr_string(j, 1, &m->key, &m->key_len) < 0)
	    return (-1);
	if (find_key(obj, obj->count - 1, m->key, m->key_len) != 0) {
	    j->p = key_at;
	    return (jr_fail(j, "duplicate key \"%s\"",
			    show_key(show, sizeof(show), m)));
	}
	jr_ws(j);
	if (j->p >= j->end || *j->p != ':')
	    return (jr_fail(j, "':' expected"));
	j->p++;
	if (jr_value(j, m) < 0)
	    return (-1);
	jr_ws(j);
	if (j->p < j->end && *j->p == ',') {
	    j->p++;
	    continue;
	}
	if (j->p < j->end && *j->p == '}') {
	    j->p++;
	    return (0);
	}
	return (jr_fail(j, "',' or '}' expected"));
    }
}

/* cm_jobject_parse - parse one line as one flat JSON object */

int     cm_jobject_parse(cm_jobject *obj, const char *src, size_t len,
			         char *err, size_t errlen)
{
    jr      j;
    char   *grown;

    /*
     * Every stored key or value, with its NUL, is no longer than its
     * source text (quotes included), so len + 1 bytes hold them all.
     */
    obj->count = 0;
    if (obj->text_size < len + 1) {
	if ((grown = realloc(obj->text, len + 1)) == 0) {
	    if (err != 0 && errlen > 0)
		snprintf(err, errlen, "out of memory");
	    return (-1);
	}
	obj->text = grown;
	obj->text_size = len + 1;
    }
    j.src = j.p = (const unsigned char *) src;
    j.end = j.p + len;
    j.out = obj->text;
    j.out_end = obj->text + obj->text_size;
    j.err = err;
    j.errlen = errlen;
    if (parse_members(&j, obj) < 0) {
	obj->count = 0;
	return (-1);
    }
    jr_ws(&j);
    if (j.p < j.end) {
	obj->count = 0;
	return (jr_fail(&j, "text after the object"));
    }
    return (0);
}

/* cm_jobject_get - a member by key */

const cm_jmember *cm_jobject_get(const cm_jobject *obj, const char *key)
{
    return (find_key(obj, obj->count, key, strlen(key)));
}

/* cm_jobject_string - a string member's value, or NULL */

const char *cm_jobject_string(const cm_jobject *obj, const char *key)
{
    const cm_jmember *m = cm_jobject_get(obj, key);

    return (m != 0 && m->type == CM_JTYPE_STRING ? m->val : 0);
}

/* cm_jobject_free - release an object's memory */

void    cm_jobject_free(cm_jobject *obj)
{
    free(obj->member);
    free(obj->text);
    memset(obj, 0, sizeof(*obj));
}
