/*++
/* NAME
/*	unsubref 3
/* SUMMARY
/*	opt-out references: given out by the writers
/* SYNOPSIS
/*	#include "unsubref.h"
/*
/*	int	cm_unsub_ref_people(c, prefix, ids, count, results, refs,
/*					err, errlen)
/*	redisContext *c;
/*	const char *prefix;
/*	const char *const *ids;
/*	size_t	count;
/*	cm_unsub_ref_result *results;
/*	unsigned long long *refs;
/*	char	*err;
/*	size_t	errlen;
/*
/*	int	cm_unsub_ref_campaigns(c, prefix, ids, count, results, refs,
/*					err, errlen)
/*	redisContext *c;
/*	const char *prefix;
/*	const char *const *ids;
/*	size_t	count;
/*	cm_unsub_ref_result *results;
/*	unsigned long long *refs;
/*	char	*err;
/*	size_t	errlen;
/* DESCRIPTION
/*	An opt-out token (unsubtoken(3)) carries short numbers instead of
/*	a record id or a campaign id: a record id may be the address
/*	itself, and 31 bytes hold no address. The writers give out the
/*	numbers, so that the daemon, which adds the tokens, stays
/*	read-only in Redis:
/* .IP "person reference"
/*	n = INCR Punsub:seq; Pconsent:<id> field "#ref" = n;
/*	Punsub:p:<n> = <id>. The writer script (writer(3)) does this with
/*	the first grant it stores in a record, in the grant's own HSET;
/*	cm_unsub_ref_people() with the Lua text CM_UNSUB_PERSON_LUA;
/*	erasure deletes Punsub:p:<n>.
/* .IP "campaign reference"
/*	n = INCR Punsub:cseq; Pcampaign:<id> field "ref" = n;
/*	Punsub:c:<n> = <campaign id>. "consentctl campaign add" does
/*	this.
/* .PP
/*	cm_unsub_ref_people() and cm_unsub_ref_campaigns() give a
/*	reference to each of count record ids or campaign ids that has
/*	none, and store the outcome in results[i] and the reference (0
/*	when gone) in refs[i] (either array may be NULL). Each id is
/*	one Lua script, so two writers never give one record two
/*	numbers; a record that had its reference gets its Punsub:p:<n>
/*	(or :c:) back if that was lost (SET NX: never repointed). A
/*	record or campaign that does not exist is left alone. Scripts
/*	are pipelined in chunks of 1000. "consentctl unsubscribe-refs"
/*	calls them for stores written before references existed.
/* DIAGNOSTICS
/*	Both return 0, or -1 with a one-line reason in err: an I/O error
/*	(the context must then be freed), or an error reply (a damaged
/*	key: WRONGTYPE, or a "#ref" that is not a number), naming the
/*	id. After an error reply, the rest of that chunk has been done.
/* SEE ALSO
/*	DESIGN.md section 14, the relay's own opt-out.
/*	writer(3), unsubtoken(3), optout(3).
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */

#include <hiredis/hiredis.h>

/* Application-specific. */

#include "redisconn.h"
#include "redisreply.h"
#include "schema.h"
#include "unsubref.h"

#define REF_CHUNK	1000		/* scripts per pipelined write */

 /*
  * KEYS[1] the hash, ARGV[1] the prefix, ARGV[2] the id. Returns {n,
  * how}: how is a cm_unsub_ref_result.
  */
static const char person_script[] =
"local ck, pfx, id = KEYS[1], ARGV[1], ARGV[2]\n"
CM_UNSUB_PERSON_LUA
"if redis.call('EXISTS', ck) == 0 then return {0, 2} end\n"
"local n, new = personref(ck, pfx, id)\n"
"if not string.match(tostring(n), '^%d+$') then\n"
"  return redis.error_reply('damaged " CM_FIELD_REF " in ' .. ck)\n"
"end\n"
"if new == 0 then\n"
"  redis.call('SET', pfx .. '" CM_KEY_UNSUB_PERSON "' .. n, id, 'NX')\n"
"end\n"
"return {tonumber(n), 1 - new}\n";

static const char campaign_script[] =
"local ck, pfx, id = KEYS[1], ARGV[1], ARGV[2]\n"
"if redis.call('EXISTS', ck) == 0 then return {0, 2} end\n"
"local r = redis.call('HGET', ck, '" CM_FIELD_CAMPAIGN_REF "')\n"
"if r then\n"
"  if not string.match(r, '^%d+$') then\n"
"    return redis.error_reply('damaged " CM_FIELD_CAMPAIGN_REF " in ' .. ck)\n"
"  end\n"
"  redis.call('SET', pfx .. '" CM_KEY_UNSUB_CAMPAIGN "' .. r, id, 'NX')\n"
"  return {tonumber(r), 1}\n"
"end\n"
"local n = redis.call('INCR', pfx .. '" CM_KEY_UNSUB_CSEQ "')\n"
"redis.call('HSET', ck, '" CM_FIELD_CAMPAIGN_REF "', n)\n"
"redis.call('SET', pfx .. '" CM_KEY_UNSUB_CAMPAIGN "' .. n, id)\n"
"return {n, 0}\n";

/* read_one - the reply of one script: 0, 1 error reply, -1 broken */

static int read_one(redisContext *c, const char *where, const char *id,
		            cm_unsub_ref_result *result,
		            unsigned long long *ref, int report,
		            char *err, size_t errlen)
{
    char    show[CM_REDIS_SHOWSZ], idshow[CM_REDIS_SHOWSZ];
    void   *reply;
    redisReply *r;
    int     status = 0;

    if (redisGetReply(c, &reply) != REDIS_OK) {
	cm_redis_io_error(where, c, errno, err, errlen);
	return (-1);
    }
    r = reply;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 2
	&& r->element[0]->type == REDIS_REPLY_INTEGER
	&& r->element[1]->type == REDIS_REPLY_INTEGER
	&& r->element[0]->integer >= 0
	&& r->element[1]->integer >= CM_UNSUB_REF_NEW
	&& r->element[1]->integer <= CM_UNSUB_REF_GONE) {
	if (result)
	    *result = (cm_unsub_ref_result) r->element[1]->integer;
	if (ref)
	    *ref = (unsigned long long) r->element[0]->integer;
    } else {
	if (report) {
	    cm_redis_escape(idshow, sizeof(idshow), id, strlen(id));
	    cm_redis_err(err, errlen, "redis %s: opt-out reference of %s: %s",
			 where, idshow,
			 cm_redis_reply_show(show, sizeof(show), r));
	}
	status = 1;
    }
    cm_redis_reply_free(r);
    return (status);
}

/* give_refs - pipeline one script per id */

static int give_refs(redisContext *c, const char *prefix, const char *part,
		             const char *script, const char *const *ids,
		             size_t count, cm_unsub_ref_result *results,
		             unsigned long long *refs, char *err, size_t errlen)
{
    char    where[CM_REDIS_WHERESZ];
    const char *argv[6];
    size_t  lens[6];
    char   *key = 0;
    size_t  keysz = 0, need, i, j, n;
    int     refused = 0, rd;

    if (c == 0 || c->err) {
	cm_redis_err(err, errlen, "redis: not connected");
	return (-1);
    }
    cm_redis_context_where(where, sizeof(where), c);
    if (prefix == 0)
	prefix = CM_KEY_PREFIX_DEFAULT;
    for (i = 0; i < count && !refused; i += n) {
	n = count - i < REF_CHUNK ? count - i : REF_CHUNK;
	for (j = i; j < i + n; j++) {
	    need = strlen(prefix) + strlen(part) + strlen(ids[j]) + 1;
	    if (need > keysz) {
		free(key);
		if ((key = malloc(keysz = need)) == 0) {
		    cm_redis_err(err, errlen, "out of memory");
		    return (-1);
		}
	    }
	    strcpy(key, prefix);
	    strcat(key, part);
	    strcat(key, ids[j]);
	    argv[0] = "EVAL";
	    argv[1] = script;
	    argv[2] = "1";
	    argv[3] = key;
	    argv[4] = prefix;
	    argv[5] = ids[j];
	    for (rd = 0; rd < 6; rd++)
		lens[rd] = strlen(argv[rd]);
	    if (redisAppendCommandArgv(c, 6, argv, lens) != REDIS_OK) {
		free(key);
		cm_redis_io_error(where, c, errno, err, errlen);
		return (-1);
	    }
	}
	/* Read every reply: the connection must stay in step. */
	for (j = i; j < i + n; j++) {
	    rd = read_one(c, where, ids[j], results ? results + j : 0,
			  refs ? refs + j : 0, !refused, err, errlen);
	    if (rd < 0) {
		free(key);
		return (-1);
	    }
	    refused |= rd;
	}
    }
    free(key);
    return (refused ? -1 : 0);
}

/* cm_unsub_ref_people - references for consent records that have none */

int     cm_unsub_ref_people(redisContext *c, const char *prefix,
			            const char *const *ids, size_t count,
			            cm_unsub_ref_result *results,
			            unsigned long long *refs,
			            char *err, size_t errlen)
{
    return (give_refs(c, prefix, CM_KEY_CONSENT, person_script, ids, count,
		      results, refs, err, errlen));
}

/* cm_unsub_ref_campaigns - references for campaigns that have none */

int     cm_unsub_ref_campaigns(redisContext *c, const char *prefix,
			               const char *const *ids, size_t count,
			               cm_unsub_ref_result *results,
			               unsigned long long *refs,
			               char *err, size_t errlen)
{
    return (give_refs(c, prefix, CM_KEY_CAMPAIGN, campaign_script, ids,
		      count, results, refs, err, errlen));
}
