/*++
/* NAME
/*	json 3
/* SUMMARY
/*	growable byte buffer, JSON writer, log-safe text
/* SYNOPSIS
/*	#include "json.h"
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
/*	void	cm_json_string(b, s, len)
/*	void	cm_json_open(b)
/*	void	cm_json_close(b)
/*	void	cm_json_key(b, key)
/*	void	cm_json_kv_str(b, key, val)
/*	void	cm_json_kv_strn(b, key, val, len)
/*	void	cm_json_kv_int(b, key, val)
/*	void	cm_json_kv_raw(b, key, raw)
/*
/*	void	cm_buf_add_safe(b, s, len)
/*
/*	void	cm_buf_add_text(b, s, len)
/*	cm_buf	*b;
/*	const char *s;
/*	size_t	len;
/* DESCRIPTION
/*	A cm_buf is a byte buffer that grows as text is appended. It
/*	starts empty (CM_BUF_INIT or cm_buf_init()); cm_buf_reset()
/*	empties it but keeps the memory for the next line, and
/*	cm_buf_free() releases it. The contents are NUL-terminated, so
/*	cm_buf_str() can hand them to string functions; it returns ""
/*	for a buffer that never held anything.
/*
/*	cm_buf_add() appends len bytes, cm_buf_adds() a string,
/*	cm_buf_addc() one byte, cm_buf_add_uint() a number in decimal
/*	(cheaper than a printf on a per-message path), cm_buf_printf() and
/*	cm_buf_vprintf() formatted text. cm_uint_digits() writes the
/*	decimal digits of n, without a null byte, at out (room for
/*	CM_UINT_DIGITS bytes) and returns how many it wrote.
/*
/*	The JSON functions write one object at a time for the audit
/*	trail (DESIGN.md section 7), where a line must be valid JSON
/*	whatever bytes a sender put into a header. cm_json_string()
/*	writes len bytes at s as a quoted string: quote and backslash
/*	are escaped, control characters and DEL are written as \b, \f,
/*	\n, \r, \t or \u00XX, valid UTF-8 is copied as it is, and every
/*	byte that is not part of a valid UTF-8 sequence (overlong forms,
/*	surrogates, code points above U+10FFFF, cut-off sequences, stray
/*	continuation bytes) becomes \ufffd. A NULL s is written as null.
/*
/*	cm_json_open() and cm_json_close() write the braces.
/*	cm_json_key() writes "key": preceded by a comma, except when the
/*	buffer is empty or its last byte is '{' (first member). The
/*	cm_json_kv_*() functions write one member: a string (NULL gives
/*	null), a counted string, an integer, or raw JSON text copied
/*	unchanged (NULL gives null; the caller vouches for the text).
/*
/*	cm_buf_add_safe() appends text for syslog and error messages:
/*	printable ASCII (0x20-0x7e) is copied, except the backslash,
/*	and every other byte is written as \xNN in lower-case hex. Thus
/*	no message data can split a log line or forge a second one, and
/*	the original bytes can still be recovered.
/*
/*	cm_buf_add_text() appends untrusted text for a terminal: like
/*	cm_buf_add_safe(), but valid UTF-8 is kept so that names stay
/*	readable. Printable ASCII except the backslash is copied, and so
/*	is every well-formed UTF-8 sequence of two to four bytes that is
/*	not an overlong form, a surrogate, a C1 control (U+0080-U+009F)
/*	or above U+10FFFF; every other byte, including a cut-off
/*	sequence at the end of the len bytes, is written as \xNN in
/*	lower-case hex. A NULL s appends nothing.
/* DIAGNOSTICS
/*	Nothing here aborts. When memory runs out, the buffer keeps what
/*	fits in the memory it already has and sets its oom flag; a
/*	writer should test b->oom before using the text. cm_buf_reset()
/*	clears the flag.
/*--*/

/* System library. */

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Application-specific. */

#include "json.h"

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

/* cm_buf_reserve - make room for more bytes plus the NUL */

static int cm_buf_reserve(cm_buf *b, size_t more)
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

/* cm_buf_add - append bytes */

void    cm_buf_add(cm_buf *b, const char *s, size_t len)
{
    if (len == 0)
	return;
    if (!cm_buf_reserve(b, len)) {
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

/* cm_buf_adds - append a string */

void    cm_buf_adds(cm_buf *b, const char *s)
{
    cm_buf_add(b, s, strlen(s));
}

/* cm_buf_addc - append one byte */

void    cm_buf_addc(cm_buf *b, char c)
{
    cm_buf_add(b, &c, 1);
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

/* cm_utf8_len - length of the valid UTF-8 sequence at s, or 0 */

static size_t cm_utf8_len(const unsigned char *s, size_t n)
{
    unsigned char lo = 0x80;		/* range of the second byte */
    unsigned char hi = 0xbf;
    size_t  want;
    size_t  i;

    /*
     * The first byte fixes the length and, for the edge cases, a
     * narrower range for the second byte. That one check rules out
     * overlong forms (E0, F0), UTF-16 surrogates (ED) and code points
     * beyond U+10FFFF (F4); C0, C1 and F5-FF never start a sequence.
     */
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
	want = 2;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
	want = 3;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
	want = 4;
    else
	return (0);
    if (s[0] == 0xe0)
	lo = 0xa0;
    else if (s[0] == 0xed)
	hi = 0x9f;
    else if (s[0] == 0xf0)
	lo = 0x90;
    else if (s[0] == 0xf4)
	hi = 0x8f;
    if (n < want)
	return (0);
    if (s[1] < lo || s[1] > hi)
	return (0);
    for (i = 2; i < want; i++)
	if (s[i] < 0x80 || s[i] > 0xbf)
	    return (0);
    return (want);
}

/* json_plain - a byte that a JSON string may hold as it is */

static int json_plain(unsigned char c)
{
    return (c >= 0x20 && c < 0x7f && c != '"' && c != '\\');
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
	if (json_plain(*p)) {
	    *out++ = (char) *p++;
	    continue;
	}
	if (*p >= 0x80) {
	    if ((seq = cm_utf8_len(p, (size_t) (end - p))) > 0) {
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

/* cm_json_key - write a member name, with a comma when one is due */

void    cm_json_key(cm_buf *b, const char *key)
{
    size_t  len = strlen(key);
    size_t  i;
    char   *out;

    /*
     * Looking back at the buffer instead of keeping a "first member"
     * flag lets callers (and plugins) nest objects without any state.
     */
    int     comma = (b->len > 0 && b->data[b->len - 1] != '{');

    /* Keys are nearly always plain names: one copy, no escaping. */
    for (i = 0; i < len && json_plain((unsigned char) key[i]); i++)
	 /* void */ ;
    if (i < len || len > SIZE_MAX / 2 || !cm_buf_reserve(b, len + 4)) {
	if (comma)
	    cm_buf_addc(b, ',');
	cm_json_string(b, key, len);
	cm_buf_addc(b, ':');
	return;
    }
    out = b->data + b->len;
    if (comma)
	*out++ = ',';
    *out++ = '"';
    memcpy(out, key, len);
    out += len;
    *out++ = '"';
    *out++ = ':';
    *out = 0;
    b->len = (size_t) (out - b->data);
}

/* cm_json_kv_str - write a string member */

void    cm_json_kv_str(cm_buf *b, const char *key, const char *val)
{
    cm_json_key(b, key);
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

/* cm_buf_add_safe - append text that cannot break a log line */

void    cm_buf_add_safe(cm_buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *) s;
    const unsigned char *end;
    const unsigned char *run;
    char    esc[4];

    if (s == 0)
	return;
    end = p + len;
    while (p < end) {
	for (run = p; p < end && *p >= 0x20 && *p <= 0x7e && *p != '\\'; p++)
	     /* void */ ;
	if (p > run)
	    cm_buf_add(b, (const char *) run, (size_t) (p - run));
	if (p >= end)
	    break;
	/* The backslash is escaped too, so that \xNN is unambiguous. */
	esc[0] = '\\';
	esc[1] = 'x';
	esc[2] = hex[*p >> 4];
	esc[3] = hex[*p & 0x0f];
	cm_buf_add(b, esc, 4);
	p++;
    }
}

/* cm_buf_add_text - append text for a terminal: UTF-8 kept, rest \xNN */

void    cm_buf_add_text(cm_buf *b, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *) s;
    const unsigned char *end;
    size_t  n;

    if (s == 0)
	return;
    end = p + len;
    while (p < end) {
	n = 0;
	if (*p >= 0x20 && *p < 0x7f && *p != '\\')
	    n = 1;
	else if (*p >= 0xc2 && *p <= 0xdf && end - p >= 2
		 && (p[1] & 0xc0) == 0x80 && (*p > 0xc2 || p[1] >= 0xa0))
	    n = 2;				/* not a C1 control */
	else if (*p >= 0xe0 && *p <= 0xef && end - p >= 3
		 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80
		 && (*p != 0xe0 || p[1] >= 0xa0) && (*p != 0xed || p[1] < 0xa0))
	    n = 3;				/* not overlong, no surrogate */
	else if (*p >= 0xf0 && *p <= 0xf4 && end - p >= 4
		 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80
		 && (p[3] & 0xc0) == 0x80 && (*p != 0xf0 || p[1] >= 0x90)
		 && (*p != 0xf4 || p[1] < 0x90))
	    n = 4;				/* not overlong, <= U+10FFFF */
	if (n > 0) {
	    cm_buf_add(b, (const char *) p, n);
	    p += n;
	} else {
	    cm_buf_printf(b, "\\x%02x", *p++);
	}
    }
}
