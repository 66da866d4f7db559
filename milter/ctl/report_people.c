/*++
/* NAME
/*	report_people 3
/* SUMMARY
/*	consentctl report: the recipients of a campaign
/* SYNOPSIS
/*	#include "report.h"
/*
/*	report_person *report_person_get(r, key, is_id)
/*	report	*r;
/*	const char *key;
/*	int	is_id;
/*
/*	void	report_optouts(r)
/*	report	*r;
/*
/*	void	report_ages(r)
/*	report	*r;
/*
/*	void	report_people_free(r)
/*	report	*r;
/* DESCRIPTION
/*	report_person_get() finds or adds a recipient by the key of its
/*	audit records (the address, or the record id of a pseudonymised
/*	log); a hash table, so that a campaign of a million recipients
/*	costs one pass.
/*
/*	report_optouts() reads the history stream of every recipient that
/*	was sent to (pipelined XRANGE, a thousand at a time) and counts
/*	each withdrawal of the campaign's purpose and each suppression
/*	against the latest send (a day with deliveries) on or before it:
/*	day 0 is the day of the send. Opt-outs more than REPORT_AFTER-1
/*	days after a send are counted apart. When Redis cannot be reached
/*	the counts are left out and r->store_error says why: the report
/*	is about the logs and still stands.
/*
/*	report_ages() buckets the consent age of those sent to: the time
/*	from their consent ("consent_at" of the audit record) to their
/*	latest send.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */

#include <hiredis/hiredis.h>

/* Application-specific. */

#include "buf.h"
#include "ctl.h"
#include "redisconn.h"
#include "redisreply.h"
#include "report.h"
#include "schema.h"
#include "timeparse.h"

#define BATCH	1000			/* XRANGEs in flight */
#define DAY_MS	86400000LL

const char *const report_age_name[REPORT_AGES] = {
    "under 1 month", "1-6 months", "6-12 months", "1-2 years",
    "2 years or more", "unknown",
};

/* hash - FNV-1a */

static size_t hash(const char *s)
{
    size_t  h = 2166136261u;

    for (; *s; s++)
	h = (h ^ (unsigned char) *s) * 16777619u;
    return (h);
}

/* grow - double the table */

static int grow(report *r)
{
    report_person *old = r->people, *p;
    size_t  oldn = r->apeople, i, h;
    size_t  n = oldn ? oldn * 2 : 1024;

    if ((r->people = calloc(n, sizeof(*r->people))) == 0) {
	r->people = old;
	return (-1);
    }
    r->apeople = n;
    for (i = 0; i < oldn; i++) {
	if (old[i].key == 0)
	    continue;
	for (h = hash(old[i].key) & (n - 1); r->people[h].key; h = (h + 1) & (n - 1))
	     /* void */ ;
	p = r->people + h;
	*p = old[i];
    }
    free(old);
    return (0);
}

/* report_person_get - find or add a recipient */

report_person *report_person_get(report *r, const char *key, int is_id)
{
    size_t  h;

    if ((r->npeople + 1) * 2 > r->apeople && grow(r) < 0)
	return (0);
    for (h = hash(key) & (r->apeople - 1); r->people[h].key;
	 h = (h + 1) & (r->apeople - 1))
	if (r->people[h].is_id == is_id && strcmp(r->people[h].key, key) == 0)
	    return (r->people + h);
    if ((r->people[h].key = strdup(key)) == 0)
	return (0);
    r->people[h].is_id = is_id;
    r->npeople++;
    return (r->people + h);
}

/* count_optouts - one history reply */

static void count_optouts(report *r, const redisReply *rep)
{
    const redisReply *h;
    const char *state, *purpose, *at;
    long long sec, ms, day;
    size_t  i, k;

    for (i = 0; rep->type == REDIS_REPLY_ARRAY && i < rep->elements; i++) {
	if (rep->element[i]->type != REDIS_REPLY_ARRAY
	    || rep->element[i]->elements != 2
	    || rep->element[i]->element[0]->type != REDIS_REPLY_STRING)
	    continue;
	h = rep->element[i]->element[1];
	state = ctl_field_str(h, CM_HIST_STATE);
	purpose = ctl_field_str(h, CM_HIST_PURPOSE);
	if (state == 0 || !(strcmp(state, CM_STATE_SUPPRESSED) == 0
			    || (strcmp(state, CM_STATE_WITHDRAWN) == 0
				&& purpose && (strcmp(purpose, CM_HIST_ANY) == 0
					       || (r->purpose && strcmp(purpose,
							r->purpose) == 0)))))
	    continue;
	at = ctl_field_str(h, CM_HIST_AT);
	ms = at && cm_time_parse(at, &sec) == 0 ? sec * 1000
	    : atoll(rep->element[i]->element[0]->str);
	day = ms / DAY_MS;
	for (k = r->nsends; k > 0 && r->sends[k - 1].day > day; k--)
	     /* void */ ;
	if (k == 0)
	    continue;				/* before the first send */
	if (day - r->sends[k - 1].day < REPORT_AFTER) {
	    r->sends[k - 1].after[day - r->sends[k - 1].day]++;
	    r->optouts++;
	} else {
	    r->optouts_late++;
	}
    }
}

/* report_optouts - opt-outs per day after each send, from the histories */

void    report_optouts(report *r)
{
    const char *prefix = r->c->cfg.key_prefix ? r->c->cfg.key_prefix
	: CM_KEY_PREFIX_DEFAULT;
    char    norm[CM_ID_SIZE], id[CM_ID_SIZE], err[512];
    cm_buf  key = CM_BUF_INIT;
    redisReply *rep;
    size_t  i, k, pending = 0;

    /* The sends: days with deliveries, in order. */
    for (i = 0; i < r->ndays; i++)
	if (r->days[i].sent > 0
	    && (r->sends = realloc(r->sends, (r->nsends + 1)
				   * sizeof(*r->sends))) != 0) {
	    memset(r->sends + r->nsends, 0, sizeof(*r->sends));
	    r->sends[r->nsends].day = r->days[i].day;
	    r->sends[r->nsends++].sent = r->days[i].sent;
	}
    if (r->c->redis == 0
	&& (r->c->redis = cm_redis_connect(&r->c->cfg, err, sizeof(err))) == 0) {
	r->store_error = strdup(err);
	ctl_error(r->c, "warning: consent store unavailable (%s): opt-outs "
		  "after each send are left out", err);
	return;
    }
    for (i = 0; i <= r->apeople; i++) {
	/* Send a batch, then read it: one round trip per thousand. */
	if (i == r->apeople || pending == BATCH) {
	    for (k = 0; k < pending; k++) {
		if (redisGetReply(r->c->redis, (void **) &rep) != REDIS_OK) {
		    r->store_error = strdup(r->c->redis->errstr);
		    ctl_error(r->c, "warning: consent store: %s: opt-outs "
			      "after each send are left out",
			      r->c->redis->errstr);
		    cm_buf_free(&key);
		    return;
		}
		count_optouts(r, rep);
		cm_redis_reply_free(rep);
	    }
	    pending = 0;
	}
	if (i == r->apeople)
	    break;
	if (r->people[i].key == 0 || r->people[i].last_sent_ms == 0)
	    continue;
	if (r->people[i].is_id)
	    snprintf(id, sizeof(id), "%s", r->people[i].key);
	else if (ctl_record_id(r->c, r->people[i].key, norm, sizeof(norm), id,
			       sizeof(id)) != 0)
	    continue;
	cm_buf_reset(&key);
	cm_buf_printf(&key, "%s%s%s", prefix, CM_KEY_HISTORY, id);
	{
	    const char *argv[4] = {"XRANGE", cm_buf_str(&key), "-", "+"};
	    size_t  lens[4] = {6, key.len, 1, 1};

	    redisAppendCommandArgv(r->c->redis, 4, argv, lens);
	}
	pending++;
    }
    r->store_ok = 1;
    cm_buf_free(&key);
}

/* report_ages - consent age of the recipients at their latest send */

void    report_ages(report *r)
{
    long long days;
    size_t  i;

    for (i = 0; i < r->apeople; i++) {
	if (r->people[i].key == 0 || r->people[i].last_sent_ms == 0)
	    continue;
	if (r->people[i].consent_ms == 0) {
	    r->age[5]++;
	    continue;
	}
	days = (r->people[i].last_sent_ms - r->people[i].consent_ms) / DAY_MS;
	r->age[days < 30 ? 0 : days < 182 ? 1 : days < 365 ? 2
	       : days < 730 ? 3 : 4]++;
    }
}

/* report_people_free - the recipients */

void    report_people_free(report *r)
{
    size_t  i;

    for (i = 0; i < r->apeople; i++)
	free(r->people[i].key);
    free(r->people);
    free(r->sends);
    free(r->store_error);
}
