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
/*	redisconn(3), connect, AUTH and Sentinel.
/*--*/

/* System library. */

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */

#include <hiredis/hiredis.h>

/* Application-specific. */

#include "campaign.h"
#include "redisconn.h"
#include "redispool.h"
#include "store.h"

#define CM_STORE_CHUNK		1000	/* commands per write */
#define CM_STORE_ERRSZ		512	/* internal message buffers */
#define CM_STORE_SHOWSZ		CM_REDIS_SHOWSZ	/* escaped key or value */

struct cm_store {
    char   *prefix;			/* KeyPrefix */
    size_t  prefix_len;
    cm_redis_pool *pool;		/* connections */
};

/* A growing buffer for keys. */
typedef struct keybuf {
    char   *data;
    size_t  len;
    size_t  size;
} keybuf;

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

/* reply_is - compare a string reply with a literal */

static int reply_is(const redisReply *r, const char *lit)
{
    return (r->len == strlen(lit) && memcmp(r->str, lit, r->len) == 0);
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
    if (r->type != REDIS_REPLY_STATUS || !reply_is(r, "PONG")) {
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

/* bad_field - a missing or bad field of a campaign record */

static int bad_field(const keybuf *kb, char *err, size_t errlen,
		             const char *field, const redisReply *value)
{
    char    show[CM_STORE_SHOWSZ];

    if (value == 0)
	return (key_error(kb, err, errlen, "field \"%s\" is missing", field));
    cm_redis_escape(show, sizeof(show), value->str, value->len);
    return (key_error(kb, err, errlen, "field \"%s\" has bad value \"%s\"",
		      field, show));
}

/* campaign_parse - HGETALL Pcampaign:<id> into a campaign record */

static int campaign_parse(struct fetch_req *req, const redisReply *r,
			          const keybuf *kb, char *err, size_t errlen)
{
    static const char *names[] = {
	"purpose", "basis", "status", "max_age_days", "senders",
    };
    const redisReply *field[sizeof(names) / sizeof(names[0])] = {0};
    const redisReply *v;
    cm_campaign *camp = req->camp;
    char    show[CM_STORE_SHOWSZ];
    long long days;
    size_t  i, n;

    if (r->type != REDIS_REPLY_ARRAY || r->elements % 2)
	return (key_error(kb, err, errlen, "%s",
			  cm_redis_reply_show(show, sizeof(show), r)));
    if (r->elements == 0)			/* Redis has no empty hashes */
	return (CM_EX_OK);
    for (i = 0; i < r->elements; i += 2) {
	if (r->element[i]->type != REDIS_REPLY_STRING
	    || r->element[i + 1]->type != REDIS_REPLY_STRING)
	    return (key_error(kb, err, errlen, "unexpected reply"));
	for (n = 0; n < sizeof(names) / sizeof(names[0]); n++)
	    if (reply_is(r->element[i], names[n]))
		field[n] = r->element[i + 1];
	/* Others (owner, created_at...) are not needed here. */
    }

    /* Check the length first: cm_purpose_valid() stops at a null byte. */
    if ((v = field[0]) == 0 || v->len > CM_PURPOSE_MAX
	|| strlen(v->str) != v->len || !cm_purpose_valid(v->str))
	return (bad_field(kb, err, errlen, names[0], v));
    memcpy(camp->purpose, v->str, v->len + 1);

    if ((v = field[1]) == 0 || reply_is(v, "consent"))
	camp->basis = CM_BASIS_CONSENT;
    else if (reply_is(v, "service"))
	camp->basis = CM_BASIS_SERVICE;
    else
	return (bad_field(kb, err, errlen, names[1], v));

    if ((v = field[2]) == 0 || reply_is(v, "active"))
	camp->status = CM_STATUS_ACTIVE;
    else if (reply_is(v, "paused"))
	camp->status = CM_STATUS_PAUSED;
    else if (reply_is(v, "closed"))
	camp->status = CM_STATUS_CLOSED;
    else
	return (bad_field(kb, err, errlen, names[2], v));

    /* Bounded, so that days * 86400 cannot overflow anywhere. */
    if ((v = field[3]) != 0 && parse_uint(v->str, v->len, INT_MAX, &days) < 0)
	return (bad_field(kb, err, errlen, names[3], v));
    camp->max_age_days = v ? (long) days : 0;

    /* A null byte would silently shorten the list of who may send. */
    if ((v = field[4]) != 0 && strlen(v->str) != v->len)
	return (bad_field(kb, err, errlen, names[4], v));
    if (v && (camp->senders = strndup(v->str, v->len)) == 0)
	return (key_error(kb, err, errlen, "out of memory"));
    camp->found = req->fill = 1;
    return (CM_EX_OK);
}

/* suppress_parse - GET Psuppress:<id>, "<time> <reason>" */

static void suppress_parse(const redisReply *r, cm_rcpt_facts *f)
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
	if (time_len + 1 < r->len && (f->suppressed_reason =
		strndup(space + 1, r->len - time_len - 1)) == 0)
	    f->store_error = 1;
    } else if (r->len > 0) {
	/* No usable time: the whole value is the best reason we have. */
	if ((f->suppressed_reason = strndup(r->str, r->len)) == 0)
	    f->store_error = 1;
    }
}

/* consent_parse - HGETALL Pconsent:<id>, for one purpose */

static void consent_parse(const redisReply *r, const char *purpose,
			          cm_rcpt_facts *f)
{
    size_t  plen = strlen(purpose);
    const redisReply *name, *value;
    long long at;
    size_t  i;

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
	if (name->len < plen || memcmp(name->str, purpose, plen) != 0)
	    continue;
	if (name->len == plen) {
	    if (reply_is(value, "granted"))
		f->consent = CM_CONSENT_GRANTED;
	    else if (reply_is(value, "withdrawn"))
		f->consent = CM_CONSENT_WITHDRAWN;
	    else			/* unknown must not read as "none" */
		f->store_error = 1;
	} else if (name->len == plen + 3
		   && memcmp(name->str + plen, ":at", 3) == 0) {
	    if (parse_uint(value->str, value->len, LLONG_MAX, &at) == 0)
		f->consent_at = at;
	} else if (name->len == plen + 4
		   && memcmp(name->str + plen, ":src", 4) == 0) {
	    if ((f->consent_src = strndup(value->str, value->len)) == 0)
		f->store_error = 1;
	}
    }
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
	suppress_parse(r, f);
    else
	consent_parse(r, req->camp->purpose, f);
    return (CM_EX_OK);
}

/* fetch_exchange - send the commands of a fetch, read the replies */

static int fetch_exchange(redisContext *c, void *arg,
			          char *err, size_t errlen)
{
    struct fetch_req *req = arg;
    keybuf  kb = {0, 0, 0};
    const char *argv[2];
    size_t  lens[2];
    size_t  wpos, rpos, batch, in_flight = 0;
    void   *reply;
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
	    if (fetch_key(req->st, req, wpos, &kb) < 0) {
		cm_redis_err(err, errlen, "redis: out of memory");
		status = CM_EX_BROKEN;		/* commands half sent */
		goto out;
	    }
	    argv[0] = wpos % 2 ? "GET" : "HGETALL";
	    lens[0] = strlen(argv[0]);
	    argv[1] = kb.data;
	    lens[1] = kb.len;
	    if (redisAppendCommandArgv(c, 2, argv, lens) != REDIS_OK) {
		status = cm_redis_pool_error(c, errno, err, errlen);
		goto out;
	    }
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
	    if (redisGetReply(c, &reply) != REDIS_OK) {
		status = cm_redis_pool_error(c, errno, err, errlen);
		goto out;
	    }
	    /* After an error, read on: the connection stays in step. */
	    if (fetch_reply(req, rpos, reply, &kb,
			    status == CM_EX_OK ? err : 0, errlen) != CM_EX_OK)
		status = CM_EX_FAIL;
	    stale |= cm_redis_reply_stale(reply);
	    freeReplyObject(reply);
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

/* cm_store_create - set up the connection pool; connect later */

cm_store *cm_store_create(const cm_config *cfg, char *err, size_t errlen)
{
    cm_store *st;

    if ((st = calloc(1, sizeof(*st))) == 0
	|| (st->prefix = strdup(cfg->key_prefix ? cfg->key_prefix
				: "cm:")) == 0) {
	free(st);
	cm_redis_err(err, errlen, "redis: out of memory");
	return (0);
    }
    st->prefix_len = strlen(st->prefix);
    if ((st->pool = cm_redis_pool_create(cfg, err, errlen)) == 0) {
	free(st->prefix);
	free(st);
	return (0);
    }
    return (st);
}

/* cm_store_destroy - close all connections, free the handle */

void    cm_store_destroy(cm_store *st)
{
    if (st == 0)
	return;
    cm_redis_pool_destroy(st->pool);
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
    int     status = -1;

    *found = 0;
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
    }
    freeReplyObject(r);
    free(kb.data);
    return (status);
}

/* cm_store_fetch - campaign record and recipient facts, one round trip */

int     cm_store_fetch(cm_store *st, const char *campaign_id,
		               cm_campaign *camp, cm_rcpt_lookup *rcpts,
		               size_t count, char *err, size_t errlen)
{
    struct fetch_req req = {st, campaign_id, camp, rcpts, count,
    1 + 2 * count, 0};

    fetch_reset(&req, 0);
    /* Without a campaign lookup, the caller's purpose names the field. */
    if (campaign_id == 0 && !cm_purpose_valid(camp->purpose)) {
	cm_redis_err(err, errlen, "redis: fetch without a valid purpose");
	return (-1);
    }
    if (fetch_next(&req, 0) >= req.end)		/* nothing to look up */
	return (0);
    return (cm_redis_pool_run(st->pool, fetch_exchange, &req, err, errlen));
}
