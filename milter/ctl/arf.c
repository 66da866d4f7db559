/*++
/* NAME
/*	arf 3
/* SUMMARY
/*	complaint reports (ARF, RFC 5965) and the messages around tokens
/* SYNOPSIS
/*	#include "arf.h"
/*
/*	int	arf_parse(msg, len, r, why, whylen)
/*	const char *msg;
/*	size_t	len;
/*	arf_report *r;
/*	char	*why;
/*	size_t	whylen;
/*
/*	int	arf_header(msg, len, name, out, outsz)
/*	const char *msg;
/*	size_t	len;
/*	const char *name;
/*	char	*out;
/*	size_t	outsz;
/*
/*	int	arf_find_token(text, url, out, outsz)
/*	const char *text;
/*	const char *url;
/*	char	*out;
/*	size_t	outsz;
/* DESCRIPTION
/*	The parsing behind "consentctl feedback" and "consentctl
/*	mail-unsubscribe". Pure functions over a message in memory; CRLF
/*	and LF line ends alike; nothing is decoded (a report whose parts
/*	are base64 yields what the plain parts give).
/*
/*	arf_parse() reads a complaint in the Abuse Reporting Format of RFC
/*	5965: a multipart/report with report-type=feedback-report, whose
/*	message/feedback-report part holds Feedback-Type (required),
/*	Arrival-Date, Source-IP, Original-Mail-From and Original-Rcpt-To,
/*	and whose message/rfc822 or text/rfc822-headers part holds the
/*	original message's List-Unsubscribe and Message-ID (the token of
/*	ours, when the relay added its own). Fields are unfolded, cut at
/*	ARF_FIELD_MAX - 1 bytes, and control characters become spaces.
/*
/*	arf_header() finds the first header field name (any case) in the
/*	header block of the len bytes at msg, unfolds it, and writes its
/*	value (trimmed) to out.
/*
/*	arf_find_token() finds an opt-out token of ours in text (a
/*	List-Unsubscribe value or a recipient address): the 50 base32
/*	characters after "unsubscribe+" or after url (UnsubscribeURL, or
/*	NULL), both matched in any case. The token is only found, not
/*	verified: unsubtoken(3) does that.
/* DIAGNOSTICS
/*	arf_parse() returns 0, or -1 with why: not a multipart/report of
/*	report-type feedback-report, no boundary, no feedback-report part,
/*	no Feedback-Type. arf_header() and arf_find_token() return 1 when
/*	found, else 0.
/* SEE ALSO
/*	RFC 5965, An Extensible Format for Email Feedback Reports.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Application-specific. */

#include "arf.h"
#include "unsubtoken.h"

/* line_end - end of the line at p (before CR LF or LF), and the next */

static const char *line_end(const char *p, const char *end, const char **next)
{
    const char *nl = memchr(p, '\n', (size_t) (end - p));

    if (nl == 0) {
	*next = end;
	return (end);
    }
    *next = nl + 1;
    return (nl > p && nl[-1] == '\r' ? nl - 1 : nl);
}

/* header_end - where the header block of msg ends (its empty line) */

static const char *header_end(const char *msg, const char *end,
			              const char **body)
{
    const char *p, *e, *next;

    for (p = msg; p < end; p = next) {
	e = line_end(p, end, &next);
	if (e == p) {
	    *body = next;
	    return (p);
	}
    }
    *body = end;
    return (end);
}

/* arf_header - one header field of a message, unfolded */

int     arf_header(const char *msg, size_t len, const char *name,
		           char *out, size_t outsz)
{
    const char *end = msg + len, *hend, *body, *p, *e, *next, *v;
    size_t  nlen = strlen(name), n = 0;

    hend = header_end(msg, end, &body);
    for (p = msg; p < hend; p = next) {
	e = line_end(p, hend, &next);
	if ((size_t) (e - p) <= nlen || p[nlen] != ':'
	    || strncasecmp(p, name, nlen) != 0)
	    continue;
	for (v = p + nlen + 1;;) {
	    for (; v < e; v++) {
		if (n == 0 && (*v == ' ' || *v == '\t'))
		    continue;
		if (n + 1 < outsz)
		    out[n++] = ((unsigned char) *v < 32 || *v == 127) ? ' ' : *v;
	    }
	    /* A continuation line starts with white space. */
	    if (next >= hend || (*next != ' ' && *next != '\t'))
		break;
	    if (n + 1 < outsz && n > 0)
		out[n++] = ' ';
	    v = next;
	    e = line_end(next, hend, &next);
	}
	while (n > 0 && out[n - 1] == ' ')
	    n--;
	if (outsz > 0)
	    out[n] = 0;
	return (1);
    }
    if (outsz > 0)
	*out = 0;
    return (0);
}

/* param - a parameter of a Content-Type value: 1 found */

static int param(const char *value, const char *name, char *out, size_t outsz)
{
    const char *p = value, *s;
    size_t  nlen = strlen(name), n = 0;

    while ((p = strchr(p, ';')) != 0) {
	for (p++; *p == ' ' || *p == '\t'; p++)
	     /* void */ ;
	if (strncasecmp(p, name, nlen) != 0 || p[nlen] != '=')
	    continue;
	s = p + nlen + 1;
	if (*s == '"') {
	    for (s++; *s && *s != '"'; s++)
		if (n + 1 < outsz)
		    out[n++] = *s;
	} else {
	    for (; *s && *s != ';' && *s != ' ' && *s != '\t'; s++)
		if (n + 1 < outsz)
		    out[n++] = *s;
	}
	out[n] = 0;
	return (n > 0);
    }
    return (0);
}

/* type_is - the media type of a Content-Type value is want */

static int type_is(const char *value, const char *want)
{
    size_t  n = strlen(want);

    return (strncasecmp(value, want, n) == 0
	    && (value[n] == 0 || value[n] == ';' || value[n] == ' '
		|| value[n] == '\t'));
}

/* is_delim - the line p..e is "--boundary" or "--boundary--" */

static int is_delim(const char *p, const char *e, const char *b, size_t blen)
{
    size_t  n = (size_t) (e - p);

    if (n < blen + 2 || p[0] != '-' || p[1] != '-'
	|| memcmp(p + 2, b, blen) != 0)
	return (0);
    for (p += blen + 2; p < e && (*p == ' ' || *p == '\t' || *p == '-'); p++)
	 /* void */ ;
    return (p == e);
}

/* take_part - the fields one part gives */

static void take_part(const char *p, const char *end, arf_report *r,
		              int *seen)
{
    char    ctype[ARF_FIELD_MAX];
    const char *body;
    size_t  len;

    (void) header_end(p, end, &body);
    if (!arf_header(p, (size_t) (body - p), "Content-Type", ctype,
		    sizeof(ctype)))
	return;
    len = (size_t) (end - body);
    if (type_is(ctype, "message/feedback-report")) {
	*seen = 1;
	(void) arf_header(body, len, "Feedback-Type", r->feedback_type,
			  sizeof(r->feedback_type));
	(void) arf_header(body, len, "Arrival-Date", r->arrival_date,
			  sizeof(r->arrival_date));
	(void) arf_header(body, len, "Source-IP", r->source_ip,
			  sizeof(r->source_ip));
	(void) arf_header(body, len, "Original-Mail-From", r->mail_from,
			  sizeof(r->mail_from));
	(void) arf_header(body, len, "Original-Rcpt-To", r->rcpt_to,
			  sizeof(r->rcpt_to));
    } else if (type_is(ctype, "message/rfc822")
	       || type_is(ctype, "text/rfc822-headers")) {
	(void) arf_header(body, len, "List-Unsubscribe", r->list_unsub,
			  sizeof(r->list_unsub));
	(void) arf_header(body, len, "Message-ID", r->msgid, sizeof(r->msgid));
    }
}

/* arf_parse - the fields of a feedback report */

int     arf_parse(const char *msg, size_t len, arf_report *r,
		          char *why, size_t whylen)
{
    char    ctype[ARF_FIELD_MAX], rtype[64], boundary[201];
    const char *end = msg + len, *body, *p, *e, *next, *part = 0;
    size_t  blen;
    int     seen = 0;

    memset(r, 0, sizeof(*r));
    if (!arf_header(msg, len, "Content-Type", ctype, sizeof(ctype))) {
	snprintf(why, whylen, "not an ARF report: no Content-Type "
		 "(want multipart/report; report-type=feedback-report)");
	return (-1);
    }
    if (!type_is(ctype, "multipart/report")
	|| !param(ctype, "report-type", rtype, sizeof(rtype))
	|| strcasecmp(rtype, "feedback-report") != 0) {
	snprintf(why, whylen, "not an ARF report: Content-Type %.200s (want "
		 "multipart/report; report-type=feedback-report)", ctype);
	return (-1);
    }
    if (!param(ctype, "boundary", boundary, sizeof(boundary))) {
	snprintf(why, whylen, "not an ARF report: multipart/report "
		 "without a boundary");
	return (-1);
    }
    blen = strlen(boundary);
    (void) header_end(msg, end, &body);
    for (p = body; p < end; p = next) {
	e = line_end(p, end, &next);
	if (!is_delim(p, e, boundary, blen))
	    continue;
	if (part != 0)
	    take_part(part, p, r, &seen);
	part = next;
	if (e - p >= (long) blen + 4 && e[-1] == '-' && e[-2] == '-')
	    break;				/* the closing delimiter */
    }
    if (!seen) {
	snprintf(why, whylen, "not an ARF report: no message/feedback-report "
		 "part");
	return (-1);
    }
    if (r->feedback_type[0] == 0) {
	snprintf(why, whylen, "not an ARF report: no Feedback-Type in the "
		 "message/feedback-report part");
	return (-1);
    }
    return (0);
}

/* b32_run - 50 base32 characters at p, nothing of the alphabet after */

static int b32_run(const char *p)
{
    int     n;

    for (n = 0; n < CM_TOKEN_LEN; n++)
	if (!((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z')
	      || (p[n] >= '2' && p[n] <= '7')))
	    return (0);
    return (!((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z')
	      || (p[n] >= '0' && p[n] <= '9')));
}

/* arf_find_token - a token of ours in a header value or an address */

int     arf_find_token(const char *text, const char *url, char *out,
		               size_t outsz)
{
    static const char local[] = CM_TOKEN_LOCAL_PREFIX;
    size_t  ulen = url ? strlen(url) : 0;
    const char *p;

    if (outsz < CM_TOKEN_SIZE)
	return (0);
    for (p = text; *p; p++) {
	const char *t = 0;

	if (strncasecmp(p, local, sizeof(local) - 1) == 0)
	    t = p + sizeof(local) - 1;
	else if (ulen > 0 && strncasecmp(p, url, ulen) == 0)
	    t = p + ulen;
	if (t != 0 && strlen(t) >= CM_TOKEN_LEN && b32_run(t)) {
	    memcpy(out, t, CM_TOKEN_LEN);
	    out[CM_TOKEN_LEN] = 0;
	    return (1);
	}
    }
    return (0);
}
