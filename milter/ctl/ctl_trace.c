/*++
/* NAME
/*	ctl_trace 3
/* SUMMARY
/*	consentctl: the complaint view
/* SYNOPSIS
/*	#include "ctl.h"
/*
/*	int	ctl_trace(c, argc, argv)
/*	ctl	*c;
/*	int	argc;
/*	char	**argv;
/* DESCRIPTION
/*	ctl_trace() answers a complaint about one address, for whoever
/*	must answer it months later: one timeline, oldest first, of the
/*	consent events in Redis (Phistory:<id>, plus the current consent
/*	record and suppression when history lacks them) and of every
/*	audit record for the address, then the three questions that a
/*	regulator asks: on what consent was the person emailed, what was
/*	sent or refused and when, and when the opt-out arrived and what
/*	it stopped. A marketing message delivered while the person was
/*	opted out (withdrawn for that purpose, or suppressed) is flagged
/*	"WARNING: sent after opt-out" in both places.
/*
/*	Audit records match on "rcpt" (the normalised address) or on
/*	"rcpt_id" (the record id), so plain and pseudonymised logs both
/*	work. The logs are the --audit-log files (each option takes one
/*	or more files, up to the next option; "-" is standard input), or
/*	else AuditLog with its rotated siblings AuditLog.N[.gz] and
/*	AuditLog-DATE[.gz]. Compressed and plain files are read alike
/*	(zlib). A line that cannot mention the address is not parsed; a
/*	malformed line that might is skipped with a warning naming the
/*	file and line.
/*
/*	The answer starts with the coverage statement (trace_cover.c):
/*	the files read with their time spans, those unreadable or
/*	missing, the gaps. Each message shows its purpose, Message-ID,
/*	Subject, queue id and sender, or, refused at RCPT, what identity
/*	it has. The relay's own opt-out lines ("event":"opt-out") are
/*	events of their own, never messages; history entries written by
/*	an opt-out channel (actor one-click, mailto, feedback) are said
/*	in words. --json (trace_json.c) and --html FILE (trace_html.c,
/*	the evidence pack) give the same answer.
/* DIAGNOSTICS
/*	Exit status 0; 64 usage; 65 a bad address, or an audit log that
/*	is unreadable or missing (the answer is still given, marked
/*	INCOMPLETE: never "sent 0" from logs that could not be read); 69
/*	when Redis cannot be read; 73 when the HTML cannot be written.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */

#include <hiredis/hiredis.h>

/* Application-specific. */

#include "auditlog.h"
#include "campaign.h"
#include "ctl.h"
#include "escape.h"
#include "json.h"
#include "jsonread.h"
#include "redisconn.h"
#include "redisreply.h"
#include "schema.h"
#include "timeparse.h"
#include "trace.h"

#define USAGE_TRACE	"trace ADDR [--audit-log FILE...] [--json] [--html FILE]"
#define LIST_MAX	10		/* stopped sends listed by name */

const char *const trace_fname[NFIELD] = {
    "purpose", "state", "src", "actor", "campaign", "basis", "qid",
    "msgid", "subject", "sender", "auth", "decision", "reason", "action",
    "mode", "consent_at", "consent_src", "suppressed_at", "channel",
    "client", "result", "where",
};
const char *const trace_out_name[NOUT] = {"sent", "refused", "deferred",
"held"};

#define fname trace_fname
#define out_name trace_out_name

/* add_text - untrusted C string for the terminal (NULL: empty) */

static void add_text(cm_buf *b, const char *s)
{
    s = s ? s : "";
    cm_buf_add_text(b, s, strlen(s));
}

/* new_event - append an empty event */

static event *new_event(trace *t, int kind, long long ms)
{
    event  *e;
    void   *grown;

    if (t->nev == t->aev) {
	t->aev = t->aev ? 2 * t->aev : 64;
	if ((grown = realloc(t->ev, t->aev * sizeof(*t->ev))) == 0) {
	    ctl_error(t->c, "out of memory");
	    exit(CTL_EX_SOFTWARE);
	}
	t->ev = grown;
    }
    e = t->ev + t->nev;
    memset(e, 0, sizeof(*e));
    e->kind = kind;
    e->ms = ms;
    e->seq = t->nev++;
    return (e);
}

/* set - one field, copied; len < 0: a C string */

static void set(event *e, int field, const char *s, long len)
{
    free(e->f[field]);
    e->f[field] = s ? strndup(s, len < 0 ? strlen(s) : (size_t) len) : 0;
}
/* trace_record - an audit line: keep it if it is about our address */

static void trace_record(void *arg, const cm_jobject *obj, const char *where)
{
    trace  *t = arg;
    const cm_jmember *m;
    const char *action, *mode;
    long long ms;
    event  *e;
    int     k;

    if (!(((m = cm_jobject_get(obj, "rcpt")) != 0 && m->type == CM_JTYPE_STRING
	   && m->val_len == strlen(t->norm) && strcmp(m->val, t->norm) == 0)
	  || ((m = cm_jobject_get(obj, "rcpt_id")) != 0
	      && m->type == CM_JTYPE_STRING && m->val_len == strlen(t->id)
	      && strcmp(m->val, t->id) == 0)))
	return;
    if (ctl_audit_time(cm_jobject_string(obj, "time"), &ms) < 0) {
	ctl_error(t->c, "warning: %s: audit record without a valid time "
		  "skipped", where);
	return;
    }
    e = new_event(t, cm_jobject_get(obj, "event") ? EV_OPTOUT : EV_MESSAGE,
		  ms);
    for (k = F_CAMPAIGN; k < F_WHERE; k++)
	set(e, k, cm_jobject_string(obj, fname[k]), -1);
    set(e, F_PURPOSE, cm_jobject_string(obj, "purpose"), -1);
    set(e, F_WHERE, where, -1);
    if (e->kind == EV_OPTOUT) {
	set(e, F_STATE, cm_jobject_string(obj, "event"), -1);
	return;
    }

    /*
     * What reached the person: dry-run acts on nothing; "accept" and
     * "tag" deliver, even a denied recipient (DenyAction tag).
     */
    action = e->f[F_ACTION] ? e->f[F_ACTION] : "";
    mode = e->f[F_MODE] ? e->f[F_MODE] : "";
    if (strcmp(mode, "dry-run") == 0 || strcmp(action, "accept") == 0
	|| strcmp(action, "tag") == 0)
	e->outcome = OUT_SENT;
    else if (strcmp(action, "tempfail") == 0)
	e->outcome = OUT_DEFERRED;
    else if (strcmp(action, "quarantine") == 0)
	e->outcome = OUT_HELD;
    else
	e->outcome = OUT_REFUSED;
}

/* command - one Redis command on one of our keys; -1: unavailable */

static int command(trace *t, const char *cmd, const char *part,
		           redisReply **reply)
{
    const char *prefix = t->c->cfg.key_prefix ? t->c->cfg.key_prefix
	: CM_KEY_PREFIX_DEFAULT;
    const char *argv[4] = {cmd, 0, "-", "+"};
    size_t  lens[4] = {strlen(cmd), 0, 1, 1};
    cm_buf  key = CM_BUF_INIT;
    char    show[CM_REDIS_SHOWSZ], why[CM_REDIS_SHOWSZ];
    redisReply *r;

    cm_buf_printf(&key, "%s%s%s", prefix, part, t->id);
    argv[1] = cm_buf_str(&key);
    lens[1] = key.len;
    r = redisCommandArgv(ctl_redis(t->c), strcmp(cmd, "XRANGE") ? 2 : 4,
			 argv, lens);
    if (r == 0) {
	ctl_error(t->c, "consent store unavailable: %s",
		  ctl_redis(t->c)->errstr);
    } else if (r->type == REDIS_REPLY_ERROR) {
	/* A damaged key (WRONGTYPE) spoils that part, not the trace. */
	ctl_error(t->c, "warning: %s: %s",
		  cm_redis_escape(show, sizeof(show), key.data, key.len),
		  cm_redis_reply_show(why, sizeof(why), r));
	cm_redis_reply_free(r);
	r = 0;
    }
    cm_buf_free(&key);
    *reply = r;
    return (r == 0 && ctl_redis(t->c)->err ? -1 : 0);
}

/* in_history - is this state already a history entry */

static int in_history(const trace *t, const char *purpose, const char *state,
		              long long ms)
{
    size_t  i;

    for (i = 0; i < t->nev; i++)
	if (t->ev[i].kind == EV_CONSENT && !t->ev[i].current
	    && t->ev[i].ms == ms && strcmp(t->ev[i].f[F_STATE], state) == 0
	    && strcmp(t->ev[i].f[F_PURPOSE], purpose) == 0)
	    return (1);
    return (0);
}

/* current_event - a state of the current record that history lacks */

static void current_event(trace *t, const char *purpose, const char *state,
			          const char *at, const char *src)
{
    long long sec = 0;
    event  *e;

    if (at == 0 || cm_time_parse(at, &sec) < 0)
	sec = 0;
    if (in_history(t, purpose, state, sec * 1000))
	return;
    e = new_event(t, EV_CONSENT, sec * 1000);
    e->current = 1;
    set(e, F_PURPOSE, purpose, -1);
    set(e, F_STATE, state, -1);
    set(e, F_SRC, src, -1);
}

/* gather_consent - history, current record and suppression from Redis */

static int gather_consent(trace *t)
{
    redisReply *r, *h;
    const char *at, *sp;
    char    name[CM_PURPOSE_MAX + 8];
    long long sec;
    size_t  i;
    event  *e;
    int     k;

    if (command(t, "XRANGE", CM_KEY_HISTORY, &r) < 0)
	return (CTL_EX_UNAVAILABLE);
    for (i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
	if (r->element[i]->type != REDIS_REPLY_ARRAY
	    || r->element[i]->elements != 2
	    || r->element[i]->element[0]->type != REDIS_REPLY_STRING)
	    continue;
	h = r->element[i]->element[1];
	e = new_event(t, EV_CONSENT, 0);
	e->recorded_ms = atoll(r->element[i]->element[0]->str);
	for (k = F_PURPOSE; k <= F_ACTOR; k++)
	    set(e, k, ctl_field_str(h, fname[k]), -1);
	at = ctl_field_str(h, CM_HIST_AT);
	e->ms = at && cm_time_parse(at, &sec) == 0 ? sec * 1000 : e->recorded_ms;
	if (e->f[F_PURPOSE] == 0)
	    set(e, F_PURPOSE, "*", -1);
	if (e->f[F_STATE] == 0)
	    set(e, F_STATE, "unknown", -1);
    }
    if (r)
	cm_redis_reply_free(r);

    /* Records loaded without history (or before it) still count. */
    if (command(t, "HGETALL", CM_KEY_CONSENT, &r) < 0)
	return (CTL_EX_UNAVAILABLE);
    for (i = 0; r && r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements;
	 i += 2) {
	h = r->element[i];
	if (h->type != REDIS_REPLY_STRING
	    || !cm_consent_field_is_purpose(h->str, h->len)
	    || h->len > CM_PURPOSE_MAX || r->element[i + 1]->type
	    != REDIS_REPLY_STRING)
	    continue;
	snprintf(name, sizeof(name), "%s" CM_SUFFIX_AT, h->str);
	at = ctl_field_str(r, name);
	snprintf(name, sizeof(name), "%s" CM_SUFFIX_SRC, h->str);
	current_event(t, h->str, r->element[i + 1]->str, at,
		      ctl_field_str(r, name));
    }
    if (r)
	cm_redis_reply_free(r);
    if (command(t, "GET", CM_KEY_SUPPRESS, &r) < 0)
	return (CTL_EX_UNAVAILABLE);
    if (r && r->type == REDIS_REPLY_STRING) {
	sp = strchr(r->str, ' ');
	snprintf(name, sizeof(name), "%.*s", sp ? (int) (sp - r->str) : 20,
		 r->str);
	current_event(t, CM_HIST_ANY, CM_STATE_SUPPRESSED, name,
		      sp ? sp + 1 : 0);
    }
    if (r)
	cm_redis_reply_free(r);
    return (0);
}

/* cmp_event - qsort: by time; consent before mail at the same time */

static int cmp_event(const void *a, const void *b)
{
    const event *x = a, *y = b;

    if (x->ms != y->ms)
	return (x->ms < y->ms ? -1 : 1);
    if (x->kind != y->kind)
	return (x->kind < y->kind ? -1 : 1);
    return (x->seq < y->seq ? -1 : x->seq > y->seq);
}

/* is_state - a consent event of this state */

static int is_state(const event *e, const char *state)
{
    return (e->kind == EV_CONSENT && strcmp(e->f[F_STATE], state) == 0);
}

/* opted_out - the opt-out in force before event i for a purpose: index+1 */

static size_t opted_out(const trace *t, size_t i, const char *purpose)
{
    int     supp_known = 0, purpose_known = (purpose == 0);
    const event *e;

    /* The latest word on the suppression and on the purpose counts. */
    while (i-- > 0 && !(supp_known && purpose_known)) {
	e = t->ev + i;
	if (!supp_known && (is_state(e, CM_STATE_SUPPRESSED)
			    || is_state(e, CM_STATE_UNSUPPRESSED))) {
	    supp_known = 1;
	    if (is_state(e, CM_STATE_SUPPRESSED))
		return (i + 1);
	}
	if (!purpose_known && strcmp(e->f[F_PURPOSE] ? e->f[F_PURPOSE] : "",
				     purpose) == 0
	    && (is_state(e, CM_STATE_GRANTED)
		|| is_state(e, CM_STATE_WITHDRAWN))) {
	    purpose_known = 1;
	    if (is_state(e, CM_STATE_WITHDRAWN))
		return (i + 1);
	}
    }
    return (0);
}

/* src_token - the value of "key=" in a history src, up to the next key */

static void src_token(cm_buf *b, const char *src, const char *key,
		              const char *next)
{
    const char *p, *end;
    size_t  klen = strlen(key);

    for (p = src; (p = strstr(p, key)) != 0; p += klen)
	if (p == src || p[-1] == ' ')
	    break;
    if (p == 0) {
	cm_buf_adds(b, "-");
	return;
    }
    p += klen;
    if (next == 0 || (end = strstr(p, next)) == 0)
	end = next ? p + strcspn(p, " ") : p + strlen(p);
    add_text(b, "");
    cm_buf_add_text(b, p, end - p);
}

/* trace_channel_text - an opt-out the relay took itself, in words */

const char *trace_channel_text(cm_buf *b, const event *e)
{
    const char *actor = e->f[F_ACTOR], *src = e->f[F_SRC] ? e->f[F_SRC] : "";

    if (!TRACE_IS_CHANNEL(actor))
	return (0);
    cm_buf_reset(b);
    cm_buf_adds(b, strcmp(actor, "one-click") == 0 ? "opted out by one-click "
		"link" : strcmp(actor, "mailto") == 0 ? "opted out by mail to "
		"the unsubscribe address" : "opted out by a complaint "
		"(feedback report)");
    cm_buf_adds(b, " in campaign ");
    src_token(b, src, "campaign=", " message=");
    cm_buf_adds(b, ", message ");
    src_token(b, src, "message=", " client=");
    cm_buf_adds(b, ", client ");
    src_token(b, src, "client=", 0);
    return (cm_buf_str(b));
}

/* print_event - one line of the timeline */

static void print_event(const trace *t, const event *e)
{
    static const char *verb[NOUT] = {"SENT", "REFUSED", "DEFERRED", "HELD"};
    char    ts[40], ts2[40];
    const char *st = e->f[F_STATE];
    cm_buf  b = CM_BUF_INIT, ch = CM_BUF_INIT;

#define TXT(s)	add_text(&b, (s) ? (s) : "none")

    cm_buf_printf(&b, "%s  ", ctl_audit_when(ts, sizeof(ts), e->ms));
    if (e->kind == EV_CONSENT) {
	if (strcmp(st, CM_STATE_GRANTED) == 0
	    || strcmp(st, CM_STATE_WITHDRAWN) == 0) {
	    cm_buf_printf(&b, "consent %s for ", st);
	    TXT(e->f[F_PURPOSE]);
	    cm_buf_adds(&b, " (source: ");
	} else if (strcmp(st, CM_STATE_SUPPRESSED) == 0) {
	    cm_buf_adds(&b, "suppressed: no marketing of any kind (reason: ");
	} else if (strcmp(st, CM_STATE_UNSUPPRESSED) == 0) {
	    cm_buf_adds(&b, "suppression lifted (source: ");
	} else {
	    cm_buf_adds(&b, "consent record ");
	    TXT(st);
	    cm_buf_adds(&b, " (");
	}
	TXT(e->f[F_SRC] && *e->f[F_SRC] ? e->f[F_SRC] : 0);
	cm_buf_adds(&b, ")");
	if (e->f[F_ACTOR] && *e->f[F_ACTOR]) {
	    cm_buf_adds(&b, " by ");
	    TXT(e->f[F_ACTOR]);
	}
	if (e->current)
	    cm_buf_adds(&b, " [current record; no history entry]");
	else if (e->recorded_ms - e->ms > 60000 || e->ms - e->recorded_ms > 60000)
	    cm_buf_printf(&b, " [recorded %s]",
			  ctl_audit_when(ts, sizeof(ts), e->recorded_ms));
	if (trace_channel_text(&ch, e))
	    cm_buf_printf(&b, "\n    %s", cm_buf_str(&ch));
    } else if (e->kind == EV_OPTOUT) {
	cm_buf_adds(&b, "OPT-OUT received by ");
	TXT(e->f[F_CHANNEL]);
	cm_buf_adds(&b, " for ");
	TXT(e->f[F_PURPOSE]);
	cm_buf_adds(&b, " (campaign ");
	TXT(e->f[F_CAMPAIGN]);
	cm_buf_adds(&b, ", message ");
	TXT(e->f[F_MSGID]);
	cm_buf_adds(&b, ", client ");
	TXT(e->f[F_CLIENT]);
	cm_buf_adds(&b, "): ");
	TXT(e->f[F_RESULT]);
    } else {
	cm_buf_printf(&b, "%s ", verb[e->outcome]);
	add_text(&b, e->f[F_CAMPAIGN] ? e->f[F_CAMPAIGN] : "(no campaign)");
	if (e->outcome == OUT_SENT) {
	    cm_buf_adds(&b, " (queue id ");
	    TXT(e->f[F_QID]);
	    cm_buf_adds(&b, ", Message-ID ");
	    TXT(e->f[F_MSGID]);
	    cm_buf_adds(&b, "): ");
	    TXT(e->f[F_DECISION]);
	    cm_buf_adds(&b, ", ");
	    TXT(e->f[F_REASON]);
	    if (e->f[F_ACTION] && strcmp(e->f[F_ACTION], "accept") != 0) {
		cm_buf_adds(&b, " (action ");
		TXT(e->f[F_ACTION]);
		cm_buf_adds(&b, ")");
	    }
	    if (e->f[F_MODE] && strcmp(e->f[F_MODE], "dry-run") == 0)
		cm_buf_adds(&b, " [Mode dry-run: delivered whatever the "
			    "decision]");
	} else {
	    cm_buf_adds(&b, ": ");
	    TXT(e->f[F_REASON]);
	    cm_buf_adds(&b, " (action ");
	    TXT(e->f[F_ACTION]);
	    cm_buf_adds(&b, ")");
	}
	/* Each message with what identity it has. */
	cm_buf_adds(&b, "\n    purpose ");
	TXT(e->f[F_PURPOSE]);
	if (e->f[F_QID] == 0 && e->f[F_MSGID] == 0) {
	    cm_buf_printf(&b, "; %s at RCPT, before the message: no queue "
			  "id, Message-ID or Subject; sender ",
			  e->outcome == OUT_DEFERRED ? "deferred" : "refused");
	    TXT(e->f[F_SENDER]);
	    if (e->f[F_AUTH]) {
		cm_buf_adds(&b, ", login ");
		TXT(e->f[F_AUTH]);
	    }
	} else {
	    cm_buf_adds(&b, "; Message-ID ");
	    TXT(e->f[F_MSGID]);
	    if (e->f[F_SUBJECT]) {
		cm_buf_adds(&b, "; Subject \"");
		TXT(e->f[F_SUBJECT]);
		cm_buf_adds(&b, "\"");
	    } else {
		cm_buf_adds(&b, "; Subject none");
	    }
	    cm_buf_adds(&b, "; queue id ");
	    TXT(e->f[F_QID]);
	    cm_buf_adds(&b, "; sender ");
	    TXT(e->f[F_SENDER]);
	}
	if (e->optout) {
	    const event *o = t->ev + e->optout - 1;

	    cm_buf_printf(&b, "\n    WARNING: sent after opt-out (%s at %s",
			  o->f[F_STATE],
			  ctl_audit_when(ts2, sizeof(ts2), o->ms));
	    if (o->recorded_ms > e->ms)
		cm_buf_printf(&b, ", recorded only at %s",
			      ctl_audit_when(ts, sizeof(ts), o->recorded_ms));
	    cm_buf_adds(&b, ")");
	}
    }
    printf("%s\n", cm_buf_str(&b));
    cm_buf_free(&b);
    cm_buf_free(&ch);
#undef TXT
}

/* analyse - outcomes, opt-out, what it stopped, what slipped through */

static void analyse(trace *t, summary *s)
{
    event  *e;
    size_t  i;

    memset(s, 0, sizeof(*s));
    for (i = 0; i < t->nev; i++) {
	e = t->ev + i;
	if (e->kind == EV_CONSENT) {
	    if (s->optout == 0 && (is_state(e, CM_STATE_WITHDRAWN)
				   || is_state(e, CM_STATE_SUPPRESSED)))
		s->optout = i + 1;
	    continue;
	}
	if (e->kind != EV_MESSAGE)
	    continue;
	if (s->count[e->outcome]++ == 0)
	    s->first[e->outcome] = e->ms;
	s->last[e->outcome] = e->ms;
	if (e->outcome != OUT_SENT && s->optout)
	    s->stopped++;
	/* Service mail is not marketing: it may follow an opt-out. */
	if (e->outcome == OUT_SENT && !(e->f[F_BASIS]
				       && strcmp(e->f[F_BASIS], "service") == 0)
	    && (e->optout = opted_out(t, i, e->f[F_PURPOSE])) != 0)
	    s->warnings++;
    }
}

/* print_summary - the three questions */

static void print_summary(const trace *t, const summary *s)
{
    char    ts[40], ts2[40];
    const event *e, *o;
    cm_buf  b = CM_BUF_INIT;
    size_t  i, j;
    long    n;
    int     k;

    printf("\n1. On what consent was this person emailed?\n");
    for (i = 0, n = 0; i < t->nev; i++) {
	e = t->ev + i;
	if (e->kind != EV_MESSAGE || e->outcome != OUT_SENT)
	    continue;
	/* One line per campaign, reason and evidence; count the repeats. */
	for (j = 0; j < i; j++) {
	    o = t->ev + j;
	    if (o->kind == EV_MESSAGE && o->outcome == OUT_SENT
		&& !strcmp(o->f[F_CAMPAIGN] ? o->f[F_CAMPAIGN] : "",
			   e->f[F_CAMPAIGN] ? e->f[F_CAMPAIGN] : "")
		&& !strcmp(o->f[F_REASON] ? o->f[F_REASON] : "",
			   e->f[F_REASON] ? e->f[F_REASON] : "")
		&& !strcmp(o->f[F_CONSENT_AT] ? o->f[F_CONSENT_AT] : "",
			   e->f[F_CONSENT_AT] ? e->f[F_CONSENT_AT] : ""))
		break;
	}
	if (j < i)
	    continue;
	n++;
	cm_buf_reset(&b);
	add_text(&b, e->f[F_CAMPAIGN] ? e->f[F_CAMPAIGN] : "(no campaign)");
	cm_buf_adds(&b, " (purpose ");
	add_text(&b, e->f[F_PURPOSE] ? e->f[F_PURPOSE] : "none");
	cm_buf_adds(&b, "): ");
	if (e->f[F_REASON] && strcmp(e->f[F_REASON], "service") == 0)
	    cm_buf_adds(&b, "service mail, no marketing consent needed");
	else if (e->f[F_REASON] && strcmp(e->f[F_REASON], "consent") == 0
		 && e->f[F_DECISION] && !strcmp(e->f[F_DECISION], "allow")) {
	    cm_buf_adds(&b, "consent given ");
	    add_text(&b, e->f[F_CONSENT_AT] ? e->f[F_CONSENT_AT] : "(time unknown)");
	    cm_buf_adds(&b, ", source: ");
	    add_text(&b, e->f[F_CONSENT_SRC] ? e->f[F_CONSENT_SRC] : "none recorded");
	} else {
	    cm_buf_adds(&b, "NO CONSENT: decision ");
	    add_text(&b, e->f[F_DECISION] ? e->f[F_DECISION] : "none");
	    cm_buf_adds(&b, " (");
	    add_text(&b, e->f[F_REASON] ? e->f[F_REASON] : "none");
	    cm_buf_adds(&b, "), delivered by mode or action");
	}
	printf("   %s\n", cm_buf_str(&b));
    }
    if (n == 0)
	printf("   no marketing message was delivered to this address\n");

    printf("2. What was sent or refused, and when?\n");
    if (t->cover.bad || t->cover.none)
	printf("   INCOMPLETE: %s; the counts below are from the files that "
	       "were read, the true numbers may be higher\n", t->cover.none ?
	       "no audit log was read" : "audit log files are unreadable or "
	       "missing (see Coverage)");
    for (k = 0; k < NOUT; k++) {
	if (s->count[k] == 0 && k >= OUT_DEFERRED)
	    continue;
	printf("   %-8s %ld", out_name[k], s->count[k]);
	if (s->count[k] > 0)
	    printf(" (first %s, last %s)",
		   ctl_audit_when(ts, sizeof(ts), s->first[k]),
		   ctl_audit_when(ts2, sizeof(ts2), s->last[k]));
	printf("\n");
    }

    printf("3. When did the opt-out arrive, and what did it stop?\n");
    if (s->optout == 0) {
	printf("   no withdrawal or suppression on record\n");
    } else {
	o = t->ev + s->optout - 1;
	cm_buf_reset(&b);
	if (strcmp(o->f[F_PURPOSE], "*") == 0)
	    cm_buf_adds(&b, "all marketing");
	else
	    add_text(&b, o->f[F_PURPOSE]);
	cm_buf_printf(&b, " %s at %s, source: ", o->f[F_STATE],
		      ctl_audit_when(ts, sizeof(ts), o->ms));
	add_text(&b, o->f[F_SRC] && *o->f[F_SRC] ? o->f[F_SRC] : "none");
	printf("   first opt-out: %s\n", cm_buf_str(&b));
	printf("   refused after it: %ld\n", s->stopped);
	for (i = s->optout, n = 0; i < t->nev; i++) {
	    e = t->ev + i;
	    if (e->kind != EV_MESSAGE || e->outcome == OUT_SENT)
		continue;
	    if (n++ == LIST_MAX) {
		printf("     ...\n");
		break;
	    }
	    cm_buf_reset(&b);
	    add_text(&b, e->f[F_CAMPAIGN] ? e->f[F_CAMPAIGN] : "(no campaign)");
	    cm_buf_adds(&b, ": ");
	    add_text(&b, e->f[F_REASON] ? e->f[F_REASON] : "none");
	    printf("     %s  %s\n", ctl_audit_when(ts, sizeof(ts), e->ms),
		   cm_buf_str(&b));
	}
    }
    if (s->warnings > 0)
	printf("   WARNING: %ld marketing message(s) sent after opt-out\n",
	       s->warnings);
    else
	printf("   sent after opt-out: none\n");
    cm_buf_free(&b);
}

/* ctl_trace - the complaint view for one address */

int     ctl_trace(ctl *c, int argc, char **argv)
{
    trace   t;
    summary s;
    const char *addr;
    const char *needles[3] = {0, 0, 0};
    const char *html = 0;
    char  **files = 0;
    int     nfiles, json = 0;
    int     status;
    size_t  i;
    int     k;
    cm_buf  cov = CM_BUF_INIT;

    if (ctl_want_help(argc, argv)) {
	printf("usage: consentctl %s\n", USAGE_TRACE);
	return (CTL_EX_OK);
    }
    memset(&t, 0, sizeof(t));
    t.c = c;
    if ((status = ctl_audit_args(c, argc, argv, USAGE_TRACE, &addr, &files,
				 &nfiles, &json, &html)) != 0
	|| (status = ctl_record_id(c, addr, t.norm, sizeof(t.norm), t.id,
				   sizeof(t.id))) != 0
	|| (status = gather_consent(&t)) != 0) {
	free(files);
	return (status);
    }

    /*
     * Parse only lines that can be about this person. The prefilter is
     * sound only for text that JSON writes as it is: printable ASCII
     * without quote, backslash or slash. Otherwise parse every line.
     */
    needles[0] = t.norm;
    needles[1] = strcmp(t.id, t.norm) ? t.id : 0;	/* each once */
    for (i = 0; t.norm[i]; i++)
	if (t.norm[i] < 0x20 || t.norm[i] >= 0x7f || strchr("\"\\/", t.norm[i]))
	    needles[0] = 0;
    ctl_audit_read(c, files, nfiles, needles[0] ? needles : 0,
		   CTL_AUDIT_EVENTS, trace_record, &t, &t.cover);

    qsort(t.ev, t.nev, sizeof(*t.ev), cmp_event);
    analyse(&t, &s);
    if (html) {
	status = trace_html(&t, &s, html);
    } else if (json) {
	trace_json(&t, &s);
    } else {
	/* What the answer rests on comes first. */
	trace_cover_text(&cov, &t.cover);
	printf("%s\n", cm_buf_str(&cov));
	printf("trace %s", t.norm);
	if (strcmp(t.norm, t.id) != 0)
	    printf(" (record id %s)", t.id);
	printf(": %zu event(s)\n\n", t.nev);
	for (i = 0; i < t.nev; i++)
	    print_event(&t, t.ev + i);
	print_summary(&t, &s);
    }

    /*
     * An answer from part of the trail is not the answer: say so in the
     * exit status too (65, the input data is incomplete).
     */
    if (status == 0 && (t.cover.bad || t.cover.none)) {
	ctl_error(c, "warning: audit trail incomplete: %d file(s) unreadable "
		  "or missing", t.cover.bad);
	status = CTL_EX_DATAERR;
    }
    for (i = 0; i < t.nev; i++)
	for (k = 0; k < NFIELD; k++)
	    free(t.ev[i].f[k]);
    free(t.ev);
    free(files);
    cm_buf_free(&cov);
    ctl_audit_cover_free(&t.cover);
    return (status);
}
