/*++
/* NAME
/*	record 3
/* SUMMARY
/*	the consent store's records, from Redis replies
/* SYNOPSIS
/*	#include "record.h"
/*
/*	int	cm_record_campaign(r, camp, why, whylen)
/*	const redisReply *r;
/*	cm_campaign *camp;
/*	char	*why;
/*	size_t	whylen;
/*
/*	void	cm_record_suppress(r, rec)
/*	const redisReply *r;
/*	cm_rcpt_record *rec;
/*
/*	void	cm_record_consent(r, purpose, rec)
/*	const redisReply *r;
/*	const char *purpose;
/*	cm_rcpt_record *rec;
/*
/*	int	cm_record_state(r, state)
/*	const redisReply *r;
/*	cm_consent_state *state;
/* DESCRIPTION
/*	These functions turn Redis's replies to the reads of store(3)
/*	into the records that the policy decides on. The records are those
/*	of DESIGN.md section 3 (a contract). No I/O.
/*
/*	cm_record_campaign() reads the reply to HGETALL Pcampaign:<id>
/*	into *camp, which must be cleared. An empty reply (no such key)
/*	leaves camp->found 0. A record with a missing purpose or a bad
/*	field fails: -1, and why says which field and what is wrong with
/*	it ("field \"status\" has bad value \"later\""), without the key,
/*	which the caller adds. Otherwise camp->found is 1 and the result 0.
/*	The opt-out reference "ref" goes to camp->unsub_ref (0: none or
/*	unreadable: it never makes a campaign unusable).
/*
/*	cm_record_suppress() reads the reply to GET Psuppress:<id>
/*	("<time> <reason>") into the suppression part of *rec;
/*	cm_record_consent() reads the reply to HGETALL Pconsent:<id>, for
/*	one purpose, into its consent part (and the record's opt-out
/*	reference "#ref", unsub_ref, 0 when none); a <purpose>:at of more digits
/*	than a time can hold is read as the latest time there is, so
/*	that the policy sees it as in the future (row 16a). A state other
/*	than granted or withdrawn, or a <purpose>:at that is not Unix
/*	seconds, sets rec->consent_invalid (row 16a): Redis answered. A
/*	reply that cannot be used (not the reply of its command, out of
/*	memory) sets rec->store_error instead.
/*
/*	cm_record_state() reads one stored state of a purpose (a field
/*	of Pconsent:<id>): it returns 0 and sets *state for a string
/*	reply "granted" or "withdrawn" (cm_consent_state_parse()), and
/*	-1 for anything else, a null pointer included.
/*
/*	Outputs are overwritten, not freed: the caller clears them
/*	(cm_campaign_clear(), cm_rcpt_record_clear()), also after an error.
/*	Within one reply, a string field named twice (a broken proxy's
/*	reply; no Redis hash has that) keeps the last copy and frees the
/*	first.
/*	A recipient record's strings are copied into its arena when it
/*	has one (rec->arena, arena(3)), else with malloc(3).
/* SEE ALSO
/*	store(3), which sends the reads.
/*	DESIGN.md section 3, the key layout (a contract).
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */

#include <hiredis/hiredis.h>

/* Application-specific. */

#include "arena.h"
#include "campaign.h"
#include "record.h"
#include "redisconn.h"
#include "schema.h"

/* parse_uint - strict decimal: digits only, at most max */

static int parse_uint(const char *s, size_t len, long long max,
		              long long *out)
{
    long long val = 0;
    size_t  n;

    for (n = 0; n < len; n++) {
	if (s[n] < '0' || s[n] > '9' || val > (max - (s[n] - '0')) / 10)
	    return (-1);
	val = val * 10 + (s[n] - '0');
    }
    *out = val;
    return (len > 0 ? 0 : -1);
}

/* bad_reply - say what is wrong; -1 */

static int __attribute__((format(printf, 3, 4)))
bad_reply(char *why, size_t whylen, const char *fmt,...)
{
    va_list ap;

    if (why != 0 && whylen > 0) {
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
    }
    return (-1);
}

/* bad_field - a missing or bad field of a campaign record */

static int bad_field(char *why, size_t whylen, const char *field,
		             const redisReply *value)
{
    char    show[CM_REDIS_SHOWSZ];

    if (value == 0)
	return (bad_reply(why, whylen, "field \"%s\" is missing", field));
    return (bad_reply(why, whylen, "field \"%s\" has bad value \"%s\"",
		      field, cm_redis_escape(show, sizeof(show), value->str,
					     value->len)));
}

/* cm_record_campaign - HGETALL Pcampaign:<id> into a campaign record */

int     cm_record_campaign(const redisReply *r, cm_campaign *camp,
			           char *why, size_t whylen)
{
    static const char *names[] = {
	CM_FIELD_PURPOSE, CM_FIELD_BASIS, CM_FIELD_STATUS, CM_FIELD_MAX_AGE,
	CM_FIELD_SENDERS, CM_FIELD_CAMPAIGN_REF,
    };
    static const size_t lens[] = {
	sizeof(CM_FIELD_PURPOSE) - 1, sizeof(CM_FIELD_BASIS) - 1,
	sizeof(CM_FIELD_STATUS) - 1, sizeof(CM_FIELD_MAX_AGE) - 1,
	sizeof(CM_FIELD_SENDERS) - 1, sizeof(CM_FIELD_CAMPAIGN_REF) - 1,
    };
    const redisReply *field[sizeof(names) / sizeof(names[0])] = {0};
    const redisReply *v;
    const redisReply *name;
    char    show[CM_REDIS_SHOWSZ];
    long long days;
    size_t  i, n;

    if (r->type != REDIS_REPLY_ARRAY || r->elements % 2)
	return (bad_reply(why, whylen, "%s",
			  cm_redis_reply_show(show, sizeof(show), r)));
    if (r->elements == 0)			/* Redis has no empty hashes */
	return (0);
    for (i = 0; i < r->elements; i += 2) {
	if (r->element[i]->type != REDIS_REPLY_STRING
	    || r->element[i + 1]->type != REDIS_REPLY_STRING)
	    return (bad_reply(why, whylen, "unexpected reply"));
	/* The lengths first: a cached campaign is read for every message. */
	name = r->element[i];
	for (n = 0; n < sizeof(names) / sizeof(names[0]); n++)
	    if (name->len == lens[n] && name->str != 0
		&& memcmp(name->str, names[n], lens[n]) == 0)
		field[n] = r->element[i + 1];
	/* Others (owner, created_at...) are not needed here. */
    }

    /* Check the length first: cm_purpose_valid() stops at a null byte. */
    if ((v = field[0]) == 0 || v->len > CM_PURPOSE_MAX
	|| strlen(v->str) != v->len || !cm_purpose_valid(v->str))
	return (bad_field(why, whylen, names[0], v));
    memcpy(camp->purpose, v->str, v->len + 1);

    if ((v = field[1]) == 0 || cm_redis_reply_is(v, CM_BASIS_CONSENT_WORD))
	camp->basis = CM_BASIS_CONSENT;
    else if (cm_redis_reply_is(v, CM_BASIS_SERVICE_WORD))
	camp->basis = CM_BASIS_SERVICE;
    else
	return (bad_field(why, whylen, names[1], v));

    if ((v = field[2]) == 0 || cm_redis_reply_is(v, CM_STATUS_ACTIVE_WORD))
	camp->status = CM_STATUS_ACTIVE;
    else if (cm_redis_reply_is(v, CM_STATUS_PAUSED_WORD))
	camp->status = CM_STATUS_PAUSED;
    else if (cm_redis_reply_is(v, CM_STATUS_CLOSED_WORD))
	camp->status = CM_STATUS_CLOSED;
    else
	return (bad_field(why, whylen, names[2], v));

    /* Bounded, so that days * 86400 cannot overflow anywhere. */
    if ((v = field[3]) != 0 && parse_uint(v->str, v->len, INT_MAX, &days) < 0)
	return (bad_field(why, whylen, names[3], v));
    camp->max_age_days = v ? (long) days : 0;

    /* A null byte would silently shorten the list of who may send. */
    if ((v = field[4]) != 0 && strlen(v->str) != v->len)
	return (bad_field(why, whylen, names[4], v));
    if (v && (camp->senders = strndup(v->str, v->len)) == 0)
	return (bad_reply(why, whylen, "out of memory"));

    /*
     * The opt-out reference only adds a List-Unsubscribe: a bad one means
     * none (the daemon logs it), never a refused campaign.
     */
    if ((v = field[5]) != 0 && parse_uint(v->str, v->len, 0xffffffffLL,
					  &days) == 0)
	camp->unsub_ref = (unsigned long) days;
    camp->found = 1;
    return (0);
}

/*
 * record_set - *field becomes a copy of len bytes, where the record keeps
 * its strings; 0, or -1 when out of memory. A field named twice in one
 * reply (no Redis hash has that, a broken proxy might) replaces the first
 * copy, which is freed when the record's strings are malloc'd: what a
 * reply says must not leak memory at every lookup. A NUL byte in the
 * value is kept as '?': as a NUL it would end the evidence in the audit
 * trail there, and "form v3\0 (forged by import)" would read "form v3".
 */
static int record_set(const cm_rcpt_record *f, char **field, const char *s,
		              size_t len)
{
    char   *p;
    size_t  i;

    if (f->arena == 0)
	free(*field);
    if (f->arena != 0)
	p = cm_arena_strndup(f->arena, s, len);
    else if ((p = malloc(len + 1)) != 0) {
	memcpy(p, s, len);
	p[len] = 0;
    }
    if ((*field = p) == 0)
	return (-1);
    for (i = 0; i < len; i++)
	if (p[i] == 0)
	    p[i] = '?';
    return (0);
}

/* cm_record_suppress - GET Psuppress:<id>, "<time> <reason>" */

void    cm_record_suppress(const redisReply *r, cm_rcpt_record *f)
{
    const char *space;
    size_t  time_len;
    long long at;

    if (r->type == REDIS_REPLY_NIL)
	return;
    if (r->type != REDIS_REPLY_STRING) {
	f->store_error = 1;
	return;
    }
    f->suppressed = 1;
    space = memchr(r->str, ' ', r->len);
    time_len = space ? (size_t) (space - r->str) : r->len;
    if (parse_uint(r->str, time_len, LLONG_MAX, &at) == 0) {
	f->suppressed_at = at;
	if (time_len + 1 < r->len && record_set(f, &f->suppressed_reason,
			      space + 1, r->len - time_len - 1) != 0)
	    f->store_error = 1;
    } else if (r->len > 0) {
	/* No usable time: the whole value is the best reason we have. */
	if (record_set(f, &f->suppressed_reason, r->str, r->len) != 0)
	    f->store_error = 1;
    }
}

/* cm_record_state - "granted" or "withdrawn", from a reply */

int     cm_record_state(const redisReply *r, cm_consent_state *state)
{
    if (r == 0 || r->type != REDIS_REPLY_STRING)
	return (-1);
    return (cm_consent_state_parse(r->str, r->len, state));
}

/* suffix_is - a field name is <purpose><suffix> */

static int suffix_is(const redisReply *name, size_t plen, const char *suffix)
{
    size_t  slen = strlen(suffix);

    return (name->len == plen + slen
	    && memcmp(name->str + plen, suffix, slen) == 0);
}

/* cm_record_consent - HGETALL Pconsent:<id>, for one purpose */

void    cm_record_consent(const redisReply *r, const char *purpose,
			          cm_rcpt_record *f)
{
    size_t  plen = strlen(purpose);
    const redisReply *name, *value;
    long long at;
    size_t  i;

    f->unsub_ref = 0;
    if (r->type != REDIS_REPLY_ARRAY || r->elements % 2) {
	f->store_error = 1;
	return;
    }
    for (i = 0; i < r->elements; i += 2) {
	name = r->element[i];
	value = r->element[i + 1];
	if (name->type != REDIS_REPLY_STRING
	    || value->type != REDIS_REPLY_STRING) {
	    f->store_error = 1;
	    return;
	}
	/* The opt-out reference (DESIGN.md section 14); bad: none. */
	if (cm_redis_reply_is(name, CM_FIELD_REF)) {
	    if (parse_uint(value->str, value->len, 0xffffffffffLL, &at) == 0)
		f->unsub_ref = (unsigned long long) at;
	    continue;
	}
	if (name->len < plen || memcmp(name->str, purpose, plen) != 0)
	    continue;
	if (name->len == plen) {
	    /*
	     * An unknown state must not read as "none", nor as a store
	     * error: Redis answered, and what it holds is no consent.
	     */
	    if (cm_record_state(value, &f->consent) < 0)
		f->consent_invalid = 1;
	} else if (suffix_is(name, plen, CM_SUFFIX_AT)) {
	    /*
	     * Digits too many to hold are a time far in the future, and
	     * must reach row 16a as such, not read as "no time"; nor may
	     * any other time that cannot be read ("-5", "2099-01-01",
	     * "1796000000x"): a grant is evidence only with its time.
	     */
	    if (parse_uint(value->str, value->len, LLONG_MAX, &at) == 0)
		f->consent_at = at;
	    else if (value->len > 0
		     && strspn(value->str, "0123456789") == value->len)
		f->consent_at = LLONG_MAX;
	    else
		f->consent_invalid = 1;
	} else if (suffix_is(name, plen, CM_SUFFIX_SRC)) {
	    if (record_set(f, &f->consent_src, value->str, value->len) != 0)
		f->store_error = 1;
	}
    }
}
