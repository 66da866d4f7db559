/*++
/* NAME
/*	ctl_stats 3
/* SUMMARY
/*	consentctl stats: who is on record, per purpose, and how old
/* SYNOPSIS
/*	#include "ctl.h"
/*
/*	int	ctl_stats(c, argc, argv)
/*	ctl	*c;
/*	int	argc;
/*	char	**argv;
/* DESCRIPTION
/*	ctl_stats() implements "stats [--purpose P] [--stale-months N]
/*	[--json]": the numbers someone responsible for the list needs
/*	before a campaign or an audit. Consent goes stale over time
/*	(DOMAIN.md): a grant given years ago by someone who has never
/*	heard from the sender since is weak evidence, so besides the
/*	people per purpose and state it shows how old the oldest and the
/*	newest grant of each purpose is, and how many grants are older
/*	than N months (default 24, by the calendar, in UTC).
/*
/*	It counts: consent records (people) holding at least one purpose
/*	(with --purpose, that purpose); per purpose, the people who
/*	granted and who withdrew; of those who granted, how many are
/*	suppressed as well (they are not mailed: a suppression covers
/*	every purpose), how many grants are stale and how many carry no
/*	valid time; and all suppressions. Suppressions are counted even
/*	with --purpose, as they cover every purpose.
/*
/*	The store is read with SCAN over Pconsent:* and Psuppress:*; for
/*	each batch of keys SCAN returns, HGETALL of the record and EXISTS
/*	of its suppression are pipelined. Memory holds one batch and one
/*	counter set per purpose, never the records, so a store of
/*	millions of people is counted in one pass. SCAN may return a key
/*	twice while Redis rehashes; the numbers are then off by those
/*	few, which is acceptable for a summary and cheaper than keeping
/*	every id. Pseudonymised ids (AddressKeyFile) are counted alike:
/*	the numbers need no address.
/*
/*	Output is text, one block per purpose sorted by name, or with
/*	--json one JSON object on one line (times RFC 3339 UTC, ages in
/*	whole days).
/* DIAGNOSTICS
/*	Exit status: 0 done, 64 usage, 69 the store is unavailable or
/*	failed, 70 out of memory. Fields that are not a purpose record
/*	(a bad purpose name or state) are not counted; their number is
/*	shown ("skipped").
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Redis library. */

#include <hiredis/hiredis.h>

/* Application-specific. */

#include "campaign.h"
#include "ctl.h"
#include "escape.h"
#include "json.h"
#include "policy.h"
#include "record.h"
#include "redisconn.h"
#include "redisreply.h"
#include "schema.h"
#include "timeparse.h"

#define STATS_USAGE	"stats [--purpose P] [--stale-months N] [--json]"
#define STATS_STALE_MONTHS 24		/* default for --stale-months */
#define STATS_MONTHS_MAX 1200		/* a century is plenty */
#define STATS_DAY	86400

typedef struct stats_purpose {
    char    name[CM_PURPOSE_MAX + 1];
    unsigned long granted;
    unsigned long withdrawn;
    unsigned long suppressed;		/* granted, but suppressed */
    unsigned long stale;		/* granted before stale_before */
    unsigned long bad_time;		/* granted without a valid time */
    long long oldest;			/* oldest grant, -1: none */
    long long newest;			/* newest grant, -1: none */
} stats_purpose;

typedef struct stats_state {
    ctl    *c;
    redisContext *redis;
    const char *purpose;		/* --purpose, or NULL */
    int     json;			/* --json */
    long    stale_months;		/* --stale-months */
    long long now;
    long long stale_before;		/* now minus stale_months */
    stats_purpose *p;			/* one per purpose seen */
    size_t  np;
    size_t  nalloc;
    unsigned long people;		/* records with a counted purpose */
    unsigned long suppressions;		/* Psuppress: keys */
    unsigned long skipped;		/* fields that are no purpose record */
    cm_buf  key;			/* a key name being built */
} stats_state;

/* stats_redis_error - report a failed command; returns the exit status */

static int stats_redis_error(stats_state *ss, const redisReply *r)
{
    char    show[CM_REDIS_SHOWSZ];

    ctl_error(ss->c, "consent store error: %s", r == 0 ? ss->redis->errstr
	      : cm_redis_reply_show(show, sizeof(show), r));
    return (CTL_EX_UNAVAILABLE);
}

/* stats_find - the counters of a purpose, added when new; NULL: no memory */

static stats_purpose *stats_find(stats_state *ss, const char *name, size_t len)
{
    stats_purpose *p;
    size_t  i, n;

    /* Few purposes exist (a dozen, not thousands): a linear search. */
    for (i = 0; i < ss->np; i++)
	if (strlen(ss->p[i].name) == len && memcmp(ss->p[i].name, name, len) == 0)
	    return (ss->p + i);
    if (ss->np == ss->nalloc) {
	n = ss->nalloc ? 2 * ss->nalloc : 16;
	if ((p = realloc(ss->p, n * sizeof(*p))) == 0)
	    return (0);
	ss->p = p;
	ss->nalloc = n;
    }
    p = ss->p + ss->np++;
    memset(p, 0, sizeof(*p));
    memcpy(p->name, name, len);
    p->name[len] = 0;
    p->oldest = p->newest = -1;
    return (p);
}

/* stats_at - the value of field NAME:at in an HGETALL reply, or NULL */

static const redisReply *stats_at(const redisReply *r, const redisReply *name)
{
    size_t  slen = strlen(CM_SUFFIX_AT);
    const redisReply *f;
    size_t  i;

    for (i = 0; i + 1 < r->elements; i += 2) {
	f = r->element[i];
	if (f->type == REDIS_REPLY_STRING && f->len == name->len + slen
	    && memcmp(f->str, name->str, name->len) == 0
	    && memcmp(f->str + name->len, CM_SUFFIX_AT, slen) == 0)
	    return (r->element[i + 1]);
    }
    return (0);
}

/* stats_grant - count one grant: its age, staleness, suppression */

static void stats_grant(stats_state *ss, stats_purpose *p,
			        const redisReply *at, int suppressed)
{
    char    text[CM_TIME_SIZE];
    long long t;

    p->granted++;
    if (suppressed)
	p->suppressed++;

    /* Stored times are Unix seconds; anything else is no valid time. */
    if (at == 0 || at->type != REDIS_REPLY_STRING || at->len == 0
	|| at->len >= sizeof(text)
	|| strspn(at->str, "0123456789") != at->len) {
	p->bad_time++;
	return;
    }
    memcpy(text, at->str, at->len);
    text[at->len] = 0;
    if (cm_time_parse(text, &t) != 0 || t > ss->now + CM_TIME_FUTURE_MAX) {
	p->bad_time++;
	return;
    }
    if (p->oldest < 0 || t < p->oldest)
	p->oldest = t;
    if (p->newest < 0 || t > p->newest)
	p->newest = t;
    if (t < ss->stale_before)
	p->stale++;
}

/* stats_record - count the purposes of one consent record */

static int stats_record(stats_state *ss, const redisReply *r, int suppressed)
{
    const redisReply *name;
    cm_consent_state state;
    stats_purpose *p;
    int     counted = 0;
    size_t  i;

    for (i = 0; i + 1 < r->elements; i += 2) {
	name = r->element[i];

	/* Purpose fields: no ':' (purposes have none), not "#ref". */
	if (name->type != REDIS_REPLY_STRING
	    || !cm_consent_field_is_purpose(name->str, name->len))
	    continue;
	if (ss->purpose != 0 && (name->len != strlen(ss->purpose)
				 || memcmp(name->str, ss->purpose,
					   name->len) != 0))
	    continue;
	if (name->len > CM_PURPOSE_MAX || strlen(name->str) != name->len
	    || !cm_purpose_valid(name->str)
	    || cm_record_state(r->element[i + 1], &state) < 0
	    || state == CM_CONSENT_NONE) {
	    ss->skipped++;
	    continue;
	}
	if ((p = stats_find(ss, name->str, name->len)) == 0) {
	    ctl_error(ss->c, "out of memory");
	    return (CTL_EX_SOFTWARE);
	}
	if (state == CM_CONSENT_GRANTED)
	    stats_grant(ss, p, stats_at(r, name), suppressed);
	else
	    p->withdrawn++;
	counted = 1;
    }
    ss->people += counted;
    return (0);
}

/* stats_batch - pipeline the records of one SCAN batch and count them */

static int stats_batch(stats_state *ss, const redisReply *keys, size_t plen,
		               const char *prefix)
{
    const char *argv[2];
    size_t  argl[2];
    redisReply *r, *e;
    size_t  i, n = 0;
    int     status = 0;

    for (i = 0; i < keys->elements; i++) {
	if (keys->element[i]->type != REDIS_REPLY_STRING
	    || keys->element[i]->len < plen)
	    continue;
	argv[0] = "HGETALL";
	argv[1] = keys->element[i]->str;
	argl[0] = 7;
	argl[1] = keys->element[i]->len;
	if (redisAppendCommandArgv(ss->redis, 2, argv, argl) != REDIS_OK)
	    return (stats_redis_error(ss, 0));

	/* Psuppress:<id> of the same id: prefix + "suppress:" + id. */
	cm_buf_reset(&ss->key);
	cm_buf_adds(&ss->key, prefix);
	cm_buf_adds(&ss->key, CM_KEY_SUPPRESS);
	cm_buf_add(&ss->key, keys->element[i]->str + plen,
		   keys->element[i]->len - plen);
	argv[0] = "EXISTS";
	argv[1] = ss->key.data;
	argl[0] = 6;
	argl[1] = ss->key.len;
	if (ss->key.oom
	    || redisAppendCommandArgv(ss->redis, 2, argv, argl) != REDIS_OK)
	    return (stats_redis_error(ss, 0));
	n++;
    }
    for (i = 0; i < n; i++) {
	if (redisGetReply(ss->redis, (void **) &r) != REDIS_OK)
	    return (stats_redis_error(ss, 0));
	if (redisGetReply(ss->redis, (void **) &e) != REDIS_OK) {
	    cm_redis_reply_free(r);
	    return (stats_redis_error(ss, 0));
	}
	if (status != 0) {
	    /* Drain the pipeline, keep the first error. */
	} else if (e->type != REDIS_REPLY_INTEGER) {
	    status = stats_redis_error(ss, e);
	} else if (r->type == REDIS_REPLY_ARRAY) {
	    status = stats_record(ss, r, e->integer > 0);
	} else if (r->type == REDIS_REPLY_ERROR && r->len >= 9
		   && memcmp(r->str, "WRONGTYPE", 9) == 0) {
	    ss->skipped++;		/* another tool's key under our name */
	} else {
	    status = stats_redis_error(ss, r);
	}
	cm_redis_reply_free(r);
	cm_redis_reply_free(e);
    }
    return (status);
}

/* stats_scan - SCAN the keys of one kind: count or read them */

static int stats_scan(stats_state *ss, const char *part)
{
    const char *prefix = ss->c->cfg.key_prefix;
    size_t  plen = strlen(prefix) + strlen(part);
    cm_buf  pat = CM_BUF_INIT;
    char    cursor[32] = "0";
    const char *argv[6] = {"SCAN", cursor, "MATCH", 0, "COUNT", "1000"};
    size_t  argl[6];
    redisReply *r;
    size_t  i;
    int     status = 0;

    /* The prefix is literal text; MATCH would read * ? [ ] \ as patterns. */
    for (i = 0; prefix[i] != 0; i++) {
	if (strchr("*?[]\\", prefix[i]) != 0)
	    cm_buf_addc(&pat, '\\');
	cm_buf_addc(&pat, prefix[i]);
    }
    cm_buf_printf(&pat, "%s*", part);
    argv[3] = cm_buf_str(&pat);
    do {
	for (i = 0; i < 6; i++)
	    argl[i] = strlen(argv[i]);
	r = redisCommandArgv(ss->redis, 6, argv, argl);
	if (r == 0 || r->type != REDIS_REPLY_ARRAY || r->elements != 2
	    || r->element[0]->type != REDIS_REPLY_STRING
	    || r->element[0]->len >= sizeof(cursor)
	    || r->element[1]->type != REDIS_REPLY_ARRAY) {
	    status = stats_redis_error(ss, r);
	    if (r != 0)
		cm_redis_reply_free(r);
	    break;
	}
	memcpy(cursor, r->element[0]->str, r->element[0]->len);
	cursor[r->element[0]->len] = 0;
	if (strcmp(part, CM_KEY_SUPPRESS) == 0)
	    ss->suppressions += r->element[1]->elements;
	else
	    status = stats_batch(ss, r->element[1], plen, prefix);
	cm_redis_reply_free(r);
    } while (status == 0 && strcmp(cursor, "0") != 0);
    cm_buf_free(&pat);
    return (status);
}

/* stats_cmp - qsort: purposes by name */

static int stats_cmp(const void *a, const void *b)
{
    return (strcmp(((const stats_purpose *) a)->name,
		   ((const stats_purpose *) b)->name));
}

/* stats_days - whole days from t to now */

static long long stats_days(const stats_state *ss, long long t)
{
    return (t >= ss->now ? 0 : (ss->now - t) / STATS_DAY);
}

/* stats_text - the human-readable report */

static void stats_text(const stats_state *ss)
{
    const stats_purpose *p;
    char    t1[CM_TIME_SIZE], t2[CM_TIME_SIZE];
    size_t  i;

    printf("people with a consent record: %lu\n", ss->people);
    printf("suppressed addresses: %lu (every purpose)\n", ss->suppressions);
    printf("stale: granted before %s (%ld months)\n",
	   cm_time_format(ss->stale_before, t1, sizeof(t1)), ss->stale_months);
    if (ss->skipped > 0)
	printf("skipped: %lu fields or keys that are no consent record\n",
	       ss->skipped);
    for (i = 0; i < ss->np; i++) {
	p = ss->p + i;
	printf("\npurpose %s\n", p->name);
	printf("  granted: %lu (suppressed %lu, stale %lu, no valid time %lu)\n",
	       p->granted, p->suppressed, p->stale, p->bad_time);
	printf("  withdrawn: %lu\n", p->withdrawn);
	if (p->oldest >= 0) {
	    printf("  oldest grant: %s (%lld days ago)\n",
		   cm_time_format(p->oldest, t1, sizeof(t1)),
		   stats_days(ss, p->oldest));
	    printf("  newest grant: %s (%lld days ago)\n",
		   cm_time_format(p->newest, t2, sizeof(t2)),
		   stats_days(ss, p->newest));
	}
    }
}

/* stats_json - the same, as one JSON object */

static int stats_json(const stats_state *ss)
{
    const stats_purpose *p;
    cm_buf  b = CM_BUF_INIT;
    char    t[CM_TIME_SIZE];
    size_t  i;
    int     status = 0;

    cm_json_open(&b);
    cm_json_kv_str(&b, "now", cm_time_format(ss->now, t, sizeof(t)));
    cm_json_kv_int(&b, "people", (long long) ss->people);
    cm_json_kv_int(&b, "suppressions", (long long) ss->suppressions);
    cm_json_kv_int(&b, "stale_months", ss->stale_months);
    cm_json_kv_str(&b, "stale_before",
		   cm_time_format(ss->stale_before, t, sizeof(t)));
    cm_json_kv_int(&b, "skipped", (long long) ss->skipped);
    cm_json_key(&b, "purposes");
    cm_json_open(&b);
    for (i = 0; i < ss->np; i++) {
	p = ss->p + i;
	cm_json_key(&b, p->name);
	cm_json_open(&b);
	cm_json_kv_int(&b, "granted", (long long) p->granted);
	cm_json_kv_int(&b, "withdrawn", (long long) p->withdrawn);
	cm_json_kv_int(&b, "granted_suppressed", (long long) p->suppressed);
	cm_json_kv_int(&b, "stale", (long long) p->stale);
	cm_json_kv_int(&b, "no_valid_time", (long long) p->bad_time);
	if (p->oldest >= 0) {
	    cm_json_kv_str(&b, "oldest_grant",
			   cm_time_format(p->oldest, t, sizeof(t)));
	    cm_json_kv_int(&b, "oldest_grant_days", stats_days(ss, p->oldest));
	    cm_json_kv_str(&b, "newest_grant",
			   cm_time_format(p->newest, t, sizeof(t)));
	    cm_json_kv_int(&b, "newest_grant_days", stats_days(ss, p->newest));
	}
	cm_json_close(&b);
    }
    cm_json_close(&b);
    cm_json_close(&b);
    if (b.oom) {
	ctl_error(ss->c, "out of memory");
	status = CTL_EX_SOFTWARE;
    } else {
	printf("%s\n", cm_buf_str(&b));
    }
    cm_buf_free(&b);
    return (status);
}

/* stats_stale_before - now minus N calendar months, UTC */

static long long stats_stale_before(long long now, long months)
{
    time_t  t = (time_t) now;
    struct tm tm;

    /* timegm() normalises a negative month into earlier years. */
    (void) gmtime_r(&t, &tm);
    tm.tm_mon -= (int) months;
    return ((long long) timegm(&tm));
}

/* ctl_stats - stats [--purpose P] [--stale-months N] [--json] */

int     ctl_stats(ctl *c, int argc, char **argv)
{
    stats_state ss;
    char   *end;
    int     i;
    int     status;

    if (ctl_want_help(argc, argv)) {
	(void) printf("usage: %s %s\n\nPeople per purpose and state, "
		      "suppressions, and the age of the\noldest and newest "
		      "grant; grants older than N months (default %d)\n"
		      "are counted as stale.\n", c->progname, STATS_USAGE,
		      STATS_STALE_MONTHS);
	return (CTL_EX_OK);
    }
    memset(&ss, 0, sizeof(ss));
    ss.c = c;
    ss.stale_months = -1;
    for (i = 1; i < argc; i++) {
	if (strcmp(argv[i], "--purpose") == 0 && i + 1 < argc
	    && ss.purpose == 0 && cm_purpose_valid(argv[i + 1])) {
	    ss.purpose = argv[++i];
	} else if (strcmp(argv[i], "--stale-months") == 0 && i + 1 < argc
		   && ss.stale_months < 0) {
	    ss.stale_months = strtol(argv[++i], &end, 10);
	    if (*argv[i] < '0' || *argv[i] > '9' || *end != 0
		|| ss.stale_months < 1 || ss.stale_months > STATS_MONTHS_MAX)
		return (ctl_usage(c, STATS_USAGE));
	} else if (strcmp(argv[i], "--json") == 0 && !ss.json) {
	    ss.json = 1;
	} else {
	    return (ctl_usage(c, STATS_USAGE));
	}
    }
    if (ss.stale_months < 0)
	ss.stale_months = STATS_STALE_MONTHS;
    ss.now = (long long) time((time_t *) 0);
    ss.stale_before = stats_stale_before(ss.now, ss.stale_months);
    ss.redis = ctl_redis(c);

    /* A purpose asked for is shown even when nobody holds it. */
    if (ss.purpose != 0 && stats_find(&ss, ss.purpose, strlen(ss.purpose)) == 0) {
	ctl_error(c, "out of memory");
	return (CTL_EX_SOFTWARE);
    }
    if ((status = stats_scan(&ss, CM_KEY_SUPPRESS)) == 0
	&& (status = stats_scan(&ss, CM_KEY_CONSENT)) == 0) {
	if (ss.np > 1)
	    qsort(ss.p, ss.np, sizeof(*ss.p), stats_cmp);
	if (ss.json)
	    status = stats_json(&ss);
	else
	    stats_text(&ss);
	if (status == 0 && (fflush(stdout) != 0 || ferror(stdout))) {
	    ctl_error(c, "writing the statistics failed");
	    status = CTL_EX_SOFTWARE;
	}
    }
    free(ss.p);
    cm_buf_free(&ss.key);
    return (status);
}
