/*++
/* NAME
/*	check_maillog 1
/* SUMMARY
/*	unit tests for the MTA delivery log reader
/* SYNOPSIS
/*	check_maillog
/* DESCRIPTION
/*	Tests maillog(3) with the line shapes Postfix and sendmail 8.17
/*	really write: Postfix smtp (as its own maillog_file writes it,
/*	zero-padded day), local with orig_to=, relay/smtp, lmtp, virtual
/*	and pipe; quoted local parts with ">" and "," inside; deferred,
/*	bounced and qmgr lines that are not deliveries; pickup's
/*	orig_id= of a requeued message; the Message-ID of cleanup's
/*	message-id= and sendmail's msgid=; sendmail lists of
/*	several recipients, "[more]" continuations, names, quoted commas,
/*	a local user known by ctladdr=, Deferred and queued, a line as
/*	sent to /dev/log (<PRI>, no host); RFC 3339
/*	stamps with and without zone; RFC 5424 headers, journalctl's
/*	short-precise and short-full, ISO with a space, +hh offsets,
/*	syslog stamps with a year; the year of syslog stamps across a
/*	new year; every truncation of a delivery line (never a delivery,
/*	"broken" once the address has begun); garbage and NUL bytes
/*	(inside a line, and before one as a crash leaves them); the
/*	magic numbers of xz, bzip2, zstd and lz4;
/*	200,000 random mutations of real lines, whose spans must all
/*	point into the line (run it under the sanitizer build too).
/*	Runs with TZ=UTC.
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
#include <time.h>

/* Check library. */

#include <check.h>

/* Application-specific. */

#include "maillog.h"

#define LIT(s)	(s), sizeof(s) - 1

#define T_REF		1796277600LL	/* 2026-12-03T06:00:00Z */
#define T_0525		1796275549LL	/* 2026-12-03T05:25:49Z */
#define T_0540		1796276401LL	/* 2026-12-03T05:40:01Z */

static cm_ml_line ml;

/* parse - one line against a clock at T_REF */

static cm_ml_kind parse(const char *s, size_t len)
{
    cm_ml_clock clk;

    cm_ml_clock_init(&clk, T_REF);
    return (cm_ml_parse(s, len, &clk, &ml));
}

/* span_is - a span equals a string */

static void span_is(const cm_ml_span *s, const char *want)
{
    ck_assert_msg(s->len == strlen(want) && memcmp(s->ptr, want, s->len) == 0,
		  "got \"%.*s\", want \"%s\"", (int) s->len,
		  s->ptr ? s->ptr : "", want);
}

static const char pf_smtp[] = "Dec 03 05:25:49 relay postfix-cmtest/smtp[4905]: "
"0DFA8A74D62: to=<alice@example.org>, relay=127.0.0.1[127.0.0.1]:20179, "
"delay=0.03, delays=0.01/0.01/0/0, dsn=2.0.0, status=sent (250 2.0.0 Ok)";

static const char sm_line[] = "Dec  3 05:40:01 host sm-mta[123]: "
"4B35e1Aa000123: to=<bob@example.org>, delay=00:00:00, xdelay=00:00:00, "
"mailer=esmtp, pri=30123, relay=127.0.0.1 [127.0.0.1], dsn=2.0.0, "
"stat=Sent (ok)";

START_TEST(test_postfix_smtp)
{
    ck_assert_int_eq(parse(LIT(pf_smtp)), CM_ML_SENT);
    ck_assert_int_eq(ml.mta, CM_ML_POSTFIX);
    ck_assert_int_eq(ml.time, T_0525);
    span_is(&ml.qid, "0DFA8A74D62");
    ck_assert_uint_eq(ml.nrcpt, 1);
    span_is(&ml.rcpt[0].addr, "alice@example.org");
    ck_assert_uint_eq(ml.rcpt[0].orig.len, 0);
}
END_TEST

START_TEST(test_postfix_agents)
{
    static const char *lines[] = {
	"Dec  3 05:40:01 mx postfix/local[2001]: 3F2A81234B: to=<bob@mx.example.org>, "
	"orig_to=<Bob@Example.ORG>, relay=local, delay=0.02, "
	"delays=0.01/0/0/0.01, dsn=2.0.0, status=sent (delivered to mailbox)",
	"Dec  3 05:40:01 mx postfix/relay/smtp[7]: 3F2A81234B: to=<bob@mx.example.org>, "
	"orig_to=<Bob@Example.ORG>, relay=10.0.0.1[10.0.0.1]:25, delay=1, "
	"delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)",
	"Dec  3 05:40:01 mx postfix/lmtp[8]: 3F2A81234B: to=<bob@mx.example.org>, "
	"orig_to=<Bob@Example.ORG>, relay=mx[private/dovecot-lmtp], delay=0.1, "
	"delays=0/0/0/0.1, dsn=2.0.0, status=sent (250 2.0.0 Saved)",
	"Dec  3 05:40:01 mx postfix/virtual[9]: 3F2A81234B: to=<bob@mx.example.org>, "
	"orig_to=<Bob@Example.ORG>, relay=virtual, delay=0.1, "
	"delays=0/0/0/0.1, dsn=2.0.0, status=sent (delivered to maildir)",
	"Dec  3 05:40:01 mx postfix-out/pipe[10]: 3F2A81234B: to=<bob@mx.example.org>, "
	"orig_to=<Bob@Example.ORG>, relay=dovecot, delay=0.1, "
	"delays=0/0/0/0.1, dsn=2.0.0, status=sent (delivered via dovecot service)",
	0,
    };
    int     i;

    for (i = 0; lines[i]; i++) {
	ck_assert_int_eq(parse(lines[i], strlen(lines[i])), CM_ML_SENT);
	span_is(&ml.qid, "3F2A81234B");
	ck_assert_uint_eq(ml.nrcpt, 1);
	span_is(&ml.rcpt[0].addr, "bob@mx.example.org");
	span_is(&ml.rcpt[0].orig, "Bob@Example.ORG");
    }
}
END_TEST

START_TEST(test_postfix_quoted)
{
    static const char line[] = "Dec  3 05:40:01 mx postfix/smtp[1]: "
    "4Qx3Kp1Bz4z9vK: to=<\"john, doe> status=sent\"@example.org>, "
    "relay=mx.example.org[192.0.2.1]:25, delay=1, delays=0/0/0/1, "
    "dsn=5.1.1, status=bounced (host said: 550 no such user)";
    static const char line2[] = "Dec  3 05:40:01 mx postfix/smtp[1]: "
    "4Qx3Kp1Bz4z9vK: to=<\"quoted local\"@x.example>, relay=x[192.0.2.1]:25, "
    "delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)";

    /* A status inside the quoted address does not count. */
    ck_assert_int_eq(parse(LIT(line)), CM_ML_NOT_SENT);
    span_is(&ml.rcpt[0].addr, "\"john, doe> status=sent\"@example.org");
    ck_assert_int_eq(parse(LIT(line2)), CM_ML_SENT);
    span_is(&ml.qid, "4Qx3Kp1Bz4z9vK");
    span_is(&ml.rcpt[0].addr, "\"quoted local\"@x.example");
}
END_TEST

START_TEST(test_postfix_not_sent)
{
    static const char *lines[] = {
	"Dec  3 05:40:01 mx postfix/smtp[1]: 3F2A81234B: to=<a@example.org>, "
	"relay=none, delay=30, delays=0/0/30/0, dsn=4.4.1, status=deferred "
	"(connect to mx.example.org[192.0.2.1]:25: Connection refused)",
	"Dec  3 05:40:01 mx postfix/smtp[1]: 3F2A81234B: to=<a@example.org>, "
	"relay=mx.example.org[192.0.2.1]:25, delay=1, delays=0/0/0/1, "
	"dsn=5.1.1, status=bounced (host mx said: 550 5.1.1 unknown)",
	"Dec  3 05:40:01 mx postfix/smtp[1]: 3F2A81234B: to=<a@example.org>, "
	"relay=none, delay=1, dsn=4.4.1, status=sentinel",
	0,
    };
    int     i;

    for (i = 0; lines[i]; i++)
	ck_assert_int_eq(parse(lines[i], strlen(lines[i])), CM_ML_NOT_SENT);
}
END_TEST

START_TEST(test_postfix_other)
{
    static const char *lines[] = {
	/* Not delivery agents, or not "QID: to=". */
	"Dec  3 05:40:01 mx postfix/qmgr[5]: 3F2A81234B: from=<n@org.example>, "
	"status=expired, returned to sender",
	"Dec  3 05:40:01 mx postfix/error[6]: 3F2A81234B: to=<a@example.org>, "
	"relay=none, delay=0, delays=0/0/0/0, dsn=5.0.0, status=bounced (x)",
	"Dec  3 05:40:01 mx postfix/discard[6]: 3F2A81234B: to=<a@example.org>, "
	"relay=none, delay=0, delays=0/0/0/0, dsn=2.0.0, status=sent (discarded)",
	"Dec 03 05:25:49 relay postfix-cmtest/cleanup[4897]: A74D2A74BB1: "
	"milter-reject: END-OF-MESSAGE from localhost[127.0.0.1]: 5.7.1 not "
	"sent; from=<o@org.example> to=<carol@example.org> proto=ESMTP",
	"Dec  3 05:40:01 mx postfix/smtp[1]: connect to x[192.0.2.1]:25: "
	"status=sent",
	"Dec  3 05:40:01 mx postfix/smtp[1]: 3F2A81234B: to =<a@b>, status=sent",
	0,
    };
    int     i;

    for (i = 0; lines[i]; i++)
	ck_assert_msg(parse(lines[i], strlen(lines[i])) == CM_ML_OTHER,
		      "not OTHER: %s", lines[i]);
}
END_TEST

START_TEST(test_sendmail)
{
    static const char raw[] = "<22>Dec  3 05:40:01 sm-mta[123]: "
    "4B35e1Aa000123: to=<bob@example.org>, delay=00:00:00, mailer=esmtp, "
    "pri=30123, relay=127.0.0.1 [127.0.0.1], dsn=2.0.0, stat=Sent (ok)";

    ck_assert_int_eq(parse(LIT(sm_line)), CM_ML_SENT);
    ck_assert_int_eq(ml.mta, CM_ML_SENDMAIL);
    ck_assert_int_eq(ml.time, T_0540);
    span_is(&ml.qid, "4B35e1Aa000123");
    ck_assert_uint_eq(ml.nrcpt, 1);
    span_is(&ml.rcpt[0].addr, "bob@example.org");

    /* As sendmail sends it to /dev/log: <PRI>, no host name. */
    ck_assert_int_eq(parse(LIT(raw)), CM_ML_SENT);
    ck_assert_int_eq(ml.mta, CM_ML_SENDMAIL);
    ck_assert_int_eq(ml.time, T_0540);
    span_is(&ml.qid, "4B35e1Aa000123");
    span_is(&ml.rcpt[0].addr, "bob@example.org");
}
END_TEST

START_TEST(test_sendmail_lists)
{
    static const char many[] = "Dec  3 05:40:01 host sendmail[9]: "
    "4B35e1Aa000124: to=<alice@example.org>,<bob@example.org>,carol@example.org, "
    "ctladdr=<news@org.example> (0/0), delay=00:00:01, xdelay=00:00:01, "
    "mailer=esmtp, pri=90123, relay=mx [192.0.2.1], dsn=2.0.0, "
    "stat=Sent (4B35e1Aa000124 Message accepted for delivery)";
    static const char more[] = "Dec  3 05:40:01 host sm-mta[9]: "
    "4B35e1Aa000125: to=<a@example.org>,<b@example.org>, [more], "
    "delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=1, "
    "relay=mx [192.0.2.1], dsn=2.0.0, stat=Sent (ok)";
    static const char names[] = "Dec  3 05:40:01 host sm-mta[9]: "
    "4B35e1Aa000126: to=\"Smith, John\" <john@example.org>,\"a,b\"@example.org,"
    "<\"c, d\"@example.org>, delay=00:00:01, mailer=esmtp, pri=1, "
    "relay=mx [192.0.2.1], dsn=2.0.0, stat=Sent (ok)";

    ck_assert_int_eq(parse(LIT(many)), CM_ML_SENT);
    ck_assert_uint_eq(ml.nrcpt, 3);
    span_is(&ml.rcpt[0].addr, "alice@example.org");
    span_is(&ml.rcpt[1].addr, "bob@example.org");
    span_is(&ml.rcpt[2].addr, "carol@example.org");
    /* ctladdr= is the sender here: only a local user takes it. */
    ck_assert_uint_eq(ml.rcpt[0].orig.len, 0);

    ck_assert_int_eq(parse(LIT(more)), CM_ML_SENT);
    ck_assert_uint_eq(ml.nrcpt, 2);
    span_is(&ml.rcpt[1].addr, "b@example.org");

    ck_assert_int_eq(parse(LIT(names)), CM_ML_SENT);
    ck_assert_uint_eq(ml.nrcpt, 3);
    span_is(&ml.rcpt[0].addr, "john@example.org");
    span_is(&ml.rcpt[1].addr, "\"a,b\"@example.org");
    span_is(&ml.rcpt[2].addr, "\"c, d\"@example.org");
}
END_TEST

START_TEST(test_sendmail_local_and_status)
{
    static const char local[] = "Dec  3 05:40:01 host sm-mta[9]: "
    "4B35e1Aa000127: to=bob, ctladdr=<Bob@Example.ORG> (1000/1000), "
    "delay=00:00:00, xdelay=00:00:00, mailer=local, pri=30420, dsn=2.0.0, "
    "stat=Sent";
    static const char *not_sent[] = {
	"Dec  3 05:40:01 host sm-mta[9]: 4B35e1Aa000128: to=<a@example.org>, "
	"delay=00:00:05, xdelay=00:00:05, mailer=esmtp, pri=1, relay=mx., "
	"dsn=4.0.0, stat=Deferred: Connection refused by mx.",
	"Dec  3 05:40:01 host sm-mta[9]: 4B35e1Aa000128: to=<a@example.org>, "
	"delay=00:00:00, mailer=esmtp, pri=1, stat=queued",
	"Dec  3 05:40:01 host sm-mta[9]: 4B35e1Aa000128: to=<a@example.org>, "
	"delay=00:00:00, mailer=esmtp, pri=1, dsn=5.1.1, stat=User unknown",
	0,
    };
    static const char milter[] = "Dec  3 05:40:01 host sm-mta[9]: "
    "4B35e1Aa000129: Milter: to=<bob@example.org>, reject=550 5.7.1 "
    "<bob@example.org>: not sent: withdrawn (campaign spring)";
    int     i;

    ck_assert_int_eq(parse(LIT(local)), CM_ML_SENT);
    ck_assert_uint_eq(ml.nrcpt, 1);
    span_is(&ml.rcpt[0].addr, "bob");
    span_is(&ml.rcpt[0].orig, "Bob@Example.ORG");
    for (i = 0; not_sent[i]; i++)
	ck_assert_int_eq(parse(not_sent[i], strlen(not_sent[i])),
			 CM_ML_NOT_SENT);
    ck_assert_int_eq(parse(LIT(milter)), CM_ML_OTHER);
}
END_TEST

/* cut - every truncation of a delivery line */

static void cut(const char *line, const char *addr_at, const char *sent_at)
{
    size_t  len = strlen(line);
    size_t  a = strstr(line, addr_at) - line + strlen(addr_at);
    size_t  s = strstr(line, sent_at) - line + strlen(sent_at);
    size_t  n;
    cm_ml_kind k;

    for (n = 0; n < len; n++) {
	k = parse(line, n);
	if (n < s)
	    ck_assert_msg(k != CM_ML_SENT, "a delivery when cut at %zu", n);
	if (n > a && n < s - 4)
	    ck_assert_msg(k == CM_ML_BROKEN, "cut at %zu: %d, want broken",
			  n, (int) k);
	if (n >= s)
	    ck_assert_int_eq(k, CM_ML_SENT);
    }
}

START_TEST(test_truncated)
{
    cut(pf_smtp, ": to=", ", status=sent");
    cut(sm_line, ": to=", ", stat=Sent");
}
END_TEST

START_TEST(test_garbage)
{
    static const char nul[] = "Dec  3 05:40:01 mx postfix/smtp[1]: 3F2A81234B: "
    "to=<a@exa\0mple.org>, relay=x, status=sent (ok)";
    static const char *lines[] = {
	"", "hello", "Dec  3 25:40:01 mx postfix/smtp[1]: 3F: to=<a@b>, status=sent",
	"Dex  3 05:40:01 mx postfix/smtp[1]: 3F: to=<a@b>, status=sent",
	"2026-13-03T05:40:01Z mx postfix/smtp[1]: 3F: to=<a@b>, status=sent",
	"\x01\x02\x03\xff\xfe garbage \x7f",
	"{\"time\":\"2026-12-03T05:40:01Z\",\"qid\":\"3F\"}",
	0,
    };
    int     i;

    for (i = 0; lines[i]; i++)
	ck_assert_msg(parse(lines[i], strlen(lines[i])) == CM_ML_GARBAGE,
		      "not garbage: %s", lines[i]);
    /* Bytes after a NUL are still read: the length decides. */
    ck_assert_int_eq(parse(LIT(nul)), CM_ML_SENT);
    ck_assert_uint_eq(ml.rcpt[0].addr.len, 14);
    ck_assert_uint_eq(ml.skipped, 0);
    /* NUL bytes a crash left before a line: the line after them. */
    ck_assert_int_eq(parse(LIT("\0\0\0\0Dec  3 05:40:01 mx postfix/smtp[1]: "
			       "3F2A81234B: to=<b@example.org>, status=sent")),
		     CM_ML_SENT);
    ck_assert_uint_eq(ml.skipped, 4);
    span_is(&ml.rcpt[0].addr, "b@example.org");
    /* A torn line, NULs, the next line: the next line, not the torn. */
    ck_assert_int_eq(parse(LIT("Dec  3 05:40:00 mx postfix/smtp[1]: 3F2A81234B: "
			       "to=<a@exa\0\0Dec  3 05:40:01 mx postfix/smtp[1]: "
			       "3F2A81234B: to=<b@example.org>, status=sent")),
		     CM_ML_SENT);
    ck_assert_int_eq(ml.time, T_0540);
    span_is(&ml.rcpt[0].addr, "b@example.org");
    /* A time stamp alone, or with nothing readable after it. */
    ck_assert_int_eq(parse(LIT("Dec  3 05:40:01")), CM_ML_OTHER);
    ck_assert_int_eq(parse(LIT("Dec  3 05:40:01 host")), CM_ML_OTHER);
}
END_TEST

START_TEST(test_compressed)
{
    ck_assert_str_eq(cm_ml_compressed(LIT("\xfd" "7zXZ\0\0\x04\xe6")), "xz");
    ck_assert_str_eq(cm_ml_compressed(LIT("BZh91AY&SY")), "bzip2");
    ck_assert_str_eq(cm_ml_compressed(LIT("\x28\xb5\x2f\xfd\x04")), "zstd");
    ck_assert_str_eq(cm_ml_compressed(LIT("\x04\x22\x4d\x18\x64")), "lz4");
    ck_assert_ptr_null(cm_ml_compressed(LIT("\xfd" "7zX")));
    ck_assert_ptr_null(cm_ml_compressed(LIT("Dec  3 05:40:01 mx postfix")));
    ck_assert_ptr_null(cm_ml_compressed(LIT("")));
}
END_TEST

/* inside - a span lies within [buf, buf + len) */

static int inside(const cm_ml_span *s, const char *buf, size_t len)
{
    return (s->ptr >= buf && s->len <= len
	    && (size_t) (s->ptr - buf) <= len - s->len);
}

START_TEST(test_mutated)
{
    static const char *seeds[] = {pf_smtp, sm_line,
	"Dec  3 05:40:01 host sm-mta[9]: 4B35e1Aa000126: to=\"Smith, John\" "
	"<john@example.org>,\"a,b\"@example.org, ctladdr=<x@y> (1/1), "
	"delay=00:00:01, stat=Sent (ok)",
	"<22>2026-12-03T05:40:01.1+00:00 mx postfix/local[2001]: 3F2A81234B: "
	"to=<\"b\\\"x\"@mx>, orig_to=<B@X>, relay=local, status=sent (ok)",
	"Dec  3 05:26:00 relay sm-mta[3003]: 4B35e1Aa000123: from=<\"n,\"@o>, "
	"size=612, class=0, nrcpts=2, msgid=<r-2@cmtest.invalid>, proto=ESMTP",
	"Dec 03 05:25:49 relay postfix/cleanup[4897]: 0DFA8A74D62: "
	"message-id=<smtp-1@cmtest.invalid>",
    0};
    char    buf[512];
    unsigned long seed = 12345;
    size_t  len, i, k, n;
    int     s;
    cm_ml_kind kind;

    /*
     * Byte flips, insertions of the characters the parser cares about,
     * and cuts: whatever comes out, every span points into the line.
     */
    for (n = 0; n < 200000; n++) {
	s = (int) (n % 6);
	len = strlen(seeds[s]);
	memcpy(buf, seeds[s], len);
	for (k = 0; k < 1 + n % 5; k++) {
	    seed = seed * 6364136223846793005UL + 1442695040888963407UL;
	    i = (seed >> 33) % len;
	    buf[i] = "<>\",\\ :@[]=\0x"[(seed >> 20) % 14];
	}
	seed = seed * 6364136223846793005UL + 1442695040888963407UL;
	if ((seed >> 40) % 3 == 0)
	    len = (seed >> 8) % (len + 1);
	kind = parse(buf, len);
	if (kind == CM_ML_MSGID) {
	    ck_assert(inside(&ml.qid, buf, len));
	    ck_assert_uint_ge(ml.msgid.len, 1);
	    ck_assert(inside(&ml.msgid, buf, len));
	}
	if (kind != CM_ML_SENT && kind != CM_ML_NOT_SENT)
	    continue;
	ck_assert(inside(&ml.qid, buf, len));
	ck_assert_uint_ge(ml.nrcpt, 1);
	for (i = 0; i < ml.nrcpt; i++) {
	    ck_assert(inside(&ml.rcpt[i].addr, buf, len));
	    ck_assert(ml.rcpt[i].orig.len == 0
		      || inside(&ml.rcpt[i].orig, buf, len));
	}
    }
}
END_TEST

START_TEST(test_iso_time)
{
    static const char *lines[] = {
	"2026-12-03T05:40:01.123456+00:00 mx postfix/smtp[1]: 3F2A81234B: "
	"to=<a@example.org>, relay=x, status=sent (ok)",
	"2026-12-03T06:40:01+0100 mx postfix/smtp[1]: 3F2A81234B: "
	"to=<a@example.org>, relay=x, status=sent (ok)",
	"2026-12-03T05:40:01Z mx postfix/smtp[1]: 3F2A81234B: "
	"to=<a@example.org>, relay=x, status=sent (ok)",
	"2026-12-03T05:40:01 mx postfix/smtp[1]: 3F2A81234B: "
	"to=<a@example.org>, relay=x, status=sent (ok)",
	0,
    };
    int     i;

    for (i = 0; lines[i]; i++) {
	ck_assert_int_eq(parse(lines[i], strlen(lines[i])), CM_ML_SENT);
	ck_assert_int_eq(ml.time, T_0540);
	span_is(&ml.rcpt[0].addr, "a@example.org");
    }
}
END_TEST

START_TEST(test_formats)
{
#define DLV "3F2A81234B: to=<a@example.org>, relay=x, status=sent (ok)"
    static const char *lines[] = {
	/* journalctl -o short-precise */
	"Dec 03 05:40:01.123456 mx postfix/smtp[1]: " DLV,
	/* RFC 5424, structured data nil or present (with \] inside) */
	"<22>1 2026-12-03T05:40:01.123456+00:00 mx postfix/smtp 2002 - - " DLV,
	"<22>1 2026-12-03T05:40:01Z mx postfix/smtp 2002 - "
	"[meta sequenceId=\"1\" x=\"a\\]b\"][o k=\"v\"] " DLV,
	"<22>1 2026-12-03T05:40:01Z mx postfix/smtp 2002 MSG - \xef\xbb\xbf" DLV,
	/* journalctl -o short-full */
	"Thu 2026-12-03 05:40:01 UTC mx postfix/smtp[1]: " DLV,
	"Thu 2026-12-03 06:40:01 +0100 mx postfix/smtp[1]: " DLV,
	/* ISO with a space; +hh without minutes */
	"2026-12-03 05:40:01 mx postfix/smtp[1]: " DLV,
	"2026-12-03 05:40:01.5 mx postfix/smtp[1]: " DLV,
	"2026-12-03T06:40:01.123+01 mx postfix/smtp[1]: " DLV,
	"2026-12-03T04:40:01-01 mx postfix/smtp[1]: " DLV,
	/* syslog with the year after the time */
	"Dec  3 05:40:01 2026 mx postfix/smtp[1]: " DLV,
	0,
    };
    static const char *bad[] = {
	"Thu 2026-12-03 05:40:01 XYZT mx postfix/smtp[1]: " DLV,
	"Thu 2026-12-03 05:40 UTC mx postfix/smtp[1]: " DLV,
	"2026-12-03  05:40:01 mx postfix/smtp[1]: " DLV,
	0,
    };
    int     i;

    for (i = 0; lines[i]; i++) {
	ck_assert_msg(parse(lines[i], strlen(lines[i])) == CM_ML_SENT,
		      "not read: %s", lines[i]);
	ck_assert_int_eq(ml.time, T_0540);
	span_is(&ml.qid, "3F2A81234B");
	span_is(&ml.rcpt[0].addr, "a@example.org");
    }
    for (i = 0; bad[i]; i++)
	ck_assert_msg(parse(bad[i], strlen(bad[i])) == CM_ML_GARBAGE,
		      "read: %s", bad[i]);
    /* RFC 5424 of another program, or cut in the header. */
    ck_assert_int_eq(parse(LIT("<22>1 2026-12-03T05:40:01Z mx postfix/qmgr 2 - - "
			       "3F2A81234B: removed")), CM_ML_OTHER);
    ck_assert_int_eq(parse(LIT("<22>1 2026-12-03T05:40:01Z mx postfix/smtp 2 - "
			       "[x a=\"]")), CM_ML_OTHER);
#undef DLV
}
END_TEST

START_TEST(test_requeued)
{
    ck_assert_int_eq(parse(LIT("Dec  3 05:10:01 relay postfix/pickup[10]: "
	    "4C1D92345A: uid=106 from=<n@o.example> orig_id=3F2A81234B")),
		     CM_ML_REQUEUED);
    span_is(&ml.qid, "4C1D92345A");
    span_is(&ml.orig_id, "3F2A81234B");
    ck_assert_int_eq(parse(LIT("Dec  3 05:10:01 relay postfix-out/cleanup[1]: "
	    "4C1D92345A: orig_id=3F2A81234B, message-id=<m@x>")),
		     CM_ML_REQUEUED);
    span_is(&ml.orig_id, "3F2A81234B");
    /* Inside the sender address it is not the queue's word. */
    ck_assert_int_eq(parse(LIT("Dec  3 05:10:01 relay postfix/pickup[10]: "
	    "4C1D92345A: uid=106 from=<\"x orig_id=3F2A81234B\"@o.example>")),
		     CM_ML_OTHER);
    ck_assert_int_eq(parse(LIT("Dec  3 05:10:01 relay postfix/qmgr[10]: "
	    "4C1D92345A: from=<n@o.example> orig_id=3F2A81234B")), CM_ML_OTHER);
    ck_assert_int_eq(parse(LIT("Dec  3 05:10:01 relay postfix/pickup[10]: "
	    "4C1D92345A: uid=106 from=<n@o.example>")), CM_ML_OTHER);
    ck_assert_uint_eq(ml.qid.len, 0);
}
END_TEST

START_TEST(test_msgid)
{
    static const char *other[] = {
	"Dec  3 05:10:01 relay postfix/qmgr[1]: 0DFA8A74D62: message-id=<m@x>",
	"Dec  3 05:10:01 relay postfix/cleanup[1]: 0DFA8A74D62: message-id=",
	"Dec  3 05:10:01 relay postfix/cleanup[1]: 0DFA8A74D62: "
	"resent-message-id=<m@x>",
	"Dec  3 05:10:01 relay sm-mta[1]: 4B35e1Aa000123: from=<n@o.example>, "
	"size=1, class=0, nrcpts=1, proto=ESMTP",
	/* Inside the sender address it is not the MTA's word. */
	"Dec  3 05:10:01 relay sm-mta[1]: 4B35e1Aa000123: "
	"from=<\"x, msgid=<m@x>\"@o.example>, size=1, class=0, nrcpts=1",
	"Dec  3 05:10:01 relay sm-mta[1]: 4B35e1Aa000123: from=<n@o.example>, "
	"size=1, class=0, nrcpts=1, msgid=<m@x, proto=ESMTP",
	0,
    };
    int     i;

    ck_assert_int_eq(parse(LIT("Dec 03 05:25:49 relay postfix-cmtest/cleanup"
	    "[4897]: 0DFA8A74D62: message-id=<smtp-1@cmtest.invalid> ")),
		     CM_ML_MSGID);
    span_is(&ml.qid, "0DFA8A74D62");
    span_is(&ml.msgid, "<smtp-1@cmtest.invalid>");
    ck_assert_int_eq(parse(LIT("Dec  3 05:26:00 relay sm-mta[3003]: "
	    "4B35e1Aa000123: from=<news@org.example>, size=612, class=0, "
	    "nrcpts=2, msgid=<r-2@cmtest.invalid>, proto=ESMTP, daemon=MTA, "
	    "relay=localhost [127.0.0.1]")), CM_ML_MSGID);
    span_is(&ml.qid, "4B35e1Aa000123");
    span_is(&ml.msgid, "<r-2@cmtest.invalid>");
    ck_assert_int_eq(parse(LIT("Dec  3 05:26:00 relay sendmail[3003]: "
	    "4B35e1Aa000123: from=n, size=612, class=0, nrcpts=2, "
	    "msgid=bare@x, proto=ESMTP")), CM_ML_MSGID);
    span_is(&ml.msgid, "bare@x");
    for (i = 0; other[i]; i++)
	ck_assert_msg(parse(other[i], strlen(other[i])) == CM_ML_OTHER,
		      "not OTHER: %s", other[i]);
}
END_TEST

/* at - the time of a syslog stamp with a clock at ref */

static long long at(const char *stamp, long long ref)
{
    cm_ml_clock clk;
    size_t  used = 0;
    long long t;

    cm_ml_clock_init(&clk, ref);
    t = cm_ml_time(stamp, strlen(stamp), &clk, &used);
    ck_assert_uint_eq(used, t < 0 ? 0 : 15);
    return (t);
}

START_TEST(test_year)
{
    /* A file written on 1 January: the December lines are last year's. */
    ck_assert_int_eq(at("Dec 31 23:59:59", 1798804800LL), 1798761599LL);
    ck_assert_int_eq(at("Jan  1 00:00:01", 1798804800LL), 1798761601LL);
    /* Up to a day after the file's time is still this year (clock skew). */
    ck_assert_int_eq(at("Dec  4 05:00:00", T_REF), 1796360400LL);
    ck_assert_int_eq(at("Dec 10 05:00:00", T_REF), 1765342800LL);
    /* Space- and zero-padded days; the cached minute. */
    ck_assert_int_eq(at("Dec  3 05:40:01", T_REF), T_0540);
    ck_assert_int_eq(at("Dec 03 05:40:01", T_REF), T_0540);
    ck_assert_int_eq(at("Dec 03 05:40:61", T_REF), -1);
}
END_TEST

/* maillog_suite - collect the test cases */

static Suite *maillog_suite(void)
{
    Suite  *s = suite_create("maillog");
    TCase  *tc;

    tc = tcase_create("postfix");
    tcase_add_test(tc, test_postfix_smtp);
    tcase_add_test(tc, test_postfix_agents);
    tcase_add_test(tc, test_postfix_quoted);
    tcase_add_test(tc, test_postfix_not_sent);
    tcase_add_test(tc, test_postfix_other);
    tcase_add_test(tc, test_requeued);
    tcase_add_test(tc, test_msgid);
    suite_add_tcase(s, tc);

    tc = tcase_create("sendmail");
    tcase_add_test(tc, test_sendmail);
    tcase_add_test(tc, test_sendmail_lists);
    tcase_add_test(tc, test_sendmail_local_and_status);
    suite_add_tcase(s, tc);

    tc = tcase_create("damaged");
    tcase_add_test(tc, test_truncated);
    tcase_add_test(tc, test_garbage);
    tcase_add_test(tc, test_compressed);
    tcase_add_test(tc, test_mutated);
    suite_add_tcase(s, tc);

    tc = tcase_create("time");
    tcase_add_test(tc, test_iso_time);
    tcase_add_test(tc, test_formats);
    tcase_add_test(tc, test_year);
    suite_add_tcase(s, tc);
    return (s);
}

int     main(void)
{
    SRunner *sr;
    int     failed;

    /* Syslog stamps are local time: make the expected values exact. */
    (void) setenv("TZ", "UTC", 1);
    tzset();
    sr = srunner_create(maillog_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
