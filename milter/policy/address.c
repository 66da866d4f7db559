/*++
/* NAME
/*	address 3
/* SUMMARY
/*	address normalisation and record ids
/* SYNOPSIS
/*	#include "address.h"
/*
/*	cm_addr_status cm_addr_normalise(src, len, out, outsz)
/*	const char *src;
/*	size_t	len;
/*	char	*out;
/*	size_t	outsz;
/*
/*	const char *cm_addr_strerror(status)
/*	cm_addr_status status;
/*
/*	cm_addrkey *cm_addrkey_load(path, err, errlen)
/*	const char *path;
/*	char	*err;
/*	size_t	errlen;
/*
/*	cm_addrkey *cm_addrkey_from_bytes(key, len)
/*	const void *key;
/*	size_t	len;
/*
/*	void	cm_addrkey_free(key)
/*	cm_addrkey *key;
/*
/*	void	cm_crypto_init()
/*
/*	void	cm_addr_record_id(key, norm, len, out, outsz)
/*	const cm_addrkey *key;
/*	const char *norm;
/*	size_t	len;
/*	char	*out;
/*	size_t	outsz;
/* DESCRIPTION
/*	This module implements the address rules of DESIGN.md section 2.
/*	Every consent lookup, audit record and consentctl command goes
/*	through it, so that the daemon and the admin tool always agree
/*	on who a person is.
/*
/*	cm_addr_normalise() turns the len bytes at src (which need not
/*	be NUL-terminated) into the normalised form: surrounding white
/*	space (space, tab, CR, LF) is removed, then one surrounding
/*	pair of <>, then white space again; ASCII letters are folded to
/*	lower case. Bytes 0x80 and up are copied unchanged, so UTF-8
/*	local parts and domains survive. Nothing else is rewritten: a
/*	+tag or a dot in the local part is significant to the receiving
/*	system, and guessing otherwise could merge two people.
/*	The last '@' separates the local part from the domain, so that
/*	a quoted local part such as "a@b"@example.org is accepted.
/*	The result is written to out, always NUL-terminated (the empty
/*	string when the address is rejected); out must not overlap src.
/*
/*	An address no MTA would deliver is refused rather than stored
/*	or looked up (issue 16: "j.smith@gmail,com" and "a@x.org;
/*	b@y.org" came in through import). The local part must be
/*	atoms (RFC 5322 atext, plus bytes 0x80 and up for SMTPUTF8)
/*	and quoted strings, joined by dots; dots themselves are not
/*	policed, since obsolete forms such as "a..b" are still handed
/*	out and delivered. White space and "@" are allowed only inside
/*	quotes. The domain must follow RFC 5321: dot-separated labels
/*	of letters, digits and "-", none empty, none longer than 63
/*	bytes, none starting or ending with "-", at most 255 bytes in
/*	all; or an address literal [IPv4] or [IPv6:address]. Bytes 0x80 and up count as letters in a label:
/*	a U-label (internationalised domain, RFC 6531) stays allowed,
/*	as its UTF-8 bytes are kept by the rules above. "+tags",
/*	quoted local parts and IP literals are accepted as before, and
/*	so are two obsolete forms that MTAs still deliver (Postfix
/*	rewrites them away): a source route "@relay.example:" before
/*	the local part, and one trailing dot after the domain. Neither
/*	is rewritten here (DESIGN.md section 2: no rewriting), so
/*	"bob@example.org." stays another record than "bob@example.org",
/*	as it always was. (An envelope sender is looked up as the MTA
/*	will use it: addrcanon(3) drops both forms first.)
/*
/*	cm_addr_strerror() returns a short text for a status, suitable
/*	for a log line or a consentctl error message.
/*
/*	cm_addrkey_load() reads an AddressKeyFile. The key is the file
/*	contents exactly as stored, byte for byte: nothing is trimmed,
/*	so a trailing newline is part of the key. This keeps the record
/*	ids identical for every program that reads the same file, at
/*	the price that editing the file with a different editor
/*	convention changes every id. The key must hold 1 to 4096 bytes.
/*
/*	cm_addrkey_from_bytes() makes a key from memory (tests, tools);
/*	it returns NULL for an empty or over-long key, or when memory
/*	runs out. cm_addrkey_free() wipes and frees a key; a NULL key is
/*	ignored.
/*
/*	cm_addr_record_id() computes the record id of a normalised
/*	address (len bytes at norm). Without a key the id is the address
/*	itself, cut to fit out; with a key it is the lower-case hex of
/*	HMAC-SHA256(key, address), 64 characters. out is always
/*	NUL-terminated when outsz > 0; CM_ID_SIZE bytes hold either form.
/* DIAGNOSTICS
/*	cm_addr_normalise() returns CM_ADDR_OK or the first problem
/*	found, checked in this order: CM_ADDR_EMPTY (nothing left after
/*	stripping: the null sender <> ends here), CM_ADDR_CONTROL,
/*	CM_ADDR_TOO_LONG (over CM_ADDR_MAX bytes, or out too small),
/*	CM_ADDR_NO_AT, CM_ADDR_EMPTY_LOCAL, CM_ADDR_EMPTY_DOMAIN,
/*	then the local part (CM_ADDR_MANY for an unquoted "@", which
/*	is how two addresses in one field show; else the first of
/*	CM_ADDR_SPACE and CM_ADDR_BAD_LOCAL), then the domain
/*	(CM_ADDR_SPACE, CM_ADDR_BAD_DOMAIN for a byte that is not a
/*	letter, digit, "-" or ".", CM_ADDR_BAD_LABEL, and
/*	CM_ADDR_BAD_LITERAL for a bad [...]).
/*
/*	cm_crypto_init() must come first in main() of a program whose
/*	worker threads use libcrypto (consent-milter: libmilter's pool;
/*	consent-unsubscribe: libmicrohttpd's). It keeps libcrypto from
/*	cleaning up in an atexit handler: that cleanup deletes the
/*	thread-local keys while worker threads, which such a program
/*	cannot join, may still be ending, and a thread that ends after it
/*	loses its per-thread error state (the sanitizer build's leak check
/*	reported it: 904 bytes, allocated by the HMAC of a worker, in one
/*	run of many). The process's exit releases all of it anyway.
/*
/*	cm_addrkey_load() returns NULL and writes "path: reason" to err
/*	when the file cannot be opened or read, is empty or is longer
/*	than 4096 bytes.
/*
/*	Should libcrypto ever fail to compute an HMAC, cm_addr_record_id()
/*	writes the empty string. No consent record has that id, so the
/*	recipient is refused (no-consent) rather than let through.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* OpenSSL library. */

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

/* Application-specific. */

#include "address.h"
#include "bytetable.h"

#define CM_ADDRKEY_MAX	4096		/* longest acceptable key file */
#define CM_DOMAIN_MAX	255		/* RFC 5321 4.5.3.1.2 */
#define CM_LABEL_MAX	63		/* RFC 1035 2.3.4 */
#define CM_LITERAL_MAX	64		/* longest [IPv6:...] text we parse */

struct cm_addrkey {
    size_t  len;
    unsigned char bytes[];		/* len bytes, not NUL-terminated */
};

/* Indexed by cm_addr_status; keep in step with the enum in address.h. */

static const char *const cm_addr_messages[CM_ADDR_STATUS_COUNT] = {
    "ok",
    "empty address",
    "no @ in address",
    "empty local part",
    "empty domain",
    "control character in address",
    "address longer than 320 bytes",
    "more than one address (an unquoted @ in the local part)",
    "white space inside the address (outside quotes)",
    "local part has a character that must be quoted",
    "domain has a character other than letters, digits, '-' and '.'",
    ("domain has an empty label, a label over 63 bytes or starting or "
     "ending with '-', or is over 255 bytes"),
    "address literal is not [IPv4] or [IPv6:address]",
};

/*
 * What each byte may be, as one table look-up: every recipient's
 * address is read byte by byte (control bytes and case folding in one
 * pass, then the local part and the domain), and the comparison chains
 * that these tests were made it 1,050 instructions for an address of 21
 * bytes; 840 with the table and the single pass (callgrind). The table
 * is computed by the compiler from the rules below, which are the only
 * definition of the classes.
 */
#define A_CTRL	0x01			/* C0 control or DEL */
#define A_SPACE	0x02			/* space, tab, CR, LF */
#define A_ATEXT	0x04			/* RFC 5322 atext, or 0x80 and up */
#define A_LABEL	0x08			/* RFC 5321 label: let-dig, '-', 0x80+ */
#define A_UPPER	0x10			/* ASCII upper case: folded */

#define A_CLASS(c) ( \
	((c) < 0x20 || (c) == 0x7f ? A_CTRL : 0) \
	| ((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\n' ? A_SPACE : 0) \
	| ((c) >= 0x80 || CM_BYTE_ALNUM(c) || CM_BYTE_ATEXT_SPECIAL(c) \
	   ? A_ATEXT : 0) \
	| ((c) >= 0x80 || CM_BYTE_ALNUM(c) || (c) == '-' ? A_LABEL : 0) \
	| ((c) >= 'A' && (c) <= 'Z' ? A_UPPER : 0))

static const unsigned char addr_class[256] = CM_BYTE_TABLE(A_CLASS);

/* cm_addr_is_space - white space that may surround an address */

static int cm_addr_is_space(unsigned char c)
{
    return (addr_class[c] & A_SPACE);
}

/* cm_addr_trim - narrow [*start, *end) past surrounding white space */

static void cm_addr_trim(const unsigned char **start, const unsigned char **end)
{
    while (*start < *end && cm_addr_is_space(**start))
	++*start;
    while (*end > *start && cm_addr_is_space((*end)[-1]))
	--*end;
}

/* cm_addr_is_atext - RFC 5322 atext, plus UTF-8 bytes (RFC 6531) */

static int cm_addr_is_atext(unsigned char c)
{
    return (addr_class[c] & A_ATEXT);
}

static cm_addr_status cm_addr_domain(const unsigned char *,
				             const unsigned char *, int);

/* cm_addr_route - skip an RFC 5321 source route "@a,@b:" */

static cm_addr_status cm_addr_route(const unsigned char **cpp,
				            const unsigned char *end)
{
    const unsigned char *cp = *cpp;
    const unsigned char *dom;
    cm_addr_status status;

    /*
     * Obsolete, but clients still send it and MTAs deliver it (Postfix
     * drops the route): refusing it would turn a deliverable recipient
     * into bad-address. Each hop must be a valid domain.
     */
    for (;;) {
	if (cp >= end || *cp != '@')
	    return (CM_ADDR_BAD_LOCAL);
	for (dom = ++cp; cp < end && *cp != ',' && *cp != ':'; cp++)
	     /* void */ ;
	if (cp >= end || cp == dom)
	    return (CM_ADDR_BAD_LOCAL);
	if ((status = cm_addr_domain(dom, cp, 0)) != CM_ADDR_OK)
	    return (status);
	if (*cp++ == ':')
	    break;
    }
    *cpp = cp;
    return (cp < end ? CM_ADDR_OK : CM_ADDR_EMPTY_LOCAL);
}

/* cm_addr_local - check a local part: atoms, dots, quoted strings */

static cm_addr_status cm_addr_local(const unsigned char *cp,
				            const unsigned char *end)
{
    cm_addr_status bad = CM_ADDR_OK;

    /* "@relay:" before the address proper is a route, not a 2nd @. */
    if (*cp == '@' && memchr(cp, ':', (size_t) (end - cp)) != 0
	&& (bad = cm_addr_route(&cp, end)) != CM_ADDR_OK)
	return (bad);

    /*
     * One pass, remembering the first problem but letting an unquoted
     * '@' win: "a@x.org; b@y.org" is better reported as two addresses
     * than as a stray ';'. Dots are not policed (a leading, trailing or
     * doubled dot is obsolete syntax, yet some mobile carriers still
     * hand such addresses out, and MTAs deliver them).
     */
    while (cp < end) {
	if (*cp == '"') {
	    for (cp++; cp < end && *cp != '"'; cp++)
		if (*cp == '\\' && cp + 1 < end)
		    cp++;
	    if (cp >= end) {
		if (bad == CM_ADDR_OK)
		    bad = CM_ADDR_BAD_LOCAL;	/* unterminated quote */
		break;
	    }
	    cp++;
	    continue;
	}
	if (*cp == '@')
	    return (CM_ADDR_MANY);
	if (bad == CM_ADDR_OK) {
	    if (cm_addr_is_space(*cp))
		bad = CM_ADDR_SPACE;
	    else if (*cp != '.' && !cm_addr_is_atext(*cp))
		bad = CM_ADDR_BAD_LOCAL;
	}
	cp++;
    }
    return (bad);
}

/* cm_addr_literal - check an address literal [IPv4] or [IPv6:...] */

static cm_addr_status cm_addr_literal(const unsigned char *cp,
				              const unsigned char *end)
{
    char    text[CM_LITERAL_MAX + 1];
    unsigned char addr[16];
    size_t  n;
    int     family = AF_INET;

    /*
     * RFC 5321 4.1.3. A general literal ([tag:content]) names no
     * transport any MTA implements, so it is refused with the rest.
     */
    if (end - cp < 3 || end[-1] != ']')
	return (CM_ADDR_BAD_LITERAL);
    cp++;
    end--;
    if (end - cp > 5 && strncasecmp((const char *) cp, "IPv6:", 5) == 0) {
	family = AF_INET6;
	cp += 5;
    }
    n = (size_t) (end - cp);
    if (n > CM_LITERAL_MAX)
	return (CM_ADDR_BAD_LITERAL);
    memcpy(text, cp, n);
    text[n] = 0;
    return (inet_pton(family, text, addr) == 1 ? CM_ADDR_OK :
	    CM_ADDR_BAD_LITERAL);
}

/* cm_addr_domain - check a domain: RFC 5321 labels or a literal */

static cm_addr_status cm_addr_domain(const unsigned char *cp,
				             const unsigned char *end,
				             int rootdot)
{
    const unsigned char *label = cp;
    cm_addr_status bad = CM_ADDR_OK;

    if (*cp == '[')
	return (cm_addr_literal(cp, end));

    /*
     * One trailing dot (the DNS root) is not RFC 5321 syntax, but MTAs
     * deliver it (Postfix strips it), so it is accepted as before and,
     * like every other form, not rewritten.
     */
    if (rootdot && end - cp > 1 && end[-1] == '.' && end[-2] != '.')
	end--;

    /*
     * Letters, digits and '-' per RFC 5321; bytes 0x80 and up are the
     * UTF-8 of U-labels (RFC 6531, DESIGN.md section 2 keeps them), so
     * they count as letters. A character problem is reported before a
     * label problem: "gmail,com" is a comma, not a long label.
     */
    for (; cp <= end; cp++) {
	if (cp == end || *cp == '.') {
	    if (bad == CM_ADDR_OK
		&& (cp == label || cp - label > CM_LABEL_MAX
		    || label[0] == '-' || cp[-1] == '-'))
		bad = CM_ADDR_BAD_LABEL;
	    label = cp + 1;
	} else if (!(addr_class[*cp] & A_LABEL)) {
	    return (cm_addr_is_space(*cp) ? CM_ADDR_SPACE : CM_ADDR_BAD_DOMAIN);
	}
    }
    return (bad);
}

/* cm_addr_normalise - normalise an address for lookups */

cm_addr_status cm_addr_normalise(const char *src, size_t len,
				         char *out, size_t outsz)
{
    const unsigned char *start = (const unsigned char *) src;
    const unsigned char *end;
    const unsigned char *cp;
    const unsigned char *at = 0;
    cm_addr_status status;
    size_t  n;
    size_t  i;

    if (out != 0 && outsz > 0)
	out[0] = 0;
    if (src == 0)
	return (CM_ADDR_EMPTY);
    end = start + len;

    /*
     * Whitespace, then one bracket pair, then whitespace again: MTAs hand
     * us "<a@b>", " <a@b> " and "< a@b >" depending on how the address
     * reached them. A lone '<' or '>' is left alone; it is not ours to
     * guess which half went missing.
     */
    cm_addr_trim(&start, &end);
    if (end - start >= 2 && start[0] == '<' && end[-1] == '>') {
	start++;
	end--;
	cm_addr_trim(&start, &end);
    }
    n = (size_t) (end - start);
    if (n == 0)
	return (CM_ADDR_EMPTY);

    /*
     * Control bytes first: an embedded NUL or CR/LF is a sign of an
     * injection attempt and must never be mistaken for a merely long or
     * malformed address. Remember the last '@' on the way. When the
     * address fits, the same pass writes it, folded to lower case (ASCII
     * only; locale-dependent tolower() would touch UTF-8): every error
     * below takes it back, so out is "" unless the address is good.
     */
    if (n <= CM_ADDR_MAX && out != 0 && outsz >= n + 1) {
	for (i = 0; i < n; i++) {
	    unsigned char c = start[i];
	    unsigned char cls = addr_class[c];

	    if (cls & A_CTRL) {
		out[0] = 0;
		return (CM_ADDR_CONTROL);
	    }
	    if (c == '@')
		at = start + i;
	    out[i] = (char) ((cls & A_UPPER) ? c - 'A' + 'a' : c);
	}
	out[n] = 0;
    } else {
	for (cp = start; cp < end; cp++)
	    if (addr_class[*cp] & A_CTRL)
		return (CM_ADDR_CONTROL);
	return (CM_ADDR_TOO_LONG);
    }
    if (at == 0)
	status = CM_ADDR_NO_AT;
    else if (at == start)
	status = CM_ADDR_EMPTY_LOCAL;
    else if (at == end - 1)
	status = CM_ADDR_EMPTY_DOMAIN;
    else if ((status = cm_addr_local(start, at)) != CM_ADDR_OK)
	 /* status says */ ;
    else if (end - (at + 1) > CM_DOMAIN_MAX)
	status = CM_ADDR_BAD_LABEL;
    else
	status = cm_addr_domain(at + 1, end, 1);
    if (status != CM_ADDR_OK)
	out[0] = 0;
    return (status);
}

/* cm_addr_strerror - describe a normalisation status */

const char *cm_addr_strerror(cm_addr_status status)
{
    if ((unsigned) status >= CM_ADDR_STATUS_COUNT)
	return ("unknown address status");
    return (cm_addr_messages[status]);
}

/* cm_crypto_init - libcrypto without its atexit cleanup */

void    cm_crypto_init(void)
{
    (void) OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, 0);
}

/* cm_addrkey_from_bytes - make an HMAC key from memory */

cm_addrkey *cm_addrkey_from_bytes(const void *key, size_t len)
{
    cm_addrkey *k;

    if (key == 0 || len == 0 || len > CM_ADDRKEY_MAX)
	return (0);
    if ((k = malloc(sizeof(*k) + len)) == 0)
	return (0);
    k->len = len;
    memcpy(k->bytes, key, len);
    return (k);
}

/* cm_addrkey_load - read an HMAC key file */

cm_addrkey *cm_addrkey_load(const char *path, char *err, size_t errlen)
{
    unsigned char buf[CM_ADDRKEY_MAX + 1];
    cm_addrkey *k;
    FILE   *fp;
    size_t  n;
    int     saved_errno;

    if (err != 0 && errlen > 0)
	err[0] = 0;
    if ((fp = fopen(path, "rb")) == 0) {
	if (err != 0 && errlen > 0)
	    snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
	return (0);
    }

    /*
     * Read one byte more than allowed, so that an over-long file is
     * detected without reading all of it.
     */
    n = fread(buf, 1, sizeof(buf), fp);
    saved_errno = errno;
    if (ferror(fp)) {
	(void) fclose(fp);
	if (err != 0 && errlen > 0)
	    snprintf(err, errlen, "%s: read error: %s", path,
		     strerror(saved_errno));
	OPENSSL_cleanse(buf, sizeof(buf));
	return (0);
    }
    (void) fclose(fp);
    if (n == 0) {
	if (err != 0 && errlen > 0)
	    snprintf(err, errlen, "%s: key file is empty", path);
	return (0);
    }
    if (n > CM_ADDRKEY_MAX) {
	if (err != 0 && errlen > 0)
	    snprintf(err, errlen, "%s: key file is longer than %d bytes",
		     path, CM_ADDRKEY_MAX);
	OPENSSL_cleanse(buf, sizeof(buf));
	return (0);
    }
    k = cm_addrkey_from_bytes(buf, n);
    OPENSSL_cleanse(buf, sizeof(buf));
    if (k == 0 && err != 0 && errlen > 0)
	snprintf(err, errlen, "%s: out of memory", path);
    return (k);
}

/* cm_addrkey_free - wipe and release an HMAC key */

void    cm_addrkey_free(cm_addrkey *key)
{
    if (key == 0)
	return;
    OPENSSL_cleanse(key->bytes, key->len);
    free(key);
}

/* cm_addr_record_id - the Redis record id of a normalised address */

void    cm_addr_record_id(const cm_addrkey *key, const char *norm,
			          size_t len, char *out, size_t outsz)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    size_t  i;

    if (out == 0 || outsz == 0)
	return;
    out[0] = 0;
    if (norm == 0)
	return;

    /* Plain ids: the address is the id. */
    if (key == 0) {
	if (len > outsz - 1)
	    len = outsz - 1;
	memcpy(out, norm, len);
	out[len] = 0;
	return;
    }

    /*
     * HMAC() is the one-shot interface; unlike HMAC_CTX it is not
     * deprecated in OpenSSL 3 and needs no context management here.
     */
    if (HMAC(EVP_sha256(), key->bytes, (int) key->len,
	     (const unsigned char *) norm, len, mac, &maclen) == 0)
	return;
    for (i = 0; i < maclen && 2 * i + 2 < outsz; i++) {
	out[2 * i] = hex[mac[i] >> 4];
	out[2 * i + 1] = hex[mac[i] & 0x0f];
    }
    out[2 * i] = 0;
    OPENSSL_cleanse(mac, sizeof(mac));
}
