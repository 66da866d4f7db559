/*++
/* NAME
/*	utf8 3
/* SUMMARY
/*	strict UTF-8 validation
/* SYNOPSIS
/*	#include "utf8.h"
/*
/*	size_t	cm_utf8_seqlen(s, n)
/*	const unsigned char *s;
/*	size_t	n;
/*
/*	int	cm_utf8_valid(s, len, bad)
/*	const char *s;
/*	size_t	len;
/*	size_t	*bad;
/* DESCRIPTION
/*	Record ids are the bytes of the normalised address (DESIGN.md
/*	section 2), and an MTA presents addresses in UTF-8 (SMTPUTF8) or
/*	ASCII. An address stored in another encoding (a Latin-1 CRM
/*	export) gets a key that no message will ever look up: the
/*	person's opt-out is then as good as lost. Writers therefore
/*	accept UTF-8 only, checked strictly (RFC 3629).
/*
/*	cm_utf8_seqlen() returns the length (2 to 4) of the well-formed
/*	multi-byte sequence that starts at s, of at most n bytes, or 0
/*	when there is none: an ASCII byte, a continuation byte, an
/*	overlong form, a UTF-16 surrogate (U+D800 to U+DFFF), a code
/*	point above U+10FFFF, or a sequence cut short.
/*
/*	cm_utf8_valid() tells whether len bytes at s are UTF-8: ASCII
/*	bytes (NUL included: callers that refuse it say so themselves)
/*	and well-formed sequences only. When they are not and bad is not
/*	NULL, *bad is the offset of the first byte that is not.
/* DIAGNOSTICS
/*	cm_utf8_valid() returns 1 for valid UTF-8, else 0.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stddef.h>

/* Application-specific. */

#include "utf8.h"

/* cm_utf8_seqlen - length of the well-formed sequence at s, or 0 */

size_t  cm_utf8_seqlen(const unsigned char *s, size_t n)
{
    unsigned char lo = 0x80;		/* range of the second byte */
    unsigned char hi = 0xbf;
    size_t  want;
    size_t  i;

    /*
     * The first byte fixes the length and, for the edge cases, a
     * narrower range for the second byte (RFC 3629 section 4). That one
     * check rules out overlong forms (E0, F0), UTF-16 surrogates (ED)
     * and code points beyond U+10FFFF (F4); C0, C1 and F5-FF never
     * start a sequence.
     */
    if (n == 0)
	return (0);
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
    if (n < want || s[1] < lo || s[1] > hi)
	return (0);
    for (i = 2; i < want; i++)
	if (s[i] < 0x80 || s[i] > 0xbf)
	    return (0);
    return (want);
}

/* cm_utf8_valid - are these bytes UTF-8 */

int     cm_utf8_valid(const char *s, size_t len, size_t *bad)
{
    const unsigned char *p = (const unsigned char *) s;
    size_t  i = 0;
    size_t  n;

    while (i < len) {
	if (p[i] < 0x80) {
	    i++;
	} else if ((n = cm_utf8_seqlen(p + i, len - i)) > 0) {
	    i += n;
	} else {
	    if (bad != 0)
		*bad = i;
	    return (0);
	}
    }
    return (1);
}
