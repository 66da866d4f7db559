/*++
/* NAME
/*	timeparse 3
/* SUMMARY
/*	event times: Unix seconds or RFC 3339
/* SYNOPSIS
/*	#include "timeparse.h"
/*
/*	int	cm_time_parse(s, out)
/*	const char *s;
/*	long long *out;
/*
/*	const char *cm_time_format(t, buf, size)
/*	long long t;
/*	char	*buf;
/*	size_t	size;
/* DESCRIPTION
/*	Consent events carry their own time (DESIGN.md section 3), and
/*	the writer rules compare those times, so a time that is read
/*	wrongly can let an old grant override a newer withdrawal. This
/*	module therefore accepts two strict forms and nothing else:
/* .IP \(bu
/*	Unix seconds: decimal digits only, no sign, no spaces.
/* .IP \(bu
/*	An RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS, optional fraction
/*	of a second (.digits, dropped: times are stored in whole
/*	seconds), then Z or an offset +HH:MM or -HH:MM. The T and Z may
/*	be lower case, and the T may be a space (RFC 3339 section 5.6
/*	allows both). Second 60 (a leap second) is accepted and counts
/*	as the first second of the next minute, as POSIX time does.
/* .PP
/*	cm_time_parse() stores the time in Unix seconds (UTC) in *out.
/*	The result must lie between 0 (1970-01-01T00:00:00Z) and
/*	CM_TIME_MAX (9999-12-31T23:59:59Z): stored times are unsigned
/*	decimal, and every reader parses them that way.
/*
/*	cm_time_format() writes t as RFC 3339 UTC, for example
/*	"2026-03-01T12:00:00Z", into buf (CM_TIME_SIZE bytes hold it) and
/*	returns buf. A time outside the range above is written as plain
/*	decimal seconds, so that a damaged record still shows something.
/* DIAGNOSTICS
/*	cm_time_parse() returns 0, or -1 (leaving *out alone) for an empty
/*	or null string, any other form, a field out of range (month 13,
/*	February 30, hour 24, offset +24:00) or a time outside the range.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Application-specific. */

#include "timeparse.h"

/* is_digit - ASCII digit; isdigit() would depend on the locale */

static int is_digit(char c)
{
    return (c >= '0' && c <= '9');
}

/* take - exactly n digits, advancing *sp */

static int take(const char **sp, int n, int *out)
{
    const char *s = *sp;
    int     val = 0;
    int     i;

    for (i = 0; i < n; i++) {
	if (!is_digit(s[i]))
	    return (-1);
	val = val * 10 + (s[i] - '0');
    }
    *sp = s + n;
    *out = val;
    return (0);
}

/* is_leap - Gregorian leap year */

static int is_leap(int y)
{
    return ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0);
}

/* month_days - days in a month of a year */

static int month_days(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    return (m == 2 && is_leap(y) ? 29 : days[m - 1]);
}

/* days_since_epoch - days from 1970-01-01 to a valid date (year >= 1) */

static long long days_since_epoch(int y, int m, int d)
{
    static const int before[] = {0, 31, 59, 90, 120, 151, 181, 212, 243,
    273, 304, 334};
    long long prev = y - 1;
    long long days;

    /* Leap days in the years before y, minus those before 1970 (477). */
    days = 365LL * (y - 1970) + (prev / 4 - prev / 100 + prev / 400) - 477;
    days += before[m - 1] + d - 1;
    if (m > 2 && is_leap(y))
	days++;
    return (days);
}

/* parse_seconds - decimal Unix seconds, bounded */

static int parse_seconds(const char *s, long long *out)
{
    long long val = 0;

    for (; *s; s++) {
	if (!is_digit(*s) || val > (CM_TIME_MAX - (*s - '0')) / 10)
	    return (-1);
	val = val * 10 + (*s - '0');
    }
    *out = val;
    return (0);
}

/* cm_time_parse - Unix seconds or RFC 3339 date-time */

int     cm_time_parse(const char *s, long long *out)
{
    int     y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
    long long t;

    if (s == 0 || *s == 0)
	return (-1);
    if (strspn(s, "0123456789") == strlen(s))
	return (parse_seconds(s, out));

    if (take(&s, 4, &y) < 0 || *s++ != '-' || take(&s, 2, &mo) < 0
	|| *s++ != '-' || take(&s, 2, &d) < 0)
	return (-1);
    if (*s != 'T' && *s != 't' && *s != ' ')
	return (-1);
    s++;
    if (take(&s, 2, &h) < 0 || *s++ != ':' || take(&s, 2, &mi) < 0
	|| *s++ != ':' || take(&s, 2, &sec) < 0)
	return (-1);
    if (*s == '.') {
	if (!is_digit(*++s))
	    return (-1);
	while (is_digit(*s))
	    s++;
    }
    if (*s == 'Z' || *s == 'z') {
	s++;
    } else if (*s == '+' || *s == '-') {
	sign = (*s++ == '+') ? 1 : -1;
	if (take(&s, 2, &oh) < 0 || *s++ != ':' || take(&s, 2, &om) < 0
	    || oh > 23 || om > 59)
	    return (-1);
    } else {
	return (-1);
    }
    if (*s != 0)
	return (-1);

    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo)
	|| h > 23 || mi > 59 || sec > 60)
	return (-1);

    /* Local time is UTC plus the offset; subtract it to get UTC. */
    t = days_since_epoch(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec
	- sign * (oh * 3600 + om * 60);
    if (t < 0 || t > CM_TIME_MAX)
	return (-1);
    *out = t;
    return (0);
}

/* cm_time_format - RFC 3339 UTC, or decimal seconds out of range */

const char *cm_time_format(long long t, char *buf, size_t size)
{
    time_t  tt = (time_t) t;
    struct tm tm;

    if (size == 0)
	return (buf);
    if (t < 0 || t > CM_TIME_MAX || gmtime_r(&tt, &tm) == 0
	|| strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
	snprintf(buf, size, "%lld", t);
    return (buf);
}
