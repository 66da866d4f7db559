/*++
/* NAME
/*	ctl_consent 3
/* SUMMARY
/*	consentctl: grant, withdraw, suppress, unsuppress, erase, show
/* SYNOPSIS
/*	#include "ctl.h"
/*
/*	int	ctl_grant(c, argc, argv)
/*	int	ctl_withdraw(c, argc, argv)
/*	int	ctl_suppress(c, argc, argv)
/*	int	ctl_unsuppress(c, argc, argv)
/*	int	ctl_erase(c, argc, argv)
/*	int	ctl_show(c, argc, argv)
/*	ctl	*c;
/*	int	argc;
/*	char	**argv;
/* DESCRIPTION
/*	The consent verbs of consentctl(8); argv[0] is the verb name,
/*	the usage lines are in the verb table below. Changes go through
/*	writer(3), which applies the rules of DESIGN.md section 3 inside
/*	Redis. --at TIME (Unix seconds or RFC 3339; default now) is when
/*	the event happened. A time more than 300 seconds ahead is
/*	refused, for every verb: until then it would make every later
/*	change look older (DESIGN.md section 3); writer(3) stores a time
/*	less far ahead as the moment of writing. The address, --source,
/*	--reason and --actor must be valid UTF-8 (ctl_row(3)).
/*	--actor (default: the global --actor, or the Unix user)
/*	goes into the history with each change.
/*
/*	A change prints one line per history entry it appended ("granted
/*	newsletter for alice@example.org (at ...)"); a change not made
/*	is explained ("not changed: a newer withdrawal of newsletter is
/*	stored (...)"). show prints the record (per purpose: state, time
/*	as RFC 3339 UTC and Unix seconds, source), the suppression and
/*	the history, oldest first, or with --json one JSON object. Stored
/*	text is shown with bytes outside printable ASCII as \exNN.
/* DIAGNOSTICS
/*	Exit 0 when the request was answered: applied, stale, kept out
/*	by a suppression, or not needed. 64: bad command line (also
/*	unsuppress without --source); 65: bad address, purpose or time;
/*	69: the store failed (ctl_redis() exits 69 when it is down).
/*	--help prints the verb's usage on stdout and exits 0.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdio.h>
#include <string.h>

/* Utility library. */

#include <hiredis/hiredis.h>

/* Application-specific. */

#include "campaign.h"
#include "clock.h"
#include "ctl.h"
#include "ctl_row.h"
#include "escape.h"
#include "json.h"
#include "record.h"
#include "redisconn.h"
#include "redisreply.h"
#include "schema.h"
#include "timeparse.h"
#include "writer.h"

#define DEFAULT_SOURCE	"consentctl"	/* --source and --reason default */
#define STREAM_ID_MAX	64		/* "ms-seq", with room to spare */
#define KEY_SIZE	(64 + 16 + CM_ID_SIZE)	/* KeyPrefix is <= 64 */

/* Options; each verb allows some. */
#define OPT_AT		(1 << 0)
#define OPT_SOURCE	(1 << 1)
#define OPT_REASON	(1 << 2)
#define OPT_RENEW	(1 << 3)
#define OPT_ALL		(1 << 4)
#define OPT_ACTOR	(1 << 5)
#define OPT_JSON	(1 << 6)

static const struct optdef {
    const char *name;
    int     flag;
    int     has_arg;
} optdefs[] = {
    {"--at", OPT_AT, 1}, {"--source", OPT_SOURCE, 1},
    {"--reason", OPT_REASON, 1}, {"--renew", OPT_RENEW, 0},
    {"--all", OPT_ALL, 0}, {"--actor", OPT_ACTOR, 1},
    {"--json", OPT_JSON, 0}, {0, 0, 0},
};

/* How each verb reads its command line. */
typedef struct verbdef {
    cm_event_kind kind;
    int     opts;			/* OPT_* allowed */
    int     maxpos;			/* ADDR, maybe PURPOSE */
    const char *usage;
    const char *src;			/* default --source or --reason */
} verbdef;

static const verbdef grant_def = {CM_EVENT_GRANT,
    OPT_AT | OPT_SOURCE | OPT_RENEW | OPT_ACTOR, 2,
    "grant ADDR PURPOSE [--at TIME] [--source TEXT] [--renew] [--actor NAME]",
DEFAULT_SOURCE};
static const verbdef withdraw_def = {CM_EVENT_WITHDRAW,
    OPT_AT | OPT_SOURCE | OPT_ALL | OPT_ACTOR, 2,
    "withdraw ADDR (PURPOSE | --all) [--at TIME] [--source TEXT] [--actor NAME]",
DEFAULT_SOURCE};
static const verbdef suppress_def = {CM_EVENT_SUPPRESS,
    OPT_REASON | OPT_AT | OPT_ACTOR, 1,
"suppress ADDR [--reason TEXT] [--at TIME] [--actor NAME]", DEFAULT_SOURCE};
static const verbdef unsuppress_def = {CM_EVENT_UNSUPPRESS,
    OPT_SOURCE | OPT_AT | OPT_ACTOR, 1,
"unsuppress ADDR --source TEXT [--at TIME] [--actor NAME]", 0};
static const verbdef erase_def = {CM_EVENT_ERASE, OPT_REASON | OPT_ACTOR, 1,
"erase ADDR [--reason TEXT] [--actor NAME]", "erasure request"};
static const verbdef show_def = {CM_EVENT_GRANT /* unused */, OPT_JSON, 1,
"show ADDR [--json]", 0};

/* One verb's command line, parsed. */
typedef struct args {
    const char *pos[2];			/* ADDR, PURPOSE */
    int     npos;
    int     seen;			/* OPT_* given */
    const char *at;			/* --at */
    const char *src;			/* --source or --reason */
    const char *actor;			/* --actor */
} args;

/* One record: address, id and keys (consent, suppress, history). */
typedef struct target {
    char    norm[CM_ID_SIZE];
    char    id[CM_ID_SIZE];
    char    key[3][KEY_SIZE];
    size_t  klen[3];
} target;

/* parse_args - --help, ADDR [PURPOSE] and the options a verb allows */

static int parse_args(ctl *c, int argc, char **argv, const verbdef *v,
		              args *a)
{
    const struct optdef *o;
    const char *arg, *eq, *val;
    size_t  nlen;
    int     i, dashdash = 0;

    memset(a, 0, sizeof(*a));
    if (ctl_want_help(argc, argv)) {
	printf("usage: %s [-c config_file] %s\n", c->progname, v->usage);
	return (-1);
    }
    for (i = 1; i < argc; i++) {
	arg = argv[i];
	if (dashdash || arg[0] != '-' || arg[1] == 0) {
	    if (a->npos >= v->maxpos) {
		ctl_error(c, "%s: unexpected argument \"%s\"", argv[0], arg);
		return (ctl_usage(c, v->usage));
	    }
	    a->pos[a->npos++] = arg;
	    continue;
	}
	if (strcmp(arg, "--") == 0) {
	    dashdash = 1;
	    continue;
	}
	/* --name value, or --name=value */
	nlen = (eq = strchr(arg, '=')) ? (size_t) (eq - arg) : strlen(arg);
	for (o = optdefs; o->name; o++)
	    if ((o->flag & v->opts) && strlen(o->name) == nlen
		&& strncmp(o->name, arg, nlen) == 0)
		break;
	if (o->name == 0 || (eq && !o->has_arg)) {
	    ctl_error(c, "%s: unknown option \"%s\"", argv[0], arg);
	    return (ctl_usage(c, v->usage));
	}
	if (o->has_arg && !eq && i + 1 >= argc) {
	    ctl_error(c, "%s: option %s needs a value", argv[0], o->name);
	    return (ctl_usage(c, v->usage));
	}
	val = !o->has_arg ? 0 : eq ? eq + 1 : argv[++i];
	a->seen |= o->flag;
	if (o->flag == OPT_AT)
	    a->at = val;
	else if (o->flag == OPT_SOURCE || o->flag == OPT_REASON)
	    a->src = val;
	else if (o->flag == OPT_ACTOR)
	    a->actor = val;
    }
    if (a->npos < 1) {
	ctl_error(c, "%s: ADDR is missing", argv[0]);
	return (ctl_usage(c, v->usage));
    }
    return (0);
}

/* target_init - normalise the address, compute the id and the keys */

static int target_init(ctl *c, const char *addr, target *t)
{
    static const char *parts[3] = {CM_KEY_CONSENT, CM_KEY_SUPPRESS,
    CM_KEY_HISTORY};
    int     status, n;

    if ((status = ctl_record_id(c, addr, t->norm, sizeof(t->norm),
				t->id, sizeof(t->id))) != 0)
	return (status);
    for (n = 0; n < 3; n++)
	t->klen[n] = snprintf(t->key[n], KEY_SIZE, "%s%s%s", c->cfg.key_prefix ?
			      c->cfg.key_prefix : CM_KEY_PREFIX_DEFAULT, parts[n],
			      t->id);
    return (0);
}

/* command - one command; NULL (reported) on any failure */

static redisReply *command(ctl *c, redisContext *rc, int argc,
			           const char **argv, const size_t *lens)
{
    redisReply *r;
    char    key[CM_REDIS_SHOWSZ], show[CM_REDIS_SHOWSZ];

    if ((r = redisCommandArgv(rc, argc, argv, lens)) == 0) {
	ctl_error(c, "redis: %s: %s", argv[0], rc->errstr);
	return (0);
    }
    if (r->type == REDIS_REPLY_ERROR) {
	ctl_error(c, "redis: %s %s: %s", argv[0],
		  cm_redis_escape(key, sizeof(key), argv[1], lens[1]),
		  cm_redis_reply_show(show, sizeof(show), r));
	cm_redis_reply_free(r);
	return (0);
    }
    return (r);
}

/* get_fields - values of named fields in a flat name/value array */

static void get_fields(const redisReply *r, const char **names,
		               const redisReply **values, int count)
{
    const redisReply *k;
    size_t  i;
    int     n;

    for (n = 0; n < count; n++)
	values[n] = 0;
    for (i = 0; r && r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2)
	for (k = r->element[i], n = 0; n < count; n++)
	    if (k->type == REDIS_REPLY_STRING
		&& r->element[i + 1]->type == REDIS_REPLY_STRING
		&& strlen(names[n]) == k->len
		&& memcmp(names[n], k->str, k->len) == 0)
		values[n] = r->element[i + 1];
}

/* stored_time - a stored decimal time, or -1 when unreadable */

static long long stored_time(const char *s, size_t len)
{
    char    buf[24];
    long long t;

    if (s == 0 || len == 0 || len >= sizeof(buf))
	return (-1);
    memcpy(buf, s, len);
    buf[len] = 0;
    if (strspn(buf, "0123456789") != len || cm_time_parse(buf, &t) < 0)
	return (-1);
    return (t);
}

/* add_time - "2026-03-01T12:00:00Z", or that it cannot be read */

static void add_time(cm_buf *b, long long t)
{
    char    buf[CM_TIME_SIZE];

    cm_buf_adds(b, t < 0 ? "an unreadable time" :
		cm_time_format(t, buf, sizeof(buf)));
}

/* show_time - JSON "at" and "at_unix", or "T (raw)" */

static void show_time(cm_buf *b, int json, const redisReply *v, size_t len)
{
    long long t = v ? stored_time(v->str, len) : -1;
    char    buf[CM_TIME_SIZE];

    if (!json) {
	add_time(b, t);
	cm_buf_adds(b, " (");
	cm_buf_add_safe(b, v ? v->str : "", v ? len : 0);
	cm_buf_addc(b, ')');
    } else if (t < 0) {
	cm_buf_adds(b, ",\"at\":null,\"at_unix\":null");
    } else {
	cm_json_kv_str(b, "at", cm_time_format(t, buf, sizeof(buf)));
	cm_json_kv_int(b, "at_unix", t);
    }
}

/* show_str - a JSON member, or ", label "text"" when there is text */

static void show_str(cm_buf *b, int json, const char *label,
		             const redisReply *v)
{
    if (json) {
	cm_json_key(b, label);
	if (v)
	    cm_json_string(b, v->str, v->len);
	else
	    cm_buf_adds(b, "null");
    } else if (v) {
	cm_buf_printf(b, ", %s \"", label);
	cm_buf_add_safe(b, v->str, v->len);
	cm_buf_addc(b, '"');
    }
}

/* show_suppression - JSON member, or "since T (raw), reason "R"" */

static void show_suppression(cm_buf *b, int json, const redisReply *s)
{
    const char *space;
    redisReply reason = {0};

    if (s->type != REDIS_REPLY_STRING) {
	cm_buf_adds(b, json ? ",\"suppressed\":null" : "no");
	return;
    }
    /* "<time> <reason>" */
    if ((space = memchr(s->str, ' ', s->len)) != 0) {
	reason.str = (char *) space + 1;
	reason.len = s->len - (space + 1 - s->str);
    }
    cm_buf_adds(b, json ? ",\"suppressed\":{" : "since ");
    show_time(b, json, s, space ? (size_t) (space - s->str) : s->len);
    show_str(b, json, "reason", reason.len ? &reason : 0);
    cm_buf_adds(b, json ? "}" : "");
}

/* add_entry - a history entry in plain words: "granted P for X (at T)" */

static void add_entry(cm_buf *b, const redisReply *e, const char *who,
		              int full)
{
    static const char *names[5] = {CM_HIST_PURPOSE, CM_HIST_STATE,
    CM_HIST_AT, CM_HIST_SRC, CM_HIST_ACTOR};
    static const char *words[5][3] = {
	{CM_STATE_GRANTED, "granted", " for "},
	{CM_STATE_WITHDRAWN, "withdrew", " for "},
	{CM_STATE_SUPPRESSED, "suppressed", " "},
	{CM_STATE_ERASED, "erased all but the suppression", " of "},
	{CM_STATE_UNSUPPRESSED, "lifted the suppression", " of "},
    };
    const redisReply *f[5];
    int     w;

    get_fields(e, names, f, 5);
    for (w = 0; w < 5 && !cm_redis_reply_is(f[1], words[w][0]); w++)
	 /* void */ ;
    if (w < 5)
	cm_buf_adds(b, words[w][1]);
    else if (f[1])
	cm_buf_add_safe(b, f[1]->str, f[1]->len);
    /* Suppressions and erasure concern every purpose: "*". */
    if (f[0] && !cm_redis_reply_is(f[0], "*")) {
	cm_buf_addc(b, ' ');
	cm_buf_add_safe(b, f[0]->str, f[0]->len);
    }
    if (who)
	cm_buf_printf(b, "%s%s", w < 5 ? words[w][2] : " ", who);
    cm_buf_adds(b, " (at ");
    add_time(b, f[2] ? stored_time(f[2]->str, f[2]->len) : -1);
    if (full && f[2]) {
	cm_buf_adds(b, " = ");
	cm_buf_add_safe(b, f[2]->str, f[2]->len);
    }
    cm_buf_addc(b, ')');
    if (f[3] && f[3]->len > 0 && (full || w == 2 || w == 3))
	show_str(b, 0, w == 2 || w == 3 ? "reason" : "source", f[3]);
    if (full)
	show_str(b, 0, "actor", f[4]);
    cm_buf_addc(b, '\n');
}

/* report_applied - print the history entries that a change appended */

static int report_applied(ctl *c, redisContext *rc, const target *t,
			          const char *last, cm_buf *out)
{
    const char *argv[4] = {"XRANGE", t->key[2], "-", "+"};
    size_t  lens[4] = {6, t->klen[2], 1, 1};
    char    start[STREAM_ID_MAX + 1];
    redisReply *r, *e;
    size_t  i;

    /*
     * "(id" is exclusive: only the entries after the newest old one. After
     * an erasure, the one entry of the new stream (ids grow with time).
     */
    if (*last) {
	lens[2] = snprintf(start, sizeof(start), "(%s", last);
	argv[2] = start;
    }
    if ((r = command(c, rc, 4, argv, lens)) == 0)
	return (CTL_EX_UNAVAILABLE);
    for (i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++)
	if ((e = r->element[i])->type == REDIS_REPLY_ARRAY && e->elements == 2)
	    add_entry(out, e->element[1], t->norm, 0);
    if (out->len == 0)
	cm_buf_printf(out, "applied for %s\n", t->norm);
    cm_redis_reply_free(r);
    return (CTL_EX_OK);
}

/* explain - why a change was not made, from what is stored */

static int explain(ctl *c, redisContext *rc, const target *t,
		           const cm_event *ev, cm_write_result res, cm_buf *b)
{
    int     stale = ((res == CM_WRITE_STALE || res == CM_WRITE_SAME)
			 && ev->purpose != 0);
    char    at_key[CM_PURPOSE_MAX + 4];
    const char *hmget[4] = {"HMGET", t->key[0], ev->purpose, at_key};
    size_t  hlens[4] = {5, t->klen[0], stale ? strlen(ev->purpose) : 0, 0};
    const char *get[2] = {"GET", t->key[1]};
    size_t  glens[2] = {3, t->klen[1]};
    const char *noun;
    cm_consent_state known;
    redisReply *r;
    long long at = -1;

    /* A stale grant or withdrawal: what is stored for the purpose. */
    if (stale)
	hlens[3] = snprintf(at_key, sizeof(at_key), "%s" CM_SUFFIX_AT,
			    ev->purpose);
    if ((r = stale ? command(c, rc, 4, hmget, hlens) :
	 command(c, rc, 2, get, glens)) == 0)
	return (CTL_EX_UNAVAILABLE);
    cm_buf_adds(b, res == CM_WRITE_SUPPRESSED ? "not granted: " :
		"not changed: ");
    if (stale) {
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 2
	    && r->element[1]->type == REDIS_REPLY_STRING)
	    at = stored_time(r->element[1]->str, r->element[1]->len);
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2
	    || cm_record_state(r->element[0], &known) < 0)
	    noun = "record";
	else
	    noun = known == CM_CONSENT_GRANTED ? "grant" : "withdrawal";
	/* An unreadable time counts as newer for a withdrawal. */
	if (at != ev->at)
	    cm_buf_printf(b, "a newer %s of %s is stored (", noun, ev->purpose);
	else
	    cm_buf_printf(b, "a %s of %s with the same time is stored%s (",
			  noun, ev->purpose, *noun == 'w' ?
			  ", and withdrawn wins ties" : "");
	add_time(b, at);
	cm_buf_addc(b, ')');
    } else if (r->type != REDIS_REPLY_STRING) {
	cm_buf_printf(b, "%s is not suppressed", t->norm);
    } else {
	cm_buf_printf(b, "%s%s %s suppressed ", ev->kind == CM_EVENT_WITHDRAW_ALL
		      ? "nothing to withdraw, and " : "", t->norm,
		      res == CM_WRITE_SUPPRESSED ? "is" : res == CM_WRITE_STALE
		      ? "stays" : "is already");
	show_suppression(b, 0, r);
	cm_buf_adds(b, res == CM_WRITE_STALE ? "; --at must be later" :
		    res != CM_WRITE_SUPPRESSED ? "" : ev->renew ?
		    "; --renew lifts only an older suppression" :
		    "; use --renew with a later --at");
    }
    cm_buf_addc(b, '\n');
    cm_redis_reply_free(r);
    return (CTL_EX_OK);
}

/* apply - write one event and tell what happened */

static int apply(ctl *c, const target *t, cm_event *ev, cm_buf *out)
{
    redisContext *rc = ctl_redis(c);
    const char *argv[6] = {"XREVRANGE", t->key[2], "+", "-", "COUNT", "1"};
    size_t  lens[6] = {9, t->klen[2], 1, 1, 5, 1};
    char    last[STREAM_ID_MAX] = "";
    char    err[512];
    cm_write_result res;
    redisReply *r, *e;

    /* The newest history entry: what the change appends comes after it. */
    if ((r = command(c, rc, 6, argv, lens)) == 0)
	return (CTL_EX_UNAVAILABLE);
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 1
	&& (e = r->element[0])->type == REDIS_REPLY_ARRAY && e->elements == 2
	&& e->element[0]->type == REDIS_REPLY_STRING
	&& e->element[0]->len < STREAM_ID_MAX)
	memcpy(last, e->element[0]->str, e->element[0]->len + 1);
    cm_redis_reply_free(r);
    if (cm_write_events(rc, c->cfg.key_prefix, ev, 1, &res,
			err, sizeof(err)) < 0) {
	ctl_error(c, "%s", err);
	return (CTL_EX_UNAVAILABLE);
    }
    if (res != CM_WRITE_APPLIED)
	return (explain(c, rc, t, ev, res, out));
    return (report_applied(c, rc, t, last, out));
}

/* text_check - the address and the texts are UTF-8; else 65, reported */

static int text_check(ctl *c, const args *a, const verbdef *v,
		              const char *actor)
{
    cm_buf  why = CM_BUF_INIT;
    int     ok;

    ok = ctl_row_utf8("address", a->pos[0], &why)
	&& (a->src == 0 || ctl_row_utf8((v->opts & OPT_REASON) ?
					"--reason" : "--source", a->src, &why))
	&& ctl_row_utf8("--actor", actor, &why);
    if (!ok)
	ctl_error(c, "%s", why.oom ? "out of memory" : cm_buf_str(&why));
    cm_buf_free(&why);
    return (ok ? 0 : CTL_EX_DATAERR);
}

/* write_cmd - one writing verb: command line, data checks, change */

static int write_cmd(ctl *c, int argc, char **argv, const verbdef *v)
{
    cm_event ev = {v->kind, 0, 0, 0, 0, 0, 0, 0};
    cm_buf  out = CM_BUF_INIT;
    const char *why;
    target  t;
    args    a;
    int     status;

    if ((status = parse_args(c, argc, argv, v, &a)) != 0)
	return (status < 0 ? CTL_EX_OK : status);
    /* Lifting an opt-out needs its own evidence, never a default. */
    why = v->kind == CM_EVENT_GRANT && a.npos != 2 ? "PURPOSE is missing" :
	v->kind == CM_EVENT_WITHDRAW && (a.npos == 2) == !!(a.seen & OPT_ALL) ?
	"give either PURPOSE or --all" : v->kind == CM_EVENT_UNSUPPRESS
	&& (a.src == 0 || *a.src == 0) ? "--source TEXT is required: the "
	"evidence that the person asked for marketing again" : 0;
    if (why) {
	ctl_error(c, "%s: %s", argv[0], why);
	return (ctl_usage(c, v->usage));
    }
    ev.kind = (a.seen & OPT_ALL) ? CM_EVENT_WITHDRAW_ALL : v->kind;
    ev.purpose = a.npos == 2 ? a.pos[1] : 0;
    ev.src = a.src ? a.src : v->src;
    ev.renew = (a.seen & OPT_RENEW) != 0;
    ev.actor = a.actor ? a.actor : c->actor ? c->actor : "unknown";
    ev.at = cm_time_now();

    /*
     * Bad data is found before the store is asked anything. Text that
     * is not UTF-8 would be stored under a key, or shown in a history,
     * that nothing else can match or read.
     */
    if ((status = text_check(c, &a, v, ev.actor)) != 0)
	return (status);
    if ((status = target_init(c, a.pos[0], &t)) != 0)
	return (status);			/* ctl_record_id() said why */
    if (ev.purpose && !cm_purpose_valid(ev.purpose)) {
	ctl_error(c, "purpose \"%s\": use 1 to %d of the characters a-z 0-9 "
		  ". _ -", ev.purpose, CM_PURPOSE_MAX);
	return (CTL_EX_DATAERR);
    }
    if (a.at && cm_time_parse(a.at, &ev.at) < 0) {
	ctl_error(c, "--at \"%s\": not Unix seconds or an RFC 3339 time such "
		  "as 2026-03-01T12:00:00Z (1970 to 9999)", a.at);
	return (CTL_EX_DATAERR);
    }
    /* Every writer, every verb: see writer(3), which clamps the rest. */
    if (ev.at > cm_time_now() + CM_TIME_FUTURE_MAX) {
	ctl_error(c, "--at %s: more than %d s in the future: until then, "
		  "every later change would look older and be ignored",
		  a.at, CM_TIME_FUTURE_MAX);
	return (CTL_EX_DATAERR);
    }
    ev.id = t.id;
    status = apply(c, &t, &ev, &out);
    fputs(cm_buf_str(&out), stdout);
    cm_buf_free(&out);
    return (status);
}

/* ctl_grant - record consent for one purpose */

int     ctl_grant(ctl *c, int argc, char **argv)
{
    return (write_cmd(c, argc, argv, &grant_def));
}

/* ctl_withdraw - withdraw one purpose, or all and suppress */

int     ctl_withdraw(ctl *c, int argc, char **argv)
{
    return (write_cmd(c, argc, argv, &withdraw_def));
}

/* ctl_suppress - no marketing of any purpose */

int     ctl_suppress(ctl *c, int argc, char **argv)
{
    return (write_cmd(c, argc, argv, &suppress_def));
}

/* ctl_unsuppress - lift a suppression, with evidence */

int     ctl_unsuppress(ctl *c, int argc, char **argv)
{
    return (write_cmd(c, argc, argv, &unsuppress_def));
}

/* ctl_erase - forget everything but the suppression */

int     ctl_erase(ctl *c, int argc, char **argv)
{
    return (write_cmd(c, argc, argv, &erase_def));
}

/* show_consent - each purpose: state, time, source */

static void show_consent(cm_buf *b, int json, const redisReply *h)
{
    char    at[CM_PURPOSE_MAX + 8], src[CM_PURPOSE_MAX + 8];
    const char *names[2] = {at, src};
    const redisReply *f[2];
    redisReply *const *p;
    size_t  i, n = 0;

    cm_buf_adds(b, json ? ",\"consent\":[" : "consent:");
    /* A purpose is a field without ':' or '#' (cm_consent_field_is_purpose). */
    for (i = 0; i + 1 < h->elements; i += 2) {
	p = h->element + i;
	if (p[0]->type != REDIS_REPLY_STRING || p[1]->type != REDIS_REPLY_STRING
	    || !cm_consent_field_is_purpose(p[0]->str, p[0]->len))
	    continue;
	/* A name too long for a purpose finds no time or source. */
	snprintf(at, sizeof(at), "%.*s" CM_SUFFIX_AT, (int) p[0]->len,
		 p[0]->str);
	snprintf(src, sizeof(src), "%.*s" CM_SUFFIX_SRC, (int) p[0]->len,
		 p[0]->str);
	get_fields(h, names, f, 2);
	if (json) {
	    cm_buf_adds(b, n++ ? ",{" : "{");
	    show_str(b, 1, "purpose", p[0]);
	    show_str(b, 1, "state", p[1]);
	} else {
	    cm_buf_adds(b, n++ ? "  " : "\n  ");
	    cm_buf_add_safe(b, p[0]->str, p[0]->len);
	    cm_buf_adds(b, ": ");
	    cm_buf_add_safe(b, p[1]->str, p[1]->len);
	    cm_buf_adds(b, " at ");
	}
	show_time(b, json, f[0], f[0] ? f[0]->len : 0);
	show_str(b, json, json ? "src" : "source", f[1]);
	cm_buf_adds(b, json ? "}" : "\n");
    }
    cm_buf_adds(b, json ? "]" : n ? "" : " none\n");
}

/* show_history - the history entries, oldest first */

static void show_history(cm_buf *b, int json, const redisReply *x)
{
    static const char *names[5] = {CM_HIST_PURPOSE, CM_HIST_STATE,
    CM_HIST_AT, CM_HIST_SRC, CM_HIST_ACTOR};
    const redisReply *f[5], *e;
    size_t  i, n = 0;
    int     k;

    cm_buf_adds(b, json ? ",\"history\":[" : x->elements ?
		"history (oldest first):\n" : "history: none\n");
    for (i = 0; i < x->elements; i++) {
	if ((e = x->element[i])->type != REDIS_REPLY_ARRAY || e->elements != 2
	    || e->element[0]->type != REDIS_REPLY_STRING)
	    continue;
	if (!json) {
	    cm_buf_adds(b, "  ");
	    add_entry(b, e->element[1], 0, 1);
	    continue;
	}
	get_fields(e->element[1], names, f, 5);
	cm_buf_adds(b, n++ ? ",{" : "{");
	show_str(b, 1, "id", e->element[0]);
	for (k = 0; k < 5; k++)
	    if (k == 2)
		show_time(b, 1, f[2], f[2] ? f[2]->len : 0);
	    else
		show_str(b, 1, names[k], f[k]);
	cm_buf_addc(b, '}');
    }
    cm_buf_adds(b, json ? "]" : "");
}

/* ctl_show - the record, the suppression and the history */

int     ctl_show(ctl *c, int argc, char **argv)
{
    static const char *cmds[3] = {"HGETALL", "GET", "XRANGE"};
    const char *cargv[4] = {0, 0, "-", "+"};
    size_t  clens[4] = {0, 0, 1, 1};
    redisReply *r[3] = {0, 0, 0};
    cm_buf  out = CM_BUF_INIT;
    redisContext *rc;
    target  t;
    args    a;
    int     n, json, status;

    if ((status = parse_args(c, argc, argv, &show_def, &a)) != 0)
	return (status < 0 ? CTL_EX_OK : status);
    if ((status = target_init(c, a.pos[0], &t)) != 0)
	return (status);
    json = (a.seen & OPT_JSON) != 0;
    rc = ctl_redis(c);
    for (n = 0; n < 3 && status == 0; n++) {
	cargv[0] = cmds[n];
	clens[0] = strlen(cmds[n]);
	cargv[1] = t.key[n];
	clens[1] = t.klen[n];
	if ((r[n] = command(c, rc, n == 2 ? 4 : 2, cargv, clens)) == 0
	    || (n != 1 && r[n]->type != REDIS_REPLY_ARRAY)) {
	    if (r[n])
		ctl_error(c, "redis: %s %s: unexpected reply", cmds[n], t.key[n]);
	    status = CTL_EX_UNAVAILABLE;
	}
    }
    if (status == 0) {
	if (json) {
	    cm_json_open(&out);
	    cm_json_kv_str(&out, "address", t.norm);
	    cm_json_kv_str(&out, "id", t.id);
	} else {
	    cm_buf_printf(&out, "address: %s\n", t.norm);
	    if (strcmp(t.norm, t.id) != 0)
		cm_buf_printf(&out, "record id: %s\n", t.id);
	}
	show_consent(&out, json, r[0]);
	cm_buf_adds(&out, json ? "" : "suppressed: ");
	show_suppression(&out, json, r[1]);
	cm_buf_adds(&out, json ? "" : "\n");
	show_history(&out, json, r[2]);
	cm_buf_adds(&out, json ? "}\n" : "");
	fputs(cm_buf_str(&out), stdout);
    }
    for (n = 0; n < 3; n++)
	if (r[n])
	    cm_redis_reply_free(r[n]);
    cm_buf_free(&out);
    return (status);
}
