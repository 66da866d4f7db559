/*++
/* NAME
/*	check_jsonread 1
/* SUMMARY
/*	unit tests for the audit line reader
/* SYNOPSIS
/*	check_jsonread
/* DESCRIPTION
/*	Tests jsonread(3): member types, every string escape, \u
/*	escapes with surrogate pairs and lone surrogates, NUL bytes,
/*	numbers against the JSON grammar, nested objects skipped but
/*	kept as raw text, reuse of one object for many lines, and that
/*	malformed lines (including every truncation of a real one) are
/*	rejected with a reason and never crash. Finally a record written
/*	by cm_audit_format() from hostile message data reads back with
/*	the same values.
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

#include "audit.h"
#include "buf.h"
#include "jsonread.h"

#define LIT(s)	(s), sizeof(s) - 1

/* parse_ok - parse a literal line that must be valid */

static void parse_ok(cm_jobject *obj, const char *src, size_t len)
{
    char    err[256] = "";

    if (cm_jobject_parse(obj, src, len, err, sizeof(err)) != 0)
	ck_abort_msg("parse failed: %s: %s", err, src);
}

/* parse_bad - a line that must be rejected; return the reason */

static const char *parse_bad(const char *src, size_t len)
{
    static char err[256];
    cm_jobject obj = CM_JOBJECT_INIT;
    int     ret;

    err[0] = 0;
    ret = cm_jobject_parse(&obj, src, len, err, sizeof(err));
    ck_assert_msg(ret == -1, "accepted: %.*s", (int) len, src);
    ck_assert_msg(err[0] != 0, "no reason given for: %.*s", (int) len, src);
    ck_assert_uint_eq(obj.count, 0);
    cm_jobject_free(&obj);
    return (err);
}

/* str_is - a string member with exactly these bytes */

static void str_is(const cm_jobject *obj, const char *key,
		           const char *want, size_t len)
{
    const cm_jmember *m = cm_jobject_get(obj, key);

    ck_assert_msg(m != 0, "no member %s", key);
    ck_assert_int_eq(m->type, CM_JTYPE_STRING);
    ck_assert_uint_eq(m->val_len, len);
    ck_assert_msg(memcmp(m->val, want, len) == 0, "%s: wrong bytes", key);
    ck_assert_int_eq(m->val[len], 0);
}

START_TEST(test_types)
{
    cm_jobject obj = CM_JOBJECT_INIT;
    const cm_jmember *m;

    parse_ok(&obj, LIT(" {\"s\":\"text\", \"n\" : null,\"t\":true,"
		       "\"f\":false,\"i\":-12,\"x\":1.5e+10 }\n"));
    ck_assert_uint_eq(obj.count, 6);
    str_is(&obj, "s", LIT("text"));
    ck_assert_int_eq(cm_jobject_get(&obj, "n")->type, CM_JTYPE_NULL);
    ck_assert_ptr_null(cm_jobject_get(&obj, "n")->val);
    ck_assert_int_eq(cm_jobject_get(&obj, "t")->type, CM_JTYPE_TRUE);
    ck_assert_int_eq(cm_jobject_get(&obj, "f")->type, CM_JTYPE_FALSE);
    m = cm_jobject_get(&obj, "i");
    ck_assert_int_eq(m->type, CM_JTYPE_NUMBER);
    ck_assert_str_eq(m->val, "-12");
    ck_assert_str_eq(cm_jobject_get(&obj, "x")->val, "1.5e+10");

    /* Members keep input order; lookups of what is not a string fail. */
    ck_assert_str_eq(obj.member[0].key, "s");
    ck_assert_str_eq(obj.member[5].key, "x");
    ck_assert_str_eq(cm_jobject_string(&obj, "s"), "text");
    ck_assert_ptr_null(cm_jobject_string(&obj, "n"));
    ck_assert_ptr_null(cm_jobject_string(&obj, "i"));
    ck_assert_ptr_null(cm_jobject_string(&obj, "absent"));
    ck_assert_ptr_null(cm_jobject_get(&obj, "S"));

    parse_ok(&obj, LIT("{}"));
    ck_assert_uint_eq(obj.count, 0);
    cm_jobject_free(&obj);
}
END_TEST

START_TEST(test_escapes)
{
    cm_jobject obj = CM_JOBJECT_INIT;

    parse_ok(&obj, LIT("{\"e\":\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t.\","
		       "\"k\\n\\\"\":\"key escaped\"}"));
    str_is(&obj, "e", LIT("q\" b\\ s/ \b\f\n\r\t."));
    str_is(&obj, "k\n\"", LIT("key escaped"));
    ck_assert_uint_eq(obj.member[1].key_len, 3);

    /* Bytes from 0x80 up pass as they are, valid UTF-8 or not. */
    parse_ok(&obj, LIT("{\"u\":\"M\xc3\xbcller \xff\"}"));
    str_is(&obj, "u", LIT("M\xc3\xbcller \xff"));
    cm_jobject_free(&obj);
}
END_TEST

START_TEST(test_unicode)
{
    cm_jobject obj = CM_JOBJECT_INIT;

    parse_ok(&obj, LIT("{\"a\":\"\\u0041\\u00e9\\u20AC\","
		       "\"pair\":\"\\ud83d\\ude00!\","
		       "\"lone_hi\":\"\\ud800x\","
		       "\"lone_lo\":\"\\udc00\","
		       "\"hi_hi\":\"\\ud800\\ud83d\\ude00\","
		       "\"hi_then_a\":\"\\uD800\\u0041\","
		       "\"nul\":\"a\\u0000b\"}"));
    str_is(&obj, "a", LIT("A\xc3\xa9\xe2\x82\xac"));
    str_is(&obj, "pair", LIT("\xf0\x9f\x98\x80!"));
    str_is(&obj, "lone_hi", LIT("\xef\xbf\xbdx"));
    str_is(&obj, "lone_lo", LIT("\xef\xbf\xbd"));
    str_is(&obj, "hi_hi", LIT("\xef\xbf\xbd\xf0\x9f\x98\x80"));
    str_is(&obj, "hi_then_a", LIT("\xef\xbf\xbd" "A"));

    /* A NUL byte is counted; a C-string compare would stop at it. */
    str_is(&obj, "nul", LIT("a\0b"));
    ck_assert_str_eq(cm_jobject_string(&obj, "nul"), "a");

    parse_bad(LIT("{\"a\":\"\\u12\"}"));
    parse_bad(LIT("{\"a\":\"\\u12g4\"}"));
    parse_bad(LIT("{\"a\":\"\\u"));
    cm_jobject_free(&obj);
}
END_TEST

START_TEST(test_numbers)
{
    static const char *good[] = {"0", "-0", "7", "-12", "1.5", "0.25",
    "1e5", "1E+5", "2.5e-3", "123456789012345678901234567890"};
    static const char *bad[] = {"01", "-", "+1", "1.", ".5", "1e", "1e+",
    "0x10", "--1", "NaN", "Infinity", "1.5.2"};
    cm_jobject obj = CM_JOBJECT_INIT;
    char    line[100];
    size_t  i;

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
	snprintf(line, sizeof(line), "{\"n\":%s}", good[i]);
	parse_ok(&obj, line, strlen(line));
	ck_assert_str_eq(cm_jobject_get(&obj, "n")->val, good[i]);
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
	snprintf(line, sizeof(line), "{\"n\":%s}", bad[i]);
	parse_bad(line, strlen(line));
    }
    cm_jobject_free(&obj);
}
END_TEST

START_TEST(test_nested_skipped)
{
    static const char line[] = "{\"rcpt\":\"a@b\",\"plugins\":{\"dkim\":"
	"{\"result\":\"pass\",\"d\":[\"x\",1,null,{\"y\":\"}\"}]}},"
	"\"list\":[ ],\"after\":\"seen\"}";
    cm_jobject obj = CM_JOBJECT_INIT;
    const cm_jmember *m;

    parse_ok(&obj, LIT(line));
    ck_assert_uint_eq(obj.count, 4);
    m = cm_jobject_get(&obj, "plugins");
    ck_assert_int_eq(m->type, CM_JTYPE_OBJECT);
    ck_assert_str_eq(m->val, "{\"dkim\":{\"result\":\"pass\",\"d\":"
		     "[\"x\",1,null,{\"y\":\"}\"}]}}");
    ck_assert_ptr_null(cm_jobject_string(&obj, "plugins"));
    ck_assert_int_eq(cm_jobject_get(&obj, "list")->type, CM_JTYPE_ARRAY);
    ck_assert_str_eq(cm_jobject_string(&obj, "after"), "seen");

    /* Nested keys are not members of the top level. */
    ck_assert_ptr_null(cm_jobject_get(&obj, "dkim"));
    ck_assert_ptr_null(cm_jobject_get(&obj, "result"));
    cm_jobject_free(&obj);
}
END_TEST

START_TEST(test_depth_limit)
{
    char    line[2 * CM_JSON_DEPTH_MAX + 100];
    char   *p;
    int     depth;

    /* Just within the limit: accepted; one deeper: rejected, no crash. */
    for (depth = CM_JSON_DEPTH_MAX; depth <= CM_JSON_DEPTH_MAX + 1; depth++) {
	p = line + sprintf(line, "{\"a\":");
	memset(p, '[', depth);
	p += depth;
	memset(p, ']', depth);
	p += depth;
	strcpy(p, "}");
	if (depth == CM_JSON_DEPTH_MAX) {
	    cm_jobject obj = CM_JOBJECT_INIT;

	    parse_ok(&obj, line, strlen(line));
	    cm_jobject_free(&obj);
	} else {
	    ck_assert_ptr_nonnull(strstr(parse_bad(line, strlen(line)),
					 "nested too deeply"));
	}
    }
}
END_TEST

START_TEST(test_malformed)
{
    static const char *bad[] = {
	"", "   ", "null", "[]", "\"s\"", "{", "}", "{\"a\"}", "{\"a\":}",
	"{\"a\":1,}", "{,\"a\":1}", "{\"a\" 1}", "{a:1}", "{'a':1}",
	"{\"a\":1 \"b\":2}", "{\"a\":\"unterminated}", "{\"a\":\"x\\\"}",
	"{\"a\":\"bad \\x escape\"}", "{\"a\":\"bad \\U0041\"}",
	"{\"a\":tru}", "{\"a\":nul}", "{\"a\":True}", "{\"a\":1} x",
	"{\"a\":1}{\"b\":2}", "{\"a\":[1,]}", "{\"a\":[1 2]}",
	"{\"a\":{\"b\"}}", "{\"a\":{\"b\":1,}}", "{\"a\":[}",
    };
    size_t  i;
    const char *why;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	parse_bad(bad[i], strlen(bad[i]));

    /* Raw control characters in strings are not JSON. */
    parse_bad(LIT("{\"a\":\"line\nbreak\"}"));
    parse_bad(LIT("{\"a\":\"tab\there\"}"));
    parse_bad(LIT("{\"a\":\"nul\0byte\"}"));

    /* The reason names the place. */
    why = parse_bad(LIT("{\"a\":1,\"a\":2}"));
    ck_assert_str_eq(why, "offset 7: duplicate key \"a\"");
    why = parse_bad(LIT("{\"a\":1} junk"));
    ck_assert_str_eq(why, "offset 8: text after the object");
    why = parse_bad(LIT("[1]"));
    ck_assert_str_eq(why, "offset 0: not an object");
    why = parse_bad(LIT("{\"k\\n\":1,\"k\\n\":1}"));
    ck_assert_str_eq(why, "offset 9: duplicate key \"k?\"");
}
END_TEST

START_TEST(test_truncated)
{
    static const char line[] = "{\"time\":\"2026-11-23T09:30:00.123Z\","
	"\"qid\":null,\"rcpt\":\"b\\u00e9b@example.org\",\"n\":-1.5e3,"
	"\"t\":true,\"plugins\":{\"dkim\":[\"x\",{\"y\":false}]}}";
    cm_jobject obj = CM_JOBJECT_INIT;
    char   *copy;
    size_t  len;

    /*
     * A log cut short by a crash or a full disk: every prefix of a
     * valid line is malformed. Each is copied to its own allocation so
     * that a read past the end is caught by valgrind or ASan.
     */
    for (len = 0; len < sizeof(line) - 1; len++) {
	copy = malloc(len + 1);
	memcpy(copy, line, len);
	ck_assert_int_eq(cm_jobject_parse(&obj, copy, len, 0, 0), -1);
	free(copy);
    }
    parse_ok(&obj, LIT(line));
    ck_assert_uint_eq(obj.count, 6);
    cm_jobject_free(&obj);
}
END_TEST

START_TEST(test_reuse)
{
    cm_jobject obj = CM_JOBJECT_INIT;
    char    big[5000];
    int     i;

    /* A long line, then a short one, then a failure, then a good one. */
    memset(big, 'x', sizeof(big));
    memcpy(big, "{\"long\":\"", 9);
    memcpy(big + sizeof(big) - 2, "\"}", 2);
    parse_ok(&obj, big, sizeof(big));
    ck_assert_uint_eq(cm_jobject_get(&obj, "long")->val_len, sizeof(big) - 11);
    for (i = 0; i < 100; i++) {
	parse_ok(&obj, LIT("{\"a\":\"1\",\"b\":\"2\"}"));
	ck_assert_uint_eq(obj.count, 2);
    }
    ck_assert_int_eq(cm_jobject_parse(&obj, LIT("{\"a\":"), 0, 0), -1);
    ck_assert_uint_eq(obj.count, 0);
    ck_assert_ptr_null(cm_jobject_get(&obj, "a"));
    parse_ok(&obj, LIT("{\"c\":\"3\"}"));
    ck_assert_str_eq(cm_jobject_string(&obj, "c"), "3");
    ck_assert_ptr_null(cm_jobject_get(&obj, "a"));

    /* Many members. */
    big[0] = 0;
    strcpy(big, "{");
    for (i = 0; i < 300; i++)
	sprintf(big + strlen(big), "%s\"k%d\":%d", i ? "," : "", i, i);
    strcat(big, "}");
    parse_ok(&obj, big, strlen(big));
    ck_assert_uint_eq(obj.count, 300);
    ck_assert_str_eq(cm_jobject_get(&obj, "k299")->val, "299");
    cm_jobject_free(&obj);
    cm_jobject_free(&obj);		/* twice is harmless */
}
END_TEST

START_TEST(test_audit_roundtrip)
{
    cm_audit_record r;
    cm_buf  b = CM_BUF_INIT;
    cm_jobject obj = CM_JOBJECT_INIT;
    static const char msgid[] = "<\"quoted\"\\back\r\nInjected: yes\x01\x7f>";
    static const char from[] = "M\xc3\xbcller \xf0\x9f\x98\x80 <m@x.example>";
    static const char campaign[] = "spring/\"2026\"\t\xff";

    memset(&r, 0, sizeof(r));
    r.time_ms = 1795426200123LL;
    r.qid = "4Xyz1AbC2dz";
    r.msgid = msgid;
    r.sender = "news@example.org";
    r.auth = 0;
    r.campaign = campaign;
    r.purpose = "newsletter";
    r.basis = "consent";
    r.rcpt = "8d5d6049fe2ca0f6e15c52eda674e27d7e75048799b2553abc38d6f8304e9ec5";
    r.rcpt_pseudonymised = 1;
    r.decision = CM_DECISION_DENY;
    r.reason = "withdrawn";
    r.action = CM_ACTION_REJECT;
    r.mode = CM_MODE_DRY_RUN;
    r.from = from;
    r.subject = "=?UTF-8?Q?Fr=C3=BChling?= \"news\"\t<b>";
    r.consent_at = 1740830400;
    r.consent_src = "web form \"v3\"\n192.0.2.7";
    r.plugins = "{\"dkim\":{\"result\":\"pass\"}}";
    cm_audit_format(&b, &r);

    parse_ok(&obj, b.data, b.len);
    ck_assert_str_eq(cm_jobject_string(&obj, "time"), "2026-11-23T09:30:00.123Z");
    ck_assert_str_eq(cm_jobject_string(&obj, "qid"), "4Xyz1AbC2dz");
    str_is(&obj, "msgid", LIT(msgid));
    ck_assert_int_eq(cm_jobject_get(&obj, "auth")->type, CM_JTYPE_NULL);
    /* The writer turns the invalid byte into U+FFFD; the rest survives. */
    str_is(&obj, "campaign", LIT("spring/\"2026\"\t\xef\xbf\xbd"));
    ck_assert_ptr_null(cm_jobject_get(&obj, "rcpt"));
    ck_assert_str_eq(cm_jobject_string(&obj, "rcpt_id"), r.rcpt);
    ck_assert_str_eq(cm_jobject_string(&obj, "decision"), "deny");
    ck_assert_str_eq(cm_jobject_string(&obj, "reason"), "withdrawn");
    ck_assert_str_eq(cm_jobject_string(&obj, "action"), "reject");
    ck_assert_str_eq(cm_jobject_string(&obj, "mode"), "dry-run");
    str_is(&obj, "from", LIT(from));
    ck_assert_str_eq(cm_jobject_string(&obj, "subject"),
		     "=?UTF-8?Q?Fr=C3=BChling?= \"news\"\t<b>");
    ck_assert_str_eq(cm_jobject_string(&obj, "consent_at"),
		     "2025-03-01T12:00:00Z");
    ck_assert_str_eq(cm_jobject_string(&obj, "consent_src"),
		     "web form \"v3\"\n192.0.2.7");
    ck_assert_ptr_null(cm_jobject_get(&obj, "suppressed_at"));
    ck_assert_str_eq(cm_jobject_get(&obj, "plugins")->val, r.plugins);
    ck_assert_uint_eq(obj.count, 18);
    cm_jobject_free(&obj);
    cm_buf_free(&b);
}
END_TEST

/* jsonread_suite - collect the test cases */

static Suite *jsonread_suite(void)
{
    Suite  *s = suite_create("jsonread");
    TCase  *tc;

    tc = tcase_create("values");
    tcase_add_test(tc, test_types);
    tcase_add_test(tc, test_escapes);
    tcase_add_test(tc, test_unicode);
    tcase_add_test(tc, test_numbers);
    tcase_add_test(tc, test_nested_skipped);
    tcase_add_test(tc, test_depth_limit);
    suite_add_tcase(s, tc);

    tc = tcase_create("malformed");
    tcase_add_test(tc, test_malformed);
    tcase_add_test(tc, test_truncated);
    tcase_add_test(tc, test_reuse);
    suite_add_tcase(s, tc);

    tc = tcase_create("audit");
    tcase_add_test(tc, test_audit_roundtrip);
    suite_add_tcase(s, tc);
    return (s);
}

int     main(void)
{
    SRunner *sr = srunner_create(jsonread_suite());
    int     failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}
