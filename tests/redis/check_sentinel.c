/* SPDX-License-Identifier: BSD-3-Clause; Copyright (c) 2026 the consent-milter authors. */
/*
 * check_sentinel - RedisSentinel and RedisReplica, against real servers
 *
 * Run under tests/lib/redis.sh (for CM_TEST_TMPDIR; its own server is
 * not used). The primaries and replicas are real redis-servers, on
 * loopback TCP ports (a sentinel names a primary by host and port) with
 * a unix socket each for the test's own commands. The sentinels are
 * fakes: a thread that answers every connection with one canned reply,
 * so that a test decides what "the sentinels" say, and counts how often
 * each was asked. The end-to-end failover with real sentinels is
 * tests/redis/sentinel.sh.
 */

/* System library. */

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Utility library. */

#include <check.h>
#include <hiredis/hiredis.h>

/* Application-specific. */

#include "campaign.h"
#include "config.h"
#include "policy.h"
#include "redisconn.h"
#include "store.h"
#include "../lib/redis_fixture.h"

static const char *tmpdir;

/* A redis-server that a test starts itself (tests/lib/redis_fixture.c). */
typedef cm_rfix server;

/* A fake sentinel: one canned reply to every connection. */
typedef struct fake {
    int     fd;				/* listening socket */
    int     port;
    pthread_t tid;
    pthread_mutex_t lock;
    char    reply[256];			/* RESP text */
    int     asked;			/* connections served */
} fake;

/* sleep_ms - nap */

static void sleep_ms(long ms)
{
    struct timespec ts;

    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
	 /* void */ ;
}

/* dead_port - a loopback port that refuses connections */

static int dead_port(void)
{
    int     port;

    close(cm_rfix_listen(&port));
    return (port);
}

/* db - one command on a server's unix socket; expect no error */

static void db(const server *s,...)
{
    const char *argv[16];
    size_t  lens[16];
    int     argc = 0;
    va_list ap;
    redisContext *c;
    redisReply *r;

    va_start(ap, s);
    while (argc < 16 && (argv[argc] = va_arg(ap, const char *)) != 0) {
	lens[argc] = strlen(argv[argc]);
	argc++;
    }
    va_end(ap);
    c = redisConnectUnix(s->sock);
    ck_assert_msg(c != 0 && c->err == 0, "connect %s", s->sock);
    r = redisCommandArgv(c, argc, argv, lens);
    ck_assert_msg(r != 0, "%s: %s", argv[0], c->errstr);
    ck_assert_msg(r->type != REDIS_REPLY_ERROR, "%s: %s", argv[0], r->str);
    freeReplyObject(r);
    redisFree(c);
}

/* synced - wait until a replica has its primary */

static void synced(const server *s)
{
    redisContext *c;
    redisReply *r;
    int     up = 0, tries;

    for (tries = 0; tries < 150 && !up; tries++) {
	if (tries)
	    sleep_ms(100);
	c = redisConnectUnix(s->sock);
	ck_assert(c != 0 && c->err == 0);
	r = redisCommand(c, "INFO replication");
	ck_assert(r != 0 && r->type == REDIS_REPLY_STRING);
	up = strstr(r->str, "master_link_status:up") != 0;
	freeReplyObject(r);
	redisFree(c);
    }
    ck_assert_msg(up, "replica %s did not sync", s->name);
}

/* fake_main - the fake sentinel's thread */

static void *fake_main(void *arg)
{
    fake   *f = arg;
    char    buf[512], reply[sizeof(f->reply)];
    ssize_t n;
    int     c;

    for (;;) {
	if ((c = accept(f->fd, 0, 0)) < 0) {
	    if (errno == EINTR || errno == ECONNABORTED)
		continue;
	    return (0);				/* shut down */
	}
	/* The client writes its one command at once. */
	n = read(c, buf, sizeof(buf));
	pthread_mutex_lock(&f->lock);
	memcpy(reply, f->reply, sizeof(reply));
	f->asked++;
	pthread_mutex_unlock(&f->lock);
	/* A failed write means that the client is gone: nothing to do. */
	if (n > 0)
	    n = write(c, reply, strlen(reply));
	while (read(c, buf, sizeof(buf)) > 0)
	     /* until the client closes */ ;
	close(c);
    }
}

/* fake_answer - what the fake says from now on */

static void fake_answer(fake *f, const char *reply)
{
    pthread_mutex_lock(&f->lock);
    snprintf(f->reply, sizeof(f->reply), "%s", reply);
    pthread_mutex_unlock(&f->lock);
}

/* fake_names - the fake names this server as the primary */

static void fake_names(fake *f, const server *s)
{
    char    reply[128], port[16];

    snprintf(port, sizeof(port), "%d", s->port);
    snprintf(reply, sizeof(reply), "*2\r\n$9\r\n127.0.0.1\r\n$%zu\r\n%s\r\n",
	     strlen(port), port);
    fake_answer(f, reply);
}

/* fake_asked - how many connections the fake served */

static int fake_asked(fake *f)
{
    int     n;

    pthread_mutex_lock(&f->lock);
    n = f->asked;
    pthread_mutex_unlock(&f->lock);
    return (n);
}

/* fake_start - a fake sentinel on a free port */

static void fake_start(fake *f, const char *reply)
{
    memset(f, 0, sizeof(*f));
    f->fd = cm_rfix_listen(&f->port);
    ck_assert(listen(f->fd, 16) == 0);
    ck_assert(pthread_mutex_init(&f->lock, 0) == 0);
    fake_answer(f, reply);
    ck_assert(pthread_create(&f->tid, 0, fake_main, f) == 0);
}

/* fake_stop - stop the thread */

static void fake_stop(fake *f)
{
    shutdown(f->fd, SHUT_RDWR);
    pthread_join(f->tid, 0);
    close(f->fd);
    pthread_mutex_destroy(&f->lock);
}

/* config - parse configuration text (printf format) or fail the test */

static void __attribute__((format(printf, 2, 3)))
config(cm_config *cfg, const char *fmt,...)
{
    char    text[1024], err[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    cm_config_init(cfg);
    ck_assert_msg(cm_config_parse(cfg, "t.conf", text, err, sizeof(err)) == 0,
		  "%s", err);
}

/* store_for - a store for a configuration; the configuration is freed */

static cm_store *store_for(cm_config *cfg)
{
    cm_store *st;
    char    err[512];

    st = cm_store_create(cfg, err, sizeof(err));
    ck_assert_msg(st != 0, "cm_store_create: %s", err);
    cm_config_free(cfg);
    return (st);
}

/* purpose_of - the purpose of campaign "spring" as the store reads it */

static const char *purpose_of(cm_store *st, char *buf, size_t len)
{
    cm_campaign camp;
    char    err[512];

    memset(&camp, 0, sizeof(camp));
    if (cm_store_fetch(st, "spring", &camp, 0, 0, err, sizeof(err)) != 0) {
	snprintf(buf, len, "error: %s", err);
    } else {
	snprintf(buf, len, "%s", camp.found ? camp.purpose : "(none)");
	cm_campaign_clear(&camp);
    }
    return (buf);
}

START_TEST(test_primary_from_sentinel)
{
    server  a;
    fake    s1;
    cm_config cfg;
    cm_store *st;
    redisContext *c;
    char    err[512], buf[600];

    cm_rfix_start(&a, tmpdir, "a", 1, 0);
    db(&a, "HSET", "cm:campaign:spring", "purpose", "offers", (char *) 0);
    fake_start(&s1, "");
    fake_names(&s1, &a);
    config(&cfg, "RedisSentinel 127.0.0.1:%d cmtest\nRedisTimeout 500\n",
	   s1.port);

    /* consentctl's connection: to the primary, checked with ROLE. */
    c = cm_redis_connect(&cfg, err, sizeof(err));
    ck_assert_msg(c != 0, "%s", err);
    ck_assert_int_eq(c->tcp.port, a.port);
    redisFree(c);

    st = store_for(&cfg);
    ck_assert_msg(cm_store_ping(st, err, sizeof(err)) == 0, "%s", err);
    ck_assert_str_eq(purpose_of(st, buf, sizeof(buf)), "offers");
    ck_assert_int_eq(fake_asked(&s1), 2);	/* pooled: asked once more */
    cm_store_destroy(st);
    fake_stop(&s1);
    cm_rfix_stop(&a, SIGKILL);
}
END_TEST

START_TEST(test_not_a_master)
{
    server  a, b;
    fake    s1;
    cm_config cfg;
    char    port[16], err[512], want[512];
    const char *extra[] = {"--replicaof", "127.0.0.1", port, 0};

    cm_rfix_start(&a, tmpdir, "a", 1, 0);
    snprintf(port, sizeof(port), "%d", a.port);
    cm_rfix_start(&b, tmpdir, "b", 1, extra);
    fake_start(&s1, "");
    fake_names(&s1, &b);			/* stale: names the replica */
    config(&cfg, "RedisSentinel 127.0.0.1:%d cmtest\n", s1.port);
    ck_assert_ptr_null(cm_redis_connect(&cfg, err, sizeof(err)));
    snprintf(want, sizeof(want), "redis 127.0.0.1:%d: not a master (ROLE:"
	     " slave) (primary of cmtest according to sentinel 127.0.0.1:%d)",
	     b.port, s1.port);
    ck_assert_str_eq(err, want);
    cm_config_free(&cfg);
    fake_stop(&s1);
    cm_rfix_stop(&b, SIGKILL);
    cm_rfix_stop(&a, SIGKILL);
}
END_TEST

START_TEST(test_sentinel_errors)
{
    static const struct {
	const char *reply;
	const char *why;
    } cases[] = {
	{"*-1\r\n", "does not know master cmtest"},
	{"-ERR No such master with that name\r\n",
	"SENTINEL: ERR No such master with that name"},
	{"*1\r\n$9\r\n127.0.0.1\r\n", "SENTINEL: unexpected reply"},
	{"*2\r\n$9\r\n127.0.0.1\r\n$5\r\n70000\r\n", "SENTINEL: unexpected reply"},
	{"+OK\r\n", "SENTINEL: OK"},
    };
    fake    s1;
    cm_config cfg;
    char    err[512], want[512];
    int     dead = dead_port();
    size_t  i;

    fake_start(&s1, "");
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
	fake_answer(&s1, cases[i].reply);
	config(&cfg, "RedisSentinel 127.0.0.1:%d,127.0.0.1:%d cmtest\n",
	       s1.port, dead);
	ck_assert_ptr_null(cm_redis_connect(&cfg, err, sizeof(err)));
	snprintf(want, sizeof(want), "redis sentinel cmtest: no sentinel named"
		 " the primary (127.0.0.1:%d: %s; 127.0.0.1:%d: connection"
		 " refused)", s1.port, cases[i].why, dead);
	ck_assert_str_eq(err, want);
	cm_config_free(&cfg);
    }
    fake_stop(&s1);
}
END_TEST

START_TEST(test_sentinel_order)
{
    server  a;
    fake    s1, s2;
    cm_config cfg;
    cm_store *st;
    char    err[512];

    cm_rfix_start(&a, tmpdir, "a", 1, 0);
    fake_start(&s1, "*-1\r\n");			/* does not know the master */
    fake_start(&s2, "");
    fake_names(&s2, &a);
    config(&cfg, "RedisSentinel 127.0.0.1:%d,127.0.0.1:%d cmtest\n"
	   "RedisConnections 1\n", s1.port, s2.port);
    st = store_for(&cfg);
    ck_assert_msg(cm_store_ping(st, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(fake_asked(&s1), 1);
    ck_assert_int_eq(fake_asked(&s2), 1);

    /*
     * What Sentinel does after a failover: drop the clients. The next
     * connect asks the sentinel that answered last time first.
     */
    db(&a, "CLIENT", "KILL", "TYPE", "normal", (char *) 0);
    ck_assert_msg(cm_store_ping(st, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(fake_asked(&s1), 1);
    ck_assert_int_eq(fake_asked(&s2), 2);
    cm_store_destroy(st);
    fake_stop(&s2);
    fake_stop(&s1);
    cm_rfix_stop(&a, SIGKILL);
}
END_TEST

START_TEST(test_failover)
{
    server  a, b;
    fake    s1;
    cm_config cfg;
    cm_store *st;
    char    port[16], err[512], buf[600];
    const char *extra[] = {"--replicaof", "127.0.0.1", port, 0};
    redisContext *c;
    redisReply *r;
    int     i;

    cm_rfix_start(&a, tmpdir, "a", 1, 0);
    snprintf(port, sizeof(port), "%d", a.port);
    cm_rfix_start(&b, tmpdir, "b", 1, extra);
    db(&a, "HSET", "cm:campaign:spring", "purpose", "offers", (char *) 0);
    fake_start(&s1, "");
    fake_names(&s1, &a);
    config(&cfg, "RedisSentinel 127.0.0.1:%d cmtest\nRedisTimeout 500\n",
	   s1.port);
    st = store_for(&cfg);
    ck_assert_str_eq(purpose_of(st, buf, sizeof(buf)), "offers");

    /* The replica has caught up (WAIT on the primary), then "fails over". */
    synced(&b);
    c = redisConnectUnix(a.sock);
    ck_assert(c != 0 && c->err == 0);
    r = redisCommand(c, "WAIT 1 5000");
    ck_assert(r != 0 && r->type == REDIS_REPLY_INTEGER && r->integer == 1);
    freeReplyObject(r);
    redisFree(c);
    db(&b, "REPLICAOF", "NO", "ONE", (char *) 0);
    db(&b, "HSET", "cm:campaign:spring", "purpose", "promoted", (char *) 0);
    fake_names(&s1, &b);
    snprintf(port, sizeof(port), "%d", b.port);
    db(&a, "REPLICAOF", "127.0.0.1", port, (char *) 0);
    db(&a, "CLIENT", "KILL", "TYPE", "normal", (char *) 0);

    /* The pooled connection is dead: the store finds the new primary. */
    for (i = 0; i < 20; i++) {
	if (strcmp(purpose_of(st, buf, sizeof(buf)), "promoted") == 0)
	    break;
	sleep_ms(50);
    }
    ck_assert_str_eq(buf, "promoted");
    ck_assert_msg(cm_store_ping(st, err, sizeof(err)) == 0, "%s", err);

    /* The old primary dies: nothing changes for the store. */
    cm_rfix_stop(&a, SIGKILL);
    ck_assert_str_eq(purpose_of(st, buf, sizeof(buf)), "promoted");
    cm_store_destroy(st);
    fake_stop(&s1);
    cm_rfix_stop(&b, SIGKILL);
}
END_TEST

START_TEST(test_replica_reads)
{
    server  p, r;
    cm_config cfg;
    cm_store *st;
    redisContext *c;
    char    err[512], buf[600], path[256];
    int     i;

    /* Two unrelated servers, so that the data says who was read. */
    cm_rfix_start(&p, tmpdir, "p", 0, 0);
    db(&p, "HSET", "cm:campaign:spring", "purpose", "fromprimary", (char *) 0);
    snprintf(path, sizeof(path), "%s/r.sock", tmpdir);
    unlink(path);
    config(&cfg, "Redis unix:%s\nRedisReplica unix:%s\n"
	   "RedisConnections 1\n", p.sock, path);

    /* Writes (consentctl) go to the primary, never to the replica. */
    c = cm_redis_connect(&cfg, err, sizeof(err));
    ck_assert_msg(c != 0, "%s", err);
    ck_assert_str_eq(c->unix_sock.path, p.sock);
    redisFree(c);

    /* The replica is down: reads go to the primary meanwhile. */
    st = store_for(&cfg);
    ck_assert_str_eq(purpose_of(st, buf, sizeof(buf)), "fromprimary");

    /* The replica is back: after a second, reads go there again. */
    cm_rfix_start(&r, tmpdir, "r", 0, 0);
    db(&r, "HSET", "cm:campaign:spring", "purpose", "fromreplica", (char *) 0);
    ck_assert_str_eq(purpose_of(st, buf, sizeof(buf)), "fromprimary");
    for (i = 0; i < 30; i++) {
	if (strcmp(purpose_of(st, buf, sizeof(buf)), "fromreplica") == 0)
	    break;
	sleep_ms(100);
    }
    ck_assert_str_eq(buf, "fromreplica");

    /* And stay there. */
    sleep_ms(1100);
    ck_assert_str_eq(purpose_of(st, buf, sizeof(buf)), "fromreplica");
    cm_store_destroy(st);
    cm_rfix_stop(&r, SIGKILL);
    cm_rfix_stop(&p, SIGKILL);
}
END_TEST

START_TEST(test_replica_stale)
{
    server  p, r;
    cm_config cfg;
    cm_store *st;
    char    port[16], buf[600], err[512];
    const char *extra[] = {"--replicaof", "127.0.0.1", port,
    "--replica-serve-stale-data", "no", 0};

    /* A replica that lost its primary answers MASTERDOWN. */
    snprintf(port, sizeof(port), "%d", dead_port());
    cm_rfix_start(&p, tmpdir, "p", 0, 0);
    cm_rfix_start(&r, tmpdir, "r", 0, extra);
    db(&p, "HSET", "cm:campaign:spring", "purpose", "fromprimary", (char *) 0);
    config(&cfg, "Redis unix:%s\nRedisReplica unix:%s\n", p.sock, r.sock);
    st = store_for(&cfg);

    /* The call is repeated on the primary: the message is not lost. */
    ck_assert_str_eq(purpose_of(st, buf, sizeof(buf)), "fromprimary");
    ck_assert_msg(cm_store_ping(st, err, sizeof(err)) == 0, "%s", err);
    cm_store_destroy(st);
    cm_rfix_stop(&r, SIGKILL);
    cm_rfix_stop(&p, SIGKILL);
}
END_TEST

/* sentinel_suite - all of the above */

static Suite *sentinel_suite(void)
{
    Suite  *s = suite_create("sentinel");
    TCase  *tc;

    tc = tcase_create("sentinel");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_primary_from_sentinel);
    tcase_add_test(tc, test_not_a_master);
    tcase_add_test(tc, test_sentinel_errors);
    tcase_add_test(tc, test_sentinel_order);
    tcase_add_test(tc, test_failover);
    suite_add_tcase(s, tc);

    tc = tcase_create("replica");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_replica_reads);
    tcase_add_test(tc, test_replica_stale);
    suite_add_tcase(s, tc);
    return (s);
}

int     main(void)
{
    SRunner *sr;
    int     failed;

    tmpdir = getenv("CM_TEST_TMPDIR");
    if (tmpdir == 0 || *tmpdir == 0) {
	fprintf(stderr, "check_sentinel: CM_TEST_TMPDIR is not set: run me"
		" under tests/lib/redis.sh\n");
	return (99);
    }
    /* As smfi_main() does in the daemon: see store(3), BUGS. */
    signal(SIGPIPE, SIG_IGN);
    sr = srunner_create(sentinel_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed ? EXIT_FAILURE : EXIT_SUCCESS);
}
