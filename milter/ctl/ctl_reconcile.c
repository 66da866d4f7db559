/*++
/* NAME
/*	ctl_reconcile 3
/* SUMMARY
/*	consentctl reconcile: the audit trail against the MTA's deliveries
/* SYNOPSIS
/*	#include "ctl.h"
/*
/*	int	ctl_reconcile(c, argc, argv)
/*	ctl	*c;
/*	int	argc;
/*	char	**argv;
/* DESCRIPTION
/*	consentctl reconcile --maillog FILE... [--audit-log FILE...]
/*		[--since TIME] [--json]
/*
/*	The promise of the milter is that a denied recipient is never
/*	delivered. Our own audit trail cannot prove that: only the MTA
/*	knows what it delivered. This verb reads the MTA's delivery log
/*	(Postfix and sendmail lines, see maillog.c; plain, rotated or
/*	gzip-compressed, in any order; a file compressed otherwise is
/*	refused as unreadable) and the audit trail (the given
/*	files, else AuditLog and its rotated siblings, see
/*	ctl_auditlog.c), and lists every delivery of a message that has
/*	audit records (same queue id) to a recipient without an "allow"
/*	record for that message.
/*
/*	Recipients compare in the normalised form (DESIGN.md section 2),
/*	and through the record id when the trail is pseudonymised
/*	(rcpt_id; AddressKeyFile must then be the key it was written
/*	with). A delivery matches a record for its to= address or for its
/*	original recipient (Postfix orig_to=, sendmail ctladdr= of a
/*	local user): the milter saw the recipient before any rewriting.
/*	Postfix stores a recipient without the source route, trailing
/*	dot or needless quotes ("bob"@example.org) that the client sent
/*	(and the milter saw): a record for such a form counts for the
/*	stored one (reconcile_trail.c), and a finding without a record of
/*	its own shows it ("no record; for "bob@example.org." the trail
/*	says deny ...").
/*
/*	A malformed audit line (torn by a crash) is a warning, not an
/*	unreadable log: the daemon leaves it in place. When it holds a
/*	queue id, that message counts as one with audit records, so its
/*	recipients without an allow record become findings; the report
/*	counts damaged records.
/*
/*	When a recipient of a message has several records (a correcting
/*	"action-failed" record, a retry under the same queue id, a
/*	short queue id used again months later), the latest one made
/*	before the delivery decides (up to a minute after its log time,
/*	for clocks and whole seconds; when every record is later, the
/*	latest); at the same millisecond, the one that is not "allow"
/*	(reconcile_trail.c). A record of an earlier message under the
/*	same queue id (another Message-ID, or none where it had one,
/*	recorded after it and by the delivery) is not one for the
/*	delivery: June's allow for bob does not clear December's
/*	delivery to bob under the same id, of a message without a
/*	record for him.
/*
/*	A held message requeued with "postsuper -r" gets a new queue id;
/*	Postfix's pickup logs the old one (orig_id=). Deliveries under
/*	the new id are matched with the records of the first one, when
/*	the new id has none of its own; the pickup line must be read
/*	before them, so the maillogs are read oldest first (by
/*	modification time; standard input last), whatever the order
/*	they are named in. Standard input ("-") can be named once: the
/*	trail is read first, and would leave an empty maillog.
/*
/*	Records written without a queue id (the MTA gave the milter no
/*	{i} macro) but with a Message-ID are linked with the queue id
/*	that the maillog gives with that Message-ID (Postfix cleanup's
/*	"message-id=", sendmail's "msgid="), when that queue id has no
/*	records of its own and is not a requeued message's: a finding
/*	then says so. Records refused at RCPT before there was a queue
/*	id have neither, and are never delivered.
/*
/*	Deliveries of messages without audit records are ordinary mail:
/*	counted, never findings. Queue ids are matched as they are:
/*	Postfix's short ids can come back after months, and ordinary
/*	mail under an id that a campaign message had is held against
/*	that message's records (a false alarm, never a missed finding),
/*	so keep the audit and mail logs that are compared to the same
/*	period (or use enable_long_queue_ids).
/*
/*	--since TIME (RFC 3339, a date YYYY-MM-DD, Unix seconds, or Nd,
/*	Nh, Nm ago) drops deliveries logged before TIME; the whole
/*	audit trail is still read, since a message audited earlier may
/*	be delivered later (a released hold).
/*
/*	The report says which files were read, how many lines and
/*	records, and the time span each log covers; one line per
/*	finding (time, queue id, recipient, what the trail said: the
/*	decision, reason, action and mode of the record, or "no record");
/*	counts at the end. --json writes one JSON object instead (see
/*	ctl_reconcile_report.c).
/* DIAGNOSTICS
/*	Exit 0: no finding; 1: findings; 64: usage; 65: a log could not
/*	be read (each named with the reason; the report is still written
/*	but is incomplete; a maillog compressed with xz, bzip2, zstd or
/*	lz4, or one of which no line is in a known log format), or the
/*	trail is pseudonymised and no AddressKeyFile is configured.
/*	Maillog lines in no known format are counted in the report (not
/*	understood), the first few named in warnings. A delivery line cut
/*	short or malformed is counted and named; one of a message with
/*	audit records, logged at or after --since, makes the report
/*	incomplete (exit 65), unless it is the last line of a file and
/*	has no newline (syslogd may be writing it as this reads).
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Utility library. */

#include <zlib.h>

/* Application-specific. */

#include "auditlog.h"
#include "ctl.h"
#include "escape.h"
#include "maillog.h"
#include "reconcile.h"
#include "timeparse.h"

#define USAGE	"reconcile --maillog FILE... [--audit-log FILE...] " \
		"[--since TIME] [--json]"

#define READ_SIZE	(1024 * 1024)	/* also the longest maillog line */

/* safe - logged bytes as printable text, saved */

static const char *safe(recon *r, const cm_ml_span *s)
{
    cm_buf  b = CM_BUF_INIT;
    const char *p;

    cm_buf_add_text(&b, s->ptr, s->len);
    p = ctl_recon_save(r, cm_buf_str(&b), b.len);
    cm_buf_free(&b);
    return (p);
}

/* trail_qid - the queue id the trail knows a message by; its run, or -1 */

static long trail_qid(recon *r, const char **qid, size_t *qlen,
		              const char **was)
{
    long    v;

    /* A requeued message by its first id; a linked one by "\2" Message-ID. */
    *was = 0;
    if ((v = ctl_recon_get(&r->qids, *qid, *qlen)) >= 0)
	return (v);
    if ((v = ctl_recon_get(&r->aliases, *qid, *qlen)) < 0
	|| r->alias_to[v] == 0)
	return (-1);
    *qid = *was = r->alias_to[v];
    *qlen = strlen(*qid);
    return (ctl_recon_get(&r->qids, *qid, *qlen));
}

/* delivery - check one delivered recipient */

static void delivery(recon *r, const cm_ml_line *ml, const cm_ml_rcpt *rc,
		             const char *file, long long lineno)
{
    const char *qid = ml->qid.ptr, *was;
    size_t  qlen = ml->qid.len;
    long    m, a, o = -1, n = -1;
    finding *f;
    slot   *sl;
    char    where[64];

    r->deliveries++;
    if ((m = trail_qid(r, &qid, &qlen, &was)) < 0) {
	r->ordinary++;
	return;
    }
    r->audited++;
    a = ctl_recon_pick(r, m, ctl_recon_lookup(r, qid, qlen, &rc->addr),
		       ml->time);
    if (rc->orig.len > 0)
	o = ctl_recon_pick(r, m, ctl_recon_lookup(r, qid, qlen, &rc->orig),
			   ml->time);
    /* The same mailbox, as the client wrote it (stored_form()). */
    if (a < 0 && o < 0)
	n = ctl_recon_pick(r, m, ctl_recon_near(r, qid, qlen, &rc->addr),
			   ml->time);
    if ((a >= 0 && r->recs[a].allow) || (o >= 0 && r->recs[o].allow)
	|| (n >= 0 && r->recs[n].allow)) {
	r->allowed++;
	return;
    }

    /*
     * One finding per recipient of a message, however often logged; a
     * queue id used again is another message.
     */
    ctl_recon_key(r, ml->qid.ptr, ml->qid.len, 'a', rc->addr.ptr, rc->addr.len);
    cm_buf_printf(&r->key, "\1%ld", ctl_recon_message(r, m, ml->time));
    if ((sl = ctl_recon_put(r, &r->found, r->key.data, r->key.len))->val >= 0)
	return;
    sl->val = 1;
    if (r->nfinds == r->afinds) {
	r->afinds = r->afinds ? r->afinds * 2 : 64;
	r->finds = ctl_recon_grow(r, r->finds, r->afinds, sizeof(*r->finds));
    }
    f = r->finds + r->nfinds++;
    f->time = ml->time;
    f->qid = ctl_recon_save(r, ml->qid.ptr, ml->qid.len);
    f->was = was;
    f->rcpt = safe(r, &rc->addr);
    f->orig = rc->orig.len ? safe(r, &rc->orig) : 0;
    f->rec = o >= 0 ? o : a >= 0 ? a : n;
    f->near = (a < 0 && o < 0 && n >= 0);
    snprintf(where, sizeof(where), ":%lld", lineno);
    cm_buf_reset(&r->key);
    cm_buf_adds(&r->key, file);
    cm_buf_adds(&r->key, where);
    f->where = ctl_recon_save(r, r->key.data, r->key.len);
}

/* alias - deliveries under a queue id are matched under another (NULL: not) */

static void alias(recon *r, const char *qid, size_t qlen, const char *first)
{
    slot   *sl = ctl_recon_put(r, &r->aliases, qid, qlen);

    if (sl->val < 0) {
	if (r->naliases == r->aaliases) {
	    r->aaliases = r->aaliases ? r->aaliases * 2 : 64;
	    r->alias_to = ctl_recon_grow(r, r->alias_to, r->aaliases,
					 sizeof(*r->alias_to));
	}
	sl->val = (long) r->naliases++;
    }
    r->alias_to[sl->val] = first;
}

/* requeue - a message requeued with a new queue id (postsuper -r) */

static void requeue(recon *r, const cm_ml_line *ml)
{
    const char *first;
    long    v;

    /*
     * Requeued more than once: every id leads to the first. The pickup
     * line comes before the deliveries under the new id.
     */
    if ((v = ctl_recon_get(&r->aliases, ml->orig_id.ptr, ml->orig_id.len)) >= 0
	&& r->alias_to[v] != 0)
	first = r->alias_to[v];
    else
	first = ctl_recon_save(r, ml->orig_id.ptr, ml->orig_id.len);
    if (strlen(first) == ml->qid.len && memcmp(first, ml->qid.ptr, ml->qid.len) == 0)
	return;
    alias(r, ml->qid.ptr, ml->qid.len, first);
}

/* msgid_link - a queue id for the records written without one */

static void msgid_link(recon *r, const cm_ml_line *ml)
{
    long    v;

    /*
     * Those records are kept under "\2" and the Message-ID
     * (reconcile_trail.c). The MTA logs a message's Message-ID with its
     * queue id before delivering it: a queue id without records of its
     * own, and not a requeued message's, is then theirs. A Message-ID
     * used again links more messages: false alarms, never a missed
     * finding, since only mail that would pass as ordinary is linked.
     * A short queue id used again is another message: a link made
     * for the earlier one is replaced, or undone.
     */
    if (ctl_recon_get(&r->qids, ml->qid.ptr, ml->qid.len) >= 0)
	return;
    if ((v = ctl_recon_get(&r->aliases, ml->qid.ptr, ml->qid.len)) >= 0
	&& r->alias_to[v] != 0 && r->alias_to[v][0] != '\2')
	return;
    cm_buf_reset(&r->key);
    cm_buf_addc(&r->key, '\2');
    cm_buf_add(&r->key, ml->msgid.ptr, ml->msgid.len);
    if (ctl_recon_get(&r->qids, r->key.data, r->key.len) >= 0)
	alias(r, ml->qid.ptr, ml->qid.len,
	      ctl_recon_put(r, &r->qids, r->key.data, r->key.len)->key);
    else if (v >= 0)
	r->alias_to[v] = 0;
}

/* oldest_first - order the maillogs by modification time (stable) */

static void oldest_first(char **mlogs, int nm)
{
    long long *age;
    struct stat st;
    char   *p;
    long long a;
    int     i, j;

    /*
     * The shell names rotated logs newest first (mail.log mail.log.1
     * ...). A requeue's pickup line must be read before the deliveries
     * under the new id, and those may be in the newer file: read by age.
     * Standard input and what cannot be looked at go last, as named.
     */
    if (nm < 2 || (age = malloc(nm * sizeof(*age))) == 0)
	return;
    for (i = 0; i < nm; i++)
	age[i] = strcmp(mlogs[i], "-") != 0 && stat(mlogs[i], &st) == 0 ?
	    (long long) st.st_mtime : LLONG_MAX;
    for (i = 1; i < nm; i++) {
	p = mlogs[i];
	a = age[i];
	for (j = i; j > 0 && age[j - 1] > a; j--) {
	    mlogs[j] = mlogs[j - 1];
	    age[j] = age[j - 1];
	}
	mlogs[j] = p;
	age[j] = a;
    }
    free(age);
}

/* line - one maillog line */

static void line(recon *r, const char *text, size_t len, cm_ml_clock *clk,
		         cm_ml_line *ml, const char *file, long long lineno,
		         int whole)
{
    cm_ml_kind kind;
    const char *qid, *was;
    size_t  i, qlen;

    r->m_lines++;
    if (len > 0 && text[len - 1] == '\r')
	len--;
    if (len == 0)
	return;					/* nothing, not garbage */
    kind = cm_ml_parse(text, len, clk, ml);
    if (ml->skipped > 0 && r->nul_lines++ < 5)
	ctl_error(r->c, "warning: %s:%lld: %zu bytes up to a NUL byte skipped",
		  file, lineno, ml->skipped);
    switch (kind) {
    case CM_ML_GARBAGE:
	/* Lines in a format not read could hide deliveries: say so. */
	r->mfiles[r->nmfiles - 1].garbage++;
	if (r->garbage++ < 5)
	    ctl_error(r->c, "warning: %s:%lld: not a log line in a known "
		      "format: not read", file, lineno);
	return;
    case CM_ML_BROKEN:
	if (r->broken++ < 5)
	    ctl_error(r->c, "warning: %s:%lld: delivery line cut short or "
		      "malformed: not counted", file, lineno);

	/*
	 * A message with audit records, delivered perhaps, to whom it
	 * cannot be said: the report is incomplete, and must not pass
	 * for clean (a syslogd that cuts lines at 1024 bytes, a long
	 * orig_to= and relay=). Not the last line of a file when it has
	 * no newline: syslogd may be writing it as this reads.
	 */
	qid = ml->qid.ptr;
	qlen = ml->qid.len;
	if (whole && (r->since < 0 || ml->time >= r->since)
	    && trail_qid(r, &qid, &qlen, &was) >= 0
	    && r->broken_audited++ < 5)
	    ctl_error(r->c, "%s:%lld: a delivery line of a message with audit "
		      "records cannot be read", file, lineno);
	break;
    case CM_ML_NOT_SENT:
	r->not_sent++;
	break;
    case CM_ML_REQUEUED:
	requeue(r, ml);
	break;
    case CM_ML_MSGID:
	msgid_link(r, ml);
	break;
    default:
	break;
    }
    r->mfiles[r->nmfiles - 1].logged++;
    ctl_recon_span(ml->time, &r->m_first, &r->m_last);
    if (kind != CM_ML_SENT)
	return;
    if (ml->truncated && r->truncated++ < 5)
	ctl_error(r->c, "warning: %s:%lld: more than %d recipients in one "
		  "line: the rest not checked", file, lineno, CM_ML_RCPT_MAX);
    if (r->since >= 0 && ml->time < r->since) {
	r->before_since += ml->nrcpt;
	return;
    }
    for (i = 0; i < ml->nrcpt; i++)
	delivery(r, ml, ml->rcpt + i, file, lineno);
}

/* read_maillog - every line of one maillog, plain or gzip */

static void read_maillog(recon *r, const char *path, char *buf,
			         cm_ml_line *ml)
{
    struct stat st;
    cm_ml_clock clk;
    gzFile  gz;
    size_t  have = 0, pos, n;
    long long lineno = 0;
    const char *nl, *msg, *colon, *zname;
    int     got = 1, errnum, skipping = 0, fd;

    /* The file's age dates its syslog time stamps (maillog.c). */
    fd = strcmp(path, "-") == 0 ? dup(0) : open(path, O_RDONLY);
    if (fd < 0 || fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)
	|| (gz = gzdopen(fd, "rb")) == 0) {
	ctl_error(r->c, "%s: %s", path, fd < 0 ? strerror(errno) :
		  S_ISDIR(st.st_mode) ? "is a directory" : "cannot read");
	if (fd >= 0)
	    (void) close(fd);
	r->unreadable++;
	return;
    }
    cm_ml_clock_init(&clk, S_ISREG(st.st_mode) && strcmp(path, "-") != 0 ?
		     (long long) st.st_mtime : (long long) time(0));
    (void) gzbuffer(gz, 256 * 1024);
    if (r->nmfiles == r->amfiles) {
	r->amfiles = r->amfiles ? r->amfiles * 2 : 8;
	r->mfiles = ctl_recon_grow(r, r->mfiles, r->amfiles, sizeof(*r->mfiles));
    }
    memset(r->mfiles + r->nmfiles, 0, sizeof(r->mfiles[0]));
    r->mfiles[r->nmfiles++].name = path;

    while (got > 0) {
	got = gzread(gz, buf + have, READ_SIZE - have);
	if (got > 0)
	    have += got;

	/*
	 * zlib passes what is not gzip through unchanged: an xz or zstd
	 * file would be read as lines of binary garbage, and found clean.
	 */
	if (lineno == 0 && have > 0 && gzdirect(gz)
	    && (zname = cm_ml_compressed(buf, have)) != 0) {
	    ctl_error(r->c, "%s: compressed with %s: unreadable (decompress "
		      "it first)", path, zname);
	    r->unreadable++;
	    (void) gzclose(gz);
	    return;
	}
	for (pos = 0; pos < have; pos = nl - buf + 1) {
	    if ((nl = memchr(buf + pos, '\n', have - pos)) == 0)
		break;
	    lineno++;
	    if (!skipping)
		line(r, buf + pos, nl - buf - pos, &clk, ml, path, lineno, 1);
	    else
		r->m_lines++;
	    skipping = 0;
	}
	n = have - pos;
	if (got <= 0 && n > 0 && !skipping) {	/* no newline at the end */
	    lineno++;
	    line(r, buf + pos, n, &clk, ml, path, lineno, 0);
	    n = 0;
	} else if (n == READ_SIZE) {		/* a line longer than that */
	    if (!skipping && r->broken++ < 5)
		ctl_error(r->c, "warning: %s:%lld: line longer than %d "
			  "bytes: skipped", path, lineno + 1, READ_SIZE);
	    skipping = 1;
	    n = 0;
	}
	memmove(buf, buf + pos, n);
	have = n;
    }
    r->mfiles[r->nmfiles - 1].count = lineno;

    /*
     * Not one line in a known format: the whole file was not read (a
     * format this reader does not know, binary data). A file without
     * mail lines but with other log lines is fine.
     */
    if (r->mfiles[r->nmfiles - 1].garbage > 0
	&& r->mfiles[r->nmfiles - 1].logged == 0) {
	ctl_error(r->c, "%s: no line in a known log format", path);
	r->unreadable++;
    }
    msg = gzerror(gz, &errnum);
    if (errnum != Z_OK && errnum != Z_STREAM_END) {
	/* zlib's text may start with its name for the file. */
	if ((colon = strrchr(msg, ':')) != 0 && colon[1] == ' ')
	    msg = colon + 2;
	ctl_error(r->c, "%s: %s", path, errnum == Z_ERRNO ? strerror(errno)
		  : msg);
	r->unreadable++;
    }
    (void) gzclose(gz);
}

/* parse_since - RFC 3339, a date, Unix seconds, or Nd/Nh/Nm ago */

static int parse_since(const char *s, long long *out)
{
    char    buf[32];
    char   *end;
    long long n;

    if (strlen(s) == 10 && s[4] == '-' && s[7] == '-') {
	snprintf(buf, sizeof(buf), "%sT00:00:00Z", s);
	return (cm_time_parse(buf, out));
    }
    if (cm_time_parse(s, out) == 0)
	return (0);
    errno = 0;
    n = strtoll(s, &end, 10);
    if (errno || end == s || *s < '0' || *s > '9' || end[0] == 0 || end[1] != 0
	|| n > 100LL * 366 * 86400)
	return (-1);
    switch (*end) {
    case 'd':
	n *= 86400;
	break;
    case 'h':
	n *= 3600;
	break;
    case 'm':
	n *= 60;
	break;
    default:
	return (-1);
    }
    *out = (long long) time(0) - n;
    return (0);
}

/* by_time - findings in time order, then by queue id and recipient */

static int by_time(const void *a, const void *b)
{
    const finding *x = a, *y = b;
    int     d;

    if (x->time != y->time)
	return (x->time < y->time ? -1 : 1);
    if ((d = strcmp(x->qid, y->qid)) != 0)
	return (d);
    return (strcmp(x->rcpt, y->rcpt));
}

/* ctl_reconcile - the verb */

int     ctl_reconcile(ctl *c, int argc, char **argv)
{
    recon   r;
    char  **mlogs, **alogs, **list = 0;
    int     nm = 0, na = 0, *np = 0, json = 0, i, status, stdin_uses = 0;
    const char *since = 0;
    char   *buf;
    cm_ml_line *ml;
    cm_buf  out = CM_BUF_INIT;
    const cm_arena run_strings = CM_ARENA_INIT_BLOCK(1024 * 1024);

    if (ctl_want_help(argc, argv)) {
	(void) printf("usage: %s [-c config_file] %s\n", c->progname, USAGE);
	return (CTL_EX_OK);
    }
    if ((mlogs = calloc(argc, sizeof(*mlogs))) == 0
	|| (alogs = calloc(argc, sizeof(*alogs))) == 0)
	return (CTL_EX_SOFTWARE);
    for (i = 1; i < argc; i++) {
	if (strcmp(argv[i], "--maillog") == 0) {
	    list = mlogs, np = &nm;
	} else if (strcmp(argv[i], "--audit-log") == 0) {
	    list = alogs, np = &na;
	} else if (strcmp(argv[i], "--json") == 0) {
	    json = 1, list = 0;
	} else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc) {
	    since = argv[++i], list = 0;
	} else if (argv[i][0] == '-' && argv[i][1] != 0) {
	    ctl_error(c, "unknown option \"%s\"", argv[i]);
	    break;
	} else if (list) {
	    stdin_uses += strcmp(argv[i], "-") == 0;
	    list[(*np)++] = argv[i];
	} else {
	    ctl_error(c, "unexpected argument \"%s\"", argv[i]);
	    break;
	}
    }
    memset(&r, 0, sizeof(r));
    r.c = c;
    r.arena = run_strings;
    r.m_first = r.m_last = r.a_first = r.a_last = r.since = -1;
    if (i < argc || nm == 0) {
	if (i == argc)
	    ctl_error(c, "--maillog needs at least one file");
	free(mlogs);
	free(alogs);
	return (ctl_usage(c, USAGE));
    }

    /*
     * Whatever reads standard input first takes all of it: named again
     * (the trail is read before the maillogs), "-" would be an empty
     * log, and a maillog without lines is clean.
     */
    if (stdin_uses > 1) {
	ctl_error(c, "standard input (\"-\") can be named only once");
	free(mlogs);
	free(alogs);
	return (ctl_usage(c, USAGE));
    }
    if (since && parse_since(since, &r.since) < 0) {
	ctl_error(c, "--since \"%s\": not a time (RFC 3339, YYYY-MM-DD, "
		  "Unix seconds, or Nd, Nh, Nm ago)", since);
	free(mlogs);
	free(alogs);
	return (ctl_usage(c, USAGE));
    }
    if (na == 0 && c->cfg.audit_log == 0) {
	ctl_error(c, "no audit log to reconcile with: AuditLog is none in %s "
		  "and no --audit-log given", c->config_file);
	free(mlogs);
	free(alogs);
	return (ctl_usage(c, USAGE));
    }

    /* The trail first (a table of it), then the maillog streams by. */
    for (i = 0; i < na; i++)
	(void) ctl_recon_audit_file(&r, alogs[i], strlen(alogs[i]));
    if (na == 0)
	(void) ctl_recon_audit_file(&r, c->cfg.audit_log, strlen(c->cfg.audit_log));
    r.unreadable += ctl_audit_read(c, alogs, na, 0, CTL_AUDIT_DAMAGED,
				   ctl_recon_record, &r, 0);
    if ((buf = malloc(READ_SIZE)) == 0 || (ml = malloc(sizeof(*ml))) == 0)
	ctl_recon_oom(&r);
    oldest_first(mlogs, nm);
    for (i = 0; i < nm; i++)
	read_maillog(&r, mlogs[i], buf, ml);
    free(buf);
    free(ml);

    if (r.nfinds > 1)
	qsort(r.finds, r.nfinds, sizeof(*r.finds), by_time);
    if (json)
	ctl_recon_json(&r, &out);
    else
	ctl_recon_text(&r, &out);
    (void) fwrite(out.data ? out.data : "", 1, out.len, stdout);
    (void) fflush(stdout);

    if (r.a_pseudo > 0 && c->key == 0) {
	ctl_error(c, "the audit trail is pseudonymised (%lld rcpt_id records) "
		  "and no AddressKeyFile is configured: its recipients "
		  "cannot be matched", r.a_pseudo);
	r.unreadable++;
    }
    if (r.broken_audited > 0)
	ctl_error(c, "%lld delivery line(s) of messages with audit records "
		  "could not be read: the report is incomplete",
		  r.broken_audited);
    if (r.unreadable > 0) {
	ctl_error(c, "%d log(s) could not be read or matched: the report is "
		  "incomplete", r.unreadable);
	status = CTL_EX_DATAERR;
    } else if (r.broken_audited > 0) {
	status = CTL_EX_DATAERR;
    } else {
	status = r.nfinds > 0 ? CTL_EX_NO : CTL_EX_OK;
    }

    cm_buf_free(&out);
    cm_buf_free(&r.key);
    cm_buf_free(&r.qkey);
    free(r.strings.slot);
    free(r.qids.slot);
    free(r.rcpts.slot);
    free(r.found.slot);
    free(r.aliases.slot);
    free(r.alias_to);
    free(r.recs);
    free(r.runs);
    free(r.finds);
    free(r.mfiles);
    free(r.afiles);
    cm_arena_free(&r.arena);
    free(mlogs);
    free(alogs);
    return (status);
}
