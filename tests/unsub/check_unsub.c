/*++
/* NAME
/*	check_unsub 1
/* SUMMARY
/*	unit tests for consent-unsubscribe's pure parts
/* SYNOPSIS
/*	check_unsub
/* DESCRIPTION
/*	Tests oneclick(3), the RFC 8058 body: URL-encoded with other
/*	pairs, percent and "+" encoding, letter case, multipart/form-data
/*	with and without the boundary parameter, CRLF and LF, bodies that
/*	are near misses; ratelimit(3): the client keys (IPv4, IPv6 /64,
/*	IPv4-mapped), the limit and its floor of 20, refill over time,
/*	Retry-After, clients that do not disturb one another, and a table
/*	that stays the same size whatever the number of clients; page(3):
/*	HTML escaping and the page with and without a purpose.
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

/* Check library. */

#include <check.h>

/* Application-specific. */

#include "buf.h"
#include "oneclick.h"
#include "page.h"
#include "ratelimit.h"

#define OC(ct, s)	cm_oneclick_body((ct), (s), strlen(s))
#define FORM		"application/x-www-form-urlencoded"

START_TEST(test_urlencoded)
{
    ck_assert_int_eq(OC(FORM, "List-Unsubscribe=One-Click"), 1);
    ck_assert_int_eq(OC(0, "List-Unsubscribe=One-Click"), 1);
    ck_assert_int_eq(OC(FORM, "List-Unsubscribe=One-Click\r\n"), 1);
    ck_assert_int_eq(OC(FORM, "a=b&List-Unsubscribe=One-Click&c=d"), 1);
    ck_assert_int_eq(OC(FORM, "List%2DUnsubscribe=One%2dClick"), 1);
    ck_assert_int_eq(OC(FORM, "list-unsubscribe=one-click"), 1);
    ck_assert_int_eq(OC("text/plain", "List-Unsubscribe=One-Click"), 1);

    ck_assert_int_eq(OC(FORM, ""), 0);
    ck_assert_int_eq(OC(FORM, "List-Unsubscribe"), 0);
    ck_assert_int_eq(OC(FORM, "List-Unsubscribe="), 0);
    ck_assert_int_eq(OC(FORM, "List-Unsubscribe=One-Click2"), 0);
    ck_assert_int_eq(OC(FORM, "XList-Unsubscribe=One-Click"), 0);
    ck_assert_int_eq(OC(FORM, "List-Unsubscribe=One+Click"), 0);
    ck_assert_int_eq(OC(FORM, "List-Unsubscribe=One-Clic%"), 0);
    ck_assert_int_eq(OC(FORM, "List-Unsubscribe=One-Click%"), 0);
    ck_assert_int_eq(cm_oneclick_body(FORM, 0, 0), 0);
    /* Not NUL-terminated: only len bytes count. */
    ck_assert_int_eq(cm_oneclick_body(FORM, "List-Unsubscribe=One-Clickxx",
				      26), 1);
    ck_assert_int_eq(cm_oneclick_body(FORM, "List-Unsubscribe=One-Click",
				      25), 0);
}
END_TEST

#define PART(b, nl) \
    "--" b nl "Content-Disposition: form-data; name=\"List-Unsubscribe\"" \
    nl nl "One-Click" nl "--" b "--" nl

START_TEST(test_multipart)
{
    ck_assert_int_eq(OC("multipart/form-data; boundary=XyZ",
			PART("XyZ", "\r\n")), 1);
    ck_assert_int_eq(OC("multipart/form-data; boundary=\"XyZ\"",
			PART("XyZ", "\r\n")), 1);
    ck_assert_int_eq(OC("multipart/form-data; boundary=XyZ",
			PART("XyZ", "\n")), 1);
    /* No boundary parameter, or no content type: the first line. */
    ck_assert_int_eq(OC("multipart/form-data", PART("abc", "\r\n")), 1);
    ck_assert_int_eq(OC(0, PART("abc", "\r\n")), 1);
    /* curl -F: another part first. */
    ck_assert_int_eq(OC("multipart/form-data; boundary=B",
			"--B\r\nContent-Disposition: form-data; name=\"x\"\r\n"
			"\r\ny\r\n" PART("B", "\r\n")), 1);

    ck_assert_int_eq(OC("multipart/form-data; boundary=Other",
			PART("XyZ", "\r\n")), 0);
    ck_assert_int_eq(OC("multipart/form-data; boundary=B",
			"--B\r\nContent-Disposition: form-data; name=\"x\"\r\n"
			"\r\nOne-Click\r\n--B--\r\n"), 0);
    ck_assert_int_eq(OC("multipart/form-data; boundary=B",
			"--B\r\nContent-Disposition: form-data; "
			"name=\"List-Unsubscribe\"\r\n\r\nNo\r\n--B--\r\n"), 0);
    /* No closing delimiter: the part never ends. */
    ck_assert_int_eq(OC("multipart/form-data; boundary=B",
			"--B\r\nContent-Disposition: form-data; "
			"name=\"List-Unsubscribe\"\r\n\r\nOne-Click"), 0);
    ck_assert_int_eq(OC("multipart/form-data; boundary=B", "--"), 0);
    ck_assert_int_eq(OC("multipart/form-data; boundary=B", ""), 0);
}
END_TEST

START_TEST(test_keys)
{
    unsigned char a[CM_RATELIMIT_KEY], b[CM_RATELIMIT_KEY];
    size_t  la, lb;

    la = cm_ratelimit_key("192.0.2.1", a);
    lb = cm_ratelimit_key("::ffff:192.0.2.1", b);
    ck_assert_uint_eq(la, 5);
    ck_assert_uint_eq(lb, 5);
    ck_assert_int_eq(memcmp(a, b, la), 0);
    la = cm_ratelimit_key("2001:db8:1:2::1", a);
    lb = cm_ratelimit_key("2001:db8:1:2:ffff:ffff:ffff:ffff", b);
    ck_assert_uint_eq(la, 9);
    ck_assert_int_eq(memcmp(a, b, la), 0);
    lb = cm_ratelimit_key("2001:db8:1:3::1", b);
    ck_assert_int_ne(memcmp(a, b, la), 0);
    la = cm_ratelimit_key("unknown", a);
    ck_assert_int_eq(a[0], 'T');
}
END_TEST

START_TEST(test_limit)
{
    cm_ratelimit *rl = cm_ratelimit_create(5, 0);	/* floor: 20 */
    long long t = 1000000;
    int     i, wait = -1;

    ck_assert_ptr_nonnull(rl);
    for (i = 0; i < 20; i++)
	ck_assert_int_eq(cm_ratelimit_take(rl, "192.0.2.1", t, &wait), 1);
    ck_assert_int_eq(cm_ratelimit_take(rl, "192.0.2.1", t, &wait), 0);
    ck_assert_int_eq(wait, 3);			/* 60 s / 20 */
    /* Others are not held back. */
    ck_assert_int_eq(cm_ratelimit_take(rl, "192.0.2.2", t, &wait), 1);
    ck_assert_int_eq(cm_ratelimit_take(rl, "2001:db8::1", t, &wait), 1);
    /* The same /64 is the same client. */
    for (i = 0; i < 19; i++)
	ck_assert_int_eq(cm_ratelimit_take(rl, "2001:db8::2", t, &wait), 1);
    ck_assert_int_eq(cm_ratelimit_take(rl, "2001:db8::ffff", t, &wait), 0);
    /* One request every 3 s comes back. */
    ck_assert_int_eq(cm_ratelimit_take(rl, "192.0.2.1", t + 2100, &wait), 0);
    ck_assert_int_eq(wait, 1);
    ck_assert_int_eq(cm_ratelimit_take(rl, "192.0.2.1", t + 3000, &wait), 1);
    ck_assert_int_eq(cm_ratelimit_take(rl, "192.0.2.1", t + 3000, &wait), 0);
    /* A minute later, all of it. */
    for (i = 0; i < 20; i++)
	ck_assert_int_eq(cm_ratelimit_take(rl, "192.0.2.1", t + 63000,
					   &wait), 1);
    cm_ratelimit_free(rl);
}
END_TEST

START_TEST(test_bounded)
{
    cm_ratelimit *rl = cm_ratelimit_create(20, 64);
    size_t  bytes = cm_ratelimit_bytes(rl);
    char    addr[64];
    long long t = 5000;
    int     i, wait;

    /* A flood of clients: the table keeps its size, all are served. */
    for (i = 0; i < 100000; i++) {
	(void) snprintf(addr, sizeof(addr), "10.%d.%d.%d", (i >> 16) & 255,
			(i >> 8) & 255, i & 255);
	ck_assert_int_eq(cm_ratelimit_take(rl, addr, t, &wait), 1);
    }
    ck_assert_uint_eq(cm_ratelimit_bytes(rl), bytes);
    ck_assert_uint_lt(bytes, 64 * 64 + 4096);
    cm_ratelimit_free(rl);
}
END_TEST

START_TEST(test_page)
{
    cm_buf  b = CM_BUF_INIT;

    cm_html_escape(&b, "A&B <x> \"q\" 'a'\001");
    ck_assert_str_eq(cm_buf_str(&b),
		     "A&amp;B &lt;x&gt; &quot;q&quot; &#39;a&#39;");
    cm_buf_reset(&b);
    cm_unsub_page(&b, "Example <Org>", "news<letter>");
    ck_assert_ptr_nonnull(strstr(cm_buf_str(&b), "You will no longer get "
				 "news&lt;letter&gt; email from Example "
				 "&lt;Org&gt;."));
    cm_buf_reset(&b);
    cm_unsub_page(&b, 0, 0);
    ck_assert_ptr_nonnull(strstr(cm_buf_str(&b), "You will no longer get "
				 "this email from us."));
    ck_assert_ptr_null(strstr(cm_buf_str(&b), "<script"));
    cm_buf_free(&b);
}
END_TEST

static Suite *unsub_suite(void)
{
    Suite  *s = suite_create("unsub");
    TCase  *tc;

    tc = tcase_create("oneclick");
    tcase_add_test(tc, test_urlencoded);
    tcase_add_test(tc, test_multipart);
    suite_add_tcase(s, tc);

    tc = tcase_create("ratelimit");
    tcase_add_test(tc, test_keys);
    tcase_add_test(tc, test_limit);
    tcase_add_test(tc, test_bounded);
    suite_add_tcase(s, tc);

    tc = tcase_create("page");
    tcase_add_test(tc, test_page);
    suite_add_tcase(s, tc);
    return (s);
}

int     main(void)
{
    SRunner *sr = srunner_create(unsub_suite());
    int     failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}
