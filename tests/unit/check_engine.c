/*++
/* NAME
/*	check_engine 1
/* SUMMARY
/*	engine tests: SMTP replies and actions, with a real Redis
/* DESCRIPTION
/*	The engine is driven as libmilter would drive it, with a recording
/*	MTA (mta_record.c) instead of libmilter, against the redis-server
/*	that tests/lib/redis.sh started ($CM_TEST_REDIS_SOCK). This is
/*	where the exact RCPT-stage reply texts are checked: miltertest
/*	cannot read them (DESIGN.md section 13). The recording MTA can
/*	fail any call: each failure at end of message must defer the
/*	message with records that say so (DESIGN.md section 7).
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "engine.h"
#include "jsonread.h"
#include "log.h"
#include "mta_record.h"

static cm_config cfg;
static cm_engine eng;
static mta_record mta;
static char audit_path[256];

/* redis_do - run one seeding command */

static void redis_do(redisContext *c, const char *fmt, const char *a,
		             const char *b, const char *d)
{
    redisReply *r = redisCommand(c, fmt, a, b, d);

    ck_assert_ptr_nonnull(r);
    freeReplyObject(r);
}

/* setup - configuration, store, audit file, sample records */

static void setup(void)
{
    const char *sock = getenv("CM_TEST_REDIS_SOCK");
    const char *tmp = getenv("CM_TEST_TMPDIR");
    char    text[512];
    char    err[512];
    char    now[32];
    redisContext *c;

    ck_assert_msg(sock != 0 && tmp != 0, "run me under tests/lib/redis.sh");
    (void) snprintf(audit_path, sizeof(audit_path), "%s/engine-audit.log", tmp);
    (void) unlink(audit_path);
    (void) snprintf(text, sizeof(text), "Redis unix:%s\nAuditLog %s\n",
		    sock, audit_path);
    cm_config_init(&cfg);
    ck_assert_int_eq(cm_config_parse(&cfg, "test.conf", text, err,
				     sizeof(err)), 0);
    memset(&eng, 0, sizeof(eng));
    eng.cfg = &cfg;
    eng.ops = &mta_record_ops;
    eng.store = cm_store_create(&cfg, err, sizeof(err));
    ck_assert_ptr_nonnull(eng.store);
    eng.audit = cm_audit_open(cfg.audit_log, 0, err, sizeof(err));
    ck_assert_ptr_nonnull(eng.audit);
    memset(&mta, 0, sizeof(mta));

    c = redisConnectUnix(sock);
    ck_assert(c != 0 && c->err == 0);
    redis_do(c, "FLUSHALL%s%s%s", "", "", "");
    redis_do(c, "HSET cm:campaign:spring purpose %s status %s%s",
	     "newsletter", "active", "");
    redis_do(c, "HSET cm:campaign:paused1 purpose %s status %s%s",
	     "newsletter", "paused", "");
    redis_do(c, "SET cm:sender:news@org.example %s%s%s", "spring", "", "");
    redis_do(c, "SET cm:sender:paused@org.example %s%s%s", "paused1", "", "");
    (void) snprintf(now, sizeof(now), "%ld", (long) time(0));
    redis_do(c, "HSET cm:consent:alice@example.org newsletter %s "
	     "newsletter:at %s newsletter:src %s", "granted", now, "form");
    redis_do(c, "HSET cm:consent:bob@example.org newsletter %s "
	     "newsletter:at %s newsletter:src %s", "withdrawn", now, "link");
    redis_do(c, "HSET cm:consent:100%%@example.org newsletter %s%s%s",
	     "withdrawn", "", "");
    redisFree(c);
}

static void teardown(void)
{
    cm_audit_close(eng.audit);
    cm_store_destroy(eng.store);
    cm_config_free(&cfg);
    mta_record_reset(&mta);
}

/* audit_text - the whole audit file */

static char *audit_text(void)
{
    static char buf[65536];
    FILE   *fp = fopen(audit_path, "r");
    size_t  n = 0;

    if (fp != 0) {
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	(void) fclose(fp);
    }
    buf[n] = 0;
    return (buf);
}

START_TEST(rcpt_withdrawn_550)
{
    cm_session *s = cm_session_new(&eng, 0);

    ck_assert_int_eq(cm_on_mail(s, &mta, "<news@org.example>", 0),
		     CM_REPLY_CONTINUE);
    ck_assert_int_eq(cm_on_rcpt(s, &mta, "<alice@example.org>"),
		     CM_REPLY_CONTINUE);
    ck_assert_str_eq(mta.rcode, "");
    ck_assert_int_eq(cm_on_rcpt(s, &mta, "<Bob@Example.ORG>"),
		     CM_REPLY_REJECT);
    ck_assert_str_eq(mta.rcode, "550");
    ck_assert_str_eq(mta.xcode, "5.7.1");
    ck_assert_str_eq(mta.text,
		     "<bob@example.org>: not sent: withdrawn (campaign spring)");
    ck_assert_ptr_nonnull(strstr(audit_text(),
				 "\"rcpt\":\"bob@example.org\",\"decision\":"
			       "\"deny\",\"reason\":\"withdrawn\",\"action\":"
				 "\"reject\",\"mode\":\"enforce\""));
    mta.qid = "Q1";
    ck_assert_int_eq(cm_on_eom(s, &mta), CM_REPLY_ACCEPT);
    ck_assert_int_eq(mta.nheaders, 1);
    /* ConsentHeader campaign, the default: no counts for the recipients. */
    ck_assert_str_eq(mta.headers[0], "X-Consent-Milter: campaign=spring; "
		     "mode=enforce");
    ck_assert_int_eq(mta.ndeleted, 0);
    cm_session_free(s);
}
END_TEST

START_TEST(rcpt_percent_doubled)
{
    cm_session *s = cm_session_new(&eng, 0);

    (void) cm_on_mail(s, &mta, "<news@org.example>", 0);
    ck_assert_int_eq(cm_on_rcpt(s, &mta, "<100%@example.org>"),
		     CM_REPLY_REJECT);
    ck_assert_str_eq(mta.text,
		 "<100%%@example.org>: not sent: withdrawn (campaign spring)");
    cm_session_free(s);
}
END_TEST

START_TEST(rcpt_paused_451)
{
    cm_session *s = cm_session_new(&eng, 0);

    (void) cm_on_mail(s, &mta, "<paused@org.example>", 0);
    ck_assert_int_eq(cm_on_rcpt(s, &mta, "<alice@example.org>"),
		     CM_REPLY_TEMPFAIL);
    ck_assert_str_eq(mta.rcode, "451");
    ck_assert_str_eq(mta.xcode, "4.7.1");
    ck_assert_str_eq(mta.text, "<alice@example.org>: not sent: "
		     "campaign-paused (campaign paused1)");
    cm_session_free(s);
}
END_TEST

START_TEST(rcpt_deny_tempfail_451)
{
    cm_session *s = cm_session_new(&eng, 0);

    cfg.deny_action = CM_DENY_TEMPFAIL;
    (void) cm_on_mail(s, &mta, "<news@org.example>", 0);
    ck_assert_int_eq(cm_on_rcpt(s, &mta, "<bob@example.org>"),
		     CM_REPLY_TEMPFAIL);
    ck_assert_str_eq(mta.rcode, "451");
    ck_assert_str_eq(mta.text,
		     "<bob@example.org>: not sent: withdrawn (campaign spring)");
    cm_session_free(s);
}
END_TEST

START_TEST(store_down_at_mail)
{
    cm_session *s;
    char    err[256];

    /* A store that points nowhere: every lookup fails. */
    cm_store_destroy(eng.store);
    free(cfg.redis_path);
    cfg.redis_path = strdup("/nonexistent/redis.sock");
    eng.store = cm_store_create(&cfg, err, sizeof(err));
    s = cm_session_new(&eng, 0);
    ck_assert_int_eq(cm_on_mail(s, &mta, "<news@org.example>", 0),
		     CM_REPLY_TEMPFAIL);
    ck_assert_str_eq(mta.rcode, "451");
    ck_assert_str_eq(mta.xcode, "4.7.1");
    ck_assert_str_eq(mta.text, "not sent: store-error (consent store "
		     "unavailable, try again later)");
    ck_assert_ptr_nonnull(strstr(audit_text(), "\"rcpt\":null,\"decision\":"
				 "\"tempfail\",\"reason\":\"store-error\""));
    cm_session_free(s);
}
END_TEST

/* Psender: values that are no campaign id: each must be row 4. */
static const struct {
    const char *value;
    size_t  len;
} bad_map[] = {
    {"", 0},
    {"spr\0ing", 7},
    {"bad id!", 7},
    {0, 200},				/* 200 x: too long */
};

START_TEST(sender_map_bad_id)
{
    cm_session *s = cm_session_new(&eng, _i == 0);
    char    big[200];
    redisContext *c = redisConnectUnix(getenv("CM_TEST_REDIS_SOCK"));
    redisReply *r;

    /*
     * An empty (or otherwise bad) mapping is no "no mapping": it once
     * switched the check off (RCPT continued, end of message accepted,
     * no audit line). _i 0 also takes the sendmail-command path.
     */
    memset(big, 'x', sizeof(big));
    r = redisCommand(c, "SET cm:sender:odd@org.example %b", bad_map[_i].value
		     ? bad_map[_i].value : big, bad_map[_i].len);
    ck_assert(r != 0 && r->type != REDIS_REPLY_ERROR);
    freeReplyObject(r);
    redisFree(c);
    ck_assert_int_eq(cm_on_mail(s, &mta, "<odd@org.example>", 0),
		     CM_REPLY_CONTINUE);
    if (_i == 0) {
	ck_assert_int_eq(cm_on_rcpt(s, &mta, "<alice@example.org>"),
			 CM_REPLY_CONTINUE);
	mta.qid = "QB";
	ck_assert_int_eq(cm_on_eom(s, &mta), CM_REPLY_REJECT);
    } else {
	ck_assert_int_eq(cm_on_rcpt(s, &mta, "<alice@example.org>"),
			 CM_REPLY_REJECT);
	ck_assert_str_eq(mta.rcode, "550");
    }
    ck_assert_ptr_nonnull(strstr(mta.text, ": not sent: bad-campaign-id"));
    ck_assert_ptr_nonnull(strstr(audit_text(), "\"reason\":\"bad-campaign-id\""));
    cm_session_free(s);
}
END_TEST

START_TEST(header_strip_exact_raw)
{
    cm_session *s = cm_session_new(&eng, 0);

    (void) cm_on_mail(s, &mta, "<campaigns@org.example>", 0);
    ck_assert_int_eq(cm_on_rcpt(s, &mta, "<alice@example.org>"),
		     CM_REPLY_CONTINUE);
    ck_assert_int_eq(cm_on_rcpt(s, &mta, "<BOB@example.org>"),
		     CM_REPLY_CONTINUE);
    cm_on_header(s, &mta, "X-Campaign-ID", "spring");
    mta.qid = "Q2";
    ck_assert_int_eq(cm_on_eom(s, &mta), CM_REPLY_ACCEPT);
    ck_assert_int_eq(mta.ndeleted, 1);
    ck_assert_str_eq(mta.deleted[0], "<BOB@example.org>");
    ck_assert_ptr_nonnull(strstr(audit_text(), "\"qid\":\"Q2\""));
    cm_session_free(s);
}
END_TEST

START_TEST(session_reuse_no_stale_state)
{
    cm_session *s = cm_session_new(&eng, 0);

    /* A campaign message, then an ordinary one on the same connection. */
    (void) cm_on_mail(s, &mta, "<news@org.example>", 0);
    (void) cm_on_rcpt(s, &mta, "<alice@example.org>");
    cm_on_header(s, &mta, "X-Campaign-ID", "spring");
    ck_assert_int_eq(cm_on_eom(s, &mta), CM_REPLY_ACCEPT);
    mta_record_reset(&mta);
    ck_assert_int_eq(cm_on_mail(s, &mta, "<someone@org.example>", 0),
		     CM_REPLY_CONTINUE);
    ck_assert_int_eq(cm_on_rcpt(s, &mta, "<bob@example.org>"),
		     CM_REPLY_CONTINUE);
    ck_assert_int_eq(cm_on_eom(s, &mta), CM_REPLY_ACCEPT);
    ck_assert_int_eq(mta.nheaders, 0);
    cm_session_abort(s);
    cm_session_free(s);
}
END_TEST

START_TEST(header_64k_campaign)
{
    cm_session *s = cm_session_new(&eng, 0);
    char   *big = malloc(65536 + 1);

    /* A 64 KiB campaign header: malformed, cut in the log, no crash. */
    memset(big, 's', 65536);
    big[65536] = 0;
    (void) cm_on_mail(s, &mta, "<campaigns@org.example>", 0);
    (void) cm_on_rcpt(s, &mta, "<alice@example.org>");
    cm_on_header(s, &mta, "X-Campaign-ID", big);
    mta.qid = "Q64";
    ck_assert_int_eq(cm_on_eom(s, &mta), CM_REPLY_REJECT);
    ck_assert_str_eq(mta.rcode, "550");
    ck_assert_ptr_nonnull(strstr(mta.text, ": not sent: bad-campaign-id"));
    ck_assert_uint_lt(strlen(mta.text), 400);
    ck_assert_ptr_nonnull(strstr(audit_text(), "\"reason\":\"bad-campaign-id\""));
    free(big);
    cm_session_free(s);
}
END_TEST

START_TEST(header_block_1mib)
{
    cm_session *s = cm_session_new(&eng, 0);
    char    line[1025];
    int     i;

    /*
     * 1 MiB of header (default MaxHeaderBytes 256 KiB), the campaign
     * header last, where nobody looks any more: refused, not passed.
     */
    memset(line, 'x', 1024);
    line[1024] = 0;
    (void) cm_on_mail(s, &mta, "<campaigns@org.example>", 0);
    (void) cm_on_rcpt(s, &mta, "<alice@example.org>");
    for (i = 0; i < 1024; i++)
	cm_on_header(s, &mta, "X-Filler", line);
    cm_on_header(s, &mta, "X-Campaign-ID", "spring");
    mta.qid = "Q1M";
    ck_assert_int_eq(cm_on_eom(s, &mta), CM_REPLY_REJECT);
    ck_assert_str_eq(mta.rcode, "550");
    ck_assert_str_eq(mta.text, "<alice@example.org>: not sent: "
		     "header-too-large (no campaign)");
    ck_assert_ptr_nonnull(strstr(audit_text(), "\"qid\":\"Q1M\""));
    ck_assert_ptr_nonnull(strstr(audit_text(), "\"reason\":\"header-too-large\""));
    cm_session_free(s);
}
END_TEST

/*
 * Odd and hostile recipients at RCPT time (envelope campaign "spring"):
 * the exact reply and the recipient as the audit line names it. The
 * 322-byte address is too long for the contract (320), so it is never
 * looked up; a NUL cannot reach the engine (the milter protocol ends an
 * argument there), see check_address for the parser's answer to one.
 */
static const struct hostile {
    const char *what;
    const char *rcpt;			/* as the MTA hands it over */
    cm_reply reply;
    const char *text;			/* NULL: no reply text set */
    const char *logged;			/* "rcpt":... in the audit line */
    const char *reason;
} hostile[] = {
    {"upper case", "<ALICE@EXAMPLE.ORG>", CM_REPLY_CONTINUE, 0, 0, 0},
    {"quoted local part", "<\"John Smith\"@Example.org>", CM_REPLY_REJECT,
	"<\"john smith\"@example.org>: not sent: no-consent (campaign spring)",
	"\"rcpt\":\"\\\"john smith\\\"@example.org\"", "no-consent"},
    {"IP literal", "<user@[192.0.2.1]>", CM_REPLY_REJECT,
	"<user@[192.0.2.1]>: not sent: no-consent (campaign spring)",
	"\"rcpt\":\"user@[192.0.2.1]\"", "no-consent"},
    {"IPv6 literal", "<user@[IPv6:2001:DB8::1]>", CM_REPLY_REJECT,
	"<user@[ipv6:2001:db8::1]>: not sent: no-consent (campaign spring)",
	"\"rcpt\":\"user@[ipv6:2001:db8::1]\"", "no-consent"},
    {"SMTPUTF8", "<J\xc3\xb6rg@B\xc3\xbc" "cher.example>", CM_REPLY_REJECT,
	"<j??rg@b??cher.example>: not sent: no-consent (campaign spring)",
	"\"rcpt\":\"j\xc3\xb6rg@b\xc3\xbc" "cher.example\"", "no-consent"},
    {"control byte", "<a\001b@example.org>", CM_REPLY_REJECT,
	"<a?b@example.org>: not sent: bad-address (campaign spring)",
	"\"rcpt\":\"<a\\u0001b@example.org>\"", "bad-address"},
    {"empty", "<>", CM_REPLY_REJECT,
	"<>: not sent: bad-address (campaign spring)",
	"\"rcpt\":\"<>\"", "bad-address"},
    {"no domain", "<alice@>", CM_REPLY_REJECT,
	"<alice@>: not sent: bad-address (campaign spring)",
	"\"rcpt\":\"<alice@>\"", "bad-address"},
};

START_TEST(rcpt_hostile_exact)
{
    const struct hostile *h = hostile + _i;
    cm_session *s = cm_session_new(&eng, 0);
    cm_reply got;

    ck_assert_int_eq(cm_on_mail(s, &mta, "<news@org.example>", 0),
		     CM_REPLY_CONTINUE);
    got = cm_on_rcpt(s, &mta, h->rcpt);
    ck_assert_msg(got == h->reply, "%s: reply %d, want %d", h->what,
		  (int) got, (int) h->reply);
    if (h->text == 0) {
	ck_assert_str_eq(mta.rcode, "");
    } else {
	ck_assert_str_eq(mta.rcode, "550");
	ck_assert_str_eq(mta.xcode, "5.7.1");
	ck_assert_str_eq(mta.text, h->text);
	ck_assert_msg(strstr(audit_text(), h->logged) != 0,
		      "%s: audit line lacks %s: %s", h->what, h->logged,
		      audit_text());
	ck_assert_ptr_nonnull(strstr(audit_text(), h->reason));
    }
    cm_session_free(s);
}
END_TEST

START_TEST(rcpt_too_long_322)
{
    cm_session *s = cm_session_new(&eng, 0);
    char    rcpt[400];
    char    want[400];

    /* 310 + "@example.org" = 322 bytes: over the 320 of the contract. */
    rcpt[0] = '<';
    memset(rcpt + 1, 'x', 310);
    strcpy(rcpt + 311, "@example.org>");
    (void) cm_on_mail(s, &mta, "<news@org.example>", 0);
    ck_assert_int_eq(cm_on_rcpt(s, &mta, rcpt), CM_REPLY_REJECT);
    ck_assert_str_eq(mta.rcode, "550");
    /* The echo of an address stops at 256 bytes, marked "...". */
    want[0] = '<';
    memset(want + 1, 'x', 256);
    strcpy(want + 257, "...>: not sent: bad-address (campaign spring)");
    ck_assert_str_eq(mta.text, want);
    ck_assert_ptr_nonnull(strstr(audit_text(), "\"reason\":\"bad-address\""));
    cm_session_free(s);
}
END_TEST

START_TEST(too_many_recipients_452)
{
    cm_session *s = cm_session_new(&eng, 0);

    cfg.max_recipients = 2;
    (void) cm_on_mail(s, &mta, "<news@org.example>", 0);
    ck_assert_int_eq(cm_on_rcpt(s, &mta, "<alice@example.org>"),
		     CM_REPLY_CONTINUE);
    ck_assert_int_eq(cm_on_rcpt(s, &mta, "<carol@example.org>"),
		     CM_REPLY_REJECT);
    ck_assert_int_eq(cm_on_rcpt(s, &mta, "<dave@example.org>"),
		     CM_REPLY_TEMPFAIL);
    ck_assert_str_eq(mta.rcode, "452");
    ck_assert_str_eq(mta.xcode, "4.5.3");
    ck_assert_str_eq(mta.text, "<dave@example.org>: not sent: "
		     "too-many-recipients (campaign spring)");
    ck_assert_ptr_nonnull(strstr(audit_text(), "\"rcpt\":\"dave@example.org\","
				 "\"decision\":\"tempfail\",\"reason\":"
				 "\"too-many-recipients\""));
    mta.qid = "Q2";
    cfg.consent_header = CM_CHDR_FULL;	/* the counts, for the sender */
    ck_assert_int_eq(cm_on_eom(s, &mta), CM_REPLY_ACCEPT);
    ck_assert_str_eq(mta.headers[0], "X-Consent-Milter: campaign=spring; "
		     "allowed=1; denied=1; mode=enforce");
    cm_session_free(s);
}
END_TEST

START_TEST(too_many_recipients_non_smtp)
{
    cm_session *s = cm_session_new(&eng, 1);

    /* The sendmail-command path may not refuse RCPT: the message waits. */
    cfg.max_recipients = 1;
    (void) cm_on_mail(s, &mta, "<news@org.example>", 0);
    ck_assert_int_eq(cm_on_rcpt(s, &mta, "<alice@example.org>"),
		     CM_REPLY_CONTINUE);
    ck_assert_int_eq(cm_on_rcpt(s, &mta, "<carol@example.org>"),
		     CM_REPLY_CONTINUE);
    ck_assert_int_eq(cm_on_eom(s, &mta), CM_REPLY_TEMPFAIL);
    ck_assert_str_eq(mta.rcode, "451");
    ck_assert_str_eq(mta.text, "<alice@example.org>: not sent: "
		     "too-many-recipients (campaign spring)");
    cm_session_free(s);
}
END_TEST

START_TEST(too_many_recipients_count_as_bulk)
{
    cm_session *s = cm_session_new(&eng, 0);
    int     i;
    static const char *const rcpts[] = {
	"<alice@example.org>", "<bob@example.org>", "<carol@example.org>",
	"<dave@example.org>",
    };

    /*
     * More recipients than BulkThreshold, with MaxRecipients below it:
     * those refused with 452 count too, or no message of an unmapped
     * sender would ever look like bulk.
     */
    cfg.max_recipients = 2;
    cfg.bulk_threshold = 3;
    cfg.unidentified_bulk = CM_BULK_REJECT;
    (void) cm_on_mail(s, &mta, "<nobody@org.example>", 0);
    for (i = 0; i < 4; i++)
	(void) cm_on_rcpt(s, &mta, rcpts[i]);
    mta.qid = "QB";
    ck_assert_int_ne(cm_on_eom(s, &mta), CM_REPLY_ACCEPT);
    ck_assert_ptr_nonnull(strstr(audit_text(),
				 "\"reason\":\"unidentified-bulk\""));
    cm_session_free(s);
}
END_TEST

START_TEST(bulk_tag_without_consent_header)
{
    cm_session *s = cm_session_new(&eng, 0);

    /*
     * UnidentifiedBulk tag with ConsentHeader none: the trail says
     * "tag", so the message carries the mark all the same.
     */
    cfg.unidentified_bulk = CM_BULK_TAG;
    cfg.consent_header = CM_CHDR_NONE;
    (void) cm_on_mail(s, &mta, "<nobody@org.example>", 0);
    (void) cm_on_rcpt(s, &mta, "<alice@example.org>");
    (void) cm_on_header(s, &mta, "List-Unsubscribe", "<mailto:u@org.example>");
    (void) cm_on_eoh(s, &mta);
    mta.qid = "QT";
    ck_assert_int_eq(cm_on_eom(s, &mta), CM_REPLY_ACCEPT);
    ck_assert_ptr_nonnull(strstr(audit_text(), "\"action\":\"tag\""));
    ck_assert_ptr_nonnull(mta.headers[0]);
    ck_assert_str_eq(mta.headers[0], "X-Consent-Milter: campaign=none; "
		     "mode=enforce");
    cm_session_free(s);
}
END_TEST

START_TEST(consent_header_invalid_campaign)
{
    cm_session *s = cm_session_new(&eng, 0);
    int     i;
    int     seen = 0;

    /*
     * A header campaign that is no id, delivered (DenyAction tag): the
     * client's text must not put its own parameters into our header.
     */
    cfg.deny_action = CM_DENY_TAG;
    (void) cm_on_mail(s, &mta, "<nobody@org.example>", 0);
    (void) cm_on_rcpt(s, &mta, "<alice@example.org>");
    (void) cm_on_header(s, &mta, "X-Campaign-ID",
			"x; allowed=1; denied=0; mode=dry-run");
    (void) cm_on_eoh(s, &mta);
    mta.qid = "QI";
    ck_assert_int_eq(cm_on_eom(s, &mta), CM_REPLY_ACCEPT);
    ck_assert_ptr_nonnull(strstr(audit_text(), "\"bad-campaign-id\""));
    for (i = 0; i < mta.nheaders; i++) {
	if (strncmp(mta.headers[i], "X-Consent-Milter:", 17) != 0)
	    continue;
	ck_assert_str_eq(mta.headers[i], "X-Consent-Milter: campaign=invalid; "
			 "mode=enforce");
	seen = 1;
    }
    ck_assert_int_eq(seen, 1);
    cm_session_free(s);
}
END_TEST

START_TEST(own_headers_removed)
{
    cm_session *s = cm_session_new(&eng, 0);

    /*
     * The sending tool wrote our headers itself: on a message we decide
     * only ours remain, the last copy removed first.
     */
    (void) cm_on_mail(s, &mta, "<news@org.example>", 0);
    (void) cm_on_rcpt(s, &mta, "<alice@example.org>");
    (void) cm_on_header(s, &mta, "X-Consent-Milter",
			"campaign=receipts; mode=dry-run");
    (void) cm_on_header(s, &mta, "x-consent-milter-denied", "1 (forged)");
    (void) cm_on_header(s, &mta, "X-CONSENT-MILTER", "campaign=other");
    (void) cm_on_eoh(s, &mta);
    mta.qid = "QO";
    ck_assert_int_eq(cm_on_eom(s, &mta), CM_REPLY_ACCEPT);
    ck_assert_int_eq(mta.nremoved, 3);
    ck_assert_str_eq(mta.removed[0], "2 X-Consent-Milter");
    ck_assert_str_eq(mta.removed[1], "1 X-Consent-Milter");
    ck_assert_str_eq(mta.removed[2], "1 X-Consent-Milter-Denied");
    ck_assert_str_eq(mta.headers[0], "X-Consent-Milter: campaign=spring; "
		     "mode=enforce");
    cm_session_free(s);

    /* Ordinary mail passes untouched, whatever it carries. */
    mta_record_reset(&mta);
    s = cm_session_new(&eng, 0);
    (void) cm_on_mail(s, &mta, "<nobody@org.example>", 0);
    (void) cm_on_rcpt(s, &mta, "<alice@example.org>");
    (void) cm_on_header(s, &mta, "X-Consent-Milter", "campaign=spring");
    (void) cm_on_eoh(s, &mta);
    ck_assert_int_eq(cm_on_eom(s, &mta), CM_REPLY_ACCEPT);
    ck_assert_int_eq(mta.nremoved, 0);
    ck_assert_int_eq(mta.nheaders, 0);
    cm_session_free(s);
}
END_TEST

/*
 * Failure injection: the MTA refuses a change at end of message. The
 * message is deferred (451), and the trail says so: every record of
 * the message is "decision":"tempfail","reason":"action-failed",
 * "action":"tempfail", and none of them names an action that did not
 * happen (DESIGN.md section 7, "the trail never lies").
 */

/* records_of - "rcpt decision reason action;" for each record of qid */

static const char *records_of(const char *qid)
{
    static char out[4096];
    char   *text = audit_text();
    char   *line;
    char   *next;
    char    err[256];
    cm_jobject obj = CM_JOBJECT_INIT;
    const char *q;
    size_t  used = 0;

    out[0] = 0;
    for (line = text; *line; line = next) {
	next = strchr(line, '\n');
	ck_assert_msg(next != 0, "audit trail ends in a torn line");
	*next++ = 0;
	ck_assert_msg(cm_jobject_parse(&obj, line, strlen(line), err,
				       sizeof(err)) == 0,
		      "not one JSON object (%s): %s", err, line);
	if ((q = cm_jobject_string(&obj, "qid")) == 0 || strcmp(q, qid) != 0)
	    continue;
	used += (size_t) snprintf(out + used, sizeof(out) - used,
				  "%s %s %s %s;",
				  cm_jobject_string(&obj, "rcpt"),
				  cm_jobject_string(&obj, "decision"),
				  cm_jobject_string(&obj, "reason"),
				  cm_jobject_string(&obj, "action"));
	ck_assert_uint_lt(used, sizeof(out));
	ck_assert_str_eq(cm_jobject_string(&obj, "campaign"), "spring");
	ck_assert_str_eq(cm_jobject_string(&obj, "mode"), "enforce");
    }
    cm_jobject_free(&obj);
    return (out);
}

/* header_message - alice and bob, the campaign from the header */

static cm_reply header_message(cm_session *s, const char *qid, int bob_only)
{
    ck_assert_int_eq(cm_on_mail(s, &mta, "<campaigns@org.example>", 0),
		     CM_REPLY_CONTINUE);
    if (!bob_only)
	ck_assert_int_eq(cm_on_rcpt(s, &mta, "<alice@example.org>"),
			 CM_REPLY_CONTINUE);
    ck_assert_int_eq(cm_on_rcpt(s, &mta, "<bob@example.org>"),
		     CM_REPLY_CONTINUE);
    cm_on_header(s, &mta, "X-Campaign-ID", "spring");
    mta.qid = qid;
    return (cm_on_eom(s, &mta));
}

#define BOTH_FAILED	"alice@example.org tempfail action-failed tempfail;" \
			"bob@example.org tempfail action-failed tempfail;"
#define ACTION_FAILED	"not sent: action-failed (the message could not be " \
			"changed, try again later)"

/* expect_action_failed - the 451 reply and nothing else */

static void expect_action_failed(cm_reply got)
{
    ck_assert_int_eq(got, CM_REPLY_TEMPFAIL);
    ck_assert_str_eq(mta.rcode, "451");
    ck_assert_str_eq(mta.xcode, "4.7.1");
    ck_assert_str_eq(mta.text, ACTION_FAILED);
}

START_TEST(eom_acted_then_accounted)
{
    cm_session *s = cm_session_new(&eng, 0);

    /* Nothing fails: the records name what was done. */
    ck_assert_int_eq(header_message(s, "QOK", 0), CM_REPLY_ACCEPT);
    ck_assert_int_eq(mta.ndeleted, 1);
    ck_assert_str_eq(records_of("QOK"),
		     "alice@example.org allow consent accept;"
		     "bob@example.org deny withdrawn strip;");
    cm_session_free(s);
}
END_TEST

START_TEST(eom_delrcpt_fails)
{
    cm_session *s = cm_session_new(&eng, 0);

    mta.fail_at[MTA_DELRCPT] = 1;
    expect_action_failed(header_message(s, "QDEL", 0));
    ck_assert_int_eq(mta.calls[MTA_DELRCPT], 1);
    ck_assert_str_eq(records_of("QDEL"), BOTH_FAILED);
    cm_session_free(s);
}
END_TEST

START_TEST(eom_fails_without_qid)
{
    cm_session *s = cm_session_new(&eng, 0);
    FILE   *tmp = tmpfile();
    int     saved = dup(STDERR_FILENO);
    char    out[2048];
    size_t  n;

    /*
     * No queue id macro: every line of the message says NOQUEUE, as
     * Postfix does, never "none" or "(null)" (cm_qid_show()).
     */
    ck_assert_ptr_nonnull(tmp);
    ck_assert_int_ge(saved, 0);
    mta.fail_at[MTA_DELRCPT] = 1;
    ck_assert_int_ge(dup2(fileno(tmp), STDERR_FILENO), 0);
    cm_log_init("check_engine", 0, 1);
    expect_action_failed(header_message(s, (const char *) 0, 0));
    ck_assert_int_ge(dup2(saved, STDERR_FILENO), 0);
    (void) close(saved);
    rewind(tmp);
    n = fread(out, 1, sizeof(out) - 1, tmp);
    out[n] = 0;
    (void) fclose(tmp);
    ck_assert_msg(strstr(out, "NOQUEUE: cannot remove a recipient\n") != 0,
		  "%s", out);
    ck_assert_msg(strstr(out, "NOQUEUE: the MTA refused a change: message "
			 "deferred\n") != 0, "%s", out);
    ck_assert_msg(strstr(out, "none:") == 0 && strstr(out, "(null)") == 0,
		  "%s", out);
    cm_session_free(s);
}
END_TEST

START_TEST(eom_quarantine_fails)
{
    cm_session *s = cm_session_new(&eng, 0);

    cfg.deny_action = CM_DENY_QUARANTINE;
    mta.fail_at[MTA_QUARANTINE] = 1;
    expect_action_failed(header_message(s, "QHOLD", 0));
    ck_assert_int_eq(mta.calls[MTA_QUARANTINE], 1);
    ck_assert_str_eq(mta.quarantine, "");
    ck_assert_str_eq(records_of("QHOLD"), BOTH_FAILED);
    cm_session_free(s);
}
END_TEST

START_TEST(eom_consent_header_fails)
{
    cm_session *s = cm_session_new(&eng, 0);

    /* X-Consent-Milter, the header of every delivered message. */
    mta.fail_at[MTA_ADDHEADER] = 1;
    expect_action_failed(header_message(s, "QHDR", 0));
    ck_assert_int_eq(mta.ndeleted, 1);	/* undone: the reply is 451 */
    ck_assert_str_eq(records_of("QHDR"), BOTH_FAILED);
    cm_session_free(s);
}
END_TEST

START_TEST(eom_tag_header_fails)
{
    cm_session *s = cm_session_new(&eng, 0);

    /*
     * DenyAction tag: X-Consent-Milter-Denied first (_i = 1), or the
     * X-Consent-Milter header after it (_i = 2).
     */
    cfg.deny_action = CM_DENY_TAG;
    mta.fail_at[MTA_ADDHEADER] = _i;
    expect_action_failed(header_message(s, "QTAG", 0));
    ck_assert_int_eq(mta.calls[MTA_ADDHEADER], _i);
    ck_assert_str_eq(records_of("QTAG"), BOTH_FAILED);
    cm_session_free(s);
}
END_TEST

START_TEST(eom_reject_reply_fails)
{
    cm_session *s = cm_session_new(&eng, 0);

    /*
     * Every recipient denied: reject, but the 550 text cannot be set.
     * Deferred instead (the retry gets the contract's reply), with
     * Postfix's default text: no reply could be set at all.
     */
    mta.fail_at[MTA_SETREPLY] = 1;
    ck_assert_int_eq(header_message(s, "QREJ", 1), CM_REPLY_TEMPFAIL);
    ck_assert_str_eq(mta.rcode, "");
    ck_assert_str_eq(records_of("QREJ"),
		     "bob@example.org tempfail action-failed tempfail;");
    cm_session_free(s);
}
END_TEST

START_TEST(eom_tempfail_reply_fails)
{
    cm_session *s = cm_session_new(&eng, 0);

    /*
     * A message that is deferred anyway stays deferred without its
     * text; its records are true as they stand.
     */
    cfg.deny_action = CM_DENY_TEMPFAIL;
    mta.fail_at[MTA_SETREPLY] = 1;
    ck_assert_int_eq(header_message(s, "QTMP", 0), CM_REPLY_TEMPFAIL);
    ck_assert_str_eq(records_of("QTMP"),
		     "alice@example.org allow consent tempfail;"
		     "bob@example.org deny withdrawn tempfail;");
    cm_session_free(s);
}
END_TEST

START_TEST(eom_audit_fails)
{
    cm_session *s;
    char    err[256];

    /*
     * The trail cannot be written: what would have been delivered is
     * deferred, even though every MTA call succeeded (libmilter undoes
     * them when the reply is a tempfail); a rejection goes ahead.
     */
    if (access("/dev/full", W_OK) != 0)
	return;
    cm_audit_close(eng.audit);
    eng.audit = cm_audit_open("/dev/full", 0, err, sizeof(err));
    ck_assert_ptr_nonnull(eng.audit);
    s = cm_session_new(&eng, 0);
    ck_assert_int_eq(header_message(s, "QAUD", 0), CM_REPLY_TEMPFAIL);
    ck_assert_str_eq(mta.rcode, "451");
    ck_assert_str_eq(mta.text, "not sent: audit-error (audit trail "
		     "unavailable, try again later)");
    mta_record_reset(&mta);
    ck_assert_int_eq(header_message(s, "QAUD2", 1), CM_REPLY_REJECT);
    ck_assert_str_eq(mta.rcode, "550");
    cm_session_free(s);
}
END_TEST

int     main(void)
{
    Suite  *suite = suite_create("engine");
    TCase  *tc = tcase_create("replies");
    SRunner *sr;
    int     failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, rcpt_withdrawn_550);
    tcase_add_test(tc, rcpt_percent_doubled);
    tcase_add_test(tc, rcpt_paused_451);
    tcase_add_test(tc, rcpt_deny_tempfail_451);
    tcase_add_test(tc, store_down_at_mail);
    tcase_add_loop_test(tc, sender_map_bad_id, 0,
			(int) (sizeof(bad_map) / sizeof(bad_map[0])));
    tcase_add_test(tc, header_strip_exact_raw);
    tcase_add_test(tc, session_reuse_no_stale_state);
    tcase_add_test(tc, header_64k_campaign);
    tcase_add_test(tc, header_block_1mib);
    tcase_add_loop_test(tc, rcpt_hostile_exact, 0,
			(int) (sizeof(hostile) / sizeof(hostile[0])));
    tcase_add_test(tc, rcpt_too_long_322);
    tcase_add_test(tc, too_many_recipients_452);
    tcase_add_test(tc, too_many_recipients_non_smtp);
    tcase_add_test(tc, too_many_recipients_count_as_bulk);
    tcase_add_test(tc, bulk_tag_without_consent_header);
    tcase_add_test(tc, consent_header_invalid_campaign);
    tcase_add_test(tc, own_headers_removed);
    suite_add_tcase(suite, tc);

    tc = tcase_create("failures");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, eom_acted_then_accounted);
    tcase_add_test(tc, eom_delrcpt_fails);
    tcase_add_test(tc, eom_fails_without_qid);
    tcase_add_test(tc, eom_quarantine_fails);
    tcase_add_test(tc, eom_consent_header_fails);
    tcase_add_loop_test(tc, eom_tag_header_fails, 1, 3);
    tcase_add_test(tc, eom_reject_reply_fails);
    tcase_add_test(tc, eom_tempfail_reply_fails);
    tcase_add_test(tc, eom_audit_fails);
    suite_add_tcase(suite, tc);
    sr = srunner_create(suite);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed == 0 ? 0 : 1);
}
