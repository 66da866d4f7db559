/*++
/* NAME
/*	check_optout 1
/* SUMMARY
/*	unit tests for opt-out references and opt-outs, with a real Redis
/* SYNOPSIS
/*	check_optout
/* DESCRIPTION
/*	Tests unsubref(3), the writer's references (writer(3)) and
/*	optout(3) against a real redis-server: the first consent write
/*	gives a record its reference, erasure removes it, withdraw-all
/*	leaves it alone; a token withdraws through the writer with the
/*	evidence and actor of its channel; a replay is ALREADY and adds
/*	no history; bad, foreign, erased and wrong-purpose tokens write
/*	nothing; a stopped server is STOREDOWN; complaints suppress; the
/*	audit line is one escaped JSON object.
/*
/*	Run under tests/lib/redis.sh, which sets CM_TEST_REDIS_SOCK and
/*	CM_TEST_TMPDIR.
/* DIAGNOSTICS
/*	The exit status is non-zero when a test fails.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Utility library. */

#include <check.h>
#include <hiredis/hiredis.h>

/* Application-specific. */

#include "buf.h"
#include "optout.h"
#include "redisreply.h"
#include "unsubref.h"
#include "unsubtoken.h"
#include "writer.h"
#include "../lib/redis_fixture.h"

#define HEX_A	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define HEX_B	"f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f"
#define P	"t:"			/* key prefix of these tests */

static redisContext *db;
static cm_token_keys *keys;
static char err[512];

/* cmd - one command, its reply (asserted not an error) */

static redisReply *cmd(const char *fmt,...)
{
    redisReply *r;
    va_list ap;

    va_start(ap, fmt);
    r = redisvCommand(db, fmt, ap);
    va_end(ap);
    ck_assert_msg(r != 0, "redis: %s", db->errstr);
    ck_assert_msg(r->type != REDIS_REPLY_ERROR, "redis: %s", r->str);
    return (r);
}

/* str - a command whose reply is a string; "" for nil (static buffer) */

static const char *str(const char *fmt,...)
{
    static char buf[4][1024];
    static int which;
    redisReply *r;
    va_list ap;
    char   *out = buf[which++ % 4];

    va_start(ap, fmt);
    r = redisvCommand(db, fmt, ap);
    va_end(ap);
    ck_assert(r != 0);
    ck_assert(r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_NIL);
    snprintf(out, 1024, "%s", r->type == REDIS_REPLY_STRING ? r->str : "");
    cm_redis_reply_free(r);
    return (out);
}

/* num - a command whose reply is an integer */

static long long num(const char *fmt,...)
{
    redisReply *r;
    va_list ap;
    long long n;

    va_start(ap, fmt);
    r = redisvCommand(db, fmt, ap);
    va_end(ap);
    ck_assert(r != 0 && r->type == REDIS_REPLY_INTEGER);
    n = r->integer;
    cm_redis_reply_free(r);
    return (n);
}

/* write1 - one event through the writer */

static cm_write_result write1(cm_event_kind kind, const char *id,
			              const char *purpose, long long at)
{
    cm_event ev;
    cm_write_result wr;

    memset(&ev, 0, sizeof(ev));
    ev.kind = kind;
    ev.id = id;
    ev.purpose = purpose;
    ev.at = at;
    ev.src = "form";
    ev.actor = "test";
    ck_assert_msg(cm_write_events(db, P, &ev, 1, &wr, err, sizeof(err)) == 0,
		  "%s", err);
    return (wr);
}

/* campaign - a campaign with its reference */

static void campaign(const char *id, const char *purpose)
{
    const char *ids[1] = {id};

    cm_redis_reply_free(cmd("HSET " P "campaign:%s purpose %s basis consent "
			"status active", id, purpose));
    ck_assert_msg(cm_unsub_ref_campaigns(db, P, ids, 1, 0, 0, err,
					 sizeof(err)) == 0, "%s", err);
}

/* token_for - the token of a record and a campaign */

static void token_for(const char *id, const char *camp, char *tok)
{
    ck_assert_msg(cm_optout_token(db, P, keys, id, camp, tok, CM_TOKEN_SIZE,
				  err, sizeof(err)) == 0, "%s", err);
}

/* ctx_of - an opt-out context */

static cm_optout_ctx ctx_of(cm_optout_channel ch)
{
    cm_optout_ctx ctx;

    memset(&ctx, 0, sizeof(ctx));
    ctx.channel = ch;
    ctx.msgid = "<m1@example.org>";
    ctx.client = "192.0.2.7";
    return (ctx);
}

static void setup(void)
{
    const char *sock = getenv("CM_TEST_REDIS_SOCK");
    redisReply *r;

    ck_assert_msg(sock != 0, "run under tests/lib/redis.sh");
    db = redisConnectUnix(sock);
    ck_assert(db != 0 && db->err == 0);
    /* As redisconn(3) makes them: the library frees its replies so. */
    cm_redis_reader_bound(db->reader);
    r = redisCommand(db, "FLUSHALL");
    cm_redis_reply_free(r);
    keys = cm_token_keys_parse("keys", "k1 " HEX_A "\n", 67, err, sizeof(err));
    ck_assert_msg(keys != 0, "%s", err);
}

static void teardown(void)
{
    cm_token_keys_free(keys);
    if (db)
	redisFree(db);
    db = 0;
}

START_TEST(writer_gives_references)
{
    long long now = time(0);

    ck_assert_int_eq(write1(CM_EVENT_GRANT, "alice@example.org", "news",
			    now - 100), CM_WRITE_APPLIED);
    ck_assert_str_eq(str("HGET " P "consent:alice@example.org #ref"), "1");
    ck_assert_str_eq(str("GET " P "unsub:p:1"), "alice@example.org");
    /* Later writes keep it. */
    ck_assert_int_eq(write1(CM_EVENT_GRANT, "alice@example.org", "events",
			    now - 50), CM_WRITE_APPLIED);
    ck_assert_int_eq(write1(CM_EVENT_WITHDRAW, "bob@example.org", "news",
			    now - 50), CM_WRITE_APPLIED);
    ck_assert_str_eq(str("HGET " P "consent:alice@example.org #ref"), "1");
    /* A withdrawal gives none: nobody is sent marketing on one. */
    ck_assert_int_eq(num("HEXISTS " P "consent:bob@example.org #ref"), 0);
    ck_assert_str_eq(str("GET " P "unsub:seq"), "1");
    ck_assert_int_eq(write1(CM_EVENT_GRANT, "bob@example.org", "events",
			    now - 40), CM_WRITE_APPLIED);
    ck_assert_str_eq(str("HGET " P "consent:bob@example.org #ref"), "2");
    ck_assert_str_eq(str("GET " P "unsub:p:2"), "bob@example.org");
    ck_assert_str_eq(str("GET " P "unsub:seq"), "2");
    /* A suppression alone makes no consent hash, hence no reference. */
    ck_assert_int_eq(write1(CM_EVENT_SUPPRESS, "carol@example.org", 0, now),
		     CM_WRITE_APPLIED);
    ck_assert_int_eq(num("EXISTS " P "consent:carol@example.org"), 0);
    ck_assert_str_eq(str("GET " P "unsub:seq"), "2");

    /* withdraw-all withdraws purposes, never the "#ref" field. */
    ck_assert_int_eq(write1(CM_EVENT_WITHDRAW_ALL, "alice@example.org", 0,
			    now), CM_WRITE_APPLIED);
    ck_assert_str_eq(str("HGET " P "consent:alice@example.org #ref"), "1");
    ck_assert_str_eq(str("HGET " P "consent:alice@example.org news"),
		     "withdrawn");
    ck_assert_int_eq(num("HEXISTS " P "consent:alice@example.org #ref:at"), 0);

    /* Erasure: the reference leads nowhere any more. */
    ck_assert_int_eq(write1(CM_EVENT_ERASE, "alice@example.org", 0, now),
		     CM_WRITE_APPLIED);
    ck_assert_int_eq(num("EXISTS " P "unsub:p:1"), 0);
    ck_assert_str_eq(str("GET " P "unsub:p:2"), "bob@example.org");
}
END_TEST

START_TEST(refs_for_old_stores)
{
    const char *people[3] = {"old@example.org", "new@example.org",
    "nobody@example.org"};
    const char *camps[2] = {"spring", "gone"};
    cm_unsub_ref_result res[3];
    unsigned long long refs[3];

    /* Written before references existed. */
    cm_redis_reply_free(cmd("HSET " P "consent:old@example.org news granted "
			"news:at 1700000000"));
    ck_assert_int_eq(write1(CM_EVENT_GRANT, "new@example.org", "news",
			    time(0) - 10), CM_WRITE_APPLIED);
    ck_assert_msg(cm_unsub_ref_people(db, P, people, 3, res, refs, err,
				      sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(res[0], CM_UNSUB_REF_NEW);
    ck_assert_int_eq(refs[0], 2);
    ck_assert_int_eq(res[1], CM_UNSUB_REF_HAD);
    ck_assert_int_eq(refs[1], 1);
    ck_assert_int_eq(res[2], CM_UNSUB_REF_GONE);
    ck_assert_int_eq(num("EXISTS " P "consent:nobody@example.org"), 0);
    ck_assert_str_eq(str("GET " P "unsub:p:2"), "old@example.org");
    /* Idempotent; a lost Punsub:p:<n> comes back. */
    cm_redis_reply_free(cmd("DEL " P "unsub:p:2"));
    ck_assert(cm_unsub_ref_people(db, P, people, 3, res, refs, err,
				  sizeof(err)) == 0);
    ck_assert_int_eq(res[0], CM_UNSUB_REF_HAD);
    ck_assert_int_eq(refs[0], 2);
    ck_assert_str_eq(str("GET " P "unsub:p:2"), "old@example.org");
    ck_assert_str_eq(str("GET " P "unsub:seq"), "2");

    cm_redis_reply_free(cmd("HSET " P "campaign:spring purpose news"));
    ck_assert(cm_unsub_ref_campaigns(db, P, camps, 2, res, refs, err,
				     sizeof(err)) == 0);
    ck_assert_int_eq(res[0], CM_UNSUB_REF_NEW);
    ck_assert_int_eq(refs[0], 1);
    ck_assert_int_eq(res[1], CM_UNSUB_REF_GONE);
    ck_assert_str_eq(str("HGET " P "campaign:spring ref"), "1");
    ck_assert_str_eq(str("GET " P "unsub:c:1"), "spring");
    ck_assert(cm_unsub_ref_campaigns(db, P, camps, 1, res, refs, err,
				     sizeof(err)) == 0);
    ck_assert_int_eq(res[0], CM_UNSUB_REF_HAD);

    /* A damaged reference is named, not papered over. */
    cm_redis_reply_free(cmd("HSET " P "consent:old@example.org #ref x1"));
    ck_assert_int_eq(cm_unsub_ref_people(db, P, people, 1, res, refs, err,
					 sizeof(err)), -1);
    ck_assert_msg(strstr(err, "old@example.org") != 0, "%s", err);
}
END_TEST

START_TEST(one_click_withdraws)
{
    cm_optout_ctx ctx = ctx_of(CM_OPTOUT_ONE_CLICK);
    cm_optout_result res;
    char    tok[CM_TOKEN_SIZE];
    long long hist;
    redisReply *r;

    ck_assert_int_eq(write1(CM_EVENT_GRANT, "alice@example.org", "news",
			    time(0) - 100), CM_WRITE_APPLIED);
    campaign("spring-2026", "news");
    token_for("alice@example.org", "spring-2026", tok);

    ck_assert_int_eq(cm_optout_resolve(db, P, keys, tok, strlen(tok), &res),
		     CM_OPTOUT_DONE);
    ck_assert_str_eq(res.purpose, "news");
    ck_assert_str_eq(str("HGET " P "consent:alice@example.org news"),
		     "granted");

    ck_assert_int_eq(cm_optout_apply(db, P, keys, tok, &ctx, &res),
		     CM_OPTOUT_DONE);
    ck_assert_str_eq(res.id, "alice@example.org");
    ck_assert_str_eq(res.campaign, "spring-2026");
    ck_assert_str_eq(str("HGET " P "consent:alice@example.org news"),
		     "withdrawn");
    ck_assert_str_eq(str("HGET " P "consent:alice@example.org news:src"),
		     "channel=one-click campaign=spring-2026 "
		     "message=<m1@example.org> client=192.0.2.7");
    r = cmd("XREVRANGE " P "history:alice@example.org + - COUNT 1");
    ck_assert_uint_eq(r->elements, 1);
    ck_assert_str_eq(r->element[0]->element[1]->element[9]->str, "one-click");
    ck_assert_str_eq(r->element[0]->element[1]->element[3]->str, "withdrawn");
    cm_redis_reply_free(r);

    /* A replay (the provider retries, the person clicks twice). */
    hist = num("XLEN " P "history:alice@example.org");
    ck_assert_int_eq(cm_optout_apply(db, P, keys, tok, &ctx, &res),
		     CM_OPTOUT_ALREADY);
    ck_assert_int_eq(num("XLEN " P "history:alice@example.org"), hist);

    /* Upper case, as a mail system may fold it: the same token. */
    {
	char    up[CM_TOKEN_SIZE];
	int     i;

	for (i = 0; tok[i]; i++)
	    up[i] = (char) (tok[i] >= 'a' && tok[i] <= 'z' ? tok[i] - 32 : tok[i]);
	up[i] = 0;
	ck_assert_int_eq(cm_optout_apply(db, P, keys, up, &ctx, &res),
			 CM_OPTOUT_ALREADY);
    }
}
END_TEST

/* snapshot - every key and value, to prove nothing was written */

static long long snapshot(void)
{
    return (num("DBSIZE") * 1000000 + num("XLEN " P "history:alice@example.org")
	    * 1000 + num("HLEN " P "consent:alice@example.org"));
}

START_TEST(bad_tokens_write_nothing)
{
    cm_optout_ctx ctx = ctx_of(CM_OPTOUT_MAILTO);
    cm_optout_result res;
    cm_token_keys *other;
    char    tok[CM_TOKEN_SIZE], bad[CM_TOKEN_SIZE];
    long long before;

    ck_assert_int_eq(write1(CM_EVENT_GRANT, "alice@example.org", "news",
			    time(0) - 100), CM_WRITE_APPLIED);
    campaign("spring", "news");
    campaign("autumn", "events");
    token_for("alice@example.org", "spring", tok);
    before = snapshot();

    /* Forged: one character changed. */
    memcpy(bad, tok, sizeof(bad));
    bad[20] = bad[20] == 'a' ? 'b' : 'a';
    ck_assert_int_eq(cm_optout_apply(db, P, keys, bad, &ctx, &res),
		     CM_OPTOUT_BADTOKEN);
    ck_assert_int_eq(res.token, CM_TOKEN_FORGED);
    /* Not a token at all; truncated. */
    ck_assert_int_eq(cm_optout_apply(db, P, keys, "hello", &ctx, &res),
		     CM_OPTOUT_BADTOKEN);
    bad[0] = 0;
    ck_assert_int_eq(cm_optout_apply(db, P, keys, bad, &ctx, &res),
		     CM_OPTOUT_BADTOKEN);
    /* Another installation's key. */
    other = cm_token_keys_parse("o", "k1 " HEX_B, 67, err, sizeof(err));
    ck_assert(other != 0);
    ck_assert_int_eq(cm_optout_apply(db, P, other, tok, &ctx, &res),
		     CM_OPTOUT_BADTOKEN);
    cm_token_keys_free(other);
    /* The campaign's purpose changed since: the token is not for it. */
    cm_redis_reply_free(cmd("HSET " P "campaign:spring purpose events"));
    ck_assert_int_eq(cm_optout_apply(db, P, keys, tok, &ctx, &res),
		     CM_OPTOUT_BADTOKEN);
    ck_assert_msg(strstr(res.why, "purpose check") != 0, "%s", res.why);
    ck_assert_int_eq(res.token, CM_TOKEN_OK);
    ck_assert_int_eq(snapshot(), before);
    ck_assert_str_eq(str("HGET " P "consent:alice@example.org news"),
		     "granted");
    cm_redis_reply_free(cmd("HSET " P "campaign:spring purpose news"));

    /* Erased: the reference is gone, the token leads nowhere. */
    ck_assert_int_eq(write1(CM_EVENT_ERASE, "alice@example.org", 0,
			    time(0)), CM_WRITE_APPLIED);
    before = num("DBSIZE");
    ck_assert_int_eq(cm_optout_apply(db, P, keys, tok, &ctx, &res),
		     CM_OPTOUT_BADTOKEN);
    ck_assert_msg(strstr(res.why, "erased") != 0, "%s", res.why);
    ck_assert_int_eq(num("DBSIZE"), before);
    ck_assert_int_eq(num("EXISTS " P "consent:alice@example.org"), 0);
}
END_TEST

START_TEST(feedback_suppresses)
{
    cm_optout_ctx ctx = ctx_of(CM_OPTOUT_FEEDBACK);
    cm_optout_result res;
    char    tok[CM_TOKEN_SIZE];
    const char *v;

    ctx.suppress = 1;
    ctx.complaint = "abuse";
    ctx.client = "198.51.100.1";
    ck_assert_int_eq(write1(CM_EVENT_GRANT, "bob@example.org", "news",
			    time(0) - 100), CM_WRITE_APPLIED);
    campaign("spring", "news");
    token_for("bob@example.org", "spring", tok);
    ck_assert_int_eq(cm_optout_apply(db, P, keys, tok, &ctx, &res),
		     CM_OPTOUT_DONE);
    v = str("GET " P "suppress:bob@example.org");
    ck_assert_msg(strstr(v, " channel=feedback campaign=spring "
			 "message=<m1@example.org> client=198.51.100.1 "
			 "complaint=abuse") != 0, "%s", v);
    ck_assert_int_eq(cm_optout_apply(db, P, keys, tok, &ctx, &res),
		     CM_OPTOUT_ALREADY);
}
END_TEST

START_TEST(store_down)
{
    static const char *const none[] = {0};
    const char *dir = getenv("CM_TEST_TMPDIR");
    cm_optout_ctx ctx = ctx_of(CM_OPTOUT_ONE_CLICK);
    cm_optout_result res;
    redisContext *c;
    char    tok[CM_TOKEN_SIZE];
    cm_rfix s;

    ck_assert_int_eq(write1(CM_EVENT_GRANT, "alice@example.org", "news",
			    time(0) - 100), CM_WRITE_APPLIED);
    campaign("spring", "news");
    token_for("alice@example.org", "spring", tok);

    ck_assert(dir != 0);
    cm_rfix_start(&s, dir, "optdown", 0, none);
    c = redisConnectUnix(s.sock);
    ck_assert(c != 0 && c->err == 0);
    cm_redis_reader_bound(c->reader);
    cm_rfix_stop(&s, SIGTERM);
    ck_assert_int_eq(cm_optout_apply(c, P, keys, tok, &ctx, &res),
		     CM_OPTOUT_STOREDOWN);
    ck_assert_msg(res.why[0] != 0, "no reason");
    redisFree(c);
    ck_assert_int_eq(cm_optout_apply(0, P, keys, tok, &ctx, &res),
		     CM_OPTOUT_STOREDOWN);
    /* A bad token is refused without the store. */
    ck_assert_int_eq(cm_optout_apply(0, P, keys, "x", &ctx, &res),
		     CM_OPTOUT_BADTOKEN);
    ck_assert_str_eq(str("HGET " P "consent:alice@example.org news"),
		     "granted");
}
END_TEST

START_TEST(missing_references)
{
    char    tok[CM_TOKEN_SIZE];

    cm_redis_reply_free(cmd("HSET " P "consent:old@example.org news granted"));
    cm_redis_reply_free(cmd("HSET " P "campaign:plain purpose news"));
    ck_assert_int_eq(cm_optout_token(db, P, keys, "old@example.org", "plain",
				     tok, sizeof(tok), err, sizeof(err)), 1);
    ck_assert_msg(strstr(err, "consentctl unsubscribe-refs") != 0, "%s", err);
    ck_assert_int_eq(write1(CM_EVENT_GRANT, "new@example.org", "news",
			    time(0) - 10), CM_WRITE_APPLIED);
    ck_assert_int_eq(cm_optout_token(db, P, keys, "new@example.org", "plain",
				     tok, sizeof(tok), err, sizeof(err)), 1);
    ck_assert_msg(strstr(err, "campaign has no opt-out reference") != 0,
		  "%s", err);
    ck_assert_int_eq(cm_optout_token(db, P, keys, "new@example.org", "nope",
				     tok, sizeof(tok), err, sizeof(err)), 1);
}
END_TEST

START_TEST(audit_line)
{
    cm_optout_ctx ctx = ctx_of(CM_OPTOUT_ONE_CLICK);
    cm_optout_result res;
    cm_addrkey *ak;
    cm_buf  b = CM_BUF_INIT;
    char    tok[CM_TOKEN_SIZE];

    ck_assert_int_eq(write1(CM_EVENT_GRANT, "alice@example.org", "news",
			    time(0) - 100), CM_WRITE_APPLIED);
    campaign("spring", "news");
    token_for("alice@example.org", "spring", tok);
    ctx.msgid = "<a\"b\\c\n@x>";
    ck_assert_int_eq(cm_optout_apply(db, P, keys, tok, &ctx, &res),
		     CM_OPTOUT_DONE);
    cm_optout_audit_format(&b, 1796256000123LL, &ctx, &res);
    ck_assert_str_eq(cm_buf_str(&b),
		     "{\"time\":\"2026-12-03T00:00:00.123Z\",\"event\":\"opt-out\","
		     "\"channel\":\"one-click\",\"rcpt\":\"alice@example.org\","
		     "\"purpose\":\"news\",\"campaign\":\"spring\","
		     "\"msgid\":\"<a\\\"b\\\\c\\n@x>\",\"client\":\"192.0.2.7\","
		     "\"result\":\"done\"}");
    /* The evidence keeps one word per value. */
    ck_assert_str_eq(str("HGET " P "consent:alice@example.org news:src"),
		     "channel=one-click campaign=spring message=<a\"b\\c%0A@x> "
		     "client=192.0.2.7");

    /* Pseudonymised: rcpt_id, and the client's pseudonym. */
    ak = cm_addrkey_from_bytes("test-key", 8);
    ctx.key = ak;
    ctx.pseudonymise = 1;
    ctx.msgid = 0;
    ck_assert_int_eq(cm_optout_apply(db, P, keys, tok, &ctx, &res),
		     CM_OPTOUT_ALREADY);
    cm_buf_reset(&b);
    cm_optout_audit_format(&b, 1796256000123LL, &ctx, &res);
    ck_assert_msg(strstr(cm_buf_str(&b), "\"rcpt_id\":\"alice@example.org\"")
		  != 0, "%s", cm_buf_str(&b));
    ck_assert_msg(strstr(cm_buf_str(&b), "192.0.2.7") == 0, "%s",
		  cm_buf_str(&b));
    ck_assert_msg(strstr(cm_buf_str(&b), "\"msgid\":null") != 0, "%s",
		  cm_buf_str(&b));
    ck_assert_msg(strstr(cm_buf_str(&b), "\"result\":\"already\"") != 0,
		  "%s", cm_buf_str(&b));
    ck_assert_uint_eq(strlen(res.client), 64);

    /* A bad token: nothing known but the channel and the client. */
    ck_assert_int_eq(cm_optout_apply(db, P, keys, "zz", &ctx, &res),
		     CM_OPTOUT_BADTOKEN);
    cm_buf_reset(&b);
    cm_optout_audit_format(&b, 1796256000123LL, &ctx, &res);
    ck_assert_msg(strstr(cm_buf_str(&b), "\"rcpt_id\":null,\"purpose\":null,"
			 "\"campaign\":null") != 0, "%s", cm_buf_str(&b));
    ck_assert_msg(strstr(cm_buf_str(&b), "\"result\":\"bad-token\"}") != 0,
		  "%s", cm_buf_str(&b));
    cm_addrkey_free(ak);
    cm_buf_free(&b);
}
END_TEST

int     main(void)
{
    Suite  *s = suite_create("optout");
    TCase  *tc = tcase_create("core");
    SRunner *sr;
    int     failed;

    /* A write to a server that went away (store_down): an error, not death. */
    signal(SIGPIPE, SIG_IGN);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, writer_gives_references);
    tcase_add_test(tc, refs_for_old_stores);
    tcase_add_test(tc, one_click_withdraws);
    tcase_add_test(tc, bad_tokens_write_nothing);
    tcase_add_test(tc, feedback_suppresses);
    tcase_add_test(tc, store_down);
    tcase_add_test(tc, missing_references);
    tcase_add_test(tc, audit_line);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
