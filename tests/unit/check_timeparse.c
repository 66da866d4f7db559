/*++
/* NAME
/*	check_timeparse 1
/* SUMMARY
/*	unit tests for event time parsing and formatting
/* SYNOPSIS
/*	check_timeparse
/* DESCRIPTION
/*	Tests timeparse(3): Unix seconds, RFC 3339 with Z, offsets and
/*	fractions, the range limits, and every kind of bad form. The
/*	writer rules compare these times, so a wrong parse is a consent
/*	bug: the expected values were computed independently with
/*	"date -u -d ... +%s".
/* DIAGNOSTICS
/*	The exit status is non-zero when a test fails.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

/* Check library. */

#include <check.h>

/* Application-specific. */

#include "clock.h"
#include "timeparse.h"

/* expect_time - a string parses to the given Unix time */

#define expect_time(src, want) do { \
	long long got_ = -12345; \
	ck_assert_msg(cm_time_parse((src), &got_) == 0, "%s: rejected", (src)); \
	ck_assert_msg(got_ == (want), "%s: got %lld, want %lld", (src), \
		      got_, (long long) (want)); \
    } while (0)

/* expect_bad - a string is rejected and the output left alone */

#define expect_bad(src) do { \
	long long got_ = -12345; \
	ck_assert_msg(cm_time_parse((src), &got_) == -1, "%s: accepted", (src)); \
	ck_assert_msg(got_ == -12345, "%s: output changed", (src)); \
    } while (0)

/* test_seconds - Unix seconds, leading zeros, the upper bound */

START_TEST(test_seconds)
{
    expect_time("0", 0);
    expect_time("1", 1);
    expect_time("1772366400", 1772366400LL);
    expect_time("0001772366400", 1772366400LL);	/* leading zeros */
    expect_time("253402300799", CM_TIME_MAX);
}
END_TEST

/* test_rfc3339_utc - RFC 3339 in UTC, leap days, past 32 bits */

START_TEST(test_rfc3339_utc)
{
    expect_time("1970-01-01T00:00:00Z", 0);
    expect_time("2026-03-01T12:00:00Z", 1772366400LL);
    expect_time("2026-03-01t12:00:00z", 1772366400LL);
    expect_time("2026-03-01 12:00:00Z", 1772366400LL);
    expect_time("2000-02-29T00:00:00Z", 951782400LL);	/* 400-year leap */
    expect_time("2024-02-29T23:59:59Z", 1709251199LL);
    expect_time("2026-11-23T10:00:00Z", 1795428000LL);
    expect_time("2038-01-19T03:14:08Z", 2147483648LL);	/* past 32 bits */
    expect_time("9999-12-31T23:59:59Z", CM_TIME_MAX);
}
END_TEST

/* test_offsets - offsets move the time, across days and years */

START_TEST(test_offsets)
{
    expect_time("2026-03-01T13:00:00+01:00", 1772366400LL);
    expect_time("2026-03-01T06:30:00-05:30", 1772366400LL);
    expect_time("2026-03-01T12:00:00+00:00", 1772366400LL);
    expect_time("2026-03-01T12:00:00-00:00", 1772366400LL);
    /* The offset moves the time across a day and a year boundary. */
    expect_time("2026-01-01T00:30:00+01:00", 1767223800LL);
    expect_time("2025-12-31T23:30:00-01:00", 1767227400LL);
    /* Before 1970 locally, but not in UTC. */
    expect_time("1969-12-31T23:00:00-01:00", 0);
    expect_time("2026-03-01T12:00:00+23:59", 1772366400LL - 86340);
}
END_TEST

/* test_fraction_and_leap_second - fractions are dropped, second 60 rolls over */

START_TEST(test_fraction_and_leap_second)
{
    expect_time("2026-03-01T12:00:00.5Z", 1772366400LL);
    expect_time("2026-03-01T12:00:00.999999999Z", 1772366400LL);
    expect_time("2026-03-01T13:00:00.123+01:00", 1772366400LL);
    expect_time("2016-12-31T23:59:60Z", 1483228800LL);
}
END_TEST

/* test_bad_forms - anything but the two forms is refused */

START_TEST(test_bad_forms)
{
    long long got = -12345;

    /* A null pointer, as an unset CSV field might be. */
    ck_assert_int_eq(cm_time_parse(0, &got), -1);
    ck_assert_msg(got == -12345, "null: output changed");
    expect_bad("");
    expect_bad(" ");
    expect_bad("now");
    expect_bad("12a");
    expect_bad("-1");
    expect_bad("+5");
    expect_bad(" 5");
    expect_bad("5 ");
    expect_bad("1.5");
    expect_bad("2026-03-01");			/* no time */
    expect_bad("2026-03-01T12:00:00");		/* no zone */
    expect_bad("2026-03-01T12:00Z");		/* no seconds */
    expect_bad("2026-3-01T12:00:00Z");
    expect_bad("2026-03-01X12:00:00Z");
    expect_bad("2026-03-01T12:00:00.Z");	/* empty fraction */
    expect_bad("2026-03-01T12:00:00+0100");
    expect_bad("2026-03-01T12:00:00+01");
    expect_bad("2026-03-01T12:00:00 UTC");
    expect_bad("2026-03-01T12:00:00Zjunk");
    expect_bad("2026-03-01T12:00:00Z ");
    expect_bad("20260301T120000Z");
}
END_TEST

/* test_bad_fields - fields out of range: month 13, February 30 */

START_TEST(test_bad_fields)
{
    expect_bad("2026-13-01T12:00:00Z");
    expect_bad("2026-00-01T12:00:00Z");
    expect_bad("2026-02-30T12:00:00Z");
    expect_bad("2026-02-29T12:00:00Z");		/* not a leap year */
    expect_bad("1900-02-29T12:00:00Z");		/* century, not leap */
    expect_bad("2026-04-31T12:00:00Z");
    expect_bad("2026-03-00T12:00:00Z");
    expect_bad("2026-03-01T24:00:00Z");
    expect_bad("2026-03-01T12:60:00Z");
    expect_bad("2026-03-01T12:00:61Z");
    expect_bad("2026-03-01T12:00:00+24:00");
    expect_bad("2026-03-01T12:00:00+01:60");
}
END_TEST

/* test_range - before 1970, after 9999, overflow */

START_TEST(test_range)
{
    expect_bad("1969-12-31T23:59:59Z");
    expect_bad("1970-01-01T00:30:00+01:00");
    expect_bad("0000-01-01T00:00:00Z");
    expect_bad("253402300800");
    expect_bad("9223372036854775807");
    expect_bad("9223372036854775808");
    expect_bad("99999999999999999999999999");
    expect_bad("9999-12-31T23:59:60Z");
    expect_bad("9999-12-31T23:59:59-00:01");
}
END_TEST

/* test_format - RFC 3339 output, and parse(format(t)) == t */

START_TEST(test_format)
{
    char    buf[CM_TIME_SIZE];
    long long t;

    ck_assert_str_eq(cm_time_format(0, buf, sizeof(buf)),
		     "1970-01-01T00:00:00Z");
    ck_assert_str_eq(cm_time_format(1772366400LL, buf, sizeof(buf)),
		     "2026-03-01T12:00:00Z");
    ck_assert_str_eq(cm_time_format(CM_TIME_MAX, buf, sizeof(buf)),
		     "9999-12-31T23:59:59Z");
    ck_assert_str_eq(cm_time_format(-5, buf, sizeof(buf)), "-5");
    ck_assert_str_eq(cm_time_format(CM_TIME_MAX + 1, buf, sizeof(buf)),
		     "253402300800");

    /* What is formatted parses back to the same time. */
    for (t = 0; t < CM_TIME_MAX; t += 7777777777LL + 13) {
	long long back = -1;

	cm_time_format(t, buf, sizeof(buf));
	ck_assert_int_eq(cm_time_parse(buf, &back), 0);
	ck_assert_msg(back == t, "%lld -> %s -> %lld", t, buf, back);
    }
}
END_TEST

START_TEST(test_future_tolerance)
{
    /*
     * DESIGN.md section 3 fixes the clock skew that writers and the
     * policy (row 16a) tolerate; the man pages say 300 s too.
     */
    ck_assert_int_eq(CM_TIME_FUTURE_MAX, 300);
}
END_TEST

START_TEST(test_now_not_behind)
{
    struct timeval tv;
    long long first, seen = 0, calls = 0, now;

    /*
     * The seconds of a consent event are never behind a time stamp
     * taken before them: across two turns of the second (the moment
     * time(3) gets wrong, in its first milliseconds), each call after
     * a gettimeofday(2) reads at least that second. With time(3) in
     * cm_time_now() this fails (0.58 % of such calls measured).
     */
    (void) gettimeofday(&tv, (struct timezone *) 0);
    first = (long long) tv.tv_sec;
    do {
	(void) gettimeofday(&tv, (struct timezone *) 0);
	now = cm_time_now();
	ck_assert_msg(now >= (long long) tv.tv_sec, "cm_time_now() %lld "
		      "after gettimeofday() %lld", now, (long long) tv.tv_sec);
	seen = (long long) tv.tv_sec - first;
	calls++;
    } while (seen < 2);
    ck_assert(calls > 1000);
}
END_TEST

/* timeparse_suite - collect the test cases */

static Suite *timeparse_suite(void)
{
    Suite  *s = suite_create("timeparse");
    TCase  *tc;

    tc = tcase_create("good");
    tcase_add_test(tc, test_seconds);
    tcase_add_test(tc, test_rfc3339_utc);
    tcase_add_test(tc, test_offsets);
    tcase_add_test(tc, test_fraction_and_leap_second);
    suite_add_tcase(s, tc);

    tc = tcase_create("bad");
    tcase_add_test(tc, test_bad_forms);
    tcase_add_test(tc, test_bad_fields);
    tcase_add_test(tc, test_range);
    suite_add_tcase(s, tc);

    tc = tcase_create("format");
    tcase_add_test(tc, test_format);
    tcase_add_test(tc, test_future_tolerance);
    suite_add_tcase(s, tc);

    tc = tcase_create("clock");
    tcase_add_test(tc, test_now_not_behind);
    tcase_set_timeout(tc, 30);
    suite_add_tcase(s, tc);
    return (s);
}

/* main - run the suite */

int     main(void)
{
    SRunner *sr = srunner_create(timeparse_suite());
    int     failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}
