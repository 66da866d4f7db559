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
/*	cm_rcpt_lookup *rcpts;
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
/*	into *camp and, for each recipient with facts.addr_ok set,
/*	Psuppress:<id> and Pconsent:<id> (for the campaign's purpose) into
/*	its facts. With a null campaign_id, *camp is input and only its
/*	purpose is used. When the campaign is not found, camp->found is 0
/*	and the facts are left empty. Outputs are overwritten, not freed:
/*	pass cleared structures and clear them after use
/*	(cm_campaign_clear(), cm_rcpt_facts_clear()). A campaign record
/*	with a missing or bad field fails the call. A recipient whose
/*	records cannot be used (a key of the wrong type, an unknown
/*	consent state) gets facts.store_error and the call succeeds.
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
#include "redispool.h"
#include "store.h"

#define CM_STORE_CHUNK		1000	/* commands per write */
#define CM_STORE_ERRSZ		512	/* internal message buffers */
#define CM_STORE_SHOWSZ		CM_REDIS_SHOWSZ	/* escaped key or value */
#define CM_STORE_CMDSZ		1024	/* one framed lookup command */
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
    return (CM_EX_FAIL);
}

/* One command, its reply handed back: see command_exchange(). */
struct command {
    int     argc;
    const char **argv;
    size_t *lens;
    redisReply *reply;
};

/* stale_reply - an error that another server might not give */

static int stale_reply(redisContext *c, redisReply *r, char *err,
		               size_t errlen)
{
    char    where[CM_REDIS_WHERESZ];
    char    show[CM_STORE_SHOWSZ];

    cm_redis_err(err, errlen, "redis %s: %s",
		 cm_redis_context_where(where, sizeof(where), c),
		 cm_redis_reply_show(show, sizeof(show), r));
    freeReplyObject(r);
    return (CM_EX_STALE);
}

/* command_exchange - send one command, keep its reply */

static int command_exchange(redisContext *c, void *arg,
			            char *err, size_t errlen)
{
    struct command *cmd = arg;

    if ((cmd->reply = redisCommandArgv(c, cmd->argc, cmd->argv,
				       cmd->lens)) == 0)
	return (cm_redis_pool_error(c, errno, err, errlen));
    if (cm_redis_reply_stale(cmd->reply)) {
	(void) stale_reply(c, cmd->reply, err, errlen);
	cmd->reply = 0;
	return (CM_EX_STALE);
    }
    return (CM_EX_OK);
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
    int     status = CM_EX_OK;

    (void) arg;
    if ((r = redisCommandArgv(c, 1, argv, lens)) == 0)
	return (cm_redis_pool_error(c, errno, err, errlen));
    if (cm_redis_reply_stale(r))
	return (stale_reply(c, r, err, errlen));
    if (r->type != REDIS_REPLY_STATUS || !cm_redis_reply_is(r, "PONG")) {
	cm_redis_err(err, errlen, "redis %s: PING: %s",
		     cm_redis_context_where(where, sizeof(where), c),
		     cm_redis_reply_show(show, sizeof(show), r));
	status = CM_EX_FAIL;
    }
    freeReplyObject(r);
    return (status);
}

 /*
  * The commands of a fetch have numbered positions: 0 is the campaign
  * record, 1 + 2i and 2 + 2i are recipient i's suppress and consent keys.
  * fetch_next() skips the positions that are not sent.
  */
struct fetch_req {
    const cm_store *st;
    const char *campaign_id;		/* or NULL: camp is input */
    cm_campaign *camp;
    cm_rcpt_lookup *rcpts;
    size_t  count;
    size_t  end;			/* 1 + 2 * count */
    int     fill;			/* campaign known: fill in facts */
};

/* fetch_next - the first position at or after pos that is sent */

static size_t fetch_next(const struct fetch_req *req, size_t pos)
{
    if (pos == 0 && req->campaign_id == 0)
	pos = 1;
    while (pos > 0 && pos < req->end
	   && !req->rcpts[(pos - 1) / 2].facts.addr_ok)
	pos++;
    return (pos);
}

/* fetch_key - the key of the command at a position */

static int fetch_key(const cm_store *st, const struct fetch_req *req,
		             size_t pos, keybuf *kb)
{
    if (pos == 0)
	return (key_build(st, kb, "campaign:", req->campaign_id));
    return (key_build(st, kb, pos % 2 ? "suppress:" : "consent:",
		      req->rcpts[(pos - 1) / 2].id));
}

/* put_len - "<c><decimal len>\r\n" */

static char *put_len(char *out, char c, size_t len)
{
    *out++ = c;
    out += cm_uint_digits(out, len);
    *out++ = '\r';
    *out++ = '\n';
    return (out);
}

/* fetch_append_one - append the command at a position */

static int fetch_append_one(redisContext *c, const struct fetch_req *req,
			            size_t pos, keybuf *kb, char *err,
			            size_t errlen)
{
    const char *verb = pos % 2 ? "GET" : "HGETALL";
    size_t  verb_len = strlen(verb);
    char    cmd[CM_STORE_CMDSZ];
    char   *cp = cmd;
    const char *argv[2];
    size_t  lens[2];

    if (fetch_key(req->st, req, pos, kb) < 0) {
	cm_redis_err(err, errlen, "redis: out of memory");
	return (CM_EX_BROKEN);
    }

    /*
     * Every message sends a few of these, and hiredis formats argument
     * vectors with its own printf: the two-argument command is framed
     * here instead, lengths first, exactly as redisFormatCommandArgv()
     * would (binary safe; no byte of the key is interpreted). A key too
     * long for the buffer takes the general way.
     */
    if (kb->len + verb_len + 64 > sizeof(cmd)) {
	argv[0] = verb;
	lens[0] = verb_len;
	argv[1] = kb->data;
	lens[1] = kb->len;
	if (redisAppendCommandArgv(c, 2, argv, lens) != REDIS_OK)
	    return (cm_redis_pool_error(c, errno, err, errlen));
	return (CM_EX_OK);
    }
    cp = put_len(cp, '*', 2);
    cp = put_len(cp, '$', verb_len);
    memcpy(cp, verb, verb_len);
    cp += verb_len;
    *cp++ = '\r';
    *cp++ = '\n';
    cp = put_len(cp, '$', kb->len);
    memcpy(cp, kb->data, kb->len);
    cp += kb->len;
    *cp++ = '\r';
    *cp++ = '\n';
    if (redisAppendFormattedCommand(c, cmd, (size_t) (cp - cmd)) != REDIS_OK)
	return (cm_redis_pool_error(c, errno, err, errlen));
    return (CM_EX_OK);
}

/* fetch_reset - empty the outputs; free what an earlier try set */

static void fetch_reset(struct fetch_req *req, int free_old)
{
    cm_rcpt_facts *f;
    size_t  i;
    int     addr_ok;

    if (req->campaign_id) {
	if (free_old)
	    free(req->camp->senders);
	memset(req->camp, 0, sizeof(*req->camp));
    }
    for (i = 0; i < req->count; i++) {
	f = &req->rcpts[i].facts;
	if (free_old) {
	    free(f->suppressed_reason);
	    free(f->consent_src);
	}
	addr_ok = f->addr_ok;
	memset(f, 0, sizeof(*f));
	f->addr_ok = addr_ok;
	f->consent = CM_CONSENT_NONE;
    }
    req->fill = (req->campaign_id == 0);
}

/* campaign_parse - HGETALL Pcampaign:<id> into a campaign record */

static int campaign_parse(struct fetch_req *req, const redisReply *r,
			          const keybuf *kb, char *err, size_t errlen)
{
    char    why[CM_STORE_ERRSZ];

    if (cm_record_campaign(r, req->camp, why, sizeof(why)) < 0)
	return (key_error(kb, err, errlen, "%s", why));
    req->fill = req->camp->found;
    return (CM_EX_OK);
}

/* fetch_reply - take in the reply to the command at a position */

static int fetch_reply(struct fetch_req *req, size_t pos,
		               const redisReply *r, keybuf *kb,
		               char *err, size_t errlen)
{
    cm_rcpt_facts *f = 0;
    char    show[CM_STORE_SHOWSZ];

    if (pos > 0 && !req->fill)			/* unknown campaign */
	return (CM_EX_OK);
    if (pos > 0)
	f = &req->rcpts[(pos - 1) / 2].facts;
    /* A key of the wrong type spoils one recipient, not the message. */
    if (f && r->type == REDIS_REPLY_ERROR
	&& r->len >= 9 && memcmp(r->str, "WRONGTYPE", 9) == 0) {
	f->store_error = 1;
	return (CM_EX_OK);
    }
    if (pos == 0 || r->type == REDIS_REPLY_ERROR) {
	if (fetch_key(req->st, req, pos, kb) < 0) {
	    cm_redis_err(err, errlen, "redis: out of memory");
	    return (CM_EX_FAIL);
	}
	if (pos == 0)
	    return (campaign_parse(req, r, kb, err, errlen));
	/* Other errors (LOADING, NOAUTH...) concern every key. */
	return (key_error(kb, err, errlen, "%s",
			  cm_redis_reply_show(show, sizeof(show), r)));
    }
    if (pos % 2)
	cm_record_suppress(r, f);
    else
	cm_record_consent(r, req->camp->purpose, f);
    return (CM_EX_OK);
}

/* fetch_take - read and take in the reply at a position; -1: I/O error */

static int fetch_take(redisContext *c, struct fetch_req *req, size_t pos,
		              keybuf *kb, int *status, int *stale, char *err,
		              size_t errlen)
{
    void   *reply;

    if (redisGetReply(c, &reply) != REDIS_OK) {
	*status = cm_redis_pool_error(c, errno, err, errlen);
	return (-1);
    }
    /* After an error, read on: the connection stays in step. */
    if (fetch_reply(req, pos, reply, kb, *status == CM_EX_OK ? err : 0,
		    errlen) != CM_EX_OK)
	*status = CM_EX_FAIL;
    *stale |= cm_redis_reply_stale(reply);
    freeReplyObject(reply);
    return (0);
}

/* fetch_exchange - send the commands of a fetch, read the replies */

static int fetch_exchange(redisContext *c, void *arg,
			          char *err, size_t errlen)
{
    struct fetch_req *req = arg;
    keybuf  kb = {0, 0, 0};
    size_t  wpos, rpos, batch, in_flight = 0;
    int     status = CM_EX_OK;
    int     stale = 0;
    int     done;

    /* This may be a repeat on a new connection: start clean. */
    fetch_reset(req, 1);
    wpos = rpos = fetch_next(req, 0);

    /*
     * Write the commands in chunks, and read the replies to a chunk after
     * the next one is written. Redis never waits for us, so this is one
     * round trip, yet neither side buffers more than two chunks.
     */
    while (rpos < req->end) {
	for (batch = 0; wpos < req->end && batch < CM_STORE_CHUNK; batch++) {
	    /* A failure leaves commands half sent: the context goes. */
	    if ((status = fetch_append_one(c, req, wpos, &kb, err,
					   errlen)) != CM_EX_OK)
		goto out;
	    wpos = fetch_next(req, wpos + 1);
	}
	in_flight += batch;
	do {
	    if (redisBufferWrite(c, &done) != REDIS_OK) {
		status = cm_redis_pool_error(c, errno, err, errlen);
		goto out;
	    }
	} while (!done);
	while (in_flight > (wpos < req->end ? batch : 0)) {
	    if (fetch_take(c, req, rpos, &kb, &status, &stale, err,
			   errlen) < 0)
		goto out;
	    rpos = fetch_next(req, rpos + 1);
	    in_flight--;
	}
    }

    /* LOADING, MASTERDOWN...: the next connection may do better. */
    if (status == CM_EX_FAIL && stale)
	status = CM_EX_STALE;

out:
    free(kb.data);
    if (status != CM_EX_OK)
	fetch_reset(req, 1);
    return (status);
}

/* fetch_append - queue the commands of a small fetch (redisbatch(3)) */

static int fetch_append(redisContext *c, void *arg, char *err,
			        size_t errlen)
{
    struct fetch_req *req = arg;
    keybuf  kb = {0, 0, 0};
    size_t  pos;
    int     status = CM_EX_OK;

    /* This may be a repeat on a new connection: start clean. */
    fetch_reset(req, 1);
    for (pos = fetch_next(req, 0); pos < req->end; pos = fetch_next(req, pos + 1))
	if ((status = fetch_append_one(c, req, pos, &kb, err,
				       errlen)) != CM_EX_OK)
	    break;
    free(kb.data);
    return (status);
}

/* fetch_read - read the replies to fetch_append()'s commands */

static int fetch_read(redisContext *c, void *arg, char *err, size_t errlen)
{
    struct fetch_req *req = arg;
    keybuf  kb = {0, 0, 0};
    size_t  pos;
    int     status = CM_EX_OK;
    int     stale = 0;

    for (pos = fetch_next(req, 0); pos < req->end; pos = fetch_next(req, pos + 1))
	if (fetch_take(c, req, pos, &kb, &status, &stale, err, errlen) < 0)
	    break;
    free(kb.data);
    if (status == CM_EX_FAIL && stale)
	status = CM_EX_STALE;
    return (status);
}

/* cm_store_create_flags - set up the connection pool; connect later */

cm_store *cm_store_create_flags(const cm_config *cfg, int flags,
				        char *err, size_t errlen)
{
    cm_store *st;

    if ((st = calloc(1, sizeof(*st))) == 0
	|| (st->prefix = strdup(cfg->key_prefix ? cfg->key_prefix
				: "cm:")) == 0
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
    if (key_build(st, &kb, "sender:", sender) < 0) {
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

/* cm_store_fetch - campaign record and recipient facts, one round trip */

int     cm_store_fetch(cm_store *st, const char *campaign_id,
		               cm_campaign *camp, cm_rcpt_lookup *rcpts,
		               size_t count, char *err, size_t errlen)
{
    struct fetch_req req = {st, campaign_id, camp, rcpts, count,
    1 + 2 * count, 0};
    long long since = 0;
    int     status;

    fetch_reset(&req, 0);
    /* Without a campaign lookup, the caller's purpose names the field. */
    if (campaign_id == 0 && !cm_purpose_valid(camp->purpose)) {
	cm_redis_err(err, errlen, "redis: fetch without a valid purpose");
	return (-1);
    }

    /*
     * A campaign record known from the last second: look up only the
     * recipients, with the record as input. Not while there is a sign
     * that Redis went away: then the daemon finds out at once, as it
     * would without a cache.
     */
    if (campaign_id != 0 && st->cache != 0) {
	if (cm_redis_pool_healthy(st->pool)
	    && cm_cache_get_campaign(st->cache, campaign_id, camp)) {
	    req.campaign_id = 0;
	    req.fill = 1;
	    if (fetch_next(&req, 0) >= req.end)
		return (0);
	    if ((status = fetch_run(st, &req, err, errlen)) != 0)
		cm_campaign_clear(camp);	/* outputs own no memory */
	    return (status);
	}
	since = cm_cache_now();
    }
    if (fetch_next(&req, 0) >= req.end)		/* nothing to look up */
	return (0);
    status = fetch_run(st, &req, err, errlen);

    /*
     * Only active campaigns: a resumed or newly registered campaign
     * must work at once; pausing or closing one may take a second.
     */
    if (status == 0 && campaign_id != 0 && st->cache != 0
	&& camp->found && camp->status == CM_STATUS_ACTIVE)
	cm_cache_put_campaign(st->cache, campaign_id, camp, since);
    return (status);
}
