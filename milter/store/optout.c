/*++
/* NAME
/*	optout 3
/* SUMMARY
/*	the relay's own opt-out: a token in, a withdrawal out
/* SYNOPSIS
/*	#include "optout.h"
/*
/*	int	cm_optout_resolve(c, prefix, keys, token, len, res)
/*	redisContext *c;
/*	const char *prefix;
/*	const cm_token_keys *keys;
/*	const char *token;
/*	size_t	len;
/*	cm_optout_result *res;
/*
/*	int	cm_optout_apply(c, prefix, keys, token, ctx, res)
/*	redisContext *c;
/*	const char *prefix;
/*	const cm_token_keys *keys;
/*	const char *token;
/*	const cm_optout_ctx *ctx;
/*	cm_optout_result *res;
/*
/*	int	cm_optout_suppress_id(c, prefix, id, ctx, res)
/*	redisContext *c;
/*	const char *prefix;
/*	const char *id;
/*	const cm_optout_ctx *ctx;
/*	cm_optout_result *res;
/*
/*	int	cm_optout_token(c, prefix, keys, id, campaign, out, outsz,
/*				why, whylen)
/*	redisContext *c;
/*	const char *prefix;
/*	const cm_token_keys *keys;
/*	const char *id;
/*	const char *campaign;
/*	char	*out;
/*	size_t	outsz;
/*	char	*why;
/*	size_t	whylen;
/*
/*	const char *cm_optout_channel_name(channel)
/*	cm_optout_channel channel;
/*
/*	const char *cm_optout_status_name(status)
/*	cm_optout_status status;
/*
/*	void	cm_optout_audit_format(out, time_ms, ctx, res)
/*	cm_buf	*out;
/*	long long time_ms;
/*	const cm_optout_ctx *ctx;
/*	const cm_optout_result *res;
/* DESCRIPTION
/*	The one place where an opt-out token (unsubtoken(3)) turns into
/*	a change of a consent record, whichever way it came: the
/*	one-click POST (consent-unsubscribe), the mailto address
/*	(consentctl mail-unsubscribe) or a complaint (consentctl
/*	feedback). The change goes through the writer (writer(3)), so
/*	the rules of DESIGN.md section 3 hold: history, evidence, no
/*	event in the future, an older event never wins.
/*
/*	cm_optout_resolve() verifies the len bytes at token, looks up
/*	its references (Punsub:p:<n> -> record id, Punsub:c:<n> ->
/*	campaign id, then the campaign's purpose) and checks that the
/*	token's purpose check matches that purpose. It fills in
/*	res->fields, id, campaign and purpose, and writes nothing: the
/*	page that a GET shows is made from it.
/*
/*	cm_optout_apply() resolves the NUL-terminated token the same way
/*	and then withdraws the purpose (or, with ctx->suppress, suppresses
/*	the person) with actor = the channel name and src =
/*
/*	    channel=CHANNEL campaign=ID message=MSGID client=CLIENT
/*
/*	followed, for a suppression with ctx->complaint, by
/*	" complaint=TYPE", and by " KEY=VALUE" for each pair of
/*	ctx->extra (a complaint's Arrival-Date, Original-Mail-From). MSGID is the Message-ID as given, CLIENT the
/*	client address, or with ctx->pseudonymise its pseudonym (the
/*	lower-case hex HMAC-SHA256 of ctx->key, like a record id); a
/*	value that is unknown is "-". Bytes that are not printable
/*	ASCII, spaces and "%" are written as %XX, so the text splits on
/*	spaces and every value is one word. consentctl trace reads it.
/*	A purpose that is already withdrawn (a person suppressed already)
/*	is left as it is: ALREADY, so a replayed POST or a mailbox
/*	provider's retry adds no history.
/*
/*	cm_optout_suppress_id() suppresses record id as cm_optout_apply()
/*	does with ctx->suppress, for a complaint that names the person
/*	(Original-Rcpt-To) but carries no token of ours: campaign "-".
/*
/*	cm_optout_token() makes the token of record id and campaign id
/*	(consentctl unsubscribe-link, tests): both must have their
/*	reference. The issue day is today.
/*
/*	cm_optout_audit_format() appends the audit trail's line of an
/*	opt-out to out: one JSON object, without newline,
/*
/*	    {"time":...,"event":"opt-out","channel":...,"rcpt":...,
/*	     "purpose":...,"campaign":...,"msgid":...,"client":...,
/*	     "result":...}
/*
/*	with "rcpt_id" for "rcpt" where record ids are pseudonyms
/*	(AddressKeyFile, ctx->key set) or LogAddresses pseudonymised;
/*	unknown values are null; result is cm_optout_status_name().
/*	Every value is escaped (json(3)).
/* DIAGNOSTICS
/*	cm_optout_resolve() and cm_optout_apply() return the status, also
/*	in res->status: CM_OPTOUT_DONE (resolve: the token is good),
/*	CM_OPTOUT_ALREADY, CM_OPTOUT_BADTOKEN (res->token and res->why say
/*	why: for logs, never for whoever presented the token) or
/*	CM_OPTOUT_STOREDOWN (res->why: the Redis error; when c->err is set
/*	the context must be freed). Nothing is written unless DONE.
/*
/*	cm_optout_token() returns 0, 1 when the record, the campaign or a
/*	reference is missing (why names it and the fix), -1 on a store
/*	error (why).
/* SEE ALSO
/*	DESIGN.md section 14, the relay's own opt-out.
/*	unsubtoken(3), unsubref(3), writer(3).
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
#include <time.h>

/* Utility library. */

#include <hiredis/hiredis.h>

/* Application-specific. */

#include "clock.h"
#include "json.h"
#include "optout.h"
#include "redisconn.h"
#include "redisreply.h"
#include "schema.h"
#include "writer.h"

static const char *const channel_names[] = {
    "one-click", "mailto", "feedback",
};

static const char *const status_names[] = {
    "done", "already", "bad-token", "store-down",
};

/* cm_optout_channel_name - "one-click", "mailto", "feedback" */

const char *cm_optout_channel_name(cm_optout_channel channel)
{
    if ((unsigned) channel >= sizeof(channel_names) / sizeof(*channel_names))
	return ("unknown");
    return (channel_names[channel]);
}

/* cm_optout_status_name - "done", "already", "bad-token", "store-down" */

const char *cm_optout_status_name(cm_optout_status status)
{
    if ((unsigned) status >= sizeof(status_names) / sizeof(*status_names))
	return ("unknown");
    return (status_names[status]);
}

/* finish - set the status, return it */

static int finish(cm_optout_result *res, cm_optout_status status)
{
    res->status = status;
    return (status);
}

/* store_down - a Redis failure, named */

static int store_down(redisContext *c, cm_optout_result *res,
		              const char *what, const redisReply *r)
{
    char    where[CM_REDIS_WHERESZ], show[CM_REDIS_SHOWSZ];

    cm_redis_context_where(where, sizeof(where), c);
    if (r == 0)
	cm_redis_io_error(where, c, errno, res->why, sizeof(res->why));
    else
	cm_redis_err(res->why, sizeof(res->why), "redis %s: %s: %s", where,
		     what, cm_redis_reply_show(show, sizeof(show), r));
    return (finish(res, CM_OPTOUT_STOREDOWN));
}

/* get_string - GET or HGET into buf: 1 found, 0 nil, -1 store error */

static int get_string(redisContext *c, cm_optout_result *res, int argc,
		              const char **argv, char *buf, size_t bufsz,
		              const char *what)
{
    size_t  lens[3];
    redisReply *r;
    int     i, status;

    for (i = 0; i < argc; i++)
	lens[i] = strlen(argv[i]);
    if ((r = redisCommandArgv(c, argc, argv, lens)) == 0) {
	store_down(c, res, what, 0);
	return (-1);
    }
    if (r->type == REDIS_REPLY_NIL) {
	status = 0;
    } else if (r->type == REDIS_REPLY_STRING) {
	/* Longer than any id or purpose we store: not ours, no match. */
	if (r->len >= bufsz || memchr(r->str, 0, r->len) != 0) {
	    status = 0;
	} else {
	    memcpy(buf, r->str, r->len);
	    buf[r->len] = 0;
	    status = 1;
	}
    } else {
	store_down(c, res, what, r);
	status = -1;
    }
    cm_redis_reply_free(r);
    return (status);
}

/* bad_token - refuse, with the reason for the log */

static int __attribute__((format(printf, 2, 3)))
        bad_token(cm_optout_result *res, const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(res->why, sizeof(res->why), fmt, ap);
    va_end(ap);
    res->id[0] = res->campaign[0] = res->purpose[0] = 0;
    return (finish(res, CM_OPTOUT_BADTOKEN));
}

/* resolve - verify and resolve; fills res */

static int resolve(redisContext *c, const char *prefix,
		           const cm_token_keys *keys, const char *token,
		           size_t len, cm_optout_result *res)
{
    char    key[CM_ID_SIZE + 64], num[32];
    const char *argv[3];
    int     st;

    res->id[0] = res->campaign[0] = res->purpose[0] = res->why[0] = 0;
    if (prefix == 0)
	prefix = CM_KEY_PREFIX_DEFAULT;
    if ((res->token = cm_token_open(keys, token, len, &res->fields))
	!= CM_TOKEN_OK)
	return (bad_token(res, "%s", cm_token_strerror(res->token)));
    if (c == 0 || c->err) {
	snprintf(res->why, sizeof(res->why), "redis: not connected");
	return (finish(res, CM_OPTOUT_STOREDOWN));
    }

    /* Person and campaign references, then the campaign's purpose. */
    snprintf(key, sizeof(key), "%s" CM_KEY_UNSUB_PERSON "%llu", prefix,
	     res->fields.person);
    argv[0] = "GET";
    argv[1] = key;
    if ((st = get_string(c, res, 2, argv, res->id, sizeof(res->id),
			 "GET person reference")) < 0)
	return (res->status);
    if (st == 0 || res->id[0] == 0) {
	snprintf(num, sizeof(num), "%llu", res->fields.person);
	return (bad_token(res, "person reference %s unknown (erased?)", num));
    }
    snprintf(key, sizeof(key), "%s" CM_KEY_UNSUB_CAMPAIGN "%lu", prefix,
	     res->fields.campaign);
    if ((st = get_string(c, res, 2, argv, res->campaign,
			 sizeof(res->campaign), "GET campaign reference")) < 0)
	return (res->status);
    if (st == 0 || !cm_campaign_id_valid(res->campaign)) {
	snprintf(num, sizeof(num), "%lu", res->fields.campaign);
	return (bad_token(res, "campaign reference %s unknown", num));
    }
    snprintf(key, sizeof(key), "%s" CM_KEY_CAMPAIGN "%s", prefix,
	     res->campaign);
    argv[0] = "HGET";
    argv[2] = CM_FIELD_PURPOSE;
    if ((st = get_string(c, res, 3, argv, res->purpose,
			 sizeof(res->purpose), "HGET campaign purpose")) < 0)
	return (res->status);
    if (st == 0 || !cm_purpose_valid(res->purpose))
	return (bad_token(res, "campaign %s has no purpose (deleted?)",
			  res->campaign));
    if (!cm_token_purpose_matches(&res->fields, res->purpose))
	return (bad_token(res, "purpose check does not match the purpose "
			  "of campaign %s (changed since?)", res->campaign));
    return (finish(res, CM_OPTOUT_DONE));
}

/* cm_optout_resolve - verify and resolve a token; write nothing */

int     cm_optout_resolve(redisContext *c, const char *prefix,
			          const cm_token_keys *keys, const char *token,
			          size_t len, cm_optout_result *res)
{
    memset(res, 0, sizeof(*res));
    return (resolve(c, prefix, keys, token, len, res));
}

/* add_word - one value of the src text: "-", or escaped to one word */

static void add_word(cm_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p;

    if (s == 0 || *s == 0) {
	cm_buf_addc(b, '-');
	return;
    }
    for (p = (const unsigned char *) s; *p; p++) {
	if (*p <= ' ' || *p >= 0x7f || *p == '%') {
	    cm_buf_addc(b, '%');
	    cm_buf_addc(b, hex[*p >> 4]);
	    cm_buf_addc(b, hex[*p & 15]);
	} else {
	    cm_buf_addc(b, (char) *p);
	}
    }
}

/* make_src - the evidence text, and the client as written */

static void make_src(const cm_optout_ctx *ctx, cm_optout_result *res)
{
    cm_buf  b = CM_BUF_INIT;
    size_t  i;

    res->client[0] = 0;
    if (ctx->client && *ctx->client) {
	if (ctx->pseudonymise && ctx->key)
	    cm_addr_record_id(ctx->key, ctx->client, strlen(ctx->client),
			      res->client, sizeof(res->client));
	else
	    snprintf(res->client, sizeof(res->client), "%s", ctx->client);
    }
    cm_buf_adds(&b, "channel=");
    cm_buf_adds(&b, cm_optout_channel_name(ctx->channel));
    cm_buf_adds(&b, " campaign=");
    add_word(&b, res->campaign);
    cm_buf_adds(&b, " message=");
    add_word(&b, ctx->msgid);
    cm_buf_adds(&b, " client=");
    add_word(&b, res->client);
    if (ctx->suppress && ctx->complaint) {
	cm_buf_adds(&b, " complaint=");
	add_word(&b, ctx->complaint);
    }
    for (i = 0; ctx->extra && ctx->extra[i] && ctx->extra[i + 1]; i += 2) {
	cm_buf_addc(&b, ' ');
	add_word(&b, ctx->extra[i]);
	cm_buf_addc(&b, '=');
	add_word(&b, ctx->extra[i + 1]);
    }
    snprintf(res->src, sizeof(res->src), "%s", cm_buf_str(&b));
    cm_buf_free(&b);
}

/* already - the purpose is withdrawn, or the person suppressed: 1, 0, -1 */

static int already(redisContext *c, const char *prefix,
		           const cm_optout_ctx *ctx, cm_optout_result *res)
{
    char    key[CM_ID_SIZE + 64], state[32];
    const char *argv[3];
    int     st;

    argv[1] = key;
    if (ctx->suppress) {
	snprintf(key, sizeof(key), "%s" CM_KEY_SUPPRESS "%s", prefix, res->id);
	argv[0] = "GET";
	st = get_string(c, res, 2, argv, state, sizeof(state),
			"GET suppression");
	/* A suppression too long for state[] exists just as well. */
	return (st < 0 ? -1 : st > 0 ? 1 : 0);
    }
    snprintf(key, sizeof(key), "%s" CM_KEY_CONSENT "%s", prefix, res->id);
    argv[0] = "HGET";
    argv[2] = res->purpose;
    if ((st = get_string(c, res, 3, argv, state, sizeof(state),
			 "HGET consent state")) < 0)
	return (-1);
    return (st > 0 && strcmp(state, CM_STATE_WITHDRAWN) == 0);
}

static int write_optout(redisContext *, const char *, const cm_optout_ctx *,
			        cm_optout_result *);

/* cm_optout_apply - verify, resolve, withdraw or suppress */

int     cm_optout_apply(redisContext *c, const char *prefix,
			        const cm_token_keys *keys, const char *token,
			        const cm_optout_ctx *ctx, cm_optout_result *res)
{
    int     st;

    memset(res, 0, sizeof(*res));
    if (prefix == 0)
	prefix = CM_KEY_PREFIX_DEFAULT;
    st = resolve(c, prefix, keys, token, token ? strlen(token) : 0, res);
    make_src(ctx, res);
    if (st != CM_OPTOUT_DONE)
	return (st);

    /*
     * A replay adds nothing. (A grant stored between this look and the
     * write below is older than the write: the withdrawal still wins.)
     */
    return (write_optout(c, prefix, ctx, res));
}

/* cm_optout_suppress_id - suppress a person named without a token */

int     cm_optout_suppress_id(redisContext *c, const char *prefix,
			              const char *id, const cm_optout_ctx *ctx,
			              cm_optout_result *res)
{
    cm_optout_ctx sup = *ctx;

    memset(res, 0, sizeof(*res));
    if (prefix == 0)
	prefix = CM_KEY_PREFIX_DEFAULT;
    sup.suppress = 1;
    snprintf(res->id, sizeof(res->id), "%s", id);
    make_src(&sup, res);
    if (c == 0 || c->err) {
	snprintf(res->why, sizeof(res->why), "redis: not connected");
	return (finish(res, CM_OPTOUT_STOREDOWN));
    }
    return (write_optout(c, prefix, &sup, res));
}

/* write_optout - ALREADY, or the event through the writer */

static int write_optout(redisContext *c, const char *prefix,
			        const cm_optout_ctx *ctx, cm_optout_result *res)
{
    cm_event ev;
    cm_write_result wr;
    int     st;

    if ((st = already(c, prefix, ctx, res)) < 0)
	return (res->status);
    if (st > 0)
	return (finish(res, CM_OPTOUT_ALREADY));

    memset(&ev, 0, sizeof(ev));
    ev.kind = ctx->suppress ? CM_EVENT_SUPPRESS : CM_EVENT_WITHDRAW;
    ev.id = res->id;
    ev.purpose = ctx->suppress ? 0 : res->purpose;
    ev.at = ctx->now > 0 ? ctx->now : cm_time_now();
    ev.src = res->src;
    ev.actor = cm_optout_channel_name(ctx->channel);
    if (cm_write_events(c, prefix, &ev, 1, &wr, res->why,
			sizeof(res->why)) < 0)
	return (finish(res, CM_OPTOUT_STOREDOWN));
    return (finish(res, wr == CM_WRITE_APPLIED ? CM_OPTOUT_DONE :
		   CM_OPTOUT_ALREADY));
}

/* cm_optout_token - the token of a record and a campaign */

int     cm_optout_token(redisContext *c, const char *prefix,
			        const cm_token_keys *keys, const char *id,
			        const char *campaign, char *out, size_t outsz,
			        char *why, size_t whylen)
{
    cm_optout_result res;
    char    key[CM_ID_SIZE + 64], num[32], purpose[CM_PURPOSE_MAX + 1];
    const char *argv[3];
    unsigned long long person;
    unsigned long camp;
    cm_token tok;
    char   *end;
    int     st;

    if (prefix == 0)
	prefix = CM_KEY_PREFIX_DEFAULT;
    memset(&res, 0, sizeof(res));
    if (c == 0 || c->err) {
	snprintf(why, whylen, "redis: not connected");
	return (-1);
    }
    argv[0] = "HGET";
    argv[1] = key;
    snprintf(key, sizeof(key), "%s" CM_KEY_CONSENT "%s", prefix, id);
    argv[2] = CM_FIELD_REF;
    if ((st = get_string(c, &res, 3, argv, num, sizeof(num),
			 "HGET " CM_FIELD_REF)) < 0)
	goto store_error;
    errno = 0;
    if (st == 0 || (person = strtoull(num, &end, 10)) == 0 || *end
	|| errno || person > CM_TOKEN_PERSON_MAX) {
	snprintf(why, whylen, "the consent record has no opt-out reference "
		 "(run: consentctl unsubscribe-refs)");
	return (1);
    }
    snprintf(key, sizeof(key), "%s" CM_KEY_CAMPAIGN "%s", prefix, campaign);
    argv[2] = CM_FIELD_PURPOSE;
    if ((st = get_string(c, &res, 3, argv, purpose, sizeof(purpose),
			 "HGET campaign purpose")) < 0)
	goto store_error;
    if (st == 0) {
	snprintf(why, whylen, "no such campaign (or it has no purpose)");
	return (1);
    }
    argv[2] = CM_FIELD_CAMPAIGN_REF;
    if ((st = get_string(c, &res, 3, argv, num, sizeof(num),
			 "HGET campaign ref")) < 0)
	goto store_error;
    errno = 0;
    if (st == 0 || (camp = strtoul(num, &end, 10)) == 0 || *end || errno
	|| camp > CM_TOKEN_CAMPAIGN_MAX) {
	snprintf(why, whylen, "the campaign has no opt-out reference "
		 "(run: consentctl unsubscribe-refs)");
	return (1);
    }
    tok.person = person;
    tok.campaign = camp;
    cm_token_purpose_check(purpose, tok.purpose);
    tok.day = cm_token_day((long long) time((time_t *) 0));
    if (cm_token_seal(keys, &tok, out, outsz) < 0) {
	snprintf(why, whylen, "cannot seal the token (no key?)");
	return (-1);
    }
    return (0);

store_error:
    snprintf(why, whylen, "%s", res.why);
    return (-1);
}

/* cm_optout_audit_format - the audit line of an opt-out */

void    cm_optout_audit_format(cm_buf *out, long long time_ms,
			               const cm_optout_ctx *ctx,
			               const cm_optout_result *res)
{
    char    stamp[40];
    int     known = res->status == CM_OPTOUT_DONE
    || res->status == CM_OPTOUT_ALREADY;

    cm_time_rfc3339(stamp, sizeof(stamp), time_ms / 1000,
		    (int) (time_ms % 1000));
    cm_json_open(out);
    cm_json_kv_str(out, "time", stamp);
    cm_json_kv_str(out, "event", "opt-out");
    cm_json_kv_str(out, "channel", cm_optout_channel_name(ctx->channel));
    cm_json_kv_str(out, (ctx->key || ctx->pseudonymise) ? "rcpt_id" : "rcpt",
		   known && res->id[0] ? res->id : 0);
    cm_json_kv_str(out, "purpose", res->purpose[0] ? res->purpose : 0);
    cm_json_kv_str(out, "campaign", res->campaign[0] ? res->campaign : 0);
    cm_json_kv_str(out, "msgid", ctx->msgid);
    cm_json_kv_str(out, "client", res->client[0] ? res->client : 0);
    cm_json_kv_str(out, "result", cm_optout_status_name(res->status));
    cm_json_close(out);
}
