/* SPDX-License-Identifier: BSD-3-Clause; Copyright (c) 2026 the consent-milter authors. */
/*
 * fuzz_timeparse - libFuzzer target for event times (milter/util/
 * timeparse.c), which the writer rules compare: a time read wrongly
 * lets an old grant override a newer withdrawal. Whatever the bytes:
 * an accepted time lies in range and reads back the same after
 * cm_time_format(); decimal seconds read as their value; and for the
 * plain form "YYYY-MM-DDTHH:MM:SSZ" the answer is glibc's timegm(3),
 * both ways: accepted exactly when the fields name a real second.
 */
#define _DEFAULT_SOURCE			/* timegm() */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timeparse.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* num - n digits at s as a number; -1 when one is not a digit */

static int num(const char *s, int n)
{
    int     v = 0;

    while (n-- > 0) {
	if (*s < '0' || *s > '9')
	    return (-1);
	v = v * 10 + (*s++ - '0');
    }
    return (v);
}

/* plain_form - "YYYY-MM-DDTHH:MM:SSZ": its seconds by timegm, -1 when no real second, -2 when not that form */

static long long plain_form(const char *s)
{
    struct tm tm, back;
    time_t  t;
    int     y, mo, d, h, mi, se;

    if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T'
	|| s[13] != ':' || s[16] != ':' || s[19] != 'Z')
	return (-2);
    if ((y = num(s, 4)) < 0 || (mo = num(s + 5, 2)) < 0
	|| (d = num(s + 8, 2)) < 0 || (h = num(s + 11, 2)) < 0
	|| (mi = num(s + 14, 2)) < 0 || (se = num(s + 17, 2)) < 0)
	return (-2);
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 60)
	return (-1);
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = 0;
    t = timegm(&tm);
    /* A day that timegm() had to move (February 30) is no real day. */
    if (gmtime_r(&t, &back) == 0 || back.tm_mday != d || back.tm_mon != mo - 1)
	return (-1);
    return ((long long) t + se);	/* second 60: the next minute's first */
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char   *s, out[CM_TIME_SIZE];
    long long t = -7, t2 = -7, want;
    size_t  i;
    int     rc, all_digits;

    if ((s = malloc(size + 1)) == 0)
	return (0);
    memcpy(s, data, size);
    s[size] = 0;

    rc = cm_time_parse(s, &t);
    if (rc != 0 && rc != -1)
	abort();
    if (rc == -1 && t != -7)
	abort();			/* *out left alone */
    if (rc == 0) {
	if (t < 0 || t > CM_TIME_MAX)
	    abort();
	if (cm_time_format(t, out, sizeof(out)) != out || strlen(out) != 20
	    || cm_time_parse(out, &t2) != 0 || t2 != t)
	    abort();
    }

    /* Decimal seconds: their value, when in range. */
    all_digits = s[0] != 0;
    for (i = 0; s[i] != 0; i++)
	if (s[i] < '0' || s[i] > '9')
	    all_digits = 0;
    if (all_digits && strlen(s) <= 12) {
	want = strtoll(s, 0, 10);
	if ((want <= CM_TIME_MAX) != (rc == 0) || (rc == 0 && t != want))
	    abort();
    }

    /* The plain form, against timegm(). */
    if ((want = plain_form(s)) != -2) {
	if (want >= 0 && want > CM_TIME_MAX)
	    want = -1;
	if ((want >= 0) != (rc == 0) || (rc == 0 && t != want))
	    abort();
    }
    free(s);
    return (0);
}
