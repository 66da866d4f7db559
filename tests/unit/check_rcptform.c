/*++
/* NAME
/*	check_rcptform 1
/* SUMMARY
/*	unit tests for the strippable recipient forms
/* SYNOPSIS
/*	check_rcptform
/* DESCRIPTION
/*	Tests rcptform(3): which RCPT arguments a deletion is certain to
/*	match (plain local@domain, bracketed or not, any case), and that
/*	every form an MTA rewrites is refused with its own reason: source
/*	routes, trailing dots, quoting, % and ! routing, address literals,
/*	non-ASCII, white space, stray brackets and the RFC 5321 limits.
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

#include "rcptform.h"
#include "every_byte.h"

/* form - the verdict on a C string */

static cm_rcptform form(const char *raw)
{
    return (cm_rcptform_check(raw, strlen(raw)));
}

#define expect(raw, want) do { \
	cm_rcptform got_ = form(raw); \
	ck_assert_msg(got_ == (want), "%s: got \"%s\", want \"%s\"", (raw), \
		      cm_rcptform_strerror(got_), cm_rcptform_strerror(want)); \
    } while (0)

START_TEST(test_plain)
{
    expect("<bob@example.org>", CM_RCPTFORM_PLAIN);
    expect("bob@example.org", CM_RCPTFORM_PLAIN);	/* Postfix cleanup */
    expect("<Bob@Example.ORG>", CM_RCPTFORM_PLAIN);	/* case as sent */
    expect("<bob.smith+news@mail.example.org>", CM_RCPTFORM_PLAIN);
    expect("<o'neil@example.org>", CM_RCPTFORM_PLAIN);
    expect("<a#$&'*+-/=?^_`{|}~z@example.org>", CM_RCPTFORM_PLAIN);
    expect("<bob@localhost>", CM_RCPTFORM_PLAIN);
    expect("<bob@xn--bcher-kva.example>", CM_RCPTFORM_PLAIN);
    expect("<1@2.3>", CM_RCPTFORM_PLAIN);
}
END_TEST

START_TEST(test_route)
{
    expect("<@relay.example:bob@example.org>", CM_RCPTFORM_ROUTE);
    expect("<@a.example,@b.example:bob@example.org>", CM_RCPTFORM_ROUTE);
    expect("@relay.example:bob@example.org", CM_RCPTFORM_ROUTE);
}
END_TEST

START_TEST(test_trailing_dot)
{
    expect("<bob@example.org.>", CM_RCPTFORM_TRAILING_DOT);
    expect("bob@example.org.", CM_RCPTFORM_TRAILING_DOT);
    expect("<bob@.>", CM_RCPTFORM_TRAILING_DOT);
}
END_TEST

START_TEST(test_quoted)
{
    expect("<\"bob\"@example.org>", CM_RCPTFORM_QUOTED);
    expect("<\"bob smith\"@example.org>", CM_RCPTFORM_SPACE);
    expect("<\"a@b\"@example.org>", CM_RCPTFORM_QUOTED);
    expect("<bob\\@example.org>", CM_RCPTFORM_QUOTED);
}
END_TEST

START_TEST(test_hacks)
{
    expect("<bob%example.org@relay.example>", CM_RCPTFORM_HACK);
    expect("<relay!bob@example.org>", CM_RCPTFORM_HACK);
    expect("<example.org!bob>", CM_RCPTFORM_HACK);
    expect("<bob@relay@example.org>", CM_RCPTFORM_HACK);
    expect("<bob%example.org>", CM_RCPTFORM_HACK);
}
END_TEST

START_TEST(test_domain_forms)
{
    expect("<bob>", CM_RCPTFORM_NO_DOMAIN);
    expect("bob", CM_RCPTFORM_NO_DOMAIN);
    expect("<postmaster>", CM_RCPTFORM_NO_DOMAIN);
    expect("<bob@[192.0.2.1]>", CM_RCPTFORM_LITERAL);
    expect("<bob@[IPv6:2001:db8::1]>", CM_RCPTFORM_LITERAL);
    expect("<bob@>", CM_RCPTFORM_SYNTAX);
    expect("<@>", CM_RCPTFORM_ROUTE);
    expect("<bob@example..org>", CM_RCPTFORM_SYNTAX);
    expect("<bob@.example.org>", CM_RCPTFORM_SYNTAX);
    expect("<bob@exa_mple.org>", CM_RCPTFORM_SYNTAX);
    expect("<bob@example.org:25>", CM_RCPTFORM_SYNTAX);
}
END_TEST

START_TEST(test_local_forms)
{
    expect("<.bob@example.org>", CM_RCPTFORM_SYNTAX);
    expect("<bob.@example.org>", CM_RCPTFORM_SYNTAX);
    expect("<bo..b@example.org>", CM_RCPTFORM_SYNTAX);
    expect("<bob(comment)@example.org>", CM_RCPTFORM_SYNTAX);
    expect("<bob,carol@example.org>", CM_RCPTFORM_SYNTAX);
    expect("<bob;x@example.org>", CM_RCPTFORM_SYNTAX);
    expect("<bob:x@example.org>", CM_RCPTFORM_SYNTAX);
}
END_TEST

START_TEST(test_8bit)
{
    expect("<j\xc3\xb6rg@example.org>", CM_RCPTFORM_8BIT);
    expect("<jorg@b\xc3\xbc" "cher.example>", CM_RCPTFORM_8BIT);
    expect("<bob@example.org\xff>", CM_RCPTFORM_8BIT);
}
END_TEST

START_TEST(test_space_and_brackets)
{
    expect("", CM_RCPTFORM_EMPTY);
    expect("<>", CM_RCPTFORM_EMPTY);
    expect(" <bob@example.org>", CM_RCPTFORM_SPACE);
    expect("<bob@example.org> ", CM_RCPTFORM_SPACE);
    expect("< bob@example.org>", CM_RCPTFORM_SPACE);
    expect("<bob @example.org>", CM_RCPTFORM_SPACE);
    expect("<bob@example.org\r\n>", CM_RCPTFORM_SPACE);
    expect("<bob\tx@example.org>", CM_RCPTFORM_SPACE);
    expect("<bob\x7f@example.org>", CM_RCPTFORM_SPACE);
    expect("<bob@example.org", CM_RCPTFORM_BRACKETS);
    expect("bob@example.org>", CM_RCPTFORM_BRACKETS);
    expect("<", CM_RCPTFORM_BRACKETS);
    expect("<<bob@example.org>>", CM_RCPTFORM_BRACKETS);
    expect("Bob <bob@example.org>", CM_RCPTFORM_SPACE);
    expect("Bob<bob@example.org>", CM_RCPTFORM_BRACKETS);
}
END_TEST

START_TEST(test_embedded_nul)
{
    static const char raw[] = "<bob@example.org\0carol@example.org>";

    ck_assert_int_eq(cm_rcptform_check(raw, sizeof(raw) - 1),
		     CM_RCPTFORM_SPACE);
    /* Only len bytes are read: no NUL needed after them. */
    ck_assert_int_eq(cm_rcptform_check("<bob@example.org>xyz", 17),
		     CM_RCPTFORM_PLAIN);
    ck_assert_int_eq(cm_rcptform_check("<bob@example.org>xyz", 16),
		     CM_RCPTFORM_BRACKETS);
}
END_TEST

START_TEST(test_limits)
{
    char    buf[2000];
    size_t  n;

    /* A local part of 64 bytes passes, of 65 does not. */
    buf[0] = '<';
    memset(buf + 1, 'a', 64);
    strcpy(buf + 65, "@example.org>");
    expect(buf, CM_RCPTFORM_PLAIN);
    buf[0] = '<';
    memset(buf + 1, 'a', 65);
    strcpy(buf + 66, "@example.org>");
    expect(buf, CM_RCPTFORM_TOO_LONG);

    /* The whole address: 254 bytes pass, 255 do not. */
    n = 254 - strlen("bob@") - strlen(".org");
    strcpy(buf, "<bob@");
    memset(buf + 5, 'x', n);
    strcpy(buf + 5 + n, ".org>");
    expect(buf, CM_RCPTFORM_PLAIN);
    strcpy(buf, "<bob@");
    memset(buf + 5, 'x', n + 1);
    strcpy(buf + 5 + n + 1, ".org>");
    expect(buf, CM_RCPTFORM_TOO_LONG);

    /* Over the 1,280 bytes the daemon keeps of an argument. */
    strcpy(buf, "<bob@");
    memset(buf + 5, 'x', 1500);
    strcpy(buf + 1505, ".org>");
    expect(buf, CM_RCPTFORM_TOO_LONG);
}
END_TEST

START_TEST(test_strerror)
{
    int     f;

    for (f = 0; f < CM_RCPTFORM_COUNT; f++) {
	ck_assert_ptr_nonnull(cm_rcptform_strerror((cm_rcptform) f));
	ck_assert_str_ne(cm_rcptform_strerror((cm_rcptform) f), "unknown form");
    }
    ck_assert_str_eq(cm_rcptform_strerror(CM_RCPTFORM_ROUTE), "source route");
    ck_assert_str_eq(cm_rcptform_strerror(CM_RCPTFORM_COUNT), "unknown form");
}
END_TEST

/*
 * Every byte value in the local part and in the domain, held against
 * the rules as the man page states them, not as the code tests them.
 */
static cm_rcptform byte_rule(unsigned c, int in_domain)
{
    if (c <= ' ' || c == 0x7f)
	return (CM_RCPTFORM_SPACE);
    if (c == '<' || c == '>')
	return (CM_RCPTFORM_BRACKETS);
    if (c == '"' || c == '\\')
	return (CM_RCPTFORM_QUOTED);
    if (c >= 0x80)
	return (CM_RCPTFORM_8BIT);
    if (c == '%' || c == '!' || c == '@')
	return (CM_RCPTFORM_HACK);
    if (c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
	|| (c >= 'A' && c <= 'Z') || c == '-')
	return (CM_RCPTFORM_PLAIN);
    if (!in_domain && strchr("#$&'*+/=?^_`{|}~", (int) c) != 0)
	return (CM_RCPTFORM_PLAIN);
    return (CM_RCPTFORM_SYNTAX);
}

START_TEST(test_every_byte)
{
    char    raw[EVERY_BYTE_SIZE];
    unsigned c;
    int     in_domain;
    size_t  len;
    cm_rcptform got;

    for (in_domain = 0; in_domain < 2; in_domain++) {
	for (c = 0; c < 256; c++) {
	    len = every_byte_addr(raw, c, in_domain);
	    got = cm_rcptform_check(raw, len);
	    ck_assert_msg(got == byte_rule(c, in_domain),
			  "byte 0x%02x in the %s: got \"%s\", want \"%s\"", c,
			  EVERY_BYTE_WHERE(in_domain),
			  cm_rcptform_strerror(got),
			  cm_rcptform_strerror(byte_rule(c, in_domain)));
	}
    }
}
END_TEST

static Suite *rcptform_suite(void)
{
    Suite  *s = suite_create("rcptform");
    TCase  *tc;

    tc = tcase_create("strippable");
    tcase_add_test(tc, test_plain);
    suite_add_tcase(s, tc);

    tc = tcase_create("rewritten");
    tcase_add_test(tc, test_route);
    tcase_add_test(tc, test_trailing_dot);
    tcase_add_test(tc, test_quoted);
    tcase_add_test(tc, test_hacks);
    tcase_add_test(tc, test_domain_forms);
    tcase_add_test(tc, test_local_forms);
    tcase_add_test(tc, test_8bit);
    suite_add_tcase(s, tc);

    tc = tcase_create("hostile");
    tcase_add_test(tc, test_space_and_brackets);
    tcase_add_test(tc, test_embedded_nul);
    tcase_add_test(tc, test_every_byte);
    tcase_add_test(tc, test_limits);
    tcase_add_test(tc, test_strerror);
    suite_add_tcase(s, tc);
    return (s);
}

int     main(void)
{
    SRunner *sr = srunner_create(rcptform_suite());
    int     failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}
