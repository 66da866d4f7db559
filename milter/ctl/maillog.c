/*++
/* NAME
/*	maillog 3
/* SUMMARY
/*	consentctl: the MTA's delivery log lines
/* SYNOPSIS
/*	#include "maillog.h"
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
/*	Each line starts with a time stamp (maillog_time.c), read with
/*	the clock of its file (cm_ml_clock_init()).
/*
/*	cm_ml_compressed() looks at the first bytes of a file and returns
/*	the name of the compressor when they are the magic number of xz,
/*	bzip2, zstd or lz4 data (zlib reads gzip, and passes anything
/*	else through as if it were text), else NULL.
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

#include <string.h>

/* Application-specific. */

#include "maillog.h"

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
