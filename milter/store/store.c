/*++
/* NAME
/*	store 3
/* SUMMARY
/*	consent store (Redis)
/* SYNOPSIS
/*	#include "store.h"
/*
/*	cm_store *cm_store_create(cfg, err, errlen)
/*	const cm_config *cfg;
/*	char	*err;
/*	size_t	errlen;
/*
/*	cm_store *cm_store_create_flags(cfg, flags, err, errlen)
/*	const cm_config *cfg;
/*	int	flags;
/*	char	*err;
/*	size_t	errlen;
/*
/*	void	cm_store_destroy(st)
/*	cm_store *st;
/*
/*	int	cm_store_start(st)
/*	cm_store *st;
/*
/*	void	cm_store_cache_info(st, out)
/*	cm_store *st;
/*	cm_store_cache_state *out;
/*
/*	int	cm_store_ping(st, err, errlen)
/*	cm_store *st;
/*	char	*err;
/*	size_t	errlen;
/*
/*	int	cm_store_sender_campaign(st, sender, campaign, size, found,
/*					err, errlen)
/*	cm_store *st;
/*	const char *sender;
/*	char	*campaign;
/*	size_t	size;
/*	int	*found;
/*	char	*err;
/*	size_t	errlen;
/*
/*	int	cm_store_fetch(st, campaign_id, camp, rcpts, count,
/*				err, errlen)
/*	cm_store *st;
/*	const char *campaign_id;
/*	cm_campaign *camp;
/*	cm_rcpt	*rcpts;
/*	size_t	count;
/*	char	*err;
/*	size_t	errlen;
/*
/*	int	cm_store_fetch_rcpts(st, camp, rcpts, count, err, errlen)
/*	cm_store *st;
/*	const cm_campaign *camp;
/*	cm_rcpt	*rcpts;
/*	size_t	count;
/*	char	*err;
/*	size_t	errlen;
/* DESCRIPTION
/*	This module reads the records of DESIGN.md section 3 from Redis.
/*	It never writes them.
/*
/*	cm_store_create() copies what it needs from cfg and reads
/*	RedisPasswordFile, if set: its first line is "password", or
/*	"user password" for a Redis ACL user (so a password with a space
/*	in it is written "default pass word"). It does not connect:
/*	connections are opened when first needed, so that the daemon can
/*	start while Redis is down.
/*
/*	cm_store_create_flags() does the same; with CM_STORE_CACHE in
/*	flags the handle keeps answers that every message of a campaign
/*	needs for at most a second (cache(3)): sender mappings (Psender:,
/*	found or not) and the records of active campaigns (Pcampaign:).
/*	So pausing or closing a campaign, or changing a sender mapping,
/*	takes up to a second to reach a daemon; resuming or registering
/*	a campaign takes effect at once, as paused, closed and unknown
/*	campaigns are not cached. Consent and suppression records are
/*	never cached, nor is a failed lookup. While there is a sign that
/*	Redis went away (the last connect or command failed, or Redis
/*	closed an idle connection, which is looked for at most every 100
/*	ms) the cache is not used, so that an outage shows as without it.
/*	The daemon sets the flag; consentctl does not, so that
/*	"consentctl check" right after a change is exact.
/*
/*	With CM_STORE_CACHE and ConsentCache on (cfg->consent_cache_bytes
/*	or consent_cache_entries), the consent cache takes the place of
/*	that short-lived one: every record that a fetch or a sender lookup
/*	reads (Pcampaign:, Psender:, Psuppress:, Pconsent:, found or not)
/*	is kept in a consentcache(3) for as long as Redis promises to
/*	report changes to it (tracking(3)), and what it holds is not asked
/*	again. A read is reserved in the cache before it is sent and its
/*	reply kept only if nothing changed meanwhile; a fetch that fails
/*	empties the cache. A lookup does not use the cache while the
/*	invalidation link is down or has a change message not yet applied
/*	(cm_tracker_pending()). Recipients' records are taken from the
/*	cache only when the campaign record is known before the fetch
/*	(cached, or the caller's): its purpose names the field; else all
/*	are read, and kept. cm_store_start() starts the
/*	link's thread: call it after the daemon detached. Without
/*	ConsentCache, everything is as above. cm_store_cache_info() tells
/*	the cache's state (all zero without one).
/*
/*	A handle may be shared by any number of threads. Its connections
/*	are a redispool(3): at most RedisConnections hiredis contexts, to
/*	RedisReplica when configured, else to the primary (Redis, or the
/*	one that RedisSentinel names, asked again on every new connection).
/*	A call borrows a context and waits while all are in use. A context
/*	that saw an I/O error, a protocol error, a timeout or a reply that
/*	says the server cannot serve now (LOADING, MASTERDOWN, READONLY)
/*	is freed, not returned. After a failed connect, connects fail at
/*	once for 200 ms, so that while Redis is down a message costs a
/*	quick error and not a connect timeout. A pooled connection found
/*	dead (Redis restarted, a Sentinel failover) is replaced and the
/*	call repeated once; every command here is a read, so that is
/*	harmless.
/*
/*	Lookups of one recipient whose campaign record is known (the
/*	RCPT-time lookups of an envelope campaign) are coalesced: up to
/*	RedisConnections of them run at once, each on its own connection,
/*	and those that come while all of those are in flight share the
/*	next pipelined writes (redisbatch(3)), with the same timeout and
/*	error rules. A lookup that finds a connection free does not wait
/*	for a batch: measured with tests/bench, one batch at a time cost
/*	a waiting session a second wake-up, 13-29 % of the messages at
/*	1,000 recipients x 4 connections.
/*
/*	Commands are sent as argument vectors with lengths: keys and
/*	values may hold any byte, and no command is formatted from data.
/*
/*	cm_store_ping() sends PING, for "consent-milter -n".
/*
/*	cm_store_sender_campaign() reads Psender:<sender> into campaign
/*	(size bytes with the null) and sets *found, or clears it when
/*	there is no such key. Any string value is a mapping, also one
/*	that is no campaign id (empty, too long, a null byte), so that
/*	the caller decides it as bad-campaign-id: a value that does not
/*	fit is cut to size - 1 bytes, the last of them "?", and a null
/*	byte reads as "?", so that neither can pass as a valid id.
/*
/*	cm_store_fetch() reads, in one round trip, Pcampaign:<campaign_id>
/*	into *camp and, for each of the count recipients with facts.addr_ok
/*	set, Psuppress:<facts.id> and Pconsent:<facts.id> (for the
/*	campaign's purpose) into its record. count may be 0. When the
/*	campaign is not found, camp->found is 0 and the records are left
/*	empty. cm_store_fetch_rcpts() reads only the recipients' records,
/*	for a campaign record that the caller already has (only its
/*	purpose is used). The facts are input, the records and *camp
/*	output: overwritten, not freed; pass cleared structures and clear
/*	them after use (cm_campaign_clear(), cm_rcpt_record_clear()). A
/*	campaign record with a missing or bad field fails the call. A
/*	recipient whose records cannot be used (a key of the wrong type)
/*	gets record.store_error, one whose consent state or time cannot
/*	be read record.consent_invalid (record(3)), and the call
/*	succeeds.
/*
/*	cm_store_destroy() closes the connections and frees the handle,
/*	when no call is in progress.
/* DIAGNOSTICS
/*	cm_store_create() returns a null pointer, the other functions -1,
/*	with a one-line reason in err: "redis unix:/path: connection
/*	refused", "redis 127.0.0.1:6379: timeout", "redis 127.0.0.1:6379:
/*	AUTH failed: WRONGPASS ...", or a key and what is wrong with it.
/*	In keys and values, bytes outside printable ASCII, " and \e are
/*	shown as \exNN. After an error, outputs own no memory.
/*
/*	cm_store_fetch() returns CM_STORE_INVALID, also with a reason in
/*	err, when Redis answered and the campaign's record cannot be read
/*	(a status, basis or max_age_days it does not know, no purpose, a
/*	hash of the wrong shape): not an outage, so the consent cache is
/*	not emptied and the caller must not treat it as one (row 1, but
/*	never OnError accept).
/* BUGS
/*	A write to a connection that Redis closed raises SIGPIPE. The
/*	process must ignore that signal: smfi_main() does so for the
/*	daemon; other programs must do it themselves.
/* SEE ALSO
/*	DESIGN.md section 3, the key layout (a contract).
/*	redispool(3), the connection pool.
/*	redisbatch(3), shared pipelined writes.
/*	redisconn(3), connect, AUTH and Sentinel.
/*	record(3), the replies.
/*	cache(3), the daemon's cache.
/*	store_fetch(3), the records of one message, in one trip.
/*	store_cache(3), the consent cache's glue.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */

#include <hiredis/hiredis.h>

/* Application-specific. */

#include "cache.h"
#include "campaign.h"
#include "consentcache.h"
#include "redisbatch.h"
#include "redisconn.h"
#include "redispool.h"
#include "redisreply.h"
#include "schema.h"
#include "store.h"
#include "store_impl.h"
#include "tracking.h"

#define CM_STORE_CACHE_MS	1000	/* campaign/sender answers live this long */
#define CM_STORE_CACHE_SLOTS	256	/* per cache table */

/* store_key_size - the bytes of a key, its null included */

size_t  store_key_size(const cm_store *st, const char *part, const char *name)
{
    return (st->prefix_len + strlen(part) + strlen(name) + 1);
}

/* store_key_put - compose a key in p (store_key_size() bytes); its length */

size_t  store_key_put(const cm_store *st, char *p, const char *part,
		              const char *name)
{
    size_t  part_len = strlen(part);
    size_t  name_len = strlen(name);

    memcpy(p, st->prefix, st->prefix_len);
    memcpy(p + st->prefix_len, part, part_len);
    memcpy(p + st->prefix_len + part_len, name, name_len + 1);
    return (st->prefix_len + part_len + name_len);
}

/* store_key_build - compose prefix, part and name: "cm:" "consent:" id */

int     store_key_build(const cm_store *st, keybuf *kb, const char *part,
		             const char *name)
{
    size_t  need = store_key_size(st, part, name);
    char   *p;

    if (need > kb->size) {
	if (kb->data == 0 && need <= sizeof(kb->space)) {
	    kb->data = kb->space;
	    kb->size = sizeof(kb->space);
	} else {
	    /* Nothing to keep: the whole key is written below. */
	    if ((p = realloc(kb->data == kb->space ? 0 : kb->data, need)) == 0)
		return (-1);
	    kb->data = p;
	    kb->size = need;
	}
    }
    kb->len = store_key_put(st, kb->data, part, name);
    return (0);
}

/* store_key_error - a message about one key */

int     store_key_error(const keybuf *kb, char *err, size_t errlen,
		                const char *fmt,...)
{
    char    show[CM_STORE_SHOWSZ];
    char    what[CM_STORE_ERRSZ];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    cm_redis_err(err, errlen, "%s: %s",
		 cm_redis_escape(show, sizeof(show), kb->data, kb->len), what);
    return (CM_XCHG_FAIL);
}

/* One command, its reply handed back: see command_exchange(). */
struct command {
    int     argc;
    const char **argv;
    size_t *lens;
    redisReply *reply;
    int     standin;			/* read from the primary for the replica */
};

/* unready_reply - an error that another server might not give */

static int unready_reply(redisContext *c, redisReply *r, char *err,
		               size_t errlen)
{
    char    where[CM_REDIS_WHERESZ];
    char    show[CM_STORE_SHOWSZ];

    cm_redis_err(err, errlen, "redis %s: %s",
		 cm_redis_context_where(where, sizeof(where), c),
		 cm_redis_reply_show(show, sizeof(show), r));
    cm_redis_reply_free(r);
    return (CM_XCHG_UNREADY);
}

/* command_exchange - send one command, keep its reply */

static int command_exchange(redisContext *c, void *arg,
			            char *err, size_t errlen)
{
    struct command *cmd = arg;

    cmd->standin = cm_redis_pool_standin_run();
    if ((cmd->reply = redisCommandArgv(c, cmd->argc, cmd->argv,
				       cmd->lens)) == 0)
	return (cm_redis_pool_error(c, errno, err, errlen));
    if (cm_redis_reply_unready(cmd->reply)) {
	(void) unready_reply(c, cmd->reply, err, errlen);
	cmd->reply = 0;
	return (CM_XCHG_UNREADY);
    }
    return (CM_XCHG_OK);
}

/* ping_exchange - PING, expect PONG */

static int ping_exchange(redisContext *c, void *arg, char *err,
			         size_t errlen)
{
    const char *argv[1] = {"PING"};
    size_t  lens[1] = {4};
    char    where[CM_REDIS_WHERESZ];
    char    show[CM_STORE_SHOWSZ];
    redisReply *r;
    int     status = CM_XCHG_OK;

    (void) arg;
    if ((r = redisCommandArgv(c, 1, argv, lens)) == 0)
	return (cm_redis_pool_error(c, errno, err, errlen));
    if (cm_redis_reply_unready(r))
	return (unready_reply(c, r, err, errlen));
    if (r->type != REDIS_REPLY_STATUS || !cm_redis_reply_is(r, "PONG")) {
	cm_redis_err(err, errlen, "redis %s: PING: %s",
		     cm_redis_context_where(where, sizeof(where), c),
		     cm_redis_reply_show(show, sizeof(show), r));
	status = CM_XCHG_FAIL;
    }
    cm_redis_reply_free(r);
    return (status);
}

/* cm_store_create_flags - set up the connection pool; connect later */

cm_store *cm_store_create_flags(const cm_config *cfg, int flags,
				        char *err, size_t errlen)
{
    cm_store *st;
    int     tracked = ((flags & CM_STORE_CACHE)
		       && (cfg->consent_cache_bytes > 0
			   || cfg->consent_cache_entries > 0));

    /* ConsentCache replaces the short-lived cache: see cache(3). */
    if ((st = calloc(1, sizeof(*st))) == 0
	|| (st->prefix = strdup(cfg->key_prefix ? cfg->key_prefix
				: CM_KEY_PREFIX_DEFAULT)) == 0
	|| ((flags & CM_STORE_CACHE) && !tracked
	    && (st->cache = cm_cache_create(CM_STORE_CACHE_SLOTS,
					    CM_STORE_CACHE_MS)) == 0)
	|| (tracked && (st->ccache = cm_ccache_create(cfg->consent_cache_bytes,
						cfg->consent_cache_entries,
				       cfg->consent_cache_max_age)) == 0)) {
	if (st) {
	    cm_cache_free(st->cache);
	    free(st->prefix);
	}
	free(st);
	cm_redis_err(err, errlen, "redis: out of memory");
	return (0);
    }
    st->prefix_len = strlen(st->prefix);
    if ((st->pool = cm_redis_pool_create(cfg, err, errlen)) == 0) {
	cm_cache_free(st->cache);
	cm_ccache_free(st->ccache);
	free(st->prefix);
	free(st);
	return (0);
    }
    if (st->ccache && (st->tracker = cm_tracker_create(cfg, st->ccache,
					     st->pool, err, errlen)) == 0) {
	cm_store_destroy(st);
	return (0);
    }
    if ((st->batch = cm_redis_batch_create(st->pool,
					   cfg->redis_connections)) == 0) {
	cm_store_destroy(st);
	cm_redis_err(err, errlen, "redis: out of memory");
	return (0);
    }
    return (st);
}

/* cm_store_create - a store without a cache: every answer is current */

cm_store *cm_store_create(const cm_config *cfg, char *err, size_t errlen)
{
    return (cm_store_create_flags(cfg, 0, err, errlen));
}

/* cm_store_destroy - close all connections, free the handle */

void    cm_store_destroy(cm_store *st)
{
    if (st == 0)
	return;
    cm_tracker_destroy(st->tracker);		/* it uses the pool */
    cm_redis_batch_free(st->batch);
    cm_redis_pool_destroy(st->pool);
    cm_cache_free(st->cache);
    cm_ccache_free(st->ccache);
    free(st->prefix);
    free(st);
}

/* cm_store_ping - check that Redis answers */

int     cm_store_ping(cm_store *st, char *err, size_t errlen)
{
    return (cm_redis_pool_run(st->pool, ping_exchange, 0, err, errlen));
}

/* store_sender_value - a Psender: value as the caller's campaign id */

void    store_sender_value(const char *value, size_t len, char *campaign,
			           size_t size)
{
    size_t  i;
    int     value_cut = 0;

    /*
     * Whatever the key holds is the sender's mapping: a value that is no
     * campaign id is decision table row 4, never "no campaign" and never
     * a store error (an empty value once switched the check off, an
     * over-long one deferred the sender's mail for good). What is
     * copied must never become a valid id that the key does not hold:
     * a value that does not fit ends in '?' where it is cut, and a null
     * byte reads as '?' (no campaign id has one).
     */
    if (size == 0)
	return;
    if (len > size - 1) {
	len = size - 1;
	if (len > 0)
	    value_cut = 1;
    }
    for (i = 0; i < len; i++)
	campaign[i] = value[i] ? value[i] : '?';
    if (value_cut)
	campaign[len - 1] = '?';
    campaign[len] = 0;
}

/* cm_store_sender_campaign - the campaign of an envelope sender, if any */

int     cm_store_sender_campaign(cm_store *st, const char *sender,
				         char *campaign, size_t size,
				         int *found, char *err, size_t errlen)
{
    keybuf  kb = KEYBUF_INIT;
    const char *argv[2] = {"GET", 0};
    size_t  lens[2] = {3, 0};
    struct command cmd = {2, argv, lens, 0, 0};
    char    show[CM_STORE_SHOWSZ];
    redisReply *r;
    long long since = 0;
    cm_ccache_ticket ticket = {0, 0, 0, 0};
    int     status = -1;

    *found = 0;
    /* The consent cache answers, or reserves the read (store_cache(3)). */
    if (st->ccache) {
	switch (store_cache_sender(st, &kb, sender, campaign, size, found,
				   &ticket)) {
	case -1:
	    cm_redis_err(err, errlen, "redis: out of memory");
	    return (-1);
	case 1:
	    keybuf_free(&kb);
	    return (0);
	}
    }
    if (st->cache) {
	if (cm_redis_pool_healthy(st->pool)
	    && cm_cache_get_sender(st->cache, sender, campaign, size, found))
	    return (0);
	since = cm_cache_now();
    }
    if (store_key_build(st, &kb, CM_KEY_SENDER, sender) < 0) {
	cm_redis_err(err, errlen, "redis: out of memory");
	return (-1);
    }
    argv[1] = kb.data;
    lens[1] = kb.len;
    if (cm_redis_timed_run(st->pool, command_exchange, &cmd, err,
			  errlen) < 0) {
	keybuf_free(&kb);
	store_cache_doubt(st);
	return (-1);
    }
    r = cmd.reply;
    if (r->type == REDIS_REPLY_NIL) {
	status = 0;
	if (st->cache)
	    cm_cache_put_sender(st->cache, sender, 0, since);
    } else if (r->type != REDIS_REPLY_STRING) {
	store_key_error(&kb, err, errlen, "%s",
		  cm_redis_reply_show(show, sizeof(show), r));
    } else {
	store_sender_value(r->str, r->len, campaign, size);
	*found = 1;
	status = 0;
	if (st->cache)
	    cm_cache_put_sender(st->cache, sender, campaign, since);
    }
    if (status == 0 && ticket.epoch != 0 && !cmd.standin)
	cm_ccache_fill(st->ccache, kb.data, kb.len, &ticket, r);
    cm_redis_reply_free(r);
    keybuf_free(&kb);
    return (status);
}

/* cm_store_fetch_rcpts - recipients' records, campaign record known */

int     cm_store_fetch_rcpts(cm_store *st, const cm_campaign *camp,
			             cm_rcpt *rcpts, size_t count,
			             char *err, size_t errlen)
{
    struct fetch_req req = {st, 0, 0, camp, rcpts, count, 1, 0, 0, 0};

    store_fetch_reset(&req, 0);
    /* Without a campaign lookup, the caller's purpose names the field. */
    if (!cm_purpose_valid(camp->purpose)) {
	cm_redis_err(err, errlen, "redis: fetch without a valid purpose");
	return (-1);
    }
    if (st->ccache)
	return (store_cache_fetch(st, &req, err, errlen));
    if (store_fetch_first(&req).what == FETCH_END)	/* nothing to look up */
	return (0);
    return (store_fetch_run(st, &req, err, errlen));
}

/* cm_store_fetch - campaign record and recipients' records, one trip */

int     cm_store_fetch(cm_store *st, const char *campaign_id,
		               cm_campaign *camp, cm_rcpt *rcpts,
		               size_t count, char *err, size_t errlen)
{
    struct fetch_req req = {st, campaign_id, camp, camp, rcpts, count, 0,
    0, 0, 0};
    long long since = 0;
    int     status;

    store_fetch_reset(&req, 0);
    if (st->ccache)
	return (store_cache_fetch(st, &req, err, errlen));

    /*
     * A campaign record known from the last second: look up only the
     * recipients. Not while there is a sign that Redis went away: then
     * the daemon finds out at once, as it would without a cache.
     */
    if (st->cache != 0) {
	if (cm_redis_pool_healthy(st->pool)
	    && cm_cache_get_campaign(st->cache, campaign_id, camp)) {
	    if ((status = cm_store_fetch_rcpts(st, camp, rcpts, count, err,
					       errlen)) != 0)
		cm_campaign_clear(camp);	/* outputs own no memory */
	    return (status);
	}
	since = cm_cache_now();
    }
    status = store_fetch_run(st, &req, err, errlen);

    /*
     * Only active campaigns: a resumed or newly registered campaign
     * must work at once; pausing or closing one may take a second.
     */
    if (status == 0 && st->cache != 0
	&& camp->found && camp->status == CM_STATUS_ACTIVE)
	cm_cache_put_campaign(st->cache, campaign_id, camp, since);
    return (status);
}
