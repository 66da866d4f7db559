/*++
/* NAME
/*	check_drain 1
/* SUMMARY
/*	unit tests for the daemon's stop: messages, gate, release
/* SYNOPSIS
/*	check_drain
/* DESCRIPTION
/*	Tests drain(3) with real threads: messages in progress are the
/*	connections whose last callback left one busy; the wait after
/*	smfi_main() shuts the gate, lets a callback that is inside finish
/*	before it releases anything, gives up (and releases nothing)
/*	when a callback outlives the grace, counts the connect callback
/*	(no connection yet) too, and releases each open connection's data
/*	exactly once. A callback that comes after the gate is shut is
/*	refused. Each test runs in its own process (Check's fork mode):
/*	drain(3) is once per process.
/* DIAGNOSTICS
/*	The exit status is non-zero when a test fails.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

/* Check library. */

#include <check.h>

/* Application-specific. */

#include "drain.h"

static int released[4];			/* release() calls, by data */
static atomic_int callback_done;	/* the slow callback has left */
static int done_at_release = -1;	/* callback_done seen by release() */

/* release - record a release, and what the slow callback had done */

static void release(void *data)
{
    int     i = *(int *) data;

    released[i]++;
    done_at_release = atomic_load(&callback_done);
}

/* sleep_ms - a short nap */

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    (void) nanosleep(&ts, 0);
}

/* slow_callback - a callback inside the gate for 200 ms */

static void *slow_callback(void *arg)
{
    cm_drain_conn *conn = arg;

    sleep_ms(200);
    atomic_store(&callback_done, 1);
    cm_drain_leave(conn, 0);
    return (0);
}

static int ids[4] = {0, 1, 2, 3};

START_TEST(test_messages)
{
    cm_drain_conn *a = cm_drain_add(&ids[0]);
    cm_drain_conn *b = cm_drain_add(&ids[1]);
    cm_drain_conn *c = cm_drain_add(&ids[2]);

    ck_assert_ptr_eq(cm_drain_data(b), &ids[1]);
    ck_assert_ptr_null(cm_drain_data(0));
    ck_assert_int_eq(cm_drain_messages(), 0);

    /* MAIL FROM on a and c: their callbacks leave a message busy. */
    ck_assert_int_eq(cm_drain_enter(a), 1);
    cm_drain_leave(a, 1);
    ck_assert_int_eq(cm_drain_enter(c), 1);
    cm_drain_leave(c, 1);
    ck_assert_int_eq(cm_drain_messages(), 2);

    /* End of message on a; c's connection closes in the middle. */
    ck_assert_int_eq(cm_drain_enter(a), 1);
    cm_drain_leave(a, 0);
    ck_assert_int_eq(cm_drain_enter(c), 1);
    cm_drain_close(c);
    ck_assert_int_eq(cm_drain_messages(), 0);

    ck_assert_int_eq(cm_drain_stopping(), 0);
    cm_drain_stop();
    ck_assert_int_eq(cm_drain_stopping(), 1);
    ck_assert_int_eq(cm_drain_enter(b), 1);	/* stopping is not shut */
    cm_drain_leave(b, 0);
}
END_TEST

START_TEST(test_wait_for_callback)
{
    cm_drain_conn *a = cm_drain_add(&ids[0]);
    cm_drain_conn *b = cm_drain_add(&ids[1]);
    pthread_t tid;

    ck_assert_int_eq(cm_drain_enter(a), 1);
    ck_assert_int_eq(pthread_create(&tid, 0, slow_callback, a), 0);
    ck_assert_int_eq(cm_drain_wait(5000, release), 0);
    ck_assert_int_eq(done_at_release, 1);	/* nothing released early */
    ck_assert_int_eq(released[0], 1);
    ck_assert_int_eq(released[1], 1);
    ck_assert_ptr_null(cm_drain_data(a));
    (void) pthread_join(tid, 0);

    /* Past the shut gate, nothing gets in, with or without a session. */
    ck_assert_int_eq(cm_drain_enter(b), 0);
    ck_assert_int_eq(cm_drain_enter(0), 0);
    ck_assert_int_eq(cm_drain_stopping(), 1);
}
END_TEST

START_TEST(test_grace_expires)
{
    cm_drain_conn *a = cm_drain_add(&ids[0]);

    (void) cm_drain_add(&ids[1]);
    ck_assert_int_eq(cm_drain_enter(a), 1);	/* and never leaves */
    ck_assert_int_eq(cm_drain_wait(100, release), 1);
    ck_assert_int_eq(released[0] + released[1], 0);
    ck_assert_ptr_eq(cm_drain_data(a), &ids[0]);
}
END_TEST

START_TEST(test_connect_counts)
{
    ck_assert_int_eq(cm_drain_enter(0), 1);	/* a connect, in progress */
    ck_assert_int_eq(cm_drain_wait(100, release), 1);
}
END_TEST

START_TEST(test_release_once)
{
    cm_drain_conn *a = cm_drain_add(&ids[0]);
    cm_drain_conn *b = cm_drain_add(&ids[1]);
    cm_drain_conn *c = cm_drain_add(&ids[2]);
    cm_drain_conn *d = cm_drain_add(&ids[3]);

    /* b and d closed before the stop: their data is not the drain's. */
    ck_assert_int_eq(cm_drain_enter(b), 1);
    cm_drain_close(b);
    ck_assert_int_eq(cm_drain_enter(d), 1);
    cm_drain_close(d);
    ck_assert_int_eq(cm_drain_enter(0), 1);	/* a connect that ends */
    cm_drain_leave(0, 0);
    ck_assert_int_eq(cm_drain_wait(1000, release), 0);
    ck_assert_int_eq(released[0], 1);
    ck_assert_int_eq(released[1], 0);
    ck_assert_int_eq(released[2], 1);
    ck_assert_int_eq(released[3], 0);
    ck_assert_ptr_null(cm_drain_data(a));
    ck_assert_ptr_null(cm_drain_data(c));
}
END_TEST

/* drain_suite - the tests */

static Suite *drain_suite(void)
{
    Suite  *s = suite_create("drain");
    TCase  *tc = tcase_create("core");

    tcase_add_test(tc, test_messages);
    tcase_add_test(tc, test_wait_for_callback);
    tcase_add_test(tc, test_grace_expires);
    tcase_add_test(tc, test_connect_counts);
    tcase_add_test(tc, test_release_once);
    suite_add_tcase(s, tc);
    return (s);
}

int     main(void)
{
    SRunner *sr = srunner_create(drain_suite());
    int     failed;

    srunner_set_fork_status(sr, CK_FORK);	/* drain(3) is once a process */
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
