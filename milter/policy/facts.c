/*++
/* NAME
/*	facts 3
/* SUMMARY
/*	the facts of a message and of a recipient, built in one place
/* SYNOPSIS
/*	#include "facts.h"
/*
/*	cm_addr_status cm_msg_sender(raw, out)
/*	const char *raw;
/*	cm_buf	*out;
/*
/*	void	cm_msg_facts_fill(m, campaign, record, sender, auth)
/*	cm_msg_facts *m;
/*	const char *campaign;
/*	const cm_campaign *record;
/*	const char *sender;
/*	const char *auth;
/*
/*	int	cm_rcpt_fill(r, key, raw, arena)
/*	cm_rcpt	*r;
/*	const cm_addrkey *key;
/*	const char *raw;
/*	cm_arena *arena;
/*
/*	void	cm_rcpt_free(r)
/*	cm_rcpt	*r;
/*
/*	const char *cm_rcpt_label(r)
/*	const cm_rcpt *r;
/*
/*	void	cm_rcpt_record_clear(rec)
/*	cm_rcpt_record *rec;
/*
/*	void	cm_campaign_clear(camp)
/*	cm_campaign *camp;
/* DESCRIPTION
/*	The decision table (policy(3)) decides on facts. This module
/*	builds them from what the MTA (or the consentctl command line)
/*	gives, for the daemon and for "consentctl check" alike: what
/*	check prints is what the daemon would decide because both start
/*	here.
/*
/*	cm_msg_sender() puts the envelope sender as the decision sees it
/*	into out (reset first): normalised (address(3)), "" for the null
/*	sender, or, when it does not parse, the first CM_ADDR_MAX bytes
/*	made safe for logs. It returns the status of the normalisation;
/*	only with CM_ADDR_OK is out an address that may be looked up.
/*
/*	cm_msg_facts_fill() resets *m and fills in the facts that hold
/*	for every recipient of a message of the given campaign (NULL:
/*	none) and campaign record (NULL: not read), from the sender (as
/*	cm_msg_sender() made it; NULL reads as the null sender), the
/*	SASL login (NULL or "": none) and the current time. What only
/*	the caller knows (a store error, a conflicting campaign header,
/*	bulk markers, the plugins' word) is left clear for it to set.
/*
/*	cm_rcpt_fill() resets *r to one envelope recipient: a copy of raw
/*	cut at a sane length, its normalised address and, when that
/*	parses, its record id under key (NULL: the plain address). The
/*	copy is made in arena (arena(3): it lives until the arena's reset,
/*	the end of the message), or with malloc(3) when arena is NULL; so
/*	are the strings that store(3) puts into its record later (the
/*	record's arena). It returns -1 when out of memory, and 0
/*	otherwise. cm_rcpt_free() releases what a recipient owns, its
/*	record included (copies in an arena stay with the arena).
/*
/*	cm_rcpt_label() is the recipient as logs and replies show it: the
/*	normalised address, or the raw one when that did not parse.
/*	cm_rcpt_form() is its form (rcptform(3)), judged on the whole of
/*	the raw argument: only a recipient about to be deleted needs it,
/*	so it is judged when asked, from the copy, unless the copy was cut
/*	(then cm_rcpt_fill() judged the argument at once).
/*
/*	cm_rcpt_record_clear() and cm_campaign_clear() release what
/*	store(3) put into a record and clear it; a recipient's record
/*	keeps its arena.
/* DIAGNOSTICS
/*	None.
/* SEE ALSO
/*	policy(3), which decides on these facts.
/*	DESIGN.md section 5, the decision table.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdlib.h>
#include <string.h>

/* Utility library. */

#include "clock.h"
#include "escape.h"

/* Application-specific. */

#include "facts.h"

#define CM_RCPT_RAW_MAX	(4 * CM_ADDR_MAX)	/* longest raw copy kept */

/* cm_msg_sender - the envelope sender as the decision sees it */

cm_addr_status cm_msg_sender(const char *raw, cm_buf *out)
{
    char    norm[CM_ID_SIZE];
    cm_addr_status status;

    cm_buf_reset(out);
    status = cm_addr_normalise(raw, strlen(raw), norm, sizeof(norm));
    if (status == CM_ADDR_OK)
	cm_buf_adds(out, norm);
    else if (status != CM_ADDR_EMPTY)
	cm_buf_add_safe(out, raw, strnlen(raw, CM_ADDR_MAX));
    return (status);
}

/* cm_msg_facts_fill - the facts that hold for every recipient */

void    cm_msg_facts_fill(cm_msg_facts *m, const char *campaign,
			          const cm_campaign *record,
			          const char *sender, const char *auth)
{
    memset(m, 0, sizeof(*m));
    m->campaign = campaign;
    m->record = record;
    m->sender = sender ? sender : "";
    m->auth = auth && *auth ? auth : 0;
    m->now = cm_time_now();
}

/* cm_rcpt_fill - one envelope recipient, before any lookup */

int     cm_rcpt_fill(cm_rcpt *r, const cm_addrkey *key, const char *raw,
		             cm_arena *arena)
{
    size_t  len = strlen(raw);

    memset(r, 0, sizeof(*r));
    if (arena != 0)
	r->raw = cm_arena_strndup(arena, raw,
			      len > CM_RCPT_RAW_MAX ? CM_RCPT_RAW_MAX : len);
    else
	r->raw_heap = ((r->raw = strndup(raw, CM_RCPT_RAW_MAX)) != 0);
    if (r->raw == 0)
	return (-1);
    r->record.arena = arena;
    /* Judged on the whole argument, now if the copy is cut. */
    if (len > CM_RCPT_RAW_MAX) {
	r->raw_cut = 1;
	r->form = cm_rcptform_check(raw, len);
    }
    if (cm_addr_normalise(raw, len, r->norm, sizeof(r->norm)) == CM_ADDR_OK) {
	r->facts.addr_ok = 1;
	cm_addr_record_id(key, r->norm, strlen(r->norm), r->facts.id,
			  sizeof(r->facts.id));
    } else {
	r->norm[0] = 0;
    }
    return (0);
}

/* cm_rcpt_free - release what a recipient owns */

void    cm_rcpt_free(cm_rcpt *r)
{
    if (r->raw_heap)
	free(r->raw);
    r->raw = 0;
    r->raw_heap = 0;
    cm_rcpt_record_clear(&r->record);
}

/* cm_rcpt_form - can a deletion name this recipient as the MTA stored it */

cm_rcptform cm_rcpt_form(const cm_rcpt *r)
{
    return (r->raw_cut ? r->form : cm_rcptform_check(r->raw, strlen(r->raw)));
}

/* cm_rcpt_label - the recipient as written to logs and replies */

const char *cm_rcpt_label(const cm_rcpt *r)
{
    return (r->norm[0] ? r->norm : r->raw);
}

/* cm_rcpt_record_clear - release what a recipient's record owns */

void    cm_rcpt_record_clear(cm_rcpt_record *rec)
{
    cm_arena *arena = rec->arena;

    /* Strings in an arena go with it; the record keeps its arena. */
    if (arena == 0) {
	free(rec->suppressed_reason);
	free(rec->consent_src);
    }
    memset(rec, 0, sizeof(*rec));
    rec->arena = arena;
}

/* cm_campaign_clear - release what a campaign record owns */

void    cm_campaign_clear(cm_campaign *camp)
{
    free(camp->senders);
    memset(camp, 0, sizeof(*camp));
}
