/* SPDX-License-Identifier: BSD-3-Clause; Copyright (c) 2026 the consent-milter authors. */
/*
 * fuzz_textout - libFuzzer target for what carries untrusted bytes out
 * of the daemon: the log escaper (milter/util/escape.c), the UTF-8
 * check (utf8.c) and the audit trail's JSON strings (json.c), read
 * back by consentctl's reader (jsonread.c). Whatever the bytes:
 *
 *  - escaped text, with any flags, holds no control byte, DEL, lone
 *    backslash (or, with CM_ESC_QUOTE, '"') and gives back the very
 *    bytes when the \xNN are undone; with CM_ESC_UTF8 it is valid
 *    UTF-8 without C1 controls (a terminal's CSI is U+009B);
 *  - cm_utf8_valid() agrees with a decoder written here from RFC 3629
 *    (table of well-formed sequences), and so does cm_utf8_seqlen();
 *  - an audit member written by cm_json_string() is one line without a
 *    raw C1 control, parses, and reads back as the bytes with each one
 *    outside a well-formed sequence turned into U+FFFD: what "consentctl
 *    trace" shows is what was written.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "escape.h"
#include "json.h"
#include "jsonread.h"
#include "utf8.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ref_seqlen - RFC 3629 section 4: a well-formed sequence of 2-4 bytes, or 0 */

static size_t ref_seqlen(const unsigned char *s, size_t n)
{
    unsigned long cp;
    size_t  len, i;

    if (s[0] >= 0xc2 && s[0] <= 0xdf)
	len = 2, cp = s[0] & 0x1f;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
	len = 3, cp = s[0] & 0x0f;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
	len = 4, cp = s[0] & 0x07;
    else
	return (0);
    if (n < len)
	return (0);
    for (i = 1; i < len; i++) {
	if ((s[i] & 0xc0) != 0x80)
	    return (0);
	cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)
	|| cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
	return (0);
    return (len);
}

/* ref_valid - ASCII and well-formed sequences only */

static int ref_valid(const unsigned char *s, size_t n)
{
    size_t  i = 0, k;

    while (i < n) {
	if (s[i] < 0x80)
	    i++;
	else if ((k = ref_seqlen(s + i, n - i)) != 0)
	    i += k;
	else
	    return (0);
    }
    return (1);
}

/* hexval - one hex digit, or -1 */

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
	return (c - '0');
    if (c >= 'a' && c <= 'f')
	return (c - 'a' + 10);
    if (c >= 'A' && c <= 'F')
	return (c - 'A' + 10);
    return (-1);
}

/* check_escaped - the rules for escaped text; undo into out, its length */

static size_t check_escaped(const unsigned char *e, size_t n, int flags,
			            unsigned char *out)
{
    size_t  i, o = 0, k;
    int     hi, lo;

    for (i = 0; i < n;) {
	if (e[i] == '\\') {
	    if (n - i < 4 || e[i + 1] != 'x' || (hi = hexval(e[i + 2])) < 0
		|| (lo = hexval(e[i + 3])) < 0)
		abort();			/* a lone backslash */
	    out[o++] = (unsigned char) (hi * 16 + lo);
	    i += 4;
	} else if (e[i] >= 0x20 && e[i] <= 0x7e) {
	    if (e[i] == '"' && (flags & CM_ESC_QUOTE))
		abort();
	    out[o++] = e[i++];
	} else if ((flags & CM_ESC_UTF8) && (k = ref_seqlen(e + i, n - i)) != 0) {
	    if (e[i] == 0xc2 && e[i + 1] <= 0x9f)
		abort();			/* C1 control */
	    memcpy(out + o, e + i, k);
	    o += k;
	    i += k;
	} else {
	    abort();				/* control, DEL or stray byte */
	}
    }
    return (o);
}

/*
 * check_fit - cm_escape_fit() into arrays of a few sizes: the whole text
 * when its escaped form fits, else a maximal prefix of it and "...".
 */
static void check_fit(const unsigned char *data, size_t size, int flags,
		              unsigned char *out)
{
    static const size_t sizes[] = {CM_ESC_LEN + 4, 17, CM_ESC_SHOW};
    char    fit[CM_ESC_SHOW];
    size_t  i, j, need = 0, len, n;
    unsigned char c;

    for (j = 0; j < size; j++) {
	c = data[j];
	need += (c >= 0x20 && c <= 0x7e && c != '\\'
		 && !(c == '"' && (flags & CM_ESC_QUOTE))) ? 1 : CM_ESC_LEN;
    }
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
	(void) cm_escape_fit(fit, sizes[i], (const char *) data, size, flags);
	if ((len = strlen(fit)) >= sizes[i])
	    abort();
	if (need + 1 <= sizes[i]) {
	    if (len != need)
		abort();			/* cut, though it fits */
	    n = check_escaped((const unsigned char *) fit, len, flags, out);
	    if (n != size || memcmp(out, data, size) != 0)
		abort();
	} else {
	    if (len < 3 || memcmp(fit + len - 3, "...", 3) != 0
		|| len + CM_ESC_LEN + 1 <= sizes[i])
		abort();			/* unmarked, or cut too soon */
	    n = check_escaped((const unsigned char *) fit, len - 3, flags, out);
	    if (n >= size || memcmp(out, data, n) != 0)
		abort();
	}
    }
}

/* expect_json - the bytes that the reader must give back */

static size_t expect_json(const unsigned char *s, size_t n, unsigned char *out)
{
    size_t  i = 0, o = 0, k;

    while (i < n) {
	if (s[i] < 0x80) {
	    out[o++] = s[i++];
	} else if ((k = ref_seqlen(s + i, n - i)) != 0) {
	    memcpy(out + o, s + i, k);
	    o += k;
	    i += k;
	} else {
	    memcpy(out + o, "\xef\xbf\xbd", 3);	/* U+FFFD */
	    o += 3;
	    i++;
	}
    }
    return (o);
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int flag_sets[] = {0, CM_ESC_QUOTE, CM_ESC_UPPER,
	CM_ESC_UTF8, CM_ESC_UTF8 | CM_ESC_QUOTE | CM_ESC_UPPER};
    static cm_jobject obj = CM_JOBJECT_INIT;
    const cm_jmember *m;
    unsigned char *out;
    const char *s = size ? (const char *) data : "";
    cm_buf  b;
    size_t  i, n, bad = (size_t) -1;
    char    err[256];
    int     valid;

    if ((out = malloc(3 * size + 1)) == 0)
	return (0);
    cm_buf_init(&b);

    /* UTF-8: the module against the reference, at every offset. */
    valid = cm_utf8_valid(s, size, &bad);
    if (valid != ref_valid(data, size) || (!valid && bad >= size))
	abort();
    for (i = 0; i < size; i++)
	if (data[i] >= 0x80 && cm_utf8_seqlen(data + i, size - i)
	    != ref_seqlen(data + i, size - i))
	    abort();

    /* The escaper, with each set of flags. */
    for (i = 0; i < sizeof(flag_sets) / sizeof(flag_sets[0]); i++) {
	cm_buf_reset(&b);
	cm_escape(&b, s, size, flag_sets[i]);
	if (b.oom)
	    goto done;
	n = check_escaped((const unsigned char *) b.data, b.len, flag_sets[i],
			  out);
	if (n != size || memcmp(out, data, size) != 0)
	    abort();
	check_fit(data, size, flag_sets[i], out);
    }

    /* An audit member, read back as consentctl reads it. */
    cm_buf_reset(&b);
    cm_json_open(&b);
    cm_json_kv_strn(&b, "rcpt", s, size);
    cm_json_close(&b);
    if (b.oom)
	goto done;
    if (memchr(b.data, '\n', b.len) != 0)
	abort();				/* one record, one line */
    for (i = 0; i + 1 < b.len; i++)
	if ((unsigned char) b.data[i] == 0xc2
	    && (unsigned char) b.data[i + 1] <= 0x9f)
	    abort();				/* C1 written raw */
    if (cm_jobject_parse(&obj, b.data, b.len, err, sizeof(err)) != 0
	|| (m = cm_jobject_get(&obj, "rcpt")) == 0
	|| m->type != CM_JTYPE_STRING)
	abort();
    n = expect_json(data, size, out);
    if (m->val_len != n || memcmp(m->val, out, n) != 0)
	abort();
done:
    cm_buf_free(&b);
    free(out);
    return (0);
}
