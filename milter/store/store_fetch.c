/*++
/* NAME
/*	store_fetch 3
/* SUMMARY
/*	consent store (Redis): the records of one message, in one trip
/* SYNOPSIS
/*	#include "store_impl.h"
/*
/*	int	store_fetch_run(st, req, err, errlen)
/*	cm_store *st;
/*	struct fetch_req *req;
/*	char	*err;
/*	size_t	errlen;
/*
/*	fetch_cmd store_fetch_first(req)
/*	const struct fetch_req *req;
/*
/*	size_t	store_cmd_index(cmd)
/*	fetch_cmd cmd;
/*
/*	int	store_fetch_key(st, req, cmd, kb)
/*	const cm_store *st;
/*	const struct fetch_req *req;
/*	fetch_cmd cmd;
/*	keybuf	*kb;
/*
/*	void	store_fetch_key_parts(req, cmd, part, name)
/*	const struct fetch_req *req;
/*	fetch_cmd cmd;
/*	const char **part;
/*	const char **name;
/*
/*	void	store_fetch_reset(req, free_old)
/*	struct fetch_req *req;
/*	int	free_old;
/*
/*	void	store_suppress_clear(rec, free_old)
/*	cm_rcpt_record *rec;
/*	int	free_old;
/*
/*	void	store_consent_clear(rec, free_old)
/*	cm_rcpt_record *rec;
/*	int	free_old;
/* DESCRIPTION
/*	This module is the part of store(3) that reads the records of
/*	cm_store_fetch() and cm_store_fetch_rcpts(): Pcampaign:<id>, if
/*	asked for, then each recipient's Psuppress: and Pconsent:, as
/*	pipelined commands on one connection, and takes in the replies.
/*	store(3) describes what a caller sees.
/*
/*	store_fetch_run() runs one fetch request: a small one (one
/*	recipient, campaign record known) shares pipelined writes with
/*	other sessions' (redisbatch(3)); a larger one is written in
/*	chunks of CM_STORE_CHUNK commands, the replies to a chunk read
/*	after the next one is written: one round trip, and neither side
/*	buffers more than two chunks. A reply to a read that the consent
/*	cache reserved (store_cache(3)) is handed to it.
/*
/*	store_fetch_first() is the first command that is sent (recipients
/*	whose address did not parse, and commands that the consent cache
/*	answered, are not); store_cmd_index() is a command's slot in
/*	req->slot; store_fetch_key() builds a command's key into kb,
/*	from the two parts that store_fetch_key_parts() names (the
/*	schema's part, such as "consent:", and the campaign or address).
/*
/*	store_fetch_reset() empties the outputs, freeing what an earlier
/*	try set when free_old is set, but keeps what the consent cache
/*	answered; store_suppress_clear() and store_consent_clear() empty
/*	one part of a recipient's record.
/* DIAGNOSTICS
/*	store_fetch_run() returns -1 with a reason in err, its outputs
/*	emptied and the consent cache emptied (store_cache_doubt()); or
/*	CM_STORE_INVALID, the cache kept, when Redis returned a campaign
/*	record that cannot be read (req->invalid).
/*	store_fetch_key() returns -1 when out of memory.
/* SEE ALSO
/*	store(3), the store's interface.
/*	redispool(3), the connection pool.
/*	redisbatch(3), shared pipelined writes.
/*	record(3), the replies.
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

#include "consentcache.h"
#include "record.h"
#include "redisbatch.h"
#include "redisconn.h"
#include "redisframe.h"
#include "redispool.h"
#include "redisreply.h"
#include "schema.h"
#include "store.h"
#include "store_impl.h"

/* store_cmd_index - a command's slot: campaign, then suppress/consent pairs */

size_t  store_cmd_index(fetch_cmd cmd)
{
    if (cmd.what == FETCH_CAMPAIGN)
	return (0);
    return (1 + 2 * cmd.rcpt + (cmd.what == FETCH_CONSENT));
}

/* fetch_sent - is this command sent (not unparsable, not cached) */

static int fetch_sent(const struct fetch_req *req, fetch_cmd cmd)
{
    switch (cmd.what) {
    case FETCH_END:
	return (1);
    case FETCH_CAMPAIGN:
	return (!STORE_CMD_HIT(req, 0));
    default:
	/* A cached unknown campaign: its recipients are not looked up. */
	if (STORE_CMD_HIT(req, 0) && !req->camp_out->found)
	    return (0);
	return (req->rcpts[cmd.rcpt].facts.addr_ok
		&& !STORE_CMD_HIT(req, store_cmd_index(cmd)));
    }
}

/* fetch_step - the command after cmd, sent or not */

static void fetch_step(const struct fetch_req *req, fetch_cmd *cmd)
{
    switch (cmd->what) {
    case FETCH_CAMPAIGN:
	cmd->what = FETCH_SUPPRESS;
	cmd->rcpt = 0;
	break;
    case FETCH_SUPPRESS:
	cmd->what = FETCH_CONSENT;
	break;
    case FETCH_CONSENT:
	cmd->what = FETCH_SUPPRESS;
	cmd->rcpt++;
	break;
    case FETCH_END:
	return;
    }
    if (cmd->rcpt >= req->count)
	cmd->what = FETCH_END;
}

/* fetch_skip - from cmd on, the first command that is sent */

static void fetch_skip(const struct fetch_req *req, fetch_cmd *cmd)
{
    while (!fetch_sent(req, *cmd))
	fetch_step(req, cmd);
}

/* store_fetch_first - the first command of a fetch */

fetch_cmd store_fetch_first(const struct fetch_req *req)
{
    fetch_cmd cmd = {FETCH_CAMPAIGN, 0};

    if (req->campaign_id == 0)
	cmd.what = req->count > 0 ? FETCH_SUPPRESS : FETCH_END;
    fetch_skip(req, &cmd);
    return (cmd);
}

/* fetch_next - the command after cmd that is sent */

static void fetch_next(const struct fetch_req *req, fetch_cmd *cmd)
{
    fetch_step(req, cmd);
    fetch_skip(req, cmd);
}

/* store_fetch_key - the key of a command */

int     store_fetch_key(const cm_store *st, const struct fetch_req *req,
		             fetch_cmd cmd, keybuf *kb)
{
    const char *part, *name;

    store_fetch_key_parts(req, cmd, &part, &name);
    return (store_key_build(st, kb, part, name));
}

/* store_fetch_key_parts - what a command's key is made of */

void    store_fetch_key_parts(const struct fetch_req *req, fetch_cmd cmd,
			              const char **part, const char **name)
{
    if (cmd.what == FETCH_CAMPAIGN) {
	*part = CM_KEY_CAMPAIGN;
	*name = req->campaign_id;
    } else {
	*part = cmd.what == FETCH_SUPPRESS ? CM_KEY_SUPPRESS : CM_KEY_CONSENT;
	*name = req->rcpts[cmd.rcpt].facts.id;
    }
}

/* fetch_append_one - append one command */

static int fetch_append_one(redisContext *c, const struct fetch_req *req,
			            fetch_cmd cmd, keybuf *kb, char *err,
			            size_t errlen)
{
    if (store_fetch_key(req->st, req, cmd, kb) < 0) {
	cm_redis_err(err, errlen, "redis: out of memory");
	return (CM_XCHG_BROKEN);
    }
    if (cm_redis_append2(c, cmd.what == FETCH_SUPPRESS ? "GET" : "HGETALL",
			 kb->data, kb->len) != REDIS_OK)
	return (cm_redis_pool_error(c, errno, err, errlen));
    return (CM_XCHG_OK);
}

/* store_suppress_clear - empty a record's suppression part */

void    store_suppress_clear(cm_rcpt_record *rec, int free_old)
{
    if (free_old && rec->arena == 0)
	free(rec->suppressed_reason);
    rec->suppressed = 0;
    rec->suppressed_at = 0;
    rec->suppressed_reason = 0;
}

/* store_consent_clear - empty a record's consent part */

void    store_consent_clear(cm_rcpt_record *rec, int free_old)
{
    if (free_old && rec->arena == 0)
	free(rec->consent_src);
    rec->consent = CM_CONSENT_NONE;
    rec->consent_at = 0;
    rec->consent_invalid = 0;
    rec->consent_src = 0;
}

/* store_fetch_reset - empty the outputs; free what an earlier try set */

void    store_fetch_reset(struct fetch_req *req, int free_old)
{
    cm_rcpt_record *rec;
    size_t  i;

    /* What the consent cache answered is not asked again: keep it. */
    if (req->camp_out && !STORE_CMD_HIT(req, 0)) {
	if (free_old)
	    free(req->camp_out->senders);
	memset(req->camp_out, 0, sizeof(*req->camp_out));
    }
    for (i = 0; i < req->count; i++) {
	rec = &req->rcpts[i].record;
	if (!STORE_CMD_HIT(req, 1 + 2 * i))
	    store_suppress_clear(rec, free_old);
	if (!STORE_CMD_HIT(req, 2 + 2 * i))
	    store_consent_clear(rec, free_old);
	rec->store_error = 0;
    }
    req->fill = (req->campaign_id == 0
		 || (STORE_CMD_HIT(req, 0) && req->camp_out->found));
}

/* fetch_reset_all - empty the outputs, cached answers too */

static void fetch_reset_all(struct fetch_req *req)
{
    size_t  i;

    if (req->slot)
	for (i = 0; i < 1 + 2 * req->count; i++)
	    req->slot[i].hit = 0;
    store_fetch_reset(req, 1);
}

/* campaign_parse - HGETALL Pcampaign:<id> into a campaign record */

static int campaign_parse(struct fetch_req *req, const redisReply *r,
			          const keybuf *kb, char *err, size_t errlen)
{
    char    why[CM_STORE_ERRSZ];

    if (cm_record_campaign(r, req->camp_out, why, sizeof(why)) < 0) {
	/* An error reply (LOADING, NOAUTH...) is an outage; the rest not. */
	req->invalid = (r->type != REDIS_REPLY_ERROR);
	return (store_key_error(kb, err, errlen, "%s", why));
    }
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
	if (store_fetch_key(req->st, req, cmd, kb) < 0) {
	    cm_redis_err(err, errlen, "redis: out of memory");
	    return (CM_XCHG_FAIL);
	}
	if (is_camp)
	    return (campaign_parse(req, r, kb, err, errlen));
	/* Other errors (LOADING, NOAUTH...) concern every key. */
	return (store_key_error(kb, err, errlen, "%s",
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
    const cc_slot *slot;

    if (redisGetReply(c, &reply) != REDIS_OK) {
	*status = cm_redis_pool_error(c, errno, err, errlen);
	return (-1);
    }
    /* After an error, read on: the connection stays in step. */
    if (fetch_reply(req, cmd, reply, kb, *status == CM_XCHG_OK ? err : 0,
		    errlen) != CM_XCHG_OK)
	*status = CM_XCHG_FAIL;
    /* A reply to a reserved read: the cache keeps it if still current. */
    if (req->slot && (slot = req->slot + store_cmd_index(cmd))->ticket.epoch
	&& ((redisReply *) reply)->type != REDIS_REPLY_ERROR
	&& !cm_redis_pool_standin_run()
	&& store_fetch_key(req->st, req, cmd, kb) == 0)
	cm_ccache_fill(req->cc, kb->data, kb->len, &slot->ticket, reply);
    *unready |= cm_redis_reply_unready(reply);
    cm_redis_reply_free(reply);
    return (0);
}

/* fetch_exchange - send the commands of a fetch, read the replies */

static int fetch_exchange(redisContext *c, void *arg,
			          char *err, size_t errlen)
{
    struct fetch_req *req = arg;
    keybuf  kb = KEYBUF_INIT;
    fetch_cmd wcmd, rcmd;
    size_t  batch, in_flight = 0;
    int     status = CM_XCHG_OK;
    int     unready = 0;
    int     done;

    /* This may be a repeat on a new connection: start clean. */
    store_fetch_reset(req, 1);
    wcmd = rcmd = store_fetch_first(req);

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
    keybuf_free(&kb);
    if (status != CM_XCHG_OK)
	store_fetch_reset(req, 1);
    return (status);
}

/* fetch_append - queue the commands of a small fetch (redisbatch(3)) */

static int fetch_append(redisContext *c, void *arg, char *err,
			        size_t errlen)
{
    struct fetch_req *req = arg;
    keybuf  kb = KEYBUF_INIT;
    fetch_cmd cmd;
    int     status = CM_XCHG_OK;

    /* This may be a repeat on a new connection: start clean. */
    store_fetch_reset(req, 1);
    for (cmd = store_fetch_first(req); cmd.what != FETCH_END; fetch_next(req, &cmd))
	if ((status = fetch_append_one(c, req, cmd, &kb, err,
				       errlen)) != CM_XCHG_OK)
	    break;
    keybuf_free(&kb);
    return (status);
}

/* fetch_read - read the replies to fetch_append()'s commands */

static int fetch_read(redisContext *c, void *arg, char *err, size_t errlen)
{
    struct fetch_req *req = arg;
    keybuf  kb = KEYBUF_INIT;
    fetch_cmd cmd;
    int     status = CM_XCHG_OK;
    int     unready = 0;

    for (cmd = store_fetch_first(req); cmd.what != FETCH_END; fetch_next(req, &cmd))
	if (fetch_take(c, req, cmd, &kb, &status, &unready, err, errlen) < 0)
	    break;
    keybuf_free(&kb);
    if (status == CM_XCHG_FAIL && unready)
	status = CM_XCHG_UNREADY;
    return (status);
}

/* store_fetch_run - one fetch: coalesced with others' when it is small */

int     store_fetch_run(cm_store *st, struct fetch_req *req, char *err,
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
	    fetch_reset_all(req);
	    store_cache_doubt(st);			/* a read error */
	    return (-1);
	}
	return (0);
    }
    if (cm_redis_timed_run(st->pool, fetch_exchange, req, err, errlen) != 0) {
	fetch_reset_all(req);
	/* A record that cannot be read is no sign that Redis lost track. */
	if (req->invalid)
	    return (CM_STORE_INVALID);
	store_cache_doubt(st);
	return (-1);
    }
    return (0);
}

