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
/*	int	cm_store_fetch(st, campaign_id, camp, rcpts, count, err, errlen)
/*	cm_store *st;
/*	const char *campaign_id;
/*	cm_campaign *camp;
/*	cm_rcpt_lookup *rcpts;
/*	size_t	count;
/*	char	*err;
/*	size_t	errlen;
/* DESCRIPTION
/*	This module reads the records of DESIGN.md section 3 from Redis.
/*	It never writes: consentctl and the integrations do that.
/*
/*	cm_store_create() copies what it needs from cfg (Redis address,
/*	RedisTimeout, RedisConnections, KeyPrefix) and reads
/*	RedisPasswordFile, if set. Its first line is "password", or
/*	"user password" for a Redis ACL user. No connection is made yet:
/*	connections are opened when a thread first needs one, so that the
/*	daemon can start while Redis is down.
/*
/*	A handle may be shared by any number of threads. It keeps a pool
/*	of at most RedisConnections hiredis contexts; a call borrows one
/*	for its duration, and waits while all are in use. A context that
/*	saw an I/O error, a protocol error or a timeout is freed instead
/*	of being returned: a reply may still be on its way, and the next
/*	caller would read it as the answer to its own command. After a
/*	failed connect, further connects fail at once for 200 ms, so
/*	that while Redis is down a message costs one quick error instead
/*	of a connect timeout. A pooled connection that turns out to be
/*	dead (Redis was restarted) is replaced and the call repeated
/*	once; all commands here are reads, so that is harmless.
/*
/*	Every command is sent as an argument vector with lengths: keys
/*	and values may contain any byte, and no command is ever formatted
/*	from data.
/*
/*	cm_store_ping() sends PING (for "consent-milter -n").
/*
/*	cm_store_sender_campaign() reads Psender:<sender>: it stores the
/*	campaign id in campaign (size bytes, including the null) and sets
/*	*found, or clears *found when there is no such key.
/*
/*	cm_store_fetch() reads, in one round trip, the campaign record
/*	Pcampaign:<campaign_id> into *camp and, for each recipient whose
/*	facts.addr_ok is set, Psuppress:<id> and Pconsent:<id>, into the
/*	recipient's facts (for the campaign purpose). With a null
/*	campaign_id, *camp is input: the caller filled it, and its purpose
/*	is used. Otherwise *camp is overwritten; when the campaign is not
/*	found, camp->found is 0 and the recipient facts are left empty.
/*	Output fields are overwritten without being freed: pass cleared
/*	structures (cm_campaign_clear(), cm_rcpt_facts_clear()), and clear
/*	them after use. A campaign record with a missing or bad field is
/*	an error for the whole call. A recipient whose records cannot be
/*	used (a key of the wrong type, an unknown consent state) gets
/*	facts.store_error, and the call still succeeds.
/*
/*	cm_store_destroy() closes the connections and frees the handle.
/*	No call may be in progress.
/* DIAGNOSTICS
/*	cm_store_create() returns a null pointer, and the other functions
/*	return -1, with a one-line reason in err: "redis unix:/path:
/*	connection refused", "redis 127.0.0.1:6379: timeout", "redis
/*	unix:/path: AUTH failed: WRONGPASS ...", or a key followed by what
/*	is wrong with it. Bytes outside printable ASCII in keys and values,
/*	and the characters " and \e, are shown as \exNN. On error, outputs
/*	hold nothing that needs freeing.
/*
/*	A write to a connection that Redis closed would raise SIGPIPE;
/*	the calls block that signal in the calling thread while they run
/*	and discard one that they caused, so callers need not ignore it.
/* SEE ALSO
/*	DESIGN.md section 3, the key layout (a contract).
/*--*/

/* System library. */

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

/* Utility library. */

#include <hiredis/hiredis.h>

/* Application-specific. */

#include "campaign.h"
#include "store.h"

#define CM_STORE_RETRY_MS	200	/* no connect this long after a failure */
#define CM_STORE_CHUNK		1000	/* commands per write while pipelining */
#define CM_STORE_ERRSZ		512	/* internal message buffers */
#define CM_STORE_SHOWSZ		200	/* an escaped key or value in a message */
#define CM_STORE_PASSMAX	1024	/* longest password file line */

 /*
  * Outcome of one exchange with Redis. Only EX_OK and EX_FAIL leave the
  * context in step with the server.
  */
#define EX_OK		0		/* done */
#define EX_FAIL		(-1)		/* failed, context still usable */
#define EX_BROKEN	(-2)		/* I/O or protocol error: drop context */
#define EX_TIMEOUT	(-3)		/* timed out: drop context, no retry */

struct cm_store {
    char   *prefix;			/* KeyPrefix */
    size_t  prefix_len;
    char   *host;			/* TCP host, or NULL */
    int     port;
    char   *path;			/* unix socket, or NULL */
    char   *where;			/* for messages: escaped address */
    struct timeval timeout;		/* connect and per command */
    char   *user;			/* ACL user, or NULL */
    char   *password;			/* or NULL: no AUTH */
    pthread_mutex_t lock;		/* protects the fields below */
    pthread_cond_t freed;		/* a context became available */
    redisContext **idle;		/* connected, unused contexts */
    int     idle_count;
    int     available;			/* contexts that may be borrowed */
    struct timespec retry_at;		/* no connect attempt before this */
    char    down_err[CM_STORE_ERRSZ];	/* why the last connect failed */
};

/* A growing buffer for keys, reused for every command of a call. */
typedef struct keybuf {
    char   *data;
    size_t  len;
    size_t  size;
} keybuf;

/* One exchange with Redis: see store_run(). */
typedef int (*exchange_fn) (cm_store *, redisContext *, void *,
			            char *, size_t);

/* set_err - format a message, if the caller wants one */

static void __attribute__((format(printf, 3, 4)))
set_err(char *err, size_t errlen, const char *fmt,...)
{
    va_list ap;

    if (err == 0 || errlen == 0)
	return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* escape - render bytes for a message: \xNN outside printable ASCII */

static const char *escape(char *buf, size_t bufsz, const char *data,
			          size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t  in;
    size_t  out = 0;
    unsigned char c;

    for (in = 0; in < len; in++) {
	if (out + 4 + 3 + 1 > bufsz) {
	    memcpy(buf + out, "...", 3);
	    out += 3;
	    break;
	}
	c = (unsigned char) data[in];
	if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
	    buf[out++] = c;
	} else {
	    buf[out++] = '\\';
	    buf[out++] = 'x';
	    buf[out++] = hex[c >> 4];
	    buf[out++] = hex[c & 15];
	}
    }
    buf[out] = 0;
    return (buf);
}

/* parse_uint - strict decimal number, no sign, no blanks */

static int parse_uint(const char *s, size_t len, long long max,
		              long long *out)
{
    long long val = 0;
    size_t  n;

    if (len == 0)
	return (-1);
    for (n = 0; n < len; n++) {
	if (s[n] < '0' || s[n] > '9' || val > (max - (s[n] - '0')) / 10)
	    return (-1);
	val = val * 10 + (s[n] - '0');
    }
    *out = val;
    return (0);
}

/* memdup_str - copy counted bytes to a null-terminated string */

static char *memdup_str(const char *data, size_t len)
{
    char   *s;

    if ((s = malloc(len + 1)) != 0) {
	memcpy(s, data, len);
	s[len] = 0;
    }
    return (s);
}

/* key_build - compose prefix, part and name, e.g. "cm:" "consent:" id */

static int key_build(const cm_store *st, keybuf *kb, const char *part,
		             const char *name, size_t name_len)
{
    size_t  part_len = strlen(part);
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
    memcpy(kb->data + st->prefix_len + part_len, name, name_len);
    kb->len = need - 1;
    kb->data[kb->len] = 0;
    return (0);
}

/* reply_is - compare a string reply with a literal */

static int reply_is(const redisReply *r, const char *lit)
{
    return (r->len == strlen(lit) && memcmp(r->str, lit, r->len) == 0);
}

/* context_error - describe a failed context; tell timeouts apart */

static int context_error(const cm_store *st, const redisContext *c,
			         int saved_errno, char *err, size_t errlen)
{
    char    show[CM_STORE_SHOWSZ];

    if (c == 0) {
	set_err(err, errlen, "redis %s: out of memory", st->where);
	return (EX_BROKEN);
    }

    /*
     * hiredis reports an expired SO_RCVTIMEO/SO_SNDTIMEO as an I/O error
     * with errno EAGAIN, and a connect timeout as ETIMEDOUT.
     */
    if (c->err == REDIS_ERR_IO
	&& (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK
	    || saved_errno == ETIMEDOUT || saved_errno == EINPROGRESS)) {
	set_err(err, errlen, "redis %s: timeout", st->where);
	return (EX_TIMEOUT);
    }
    escape(show, sizeof(show), c->errstr, strlen(c->errstr));
    /* "Connection refused" reads better as "connection refused". */
    if (show[0] >= 'A' && show[0] <= 'Z' && show[1] >= 'a' && show[1] <= 'z')
	show[0] += 'a' - 'A';
    set_err(err, errlen, "redis %s: %s", st->where, show[0] ? show : "error");
    return (EX_BROKEN);
}

/* key_error - a message about one key */

static int __attribute__((format(printf, 5, 6)))
key_error(const keybuf *kb, int status, char *err, size_t errlen,
	          const char *fmt,...)
{
    char    show[CM_STORE_SHOWSZ];
    char    what[CM_STORE_ERRSZ];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    set_err(err, errlen, "%s: %s",
	    escape(show, sizeof(show), kb->data, kb->len), what);
    return (status);
}

/* reply_error - a message for an unwanted reply to a command on a key */

static int reply_error(const keybuf *kb, const redisReply *r,
		               char *err, size_t errlen)
{
    char    show[CM_STORE_SHOWSZ];

    if (r->type == REDIS_REPLY_ERROR)
	return (key_error(kb, EX_FAIL, err, errlen, "%s",
			  escape(show, sizeof(show), r->str, r->len)));
    return (key_error(kb, EX_FAIL, err, errlen,
		      "unexpected reply type %d", r->type));
}

/* now_mono - monotonic clock, for the connect back-off */

static struct timespec now_mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (ts);
}

/* store_connect - open and prepare one context, or fail fast */

static redisContext *store_connect(cm_store *st, char *err, size_t errlen)
{
    struct timespec now = now_mono();
    redisContext *c;
    redisReply *r;
    const char *argv[3];
    size_t  lens[3];
    int     argc = 0;
    int     saved_errno;
    char    why[CM_STORE_ERRSZ];
    char    show[CM_STORE_SHOWSZ];

    pthread_mutex_lock(&st->lock);
    if (now.tv_sec < st->retry_at.tv_sec
	|| (now.tv_sec == st->retry_at.tv_sec
	    && now.tv_nsec < st->retry_at.tv_nsec)) {
	set_err(err, errlen, "%s (not retried within %d ms of a failure)",
		st->down_err, CM_STORE_RETRY_MS);
	pthread_mutex_unlock(&st->lock);
	return (0);
    }
    pthread_mutex_unlock(&st->lock);

    if (st->path)
	c = redisConnectUnixWithTimeout(st->path, st->timeout);
    else
	c = redisConnectWithTimeout(st->host, st->port, st->timeout);
    saved_errno = errno;
    if (c == 0 || c->err) {
	context_error(st, c, saved_errno, why, sizeof(why));
	goto fail;
    }
    /* The connect timeout does not cover commands: set that separately. */
    if (redisSetTimeout(c, st->timeout) != REDIS_OK) {
	context_error(st, c, errno, why, sizeof(why));
	goto fail;
    }
    if (st->password) {
	argv[argc] = "AUTH";
	lens[argc++] = 4;
	if (st->user) {
	    argv[argc] = st->user;
	    lens[argc++] = strlen(st->user);
	}
	argv[argc] = st->password;
	lens[argc++] = strlen(st->password);
	r = redisCommandArgv(c, argc, argv, lens);
	saved_errno = errno;
	if (r == 0) {
	    context_error(st, c, saved_errno, why, sizeof(why));
	    goto fail;
	}
	if (r->type != REDIS_REPLY_STATUS) {
	    if (r->type == REDIS_REPLY_ERROR)
		escape(show, sizeof(show), r->str, r->len);
	    else
		snprintf(show, sizeof(show), "reply type %d", r->type);
	    snprintf(why, sizeof(why), "redis %s: AUTH failed: %s",
		     st->where, show);
	    freeReplyObject(r);
	    goto fail;
	}
	freeReplyObject(r);
    }
    pthread_mutex_lock(&st->lock);
    st->retry_at.tv_sec = st->retry_at.tv_nsec = 0;
    pthread_mutex_unlock(&st->lock);
    return (c);

fail:
    if (c)
	redisFree(c);
    now = now_mono();
    now.tv_nsec += CM_STORE_RETRY_MS * 1000000L;
    now.tv_sec += now.tv_nsec / 1000000000L;
    now.tv_nsec %= 1000000000L;
    pthread_mutex_lock(&st->lock);
    st->retry_at = now;
    snprintf(st->down_err, sizeof(st->down_err), "%s", why);
    pthread_mutex_unlock(&st->lock);
    set_err(err, errlen, "%s", why);
    return (0);
}

/* pool_give - return a context, or only its slot when it was dropped */

static void pool_give(cm_store *st, redisContext *c)
{
    pthread_mutex_lock(&st->lock);
    if (c)
	st->idle[st->idle_count++] = c;
    st->available++;
    pthread_cond_signal(&st->freed);
    pthread_mutex_unlock(&st->lock);
}

/* pool_take - borrow a context; connect a new one when none is idle */

static redisContext *pool_take(cm_store *st, int *reused,
			               char *err, size_t errlen)
{
    redisContext *c = 0;

    pthread_mutex_lock(&st->lock);
    while (st->available == 0)
	pthread_cond_wait(&st->freed, &st->lock);
    st->available--;
    if (st->idle_count > 0)
	c = st->idle[--st->idle_count];
    pthread_mutex_unlock(&st->lock);

    /* Connect outside the lock: other threads keep using the pool. */
    if ((*reused = (c != 0)) == 0 && (c = store_connect(st, err, errlen)) == 0)
	pool_give(st, 0);
    return (c);
}

/* store_run - run one exchange on a pooled context */

static int store_run(cm_store *st, exchange_fn fn, void *arg,
		             char *err, size_t errlen)
{
    redisContext *c;
    sigset_t pipe_set;
    sigset_t saved_mask;
    sigset_t pending;
    struct timespec zero = {0, 0};
    int     was_pending;
    int     reused;
    int     status = EX_FAIL;

    /*
     * Writing to a connection that Redis closed raises SIGPIPE, which
     * would kill the daemon. SIGPIPE from write() goes to the writing
     * thread, so block it here and discard one that we caused.
     */
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &saved_mask);
    sigpending(&pending);
    was_pending = sigismember(&pending, SIGPIPE);

    if ((c = pool_take(st, &reused, err, errlen)) != 0) {
	status = fn(st, c, arg, err, errlen);

	/*
	 * An idle pooled connection may have died under us (Redis was
	 * restarted). Repeat the call once on a fresh one, rather than
	 * failing one message for each stale context in the pool. Not
	 * after a timeout: that would double the wait.
	 */
	if (status == EX_BROKEN && reused) {
	    redisFree(c);
	    if ((c = store_connect(st, err, errlen)) != 0)
		status = fn(st, c, arg, err, errlen);
	    else
		status = EX_FAIL;
	}
	/* A dead or timed-out context may deliver a stale reply later. */
	if (c && (status == EX_BROKEN || status == EX_TIMEOUT)) {
	    redisFree(c);
	    c = 0;
	}
	pool_give(st, c);
    }

    if (!was_pending) {
	sigpending(&pending);
	if (sigismember(&pending, SIGPIPE))
	    while (sigtimedwait(&pipe_set, 0, &zero) < 0 && errno == EINTR)
		 /* void */ ;
    }
    pthread_sigmask(SIG_SETMASK, &saved_mask, 0);
    return (status == EX_OK ? 0 : -1);
}

/* ping_exchange - PING */

static int ping_exchange(cm_store *st, redisContext *c, void *arg,
			         char *err, size_t errlen)
{
    static const char *argv[] = {"PING"};
    static const size_t lens[] = {4};
    redisReply *r;
    char    show[CM_STORE_SHOWSZ];
    int     status = EX_OK;

    (void) arg;
    if ((r = redisCommandArgv(c, 1, argv, lens)) == 0)
	return (context_error(st, c, errno, err, errlen));
    if (r->type != REDIS_REPLY_STATUS || !reply_is(r, "PONG")) {
	if (r->type == REDIS_REPLY_ERROR || r->type == REDIS_REPLY_STATUS)
	    escape(show, sizeof(show), r->str, r->len);
	else
	    snprintf(show, sizeof(show), "reply type %d", r->type);
	set_err(err, errlen, "redis %s: PING: %s", st->where, show);
	status = EX_FAIL;
    }
    freeReplyObject(r);
    return (status);
}

struct sender_req {
    const char *sender;
    char   *campaign;
    size_t  size;
    int    *found;
};

/* sender_exchange - GET Psender:<sender> */

static int sender_exchange(cm_store *st, redisContext *c, void *arg,
			           char *err, size_t errlen)
{
    struct sender_req *req = arg;
    keybuf  kb = {0, 0, 0};
    const char *argv[2];
    size_t  lens[2];
    redisReply *r;
    int     status = EX_OK;

    *req->found = 0;
    if (key_build(st, &kb, "sender:", req->sender, strlen(req->sender)) < 0) {
	set_err(err, errlen, "redis: out of memory");
	return (EX_FAIL);
    }
    argv[0] = "GET";
    lens[0] = 3;
    argv[1] = kb.data;
    lens[1] = kb.len;
    if ((r = redisCommandArgv(c, 2, argv, lens)) == 0) {
	status = context_error(st, c, errno, err, errlen);
    } else if (r->type == REDIS_REPLY_STRING) {
	if (r->len >= req->size)
	    status = key_error(&kb, EX_FAIL, err, errlen,
			       "campaign id too long (%zu bytes)", r->len);
	else if (memchr(r->str, 0, r->len) != 0)
	    status = key_error(&kb, EX_FAIL, err, errlen,
			       "campaign id contains a null byte");
	else {
	    memcpy(req->campaign, r->str, r->len + 1);
	    *req->found = 1;
	}
    } else if (r->type != REDIS_REPLY_NIL) {
	status = reply_error(&kb, r, err, errlen);
    }
    if (r)
	freeReplyObject(r);
    free(kb.data);
    return (status);
}

 /*
  * A fetch is a list of commands at numbered positions: 0 is the campaign
  * record, 1 + 2i and 2 + 2i are recipient i's suppress and consent keys.
  * Positions that are not sent are skipped by fetch_next().
  */
struct fetch_req {
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
    while (pos > 0 && pos < req->end && !req->rcpts[(pos - 1) / 2].facts.addr_ok)
	pos++;
    return (pos);
}

/* fetch_key - the key of the command at a position */

static int fetch_key(const cm_store *st, const struct fetch_req *req,
		             size_t pos, keybuf *kb)
{
    const char *id;

    if (pos == 0)
	return (key_build(st, kb, "campaign:", req->campaign_id,
			  strlen(req->campaign_id)));
    id = req->rcpts[(pos - 1) / 2].id;
    return (key_build(st, kb, pos % 2 ? "suppress:" : "consent:",
		      id, strlen(id)));
}

/* fetch_reset - empty the outputs; free what an earlier attempt set */

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

/* bad_field - a message about one field of the campaign record */

static int bad_field(const keybuf *kb, char *err, size_t errlen,
		             const char *field, const redisReply *value)
{
    char    show[CM_STORE_SHOWSZ];

    if (value == 0)
	return (key_error(kb, EX_FAIL, err, errlen,
			  "field \"%s\" is missing", field));
    return (key_error(kb, EX_FAIL, err, errlen,
		      "field \"%s\" has bad value \"%s\"", field,
		      escape(show, sizeof(show), value->str, value->len)));
}

/* campaign_parse - HGETALL Pcampaign:<id> into a campaign record */

static int campaign_parse(struct fetch_req *req, const redisReply *r,
			          const keybuf *kb, char *err, size_t errlen)
{
    cm_campaign *camp = req->camp;
    const redisReply *purpose = 0, *basis = 0, *status = 0;
    const redisReply *max_age = 0, *senders = 0;
    const redisReply *name, *value;
    long long days;
    size_t  i;

    if (r->type != REDIS_REPLY_ARRAY || r->elements % 2)
	return (reply_error(kb, r, err, errlen));
    if (r->elements == 0)			/* Redis has no empty hashes */
	return (EX_OK);
    for (i = 0; i < r->elements; i += 2) {
	name = r->element[i];
	value = r->element[i + 1];
	if (name->type != REDIS_REPLY_STRING || value->type != REDIS_REPLY_STRING)
	    return (reply_error(kb, value, err, errlen));
	if (reply_is(name, "purpose"))
	    purpose = value;
	else if (reply_is(name, "basis"))
	    basis = value;
	else if (reply_is(name, "status"))
	    status = value;
	else if (reply_is(name, "max_age_days"))
	    max_age = value;
	else if (reply_is(name, "senders"))
	    senders = value;
	/* owner, created_at and anything newer are not needed here. */
    }

    /* Test the length first: cm_purpose_valid() stops at a null byte. */
    if (purpose == 0 || purpose->len > CM_PURPOSE_MAX
	|| strlen(purpose->str) != purpose->len
	|| !cm_purpose_valid(purpose->str))
	return (bad_field(kb, err, errlen, "purpose", purpose));
    memcpy(camp->purpose, purpose->str, purpose->len + 1);

    if (basis == 0 || reply_is(basis, "consent"))
	camp->basis = CM_BASIS_CONSENT;
    else if (reply_is(basis, "service"))
	camp->basis = CM_BASIS_SERVICE;
    else
	return (bad_field(kb, err, errlen, "basis", basis));

    if (status == 0 || reply_is(status, "active"))
	camp->status = CM_STATUS_ACTIVE;
    else if (reply_is(status, "paused"))
	camp->status = CM_STATUS_PAUSED;
    else if (reply_is(status, "closed"))
	camp->status = CM_STATUS_CLOSED;
    else
	return (bad_field(kb, err, errlen, "status", status));

    /* Bounded so that days * 86400 cannot overflow anywhere. */
    if (max_age && parse_uint(max_age->str, max_age->len, INT_MAX, &days) < 0)
	return (bad_field(kb, err, errlen, "max_age_days", max_age));
    camp->max_age_days = max_age ? (long) days : 0;

    if (senders) {
	/* A null byte would silently shorten the list of who may send. */
	if (strlen(senders->str) != senders->len)
	    return (bad_field(kb, err, errlen, "senders", senders));
	if ((camp->senders = memdup_str(senders->str, senders->len)) == 0)
	    return (key_error(kb, EX_FAIL, err, errlen, "out of memory"));
    }
    camp->found = 1;
    req->fill = 1;
    return (EX_OK);
}

/* suppress_parse - GET Psuppress:<id>: "<time> <reason>" */

static void suppress_parse(const redisReply *r, cm_rcpt_facts *f)
{
    const char *space;
    size_t  time_len;
    size_t  rest;
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
	rest = space ? r->len - time_len - 1 : 0;
	if (rest > 0 && (f->suppressed_reason = memdup_str(space + 1, rest)) == 0)
	    f->store_error = 1;
    } else if (r->len > 0) {
	/* No usable time: keep the whole value as the reason. */
	if ((f->suppressed_reason = memdup_str(r->str, r->len)) == 0)
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
	if (name->type != REDIS_REPLY_STRING || value->type != REDIS_REPLY_STRING) {
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
	    else
		/* A state we do not understand must not read as "none". */
		f->store_error = 1;
	} else if (name->len == plen + 3 && memcmp(name->str + plen, ":at", 3) == 0) {
	    if (parse_uint(value->str, value->len, LLONG_MAX, &at) == 0)
		f->consent_at = at;
	} else if (name->len == plen + 4 && memcmp(name->str + plen, ":src", 4) == 0) {
	    free(f->consent_src);
	    if ((f->consent_src = memdup_str(value->str, value->len)) == 0)
		f->store_error = 1;
	}
    }
}

/* fetch_reply - take in the reply to the command at a position */

static int fetch_reply(cm_store *st, struct fetch_req *req, size_t pos,
		               const redisReply *r, keybuf *kb,
		               char *err, size_t errlen)
{
    cm_rcpt_facts *f;

    if (pos > 0 && !req->fill)			/* unknown campaign */
	return (EX_OK);
    if (fetch_key(st, req, pos, kb) < 0) {
	set_err(err, errlen, "redis: out of memory");
	return (EX_FAIL);
    }
    if (pos == 0)
	return (campaign_parse(req, r, kb, err, errlen));

    f = &req->rcpts[(pos - 1) / 2].facts;
    if (r->type == REDIS_REPLY_ERROR) {
	/* One key of the wrong type spoils one recipient, not the message. */
	if (r->len >= 9 && memcmp(r->str, "WRONGTYPE", 9) == 0) {
	    f->store_error = 1;
	    return (EX_OK);
	}
	/* Anything else (LOADING, NOAUTH, OOM...) concerns every key. */
	return (reply_error(kb, r, err, errlen));
    }
    if (pos % 2)
	suppress_parse(r, f);
    else
	consent_parse(r, req->camp->purpose, f);
    return (EX_OK);
}

/* fetch_exchange - send every command of a fetch, then read the replies */

static int fetch_exchange(cm_store *st, redisContext *c, void *arg,
			          char *err, size_t errlen)
{
    struct fetch_req *req = arg;
    keybuf  kb = {0, 0, 0};
    const char *argv[2];
    size_t  lens[2];
    size_t  wpos, rpos;
    size_t  batch;
    size_t  in_flight = 0;
    void   *reply;
    int     status = EX_OK;
    int     done;

    /* This may be a repeat after a dead connection: start clean. */
    fetch_reset(req, 1);
    wpos = rpos = fetch_next(req, 0);

    /*
     * Write the commands in chunks, and read a chunk's replies only after
     * the next chunk is written: the server never waits for us, so this
     * costs one round trip, while neither our output buffer nor the
     * server's reply buffer grows with the number of recipients.
     */
    while (rpos < req->end) {
	for (batch = 0; wpos < req->end && batch < CM_STORE_CHUNK; batch++) {
	    argv[0] = wpos % 2 ? "GET" : "HGETALL";
	    lens[0] = strlen(argv[0]);
	    if (fetch_key(st, req, wpos, &kb) < 0) {
		set_err(err, errlen, "redis: out of memory");
		status = EX_BROKEN;		/* commands half appended */
		goto out;
	    }
	    argv[1] = kb.data;
	    lens[1] = kb.len;
	    if (redisAppendCommandArgv(c, 2, argv, lens) != REDIS_OK) {
		status = context_error(st, c, errno, err, errlen);
		goto out;
	    }
	    wpos = fetch_next(req, wpos + 1);
	}
	in_flight += batch;
	do {
	    if (redisBufferWrite(c, &done) != REDIS_OK) {
		status = context_error(st, c, errno, err, errlen);
		goto out;
	    }
	} while (!done);
	while (in_flight > (wpos < req->end ? batch : 0)) {
	    if (redisGetReply(c, &reply) != REDIS_OK) {
		status = context_error(st, c, errno, err, errlen);
		goto out;
	    }
	    /* After an error keep reading, so the connection stays in step. */
	    if (fetch_reply(st, req, rpos, reply, &kb,
			    status == EX_OK ? err : 0, errlen) != EX_OK)
		status = EX_FAIL;
	    freeReplyObject(reply);
	    rpos = fetch_next(req, rpos + 1);
	    in_flight--;
	}
    }

out:
    free(kb.data);
    if (status != EX_OK)
	fetch_reset(req, 1);
    return (status);
}

/* read_password - read RedisPasswordFile: "password" or "user password" */

static int read_password(cm_store *st, const char *path,
			         char *err, size_t errlen)
{
    char    line[CM_STORE_PASSMAX + 2];
    char    show[CM_STORE_SHOWSZ];
    char   *space;
    size_t  len;
    FILE   *fp;
    int     status = -1;

    escape(show, sizeof(show), path, strlen(path));
    if ((fp = fopen(path, "r")) == 0) {
	set_err(err, errlen, "%s: %s", show, strerror(errno));
	return (-1);
    }
    if (fgets(line, sizeof(line), fp) == 0) {
	set_err(err, errlen, "%s: %s", show,
		ferror(fp) ? strerror(errno) : "file is empty");
	goto out;
    }
    len = strlen(line);
    if (len > CM_STORE_PASSMAX) {
	set_err(err, errlen, "%s: first line is longer than %d bytes",
		show, CM_STORE_PASSMAX);
	goto out;
    }
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
	line[--len] = 0;
    space = strchr(line, ' ');
    if (len == 0 || space == line || (space && space[1] == 0)) {
	set_err(err, errlen, "%s: expected \"password\" or \"user password\""
		" on the first line", show);
	goto out;
    }
    if (space) {
	*space = 0;
	st->user = strdup(line);
	st->password = strdup(space + 1);
    } else {
	st->password = strdup(line);
    }
    if (st->password == 0 || (space && st->user == 0)) {
	set_err(err, errlen, "%s: out of memory", show);
	goto out;
    }
    status = 0;

out:
    /* Do not leave the secret lying around in freed stack or stdio memory. */
    explicit_bzero(line, sizeof(line));
    fclose(fp);
    return (status);
}

/* store_free - free a handle's memory */

static void store_free(cm_store *st)
{
    free(st->prefix);
    free(st->host);
    free(st->path);
    free(st->where);
    free(st->idle);
    if (st->password)
	explicit_bzero(st->password, strlen(st->password));
    free(st->password);
    free(st->user);
    free(st);
}

/* cm_store_create - set up a connection pool; connect later */

cm_store *cm_store_create(const cm_config *cfg, char *err, size_t errlen)
{
    cm_store *st;
    char    show[CM_STORE_SHOWSZ];
    size_t  size;
    int     ms;

    if ((st = calloc(1, sizeof(*st))) == 0) {
	set_err(err, errlen, "redis: out of memory");
	return (0);
    }
    st->prefix = strdup(cfg->key_prefix ? cfg->key_prefix : "cm:");
    if (cfg->redis_path) {
	st->path = strdup(cfg->redis_path);
	escape(show, sizeof(show), cfg->redis_path, strlen(cfg->redis_path));
	size = strlen(show) + sizeof("unix:");
	if ((st->where = malloc(size)) != 0)
	    snprintf(st->where, size, "unix:%s", show);
    } else {
	st->host = strdup(cfg->redis_host ? cfg->redis_host : "127.0.0.1");
	st->port = cfg->redis_port;
	escape(show, sizeof(show), st->host ? st->host : "", st->host ?
	       strlen(st->host) : 0);
	size = strlen(show) + sizeof("[]:65535");
	if ((st->where = malloc(size)) != 0)
	    snprintf(st->where, size, strchr(show, ':') ? "[%s]:%d" : "%s:%d",
		     show, st->port);
    }
    ms = cfg->redis_timeout_ms > 0 ? cfg->redis_timeout_ms : 2000;
    st->timeout.tv_sec = ms / 1000;
    st->timeout.tv_usec = (ms % 1000) * 1000;
    st->available = cfg->redis_connections > 0 ? cfg->redis_connections : 1;
    st->idle = calloc(st->available, sizeof(*st->idle));
    if (st->prefix == 0 || st->where == 0 || st->idle == 0
	|| (cfg->redis_path ? st->path == 0 : st->host == 0)) {
	set_err(err, errlen, "redis: out of memory");
	goto fail;
    }
    st->prefix_len = strlen(st->prefix);
    if (cfg->redis_password_file
	&& read_password(st, cfg->redis_password_file, err, errlen) < 0)
	goto fail;
    if (pthread_mutex_init(&st->lock, 0) != 0) {
	set_err(err, errlen, "redis: cannot create a mutex");
	goto fail;
    }
    if (pthread_cond_init(&st->freed, 0) != 0) {
	pthread_mutex_destroy(&st->lock);
	set_err(err, errlen, "redis: cannot create a condition variable");
	goto fail;
    }
    return (st);

fail:
    store_free(st);
    return (0);
}

/* cm_store_destroy - close all connections, free the handle */

void    cm_store_destroy(cm_store *st)
{
    if (st == 0)
	return;
    while (st->idle_count > 0)
	redisFree(st->idle[--st->idle_count]);
    pthread_cond_destroy(&st->freed);
    pthread_mutex_destroy(&st->lock);
    store_free(st);
}

/* cm_store_ping - check that Redis answers */

int     cm_store_ping(cm_store *st, char *err, size_t errlen)
{
    return (store_run(st, ping_exchange, 0, err, errlen));
}

/* cm_store_sender_campaign - campaign of an envelope sender, if any */

int     cm_store_sender_campaign(cm_store *st, const char *sender,
				         char *campaign, size_t size,
				         int *found, char *err, size_t errlen)
{
    struct sender_req req;

    *found = 0;
    if (size == 0) {
	set_err(err, errlen, "redis: no room for a campaign id");
	return (-1);
    }
    req.sender = sender;
    req.campaign = campaign;
    req.size = size;
    req.found = found;
    return (store_run(st, sender_exchange, &req, err, errlen));
}

/* cm_store_fetch - campaign record and recipient facts, one round trip */

int     cm_store_fetch(cm_store *st, const char *campaign_id,
		               cm_campaign *camp, cm_rcpt_lookup *rcpts,
		               size_t count, char *err, size_t errlen)
{
    struct fetch_req req;

    req.campaign_id = campaign_id;
    req.camp = camp;
    req.rcpts = rcpts;
    req.count = count;
    req.end = 1 + 2 * count;
    fetch_reset(&req, 0);

    /* Without a campaign lookup, the caller's purpose names the field. */
    if (campaign_id == 0 && !cm_purpose_valid(camp->purpose)) {
	set_err(err, errlen, "redis: fetch without a valid purpose");
	return (-1);
    }
    if (fetch_next(&req, 0) >= req.end)		/* nothing to look up */
	return (0);
    return (store_run(st, fetch_exchange, &req, err, errlen));
}
