/* SPDX-License-Identifier: BSD-3-Clause; Copyright (c) 2026 the consent-milter authors. */
/*
 * fuzz_maillog - libFuzzer target for the MTA log line reader that
 * "consentctl reconcile" trusts (milter/ctl/maillog.c). A delivery log
 * carries text that senders choose (addresses, quoted local parts), so
 * whatever the bytes: no crash, no read outside the line (it is copied
 * to a buffer of exactly its size, unterminated), every span inside the
 * line, no more recipients than the table holds, and the same answer
 * from a clock that has read other lines (its cached minute) as from a
 * fresh one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "maillog.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Dec  5 00:00:00 2026 UTC: the file's last write, for the year. */
#define REF	1796428800LL

/* inside - a span lies within [text, text + len) */

static int inside(const cm_ml_span *s, const char *text, size_t len)
{
    return (s->len == 0
	    || (s->ptr >= text && s->len <= len
		&& (size_t) (s->ptr - text) <= len - s->len));
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cm_ml_clock warm;		/* has read every earlier input */
    static int warm_ready;
    static cm_ml_line a, b;
    cm_ml_clock fresh;
    cm_ml_kind ka, kb;
    char   *text;
    size_t  i, used = 0;
    long long t;

    if (!warm_ready) {
	cm_ml_clock_init(&warm, REF);
	warm_ready = 1;
    }
    if ((text = malloc(size ? size : 1)) == 0)
	return (0);
    memcpy(text, data, size);

    cm_ml_clock_init(&fresh, REF);
    ka = cm_ml_parse(text, size, &fresh, &a);
    kb = cm_ml_parse(text, size, &warm, &b);
    if (ka != kb || a.time != b.time || a.nrcpt != b.nrcpt)
	abort();
    if (ka < CM_ML_GARBAGE || ka > CM_ML_BROKEN)
	abort();
    if (ka == CM_ML_GARBAGE && a.time != -1)
	abort();
    if (ka != CM_ML_GARBAGE && a.time < 0)
	abort();
    if (a.nrcpt > CM_ML_RCPT_MAX || (a.truncated && a.nrcpt != CM_ML_RCPT_MAX))
	abort();
    if (ka == CM_ML_SENT || ka == CM_ML_NOT_SENT) {
	if ((a.mta != CM_ML_POSTFIX && a.mta != CM_ML_SENDMAIL)
	    || a.qid.len == 0 || !inside(&a.qid, text, size))
	    abort();
	for (i = 0; i < a.nrcpt; i++)
	    if (!inside(&a.rcpt[i].addr, text, size)
		|| !inside(&a.rcpt[i].orig, text, size))
		abort();
    }

    /* The time stamp alone, read again with a fresh clock. */
    cm_ml_clock_init(&fresh, REF);
    t = cm_ml_time(text, size, &fresh, &used);
    if (t >= 0 && (used == 0 || used > size))
	abort();
    free(text);
    return (0);
}
