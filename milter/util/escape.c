/*++
/* NAME
/*	escape 3
/* SUMMARY
/*	the one \xNN escaper for logs, messages and terminals
/* SYNOPSIS
/*	#include "escape.h"
/*
/*	size_t	cm_escape_span(s, len, flags)
/*	const char *s;
/*	size_t	len;
/*	int	flags;
/*
/*	void	cm_escape_byte(out, c, flags)
/*	char	*out;
/*	unsigned char c;
/*	int	flags;
/*
/*	void	cm_escape(b, s, len, flags)
/*	cm_buf	*b;
/*	const char *s;
/*	size_t	len;
/*	int	flags;
/*
/*	int	cm_has_controls(text, len)
/*	const char *text;
/*	size_t	len;
/*
/*	size_t	cm_escape_controls(out, size, text, len)
/*	char	*out;
/*	size_t	size;
/*	const char *text;
/*	size_t	len;
/*
/*	const char *cm_escape_fit(buf, bufsz, s, len, flags)
/*	char	*buf;
/*	size_t	bufsz;
/*	const char *s;
/*	size_t	len;
/*	int	flags;
/*
/*	void	cm_buf_add_safe(b, s, len)
/*
/*	void	cm_buf_add_text(b, s, len)
/*	cm_buf	*b;
/*	const char *s;
/*	size_t	len;
/* DESCRIPTION
/*	Untrusted bytes (addresses, header values, file text, Redis
/*	replies) reach syslog, error messages and terminals only through
/*	this escaper, so that no data can split a log line, forge a
/*	second one or drive a terminal, and the original bytes can still
/*	be recovered. Printable ASCII (0x20-0x7e) is copied, except the
/*	backslash (so that \xNN is unambiguous), and every other byte is
/*	written as \xNN in lower-case hex. The flags adjust that:
/*	CM_ESC_QUOTE escapes '"' as well, CM_ESC_UPPER writes upper-case
/*	hex digits, and CM_ESC_UTF8 copies every well-formed UTF-8
/*	sequence of two to four bytes that is not an overlong form, a
/*	surrogate, a C1 control (U+0080-U+009F) or above U+10FFFF.
/*
/*	cm_escape_span() returns how many bytes at the start of s (len
/*	bytes) are copied as they are. cm_escape_byte() writes the
/*	CM_ESC_LEN bytes \xNN for c at out (no null byte). cm_escape()
/*	appends len bytes at s, escaped, to b; a NULL s appends nothing.
/*
/*	cm_escape_fit() writes len bytes at s, escaped, into the array
/*	buf of bufsz bytes (CM_ESC_SHOW hold a message's worth), null-
/*	terminated; what does not fit is cut and marked "...". It returns
/*	buf, for a "%s" in a log line. bufsz must be at least CM_ESC_LEN
/*	+ 4; a NULL s gives "".
/*
/*	cm_has_controls() and cm_escape_controls() are the net behind
/*	the escaper, for text that should have been escaped and may not
/*	have been (log(3), consentctl's messages): controls only, so that
/*	text already escaped passes unchanged. A control is a byte 0x00-
/*	0x1f or 0x7f, U+0080-U+009F in UTF-8, or a lone byte 0x80-0x9f
/*	(C1 to a terminal that reads 8 bits). cm_escape_controls() writes
/*	len bytes at text to out (size bytes, no null byte added), each
/*	control as \xNN, and stops before a piece that would not fit; it
/*	returns the bytes written.
/*
/*	cm_buf_add_safe() is cm_escape() without flags: text for syslog
/*	and error messages. cm_buf_add_text() is cm_escape() with
/*	CM_ESC_UTF8: untrusted text for a terminal, names kept readable;
/*	a cut-off sequence at the end of the len bytes is escaped.
/* DIAGNOSTICS
/*	None; memory errors set the buffer's oom flag (buf.c).
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stddef.h>
#include <string.h>

/* Application-specific. */

#include "escape.h"
#include "utf8.h"

/* cm_escape_span - bytes at s that are copied as they are */

size_t  cm_escape_span(const char *s, size_t len, int flags)
{
    const unsigned char *p = (const unsigned char *) s;
    size_t  i = 0;
    size_t  n;

    while (i < len) {
	if (p[i] >= 0x20 && p[i] <= 0x7e && p[i] != '\\'
	    && (p[i] != '"' || (flags & CM_ESC_QUOTE) == 0)) {
	    i++;
	} else if ((flags & CM_ESC_UTF8) != 0
		   && (n = cm_utf8_seqlen(p + i, len - i)) > 0
		   && (p[i] != 0xc2 || p[i + 1] >= 0xa0)) {	/* not C1 */
	    i += n;
	} else {
	    break;
	}
    }
    return (i);
}

/* cm_escape_byte - write \xNN for one byte */

void    cm_escape_byte(char *out, unsigned char c, int flags)
{
    const char *hex = (flags & CM_ESC_UPPER) ?
    "0123456789ABCDEF" : "0123456789abcdef";

    out[0] = '\\';
    out[1] = 'x';
    out[2] = hex[c >> 4];
    out[3] = hex[c & 0x0f];
}

/* cm_escape - append text, escaped */

void    cm_escape(cm_buf *b, const char *s, size_t len, int flags)
{
    size_t  n;
    char    esc[CM_ESC_LEN];

    if (s == 0)
	return;
    while (len > 0) {
	n = cm_escape_span(s, len, flags);
	if (n > 0)
	    cm_buf_add(b, s, n);
	s += n;
	len -= n;
	if (len == 0)
	    break;
	cm_escape_byte(esc, (unsigned char) *s, flags);
	cm_buf_add(b, esc, CM_ESC_LEN);
	s++;
	len--;
    }
}

/* cm_escape_fit - text, escaped, in a fixed array; cut with "..." */

const char *cm_escape_fit(char *buf, size_t bufsz, const char *s, size_t len,
			          int flags)
{
    size_t  in, out = 0, need = 0;
    int     cut;

    /* A text that fits whole is not cut: "..." only marks a loss. */
    for (in = 0; s != 0 && in < len; in++)
	need += cm_escape_span(s + in, 1, flags) == 1 ? 1 : CM_ESC_LEN;
    cut = (need + 1 > bufsz);
    for (in = 0; s != 0 && in < len; in++) {
	if (cut && out + CM_ESC_LEN + 3 + 1 > bufsz) {
	    memcpy(buf + out, "...", 3);
	    out += 3;
	    break;
	}
	if (cm_escape_span(s + in, 1, flags) == 1) {
	    buf[out++] = s[in];
	} else {
	    cm_escape_byte(buf + out, (unsigned char) s[in], flags);
	    out += CM_ESC_LEN;
	}
    }
    buf[out] = 0;
    return (buf);
}

/*
 * net_step - the bytes at p that go together (a UTF-8 sequence is one
 * step), and in *control whether they are a control: C0 or DEL, C1 as
 * UTF-8 (U+0080-U+009F), or a lone byte 0x80-0x9f (C1 to a terminal
 * that reads 8 bits).
 */
static size_t net_step(const unsigned char *p, size_t n, int *control)
{
    size_t  k;

    if (p[0] < 0x80) {
	*control = (p[0] < 0x20 || p[0] == 0x7f);
	return (1);
    }
    if ((k = cm_utf8_seqlen(p, n)) > 0) {
	*control = (p[0] == 0xc2 && p[1] <= 0x9f);
	return (k);
    }
    *control = (p[0] <= 0x9f);
    return (1);
}

/* cm_has_controls - does the text hold a control (net_step()) */

int     cm_has_controls(const char *text, size_t len)
{
    const unsigned char *p = (const unsigned char *) text;
    size_t  i = 0;
    int     control = 0;

    while (i < len && !control) {
	/* Printable ASCII is nearly every byte of a log line. */
	if (p[i] >= 0x20 && p[i] < 0x7f) {
	    i++;
	    continue;
	}
	i += net_step(p + i, len - i, &control);
    }
    return (control);
}

/* cm_escape_controls - controls as \xNN, other bytes as they are */

size_t  cm_escape_controls(char *out, size_t size, const char *text,
			           size_t len)
{
    const unsigned char *p = (const unsigned char *) text;
    size_t  i = 0, o = 0, k, j;
    int     control;

    while (i < len) {
	k = net_step(p + i, len - i, &control);
	if (o + (control ? k * CM_ESC_LEN : k) >= size)
	    break;
	for (j = 0; j < k; j++) {
	    if (control) {
		cm_escape_byte(out + o, p[i + j], 0);
		o += CM_ESC_LEN;
	    } else {
		out[o++] = (char) p[i + j];
	    }
	}
	i += k;
    }
    return (o);
}

/* cm_buf_add_safe - append text that cannot break a log line */

void    cm_buf_add_safe(cm_buf *b, const char *s, size_t len)
{
    cm_escape(b, s, len, 0);
}

/* cm_buf_add_text - append text for a terminal: UTF-8 kept, rest \xNN */

void    cm_buf_add_text(cm_buf *b, const char *s, size_t len)
{
    cm_escape(b, s, len, CM_ESC_UTF8);
}
