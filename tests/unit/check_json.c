/*++
/* NAME
/*	check_json 1
/* SUMMARY
/*	unit tests for the buffer, JSON writer and log-safe text
/* SYNOPSIS
/*	check_json
/* DESCRIPTION
/*	Tests json(3): every escape, UTF-8 validation, member commas,
/*	buffer growth, and the \xNN form used for syslog lines, in a
/*	fixed array too; and log(3)'s net for control bytes a caller
/*	did not escape.
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
#include <syslog.h>
#include <unistd.h>

/* Check library. */

#include <check.h>

/* Application-specific. */

#include "escape.h"
#include "json.h"
#include "log.h"

/* jstr - encode len bytes as a JSON string, compare with the expected text */

static void jstr(const char *s, size_t len, const char *want)
{
    cm_buf  b = CM_BUF_INIT;

    cm_json_string(&b, s, len);
    ck_assert_int_eq(b.oom, 0);
    ck_assert_str_eq(cm_buf_str(&b), want);
    ck_assert_uint_eq(b.len, strlen(want));
    cm_buf_free(&b);
}

#define JSTR(lit, want)	jstr((lit), sizeof(lit) - 1, (want))

/* safe - encode len bytes for a log line, compare with the expected text */

static void safe(const char *s, size_t len, const char *want)
{
    cm_buf  b = CM_BUF_INIT;

    cm_buf_add_safe(&b, s, len);
    ck_assert_str_eq(cm_buf_str(&b), want);
    cm_buf_free(&b);
}

#define SAFE(lit, want)	safe((lit), sizeof(lit) - 1, (want))

START_TEST(test_plain)
{
    JSTR("", "\"\"");
    JSTR("hello, world", "\"hello, world\"");
    JSTR("spring-2024:uk", "\"spring-2024:uk\"");
}
END_TEST

START_TEST(test_quotes_backslashes)
{
    JSTR("say \"hi\"", "\"say \\\"hi\\\"\"");
    JSTR("a\\b", "\"a\\\\b\"");
    JSTR("\\\"", "\"\\\\\\\"\"");
    /* "/" needs no escape. */
    JSTR("a/b", "\"a/b\"");
}
END_TEST

START_TEST(test_controls)
{
    JSTR("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
    JSTR("a\x01z", "\"a\\u0001z\"");
    JSTR("\x1b[31m", "\"\\u001b[31m\"");
    JSTR("\x1f", "\"\\u001f\"");
    JSTR("\x7f", "\"\\u007f\"");
    /* An embedded NUL is data, not the end. */
    JSTR("a\0b", "\"a\\u0000b\"");
    /* Header injection attempt stays on one line. */
    JSTR("x\r\n{\"forged\":1}", "\"x\\r\\n{\\\"forged\\\":1}\"");
    /* C1 (CSI, NEL) escaped; NBSP and the rest of UTF-8 as they are. */
    JSTR("a\xc2\x9b" "2J\xc2\x85\xc2\xa0\xc3\xa9",
	 "\"a\\u009b2J\\u0085\xc2\xa0\xc3\xa9\"");
    JSTR("\xc2\x80\xc2\x9f", "\"\\u0080\\u009f\"");
}
END_TEST

START_TEST(test_utf8_valid)
{
    /*
     * U+00E9, U+20AC, U+1F600, and the edges U+0080, U+07FF, U+FFFF,
     * U+10000, U+10FFFF, U+D7FF, U+E000.
     */
    JSTR("caf\xc3\xa9", "\"caf\xc3\xa9\"");
    JSTR("\xe2\x82\xac", "\"\xe2\x82\xac\"");
    JSTR("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");
    /* U+0080 is valid, and written as \u0080: it is a C1 control. */
    JSTR("\xc2\x80\xdf\xbf", "\"\\u0080\xdf\xbf\"");
    JSTR("\xef\xbf\xbf", "\"\xef\xbf\xbf\"");
    JSTR("\xf0\x90\x80\x80", "\"\xf0\x90\x80\x80\"");
    JSTR("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");
    JSTR("\xed\x9f\xbf\xee\x80\x80", "\"\xed\x9f\xbf\xee\x80\x80\"");
}
END_TEST

START_TEST(test_utf8_invalid)
{
    /* One replacement per bad byte. */
    JSTR("\xff", "\"\\ufffd\"");
    JSTR("a\xfe" "b", "\"a\\ufffdb\"");
    JSTR("\xe2\x82", "\"\\ufffd\\ufffd\"");
    JSTR("\xe2\x82z", "\"\\ufffd\\ufffdz\"");
    JSTR("\xc0\xaf", "\"\\ufffd\\ufffd\"");
    JSTR("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");
    JSTR("\xf0\x80\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    JSTR("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
    JSTR("\xed\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\"");
    /* Above U+10FFFF. */
    JSTR("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    JSTR("\xf5\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    /* Stray continuation byte, then a valid sequence resynchronises. */
    JSTR("\x80\xc3\xa9", "\"\\ufffd\xc3\xa9\"");
    /* Truncated at the very end of the input (len cuts it). */
    jstr("\xf0\x9f\x98\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"");
}
END_TEST

START_TEST(test_null)
{
    cm_buf  b = CM_BUF_INIT;

    cm_json_string(&b, 0, 5);
    ck_assert_str_eq(cm_buf_str(&b), "null");
    cm_buf_reset(&b);
    cm_json_open(&b);
    cm_json_kv_str(&b, "auth", 0);
    cm_json_kv_strn(&b, "qid", 0, 0);
    cm_json_kv_raw(&b, "plugins", 0);
    cm_json_close(&b);
    ck_assert_str_eq(cm_buf_str(&b),
		     "{\"auth\":null,\"qid\":null,\"plugins\":null}");
    cm_buf_free(&b);
}
END_TEST

START_TEST(test_object_commas)
{
    cm_buf  b = CM_BUF_INIT;

    cm_json_open(&b);
    cm_json_close(&b);
    ck_assert_str_eq(cm_buf_str(&b), "{}");

    cm_buf_reset(&b);
    cm_json_open(&b);
    cm_json_kv_str(&b, "campaign", "spring");
    cm_json_kv_int(&b, "allowed", 3);
    cm_json_kv_int(&b, "min", -9223372036854775807LL - 1);
    cm_json_kv_strn(&b, "rcpt", "alice@example.orgXXX", 17);
    cm_json_kv_raw(&b, "ok", "true");
    cm_json_close(&b);
    ck_assert_str_eq(cm_buf_str(&b),
		     "{\"campaign\":\"spring\",\"allowed\":3,"
		     "\"min\":-9223372036854775808,"
		     "\"rcpt\":\"alice@example.org\",\"ok\":true}");

    /* Nested object: no comma right after the inner '{'. */
    cm_buf_reset(&b);
    cm_json_open(&b);
    cm_json_kv_str(&b, "a", "1");
    cm_json_key(&b, "plugins");
    cm_json_open(&b);
    cm_json_kv_str(&b, "dkim", "pass");
    cm_json_kv_str(&b, "optout", "ok");
    cm_json_close(&b);
    cm_json_kv_int(&b, "z", 0);
    cm_json_close(&b);
    ck_assert_str_eq(cm_buf_str(&b),
		     "{\"a\":\"1\",\"plugins\":{\"dkim\":\"pass\","
		     "\"optout\":\"ok\"},\"z\":0}");

    /* A key in an empty buffer gets no comma. */
    cm_buf_reset(&b);
    cm_json_key(&b, "k");
    ck_assert_str_eq(cm_buf_str(&b), "\"k\":");
    cm_buf_free(&b);
}
END_TEST

START_TEST(test_buf_basics)
{
    cm_buf  b;

    cm_buf_init(&b);
    ck_assert_ptr_null(b.data);
    ck_assert_str_eq(cm_buf_str(&b), "");
    cm_buf_add(&b, "ignored", 0);
    ck_assert_str_eq(cm_buf_str(&b), "");
    cm_buf_adds(&b, "abc");
    cm_buf_addc(&b, 'd');
    cm_buf_printf(&b, "-%d-%s", 42, "x");
    ck_assert_str_eq(cm_buf_str(&b), "abcd-42-x");
    ck_assert_uint_eq(b.len, 9);
    cm_buf_reset(&b);
    ck_assert_str_eq(cm_buf_str(&b), "");
    ck_assert_uint_eq(b.len, 0);
    cm_buf_printf(&b, "%s", "");
    ck_assert_str_eq(cm_buf_str(&b), "");
    cm_buf_free(&b);
    ck_assert_ptr_null(b.data);
    cm_buf_free(&b);
}
END_TEST

START_TEST(test_buf_printf_growth)
{
    cm_buf  b = CM_BUF_INIT;
    char    big[1000];
    size_t  i;

    /* Longer than the first allocation: exercises the second pass. */
    memset(big, 'q', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    cm_buf_adds(&b, "<");
    cm_buf_printf(&b, "%s|%s", big, big);
    ck_assert_uint_eq(b.len, 1 + 2 * 999 + 1);
    ck_assert_int_eq(b.data[0], '<');
    ck_assert_int_eq(b.data[1000], '|');
    for (i = 1; i < b.len; i++)
	if (i != 1000)
	    ck_assert_int_eq(b.data[i], 'q');
    ck_assert_int_eq(b.data[b.len], 0);
    cm_buf_free(&b);
}
END_TEST

START_TEST(test_buf_growth_1mib)
{
    cm_buf  b = CM_BUF_INIT;
    char    chunk[1024];
    size_t  i;

    for (i = 0; i < sizeof(chunk); i++)
	chunk[i] = (char) ('a' + i % 26);
    for (i = 0; i < 1024; i++)
	cm_buf_add(&b, chunk, sizeof(chunk));
    ck_assert_int_eq(b.oom, 0);
    ck_assert_uint_eq(b.len, 1024 * 1024);
    ck_assert_uint_ge(b.cap, b.len + 1);
    ck_assert_int_eq(b.data[b.len], 0);
    ck_assert_uint_eq(strlen(cm_buf_str(&b)), 1024 * 1024);
    for (i = 0; i < b.len; i += 4093)
	ck_assert_int_eq(b.data[i], 'a' + (i % 1024) % 26);
    cm_buf_free(&b);

    /* Byte at a time also works, and a huge JSON string stays valid. */
    for (i = 0; i < 1024 * 1024; i++)
	cm_buf_addc(&b, '"');
    ck_assert_uint_eq(b.len, 1024 * 1024);
    {
	cm_buf  j = CM_BUF_INIT;

	cm_json_string(&j, b.data, b.len);
	ck_assert_uint_eq(j.len, 2 * 1024 * 1024 + 2);
	cm_buf_free(&j);
    }
    cm_buf_free(&b);
}
END_TEST

START_TEST(test_buf_oom)
{
    cm_buf  b = CM_BUF_INIT;
    char    src[2 * 512];		/* more than the first allocation */
    size_t  cap;

    /*
     * A request that cannot be met (here: one that would overflow
     * size_t) must not crash: the buffer keeps what fits in the memory
     * it has, stays NUL-terminated, and says so.
     */
    memset(src, 'm', sizeof(src));
    cm_buf_adds(&b, "head:");
    cap = b.cap;
    ck_assert_uint_lt(cap, sizeof(src));
    cm_buf_add(&b, src, (size_t) -3);
    ck_assert_int_eq(b.oom, 1);
    ck_assert_uint_eq(b.len, cap - 1);
    ck_assert_int_eq(b.data[b.len], 0);
    ck_assert_int_eq(strncmp(b.data, "head:mmm", 8), 0);

    /* Full buffer: nothing more fits, still no crash. */
    cm_buf_add(&b, src, (size_t) -3);
    ck_assert_uint_eq(b.len, cap - 1);
    cm_buf_reset(&b);
    ck_assert_int_eq(b.oom, 0);
    cm_buf_free(&b);

    /* Empty buffer that cannot grow at all. */
    cm_buf_add(&b, src, (size_t) -1);
    ck_assert_int_eq(b.oom, 1);
    ck_assert_str_eq(cm_buf_str(&b), "");
    cm_buf_free(&b);
}
END_TEST

START_TEST(test_add_safe)
{
    SAFE("plain text: ok", "plain text: ok");
    SAFE("a\r\nb", "a\\x0d\\x0ab");
    SAFE("C:\\dir", "C:\\x5cdir");
    SAFE("caf\xc3\xa9", "caf\\xc3\\xa9");
    SAFE("\x7f\xff\t", "\\x7f\\xff\\x09");
    SAFE("a\0b", "a\\x00b");
    SAFE("~ ", "~ ");
    SAFE("", "");
    safe(0, 3, "");
}
END_TEST

/* test_escape_fit - into a fixed array, cut with "..." */

START_TEST(test_escape_fit)
{
    char    buf[16];

    ck_assert_str_eq(cm_escape_fit(buf, sizeof(buf), "QID1", 4, 0), "QID1");
    ck_assert_str_eq(cm_escape_fit(buf, sizeof(buf), "a\x1b[31m", 6, 0),
		     "a\\x1b[31m");
    ck_assert_str_eq(cm_escape_fit(buf, sizeof(buf), "\"q\"", 3,
				   CM_ESC_QUOTE), "\\x22q\\x22");
    /* 16 bytes: 9 characters, then no room for an escape, "..." and NUL. */
    ck_assert_str_eq(cm_escape_fit(buf, sizeof(buf), "abcdefghijklmnop",
				   16, 0), "abcdefghi...");
    /* What fits whole is not cut: 15 bytes and the NUL, 11 + an escape. */
    ck_assert_str_eq(cm_escape_fit(buf, sizeof(buf), "abcdefghijklmno",
				   15, 0), "abcdefghijklmno");
    ck_assert_str_eq(cm_escape_fit(buf, sizeof(buf), "abcdefghijk\n", 12, 0),
		     "abcdefghijk\\x0a");
    ck_assert_str_eq(cm_escape_fit(buf, sizeof(buf), 0, 5, 0), "");
}
END_TEST

/* test_escape_controls - the net: controls only, cut before a piece */

START_TEST(test_escape_controls)
{
    char    out[16];
    size_t  n;

    ck_assert_int_eq(cm_has_controls("plain \\x41 caf\xc3\xa9", 14), 0);
    ck_assert_int_eq(cm_has_controls("a\tb", 3), 1);
    ck_assert_int_eq(cm_has_controls("\xc2\x85", 2), 1);	/* NEL */
    ck_assert_int_eq(cm_has_controls("\xc2\xa0", 2), 0);	/* NBSP */
    n = cm_escape_controls(out, sizeof(out), "a\nb", 3);
    ck_assert_int_eq(n, 6);
    ck_assert_int_eq(memcmp(out, "a\\x0ab", 6), 0);
    /* "0123456789" + ESC: 10 + 4 bytes fit in 16, the next ESC not. */
    n = cm_escape_controls(out, sizeof(out), "0123456789\x1b\x1b", 12);
    ck_assert_int_eq(n, 14);
    ck_assert_int_eq(memcmp(out, "0123456789\\x1b", 14), 0);
    /* A UTF-8 C1 is escaped whole: both bytes, or none of them. */
    n = cm_escape_controls(out, 8, "\xc2\x9b", 2);
    ck_assert_int_eq(n, 0);
}
END_TEST

/* log_line - what cm_log() writes to standard error for arg */

static void log_line(const char *arg, char *out, size_t size)
{
    FILE   *tmp = tmpfile();
    int     saved = dup(STDERR_FILENO);
    size_t  n;

    ck_assert_ptr_nonnull(tmp);
    ck_assert_int_ge(saved, 0);
    ck_assert_int_ge(dup2(fileno(tmp), STDERR_FILENO), 0);
    cm_log_init("check_json", 0, 1);
    cm_log(LOG_WARNING, "from %s: too many", arg);
    ck_assert_int_ge(dup2(saved, STDERR_FILENO), 0);
    (void) close(saved);
    rewind(tmp);
    n = fread(out, 1, size - 1, tmp);
    out[n] = 0;
    (void) fclose(tmp);
}

/* test_log_net - a control byte that a caller forgot is written as \xNN */

START_TEST(test_log_net)
{
    char    line[512];
    const char *text;

    /* One line, the forged second one and the terminal codes defused. */
    log_line("a\nFAKE: b\x1b[31m\x07\\x41", line, sizeof(line));
    ck_assert_ptr_nonnull(text = strstr(line, "check_json: "));
    ck_assert_str_eq(text, "check_json: from a\\x0aFAKE: b\\x1b[31m\\x07"
		     "\\x41: too many\n");
    /* C1: as UTF-8 (U+009B, CSI) and as a lone byte; Latin-1 passes. */
    log_line("a\xc2\x9b" "2J b\x9b" "2J c\xe9", line, sizeof(line));
    ck_assert_ptr_nonnull(text = strstr(line, "check_json: "));
    ck_assert_str_eq(text, "check_json: from a\\xc2\\x9b" "2J b\\x9b" "2J "
		     "c\xe9: too many\n");
    /* Text already escaped, and UTF-8, pass as they are. */
    log_line("x\\x0ay caf\xc3\xa9", line, sizeof(line));
    ck_assert_ptr_nonnull(text = strstr(line, "check_json: "));
    ck_assert_str_eq(text, "check_json: from x\\x0ay caf\xc3\xa9: too many\n");
}
END_TEST

/* json_suite - collect the test cases */

static Suite *json_suite(void)
{
    Suite  *s = suite_create("json");
    TCase  *tc;

    tc = tcase_create("escape");
    tcase_add_test(tc, test_plain);
    tcase_add_test(tc, test_quotes_backslashes);
    tcase_add_test(tc, test_controls);
    tcase_add_test(tc, test_null);
    suite_add_tcase(s, tc);

    tc = tcase_create("utf8");
    tcase_add_test(tc, test_utf8_valid);
    tcase_add_test(tc, test_utf8_invalid);
    suite_add_tcase(s, tc);

    tc = tcase_create("object");
    tcase_add_test(tc, test_object_commas);
    suite_add_tcase(s, tc);

    tc = tcase_create("buffer");
    tcase_add_test(tc, test_buf_basics);
    tcase_add_test(tc, test_buf_printf_growth);
    tcase_add_test(tc, test_buf_growth_1mib);
    tcase_add_test(tc, test_buf_oom);
    /* Valgrind makes the 1 MiB tests slow. */
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);

    tc = tcase_create("safe");
    tcase_add_test(tc, test_add_safe);
    tcase_add_test(tc, test_escape_fit);
    tcase_add_test(tc, test_escape_controls);
    tcase_add_test(tc, test_log_net);
    suite_add_tcase(s, tc);
    return (s);
}

int     main(void)
{
    SRunner *sr = srunner_create(json_suite());
    int     failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}
