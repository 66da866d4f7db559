/*++
/* NAME
/*	check_csv 1
/* SUMMARY
/*	unit tests for the CSV reader and field quoting
/* SYNOPSIS
/*	check_csv
/* DESCRIPTION
/*	Tests csv(3): the RFC 4180 dialect (quotes, "" escapes, CRLF
/*	and LF, records across lines and their line numbers), every
/*	error and that reading goes on after a bad record, the 64 KiB
/*	limit, read-buffer boundaries, and that what cm_csv_field()
/*	writes reads back unchanged. Also utf8(3), the strict UTF-8
/*	check that import applies to addresses and sources: overlong
/*	forms, surrogates, code points above U+10FFFF, cut sequences.
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
#include "csv.h"
#include "utf8.h"

 /*
  * A reader over a memory buffer. fmemopen() takes the length, so
  * inputs may hold NUL bytes.
  */
typedef struct src {
    FILE   *fp;
    cm_csv *r;
    char  **f;
    size_t  nf;
    unsigned long line;
    char    err[256];
} src;

/* src_open - start reading len bytes */

static void src_open(src *s, const char *data, size_t len)
{
    memset(s, 0, sizeof(*s));
    s->fp = fmemopen((void *) data, len, "r");
    ck_assert_ptr_nonnull(s->fp);
    s->r = cm_csv_open(s->fp);
    ck_assert_ptr_nonnull(s->r);
}

#define SRC_OPEN(s, lit)	src_open((s), (lit), sizeof(lit) - 1)

/* src_close - release the reader and the stream */

static void src_close(src *s)
{
    cm_csv_close(s->r);
    (void) fclose(s->fp);
}

/* next - read one record */

static int next(src *s)
{
    return (cm_csv_next(s->r, &s->f, &s->nf, &s->line, s->err, sizeof(s->err)));
}

/* expect - the next record has these fields (NULL-terminated list) */

static void expect(src *s, unsigned long line, const char *const *want)
{
    size_t  n;

    ck_assert_int_eq(next(s), CM_CSV_RECORD);
    ck_assert_uint_eq(s->line, line);
    for (n = 0; want[n] != 0; n++) {
	ck_assert_uint_gt(s->nf, n);
	ck_assert_str_eq(s->f[n], want[n]);
    }
    ck_assert_uint_eq(s->nf, n);
}

#define EXPECT(s, line, ...) do { \
	static const char *const want_[] = { __VA_ARGS__, 0 }; \
	expect((s), (line), want_); \
    } while (0)

/* expect_bad - the next record is bad, on this line, with this text */

static void expect_bad(src *s, int status, unsigned long line, const char *text)
{
    ck_assert_int_eq(next(s), status);
    ck_assert_uint_eq(s->line, line);
    ck_assert_msg(strstr(s->err, text) != 0, "\"%s\" lacks \"%s\"",
		  s->err, text);
}

START_TEST(test_plain)
{
    src     s;

    SRC_OPEN(&s, "address,purpose\na@b,news\nc@d,sms");
    EXPECT(&s, 1, "address", "purpose");
    EXPECT(&s, 2, "a@b", "news");
    EXPECT(&s, 3, "c@d", "sms");		/* no final newline */
    ck_assert_int_eq(next(&s), CM_CSV_EOF);
    ck_assert_int_eq(next(&s), CM_CSV_EOF);
    ck_assert_uint_eq(cm_csv_offset(s.r), 32);
    src_close(&s);
}
END_TEST

START_TEST(test_crlf)
{
    src     s;

    SRC_OPEN(&s, "a,b\r\nc,d\r\n\r\ne,\r\n");
    EXPECT(&s, 1, "a", "b");
    EXPECT(&s, 2, "c", "d");
    EXPECT(&s, 3, "");			/* an empty line: one empty field */
    EXPECT(&s, 4, "e", "");
    ck_assert_int_eq(next(&s), CM_CSV_EOF);
    src_close(&s);
}
END_TEST

/* A spreadsheet saved in a ';' locale: commas are data, quotes still work. */
START_TEST(test_sep)
{
    src     s;

    SRC_OPEN(&s, "a;b,c\r\n\"x;y\";\r\nt\tu;v\n");
    cm_csv_sep(s.r, ';');
    EXPECT(&s, 1, "a", "b,c");
    EXPECT(&s, 2, "x;y", "");
    EXPECT(&s, 3, "t\tu", "v");
    ck_assert_int_eq(next(&s), CM_CSV_EOF);
    src_close(&s);
    SRC_OPEN(&s, "a\tb,c\n");
    cm_csv_sep(s.r, '\t');
    EXPECT(&s, 1, "a", "b,c");
    src_close(&s);
}
END_TEST

START_TEST(test_empty)
{
    src     s;

    SRC_OPEN(&s, "");
    ck_assert_int_eq(next(&s), CM_CSV_EOF);
    src_close(&s);

    SRC_OPEN(&s, ",,\n\"\",\"\"\n");
    EXPECT(&s, 1, "", "", "");
    EXPECT(&s, 2, "", "");
    ck_assert_int_eq(next(&s), CM_CSV_EOF);
    src_close(&s);
}
END_TEST

START_TEST(test_quoted)
{
    src     s;

    SRC_OPEN(&s, "\"a,b\",\"say \"\"hi\"\"\",\"\"\"\"\n"
	     "\"line1\nline2\r\nline3\",x\n"
	     "after,\"\"\"quoted\"\"\"\r\n"
	     " spaced ,\" inside \"\n");
    EXPECT(&s, 1, "a,b", "say \"hi\"", "\"");
    EXPECT(&s, 2, "line1\nline2\r\nline3", "x");
    EXPECT(&s, 5, "after", "\"quoted\"");	/* line after the span */
    EXPECT(&s, 6, " spaced ", " inside ");	/* blanks are data */
    ck_assert_int_eq(next(&s), CM_CSV_EOF);
    src_close(&s);
}
END_TEST

START_TEST(test_lone_cr)
{
    src     s;

    /* A CR not followed by LF is data, quoted or not. */
    SRC_OPEN(&s, "a\rb,\"c\rd\"\n");
    EXPECT(&s, 1, "a\rb", "c\rd");
    ck_assert_int_eq(next(&s), CM_CSV_EOF);
    src_close(&s);
}
END_TEST

START_TEST(test_bom)
{
    src     s;

    SRC_OPEN(&s, "\xef\xbb\xbf" "address,at\n\xef\xbb\xbf,x\n");
    EXPECT(&s, 1, "address", "at");
    EXPECT(&s, 2, "\xef\xbb\xbf", "x");	/* only at the very start */
    src_close(&s);

    SRC_OPEN(&s, "\xef\xbb");
    EXPECT(&s, 1, "\xef\xbb");
    src_close(&s);
}
END_TEST

START_TEST(test_unterminated)
{
    src     s;

    SRC_OPEN(&s, "a,b\nc,\"open\nd,e\nf,g\n");
    EXPECT(&s, 1, "a", "b");
    expect_bad(&s, CM_CSV_FATAL, 2, "unterminated quoted field");
    ck_assert_msg(strstr(s.err, "opened on line 2") != 0, "%s", s.err);
    ck_assert_int_eq(next(&s), CM_CSV_EOF);
    src_close(&s);

    /* The quote opened on a later line of the record. */
    SRC_OPEN(&s, "\"x\ny\",\"z\n");
    expect_bad(&s, CM_CSV_FATAL, 1, "opened on line 2");
    src_close(&s);
}
END_TEST

START_TEST(test_after_quote)
{
    src     s;

    SRC_OPEN(&s, "\"a\"b,c\nok,1\n\"a\" ,c\n\"a\"\r,c\nok,2\n");
    expect_bad(&s, CM_CSV_BAD, 1, "text after a closing quote");
    EXPECT(&s, 2, "ok", "1");
    expect_bad(&s, CM_CSV_BAD, 3, "text after a closing quote");
    expect_bad(&s, CM_CSV_BAD, 4, "text after a closing quote");
    EXPECT(&s, 5, "ok", "2");
    src_close(&s);
}
END_TEST

START_TEST(test_bare_quote)
{
    src     s;

    SRC_OPEN(&s, "bob\"@x,1\nok,2\n");
    expect_bad(&s, CM_CSV_BAD, 1, "double quote inside an unquoted field");
    EXPECT(&s, 2, "ok", "2");
    src_close(&s);
}
END_TEST

START_TEST(test_nul)
{
    static const char in[] = "a\0b,c\n\"x\ny\0\",z\nok,3\n";
    src     s;

    src_open(&s, in, sizeof(in) - 1);
    expect_bad(&s, CM_CSV_BAD, 1, "NUL byte");
    /* Inside a record spanning lines: the record line, then where. */
    expect_bad(&s, CM_CSV_BAD, 2, "NUL byte (on line 3)");
    EXPECT(&s, 4, "ok", "3");
    ck_assert_int_eq(next(&s), CM_CSV_EOF);
    src_close(&s);
}
END_TEST

START_TEST(test_resync_quoted)
{
    src     s;

    /*
     * After an error the quotes are still followed: the newline inside
     * the second field belongs to the bad record.
     */
    SRC_OPEN(&s, "\"a\"x,\"b\nc\"\nnext,1\n");
    expect_bad(&s, CM_CSV_BAD, 1, "text after a closing quote");
    EXPECT(&s, 3, "next", "1");
    src_close(&s);
}
END_TEST

/* big - a record of n data bytes (quoted: with embedded newlines) */

static char *big(size_t n, int quoted, const char *tail, size_t *len)
{
    size_t  tlen = strlen(tail);
    char   *p = malloc(n + tlen + 4);
    size_t  i = 0;
    size_t  k;

    ck_assert_ptr_nonnull(p);
    if (quoted)
	p[i++] = '"';
    for (k = 0; k < n; k++)
	p[i++] = (quoted && k % 1000 == 999) ? '\n' : 'x';
    if (quoted)
	p[i++] = '"';
    memcpy(p + i, tail, tlen);
    *len = i + tlen;
    return (p);
}

START_TEST(test_limit)
{
    src     s;
    char   *in;
    size_t  len;

    /* Exactly at the limit: fine, CRLF not counted. */
    in = big(CM_CSV_RECORD_MAX, 0, "\r\nok,1\n", &len);
    src_open(&s, in, len);
    ck_assert_int_eq(next(&s), CM_CSV_RECORD);
    ck_assert_uint_eq(strlen(s.f[0]), CM_CSV_RECORD_MAX);
    EXPECT(&s, 2, "ok", "1");
    src_close(&s);
    free(in);

    /* One byte more, at the end of the input. */
    in = big(CM_CSV_RECORD_MAX + 1, 0, "", &len);
    src_open(&s, in, len);
    expect_bad(&s, CM_CSV_BAD, 1, "record longer than 65536 bytes");
    ck_assert_int_eq(next(&s), CM_CSV_EOF);
    src_close(&s);
    free(in);

    /* Far over, quoted, across lines: the next record is found. */
    in = big(5 * CM_CSV_RECORD_MAX, 1, ",y\nok,2\n", &len);
    src_open(&s, in, len);
    expect_bad(&s, CM_CSV_BAD, 1, "record longer than");
    EXPECT(&s, 1 + 5 * CM_CSV_RECORD_MAX / 1000 + 1, "ok", "2");
    ck_assert_int_eq(next(&s), CM_CSV_EOF);
    ck_assert_uint_eq(cm_csv_offset(s.r), len);
    src_close(&s);
    free(in);
}
END_TEST

START_TEST(test_buffer_boundary)
{
    src     s;
    char   *in;
    size_t  n = 64 * 1024;		/* the reader's buffer size */
    size_t  i;

    /* A CRLF whose CR ends one buffer and whose LF starts the next. */
    in = malloc(n + 16);
    ck_assert_ptr_nonnull(in);
    memset(in, 'x', n);
    for (i = 999; i < n - 1; i += 1000)
	in[i] = '\n';
    in[n - 1] = '\r';
    memcpy(in + n, "\nlast,1\n", 8);
    src_open(&s, in, n + 8);
    for (i = 0; i < n / 1000; i++)
	ck_assert_int_eq(next(&s), CM_CSV_RECORD);
    ck_assert_int_eq(next(&s), CM_CSV_RECORD);
    ck_assert_uint_eq(strlen(s.f[0]), n - 1 - 1000 * (n / 1000));
    EXPECT(&s, n / 1000 + 2, "last", "1");
    src_close(&s);
    free(in);
}
END_TEST

START_TEST(test_read_error)
{
    FILE   *fp = fopen("/dev/null", "w");
    cm_csv *r;
    char  **f;
    size_t  nf;
    unsigned long line;
    char    err[256];

    /* Reading a stream opened for writing fails: a read error. */
    ck_assert_ptr_nonnull(fp);
    r = cm_csv_open(fp);
    ck_assert_int_eq(cm_csv_next(r, &f, &nf, &line, err, sizeof(err)),
		     CM_CSV_FATAL);
    ck_assert_msg(strncmp(err, "read error", 10) == 0, "%s", err);
    cm_csv_close(r);
    (void) fclose(fp);
    ck_assert_ptr_null(cm_csv_open(0));
    cm_csv_close(0);
}
END_TEST

/* field - what cm_csv_field() writes for len bytes */

static void field(const char *s, size_t len, const char *want)
{
    cm_buf  b = CM_BUF_INIT;

    cm_csv_field(&b, s, len);
    ck_assert_str_eq(cm_buf_str(&b), want);
    cm_buf_free(&b);
}

#define FIELD(lit, want)	field((lit), sizeof(lit) - 1, (want))

START_TEST(test_writer)
{
    FIELD("", "");
    FIELD("alice@example.org", "alice@example.org");
    FIELD("a,b", "\"a,b\"");
    FIELD("say \"hi\"", "\"say \"\"hi\"\"\"");
    FIELD("\"", "\"\"\"\"");
    FIELD("two\nlines", "\"two\nlines\"");
    FIELD("cr\r", "\"cr\r\"");
    FIELD(" lead", "\" lead\"");
    FIELD("trail\t", "\"trail\t\"");
    FIELD("in side", "in side");
    FIELD("*", "*");
    ck_assert_int_eq(cm_csv_needs_quotes("a,b", 1), 0);	/* len counts */
    ck_assert_int_eq(cm_csv_needs_quotes("a,b", 2), 1);
}
END_TEST

START_TEST(test_round_trip)
{
    static const char *const fields[] = {
	"", "plain", "a,b", "\"", "\"\"", "x\"y", "line\nbreak", "crlf\r\n",
	" blank ", ",", "\r", "\xc3\xa9t\xc3\xa9", "id:00ff", 0};
    cm_buf  b = CM_BUF_INIT;
    src     s;
    size_t  i, j;

    /* Each field alone, and all in one record. */
    for (i = 0; fields[i] != 0; i++) {
	cm_csv_field(&b, fields[i], strlen(fields[i]));
	cm_buf_addc(&b, '\n');
    }
    for (i = 0; fields[i] != 0; i++) {
	cm_csv_field(&b, fields[i], strlen(fields[i]));
	cm_buf_addc(&b, fields[i + 1] ? ',' : '\n');
    }
    src_open(&s, b.data, b.len);
    for (i = 0; fields[i] != 0; i++) {
	ck_assert_int_eq(next(&s), CM_CSV_RECORD);
	ck_assert_uint_eq(s.nf, 1);
	ck_assert_str_eq(s.f[0], fields[i]);
    }
    ck_assert_int_eq(next(&s), CM_CSV_RECORD);
    for (j = 0; fields[j] != 0; j++)
	ck_assert_str_eq(s.f[j], fields[j]);
    ck_assert_uint_eq(s.nf, j);
    ck_assert_int_eq(next(&s), CM_CSV_EOF);
    src_close(&s);
    cm_buf_free(&b);
}
END_TEST

/*
 * UTF-8, which import requires of addresses and sources (utf8(3)).
 */

START_TEST(test_utf8_valid)
{
    static const char *const good[] = {
	"", "plain ascii", "\xc3\xbc", "\xc2\x80", "\xdf\xbf",
	"\xe0\xa0\x80", "\xed\x9f\xbf", "\xee\x80\x80", "\xef\xbf\xbf",
	"\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf", "m\xc3\xbcller@example.org",
	"caf\xc3\xa9 \xe2\x80\x93 \xf0\x9f\x98\x80", 0};
    size_t  i;

    for (i = 0; good[i] != 0; i++)
	ck_assert_msg(cm_utf8_valid(good[i], strlen(good[i]), 0) == 1,
		      "good[%zu] refused", i);
    /* NUL is ASCII: callers that refuse it say so themselves. */
    ck_assert_int_eq(cm_utf8_valid("a\0b", 3, 0), 1);
}
END_TEST

START_TEST(test_utf8_invalid)
{
    static const struct {
	const char *s;
	size_t  bad;			/* offset of the first bad byte */
    }       cases[] = {
	{"m\xfcller@example.org", 1},	/* Latin-1 */
	{"\x80", 0},			/* lone continuation byte */
	{"ab\xbf", 2},
	{"\xc0\xaf", 0},			/* overlong '/' */
	{"\xc1\xbf", 0},			/* overlong */
	{"\xe0\x9f\xbf", 0},		/* overlong three bytes */
	{"\xf0\x8f\xbf\xbf", 0},		/* overlong four bytes */
	{"\xed\xa0\x80", 0},		/* surrogate U+D800 */
	{"x\xed\xbf\xbf", 1},		/* surrogate U+DFFF */
	{"\xf4\x90\x80\x80", 0},		/* U+110000 */
	{"\xf5\x80\x80\x80", 0},		/* never a lead byte */
	{"\xff", 0},
	{"caf\xc3", 3},			/* cut at the end */
	{"\xe2\x82x", 0},			/* cut by ASCII */
	{"\xf0\x9f\x98", 0},		/* cut four-byte sequence */
	{0, 0}};
    size_t  i, bad;

    for (i = 0; cases[i].s != 0; i++) {
	bad = 999;
	ck_assert_msg(cm_utf8_valid(cases[i].s, strlen(cases[i].s), &bad) == 0,
		      "case %zu accepted", i);
	ck_assert_msg(bad == cases[i].bad, "case %zu: bad at %zu, want %zu",
		      i, bad, cases[i].bad);
    }
    /* The length counts, not the NUL: a cut sequence inside a string. */
    ck_assert_int_eq(cm_utf8_valid("\xc3\xbc", 1, 0), 0);
    ck_assert_uint_eq(cm_utf8_seqlen((const unsigned char *) "\xc3\xbc", 2), 2);
    ck_assert_uint_eq(cm_utf8_seqlen((const unsigned char *) "a", 1), 0);
    ck_assert_uint_eq(cm_utf8_seqlen((const unsigned char *) "", 0), 0);
}
END_TEST

static Suite *csv_suite(void)
{
    Suite  *s = suite_create("csv");
    TCase  *tc;

    tc = tcase_create("reader");
    tcase_add_test(tc, test_plain);
    tcase_add_test(tc, test_crlf);
    tcase_add_test(tc, test_sep);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_quoted);
    tcase_add_test(tc, test_lone_cr);
    tcase_add_test(tc, test_bom);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_test(tc, test_unterminated);
    tcase_add_test(tc, test_after_quote);
    tcase_add_test(tc, test_bare_quote);
    tcase_add_test(tc, test_nul);
    tcase_add_test(tc, test_resync_quoted);
    tcase_add_test(tc, test_read_error);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_add_test(tc, test_limit);
    tcase_add_test(tc, test_buffer_boundary);
    /* Valgrind makes the large inputs slow. */
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);

    tc = tcase_create("writer");
    tcase_add_test(tc, test_writer);
    tcase_add_test(tc, test_round_trip);
    suite_add_tcase(s, tc);

    tc = tcase_create("utf8");
    tcase_add_test(tc, test_utf8_valid);
    tcase_add_test(tc, test_utf8_invalid);
    suite_add_tcase(s, tc);
    return (s);
}

int     main(void)
{
    SRunner *sr = srunner_create(csv_suite());
    int     failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}
