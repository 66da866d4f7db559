/*++
/* NAME
/*	check_policy 1
/* SUMMARY
/*	unit tests for the decision table
/* SYNOPSIS
/*	check_policy
/* DESCRIPTION
/*	Tests policy(3) against DESIGN.md section 5: one test per row of
/*	the decision table (decision, reason and row number), the order
/*	of the rows (the first row that matches decides), OnError and
/*	every UnidentifiedBulk value, the campaign senders list, and
/*	cm_policy_message(), which must return 0 exactly when the
/*	recipient's own records are needed.
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

#include "policy.h"

#define DAY	86400LL
#define NOW	1795426200LL		/* 2026-11-23T09:30:00Z */

 /*
  * Every test starts from a message that passes rows 1 to 10 and a
  * recipient that passes rows 11 to 15: an active consent campaign with
  * no senders list, and a recipient with fresh consent. Each test then
  * breaks exactly what it needs.
  */
static cm_config cfg;
static cm_campaign camp;
static cm_msg_facts msg;
static cm_rcpt_facts rcpt;
static cm_rcpt_record rec;

static void setup(void)
{
    cm_config_init(&cfg);

    memset(&camp, 0, sizeof(camp));
    camp.found = 1;
    strcpy(camp.purpose, "newsletter");
    camp.basis = CM_BASIS_CONSENT;
    camp.status = CM_STATUS_ACTIVE;
    camp.max_age_days = 0;
    camp.senders = 0;

    memset(&msg, 0, sizeof(msg));
    msg.store_error = 0;
    msg.campaign = "spring-2026";
    msg.campaign_bad = 0;
    msg.bulk = 0;
    msg.record = &camp;
    msg.sender = "news@example.org";
    msg.auth = 0;
    msg.veto = 0;
    msg.now = NOW;

    memset(&rcpt, 0, sizeof(rcpt));
    memset(&rec, 0, sizeof(rec));
    rcpt.addr_ok = 1;
    rec.store_error = 0;
    rec.suppressed = 0;
    rec.consent = CM_CONSENT_GRANTED;
    rec.consent_at = NOW - 10 * DAY;
}

static void teardown(void)
{
    cm_config_free(&cfg);
}

/* poison - fill a verdict with values that no decision produces */

static void poison(cm_verdict *v)
{
    v->decision = (cm_decision) 77;
    v->reason = "unset";
    v->row = -1;
    v->tag = 99;
}

/* decide - run the whole table for the current facts */

static cm_verdict decide(void)
{
    cm_verdict v;

    poison(&v);
    cm_policy_decide(&cfg, &msg, &rcpt, &rec, &v);
    return (v);
}

 /*
  * A macro rather than a function, so that a failure names the line of
  * the test. The reason is NULL only for a pass.
  */
#define EXPECT(v, want_decision, want_reason, want_row) do { \
	cm_verdict _v = (v); \
	const char *_r = (want_reason); \
	ck_assert_int_eq(_v.decision, (want_decision)); \
	if (_r == 0) \
	    ck_assert_ptr_null(_v.reason); \
	else { \
	    ck_assert_ptr_nonnull(_v.reason); \
	    ck_assert_str_eq(_v.reason, _r); \
	} \
	ck_assert_int_eq(_v.row, (want_row)); \
	ck_assert_int_eq(_v.tag, 0); \
    } while (0)

/*
 * Rows 1 to 16 (and 16a), one test each.
 */

START_TEST(test_row01_store_error)
{
    msg.store_error = 1;
    EXPECT(decide(), CM_DECISION_TEMPFAIL, "store-error", 1);
}
END_TEST

START_TEST(test_row02_no_campaign_not_bulk)
{
    msg.campaign = 0;
    msg.record = 0;
    msg.bulk = 0;
    EXPECT(decide(), CM_DECISION_PASS, (const char *) 0, 2);
}
END_TEST

START_TEST(test_row03_no_campaign_bulk)
{
    msg.campaign = 0;
    msg.record = 0;
    msg.bulk = 1;
    /* UnidentifiedBulk defaults to reject. */
    EXPECT(decide(), CM_DECISION_DENY, "unidentified-bulk", 3);
}
END_TEST

START_TEST(test_row04_bad_campaign_id)
{
    static const char *const bad[] = {
	"spring 2026", "spring/2026", "", "<spring>", "spring\r\n2026",
	"spr\xc3\xadng",
    };
    char    too_long[CM_CAMPAIGN_ID_MAX + 2];
    size_t  i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
	msg.campaign = bad[i];
	EXPECT(decide(), CM_DECISION_DENY, "bad-campaign-id", 4);
    }
    memset(too_long, 'a', sizeof(too_long) - 1);
    too_long[sizeof(too_long) - 1] = 0;
    msg.campaign = too_long;
    EXPECT(decide(), CM_DECISION_DENY, "bad-campaign-id", 4);

    /* 128 bytes is still a valid id. */
    too_long[CM_CAMPAIGN_ID_MAX] = 0;
    EXPECT(decide(), CM_DECISION_ALLOW, "consent", 16);
}
END_TEST

START_TEST(test_row05_unknown_campaign)
{
    camp.found = 0;
    EXPECT(decide(), CM_DECISION_DENY, "unknown-campaign", 5);
    msg.record = 0;
    EXPECT(decide(), CM_DECISION_DENY, "unknown-campaign", 5);
}
END_TEST

START_TEST(test_row06_campaign_closed)
{
    camp.status = CM_STATUS_CLOSED;
    EXPECT(decide(), CM_DECISION_DENY, "campaign-closed", 6);
}
END_TEST

START_TEST(test_row07_campaign_paused)
{
    camp.status = CM_STATUS_PAUSED;
    EXPECT(decide(), CM_DECISION_TEMPFAIL, "campaign-paused", 7);
}
END_TEST

START_TEST(test_row08_not_authorised)
{
    char    senders[] = "crm@example.org, mailer";

    camp.senders = senders;
    EXPECT(decide(), CM_DECISION_DENY, "campaign-not-authorised", 8);
}
END_TEST

START_TEST(test_row08_sender_forms)
{
    char    senders[] = "crm@example.org, news@example.org";
    static const char *const forms[] = {
	"@relay.example:news@example.org", "news@example.org.",
	"\"news\"@example.org", "@a,@b:\"NEWS\"@Example.org.",
    };
    size_t  i;

    /* Forms the MTA delivers from news@example.org are news@example.org. */
    camp.senders = senders;
    for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
	msg.sender = forms[i];
	EXPECT(decide(), CM_DECISION_ALLOW, "consent", 16);
    }
    /* Not a form of a listed sender: refused as before. */
    msg.sender = "@news@example.org:other@example.org";
    EXPECT(decide(), CM_DECISION_DENY, "campaign-not-authorised", 8);
    msg.sender = "\"news \"@example.org";
    EXPECT(decide(), CM_DECISION_DENY, "campaign-not-authorised", 8);
}
END_TEST

START_TEST(test_row09_veto)
{
    msg.veto = "campaign-unauthenticated";
    EXPECT(decide(), CM_DECISION_DENY, "campaign-unauthenticated", 9);
    msg.veto = "no-opt-out-address";
    EXPECT(decide(), CM_DECISION_DENY, "no-opt-out-address", 9);
}
END_TEST

START_TEST(test_row10_service)
{
    camp.basis = CM_BASIS_SERVICE;
    EXPECT(decide(), CM_DECISION_ALLOW, "service", 10);
}
END_TEST

START_TEST(test_row11_bad_address)
{
    cm_verdict v;

    rcpt.addr_ok = 0;
    EXPECT(decide(), CM_DECISION_DENY, "bad-address", 11);

    /* No recipient facts at all: nothing could be parsed. */
    poison(&v);
    cm_policy_decide(&cfg, &msg, (const cm_rcpt_facts *) 0, 0, &v);
    EXPECT(v, CM_DECISION_DENY, "bad-address", 11);
}
END_TEST

START_TEST(test_row12_suppressed)
{
    rec.suppressed = 1;
    rec.suppressed_at = NOW - 400 * DAY;
    EXPECT(decide(), CM_DECISION_DENY, "suppressed", 12);
}
END_TEST

START_TEST(test_row13_no_consent)
{
    rec.consent = CM_CONSENT_NONE;
    rec.consent_at = 0;
    EXPECT(decide(), CM_DECISION_DENY, "no-consent", 13);
}
END_TEST

START_TEST(test_row14_withdrawn)
{
    rec.consent = CM_CONSENT_WITHDRAWN;
    EXPECT(decide(), CM_DECISION_DENY, "withdrawn", 14);
}
END_TEST

START_TEST(test_row15_expired)
{
    camp.max_age_days = 30;
    rec.consent_at = NOW - 31 * DAY;
    EXPECT(decide(), CM_DECISION_DENY, "consent-expired", 15);
}
END_TEST

START_TEST(test_row16a_future)
{
    /* A stored time more than 300 s ahead of the reader's clock. */
    rec.consent_at = NOW + 301;
    EXPECT(decide(), CM_DECISION_DENY, "consent-invalid", CM_ROW_16A);
    rec.consent_at = NOW + 20 * 365 * DAY;
    EXPECT(decide(), CM_DECISION_DENY, "consent-invalid", CM_ROW_16A);
}
END_TEST

START_TEST(test_row16_consent)
{
    EXPECT(decide(), CM_DECISION_ALLOW, "consent", 16);
    camp.max_age_days = 30;
    EXPECT(decide(), CM_DECISION_ALLOW, "consent", 16);
}
END_TEST

/*
 * The order of the rows: the first row that matches decides.
 */

START_TEST(test_order_store_error_first)
{
    char    senders[] = "someone-else@example.org";

    /* Row 1 beats row 2: not even ordinary mail passes unchecked. */
    msg.store_error = 1;
    msg.campaign = 0;
    msg.record = 0;
    EXPECT(decide(), CM_DECISION_TEMPFAIL, "store-error", 1);

    /* ... and row 3. */
    msg.bulk = 1;
    EXPECT(decide(), CM_DECISION_TEMPFAIL, "store-error", 1);

    /* ... and every campaign row, and every recipient row. */
    msg.campaign = "bad id";
    msg.campaign_bad = 1;
    EXPECT(decide(), CM_DECISION_TEMPFAIL, "store-error", 1);
    msg.campaign = "spring-2026";
    msg.campaign_bad = 0;
    msg.record = &camp;
    camp.found = 0;
    EXPECT(decide(), CM_DECISION_TEMPFAIL, "store-error", 1);
    camp.found = 1;
    camp.status = CM_STATUS_CLOSED;
    camp.senders = senders;
    camp.basis = CM_BASIS_SERVICE;
    msg.veto = "campaign-unauthenticated";
    rcpt.addr_ok = 0;
    rec.suppressed = 1;
    rec.consent = CM_CONSENT_WITHDRAWN;
    EXPECT(decide(), CM_DECISION_TEMPFAIL, "store-error", 1);
}
END_TEST

START_TEST(test_order_no_campaign_ignores_recipient)
{
    cm_verdict v;

    /* Ordinary mail passes, whatever the recipient looks like. */
    msg.campaign = 0;
    msg.record = 0;
    msg.bulk = 0;
    rcpt.addr_ok = 0;
    rec.suppressed = 1;
    rec.consent = CM_CONSENT_WITHDRAWN;
    EXPECT(decide(), CM_DECISION_PASS, (const char *) 0, 2);

    poison(&v);
    cm_policy_decide(&cfg, &msg, (const cm_rcpt_facts *) 0, 0, &v);
    EXPECT(v, CM_DECISION_PASS, (const char *) 0, 2);

    /* Unidentified bulk likewise does not look at the recipient. */
    msg.bulk = 1;
    EXPECT(decide(), CM_DECISION_DENY, "unidentified-bulk", 3);
}
END_TEST

START_TEST(test_order_no_campaign_before_campaign_rows)
{
    char    senders[] = "someone-else@example.org";

    /* A record or a veto without a campaign id is row 2/3, not 5..9. */
    msg.campaign = 0;
    camp.found = 0;
    camp.status = CM_STATUS_CLOSED;
    camp.senders = senders;
    msg.veto = "campaign-unauthenticated";
    EXPECT(decide(), CM_DECISION_PASS, (const char *) 0, 2);
    msg.bulk = 1;
    EXPECT(decide(), CM_DECISION_DENY, "unidentified-bulk", 3);
}
END_TEST

START_TEST(test_order_bad_id_beats_unknown)
{
    msg.campaign = "no spaces allowed";
    msg.record = 0;
    EXPECT(decide(), CM_DECISION_DENY, "bad-campaign-id", 4);
    msg.record = &camp;
    camp.found = 0;
    EXPECT(decide(), CM_DECISION_DENY, "bad-campaign-id", 4);
    /* Bulk does not matter once there is a campaign. */
    msg.bulk = 1;
    EXPECT(decide(), CM_DECISION_DENY, "bad-campaign-id", 4);
}
END_TEST

START_TEST(test_order_unknown_beats_status)
{
    /* An unregistered campaign's leftover fields are not consulted. */
    camp.found = 0;
    camp.status = CM_STATUS_CLOSED;
    EXPECT(decide(), CM_DECISION_DENY, "unknown-campaign", 5);
    camp.status = CM_STATUS_PAUSED;
    EXPECT(decide(), CM_DECISION_DENY, "unknown-campaign", 5);
    camp.status = CM_STATUS_ACTIVE;
    camp.basis = CM_BASIS_SERVICE;
    EXPECT(decide(), CM_DECISION_DENY, "unknown-campaign", 5);
}
END_TEST

START_TEST(test_order_closed_beats_rest)
{
    char    senders[] = "someone-else@example.org";

    /*
     * "closed" and "paused" are one field, so "closed beats paused"
     * means: closed wins over everything row 7 and later could say.
     */
    camp.status = CM_STATUS_CLOSED;
    camp.senders = senders;
    msg.veto = "campaign-unauthenticated";
    camp.basis = CM_BASIS_SERVICE;
    rcpt.addr_ok = 0;
    EXPECT(decide(), CM_DECISION_DENY, "campaign-closed", 6);
    camp.status = CM_STATUS_PAUSED;
    EXPECT(decide(), CM_DECISION_TEMPFAIL, "campaign-paused", 7);
}
END_TEST

START_TEST(test_order_paused_beats_not_authorised)
{
    char    senders[] = "someone-else@example.org";

    camp.status = CM_STATUS_PAUSED;
    camp.senders = senders;
    EXPECT(decide(), CM_DECISION_TEMPFAIL, "campaign-paused", 7);
    camp.status = CM_STATUS_ACTIVE;
    EXPECT(decide(), CM_DECISION_DENY, "campaign-not-authorised", 8);
}
END_TEST

START_TEST(test_order_not_authorised_beats_veto)
{
    char    senders[] = "someone-else@example.org";

    camp.senders = senders;
    msg.veto = "campaign-unauthenticated";
    EXPECT(decide(), CM_DECISION_DENY, "campaign-not-authorised", 8);
    msg.sender = "someone-else@example.org";
    EXPECT(decide(), CM_DECISION_DENY, "campaign-unauthenticated", 9);
}
END_TEST

START_TEST(test_order_veto_beats_service)
{
    camp.basis = CM_BASIS_SERVICE;
    msg.veto = "campaign-unauthenticated";
    EXPECT(decide(), CM_DECISION_DENY, "campaign-unauthenticated", 9);
}
END_TEST

START_TEST(test_order_service_beats_recipient)
{
    camp.basis = CM_BASIS_SERVICE;
    rcpt.addr_ok = 0;
    EXPECT(decide(), CM_DECISION_ALLOW, "service", 10);
    rcpt.addr_ok = 1;
    rec.suppressed = 1;
    EXPECT(decide(), CM_DECISION_ALLOW, "service", 10);
    rec.suppressed = 0;
    rec.consent = CM_CONSENT_WITHDRAWN;
    EXPECT(decide(), CM_DECISION_ALLOW, "service", 10);
    rec.consent = CM_CONSENT_NONE;
    EXPECT(decide(), CM_DECISION_ALLOW, "service", 10);
    /* Service mail needs no recipient lookup, so no store error either. */
    rec.store_error = 1;
    EXPECT(decide(), CM_DECISION_ALLOW, "service", 10);
}
END_TEST

START_TEST(test_order_bad_address_beats_suppression)
{
    rcpt.addr_ok = 0;
    rec.suppressed = 1;
    rec.consent = CM_CONSENT_WITHDRAWN;
    EXPECT(decide(), CM_DECISION_DENY, "bad-address", 11);
}
END_TEST

START_TEST(test_order_suppression_beats_consent)
{
    rec.suppressed = 1;
    rec.suppressed_at = NOW - 100 * DAY;
    rec.consent = CM_CONSENT_GRANTED;
    rec.consent_at = NOW - DAY;	/* newer than the suppression */
    EXPECT(decide(), CM_DECISION_DENY, "suppressed", 12);
    rec.consent = CM_CONSENT_NONE;
    EXPECT(decide(), CM_DECISION_DENY, "suppressed", 12);
    rec.consent = CM_CONSENT_WITHDRAWN;
    EXPECT(decide(), CM_DECISION_DENY, "suppressed", 12);
}
END_TEST

START_TEST(test_order_withdrawn_none)
{
    /* Withdrawn with a time is still withdrawn, never expired. */
    camp.max_age_days = 30;
    rec.consent = CM_CONSENT_WITHDRAWN;
    rec.consent_at = NOW - 365 * DAY;
    EXPECT(decide(), CM_DECISION_DENY, "withdrawn", 14);
    rec.consent_at = NOW - DAY;
    EXPECT(decide(), CM_DECISION_DENY, "withdrawn", 14);
    rec.consent = CM_CONSENT_NONE;
    rec.consent_at = 0;
    EXPECT(decide(), CM_DECISION_DENY, "no-consent", 13);
    rec.consent_at = NOW - 365 * DAY;
    EXPECT(decide(), CM_DECISION_DENY, "no-consent", 13);
}
END_TEST

START_TEST(test_expiry_needs_max_age)
{
    /* No max_age_days: consent never expires. */
    camp.max_age_days = 0;
    rec.consent_at = 1;		/* 1970 */
    EXPECT(decide(), CM_DECISION_ALLOW, "consent", 16);
    rec.consent_at = NOW - 20 * 365 * DAY;
    EXPECT(decide(), CM_DECISION_ALLOW, "consent", 16);
    /* Granted with no recorded time is fine without a maximum age. */
    rec.consent_at = 0;
    EXPECT(decide(), CM_DECISION_ALLOW, "consent", 16);

    camp.max_age_days = 365;
    rec.consent_at = NOW - 20 * 365 * DAY;
    EXPECT(decide(), CM_DECISION_DENY, "consent-expired", 15);
}
END_TEST

START_TEST(test_expiry_unknown_time)
{
    /* Consent that cannot be dated cannot be shown to be recent. */
    camp.max_age_days = 30;
    rec.consent_at = 0;
    EXPECT(decide(), CM_DECISION_DENY, "consent-expired", 15);
}
END_TEST

START_TEST(test_expiry_boundary)
{
    camp.max_age_days = 30;

    /* Exactly max_age_days old: still allowed. */
    rec.consent_at = NOW - 30 * DAY;
    EXPECT(decide(), CM_DECISION_ALLOW, "consent", 16);

    /* One second more: expired. */
    rec.consent_at = NOW - 30 * DAY - 1;
    EXPECT(decide(), CM_DECISION_DENY, "consent-expired", 15);

    /* One second less, and consent given right now. */
    rec.consent_at = NOW - 30 * DAY + 1;
    EXPECT(decide(), CM_DECISION_ALLOW, "consent", 16);
    rec.consent_at = NOW;
    EXPECT(decide(), CM_DECISION_ALLOW, "consent", 16);

    camp.max_age_days = 1;
    rec.consent_at = NOW - DAY;
    EXPECT(decide(), CM_DECISION_ALLOW, "consent", 16);
    rec.consent_at = NOW - DAY - 1;
    EXPECT(decide(), CM_DECISION_DENY, "consent-expired", 15);
}
END_TEST

START_TEST(test_future_boundary)
{
    /* Exactly 300 s ahead is clock skew: still consent. */
    rec.consent_at = NOW + 300;
    EXPECT(decide(), CM_DECISION_ALLOW, "consent", 16);
    rec.consent_at = NOW + 301;
    EXPECT(decide(), CM_DECISION_DENY, "consent-invalid", CM_ROW_16A);
}
END_TEST

START_TEST(test_consent_invalid)
{
    /*
     * Redis answered with something no writer stores: a state that is
     * neither granted nor withdrawn (left as "none"), or a grant whose
     * time is not Unix seconds. Not consent that can be shown: row 16a,
     * not row 1 (which OnError accept would let through) nor row 13.
     */
    rec.consent_invalid = 1;
    rec.consent = CM_CONSENT_NONE;
    rec.consent_at = 0;
    EXPECT(decide(), CM_DECISION_DENY, "consent-invalid", CM_ROW_16A);
    rec.consent = CM_CONSENT_GRANTED;
    EXPECT(decide(), CM_DECISION_DENY, "consent-invalid", CM_ROW_16A);
    cfg.on_error = CM_ONERR_ACCEPT;
    EXPECT(decide(), CM_DECISION_DENY, "consent-invalid", CM_ROW_16A);
    /* A withdrawal is read whatever its time says; a suppression first. */
    rec.consent = CM_CONSENT_WITHDRAWN;
    EXPECT(decide(), CM_DECISION_DENY, "withdrawn", 14);
    rec.suppressed = 1;
    EXPECT(decide(), CM_DECISION_DENY, "suppressed", 12);
}
END_TEST

START_TEST(test_future_cannot_dodge_max_age)
{
    /*
     * A far-future time never grows older than max_age_days: row 15
     * lets it pass (its age is negative), row 16a must catch it.
     */
    camp.max_age_days = 30;
    rec.consent_at = NOW + 365 * DAY;
    EXPECT(decide(), CM_DECISION_DENY, "consent-invalid", CM_ROW_16A);
    rec.consent_at = NOW + 300;
    EXPECT(decide(), CM_DECISION_ALLOW, "consent", 16);
    /* Rows before 16a still decide first. */
    rec.consent_at = NOW + 365 * DAY;
    rec.consent = CM_CONSENT_WITHDRAWN;
    EXPECT(decide(), CM_DECISION_DENY, "withdrawn", 14);
    rec.consent = CM_CONSENT_GRANTED;
    rec.suppressed = 1;
    EXPECT(decide(), CM_DECISION_DENY, "suppressed", 12);
}
END_TEST

/*
 * OnError and UnidentifiedBulk.
 */

START_TEST(test_on_error_accept)
{
    cfg.on_error = CM_ONERR_ACCEPT;
    msg.store_error = 1;
    EXPECT(decide(), CM_DECISION_ALLOW, "store-error", 1);
    msg.store_error = 0;
    rec.store_error = 1;
    EXPECT(decide(), CM_DECISION_ALLOW, "store-error", 1);
}
END_TEST

/* An unreadable campaign record is no outage: OnError accept or not. */

START_TEST(test_on_error_accept_invalid_record)
{
    cfg.on_error = CM_ONERR_ACCEPT;
    msg.store_error = 1;
    msg.store_invalid = 1;
    EXPECT(decide(), CM_DECISION_TEMPFAIL, "store-error", 1);
    cfg.on_error = CM_ONERR_TEMPFAIL;
    EXPECT(decide(), CM_DECISION_TEMPFAIL, "store-error", 1);
}
END_TEST

START_TEST(test_on_error_default)
{
    ck_assert_int_eq(cfg.on_error, CM_ONERR_TEMPFAIL);
    msg.store_error = 1;
    EXPECT(decide(), CM_DECISION_TEMPFAIL, "store-error", 1);
}
END_TEST

START_TEST(test_bulk_values)
{
    cm_verdict v;

    msg.campaign = 0;
    msg.record = 0;
    msg.bulk = 1;

    ck_assert_int_eq(cfg.unidentified_bulk, CM_BULK_REJECT);
    EXPECT(decide(), CM_DECISION_DENY, "unidentified-bulk", 3);

    cfg.unidentified_bulk = CM_BULK_TEMPFAIL;
    EXPECT(decide(), CM_DECISION_TEMPFAIL, "unidentified-bulk", 3);

    cfg.unidentified_bulk = CM_BULK_ACCEPT;
    EXPECT(decide(), CM_DECISION_ALLOW, "unidentified-bulk", 3);

    /* EXPECT() insists on tag 0; the tag value needs its own checks. */
    cfg.unidentified_bulk = CM_BULK_TAG;
    v = decide();
    ck_assert_int_eq(v.decision, CM_DECISION_ALLOW);
    ck_assert_str_eq(v.reason, "unidentified-bulk");
    ck_assert_int_eq(v.row, 3);
    ck_assert_int_eq(v.tag, 1);

    /* A later verdict in the same structure does not inherit the tag. */
    msg.campaign = "spring-2026";
    msg.record = &camp;
    cm_policy_decide(&cfg, &msg, &rcpt, &rec, &v);
    EXPECT(v, CM_DECISION_ALLOW, "consent", 16);

    /* UnidentifiedBulk plays no part in ordinary mail. */
    msg.campaign = 0;
    msg.bulk = 0;
    cm_policy_decide(&cfg, &msg, &rcpt, &rec, &v);
    EXPECT(v, CM_DECISION_PASS, (const char *) 0, 2);
}
END_TEST

/*
 * The senders list.
 */

START_TEST(test_sender_listed)
{
    ck_assert_int_eq(cm_policy_sender_listed("a@example.org", "a@example.org"), 1);
    ck_assert_int_eq(cm_policy_sender_listed("a@example.org,b@example.org",
					     "b@example.org"), 1);

    /* Case-insensitive. */
    ck_assert_int_eq(cm_policy_sender_listed("News@Example.ORG",
					     "news@example.org"), 1);
    ck_assert_int_eq(cm_policy_sender_listed("news@example.org",
					     "NEWS@EXAMPLE.ORG"), 1);

    /* White space around items, empty items. */
    ck_assert_int_eq(cm_policy_sender_listed(" a@example.org ,  b@example.org  ",
					     "b@example.org"), 1);
    ck_assert_int_eq(cm_policy_sender_listed(" a@example.org ,  b@example.org  ",
					     "a@example.org"), 1);
    ck_assert_int_eq(cm_policy_sender_listed("\ta@example.org\t,\tmailer\t",
					     "mailer"), 1);
    ck_assert_int_eq(cm_policy_sender_listed(",,a@example.org,, ,mailer,",
					     "mailer"), 1);

    /* Whole items only: no prefix, suffix or substring matches. */
    ck_assert_int_eq(cm_policy_sender_listed("a@example.org", "a@example.or"), 0);
    ck_assert_int_eq(cm_policy_sender_listed("a@example.org", "xa@example.org"), 0);
    ck_assert_int_eq(cm_policy_sender_listed("a@example.org", "a@example.org.uk"), 0);
    ck_assert_int_eq(cm_policy_sender_listed("a@example.org,b@example.org",
					     "a@example.org,b@example.org"), 0);
    ck_assert_int_eq(cm_policy_sender_listed("mail er", "mail"), 0);

    /* Nothing, and nobody. */
    ck_assert_int_eq(cm_policy_sender_listed((const char *) 0, "a@example.org"), 0);
    ck_assert_int_eq(cm_policy_sender_listed("a@example.org", (const char *) 0), 0);
    ck_assert_int_eq(cm_policy_sender_listed("a@example.org", ""), 0);
    ck_assert_int_eq(cm_policy_sender_listed("", "a@example.org"), 0);
    ck_assert_int_eq(cm_policy_sender_listed(" , ,", "a@example.org"), 0);
    /* An empty item never matches the null sender. */
    ck_assert_int_eq(cm_policy_sender_listed("a@example.org,,", ""), 0);
}
END_TEST

START_TEST(test_senders_in_policy)
{
    char    senders[] = " crm@example.org , Mailer-Login ";

    camp.senders = senders;

    /* Neither sender nor login listed. */
    msg.sender = "news@example.org";
    msg.auth = 0;
    EXPECT(decide(), CM_DECISION_DENY, "campaign-not-authorised", 8);
    msg.auth = "";
    EXPECT(decide(), CM_DECISION_DENY, "campaign-not-authorised", 8);
    msg.auth = "someone";
    EXPECT(decide(), CM_DECISION_DENY, "campaign-not-authorised", 8);

    /* The envelope sender is listed (any case). */
    msg.sender = "CRM@example.org";
    msg.auth = 0;
    EXPECT(decide(), CM_DECISION_ALLOW, "consent", 16);
    msg.auth = "";
    EXPECT(decide(), CM_DECISION_ALLOW, "consent", 16);

    /* The SASL login is listed (any case), the sender is not. */
    msg.sender = "news@example.org";
    msg.auth = "mailer-login";
    EXPECT(decide(), CM_DECISION_ALLOW, "consent", 16);

    /* The null sender with a listed login. */
    msg.sender = "";
    EXPECT(decide(), CM_DECISION_ALLOW, "consent", 16);
    msg.auth = 0;
    EXPECT(decide(), CM_DECISION_DENY, "campaign-not-authorised", 8);

    /* No senders list: anyone may use the campaign. */
    camp.senders = 0;
    EXPECT(decide(), CM_DECISION_ALLOW, "consent", 16);
}
END_TEST

START_TEST(test_campaign_bad_flag)
{
    /* The caller says malformed (e.g. cut off): row 4 whatever the id. */
    msg.campaign = "spring-2026";
    msg.campaign_bad = 1;
    EXPECT(decide(), CM_DECISION_DENY, "bad-campaign-id", 4);
    camp.basis = CM_BASIS_SERVICE;
    EXPECT(decide(), CM_DECISION_DENY, "bad-campaign-id", 4);
}
END_TEST

/*
 * cm_policy_message().
 */

/* message_decides - check that the message rows decide, like the table */

static void message_decides(cm_decision decision, const char *reason, int row)
{
    cm_verdict v;
    cm_verdict w;

    poison(&v);
    ck_assert_int_eq(cm_policy_message(&cfg, &msg, &v), 1);
    ck_assert_int_eq(v.decision, decision);
    if (reason == 0)
	ck_assert_ptr_null(v.reason);
    else
	ck_assert_str_eq(v.reason, reason);
    ck_assert_int_eq(v.row, row);

    /* The whole table agrees, with or without recipient facts. */
    poison(&w);
    cm_policy_decide(&cfg, &msg, (const cm_rcpt_facts *) 0, 0, &w);
    ck_assert_int_eq(w.decision, v.decision);
    ck_assert_ptr_eq(w.reason, v.reason);
    ck_assert_int_eq(w.row, v.row);
    ck_assert_int_eq(w.tag, v.tag);
    poison(&w);
    cm_policy_decide(&cfg, &msg, &rcpt, &rec, &w);
    ck_assert_int_eq(w.row, v.row);
}

START_TEST(test_message_rows)
{
    char    senders[] = "crm@example.org";

    msg.store_error = 1;
    message_decides(CM_DECISION_TEMPFAIL, "store-error", 1);
    msg.store_error = 0;

    msg.campaign = 0;
    message_decides(CM_DECISION_PASS, (const char *) 0, 2);
    msg.bulk = 1;
    message_decides(CM_DECISION_DENY, "unidentified-bulk", 3);
    msg.bulk = 0;
    msg.campaign = "spring-2026";

    msg.campaign_bad = 1;
    message_decides(CM_DECISION_DENY, "bad-campaign-id", 4);
    msg.campaign_bad = 0;

    camp.found = 0;
    message_decides(CM_DECISION_DENY, "unknown-campaign", 5);
    camp.found = 1;

    camp.status = CM_STATUS_CLOSED;
    message_decides(CM_DECISION_DENY, "campaign-closed", 6);
    camp.status = CM_STATUS_PAUSED;
    message_decides(CM_DECISION_TEMPFAIL, "campaign-paused", 7);
    camp.status = CM_STATUS_ACTIVE;

    camp.senders = senders;
    message_decides(CM_DECISION_DENY, "campaign-not-authorised", 8);
    camp.senders = 0;

    msg.veto = "no-one-click";
    message_decides(CM_DECISION_DENY, "no-one-click", 9);
    msg.veto = 0;

    camp.basis = CM_BASIS_SERVICE;
    message_decides(CM_DECISION_ALLOW, "service", 10);
}
END_TEST

START_TEST(test_message_needs_recipient)
{
    cm_verdict v;
    char    senders[] = "crm@example.org";

    /* A consent campaign that passes rows 1 to 10: look up recipients. */
    poison(&v);
    ck_assert_int_eq(cm_policy_message(&cfg, &msg, &v), 0);

    /* Whatever the campaign's maximum age or a listed sender. */
    camp.max_age_days = 30;
    camp.senders = senders;
    msg.sender = "crm@example.org";
    ck_assert_int_eq(cm_policy_message(&cfg, &msg, &v), 0);

    /* Bulk mail with a campaign is judged by the campaign. */
    msg.bulk = 1;
    ck_assert_int_eq(cm_policy_message(&cfg, &msg, &v), 0);

    /* ... under every OnError and UnidentifiedBulk setting. */
    cfg.on_error = CM_ONERR_ACCEPT;
    cfg.unidentified_bulk = CM_BULK_TAG;
    ck_assert_int_eq(cm_policy_message(&cfg, &msg, &v), 0);
}
END_TEST

START_TEST(test_rcpt_store_error)
{
    /* A recipient whose records could not be read: row 1 again. */
    rec.store_error = 1;
    EXPECT(decide(), CM_DECISION_TEMPFAIL, "store-error", 1);

    /*
     * It beats every recipient row that could follow, but for a
     * suppression that was read: nothing about consent can change
     * row 12, and OnError accept must not let the person's mail
     * through (nor the default hold everybody's).
     */
    rec.suppressed = 1;
    EXPECT(decide(), CM_DECISION_DENY, "suppressed", 12);
    cfg.on_error = CM_ONERR_ACCEPT;
    EXPECT(decide(), CM_DECISION_DENY, "suppressed", 12);
    cfg.on_error = CM_ONERR_TEMPFAIL;
    rec.suppressed = 0;
    rec.consent = CM_CONSENT_NONE;
    EXPECT(decide(), CM_DECISION_TEMPFAIL, "store-error", 1);
    rec.consent = CM_CONSENT_WITHDRAWN;
    EXPECT(decide(), CM_DECISION_TEMPFAIL, "store-error", 1);
    rec.consent = CM_CONSENT_GRANTED;
    camp.max_age_days = 30;
    rec.consent_at = 0;
    EXPECT(decide(), CM_DECISION_TEMPFAIL, "store-error", 1);
}
END_TEST

/*
 * Names and cleanup.
 */

START_TEST(test_names)
{
    ck_assert_str_eq(cm_decision_name(CM_DECISION_PASS), "pass");
    ck_assert_str_eq(cm_decision_name(CM_DECISION_ALLOW), "allow");
    ck_assert_str_eq(cm_decision_name(CM_DECISION_DENY), "deny");
    ck_assert_str_eq(cm_decision_name(CM_DECISION_TEMPFAIL), "tempfail");
    ck_assert_str_eq(cm_basis_name(CM_BASIS_CONSENT), "consent");
    ck_assert_str_eq(cm_basis_name(CM_BASIS_SERVICE), "service");
}
END_TEST

/* policy_suite - collect the test cases */

static Suite *policy_suite(void)
{
    Suite  *s = suite_create("policy");
    TCase  *tc;

    tc = tcase_create("rows");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_row01_store_error);
    tcase_add_test(tc, test_row02_no_campaign_not_bulk);
    tcase_add_test(tc, test_row03_no_campaign_bulk);
    tcase_add_test(tc, test_row04_bad_campaign_id);
    tcase_add_test(tc, test_row05_unknown_campaign);
    tcase_add_test(tc, test_row06_campaign_closed);
    tcase_add_test(tc, test_row07_campaign_paused);
    tcase_add_test(tc, test_row08_not_authorised);
    tcase_add_test(tc, test_row08_sender_forms);
    tcase_add_test(tc, test_row09_veto);
    tcase_add_test(tc, test_row10_service);
    tcase_add_test(tc, test_row11_bad_address);
    tcase_add_test(tc, test_row12_suppressed);
    tcase_add_test(tc, test_row13_no_consent);
    tcase_add_test(tc, test_row14_withdrawn);
    tcase_add_test(tc, test_row15_expired);
    tcase_add_test(tc, test_row16a_future);
    tcase_add_test(tc, test_row16_consent);
    suite_add_tcase(s, tc);

    tc = tcase_create("order");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_order_store_error_first);
    tcase_add_test(tc, test_order_no_campaign_ignores_recipient);
    tcase_add_test(tc, test_order_no_campaign_before_campaign_rows);
    tcase_add_test(tc, test_order_bad_id_beats_unknown);
    tcase_add_test(tc, test_order_unknown_beats_status);
    tcase_add_test(tc, test_order_closed_beats_rest);
    tcase_add_test(tc, test_order_paused_beats_not_authorised);
    tcase_add_test(tc, test_order_not_authorised_beats_veto);
    tcase_add_test(tc, test_order_veto_beats_service);
    tcase_add_test(tc, test_order_service_beats_recipient);
    tcase_add_test(tc, test_order_bad_address_beats_suppression);
    tcase_add_test(tc, test_order_suppression_beats_consent);
    tcase_add_test(tc, test_order_withdrawn_none);
    tcase_add_test(tc, test_expiry_needs_max_age);
    tcase_add_test(tc, test_expiry_unknown_time);
    tcase_add_test(tc, test_expiry_boundary);
    tcase_add_test(tc, test_future_boundary);
    tcase_add_test(tc, test_future_cannot_dodge_max_age);
    tcase_add_test(tc, test_consent_invalid);
    suite_add_tcase(s, tc);

    tc = tcase_create("settings");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_on_error_default);
    tcase_add_test(tc, test_on_error_accept);
    tcase_add_test(tc, test_on_error_accept_invalid_record);
    tcase_add_test(tc, test_bulk_values);
    suite_add_tcase(s, tc);

    tc = tcase_create("senders");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_sender_listed);
    tcase_add_test(tc, test_senders_in_policy);
    tcase_add_test(tc, test_campaign_bad_flag);
    suite_add_tcase(s, tc);

    tc = tcase_create("message");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_message_rows);
    tcase_add_test(tc, test_message_needs_recipient);
    tcase_add_test(tc, test_rcpt_store_error);
    suite_add_tcase(s, tc);

    tc = tcase_create("misc");
    tcase_add_test(tc, test_names);
    suite_add_tcase(s, tc);
    return (s);
}

int     main(void)
{
    SRunner *sr = srunner_create(policy_suite());
    int     failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}
