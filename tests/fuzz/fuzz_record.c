/* SPDX-License-Identifier: BSD-3-Clause; Copyright (c) 2026 the consent-milter authors. */
/*
 * fuzz_record - libFuzzer target for the records the policy decides on,
 * read from whatever Redis (or a proxy, or the wrong server) sends
 * (milter/store/record.c). The input is a stream of replies in Redis's
 * protocol, read by a bounded reader as every connection has it; each
 * reply is taken as a campaign record, a suppression, a consent record
 * and a stored state. Whatever the replies:
 *
 *  - consent reads as granted only when the record holds the purpose
 *    with the value "granted" (no allow from a broken reply);
 *  - a suppression that exists is never lost: any string is suppressed;
 *  - a reply of the wrong shape is a store error (the message waits),
 *    never "no record";
 *  - a campaign is found only with a purpose that is valid, and a
 *    refused one says why in text fit for a log line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "campaign.h"
#include "facts.h"
#include "record.h"
#include "redisreply.h"
#include "schema.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PURPOSE	"newsletter"

/* is_str - a string reply holding exactly text */

static int is_str(const redisReply *r, const char *text)
{
    return (r->type == REDIS_REPLY_STRING && r->len == strlen(text)
	    && memcmp(r->str, text, r->len) == 0);
}

/* hash_shape - an even array of strings, as HGETALL answers */

static int hash_shape(const redisReply *r)
{
    size_t  i;

    if (r->type != REDIS_REPLY_ARRAY || r->elements % 2)
	return (0);
    for (i = 0; i < r->elements; i++)
	if (r->element[i]->type != REDIS_REPLY_STRING)
	    return (0);
    return (1);
}

/* check_consent - the consent part, against the reply */

static void check_consent(const redisReply *r)
{
    cm_rcpt_record rec;
    size_t  i;
    int     granted = 0;

    memset(&rec, 0, sizeof(rec));
    cm_record_consent(r, PURPOSE, &rec);
    if (!hash_shape(r) && !rec.store_error)
	abort();
    for (i = 0; hash_shape(r) && i < r->elements; i += 2)
	if (is_str(r->element[i], PURPOSE)
	    && is_str(r->element[i + 1], "granted"))
	    granted = 1;
    if (!rec.store_error && rec.consent == CM_CONSENT_GRANTED && !granted)
	abort();
    if (rec.consent != CM_CONSENT_NONE && rec.consent != CM_CONSENT_GRANTED
	&& rec.consent != CM_CONSENT_WITHDRAWN)
	abort();
    cm_rcpt_record_clear(&rec);
}

/* check_suppress - the suppression part, against the reply */

static void check_suppress(const redisReply *r)
{
    cm_rcpt_record rec;

    memset(&rec, 0, sizeof(rec));
    cm_record_suppress(r, &rec);
    if (r->type == REDIS_REPLY_STRING && !rec.suppressed)
	abort();
    if (r->type == REDIS_REPLY_NIL && (rec.suppressed || rec.store_error))
	abort();
    if (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_NIL
	&& !rec.store_error)
	abort();
    if (rec.suppressed_at < 0)
	abort();
    cm_rcpt_record_clear(&rec);
}

/* check_campaign - the campaign record, against the reply */

static void check_campaign(const redisReply *r)
{
    cm_campaign camp;
    char    why[256];
    size_t  i;

    memset(&camp, 0, sizeof(camp));
    why[0] = 0;
    if (cm_record_campaign(r, &camp, why, sizeof(why)) == 0) {
	if (camp.found && (!hash_shape(r) || r->elements == 0
			   || !cm_purpose_valid(camp.purpose)
			   || camp.max_age_days < 0))
	    abort();
    } else {
	if (camp.found || why[0] == 0 || memchr(why, 0, sizeof(why)) == 0)
	    abort();
	for (i = 0; why[i]; i++)
	    if ((unsigned char) why[i] < 0x20 || why[i] == 0x7f)
		abort();			/* it goes to the log */
    }
    cm_campaign_clear(&camp);
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    redisReader *rd;
    void   *reply;
    redisReply *r;
    cm_consent_state state;
    int     replies = 0;

    if ((rd = redisReaderCreate()) == 0)
	return (0);
    cm_redis_reader_bound(rd);
    if (redisReaderFeed(rd, (const char *) data, size) == REDIS_OK) {
	while (replies++ < 64 && redisReaderGetReply(rd, &reply) == REDIS_OK
	       && reply != 0) {
	    r = reply;
	    check_consent(r);
	    check_suppress(r);
	    check_campaign(r);
	    if (cm_record_state(r, &state) == 0
		&& !(state == CM_CONSENT_GRANTED ? is_str(r, "granted")
		     : state == CM_CONSENT_WITHDRAWN && is_str(r, "withdrawn")))
		abort();
	    cm_redis_reply_free(r);
	}
    }
    redisReaderFree(rd);
    return (0);
}
