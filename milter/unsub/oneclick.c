/*++
/* NAME
/*	oneclick 3
/* SUMMARY
/*	the RFC 8058 one-click POST body
/* SYNOPSIS
/*	#include "oneclick.h"
/*
/*	int	cm_oneclick_body(content_type, body, len)
/*	const char *content_type;
/*	const char *body;
/*	size_t	len;
/* DESCRIPTION
/*	cm_oneclick_body() says whether a POST body asks for a one-click
/*	unsubscribe: RFC 8058 has the mailbox provider send the key/value
/*	pair "List-Unsubscribe=One-Click", either as
/*	application/x-www-form-urlencoded (the usual form, and what the
/*	service's own page sends) or as multipart/form-data.
/*
/*	URL-encoded: the body is split at "&"; a pair whose name and value,
/*	percent- and "+"-decoded, are "List-Unsubscribe" and "One-Click"
/*	(letter case ignored) counts; other pairs are ignored. A body
/*	without a content type, or with another one, is read this way.
/*
/*	multipart/form-data: the boundary comes from the content type's
/*	boundary parameter, or, when that is missing, from the body's
/*	first line. A part whose Content-Disposition names
/*	"List-Unsubscribe" and whose content (without its line end) is
/*	"One-Click" counts.
/*
/*	Nothing is allocated; the body need not be NUL-terminated.
/* DIAGNOSTICS
/*	Returns 1 when the pair is there, 0 when it is not.
/* STANDARDS
/*	RFC 8058 (one-click unsubscribe), RFC 7578 (multipart/form-data).
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Application-specific. */

#include "hex.h"
#include "oneclick.h"

#define NAME	"List-Unsubscribe"
#define VALUE	"One-Click"
#define BOUNDARY_MAX	70		/* RFC 2046 */

/* decoded_is - does the form-encoded text s[0..len) decode to want */

static int decoded_is(const char *s, size_t len, const char *want)
{
    size_t  wlen = strlen(want);
    size_t  i, n = 0;
    int     c, hi, lo;

    for (i = 0; i < len; i++, n++) {
	c = (unsigned char) s[i];
	if (c == '+') {
	    c = ' ';
	} else if (c == '%' && i + 2 < len && (hi = cm_hexval(s[i + 1])) >= 0
		   && (lo = cm_hexval(s[i + 2])) >= 0) {
	    c = hi * 16 + lo;
	    i += 2;
	}
	if (n >= wlen || tolower(c) != tolower((unsigned char) want[n]))
	    return (0);
    }
    return (n == wlen);
}

/* urlencoded - a name=value pair List-Unsubscribe=One-Click */

static int urlencoded(const char *body, size_t len)
{
    const char *p = body, *end = body + len, *amp, *eq;

    /* A trailing line end (curl --data from a file, some senders). */
    while (end > p && (end[-1] == '\n' || end[-1] == '\r'))
	end--;
    while (p < end) {
	if ((amp = memchr(p, '&', (size_t) (end - p))) == 0)
	    amp = end;
	if ((eq = memchr(p, '=', (size_t) (amp - p))) != 0
	    && decoded_is(p, (size_t) (eq - p), NAME)
	    && decoded_is(eq + 1, (size_t) (amp - eq - 1), VALUE))
	    return (1);
	p = amp + 1;
    }
    return (0);
}

/* find - memmem on a bounded range */

static const char *find(const char *hay, const char *end, const char *needle,
			        size_t nlen)
{
    if (nlen == 0 || end - hay < (long) nlen)
	return (0);
    return (memmem(hay, (size_t) (end - hay), needle, nlen));
}

/* param_boundary - the boundary parameter of a content type, into out */

static size_t param_boundary(const char *ctype, char *out, size_t outsz)
{
    const char *p = ctype;
    size_t  n = 0;

    while ((p = strchr(p, ';')) != 0) {
	p++;
	while (*p == ' ' || *p == '\t')
	    p++;
	if (strncasecmp(p, "boundary=", 9) != 0)
	    continue;
	p += 9;
	if (*p == '"') {
	    for (p++; *p && *p != '"' && n < outsz - 1; p++)
		out[n++] = *p;
	} else {
	    for (; *p && *p != ';' && *p != ' ' && *p != '\t' && n < outsz - 1; p++)
		out[n++] = *p;
	}
	break;
    }
    out[n] = 0;
    return (n);
}

/* multipart - a form-data part List-Unsubscribe with content One-Click */

static int multipart(const char *ctype, const char *body, size_t len)
{
    char    delim[BOUNDARY_MAX + 5];	/* "\r\n--" boundary, NUL */
    char    boundary[BOUNDARY_MAX + 1];
    const char *end = body + len, *p, *eol, *hdr_end, *next, *v, *ve;
    size_t  blen, dlen;

    /* The boundary: from the content type, else the body's first line. */
    if (ctype == 0 || (blen = param_boundary(ctype, boundary,
					     sizeof(boundary))) == 0) {
	if (len < 3 || body[0] != '-' || body[1] != '-'
	    || (eol = memchr(body, '\n', len)) == 0)
	    return (0);
	blen = (size_t) (eol - body - 2);
	if (blen > 0 && body[2 + blen - 1] == '\r')
	    blen--;
	if (blen == 0 || blen > BOUNDARY_MAX)
	    return (0);
	memcpy(boundary, body + 2, blen);
	boundary[blen] = 0;
    }
    dlen = (size_t) snprintf(delim, sizeof(delim), "\n--%s", boundary);

    /* Treat the body as if a line end came first: every delimiter is "\n--B". */
    if (len >= dlen - 1 && memcmp(body, delim + 1, dlen - 1) == 0)
	p = body + dlen - 1;
    else if ((p = find(body, end, delim, dlen)) != 0)
	p += dlen;
    else
	return (0);

    for (;;) {
	/* After a delimiter: "--" ends the body, else the line ends. */
	if (end - p >= 2 && p[0] == '-' && p[1] == '-')
	    return (0);
	if ((eol = memchr(p, '\n', (size_t) (end - p))) == 0)
	    return (0);
	p = eol + 1;
	if ((next = find(p, end, delim, dlen)) == 0)
	    return (0);
	/* The part's headers end at an empty line. */
	if ((hdr_end = find(p, next, "\n\r\n", 3)) != 0)
	    v = hdr_end + 3;
	else if ((hdr_end = find(p, next, "\n\n", 2)) != 0)
	    v = hdr_end + 2;
	else if (next - p >= 2 && p[0] == '\r' && p[1] == '\n')
	    hdr_end = p, v = p + 2;
	else
	    hdr_end = 0, v = 0;
	if (v != 0) {
	    ve = next;
	    if (ve > v && ve[-1] == '\r')
		ve--;
	    if (find(p, hdr_end + 1, "name=\"" NAME "\"", strlen(NAME) + 7) != 0
		&& (size_t) (ve - v) == sizeof(VALUE) - 1
		&& strncasecmp(v, VALUE, sizeof(VALUE) - 1) == 0)
		return (1);
	}
	p = next + dlen;
    }
}

/* cm_oneclick_body - does this POST body ask for a one-click unsubscribe */

int     cm_oneclick_body(const char *content_type, const char *body, size_t len)
{
    if (body == 0)
	return (0);
    if (content_type != 0
	&& strncasecmp(content_type, "multipart/form-data", 19) == 0)
	return (multipart(content_type, body, len));
    if (len >= 2 && body[0] == '-' && body[1] == '-')
	return (multipart(0, body, len));
    return (urlencoded(body, len));
}
