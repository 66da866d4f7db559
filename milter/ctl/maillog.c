/*++
/* NAME
/*	maillog 3
/* SUMMARY
/*	consentctl: the MTA's delivery log lines
/* SYNOPSIS
/*	#include "maillog.h"
/*
/*	void	cm_ml_clock_init(clk, ref)
/*	cm_ml_clock *clk;
/*	long long ref;
/*
/*	cm_ml_kind cm_ml_parse(text, len, clk, out)
/*	const char *text;
/*	size_t	len;
/*	cm_ml_clock *clk;
/*	cm_ml_line *out;
/*
/*	const char *cm_ml_compressed(data, len)
/*	const char *data;
/*	size_t	len;
/*
/*	long long cm_ml_time(text, len, clk, used)
/*	const char *text;
/*	size_t	len;
/*	cm_ml_clock *clk;
/*	size_t	*used;
/* DESCRIPTION
/*	"consentctl reconcile" holds the audit trail against what the MTA
/*	says it delivered. This module reads one line of the MTA's log
/*	and says whether it records a delivery, of which queue id, to
/*	whom. It never allocates and never looks past len (lines may
/*	hold NUL bytes, or be cut anywhere).
/*
/*	Postfix: a line of a delivery agent (smtp, lmtp, local, virtual,
/*	pipe; the last part of the syslog tag, so "postfix/smtp" and
/*	"postfix-out/relay/smtp" alike) of the form
/* .nf
/*	QID: to=<addr>, [orig_to=<addr>, ]... status=sent (...)
/* .fi
/*	One line per recipient. The address may be quoted
/*	(to=<"john doe"@example.org>): quotes are respected while looking
/*	for the closing ">".
/*
/*	Sendmail (any tag without "/": sendmail, sm-mta, sm-msp-queue):
/* .nf
/*	QID: to=<a>,<b>, [ctladdr=<c> (uid/gid), ]... stat=Sent (...)
/* .fi
/*	One line names several recipients, separated by "," (a list too
/*	long for syslog is split over lines ending in "[more]"); they
/*	may be bare (to=bob@example.org) or carry a name (Bob <b@x>).
/*	A recipient without "@" (a local user after alias expansion)
/*	takes the ctladdr= address as its original recipient.
/*
/*	Lines as syslogd writes them ("STAMP host tag[pid]: message"),
/*	and as a program sends them to /dev/log ("<PRI>STAMP tag[pid]:
/*	message", no host), for tests that capture sendmail's log.
/*
/*	RFC 5424 lines ("<PRI>1 TIME HOST APP-NAME PROCID MSGID SD MSG",
/*	structured data "-" or "[...]..."): the app-name is the tag.
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
/*	cm_ml_compressed() looks at the first bytes of a file and returns
/*	the name of the compressor when they are the magic number of xz,
/*	bzip2, zstd or lz4 data (zlib reads gzip, and passes anything
/*	else through as if it were text), else NULL.
/*
/*	cm_ml_time() reads the time stamp at the start of a line: it
/*	returns Unix seconds and stores in *used how many bytes it took,
/*	or returns -1.
/*
/*	cm_ml_parse() classifies a line and fills *out: time (always,
/*	when the line has one), and for CM_ML_SENT and CM_ML_NOT_SENT
/*	also mta, qid and the recipients; the spans point into text.
/*	CM_ML_REQUEUED is a line of Postfix's pickup or cleanup that
/*	gives a message's former queue id (orig_id=, a message requeued
/*	with "postsuper -r"): qid is the new id, orig_id the old.
/*	CM_ML_MSGID is a line that gives a message's Message-ID with its
/*	queue id: Postfix's cleanup ("QID: message-id=VALUE", the header
/*	value to the end of the line) and sendmail's "QID: from=<a>,
/*	..., msgid=<VALUE>, ..." line; qid and msgid are set.
/*	A crash leaves NUL bytes in a log file, with the next line
/*	appended after them: when what follows the last NUL byte is a
/*	log line, that is what is read, and out->skipped says how many
/*	bytes before it were not.
/* DIAGNOSTICS
/*	cm_ml_parse() returns CM_ML_GARBAGE for a line without a time
/*	stamp, CM_ML_OTHER for any other log line, CM_ML_SENT for a
/*	delivery, CM_ML_NOT_SENT for a delivery attempt with any other
/*	status (deferred, bounced, expired, queued), CM_ML_BROKEN for a
/*	"QID: to=" line of a delivery agent that cannot be read to its
/*	status (cut short, an unterminated address): the caller counts
/*	those, so that nothing is silently ignored.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdio.h>
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

/* cm_ml_compressed - the compressor whose magic number data starts with */

const char *cm_ml_compressed(const char *data, size_t len)
{
    static const struct {
	const char *name;
	const char *magic;
	size_t  len;
    } magic[] = {
	{"xz", "\xfd" "7zXZ\0", 6},
	{"bzip2", "BZh", 3},
	{"zstd", "\x28\xb5\x2f\xfd", 4},
	{"lz4", "\x04\x22\x4d\x18", 4},
    };
    size_t  i;

    for (i = 0; i < sizeof(magic) / sizeof(magic[0]); i++)
	if (len >= magic[i].len && memcmp(data, magic[i].magic, magic[i].len) == 0)
	    return (magic[i].name);
    return (0);
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

/* find - memmem() within [p, end) */

static const char *find(const char *p, const char *end, const char *needle)
{
    size_t  n = strlen(needle);

    if (end - p < (long) n)
	return (0);
    return (memmem(p, end - p, needle, n));
}

/* angle - "<addr>" at p (quotes respected); the end, or NULL */

static const char *angle(const char *p, const char *end, cm_ml_span *addr)
{
    int     inq = 0;
    const char *s;

    if (p >= end || *p != '<')
	return (0);
    for (s = ++p; p < end; p++) {
	if (inq && *p == '\\' && p + 1 < end)
	    p++;
	else if (*p == '"')
	    inq = !inq;
	else if (!inq && *p == '>') {
	    addr->ptr = s;
	    addr->len = p - s;
	    return (p + 1);
	}
    }
    return (0);
}

/* status_is - does the value at p start with word, as a whole word */

static int status_is(const char *p, const char *end, const char *word)
{
    size_t  n = strlen(word);

    return ((size_t) (end - p) >= n && memcmp(p, word, n) == 0
	    && (p + n == end || p[n] == ' ' || p[n] == ',' || p[n] == '('));
}

/* postfix_line - "to=<a>, [orig_to=<b>, ]... status=X" after "to=" */

static cm_ml_kind postfix_line(const char *p, const char *end, cm_ml_line *out)
{
    cm_ml_rcpt *r = out->rcpt;
    const char *st;

    memset(r, 0, sizeof(*r));
    if ((p = angle(p, end, &r->addr)) == 0)
	return (CM_ML_BROKEN);
    if (end - p >= 11 && memcmp(p, ", orig_to=<", 11) == 0
	&& (p = angle(p + 10, end, &r->orig)) == 0)
	return (CM_ML_BROKEN);
    if ((st = find(p, end, ", status=")) == 0 || st + 9 == end)
	return (CM_ML_BROKEN);
    out->nrcpt = 1;
    return (status_is(st + 9, end, "sent") ? CM_ML_SENT : CM_ML_NOT_SENT);
}

/* sm_addr - the address in one sendmail list element */

static void sm_addr(const char *s, const char *e, cm_ml_span *addr)
{
    const char *p;
    int     inq = 0;

    while (s < e && *s == ' ')
	s++;
    while (e > s && e[-1] == ' ')
	e--;
    /* "Name <addr>": the part in angle brackets. */
    for (p = s; p < e; p++) {
	if (inq && *p == '\\' && p + 1 < e)
	    p++;
	else if (*p == '"')
	    inq = !inq;
	else if (!inq && *p == '<' && angle(p, e, addr) != 0)
	    return;
    }
    addr->ptr = s;
    addr->len = e - s;
}

/* has_at - does a span hold an '@' */

static int has_at(const cm_ml_span *s)
{
    return (memchr(s->ptr, '@', s->len) != 0);
}

/* sendmail_line - "to=a,<b>, ... stat=X" after "to=" */

static cm_ml_kind sendmail_line(const char *p, const char *end,
				        cm_ml_line *out)
{
    const char *elem = p, *st, *ca;
    cm_ml_span ctladdr = {0, 0};
    int     inq = 0, depth = 0, more = 1;
    size_t  i;

    /*
     * Recipients are separated by ","; the list ends at ", " (the next
     * field) or at the end of the line. Commas in quotes or angle
     * brackets belong to an address.
     */
    for (; more; p++) {
	if (p < end && inq) {
	    if (*p == '\\' && p + 1 < end)
		p++;
	    else if (*p == '"')
		inq = 0;
	    continue;
	}
	if (p < end && *p == '"')
	    inq = 1;
	else if (p < end && *p == '<')
	    depth++;
	else if (p < end && *p == '>' && depth > 0)
	    depth--;
	if (p < end && (*p != ',' || depth > 0))
	    continue;
	if (p >= end || p + 1 >= end || p[1] == ' ')
	    more = 0;
	if (p > elem) {
	    if (out->nrcpt < CM_ML_RCPT_MAX) {
		memset(out->rcpt + out->nrcpt, 0, sizeof(out->rcpt[0]));
		sm_addr(elem, p > end ? end : p, &out->rcpt[out->nrcpt].addr);
		if (out->rcpt[out->nrcpt].addr.len > 0)
		    out->nrcpt++;
	    } else {
		out->truncated = 1;
	    }
	}
	elem = p + 1;
	if (p >= end)
	    break;
    }
    if (p > end)
	p = end;
    if (out->nrcpt == 0 || (st = find(p - 1, end, ", stat=")) == 0
	|| st + 7 == end)
	return (CM_ML_BROKEN);

    /* A local user (no '@') is known by the address that led to it. */
    if ((ca = find(p - 1, st, ", ctladdr=")) != 0) {
	for (p = ca += 10; p < st && *p != ' ' && *p != ','; p++)
	    /* void */ ;
	sm_addr(ca, p, &ctladdr);
	for (i = 0; i < out->nrcpt; i++)
	    if (!has_at(&out->rcpt[i].addr) && has_at(&ctladdr))
		out->rcpt[i].orig = ctladdr;
    }
    return (status_is(st + 7, end, "Sent") ? CM_ML_SENT : CM_ML_NOT_SENT);
}

/* qid_end - the end of a queue id (letters and digits) at p */

static const char *qid_end(const char *p, const char *end)
{
    while (p < end && ((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z')
		       || (*p >= 'a' && *p <= 'z')))
	p++;
    return (p);
}

/* requeued - "uid=N from=<a> orig_id=QID" of pickup or cleanup */

static cm_ml_kind requeued(const char *p, const char *end, cm_ml_line *out)
{
    const char *from, *id, *e;
    cm_ml_span addr;

    /*
     * "postsuper -r" gives a message a new queue id; pickup logs the
     * old one. Look after the sender address, which a local user
     * chooses and which could hold " orig_id=" itself.
     */
    if ((from = find(p, end, "from=<")) != 0
	&& (p = angle(from + 5, end, &addr)) == 0)
	return (CM_ML_OTHER);
    if (end - p >= 8 && memcmp(p, "orig_id=", 8) == 0)
	id = p + 8;
    else if ((id = find(p, end, " orig_id=")) != 0)
	id += 9;
    else
	return (CM_ML_OTHER);
    e = qid_end(id, end);
    if (e == id || e - id > 64 || (e < end && *e != ' ' && *e != ','))
	return (CM_ML_OTHER);
    out->orig_id.ptr = id;
    out->orig_id.len = e - id;
    return (CM_ML_REQUEUED);
}

/* message_id - "message-id=VALUE" of Postfix's cleanup */

static cm_ml_kind message_id(const char *p, const char *end, cm_ml_line *out)
{
    /* The header value, white space trimmed, to the end of the line. */
    if (end - p < 11 || memcmp(p, "message-id=", 11) != 0)
	return (CM_ML_OTHER);
    for (p += 11; p < end && (*p == ' ' || *p == '\t'); p++)
	 /* void */ ;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
	end--;
    if (p == end)
	return (CM_ML_OTHER);
    out->msgid.ptr = p;
    out->msgid.len = end - p;
    return (CM_ML_MSGID);
}

/* sm_msgid - "from=<a>, ..., msgid=<VALUE>, ..." of sendmail */

static cm_ml_kind sm_msgid(const char *p, const char *end, cm_ml_line *out)
{
    const char *id, *e;
    cm_ml_span addr;

    /*
     * After the sender address, which a client chooses and which could
     * hold ", msgid=" itself. A Message-ID in angle brackets is taken
     * with them (as the header has it), else up to the next field.
     */
    if (end - p < 6 || memcmp(p, "from=", 5) != 0)
	return (CM_ML_OTHER);
    if (p[5] == '<' && (p = angle(p + 5, end, &addr)) == 0)
	return (CM_ML_OTHER);
    if ((id = find(p, end, ", msgid=")) == 0)
	return (CM_ML_OTHER);
    id += 8;
    if (id < end && *id == '<') {
	if ((e = angle(id, end, &addr)) == 0)
	    return (CM_ML_OTHER);
    } else {
	for (e = id; e < end && !(*e == ',' && (e + 1 == end || e[1] == ' '));
	     e++)
	     /* void */ ;
    }
    if (e == id)
	return (CM_ML_OTHER);
    out->msgid.ptr = id;
    out->msgid.len = e - id;
    return (CM_ML_MSGID);
}

/* field - the next field after a space at p; its end, or NULL */

static const char *field(const char *p, const char *end, const char **start)
{
    if (p >= end || *p != ' ')
	return (0);
    for (*start = ++p; p < end && *p != ' '; p++)
	 /* void */ ;
    return (p > *start ? p : 0);
}

/* header_5424 - " HOST APP PROCID MSGID SD " after the time; the message */

static const char *header_5424(const char *p, const char *end,
			               const char **tag, const char **tag_end)
{
    const char *f;
    int     inq;

    /* The app-name ("postfix/smtp") is the tag; the procid its pid. */
    if ((p = field(p, end, &f)) == 0 || (p = field(p, end, tag)) == 0)
	return (0);
    *tag_end = p;
    if ((p = field(p, end, &f)) == 0 || (p = field(p, end, &f)) == 0
	|| end - p < 2 || *p++ != ' ')
	return (0);

    /* Structured data: "-", or "[id name="value" ...]..." (\] inside). */
    if (*p == '-') {
	p++;
    } else if (*p == '[') {
	while (p < end && *p == '[') {
	    for (inq = 0, p++; p < end && (inq || *p != ']'); p++) {
		if (inq && *p == '\\' && p + 1 < end)
		    p++;
		else if (*p == '"')
		    inq = !inq;
	    }
	    if (p++ >= end)
		return (0);
	}
    } else {
	return (0);
    }
    if (p < end && *p++ != ' ')
	return (0);
    if (end - p >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
	p += 3;					/* a UTF-8 message's BOM */
    return (p);
}

/* parse_line - classify one log line without NUL bytes before it */

static cm_ml_kind parse_line(const char *text, size_t len, cm_ml_clock *clk,
			             cm_ml_line *out)
{
    static const char *agents[] = {"smtp", "lmtp", "local", "virtual",
    "pipe", 0};
    const char *end = text + len;
    const char *p, *tag, *tag_end, *agent, *q;
    size_t  used = 0;
    int     i, is5424 = 0;

    out->nrcpt = 0;
    out->truncated = 0;
    out->qid.ptr = 0;
    out->qid.len = 0;
    out->orig_id.ptr = 0;
    out->orig_id.len = 0;
    out->msgid.ptr = 0;
    out->msgid.len = 0;

    /* A line as sent to /dev/log starts with "<PRI>" (a capture). */
    if (len > 2 && text[0] == '<') {
	for (p = text + 1; p < end && p - text < 5 && *p >= '0' && *p <= '9'; p++)
	     /* void */ ;
	if (p > text + 1 && p < end && *p == '>') {
	    len -= p + 1 - text;
	    text = p + 1;
	    /* RFC 5424: "<PRI>1 TIME HOST APP PROCID MSGID SD MSG". */
	    if (len > 2 && text[0] == '1' && text[1] == ' ') {
		is5424 = 1;
		len -= 2;
		text += 2;
	    }
	}
    }
    if ((out->time = cm_ml_time(text, len, clk, &used)) < 0)
	return (CM_ML_GARBAGE);
    p = text + used;
    if (is5424) {
	if ((p = header_5424(p, end, &tag, &tag_end)) == 0)
	    return (CM_ML_OTHER);
    } else {
	/* " host tag[pid]: ", or without the host (a capture of /dev/log). */
	if (p >= end || *p++ != ' ')
	    return (CM_ML_OTHER);
	for (tag = p; p < end && *p != ' '; p++)
	     /* void */ ;
	if (p > tag && p[-1] == ':')
	    p = tag;
	else if (p >= end || *p++ != ' ')
	    return (CM_ML_OTHER);
	for (tag = p; p < end && *p != ':' && *p != ' '; p++)
	     /* void */ ;
	if (end - p < 2 || p[0] != ':' || p[1] != ' ')
	    return (CM_ML_OTHER);
	tag_end = p;
	p += 2;
	if (tag_end > tag && tag_end[-1] == ']')
	    while (tag_end > tag && *--tag_end != '[')
		 /* void */ ;
    }

    /* "QID: to=", or "QID: ... orig_id=QID" */
    q = p;
    p = qid_end(p, end);
    if (p == q || p - q > 64 || end - p < 2 || p[0] != ':' || p[1] != ' ')
	return (CM_ML_OTHER);
    out->qid.ptr = q;
    out->qid.len = p - q;

    /* Postfix tags are "name/agent"; sendmail's have no slash. */
    for (agent = tag_end; agent > tag && agent[-1] != '/'; agent--)
	 /* void */ ;
    if (end - p < 5 || memcmp(p, ": to=", 5) != 0) {
	if (agent == tag ? sm_msgid(p + 2, end, out) == CM_ML_MSGID
	    : (tag_end - agent == 7 && memcmp(agent, "cleanup", 7) == 0
	       && message_id(p + 2, end, out) == CM_ML_MSGID))
	    return (CM_ML_MSGID);
	if (agent > tag && ((tag_end - agent == 6 && memcmp(agent, "pickup", 6) == 0)
			    || (tag_end - agent == 7
				&& memcmp(agent, "cleanup", 7) == 0)))
	    if (requeued(p + 2, end, out) == CM_ML_REQUEUED)
		return (CM_ML_REQUEUED);
	out->qid.len = 0;
	return (CM_ML_OTHER);
    }
    p += 5;
    if (agent == tag) {
	out->mta = CM_ML_SENDMAIL;
	return (sendmail_line(p, end, out));
    }
    out->mta = CM_ML_POSTFIX;
    for (i = 0; agents[i]; i++)
	if ((size_t) (tag_end - agent) == strlen(agents[i])
	    && memcmp(agent, agents[i], tag_end - agent) == 0)
	    return (postfix_line(p, end, out));
    return (CM_ML_OTHER);			/* qmgr, error, discard... */
}

/* cm_ml_parse - classify one log line */

cm_ml_kind cm_ml_parse(const char *text, size_t len, cm_ml_clock *clk,
		               cm_ml_line *out)
{
    const char *nul;
    cm_ml_kind kind;

    /*
     * A crash leaves NUL bytes where syslogd was writing (a torn line,
     * or a file extended over a hole), and the next line is appended
     * after them: read what follows the last NUL when that is a log
     * line. Otherwise the NUL is inside the line (the length decides)
     * and the whole line is read.
     */
    out->skipped = 0;
    for (nul = text + len; nul > text && nul[-1] != 0; nul--)
	 /* void */ ;
    if (nul > text) {
	kind = parse_line(nul, len - (nul - text), clk, out);
	if (kind != CM_ML_GARBAGE) {
	    out->skipped = nul - text;
	    return (kind);
	}
    }
    return (parse_line(text, len, clk, out));
}
