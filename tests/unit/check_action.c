/*++
/* NAME
/*	check_action 1
/* SUMMARY
/*	unit tests for what a decision does to the mail
/* SYNOPSIS
/*	check_action
/* DESCRIPTION
/*	Tests action(3) against DESIGN.md section 6: the action for one
/*	recipient at RCPT time under every DenyAction, the fate of a
/*	whole message at end of message under DenyAction and
/*	PartialAction, the audit action of each recipient under a plan,
/*	the action names of the audit trail, and the exact text of SMTP
/*	replies, made safe for smfi_setreply().
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

#include "action.h"
#include "buf.h"

static cm_config cfg;

static void setup(void)
{
    cm_config_init(&cfg);
}

static void teardown(void)
{
    cm_config_free(&cfg);
}

/* verdict - a verdict with a decision and a tag */

static cm_verdict verdict(cm_decision decision, int tag)
{
    cm_verdict v;

    v.decision = decision;
    v.reason = decision == CM_DECISION_PASS ? 0 : "some-reason";
    v.row = 0;
    v.tag = tag;
    return (v);
}

static const cm_deny_action all_deny[] = {
    CM_DENY_REJECT, CM_DENY_TEMPFAIL, CM_DENY_QUARANTINE, CM_DENY_TAG,
};
static const cm_partial_action all_partial[] = {
    CM_PARTIAL_STRIP, CM_PARTIAL_REJECT, CM_PARTIAL_TEMPFAIL,
};

#define NDENY		(sizeof(all_deny) / sizeof(all_deny[0]))
#define NPARTIAL	(sizeof(all_partial) / sizeof(all_partial[0]))

/*
 * cm_action_rcpt().
 */

START_TEST(test_rcpt_defaults)
{
    cm_verdict v;

    ck_assert_int_eq(cfg.deny_action, CM_DENY_REJECT);
    v = verdict(CM_DECISION_DENY, 0);
    ck_assert_int_eq(cm_action_rcpt(&cfg, &v), CM_ACTION_REJECT);
    v = verdict(CM_DECISION_TEMPFAIL, 0);
    ck_assert_int_eq(cm_action_rcpt(&cfg, &v), CM_ACTION_TEMPFAIL);
    v = verdict(CM_DECISION_ALLOW, 0);
    ck_assert_int_eq(cm_action_rcpt(&cfg, &v), CM_ACTION_ACCEPT);
    v = verdict(CM_DECISION_ALLOW, 1);
    ck_assert_int_eq(cm_action_rcpt(&cfg, &v), CM_ACTION_TAG);
    v = verdict(CM_DECISION_PASS, 0);
    ck_assert_int_eq(cm_action_rcpt(&cfg, &v), CM_ACTION_ACCEPT);
}
END_TEST

START_TEST(test_rcpt_deny_action)
{
    static const cm_action want[] = {
	CM_ACTION_REJECT, CM_ACTION_TEMPFAIL, CM_ACTION_QUARANTINE,
	CM_ACTION_TAG,
    };
    cm_verdict v = verdict(CM_DECISION_DENY, 0);
    size_t  i;

    for (i = 0; i < NDENY; i++) {
	cfg.deny_action = all_deny[i];
	ck_assert_int_eq(cm_action_rcpt(&cfg, &v), want[i]);
    }
}
END_TEST

START_TEST(test_rcpt_other_decisions)
{
    cm_verdict v;
    size_t  i;

    /* DenyAction changes only what a deny does. */
    for (i = 0; i < NDENY; i++) {
	cfg.deny_action = all_deny[i];
	v = verdict(CM_DECISION_TEMPFAIL, 0);
	ck_assert_int_eq(cm_action_rcpt(&cfg, &v), CM_ACTION_TEMPFAIL);
	v = verdict(CM_DECISION_ALLOW, 0);
	ck_assert_int_eq(cm_action_rcpt(&cfg, &v), CM_ACTION_ACCEPT);
	v = verdict(CM_DECISION_ALLOW, 1);
	ck_assert_int_eq(cm_action_rcpt(&cfg, &v), CM_ACTION_TAG);
	v = verdict(CM_DECISION_PASS, 0);
	ck_assert_int_eq(cm_action_rcpt(&cfg, &v), CM_ACTION_ACCEPT);
    }
}
END_TEST

/*
 * cm_action_plan().
 */

/* plan - run cm_action_plan on a poisoned plan */

static cm_eom_plan plan(size_t allowed, size_t denied, size_t tempfailed,
			        int tagged)
{
    cm_eom_plan p;

    p.message = (cm_action) 77;
    p.strip = 77;
    p.tag = 77;
    cm_action_plan(&cfg, allowed, denied, tempfailed, tagged, &p);
    return (p);
}

#define EXPECT_PLAN(p, want_message, want_strip, want_tag) do { \
	cm_eom_plan _p = (p); \
	ck_assert_int_eq(_p.message, (want_message)); \
	ck_assert_int_eq(_p.strip, (want_strip)); \
	ck_assert_int_eq(_p.tag, (want_tag)); \
    } while (0)

START_TEST(test_plan_all_allowed)
{
    size_t  i;
    size_t  j;

    for (i = 0; i < NDENY; i++) {
	for (j = 0; j < NPARTIAL; j++) {
	    cfg.deny_action = all_deny[i];
	    cfg.partial_action = all_partial[j];
	    EXPECT_PLAN(plan(3, 0, 0, 0), CM_ACTION_ACCEPT, 0, 0);
	    EXPECT_PLAN(plan(1, 0, 0, 0), CM_ACTION_ACCEPT, 0, 0);
	    /* An empty envelope has nothing to refuse. */
	    EXPECT_PLAN(plan(0, 0, 0, 0), CM_ACTION_ACCEPT, 0, 0);
	    /* UnidentifiedBulk tag: deliver, marked. */
	    EXPECT_PLAN(plan(3, 0, 0, 1), CM_ACTION_ACCEPT, 0, 1);
	}
    }
}
END_TEST

START_TEST(test_plan_all_denied)
{
    size_t  j;

    /* DenyAction reject: the whole message, whatever PartialAction. */
    for (j = 0; j < NPARTIAL; j++) {
	cfg.partial_action = all_partial[j];
	EXPECT_PLAN(plan(0, 1, 0, 0), CM_ACTION_REJECT, 0, 0);
	EXPECT_PLAN(plan(0, 5, 0, 0), CM_ACTION_REJECT, 0, 0);
    }
}
END_TEST

START_TEST(test_plan_some_denied)
{
    /* PartialAction strip (the default): deliver to the rest. */
    ck_assert_int_eq(cfg.partial_action, CM_PARTIAL_STRIP);
    EXPECT_PLAN(plan(2, 1, 0, 0), CM_ACTION_ACCEPT, 1, 0);
    EXPECT_PLAN(plan(1, 9, 0, 0), CM_ACTION_ACCEPT, 1, 0);
    EXPECT_PLAN(plan(2, 1, 0, 1), CM_ACTION_ACCEPT, 1, 1);

    cfg.partial_action = CM_PARTIAL_REJECT;
    EXPECT_PLAN(plan(2, 1, 0, 0), CM_ACTION_REJECT, 0, 0);

    cfg.partial_action = CM_PARTIAL_TEMPFAIL;
    EXPECT_PLAN(plan(2, 1, 0, 0), CM_ACTION_TEMPFAIL, 0, 0);
}
END_TEST

START_TEST(test_plan_tempfailed)
{
    size_t  i;
    size_t  j;

    /* Any tempfailed recipient tempfails the message: nothing is lost. */
    for (i = 0; i < NDENY; i++) {
	for (j = 0; j < NPARTIAL; j++) {
	    cfg.deny_action = all_deny[i];
	    cfg.partial_action = all_partial[j];
	    EXPECT_PLAN(plan(0, 0, 1, 0), CM_ACTION_TEMPFAIL, 0, 0);
	    EXPECT_PLAN(plan(5, 0, 1, 0), CM_ACTION_TEMPFAIL, 0, 0);
	    EXPECT_PLAN(plan(0, 5, 1, 0), CM_ACTION_TEMPFAIL, 0, 0);
	    EXPECT_PLAN(plan(3, 3, 3, 0), CM_ACTION_TEMPFAIL, 0, 0);
	    EXPECT_PLAN(plan(3, 3, 3, 1), CM_ACTION_TEMPFAIL, 0, 1);
	}
    }
}
END_TEST

START_TEST(test_plan_deny_tempfail)
{
    size_t  j;

    cfg.deny_action = CM_DENY_TEMPFAIL;
    for (j = 0; j < NPARTIAL; j++) {
	cfg.partial_action = all_partial[j];
	EXPECT_PLAN(plan(0, 2, 0, 0), CM_ACTION_TEMPFAIL, 0, 0);
	EXPECT_PLAN(plan(2, 2, 0, 0), CM_ACTION_TEMPFAIL, 0, 0);
    }
}
END_TEST

START_TEST(test_plan_deny_quarantine)
{
    size_t  j;

    cfg.deny_action = CM_DENY_QUARANTINE;
    for (j = 0; j < NPARTIAL; j++) {
	cfg.partial_action = all_partial[j];
	EXPECT_PLAN(plan(0, 2, 0, 0), CM_ACTION_QUARANTINE, 0, 0);
	EXPECT_PLAN(plan(2, 2, 0, 0), CM_ACTION_QUARANTINE, 0, 0);
	EXPECT_PLAN(plan(2, 2, 0, 1), CM_ACTION_QUARANTINE, 0, 1);
    }
}
END_TEST

START_TEST(test_plan_deny_tag)
{
    size_t  j;

    /* Deliver everything, mark the message, strip nobody. */
    cfg.deny_action = CM_DENY_TAG;
    for (j = 0; j < NPARTIAL; j++) {
	cfg.partial_action = all_partial[j];
	EXPECT_PLAN(plan(0, 2, 0, 0), CM_ACTION_ACCEPT, 0, 1);
	EXPECT_PLAN(plan(2, 2, 0, 0), CM_ACTION_ACCEPT, 0, 1);
	EXPECT_PLAN(plan(2, 2, 0, 1), CM_ACTION_ACCEPT, 0, 1);
    }
}
END_TEST

/*
 * cm_action_for().
 */

/* make_plan - a plan by hand */

static cm_eom_plan make_plan(cm_action message, int strip, int tag)
{
    cm_eom_plan p;

    p.message = message;
    p.strip = strip;
    p.tag = tag;
    return (p);
}

/* action_for - cm_action_for() on a plan and a fresh verdict */

static cm_action action_for(cm_eom_plan p, cm_decision decision, int tag)
{
    cm_verdict v = verdict(decision, tag);

    return (cm_action_for(&p, &v));
}

START_TEST(test_for_message_plans)
{
    static const cm_action messages[] = {
	CM_ACTION_REJECT, CM_ACTION_TEMPFAIL, CM_ACTION_QUARANTINE,
    };
    cm_eom_plan p;
    size_t  i;

    /* The whole message shares one fate: every recipient records it. */
    for (i = 0; i < sizeof(messages) / sizeof(messages[0]); i++) {
	p = make_plan(messages[i], 0, 0);
	ck_assert_int_eq(action_for(p, CM_DECISION_ALLOW, 0), messages[i]);
	ck_assert_int_eq(action_for(p, CM_DECISION_ALLOW, 1), messages[i]);
	ck_assert_int_eq(action_for(p, CM_DECISION_DENY, 0), messages[i]);
	ck_assert_int_eq(action_for(p, CM_DECISION_TEMPFAIL, 0), messages[i]);
	p.tag = 1;
	ck_assert_int_eq(action_for(p, CM_DECISION_ALLOW, 0), messages[i]);
    }
}
END_TEST

START_TEST(test_for_accept_plans)
{
    cm_eom_plan p;

    /* Plain accept. */
    p = make_plan(CM_ACTION_ACCEPT, 0, 0);
    ck_assert_int_eq(action_for(p, CM_DECISION_ALLOW, 0), CM_ACTION_ACCEPT);
    ck_assert_int_eq(action_for(p, CM_DECISION_PASS, 0), CM_ACTION_ACCEPT);
    ck_assert_int_eq(action_for(p, CM_DECISION_ALLOW, 1), CM_ACTION_TAG);

    /* Strip: the denied go, the rest are delivered. */
    p = make_plan(CM_ACTION_ACCEPT, 1, 0);
    ck_assert_int_eq(action_for(p, CM_DECISION_DENY, 0), CM_ACTION_STRIP);
    ck_assert_int_eq(action_for(p, CM_DECISION_ALLOW, 0), CM_ACTION_ACCEPT);
    ck_assert_int_eq(action_for(p, CM_DECISION_ALLOW, 1), CM_ACTION_TAG);

    /* DenyAction tag: the denied are delivered, marked. */
    p = make_plan(CM_ACTION_ACCEPT, 0, 1);
    ck_assert_int_eq(action_for(p, CM_DECISION_DENY, 0), CM_ACTION_TAG);
    ck_assert_int_eq(action_for(p, CM_DECISION_ALLOW, 0), CM_ACTION_ACCEPT);
}
END_TEST

START_TEST(test_for_with_real_plans)
{
    cm_eom_plan p;
    cm_verdict allow = verdict(CM_DECISION_ALLOW, 0);
    cm_verdict deny = verdict(CM_DECISION_DENY, 0);

    /* Default settings, some denied: strip. */
    cm_action_plan(&cfg, 2, 1, 0, 0, &p);
    ck_assert_int_eq(cm_action_for(&p, &deny), CM_ACTION_STRIP);
    ck_assert_int_eq(cm_action_for(&p, &allow), CM_ACTION_ACCEPT);

    /* All denied: reject. */
    cm_action_plan(&cfg, 0, 2, 0, 0, &p);
    ck_assert_int_eq(cm_action_for(&p, &deny), CM_ACTION_REJECT);

    /* PartialAction reject rejects the allowed ones too. */
    cfg.partial_action = CM_PARTIAL_REJECT;
    cm_action_plan(&cfg, 2, 1, 0, 0, &p);
    ck_assert_int_eq(cm_action_for(&p, &allow), CM_ACTION_REJECT);
    ck_assert_int_eq(cm_action_for(&p, &deny), CM_ACTION_REJECT);

    cfg.partial_action = CM_PARTIAL_TEMPFAIL;
    cm_action_plan(&cfg, 2, 1, 0, 0, &p);
    ck_assert_int_eq(cm_action_for(&p, &allow), CM_ACTION_TEMPFAIL);
    ck_assert_int_eq(cm_action_for(&p, &deny), CM_ACTION_TEMPFAIL);

    /* DenyAction quarantine: everyone is held. */
    cfg.deny_action = CM_DENY_QUARANTINE;
    cm_action_plan(&cfg, 2, 1, 0, 0, &p);
    ck_assert_int_eq(cm_action_for(&p, &allow), CM_ACTION_QUARANTINE);
    ck_assert_int_eq(cm_action_for(&p, &deny), CM_ACTION_QUARANTINE);

    /* DenyAction tag. */
    cfg.deny_action = CM_DENY_TAG;
    cm_action_plan(&cfg, 2, 1, 0, 0, &p);
    ck_assert_int_eq(cm_action_for(&p, &allow), CM_ACTION_ACCEPT);
    ck_assert_int_eq(cm_action_for(&p, &deny), CM_ACTION_TAG);

    /* DenyAction tempfail. */
    cfg.deny_action = CM_DENY_TEMPFAIL;
    cm_action_plan(&cfg, 2, 1, 0, 0, &p);
    ck_assert_int_eq(cm_action_for(&p, &allow), CM_ACTION_TEMPFAIL);
    ck_assert_int_eq(cm_action_for(&p, &deny), CM_ACTION_TEMPFAIL);
}
END_TEST

/*
 * cm_action_name().
 */

START_TEST(test_action_names)
{
    ck_assert_str_eq(cm_action_name(CM_ACTION_ACCEPT), "accept");
    ck_assert_str_eq(cm_action_name(CM_ACTION_REJECT), "reject");
    ck_assert_str_eq(cm_action_name(CM_ACTION_STRIP), "strip");
    ck_assert_str_eq(cm_action_name(CM_ACTION_TEMPFAIL), "tempfail");
    ck_assert_str_eq(cm_action_name(CM_ACTION_QUARANTINE), "quarantine");
    ck_assert_str_eq(cm_action_name(CM_ACTION_TAG), "tag");
    /* Out of range: still a string, never a crash. */
    ck_assert_ptr_nonnull(cm_action_name((cm_action) 99));
    ck_assert_ptr_nonnull(cm_action_name((cm_action) - 1));
}
END_TEST

/*
 * cm_reply_text().
 */

/* reply - compare a reply text with the expected one */

static void reply(const char *addr, const char *reason, const char *campaign,
		          const char *want)
{
    cm_buf  b = CM_BUF_INIT;

    cm_reply_text(&b, addr, reason, campaign);
    ck_assert_int_eq(b.oom, 0);
    ck_assert_str_eq(cm_buf_str(&b), want);
    ck_assert_uint_eq(b.len, strlen(want));
    cm_buf_free(&b);
}

START_TEST(test_reply_shape)
{
    reply("bob@example.org", "withdrawn", "spring-2026",
	  "<bob@example.org>: not sent: withdrawn (campaign spring-2026)");
    reply("alice@example.org", "campaign-not-authorised", "a.b:c-d_e",
	  "<alice@example.org>: not sent: campaign-not-authorised"
	  " (campaign a.b:c-d_e)");
}
END_TEST

START_TEST(test_reply_null_parts)
{
    /* A message-level reply has no address. */
    reply((const char *) 0, "withdrawn", "spring-2026",
	  "not sent: withdrawn (campaign spring-2026)");
    /* No campaign. */
    reply("bob@example.org", "unidentified-bulk", (const char *) 0,
	  "<bob@example.org>: not sent: unidentified-bulk (no campaign)");
    reply((const char *) 0, "store-error", (const char *) 0,
	  "not sent: store-error (no campaign)");
    /* No reason: still a readable reply. */
    reply("bob@example.org", (const char *) 0, "spring-2026",
	  "<bob@example.org>: not sent: unknown (campaign spring-2026)");
    /* The null sender / empty address. */
    reply("", "bad-address", "spring-2026",
	  "<>: not sent: bad-address (campaign spring-2026)");
    /* A raw address with its brackets is not bracketed twice. */
    reply("<>", "bad-address", "spring-2026",
	  "<>: not sent: bad-address (campaign spring-2026)");
    reply("<a\001b@example.org>", "bad-address", "spring-2026",
	  "<a?b@example.org>: not sent: bad-address (campaign spring-2026)");
    reply("<only-open@example.org", "bad-address", "spring-2026",
	  "<<only-open@example.org>: not sent: bad-address"
	  " (campaign spring-2026)");
}
END_TEST

START_TEST(test_reply_percent)
{
    reply("100%@example.org", "withdrawn", "spring-2026",
	  "<100%%@example.org>: not sent: withdrawn (campaign spring-2026)");
    reply("a%%b@example.org", "bad-address", "x%sy",
	  "<a%%%%b@example.org>: not sent: bad-address (campaign x%%sy)");
    reply((const char *) 0, "why%", (const char *) 0,
	  "not sent: why%% (no campaign)");
}
END_TEST

START_TEST(test_reply_unsafe_bytes)
{
    /* CR and LF could end the reply line or forge another one. */
    reply("bob\r\n250 ok@example.org", "withdrawn", "spring\r\n2026",
	  "<bob??250 ok@example.org>: not sent: withdrawn"
	  " (campaign spring??2026)");
    /* Other controls, DEL and every byte >= 0x80 become '?' (one each). */
    reply("jos\xc3\xa9@example.org", "withdrawn", "a\tb\x7f\x01",
	  "<jos??@example.org>: not sent: withdrawn (campaign a?b?" "?)");
    reply("\xff\x80@x", "bad-address", "c\x1b[0m",
	  "<??@x>: not sent: bad-address (campaign c?[0m)");
    /* Reasons get the same treatment (a plugin's veto text). */
    reply("bob@example.org", "bad\nreason%", "spring-2026",
	  "<bob@example.org>: not sent: bad?reason%% (campaign spring-2026)");
}
END_TEST

START_TEST(test_reply_long_address)
{
    char    addr[400];
    char    want[600];
    size_t  n;

    /* 256 bytes are echoed in full. */
    memset(addr, 'a', 244);
    strcpy(addr + 244, "@example.org");
    ck_assert_uint_eq(strlen(addr), 256);
    n = (size_t) snprintf(want, sizeof(want),
		       "<%s>: not sent: withdrawn (campaign spring-2026)", addr);
    ck_assert_uint_lt(n, sizeof(want));
    reply(addr, "withdrawn", "spring-2026", want);

    /* One byte more: the first 256 bytes and "...". */
    memset(addr, 'a', 245);
    strcpy(addr + 245, "@example.org");
    ck_assert_uint_eq(strlen(addr), 257);
    (void) snprintf(want, sizeof(want),
		    "<%.256s...>: not sent: withdrawn (campaign spring-2026)",
		    addr);
    reply(addr, "withdrawn", "spring-2026", want);

    /* Much longer (e.g. a hostile 1000-byte address). */
    {
	char    huge[1001];
	char    want2[400];

	memset(huge, 'z', 1000);
	huge[1000] = 0;
	(void) snprintf(want2, sizeof(want2),
			"<%.256s...>: not sent: bad-address (no campaign)",
			huge);
	reply(huge, "bad-address", (const char *) 0, want2);
    }
}
END_TEST

START_TEST(test_reply_percent_at_cut)
{
    char    addr[300];
    cm_buf  b = CM_BUF_INIT;
    const char *cp;
    size_t  run;

    /* A long run of '%': every one doubled, the cut marked with "...". */
    memset(addr, '%', 299);
    addr[299] = 0;
    cm_reply_text(&b, addr, "bad-address", "spring-2026");
    cp = cm_buf_str(&b);
    ck_assert_int_eq(*cp, '<');
    run = strspn(cp + 1, "%");
    ck_assert_uint_gt(run, 0);
    ck_assert_uint_eq(run % 2, 0);
    ck_assert_str_eq(cp + 1 + run,
		     "...>: not sent: bad-address (campaign spring-2026)");
    for (; *cp; cp++)
	ck_assert(*cp >= 0x20 && *cp < 0x7f);
    cm_buf_free(&b);
}
END_TEST

 /*
  * libmilter's smfi_setreply() refuses a text longer than MAXREPLYLEN
  * (980 bytes, libmilter/smfi.c), and the daemon then falls back to the
  * MTA's generic reply: the contract text is lost. The cut must
  * therefore bound the output, '%' doubling included.
  */
#define SETREPLY_MAX	980

START_TEST(test_reply_fits_setreply)
{
    char    pct[400];
    char    plain[400];
    cm_buf  b = CM_BUF_INIT;
    size_t  len;

    memset(pct, '%', sizeof(pct) - 1);
    pct[sizeof(pct) - 1] = 0;
    memset(plain, 'x', sizeof(plain) - 1);
    plain[sizeof(plain) - 1] = 0;

    /* Plain text: fits. */
    cm_reply_text(&b, plain, plain, plain);
    len = b.len;
    cm_buf_reset(&b);
    ck_assert_msg(len <= SETREPLY_MAX, "plain: %zu bytes", len);

    /*
     * A hostile RCPT address made of '%' and a malformed campaign
     * header made of '%' (row 4 echoes the campaign).
     */
    cm_reply_text(&b, pct, "bad-campaign-id", pct);
    len = b.len;
    cm_buf_free(&b);
    ck_assert_msg(len <= SETREPLY_MAX,
		  "'%%' address and campaign: %zu bytes > %d",
		  len, SETREPLY_MAX);
}
END_TEST

/* action_suite - collect the test cases */

static Suite *action_suite(void)
{
    Suite  *s = suite_create("action");
    TCase  *tc;

    tc = tcase_create("rcpt");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_rcpt_defaults);
    tcase_add_test(tc, test_rcpt_deny_action);
    tcase_add_test(tc, test_rcpt_other_decisions);
    suite_add_tcase(s, tc);

    tc = tcase_create("plan");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_plan_all_allowed);
    tcase_add_test(tc, test_plan_all_denied);
    tcase_add_test(tc, test_plan_some_denied);
    tcase_add_test(tc, test_plan_tempfailed);
    tcase_add_test(tc, test_plan_deny_tempfail);
    tcase_add_test(tc, test_plan_deny_quarantine);
    tcase_add_test(tc, test_plan_deny_tag);
    suite_add_tcase(s, tc);

    tc = tcase_create("for");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_for_message_plans);
    tcase_add_test(tc, test_for_accept_plans);
    tcase_add_test(tc, test_for_with_real_plans);
    suite_add_tcase(s, tc);

    tc = tcase_create("names");
    tcase_add_test(tc, test_action_names);
    suite_add_tcase(s, tc);

    tc = tcase_create("reply");
    tcase_add_test(tc, test_reply_shape);
    tcase_add_test(tc, test_reply_null_parts);
    tcase_add_test(tc, test_reply_percent);
    tcase_add_test(tc, test_reply_unsafe_bytes);
    tcase_add_test(tc, test_reply_long_address);
    tcase_add_test(tc, test_reply_percent_at_cut);
    tcase_add_test(tc, test_reply_fits_setreply);
    suite_add_tcase(s, tc);
    return (s);
}

int     main(void)
{
    SRunner *sr = srunner_create(action_suite());
    int     failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}
