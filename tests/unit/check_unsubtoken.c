/*++
/* NAME
/*	check_unsubtoken 1
/* SUMMARY
/*	unit tests for the opt-out tokens
/* SYNOPSIS
/*	check_unsubtoken
/* DESCRIPTION
/*	Tests unsubtoken(3): round trip, 62-octet local part, forged,
/*	altered (every single-bit flip), truncated and extended tokens,
/*	wrong alphabet, upper case, re-keyed (another secret), rotation
/*	(the first key signs, the old ones verify) and retirement, the
/*	purpose check, and the key file's errors (FILE:LINE) and mode.
/* DIAGNOSTICS
/*	The exit status is non-zero when a test fails.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <sys/stat.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Check library. */

#include <check.h>

/* Application-specific. */

#include "unsubtoken.h"

#define HEX_A	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define HEX_B	"f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f"
#define B64_C	"q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80="	/* 32 bytes */

static char errbuf[512];

/* keys_of - keys from text, asserted to load */

static cm_token_keys *keys_of(const char *text)
{
    cm_token_keys *k;

    k = cm_token_keys_parse("keys", text, strlen(text), errbuf,
			    sizeof(errbuf));
    ck_assert_msg(k != 0, "%s", errbuf);
    return (k);
}

/* sample - a token's contents */

static cm_token sample(void)
{
    cm_token t;

    t.person = 0x0102030405ULL;
    t.campaign = 0xa0b0c0d0UL;
    cm_token_purpose_check("newsletter", t.purpose);
    t.day = cm_token_day(1800000000LL);
    return (t);
}

/* seal - a token, asserted to be sealed */

static void seal(const cm_token_keys *k, const cm_token *t, char *out)
{
    ck_assert_int_eq(cm_token_seal(k, t, out, CM_TOKEN_SIZE), 0);
    ck_assert_uint_eq(strlen(out), CM_TOKEN_LEN);
}

/* open_str - open a C string */

static cm_token_status open_str(const cm_token_keys *k, const char *s,
				        cm_token *t)
{
    return (cm_token_open(k, s, strlen(s), t));
}

START_TEST(round_trip)
{
    cm_token_keys *k = keys_of("k1 " HEX_A "\n");
    cm_token t = sample(), u;
    char    tok[CM_TOKEN_SIZE], local[80];
    size_t  i;

    seal(k, &t, tok);
    for (i = 0; tok[i]; i++)
	ck_assert(strchr("abcdefghijklmnopqrstuvwxyz234567", tok[i]) != 0);
    snprintf(local, sizeof(local), "unsubscribe+%s", tok);
    ck_assert_uint_le(strlen(local), 64);
    ck_assert_uint_eq(strlen(local), 62);
    memset(&u, 0, sizeof(u));
    ck_assert_int_eq(open_str(k, tok, &u), CM_TOKEN_OK);
    ck_assert(u.person == t.person);
    ck_assert(u.campaign == t.campaign);
    ck_assert_uint_eq(u.day, t.day);
    ck_assert(cm_token_purpose_matches(&u, "newsletter"));
    ck_assert_str_eq(cm_token_keys_signer(k), "k1");
    /* Deterministic: the same contents, the same token. */
    {
	char    again[CM_TOKEN_SIZE];

	seal(k, &t, again);
	ck_assert_str_eq(tok, again);
    }
    /* Limits of the references. */
    t.person = CM_TOKEN_PERSON_MAX;
    t.campaign = CM_TOKEN_CAMPAIGN_MAX;
    t.day = 0xffff;
    seal(k, &t, tok);
    ck_assert_int_eq(open_str(k, tok, &u), CM_TOKEN_OK);
    ck_assert(u.person == CM_TOKEN_PERSON_MAX);
    ck_assert(u.campaign == CM_TOKEN_CAMPAIGN_MAX);
    ck_assert_uint_eq(u.day, 0xffff);
    t.person = CM_TOKEN_PERSON_MAX + 1;
    ck_assert_int_eq(cm_token_seal(k, &t, tok, sizeof(tok)), -1);
    t.person = 0;
    ck_assert_int_eq(cm_token_seal(k, &t, tok, sizeof(tok)), -1);
    t.person = 1;
    t.campaign = 0;
    ck_assert_int_eq(cm_token_seal(k, &t, tok, sizeof(tok)), -1);
    t.campaign = 1;
    ck_assert_int_eq(cm_token_seal(k, &t, tok, CM_TOKEN_LEN), -1);
    cm_token_keys_free(k);
}
END_TEST

/* Nothing of the references shows: two people, one campaign differ all over. */

START_TEST(opaque)
{
    cm_token_keys *k = keys_of("k1 " HEX_A "\n");
    cm_token t = sample();
    char    a[CM_TOKEN_SIZE], b[CM_TOKEN_SIZE];
    int     same = 0, i;

    t.person = 1;
    seal(k, &t, a);
    t.person = 2;
    seal(k, &t, b);
    /* Version and key tag: the first 16 bits, 3 characters. */
    ck_assert(memcmp(a, b, 3) == 0);
    for (i = 4; i < CM_TOKEN_LEN; i++)
	same += (a[i] == b[i]);
    /* Random 32-letter alphabet: about 46/32 equal; far from all. */
    ck_assert_int_lt(same, 12);
    cm_token_keys_free(k);
}
END_TEST

/* b32 - the bits of a token back into bytes, for flipping */

static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

START_TEST(every_bit_flip)
{
    cm_token_keys *k = keys_of("k1 " HEX_A "\n");
    cm_token t = sample(), u;
    char    tok[CM_TOKEN_SIZE], bad[CM_TOKEN_SIZE];
    int     pos, bit, v, last_bits;
    cm_token_status st;

    seal(k, &t, tok);

    /*
     * Flip each of the 248 bits of the 31 bytes: each character carries
     * 5 bits, the last 3 (and two spare zeros, which must stay zero).
     */
    for (pos = 0; pos < CM_TOKEN_LEN; pos++) {
	last_bits = (pos == CM_TOKEN_LEN - 1) ? 3 : 5;
	for (bit = 0; bit < 5; bit++) {
	    memcpy(bad, tok, sizeof(bad));
	    v = (int) (strchr(alphabet, tok[pos]) - alphabet);
	    bad[pos] = alphabet[v ^ (1 << bit)];
	    st = open_str(k, bad, &u);
	    if (bit >= 5 - last_bits)
		ck_assert_msg(st != CM_TOKEN_OK, "flip %d.%d verified", pos, bit);
	    else
		ck_assert_int_eq(st, CM_TOKEN_BAD_FORM);	/* spare bits */
	    /* A flip of the version or key tag fails early, else the tag. */
	    if (pos >= 4 && bit >= 5 - last_bits)
		ck_assert_int_eq(st, CM_TOKEN_FORGED);
	}
    }
    ck_assert_int_eq(open_str(k, tok, &u), CM_TOKEN_OK);
    cm_token_keys_free(k);
}
END_TEST

START_TEST(forged_tag)
{
    cm_token_keys *k = keys_of("k1 " HEX_A "\n");
    cm_token t = sample(), u;
    char    tok[CM_TOKEN_SIZE];
    int     i;

    seal(k, &t, tok);
    /* The tag is the last 26 characters (128 bits): zero it. */
    for (i = CM_TOKEN_LEN - 26; i < CM_TOKEN_LEN - 1; i++)
	tok[i] = 'a';
    ck_assert_int_eq(open_str(k, tok, &u), CM_TOKEN_FORGED);
    /* A token made from scratch with the right version and key tag. */
    seal(k, &t, tok);
    for (i = 4; i < CM_TOKEN_LEN - 1; i++)
	tok[i] = '7';
    ck_assert_int_eq(open_str(k, tok, &u), CM_TOKEN_FORGED);
    /* Version 2 is refused before any key is tried. */
    seal(k, &t, tok);
    tok[1] = alphabet[(strchr(alphabet, tok[1]) - alphabet) ^ 4];
    ck_assert_int_eq(open_str(k, tok, &u), CM_TOKEN_BAD_VERSION);
    cm_token_keys_free(k);
}
END_TEST

START_TEST(truncated_extended_alphabet)
{
    cm_token_keys *k = keys_of("k1 " HEX_A "\n");
    cm_token t = sample(), u;
    char    tok[CM_TOKEN_SIZE], longer[CM_TOKEN_SIZE + 8];
    char    bad[CM_TOKEN_SIZE];
    const char *wrong = "0189=/+.@ -_";
    int     i;

    seal(k, &t, tok);
    for (i = 0; i < CM_TOKEN_LEN; i++)
	ck_assert_int_eq(cm_token_open(k, tok, (size_t) i, &u),
			 CM_TOKEN_BAD_FORM);
    snprintf(longer, sizeof(longer), "%sa", tok);
    ck_assert_int_eq(open_str(k, longer, &u), CM_TOKEN_BAD_FORM);
    snprintf(longer, sizeof(longer), "%saaaaaaa", tok);
    ck_assert_int_eq(open_str(k, longer, &u), CM_TOKEN_BAD_FORM);
    for (i = 0; wrong[i]; i++) {
	memcpy(bad, tok, sizeof(bad));
	bad[10] = wrong[i];
	ck_assert_int_eq(open_str(k, bad, &u), CM_TOKEN_BAD_FORM);
    }
    memcpy(bad, tok, sizeof(bad));
    bad[20] = 0;
    ck_assert_int_eq(cm_token_open(k, bad, CM_TOKEN_LEN, &u),
		     CM_TOKEN_BAD_FORM);
    ck_assert_int_eq(cm_token_open(k, 0, 0, &u), CM_TOKEN_BAD_FORM);
    cm_token_keys_free(k);
}
END_TEST

START_TEST(upper_case)
{
    cm_token_keys *k = keys_of("k1 " HEX_A "\n");
    cm_token t = sample(), u;
    char    tok[CM_TOKEN_SIZE];
    int     i;

    seal(k, &t, tok);
    for (i = 0; tok[i]; i++)
	tok[i] = (char) toupper((unsigned char) tok[i]);
    ck_assert_int_eq(open_str(k, tok, &u), CM_TOKEN_OK);
    ck_assert(u.person == t.person);
    /* Mixed, as a mail system that folds part of it might leave it. */
    for (i = 0; tok[i]; i += 2)
	tok[i] = (char) tolower((unsigned char) tok[i]);
    ck_assert_int_eq(open_str(k, tok, &u), CM_TOKEN_OK);
    cm_token_keys_free(k);
}
END_TEST

START_TEST(rekeyed)
{
    cm_token_keys *a = keys_of("k1 " HEX_A "\n");
    cm_token_keys *b = keys_of("k1 " HEX_B "\n");	/* same id, new secret */
    cm_token_keys *c = keys_of("other " HEX_A "\n");	/* same secret, new id */
    cm_token t = sample(), u;
    char    tok[CM_TOKEN_SIZE], tok2[CM_TOKEN_SIZE];

    seal(a, &t, tok);
    ck_assert_int_eq(open_str(b, tok, &u), CM_TOKEN_FORGED);
    ck_assert_int_ne(open_str(c, tok, &u), CM_TOKEN_OK);
    seal(b, &t, tok2);
    ck_assert_str_ne(tok, tok2);
    ck_assert_int_eq(open_str(a, tok2, &u), CM_TOKEN_FORGED);
    cm_token_keys_free(a);
    cm_token_keys_free(b);
    cm_token_keys_free(c);
}
END_TEST

START_TEST(rotation_and_retirement)
{
    cm_token_keys *old = keys_of("2025a " HEX_A "\n");
    cm_token_keys *both = keys_of("# rotated 2026\n2026a " B64_C "\n\n"
				  "2025a " HEX_A "\n");
    cm_token_keys *retired = keys_of("2026a " B64_C "\n");
    cm_token t = sample(), u;
    char    oldtok[CM_TOKEN_SIZE], newtok[CM_TOKEN_SIZE];

    ck_assert_uint_eq(cm_token_keys_count(both), 2);
    ck_assert_str_eq(cm_token_keys_signer(both), "2026a");
    seal(old, &t, oldtok);
    seal(both, &t, newtok);
    ck_assert_str_ne(oldtok, newtok);
    /* Old mail still works during the rotation; the new key signs. */
    ck_assert_int_eq(open_str(both, oldtok, &u), CM_TOKEN_OK);
    ck_assert_int_eq(open_str(both, newtok, &u), CM_TOKEN_OK);
    ck_assert_int_eq(open_str(old, newtok, &u), CM_TOKEN_NO_KEY);
    /* The old line deleted: its tokens are refused. */
    ck_assert_int_eq(open_str(retired, oldtok, &u), CM_TOKEN_NO_KEY);
    ck_assert_int_eq(open_str(retired, newtok, &u), CM_TOKEN_OK);
    cm_token_keys_free(old);
    cm_token_keys_free(both);
    cm_token_keys_free(retired);
}
END_TEST

/*
 * The token does not know the purpose: the service resolves the campaign
 * reference, reads the campaign's purpose, and compares.
 */
START_TEST(wrong_purpose)
{
    cm_token_keys *k = keys_of("k1 " HEX_A "\n");
    cm_token t = sample(), u;
    char    tok[CM_TOKEN_SIZE];
    unsigned char pc[2];

    seal(k, &t, tok);
    ck_assert_int_eq(open_str(k, tok, &u), CM_TOKEN_OK);
    ck_assert(cm_token_purpose_matches(&u, "newsletter"));
    ck_assert(!cm_token_purpose_matches(&u, "events"));
    ck_assert(!cm_token_purpose_matches(&u, "newsletter2"));
    ck_assert(!cm_token_purpose_matches(&u, ""));
    ck_assert(!cm_token_purpose_matches(&u, 0));
    /* First two bytes of SHA-256("newsletter") = 0xdd 0x6f (openssl dgst). */
    cm_token_purpose_check("newsletter", pc);
    ck_assert_uint_eq(pc[0], 0xdd);
    ck_assert_uint_eq(pc[1], 0x6f);
    cm_token_keys_free(k);
}
END_TEST

START_TEST(day)
{
    ck_assert_uint_eq(cm_token_day(CM_TOKEN_EPOCH), 0);
    ck_assert_uint_eq(cm_token_day(CM_TOKEN_EPOCH + 86399), 0);
    ck_assert_uint_eq(cm_token_day(CM_TOKEN_EPOCH + 86400), 1);
    ck_assert_uint_eq(cm_token_day(0), 0);
    ck_assert_uint_eq(cm_token_day(1LL << 40), 0xffff);
    /* 2026-12-03 is day 2528. */
    ck_assert_uint_eq(cm_token_day(1796256000LL), 2528);
}
END_TEST

/* expect_error - key file text refused with this message */

static void expect_error(const char *text, const char *want)
{
    cm_token_keys *k;

    k = cm_token_keys_parse("/etc/keys", text, strlen(text), errbuf,
			    sizeof(errbuf));
    ck_assert_msg(k == 0, "accepted: %s", text);
    ck_assert_msg(strstr(errbuf, want) != 0, "got \"%s\", want \"%s\"",
		  errbuf, want);
}

START_TEST(keyfile_errors)
{
    expect_error("", "/etc/keys: no keys");
    expect_error("# only a comment\n\n", "/etc/keys: no keys");
    expect_error("k1 " HEX_A "\nk2\n", "/etc/keys:2: no secret");
    expect_error("\n\nk1 0011\n", "/etc/keys:3: secret shorter than 32");
    expect_error("k1 " HEX_A "\nk1 " HEX_B "\n", "/etc/keys:2: key id used twice");
    expect_error("k/1 " HEX_A "\n", "/etc/keys:1: bad key id");
    expect_error("abcdefghijabcdefghijabcdefghijabc " HEX_A "\n",
		 "/etc/keys:1: bad key id");
    expect_error("k1 " HEX_A " extra\n", "/etc/keys:1: text after the secret");
    expect_error("k1 " HEX_A "!\n", "/etc/keys:1: secret is neither");
    expect_error("k1 c2hvcnQ=\n", "/etc/keys:1: secret shorter than 32");
    /* Accepted: CRLF, indentation, trailing blanks, a 32-char id, base64. */
    cm_token_keys_free(keys_of("  k1\t" HEX_A "  \r\n"));
    cm_token_keys_free(keys_of("abcdefghijabcdefghijabcdefghijab " B64_C "\n"));
    cm_token_keys_free(keys_of("k.1_-Z " B64_C));
}
END_TEST

START_TEST(keyfile_mode)
{
    const char *dir = getenv("CM_TEST_TMPDIR");
    char    path[512], tmpl[] = "/tmp/check_unsubtoken.XXXXXX";
    cm_token_keys *k;
    FILE   *fp;

    if (dir == 0)
	ck_assert((dir = mkdtemp(tmpl)) != 0);
    snprintf(path, sizeof(path), "%s/unsub.keys", dir);
    ck_assert((fp = fopen(path, "w")) != 0);
    fputs("# test keys\nk1 " HEX_A "\n\nbad-line\n", fp);
    fclose(fp);
    ck_assert_int_eq(chmod(path, 0640), 0);
    k = cm_token_keys_load(path, errbuf, sizeof(errbuf));
    ck_assert(k == 0);
    ck_assert_msg(strncmp(errbuf, path, strlen(path)) == 0
		  && strstr(errbuf, ":4: no secret") != 0, "%s", errbuf);

    ck_assert((fp = fopen(path, "w")) != 0);
    fputs("k1 " HEX_A "\n", fp);
    fclose(fp);
    ck_assert_int_eq(chmod(path, 0644), 0);
    k = cm_token_keys_load(path, errbuf, sizeof(errbuf));
    ck_assert(k == 0);
    ck_assert_msg(strstr(errbuf, "readable or writable by others (mode 0644)")
		  != 0 && strstr(errbuf, "UnsubscribeKeyFile") != 0,
		  "%s", errbuf);
    ck_assert_int_eq(chmod(path, 0602), 0);
    ck_assert(cm_token_keys_load(path, errbuf, sizeof(errbuf)) == 0);
    ck_assert_int_eq(chmod(path, 0640), 0);
    k = cm_token_keys_load(path, errbuf, sizeof(errbuf));
    ck_assert_msg(k != 0, "%s", errbuf);
    ck_assert_uint_eq(cm_token_keys_count(k), 1);
    cm_token_keys_free(k);
    unlink(path);
    ck_assert(cm_token_keys_load(path, errbuf, sizeof(errbuf)) == 0);
    ck_assert(strstr(errbuf, "No such file") != 0);
    if (dir == tmpl)
	rmdir(tmpl);
}
END_TEST

int     main(void)
{
    Suite  *s = suite_create("unsubtoken");
    TCase  *tc = tcase_create("core");
    SRunner *sr;
    int     failed;

    tcase_add_test(tc, round_trip);
    tcase_add_test(tc, opaque);
    tcase_add_test(tc, every_bit_flip);
    tcase_add_test(tc, forged_tag);
    tcase_add_test(tc, truncated_extended_alphabet);
    tcase_add_test(tc, upper_case);
    tcase_add_test(tc, rekeyed);
    tcase_add_test(tc, rotation_and_retirement);
    tcase_add_test(tc, wrong_purpose);
    tcase_add_test(tc, day);
    tcase_add_test(tc, keyfile_errors);
    tcase_add_test(tc, keyfile_mode);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
