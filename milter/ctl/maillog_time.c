/*++
/* NAME
/*	maillog_time 3
/* SUMMARY
/*	consentctl: the time stamps of the MTA's log lines
/* SYNOPSIS
/*	#include "maillog.h"
/*
/*	void	cm_ml_clock_init(clk, ref)
/*	cm_ml_clock *clk;
/*	long long ref;
/*
/*	long long cm_ml_time(text, len, clk, used)
/*	const char *text;
/*	size_t	len;
/*	cm_ml_clock *clk;
/*	size_t	*used;
/* DESCRIPTION
/*	The time stamp at the start of a maillog line (maillog.c), as
/*	Unix seconds.
/*
/*	Time stamps: syslog's "Mmm dd hh:mm:ss" (the day padded with a
/*	space or a zero, as Postfix's own maillog_file writes it; a
/*	fraction of a second after it as journalctl -o short-precise
/*	writes it; a year after it), in the local time zone; RFC 3339
/*	("2026-12-03T05:40:01.123456+00:00", rsyslog's high-precision
/*	format; an offset without a colon, as journald writes it, or
/*	without minutes, is accepted; a space may stand for the T; no
/*	offset means local time); journalctl -o short-full ("Thu
/*	2026-12-03 05:40:01 UTC": UTC, GMT, a numeric offset, or an
/*	abbreviation of the local zone, then local time).
/*	A syslog stamp has no year: it is taken to be the latest year
/*	that does not put the line more than a day after clk->ref, the
/*	time the file was last written. A file that spans a new year
/*	thus gets both years right; a file covering more than a year
/*	cannot be dated and is read as if it covered the last one.
/*
/*	cm_ml_clock_init() sets up a clock for one file whose last line
/*	was written no later than ref (Unix seconds).
/*
/*	cm_ml_time() reads the time stamp at the start of a line: it
/*	returns Unix seconds and stores in *used how many bytes it took,
/*	or returns -1. It never looks past len.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <string.h>
#include <time.h>

/* Application-specific. */

#include "maillog.h"
#include "timeparse.h"

#define DAY	86400LL

/* cm_ml_clock_init - a clock for a file last written at ref */

void    cm_ml_clock_init(cm_ml_clock *clk, long long ref)
{
    time_t  t = (time_t) ref;
    struct tm tm;

    memset(clk, 0, sizeof(*clk));
    clk->ref = ref;
    if (localtime_r(&t, &tm) != 0)
	clk->ref_year = tm.tm_year + 1900;
    else
	clk->ref_year = 1970;
}

/* digits - n decimal digits; -1 when one is not */

static int digits(const char *s, int n)
{
    int     v = 0;

    while (n-- > 0) {
	if (*s < '0' || *s > '9')
	    return (-1);
	v = v * 10 + (*s++ - '0');
    }
    return (v);
}

/* local_time - mktime() of a broken-down local time; -1 when invalid */

static long long local_time(int year, int mon, int day, int hh, int mm,
			            int ss)
{
    struct tm tm;
    time_t  t;

    memset(&tm, 0, sizeof(tm));
    tm.tm_year = year - 1900;
    tm.tm_mon = mon;
    tm.tm_mday = day;
    tm.tm_hour = hh;
    tm.tm_min = mm;
    tm.tm_sec = ss;
    tm.tm_isdst = -1;
    t = mktime(&tm);
    return (t == (time_t) -1 ? -1 : (long long) t);
}

/* syslog_fields - "Mmm dd hh:mm:ss" in parts; -1 when it is not one */

static int syslog_fields(const char *s, int *mon, int *day, int *hh, int *mm)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    const char *m;

    for (m = months; *m; m += 3)
	if (memcmp(m, s, 3) == 0)
	    break;
    if (*m == 0 || s[3] != ' ' || s[6] != ' ' || s[9] != ':')
	return (-1);
    *mon = (int) (m - months) / 3;
    *day = s[4] == ' ' ? digits(s + 5, 1) : digits(s + 4, 2);
    *hh = digits(s + 7, 2);
    *mm = digits(s + 10, 2);
    if (*day < 1 || *day > 31 || *hh < 0 || *hh > 23 || *mm < 0 || *mm > 59)
	return (-1);
    return (0);
}

/* syslog_time - "Mmm dd hh:mm:ss", year given (> 0) or from the clock */

static long long syslog_time(const char *s, int year, cm_ml_clock *clk)
{
    int     mon, day, hh, mm, ss;
    long long t;

    if ((ss = digits(s + 13, 2)) < 0 || ss > 60 || s[12] != ':')
	return (-1);
    if (year > 0) {
	if (syslog_fields(s, &mon, &day, &hh, &mm) < 0)
	    return (-1);
	return (local_time(year, mon, day, hh, mm, ss));
    }
    /* mktime() costs a time zone lookup: once a minute of log. */
    if (clk->have_key && memcmp(clk->key, s, 12) == 0)
	return (clk->key_base + ss);
    if (syslog_fields(s, &mon, &day, &hh, &mm) < 0)
	return (-1);
    t = local_time(clk->ref_year, mon, day, hh, mm, 0);
    if (t > clk->ref + DAY)
	t = local_time(clk->ref_year - 1, mon, day, hh, mm, 0);
    if (t < 0)
	return (-1);
    memcpy(clk->key, s, 12);
    clk->key_base = t;
    clk->have_key = 1;
    return (t + ss);
}

/* iso_buf - RFC 3339 in buf (n bytes, room for 3 more), zone or none */

static long long iso_buf(char *buf, size_t n)
{
    size_t  z;
    long long t;
    int     year, mon, day, hh, mm, ss;

    /* The zone: Z, +hh:mm, +hhmm (journald), +hh, or none (local time). */
    for (z = 19; z < n && buf[z] != 'Z' && buf[z] != 'z' && buf[z] != '+'
	 && buf[z] != '-'; z++)
	 /* void */ ;
    if (z < n) {
	if (n - z == 5 && buf[z + 3] != ':') {
	    memmove(buf + z + 4, buf + z + 3, 3);	/* +hhmm -> +hh:mm */
	    buf[z + 3] = ':';
	} else if (n - z == 3 && buf[z] != 'Z' && buf[z] != 'z') {
	    memcpy(buf + z + 3, ":00", 4);	/* +hh -> +hh:00 */
	}
	return (cm_time_parse(buf, &t) < 0 ? -1 : t);
    }
    year = digits(buf, 4);
    mon = digits(buf + 5, 2);
    day = digits(buf + 8, 2);
    hh = digits(buf + 11, 2);
    mm = digits(buf + 14, 2);
    ss = digits(buf + 17, 2);
    if (year < 1970 || buf[4] != '-' || buf[7] != '-' || mon < 1 || mon > 12
	|| day < 1 || day > 31 || (buf[10] != 'T' && buf[10] != 't')
	|| hh < 0 || hh > 23 || buf[13] != ':' || mm < 0 || mm > 59
	|| buf[16] != ':' || ss < 0 || ss > 60)
	return (-1);
    return (local_time(year, mon - 1, day, hh, mm, ss));
}

/* iso_time - RFC 3339, or with a space for the T; *used gets its length */

static long long iso_time(const char *s, size_t len, size_t *used)
{
    char    buf[64];
    size_t  n;

    /* "2026-12-03 05:25:50": a space at 10 before a time is the T. */
    for (n = 0; n < len && n < sizeof(buf) - 4; n++)
	if (s[n] == ' ' && !(n == 10 && len > 13 && s[13] == ':'))
	    break;
    if (n < 19 || (n < len && s[n] != ' '))
	return (-1);
    memcpy(buf, s, n);
    buf[n] = 0;
    if (buf[10] == ' ')
	buf[10] = 'T';
    *used = n;
    return (iso_buf(buf, n));
}

/* full_time - "Www YYYY-MM-DD hh:mm:ss ZONE" (journalctl -o short-full) */

static long long full_time(const char *s, size_t len, size_t *used)
{
    static const char wdays[] = "MonTueWedThuFriSatSun";
    const char *w;
    char    buf[64];
    size_t  e, z, n, k;

    for (w = wdays; *w && memcmp(w, s, 3) != 0; w += 3)
	 /* void */ ;
    if (*w == 0 || s[3] != ' ' || s[14] != ' ')
	return (-1);
    for (e = 15; e < len && s[e] != ' '; e++)	/* the time, maybe .frac */
	 /* void */ ;
    for (z = n = e + 1; n < len && s[n] != ' '; n++)	/* the zone */
	 /* void */ ;
    if (e >= len || e - 4 < 19 || e - 4 > 40 || n == z || n - z > 8)
	return (-1);
    k = e - 4;
    memcpy(buf, s + 4, k);
    buf[10] = 'T';

    /*
     * journalctl prints the abbreviation of the zone: UTC, or one of the
     * local zone (then the time is local). Any other cannot be converted
     * with certainty, and the line is not read.
     */
    tzset();
    if (n - z == 3 && (memcmp(s + z, "UTC", 3) == 0
		       || memcmp(s + z, "GMT", 3) == 0)) {
	buf[k++] = 'Z';
    } else if (s[z] == '+' || s[z] == '-') {
	memcpy(buf + k, s + z, n - z);
	k += n - z;
    } else if (!((strlen(tzname[0]) == n - z
		  && memcmp(s + z, tzname[0], n - z) == 0)
		 || (strlen(tzname[1]) == n - z
		     && memcmp(s + z, tzname[1], n - z) == 0))) {
	return (-1);
    }
    buf[k] = 0;
    *used = n;
    return (iso_buf(buf, k));
}

/* cm_ml_time - the time stamp at the start of a line */

long long cm_ml_time(const char *text, size_t len, cm_ml_clock *clk,
		             size_t *used)
{
    long long t;
    size_t  n = 15;
    int     year = 0;

    if (len >= 19 && text[0] >= 'A' && text[0] <= 'Z' && text[3] == ' '
	&& text[8] == '-')
	return (full_time(text, len, used));
    if (len >= 15 && text[0] >= 'A' && text[0] <= 'Z') {
	/* A fraction (journalctl -o short-precise), a year after it. */
	if (n < len && text[n] == '.')
	    for (n++; n < len && text[n] >= '0' && text[n] <= '9'; n++)
		 /* void */ ;
	if (len - n >= 5 && text[n] == ' ' && (year = digits(text + n + 1, 4)) >= 1970
	    && (len - n == 5 || text[n + 5] == ' '))
	    n += 5;
	else
	    year = 0;
	if ((t = syslog_time(text, year, clk)) >= 0)
	    *used = n;
	return (t);
    }
    if (len >= 19 && text[0] >= '0' && text[0] <= '9' && text[4] == '-')
	return (iso_time(text, len, used));
    return (-1);
}
