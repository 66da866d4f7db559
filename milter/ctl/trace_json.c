/*++
/* NAME
/*	trace_json 3
/* SUMMARY
/*	consentctl trace --json
/* SYNOPSIS
/*	#include "trace.h"
/*
/*	void	trace_json(t, s)
/*	const trace *t;
/*	const summary *s;
/* DESCRIPTION
/*	trace_json() prints the trace as one JSON object on standard
/*	output: the address and record id, the coverage (see
/*	trace_cover.c), every event oldest first with its fields (audit
/*	times with milliseconds), and the summary: counts per outcome with
/*	first and last, the first opt-out, the refusals after it and the
/*	sends after it.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdio.h>
#include <string.h>

/* Application-specific. */

#include "buf.h"
#include "json.h"
#include "timeparse.h"
#include "trace.h"

#define fname trace_fname
#define out_name trace_out_name

/* json_time - a time member: RFC 3339, with milliseconds when given */

static void json_time(cm_buf *b, const char *key, long long ms, int millis)
{
    char    ts[40];

    cm_time_format(ms / 1000, ts, sizeof(ts));
    if (millis && strlen(ts) == 20)
	snprintf(ts + 19, sizeof(ts) - 19, ".%03dZ", (int) (ms % 1000));
    cm_json_kv_str(b, key, ts);
}

/* trace_json - the trace as one JSON object, for machines */

void    trace_json(const trace *t, const summary *s)
{
    cm_buf  b = CM_BUF_INIT;
    const event *e;
    size_t  i;
    int     k;

    cm_json_open(&b);
    cm_json_kv_str(&b, "address", t->norm);
    cm_json_kv_str(&b, "id", t->id);
    trace_cover_json(&b, &t->cover);
    cm_json_key(&b, "events");
    cm_buf_addc(&b, '[');
    for (i = 0; i < t->nev; i++) {
	e = t->ev + i;
	if (i > 0)
	    cm_buf_addc(&b, ',');
	cm_json_open(&b);
	json_time(&b, "time", e->ms, e->kind != EV_CONSENT);
	cm_json_kv_str(&b, "type", e->kind == EV_CONSENT ? "consent"
		       : e->kind == EV_OPTOUT ? "opt-out" : "message");
	if (e->kind == EV_MESSAGE)
	    cm_json_kv_str(&b, "outcome", out_name[e->outcome]);
	for (k = 0; k < NFIELD; k++)
	    if (e->f[k] != 0)
		cm_json_kv_str(&b, fname[k], e->f[k]);
	if (e->kind == EV_CONSENT && e->current)
	    cm_json_kv_raw(&b, "current_record", "true");
	else if (e->kind == EV_CONSENT)
	    json_time(&b, "recorded", e->recorded_ms, 1);
	else if (e->kind == EV_OPTOUT)
	    /* void */ ;
	else
	    cm_json_kv_raw(&b, "sent_after_opt_out", e->optout ? "true" : "false");
	cm_json_close(&b);
    }
    cm_buf_addc(&b, ']');
    cm_json_key(&b, "summary");
    cm_json_open(&b);
    for (k = 0; k < NOUT; k++) {
	cm_json_key(&b, out_name[k]);
	cm_json_open(&b);
	cm_json_kv_int(&b, "count", s->count[k]);
	if (s->count[k] > 0) {
	    json_time(&b, "first", s->first[k], 1);
	    json_time(&b, "last", s->last[k], 1);
	}
	cm_json_close(&b);
    }
    if (s->optout) {
	e = t->ev + s->optout - 1;
	cm_json_key(&b, "opt_out");
	cm_json_open(&b);
	json_time(&b, "time", e->ms, 0);
	cm_json_kv_str(&b, "purpose", e->f[F_PURPOSE]);
	cm_json_kv_str(&b, "state", e->f[F_STATE]);
	cm_json_kv_str(&b, "src", e->f[F_SRC]);
	cm_json_close(&b);
    } else {
	cm_json_kv_raw(&b, "opt_out", "null");
    }
    cm_json_kv_int(&b, "refused_after_opt_out", s->stopped);
    cm_json_kv_int(&b, "sent_after_opt_out", s->warnings);
    cm_json_close(&b);
    cm_json_close(&b);
    printf("%s\n", cm_buf_str(&b));
    cm_buf_free(&b);
}
