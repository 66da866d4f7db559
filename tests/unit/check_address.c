/*++
/* NAME
/*	check_address 1
/* SUMMARY
/*	unit tests for address normalisation and record ids
/* SYNOPSIS
/*	check_address
/* DESCRIPTION
/*	Tests the rules of DESIGN.md section 2 as implemented by
/*	address(3): normalised form, every rejection, the 320-byte
/*	limit, and HMAC record ids with keys from memory and from files;
/*	and the canonical sender of addrcanon(3): every form an MTA
/*	rewrites, and hostile input that must change nothing.
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
#include <unistd.h>

/* Check library. */

#include <check.h>

/* Application-specific. */

#include "addrcanon.h"
#include "address.h"
#include "every_byte.h"

/*
 * HMAC-SHA256 of "alice@example.org", computed independently with
 *	printf '%s' 'alice@example.org' | openssl dgst -sha256 -hmac KEY
 * KEY_NL is the same key with a trailing newline (key file not trimmed).
 */
#define KEY		"test-key"
#define ALICE_ID	"5b13e8116d5b702404872d5c6e7277660349ddb67dfb2eb9ab6935a97e4c7c88"
#define ALICE_ID_NL	"1dc563d7f68c3051fa56c4a3ebc077c5844b692769d23d37f63b41bb4824afcd"

/* norm - normalise a C string, returning the status */

static cm_addr_status norm(const char *src, char *out, size_t outsz)
{
    return (cm_addr_normalise(src, strlen(src), out, outsz));
}

/* expect_ok - a string normalises to the expected form */

#define expect_ok(src, want) do { \
	char out_[CM_ID_SIZE]; \
	cm_addr_status st_ = norm((src), out_, sizeof(out_)); \
	ck_assert_msg(st_ == CM_ADDR_OK, "%s: %s", (src), cm_addr_strerror(st_)); \
	ck_assert_str_eq(out_, (want)); \
    } while (0)

/* expect_err - a string is rejected with the given status */

#define expect_err(src, want) do { \
	char out_[CM_ID_SIZE]; \
	memset(out_, 'x', sizeof(out_)); \
	ck_assert_int_eq(norm((src), out_, sizeof(out_)), (want)); \
	ck_assert_str_eq(out_, ""); \
    } while (0)

/* make_addr - an address of exactly len bytes */

static void make_addr(char *buf, size_t len)
{
    memset(buf, 'a', len);
    memcpy(buf + len - 12, "@example.org", 12);
    buf[len] = 0;
}

START_TEST(test_case_folding)
{
    char    a[CM_ID_SIZE];
    char    b[CM_ID_SIZE];

    ck_assert_int_eq(norm("Foo@Example.ORG", a, sizeof(a)), CM_ADDR_OK);
    ck_assert_int_eq(norm("foo@example.org", b, sizeof(b)), CM_ADDR_OK);
    ck_assert_str_eq(a, b);
    expect_ok("ALICE@EXAMPLE.ORG", "alice@example.org");
    /* Digits and punctuation are not letters: unchanged. */
    expect_ok("A1_B-C@X9.Example", "a1_b-c@x9.example");
}
END_TEST

START_TEST(test_brackets_whitespace)
{
    expect_ok("<alice@example.org>", "alice@example.org");
    expect_ok("  <Alice@Example.org>\r\n", "alice@example.org");
    expect_ok("\t< alice@example.org >\t", "alice@example.org");
    expect_ok(" alice@example.org ", "alice@example.org");
    /* Only one pair is removed; what is left is no address. */
    expect_err("<<a@b>>", CM_ADDR_BAD_LOCAL);
    /* A lone bracket is not stripped (and not guessed at). */
    expect_err("<a@b", CM_ADDR_BAD_LOCAL);
}
END_TEST

START_TEST(test_utf8_kept)
{
    /* "Jos\xc3\xa9" and a U+00C9 domain: bytes >= 0x80 untouched. */
    expect_ok("Jos\xc3\xa9@\xc3\x89xample.ORG",
	      "jos\xc3\xa9@\xc3\x89xample.org");
    expect_ok("\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90.cn",
	      "\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90.cn");
}
END_TEST

START_TEST(test_no_rewriting)
{
    expect_ok("Alice+News@Example.org", "alice+news@example.org");
    expect_ok("a.l.i.c.e@gmail.com", "a.l.i.c.e@gmail.com");
    expect_ok("alice+@example.org", "alice+@example.org");
}
END_TEST

START_TEST(test_last_at)
{
    expect_ok("\"a@b\"@Example.org", "\"a@b\"@example.org");
    expect_err("\"a@b\"@", CM_ADDR_EMPTY_DOMAIN);
    expect_err("a@b@c", CM_ADDR_MANY);
}
END_TEST

/* Issue 16: what no MTA would deliver is refused, naming why. */

START_TEST(test_syntax_refused)
{
    expect_err("j.smith@gmail,com", CM_ADDR_BAD_DOMAIN);
    expect_err("peter@example.org; pete@work.example", CM_ADDR_MANY);
    expect_err("peter@example.org, pete@work.example", CM_ADDR_MANY);
    expect_err("peter@example.org pete@work.example", CM_ADDR_MANY);
    expect_err("john smith@example.org", CM_ADDR_SPACE);
    expect_err("john@example .org", CM_ADDR_SPACE);
    expect_err("john@exa mple.org", CM_ADDR_SPACE);
    expect_err("john;smith@example.org", CM_ADDR_BAD_LOCAL);
    expect_err("john(x)@example.org", CM_ADDR_BAD_LOCAL);
    expect_err("\"unterminated@example.org", CM_ADDR_BAD_LOCAL);
    expect_err("john@example_org.com", CM_ADDR_BAD_DOMAIN);
    expect_err("john@example.org..", CM_ADDR_BAD_LABEL);
    expect_err("john@.", CM_ADDR_BAD_LABEL);
    expect_err("@relay_x:bob@example.org", CM_ADDR_BAD_DOMAIN);
    expect_err("@:bob@example.org", CM_ADDR_BAD_LOCAL);
    expect_err("@relay.example,bob@example.org", CM_ADDR_MANY);
    expect_err("@relay.example,bob:x@example.org", CM_ADDR_BAD_LOCAL);
    expect_err("john@.example.org", CM_ADDR_BAD_LABEL);
    expect_err("john@example..org", CM_ADDR_BAD_LABEL);
    expect_err("john@-example.org", CM_ADDR_BAD_LABEL);
    expect_err("john@example-.org", CM_ADDR_BAD_LABEL);
    expect_err("john@a234567890123456789012345678901234567890"
	       "123456789012345678901234.org", CM_ADDR_BAD_LABEL);
    /* 63 bytes is the longest label. */
    expect_ok("john@a234567890123456789012345678901234567890"
	      "12345678901234567890123.org",
	      "john@a234567890123456789012345678901234567890"
	      "12345678901234567890123.org");
    expect_err("john@[192.0.2.256]", CM_ADDR_BAD_LITERAL);
    expect_err("john@[192.0.2.1", CM_ADDR_BAD_LITERAL);
    expect_err("john@[]", CM_ADDR_BAD_LITERAL);
    expect_err("john@[IPv6:not-an-address]", CM_ADDR_BAD_LITERAL);
    expect_err("john@[x400:whatever]", CM_ADDR_BAD_LITERAL);
    expect_err("john@[2001:db8::1]", CM_ADDR_BAD_LITERAL);
}
END_TEST

/* ... and what MTAs deliver today is still accepted. */

START_TEST(test_syntax_kept)
{
    expect_ok("\"alice smith\"@example.org", "\"alice smith\"@example.org");
    expect_ok("\"a\\\"b\"@example.org", "\"a\\\"b\"@example.org");
    expect_ok("alice@[192.0.2.1]", "alice@[192.0.2.1]");
    expect_ok("alice@[IPv6:2001:DB8::1]", "alice@[ipv6:2001:db8::1]");
    expect_ok("alice@localhost", "alice@localhost");
    expect_ok("alice@123.example", "alice@123.example");
    expect_ok("alice@xn--bcher-kva.example", "alice@xn--bcher-kva.example");
    expect_ok("o'brien+list@a-b.example", "o'brien+list@a-b.example");
    expect_ok("a..b.@docomo.ne.jp", "a..b.@docomo.ne.jp");
    /* Obsolete, but delivered (Postfix rewrites them); not rewritten. */
    expect_ok("<bob@Example.org.>", "bob@example.org.");
    expect_ok("<@Relay.example:bob@example.org>",
	      "@relay.example:bob@example.org");
    expect_ok("@a.example,@[192.0.2.1]:bob@example.org",
	      "@a.example,@[192.0.2.1]:bob@example.org");
    expect_ok("{x}|~!#$%&*/=?^`_@example.org", "{x}|~!#$%&*/=?^`_@example.org");
}
END_TEST

/*
 * Every byte value inside the local part and inside the domain, held
 * against DESIGN.md section 2 as the man page states it, not as the
 * code tests it.
 */
static cm_addr_status byte_rule(unsigned c, int in_domain)
{
    if (c < 0x20 || c == 0x7f)
	return (CM_ADDR_CONTROL);
    if (c == ' ')
	return (CM_ADDR_SPACE);
    if (c == '@')
	return (CM_ADDR_MANY);		/* the last @ splits */
    if (c >= 0x80 || c == '.' || (c >= '0' && c <= '9')
	|| (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-')
	return (CM_ADDR_OK);
    if (in_domain)
	return (CM_ADDR_BAD_DOMAIN);
    if (strchr("!#$%&'*+/=?^_`{|}~", (int) c) != 0)
	return (CM_ADDR_OK);
    return (CM_ADDR_BAD_LOCAL);		/* a lone '"' is unterminated */
}

START_TEST(test_every_byte)
{
    char    src[EVERY_BYTE_SIZE];
    char    out[CM_ID_SIZE];
    unsigned c;
    int     in_domain;
    size_t  len;
    cm_addr_status got;
    cm_addr_status want;

    for (in_domain = 0; in_domain < 2; in_domain++) {
	for (c = 0; c < 256; c++) {
	    len = every_byte_addr(src, c, in_domain);
	    got = cm_addr_normalise(src, len, out, sizeof(out));
	    want = byte_rule(c, in_domain);
	    ck_assert_msg(got == want, "byte 0x%02x in the %s: got \"%s\", "
			  "want \"%s\"", c, EVERY_BYTE_WHERE(in_domain),
			  cm_addr_strerror(got), cm_addr_strerror(want));
	    /* Kept, capitals folded; out has no bracket. */
	    if (want == CM_ADDR_OK)
		ck_assert_int_eq((unsigned char) out[EVERY_BYTE_OFFSET(in_domain) - 1],
				 c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
    }
}
END_TEST

START_TEST(test_errors)
{
    expect_err("", CM_ADDR_EMPTY);
    expect_err("<>", CM_ADDR_EMPTY);
    expect_err(" < > ", CM_ADDR_EMPTY);
    expect_err(" \r\n\t", CM_ADDR_EMPTY);
    expect_err("alice", CM_ADDR_NO_AT);
    expect_err("<alice.example.org>", CM_ADDR_NO_AT);
    expect_err("@example.org", CM_ADDR_EMPTY_LOCAL);
    expect_err("<@example.org>", CM_ADDR_EMPTY_LOCAL);
    expect_err("alice@", CM_ADDR_EMPTY_DOMAIN);
    expect_err("@", CM_ADDR_EMPTY_LOCAL);
    expect_err("ali\x01" "ce@example.org", CM_ADDR_CONTROL);
    expect_err("alice@example.org\x7f", CM_ADDR_CONTROL);
    expect_err("ali ce\t@example.org", CM_ADDR_CONTROL);
    expect_err("ali ce@example.org", CM_ADDR_SPACE);

    /* NULL source behaves as empty and still clears out. */
    {
	char    out[8] = "junk";

	ck_assert_int_eq(cm_addr_normalise(0, 0, out, sizeof(out)),
			 CM_ADDR_EMPTY);
	ck_assert_str_eq(out, "");
    }
}
END_TEST

START_TEST(test_error_order)
{
    char    big[CM_ADDR_MAX + 10];

    /* Control beats too long; too long beats no @. */
    memset(big, 'a', CM_ADDR_MAX + 5);
    big[CM_ADDR_MAX + 5] = 0;
    big[3] = '\n';
    expect_err(big, CM_ADDR_CONTROL);
    big[3] = 'a';
    expect_err(big, CM_ADDR_TOO_LONG);
    /* No @ beats empty local or domain (no @ means neither exists). */
    expect_err("x", CM_ADDR_NO_AT);
}
END_TEST

START_TEST(test_embedded_nul_crlf)
{
    static const char nul[] = "alice@example.org\0@evil.example";
    char    out[CM_ID_SIZE];

    ck_assert_int_eq(cm_addr_normalise(nul, sizeof(nul) - 1, out,
				       sizeof(out)), CM_ADDR_CONTROL);
    ck_assert_str_eq(out, "");
    expect_err("alice@example.org\r\nRCPT TO:<x@y>", CM_ADDR_CONTROL);
    expect_err("alice\n@example.org", CM_ADDR_CONTROL);
    /* CR/LF outside the address is just white space. */
    expect_ok("\r\nalice@example.org\r\n", "alice@example.org");

    /* len, not the NUL, bounds the input. */
    ck_assert_int_eq(cm_addr_normalise("a@bXXXX", 3, out, sizeof(out)),
		     CM_ADDR_OK);
    ck_assert_str_eq(out, "a@b");
}
END_TEST

START_TEST(test_length_limit)
{
    char    src[CM_ADDR_MAX + 8];
    char    out[CM_ID_SIZE + 8];
    char    tiny[8];

    make_addr(src, CM_ADDR_MAX);
    ck_assert_int_eq(norm(src, out, CM_ID_SIZE), CM_ADDR_OK);
    ck_assert_uint_eq(strlen(out), CM_ADDR_MAX);

    make_addr(src, CM_ADDR_MAX + 1);
    expect_err(src, CM_ADDR_TOO_LONG);

    /* The limit applies after stripping. */
    src[0] = '<';
    make_addr(src + 1, CM_ADDR_MAX);
    strcat(src, ">");
    ck_assert_int_eq(norm(src, out, CM_ID_SIZE), CM_ADDR_OK);
    ck_assert_uint_eq(strlen(out), CM_ADDR_MAX);

    /* An output buffer too small is reported as too long. */
    memset(tiny, 'x', sizeof(tiny));
    ck_assert_int_eq(norm("alice@example.org", tiny, sizeof(tiny)),
		     CM_ADDR_TOO_LONG);
    ck_assert_str_eq(tiny, "");
    ck_assert_int_eq(norm("a@b.cde", tiny, sizeof(tiny)), CM_ADDR_OK);
    ck_assert_int_eq(norm("a@b.cdef", tiny, sizeof(tiny)), CM_ADDR_TOO_LONG);
}
END_TEST

START_TEST(test_strerror)
{
    int     st;

    ck_assert_str_eq(cm_addr_strerror(CM_ADDR_NO_AT), "no @ in address");
    ck_assert_str_eq(cm_addr_strerror(CM_ADDR_TOO_LONG),
		     "address longer than 320 bytes");
    ck_assert_str_eq(cm_addr_strerror(CM_ADDR_CONTROL),
		     "control character in address");
    for (st = 0; st < CM_ADDR_STATUS_COUNT; st++)
	ck_assert_ptr_nonnull(cm_addr_strerror((cm_addr_status) st));
    ck_assert_ptr_nonnull(cm_addr_strerror(CM_ADDR_STATUS_COUNT));
}
END_TEST

START_TEST(test_record_id_plain)
{
    char    out[CM_ID_SIZE];
    char    small[6];

    cm_addr_record_id(0, "alice@example.org", 17, out, sizeof(out));
    ck_assert_str_eq(out, "alice@example.org");
    cm_addr_record_id(0, "alice@example.org", 17, small, sizeof(small));
    ck_assert_str_eq(small, "alice");
}
END_TEST

START_TEST(test_record_id_hmac)
{
    cm_addrkey *key = cm_addrkey_from_bytes(KEY, strlen(KEY));
    char    out[CM_ID_SIZE];
    char    a[CM_ID_SIZE];
    char    b[CM_ID_SIZE];

    ck_assert_ptr_nonnull(key);
    cm_addr_record_id(key, "alice@example.org", 17, out, sizeof(out));
    ck_assert_str_eq(out, ALICE_ID);
    ck_assert_uint_eq(strlen(out), 64);

    /* Same person, same id, whatever the spelling. */
    ck_assert_int_eq(norm("<Alice@EXAMPLE.org>", a, sizeof(a)), CM_ADDR_OK);
    cm_addr_record_id(key, a, strlen(a), b, sizeof(b));
    ck_assert_str_eq(b, ALICE_ID);

    /* A different address gives a different id. */
    cm_addr_record_id(key, "bob@example.org", 15, out, sizeof(out));
    ck_assert_str_ne(out, ALICE_ID);
    cm_addrkey_free(key);

    ck_assert_ptr_null(cm_addrkey_from_bytes("", 0));
    cm_addrkey_free(0);
}
END_TEST

/* write_key - a temporary key file with the given contents */

static char *write_key(const void *data, size_t len)
{
    static char path[64];
    int     fd;

    strcpy(path, "/tmp/check_address.XXXXXX");
    fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, len), (ssize_t) len);
    ck_assert_int_eq(close(fd), 0);
    return (path);
}

START_TEST(test_key_file)
{
    char    err[256];
    char    out[CM_ID_SIZE];
    char   *path;
    cm_addrkey *key;

    /* The file contents are the key, trailing newline included. */
    path = write_key("test-key\n", 9);
    key = cm_addrkey_load(path, err, sizeof(err));
    unlink(path);
    ck_assert_ptr_nonnull(key);
    cm_addr_record_id(key, "alice@example.org", 17, out, sizeof(out));
    ck_assert_str_eq(out, ALICE_ID_NL);
    cm_addrkey_free(key);

    path = write_key(KEY, strlen(KEY));
    key = cm_addrkey_load(path, err, sizeof(err));
    unlink(path);
    ck_assert_ptr_nonnull(key);
    cm_addr_record_id(key, "alice@example.org", 17, out, sizeof(out));
    ck_assert_str_eq(out, ALICE_ID);
    cm_addrkey_free(key);
}
END_TEST

START_TEST(test_key_file_errors)
{
    static const char missing[] = "/nonexistent/consent-milter.key";
    char    err[256];
    char    big[4097];
    char   *path;
    cm_addrkey *key;

    key = cm_addrkey_load(missing, err, sizeof(err));
    ck_assert_ptr_null(key);
    ck_assert_msg(strncmp(err, missing, strlen(missing)) == 0
		  && err[strlen(missing)] == ':', "error text: %s", err);

    path = write_key("", 0);
    key = cm_addrkey_load(path, err, sizeof(err));
    ck_assert_ptr_null(key);
    ck_assert_ptr_nonnull(strstr(err, path));
    ck_assert_ptr_nonnull(strstr(err, "empty"));
    unlink(path);

    /* 4096 bytes are fine, 4097 are not. */
    memset(big, 'k', sizeof(big));
    path = write_key(big, 4096);
    key = cm_addrkey_load(path, err, sizeof(err));
    unlink(path);
    ck_assert_ptr_nonnull(key);
    cm_addrkey_free(key);
    path = write_key(big, 4097);
    key = cm_addrkey_load(path, err, sizeof(err));
    ck_assert_ptr_null(key);
    ck_assert_ptr_nonnull(strstr(err, path));
    ck_assert_ptr_nonnull(strstr(err, "longer"));
    unlink(path);

    /* A directory cannot be read as a key. */
    key = cm_addrkey_load("/", err, sizeof(err));
    ck_assert_ptr_null(key);
    ck_assert_msg(strncmp(err, "/: ", 3) == 0, "error text: %s", err);
}
END_TEST

/* canon_case - one input of cm_addr_canonical() and what it gives */

static const struct {
    const char *src;
    const char *want;			/* canonical form; NULL: refused */
} canon_cases[] = {
    /* The forms Postfix delivers from news@org.example. */
    {"<news@org.example>", "news@org.example"},
    {"<@relay.example:news@org.example>", "news@org.example"},
    {"@relay.example:news@org.example", "news@org.example"},
    {"<@a.example,@b.example:news@org.example>", "news@org.example"},
    {"<@[192.0.2.1],@[IPv6:2001:db8::1]:news@org.example>", "news@org.example"},
    {"<@:news@org.example>", "news@org.example"},
    {"<news@org.example.>", "news@org.example"},
    {"<\"news\"@org.example>", "news@org.example"},
    {"<\"n\\ews\"@org.example>", "news@org.example"},
    {"<\"news\".\"letter\"@org.example>", "news.letter@org.example"},
    {"<\"news.letter\"@org.example>", "news.letter@org.example"},
    {" < @Relay.Example:\"NEWS\"@Org.Example. > ", "news@org.example"},
    {"<news@[192.0.2.1].>", "news@[192.0.2.1]"},
    /* Quotes that are needed stay; so does what is no rewrite. */
    {"<\"a b\"@x.example>", "\"a b\"@x.example"},
    {"<\"a\\\"b\"@x.example>", "\"a\\\"b\"@x.example"},
    {"<\"a@b\"@x.example>", "\"a@b\"@x.example"},
    {"<\"\"@x.example>", "\"\"@x.example"},
    {"<\"\"a\"\"@x.example>", "\"\"a\"\"@x.example"},
    {"<\"a\"b@x.example>", "\"a\"b@x.example"},
    {"<\"a.\".b@x.example>", "\"a.\".b@x.example"},
    {"<a@x.example..>", 0},
    {"<a@.>", 0},
    {"<a@x.example.\">", 0},
    /* Routes that are no routes: as cm_addr_normalise() says. */
    {"<@relay.example:>", 0},
    {"<@relay.example>", 0},
    {"<@:>", 0},
    {"<@>", 0},
    {"<@relay example:news@org.example>", 0},
    {"<@re\"lay:news@org.example>", 0},
    {"<@[192.0.2.1:news@org.example>", 0},
    {"<@a,b:news@org.example>", 0},
    {"<@a:@b@org.example>", 0},
    {"<@a\001:news@org.example>", 0},
    {"<\"news\\", 0},
    {"<\"news", 0},
    {"\"", 0},
    {"<>", 0},
    {"", 0},
};

START_TEST(test_canonical_forms)
{
    char    out[CM_ID_SIZE];
    const char *src = canon_cases[_i].src;
    const char *want = canon_cases[_i].want;
    cm_addr_status st;

    st = cm_addr_canonical(src, strlen(src), out, sizeof(out));
    if (want != 0) {
	ck_assert_msg(st == CM_ADDR_OK, "%s: %s", src, cm_addr_strerror(st));
	ck_assert_str_eq(out, want);
    } else {
	ck_assert_msg(st != CM_ADDR_OK, "%s: accepted as %s", src, out);
	ck_assert_str_eq(out, "");
    }
}
END_TEST

START_TEST(test_canonical_as_before)
{
    char    out[CM_ID_SIZE];
    char    want[CM_ID_SIZE];
    static const char *const same[] = {
	"<Bob+Tag@Example.ORG>", "<\"a b\"@x.example>", "<j\303\266rg@x.example>",
	"<bob@[IPv6:2001:db8::1]>", "<a..b@x.example>", "<bob@example.org>",
    };
    size_t  i;

    /* An address without any of the rewritten forms: normalised only. */
    for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
	ck_assert_int_eq(cm_addr_canonical(same[i], strlen(same[i]), out,
					   sizeof(out)), CM_ADDR_OK);
	ck_assert_int_eq(norm(same[i], want, sizeof(want)), CM_ADDR_OK);
	ck_assert_str_eq(out, want);
    }
}
END_TEST

START_TEST(test_canonical_bounds)
{
    char    big[2048];
    char    out[CM_ID_SIZE];
    char   *heap;
    size_t  n;
    size_t  i;

    /* A route of 1,500 bytes before a short address: dropped. */
    memcpy(big, "<@", 2);
    memset(big + 2, 'r', 1500);
    n = 1502;
    memcpy(big + n, ":news@org.example>", 18);
    n += 18;
    ck_assert_int_eq(cm_addr_canonical(big, n, out, sizeof(out)), CM_ADDR_OK);
    ck_assert_str_eq(out, "news@org.example");

    /* A quoted local part of 1,500 bytes: too long, as before. */
    big[0] = '"';
    memset(big + 1, 'q', 1500);
    memcpy(big + 1501, "\"@x.example", 11);
    ck_assert_int_eq(cm_addr_canonical(big, 1512, out, sizeof(out)),
		     CM_ADDR_TOO_LONG);
    ck_assert_str_eq(out, "");

    /*
     * 318 bytes quoted: 316 unquoted with "@x" fit 320; the quoted
     * form did not (as before it would have been too long).
     */
    big[0] = '"';
    memset(big + 1, 'q', 316);
    memcpy(big + 317, "\"@x", 3);
    ck_assert_int_eq(cm_addr_canonical(big, 320, out, sizeof(out)),
		     CM_ADDR_OK);
    ck_assert_uint_eq(strlen(out), 318);

    /*
     * Every prefix of hostile inputs, each in a buffer of its own
     * length (a read past the end shows under the sanitizer/valgrind),
     * and a NUL inside: no crash, out always terminated.
     */
    for (i = 0; i < sizeof(canon_cases) / sizeof(canon_cases[0]); i++) {
	const char *src = canon_cases[i].src;

	for (n = 0; n <= strlen(src); n++) {
	    heap = malloc(n ? n : 1);
	    ck_assert_ptr_nonnull(heap);
	    memcpy(heap, src, n);
	    (void) cm_addr_canonical(heap, n, out, sizeof(out));
	    ck_assert_uint_le(strlen(out), CM_ADDR_MAX);
	    free(heap);
	}
    }
    ck_assert_int_ne(cm_addr_canonical("<\"a\0b\"@x>", 9, out, sizeof(out)),
		     CM_ADDR_OK);
    ck_assert_int_ne(cm_addr_canonical("<@a\0:b@x>", 9, out, sizeof(out)),
		     CM_ADDR_OK);
    ck_assert_int_eq(cm_addr_canonical(0, 5, out, sizeof(out)), CM_ADDR_EMPTY);
    /* A small out: refused as too long, never overrun. */
    ck_assert_int_eq(cm_addr_canonical("<@r:news@org.example>", 21, out, 8),
		     CM_ADDR_TOO_LONG);
}
END_TEST

/* address_suite - collect the test cases */

static Suite *address_suite(void)
{
    Suite  *s = suite_create("address");
    TCase  *tc;

    tc = tcase_create("normalise");
    tcase_add_test(tc, test_case_folding);
    tcase_add_test(tc, test_brackets_whitespace);
    tcase_add_test(tc, test_utf8_kept);
    tcase_add_test(tc, test_no_rewriting);
    tcase_add_test(tc, test_last_at);
    tcase_add_test(tc, test_syntax_refused);
    tcase_add_test(tc, test_syntax_kept);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_every_byte);
    tcase_add_test(tc, test_error_order);
    tcase_add_test(tc, test_embedded_nul_crlf);
    tcase_add_test(tc, test_length_limit);
    tcase_add_test(tc, test_strerror);
    suite_add_tcase(s, tc);

    tc = tcase_create("canonical");
    tcase_add_loop_test(tc, test_canonical_forms, 0,
			(int) (sizeof(canon_cases) / sizeof(canon_cases[0])));
    tcase_add_test(tc, test_canonical_as_before);
    tcase_add_test(tc, test_canonical_bounds);
    suite_add_tcase(s, tc);

    tc = tcase_create("record_id");
    tcase_add_test(tc, test_record_id_plain);
    tcase_add_test(tc, test_record_id_hmac);
    tcase_add_test(tc, test_key_file);
    tcase_add_test(tc, test_key_file_errors);
    suite_add_tcase(s, tc);
    return (s);
}

int     main(void)
{
    SRunner *sr = srunner_create(address_suite());
    int     failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}
