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
/*	there is no such key.
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
/*	recipient whose records cannot be used (a key of the wrong type,
/*	an unknown consent state) gets record.store_error and the call
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

#include "buf.h"
#include "cache.h"
#include "campaign.h"
#include "record.h"
#include "redisbatch.h"
#include "redisconn.h"
#include "redisframe.h"
#include "redispool.h"
#include "schema.h"
#include "store.h"

#define CM_STORE_CHUNK		1000	/* commands per write */
#define CM_STORE_ERRSZ		512	/* internal message buffers */
#define CM_STORE_SHOWSZ		CM_REDIS_SHOWSZ	/* escaped key or value */
#define CM_STORE_CACHE_MS	1000	/* campaign/sender answers live this long */
#define CM_STORE_CACHE_SLOTS	256	/* per cache table */
#define CM_STORE_BATCH_RCPTS	1	/* fetches this small are coalesced */

struct cm_store {
    char   *prefix;			/* KeyPrefix */
    size_t  prefix_len;
    cm_redis_pool *pool;		/* connections */
    cm_cache *cache;			/* or NULL: CM_STORE_CACHE not set */
    cm_redis_batch *batch;		/* coalesces small fetches */
};

/* A growing buffer for keys. */
typedef struct keybuf {
    char   *data;
    size_t  len;
    size_t  size;
} keybuf;

/* key_build - compose prefix, part and name: "cm:" "consent:" id */

static int key_build(const cm_store *st, keybuf *kb, const char *part,
		             const char *name)
{
    size_t  part_len = strlen(part);
    size_t  name_len = strlen(name);
    size_t  need = st->prefix_len + part_len + name_len + 1;
    char   *p;

    if (need > kb->size) {
	if ((p = realloc(kb->data, need)) == 0)
	    return (-1);
	kb->data = p;
	kb->size = need;
    }
    memcpy(kb->data, st->prefix, st->prefix_len);
    memcpy(kb->data + st->prefix_len, part, part_len);
    memcpy(kb->data + st->prefix_len + part_len, name, name_len + 1);
    kb->len = need - 1;
    return (0);
}

/* key_error - a message about one key */

static int __attribute__((format(printf, 4, 5)))
key_error(const keybuf *kb, char *err, size_t errlen, const char *fmt,...)
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
    freeReplyObject(r);
    return (CM_XCHG_UNREADY);
}

/* command_exchange - send one command, keep its reply */

static int command_exchange(redisContext *c, void *arg,
			            char *err, size_t errlen)
{
    struct command *cmd = arg;

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
    freeReplyObject(r);
    return (status);
}

 /*
  * The commands of a fetch, in the order sent: the campaign record, if
  * asked for, then each recipient's suppression and consent records.
  * A fetch_cmd names one of them; fetch_next() steps to the next one
  * that is sent (recipients whose address did not parse are not).
  */
typedef enum fetch_what {
    FETCH_CAMPAIGN, FETCH_SUPPRESS, FETCH_CONSENT, FETCH_END
} fetch_what;

typedef struct fetch_cmd {
    fetch_what what;
    size_t  rcpt;			/* FETCH_SUPPRESS, FETCH_CONSENT */
} fetch_cmd;

struct fetch_req {
    const cm_store *st;
    const char *campaign_id;		/* or NULL: the record is known */
    cm_campaign *camp_out;		/* the record read, or NULL */
    const cm_campaign *camp;		/* the record whose purpose counts */
    cm_rcpt *rcpts;
    size_t  count;
    int     fill;			/* campaign known: fill in records */
};

/* fetch_skip - from cmd on, the first recipient command that is sent */

static void fetch_skip(const struct fetch_req *req, fetch_cmd *cmd)
{
    while (cmd->rcpt < req->count && !req->rcpts[cmd->rcpt].facts.addr_ok)
	cmd->rcpt++;
    if (cmd->rcpt >= req->count)
	cmd->what = FETCH_END;
}

/* fetch_first - the first command of a fetch */

static fetch_cmd fetch_first(const struct fetch_req *req)
{
    fetch_cmd cmd = {FETCH_CAMPAIGN, 0};

    if (req->campaign_id == 0) {
	cmd.what = FETCH_SUPPRESS;
	fetch_skip(req, &cmd);
    }
    return (cmd);
}

/* fetch_next - the command after cmd */

static void fetch_next(const struct fetch_req *req, fetch_cmd *cmd)
{
    switch (cmd->what) {
    case FETCH_CAMPAIGN:
	cmd->what = FETCH_SUPPRESS;
	cmd->rcpt = 0;
	break;
    case FETCH_SUPPRESS:
	cmd->what = FETCH_CONSENT;
	return;
    case FETCH_CONSENT:
	cmd->what = FETCH_SUPPRESS;
	cmd->rcpt++;
	break;
    case FETCH_END:
	return;
    }
    fetch_skip(req, cmd);
}

/* fetch_key - the key of a command */

static int fetch_key(const cm_store *st, const struct fetch_req *req,
		             fetch_cmd cmd, keybuf *kb)
{
    if (cmd.what == FETCH_CAMPAIGN)
	return (key_build(st, kb, CM_KEY_CAMPAIGN, req->campaign_id));
    return (key_build(st, kb, cmd.what == FETCH_SUPPRESS ? CM_KEY_SUPPRESS
		      : CM_KEY_CONSENT, req->rcpts[cmd.rcpt].facts.id));
}

/* fetch_append_one - append one command */

static int fetch_append_one(redisContext *c, const struct fetch_req *req,
			            fetch_cmd cmd, keybuf *kb, char *err,
			            size_t errlen)
{
    if (fetch_key(req->st, req, cmd, kb) < 0) {
	cm_redis_err(err, errlen, "redis: out of memory");
	return (CM_XCHG_BROKEN);
    }
    if (cm_redis_append2(c, cmd.what == FETCH_SUPPRESS ? "GET" : "HGETALL",
			 kb->data, kb->len) != REDIS_OK)
	return (cm_redis_pool_error(c, errno, err, errlen));
    return (CM_XCHG_OK);
}

/* fetch_reset - empty the outputs; free what an earlier try set */

static void fetch_reset(struct fetch_req *req, int free_old)
{
    cm_rcpt_record *rec;
    size_t  i;

    if (req->camp_out) {
	if (free_old)
	    free(req->camp_out->senders);
	memset(req->camp_out, 0, sizeof(*req->camp_out));
    }
    for (i = 0; i < req->count; i++) {
	rec = &req->rcpts[i].record;
	if (free_old) {
	    free(rec->suppressed_reason);
	    free(rec->consent_src);
	}
	memset(rec, 0, sizeof(*rec));
	rec->consent = CM_CONSENT_NONE;
    }
    req->fill = (req->campaign_id == 0);
}

/* campaign_parse - HGETALL Pcampaign:<id> into a campaign record */

static int campaign_parse(struct fetch_req *req, const redisReply *r,
			          const keybuf *kb, char *err, size_t errlen)
{
    char    why[CM_STORE_ERRSZ];

    if (cm_record_campaign(r, req->camp_out, why, sizeof(why)) < 0)
	return (key_error(kb, err, errlen, "%s", why));
    req->fill = req->camp_out->found;
    return (CM_XCHG_OK);
}

/* fetch_reply - take in the reply to one command */

static int fetch_reply(struct fetch_req *req, fetch_cmd cmd,
		               const redisReply *r, keybuf *kb,
		               char *err, size_t errlen)
{
    int     is_camp = (cmd.what == FETCH_CAMPAIGN);
    cm_rcpt_record *rec = 0;
    char    show[CM_STORE_SHOWSZ];

    if (!is_camp && !req->fill)			/* unknown campaign */
	return (CM_XCHG_OK);
    if (!is_camp)
	rec = &req->rcpts[cmd.rcpt].record;
    /* A key of the wrong type spoils one recipient, not the message. */
    if (rec && r->type == REDIS_REPLY_ERROR
	&& r->len >= 9 && memcmp(r->str, "WRONGTYPE", 9) == 0) {
	rec->store_error = 1;
	return (CM_XCHG_OK);
    }
    if (is_camp || r->type == REDIS_REPLY_ERROR) {
	if (fetch_key(req->st, req, cmd, kb) < 0) {
	    cm_redis_err(err, errlen, "redis: out of memory");
	    return (CM_XCHG_FAIL);
	}
	if (is_camp)
	    return (campaign_parse(req, r, kb, err, errlen));
	/* Other errors (LOADING, NOAUTH...) concern every key. */
	return (key_error(kb, err, errlen, "%s",
			  cm_redis_reply_show(show, sizeof(show), r)));
    }
    if (cmd.what == FETCH_SUPPRESS)
	cm_record_suppress(r, rec);
    else
	cm_record_consent(r, req->camp->purpose, rec);
    return (CM_XCHG_OK);
}

/* fetch_take - read and take in the reply to a command; -1: I/O error */

static int fetch_take(redisContext *c, struct fetch_req *req, fetch_cmd cmd,
		              keybuf *kb, int *status, int *unready, char *err,
		              size_t errlen)
{
    void   *reply;

    if (redisGetReply(c, &reply) != REDIS_OK) {
	*status = cm_redis_pool_error(c, errno, err, errlen);
	return (-1);
    }
    /* After an error, read on: the connection stays in step. */
    if (fetch_reply(req, cmd, reply, kb, *status == CM_XCHG_OK ? err : 0,
		    errlen) != CM_XCHG_OK)
	*status = CM_XCHG_FAIL;
    *unready |= cm_redis_reply_unready(reply);
    freeReplyObject(reply);
    return (0);
}

/* fetch_exchange - send the commands of a fetch, read the replies */

static int fetch_exchange(redisContext *c, void *arg,
			          char *err, size_t errlen)
{
    struct fetch_req *req = arg;
    keybuf  kb = {0, 0, 0};
    fetch_cmd wcmd, rcmd;
    size_t  batch, in_flight = 0;
    int     status = CM_XCHG_OK;
    int     unready = 0;
    int     done;

    /* This may be a repeat on a new connection: start clean. */
    fetch_reset(req, 1);
    wcmd = rcmd = fetch_first(req);

    /*
     * Write the commands in chunks, and read the replies to a chunk after
     * the next one is written. Redis never waits for us, so this is one
     * round trip, yet neither side buffers more than two chunks.
     */
    while (rcmd.what != FETCH_END) {
	for (batch = 0; wcmd.what != FETCH_END && batch < CM_STORE_CHUNK;
	     batch++) {
	    /* A failure leaves commands half sent: the context goes. */
	    if ((status = fetch_append_one(c, req, wcmd, &kb, err,
					   errlen)) != CM_XCHG_OK)
		goto out;
	    fetch_next(req, &wcmd);
	}
	in_flight += batch;
	do {
	    if (redisBufferWrite(c, &done) != REDIS_OK) {
		status = cm_redis_pool_error(c, errno, err, errlen);
		goto out;
	    }
	} while (!done);
	while (in_flight > (wcmd.what != FETCH_END ? batch : 0)) {
	    if (fetch_take(c, req, rcmd, &kb, &status, &unready, err,
			   errlen) < 0)
		goto out;
	    fetch_next(req, &rcmd);
	    in_flight--;
	}
    }

    /* LOADING, MASTERDOWN...: the next connection may do better. */
    if (status == CM_XCHG_FAIL && unready)
	status = CM_XCHG_UNREADY;

out:
    free(kb.data);
    if (status != CM_XCHG_OK)
	fetch_reset(req, 1);
    return (status);
}

/* fetch_append - queue the commands of a small fetch (redisbatch(3)) */

static int fetch_append(redisContext *c, void *arg, char *err,
			        size_t errlen)
{
    struct fetch_req *req = arg;
    keybuf  kb = {0, 0, 0};
    fetch_cmd cmd;
    int     status = CM_XCHG_OK;

    /* This may be a repeat on a new connection: start clean. */
    fetch_reset(req, 1);
    for (cmd = fetch_first(req); cmd.what != FETCH_END; fetch_next(req, &cmd))
	if ((status = fetch_append_one(c, req, cmd, &kb, err,
				       errlen)) != CM_XCHG_OK)
	    break;
    free(kb.data);
    return (status);
}

/* fetch_read - read the replies to fetch_append()'s commands */

static int fetch_read(redisContext *c, void *arg, char *err, size_t errlen)
{
    struct fetch_req *req = arg;
    keybuf  kb = {0, 0, 0};
    fetch_cmd cmd;
    int     status = CM_XCHG_OK;
    int     unready = 0;

    for (cmd = fetch_first(req); cmd.what != FETCH_END; fetch_next(req, &cmd))
	if (fetch_take(c, req, cmd, &kb, &status, &unready, err, errlen) < 0)
	    break;
    free(kb.data);
    if (status == CM_XCHG_FAIL && unready)
	status = CM_XCHG_UNREADY;
    return (status);
}

/* cm_store_create_flags - set up the connection pool; connect later */

cm_store *cm_store_create_flags(const cm_config *cfg, int flags,
				        char *err, size_t errlen)
{
    cm_store *st;

    if ((st = calloc(1, sizeof(*st))) == 0
	|| (st->prefix = strdup(cfg->key_prefix ? cfg->key_prefix
				: CM_KEY_PREFIX_DEFAULT)) == 0
	|| ((flags & CM_STORE_CACHE)
	    && (st->cache = cm_cache_create(CM_STORE_CACHE_SLOTS,
					    CM_STORE_CACHE_MS)) == 0)) {
	if (st)
	    free(st->prefix);
	free(st);
	cm_redis_err(err, errlen, "redis: out of memory");
	return (0);
    }
    st->prefix_len = strlen(st->prefix);
    if ((st->pool = cm_redis_pool_create(cfg, err, errlen)) == 0) {
	cm_cache_free(st->cache);
	free(st->prefix);
	free(st);
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
    cm_redis_batch_free(st->batch);
    cm_redis_pool_destroy(st->pool);
    cm_cache_free(st->cache);
    free(st->prefix);
    free(st);
}

/* cm_store_ping - check that Redis answers */

int     cm_store_ping(cm_store *st, char *err, size_t errlen)
{
    return (cm_redis_pool_run(st->pool, ping_exchange, 0, err, errlen));
}

/* cm_store_sender_campaign - the campaign of an envelope sender, if any */

int     cm_store_sender_campaign(cm_store *st, const char *sender,
				         char *campaign, size_t size,
				         int *found, char *err, size_t errlen)
{
    keybuf  kb = {0, 0, 0};
    const char *argv[2] = {"GET", 0};
    size_t  lens[2] = {3, 0};
    struct command cmd = {2, argv, lens, 0};
    char    show[CM_STORE_SHOWSZ];
    redisReply *r;
    long long since = 0;
    int     status = -1;

    *found = 0;
    if (st->cache) {
	if (cm_redis_pool_healthy(st->pool)
	    && cm_cache_get_sender(st->cache, sender, campaign, size, found))
	    return (0);
	since = cm_cache_now();
    }
    if (key_build(st, &kb, CM_KEY_SENDER, sender) < 0) {
	cm_redis_err(err, errlen, "redis: out of memory");
	return (-1);
    }
    argv[1] = kb.data;
    lens[1] = kb.len;
    if (cm_redis_pool_run(st->pool, command_exchange, &cmd, err,
			  errlen) < 0) {
	free(kb.data);
	return (-1);
    }
    r = cmd.reply;
    if (r->type == REDIS_REPLY_NIL) {
	status = 0;
	if (st->cache)
	    cm_cache_put_sender(st->cache, sender, 0, since);
    } else if (r->type != REDIS_REPLY_STRING) {
	key_error(&kb, err, errlen, "%s",
		  cm_redis_reply_show(show, sizeof(show), r));
    } else if (r->len >= size) {
	key_error(&kb, err, errlen, "campaign id too long (%zu bytes)",
		  r->len);
    } else if (memchr(r->str, 0, r->len) != 0) {
	key_error(&kb, err, errlen, "campaign id contains a null byte");
    } else {
	memcpy(campaign, r->str, r->len + 1);
	*found = 1;
	status = 0;
	if (st->cache)
	    cm_cache_put_sender(st->cache, sender, campaign, since);
    }
    freeReplyObject(r);
    free(kb.data);
    return (status);
}

/* fetch_run - one fetch: coalesced with others' when it is small */

static int fetch_run(cm_store *st, struct fetch_req *req, char *err,
		             size_t errlen)
{
    cm_redis_call call;

    /*
     * RCPT-time lookups (one recipient, campaign known) from concurrent
     * sessions share pipelined writes; larger fetches are one round
     * trip each anyway, written in chunks by fetch_exchange().
     */
    if (req->campaign_id == 0 && req->count <= CM_STORE_BATCH_RCPTS) {
	memset(&call, 0, sizeof(call));
	call.append = fetch_append;
	call.read = fetch_read;
	call.arg = req;
	call.err = err;
	call.errlen = errlen;
	if (cm_redis_batch_run(st->batch, &call) != 0) {
	    fetch_reset(req, 1);
	    return (-1);
	}
	return (0);
    }
    return (cm_redis_pool_run(st->pool, fetch_exchange, req, err, errlen));
}

/* cm_store_fetch_rcpts - recipients' records, campaign record known */

int     cm_store_fetch_rcpts(cm_store *st, const cm_campaign *camp,
			             cm_rcpt *rcpts, size_t count,
			             char *err, size_t errlen)
{
    struct fetch_req req = {st, 0, 0, camp, rcpts, count, 1};

    fetch_reset(&req, 0);
    /* Without a campaign lookup, the caller's purpose names the field. */
    if (!cm_purpose_valid(camp->purpose)) {
	cm_redis_err(err, errlen, "redis: fetch without a valid purpose");
	return (-1);
    }
    if (fetch_first(&req).what == FETCH_END)	/* nothing to look up */
	return (0);
    return (fetch_run(st, &req, err, errlen));
}

/* cm_store_fetch - campaign record and recipients' records, one trip */

int     cm_store_fetch(cm_store *st, const char *campaign_id,
		               cm_campaign *camp, cm_rcpt *rcpts,
		               size_t count, char *err, size_t errlen)
{
    struct fetch_req req = {st, campaign_id, camp, camp, rcpts, count, 0};
    long long since = 0;
    int     status;

    fetch_reset(&req, 0);

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
    status = fetch_run(st, &req, err, errlen);

    /*
     * Only active campaigns: a resumed or newly registered campaign
     * must work at once; pausing or closing one may take a second.
     */
    if (status == 0 && st->cache != 0
	&& camp->found && camp->status == CM_STATUS_ACTIVE)
	cm_cache_put_campaign(st->cache, campaign_id, camp, since);
    return (status);
}
