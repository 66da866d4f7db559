/* SPDX-License-Identifier: BSD-3-Clause; Copyright (c) 2026 the consent-milter authors. */
/*
 * check_store - unit tests for store.c against a real redis-server.
 *
 * Run under tests/lib/redis.sh, which starts a private server and sets
 * CM_TEST_REDIS_SOCK and CM_TEST_TMPDIR. Some tests start further
 * servers of their own (password, ACL user, restart, DEBUG SLEEP) on
 * sockets in CM_TEST_TMPDIR, and stop them again; "hostile replies"
 * puts a TCP listener with absurd answers at the Redis address.
 */

/* System library. */

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Utility library. */

#include <check.h>
#include <hiredis/hiredis.h>

/* Application-specific. */

#include "cache.h"
#include "config.h"
#include "policy.h"
#include "redisreply.h"
#include "store.h"
#include "store_impl.h"		/* KEYBUF_INLINE */
#include "../lib/redis_fixture.h"

static const char *redis_sock;		/* the harness's server */
static const char *tmpdir;

/* A redis-server that a test starts itself (tests/lib/redis_fixture.c). */
typedef cm_rfix server;

/* sleep_ms - nap */

static void sleep_ms(long ms)
{
    struct timespec ts;

    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
	 /* void */ ;
}

/* set_str - replace an allocated config string */

static void set_str(char **field, const char *value)
{
    free(*field);
    *field = value ? strdup(value) : 0;
    ck_assert(value == 0 || *field != 0);
}

/* test_config - defaults, pointed at a unix socket */

static void test_config(cm_config *cfg, const char *sock)
{
    cm_config_init(cfg);
    set_str(&cfg->redis_host, 0);
    set_str(&cfg->redis_path, sock);
    cfg->redis_timeout_ms = 2000;
    cfg->redis_connections = 2;
}

/* open_store - a store for a socket, or fail the test */

static cm_store *open_store(const char *sock, const char *prefix,
			            const char *password_file, int timeout_ms)
{
    cm_config cfg;
    cm_store *st;
    char    err[512] = "";

    test_config(&cfg, sock);
    if (prefix)
	set_str(&cfg.key_prefix, prefix);
    if (password_file)
	set_str(&cfg.redis_password_file, password_file);
    if (timeout_ms)
	cfg.redis_timeout_ms = timeout_ms;
    st = cm_store_create(&cfg, err, sizeof(err));
    ck_assert_msg(st != 0, "cm_store_create: %s", err);
    cm_config_free(&cfg);
    return (st);
}

/* db_connect - a plain hiredis connection for seeding */

static redisContext *db_connect(const char *sock)
{
    redisContext *c = redisConnectUnix(sock);

    ck_assert_msg(c != 0 && c->err == 0, "connect %s: %s", sock,
		  c ? c->errstr : "out of memory");
    return (c);
}

/* db_argv - run one command given as counted strings; expect no error */

static void db_argv(redisContext *c, int argc, const char **argv,
		            const size_t *lens)
{
    redisReply *r = redisCommandArgv(c, argc, argv, lens);

    ck_assert_msg(r != 0, "redis: %s", c->errstr);
    ck_assert_msg(r->type != REDIS_REPLY_ERROR, "redis %s: %s", argv[0], r->str);
    freeReplyObject(r);
}

/* db - run one command given as null-terminated strings, NULL at the end */

static void db(redisContext *c,...)
{
    const char *argv[16];
    size_t  lens[16];
    int     argc = 0;
    va_list ap;

    va_start(ap, c);
    while (argc < 16 && (argv[argc] = va_arg(ap, const char *)) != 0) {
	lens[argc] = strlen(argv[argc]);
	argc++;
    }
    va_end(ap);
    db_argv(c, argc, argv, lens);
}

/* flush_main - empty the harness's server before each test */

static void flush_main(void)
{
    redisContext *c = db_connect(redis_sock);

    db(c, "FLUSHALL", (char *) 0);
    redisFree(c);
}

/* write_file - a file in the temporary directory */

static const char *write_file(const char *name, const char *text)
{
    static char path[256];
    FILE   *fp;

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    ck_assert((fp = fopen(path, "w")) != 0);
    fputs(text, fp);
    ck_assert(fclose(fp) == 0);
    return (path);
}

/* lookups - n recipient lookups with ids from a pattern */

static cm_rcpt *lookups(size_t n)
{
    cm_rcpt *r = calloc(n, sizeof(*r));
    size_t  i;

    ck_assert(r != 0);
    for (i = 0; i < n; i++)
	r[i].facts.addr_ok = 1;
    return (r);
}

/* free_lookups - clear and free lookups */

static void free_lookups(cm_rcpt *r, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++)
	cm_rcpt_record_clear(&r[i].record);
    free(r);
}

/* fetch_ok - cm_store_fetch() that must succeed */

static void fetch_ok(cm_store *st, const char *id, cm_campaign *camp,
		             cm_rcpt *rcpts, size_t count)
{
    char    err[512] = "";

    ck_assert_msg(cm_store_fetch(st, id, camp, rcpts, count,
				 err, sizeof(err)) == 0, "fetch: %s", err);
}

START_TEST(test_ping)
{
    cm_store *st = open_store(redis_sock, 0, 0, 0);
    char    err[256];

    ck_assert_int_eq(cm_store_ping(st, err, sizeof(err)), 0);
    ck_assert_int_eq(cm_store_ping(st, err, sizeof(err)), 0);
    cm_store_destroy(st);
}
END_TEST

START_TEST(test_sender)
{
    cm_store *st = open_store(redis_sock, 0, 0, 0);
    redisContext *c = db_connect(redis_sock);
    const char *argv[3] = {"SET", "cm:sender:odd \r\x01@example.org", "autumn"};
    size_t  lens[3] = {3, 0, 6};
    char    campaign[CM_CAMPAIGN_ID_MAX + 1];
    char    small[4];
    char    err[256];
    int     found = -1;

    db(c, "SET", "cm:sender:news@example.org", "spring", (char *) 0);
    lens[1] = strlen(argv[1]);
    db_argv(c, 3, argv, lens);
    db(c, "HSET", "cm:sender:hash@example.org", "a", "b", (char *) 0);

    ck_assert_int_eq(cm_store_sender_campaign(st, "news@example.org", campaign,
				sizeof(campaign), &found, err, sizeof(err)), 0);
    ck_assert_int_eq(found, 1);
    ck_assert_str_eq(campaign, "spring");

    ck_assert_int_eq(cm_store_sender_campaign(st, "odd \r\x01@example.org",
		    campaign, sizeof(campaign), &found, err, sizeof(err)), 0);
    ck_assert_int_eq(found, 1);
    ck_assert_str_eq(campaign, "autumn");

    ck_assert_int_eq(cm_store_sender_campaign(st, "other@example.org", campaign,
				sizeof(campaign), &found, err, sizeof(err)), 0);
    ck_assert_int_eq(found, 0);

    /*
     * "spring" does not fit in 4 bytes: still a mapping (row 4 for the
     * caller), never a truncated id that could be valid ("spr").
     */
    ck_assert_int_eq(cm_store_sender_campaign(st, "news@example.org", small,
				  sizeof(small), &found, err, sizeof(err)), 0);
    ck_assert_int_eq(found, 1);
    ck_assert_str_eq(small, "sp?");

    /* An empty value and a null byte are mappings as well. */
    db(c, "SET", "cm:sender:empty@example.org", "", (char *) 0);
    ck_assert_int_eq(cm_store_sender_campaign(st, "empty@example.org",
		    campaign, sizeof(campaign), &found, err, sizeof(err)), 0);
    ck_assert_int_eq(found, 1);
    ck_assert_str_eq(campaign, "");
    argv[1] = "cm:sender:nul@example.org";
    lens[1] = strlen(argv[1]);
    argv[2] = "spr\0ing";
    lens[2] = 7;
    db_argv(c, 3, argv, lens);
    ck_assert_int_eq(cm_store_sender_campaign(st, "nul@example.org",
		    campaign, sizeof(campaign), &found, err, sizeof(err)), 0);
    ck_assert_int_eq(found, 1);
    ck_assert_str_eq(campaign, "spr?ing");

    ck_assert_int_eq(cm_store_sender_campaign(st, "hash@example.org", campaign,
				sizeof(campaign), &found, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "WRONGTYPE") != 0, "%s", err);
    redisFree(c);
    cm_store_destroy(st);
}
END_TEST

START_TEST(test_campaign_fields)
{
    cm_store *st = open_store(redis_sock, 0, 0, 0);
    redisContext *c = db_connect(redis_sock);
    cm_campaign camp;

    db(c, "HSET", "cm:campaign:spring", "purpose", "newsletter", "basis",
       "service", "status", "paused", "max_age_days", "365", "senders",
       "news@example.org, alice", "owner", "marketing", "created_at",
       "1700000000", (char *) 0);
    db(c, "HSET", "cm:campaign:plain", "purpose", "offers.v2", (char *) 0);
    db(c, "HSET", "cm:campaign:shut", "purpose", "offers", "status",
       "closed", "max_age_days", "0", (char *) 0);

    fetch_ok(st, "spring", &camp, 0, 0);
    ck_assert_int_eq(camp.found, 1);
    ck_assert_str_eq(camp.purpose, "newsletter");
    ck_assert_int_eq(camp.basis, CM_BASIS_SERVICE);
    ck_assert_int_eq(camp.status, CM_STATUS_PAUSED);
    ck_assert_int_eq(camp.max_age_days, 365);
    ck_assert_str_eq(camp.senders, "news@example.org, alice");
    cm_campaign_clear(&camp);

    fetch_ok(st, "plain", &camp, 0, 0);
    ck_assert_int_eq(camp.found, 1);
    ck_assert_str_eq(camp.purpose, "offers.v2");
    ck_assert_int_eq(camp.basis, CM_BASIS_CONSENT);
    ck_assert_int_eq(camp.status, CM_STATUS_ACTIVE);
    ck_assert_int_eq(camp.max_age_days, 0);
    ck_assert_ptr_null(camp.senders);
    cm_campaign_clear(&camp);

    fetch_ok(st, "shut", &camp, 0, 0);
    ck_assert_int_eq(camp.status, CM_STATUS_CLOSED);
    ck_assert_int_eq(camp.max_age_days, 0);
    cm_campaign_clear(&camp);

    fetch_ok(st, "nosuch", &camp, 0, 0);
    ck_assert_int_eq(camp.found, 0);
    cm_campaign_clear(&camp);
    redisFree(c);
    cm_store_destroy(st);
}
END_TEST

/* Campaign records with one bad field each. */
static const struct bad_case {
    const char *field;
    const char *value;			/* NULL: purpose missing */
    const char *err;
} bad_cases[] = {
    {"status", "open", "cm:campaign:bad: field \"status\" has bad value \"open\""},
    {"status", "Active", "field \"status\" has bad value \"Active\""},
    {"basis", "legitimate-interest", "field \"basis\" has bad value \"legitimate-interest\""},
    {"basis", "", "field \"basis\" has bad value \"\""},
    {"max_age_days", "-1", "field \"max_age_days\" has bad value \"-1\""},
    {"max_age_days", "30d", "field \"max_age_days\" has bad value \"30d\""},
    {"max_age_days", " 30", "field \"max_age_days\" has bad value \" 30\""},
    {"max_age_days", "99999999999999999999", "field \"max_age_days\" has bad value"},
    {"purpose", "News", "field \"purpose\" has bad value \"News\""},
    {"purpose", "a b", "field \"purpose\" has bad value \"a b\""},
    {"purpose", "", "field \"purpose\" has bad value \"\""},
    {"purpose", "x\r\n\"y", "field \"purpose\" has bad value \"x\\x0d\\x0a\\x22y\""},
    {"purpose", 0, "cm:campaign:bad: field \"purpose\" is missing"},
};

START_TEST(test_campaign_bad)
{
    const struct bad_case *bc = bad_cases + _i;
    cm_store *st = open_store(redis_sock, 0, 0, 0);
    redisContext *c = db_connect(redis_sock);
    cm_rcpt *r = lookups(1);
    cm_campaign camp;
    char    err[512] = "";

    if (strcmp(bc->field, "purpose") != 0)
	db(c, "HSET", "cm:campaign:bad", "purpose", "offers", (char *) 0);
    if (bc->value)
	db(c, "HSET", "cm:campaign:bad", bc->field, bc->value, (char *) 0);
    db(c, "HSET", "cm:campaign:bad", "senders", "a@example.org", "owner", "x",
       (char *) 0);
    snprintf(r[0].facts.id, sizeof(r[0].facts.id), "alice@example.org");
    db(c, "HSET", "cm:consent:alice@example.org", "offers", "granted",
       "offers:src", "form", (char *) 0);

    /* Redis answered: an unreadable record, not an outage. */
    ck_assert_int_eq(cm_store_fetch(st, "bad", &camp, r, 1,
				    err, sizeof(err)), CM_STORE_INVALID);
    ck_assert_msg(strstr(err, bc->err) != 0, "got '%s', want '%s'", err, bc->err);
    /* Nothing is left behind that needs freeing. */
    ck_assert_int_eq(camp.found, 0);
    ck_assert_ptr_null(camp.senders);
    ck_assert_ptr_null(r[0].record.consent_src);
    ck_assert_int_eq(r[0].facts.addr_ok, 1);
    free_lookups(r, 1);
    redisFree(c);
    cm_store_destroy(st);
}
END_TEST

START_TEST(test_campaign_wrongtype)
{
    cm_store *st = open_store(redis_sock, 0, 0, 0);
    redisContext *c = db_connect(redis_sock);
    cm_campaign camp;
    char    err[512];

    db(c, "SET", "cm:campaign:str", "newsletter", (char *) 0);
    ck_assert_int_eq(cm_store_fetch(st, "str", &camp, 0, 0,
				    err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "cm:campaign:str: WRONGTYPE") == err, "%s", err);
    /* The connection is still good. */
    ck_assert_int_eq(cm_store_ping(st, err, sizeof(err)), 0);
    redisFree(c);
    cm_store_destroy(st);
}
END_TEST

enum {
    R_GRANTED, R_WITHDRAWN, R_NONE, R_OTHER_PURPOSE, R_SUPPRESSED,
    R_SUPP_BADTIME, R_BAD_STATE, R_WRONGTYPE_CONSENT, R_WRONGTYPE_SUPPRESS,
    R_BAD_ADDR, R_BAD_AT, R_TIME_ONLY, R_NUL_SRC, R_COUNT
};

/* seed_rcpts - one recipient per case above, for purpose "offers" */

static void seed_rcpts(redisContext *c, const char *prefix,
		               cm_rcpt *r)
{
    static const char *ids[R_COUNT] = {
	"granted@example.org", "withdrawn@example.org", "none@example.org",
	"other@example.org", "supp@example.org", "badtime@example.org",
	"badstate@example.org", "wtc@example.org", "wts@example.org",
	"badaddr@example.org", "badat@example.org", "timeonly@example.org",
	"nulsrc@example.org",
    };
    static const char nul_src[] = "form v3\0 (forged by import)";
    const char *argv[6];
    size_t  lens[6];
    char    k[9][128];
    int     i;

    for (i = 0; i < R_COUNT; i++)
	snprintf(r[i].facts.id, sizeof(r[i].facts.id), "%s", ids[i]);
    r[R_BAD_ADDR].facts.addr_ok = 0;
#define KEY(n, part, id) (snprintf(k[n], sizeof(k[n]), "%s%s%s", prefix, part, id), k[n])
    db(c, "HSET", KEY(0, "consent:", ids[R_GRANTED]), "offers", "granted",
       "offers:at", "1700000000", "offers:src", "web form v3, 192.0.2.1",
       "news", "withdrawn", (char *) 0);
    db(c, "HSET", KEY(0, "consent:", ids[R_WITHDRAWN]), "offers", "withdrawn",
       "offers:at", "1700000500", (char *) 0);
    db(c, "HSET", KEY(0, "consent:", ids[R_OTHER_PURPOSE]), "news", "granted",
       "offersx", "granted", "offers:atx", "5", (char *) 0);
    db(c, "HSET", KEY(0, "consent:", ids[R_SUPPRESSED]), "offers", "granted",
       (char *) 0);
    db(c, "SET", KEY(0, "suppress:", ids[R_SUPPRESSED]),
       "1690000000 complaint via abuse desk", (char *) 0);
    db(c, "SET", KEY(0, "suppress:", ids[R_SUPP_BADTIME]), "yesterday spam",
       (char *) 0);
    db(c, "HSET", KEY(0, "consent:", ids[R_BAD_STATE]), "offers", "maybe",
       (char *) 0);
    db(c, "SET", KEY(0, "consent:", ids[R_WRONGTYPE_CONSENT]), "granted",
       (char *) 0);
    db(c, "HSET", KEY(0, "suppress:", ids[R_WRONGTYPE_SUPPRESS]), "a", "b",
       (char *) 0);
    db(c, "HSET", KEY(0, "consent:", ids[R_BAD_ADDR]), "offers", "granted",
       (char *) 0);
    db(c, "HSET", KEY(0, "consent:", ids[R_BAD_AT]), "offers", "granted",
       "offers:at", "soon", (char *) 0);
    db(c, "SET", KEY(0, "suppress:", ids[R_TIME_ONLY]), "1600000000",
       (char *) 0);
    argv[0] = "HSET";
    argv[1] = KEY(0, "consent:", ids[R_NUL_SRC]);
    argv[2] = "offers";
    argv[3] = "granted";
    argv[4] = "offers:src";
    argv[5] = nul_src;
    for (i = 0; i < 5; i++)
	lens[i] = strlen(argv[i]);
    lens[5] = sizeof(nul_src) - 1;
    db_argv(c, 6, argv, lens);
#undef KEY
}

/* check_rcpts - the facts that seed_rcpts() implies */

static void check_rcpts(const cm_rcpt *r)
{
    const cm_rcpt_record *f;

    f = &r[R_GRANTED].record;
    ck_assert_int_eq(f->store_error, 0);
    ck_assert_int_eq(f->consent, CM_CONSENT_GRANTED);
    ck_assert_int_eq(f->consent_at, 1700000000);
    ck_assert_str_eq(f->consent_src, "web form v3, 192.0.2.1");
    ck_assert_int_eq(f->suppressed, 0);

    f = &r[R_WITHDRAWN].record;
    ck_assert_int_eq(f->consent, CM_CONSENT_WITHDRAWN);
    ck_assert_int_eq(f->consent_at, 1700000500);
    ck_assert_ptr_null(f->consent_src);

    f = &r[R_NONE].record;
    ck_assert_int_eq(f->store_error, 0);
    ck_assert_int_eq(f->consent, CM_CONSENT_NONE);
    ck_assert_int_eq(f->consent_at, 0);
    ck_assert_int_eq(f->suppressed, 0);

    f = &r[R_OTHER_PURPOSE].record;
    ck_assert_int_eq(f->store_error, 0);
    ck_assert_int_eq(f->consent, CM_CONSENT_NONE);
    ck_assert_int_eq(f->consent_at, 0);

    f = &r[R_SUPPRESSED].record;
    ck_assert_int_eq(f->suppressed, 1);
    ck_assert_int_eq(f->suppressed_at, 1690000000);
    ck_assert_str_eq(f->suppressed_reason, "complaint via abuse desk");
    ck_assert_int_eq(f->consent, CM_CONSENT_GRANTED);

    f = &r[R_SUPP_BADTIME].record;
    ck_assert_int_eq(f->store_error, 0);
    ck_assert_int_eq(f->suppressed, 1);
    ck_assert_int_eq(f->suppressed_at, 0);

    /* Redis answered: not a store error, but no consent either. */
    f = &r[R_BAD_STATE].record;
    ck_assert_int_eq(f->store_error, 0);
    ck_assert_int_eq(f->consent_invalid, 1);
    ck_assert_int_eq(f->consent, CM_CONSENT_NONE);

    ck_assert_int_eq(r[R_WRONGTYPE_CONSENT].record.store_error, 1);
    ck_assert_int_eq(r[R_WRONGTYPE_SUPPRESS].record.store_error, 1);

    /* Not looked up at all: nothing filled in. */
    f = &r[R_BAD_ADDR].record;
    ck_assert_int_eq(r[R_BAD_ADDR].facts.addr_ok, 0);
    ck_assert_int_eq(f->store_error, 0);
    ck_assert_int_eq(f->consent, CM_CONSENT_NONE);

    /* A time that is not Unix seconds: no time, and marked (row 16a). */
    f = &r[R_BAD_AT].record;
    ck_assert_int_eq(f->consent, CM_CONSENT_GRANTED);
    ck_assert_int_eq(f->consent_at, 0);
    ck_assert_int_eq(f->consent_invalid, 1);
    ck_assert_int_eq(f->store_error, 0);
    ck_assert_int_eq(r[R_GRANTED].record.consent_invalid, 0);

    /* A NUL in the evidence does not end it early. */
    f = &r[R_NUL_SRC].record;
    ck_assert_int_eq(f->store_error, 0);
    ck_assert_str_eq(f->consent_src, "form v3? (forged by import)");

    f = &r[R_TIME_ONLY].record;
    ck_assert_int_eq(f->suppressed, 1);
    ck_assert_int_eq(f->suppressed_at, 1600000000);
    ck_assert_ptr_null(f->suppressed_reason);

    /* Only the bad ones are marked. */
    ck_assert_int_eq(r[R_WITHDRAWN].record.store_error, 0);
    ck_assert_int_eq(r[R_SUPPRESSED].record.store_error, 0);
    ck_assert_int_eq(r[R_TIME_ONLY].record.store_error, 0);
}

START_TEST(test_rcpts)
{
    cm_store *st = open_store(redis_sock, 0, 0, 0);
    redisContext *c = db_connect(redis_sock);
    cm_rcpt *r = lookups(R_COUNT);
    cm_campaign camp;

    seed_rcpts(c, "cm:", r);
    db(c, "HSET", "cm:campaign:spring", "purpose", "offers", (char *) 0);
    fetch_ok(st, "spring", &camp, r, R_COUNT);
    ck_assert_int_eq(camp.found, 1);
    check_rcpts(r);
    cm_campaign_clear(&camp);
    free_lookups(r, R_COUNT);
    redisFree(c);
    cm_store_destroy(st);
}
END_TEST

START_TEST(test_rcpts_arena)
{
    cm_store *st = open_store(redis_sock, 0, 0, 0);
    redisContext *c = db_connect(redis_sock);
    cm_rcpt *r = lookups(R_COUNT);
    cm_arena a = CM_ARENA_INIT;
    cm_campaign camp;
    int     i, round;

    /*
     * The daemon's records keep their strings in the message's arena:
     * they read the same, twice, and clearing them (as the daemon does
     * before the read at the end of the message) frees no copy of the
     * arena, which the sanitizer build would report, and keeps the
     * arena for the next read.
     */
    seed_rcpts(c, "cm:", r);
    db(c, "HSET", "cm:campaign:spring", "purpose", "offers", (char *) 0);
    for (i = 0; i < R_COUNT; i++)
	r[i].record.arena = &a;
    for (round = 0; round < 2; round++) {
	fetch_ok(st, "spring", &camp, r, R_COUNT);
	check_rcpts(r);
	cm_campaign_clear(&camp);
	for (i = 0; i < R_COUNT; i++) {
	    cm_rcpt_record_clear(&r[i].record);
	    ck_assert_ptr_eq(r[i].record.arena, &a);
	}
    }
    ck_assert_ptr_nonnull(a.head);
    free_lookups(r, R_COUNT);
    cm_arena_free(&a);
    redisFree(c);
    cm_store_destroy(st);
}
END_TEST

START_TEST(test_rcpts_given_campaign)
{
    cm_store *st = open_store(redis_sock, 0, 0, 0);
    redisContext *c = db_connect(redis_sock);
    cm_rcpt *r = lookups(R_COUNT);
    cm_campaign camp;
    char    err[256];
    int     i;

    /* The caller already has the record: only recipients are read. */
    seed_rcpts(c, "cm:", r);
    memset(&camp, 0, sizeof(camp));
    camp.found = 1;
    strcpy(camp.purpose, "offers");
    ck_assert_msg(cm_store_fetch_rcpts(st, &camp, r, R_COUNT, err,
				       sizeof(err)) == 0, "fetch: %s", err);
    check_rcpts(r);
    ck_assert_str_eq(camp.purpose, "offers");

    /* A purpose that is not valid cannot name a field. */
    for (i = 0; i < R_COUNT; i++) {
	cm_rcpt_record_clear(&r[i].record);
	r[i].facts.addr_ok = 1;
    }
    camp.purpose[0] = 0;
    ck_assert_int_eq(cm_store_fetch_rcpts(st, &camp, r, R_COUNT,
				    err, sizeof(err)), -1);
    free_lookups(r, R_COUNT);
    redisFree(c);
    cm_store_destroy(st);
}
END_TEST

START_TEST(test_unknown_campaign)
{
    cm_store *st = open_store(redis_sock, 0, 0, 0);
    redisContext *c = db_connect(redis_sock);
    cm_rcpt *r = lookups(R_COUNT);
    cm_campaign camp;
    int     i;

    seed_rcpts(c, "cm:", r);
    fetch_ok(st, "nosuch", &camp, r, R_COUNT);
    ck_assert_int_eq(camp.found, 0);
    for (i = 0; i < R_COUNT; i++) {
	ck_assert_int_eq(r[i].record.consent, CM_CONSENT_NONE);
	ck_assert_int_eq(r[i].record.suppressed, 0);
	ck_assert_int_eq(r[i].record.store_error, 0);
    }
    free_lookups(r, R_COUNT);
    redisFree(c);
    cm_store_destroy(st);
}
END_TEST

START_TEST(test_key_prefix)
{
    cm_store *st = open_store(redis_sock, "acme/{eu} ", 0, 0);
    redisContext *c = db_connect(redis_sock);
    cm_rcpt *r = lookups(R_COUNT);
    cm_campaign camp;
    char    campaign[64];
    int     found;
    char    err[256];

    /* Decoys under the default prefix must not be read. */
    db(c, "HSET", "cm:campaign:spring", "purpose", "news", (char *) 0);
    db(c, "HSET", "cm:consent:granted@example.org", "offers", "withdrawn",
       (char *) 0);
    db(c, "SET", "cm:sender:a@example.org", "wrong", (char *) 0);
    seed_rcpts(c, "acme/{eu} ", r);
    db(c, "HSET", "acme/{eu} campaign:spring", "purpose", "offers", (char *) 0);
    db(c, "SET", "acme/{eu} sender:a@example.org", "spring", (char *) 0);

    fetch_ok(st, "spring", &camp, r, R_COUNT);
    ck_assert_str_eq(camp.purpose, "offers");
    check_rcpts(r);
    ck_assert_int_eq(cm_store_sender_campaign(st, "a@example.org", campaign,
				sizeof(campaign), &found, err, sizeof(err)), 0);
    ck_assert_str_eq(campaign, "spring");
    cm_campaign_clear(&camp);
    free_lookups(r, R_COUNT);
    redisFree(c);
    cm_store_destroy(st);
}
END_TEST

START_TEST(test_long_keys)
{
    /*
     * Keys are built in place up to a size and on the heap beyond it:
     * one fetch here goes short, long, short (so one key buffer moves
     * from its own space to the heap and is reused there), under the
     * longest KeyPrefix (64 bytes), with which a 254-byte address
     * crosses that size.
     */
    char    prefix[65];
    char    longid[256];
    char    key[512];
    cm_store *st;
    redisContext *c;
    cm_rcpt *r = lookups(3);
    cm_campaign camp;
    char    campaign[64];
    int     found;
    char    err[256];

    memset(prefix, 'p', sizeof(prefix) - 2);
    prefix[sizeof(prefix) - 2] = ':';
    prefix[sizeof(prefix) - 1] = 0;
    memset(longid, 'x', 64);
    snprintf(longid + 64, sizeof(longid) - 64, "@%s.example.org",
	     "a123456789.b123456789.c123456789.d123456789.e123456789"
	     ".f123456789.g123456789.h123456789.i123456789.j123456789"
	     ".k123456789.l123456789.m123456789.n123456789.o123456789"
	     ".p123456789.q");
    ck_assert_uint_eq(strlen(longid), 254);
    st = open_store(redis_sock, prefix, 0, 0);
    c = db_connect(redis_sock);
    snprintf(key, sizeof(key), "%scampaign:spring", prefix);
    db(c, "HSET", key, "purpose", "offers", (char *) 0);
    snprintf(key, sizeof(key), "%sconsent:%s", prefix, longid);
    ck_assert_uint_gt(strlen(key), KEYBUF_INLINE);
    db(c, "HSET", key, "offers", "granted", "offers:at", "1700000000",
       (char *) 0);
    snprintf(key, sizeof(key), "%sconsent:a@example.org", prefix);
    db(c, "HSET", key, "offers", "withdrawn", (char *) 0);
    snprintf(key, sizeof(key), "%ssuppress:b@example.org", prefix);
    db(c, "SET", key, "1690000000 complaint", (char *) 0);
    snprintf(key, sizeof(key), "%ssender:%s", prefix, longid);
    db(c, "SET", key, "spring", (char *) 0);

    snprintf(r[0].facts.id, sizeof(r[0].facts.id), "a@example.org");
    snprintf(r[1].facts.id, sizeof(r[1].facts.id), "%s", longid);
    snprintf(r[2].facts.id, sizeof(r[2].facts.id), "b@example.org");
    fetch_ok(st, "spring", &camp, r, 3);
    ck_assert_str_eq(camp.purpose, "offers");
    ck_assert_int_eq(r[0].record.consent, CM_CONSENT_WITHDRAWN);
    ck_assert_int_eq(r[1].record.store_error, 0);
    ck_assert_int_eq(r[1].record.consent, CM_CONSENT_GRANTED);
    ck_assert_int_eq(r[1].record.consent_at, 1700000000);
    ck_assert_int_eq(r[2].record.suppressed, 1);
    ck_assert_int_eq(r[2].record.suppressed_at, 1690000000);
    ck_assert_int_eq(cm_store_sender_campaign(st, longid, campaign,
				sizeof(campaign), &found, err, sizeof(err)), 0);
    ck_assert_int_eq(found, 1);
    ck_assert_str_eq(campaign, "spring");
    cm_campaign_clear(&camp);
    free_lookups(r, 3);
    redisFree(c);
    cm_store_destroy(st);
}
END_TEST

START_TEST(test_binary_ids)
{
    static const char id[] = "odd one\r\x01\xc3\xa9@example.org";
    cm_store *st = open_store(redis_sock, 0, 0, 0);
    redisContext *c = db_connect(redis_sock);
    cm_rcpt *r = lookups(2);
    cm_campaign camp;
    char    key[128];
    const char *argv[6];
    size_t  lens[6];

    /* Seed with explicit lengths, so the bytes are exactly these. */
    snprintf(key, sizeof(key), "cm:consent:%s", id);
    argv[0] = "HSET";
    argv[1] = key;
    argv[2] = "offers";
    argv[3] = "granted";
    argv[4] = "offers:src";
    argv[5] = "line1\r\nline2\x01";
    lens[0] = 4;
    lens[1] = strlen(key);
    lens[2] = 6;
    lens[3] = 7;
    lens[4] = 10;
    lens[5] = strlen(argv[5]);
    db_argv(c, 6, argv, lens);
    /* The same address without the odd bytes has no record. */
    db(c, "HSET", "cm:campaign:spring", "purpose", "offers", (char *) 0);

    snprintf(r[0].facts.id, sizeof(r[0].facts.id), "%s", id);
    snprintf(r[1].facts.id, sizeof(r[1].facts.id), "oddone@example.org");
    fetch_ok(st, "spring", &camp, r, 2);
    ck_assert_int_eq(r[0].record.consent, CM_CONSENT_GRANTED);
    ck_assert_str_eq(r[0].record.consent_src, "line1\r\nline2\x01");
    ck_assert_int_eq(r[1].record.consent, CM_CONSENT_NONE);
    cm_campaign_clear(&camp);
    free_lookups(r, 2);
    redisFree(c);
    cm_store_destroy(st);
}
END_TEST

START_TEST(test_error_escaping)
{
    cm_store *st = open_store(redis_sock, "\x1b[31m", 0, 0);
    redisContext *c = db_connect(redis_sock);
    cm_campaign camp;
    char    err[512];

    db(c, "HSET", "\x1b[31m" "campaign:c1", "purpose", "offers", "status",
       "\x7f\xff", (char *) 0);
    ck_assert_int_eq(cm_store_fetch(st, "c1", &camp, 0, 0,
				    err, sizeof(err)), CM_STORE_INVALID);
    ck_assert_str_eq(err, "\\x1b[31mcampaign:c1: field \"status\" has bad "
		     "value \"\\x7f\\xff\"");
    redisFree(c);
    cm_store_destroy(st);
}
END_TEST

START_TEST(test_many_rcpts)
{
    enum {
	N = 10000
    };
    cm_store *st = open_store(redis_sock, 0, 0, 0);
    redisContext *c = db_connect(redis_sock);
    cm_rcpt *r = lookups(N);
    cm_campaign camp;
    char    key[CM_ID_SIZE + 32], at[32];
    redisReply *reply;
    int     i, pending = 0;

    db(c, "HSET", "cm:campaign:big", "purpose", "offers", (char *) 0);
    for (i = 0; i < N; i++) {
	snprintf(r[i].facts.id, sizeof(r[i].facts.id), "user%05d@example.org", i);
	snprintf(key, sizeof(key), "cm:consent:%s", r[i].facts.id);
	snprintf(at, sizeof(at), "%d", 1600000000 + i);
	if (i % 3 != 2) {
	    redisAppendCommand(c, "HSET %s offers %s offers:at %s", key,
			       i % 3 == 0 ? "granted" : "withdrawn", at);
	    pending++;
	}
	if (i % 7 == 0) {
	    snprintf(key, sizeof(key), "cm:suppress:%s", r[i].facts.id);
	    redisAppendCommand(c, "SET %s %s", key, "1500000000 bounced");
	    pending++;
	}
	if (i % 1000 == 999)
	    r[i].facts.addr_ok = 0;
    }
    while (pending-- > 0) {
	ck_assert(redisGetReply(c, (void **) &reply) == REDIS_OK);
	ck_assert(reply->type != REDIS_REPLY_ERROR);
	freeReplyObject(reply);
    }

    fetch_ok(st, "big", &camp, r, N);
    for (i = 0; i < N; i++) {
	const cm_rcpt_record *f = &r[i].record;

	if (i % 1000 == 999) {
	    ck_assert_int_eq(f->consent, CM_CONSENT_NONE);
	    ck_assert_int_eq(f->suppressed, 0);
	    continue;
	}
	ck_assert_int_eq(f->store_error, 0);
	ck_assert_int_eq(f->consent, i % 3 == 0 ? CM_CONSENT_GRANTED :
			 i % 3 == 1 ? CM_CONSENT_WITHDRAWN : CM_CONSENT_NONE);
	ck_assert_int_eq(f->consent_at, i % 3 == 2 ? 0 : 1600000000 + i);
	ck_assert_int_eq(f->suppressed, i % 7 == 0);
	if (i % 7 == 0)
	    ck_assert_str_eq(f->suppressed_reason, "bounced");
    }
    cm_campaign_clear(&camp);

    /* The connection is in step afterwards. */
    cm_rcpt_record_clear(&r[0].record);
    r[0].facts.addr_ok = 1;
    fetch_ok(st, "big", &camp, r, 1);
    ck_assert_int_eq(r[0].record.consent, CM_CONSENT_GRANTED);
    cm_campaign_clear(&camp);
    free_lookups(r, N);
    redisFree(c);
    cm_store_destroy(st);
}
END_TEST

START_TEST(test_password_files)
{
    static const struct {
	const char *text;
	const char *err;
    } cases[] = {
	{"", "file is empty"},
	{"\n", "expected \"password\" or \"user password\""},
	{" secret\n", "expected"},
	{"alice \n", "expected"},
    };
    cm_config cfg;
    cm_store *st;
    char    err[512];
    char    name[32];
    const char *path;
    size_t  i;

    test_config(&cfg, redis_sock);
    set_str(&cfg.redis_password_file, "/nonexistent/redis.pass");
    st = cm_store_create(&cfg, err, sizeof(err));
    ck_assert_ptr_null(st);
    ck_assert_str_eq(err, "/nonexistent/redis.pass: No such file or directory");

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
	snprintf(name, sizeof(name), "pass%zu", i);
	path = write_file(name, cases[i].text);
	set_str(&cfg.redis_password_file, path);
	st = cm_store_create(&cfg, err, sizeof(err));
	ck_assert_ptr_null(st);
	ck_assert_msg(strncmp(err, path, strlen(path)) == 0
		      && strstr(err, cases[i].err) != 0, "%zu: %s", i, err);
    }
    cm_config_free(&cfg);
}
END_TEST

START_TEST(test_auth_password)
{
    static const char *const extra[] = {"--requirepass", "s3cret", 0};
    server  s;
    cm_store *st;
    char    err[512];

    cm_rfix_start(&s, tmpdir, "auth", 0, extra);

    st = open_store(s.sock, 0, write_file("good.pass", "s3cret\r\n"), 0);
    ck_assert_msg(cm_store_ping(st, err, sizeof(err)) == 0, "%s", err);
    cm_store_destroy(st);

    /* requirepass is the password of the ACL user "default". */
    st = open_store(s.sock, 0, write_file("default.pass", "default s3cret"), 0);
    ck_assert_msg(cm_store_ping(st, err, sizeof(err)) == 0, "%s", err);
    cm_store_destroy(st);

    st = open_store(s.sock, 0, write_file("bad.pass", "wrong\n"), 0);
    ck_assert_int_eq(cm_store_ping(st, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "redis unix:") == err
		  && strstr(err, ": AUTH failed: WRONGPASS") != 0, "%s", err);
    cm_store_destroy(st);

    /* Without a password the server refuses the command. */
    st = open_store(s.sock, 0, 0, 0);
    ck_assert_int_eq(cm_store_ping(st, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "NOAUTH") != 0, "%s", err);
    cm_store_destroy(st);
    cm_rfix_stop(&s, SIGTERM);
}
END_TEST

START_TEST(test_auth_acl_user)
{
    static const char *const extra[] = {
	"--user", "milter", "on", ">pw 1", "~cm:*", "+get", "+hgetall",
	"+ping", "--user", "default", "off", 0,
    };
    server  s;
    cm_store *st;
    cm_campaign camp;
    redisContext *c;
    redisReply *r;
    char    err[512];

    cm_rfix_start(&s, tmpdir, "acl", 0, extra);
    c = db_connect(s.sock);
    r = redisCommand(c, "AUTH milter %s", "pw 1");
    ck_assert(r != 0 && r->type == REDIS_REPLY_STATUS);
    freeReplyObject(r);
    redisFree(c);

    st = open_store(s.sock, 0, write_file("acl.pass", "milter pw 1\n"), 0);
    ck_assert_msg(cm_store_ping(st, err, sizeof(err)) == 0, "%s", err);
    fetch_ok(st, "spring", &camp, 0, 0);
    ck_assert_int_eq(camp.found, 0);
    cm_store_destroy(st);

    st = open_store(s.sock, 0, write_file("acl-bad.pass", "milter pw 2\n"), 0);
    ck_assert_int_eq(cm_store_ping(st, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "AUTH failed: WRONGPASS") != 0, "%s", err);
    cm_store_destroy(st);

    st = open_store(s.sock, 0, write_file("acl-nouser.pass", "nobody pw 1\n"), 0);
    ck_assert_int_eq(cm_store_ping(st, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "AUTH failed") != 0, "%s", err);
    cm_store_destroy(st);
    cm_rfix_stop(&s, SIGTERM);
}
END_TEST

/* dead_socket - a unix socket that exists but does not listen (yet) */

static int dead_socket(const char *path)
{
    struct sockaddr_un sun;
    int     fd;

    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
    unlink(path);
    ck_assert((fd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
    ck_assert(bind(fd, (struct sockaddr *) &sun, sizeof(sun)) == 0);
    return (fd);
}

START_TEST(test_connect_refused)
{
    char    path[256], want[300], err[512];
    cm_store *st;
    cm_campaign camp;
    int     fd;

    snprintf(path, sizeof(path), "%s/dead.sock", tmpdir);
    fd = dead_socket(path);
    st = open_store(path, 0, 0, 0);
    snprintf(want, sizeof(want), "redis unix:%s: connection refused", path);
    ck_assert_int_eq(cm_store_ping(st, err, sizeof(err)), -1);
    ck_assert_str_eq(err, want);
    sleep_ms(250);
    ck_assert_int_eq(cm_store_fetch(st, "spring", &camp, 0, 0,
				    err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, want) == err, "%s", err);
    ck_assert_int_eq(camp.found, 0);
    cm_store_destroy(st);
    close(fd);
    unlink(path);

    /* No socket file at all. */
    snprintf(path, sizeof(path), "%s/missing.sock", tmpdir);
    st = open_store(path, 0, 0, 0);
    ck_assert_int_eq(cm_store_ping(st, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "redis unix:") == err
		  && strstr(err, "no such file or directory") != 0, "%s", err);
    cm_store_destroy(st);
}
END_TEST

START_TEST(test_fast_fail)
{
    char    path[256], err[512];
    cm_store *st;
    int     fd;

    snprintf(path, sizeof(path), "%s/later.sock", tmpdir);
    fd = dead_socket(path);
    st = open_store(path, 0, 0, 100);
    ck_assert_int_eq(cm_store_ping(st, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "connection refused") != 0, "%s", err);

    /*
     * Now the socket accepts connections (into the backlog) but nothing
     * ever answers: a real attempt would end in a timeout. Right after
     * the failure the store does not try: it repeats the last error.
     */
    ck_assert(listen(fd, 16) == 0);
    ck_assert_int_eq(cm_store_ping(st, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "connection refused") != 0, "%s", err);

    /* After the window it tries again, and times out. */
    sleep_ms(300);
    ck_assert_int_eq(cm_store_ping(st, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, ": timeout") != 0, "%s", err);
    cm_store_destroy(st);
    close(fd);
    unlink(path);
}
END_TEST

/* seed_small - a campaign and one granted recipient */

static void seed_small(const char *sock)
{
    redisContext *c = db_connect(sock);

    db(c, "HSET", "cm:campaign:spring", "purpose", "offers", (char *) 0);
    db(c, "HSET", "cm:consent:alice@example.org", "offers", "granted",
       (char *) 0);
    redisFree(c);
}

/* try_small - fetch what seed_small() wrote; 0 if it is all there */

static int try_small(cm_store *st, char *err, size_t errlen)
{
    cm_rcpt r;
    cm_campaign camp;
    int     status;

    memset(&r, 0, sizeof(r));
    r.facts.addr_ok = 1;
    strcpy(r.facts.id, "alice@example.org");
    status = cm_store_fetch(st, "spring", &camp, &r, 1, err, errlen);
    if (status == 0 && (camp.found != 1 || r.record.consent != CM_CONSENT_GRANTED))
	status = 1;
    if (status == 0)
	cm_campaign_clear(&camp);
    cm_rcpt_record_clear(&r.record);
    return (status);
}

START_TEST(test_restart)
{
    server  s;
    cm_store *st;
    char    err[512];
    int     i, status;

    cm_rfix_start(&s, tmpdir, "restart", 0, 0);
    seed_small(s.sock);
    st = open_store(s.sock, 0, 0, 500);
    ck_assert_msg(try_small(st, err, sizeof(err)) == 0, "%s", err);

    /* A restart between calls: the pooled connection is dead. */
    cm_rfix_stop(&s, SIGTERM);
    cm_rfix_start(&s, tmpdir, "restart", 0, 0);
    seed_small(s.sock);
    ck_assert_msg(try_small(st, err, sizeof(err)) == 0, "%s", err);

    /* Down: every call fails, and fast. */
    cm_rfix_stop(&s, SIGTERM);
    ck_assert_int_eq(try_small(st, err, sizeof(err)), -1);
    ck_assert_int_eq(try_small(st, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "redis unix:") == err, "%s", err);

    /* Back: decided normally again well within a second. */
    cm_rfix_start(&s, tmpdir, "restart", 0, 0);
    seed_small(s.sock);
    for (i = 0, status = -1; i < 50 && status != 0; i++) {
	if ((status = try_small(st, err, sizeof(err))) != 0)
	    sleep_ms(20);
    }
    ck_assert_msg(status == 0, "%s", err);
    ck_assert_msg(try_small(st, err, sizeof(err)) == 0, "%s", err);
    cm_store_destroy(st);
    cm_rfix_stop(&s, SIGTERM);
}
END_TEST

/* sleep_start - send DEBUG SLEEP from another client; read the reply later */

static redisContext *sleep_start(const char *sock, const char *cmd)
{
    redisContext *c = db_connect(sock);
    int     done = 0;

    ck_assert(redisAppendCommand(c, cmd) == REDIS_OK);
    while (!done)
	ck_assert(redisBufferWrite(c, &done) == REDIS_OK);
    return (c);
}

/* sleep_end - the server has answered DEBUG SLEEP: awake again */

static void sleep_end(redisContext *c)
{
    redisReply *r;

    ck_assert(redisGetReply(c, (void **) &r) == REDIS_OK);
    ck_assert(r->type == REDIS_REPLY_STATUS);
    freeReplyObject(r);
    redisFree(c);
}

/* sleepy_store - a server that takes DEBUG, seeded; a store, 200 ms */

static cm_store *sleepy_store(server *s, const char *name)
{
    static const char *const extra[] = {"--enable-debug-command", "yes", 0};
    cm_store *st;
    char    err[512];

    cm_rfix_start(s, tmpdir, name, 0, extra);
    seed_small(s->sock);
    st = open_store(s->sock, 0, 0, 200);
    ck_assert_msg(try_small(st, err, sizeof(err)) == 0, "%s", err);
    return (st);
}

START_TEST(test_slow_server)
{
    server  s;
    cm_store *st = sleepy_store(&s, "slow");
    redisContext *c;
    char    err[512];

    c = sleep_start(s.sock, "DEBUG SLEEP 1");
    sleep_ms(100);

    ck_assert_int_eq(try_small(st, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, ": timeout") != 0, "%s", err);
    sleep_end(c);

    /* The timed-out connection was dropped: no stale replies. */
    ck_assert_msg(try_small(st, err, sizeof(err)) == 0, "%s", err);
    ck_assert_msg(try_small(st, err, sizeof(err)) == 0, "%s", err);
    cm_store_destroy(st);
    cm_rfix_stop(&s, SIGTERM);
}
END_TEST

START_TEST(test_stalled_probe)
{
    server  s;
    cm_store *st;
    redisContext *c;
    char    err[512];

    /*
     * After a timeout, lookups fail at once ("failing fast") but for one
     * every 200 ms, which tries Redis again (and here times out again);
     * the first answer ends it. Told apart by their messages, not by
     * how long they took.
     */
    st = sleepy_store(&s, "stall");
    c = sleep_start(s.sock, "DEBUG SLEEP 2");
    sleep_ms(100);

    ck_assert_int_eq(try_small(st, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, ": timeout") != 0, "first: %s", err);
    ck_assert_int_eq(try_small(st, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "failing fast until Redis answers again") != 0,
		  "second: %s", err);
    sleep_ms(300);				/* past the 200 ms */
    ck_assert_int_eq(try_small(st, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, ": timeout") != 0 && strstr(err, "failing")
		  == 0, "the probe waits, and times out: %s", err);
    ck_assert_int_eq(try_small(st, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "failing fast") != 0, "after it: %s", err);

    /* Redis answers again: the next probe ends the stall for all. */
    sleep_end(c);
    sleep_ms(250);
    ck_assert_msg(try_small(st, err, sizeof(err)) == 0, "probe: %s", err);
    ck_assert_msg(try_small(st, err, sizeof(err)) == 0, "after: %s", err);
    cm_store_destroy(st);
    cm_rfix_stop(&s, SIGTERM);
}
END_TEST

START_TEST(test_stale_server)
{
    static const char *const extra[] = {
	"--replicaof", "127.0.0.1", "1", "--replica-serve-stale-data", "no", 0,
    };
    server  s;
    cm_store *st;
    redisContext *c;
    cm_rcpt r;
    cm_campaign camp;
    char    err[512], want[300];

    /*
     * A replica without its primary answers MASTERDOWN. The call fails
     * (after one repeat on a new connection) with Redis's words, and the
     * connections are dropped: once the server serves, the next call
     * works.
     */
    cm_rfix_start(&s, tmpdir, "stale", 0, extra);
    st = open_store(s.sock, 0, 0, 0);
    ck_assert_int_eq(cm_store_ping(st, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "redis unix:%s: MASTERDOWN ", s.sock);
    ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
    ck_assert_int_eq(try_small(st, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "cm:campaign:spring: MASTERDOWN ") == err,
		  "%s", err);
    /* The same for a coalesced one-recipient lookup (RCPT time). */
    memset(&r, 0, sizeof(r));
    memset(&camp, 0, sizeof(camp));
    strcpy(camp.purpose, "offers");
    r.facts.addr_ok = 1;
    strcpy(r.facts.id, "alice@example.org");
    ck_assert_int_eq(cm_store_fetch_rcpts(st, &camp, &r, 1, err, sizeof(err)),
		     -1);
    ck_assert_msg(strstr(err, "cm:suppress:alice@example.org: MASTERDOWN ")
		  == err, "%s", err);
    ck_assert_int_eq(r.record.consent, CM_CONSENT_NONE);
    c = db_connect(s.sock);
    db(c, "REPLICAOF", "NO", "ONE", (char *) 0);
    redisFree(c);
    seed_small(s.sock);
    ck_assert_msg(try_small(st, err, sizeof(err)) == 0, "%s", err);
    cm_store_destroy(st);
    cm_rfix_stop(&s, SIGTERM);
}
END_TEST

#define THREADS	8
#define ROUNDS	200
#define PER	5

struct worker {
    cm_store *st;
    int     n;
    int     failures;
    char    err[512];
};

/* worker - fetch this thread's recipients, compare with what was seeded */

static void *worker(void *arg)
{
    struct worker *w = arg;
    cm_rcpt r[PER];
    cm_campaign camp;
    int     round, k;

    for (round = 0; round < ROUNDS; round++) {
	memset(r, 0, sizeof(r));
	for (k = 0; k < PER; k++) {
	    r[k].facts.addr_ok = 1;
	    snprintf(r[k].facts.id, sizeof(r[k].facts.id), "t%d-%d@example.org", w->n, k);
	}
	if (cm_store_fetch(w->st, w->n % 2 ? "odd" : "even", &camp, r, PER,
			   w->err, sizeof(w->err)) != 0) {
	    w->failures++;
	    continue;
	}
	if (camp.found != 1 || strcmp(camp.purpose, w->n % 2 ? "p1" : "p0"))
	    w->failures++;
	for (k = 0; k < PER; k++) {
	    if (r[k].record.consent != ((w->n + k) % 2 ? CM_CONSENT_GRANTED
				       : CM_CONSENT_WITHDRAWN)
		|| r[k].record.consent_at != w->n * 100 + k
		|| r[k].record.store_error)
		w->failures++;
	    cm_rcpt_record_clear(&r[k].record);
	}
	cm_campaign_clear(&camp);
    }
    return (0);
}

START_TEST(test_threads)
{
    cm_store *st = open_store(redis_sock, 0, 0, 0);
    redisContext *c = db_connect(redis_sock);
    pthread_t tid[THREADS];
    struct worker w[THREADS];
    char    key[64], at[16];
    const char *purpose;
    int     n, k;

    db(c, "HSET", "cm:campaign:even", "purpose", "p0", (char *) 0);
    db(c, "HSET", "cm:campaign:odd", "purpose", "p1", (char *) 0);
    for (n = 0; n < THREADS; n++) {
	purpose = n % 2 ? "p1" : "p0";
	for (k = 0; k < PER; k++) {
	    snprintf(key, sizeof(key), "cm:consent:t%d-%d@example.org", n, k);
	    snprintf(at, sizeof(at), "%d", n * 100 + k);
	    db(c, "HSET", key, purpose, (n + k) % 2 ? "granted" : "withdrawn",
	       (char *) 0);
	    db(c, "HSET", key, n % 2 ? "p1:at" : "p0:at", at,
	       n % 2 ? "p0" : "p1", "granted", (char *) 0);
	}
    }
    for (n = 0; n < THREADS; n++) {
	w[n].st = st;
	w[n].n = n;
	w[n].failures = 0;
	w[n].err[0] = 0;
	ck_assert(pthread_create(&tid[n], 0, worker, &w[n]) == 0);
    }
    for (n = 0; n < THREADS; n++)
	pthread_join(tid[n], 0);
    for (n = 0; n < THREADS; n++)
	ck_assert_msg(w[n].failures == 0, "thread %d: %d failures (%s)",
		      n, w[n].failures, w[n].err);
    redisFree(c);
    cm_store_destroy(st);
}
END_TEST

START_TEST(test_nothing_to_fetch)
{
    cm_config cfg;
    cm_store *st;
    cm_rcpt *r = lookups(3);
    cm_campaign camp;
    char    err[256];

    /* No campaign lookup and no parsable address: no Redis needed. */
    test_config(&cfg, "/nonexistent/redis.sock");
    st = cm_store_create(&cfg, err, sizeof(err));
    ck_assert_ptr_nonnull(st);
    cm_config_free(&cfg);
    r[0].facts.addr_ok = r[1].facts.addr_ok = r[2].facts.addr_ok = 0;
    memset(&camp, 0, sizeof(camp));
    strcpy(camp.purpose, "offers");
    ck_assert_int_eq(cm_store_fetch_rcpts(st, &camp, r, 3, err, sizeof(err)), 0);
    free_lookups(r, 3);
    cm_store_destroy(st);
}
END_TEST

/* open_cached - a store with the daemon's cache (CM_STORE_CACHE) */

static cm_store *open_cached(const char *sock, int timeout_ms)
{
    cm_config cfg;
    cm_store *st;
    char    err[512] = "";

    test_config(&cfg, sock);
    if (timeout_ms)
	cfg.redis_timeout_ms = timeout_ms;
    st = cm_store_create_flags(&cfg, CM_STORE_CACHE, err, sizeof(err));
    ck_assert_msg(st != 0, "cm_store_create_flags: %s", err);
    cm_config_free(&cfg);
    return (st);
}

/* sender_is - the campaign of a sender, "" for none; the call must work */

static void sender_is(cm_store *st, const char *sender, const char *want)
{
    char    campaign[CM_CAMPAIGN_ID_MAX + 1];
    char    err[512] = "";
    int     found = -1;

    ck_assert_msg(cm_store_sender_campaign(st, sender, campaign,
					   sizeof(campaign), &found, err,
					   sizeof(err)) == 0, "%s", err);
    ck_assert_str_eq(found ? campaign : "", want);
}

/* status_is - a campaign's status and one recipient's consent */

static void status_is(cm_store *st, const char *id, cm_status status,
		              cm_consent_state consent)
{
    cm_rcpt r;
    cm_campaign camp;

    memset(&r, 0, sizeof(r));
    r.facts.addr_ok = 1;
    strcpy(r.facts.id, "alice@example.org");
    fetch_ok(st, id, &camp, &r, 1);
    ck_assert_int_eq(camp.found, 1);
    ck_assert_int_eq(camp.status, status);
    ck_assert_int_eq(r.record.consent, consent);
    cm_campaign_clear(&camp);
    cm_rcpt_record_clear(&r.record);
}

START_TEST(test_cache_sender)
{
    cm_store *st = open_cached(redis_sock, 0);
    cm_store *exact = open_store(redis_sock, 0, 0, 0);
    redisContext *c = db_connect(redis_sock);

    /* Answers, found or not, live for a second in the cached store. */
    db(c, "SET", "cm:sender:news@example.org", "spring", (char *) 0);
    sender_is(st, "news@example.org", "spring");
    sender_is(st, "other@example.org", "");
    db(c, "SET", "cm:sender:news@example.org", "autumn", (char *) 0);
    db(c, "SET", "cm:sender:other@example.org", "winter", (char *) 0);
    sender_is(st, "news@example.org", "spring");
    sender_is(st, "other@example.org", "");
    /* A store without the flag (consentctl) always asks Redis. */
    sender_is(exact, "news@example.org", "autumn");
    sender_is(exact, "other@example.org", "winter");
    sleep_ms(1100);
    sender_is(st, "news@example.org", "autumn");
    sender_is(st, "other@example.org", "winter");
    redisFree(c);
    cm_store_destroy(exact);
    cm_store_destroy(st);
}
END_TEST

START_TEST(test_cache_campaign)
{
    cm_store *st = open_cached(redis_sock, 0);
    redisContext *c = db_connect(redis_sock);
    cm_campaign camp;

    db(c, "HSET", "cm:campaign:spring", "purpose", "offers", "senders",
       "a@example.org,b@example.org", (char *) 0);
    db(c, "HSET", "cm:consent:alice@example.org", "offers", "granted",
       (char *) 0);
    status_is(st, "spring", CM_STATUS_ACTIVE, CM_CONSENT_GRANTED);

    /* A pause takes up to a second; consent is always current. */
    db(c, "HSET", "cm:campaign:spring", "status", "paused", (char *) 0);
    db(c, "HSET", "cm:consent:alice@example.org", "offers", "withdrawn",
       (char *) 0);
    status_is(st, "spring", CM_STATUS_ACTIVE, CM_CONSENT_WITHDRAWN);

    /* The cached copy is the caller's own: its senders list too. */
    fetch_ok(st, "spring", &camp, 0, 0);
    ck_assert_str_eq(camp.senders, "a@example.org,b@example.org");
    ck_assert_str_eq(camp.purpose, "offers");
    cm_campaign_clear(&camp);
    sleep_ms(1100);

    /* Paused is not cached: a resume works at once. */
    status_is(st, "spring", CM_STATUS_PAUSED, CM_CONSENT_WITHDRAWN);
    db(c, "HSET", "cm:campaign:spring", "status", "active", (char *) 0);
    status_is(st, "spring", CM_STATUS_ACTIVE, CM_CONSENT_WITHDRAWN);

    /* Neither is an unknown campaign: registering one works at once. */
    fetch_ok(st, "autumn", &camp, 0, 0);
    ck_assert_int_eq(camp.found, 0);
    db(c, "HSET", "cm:campaign:autumn", "purpose", "offers", (char *) 0);
    fetch_ok(st, "autumn", &camp, 0, 0);
    ck_assert_int_eq(camp.found, 1);
    cm_campaign_clear(&camp);
    redisFree(c);
    cm_store_destroy(st);
}
END_TEST

START_TEST(test_cache_errors)
{
    cm_store *st = open_cached(redis_sock, 0);
    redisContext *c = db_connect(redis_sock);
    char    campaign[CM_CAMPAIGN_ID_MAX + 1];
    cm_store_cache_state cs, cs2;
    cm_campaign camp;
    char    err[512];
    int     found;

    /*
     * Store errors are never cached: a repair works at once. An
     * unreadable record is no sign that Redis lost track: the consent
     * cache is kept. A key of the wrong type is an error reply: row 1.
     */
    fetch_ok(st, "spring", &camp, 0, 0);
    cm_campaign_clear(&camp);
    cm_store_cache_info(st, &cs);
    db(c, "HSET", "cm:campaign:spring", "purpose", "Bad Purpose", (char *) 0);
    ck_assert_int_eq(cm_store_fetch(st, "spring", &camp, 0, 0, err,
				    sizeof(err)), CM_STORE_INVALID);
    cm_store_cache_info(st, &cs2);
    ck_assert_int_eq(cs2.flushes, cs.flushes);
    db(c, "SET", "cm:campaign:wrongtype", "x", (char *) 0);
    ck_assert_int_eq(cm_store_fetch(st, "wrongtype", &camp, 0, 0, err,
				    sizeof(err)), -1);
    ck_assert_msg(strstr(err, "WRONGTYPE") != 0, "got '%s'", err);
    db(c, "HSET", "cm:campaign:spring", "purpose", "offers", (char *) 0);
    fetch_ok(st, "spring", &camp, 0, 0);
    ck_assert_int_eq(camp.found, 1);
    cm_campaign_clear(&camp);

    db(c, "HSET", "cm:sender:news@example.org", "a", "b", (char *) 0);
    ck_assert_int_eq(cm_store_sender_campaign(st, "news@example.org",
		    campaign, sizeof(campaign), &found, err, sizeof(err)), -1);
    db(c, "DEL", "cm:sender:news@example.org", (char *) 0);
    db(c, "SET", "cm:sender:news@example.org", "spring", (char *) 0);
    sender_is(st, "news@example.org", "spring");

    /*
     * A cached answer too long for the caller: Redis's answer, as
     * without a cache (a mapping that never reads as a valid id).
     */
    ck_assert_int_eq(cm_store_sender_campaign(st, "news@example.org",
		    campaign, 4, &found, err, sizeof(err)), 0);
    ck_assert_int_eq(found, 1);
    ck_assert_str_eq(campaign, "sp?");
    redisFree(c);
    cm_store_destroy(st);
}
END_TEST

START_TEST(test_cache_redis_gone)
{
    server  s;
    cm_store *st;
    cm_campaign camp;
    char    campaign[CM_CAMPAIGN_ID_MAX + 1];
    char    err[512];
    int     found;

    /*
     * Cached answers are used only while there is no sign that Redis
     * went away: after a shutdown the next lookup fails, as it would
     * without a cache, though the cached answers are still fresh.
     */
    cm_rfix_start(&s, tmpdir, "cachegone", 0, 0);
    seed_small(s.sock);
    st = open_cached(s.sock, 500);
    {
	redisContext *c = db_connect(s.sock);

	db(c, "SET", "cm:sender:news@example.org", "spring", (char *) 0);
	redisFree(c);
    }
    sender_is(st, "news@example.org", "spring");
    fetch_ok(st, "spring", &camp, 0, 0);
    cm_campaign_clear(&camp);
    cm_rfix_stop(&s, SIGTERM);
    sleep_ms(150);			/* idle connections looked at: 100 ms */
    ck_assert_int_eq(cm_store_sender_campaign(st, "news@example.org",
		    campaign, sizeof(campaign), &found, err, sizeof(err)), -1);
    ck_assert_int_eq(cm_store_fetch(st, "spring", &camp, 0, 0, err,
				    sizeof(err)), -1);

    /* Back (with other data): the answers come from Redis again. */
    cm_rfix_start(&s, tmpdir, "cachegone", 0, 0);
    seed_small(s.sock);
    sleep_ms(250);				/* past the fail-fast window */
    ck_assert_msg(try_small(st, err, sizeof(err)) == 0, "%s", err);
    sleep_ms(1100);
    sender_is(st, "news@example.org", "");
    cm_store_destroy(st);
    cm_rfix_stop(&s, SIGTERM);
}
END_TEST

START_TEST(test_cache_table)
{
    cm_cache *cache = cm_cache_create(4, 1000);
    cm_campaign camp, got;
    char    campaign[CM_CAMPAIGN_ID_MAX + 1];
    char    key[2 * CM_ID_SIZE];
    long long now = cm_cache_now();
    int     found, i, hits;

    ck_assert_ptr_nonnull(cache);
    ck_assert_int_eq(cm_cache_get_sender(cache, "a@example.org", campaign,
					 sizeof(campaign), &found), 0);
    cm_cache_put_sender(cache, "a@example.org", "spring", now);
    ck_assert_int_eq(cm_cache_get_sender(cache, "a@example.org", campaign,
					 sizeof(campaign), &found), 1);
    ck_assert_int_eq(found, 1);
    ck_assert_str_eq(campaign, "spring");
    /* Too small for the answer: a miss, never a cut-short id. */
    ck_assert_int_eq(cm_cache_get_sender(cache, "a@example.org", campaign,
					 6, &found), 0);
    /* Expired: an answer older than the time to live. */
    cm_cache_put_sender(cache, "b@example.org", 0, now - 1500);
    ck_assert_int_eq(cm_cache_get_sender(cache, "b@example.org", campaign,
					 sizeof(campaign), &found), 0);
    /* Keys too long for a slot are not cached. */
    memset(key, 'x', sizeof(key) - 1);
    key[sizeof(key) - 1] = 0;
    cm_cache_put_sender(cache, key, "spring", now);
    ck_assert_int_eq(cm_cache_get_sender(cache, key, campaign,
					 sizeof(campaign), &found), 0);

    /* Bounded: four slots hold at most four of many senders. */
    for (i = 0; i < 100; i++) {
	snprintf(key, sizeof(key), "s%d@example.org", i);
	cm_cache_put_sender(cache, key, "spring", now);
    }
    for (i = hits = 0; i < 100; i++) {
	snprintf(key, sizeof(key), "s%d@example.org", i);
	hits += cm_cache_get_sender(cache, key, campaign, sizeof(campaign),
				    &found);
    }
    ck_assert_int_le(hits, 4);

    /* Campaign records are deep copies, in and out. */
    memset(&camp, 0, sizeof(camp));
    camp.found = 1;
    strcpy(camp.purpose, "offers");
    camp.senders = strdup("a@example.org");
    cm_cache_put_campaign(cache, "spring", &camp, now);
    cm_cache_put_campaign(cache, "spring", &camp, now);
    cm_campaign_clear(&camp);
    ck_assert_int_eq(cm_cache_get_campaign(cache, "spring", &got), 1);
    ck_assert_str_eq(got.senders, "a@example.org");
    ck_assert_str_eq(got.purpose, "offers");
    cm_campaign_clear(&got);
    ck_assert_int_eq(cm_cache_get_campaign(cache, "autumn", &got), 0);
    ck_assert_ptr_null(got.senders);
    cm_cache_free(cache);
}
END_TEST

#define BATCH_THREADS	24
#define BATCH_ROUNDS	300

struct single {
    cm_store *st;
    int     n;
    int     failures;
    int     errors;
    char    err[512];
};

/* single_worker - one-recipient fetches (RCPT time): coalesced */

static void *single_worker(void *arg)
{
    struct single *w = arg;
    cm_rcpt r;
    cm_campaign camp;
    char    err[512];
    int     round, k;

    for (round = 0; round < BATCH_ROUNDS; round++) {
	k = (w->n + round) % 8;
	memset(&r, 0, sizeof(r));
	memset(&camp, 0, sizeof(camp));
	strcpy(camp.purpose, "offers");
	r.facts.addr_ok = 1;
	snprintf(r.facts.id, sizeof(r.facts.id), "u%d@example.org", k);
	if (cm_store_fetch_rcpts(w->st, &camp, &r, 1, err, sizeof(err)) != 0) {
	    if (w->errors++ == 0)
		strcpy(w->err, err);
	    if (r.record.consent != CM_CONSENT_NONE || r.record.consent_src)
		w->failures++;			/* outputs after an error */
	    continue;
	}
	/* u<k>: granted for even k, withdrawn for odd; src "s<k>". */
	if (r.record.consent != (k % 2 ? CM_CONSENT_WITHDRAWN
				: CM_CONSENT_GRANTED)
	    || r.record.consent_at != 1000 + k
	    || r.record.consent_src == 0
	    || atoi(r.record.consent_src + 1) != k
	    || r.record.suppressed != (k == 7)
	    || r.record.store_error)
	    w->failures++;
	cm_rcpt_record_clear(&r.record);
    }
    return (0);
}

/* seed_singles - what single_worker() expects */

static void seed_singles(const char *sock)
{
    redisContext *c = db_connect(sock);
    char    key[64], at[16], src[16];
    int     k;

    for (k = 0; k < 8; k++) {
	snprintf(key, sizeof(key), "cm:consent:u%d@example.org", k);
	snprintf(at, sizeof(at), "%d", 1000 + k);
	snprintf(src, sizeof(src), "s%d", k);
	db(c, "HSET", key, "offers", k % 2 ? "withdrawn" : "granted",
	   "offers:at", at, "offers:src", src, (char *) 0);
    }
    db(c, "SET", "cm:suppress:u7@example.org", "1 complaint", (char *) 0);
    redisFree(c);
}

/* run_singles - BATCH_THREADS threads of single_worker() */

static void run_singles(cm_store *st, struct single *w)
{
    pthread_t tid[BATCH_THREADS];
    int     n;

    for (n = 0; n < BATCH_THREADS; n++) {
	w[n].st = st;
	w[n].n = n;
	w[n].failures = w[n].errors = 0;
	w[n].err[0] = 0;
	ck_assert(pthread_create(&tid[n], 0, single_worker, &w[n]) == 0);
    }
    for (n = 0; n < BATCH_THREADS; n++)
	pthread_join(tid[n], 0);
}

START_TEST(test_batch_threads)
{
    cm_store *st = open_store(redis_sock, 0, 0, 0);
    struct single w[BATCH_THREADS];
    int     n;

    /* Each thread gets its own answers out of the shared writes. */
    seed_singles(redis_sock);
    run_singles(st, w);
    for (n = 0; n < BATCH_THREADS; n++)
	ck_assert_msg(w[n].failures == 0 && w[n].errors == 0,
		      "thread %d: %d wrong, %d failed (%s)", n,
		      w[n].failures, w[n].errors, w[n].err);
    cm_store_destroy(st);
}
END_TEST

START_TEST(test_batch_timeout)
{
    struct single w[BATCH_THREADS];
    server  s;
    cm_store *st;
    redisContext *c;
    int     n, errors = 0;
    char    err[512];

    /*
     * Redis stops answering while many threads wait on shared writes:
     * requests fail with a timeout (store error), never with empty
     * facts, and a batch is never answered with another's replies.
     */
    st = sleepy_store(&s, "batchslow");
    seed_singles(s.sock);
    c = sleep_start(s.sock, "DEBUG SLEEP 1");
    sleep_ms(50);
    run_singles(st, w);
    sleep_end(c);
    for (n = 0; n < BATCH_THREADS; n++) {
	ck_assert_msg(w[n].failures == 0, "thread %d: %d wrong (%s)", n,
		      w[n].failures, w[n].err);
	if (w[n].errors) {
	    errors += w[n].errors;
	    ck_assert_msg(strstr(w[n].err, ": timeout") != 0, "%s", w[n].err);
	}
    }
    ck_assert_int_gt(errors, 0);

    /*
     * Afterwards, all is well again once a probe has had its answer
     * (until then lookups fail fast, one probe per 200 ms: lookups made
     * while the probe is on its way fail too, now that lookups that find
     * a connection free do not queue behind it). Then every thread gets
     * its answers.
     */
    for (n = 0; n < 40 && try_small(st, err, sizeof(err)) != 0; n++)
	sleep_ms(50);
    ck_assert_msg(n < 40, "still failing 2 s after Redis woke up: %s", err);
    run_singles(st, w);
    for (n = 0; n < BATCH_THREADS; n++)
	ck_assert_msg(w[n].failures == 0 && w[n].errors == 0,
		      "thread %d: %d wrong, %d failed (%s)", n,
		      w[n].failures, w[n].errors, w[n].err);
    cm_store_destroy(st);
    cm_rfix_stop(&s, SIGTERM);
}
END_TEST

 /*
  * A hostile "Redis" (a broken server, a proxy, a tunnel to the wrong
  * port): a real TCP listener that answers the first request of its
  * first connection with fixed bytes and then says nothing more on it;
  * later connections get +PONG for every request. Fault injection on
  * the wire, not a mock: the store talks to it as to any server.
  */
typedef struct hostile {
    int     lfd;			/* listening */
    int     port;
    const char *payload;		/* for the first connection */
    size_t  len;
    int     accepted;			/* connections so far (atomic) */
    int     live;			/* talkers not yet done (atomic) */
    pthread_t tid;
} hostile;

typedef struct hostile_conn {
    hostile *h;
    int     fd;
    int     first;			/* the first connection */
} hostile_conn;

/* hostile_talk - one connection: the payload, then silence; or PONGs */

static void *hostile_talk(void *arg)
{
    hostile_conn *hc = arg;
    char    buf[4096];
    ssize_t n;
    size_t  off;
    int     sent = 0;

    while ((n = read(hc->fd, buf, sizeof(buf))) > 0) {
	if (hc->first && !sent) {
	    for (off = 0; off < hc->h->len; off += (size_t) n)
		if ((n = write(hc->fd, hc->h->payload + off,
			       hc->h->len - off)) <= 0)
		    break;
	    sent = 1;
	} else if (!hc->first) {
	    if (write(hc->fd, "+PONG\r\n", 7) != 7)
		break;
	}
    }
    close(hc->fd);
    /* Last: hostile_stop() waits for this before the payload goes. */
    __atomic_fetch_sub(&hc->h->live, 1, __ATOMIC_SEQ_CST);
    free(hc);
    return (0);
}

/* hostile_accept - accept until the listener is shut down */

static void *hostile_accept(void *arg)
{
    hostile *h = arg;
    hostile_conn *hc;
    pthread_t tid;
    int     fd;

    while ((fd = accept(h->lfd, 0, 0)) >= 0) {
	ck_assert((hc = malloc(sizeof(*hc))) != 0);
	hc->h = h;
	hc->fd = fd;
	hc->first = __atomic_fetch_add(&h->accepted, 1, __ATOMIC_SEQ_CST) == 0;
	__atomic_fetch_add(&h->live, 1, __ATOMIC_SEQ_CST);
	ck_assert(pthread_create(&tid, 0, hostile_talk, hc) == 0);
	pthread_detach(tid);
    }
    return (0);
}

/* hostile_start - listen on a free loopback port */

static void hostile_start(hostile *h, const char *payload, size_t len)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof(sin);

    memset(h, 0, sizeof(*h));
    h->payload = payload;
    h->len = len;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert((h->lfd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
    ck_assert(bind(h->lfd, (struct sockaddr *) &sin, sizeof(sin)) == 0);
    ck_assert(listen(h->lfd, 16) == 0);
    ck_assert(getsockname(h->lfd, (struct sockaddr *) &sin, &sl) == 0);
    h->port = ntohs(sin.sin_port);
    ck_assert(pthread_create(&h->tid, 0, hostile_accept, h) == 0);
}

/* hostile_stop - stop accepting; wait for the talkers (clients closed) */

static void hostile_stop(hostile *h)
{
    int     n;

    shutdown(h->lfd, SHUT_RDWR);
    pthread_join(h->tid, 0);
    close(h->lfd);

    /*
     * A talker may still be writing the payload, which the caller frees
     * next; the store under test has closed its connections, so each
     * talker reads EOF and ends (ThreadSanitizer saw the free race the
     * write while talkers were only detached).
     */
    for (n = 0; n < 500 && __atomic_load_n(&h->live, __ATOMIC_SEQ_CST) > 0;
	 n++)
	sleep_ms(10);
    ck_assert_msg(__atomic_load_n(&h->live, __ATOMIC_SEQ_CST) == 0,
		  "hostile server: a connection is still open");
}

/* max_rss_mb - the peak resident size of this process so far */

static long max_rss_mb(void)
{
    struct rusage ru;

    ck_assert(getrusage(RUSAGE_SELF, &ru) == 0);
    return (ru.ru_maxrss / 1024);
}

/* now_ms - monotonic milliseconds */

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ((long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

#define HOSTILE_TIMEOUT_MS 500

static const struct hostile_case {
    const char *name;
    const char *payload;		/* NULL: a 2,000,000-byte bulk */
    const char *want;			/* in the store's error */
    int     timeout;			/* it takes RedisTimeout to tell */
} hostile_cases[] = {
    {"absurd array", "*2147483647\r\n",
	"reply refused: array of 2147483647 elements (at most 1048576)", 0},
    {"nested absurd array", "*2\r\n*1\r\n*2147483647\r\n",
	"reply refused: array of 2147483647 elements (at most 1048576)", 0},
    {"array over the bound", "*1048577\r\n",
	"reply refused: array of 1048577 elements (at most 1048576)", 0},
    {"absurd bulk, then silence", "$2147483647\r\n", ": timeout", 1},
    {"wide nested arrays, then silence",
	"*1048576\r\n*1048576\r\n*1048576\r\n*1048576\r\n:1\r\n",
	": timeout", 1},
    {"bulk over the bound", 0,
	"reply refused: string of 2000000 bytes (at most 1048576)", 0},
    {"negative bulk length", "$-2\r\n", "bulk string length out of range",
	0},
};

#define HOSTILE_CASES (sizeof(hostile_cases) / sizeof(hostile_cases[0]))

START_TEST(test_hostile_reply)
{
    const struct hostile_case *hc = hostile_cases + _i;
    cm_config cfg;
    cm_store *st;
    cm_campaign camp;
    hostile h;
    char   *big = 0;
    char    err[512] = "";
    long    rss0, rss1;
    long long t0, took;
    size_t  len;
    int     n, status;

    if (hc->payload) {
	len = strlen(hc->payload);
	hostile_start(&h, hc->payload, len);
    } else {
	len = 2000000;
	ck_assert((big = malloc(len + 32)) != 0);
	n = snprintf(big, 32, "$%zu\r\n", len);
	memset(big + n, 'x', len);
	memcpy(big + n + len, "\r\n", 2);
	hostile_start(&h, big, n + len + 2);
    }
    cm_config_init(&cfg);
    set_str(&cfg.redis_host, "127.0.0.1");
    set_str(&cfg.redis_path, 0);
    cfg.redis_port = h.port;
    cfg.redis_timeout_ms = HOSTILE_TIMEOUT_MS;
    cfg.redis_connections = 2;
    st = cm_store_create(&cfg, err, sizeof(err));
    ck_assert_msg(st != 0, "cm_store_create: %s", err);
    cm_config_free(&cfg);

    /*
     * The daemon's lookup: a store error (the caller tempfails), within
     * RedisTimeout, at bounded cost. hiredis's own reader spends 9 GB
     * and two minutes on "*2147483647" (with AddressSanitizer it aborts
     * on the allocation).
     */
    rss0 = max_rss_mb();
    t0 = now_ms();
    status = cm_store_fetch(st, "spring", &camp, 0, 0, err, sizeof(err));
    took = now_ms() - t0;
    rss1 = max_rss_mb();
    ck_assert_msg(status == -1, "%s: fetch succeeded", hc->name);
    ck_assert_msg(strstr(err, hc->want) != 0, "%s: %s", hc->name, err);
    ck_assert_msg(strstr(err, "redis 127.0.0.1:") == err, "%s: %s",
		  hc->name, err);
    ck_assert_int_eq(camp.found, 0);
    if (hc->timeout)
	ck_assert_msg(took < HOSTILE_TIMEOUT_MS + 400, "%s: %lld ms",
		      hc->name, took);
    else
	ck_assert_msg(took < 300, "%s: %lld ms to refuse", hc->name, took);
    ck_assert_msg(rss1 - rss0 < 64, "%s: peak memory grew by %ld MB",
		  hc->name, rss1 - rss0);

    /*
     * The connection was dropped: the next request, once the store
     * tries again, opens a new one, and a sane server is read as ever.
     */
    for (n = 0; n < 20 && cm_store_ping(st, err, sizeof(err)) != 0; n++)
	sleep_ms(50);
    ck_assert_msg(n < 20, "%s: no recovery: %s", hc->name, err);
    ck_assert_int_eq(__atomic_load_n(&h.accepted, __ATOMIC_SEQ_CST), 2);
    cm_store_destroy(st);
    hostile_stop(&h);
    free(big);
}
END_TEST

/* bound_reader - a hiredis reader as every connection has it */

static redisReader *bound_reader(void)
{
    redisReader *r = redisReaderCreate();

    ck_assert(r != 0);
    cm_redis_reader_bound(r);
    return (r);
}

/* feed_times - feed the same bytes n times */

static void feed_times(redisReader *r, const char *s, long n)
{
    size_t  len = strlen(s);
    char   *buf;
    long    i, chunk = 4096;

    ck_assert((buf = malloc(len * chunk)) != 0);
    for (i = 0; i < chunk; i++)
	memcpy(buf + i * len, s, len);
    for (i = 0; i < n; i += chunk)
	ck_assert(redisReaderFeed(r, buf, len * (n - i < chunk ?
						 n - i : chunk)) == REDIS_OK);
    free(buf);
}

START_TEST(test_reply_bounds)
{
    redisReader *r;
    redisReply *reply;
    void   *out;
    long    i;

    /* Replies as Redis gives them come out as hiredis builds them. */
    r = bound_reader();
    feed_times(r, "*3\r\n$5\r\nhello\r\n*2\r\n:42\r\n$-1\r\n+OK\r\n", 1);
    ck_assert(redisReaderGetReply(r, &out) == REDIS_OK && out != 0);
    reply = out;
    ck_assert_int_eq(reply->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(reply->elements, 3);
    ck_assert_str_eq(reply->element[0]->str, "hello");
    ck_assert_uint_eq(reply->element[1]->elements, 2);
    ck_assert_int_eq(reply->element[1]->element[0]->integer, 42);
    ck_assert_int_eq(reply->element[1]->element[1]->type, REDIS_REPLY_NIL);
    ck_assert_int_eq(reply->element[2]->type, REDIS_REPLY_STATUS);
    ck_assert_str_eq(reply->element[2]->str, "OK");
    cm_redis_reply_free(reply);

    /* An array of 1,000 elements, grown as they arrive. */
    feed_times(r, "*1000\r\n", 1);
    feed_times(r, "$3\r\nabc\r\n", 1000);
    ck_assert(redisReaderGetReply(r, &out) == REDIS_OK && out != 0);
    reply = out;
    ck_assert_uint_eq(reply->elements, 1000);
    for (i = 0; i < 1000; i++)
	ck_assert_str_eq(reply->element[i]->str, "abc");
    cm_redis_reply_free(reply);
    redisReaderFree(r);

    /* More objects in one reply than CM_REDIS_REPLY_OBJECTS. */
    r = bound_reader();
    feed_times(r, "*3\r\n", 1);
    for (i = 0; i < 3; i++) {
	feed_times(r, "*1048576\r\n", 1);
	feed_times(r, ":1\r\n", 1048576);
    }
    ck_assert(redisReaderGetReply(r, &out) == REDIS_ERR && out == 0);
    ck_assert_int_eq(r->err, REDIS_ERR_PROTOCOL);
    ck_assert_str_eq(r->errstr,
		     "reply refused: reply of 2097153 objects (at most 2097152)");
    redisReaderFree(r);

    /* More string bytes in one reply than CM_REDIS_REPLY_BYTES. */
    r = bound_reader();
    feed_times(r, "*40\r\n", 1);
    for (i = 0; i < 40; i++) {
	feed_times(r, "$1048576\r\n", 1);
	feed_times(r, "y", 1048576);
	feed_times(r, "\r\n", 1);
	if (redisReaderGetReply(r, &out) != REDIS_OK)
	    break;
    }
    ck_assert_int_eq(i, 32);
    ck_assert_str_eq(r->errstr, "reply refused: reply of 34603008 string "
		     "bytes (at most 33554432)");
    /* An erring reader takes no more input. */
    ck_assert(redisReaderFeed(r, "+OK\r\n", 5) == REDIS_ERR);
    redisReaderFree(r);

    /* A refused array at the top: nothing comes out, nothing leaks. */
    r = bound_reader();
    feed_times(r, "*2147483647\r\n:1\r\n*3\r\n$1\r\nx\r\n", 1);
    ck_assert(redisReaderGetReply(r, &out) == REDIS_ERR && out == 0);
    ck_assert_str_eq(r->errstr, "reply refused: array of 2147483647 "
		     "elements (at most 1048576)");
    redisReaderFree(r);

    /* A refused string inside an array that is complete otherwise. */
    r = bound_reader();
    feed_times(r, "*2\r\n:7\r\n$1048577\r\n", 1);
    feed_times(r, "z", 1048577);
    feed_times(r, "\r\n", 1);
    ck_assert(redisReaderGetReply(r, &out) == REDIS_ERR && out == 0);
    ck_assert_str_eq(r->errstr, "reply refused: string of 1048577 bytes "
		     "(at most 1048576)");
    redisReaderFree(r);
}
END_TEST

/* get_one - the next reply of a bound reader, which must be complete */

static redisReply *get_one(redisReader *r)
{
    void   *out = 0;

    ck_assert(redisReaderGetReply(r, &out) == REDIS_OK && out != 0);
    return (out);
}

START_TEST(test_reply_arena)
{
    redisReader *r;
    redisReply *reply, *e;
    char    big[3001];
    char   *wire;
    long    i, j;

    /*
     * Each reply is one block and its arena (redisreply.c): what comes
     * out must read exactly as hiredis's own objects, whatever the
     * sizes. ASan checks the blocks' bounds, UBSan their alignment.
     */
    r = bound_reader();

    /* Every kind at the top, one block each. */
    ck_assert(redisReaderFeed(r, "$5\r\nhe\0lo\r\n", 11) == REDIS_OK);
    feed_times(r, ":-7\r\n$-1\r\n*-1\r\n*0\r\n+QUEUED\r\n-ERR no\r\n"
	       "$0\r\n\r\n", 1);
    reply = get_one(r);
    ck_assert_int_eq(reply->type, REDIS_REPLY_STRING);
    ck_assert_uint_eq(reply->len, 5);
    ck_assert(memcmp(reply->str, "he\0lo", 6) == 0);
    cm_redis_reply_free(reply);
    reply = get_one(r);
    ck_assert(reply->type == REDIS_REPLY_INTEGER && reply->integer == -7);
    cm_redis_reply_free(reply);
    reply = get_one(r);
    ck_assert(reply->type == REDIS_REPLY_NIL && reply->str == 0);
    cm_redis_reply_free(reply);
    reply = get_one(r);
    ck_assert_int_eq(reply->type, REDIS_REPLY_NIL);
    cm_redis_reply_free(reply);
    reply = get_one(r);
    ck_assert(reply->type == REDIS_REPLY_ARRAY && reply->elements == 0);
    cm_redis_reply_free(reply);
    reply = get_one(r);
    ck_assert_int_eq(reply->type, REDIS_REPLY_STATUS);
    ck_assert_str_eq(reply->str, "QUEUED");
    cm_redis_reply_free(reply);
    reply = get_one(r);
    ck_assert_int_eq(reply->type, REDIS_REPLY_ERROR);
    ck_assert_str_eq(reply->str, "ERR no");
    cm_redis_reply_free(reply);
    reply = get_one(r);
    ck_assert(reply->type == REDIS_REPLY_STRING && reply->len == 0
	      && reply->str[0] == 0);
    cm_redis_reply_free(reply);
    cm_redis_reply_free(0);			/* ignored, as free(0) */

    /*
     * An array beyond its first block: small strings that fill chunk
     * after chunk, a string larger than half a chunk (a block of its
     * own) between them, and nested arrays whose vectors grow while
     * their parent's do. Every element in its place, every byte kept.
     */
    memset(big, 'b', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    ck_assert((wire = malloc(64 + sizeof(big))) != 0);
    feed_times(r, "*5\r\n", 1);
    feed_times(r, "*300\r\n", 1);
    for (i = 0; i < 300; i++) {
	char    el[64];

	snprintf(el, sizeof(el), "$%d\r\nfield-%04ld\r\n", 10, i);
	feed_times(r, el, 1);
    }
    snprintf(wire, 64 + sizeof(big), "$%zu\r\n%s\r\n", sizeof(big) - 1, big);
    feed_times(r, wire, 1);
    feed_times(r, "*2\r\n*70\r\n", 1);
    feed_times(r, ":5\r\n", 70);
    feed_times(r, "*0\r\n", 1);
    feed_times(r, "$-1\r\n", 1);
    feed_times(r, "*9\r\n", 1);
    feed_times(r, "$1\r\nz\r\n", 9);
    reply = get_one(r);
    ck_assert(reply->type == REDIS_REPLY_ARRAY && reply->elements == 5);
    e = reply->element[0];
    ck_assert(e->type == REDIS_REPLY_ARRAY && e->elements == 300);
    for (i = 0; i < 300; i++) {
	char    want[16];

	snprintf(want, sizeof(want), "field-%04ld", i);
	ck_assert_uint_eq(e->element[i]->len, 10);
	ck_assert_str_eq(e->element[i]->str, want);
	ck_assert(((uintptr_t) e->element[i] % sizeof(void *)) == 0);
    }
    e = reply->element[1];
    ck_assert(e->type == REDIS_REPLY_STRING && e->len == sizeof(big) - 1);
    ck_assert_str_eq(e->str, big);
    e = reply->element[2];
    ck_assert(e->elements == 2 && e->element[0]->elements == 70
	      && e->element[1]->type == REDIS_REPLY_ARRAY
	      && e->element[1]->elements == 0);
    for (j = 0; j < 70; j++)
	ck_assert(e->element[0]->element[j]->integer == 5);
    ck_assert_int_eq(reply->element[3]->type, REDIS_REPLY_NIL);
    e = reply->element[4];
    ck_assert_uint_eq(e->elements, 9);
    for (j = 0; j < 9; j++)
	ck_assert_str_eq(e->element[j]->str, "z");
    cm_redis_reply_free(reply);

    /* A reply cut off and the reader freed: what was built is freed. */
    feed_times(r, "*3\r\n$2\r\nab\r\n*2\r\n:1\r\n", 1);
    ck_assert(redisReaderGetReply(r, (void **) &reply) == REDIS_OK
	      && reply == 0);
    free(wire);
    redisReaderFree(r);
}
END_TEST

/* store_suite - all of the above */

static Suite *store_suite(void)
{
    Suite  *s = suite_create("store");
    TCase  *tc;

    tc = tcase_create("data");
    tcase_add_checked_fixture(tc, flush_main, 0);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_ping);
    tcase_add_test(tc, test_sender);
    tcase_add_test(tc, test_campaign_fields);
    tcase_add_loop_test(tc, test_campaign_bad, 0,
			sizeof(bad_cases) / sizeof(bad_cases[0]));
    tcase_add_test(tc, test_campaign_wrongtype);
    tcase_add_test(tc, test_rcpts);
    tcase_add_test(tc, test_rcpts_arena);
    tcase_add_test(tc, test_rcpts_given_campaign);
    tcase_add_test(tc, test_unknown_campaign);
    tcase_add_test(tc, test_key_prefix);
    tcase_add_test(tc, test_long_keys);
    tcase_add_test(tc, test_binary_ids);
    tcase_add_test(tc, test_error_escaping);
    tcase_add_test(tc, test_many_rcpts);
    tcase_add_test(tc, test_threads);
    tcase_add_test(tc, test_nothing_to_fetch);
    suite_add_tcase(s, tc);

    tc = tcase_create("connection");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_password_files);
    tcase_add_test(tc, test_auth_password);
    tcase_add_test(tc, test_auth_acl_user);
    tcase_add_test(tc, test_connect_refused);
    tcase_add_test(tc, test_fast_fail);
    tcase_add_test(tc, test_restart);
    tcase_add_test(tc, test_slow_server);
    tcase_add_test(tc, test_stale_server);
    tcase_add_test(tc, test_stalled_probe);
    suite_add_tcase(s, tc);

    tc = tcase_create("cache and batches");
    tcase_add_checked_fixture(tc, flush_main, 0);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_cache_table);
    tcase_add_test(tc, test_cache_sender);
    tcase_add_test(tc, test_cache_campaign);
    tcase_add_test(tc, test_cache_errors);
    tcase_add_test(tc, test_cache_redis_gone);
    tcase_add_test(tc, test_batch_threads);
    tcase_add_test(tc, test_batch_timeout);
    suite_add_tcase(s, tc);

    tc = tcase_create("hostile replies");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_hostile_reply, 0, HOSTILE_CASES);
    tcase_add_test(tc, test_reply_bounds);
    tcase_add_test(tc, test_reply_arena);
    suite_add_tcase(s, tc);
    return (s);
}

int     main(void)
{
    SRunner *sr;
    int     failed;

    redis_sock = getenv("CM_TEST_REDIS_SOCK");
    tmpdir = getenv("CM_TEST_TMPDIR");
    if (redis_sock == 0 || *redis_sock == 0 || tmpdir == 0 || *tmpdir == 0) {
	fprintf(stderr, "check_store: CM_TEST_REDIS_SOCK and CM_TEST_TMPDIR"
		" are not set: run me under tests/lib/redis.sh\n");
	return (99);
    }
    /* As smfi_main() does in the daemon: see store(3), BUGS. */
    signal(SIGPIPE, SIG_IGN);
    sr = srunner_create(store_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed ? EXIT_FAILURE : EXIT_SUCCESS);
}
