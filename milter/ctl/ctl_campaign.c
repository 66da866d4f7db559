/*++
/* NAME
/*	ctl_campaign 3
/* SUMMARY
/*	consentctl: campaigns and senders
/* SYNOPSIS
/*	#include "ctl.h"
/*
/*	int	ctl_campaign(c, argc, argv)
/*	ctl	*c;
/*	int	argc;
/*	char	**argv;
/*
/*	int	ctl_sender(c, argc, argv)
/*
/*	const char *ctl_text(b, s)
/*	cm_buf	*b;
/*	const char *s;
/*
/*	const redisReply *ctl_field(r, name)
/*	const redisReply *r;
/*	const char *name;
/*
/*	const char *ctl_field_str(r, name)
/*	const redisReply *r;
/*	const char *name;
/*
/*	int	ctl_parse_opts(c, argc, argv, first, pos, npos, opts, usage)
/*	ctl	*c;
/*	int	argc;
/*	char	**argv;
/*	int	first;
/*	const char **pos;
/*	int	npos;
/*	ctl_opt	*opts;
/*	const char *usage;
/* DESCRIPTION
/*	ctl_campaign() is "campaign add|list|show|pause|resume|close":
/*	the Pcampaign:<id> records of DESIGN.md section 3. "add" never
/*	overwrites a campaign (WATCH/MULTI, so that two people adding the
/*	same id at once cannot both win); pause, resume and close change
/*	only the status of a campaign that exists, so that a typing error
/*	cannot leave a half record that the daemon would refuse to read.
/*	"add" also gives the campaign its opt-out reference (field "ref",
/*	Punsub:c:<n>; unsubref(3)), which the relay's own List-Unsubscribe
/*	token carries.
/*
/*	ctl_sender() is "sender set ADDR CAMPAIGN": Psender:<address>,
/*	keyed by the normalised envelope sender, never by a pseudonym:
/*	the daemon looks it up before it knows any recipient.
/*
/*	ctl_text() and ctl_parse_opts() are shared with ctl_check.c.
/*	ctl_text() makes one untrusted string (NULL: empty) safe for the
/*	terminal with cm_buf_add_text(), in the caller's buffer b, and
/*	returns the text. ctl_parse_opts() takes exactly npos positional
/*	arguments from argv[first] on into pos, and "--name value" or
/*	"--name=value" options into the value of the matching entry of
/*	opts (terminated by a NULL name). It returns 0, or the usage
/*	exit status (64) after a message.
/*
/*	ctl_field() finds name in a flat [name, value, ...] array reply
/*	(HGETALL, a stream entry's fields) and returns its value, or NULL
/*	(also when r is NULL or no array); ctl_field_str() the value's
/*	text when it is a string, else NULL.
/* DIAGNOSTICS
/*	Exit status as in ctl.h: 64 usage, 65 bad input or unknown
/*	campaign, 69 Redis unavailable.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Utility library. */

#include <hiredis/hiredis.h>

/* Application-specific. */

#include "audit.h"
#include "campaign.h"
#include "clock.h"
#include "ctl.h"
#include "escape.h"
#include "redisconn.h"
#include "redisreply.h"
#include "schema.h"
#include "store.h"
#include "unsubref.h"

#define USAGE_ADD	"campaign add ID --purpose P [--basis consent|service] " \
			"[--max-age-days N] [--senders LIST] [--owner TEXT]"
#define USAGE_CAMPAIGN	USAGE_ADD "\n       consentctl campaign list" \
			"\n       consentctl campaign show|pause|resume|close ID"
#define USAGE_SENDER	"sender set ADDR CAMPAIGN"

#define SCAN_COUNT	"1000"		/* keys per SCAN step */
#define CMD_ARGS_MAX	20		/* longest command: campaign add */

/* ctl_text - one untrusted string, made safe, in a caller's buffer */

const char *ctl_text(cm_buf *b, const char *s)
{
    cm_buf_reset(b);
    cm_buf_add_text(b, s, s ? strlen(s) : 0);
    return (cm_buf_str(b));
}

/* ctl_parse_opts - positional arguments and --name value options */

int     ctl_parse_opts(ctl *c, int argc, char **argv, int first,
		               const char **pos, int npos, ctl_opt *opts,
		               const char *usage)
{
    const char *eq;
    size_t  len;
    int     got = 0;
    int     i;
    ctl_opt *o;

    for (i = first; i < argc; i++) {
	if (strncmp(argv[i], "--", 2) != 0 || argv[i][2] == 0) {
	    if (got == npos) {
		ctl_error(c, "unexpected argument \"%s\"", argv[i]);
		return (ctl_usage(c, usage));
	    }
	    pos[got++] = argv[i];
	    continue;
	}
	eq = strchr(argv[i], '=');
	len = eq ? (size_t) (eq - argv[i]) : strlen(argv[i]);
	for (o = opts; o && o->name; o++)
	    if (strlen(o->name) == len && strncmp(o->name, argv[i], len) == 0)
		break;
	if (o == 0 || o->name == 0) {
	    ctl_error(c, "unknown option \"%s\"", argv[i]);
	    return (ctl_usage(c, usage));
	}
	if (o->value != 0) {
	    ctl_error(c, "option %s given twice", o->name);
	    return (ctl_usage(c, usage));
	}
	if (eq == 0 && i + 1 >= argc) {
	    ctl_error(c, "option %s needs a value", o->name);
	    return (ctl_usage(c, usage));
	}
	o->value = eq ? eq + 1 : argv[++i];
    }
    if (got < npos) {
	ctl_error(c, "missing argument");
	return (ctl_usage(c, usage));
    }
    return (0);
}

/* key_of - prefix, part and name: "cm:" "campaign:" id */

static const char *key_of(ctl *c, cm_buf *b, const char *part,
			          const char *name)
{
    cm_buf_reset(b);
    cm_buf_adds(b, c->cfg.key_prefix ? c->cfg.key_prefix : CM_KEY_PREFIX_DEFAULT);
    cm_buf_adds(b, part);
    cm_buf_adds(b, name);
    return (cm_buf_str(b));
}

/* command - one Redis command; NULL (and a message) when it failed */

static redisReply *command(ctl *c, int argc, const char **argv)
{
    size_t  lens[CMD_ARGS_MAX];
    redisReply *r;
    char    show[CM_REDIS_SHOWSZ];
    int     i;

    if (argc > CMD_ARGS_MAX) {
	ctl_error(c, "internal error: too many command arguments");
	return (0);
    }
    for (i = 0; i < argc; i++)
	lens[i] = strlen(argv[i]);
    r = redisCommandArgv(ctl_redis(c), argc, argv, lens);
    if (r == 0) {
	ctl_error(c, "consent store unavailable: %s", ctl_redis(c)->errstr);
	return (0);
    }
    if (r->type == REDIS_REPLY_ERROR) {
	ctl_error(c, "consent store: %s: %s", argv[0],
		  cm_redis_reply_show(show, sizeof(show), r));
	cm_redis_reply_free(r);
	return (0);
    }
    return (r);
}

/* command_int - a command whose answer is an integer, or -1 */

static long long command_int(ctl *c, int argc, const char **argv)
{
    redisReply *r = command(c, argc, argv);
    long long val;

    if (r == 0)
	return (-1);
    val = r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    if (val < 0)
	ctl_error(c, "consent store: %s: unexpected reply", argv[0]);
    cm_redis_reply_free(r);
    return (val);
}

/* check_id - a campaign id as the contract allows it */

static int check_id(ctl *c, const char *id)
{
    cm_buf  b = CM_BUF_INIT;

    if (cm_campaign_id_valid(id))
	return (0);
    ctl_error(c, "campaign id \"%s\": must be 1 to %d of A-Z a-z 0-9 . _ : -",
	      ctl_text(&b, id), CM_CAMPAIGN_ID_MAX);
    cm_buf_free(&b);
    return (CTL_EX_DATAERR);
}

/* campaign_exists - 1 yes, 0 no (with a message), -1 store failure */

static int campaign_exists(ctl *c, const char *id, cm_buf *key)
{
    const char *argv[2] = {"EXISTS", key_of(c, key, CM_KEY_CAMPAIGN, id)};
    long long n = command_int(c, 2, argv);

    if (n == 0)
	ctl_error(c, "no such campaign: %s", id);
    return (n < 0 ? -1 : n > 0);
}

/* exec_watched - MULTI, one command, EXEC; 1 done, 0 raced, -1 failed */

static int exec_watched(ctl *c, int argc, const char **argv)
{
    const char *multi[1] = {"MULTI"};
    const char *exec[1] = {"EXEC"};
    redisReply *r;
    int     status;

    if ((r = command(c, 1, multi)) == 0)
	return (-1);
    cm_redis_reply_free(r);
    if ((r = command(c, argc, argv)) == 0)
	return (-1);
    cm_redis_reply_free(r);
    if ((r = command(c, 1, exec)) == 0)
	return (-1);
    /* A nil reply: the watched key changed, nothing was written. */
    if (r->type == REDIS_REPLY_NIL)
	status = 0;
    else if (r->type == REDIS_REPLY_ARRAY && r->elements == 1
	     && r->element[0]->type != REDIS_REPLY_ERROR)
	status = 1;
    else {
	ctl_error(c, "consent store: %s failed", argv[0]);
	status = -1;
    }
    cm_redis_reply_free(r);
    return (status);
}

/* campaign_add - register a campaign; never overwrite one */

static int campaign_add(ctl *c, int argc, char **argv)
{
    ctl_opt opts[] = {{"--purpose", 0}, {"--basis", 0}, {"--max-age-days", 0},
    {"--senders", 0}, {"--owner", 0}, {0, 0}};
    const char *id = 0;
    const char *hset[CMD_ARGS_MAX];
    const char *watch[2];
    char    now[32];
    char    err[512];
    cm_buf  key = CM_BUF_INIT;
    redisReply *r;
    char   *end;
    long    days = 0;
    long long exists = -1;
    int     done = -1;
    int     n = 0;
    int     status;

    if ((status = ctl_parse_opts(c, argc, argv, 2, &id, 1, opts,
				 USAGE_ADD)) != 0)
	return (status);
    if (opts[0].value == 0) {
	ctl_error(c, "campaign add: --purpose is required");
	return (ctl_usage(c, USAGE_ADD));
    }
    if ((status = check_id(c, id)) != 0)
	return (status);
    if (!cm_purpose_valid(opts[0].value)) {
	ctl_error(c, "purpose \"%s\": must be 1 to %d of a-z 0-9 . _ -",
		  ctl_text(&key, opts[0].value), CM_PURPOSE_MAX);
	cm_buf_free(&key);
	return (CTL_EX_DATAERR);
    }
    if (opts[1].value && strcmp(opts[1].value, CM_BASIS_CONSENT_WORD) != 0
	&& strcmp(opts[1].value, CM_BASIS_SERVICE_WORD) != 0) {
	ctl_error(c, "--basis must be consent or service");
	return (CTL_EX_DATAERR);
    }
    if (opts[2].value && ((days = strtol(opts[2].value, &end, 10)) < 1
			  || days > 100000 || *end || !*opts[2].value
			  || opts[2].value[0] < '0' || opts[2].value[0] > '9')) {
	ctl_error(c, "--max-age-days must be a number of days from 1 to 100000");
	return (CTL_EX_DATAERR);
    }
    /* An empty list would lock every sender out; say so instead. */
    if (opts[3].value && strspn(opts[3].value, " ,\t") == strlen(opts[3].value)) {
	ctl_error(c, "--senders: empty list");
	return (CTL_EX_DATAERR);
    }
    snprintf(now, sizeof(now), "%lld", cm_time_now_ms() / 1000);

    watch[0] = "WATCH";
    watch[1] = key_of(c, &key, CM_KEY_CAMPAIGN, id);
    hset[n++] = "HSET";
    hset[n++] = watch[1];
    hset[n++] = CM_FIELD_PURPOSE;
    hset[n++] = opts[0].value;
    hset[n++] = CM_FIELD_BASIS;
    hset[n++] = opts[1].value ? opts[1].value : CM_BASIS_CONSENT_WORD;
    hset[n++] = CM_FIELD_STATUS;
    hset[n++] = CM_STATUS_ACTIVE_WORD;
    hset[n++] = CM_FIELD_CREATED;
    hset[n++] = now;
    if (opts[2].value) {
	hset[n++] = CM_FIELD_MAX_AGE;
	hset[n++] = opts[2].value;
    }
    if (opts[3].value) {
	hset[n++] = CM_FIELD_SENDERS;
	hset[n++] = opts[3].value;
    }
    if (opts[4].value) {
	hset[n++] = CM_FIELD_OWNER;
	hset[n++] = opts[4].value;
    }

    /* WATCH, then look: if someone adds it between, EXEC does nothing. */
    status = CTL_EX_UNAVAILABLE;
    if ((r = command(c, 2, watch)) != 0) {
	cm_redis_reply_free(r);
	watch[0] = "EXISTS";
	if ((exists = command_int(c, 2, watch)) == 0
	    && (done = exec_watched(c, n, hset)) > 0)
	    status = CTL_EX_OK;
	else if (exists > 0 || done == 0) {
	    ctl_error(c, "campaign %s already exists: not changed "
		      "(see \"consentctl campaign show %s\")", id, id);
	    status = CTL_EX_DATAERR;
	}
    }
    cm_buf_free(&key);
    if (status != CTL_EX_OK)
	return (status);

    /*
     * Its opt-out reference (DESIGN.md section 14), in a script of its
     * own: MULTI cannot use the number INCR gives. Should this fail, the
     * campaign stands, and unsubscribe-refs gives the reference later.
     */
    if (cm_unsub_ref_campaigns(ctl_redis(c), c->cfg.key_prefix, &id, 1, 0,
			       0, err, sizeof(err)) < 0) {
	ctl_error(c, "campaign %s added, but without its opt-out reference "
		  "(run consentctl unsubscribe-refs): %s", id, err);
	return (CTL_EX_UNAVAILABLE);
    }
    printf("campaign %s added: purpose %s, basis %s, status active\n", id,
	   opts[0].value, opts[1].value ? opts[1].value : CM_BASIS_CONSENT_WORD);
    return (CTL_EX_OK);
}

/* campaign_status - pause, resume or close a campaign that exists */

static int campaign_status(ctl *c, const char *id, const char *want)
{
    const char *argv[4];
    cm_buf  key = CM_BUF_INIT;
    redisReply *r;
    char    old[32], show[CM_REDIS_SHOWSZ];
    int     status;

    if ((status = check_id(c, id)) != 0)
	return (status);
    argv[0] = "WATCH";
    argv[1] = key_of(c, &key, CM_KEY_CAMPAIGN, id);
    if ((r = command(c, 2, argv)) == 0) {
	cm_buf_free(&key);
	return (CTL_EX_UNAVAILABLE);
    }
    cm_redis_reply_free(r);
    if ((status = campaign_exists(c, id, &key)) != 1) {
	cm_buf_free(&key);
	return (status == 0 ? CTL_EX_DATAERR : CTL_EX_UNAVAILABLE);
    }
    argv[0] = "HGET";
    argv[1] = cm_buf_str(&key);
    argv[2] = CM_FIELD_STATUS;
    if ((r = command(c, 3, argv)) == 0) {
	cm_buf_free(&key);
	return (CTL_EX_UNAVAILABLE);
    }
    snprintf(old, sizeof(old), "%.*s", r->type == REDIS_REPLY_STRING ?
	     (int) r->len : (int) strlen(CM_STATUS_ACTIVE_WORD),
	     r->type == REDIS_REPLY_STRING ? r->str : CM_STATUS_ACTIVE_WORD);
    cm_redis_reply_free(r);

    argv[0] = "HSET";
    argv[3] = want;
    status = exec_watched(c, 4, argv);
    cm_buf_free(&key);
    if (status < 0)
	return (CTL_EX_UNAVAILABLE);
    if (status == 0) {
	ctl_error(c, "campaign %s was changed by someone else meanwhile: "
		  "not changed; try again", id);
	return (CTL_EX_UNAVAILABLE);
    }
    if (strcmp(old, want) == 0)
	printf("campaign %s: already %s\n", id, want);
    else
	printf("campaign %s: %s (was %s)\n", id, want,
	       cm_redis_escape(show, sizeof(show), old, strlen(old)));
    return (CTL_EX_OK);
}

/* ctl_field - a value of a flat [name, value, ...] reply, or NULL */

const redisReply *ctl_field(const redisReply *r, const char *name)
{
    size_t  i, len = strlen(name);

    for (i = 0; r && r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2)
	if (r->element[i]->type == REDIS_REPLY_STRING
	    && r->element[i]->len == len
	    && memcmp(r->element[i]->str, name, len) == 0)
	    return (r->element[i + 1]);
    return (0);
}

/* ctl_field_str - the same, when the value is a string */

const char *ctl_field_str(const redisReply *r, const char *name)
{
    const redisReply *v = ctl_field(r, name);

    return (v != 0 && v->type == REDIS_REPLY_STRING ? v->str : 0);
}

/* campaign_show - every field of one campaign, and whether it is usable */

static int campaign_show(ctl *c, const char *id)
{
    static const char *known[] = {CM_FIELD_PURPOSE, CM_FIELD_BASIS,
	CM_FIELD_STATUS, CM_FIELD_MAX_AGE, CM_FIELD_SENDERS, CM_FIELD_OWNER,
    CM_FIELD_CREATED};
    const char *argv[2] = {"HGETALL", 0};
    const redisReply *v;
    cm_buf  key = CM_BUF_INIT;
    cm_buf  t = CM_BUF_INIT;
    cm_campaign camp;
    cm_store *st;
    redisReply *r;
    char    err[512];
    char    stamp[40];
    size_t  i, k;
    int     status;

    if ((status = check_id(c, id)) != 0)
	return (status);
    argv[1] = key_of(c, &key, CM_KEY_CAMPAIGN, id);
    if ((r = command(c, 2, argv)) == 0) {
	cm_buf_free(&key);
	return (CTL_EX_UNAVAILABLE);
    }
    if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) {
	ctl_error(c, "no such campaign: %s", id);
	cm_redis_reply_free(r);
	cm_buf_free(&key);
	return (CTL_EX_DATAERR);
    }
    printf("campaign:     %s\n", id);
    for (k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
	if ((v = ctl_field(r, known[k])) == 0) {
	    if (k < 3)
		printf("%s:%*s%s\n", known[k], (int) (13 - strlen(known[k])),
		       "", k == 0 ? "(missing)" : k == 1 ?
		       "consent (not set)" : "active (not set)");
	    continue;
	}
	cm_buf_reset(&t);
	cm_buf_add_text(&t, v->str, v->len);
	printf("%s:%*s%s", known[k], (int) (13 - strlen(known[k])), "",
	       cm_buf_str(&t));
	if (k == 6 && v->len < 20) {
	    cm_time_rfc3339(stamp, sizeof(stamp), atoll(v->str), -1);
	    printf(" (%s)", stamp);
	}
	printf("\n");
    }
    for (i = 0; i + 1 < r->elements; i += 2) {
	for (k = 0; k < sizeof(known) / sizeof(known[0]); k++)
	    if (ctl_field(r, known[k]) == r->element[i + 1])
		break;
	if (k < sizeof(known) / sizeof(known[0]))
	    continue;
	cm_buf_reset(&t);
	cm_buf_add_text(&t, r->element[i]->str, r->element[i]->len);
	cm_buf_adds(&t, ": ");
	cm_buf_add_text(&t, r->element[i + 1]->str, r->element[i + 1]->len);
	printf("%s\n", cm_buf_str(&t));
    }
    cm_redis_reply_free(r);

    /* Read it as the daemon does: a record it cannot use fails mail. */
    memset(&camp, 0, sizeof(camp));
    status = CTL_EX_OK;
    if ((st = cm_store_create(&c->cfg, err, sizeof(err))) == 0
	|| cm_store_fetch(st, id, &camp, 0, 0, err, sizeof(err)) != 0) {
	printf("problem:      the daemon cannot use this record: %s\n",
	       ctl_text(&t, err));
	status = CTL_EX_DATAERR;
    }
    cm_campaign_clear(&camp);
    cm_store_destroy(st);
    cm_buf_free(&t);
    cm_buf_free(&key);
    return (status);
}

/* cmp_str - qsort: C strings in byte order */

static int cmp_str(const void *a, const void *b)
{
    return (strcmp(*(char *const *) a, *(char *const *) b));
}

/* add_glob_escaped - text for a SCAN pattern, matched literally */

static void add_glob_escaped(cm_buf *b, const char *s)
{
    for (; *s; s++) {
	if (strchr("*?[]\\", *s))
	    cm_buf_addc(b, '\\');
	cm_buf_addc(b, *s);
    }
}

/* campaign_list - one line per campaign, sorted by id */

static int campaign_list(ctl *c)
{
    static const char *names[] = {CM_FIELD_PURPOSE, CM_FIELD_BASIS,
    CM_FIELD_STATUS, CM_FIELD_OWNER};
    const char *prefix = c->cfg.key_prefix ? c->cfg.key_prefix : CM_KEY_PREFIX_DEFAULT;
    size_t  plen = strlen(prefix) + strlen(CM_KEY_CAMPAIGN);
    const char *argv[7];
    size_t  lens[7];
    redisContext *rc = ctl_redis(c);
    redisReply *r;
    cm_buf  pattern = CM_BUF_INIT;
    cm_buf  t = CM_BUF_INIT;
    cm_buf  cursor = CM_BUF_INIT;
    char  **ids = 0;
    size_t  nids = 0, i, k;
    size_t  width = 8;
    void   *grown;
    int     status = CTL_EX_OK;

    add_glob_escaped(&pattern, prefix);
    cm_buf_adds(&pattern, "campaign:*");
    cm_buf_adds(&cursor, "0");
    do {
	argv[0] = "SCAN";
	argv[1] = cm_buf_str(&cursor);
	argv[2] = "MATCH";
	argv[3] = cm_buf_str(&pattern);
	argv[4] = "COUNT";
	argv[5] = SCAN_COUNT;
	if ((r = command(c, 6, argv)) == 0) {
	    status = CTL_EX_UNAVAILABLE;
	    break;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2
	    || r->element[0]->type != REDIS_REPLY_STRING
	    || r->element[1]->type != REDIS_REPLY_ARRAY) {
	    ctl_error(c, "consent store: SCAN: unexpected reply");
	    cm_redis_reply_free(r);
	    status = CTL_EX_UNAVAILABLE;
	    break;
	}
	cm_buf_reset(&cursor);
	cm_buf_add(&cursor, r->element[0]->str, r->element[0]->len);
	for (i = 0; i < r->element[1]->elements; i++) {
	    const redisReply *e = r->element[1]->element[i];

	    if (e->type != REDIS_REPLY_STRING || e->len <= plen)
		continue;
	    if ((grown = realloc(ids, (nids + 1) * sizeof(*ids))) == 0
		|| (ids = grown, ids[nids] = strndup(e->str, e->len)) == 0) {
		ctl_error(c, "out of memory");
		status = CTL_EX_SOFTWARE;
		break;
	    }
	    nids++;
	}
	cm_redis_reply_free(r);
    } while (status == CTL_EX_OK && strcmp(cm_buf_str(&cursor), "0") != 0);

    /* SCAN may return a key twice: sort, then skip repeats. */
    if (ids)
	qsort(ids, nids, sizeof(*ids), cmp_str);
    for (i = 0; i < nids; i++)
	if (strlen(ids[i]) - plen > width && strlen(ids[i]) - plen <= 40)
	    width = strlen(ids[i]) - plen;
    for (i = 0; status == CTL_EX_OK && i < nids; i++) {
	if (i > 0 && strcmp(ids[i], ids[i - 1]) == 0)
	    continue;
	argv[0] = "HMGET";
	argv[1] = ids[i];
	for (k = 0; k < 4; k++)
	    argv[k + 2] = names[k];
	for (k = 0; k < 6; k++)
	    lens[k] = strlen(argv[k]);
	if ((r = redisCommandArgv(rc, 6, argv, lens)) == 0) {
	    ctl_error(c, "consent store unavailable: %s", rc->errstr);
	    status = CTL_EX_UNAVAILABLE;
	    break;
	}
	cm_buf_reset(&t);
	cm_buf_add_text(&t, ids[i] + plen, strlen(ids[i] + plen));
	printf("%-*s", (int) width, cm_buf_str(&t));
	for (k = 0; k < 4; k++) {
	    const redisReply *e = r->type == REDIS_REPLY_ARRAY
		&& k < r->elements ? r->element[k] : 0;

	    cm_buf_reset(&t);
	    if (e && e->type == REDIS_REPLY_STRING)
		cm_buf_add_text(&t, e->str, e->len);
	    else
		cm_buf_adds(&t, r->type == REDIS_REPLY_ERROR ? "(not a hash)" :
			    k == 1 ? CM_BASIS_CONSENT_WORD : k == 2 ?
			    CM_STATUS_ACTIVE_WORD : "-");
	    printf(k < 3 ? " %-12s" : " %s", cm_buf_str(&t));
	}
	printf("\n");
	cm_redis_reply_free(r);
    }
    for (i = 0; i < nids; i++)
	free(ids[i]);
    free(ids);
    cm_buf_free(&pattern);
    cm_buf_free(&cursor);
    cm_buf_free(&t);
    return (status);
}

/* ctl_campaign - campaign add|list|show|pause|resume|close */

int     ctl_campaign(ctl *c, int argc, char **argv)
{
    static const struct {
	const char *sub;
	const char *status;
    } states[] = {
	{"pause", CM_STATUS_PAUSED_WORD}, {"resume", CM_STATUS_ACTIVE_WORD},
	{"close", CM_STATUS_CLOSED_WORD},
    };
    size_t  i;

    if (ctl_want_help(argc, argv)) {
	printf("usage: consentctl %s\n", USAGE_CAMPAIGN);
	return (CTL_EX_OK);
    }
    if (argc < 2)
	return (ctl_usage(c, USAGE_CAMPAIGN));
    if (strcmp(argv[1], "add") == 0)
	return (campaign_add(c, argc, argv));
    if (strcmp(argv[1], "list") == 0)
	return (argc == 2 ? campaign_list(c) : ctl_usage(c, "campaign list"));
    if (argc != 3) {
	ctl_error(c, "campaign %s: wrong number of arguments", argv[1]);
	return (ctl_usage(c, USAGE_CAMPAIGN));
    }
    if (strcmp(argv[1], "show") == 0)
	return (campaign_show(c, argv[2]));
    for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
	if (strcmp(argv[1], states[i].sub) == 0)
	    return (campaign_status(c, argv[2], states[i].status));
    ctl_error(c, "campaign: unknown action \"%s\"", argv[1]);
    return (ctl_usage(c, USAGE_CAMPAIGN));
}

/* ctl_sender - sender set ADDR CAMPAIGN */

int     ctl_sender(ctl *c, int argc, char **argv)
{
    char    norm[CM_ID_SIZE];
    const char *args[3];
    cm_addr_status st;
    cm_buf  key = CM_BUF_INIT;
    cm_buf  t = CM_BUF_INIT;
    redisReply *r;
    int     status;

    if (ctl_want_help(argc, argv)) {
	printf("usage: consentctl %s\n", USAGE_SENDER);
	return (CTL_EX_OK);
    }
    if (argc != 4 || strcmp(argv[1], "set") != 0)
	return (ctl_usage(c, USAGE_SENDER));
    st = cm_addr_normalise(argv[2], strlen(argv[2]), norm, sizeof(norm));
    if (st == CM_ADDR_EMPTY) {
	ctl_error(c, "the null sender <> cannot be mapped: every bounce would "
		  "become marketing");
	return (CTL_EX_DATAERR);
    }
    if (st != CM_ADDR_OK) {
	ctl_error(c, "sender \"%s\": %s", ctl_text(&t, argv[2]),
		  cm_addr_strerror(st));
	cm_buf_free(&t);
	return (CTL_EX_DATAERR);
    }
    if ((status = check_id(c, argv[3])) != 0)
	return (status);
    if ((status = campaign_exists(c, argv[3], &key)) != 1) {
	cm_buf_free(&key);
	return (status == 0 ? CTL_EX_DATAERR : CTL_EX_UNAVAILABLE);
    }
    args[0] = "SET";
    args[1] = key_of(c, &key, CM_KEY_SENDER, norm);
    args[2] = argv[3];
    r = command(c, 3, args);
    cm_buf_free(&key);
    if (r == 0)
	return (CTL_EX_UNAVAILABLE);
    cm_redis_reply_free(r);
    printf("sender %s: campaign %s\n", ctl_text(&t, norm), argv[3]);
    cm_buf_free(&t);
    return (CTL_EX_OK);
}
