/*++
/* NAME
/*	rcptform 3
/* SUMMARY
/*	can a recipient be removed with certainty
/* SYNOPSIS
/*	#include "rcptform.h"
/*
/*	cm_rcptform cm_rcptform_check(raw, len)
/*	const char *raw;
/*	size_t	len;
/*
/*	const char *cm_rcptform_strerror(form)
/*	cm_rcptform form;
/* DESCRIPTION
/*	A milter removes a recipient (smfi_delrcpt) by naming it, and
/*	the MTA removes the recipients it stored under that name. It
/*	does not say whether anything matched. The name must therefore
/*	be the one the MTA stored, and MTAs rewrite what a client sent
/*	before they store it: Postfix drops a source route and a
/*	trailing dot in the domain, takes quotes apart, and whatever
/*	our copy of an over-long argument lost is lost. A deletion that
/*	matches nothing delivers the message to someone who was denied
/*	(DESIGN.md section 6).
/*
/*	cm_rcptform_check() looks at the len bytes of a RCPT argument
/*	at raw, as the MTA passed it to the milter, and says whether it
/*	has the one form that no MTA rewrites: CM_RCPTFORM_PLAIN is
/*	local@domain, with or without one surrounding pair of angle
/*	brackets, where
/* .IP \(bu
/*	the local part is an ASCII dot-atom (RFC 5322 atext without
/*	"%" and "!", which some MTAs still treat as routing) of at most
/*	64 bytes;
/* .IP \(bu
/*	the domain is a dot-separated sequence of labels of ASCII
/*	letters, digits and "-", without a trailing dot;
/* .IP \(bu
/*	the address has at most 254 bytes (RFC 5321: a path of 256
/*	with its brackets), and nothing else: no white space, no
/*	control bytes, no comments, no other "<", ">" or "@".
/* .PP
/*	For such a recipient, the raw argument as received (brackets
/*	and case as the client sent them) is the name to give
/*	smfi_delrcpt: Postfix and sendmail both parse it as they parsed
/*	the RCPT command, and find the same address. Everything else is
/*	reported with the first thing found that makes a deletion
/*	uncertain; the caller must then not strip the recipient but
/*	refuse or defer the whole message.
/*
/*	The rule is deliberately narrower than what Postfix happens to
/*	handle today (a quoted local part may match after Postfix
/*	unquotes both sides): certainty, not a guess about one MTA's
/*	version, decides whether a denied person can receive mail.
/*
/*	cm_rcptform_strerror() returns a short text for a result,
/*	suitable for a log line.
/* DIAGNOSTICS
/*	None.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <string.h>

/* Application-specific. */

#include "bytetable.h"
#include "rcptform.h"

/*
 * What each byte is to the checks below, as one table look-up: a
 * comparison per case, and a function call per byte for the dot-atoms,
 * made the form of a bracketed address of 20-odd bytes cost 790
 * instructions, the table 620 (callgrind; every deleted recipient is
 * judged). The compiler computes the table from these rules.
 */
#define F_SPACE		0x01		/* control, space or DEL */
#define F_BRACKET	0x02		/* < > */
#define F_QUOTE		0x04		/* " \ */
#define F_HACK		0x08		/* % ! (percent hack, bang path) */
#define F_8BIT		0x10		/* 0x80 and up */
#define F_ATEXT		0x20		/* RFC 5322 atext, less ! and % */
#define F_LABEL		0x40		/* a byte of a domain label */

#define F_CLASS(c) ( \
	((c) <= ' ' || (c) == 0x7f ? F_SPACE : 0) \
	| ((c) == '<' || (c) == '>' ? F_BRACKET : 0) \
	| ((c) == '"' || (c) == '\\' ? F_QUOTE : 0) \
	| ((c) == '%' || (c) == '!' ? F_HACK : 0) \
	| ((c) >= 0x80 ? F_8BIT : 0) \
	| (CM_BYTE_ALNUM(c) || (CM_BYTE_ATEXT_SPECIAL(c) && (c) != '!' \
				 && (c) != '%') ? F_ATEXT : 0) \
	| (CM_BYTE_ALNUM(c) || (c) == '-' ? F_LABEL : 0))

static const unsigned char form_class[256] = CM_BYTE_TABLE(F_CLASS);

/* cm_rcptform_check - is this a form every MTA stores as it came */

cm_rcptform cm_rcptform_check(const char *raw, size_t len)
{
    const unsigned char *s = (const unsigned char *) raw;
    const unsigned char *at = 0;
    size_t  i;
    size_t  ats = 0;
    size_t  local_len;
    int     seen = 0;

    if (len == 0)
	return (CM_RCPTFORM_EMPTY);
    for (i = 0; i < len; i++)
	if (form_class[s[i]] & F_SPACE)
	    return (CM_RCPTFORM_SPACE);

    /* One pair of brackets around the address, or none at all. */
    if (s[0] == '<') {
	if (len < 2 || s[len - 1] != '>')
	    return (CM_RCPTFORM_BRACKETS);
	s++;
	len -= 2;
    }
    /*
     * One pass notes what each of the checks below looks for; they
     * then decide in their order of precedence (every recipient of
     * every message comes through here: one loop, not five).
     */
    for (i = 0; i < len; i++) {
	seen |= form_class[s[i]];
	if (s[i] == '@') {
	    ats++;
	    at = s + i;
	}
    }
    if (seen & F_BRACKET)
	return (CM_RCPTFORM_BRACKETS);
    if (len == 0)
	return (CM_RCPTFORM_EMPTY);
    if (len > CM_RCPTFORM_ADDR_MAX)
	return (CM_RCPTFORM_TOO_LONG);

    /* What MTAs rewrite, most telling first. */
    if (s[0] == '@')
	return (CM_RCPTFORM_ROUTE);
    if (seen & F_QUOTE)
	return (CM_RCPTFORM_QUOTED);
    if (seen & F_8BIT)
	return (CM_RCPTFORM_8BIT);
    if ((seen & F_HACK) || ats > 1)
	return (CM_RCPTFORM_HACK);
    if (at == 0)
	return (CM_RCPTFORM_NO_DOMAIN);
    local_len = at - s;
    if (at[1] == '[')
	return (CM_RCPTFORM_LITERAL);
    if (s[len - 1] == '.')
	return (CM_RCPTFORM_TRAILING_DOT);
    if (!cm_byte_dot_atom(form_class, F_ATEXT, s, local_len)
	|| !cm_byte_dot_atom(form_class, F_LABEL, at + 1, len - local_len - 1))
	return (CM_RCPTFORM_SYNTAX);
    if (local_len > CM_RCPTFORM_LOCAL_MAX)
	return (CM_RCPTFORM_TOO_LONG);
    return (CM_RCPTFORM_PLAIN);
}

/* cm_rcptform_strerror - what makes a deletion uncertain */

const char *cm_rcptform_strerror(cm_rcptform form)
{
    /* The order must match enum cm_rcptform in rcptform.h. */
    static const char *const text[] = {
	"plain address",
	"empty address",
	"white space or control character",
	"stray angle bracket",
	"source route",
	"quoted local part",
	"% or ! routing",
	"no domain",
	"address literal",
	"trailing dot in the domain",
	"non-ASCII address",
	"not a plain local@domain",
	"longer than RFC 5321 allows",
    };

    if ((unsigned) form >= sizeof(text) / sizeof(text[0]))
	return ("unknown form");
    return (text[form]);
}
