/*++
/* NAME
/*	check_facts 1
/* SUMMARY
/*	unit tests for the facts of a message and a recipient, and the schema
/* SYNOPSIS
/*	check_facts
/* DESCRIPTION
/*	Tests facts(3), which the daemon and "consentctl check" both use
/*	to build what the decision table reads: the envelope sender as
/*	the decision sees it (normalised, "" for <>, or made safe), the
/*	message facts, and one recipient (its copy, form, normalised
/*	address and record id), released without leaks; the arena(3)
/*	that holds the recipients' copies for one message (copies stay
/*	put while blocks are added, a reset keeps one block, a string
/*	longer than a block). And schema(3): the one reader of a
/*	purpose's stored state.
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

#include "arena.h"
#include "facts.h"
#include "schema.h"

#define NO_ARENA	((cm_arena *) 0)	/* copies made with malloc(3) */

START_TEST(test_sender)
{
    cm_buf  b = CM_BUF_INIT;
    char    longer[2 * CM_ADDR_MAX];

    ck_assert_int_eq(cm_msg_sender("<News@Org.EXAMPLE>", &b), CM_ADDR_OK);
    ck_assert_str_eq(cm_buf_str(&b), "news@org.example");
    ck_assert_int_eq(cm_msg_sender("<>", &b), CM_ADDR_EMPTY);
    ck_assert_str_eq(cm_buf_str(&b), "");
    ck_assert_int_eq(cm_msg_sender("", &b), CM_ADDR_EMPTY);
    ck_assert_str_eq(cm_buf_str(&b), "");

    /* Not an address: kept for logs, made safe, never looked up. */
    ck_assert_int_ne(cm_msg_sender("no at\x01sign", &b), CM_ADDR_OK);
    ck_assert_str_eq(cm_buf_str(&b), "no at\\x01sign");

    /* ... and cut at CM_ADDR_MAX bytes before it is made safe. */
    memset(longer, 'a', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = 0;
    ck_assert_int_ne(cm_msg_sender(longer, &b), CM_ADDR_OK);
    ck_assert_uint_eq(b.len, CM_ADDR_MAX);
    cm_buf_free(&b);
}
END_TEST

START_TEST(test_msg_facts)
{
    cm_campaign camp;
    cm_msg_facts m;

    memset(&camp, 0, sizeof(camp));
    memset(&m, 0x5a, sizeof(m));
    cm_msg_facts_fill(&m, "spring", &camp, "news@org.example", "");
    ck_assert_str_eq(m.campaign, "spring");
    ck_assert_ptr_eq(m.record, &camp);
    ck_assert_str_eq(m.sender, "news@org.example");
    ck_assert_ptr_null(m.auth);			/* "" is no login */
    ck_assert_int_eq(m.store_error, 0);
    ck_assert_int_eq(m.campaign_bad, 0);
    ck_assert_int_eq(m.bulk, 0);
    ck_assert_int_eq(m.plugin_error, 0);
    ck_assert_ptr_null(m.veto);
    ck_assert(m.now > 1700000000LL);

    cm_msg_facts_fill(&m, 0, 0, 0, "login1");
    ck_assert_ptr_null(m.campaign);
    ck_assert_str_eq(m.sender, "");		/* the null sender */
    ck_assert_str_eq(m.auth, "login1");
}
END_TEST

START_TEST(test_rcpt)
{
    cm_rcpt r;
    char    huge[8 * CM_ADDR_MAX];

    ck_assert_int_eq(cm_rcpt_fill(&r, 0, "<Alice@Example.ORG>", NO_ARENA), 0);
    ck_assert_str_eq(r.raw, "<Alice@Example.ORG>");
    ck_assert_str_eq(r.norm, "alice@example.org");
    ck_assert_int_eq(r.facts.addr_ok, 1);
    ck_assert_str_eq(r.facts.id, "alice@example.org");	/* no key */
    ck_assert_int_eq(cm_rcpt_form(&r), CM_RCPTFORM_PLAIN);
    ck_assert_str_eq(cm_rcpt_label(&r), "alice@example.org");
    ck_assert_int_eq(r.decided, 0);
    ck_assert_int_eq(r.record.consent, CM_CONSENT_NONE);

    /* What the store put into the record goes with the recipient. */
    r.record.consent_src = strdup("web form");
    r.record.suppressed_reason = strdup("complaint");
    cm_rcpt_free(&r);
    ck_assert_ptr_null(r.raw);
    ck_assert_ptr_null(r.record.consent_src);

    ck_assert_int_eq(cm_rcpt_fill(&r, 0, "<no-at-sign>", NO_ARENA), 0);
    ck_assert_int_eq(r.facts.addr_ok, 0);
    ck_assert_str_eq(r.norm, "");
    ck_assert_str_eq(cm_rcpt_label(&r), "<no-at-sign>");
    cm_rcpt_free(&r);

    /* A flood of bytes is kept cut short; the form sees all of it. */
    memset(huge, 'a', sizeof(huge) - 1);
    huge[sizeof(huge) - 1] = 0;
    ck_assert_int_eq(cm_rcpt_fill(&r, 0, huge, NO_ARENA), 0);
    ck_assert_uint_eq(strlen(r.raw), 4 * CM_ADDR_MAX);
    ck_assert_int_eq(r.facts.addr_ok, 0);
    ck_assert_int_eq(cm_rcpt_form(&r), CM_RCPTFORM_TOO_LONG);
    cm_rcpt_free(&r);

    /* A blank past the cut: the form is the argument's, not the copy's. */
    huge[4 * CM_ADDR_MAX + 10] = ' ';
    ck_assert_int_eq(cm_rcpt_fill(&r, 0, huge, NO_ARENA), 0);
    ck_assert_int_eq(cm_rcpt_form(&r), CM_RCPTFORM_SPACE);
    ck_assert_int_eq(cm_rcptform_check(r.raw, strlen(r.raw)),
		     CM_RCPTFORM_TOO_LONG);
    cm_rcpt_free(&r);
    ck_assert_int_eq(cm_rcpt_fill(&r, 0, "<bob@example.org.>", NO_ARENA), 0);
    ck_assert_int_eq(cm_rcpt_form(&r), CM_RCPTFORM_TRAILING_DOT);
    cm_rcpt_free(&r);
}
END_TEST

START_TEST(test_arena)
{
    cm_arena a = CM_ARENA_INIT;
    char   *copy[1000];
    char    text[64];
    char    big[10000];
    char   *p;
    int     i;

    /* Enough copies to need several blocks; none moves or is damaged. */
    for (i = 0; i < 1000; i++) {
	snprintf(text, sizeof(text), "<user%d@example.org>", i);
	ck_assert_ptr_nonnull(copy[i] = cm_arena_strndup(&a, text,
							 strlen(text)));
    }
    for (i = 0; i < 1000; i++) {
	snprintf(text, sizeof(text), "<user%d@example.org>", i);
	ck_assert_str_eq(copy[i], text);
    }

    /* Not NUL-terminated at len: the copy is, and holds len bytes. */
    p = cm_arena_strndup(&a, "abcdef", 3);
    ck_assert_str_eq(p, "abc");
    ck_assert_str_eq(cm_arena_strndup(&a, "", 0), "");

    /* Longer than a block: a block of its own, then a standard one. */
    memset(big, 'x', sizeof(big));
    p = cm_arena_strndup(&a, big, sizeof(big));
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(strlen(p), sizeof(big));
    ck_assert_str_eq(cm_arena_strndup(&a, "after", 5), "after");

    /* After a reset the first block serves again, from its start. */
    cm_arena_reset(&a);
    p = cm_arena_strndup(&a, "next message", 12);
    ck_assert_str_eq(p, "next message");
    ck_assert_ptr_eq(p, copy[0]);
    cm_arena_reset(&a);

    /* Only a long string's own block was left: it is not kept. */
    cm_arena_free(&a);
    p = cm_arena_strndup(&a, big, sizeof(big));
    ck_assert_uint_eq(strlen(p), sizeof(big));
    cm_arena_reset(&a);
    ck_assert_ptr_null(a.head);
    cm_arena_free(&a);
    ck_assert_ptr_null(a.head);
}
END_TEST

START_TEST(test_arena_block)
{
    cm_arena a = CM_ARENA_INIT_BLOCK(64);
    char    text[64];
    char   *first = 0, *p;
    int     i;

    /* Blocks of 64 bytes: many of them, the first kept by a reset. */
    for (i = 0; i < 100; i++) {
	snprintf(text, sizeof(text), "<user%d@example.org>", i);
	p = cm_arena_strndup(&a, text, strlen(text));
	ck_assert_str_eq(p, text);
	if (i == 0)
	    first = p;
    }
    ck_assert_str_eq(first, "<user0@example.org>");
    memset(text, 'y', sizeof(text));
    p = cm_arena_strndup(&a, text, sizeof(text));	/* 65 with the NUL */
    ck_assert_uint_eq(strlen(p), sizeof(text));
    cm_arena_reset(&a);
    ck_assert_ptr_nonnull(a.head);
    ck_assert_ptr_eq(cm_arena_strndup(&a, "x", 1), first);
    cm_arena_free(&a);
}
END_TEST

START_TEST(test_rcpt_arena)
{
    cm_arena a = CM_ARENA_INIT;
    cm_rcpt r[2];
    char    huge[8 * CM_ADDR_MAX];

    ck_assert_int_eq(cm_rcpt_fill(r, 0, "<Alice@Example.ORG>", &a), 0);
    memset(huge, 'a', sizeof(huge) - 1);
    huge[sizeof(huge) - 1] = 0;
    huge[4 * CM_ADDR_MAX + 10] = ' ';
    ck_assert_int_eq(cm_rcpt_fill(r + 1, 0, huge, &a), 0);
    ck_assert_str_eq(r[0].raw, "<Alice@Example.ORG>");
    ck_assert_str_eq(r[0].norm, "alice@example.org");
    ck_assert_int_eq(r[0].raw_heap, 0);

    /* Cut as without an arena; the form is still the argument's. */
    ck_assert_uint_eq(strlen(r[1].raw), 4 * CM_ADDR_MAX);
    ck_assert_int_eq(cm_rcpt_form(r + 1), CM_RCPTFORM_SPACE);

    /* The record's strings go to the same arena, and stay with it. */
    ck_assert_ptr_eq(r[0].record.arena, &a);
    r[0].record.consent_src = cm_arena_strndup(&a, "web form", 8);
    r[0].record.suppressed_reason = cm_arena_strndup(&a, "complaint", 9);
    cm_rcpt_record_clear(&r[0].record);
    ck_assert_ptr_null(r[0].record.consent_src);
    ck_assert_ptr_eq(r[0].record.arena, &a);

    /* Freeing a recipient leaves its copy to the arena (no double free). */
    r[1].record.consent_src = cm_arena_strndup(&a, "import", 6);
    cm_rcpt_free(r);
    cm_rcpt_free(r + 1);
    ck_assert_ptr_null(r[0].raw);
    cm_arena_free(&a);
}
END_TEST

START_TEST(test_state_words)
{
    cm_consent_state st = CM_CONSENT_NONE;

    ck_assert_int_eq(cm_consent_state_parse("granted", 7, &st), 0);
    ck_assert_int_eq(st, CM_CONSENT_GRANTED);
    ck_assert_int_eq(cm_consent_state_parse("withdrawnXYZ", 9, &st), 0);
    ck_assert_int_eq(st, CM_CONSENT_WITHDRAWN);

    /* Anything else is no state at all: never "none". */
    ck_assert_int_eq(cm_consent_state_parse("Granted", 7, &st), -1);
    ck_assert_int_eq(cm_consent_state_parse("grant", 5, &st), -1);
    ck_assert_int_eq(cm_consent_state_parse("granted ", 8, &st), -1);
    ck_assert_int_eq(cm_consent_state_parse("", 0, &st), -1);
    ck_assert_int_eq(st, CM_CONSENT_WITHDRAWN);	/* left alone */

    ck_assert_str_eq(cm_consent_state_word(CM_CONSENT_GRANTED), "granted");
    ck_assert_str_eq(cm_consent_state_word(CM_CONSENT_WITHDRAWN),
		     "withdrawn");
    ck_assert_ptr_null(cm_consent_state_word(CM_CONSENT_NONE));
}
END_TEST

START_TEST(test_clear)
{
    cm_campaign c;
    cm_rcpt_record r;

    memset(&c, 0, sizeof(c));
    c.found = 1;
    strcpy(c.purpose, "newsletter");
    c.senders = strdup("crm@example.org");
    cm_campaign_clear(&c);
    ck_assert_int_eq(c.found, 0);
    ck_assert_ptr_null(c.senders);
    ck_assert_str_eq(c.purpose, "");
    cm_campaign_clear(&c);		/* twice is harmless */

    memset(&r, 0, sizeof(r));
    r.suppressed = 1;
    r.suppressed_reason = strdup("complaint");
    r.consent_src = strdup("form v3, 192.0.2.1");
    cm_rcpt_record_clear(&r);
    ck_assert_int_eq(r.suppressed, 0);
    ck_assert_ptr_null(r.suppressed_reason);
    ck_assert_ptr_null(r.consent_src);
    cm_rcpt_record_clear(&r);
}
END_TEST

/* facts_suite - collect the test cases */

static Suite *facts_suite(void)
{
    Suite  *s = suite_create("facts");
    TCase  *tc;

    tc = tcase_create("facts");
    tcase_add_test(tc, test_sender);
    tcase_add_test(tc, test_msg_facts);
    tcase_add_test(tc, test_rcpt);
    tcase_add_test(tc, test_clear);
    tcase_add_test(tc, test_arena);
    tcase_add_test(tc, test_arena_block);
    tcase_add_test(tc, test_rcpt_arena);
    suite_add_tcase(s, tc);

    tc = tcase_create("schema");
    tcase_add_test(tc, test_state_words);
    suite_add_tcase(s, tc);
    return (s);
}

int     main(void)
{
    SRunner *sr = srunner_create(facts_suite());
    int     failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}
