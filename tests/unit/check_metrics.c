/*++
/* NAME
/*	check_metrics 1
/* SUMMARY
/*	unit tests for the metrics registry
/* SYNOPSIS
/*	check_metrics
/* DESCRIPTION
/*	Tests metrics(3): the exact text a registry renders (HELP and
/*	TYPE lines, label syntax, counters, gauges, build info), the
/*	escaping of help texts and label values, histogram buckets
/*	(cumulative, le bounds inclusive, +Inf, _sum, _count), the
/*	"other" catch-all for label values never registered, the
/*	registration rules (names, no "@" in a label value), and that
/*	counts stay exact when threads update at once.
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

/* Check library. */

#include <check.h>

/* Application-specific. */

#include "buf.h"
#include "metrics.h"

static const char *const dec_labels[] = {"decision", "reason", 0};

#define V2(a, b) ((const char *const []) {(a), (b)})

START_TEST(test_render_exact)
{
    cm_metrics *m = cm_metrics_create();
    cm_metric *dec;
    cm_metric *up;
    cm_metric *errs;
    cm_buf  out = CM_BUF_INIT;

    dec = cm_metrics_counter(m, "cm_decisions_total",
			     "Recipient decisions.", dec_labels);
    ck_assert_ptr_nonnull(cm_metric_series(dec, V2("allow", "consent")));
    ck_assert_ptr_nonnull(cm_metric_series(dec, V2("deny", "withdrawn")));
    errs = cm_metrics_counter(m, "cm_errors_total", "Errors.", 0);
    up = cm_metrics_gauge(m, "cm_up", "1 while serving.", 0);
    ck_assert_ptr_nonnull(cm_metrics_info(m, "cm_build_info", "Build.",
					  "version", "1.2.3"));
    ck_assert_ptr_null(cm_metrics_error(m));
    cm_metric_add(dec, V2("deny", "withdrawn"), 2);
    cm_metric_add(dec, V2("deny", "withdrawn"), 1);
    cm_metric_add(errs, 0, 5);
    cm_metric_set(up, 0, 1);
    cm_metrics_render(m, &out);
    ck_assert_str_eq(cm_buf_str(&out),
		     "# HELP cm_decisions_total Recipient decisions.\n"
		     "# TYPE cm_decisions_total counter\n"
		     "cm_decisions_total{decision=\"allow\",reason=\"consent\"} 0\n"
		     "cm_decisions_total{decision=\"deny\",reason=\"withdrawn\"} 3\n"
		     "# HELP cm_errors_total Errors.\n"
		     "# TYPE cm_errors_total counter\n"
		     "cm_errors_total 5\n"
		     "# HELP cm_up 1 while serving.\n"
		     "# TYPE cm_up gauge\n"
		     "cm_up 1\n"
		     "# HELP cm_build_info Build.\n"
		     "# TYPE cm_build_info gauge\n"
		     "cm_build_info{version=\"1.2.3\"} 1\n");
    ck_assert_ptr_eq(cm_metrics_find(m, "cm_up"), up);
    ck_assert_ptr_null(cm_metrics_find(m, "cm_down"));
    cm_buf_free(&out);
    cm_metrics_free(m);
}

END_TEST

START_TEST(test_escaping)
{
    cm_metrics *m = cm_metrics_create();
    cm_metric *g;
    cm_buf  out = CM_BUF_INIT;
    static const char *const labels[] = {"path", 0};

    g = cm_metrics_gauge(m, "cm_odd", "Back\\slash and\nnewline \"kept\".",
			 labels);
    ck_assert_ptr_nonnull(cm_metric_series(g, (const char *const []) {
	"a\\b\"c\nd"}));
    cm_metric_set(g, (const char *const []) {"a\\b\"c\nd"}, -7);
    cm_metrics_render(m, &out);
    ck_assert_str_eq(cm_buf_str(&out),
		     "# HELP cm_odd Back\\\\slash and\\nnewline \"kept\".\n"
		     "# TYPE cm_odd gauge\n"
		     "cm_odd{path=\"a\\\\b\\\"c\\nd\"} -7\n");
    cm_buf_free(&out);
    cm_metrics_free(m);
}

END_TEST

START_TEST(test_histogram)
{
    cm_metrics *m = cm_metrics_create();
    cm_metric *h;
    cm_buf  out = CM_BUF_INIT;
    static const double bounds[] = {0.0005, 0.001, 0.0025, 0.1, 1};

    h = cm_metrics_histogram(m, "cm_store_seconds", "Round trips.", bounds,
			     5);
    ck_assert_ptr_nonnull(h);
    cm_metric_observe(h, 0.0005);		/* on a bound: that bucket */
    cm_metric_observe(h, 0.0002);
    cm_metric_observe(h, 0.002);
    cm_metric_observe(h, 0.5);
    cm_metric_observe(h, 2.25);		/* over every bound: +Inf */
    cm_metrics_render(m, &out);
    ck_assert_str_eq(cm_buf_str(&out),
		     "# HELP cm_store_seconds Round trips.\n"
		     "# TYPE cm_store_seconds histogram\n"
		     "cm_store_seconds_bucket{le=\"0.0005\"} 2\n"
		     "cm_store_seconds_bucket{le=\"0.001\"} 2\n"
		     "cm_store_seconds_bucket{le=\"0.0025\"} 3\n"
		     "cm_store_seconds_bucket{le=\"0.1\"} 3\n"
		     "cm_store_seconds_bucket{le=\"1\"} 4\n"
		     "cm_store_seconds_bucket{le=\"+Inf\"} 5\n"
		     "cm_store_seconds_sum 2.7527\n"
		     "cm_store_seconds_count 5\n");
    cm_buf_free(&out);
    cm_metrics_free(m);
}

END_TEST

START_TEST(test_other)
{
    cm_metrics *m = cm_metrics_create();
    cm_metric *dec;
    cm_metric *plain;
    cm_series *other;

    dec = cm_metrics_counter(m, "cm_d_total", "D.", dec_labels);
    (void) cm_metric_series(dec, V2("deny", "withdrawn"));
    other = cm_metric_series(dec, V2("deny", CM_METRICS_OTHER));
    ck_assert_ptr_eq(cm_metric_find(dec, V2("deny", "some-plugin-reason")),
		     other);
    ck_assert_ptr_null(cm_metric_find(dec, V2("allow", "whatever")));
    cm_metric_add(dec, V2("deny", "x@example.org"), 1);
    ck_assert_int_eq(cm_series_value(other), 1);
    cm_metric_add(dec, V2("allow", "whatever"), 1);	/* nowhere: ignored */
    /* Registering again gives the same series. */
    ck_assert_ptr_eq(cm_metric_series(dec, V2("deny", "other")), other);

    plain = cm_metrics_counter(m, "cm_p_total", "P.", 0);
    ck_assert_ptr_nonnull(cm_metric_find(plain, 0));
    /* Null families and series are ignored, for code without metrics. */
    cm_metric_add(0, 0, 1);
    cm_metric_set(0, 0, 1);
    cm_metric_observe(0, 1.0);
    cm_series_add(0, 1);
    ck_assert_ptr_null(cm_metrics_error(m));
    cm_metrics_free(m);
}

END_TEST

START_TEST(test_default)
{
    cm_metrics *m = cm_metrics_create();
    cm_metric *dec;
    cm_metric *g;
    cm_metric *h;
    static const double bounds[] = {1};
    cm_buf  out = CM_BUF_INIT;
    double  t0;

    /* Without a registry the shorthands do nothing. */
    cm_metrics_set_default(0);
    cm_metrics_inc(CM_METRIC_AUDIT_ERRORS, 0);
    cm_metrics_gauge_set(CM_METRIC_CACHE_ENTRIES, 5);
    cm_metrics_observe(CM_METRIC_STORE_SECONDS, 0.1);

    dec = cm_metrics_counter(m, CM_METRIC_DECISIONS, "D.", dec_labels);
    (void) cm_metric_series(dec, V2("deny", "withdrawn"));
    g = cm_metrics_gauge(m, CM_METRIC_CACHE_ENTRIES, "E.", 0);
    h = cm_metrics_histogram(m, CM_METRIC_STORE_SECONDS, "S.", bounds, 1);
    cm_metrics_set_default(m);
    ck_assert_ptr_eq(cm_metrics_default(), m);
    cm_metrics_inc(CM_METRIC_DECISIONS, V2("deny", "withdrawn"));
    cm_metrics_inc(CM_METRIC_DECISIONS, 0);	/* labels missing: nothing */
    cm_metrics_inc("consent_milter_unknown_total", 0);
    cm_metrics_gauge_set(CM_METRIC_CACHE_ENTRIES, 5);
    cm_metrics_gauge_add(CM_METRIC_CACHE_ENTRIES, -2);
    t0 = cm_metrics_clock();
    cm_metrics_observe(CM_METRIC_STORE_SECONDS, cm_metrics_clock() - t0);
    ck_assert_int_eq(cm_series_value(cm_metric_find(dec,
					      V2("deny", "withdrawn"))), 1);
    ck_assert_int_eq(cm_series_value(cm_metric_find(g, 0)), 3);
    cm_metrics_render(m, &out);
    ck_assert_ptr_nonnull(strstr(cm_buf_str(&out),
			  "\nconsent_milter_store_seconds_count 1\n"));
    ck_assert_ptr_nonnull(h);
    cm_buf_free(&out);
    cm_metrics_set_default(0);
    cm_metrics_free(m);
}

END_TEST

START_TEST(test_registration_errors)
{
    cm_metrics *m;
    cm_metric *dec;
    static const char *const bad_label[] = {"__x", 0};
    static const char *const le[] = {"le", 0};
    static const char *const twice[] = {"a", "a", 0};
    static const double down[] = {1, 0.5};

    m = cm_metrics_create();
    ck_assert_ptr_null(cm_metrics_counter(m, "9lives", "H.", 0));
    ck_assert_str_eq(cm_metrics_error(m), "metric 9lives: not a valid"
		     " metric name");
    cm_metrics_free(m);

    m = cm_metrics_create();
    dec = cm_metrics_counter(m, "cm_total", "H.", dec_labels);
    ck_assert_ptr_null(cm_metric_series(dec, V2("deny", "a@b.example")));
    ck_assert_str_eq(cm_metrics_error(m), "metric cm_total: a label value"
		     " that is empty, too long or holds an @");
    cm_metrics_free(m);

    m = cm_metrics_create();
    ck_assert_ptr_nonnull(cm_metrics_counter(m, "cm_total", "H.", 0));
    ck_assert_ptr_null(cm_metrics_counter(m, "cm_total", "H.", 0));
    ck_assert_str_eq(cm_metrics_error(m), "metric cm_total: registered"
		     " twice");
    cm_metrics_free(m);

    m = cm_metrics_create();
    ck_assert_ptr_null(cm_metrics_gauge(m, "g1", "H.", bad_label));
    ck_assert_ptr_null(cm_metrics_gauge(m, "g2", "H.", le));
    ck_assert_ptr_null(cm_metrics_gauge(m, "g3", "H.", twice));
    ck_assert_ptr_null(cm_metrics_gauge(m, "g4", "", 0));
    ck_assert_ptr_null(cm_metrics_histogram(m, "h", "H.", down, 2));
    ck_assert_ptr_null(cm_metrics_info(m, "i", "H.", "version", ""));
    ck_assert_str_eq(cm_metrics_error(m), "metric g1: not a valid label"
		     " name");
    cm_metrics_free(m);
}

END_TEST

 /*
  * Threads that update at once: every increment must land.
  */
#define THREADS	8
#define ROUNDS	100000

static cm_metric *t_dec;
static cm_metric *t_gauge;
static cm_metric *t_hist;

/* hammer - one thread's updates */

static void *hammer(void *arg)
{
    int     i;

    (void) arg;
    for (i = 0; i < ROUNDS; i++) {
	cm_metric_add(t_dec, V2("deny", i % 2 ? "withdrawn" : "suppressed"),
		      1);
	cm_series_gauge_add(cm_metric_find(t_gauge, 0), 2);
	cm_series_gauge_add(cm_metric_find(t_gauge, 0), -1);
	cm_metric_observe(t_hist, i % 2 ? 0.25 : 2.0);
    }
    return (0);
}

START_TEST(test_threads)
{
    cm_metrics *m = cm_metrics_create();
    pthread_t tid[THREADS];
    cm_buf  out = CM_BUF_INIT;
    static const double bounds[] = {0.5, 1};
    char    expect[1024];
    int     i;

    t_dec = cm_metrics_counter(m, "cm_t_total", "T.", dec_labels);
    (void) cm_metric_series(t_dec, V2("deny", "withdrawn"));
    (void) cm_metric_series(t_dec, V2("deny", "suppressed"));
    t_gauge = cm_metrics_gauge(m, "cm_g", "G.", 0);
    t_hist = cm_metrics_histogram(m, "cm_h", "H.", bounds, 2);
    for (i = 0; i < THREADS; i++)
	ck_assert_int_eq(pthread_create(&tid[i], 0, hammer, 0), 0);
    /* Scrapes while the threads run: each one must be well formed. */
    for (i = 0; i < 20; i++) {
	cm_buf_reset(&out);
	cm_metrics_render(m, &out);
	ck_assert_ptr_nonnull(strstr(cm_buf_str(&out), "cm_h_count "));
    }
    for (i = 0; i < THREADS; i++)
	ck_assert_int_eq(pthread_join(tid[i], 0), 0);
    cm_buf_reset(&out);
    cm_metrics_render(m, &out);
    (void) snprintf(expect, sizeof(expect),
		    "# HELP cm_t_total T.\n# TYPE cm_t_total counter\n"
		    "cm_t_total{decision=\"deny\",reason=\"withdrawn\"} %d\n"
		    "cm_t_total{decision=\"deny\",reason=\"suppressed\"} %d\n"
		    "# HELP cm_g G.\n# TYPE cm_g gauge\ncm_g %d\n"
		    "# HELP cm_h H.\n# TYPE cm_h histogram\n"
		    "cm_h_bucket{le=\"0.5\"} %d\n"
		    "cm_h_bucket{le=\"1\"} %d\n"
		    "cm_h_bucket{le=\"+Inf\"} %d\n"
		    "cm_h_sum %d\ncm_h_count %d\n",
		    THREADS * ROUNDS / 2, THREADS * ROUNDS / 2,
		    THREADS * ROUNDS, THREADS * ROUNDS / 2,
		    THREADS * ROUNDS / 2, THREADS * ROUNDS,
		    THREADS * ROUNDS / 2 / 4 + THREADS * ROUNDS / 2 * 2,
		    THREADS * ROUNDS);
    ck_assert_str_eq(cm_buf_str(&out), expect);
    cm_buf_free(&out);
    cm_metrics_free(m);
}

END_TEST

static Suite *metrics_suite(void)
{
    Suite  *s = suite_create("metrics");
    TCase  *tc;

    tc = tcase_create("render");
    tcase_add_test(tc, test_render_exact);
    tcase_add_test(tc, test_escaping);
    tcase_add_test(tc, test_histogram);
    tcase_add_test(tc, test_other);
    tcase_add_test(tc, test_default);
    tcase_add_test(tc, test_registration_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("threads");
    tcase_add_test(tc, test_threads);
    /* Valgrind and the sanitizers make 800,000 updates slow. */
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    return (s);
}

int     main(void)
{
    SRunner *sr = srunner_create(metrics_suite());
    int     failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}
