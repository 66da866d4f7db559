/*++
/* NAME
/*	addrcanon 3
/* SUMMARY
/*	an envelope sender as the MTA will use it
/* SYNOPSIS
/*	#include "addrcanon.h"
/*
/*	cm_addr_status cm_addr_canonical(src, len, out, outsz)
/*	const char *src;
/*	size_t	len;
/*	char	*out;
/*	size_t	outsz;
/* DESCRIPTION
/*	Which campaign a message belongs to may come from its envelope
/*	sender (Psender:, DESIGN.md section 4), and a campaign may name
/*	the senders allowed to use it. Both must see the sender that the
/*	MTA will use, or a sending tool could skip the checks by writing
/*	the same address in another form (DESIGN.md section 2): Postfix
/*	accepts MAIL FROM:<@relay.example:news@org.example>,
/*	<news@org.example.> and <"news"@org.example>, and delivers each
/*	from news@org.example.
/*
/*	cm_addr_canonical() takes the len bytes at src (which need not
/*	be NUL-terminated), removes surrounding white space and one pair
/*	of <> as cm_addr_normalise() does, and then rewrites what MTAs
/*	rewrite in a sender:
/* .IP \(bu
/*	An RFC 5321 source route ("@a,@b:") is dropped, as Postfix's
/*	trivial-rewrite drops everything up to the first ":" of an
/*	address that starts with "@" (an empty hop, as in "@:x@y",
/*	included). A route that has white space, control bytes, quotes
/*	or brackets other than around an address literal is left alone,
/*	and so is a route with nothing after it.
/* .IP \(bu
/*	One trailing dot of the domain is dropped, unless the domain is
/*	just that dot or ends in two dots (as Postfix).
/* .IP \(bu
/*	A local part made of dot-separated words, some of them quoted
/*	strings, is unquoted (backslash pairs read as the byte they
/*	quote) when the result is a dot-atom, and so needs no quotes:
/*	"news"@x, "n\eews"@x and "news".letter@x become news@x,
/*	news@x and news.letter@x. Anything else ("a b"@x, "a\e"b"@x,
/*	""@x, words not separated by dots) keeps its quotes.
/* .PP
/*	The result is then normalised by cm_addr_normalise() (address(3):
/*	lower case, the syntax checks, the 320-byte limit) into out. When
/*	a rewritten form does not normalise, the input is normalised as
/*	it stands, exactly as without this function: a form that is not
/*	understood is treated as it always was, never guessed at.
/*	out must not overlap src.
/*
/*	The audit trail and the logs keep the sender as the client wrote
/*	it (normalised, not canonical): this form is for looking it up and
/*	for matching it against a campaign's senders list.
/* DIAGNOSTICS
/*	As cm_addr_normalise(): CM_ADDR_OK with the canonical form in
/*	out, or the status of the input as it stands with out "".
/* SEE ALSO
/*	address(3), the normalised form; rcptform(3), the same rewrites
/*	seen from the recipient's side.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <string.h>

/* Application-specific. */

#include "addrcanon.h"
#include "bytetable.h"

/*
 * Bytes as the rewrites see them. A route hop may hold any byte that
 * cannot end or confuse it; a dot-atom only RFC 5322 atext and, as in
 * address(3), bytes 0x80 and up (SMTPUTF8).
 */
#define C_HOPSTOP(c) ((c) <= ' ' || (c) == 0x7f || (c) == '"' || (c) == '\\' \
	|| (c) == '<' || (c) == '>' || (c) == '(' || (c) == ')' \
	|| (c) == '@' || (c) == ',' || (c) == ':' || (c) == '[' || (c) == ']')
#define C_ATEXT(c) ((c) >= 0x80 || CM_BYTE_ALNUM(c) || CM_BYTE_ATEXT_SPECIAL(c))

#define CANON_HOPSTOP	0x01
#define CANON_ATEXT	0x02
#define C_CLASS(c) ((C_HOPSTOP(c) ? CANON_HOPSTOP : 0) \
	| (C_ATEXT(c) ? CANON_ATEXT : 0))

static const unsigned char canon_class[256] = CM_BYTE_TABLE(C_CLASS);

/* canon_trim - narrow [*start, *end) past white space and one <> pair */

static void canon_trim(const unsigned char **start, const unsigned char **end)
{
    int     pass;

    /* The same stripping as cm_addr_normalise(): space, <>, space. */
    for (pass = 0; pass < 2; pass++) {
	while (*start < *end && (**start == ' ' || **start == '\t'
				 || **start == '\r' || **start == '\n'))
	    ++*start;
	while (*end > *start && ((*end)[-1] == ' ' || (*end)[-1] == '\t'
				 || (*end)[-1] == '\r' || (*end)[-1] == '\n'))
	    --*end;
	if (pass > 0 || *end - *start < 2 || (*start)[0] != '<'
	    || (*end)[-1] != '>')
	    break;
	++*start;
	--*end;
    }
}

/* canon_route - past a source route "@a,@b:", or start if there is none */

static const unsigned char *canon_route(const unsigned char *start,
					        const unsigned char *end)
{
    const unsigned char *cp = start;

    if (cp >= end || *cp != '@')
	return (start);
    for (;;) {
	/* cp is at the '@' of a hop. */
	for (cp++; cp < end && !(canon_class[*cp] & CANON_HOPSTOP); cp++)
	     /* void */ ;
	/* An address literal, [IPv6:...] included: its ':' is its own. */
	if (cp < end && *cp == '[') {
	    for (cp++; cp < end && *cp != ']'; cp++)
		if (canon_class[*cp] & CANON_HOPSTOP && *cp != ':')
		    return (start);
	    if (cp >= end)
		return (start);
	    for (cp++; cp < end && !(canon_class[*cp] & CANON_HOPSTOP); cp++)
		 /* void */ ;
	}
	if (cp >= end)
	    return (start);
	if (*cp == ':')
	    break;
	if (*cp != ',' || cp + 1 >= end || cp[1] != '@')
	    return (start);
	cp++;
    }
    /* "@relay:" alone is no address with a route: leave it. */
    return (cp + 1 < end ? cp + 1 : start);
}

/* canon_unquote - a quoted local part as a dot-atom; 0: keep it as it is */

static size_t canon_unquote(const unsigned char *cp, const unsigned char *end,
			            char *out, size_t outsz)
{
    size_t  n = 0;

    /*
     * Words (atoms or quoted strings) separated by single dots. Every
     * byte written is checked against outsz; the dot-atom test below
     * then decides whether the quotes were needed at all.
     */
    while (cp < end) {
	if (*cp == '"') {
	    for (cp++; cp < end && *cp != '"'; cp++) {
		if (*cp == '\\' && ++cp >= end)
		    return (0);
		if (n >= outsz)
		    return (0);
		out[n++] = (char) *cp;
	    }
	    if (cp >= end)
		return (0);			/* unterminated */
	    cp++;
	} else {
	    for (; cp < end && *cp != '.' && *cp != '"'; cp++) {
		if (n >= outsz)
		    return (0);
		out[n++] = (char) *cp;
	    }
	}
	if (cp < end) {
	    if (*cp != '.')
		return (0);			/* "a"b: no word boundary */
	    if (n >= outsz)
		return (0);
	    out[n++] = '.';
	    cp++;
	}
    }
    return (cm_byte_dot_atom(canon_class, CANON_ATEXT,
			     (const unsigned char *) out, n) ? n : 0);
}

/* cm_addr_canonical - a sender as the MTA will use it, normalised */

cm_addr_status cm_addr_canonical(const char *src, size_t len, char *out,
				         size_t outsz)
{
    const unsigned char *start = (const unsigned char *) src;
    const unsigned char *end;
    const unsigned char *at;
    const unsigned char *cp;
    char    buf[CM_ADDR_MAX + 1];
    size_t  n;
    size_t  dlen;
    cm_addr_status status;

    if (out != 0 && outsz > 0)
	out[0] = 0;
    if (src == 0)
	return (CM_ADDR_EMPTY);
    end = start + len;
    canon_trim(&start, &end);
    start = canon_route(start, end);

    /* The last '@' ends the local part, as in cm_addr_normalise(). */
    for (at = 0, cp = start; cp < end; cp++)
	if (*cp == '@')
	    at = cp;
    if (at == 0 || at == start)
	return (cm_addr_normalise(src, len, out, outsz));

    /* One dot of the DNS root, not "x@." and not "x@a..". */
    dlen = (size_t) (end - (at + 1));
    if (dlen >= 2 && end[-1] == '.' && end[-2] != '.')
	dlen--;

    /* The local part, unquoted if it can be; else as it came. */
    n = 0;
    if (memchr(start, '"', (size_t) (at - start)) != 0)
	n = canon_unquote(start, at, buf, sizeof(buf));
    if (n == 0) {
	n = (size_t) (at - start);
	if (n > sizeof(buf))
	    return (cm_addr_normalise(src, len, out, outsz));
	memcpy(buf, start, n);
    }
    if (n + 1 + dlen > CM_ADDR_MAX)
	return (cm_addr_normalise(src, len, out, outsz));
    buf[n++] = '@';
    memcpy(buf + n, at + 1, dlen);
    n += dlen;

    /* A rewrite that does not normalise: the input, as without it. */
    if ((status = cm_addr_normalise(buf, n, out, outsz)) == CM_ADDR_OK)
	return (status);
    return (cm_addr_normalise(src, len, out, outsz));
}
