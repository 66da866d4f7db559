/*++
/* NAME
/*	check_audit 1
/* SUMMARY
/*	unit tests for the audit trail
/* SYNOPSIS
/*	check_audit
/* DESCRIPTION
/*	Tests audit(3) against DESIGN.md section 7: the exact text of a
/*	record (keys in contract order, RFC 3339 UTC times, null for
/*	unknown values, rcpt_id when pseudonymised, optional keys only
/*	when known), escaping of hostile message data so that a line is
/*	always one JSON object (checked with a small JSON parser), and
/*	the log file: appends, reopen after rotation, errors that name
/*	the file, a message's records whole or not at all (a short write
/*	is cut off again, and never takes with it the record another
/*	program appended meanwhile; a torn tail left by a crash spoils no
/*	record),
/*	whole lines from concurrent writers, and with AuditLog none one
/*	syslog message per record, read back from a private /dev/log.
/* DIAGNOSTICS
/*	The exit status is non-zero when a test fails.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <paths.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

/* Check library. */

#include <check.h>

/* Application-specific. */

#include "audit.h"
#include "buf.h"
#include "clock.h"
#include "log.h"

#define T_MS	1795426200123LL		/* 2026-11-23T09:30:00.123Z */

/*
 * A small strict JSON parser: enough to tell whether a line is exactly
 * one valid JSON object, and to list its top-level keys in order.
 */

typedef struct jp {
    const unsigned char *p;
    const unsigned char *end;
    int     depth;
    char    keys[32][32];		/* top-level keys, in order */
    int     nkeys;
} jp;

static int jp_value(jp *j);

static void jp_ws(jp *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t'
			     || *j->p == '\n' || *j->p == '\r'))
	j->p++;
}

static int jp_hex(int c)
{
    return ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
	    || (c >= 'A' && c <= 'F'));
}

/* jp_utf8 - length of a valid UTF-8 sequence (RFC 3629), or 0 */

static size_t jp_utf8(const unsigned char *s, size_t n)
{
    unsigned lo = 0x80, hi = 0xbf;
    size_t  want, i;

    if (s[0] >= 0xc2 && s[0] <= 0xdf)
	want = 2;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
	want = 3;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
	want = 4;
    else
	return (0);
    if (s[0] == 0xe0)
	lo = 0xa0;
    if (s[0] == 0xed)
	hi = 0x9f;
    if (s[0] == 0xf0)
	lo = 0x90;
    if (s[0] == 0xf4)
	hi = 0x8f;
    if (n < want || s[1] < lo || s[1] > hi)
	return (0);
    for (i = 2; i < want; i++)
	if (s[i] < 0x80 || s[i] > 0xbf)
	    return (0);
    return (want);
}

/* jp_string - a string; copy it to out (cut) when out is not NULL */

static int jp_string(jp *j, char *out, size_t outsz)
{
    size_t  n = 0;
    size_t  seq;
    int     i;

    if (j->p >= j->end || *j->p != '"')
	return (0);
    j->p++;
    while (j->p < j->end && *j->p != '"') {
	if (*j->p < 0x20)
	    return (0);				/* raw control */
	if (*j->p == '\\') {
	    j->p++;
	    if (j->p >= j->end)
		return (0);
	    if (*j->p == 'u') {
		for (i = 1; i <= 4; i++)
		    if (j->p + i >= j->end || !jp_hex(j->p[i]))
			return (0);
		j->p += 5;
	    } else if (strchr("\"\\/bfnrt", *j->p) != 0 && *j->p) {
		j->p++;
	    } else {
		return (0);
	    }
	    continue;
	}
	if (*j->p >= 0x80) {
	    if ((seq = jp_utf8(j->p, (size_t) (j->end - j->p))) == 0)
		return (0);
	    j->p += seq;
	    continue;
	}
	if (out != 0 && n + 1 < outsz)
	    out[n++] = (char) *j->p;
	j->p++;
    }
    if (j->p >= j->end)
	return (0);
    j->p++;
    if (out != 0 && outsz > 0)
	out[n] = 0;
    return (1);
}

static int jp_literal(jp *j, const char *lit)
{
    size_t  len = strlen(lit);

    if ((size_t) (j->end - j->p) < len || memcmp(j->p, lit, len) != 0)
	return (0);
    j->p += len;
    return (1);
}

static int jp_number(jp *j)
{
    const unsigned char *start = j->p;

    if (j->p < j->end && *j->p == '-')
	j->p++;
    while (j->p < j->end && ((*j->p >= '0' && *j->p <= '9')
			     || *j->p == '.' || *j->p == 'e' || *j->p == 'E'
			     || *j->p == '+' || *j->p == '-'))
	j->p++;
    return (j->p > start);
}

static int jp_object(jp *j)
{
    char    key[32];
    int     top = (j->depth == 0);

    j->p++;					/* { */
    j->depth++;
    jp_ws(j);
    if (j->p < j->end && *j->p == '}') {
	j->p++;
	j->depth--;
	return (1);
    }
    for (;;) {
	jp_ws(j);
	if (!jp_string(j, key, sizeof(key)))
	    return (0);
	if (top && j->nkeys < 32)
	    strcpy(j->keys[j->nkeys++], key);
	jp_ws(j);
	if (j->p >= j->end || *j->p++ != ':')
	    return (0);
	if (!jp_value(j))
	    return (0);
	jp_ws(j);
	if (j->p >= j->end)
	    return (0);
	if (*j->p == ',') {
	    j->p++;
	    continue;
	}
	if (*j->p == '}') {
	    j->p++;
	    j->depth--;
	    return (1);
	}
	return (0);
    }
}

static int jp_array(jp *j)
{
    j->p++;					/* [ */
    j->depth++;
    jp_ws(j);
    if (j->p < j->end && *j->p == ']') {
	j->p++;
	j->depth--;
	return (1);
    }
    for (;;) {
	if (!jp_value(j))
	    return (0);
	jp_ws(j);
	if (j->p >= j->end)
	    return (0);
	if (*j->p == ',') {
	    j->p++;
	    continue;
	}
	if (*j->p == ']') {
	    j->p++;
	    j->depth--;
	    return (1);
	}
	return (0);
    }
}

static int jp_value(jp *j)
{
    jp_ws(j);
    if (j->p >= j->end)
	return (0);
    switch (*j->p) {
    case '{':
	return (jp_object(j));
    case '[':
	return (jp_array(j));
    case '"':
	return (jp_string(j, (char *) 0, 0));
    case 't':
	return (jp_literal(j, "true"));
    case 'f':
	return (jp_literal(j, "false"));
    case 'n':
	return (jp_literal(j, "null"));
    default:
	return (jp_number(j));
    }
}

/* json_object - is text exactly one JSON object; fill in its keys */

static int json_object(const char *text, size_t len, jp *j)
{
    memset(j, 0, sizeof(*j));
    j->p = (const unsigned char *) text;
    j->end = j->p + len;
    if (len == 0 || *j->p != '{')
	return (0);
    if (!jp_object(j))
	return (0);
    return (j->p == j->end);
}

START_TEST(test_parser_self_check)
{
    jp      j;

#define OK(s)	ck_assert_int_eq(json_object((s), strlen(s), &j), 1)
#define BAD(s)	ck_assert_int_eq(json_object((s), strlen(s), &j), 0)
    OK("{}");
    OK("{\"a\":null,\"b\":{\"c\":[1,2,\"x\"]},\"d\":\"\\u00e9\\n\"}");
    ck_assert_int_eq(j.nkeys, 3);
    ck_assert_str_eq(j.keys[1], "b");
    BAD("{\"a\":\"x\ny\"}");
    BAD("{\"a\":\"\\x\"}");
    BAD("{\"a\":\"\xff\"}");
    BAD("{\"a\":1}{\"b\":2}");
    BAD("{\"a\":1}\n");
    BAD("{\"a\" 1}");
    BAD("{\"a\":\"x}");
#undef OK
#undef BAD
}
END_TEST

/*
 * cm_audit_format().
 */

/* full_record - a record with every key known */

static cm_audit_record full_record(void)
{
    cm_audit_record r;

    memset(&r, 0, sizeof(r));
    r.time_ms = T_MS;
    r.qid = "4Xyz1AbC2dz";
    r.msgid = "<20261123093000.1234@mail.example.org>";
    r.sender = "news@example.org";
    r.auth = "mailer";
    r.campaign = "spring-2026";
    r.purpose = "newsletter";
    r.basis = "consent";
    r.rcpt = "bob@example.org";
    r.rcpt_pseudonymised = 0;
    r.decision = CM_DECISION_DENY;
    r.reason = "suppressed";
    r.action = CM_ACTION_STRIP;
    r.mode = CM_MODE_DRY_RUN;
    r.from = "Spring Sale <offers@example.org>";
    r.subject = "Spring offers";
    r.consent_at = 1740830400;		/* 2025-03-01T12:00:00Z */
    r.consent_src = "web form v3, 192.0.2.7";
    r.suppressed_at = 1768464309;	/* 2026-01-15T08:05:09Z */
    r.plugins = "{\"dkim\":{\"result\":\"pass\",\"domain\":\"example.org\"}}";
    return (r);
}

/* format - format a record, check it is one JSON object, compare */

static void format(const cm_audit_record *r, const char *want)
{
    cm_buf  b = CM_BUF_INIT;
    jp      j;

    cm_audit_format(&b, r);
    ck_assert_int_eq(b.oom, 0);
    ck_assert_str_eq(cm_buf_str(&b), want);
    ck_assert_uint_eq(b.len, strlen(want));
    ck_assert_ptr_null(memchr(b.data, '\n', b.len));
    ck_assert_ptr_null(memchr(b.data, '\r', b.len));
    ck_assert_msg(json_object(b.data, b.len, &j), "not one JSON object: %s",
		  b.data);
    cm_buf_free(&b);
}

START_TEST(test_format_full)
{
    cm_audit_record r = full_record();

    format(&r, "{\"time\":\"2026-11-23T09:30:00.123Z\""
	   ",\"qid\":\"4Xyz1AbC2dz\""
	   ",\"msgid\":\"<20261123093000.1234@mail.example.org>\""
	   ",\"sender\":\"news@example.org\""
	   ",\"auth\":\"mailer\""
	   ",\"campaign\":\"spring-2026\""
	   ",\"purpose\":\"newsletter\""
	   ",\"basis\":\"consent\""
	   ",\"rcpt\":\"bob@example.org\""
	   ",\"decision\":\"deny\""
	   ",\"reason\":\"suppressed\""
	   ",\"action\":\"strip\""
	   ",\"mode\":\"dry-run\""
	   ",\"from\":\"Spring Sale <offers@example.org>\""
	   ",\"subject\":\"Spring offers\""
	   ",\"consent_at\":\"2025-03-01T12:00:00Z\""
	   ",\"consent_src\":\"web form v3, 192.0.2.7\""
	   ",\"suppressed_at\":\"2026-01-15T08:05:09Z\""
	   ",\"plugins\":{\"dkim\":{\"result\":\"pass\","
	   "\"domain\":\"example.org\"}}}");
}
END_TEST

START_TEST(test_format_msg_shared)
{
    static const char *const rcpts[] = {
	"bob@example.org", "\"quoted \\ local\"@example.org", 0,
	"carol@example.org",
    };
    cm_audit_msg msg = CM_AUDIT_MSG_INIT;
    cm_audit_record r = full_record();
    cm_buf  one = CM_BUF_INIT;
    cm_buf  all = CM_BUF_INIT;
    cm_buf  want = CM_BUF_INIT;
    size_t  i;

    /*
     * The records of one message, formatted with the shared parts made
     * once, are byte for byte what cm_audit_format() writes for each,
     * whatever varies from one recipient to the next.
     */
    for (i = 0; i < sizeof(rcpts) / sizeof(rcpts[0]); i++) {
	r.rcpt = rcpts[i];
	r.rcpt_pseudonymised = (i == 3);
	r.decision = i % 2 ? CM_DECISION_ALLOW : CM_DECISION_DENY;
	r.reason = i % 2 ? "consent" : "no-consent";
	r.action = i % 2 ? CM_ACTION_ACCEPT : CM_ACTION_STRIP;
	r.consent_at = i == 1 ? 0 : 1740830400 + (long long) i;
	r.consent_src = i == 2 ? 0 : rcpts[i];
	r.suppressed_at = i == 0 ? 1768464309 : 0;
	r.plugins = i == 1 ? 0 : "{}";
	/* Refused at RCPT: own time, and the queue id comes late. */
	r.time_ms = 1767225600123LL + (i > 1 ? 1001 : 0) + (i > 2);
	r.qid = i == 0 ? 0 : i == 1 ? "4Early" : "4Later";
	cm_buf_reset(&one);
	cm_audit_format(&one, &r);
	cm_buf_add(&want, one.data, one.len);
	cm_buf_addc(&want, '\n');
	cm_audit_format_msg(&all, &msg, &r);
	cm_buf_addc(&all, '\n');
    }
    ck_assert_int_eq(all.oom, 0);
    ck_assert_str_eq(cm_buf_str(&all), cm_buf_str(&want));
    ck_assert_ptr_nonnull(strstr(cm_buf_str(&all), "{\"time\":\"2026-01-01T"
				 "00:00:01.125Z\",\"qid\":\"4Later\","));
    ck_assert_ptr_nonnull(strstr(cm_buf_str(&all), "\"qid\":null,"));

    /* After a reset the next message's own members are used. */
    cm_audit_msg_reset(&msg);
    r.qid = "5Other";
    r.campaign = "autumn";
    cm_buf_reset(&all);
    cm_buf_reset(&one);
    cm_audit_format_msg(&all, &msg, &r);
    cm_audit_format(&one, &r);
    ck_assert_str_eq(cm_buf_str(&all), cm_buf_str(&one));
    ck_assert_ptr_nonnull(strstr(cm_buf_str(&all), "\"qid\":\"5Other\""));
    cm_audit_msg_free(&msg);
    cm_buf_free(&one);
    cm_buf_free(&all);
    cm_buf_free(&want);
}
END_TEST

START_TEST(test_format_subject)
{
    cm_audit_record r = full_record();
    cm_buf  b = CM_BUF_INIT;
    char    subj[400];
    const char *v, *end;
    size_t  i;

    /* A folded header is unfolded; an encoded-word stays as it came. */
    r.subject = "=?UTF-8?Q?Fr=C3=BChling?=\r\n\tsale \"now\"";
    cm_audit_format(&b, &r);
    ck_assert_ptr_nonnull(strstr(cm_buf_str(&b), ",\"subject\":"
				 "\"=?UTF-8?Q?Fr=C3=BChling?= sale \\\"now\\\"\","));

    /* Capped at 200 bytes, never inside a UTF-8 character. */
    for (i = 0; i + 2 < sizeof(subj) - 1; i += 2)
	memcpy(subj + i, "\xc3\xa9", 2);
    subj[i] = 0;
    memmove(subj + 1, subj, strlen(subj) + 1);
    subj[0] = 'x';				/* odd offset: 199 + 2 > 200 */
    r.subject = subj;
    cm_buf_reset(&b);
    cm_audit_format(&b, &r);
    ck_assert_ptr_nonnull(v = strstr(cm_buf_str(&b), ",\"subject\":\""));
    v += 12;
    ck_assert_ptr_nonnull(end = strchr(v, '"'));
    ck_assert_uint_eq((size_t) (end - v), 199);
    ck_assert_int_eq((unsigned char) end[-1], 0xa9);
    cm_buf_free(&b);
}
END_TEST

START_TEST(test_format_key_order)
{
    static const char *const order[] = {
	"time", "qid", "msgid", "sender", "auth", "campaign", "purpose",
	"basis", "rcpt", "decision", "reason", "action", "mode", "from",
	"subject", "consent_at", "consent_src", "suppressed_at", "plugins",
    };
    cm_audit_record r = full_record();
    cm_buf  b = CM_BUF_INIT;
    jp      j;
    int     i;

    cm_audit_format(&b, &r);
    ck_assert(json_object(b.data, b.len, &j));
    ck_assert_int_eq(j.nkeys, (int) (sizeof(order) / sizeof(order[0])));
    for (i = 0; i < j.nkeys; i++)
	ck_assert_str_eq(j.keys[i], order[i]);
    cm_buf_free(&b);
}
END_TEST

START_TEST(test_format_nulls)
{
    cm_audit_record r;

    /* The MAIL-time store failure: nothing known but the time. */
    memset(&r, 0, sizeof(r));
    r.time_ms = 1795426200000LL;
    r.decision = CM_DECISION_TEMPFAIL;
    r.reason = "store-error";
    r.action = CM_ACTION_TEMPFAIL;
    r.mode = CM_MODE_ENFORCE;
    format(&r, "{\"time\":\"2026-11-23T09:30:00.000Z\""
	   ",\"qid\":null,\"msgid\":null,\"sender\":null,\"auth\":null"
	   ",\"campaign\":null,\"purpose\":null,\"basis\":null"
	   ",\"rcpt\":null,\"decision\":\"tempfail\""
	   ",\"reason\":\"store-error\",\"action\":\"tempfail\""
	   ",\"mode\":\"enforce\",\"from\":null,\"subject\":null}");

    /* Even the reason may be unknown. */
    r.reason = 0;
    r.decision = CM_DECISION_ALLOW;
    r.action = CM_ACTION_ACCEPT;
    format(&r, "{\"time\":\"2026-11-23T09:30:00.000Z\""
	   ",\"qid\":null,\"msgid\":null,\"sender\":null,\"auth\":null"
	   ",\"campaign\":null,\"purpose\":null,\"basis\":null"
	   ",\"rcpt\":null,\"decision\":\"allow\""
	   ",\"reason\":null,\"action\":\"accept\""
	   ",\"mode\":\"enforce\",\"from\":null,\"subject\":null}");
}
END_TEST

START_TEST(test_format_optional_keys)
{
    cm_audit_record r = full_record();
    const char *head =
    "{\"time\":\"2026-11-23T09:30:00.123Z\",\"qid\":\"4Xyz1AbC2dz\""
    ",\"msgid\":\"<20261123093000.1234@mail.example.org>\""
    ",\"sender\":\"news@example.org\",\"auth\":\"mailer\""
    ",\"campaign\":\"spring-2026\",\"purpose\":\"newsletter\""
    ",\"basis\":\"consent\",\"rcpt\":\"bob@example.org\""
    ",\"decision\":\"deny\",\"reason\":\"suppressed\",\"action\":\"strip\""
    ",\"mode\":\"dry-run\",\"from\":\"Spring Sale <offers@example.org>\""
    ",\"subject\":\"Spring offers\"";
    char    want[1024];

    /* None known: the line ends after "subject". */
    r.consent_at = 0;
    r.consent_src = 0;
    r.suppressed_at = 0;
    r.plugins = 0;
    (void) snprintf(want, sizeof(want), "%s}", head);
    format(&r, want);

    /* Each one alone. */
    r.consent_at = 1740830400;
    (void) snprintf(want, sizeof(want),
		    "%s,\"consent_at\":\"2025-03-01T12:00:00Z\"}", head);
    format(&r, want);
    r.consent_at = 0;

    r.consent_src = "import 2025-03 (CRM)";
    (void) snprintf(want, sizeof(want),
		    "%s,\"consent_src\":\"import 2025-03 (CRM)\"}", head);
    format(&r, want);
    r.consent_src = 0;

    /* An empty evidence string is known (and empty), not unknown. */
    r.consent_src = "";
    (void) snprintf(want, sizeof(want), "%s,\"consent_src\":\"\"}", head);
    format(&r, want);
    r.consent_src = 0;

    r.suppressed_at = 1709251199;
    (void) snprintf(want, sizeof(want),
		    "%s,\"suppressed_at\":\"2024-02-29T23:59:59Z\"}", head);
    format(&r, want);
    r.suppressed_at = 0;

    r.plugins = "{}";
    (void) snprintf(want, sizeof(want), "%s,\"plugins\":{}}", head);
    format(&r, want);
}
END_TEST

START_TEST(test_format_pseudonymised)
{
    cm_audit_record r = full_record();
    static const char id[] =
    "5d41402abc4b2a76b9719d911017c592ae4f3b6f4c9e0d1e2f3a4b5c6d7e8f90";
    cm_buf  b = CM_BUF_INIT;
    jp      j;
    int     i;

    r.rcpt = id;
    r.rcpt_pseudonymised = 1;
    cm_audit_format(&b, &r);
    ck_assert_ptr_nonnull(strstr(cm_buf_str(&b),
		   ",\"basis\":\"consent\",\"rcpt_id\":\"5d41402abc4b2a76b9719d911017c592"
				 "ae4f3b6f4c9e0d1e2f3a4b5c6d7e8f90\",\"decision\":\"deny\","));
    ck_assert_ptr_null(strstr(cm_buf_str(&b), "\"rcpt\""));
    ck_assert_ptr_null(strstr(cm_buf_str(&b), "bob@example.org"));
    ck_assert(json_object(b.data, b.len, &j));
    for (i = 0; i < j.nkeys; i++)
	ck_assert_str_ne(j.keys[i], "rcpt");
    ck_assert_str_eq(j.keys[8], "rcpt_id");
    cm_buf_free(&b);
}
END_TEST

START_TEST(test_format_names)
{
    static const struct {
	cm_decision decision;
	cm_action action;
	cm_mode mode;
	const char *want;
    }       t[] = {
	{CM_DECISION_ALLOW, CM_ACTION_ACCEPT, CM_MODE_ENFORCE,
	"\"decision\":\"allow\",\"reason\":\"r\",\"action\":\"accept\",\"mode\":\"enforce\""},
	{CM_DECISION_DENY, CM_ACTION_REJECT, CM_MODE_ENFORCE,
	"\"decision\":\"deny\",\"reason\":\"r\",\"action\":\"reject\",\"mode\":\"enforce\""},
	{CM_DECISION_TEMPFAIL, CM_ACTION_TEMPFAIL, CM_MODE_DRY_RUN,
	"\"decision\":\"tempfail\",\"reason\":\"r\",\"action\":\"tempfail\",\"mode\":\"dry-run\""},
	{CM_DECISION_DENY, CM_ACTION_QUARANTINE, CM_MODE_ENFORCE,
	"\"decision\":\"deny\",\"reason\":\"r\",\"action\":\"quarantine\",\"mode\":\"enforce\""},
	{CM_DECISION_DENY, CM_ACTION_TAG, CM_MODE_DRY_RUN,
	"\"decision\":\"deny\",\"reason\":\"r\",\"action\":\"tag\",\"mode\":\"dry-run\""},
	{CM_DECISION_DENY, CM_ACTION_STRIP, CM_MODE_ENFORCE,
	"\"decision\":\"deny\",\"reason\":\"r\",\"action\":\"strip\",\"mode\":\"enforce\""},
    };
    cm_audit_record r = full_record();
    cm_buf  b = CM_BUF_INIT;
    size_t  i;

    r.reason = "r";
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
	r.decision = t[i].decision;
	r.action = t[i].action;
	r.mode = t[i].mode;
	cm_buf_reset(&b);
	cm_audit_format(&b, &r);
	ck_assert_msg(strstr(cm_buf_str(&b), t[i].want) != 0,
		      "%s not in %s", t[i].want, cm_buf_str(&b));
    }
    cm_buf_free(&b);
}
END_TEST

START_TEST(test_format_millis)
{
    cm_audit_record r = full_record();
    cm_buf  b = CM_BUF_INIT;

    r.time_ms = 1795426200999LL;
    cm_audit_format(&b, &r);
    ck_assert_int_eq(strncmp(cm_buf_str(&b),
			     "{\"time\":\"2026-11-23T09:30:00.999Z\",", 35), 0);
    cm_buf_reset(&b);
    r.time_ms = 1795426201007LL;
    cm_audit_format(&b, &r);
    ck_assert_int_eq(strncmp(cm_buf_str(&b),
			     "{\"time\":\"2026-11-23T09:30:01.007Z\",", 35), 0);
    cm_buf_reset(&b);
    r.time_ms = 0;
    cm_audit_format(&b, &r);
    ck_assert_int_eq(strncmp(cm_buf_str(&b),
			     "{\"time\":\"1970-01-01T00:00:00.000Z\",", 35), 0);
    cm_buf_free(&b);
}
END_TEST

START_TEST(test_format_escaping)
{
    cm_audit_record r = full_record();
    cm_buf  b = CM_BUF_INIT;
    jp      j;

    /*
     * A Message-ID that tries to end the string, end the line and
     * forge a record; control characters; DEL; bytes that are not
     * UTF-8 (a lone 0xff, a cut-off 2-byte sequence) next to valid
     * UTF-8 that must be kept.
     */
    r.msgid = "<a\"b\\c\r\n{\"rcpt\":\"forged\"}\x01\x7f\xff\xc3(\xc3\xa9@x>";
    r.campaign = "sp\"ring\n2026\t\x1b\xe9";
    r.sender = "\"john\\doe\"@example.org";
    r.from = "Mall\xc3\xa9 <\xed\xa0\x80@example.org>";	/* surrogate */
    r.consent_src = "form\r\nv3";
    cm_audit_format(&b, &r);
    ck_assert_int_eq(b.oom, 0);

    ck_assert_ptr_nonnull(strstr(cm_buf_str(&b),
	",\"msgid\":\"<a\\\"b\\\\c\\r\\n{\\\"rcpt\\\":\\\"forged\\\"}"
	"\\u0001\\u007f\\ufffd\\ufffd(\xc3\xa9@x>\","));
    ck_assert_ptr_nonnull(strstr(cm_buf_str(&b),
	",\"campaign\":\"sp\\\"ring\\n2026\\t\\u001b\\ufffd\","));
    ck_assert_ptr_nonnull(strstr(cm_buf_str(&b),
	",\"sender\":\"\\\"john\\\\doe\\\"@example.org\","));
    ck_assert_ptr_nonnull(strstr(cm_buf_str(&b),
	",\"from\":\"Mall\xc3\xa9 <\\ufffd\\ufffd\\ufffd@example.org>\","));
    ck_assert_ptr_nonnull(strstr(cm_buf_str(&b),
	",\"consent_src\":\"form\\r\\nv3\","));

    /* Still one line, one object, with exactly the contract's keys. */
    ck_assert_ptr_null(memchr(b.data, '\n', b.len));
    ck_assert_ptr_null(memchr(b.data, '\r', b.len));
    ck_assert_uint_eq(strlen(b.data), b.len);
    ck_assert_msg(json_object(b.data, b.len, &j), "not one JSON object: %s",
		  b.data);
    ck_assert_int_eq(j.nkeys, 19);
    ck_assert_str_eq(j.keys[2], "msgid");
    ck_assert_str_eq(j.keys[8], "rcpt");
    cm_buf_free(&b);
}
END_TEST

START_TEST(test_format_every_byte)
{
    cm_audit_record r = full_record();
    char    all[256];
    cm_buf  b = CM_BUF_INIT;
    jp      j;
    int     i;

    /* Every byte value but NUL, in msgid and campaign. */
    for (i = 1; i < 256; i++)
	all[i - 1] = (char) i;
    all[255] = 0;
    r.msgid = all;
    r.campaign = all;
    r.qid = all + 100;
    cm_audit_format(&b, &r);
    ck_assert_ptr_null(memchr(b.data, '\n', b.len));
    ck_assert_ptr_null(memchr(b.data, '\r', b.len));
    ck_assert_msg(json_object(b.data, b.len, &j), "not one JSON object");
    ck_assert_int_eq(j.nkeys, 19);
    cm_buf_free(&b);
}
END_TEST

START_TEST(test_format_appends)
{
    cm_audit_record r = full_record();
    cm_buf  b = CM_BUF_INIT;
    cm_buf  c = CM_BUF_INIT;

    /* A reused, reset buffer gives the same line (no stray comma). */
    cm_audit_format(&b, &r);
    cm_buf_adds(&c, "junk,");
    cm_buf_reset(&c);
    cm_audit_format(&c, &r);
    ck_assert_str_eq(cm_buf_str(&b), cm_buf_str(&c));
    cm_buf_free(&b);
    cm_buf_free(&c);
}
END_TEST

/*
 * cm_time_rfc3339() and cm_time_now_ms().
 */

START_TEST(test_time_rfc3339)
{
    char    buf[64];

    cm_time_rfc3339(buf, sizeof(buf), 0, -1);
    ck_assert_str_eq(buf, "1970-01-01T00:00:00Z");
    cm_time_rfc3339(buf, sizeof(buf), 0, 0);
    ck_assert_str_eq(buf, "1970-01-01T00:00:00.000Z");
    cm_time_rfc3339(buf, sizeof(buf), 1795426200, 123);
    ck_assert_str_eq(buf, "2026-11-23T09:30:00.123Z");
    cm_time_rfc3339(buf, sizeof(buf), 1795426200, -1);
    ck_assert_str_eq(buf, "2026-11-23T09:30:00Z");
    cm_time_rfc3339(buf, sizeof(buf), 1795426200, 7);
    ck_assert_str_eq(buf, "2026-11-23T09:30:00.007Z");
    cm_time_rfc3339(buf, sizeof(buf), 1795426200, 999);
    ck_assert_str_eq(buf, "2026-11-23T09:30:00.999Z");
    cm_time_rfc3339(buf, sizeof(buf), 1709251199, -1);
    ck_assert_str_eq(buf, "2024-02-29T23:59:59Z");
    cm_time_rfc3339(buf, sizeof(buf), 1740830400, -1);
    ck_assert_str_eq(buf, "2025-03-01T12:00:00Z");
    cm_time_rfc3339(buf, sizeof(buf), 1768464309, 50);
    ck_assert_str_eq(buf, "2026-01-15T08:05:09.050Z");

    /* The per-thread copy of the last second: never a wrong reuse. */
    cm_time_rfc3339(buf, sizeof(buf), -1, -1);
    ck_assert_str_eq(buf, "1969-12-31T23:59:59Z");
    cm_time_rfc3339(buf, sizeof(buf), 253402300800LL, -1);	/* year 10000 */
    ck_assert_str_eq(buf, "253402300800");
    cm_time_rfc3339(buf, sizeof(buf), 253402300800LL, 5);
    ck_assert_str_eq(buf, "253402300800");
    cm_time_rfc3339(buf, sizeof(buf), 253402300799LL, 5);
    ck_assert_str_eq(buf, "9999-12-31T23:59:59.005Z");
    cm_time_rfc3339(buf, 10, 253402300799LL, 5);
    ck_assert_str_eq(buf, "9999-12-3");
    cm_time_rfc3339(buf, sizeof(buf), 1768464309, -1);
    ck_assert_str_eq(buf, "2026-01-15T08:05:09Z");
}
END_TEST

/* libc_stamp - the same stamp through gmtime_r() and strftime() */

static void libc_stamp(char *buf, size_t size, long long seconds)
{
    time_t  when = (time_t) seconds;
    struct tm tm;

    ck_assert_ptr_nonnull(gmtime_r(&when, &tm));
    ck_assert_uint_gt(strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm), 0);
}

START_TEST(test_time_against_libc)
{
    char    got[64], want[64];
    unsigned long long x = 88172645463325252ULL;
    long long t;
    int     i;

    /*
     * The date is computed without gmtime_r(): it must agree with it
     * at every day boundary around leap years and centuries, and on a
     * spread of times from 1970 to 9999 (and before 1970).
     */
    for (t = -86400LL * 800; t < 86400LL * 800; t += 86400 - 1) {
	libc_stamp(want, sizeof(want), t);
	cm_time_rfc3339(got, sizeof(got), t, -1);
	ck_assert_str_eq(got, want);
    }
    for (i = 0; i < 200000; i++) {
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	t = (long long) (x % 253402300800ULL);	/* up to 9999-12-31 */
	libc_stamp(want, sizeof(want), t);
	cm_time_rfc3339(got, sizeof(got), t, -1);
	ck_assert_str_eq(got, want);
    }
    cm_time_rfc3339(got, sizeof(got), 253402300799LL, -1);
    ck_assert_str_eq(got, "9999-12-31T23:59:59Z");
    cm_time_rfc3339(got, sizeof(got), 253402300800LL, -1);
    ck_assert_str_eq(got, "253402300800");	/* no 5-digit years */
    cm_time_rfc3339(got, 8, 1795426200, 123);
    ck_assert_str_eq(got, "2026-11");		/* cut to the buffer */
}
END_TEST

START_TEST(test_time_utc_always)
{
    char    buf[64];

    /* The local time zone must not leak into the audit trail. */
    ck_assert_int_eq(setenv("TZ", "America/New_York", 1), 0);
    tzset();
    cm_time_rfc3339(buf, sizeof(buf), 1795426200, 123);
    ck_assert_str_eq(buf, "2026-11-23T09:30:00.123Z");
    ck_assert_int_eq(setenv("TZ", "Asia/Kolkata", 1), 0);
    tzset();
    cm_time_rfc3339(buf, sizeof(buf), 1740830400, -1);
    ck_assert_str_eq(buf, "2025-03-01T12:00:00Z");
    (void) unsetenv("TZ");
    tzset();
}
END_TEST

START_TEST(test_time_small_buffer)
{
    char    buf[32];

    /* Cut, but always terminated and never past the size. */
    memset(buf, 'X', sizeof(buf));
    cm_time_rfc3339(buf, 11, 0, 0);
    ck_assert_str_eq(buf, "1970-01-01");
    ck_assert_int_eq(buf[11], 'X');
    memset(buf, 'X', sizeof(buf));
    cm_time_rfc3339(buf, 24, 0, 0);
    ck_assert_str_eq(buf, "1970-01-01T00:00:00.000");
    ck_assert_int_eq(buf[24], 'X');
    cm_time_rfc3339(buf, 25, 0, 0);
    ck_assert_str_eq(buf, "1970-01-01T00:00:00.000Z");
}
END_TEST

START_TEST(test_time_now_ms)
{
    struct timeval before;
    struct timeval after;
    long long now;

    (void) gettimeofday(&before, (struct timezone *) 0);
    now = cm_time_now_ms();
    (void) gettimeofday(&after, (struct timezone *) 0);
    ck_assert(now >= (long long) before.tv_sec * 1000 + before.tv_usec / 1000);
    ck_assert(now <= (long long) after.tv_sec * 1000 + after.tv_usec / 1000);
}
END_TEST

/*
 * The log file.
 */

static char tmpdir[64];

static void file_setup(void)
{
    strcpy(tmpdir, "/tmp/check_audit.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

/* rm_tree - remove a directory and what the tests put in it */

static void rm_tree(const char *dir)
{
    DIR    *dp;
    struct dirent *de;
    char    names[64][256];
    char    path[512];
    struct stat st;
    int     n;
    int     i;
    int     pass;

    /*
     * Names are collected before anything is removed: unlinking while
     * readdir() runs may make it skip entries (tmpfs does).
     */
    for (pass = 0; pass < 10 && rmdir(dir) != 0 && errno == ENOTEMPTY; pass++) {
	if ((dp = opendir(dir)) == 0)
	    return;
	for (n = 0; n < 64 && (de = readdir(dp)) != 0; /* void */ ) {
	    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
		continue;
	    (void) snprintf(names[n++], sizeof(names[0]), "%s", de->d_name);
	}
	(void) closedir(dp);
	for (i = 0; i < n; i++) {
	    if (snprintf(path, sizeof(path), "%s/%s", dir, names[i])
		>= (int) sizeof(path))
		continue;
	    if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
		rm_tree(path);
	    else
		(void) unlink(path);
	}
    }
}

static void file_teardown(void)
{
    rm_tree(tmpdir);
}

/* in_tmp - a path in the test directory */

static const char *in_tmp(char *buf, size_t size, const char *name)
{
    (void) snprintf(buf, size, "%s/%s", tmpdir, name);
    return (buf);
}

/* slurp - read a whole file; NULL if it does not exist */

static char *slurp(const char *path, size_t *lenp)
{
    int     fd;
    struct stat st;
    char   *data;
    size_t  len = 0;
    ssize_t n;

    if ((fd = open(path, O_RDONLY)) < 0)
	return (0);
    ck_assert_int_eq(fstat(fd, &st), 0);
    data = malloc((size_t) st.st_size + 1);
    ck_assert_ptr_nonnull(data);
    while (len < (size_t) st.st_size
	   && (n = read(fd, data + len, (size_t) st.st_size - len)) > 0)
	len += (size_t) n;
    (void) close(fd);
    data[len] = 0;
    if (lenp)
	*lenp = len;
    return (data);
}

/* expect_file - compare a file's contents */

static void expect_file(const char *path, const char *want)
{
    char   *data = slurp(path, (size_t *) 0);

    ck_assert_msg(data != 0, "%s: missing", path);
    ck_assert_str_eq(data, want);
    free(data);
}

/* put - write a string as one record */

static int put(cm_audit *a, const char *line)
{
    return (cm_audit_write(a, line, strlen(line)));
}

/* put_file - create a file with these contents */

static int put_file(const char *path, const char *text)
{
    int     fd;
    int     ret = 0;

    if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
	return (-1);
    if (write(fd, text, strlen(text)) != (ssize_t) strlen(text))
	ret = -1;
    if (close(fd) != 0)
	ret = -1;
    return (ret);
}

START_TEST(test_file_append)
{
    char    path[256];
    char    err[256] = "";
    cm_audit *a;

    a = cm_audit_open(in_tmp(path, sizeof(path), "audit.log"), 0,
		      err, sizeof(err));
    ck_assert_msg(a != 0, "%s", err);
    ck_assert_int_eq(put(a, "{\"n\":1}"), 0);
    ck_assert_int_eq(put(a, "{\"n\":2}"), 0);
    /* len counts: only that many bytes, plus the newline. */
    ck_assert_int_eq(cm_audit_write(a, "{\"n\":3}TRAILING", 7), 0);
    /* Flushed when written: visible before close. */
    expect_file(path, "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n");
    cm_audit_close(a);
    expect_file(path, "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n");

    /* Opening again appends; it never truncates. */
    a = cm_audit_open(path, 0, err, sizeof(err));
    ck_assert_msg(a != 0, "%s", err);
    ck_assert_int_eq(put(a, "{\"n\":4}"), 0);
    cm_audit_close(a);
    expect_file(path, "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n{\"n\":4}\n");
}
END_TEST

START_TEST(test_file_mode)
{
    char    path[256];
    char    err[256] = "";
    cm_audit *a;
    struct stat st;
    mode_t  old = umask(022);

    a = cm_audit_open(in_tmp(path, sizeof(path), "audit.log"), 0,
		      err, sizeof(err));
    (void) umask(old);
    ck_assert_msg(a != 0, "%s", err);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0640);
    cm_audit_close(a);
}
END_TEST

START_TEST(test_file_fsync)
{
    char    path[256];
    char    err[256] = "";
    cm_audit *a;

    a = cm_audit_open(in_tmp(path, sizeof(path), "audit.log"), 1,
		      err, sizeof(err));
    ck_assert_msg(a != 0, "%s", err);
    ck_assert_int_eq(put(a, "{\"fsync\":true}"), 0);
    expect_file(path, "{\"fsync\":true}\n");
    cm_audit_close(a);
}
END_TEST

START_TEST(test_file_format_and_write)
{
    char    path[256];
    char    err[256] = "";
    cm_audit *a;
    cm_audit_record r = full_record();
    cm_buf  b = CM_BUF_INIT;
    char   *data;
    size_t  len;
    jp      j;

    /* A hostile record, formatted and written, is one line on disk. */
    r.msgid = "<x\r\n{\"forged\":1}\n@y>";
    a = cm_audit_open(in_tmp(path, sizeof(path), "audit.log"), 0,
		      err, sizeof(err));
    ck_assert_msg(a != 0, "%s", err);
    cm_audit_format(&b, &r);
    ck_assert_int_eq(cm_audit_write(a, b.data, b.len), 0);
    cm_audit_close(a);
    data = slurp(path, &len);
    ck_assert_ptr_nonnull(data);
    ck_assert_uint_eq(len, b.len + 1);
    ck_assert_int_eq(data[len - 1], '\n');
    ck_assert_ptr_eq(memchr(data, '\n', len), data + len - 1);
    ck_assert(json_object(data, len - 1, &j));
    free(data);
    cm_buf_free(&b);
}
END_TEST

START_TEST(test_file_reopen)
{
    char    path[256];
    char    old[256];
    char    err[256] = "";
    cm_audit *a;

    a = cm_audit_open(in_tmp(path, sizeof(path), "audit.log"), 0,
		      err, sizeof(err));
    ck_assert_msg(a != 0, "%s", err);
    ck_assert_int_eq(put(a, "line 1"), 0);

    /* logrotate renames; until SIGHUP the old file keeps growing. */
    ck_assert_int_eq(rename(path, in_tmp(old, sizeof(old), "audit.log.1")), 0);
    ck_assert_int_eq(put(a, "line 2"), 0);
    ck_assert_int_eq(access(path, F_OK), -1);

    /* After the reopen, a new file at the configured path. */
    ck_assert_int_eq(cm_audit_reopen(a, err, sizeof(err)), 0);
    ck_assert_int_eq(put(a, "line 3"), 0);
    ck_assert_int_eq(put(a, "line 4"), 0);
    expect_file(old, "line 1\nline 2\n");
    expect_file(path, "line 3\nline 4\n");

    /* A reopen without a rotation keeps appending to the same file. */
    ck_assert_int_eq(cm_audit_reopen(a, err, sizeof(err)), 0);
    ck_assert_int_eq(put(a, "line 5"), 0);
    expect_file(path, "line 3\nline 4\nline 5\n");
    cm_audit_close(a);
}
END_TEST

START_TEST(test_file_open_error)
{
    char    path[256];
    char    err[256] = "";
    char    small[16];
    cm_audit *a;

    in_tmp(path, sizeof(path), "missing/audit.log");
    a = cm_audit_open(path, 0, err, sizeof(err));
    ck_assert_ptr_null(a);
    ck_assert_msg(strstr(err, path) != 0, "error does not name %s: %s",
		  path, err);

    /* A short error buffer is cut, and terminated. */
    memset(small, 'X', sizeof(small));
    a = cm_audit_open(path, 0, small, sizeof(small));
    ck_assert_ptr_null(a);
    ck_assert_ptr_nonnull(memchr(small, 0, sizeof(small)));
}
END_TEST

START_TEST(test_file_reopen_error)
{
    char    dir[256];
    char    moved[256];
    char    path[256];
    char    err[256] = "";
    cm_audit *a;

    ck_assert_int_eq(mkdir(in_tmp(dir, sizeof(dir), "sub"), 0700), 0);
    in_tmp(path, sizeof(path), "sub/audit.log");
    a = cm_audit_open(path, 0, err, sizeof(err));
    ck_assert_msg(a != 0, "%s", err);
    ck_assert_int_eq(put(a, "before"), 0);

    /* The directory goes away: the reopen fails and says where. */
    ck_assert_int_eq(rename(dir, in_tmp(moved, sizeof(moved), "sub.old")), 0);
    err[0] = 0;
    ck_assert_int_eq(cm_audit_reopen(a, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, path) != 0, "error does not name %s: %s",
		  path, err);

    /* The old descriptor stays in use: nothing is lost. */
    ck_assert_int_eq(put(a, "during"), 0);

    /* Once the directory is back, a reopen succeeds. */
    ck_assert_int_eq(rename(moved, dir), 0);
    ck_assert_int_eq(cm_audit_reopen(a, err, sizeof(err)), 0);
    ck_assert_int_eq(put(a, "after"), 0);
    cm_audit_close(a);
    expect_file(path, "before\nduring\nafter\n");
}
END_TEST

START_TEST(test_file_write_error)
{
    char    err[256] = "";
    cm_audit *a;

    /* A full disk: the caller must hear about it. */
    if (access("/dev/full", W_OK) != 0)
	return;
    cm_log_init("check_audit", 0, 0);
    a = cm_audit_open("/dev/full", 0, err, sizeof(err));
    ck_assert_msg(a != 0, "%s", err);
    ck_assert_int_eq(put(a, "{\"lost\":true}"), -1);
    cm_audit_close(a);
}
END_TEST

START_TEST(test_file_records_whole_or_none)
{
    char    path[256];
    char    err[256] = "";
    const char *three = "{\"n\":2}\n{\"n\":3}\n{\"n\":4}";
    cm_audit *a;
    struct rlimit old;
    struct rlimit small;
    void    (*was) (int);

    a = cm_audit_open(in_tmp(path, sizeof(path), "audit.log"), 0,
		      err, sizeof(err));
    ck_assert_msg(a != 0, "%s", err);
    cm_log_init("check_audit", 0, 0);
    ck_assert_int_eq(put(a, "{\"n\":1}"), 0);

    /*
     * A disk that fills in the middle of a message's records: a file
     * size limit of 18 bytes lets 10 of the next 24 through (a short
     * write), then EFBIG. None of them may stay.
     */
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    small = old;
    small.rlim_cur = 18;
    was = signal(SIGXFSZ, SIG_IGN);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
    ck_assert_int_eq(cm_audit_write(a, three, strlen(three)), -1);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
    (void) signal(SIGXFSZ, was);
    expect_file(path, "{\"n\":1}\n");

    /* With space again, the next records are whole lines. */
    ck_assert_int_eq(cm_audit_write(a, three, strlen(three)), 0);
    expect_file(path, "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n{\"n\":4}\n");
    cm_audit_close(a);
}
END_TEST

/*
 * test_file_other_writer's SIGXFSZ handler: the disk filled in the middle
 * of a write. Before the writer cuts back, another program's writer is
 * let go (a byte on its pipe) and given time to append its record. Once,
 * and only while armed: every write past the limit raises the signal,
 * Check's own records and log lines too.
 */
static volatile sig_atomic_t other_go = -1;

static void let_other_write(int sig)
{
    struct timespec ts = {0, 300 * 1000 * 1000};
    int     saved = errno;
    int     fd = other_go;

    (void) sig;
    if (fd < 0)
	return;
    other_go = -1;
    if (write(fd, "x", 1) != 1)
	_exit(3);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
	 /* void */ ;
    errno = saved;
}

START_TEST(test_file_other_writer)
{
    char    path[256];
    char    err[256] = "";
    const char *three = "{\"n\":2}\n{\"n\":3}\n{\"n\":4}";
    cm_audit *a;
    cm_audit *b;
    struct rlimit old;
    struct rlimit small;
    struct sigaction sa;
    struct sigaction was;
    int     go[2];
    int     status;
    int     limited;
    int     ret;
    pid_t   pid;
    char    ch;

    /*
     * Another program appends to the same file (consentctl's pipe
     * transports, several at once, beside the daemon). A full disk cuts
     * this writer's records back to the size before its write: that
     * must not take the other's record, written meanwhile, nor leave
     * half of ours.
     */
    a = cm_audit_open(in_tmp(path, sizeof(path), "audit.log"), 0,
		      err, sizeof(err));
    ck_assert_msg(a != 0, "%s", err);
    cm_log_init("check_audit", 0, 0);
    ck_assert_int_eq(put(a, "{\"n\":1}"), 0);
    ck_assert_int_eq(pipe(go), 0);
    ck_assert_int_ge(pid = fork(), 0);
    if (pid == 0) {
	(void) close(go[1]);
	if ((b = cm_audit_open(path, 0, err, sizeof(err))) == 0
	    || read(go[0], &ch, 1) != 1)
	    _exit(2);
	_exit(put(b, "{\"other\":1}") == 0 ? 0 : 1);
    }
    (void) close(go[0]);

    /*
     * As in test_file_records_whole_or_none: 10 bytes, then EFBIG. No
     * ck_assert while the limit holds: Check records each in a file.
     */
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = let_other_write;
    (void) sigemptyset(&sa.sa_mask);
    ck_assert_int_eq(sigaction(SIGXFSZ, &sa, &was), 0);
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    small = old;
    small.rlim_cur = 18;
    limited = setrlimit(RLIMIT_FSIZE, &small);
    other_go = go[1];
    ret = cm_audit_write(a, three, strlen(three));
    other_go = -1;
    (void) setrlimit(RLIMIT_FSIZE, &old);
    (void) sigaction(SIGXFSZ, &was, 0);
    (void) close(go[1]);
    ck_assert_int_eq(limited, 0);
    ck_assert_int_eq(ret, -1);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "the other writer failed: status %#x", status);
    expect_file(path, "{\"n\":1}\n{\"other\":1}\n");
    cm_audit_close(a);
}
END_TEST

START_TEST(test_file_torn_tail)
{
    char    path[256];
    char    err[256] = "";
    cm_audit *a;
    FILE   *fp;

    /* A crash left half a record: it must not swallow the next one. */
    fp = fopen(in_tmp(path, sizeof(path), "audit.log"), "w");
    ck_assert_ptr_nonnull(fp);
    (void) fputs("{\"n\":1}\n{\"torn\":", fp);
    ck_assert_int_eq(fclose(fp), 0);
    a = cm_audit_open(path, 0, err, sizeof(err));
    ck_assert_msg(a != 0, "%s", err);
    ck_assert_int_eq(put(a, "{\"n\":2}"), 0);
    ck_assert_int_eq(put(a, "{\"n\":3}"), 0);
    expect_file(path, "{\"n\":1}\n{\"torn\":\n{\"n\":2}\n{\"n\":3}\n");

    /* The same after a reopen; a whole file gets no extra newline. */
    fp = fopen(path, "a");
    ck_assert_ptr_nonnull(fp);
    (void) fputs("{\"torn\":2", fp);
    ck_assert_int_eq(fclose(fp), 0);
    ck_assert_int_eq(cm_audit_reopen(a, err, sizeof(err)), 0);
    ck_assert_int_eq(put(a, "{\"n\":4}"), 0);
    ck_assert_int_eq(cm_audit_reopen(a, err, sizeof(err)), 0);
    ck_assert_int_eq(put(a, "{\"n\":5}"), 0);
    expect_file(path, "{\"n\":1}\n{\"torn\":\n{\"n\":2}\n{\"n\":3}\n"
		"{\"torn\":2\n{\"n\":4}\n{\"n\":5}\n");
    cm_audit_close(a);
}
END_TEST

START_TEST(test_file_links_as_root)
{
    char    victim[256];
    char    sym[256];
    char    hard[256];
    char    err[256] = "";
    cm_audit *a;

    /*
     * As root, the trail is written in a directory that UserID may own:
     * a link planted there must not point root's appends (consentctl
     * feedback run by hand) at another file.
     */
    if (geteuid() != 0)
	return;
    in_tmp(victim, sizeof(victim), "victim");
    ck_assert_int_eq(put_file(victim, "keep\n"), 0);

    ck_assert_int_eq(symlink(victim, in_tmp(sym, sizeof(sym), "sym.log")), 0);
    a = cm_audit_open(sym, 0, err, sizeof(err));
    ck_assert_ptr_null(a);
    ck_assert_msg(strstr(err, sym) && strstr(err, "a symbolic link"),
		  "%s", err);

    ck_assert_int_eq(link(victim, in_tmp(hard, sizeof(hard), "hard.log")), 0);
    err[0] = 0;
    a = cm_audit_open(hard, 0, err, sizeof(err));
    ck_assert_ptr_null(a);
    ck_assert_msg(strstr(err, hard) && strstr(err, "has 2 links"), "%s", err);
    expect_file(victim, "keep\n");

    /* A dangling link is not followed to create its target either. */
    ck_assert_int_eq(unlink(victim), 0);
    err[0] = 0;
    ck_assert_ptr_null(cm_audit_open(sym, 0, err, sizeof(err)));
    ck_assert_int_eq(access(victim, F_OK), -1);
}
END_TEST

START_TEST(test_file_reopen_link_as_root)
{
    char    path[256];
    char    moved[256];
    char    victim[256];
    char    err[256] = "";
    cm_audit *a;

    /* Log rotation is when the file is replaced: a link is refused then too. */
    if (geteuid() != 0)
	return;
    in_tmp(victim, sizeof(victim), "victim");
    ck_assert_int_eq(put_file(victim, "keep\n"), 0);
    a = cm_audit_open(in_tmp(path, sizeof(path), "audit.log"), 0, err,
		      sizeof(err));
    ck_assert_msg(a != 0, "%s", err);
    ck_assert_int_eq(put(a, "before"), 0);
    ck_assert_int_eq(rename(path, in_tmp(moved, sizeof(moved), "audit.1")), 0);
    ck_assert_int_eq(symlink(victim, path), 0);
    ck_assert_int_eq(cm_audit_reopen(a, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "a symbolic link"), "%s", err);

    /* The old descriptor stays in use: nothing is lost, nothing misled. */
    ck_assert_int_eq(put(a, "after"), 0);
    cm_audit_close(a);
    expect_file(moved, "before\nafter\n");
    expect_file(victim, "keep\n");
}
END_TEST

START_TEST(test_file_removed)
{
    char    path[256];
    char    moved[256];
    char    fresh[256];
    char    err[256] = "";
    cm_audit *a;

    /*
     * Removed without SIGHUP: records written to a file with no name
     * are in nobody's trail. They go again, into a file of that name.
     */
    a = cm_audit_open(in_tmp(path, sizeof(path), "audit.log"), 0, err,
		      sizeof(err));
    ck_assert_msg(a != 0, "%s", err);
    ck_assert_int_eq(put(a, "one"), 0);
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(put(a, "two"), 0);
    expect_file(path, "two\n");
    ck_assert_int_eq(put(a, "three"), 0);
    expect_file(path, "two\nthree\n");

    /* Another file renamed over it: the same. */
    ck_assert_int_eq(put_file(in_tmp(fresh, sizeof(fresh), "fresh"), "new\n"),
		     0);
    ck_assert_int_eq(rename(fresh, path), 0);
    ck_assert_int_eq(put(a, "four"), 0);
    expect_file(path, "new\nfour\n");

    /* Renamed away (rotation before its SIGHUP): it keeps its records. */
    ck_assert_int_eq(rename(path, in_tmp(moved, sizeof(moved), "audit.1")), 0);
    ck_assert_int_eq(put(a, "five"), 0);
    expect_file(moved, "new\nfour\nfive\n");

    /* Removed, and no file can be made in its place: the write fails. */
    ck_assert_int_eq(unlink(moved), 0);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    ck_assert_int_eq(put(a, "six"), -1);
    ck_assert_int_eq(rmdir(path), 0);
    cm_audit_close(a);
}
END_TEST

START_TEST(test_file_fifo)
{
    char    path[256];
    char    err[256] = "";
    int     rd;

    /* A FIFO would block every writer (no reader) and cannot be cut back. */
    ck_assert_int_eq(mkfifo(in_tmp(path, sizeof(path), "fifo.log"), 0600), 0);
    ck_assert_ptr_null(cm_audit_open(path, 0, err, sizeof(err)));
    ck_assert_msg(strstr(err, path) && strstr(err, "a FIFO or socket"),
		  "%s", err);

    /* With a reader, the open succeeds: the check after it refuses. */
    ck_assert_int_ge(rd = open(path, O_RDONLY | O_NONBLOCK), 0);
    err[0] = 0;
    ck_assert_ptr_null(cm_audit_open(path, 0, err, sizeof(err)));
    ck_assert_msg(strstr(err, "a FIFO or socket"), "%s", err);
    (void) close(rd);
}
END_TEST

/*
 * AuditLog none: the records go through syslog(3), which sends each
 * message as one datagram to /dev/log. To read what was logged, the
 * test takes the place of the syslog daemon: a child process enters a
 * private mount namespace (nobody else sees it), mounts a small tmpfs
 * over /dev and binds its own datagram socket at /dev/log, has the
 * audit code log, and hands every datagram it received to the parent.
 * That tests the daemon's real path, syslog(3) included, with no hook
 * for tests in audit.c (the alternative, a syslog client of our own
 * with a configurable socket, would test our client, not syslog(3)).
 * It needs root (CAP_SYS_ADMIN), which the tests have in CI; elsewhere
 * the child says so (exit 77) and the test checks only that nothing
 * fails.
 */

#define SYSLOG_SKIP	77
#define SYSLOG_MAX	16

/* syslog_redirect - become the syslog daemon; -1 when not permitted */

static int syslog_redirect(void)
{
    struct sockaddr_un sun;
    int     fd;

    if (unshare(CLONE_NEWNS) != 0
	|| mount("none", "/", 0, MS_REC | MS_PRIVATE, 0) != 0
	|| mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC,
		 "size=64k,mode=0755") != 0)
	return (-1);
    (void) mknod("/dev/null", S_IFCHR | 0666, makedev(1, 3));
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    (void) snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", _PATH_LOG);
    if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0
	|| bind(fd, (struct sockaddr *) &sun, sizeof(sun)) != 0)
	return (-1);
    return (fd);
}

/* syslog_child - log through the audit code, pass on what arrived */

static void syslog_child(int out)
{
    const char *msg1 = "{\"n\":1}\n{\"n\":2,\"s\":\"x y\"}\n{\"n\":3}";
    const char *msg2 = "{\"n\":4}";
    char    err[256];
    char    buf[4096];
    struct pollfd pfd;
    cm_audit *a;
    ssize_t n;
    int     fd;

    if ((fd = syslog_redirect()) < 0)
	_exit(SYSLOG_SKIP);
    closelog();
    openlog("check_audit", LOG_PID, LOG_MAIL);
    if ((a = cm_audit_open((const char *) 0, 0, err, sizeof(err))) == 0
	|| cm_audit_write(a, msg1, strlen(msg1)) != 0
	|| cm_audit_write(a, msg2, strlen(msg2)) != 0
	|| cm_audit_reopen(a, err, sizeof(err)) != 0)
	_exit(1);
    cm_audit_close(a);
    closelog();

    /*
     * Every datagram, as a 4-byte length and the bytes. syslog(3) has
     * queued them on our socket before it returned: no long wait.
     */
    pfd.fd = fd;
    pfd.events = POLLIN;
    while (poll(&pfd, 1, 100) == 1
	   && (n = recv(fd, buf, sizeof(buf), 0)) >= 0) {
	uint32_t len = (uint32_t) n;

	if (write(out, &len, sizeof(len)) != sizeof(len)
	    || write(out, buf, (size_t) n) != n)
	    _exit(1);
    }
    _exit(0);
}

START_TEST(test_syslog_mode)
{
    static const char *want[] = {
	"{\"n\":1}", "{\"n\":2,\"s\":\"x y\"}", "{\"n\":3}", "{\"n\":4}",
    };
    char    got[SYSLOG_MAX][4096];
    char    err[256] = "";
    char    tag[64];
    char   *body;
    cm_audit *a;
    uint32_t len;
    pid_t   pid;
    int     pfd[2];
    int     status;
    int     count = 0;
    int     i;

    ck_assert_int_eq(pipe(pfd), 0);
    ck_assert_int_ge(pid = fork(), 0);
    if (pid == 0) {
	(void) close(pfd[0]);
	syslog_child(pfd[1]);
    }
    (void) close(pfd[1]);
    while (read(pfd[0], &len, sizeof(len)) == sizeof(len)) {
	ck_assert_int_lt(count, SYSLOG_MAX);
	ck_assert_uint_lt(len, sizeof(got[0]));
	ck_assert_int_eq(read(pfd[0], got[count], len), (ssize_t) len);
	got[count++][len] = 0;
    }
    (void) close(pfd[0]);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    if (WEXITSTATUS(status) == SYSLOG_SKIP) {
	fprintf(stderr, "test_syslog_mode: SKIP reading the records: "
		"/dev/log cannot be redirected (needs root in a private "
		"mount namespace)\n");
	a = cm_audit_open((const char *) 0, 0, err, sizeof(err));
	ck_assert_msg(a != 0, "%s", err);
	ck_assert_int_eq(put(a, "{\"to\":\"syslog\"}"), 0);
	cm_audit_close(a);
	return;
    }
    ck_assert_int_eq(WEXITSTATUS(status), 0);

    /*
     * One message per record, each with the priority (mail.info), the
     * tag with the pid, and the label: "<22>Dec  3 05:22:01
     * check_audit[123]: audit: {...}".
     */
    ck_assert_int_eq(count, 4);
    (void) snprintf(tag, sizeof(tag), " check_audit[%ld]: audit: ",
		    (long) pid);
    for (i = 0; i < count; i++) {
	ck_assert_msg(strncmp(got[i], "<22>", 4) == 0, "priority: %s", got[i]);
	body = strstr(got[i], tag);
	ck_assert_msg(body != 0, "no tag \"%s\" in %s", tag, got[i]);
	ck_assert_str_eq(body + strlen(tag), want[i]);
    }
    cm_audit_close((cm_audit *) 0);
}
END_TEST

/*
 * Concurrent writers.
 */

#define NTHREADS	8
#define NWRITES		500

typedef struct writer {
    cm_audit *audit;
    int     id;
    int     failures;
} writer;

static int writes_done;			/* all threads, atomic */

/* pad_len - a payload length that varies from line to line */

static int pad_len(int t, int n)
{
    return (10 + (t * 131 + n * 977) % 4000);
}

static void *writer_main(void *arg)
{
    writer *w = arg;
    char   *line = malloc(4200);
    int     n;
    int     len;
    int     pad;

    if (line == 0) {
	w->failures = NWRITES;
	return (0);
    }
    for (n = 0; n < NWRITES; n++) {
	pad = pad_len(w->id, n);
	len = snprintf(line, 4200, "{\"t\":%d,\"n\":%d,\"pad\":\"", w->id, n);
	memset(line + len, 'a' + w->id, (size_t) pad);
	len += pad;
	memcpy(line + len, "\"}", 2);
	len += 2;
	if (cm_audit_write(w->audit, line, (size_t) len) != 0)
	    w->failures++;
	(void) __atomic_add_fetch(&writes_done, 1, __ATOMIC_SEQ_CST);
    }
    free(line);
    return (0);
}

/* check_lines - every line whole, each (t, n) once; returns the count */

static int check_lines(const char *data, size_t len,
		               unsigned char seen[NTHREADS][NWRITES])
{
    const char *cp = data;
    const char *end = data + len;
    const char *nl;
    const char *pad;
    char    head[64];
    int     t, n, i, used;
    int     count = 0;

    if (len > 0)
	ck_assert_msg(data[len - 1] == '\n', "file does not end in newline");
    while (cp < end) {
	nl = memchr(cp, '\n', (size_t) (end - cp));
	ck_assert_ptr_nonnull(nl);
	/* sscanf() on the big buffer would strlen() it for every line. */
	used = (int) (nl - cp < (long) sizeof(head) - 1 ?
		      nl - cp : (long) sizeof(head) - 1);
	memcpy(head, cp, (size_t) used);
	head[used] = 0;
	used = 0;
	ck_assert_msg(sscanf(head, "{\"t\":%d,\"n\":%d,\"pad\":\"%n",
			     &t, &n, &used) == 2 && used > 0,
		      "bad line start: %.40s", head);
	ck_assert(t >= 0 && t < NTHREADS && n >= 0 && n < NWRITES);
	pad = cp + used;
	ck_assert_msg(nl - pad == pad_len(t, n) + 2,
		      "line t=%d n=%d: wrong length", t, n);
	/* One assertion per line: each one costs a pipe write in Check. */
	for (i = 0; i < pad_len(t, n) && pad[i] == 'a' + t; i++)
	     /* void */ ;
	ck_assert_msg(i == pad_len(t, n), "line t=%d n=%d: mixed", t, n);
	ck_assert(pad[i] == '"' && pad[i + 1] == '}');
	ck_assert_msg(seen[t][n] == 0, "line t=%d n=%d twice", t, n);
	seen[t][n] = 1;
	count++;
	cp = nl + 1;
    }
    return (count);
}

/* threads_write - NTHREADS writers, do_fsync as given: every line once, whole */

static void threads_write(int do_fsync)
{
    static unsigned char seen[NTHREADS][NWRITES];
    char    path[256];
    char    err[256] = "";
    cm_audit *a;
    pthread_t tid[NTHREADS];
    writer  w[NTHREADS];
    char   *data;
    size_t  len;
    int     i;

    memset(seen, 0, sizeof(seen));
    a = cm_audit_open(in_tmp(path, sizeof(path), "audit.log"), do_fsync,
		      err, sizeof(err));
    ck_assert_msg(a != 0, "%s", err);
    for (i = 0; i < NTHREADS; i++) {
	w[i].audit = a;
	w[i].id = i;
	w[i].failures = 0;
	ck_assert_int_eq(pthread_create(tid + i, 0, writer_main, w + i), 0);
    }
    for (i = 0; i < NTHREADS; i++) {
	ck_assert_int_eq(pthread_join(tid[i], 0), 0);
	ck_assert_int_eq(w[i].failures, 0);
    }
    cm_audit_close(a);

    data = slurp(path, &len);
    ck_assert_ptr_nonnull(data);
    ck_assert_int_eq(check_lines(data, len, seen), NTHREADS * NWRITES);
    free(data);
}

START_TEST(test_threads)
{
    threads_write(0);
}
END_TEST

/* With AuditFsync: the writers share fsyncs (group commit), lose nothing. */

START_TEST(test_threads_fsync)
{
    threads_write(1);
}
END_TEST

START_TEST(test_threads_disk_full)
{
    static unsigned char seen[NTHREADS][NWRITES];
    char    path[256];
    char    err[256] = "";
    cm_audit *a;
    pthread_t tid[NTHREADS];
    writer  w[NTHREADS];
    struct rlimit old;
    struct rlimit small;
    void    (*was) (int);
    char   *data;
    size_t  len;
    int     failures = 0;
    int     i;

    /*
     * Several sessions write while the disk fills up (a file size
     * limit of 256 KiB: short writes, then EFBIG). Each record is
     * either whole in the file, and its writer was told so, or absent,
     * and its writer was told that: nothing torn, nothing in between.
     */
    memset(seen, 0, sizeof(seen));
    cm_log_init("check_audit", 0, 0);
    a = cm_audit_open(in_tmp(path, sizeof(path), "audit.log"), 0,
		      err, sizeof(err));
    ck_assert_msg(a != 0, "%s", err);
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    small = old;
    small.rlim_cur = 256 * 1024;
    was = signal(SIGXFSZ, SIG_IGN);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
    for (i = 0; i < NTHREADS; i++) {
	w[i].audit = a;
	w[i].id = i;
	w[i].failures = 0;
	ck_assert_int_eq(pthread_create(tid + i, 0, writer_main, w + i), 0);
    }
    for (i = 0; i < NTHREADS; i++) {
	ck_assert_int_eq(pthread_join(tid[i], 0), 0);
	failures += w[i].failures;
    }
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
    (void) signal(SIGXFSZ, was);
    cm_audit_close(a);

    data = slurp(path, &len);
    ck_assert_ptr_nonnull(data);
    ck_assert_uint_le(len, 256 * 1024);
    ck_assert_int_gt(failures, 0);
    ck_assert_int_eq(check_lines(data, len, seen), NTHREADS * NWRITES - failures);
    free(data);
}
END_TEST

START_TEST(test_threads_with_rotation)
{
    static unsigned char seen[NTHREADS][NWRITES];
    char    path[256];
    char    rotated[256];
    char    name[32];
    char    err[256] = "";
    cm_audit *a;
    pthread_t tid[NTHREADS];
    writer  w[NTHREADS];
    char   *data;
    size_t  len;
    int     i;
    int     r;
    int     total = 0;

#define NROTATE	6

    memset(seen, 0, sizeof(seen));
    writes_done = 0;
    a = cm_audit_open(in_tmp(path, sizeof(path), "audit.log"), 0,
		      err, sizeof(err));
    ck_assert_msg(a != 0, "%s", err);
    for (i = 0; i < NTHREADS; i++) {
	w[i].audit = a;
	w[i].id = i;
	w[i].failures = 0;
	ck_assert_int_eq(pthread_create(tid + i, 0, writer_main, w + i), 0);
    }

    /*
     * logrotate and SIGHUP, while the writers write: rotation r waits
     * until r/(NROTATE+1) of the lines are written.
     */
    for (r = 1; r <= NROTATE; r++) {
	while (__atomic_load_n(&writes_done, __ATOMIC_SEQ_CST)
	       < r * NTHREADS * NWRITES / (NROTATE + 1))
	    (void) usleep(100);
	(void) snprintf(name, sizeof(name), "audit.log.%d", r);
	ck_assert_int_eq(rename(path, in_tmp(rotated, sizeof(rotated), name)), 0);
	ck_assert_int_eq(cm_audit_reopen(a, err, sizeof(err)), 0);
    }
    for (i = 0; i < NTHREADS; i++) {
	ck_assert_int_eq(pthread_join(tid[i], 0), 0);
	ck_assert_int_eq(w[i].failures, 0);
    }
    cm_audit_close(a);

    /* Nothing lost, nothing split, across all the files. */
    data = slurp(path, &len);
    ck_assert_ptr_nonnull(data);
    total += check_lines(data, len, seen);
    free(data);
    for (r = 1; r <= NROTATE; r++) {
	(void) snprintf(name, sizeof(name), "audit.log.%d", r);
	data = slurp(in_tmp(rotated, sizeof(rotated), name), &len);
	ck_assert_ptr_nonnull(data);
	total += check_lines(data, len, seen);
	free(data);
    }
    ck_assert_int_eq(total, NTHREADS * NWRITES);
}
END_TEST

/* audit_suite - collect the test cases */

static Suite *audit_suite(void)
{
    Suite  *s = suite_create("audit");
    TCase  *tc;

    tc = tcase_create("format");
    tcase_add_test(tc, test_parser_self_check);
    tcase_add_test(tc, test_format_full);
    tcase_add_test(tc, test_format_key_order);
    tcase_add_test(tc, test_format_subject);
    tcase_add_test(tc, test_format_msg_shared);
    tcase_add_test(tc, test_format_nulls);
    tcase_add_test(tc, test_format_optional_keys);
    tcase_add_test(tc, test_format_pseudonymised);
    tcase_add_test(tc, test_format_names);
    tcase_add_test(tc, test_format_millis);
    tcase_add_test(tc, test_format_appends);
    suite_add_tcase(s, tc);

    tc = tcase_create("escape");
    tcase_add_test(tc, test_format_escaping);
    tcase_add_test(tc, test_format_every_byte);
    suite_add_tcase(s, tc);

    tc = tcase_create("time");
    tcase_add_test(tc, test_time_rfc3339);
    tcase_add_test(tc, test_time_against_libc);
    tcase_add_test(tc, test_time_utc_always);
    tcase_add_test(tc, test_time_small_buffer);
    tcase_add_test(tc, test_time_now_ms);
    suite_add_tcase(s, tc);

    tc = tcase_create("file");
    tcase_add_checked_fixture(tc, file_setup, file_teardown);
    tcase_add_test(tc, test_file_append);
    tcase_add_test(tc, test_file_mode);
    tcase_add_test(tc, test_file_fsync);
    tcase_add_test(tc, test_file_format_and_write);
    tcase_add_test(tc, test_file_reopen);
    tcase_add_test(tc, test_file_open_error);
    tcase_add_test(tc, test_file_reopen_error);
    tcase_add_test(tc, test_file_write_error);
    tcase_add_test(tc, test_file_records_whole_or_none);
    tcase_add_test(tc, test_file_other_writer);
    tcase_add_test(tc, test_file_torn_tail);
    tcase_add_test(tc, test_file_links_as_root);
    tcase_add_test(tc, test_file_reopen_link_as_root);
    tcase_add_test(tc, test_file_removed);
    tcase_add_test(tc, test_file_fifo);
    tcase_add_test(tc, test_syslog_mode);
    suite_add_tcase(s, tc);

    tc = tcase_create("threads");
    tcase_add_checked_fixture(tc, file_setup, file_teardown);
    tcase_add_test(tc, test_threads);
    tcase_add_test(tc, test_threads_fsync);
    tcase_add_test(tc, test_threads_with_rotation);
    tcase_add_test(tc, test_threads_disk_full);
    /* Valgrind serialises threads: give it time. */
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    return (s);
}

int     main(void)
{
    SRunner *sr = srunner_create(audit_suite());
    int     failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}
