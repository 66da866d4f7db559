/*++
/* NAME
/*	campaign 3
/* SUMMARY
/*	campaign identification from message headers
/* SYNOPSIS
/*	#include "campaign.h"
/*
/*	int	cm_campaign_id_valid(id)
/*	const char *id;
/*
/*	int	cm_purpose_valid(purpose)
/*	const char *purpose;
/*
/*	int	cm_campaign_from_header(header_name, value, out, outsz)
/*	const char *header_name;
/*	const char *value;
/*	char	*out;
/*	size_t	outsz;
/*
/*	int	cm_header_is_bulk(name, value)
/*	const char *name;
/*	const char *value;
/* DESCRIPTION
/*	This module holds the pure rules of DESIGN.md sections 3 and 4
/*	that decide which campaign a message belongs to and whether a
/*	message without one is bulk mail. It does no I/O.
/*
/*	cm_campaign_id_valid() returns 1 when id matches
/*	[A-Za-z0-9._:-]{1,128}, else 0. cm_purpose_valid() returns 1
/*	when purpose matches [a-z0-9._-]{1,64}, else 0. Both reject a
/*	NULL pointer. Ids end up inside Redis keys, SMTP replies and
/*	log lines, so the character sets are deliberately narrow.
/*
/*	cm_campaign_from_header() extracts the campaign id from the
/*	value of the header configured with CampaignHeader. The header
/*	name (compared without regard to case) selects the rule. With
/*	Feedback-ID, the id is the first ':'-separated field
/*	("a:b:c:SenderId" gives "a"). With List-Id, it is the text
/*	between the '<' and the next '>' of the one such pair outside
/*	the description's quoted strings and comments (RFC 2919); with
/*	none, or more than one, it is the whole value, which then fails
/*	validation because of the brackets or the blanks of a list
/*	description (a bare id stays an id). With any other name, it is
/*	the whole value.
/*
/*	Surrounding white space (space, tab, CR, LF) is removed from the
/*	value and from the extracted field. The result is copied to out
/*	(always NUL-terminated when outsz > 0, cut if it does not fit).
/*	The value is read up to its NUL and no further.
/*
/*	cm_header_is_bulk() returns 1 when a header marks a message as
/*	bulk mail: a List-Unsubscribe header (any value), or Precedence
/*	with the value "bulk" or "list" (any case, white space ignored).
/*	Otherwise it returns 0.
/* DIAGNOSTICS
/*	cm_campaign_from_header() returns the length of the extracted
/*	id, which may be 0 (empty header) or larger than outsz - 1 (out
/*	then holds a cut copy). Callers treat 0, anything over
/*	CM_CAMPAIGN_ID_MAX, or an id that fails cm_campaign_id_valid()
/*	as a malformed id (decision table row 4): a cut id must never be
/*	looked up as if it were the real one.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <limits.h>
#include <string.h>
#include <strings.h>

/* Application-specific. */

#include "campaign.h"

/* cm_campaign_is_space - white space around header values */

static int cm_campaign_is_space(unsigned char c)
{
    return (c == ' ' || c == '\t' || c == '\r' || c == '\n');
}

/* cm_campaign_trim - narrow [*start, *end) past surrounding white space */

static void cm_campaign_trim(const char **start, const char **end)
{
    while (*start < *end && cm_campaign_is_space((unsigned char) **start))
	++*start;
    while (*end > *start && cm_campaign_is_space((unsigned char) (*end)[-1]))
	--*end;
}

/* cm_campaign_chars_ok - check length and character set of a name */

static int cm_campaign_chars_ok(const char *s, size_t max, int upper_ok,
				        const char *punct)
{
    size_t  n;
    unsigned char c;

    if (s == 0)
	return (0);

    /*
     * Test each byte against explicit ranges, not isalnum(): the result
     * must not depend on the locale, and bytes >= 0x80 are never valid.
     */
    for (n = 0; (c = (unsigned char) s[n]) != 0; n++) {
	if (n >= max)
	    return (0);
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
	    continue;
	if (upper_ok && c >= 'A' && c <= 'Z')
	    continue;
	if (strchr(punct, c) == 0)
	    return (0);
    }
    return (n > 0);
}

/* cm_campaign_id_valid - check a campaign id against the contract */

int     cm_campaign_id_valid(const char *id)
{
    return (cm_campaign_chars_ok(id, CM_CAMPAIGN_ID_MAX, 1, "._:-"));
}

/* cm_purpose_valid - check a purpose name against the contract */

int     cm_purpose_valid(const char *purpose)
{
    /* Lower case only: purposes are hash field names, compared exactly. */
    return (cm_campaign_chars_ok(purpose, CM_PURPOSE_MAX, 0, "._-"));
}

/* list_id_outside - the next byte outside quoted strings and comments */

static const char *list_id_outside(const char *cp, const char *end, int want)
{
    int     quoted = 0;
    int     depth = 0;

    for (; cp < end; cp++) {
	if ((quoted || depth > 0) && *cp == '\\') {
	    if (++cp >= end)
		break;
	} else if (quoted) {
	    quoted = (*cp != '"');
	} else if (*cp == '(') {
	    depth++;
	} else if (depth > 0) {
	    depth -= (*cp == ')');
	} else if (*cp == '"') {
	    quoted = 1;
	} else if (*cp == want) {
	    return (cp);
	}
    }
    return (0);
}

/* list_id_open - the one <...> pair of a List-Id value, or null */

static const char *list_id_open(const char *start, const char *end,
				        const char **close)
{
    const char *open;

    if ((open = list_id_outside(start, end, '<')) == 0
	|| (*close = memchr(open + 1, '>', (size_t) (end - open - 1))) == 0
	|| list_id_outside(*close + 1, end, '<') != 0)
	return (0);
    return (open);
}

/* cm_campaign_from_header - extract a campaign id from a header value */

int     cm_campaign_from_header(const char *header_name, const char *value,
				        char *out, size_t outsz)
{
    const char *start;
    const char *end;
    const char *cp;
    const char *close;
    size_t  len;
    size_t  copy;

    if (out != 0 && outsz > 0)
	out[0] = 0;
    if (value == 0)
	return (0);
    start = value;
    end = value + strlen(value);
    cm_campaign_trim(&start, &end);

    if (header_name != 0 && strcasecmp(header_name, "Feedback-ID") == 0) {
	/* Feedback-ID: a:b:c:SenderId. The campaign is field one. */
	if ((cp = memchr(start, ':', (size_t) (end - start))) != 0)
	    end = cp;
	cm_campaign_trim(&start, &end);
    } else if (header_name != 0 && strcasecmp(header_name, "List-Id") == 0) {

	/*
	 * List-Id: Description <list.id.example>. Only one complete pair
	 * outside the description's quoted strings and comments counts:
	 * "Spring <receipts>" <spring> is the list spring, as every RFC
	 * 2919 reader sees it. A lone '<', or two pairs, leave the whole
	 * value, which is then no valid id (nobody guesses which counts).
	 */
	if ((cp = list_id_open(start, end, &close)) != 0) {
	    start = cp + 1;
	    end = close;
	    cm_campaign_trim(&start, &end);
	}
    }
    len = (size_t) (end - start);

    if (out != 0 && outsz > 0) {
	copy = len < outsz - 1 ? len : outsz - 1;
	memcpy(out, start, copy);
	out[copy] = 0;
    }
    /* Header values are far below INT_MAX; clamp rather than wrap. */
    return (len > INT_MAX ? INT_MAX : (int) len);
}

/* cm_header_is_bulk - does this header mark a message as bulk mail */

int     cm_header_is_bulk(const char *name, const char *value)
{
    const char *start;
    const char *end;
    size_t  len;

    /* Only 'L', 'l', 'P' and 'p' give these with the 0x20 bit set. */
    if (name == 0)
	return (0);
    if ((name[0] | 0x20) == 'l')
	return (strcasecmp(name, "List-Unsubscribe") == 0);
    if ((name[0] | 0x20) != 'p' || strcasecmp(name, "Precedence") != 0
	|| value == 0)
	return (0);
    start = value;
    end = value + strlen(value);
    cm_campaign_trim(&start, &end);
    len = (size_t) (end - start);
    return (len == 4 && (strncasecmp(start, "bulk", 4) == 0
			 || strncasecmp(start, "list", 4) == 0));
}
