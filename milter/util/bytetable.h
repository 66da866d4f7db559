#ifndef CM_BYTETABLE_H
#define CM_BYTETABLE_H

/*++
/* NAME
/*	bytetable 3h
/* SUMMARY
/*	a table of 256 bytes, computed by the compiler from a rule
/* SYNOPSIS
/*	#include "bytetable.h"
/*
/*	#define CLASS(c) (((c) >= 'a' && (c) <= 'z') ? 1 : 0)
/*	static const unsigned char class[256] = CM_BYTE_TABLE(CLASS);
/*
/*	int	cm_byte_dot_atom(table, mask, s, len)
/*	const unsigned char table[256];
/*	unsigned char mask;
/*	const unsigned char *s;
/*	size_t	len;
/* DESCRIPTION
/*	CM_BYTE_TABLE(f) is the initializer {f(0), f(1), ..., f(255)}: a
/*	table that answers "what is this byte" in one look-up, written as
/*	the rule itself instead of 256 numbers to check by eye. f must be
/*	a macro whose argument may be an expression (parenthesise it).
/*	CM_BYTE_ALNUM(c) is an ASCII letter or digit, CM_BYTE_ATEXT_SPECIAL(c)
/*	one of the other characters of RFC 5322 atext.
/*	The parsers of addresses (address(3), rcptform(3), addrcanon(3))
/*	use it: a byte loop with a comparison chain per byte was the
/*	larger part of their cost.
/*
/*	cm_byte_dot_atom() says whether len bytes are a dot-atom (RFC
/*	5322) of bytes whose class in table has a bit of mask: not empty,
/*	no dot first or last, no two dots in a row.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* Rules that more than one table is made of. */
#define CM_BYTE_ALNUM(c) (((c) >= 'a' && (c) <= 'z') \
	|| ((c) >= 'A' && (c) <= 'Z') || ((c) >= '0' && (c) <= '9'))
#define CM_BYTE_ATEXT_SPECIAL(c) ((c) == '!' || (c) == '#' || (c) == '$' \
	|| (c) == '%' || (c) == '&' || (c) == '\'' || (c) == '*' \
	|| (c) == '+' || (c) == '-' || (c) == '/' || (c) == '=' \
	|| (c) == '?' || (c) == '^' || (c) == '_' || (c) == '`' \
	|| (c) == '{' || (c) == '|' || (c) == '}' || (c) == '~')

#include <stddef.h>

#define CM_BYTE_ROW4(f, c)  f(c), f((c) + 1), f((c) + 2), f((c) + 3)
#define CM_BYTE_ROW16(f, c) CM_BYTE_ROW4(f, c), CM_BYTE_ROW4(f, (c) + 4), \
	CM_BYTE_ROW4(f, (c) + 8), CM_BYTE_ROW4(f, (c) + 12)
#define CM_BYTE_ROW64(f, c) CM_BYTE_ROW16(f, c), CM_BYTE_ROW16(f, (c) + 16), \
	CM_BYTE_ROW16(f, (c) + 32), CM_BYTE_ROW16(f, (c) + 48)
#define CM_BYTE_TABLE(f) { CM_BYTE_ROW64(f, 0), CM_BYTE_ROW64(f, 64), \
	CM_BYTE_ROW64(f, 128), CM_BYTE_ROW64(f, 192) }

/* cm_byte_dot_atom - are len bytes a dot-atom of bytes of class mask */

static inline int cm_byte_dot_atom(const unsigned char *table,
				           unsigned char mask,
				           const unsigned char *s, size_t len)
{
    size_t  i;

    if (len == 0 || s[0] == '.' || s[len - 1] == '.')
	return (0);
    for (i = 0; i < len; i++) {
	if (s[i] == '.') {
	    if (s[i - 1] == '.')
		return (0);
	} else if (!(table[s[i]] & mask)) {
	    return (0);
	}
    }
    return (1);
}

#endif
