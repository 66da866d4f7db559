/*++
/* NAME
/*	check_eom_unsub 1
/* SUMMARY
/*	engine tests: the relay's own List-Unsubscribe, with a real Redis
/* DESCRIPTION
/*	The engine is driven as libmilter would drive it, with the
/*	recording MTA (mta_record.c), against the redis-server of
/*	tests/lib/redis.sh. With Unsubscribe yes, a message to one
/*	person allowed on consent gets List-Unsubscribe (https and
/*	mailto, one token that opens to the record's and campaign's
/*	references and the purpose) and List-Unsubscribe-Post, inserted
/*	at index 0; several recipients, a record or campaign without a
/*	reference, service mail and Unsubscribe no get nothing; in
/*	dry-run a recipient that enforce would refuse still counts (it
/*	is delivered), so alice and bob get no header; a refused
/*	insert defers the message with action-failed records (DESIGN.md
/*	section 7).
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "engine.h"
#include "mta_record.h"
#include "unsubtoken.h"

#define KEYTEXT	"k1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
#define URL	"https://optout.example.org/u/"

static cm_config cfg;
static cm_engine eng;
static mta_record mta;
static cm_token_keys *keys;
static char audit_path[256];

/* redis_do - run one seeding command */

static void redis_do(redisContext *c, const char *cmd)
{
    redisReply *r = redisCommand(c, cmd);

    ck_assert_ptr_nonnull(r);
    ck_assert_msg(r->type != REDIS_REPLY_ERROR, "%s: %s", cmd, r->str);
    freeReplyObject(r);
}

/* setup - Unsubscribe yes, keys, sample records with references */

static void setup(void)
{
    const char *sock = getenv("CM_TEST_REDIS_SOCK");
    const char *tmp = getenv("CM_TEST_TMPDIR");
    char    text[1024], err[512], cmd[256];
    redisContext *c;
    long    now = (long) time(0);

    ck_assert_msg(sock != 0 && tmp != 0, "run me under tests/lib/redis.sh");
    (void) snprintf(audit_path, sizeof(audit_path), "%s/unsub-audit.log", tmp);
    (void) unlink(audit_path);
    (void) snprintf(text, sizeof(text), "Redis unix:%s\nAuditLog %s\n"
		    "Unsubscribe yes\nUnsubscribeURL " URL "\n"
		    "UnsubscribeMailto optout.example.org\n"
		    "UnsubscribeKeyFile %s/unsub.keys\n", sock, audit_path, tmp);
    cm_config_init(&cfg);
    ck_assert_msg(cm_config_parse(&cfg, "test.conf", text, err,
				  sizeof(err)) == 0, "%s", err);
    keys = cm_token_keys_parse("keys", KEYTEXT, strlen(KEYTEXT), err,
			       sizeof(err));
    ck_assert_msg(keys != 0, "%s", err);
    memset(&eng, 0, sizeof(eng));
    eng.cfg = &cfg;
    eng.ops = &mta_record_ops;
    eng.unsub_keys = keys;
    eng.store = cm_store_create(&cfg, err, sizeof(err));
    ck_assert_ptr_nonnull(eng.store);
    eng.audit = cm_audit_open(cfg.audit_log, 0, err, sizeof(err));
    ck_assert_ptr_nonnull(eng.audit);
    memset(&mta, 0, sizeof(mta));

    c = redisConnectUnix(sock);
    ck_assert(c != 0 && c->err == 0);
    redis_do(c, "FLUSHALL");
    redis_do(c, "HSET cm:campaign:spring purpose newsletter status active ref 3");
    redis_do(c, "HSET cm:campaign:noref purpose newsletter status active");
    redis_do(c, "HSET cm:campaign:receipts purpose receipts basis service ref 4");
    redis_do(c, "SET cm:sender:news@org.example spring");
    redis_do(c, "SET cm:sender:old@org.example noref");
    redis_do(c, "SET cm:sender:shop@org.example receipts");
    (void) snprintf(cmd, sizeof(cmd), "HSET cm:consent:alice@example.org "
		    "newsletter granted newsletter:at %ld #ref 7", now - 60);
    redis_do(c, cmd);
    (void) snprintf(cmd, sizeof(cmd), "HSET cm:consent:carol@example.org "
		    "newsletter granted newsletter:at %ld #ref 8", now - 60);
    redis_do(c, cmd);
    (void) snprintf(cmd, sizeof(cmd), "HSET cm:consent:dan@example.org "
		    "newsletter granted newsletter:at %ld", now - 60);
    redis_do(c, cmd);
    (void) snprintf(cmd, sizeof(cmd), "HSET cm:consent:bob@example.org "
		    "newsletter withdrawn newsletter:at %ld #ref 9", now - 60);
    redis_do(c, cmd);
    redisFree(c);
}

static void teardown(void)
{
    cm_audit_close(eng.audit);
    cm_store_destroy(eng.store);
    cm_config_free(&cfg);
    cm_token_keys_free(keys);
    mta_record_reset(&mta);
}

/* send - one message from sender to the recipients; the reply */

static cm_reply send(const char *sender, const char *const *rcpts,
		             const char *qid)
{
    cm_session *s = cm_session_new(&eng, 0);
    cm_reply r;

    ck_assert_int_eq(cm_on_mail(s, &mta, sender, 0), CM_REPLY_CONTINUE);
    for (; *rcpts; rcpts++)
	(void) cm_on_rcpt(s, &mta, *rcpts);
    cm_on_header(s, &mta, "From", "News <news@org.example>");
    cm_on_header(s, &mta, "List-Unsubscribe", "<https://tool.example/u/1>");
    mta.qid = qid;
    r = cm_on_eom(s, &mta);
    cm_session_free(s);
    return (r);
}

/* token_of - the token in an inserted List-Unsubscribe, opened */

static void token_of(const char *hdr, cm_token *t)
{
    const char *p = strstr(hdr, URL);
    char    tok[CM_TOKEN_SIZE], want[512];

    ck_assert_msg(p != 0, "%s", hdr);
    memcpy(tok, p + strlen(URL), CM_TOKEN_LEN);
    tok[CM_TOKEN_LEN] = 0;
    (void) snprintf(want, sizeof(want), "0 List-Unsubscribe: <" URL "%s>, "
		    "<mailto:unsubscribe+%s@optout.example.org>", tok, tok);
    ck_assert_str_eq(hdr, want);
    ck_assert_int_eq(cm_token_open(keys, tok, strlen(tok), t), CM_TOKEN_OK);
}

START_TEST(one_person_gets_it)
{
    const char *rcpts[] = {"<Alice@Example.org>", 0};
    cm_token t;

    ck_assert_int_eq(send("<news@org.example>", rcpts, "Q1"), CM_REPLY_ACCEPT);
    ck_assert_int_eq(mta.ninserted, 2);
    /* Both at index 0, Post first: List-Unsubscribe ends up on top. */
    ck_assert_str_eq(mta.inserted[0],
		     "0 List-Unsubscribe-Post: List-Unsubscribe=One-Click");
    token_of(mta.inserted[1], &t);
    ck_assert(t.person == 7);
    ck_assert(t.campaign == 3);
    ck_assert(cm_token_purpose_matches(&t, "newsletter"));
    ck_assert_uint_eq(t.day, cm_token_day(time(0)));
    /* X-Consent-Milter as before. */
    ck_assert_int_eq(mta.nheaders, 1);
}
END_TEST

START_TEST(one_left_after_refusal)
{
    const char *rcpts[] = {"<alice@example.org>", "<bob@example.org>", 0};
    cm_token t;

    /* bob is refused at RCPT (withdrawn): the message goes to alice only. */
    ck_assert_int_eq(send("<news@org.example>", rcpts, "Q2"), CM_REPLY_ACCEPT);
    ck_assert_int_eq(mta.ninserted, 2);
    token_of(mta.inserted[1], &t);
    ck_assert(t.person == 7);
}
END_TEST

START_TEST(several_get_none)
{
    const char *rcpts[] = {"<alice@example.org>", "<carol@example.org>", 0};

    ck_assert_int_eq(send("<news@org.example>", rcpts, "Q3"), CM_REPLY_ACCEPT);
    ck_assert_int_eq(mta.ninserted, 0);
    ck_assert_int_eq(mta.nheaders, 1);
}
END_TEST

START_TEST(dry_run_counts_refused)
{
    const char *both[] = {"<alice@example.org>", "<bob@example.org>", 0};
    const char *alice[] = {"<alice@example.org>", 0};
    cm_token t;

    /*
     * In dry-run bob (withdrawn) is not refused: he gets this very
     * message, so a token of alice's in it would let him withdraw her.
     */
    cfg.mode = CM_MODE_DRY_RUN;
    ck_assert_int_eq(send("<news@org.example>", both, "QD1"), CM_REPLY_ACCEPT);
    ck_assert_int_eq(mta.ninserted, 0);
    ck_assert_int_eq(mta.nheaders, 1);
    /* One person, in dry-run as in enforce: the header is added. */
    mta_record_reset(&mta);
    ck_assert_int_eq(send("<news@org.example>", alice, "QD2"), CM_REPLY_ACCEPT);
    ck_assert_int_eq(mta.ninserted, 2);
    token_of(mta.inserted[1], &t);
    ck_assert(t.person == 7);
}
END_TEST

START_TEST(no_reference_no_header)
{
    const char *dan[] = {"<dan@example.org>", 0};
    const char *alice[] = {"<alice@example.org>", 0};

    ck_assert_int_eq(send("<news@org.example>", dan, "Q4"), CM_REPLY_ACCEPT);
    ck_assert_int_eq(mta.ninserted, 0);
    mta_record_reset(&mta);
    ck_assert_int_eq(send("<old@org.example>", alice, "Q5"), CM_REPLY_ACCEPT);
    ck_assert_int_eq(mta.ninserted, 0);
    /* Service mail needs no opt-out of ours. */
    mta_record_reset(&mta);
    ck_assert_int_eq(send("<shop@org.example>", alice, "Q6"), CM_REPLY_ACCEPT);
    ck_assert_int_eq(mta.ninserted, 0);
}
END_TEST

START_TEST(mailto_only_no_post)
{
    const char *rcpts[] = {"<alice@example.org>", 0};

    free(cfg.unsubscribe_url);
    cfg.unsubscribe_url = 0;
    ck_assert_int_eq(send("<news@org.example>", rcpts, "Q7"), CM_REPLY_ACCEPT);
    ck_assert_int_eq(mta.ninserted, 1);
    ck_assert_msg(strncmp(mta.inserted[0], "0 List-Unsubscribe: <mailto:"
			  "unsubscribe+", 40) == 0, "%s", mta.inserted[0]);
}
END_TEST

START_TEST(unsubscribe_no)
{
    const char *rcpts[] = {"<alice@example.org>", 0};

    cfg.unsubscribe = 0;
    ck_assert_int_eq(send("<news@org.example>", rcpts, "Q8"), CM_REPLY_ACCEPT);
    ck_assert_int_eq(mta.ninserted, 0);
}
END_TEST

START_TEST(insert_fails_defers)
{
    const char *rcpts[] = {"<alice@example.org>", 0};
    FILE   *fp;
    char    line[4096];
    int     failed = 0;

    mta.fail_at[MTA_INSHEADER] = _i;
    ck_assert_int_eq(send("<news@org.example>", rcpts, "QF"),
		     CM_REPLY_TEMPFAIL);
    ck_assert_str_eq(mta.rcode, "451");
    ck_assert_str_eq(mta.text, "not sent: action-failed (the message could "
		     "not be changed, try again later)");
    ck_assert((fp = fopen(audit_path, "r")) != 0);
    while (fgets(line, sizeof(line), fp))
	if (strstr(line, "\"qid\":\"QF\"") && strstr(line, "\"reason\":"
						     "\"action-failed\""))
	    failed++;
    fclose(fp);
    ck_assert_int_eq(failed, 1);
}
END_TEST

int     main(void)
{
    Suite  *suite = suite_create("eom_unsub");
    TCase  *tc = tcase_create("unsubscribe");
    SRunner *sr;
    int     failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, one_person_gets_it);
    tcase_add_test(tc, one_left_after_refusal);
    tcase_add_test(tc, several_get_none);
    tcase_add_test(tc, dry_run_counts_refused);
    tcase_add_test(tc, no_reference_no_header);
    tcase_add_test(tc, mailto_only_no_post);
    tcase_add_test(tc, unsubscribe_no);
    tcase_add_loop_test(tc, insert_fails_defers, 1, 3);
    suite_add_tcase(suite, tc);
    sr = srunner_create(suite);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed == 0 ? 0 : 1);
}
