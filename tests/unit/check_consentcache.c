/*++
/* NAME
/*	check_consentcache 1
/* SUMMARY
/*	unit tests for the consent cache
/* SYNOPSIS
/*	check_consentcache
/* DESCRIPTION
/*	Tests consentcache(3) without Redis: replies built by hand go
/*	through reserve and fill; an invalidation, a flush or a disable
/*	between the two keeps the reply out; nothing is served while
/*	disabled; the bounds evict the oldest, an entry served since it
/*	last came up for eviction last; entries
/*	expire; threads that read, fill and invalidate at once leave the
/*	counters consistent (run under the sanitizers, races show).
/* DIAGNOSTICS
/*	The exit status is non-zero when a test fails.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Check library. */

#include <check.h>

/* Utility library. */

#include <hiredis/hiredis.h>

/* Application-specific. */

#include "consentcache.h"

/* A string reply, or nil when s is null. */
static redisReply *str_reply(redisReply *r, const char *s)
{
    memset(r, 0, sizeof(*r));
    r->type = s ? REDIS_REPLY_STRING : REDIS_REPLY_NIL;
    r->str = (char *) s;
    r->len = s ? strlen(s) : 0;
    return (r);
}

/* What use() saw. */
struct seen {
    int     type;
    char    text[256];
    size_t  elements;
};

/* use_copy - copy a cached reply (its first string) for the test */

static int use_copy(const redisReply *r, void *ctx)
{
    struct seen *s = ctx;
    const redisReply *e = r;

    s->type = r->type;
    s->elements = r->elements;
    if (r->type == REDIS_REPLY_ARRAY)
	e = r->elements ? r->element[r->elements - 1] : 0;
    snprintf(s->text, sizeof(s->text), "%s", e && e->str ? e->str : "");
    return (1);
}

/* put - reserve and fill key with a string (or nil) */

static void put(cm_ccache *cc, const char *key, const char *value)
{
    redisReply r;
    cm_ccache_ticket t;

    ck_assert_int_eq(cm_ccache_reserve(cc, key, strlen(key), &t), 1);
    ck_assert(t.epoch != 0);
    cm_ccache_fill(cc, key, strlen(key), &t, str_reply(&r, value));
}

/* get - 1 and the value when served */

static int get(cm_ccache *cc, const char *key, struct seen *s)
{
    memset(s, 0, sizeof(*s));
    return (cm_ccache_get(cc, key, strlen(key), use_copy, s));
}

START_TEST(test_disabled)
{
    cm_ccache *cc = cm_ccache_create(0, 1000, 3600);
    cm_ccache_ticket t;
    struct seen s;

    /* Created disabled: nothing reserved, nothing served. */
    ck_assert_int_eq(cm_ccache_reserve(cc, "cm:consent:a", 12, &t), 0);
    ck_assert(t.epoch == 0);
    cm_ccache_enable(cc, 1);
    put(cc, "cm:consent:a", "granted");
    ck_assert_int_eq(get(cc, "cm:consent:a", &s), 1);
    ck_assert_str_eq(s.text, "granted");
    /* Disabled: emptied, and not served even after enabling again. */
    cm_ccache_enable(cc, 0);
    ck_assert_int_eq(get(cc, "cm:consent:a", &s), 0);
    cm_ccache_enable(cc, 1);
    ck_assert_int_eq(get(cc, "cm:consent:a", &s), 0);
    cm_ccache_free(cc);
}
END_TEST

START_TEST(test_values)
{
    cm_ccache *cc = cm_ccache_create(0, 1000, 3600);
    redisReply top, el[4], *ptr[4];
    const char *fields[4] = {"newsletter", "granted", "newsletter:at", "1"};
    cm_ccache_ticket tok;
    struct seen s;
    int     i;

    cm_ccache_enable(cc, 1);
    /* A nil is an answer too (no suppression). */
    put(cc, "cm:suppress:a", 0);
    ck_assert_int_eq(get(cc, "cm:suppress:a", &s), 1);
    ck_assert_int_eq(s.type, REDIS_REPLY_NIL);
    /* HGETALL: an array of strings, kept whole. */
    memset(&top, 0, sizeof(top));
    top.type = REDIS_REPLY_ARRAY;
    top.elements = 4;
    top.element = ptr;
    for (i = 0; i < 4; i++)
	ptr[i] = str_reply(el + i, fields[i]);
    ck_assert_int_eq(cm_ccache_reserve(cc, "cm:consent:a", 12, &tok), 1);
    cm_ccache_fill(cc, "cm:consent:a", 12, &tok, &top);
    ck_assert_int_eq(get(cc, "cm:consent:a", &s), 1);
    ck_assert_int_eq(s.type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(s.elements, 4);
    ck_assert_str_eq(s.text, "1");
    /* An error reply is not kept. */
    memset(&top, 0, sizeof(top));
    top.type = REDIS_REPLY_ERROR;
    top.str = "WRONGTYPE";
    top.len = 9;
    put(cc, "cm:consent:b", "granted");
    ck_assert_int_eq(cm_ccache_reserve(cc, "cm:consent:b", 12, &tok), 1);
    cm_ccache_fill(cc, "cm:consent:b", 12, &tok, &top);
    ck_assert_int_eq(get(cc, "cm:consent:b", &s), 0);	/* nor what was */
    cm_ccache_free(cc);
}
END_TEST

START_TEST(test_race)
{
    cm_ccache *cc = cm_ccache_create(0, 1000, 3600);
    cm_ccache_ticket tok, tok2;
    redisReply r;
    struct seen s;

    cm_ccache_enable(cc, 1);
    /* An invalidation between the read and its reply: not kept. */
    ck_assert_int_eq(cm_ccache_reserve(cc, "cm:consent:a", 12, &tok), 1);
    cm_ccache_invalidate(cc, "cm:consent:a", 12);
    cm_ccache_fill(cc, "cm:consent:a", 12, &tok, str_reply(&r, "granted"));
    ck_assert_int_eq(get(cc, "cm:consent:a", &s), 0);
    /* A flush meanwhile: not kept. */
    ck_assert_int_eq(cm_ccache_reserve(cc, "cm:consent:a", 12, &tok), 1);
    cm_ccache_flush(cc);
    cm_ccache_fill(cc, "cm:consent:a", 12, &tok, str_reply(&r, "granted"));
    ck_assert_int_eq(get(cc, "cm:consent:a", &s), 0);
    /* A disable and enable meanwhile: not kept. */
    ck_assert_int_eq(cm_ccache_reserve(cc, "cm:consent:a", 12, &tok), 1);
    cm_ccache_enable(cc, 0);
    cm_ccache_enable(cc, 1);
    cm_ccache_fill(cc, "cm:consent:a", 12, &tok, str_reply(&r, "granted"));
    ck_assert_int_eq(get(cc, "cm:consent:a", &s), 0);
    /* A read reserved before an invalidation, another after: the first
     * is dropped, whatever the order of the fills. */
    ck_assert_int_eq(cm_ccache_reserve(cc, "cm:consent:a", 12, &tok), 1);
    cm_ccache_invalidate(cc, "cm:consent:a", 12);
    ck_assert_int_eq(cm_ccache_reserve(cc, "cm:consent:a", 12, &tok2), 1);
    cm_ccache_fill(cc, "cm:consent:a", 12, &tok2, str_reply(&r, "new"));
    cm_ccache_fill(cc, "cm:consent:a", 12, &tok, str_reply(&r, "old"));
    ck_assert_int_eq(get(cc, "cm:consent:a", &s), 1);
    ck_assert_str_eq(s.text, "new");
    /* Two readers with no invalidation between: the last fill stays,
     * until the invalidation of a change, which removes it. */
    ck_assert_int_eq(cm_ccache_reserve(cc, "cm:consent:b", 12, &tok), 1);
    ck_assert_int_eq(cm_ccache_reserve(cc, "cm:consent:b", 12, &tok2), 1);
    cm_ccache_fill(cc, "cm:consent:b", 12, &tok2, str_reply(&r, "one"));
    cm_ccache_fill(cc, "cm:consent:b", 12, &tok, str_reply(&r, "two"));
    ck_assert_int_eq(get(cc, "cm:consent:b", &s), 1);
    ck_assert_str_eq(s.text, "two");
    cm_ccache_invalidate(cc, "cm:consent:b", 12);
    ck_assert_int_eq(get(cc, "cm:consent:b", &s), 0);
    /* An invalidation after the fill: gone. */
    cm_ccache_invalidate(cc, "cm:consent:a", 12);
    ck_assert_int_eq(get(cc, "cm:consent:a", &s), 0);
    /* An invalidation of a key never cached still counts. */
    ck_assert_int_eq(cm_ccache_reserve(cc, "cm:consent:c", 12, &tok), 1);
    cm_ccache_invalidate(cc, "cm:consent:c", 12);
    cm_ccache_fill(cc, "cm:consent:c", 12, &tok, str_reply(&r, "granted"));
    ck_assert_int_eq(get(cc, "cm:consent:c", &s), 0);
    cm_ccache_free(cc);
}
END_TEST

START_TEST(test_bounds)
{
    /* 64 shards: 128 entries is 2 a shard. */
    cm_ccache *cc = cm_ccache_create(0, 128, 3600);
    cm_ccache_info st;
    char    key[64];
    struct seen s;
    int     i, served = 0;

    cm_ccache_enable(cc, 1);
    for (i = 0; i < 10000; i++) {
	snprintf(key, sizeof(key), "cm:consent:user%d", i);
	put(cc, key, "granted");
    }
    cm_ccache_stats(cc, &st);
    ck_assert_int_le(st.entries, 128);
    ck_assert_int_gt(st.entries, 64);
    /* The most recent ones are there; the first ones went. */
    for (i = 9990; i < 10000; i++) {
	snprintf(key, sizeof(key), "cm:consent:user%d", i);
	served += get(cc, key, &s);
    }
    ck_assert_int_ge(served, 5);
    ck_assert_int_eq(get(cc, "cm:consent:user0", &s), 0);
    cm_ccache_free(cc);

    /* A byte bound. */
    cc = cm_ccache_create(64 * 1024, 0, 3600);
    cm_ccache_enable(cc, 1);
    for (i = 0; i < 10000; i++) {
	snprintf(key, sizeof(key), "cm:consent:user%d", i);
	put(cc, key, "granted");
    }
    cm_ccache_stats(cc, &st);
    ck_assert_int_le(st.bytes, 64 * 1024 + 64 * 200);
    ck_assert_int_gt(st.entries, 0);
    cm_ccache_free(cc);
}
END_TEST

START_TEST(test_second_chance)
{
    /* 64 shards: 256 entries is 4 a shard. */
    cm_ccache *cc = cm_ccache_create(0, 256, 3600);
    struct seen s;
    char    key[64];
    int     i, kept = 0;

    cm_ccache_enable(cc, 1);

    /*
     * Read after every store, the first ten stay while 10,000 others
     * pass through their shards; without the reads they would have
     * gone first (test_bounds), and a cache that ignored reads would
     * lose them here too.
     */
    for (i = 0; i < 10; i++) {
	snprintf(key, sizeof(key), "cm:consent:kept%d", i);
	put(cc, key, "granted");
    }
    for (i = 0; i < 10000; i++) {
	int     k;

	snprintf(key, sizeof(key), "cm:consent:user%d", i);
	put(cc, key, "granted");
	for (k = 0; k < 10; k++) {
	    snprintf(key, sizeof(key), "cm:consent:kept%d", k);
	    (void) get(cc, key, &s);
	}
    }
    for (i = 0; i < 10; i++) {
	snprintf(key, sizeof(key), "cm:consent:kept%d", i);
	kept += get(cc, key, &s);
    }
    ck_assert_int_eq(kept, 10);
    ck_assert_int_eq(get(cc, "cm:consent:user0", &s), 0);

    /* Not read any more: they go like the others. */
    for (i = 10000; i < 20000; i++) {
	snprintf(key, sizeof(key), "cm:consent:user%d", i);
	put(cc, key, "granted");
    }
    for (kept = 0, i = 0; i < 10; i++) {
	snprintf(key, sizeof(key), "cm:consent:kept%d", i);
	kept += get(cc, key, &s);
    }
    ck_assert_int_eq(kept, 0);
    cm_ccache_free(cc);
}
END_TEST

START_TEST(test_max_age)
{
    cm_ccache *cc = cm_ccache_create(0, 1000, 1);
    struct seen s;

    cm_ccache_enable(cc, 1);
    put(cc, "cm:consent:a", "granted");
    ck_assert_int_eq(get(cc, "cm:consent:a", &s), 1);
    sleep(1);
    ck_assert_int_eq(get(cc, "cm:consent:a", &s), 0);
    cm_ccache_free(cc);
}
END_TEST

START_TEST(test_get_many)
{
    cm_ccache *cc = cm_ccache_create(0, 10000, 3600);
    char    keys[150][32];
    struct seen seen[150];
    cm_ccache_key ask[150];
    unsigned char hit[150];
    size_t  i, want = 0;

    /* 150 keys: more than one batch (CC_BATCH), in several shards. */
    for (i = 0; i < 150; i++) {
	snprintf(keys[i], sizeof(keys[i]), "cm:consent:p%zu", i);
	ask[i].key = keys[i];
	ask[i].len = strlen(keys[i]);
	ask[i].use = use_copy;
	ask[i].ctx = seen + i;
    }
    memset(hit, 7, sizeof(hit));
    ck_assert_uint_eq(cm_ccache_get_many(cc, ask, 150, hit), 0);
    for (i = 0; i < 150; i++)
	ck_assert_int_eq(hit[i], 0);		/* disabled: nothing served */
    cm_ccache_enable(cc, 1);
    for (i = 0; i < 150; i++) {
	if (i % 3 == 0) {
	    put(cc, keys[i], keys[i]);		/* a value: its own key */
	} else if (i % 3 == 1) {
	    cm_ccache_ticket t;		/* reserved, never filled */

	    ck_assert_int_eq(cm_ccache_reserve(cc, keys[i], strlen(keys[i]),
					       &t), 1);
	}
    }
    memset(seen, 0, sizeof(seen));
    ck_assert_uint_eq(cm_ccache_get_many(cc, ask, 150, hit), 50);
    for (i = 0; i < 150; i++) {
	ck_assert_int_eq(hit[i], i % 3 == 0);
	ck_assert_str_eq(seen[i].text, i % 3 == 0 ? keys[i] : "");
    }
    /* Invalidated or flushed: never served again. */
    cm_ccache_invalidate(cc, keys[0], strlen(keys[0]));
    ck_assert_uint_eq(cm_ccache_get_many(cc, ask, 150, hit), 49);
    ck_assert_int_eq(hit[0], 0);
    cm_ccache_flush(cc);
    ck_assert_uint_eq(cm_ccache_get_many(cc, ask, 150, hit), 0);
    for (i = 0; i < 150; i += 7)
	put(cc, keys[i], "granted"), want++;
    ck_assert_uint_eq(cm_ccache_get_many(cc, ask, 150, hit), want);
    ck_assert_uint_eq(cm_ccache_get_many(cc, ask, 0, hit), 0);
    cm_ccache_free(cc);
}
END_TEST

/* One thread of the concurrency test. */
static void *hammer(void *arg)
{
    cm_ccache *cc = arg;
    char    key[64];
    struct seen s;
    int     i;

    for (i = 0; i < 20000; i++) {
	snprintf(key, sizeof(key), "cm:consent:user%d", i % 500);
	switch (i % 7) {
	case 0:
	    cm_ccache_invalidate(cc, key, strlen(key));
	    break;
	case 6:
	    if (i % 3500 == 6)
		cm_ccache_flush(cc);
	    break;
	default:
	    if (!get(cc, key, &s))
		put(cc, key, "granted");
	    else
		ck_assert_str_eq(s.text, "granted");
	}
    }
    return (0);
}

/* A thread that reads 40 keys at a time while the others change them. */
static void *hammer_many(void *arg)
{
    cm_ccache *cc = arg;
    char    keys[40][64];
    struct seen seen[40];
    cm_ccache_key ask[40];
    unsigned char hit[40];
    int     i, j;

    for (i = 0; i < 1000; i++) {
	for (j = 0; j < 40; j++) {
	    snprintf(keys[j], sizeof(keys[j]), "cm:consent:user%d",
		     (i * 40 + j * 13) % 500);
	    ask[j].key = keys[j];
	    ask[j].len = strlen(keys[j]);
	    ask[j].use = use_copy;
	    ask[j].ctx = seen + j;
	}
	memset(seen, 0, sizeof(seen));
	(void) cm_ccache_get_many(cc, ask, 40, hit);
	for (j = 0; j < 40; j++)
	    if (hit[j])
		ck_assert_str_eq(seen[j].text, "granted");
	    else
		put(cc, keys[j], "granted");
    }
    return (0);
}

START_TEST(test_threads)
{
    cm_ccache *cc = cm_ccache_create(0, 300, 3600);
    pthread_t t[6];
    cm_ccache_info st;
    int     i;

    cm_ccache_enable(cc, 1);
    for (i = 0; i < 6; i++)
	ck_assert_int_eq(pthread_create(t + i, 0, i < 4 ? hammer : hammer_many,
					cc), 0);
    for (i = 0; i < 6; i++)
	pthread_join(t[i], 0);
    cm_ccache_stats(cc, &st);
    ck_assert_int_le(st.entries, 300 + 64);
    ck_assert_int_gt(st.hits, 0);
    ck_assert_int_gt(st.flushes, 0);
    cm_ccache_free(cc);
}
END_TEST

static Suite *consentcache_suite(void)
{
    Suite  *s = suite_create("consentcache");
    TCase  *tc = tcase_create("cache");

    tcase_add_test(tc, test_disabled);
    tcase_add_test(tc, test_values);
    tcase_add_test(tc, test_race);
    tcase_add_test(tc, test_bounds);
    tcase_add_test(tc, test_second_chance);
    tcase_add_test(tc, test_max_age);
    tcase_add_test(tc, test_get_many);
    tcase_add_test(tc, test_threads);
    suite_add_tcase(s, tc);
    return (s);
}

int     main(void)
{
    SRunner *sr = srunner_create(consentcache_suite());
    int     failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}
