/* SPDX-License-Identifier: BSD-3-Clause; Copyright (c) 2026 the consent-milter authors. */
/*
 * check_sendermap - unit tests for sendermap.c: the table, the age rule
 * and the SCAN pattern (pure), and loading from a real redis-server.
 *
 * Run under tests/lib/redis.sh, which starts a private server and sets
 * CM_TEST_REDIS_SOCK. A failed load is made with the server's own ACL
 * (the default user loses +scan for a moment), as a daemon whose ACL
 * user was not given +scan would see it.
 */

/* System library. */

#include <errno.h>
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

#include "config.h"
#include "sendermap.h"

static const char *redis_sock;

/* db - run one command given as null-terminated strings */

static void db(redisContext *c,...)
{
    const char *argv[16];
    size_t  lens[16];
    int     argc = 0;
    redisReply *r;
    va_list ap;

    va_start(ap, c);
    while (argc < 16 && (argv[argc] = va_arg(ap, const char *)) != 0) {
	lens[argc] = strlen(argv[argc]);
	argc++;
    }
    va_end(ap);
    r = redisCommandArgv(c, argc, argv, lens);
    ck_assert_msg(r != 0, "redis: %s", c->errstr);
    ck_assert_msg(r->type != REDIS_REPLY_ERROR, "redis %s: %s", argv[0],
		  r->str);
    freeReplyObject(r);
}

/* db_open - a plain connection to the harness's server, flushed */

static redisContext *db_open(void)
{
    redisContext *c = redisConnectUnix(redis_sock);

    ck_assert_msg(c != 0 && c->err == 0, "connect %s", redis_sock);
    db(c, "FLUSHALL", (char *) 0);
    return (c);
}

/* map_open - a sender map for the harness's server */

static cm_sendermap *map_open(const char *sock, const char *prefix,
			              int max_age)
{
    cm_config cfg;
    cm_sendermap *sm;
    char    err[512] = "";

    cm_config_init(&cfg);
    free(cfg.redis_host);
    cfg.redis_host = 0;
    free(cfg.redis_path);
    ck_assert((cfg.redis_path = strdup(sock)) != 0);
    if (prefix) {
	free(cfg.key_prefix);
	ck_assert((cfg.key_prefix = strdup(prefix)) != 0);
    }
    cfg.redis_timeout_ms = 500;
    cfg.sender_map_max_age = max_age;
    sm = cm_sendermap_create(&cfg, err, sizeof(err));
    ck_assert_msg(sm != 0, "cm_sendermap_create: %s", err);
    cm_config_free(&cfg);
    return (sm);
}

/* ask - the copy's answer for one sender */

static cm_sendermap_answer ask(cm_sendermap *sm, const char *sender)
{
    long long age;
    size_t  size;

    return (cm_sendermap_lookup(sm, sender, &age, &size));
}

START_TEST(judge_rule)
{
    /* No copy, or one too old: as if there were none. */
    ck_assert_int_eq(cm_sendermap_judge(0, 0, 0, 3600), CM_SENDERMAP_NONE);
    ck_assert_int_eq(cm_sendermap_judge(0, 1, 0, 3600), CM_SENDERMAP_NONE);
    ck_assert_int_eq(cm_sendermap_judge(1, 0, 3601, 3600), CM_SENDERMAP_NONE);
    ck_assert_int_eq(cm_sendermap_judge(1, 1, 3601, 3600), CM_SENDERMAP_NONE);
    /* Up to and including SenderMapMaxAge it answers. */
    ck_assert_int_eq(cm_sendermap_judge(1, 0, 3600, 3600),
		     CM_SENDERMAP_UNMAPPED);
    ck_assert_int_eq(cm_sendermap_judge(1, 1, 0, 3600), CM_SENDERMAP_MAPPED);
}
END_TEST

START_TEST(table_find)
{
    cm_sendertab *t = cm_sendertab_new();

    ck_assert(t != 0);
    ck_assert(cm_sendertab_find(t, "a@x") == 0);
    ck_assert_int_eq(cm_sendertab_add(t, "news@org.example", 16, "spring", 6), 0);
    ck_assert_int_eq(cm_sendertab_add(t, "a@x", 3, "c1", 2), 0);
    /* SCAN may return a key twice: one entry remains. */
    ck_assert_int_eq(cm_sendertab_add(t, "a@x", 3, "c1", 2), 0);
    /* A value with a null byte: mapped, its value unreadable. */
    ck_assert_int_eq(cm_sendertab_add(t, "z@x", 3, "c\0d", 3), 0);
    /* A sender with a null byte: no lookup can name it; left out. */
    ck_assert_int_eq(cm_sendertab_add(t, "b\0@x", 4, "c2", 2), 0);
    cm_sendertab_seal(t);
    ck_assert_uint_eq(cm_sendertab_size(t), 3);
    ck_assert_str_eq(cm_sendertab_find(t, "news@org.example"), "spring");
    ck_assert_str_eq(cm_sendertab_find(t, "a@x"), "c1");
    ck_assert_str_eq(cm_sendertab_find(t, "z@x"), "");
    ck_assert(cm_sendertab_find(t, "b") == 0);
    ck_assert(cm_sendertab_find(t, "it@party.example") == 0);
    cm_sendertab_free(t);
}
END_TEST

START_TEST(pattern_escaped)
{
    char    buf[64];

    ck_assert_uint_eq(cm_sendermap_pattern(buf, sizeof(buf), "cm:"), 11);
    ck_assert_str_eq(buf, "cm:sender:*");
    ck_assert(cm_sendermap_pattern(buf, sizeof(buf), "a*b?[c]\\:") > 0);
    ck_assert_str_eq(buf, "a\\*b\\?\\[c\\]\\\\:sender:*");
    ck_assert_uint_eq(cm_sendermap_pattern(buf, 10, "cm:"), 0);
}
END_TEST

START_TEST(load_from_redis)
{
    redisContext *c = db_open();
    cm_sendermap *sm;
    char    err[512] = "";
    char    key[64];
    int     i;

    db(c, "SET", "cm:sender:news@org.example", "spring", (char *) 0);
    db(c, "HSET", "cm:sender:odd@org.example", "f", "v", (char *) 0);
    db(c, "SET", "cm:campaign-not-a-sender", "x", (char *) 0);
    db(c, "SET", "other:sender:it@party.example", "x", (char *) 0);
    /* More than one SCAN page. */
    for (i = 0; i < 2500; i++) {
	(void) snprintf(key, sizeof(key), "cm:sender:s%d@bulk.example", i);
	db(c, "SET", key, "autumn", (char *) 0);
    }
    sm = map_open(redis_sock, 0, 3600);

    /* Before any load there is no copy. */
    ck_assert_int_eq(ask(sm, "news@org.example"), CM_SENDERMAP_NONE);
    ck_assert_msg(cm_sendermap_load(sm, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(ask(sm, "news@org.example"), CM_SENDERMAP_MAPPED);
    ck_assert_int_eq(ask(sm, "odd@org.example"), CM_SENDERMAP_MAPPED);
    ck_assert_int_eq(ask(sm, "s2499@bulk.example"), CM_SENDERMAP_MAPPED);
    ck_assert_int_eq(ask(sm, "it@party.example"), CM_SENDERMAP_UNMAPPED);

    /* A reload replaces the copy: a removed mapping is gone. */
    db(c, "DEL", "cm:sender:news@org.example", (char *) 0);
    ck_assert_msg(cm_sendermap_load(sm, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(ask(sm, "news@org.example"), CM_SENDERMAP_UNMAPPED);

    /* A failed load keeps the last good copy, and says why. */
    db(c, "SET", "cm:sender:late@org.example", "spring", (char *) 0);
    db(c, "ACL", "SETUSER", "default", "-scan", (char *) 0);
    ck_assert_int_eq(cm_sendermap_load(sm, err, sizeof(err)), -1);
    db(c, "ACL", "SETUSER", "default", "+@all", (char *) 0);
    ck_assert_msg(strstr(err, "NOPERM") != 0, "%s", err);
    ck_assert_int_eq(ask(sm, "s0@bulk.example"), CM_SENDERMAP_MAPPED);
    /* The gap: mapped after the last good load, not in the copy. */
    ck_assert_int_eq(ask(sm, "late@org.example"), CM_SENDERMAP_UNMAPPED);
    cm_sendermap_destroy(sm);
    redisFree(c);
}
END_TEST

START_TEST(prefix_and_age)
{
    redisContext *c = db_open();
    cm_sendermap *sm;
    char    err[512] = "";
    struct timespec ts = {2, 100000000L};

    /* Glob characters in KeyPrefix match themselves only. */
    db(c, "SET", "t*:sender:a@x", "c1", (char *) 0);
    db(c, "SET", "tx:sender:b@x", "c1", (char *) 0);
    sm = map_open(redis_sock, "t*:", 1);
    ck_assert_msg(cm_sendermap_load(sm, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(ask(sm, "a@x"), CM_SENDERMAP_MAPPED);
    ck_assert_int_eq(ask(sm, "b@x"), CM_SENDERMAP_UNMAPPED);

    /* Older than SenderMapMaxAge (1 s here): not used. */
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
	 /* void */ ;
    ck_assert_int_eq(ask(sm, "a@x"), CM_SENDERMAP_NONE);
    ck_assert_int_eq(ask(sm, "b@x"), CM_SENDERMAP_NONE);
    cm_sendermap_destroy(sm);
    redisFree(c);
}
END_TEST

START_TEST(unreachable_and_off)
{
    cm_sendermap *sm;
    cm_config cfg;
    char    err[512] = "";

    /* Redis down since start: no copy, lookups say so. */
    sm = map_open("/nonexistent/redis.sock", 0, 3600);
    ck_assert_int_eq(cm_sendermap_load(sm, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "/nonexistent/redis.sock") != 0, "%s", err);
    ck_assert_int_eq(ask(sm, "it@party.example"), CM_SENDERMAP_NONE);
    ck_assert_int_eq(cm_sendermap_start(sm), 0);	/* and stops again */
    cm_sendermap_destroy(sm);

    /* SenderMapRefresh 0: off. */
    cm_config_init(&cfg);
    cfg.sender_map_refresh = 0;
    sm = cm_sendermap_create(&cfg, err, sizeof(err));
    ck_assert(sm != 0);
    ck_assert_int_eq(cm_sendermap_load(sm, err, sizeof(err)), -1);
    ck_assert_int_eq(ask(sm, "it@party.example"), CM_SENDERMAP_NONE);
    ck_assert_int_eq(cm_sendermap_start(sm), 0);
    cm_sendermap_destroy(sm);
    cm_config_free(&cfg);
}
END_TEST

START_TEST(config_keys)
{
    cm_config cfg;
    char    err[512] = "";

    cm_config_init(&cfg);
    ck_assert_int_eq(cfg.sender_map_refresh, 60);
    ck_assert_int_eq(cfg.sender_map_max_age, 3600);
    ck_assert_msg(cm_config_parse(&cfg, "t.conf", "SenderMapRefresh 10\n"
				  "SenderMapMaxAge 600\n", err,
				  sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(cfg.sender_map_refresh, 10);
    ck_assert_int_eq(cfg.sender_map_max_age, 600);
    cm_config_free(&cfg);
    cm_config_init(&cfg);
    ck_assert(cm_config_parse(&cfg, "t.conf", "SenderMapMaxAge 0\n", err,
			      sizeof(err)) != 0);
    ck_assert_msg(strstr(err, "t.conf:1: SenderMapMaxAge") != 0, "%s", err);
    cm_config_free(&cfg);
}
END_TEST

static Suite *sendermap_suite(void)
{
    Suite  *s = suite_create("sendermap");
    TCase  *tc = tcase_create("pure");

    tcase_add_test(tc, judge_rule);
    tcase_add_test(tc, table_find);
    tcase_add_test(tc, pattern_escaped);
    tcase_add_test(tc, config_keys);
    suite_add_tcase(s, tc);
    tc = tcase_create("redis");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, load_from_redis);
    tcase_add_test(tc, prefix_and_age);
    tcase_add_test(tc, unreachable_and_off);
    suite_add_tcase(s, tc);
    return (s);
}

int     main(void)
{
    SRunner *sr;
    int     failed;

    if ((redis_sock = getenv("CM_TEST_REDIS_SOCK")) == 0) {
	fprintf(stderr, "check_sendermap: run under tests/lib/redis.sh\n");
	return (99);
    }
    (void) signal(SIGPIPE, SIG_IGN);	/* as smfi_main() does */
    sr = srunner_create(sendermap_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed ? 1 : 0);
}
