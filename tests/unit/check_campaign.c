/*++
/* NAME
/*	check_campaign 1
/* SUMMARY
/*	unit tests for campaign identification
/* SYNOPSIS
/*	check_campaign
/* DESCRIPTION
/*	Tests campaign(3): the id and purpose syntax of DESIGN.md
/*	section 3, campaign extraction from X-Campaign-ID, Feedback-ID
/*	and List-Id, and the bulk-mail headers of section 4.
/* DIAGNOSTICS
/*	The exit status is non-zero when a test fails.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdlib.h>
#include <string.h>

/* Check library. */

#include <check.h>

/* Application-specific. */

#include "campaign.h"

/* repeat - a string of n copies of c */

static char *repeat(char *buf, int c, size_t n)
{
    memset(buf, c, n);
    buf[n] = 0;
    return (buf);
}

/* from_header - extract an id, check the text and the returned length */

static void from_header(const char *name, const char *value,
			        const char *want)
{
    char    out[CM_CAMPAIGN_ID_MAX + 1];

    memset(out, 'x', sizeof(out));
    ck_assert_int_eq(cm_campaign_from_header(name, value, out, sizeof(out)),
		     (int) strlen(want));
    ck_assert_str_eq(out, want);
}

START_TEST(test_id_valid)
{
    char    buf[200];

    ck_assert_int_eq(cm_campaign_id_valid("spring-2024"), 1);
    ck_assert_int_eq(cm_campaign_id_valid("A"), 1);
    ck_assert_int_eq(cm_campaign_id_valid("Mixed.Case_id:v2-final"), 1);
    ck_assert_int_eq(cm_campaign_id_valid("."), 1);
    ck_assert_int_eq(cm_campaign_id_valid("_"), 1);
    ck_assert_int_eq(cm_campaign_id_valid(":"), 1);
    ck_assert_int_eq(cm_campaign_id_valid("-"), 1);
    ck_assert_int_eq(cm_campaign_id_valid("0123456789"), 1);

    ck_assert_int_eq(cm_campaign_id_valid(repeat(buf, 'c', 128)), 1);
    ck_assert_int_eq(cm_campaign_id_valid(repeat(buf, 'c', 129)), 0);
    ck_assert_int_eq(cm_campaign_id_valid(""), 0);
    ck_assert_int_eq(cm_campaign_id_valid(0), 0);
    ck_assert_int_eq(cm_campaign_id_valid("two words"), 0);
    ck_assert_int_eq(cm_campaign_id_valid(" lead"), 0);
    ck_assert_int_eq(cm_campaign_id_valid("tab\t"), 0);
    ck_assert_int_eq(cm_campaign_id_valid("a/b"), 0);
    ck_assert_int_eq(cm_campaign_id_valid("a*"), 0);
    ck_assert_int_eq(cm_campaign_id_valid("<list.example>"), 0);
    ck_assert_int_eq(cm_campaign_id_valid("a\r\nb"), 0);
    ck_assert_int_eq(cm_campaign_id_valid("caf\xc3\xa9"), 0);
}
END_TEST

START_TEST(test_purpose_valid)
{
    char    buf[100];

    ck_assert_int_eq(cm_purpose_valid("marketing"), 1);
    ck_assert_int_eq(cm_purpose_valid("news.letter_v2-uk"), 1);
    ck_assert_int_eq(cm_purpose_valid("."), 1);
    ck_assert_int_eq(cm_purpose_valid("_"), 1);
    ck_assert_int_eq(cm_purpose_valid("-"), 1);
    ck_assert_int_eq(cm_purpose_valid("42"), 1);

    ck_assert_int_eq(cm_purpose_valid(repeat(buf, 'p', 64)), 1);
    ck_assert_int_eq(cm_purpose_valid(repeat(buf, 'p', 65)), 0);
    ck_assert_int_eq(cm_purpose_valid(""), 0);
    ck_assert_int_eq(cm_purpose_valid(0), 0);
    /* Upper case and ':' are fine in campaign ids, not in purposes. */
    ck_assert_int_eq(cm_purpose_valid("Marketing"), 0);
    ck_assert_int_eq(cm_purpose_valid("MARKETING"), 0);
    ck_assert_int_eq(cm_purpose_valid("a:b"), 0);
    ck_assert_int_eq(cm_purpose_valid("a b"), 0);
    ck_assert_int_eq(cm_purpose_valid("a\n"), 0);
}
END_TEST

START_TEST(test_whole_value)
{
    from_header("X-Campaign-ID", "spring-2024", "spring-2024");
    from_header("X-Campaign-ID", "  \tspring-2024 \r\n", "spring-2024");
    from_header("x-campaign-id", "Spring:2024", "Spring:2024");
    /* Inner blanks are kept: the id then fails validation. */
    from_header("X-Campaign-ID", " two words ", "two words");
    /* Other rules do not apply to other headers. */
    from_header("X-Campaign-ID", "a:b:c", "a:b:c");
    from_header("X-Campaign-ID", "List <x.y>", "List <x.y>");
    from_header(0, " any ", "any");
}
END_TEST

START_TEST(test_feedback_id)
{
    from_header("Feedback-ID", "a:b:c:SenderId", "a");
    from_header("feedback-id", " spring-2024:uk:ses:acme \r\n", "spring-2024");
    from_header("FEEDBACK-ID", "  camp1  : b", "camp1");
    from_header("Feedback-ID", "nocolon", "nocolon");
    from_header("Feedback-ID", ":b:c", "");
    from_header("Feedback-ID", "   ", "");
}
END_TEST

START_TEST(test_list_id)
{
    from_header("List-Id", "Spring offers <spring-2024.lists.example.org>",
		"spring-2024.lists.example.org");
    from_header("list-id", "<news.example.org>", "news.example.org");
    from_header("List-ID", "\"Quoted\" < padded.example >  ", "padded.example");
    /* Brackets in the description's quoted strings and comments. */
    from_header("List-Id", "\"Spring <receipts>\" <spring>", "spring");
    from_header("List-Id", "Spring (<receipts>) <spring>", "spring");
    from_header("List-Id", "\"a \\\" <x>\" (b (<y>) \\) <z>) <ok>", "ok");
    /* Two pairs: nobody guesses; the whole value, which is invalid. */
    from_header("List-Id", "a <first> <second>", "a <first> <second>");
    from_header("List-Id", "\"unclosed <x>", "\"unclosed <x>");
    /* No complete bracket pair: the whole value (a bare id stays one). */
    from_header("List-Id", " plain.example ", "plain.example");
    from_header("List-Id", "Name <unterminated", "Name <unterminated");
    from_header("List-Id", "Name >x<", "Name >x<");
    from_header("List-Id", "<>", "");
}
END_TEST

START_TEST(test_empty)
{
    char    out[16];

    memset(out, 'x', sizeof(out));
    ck_assert_int_eq(cm_campaign_from_header("X-Campaign-ID", "", out,
					     sizeof(out)), 0);
    ck_assert_str_eq(out, "");
    ck_assert_int_eq(cm_campaign_from_header("X-Campaign-ID", " \t\r\n", out,
					     sizeof(out)), 0);
    ck_assert_str_eq(out, "");
    memset(out, 'x', sizeof(out));
    ck_assert_int_eq(cm_campaign_from_header("X-Campaign-ID", 0, out,
					     sizeof(out)), 0);
    ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_truncation)
{
    char    value[300];
    char    out[CM_CAMPAIGN_ID_MAX + 1];
    char    tiny[4];
    int     n;

    /* 129 characters: returned in full length, copied cut to 128. */
    repeat(value, 'c', 129);
    n = cm_campaign_from_header("X-Campaign-ID", value, out, sizeof(out));
    ck_assert_int_eq(n, 129);
    ck_assert_uint_eq(strlen(out), 128);
    ck_assert_int_eq(cm_campaign_id_valid(out), 1);
    /* This is why callers must check the length, not just the copy. */
    ck_assert_int_gt(n, CM_CAMPAIGN_ID_MAX);

    repeat(value, 'c', 250);
    memcpy(value, " \t", 2);
    n = cm_campaign_from_header("X-Campaign-ID", value, out, sizeof(out));
    ck_assert_int_eq(n, 248);
    ck_assert_uint_eq(strlen(out), 128);

    n = cm_campaign_from_header("Feedback-ID", "abcdefgh:rest", tiny,
				sizeof(tiny));
    ck_assert_int_eq(n, 8);
    ck_assert_str_eq(tiny, "abc");

    /* No output buffer at all: only the length. */
    ck_assert_int_eq(cm_campaign_from_header("X-Campaign-ID", "abc", 0, 0), 3);
    ck_assert_int_eq(cm_campaign_from_header("X-Campaign-ID", "abc", tiny, 1), 3);
    ck_assert_str_eq(tiny, "");
}
END_TEST

START_TEST(test_exact_read)
{
    char   *value;
    char    out[CM_CAMPAIGN_ID_MAX + 1];

    /*
     * A heap value with no slack: under valgrind or ASan a read past its
     * NUL is reported.
     */
    value = malloc(6);
    ck_assert_ptr_nonnull(value);
    memcpy(value, "<a:b ", 6);
    ck_assert_int_eq(cm_campaign_from_header("List-Id", value, out,
					     sizeof(out)), 4);
    ck_assert_str_eq(out, "<a:b");
    ck_assert_int_eq(cm_campaign_from_header("Feedback-ID", value, out,
					     sizeof(out)), 2);
    ck_assert_str_eq(out, "<a");
    free(value);
}
END_TEST

START_TEST(test_bulk)
{
    ck_assert_int_eq(cm_header_is_bulk("List-Unsubscribe",
				       "<mailto:u@example.org>"), 1);
    ck_assert_int_eq(cm_header_is_bulk("list-unsubscribe", ""), 1);
    ck_assert_int_eq(cm_header_is_bulk("LIST-UNSUBSCRIBE", 0), 1);
    ck_assert_int_eq(cm_header_is_bulk("Precedence", "bulk"), 1);
    ck_assert_int_eq(cm_header_is_bulk("precedence", " List\r\n"), 1);
    ck_assert_int_eq(cm_header_is_bulk("PRECEDENCE", "\tBULK "), 1);

    ck_assert_int_eq(cm_header_is_bulk("Precedence", "junk"), 0);
    ck_assert_int_eq(cm_header_is_bulk("Precedence", "first-class"), 0);
    ck_assert_int_eq(cm_header_is_bulk("Precedence", "bulky"), 0);
    ck_assert_int_eq(cm_header_is_bulk("Precedence", "bul"), 0);
    ck_assert_int_eq(cm_header_is_bulk("Precedence", "bulk list"), 0);
    ck_assert_int_eq(cm_header_is_bulk("Precedence", ""), 0);
    ck_assert_int_eq(cm_header_is_bulk("Precedence", 0), 0);
    ck_assert_int_eq(cm_header_is_bulk("List-Unsubscribe-Post",
				       "List-Unsubscribe=One-Click"), 0);
    ck_assert_int_eq(cm_header_is_bulk("List-Id", "<x.example>"), 0);
    ck_assert_int_eq(cm_header_is_bulk("Subject", "bulk"), 0);
    ck_assert_int_eq(cm_header_is_bulk(0, "bulk"), 0);
}
END_TEST

/* campaign_suite - collect the test cases */

static Suite *campaign_suite(void)
{
    Suite  *s = suite_create("campaign");
    TCase  *tc;

    tc = tcase_create("syntax");
    tcase_add_test(tc, test_id_valid);
    tcase_add_test(tc, test_purpose_valid);
    suite_add_tcase(s, tc);

    tc = tcase_create("header");
    tcase_add_test(tc, test_whole_value);
    tcase_add_test(tc, test_feedback_id);
    tcase_add_test(tc, test_list_id);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_truncation);
    tcase_add_test(tc, test_exact_read);
    suite_add_tcase(s, tc);

    tc = tcase_create("bulk");
    tcase_add_test(tc, test_bulk);
    suite_add_tcase(s, tc);
    return (s);
}

int     main(void)
{
    SRunner *sr = srunner_create(campaign_suite());
    int     failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}
