/*++
/* NAME
/*	check_tracking 1
/* SUMMARY
/*	unit tests for the look at the invalidation link
/* SYNOPSIS
/*	check_tracking
/* DESCRIPTION
/*	Tests tracking_pending(3) without Redis: a socket pair stands for
/*	the invalidation link, its far end for Redis. While the link is
/*	down, while a byte waits in the socket, and while the link's
/*	thread applies what it read, cm_tracker_pending() says so; when
/*	everything was read and applied, it does not. This is what keeps
/*	the consent cache's staleness bound at the time Redis takes to
/*	write, whenever the link's thread runs: without the look at the
/*	socket, the test of a waiting byte fails. An answer to the link's
/*	PING alone is not a change (tracking_pongs_waiting()): a part of
/*	one, one behind or before a change, or more than the look takes
/*	in, is.
/* DIAGNOSTICS
/*	The exit status is non-zero when a test fails.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Check library. */

#include <check.h>

/* Application-specific. */

#include "tracking_impl.h"

/* link_up - a tracker whose link is one end of a socket pair */

static void link_up(cm_tracker *t, int sv[2])
{
    memset(t, 0, sizeof(*t));
    t->fd = t->epfd = -1;
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    ck_assert_int_eq(tracking_watch_open(t), 0);
    ck_assert_int_eq(tracking_watch(t, sv[0], 1), 0);
    t->fd = sv[0];
}

/* link_down - as the link's thread ends a link */

static void link_down(cm_tracker *t, int sv[2])
{
    t->fd = -1;
    ck_assert_int_eq(tracking_watch(t, sv[0], 0), 0);
    close(sv[0]);
    close(sv[1]);
    if (t->epfd >= 0)
	close(t->epfd);
}

/* link_closed - Redis closed its end: pending; then as the thread ends it */

static void link_closed(cm_tracker *t, int sv[2])
{
    /* The end of the stream is something to read. */
    ck_assert_int_eq(cm_tracker_pending(t), 1);
    t->fd = -1;
    ck_assert_int_eq(tracking_watch(t, sv[0], 0), 0);
    close(sv[0]);
    close(t->epfd);
}

START_TEST(test_down)
{
    cm_tracker t;

    memset(&t, 0, sizeof(t));
    t.fd = t.epfd = -1;
    ck_assert_int_eq(cm_tracker_pending(&t), 1);
}
END_TEST

START_TEST(test_waiting_byte)
{
    cm_tracker t;
    int     sv[2];
    char    buf[64];

    link_up(&t, sv);
    ck_assert_int_eq(cm_tracker_pending(&t), 0);

    /* Redis wrote; the link's thread has not run yet. */
    ck_assert_int_eq(write(sv[1], ">2\r\n", 4), 4);
    ck_assert_int_eq(cm_tracker_pending(&t), 1);
    ck_assert_int_eq(cm_tracker_pending(&t), 1);	/* level, not edge */

    /* It reads: busy until what it read is applied. */
    t.busy = 1;
    ck_assert_int_eq(read(sv[0], buf, sizeof(buf)), 4);
    ck_assert_int_eq(cm_tracker_pending(&t), 1);
    t.busy = 0;
    ck_assert_int_eq(cm_tracker_pending(&t), 0);

    /* Part of a message read, the rest still waiting. */
    ck_assert_int_eq(write(sv[1], "$7\r\nconsent\r\n", 13), 13);
    ck_assert_int_eq(read(sv[0], buf, 4), 4);
    ck_assert_int_eq(cm_tracker_pending(&t), 1);
    ck_assert_int_eq(read(sv[0], buf, sizeof(buf)), 9);
    ck_assert_int_eq(cm_tracker_pending(&t), 0);
    link_down(&t, sv);
    ck_assert_int_eq(cm_tracker_pending(&t), 1);
}
END_TEST

#define PONG "*2\r\n$4\r\npong\r\n$0\r\n\r\n"
#define PONG_LEN (sizeof(PONG) - 1)

START_TEST(test_pongs)
{
    static const char change[] =
	"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n"
	"*1\r\n$25\r\ncm:consent:a@example.org\r\n";
    static const char pong[] = PONG;
    cm_tracker t;
    int     sv[2], i;
    char    buf[512];

    /* An answer to PING alone is no change: the cache serves. */
    link_up(&t, sv);
    ck_assert_int_eq(write(sv[1], PONG, PONG_LEN), (ssize_t) PONG_LEN);
    ck_assert_int_eq(tracking_pongs_waiting(sv[0]), (ssize_t) PONG_LEN);
    ck_assert_int_eq(cm_tracker_pending(&t), 0);
    /* ... but not while the thread applies what it read. */
    t.busy = 1;
    ck_assert_int_eq(cm_tracker_pending(&t), 1);
    t.busy = 0;

    /* A change behind it: pending, the answer left where it was. */
    ck_assert_int_eq(write(sv[1], change, sizeof(change) - 1),
		     (ssize_t) sizeof(change) - 1);
    ck_assert_int_eq(tracking_pongs_waiting(sv[0]), 0);
    ck_assert_int_eq(cm_tracker_pending(&t), 1);
    ck_assert_int_eq(read(sv[0], buf, sizeof(buf)),
		     (ssize_t) (PONG_LEN + sizeof(change) - 1));
    ck_assert_int_eq(cm_tracker_pending(&t), 0);

    /* A change before it. */
    ck_assert_int_eq(write(sv[1], change, sizeof(change) - 1),
		     (ssize_t) sizeof(change) - 1);
    ck_assert_int_eq(write(sv[1], PONG, PONG_LEN), (ssize_t) PONG_LEN);
    ck_assert_int_eq(cm_tracker_pending(&t), 1);
    ck_assert_int_eq(read(sv[0], buf, sizeof(buf)),
		     (ssize_t) (PONG_LEN + sizeof(change) - 1));

    /* Part of an answer: what follows is not known yet. */
    ck_assert_int_eq(write(sv[1], pong, 10), 10);
    ck_assert_int_eq(cm_tracker_pending(&t), 1);
    ck_assert_int_eq(write(sv[1], pong + 10, PONG_LEN - 10),
		     (ssize_t) PONG_LEN - 10);
    ck_assert_int_eq(cm_tracker_pending(&t), 0);
    ck_assert_int_eq(read(sv[0], buf, sizeof(buf)), (ssize_t) PONG_LEN);

    /* Something that only starts like one. */
    ck_assert_int_eq(write(sv[1], "*2\r\n$4\r\npong\r\n$1\r\nx\r\n", 22),
		     22);
    ck_assert_int_eq(cm_tracker_pending(&t), 1);
    ck_assert_int_eq(read(sv[0], buf, sizeof(buf)), 22);

    /* Answers, up to what the look takes in; then more than it sees. */
    for (i = 0; i < 4; i++)
	ck_assert_int_eq(write(sv[1], PONG, PONG_LEN), (ssize_t) PONG_LEN);
    ck_assert_int_eq(tracking_pongs_waiting(sv[0]), (ssize_t) (4 * PONG_LEN));
    ck_assert_int_eq(cm_tracker_pending(&t), 0);
    ck_assert_int_eq(write(sv[1], PONG, PONG_LEN), (ssize_t) PONG_LEN);
    ck_assert_int_eq(cm_tracker_pending(&t), 1);
    ck_assert_int_eq(read(sv[0], buf, sizeof(buf)), (ssize_t) (5 * PONG_LEN));

    /* Redis closed the link after an answer. */
    ck_assert_int_eq(write(sv[1], PONG, PONG_LEN), (ssize_t) PONG_LEN);
    close(sv[1]);
    ck_assert_int_eq(read(sv[0], buf, sizeof(buf)), (ssize_t) PONG_LEN);
    link_closed(&t, sv);
}
END_TEST

START_TEST(test_closed_by_redis)
{
    cm_tracker t;
    int     sv[2];

    /* Redis went away. */
    link_up(&t, sv);
    close(sv[1]);
    link_closed(&t, sv);
}
END_TEST

START_TEST(test_relink)
{
    cm_tracker t;
    int     sv[2], sv2[2];

    /* A new link after a failover: only the new socket counts. */
    link_up(&t, sv);
    t.fd = -1;
    ck_assert_int_eq(tracking_watch(&t, sv[0], 0), 0);
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv2), 0);
    ck_assert_int_eq(tracking_watch(&t, sv2[0], 1), 0);
    t.fd = sv2[0];
    ck_assert_int_eq(write(sv[1], "x", 1), 1);	/* the old link */
    ck_assert_int_eq(cm_tracker_pending(&t), 0);
    ck_assert_int_eq(write(sv2[1], "x", 1), 1);
    ck_assert_int_eq(cm_tracker_pending(&t), 1);
    close(sv[0]);
    close(sv[1]);
    link_down(&t, sv2);
}
END_TEST

static Suite *tracking_suite(void)
{
    Suite  *s = suite_create("tracking");
    TCase  *tc = tcase_create("pending");

    tcase_add_test(tc, test_down);
    tcase_add_test(tc, test_waiting_byte);
    tcase_add_test(tc, test_pongs);
    tcase_add_test(tc, test_closed_by_redis);
    tcase_add_test(tc, test_relink);
    suite_add_tcase(s, tc);
    return (s);
}

int     main(void)
{
    SRunner *sr = srunner_create(tracking_suite());
    int     failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}
