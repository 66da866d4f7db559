/*++
/* NAME
/*	metrics_http 3
/* SUMMARY
/*	the daemon's metrics and their /metrics listener
/* SYNOPSIS
/*	#include "metrics_http.h"
/*
/*	int	cm_dmetrics_check(cfg, err, errlen)
/*	const cm_config *cfg;
/*	char	*err;
/*	size_t	errlen;
/*
/*	cm_dmetrics *cm_dmetrics_open(cfg, err, errlen)
/*	const cm_config *cfg;
/*	char	*err;
/*	size_t	errlen;
/*
/*	int	cm_dmetrics_start(dm, err, errlen)
/*	cm_dmetrics *dm;
/*	char	*err;
/*	size_t	errlen;
/*
/*	void	cm_dmetrics_close(dm)
/*	cm_dmetrics *dm;
/* DESCRIPTION
/*	With "Metrics inet:PORT@HOST" the daemon serves its counters in
/*	the Prometheus text format at /metrics (DESIGN.md section 15).
/*	This module registers every metric the daemon has, with every
/*	label value it can take, and answers the scrapes; the counting
/*	itself is done where things happen, through the shorthands of
/*	metrics(3):
/* .IP consent_milter_decisions_total{decision,reason}
/*	One per audit record, counted when the record is made
/*	(engine.c): the trail and the counter agree. decision is allow,
/*	deny or tempfail; reason is that of the decision table (DESIGN.md
/*	section 5), of a limit, of a plugin that ships with the daemon,
/*	or "other" (a third-party plugin's reason).
/* .IP consent_milter_messages_total{action}
/*	One per marketing message at end of message, with the action
/*	of the syslog summary line (engine_eom.c): accept, reject,
/*	strip, tempfail, quarantine or tag. Messages refused whole at
/*	RCPT or MAIL never reach the end: their recipients are counted
/*	in decisions only.
/* .IP consent_milter_store_errors_total
/*	Consent lookups (sender, campaign and recipient reads) that
/*	failed: connection, timeout, error reply (redisbatch.c).
/* .IP consent_milter_store_seconds
/*	Histogram of lookup round trips, 100 us to 2.5 s (redisbatch.c).
/* .IP consent_milter_audit_errors_total
/*	Audit trail writes that failed (audit.c).
/* .IP consent_milter_plugin_vetoes_total{plugin}
/*	Messages in which a plugin's veto decided at least one
/*	recipient (row 9), by the name of the plugin in the
/*	configuration (engine_eom.c). A veto that decided nothing (a
/*	marketing-only veto on service mail) is not counted.
/* .IP "consent_milter_cache_entries, consent_milter_cache_enabled"
/*	The consent cache's state, set by the cache (tracking.c).
/* .IP consent_milter_cache_lookups_total{result}
/*	Lookups the cache answered (hit) or sent on to Redis (miss).
/* .IP "consent_milter_up, consent_milter_build_info{version}"
/*	1 while serving; the version.
/* .PP
/*	No label value comes from mail: no address, no campaign id
/*	(campaigns are many: consentctl report counts per campaign).
/*
/*	cm_dmetrics_check() checks the Metrics value as the start would
/*	read it, without binding (the running daemon may hold the port):
/*	for -n. cm_dmetrics_open() registers the metrics, makes them the
/*	process's registry and binds the listener: before privileges
/*	are dropped. cm_dmetrics_start() starts its thread, after the
/*	daemon detached, and sets consent_milter_up. cm_dmetrics_close()
/*	stops the listener, turns counting off and frees the registry:
/*	call it when no other thread can count any more (after the
/*	milter, the store and the plugins are gone); NULL is ignored.
/*
/*	The listener answers GET and HEAD of /metrics, 405 for other
/*	methods there, 404 elsewhere; it takes no request body, 16
/*	connections at once, 4 per client address.
/* DIAGNOSTICS
/*	cm_dmetrics_open() and cm_dmetrics_start() return NULL or -1
/*	with the reason in err (the caller names the key).
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Application-specific. */

#include "buf.h"
#include "config.h"
#include "httpserv.h"
#include "metrics.h"
#include "metrics_http.h"

struct cm_dmetrics {
    cm_metrics *reg;
    cm_http *http;
};

 /*
  * The (decision, reason) pairs the daemon can produce. Unlisted reasons
  * (a third-party plugin's veto) count as "other" of their decision.
  */
static const char *const allow_reasons[] = {
    "consent", "service", "unidentified-bulk", "store-error",
    "plugin-error", CM_METRICS_OTHER, 0,
};
static const char *const deny_reasons[] = {
    "withdrawn", "suppressed", "no-consent", "consent-expired",
    "consent-invalid", "bad-address", "unknown-campaign",
    "campaign-closed", "bad-campaign-id", "campaign-not-authorised",
    "unidentified-bulk", "header-too-large", "no-opt-out-address",
    "no-one-click", "campaign-unauthenticated", CM_METRICS_OTHER, 0,
};
static const char *const tempfail_reasons[] = {
    "store-error", "plugin-error", "campaign-paused", "unidentified-bulk",
    "too-many-recipients", "action-failed", CM_METRICS_OTHER, 0,
};
static const char *const actions[] = {
    "accept", "reject", "strip", "tempfail", "quarantine", "tag", 0,
};

 /*
  * Lookup round trips: a loopback Redis answers in about 100 us, one
  * across a network in about 1 ms; RedisTimeout defaults to 2 s.
  */
static const double store_bounds[] = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
    0.1, 0.25, 0.5, 1, 2.5,
};

/* add_pairs - one decision's reasons */

static void add_pairs(cm_metric *f, const char *decision,
		              const char *const *reasons)
{
    const char *values[2];

    values[0] = decision;
    for (; *reasons; reasons++) {
	values[1] = *reasons;
	(void) cm_metric_series(f, values);
    }
}

/* register_all - every metric of the daemon */

static cm_metrics *register_all(const cm_config *cfg, char *err,
				        size_t errlen)
{
    static const char *const dec_labels[] = {"decision", "reason", 0};
    static const char *const action_label[] = {"action", 0};
    static const char *const plugin_label[] = {"plugin", 0};
    static const char *const result_label[] = {"result", 0};
    static const char *const cache_results[] = {"hit", "miss", 0};
    const cm_plugin_conf *pc;
    const char *values[1];
    cm_metrics *m;
    cm_metric *f;
    size_t  i;

    if ((m = cm_metrics_create()) == 0) {
	(void) snprintf(err, errlen, "out of memory");
	return (0);
    }
    f = cm_metrics_counter(m, CM_METRIC_DECISIONS,
			   "Recipient decisions, one per audit record.",
			   dec_labels);
    add_pairs(f, "allow", allow_reasons);
    add_pairs(f, "deny", deny_reasons);
    add_pairs(f, "tempfail", tempfail_reasons);
    f = cm_metrics_counter(m, CM_METRIC_MESSAGES,
			   "Marketing messages at end of message, by the"
			   " action taken.", action_label);
    for (i = 0; actions[i]; i++) {
	values[0] = actions[i];
	(void) cm_metric_series(f, values);
    }
    (void) cm_metrics_counter(m, CM_METRIC_STORE_ERRORS,
			      "Consent store lookups that failed.", 0);
    (void) cm_metrics_histogram(m, CM_METRIC_STORE_SECONDS,
				"Consent store lookup round trips, in"
				" seconds.", store_bounds,
			     sizeof(store_bounds) / sizeof(store_bounds[0]));
    (void) cm_metrics_counter(m, CM_METRIC_AUDIT_ERRORS,
			      "Audit trail writes that failed.", 0);
    f = cm_metrics_counter(m, CM_METRIC_PLUGIN_VETOES,
			   "Messages a plugin's veto decided, by plugin name.", plugin_label);
    for (pc = cfg->plugins; pc != 0; pc = pc->next) {
	values[0] = pc->name;
	(void) cm_metric_series(f, values);
    }
    (void) cm_metrics_gauge(m, CM_METRIC_CACHE_ENTRIES,
			    "Entries in the consent cache.", 0);
    (void) cm_metrics_gauge(m, CM_METRIC_CACHE_ENABLED,
			    "1 while the consent cache serves answers.", 0);
    f = cm_metrics_counter(m, CM_METRIC_CACHE_LOOKUPS,
			   "Consent lookups the cache answered (hit) or"
			   " passed to Redis (miss).", result_label);
    for (i = 0; cache_results[i]; i++) {
	values[0] = cache_results[i];
	(void) cm_metric_series(f, values);
    }
    (void) cm_metrics_gauge(m, CM_METRIC_UP,
			    "1 while consent-milter serves.", 0);
    (void) cm_metrics_info(m, CM_METRIC_BUILD_INFO,
			   "The consent-milter version.", "version",
			   PACKAGE_VERSION);
    if (cm_metrics_error(m) != 0) {
	(void) snprintf(err, errlen, "%s", cm_metrics_error(m));
	cm_metrics_free(m);
	return (0);
    }
    return (m);
}

/* serve_metrics - the HTTP handler */

static void serve_metrics(void *ctx, const cm_http_request *req,
			          cm_http_reply *reply)
{
    cm_dmetrics *dm = ctx;

    if (strcmp(req->path, "/metrics") != 0) {
	reply->status = 404;
	cm_buf_adds(&reply->body, "not found: try /metrics\n");
	return;
    }
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
	reply->status = 405;
	(void) cm_http_add_header(reply, "Allow", "GET, HEAD");
	cm_buf_adds(&reply->body, "method not allowed: GET /metrics\n");
	return;
    }
    reply->status = 200;
    reply->content_type = "text/plain; version=0.0.4; charset=utf-8";
    cm_metrics_render(dm->reg, &reply->body);
}

/* cm_dmetrics_check - the Metrics value, without binding */

int     cm_dmetrics_check(const cm_config *cfg, char *err, size_t errlen)
{
    cm_metrics *m;

    if (cfg->metrics == 0)
	return (0);
    if (cm_http_check(cfg->metrics, err, errlen) != 0)
	return (-1);
    /* A plugin name that cannot be a label value fails here too. */
    if ((m = register_all(cfg, err, errlen)) == 0)
	return (-1);
    cm_metrics_free(m);
    return (0);
}

/* cm_dmetrics_open - register, bind; no thread yet */

cm_dmetrics *cm_dmetrics_open(const cm_config *cfg, char *err, size_t errlen)
{
    cm_http_limits lim = CM_HTTP_LIMITS_INIT;
    cm_dmetrics *dm;

    if ((dm = calloc(1, sizeof(*dm))) == 0) {
	(void) snprintf(err, errlen, "out of memory");
	return (0);
    }
    if ((dm->reg = register_all(cfg, err, errlen)) == 0) {
	free(dm);
	return (0);
    }
    /* Scrapers are few and ask for no body. */
    lim.max_body = 0;
    lim.max_conns = 16;
    lim.max_per_ip = 4;
    lim.timeout = 10;
    lim.threads = 1;
    if ((dm->http = cm_http_bind(cfg->metrics, &lim, serve_metrics, dm,
				 err, errlen)) == 0) {
	cm_metrics_free(dm->reg);
	free(dm);
	return (0);
    }
    /* Counting starts now: the registry is complete. */
    cm_metrics_set_default(dm->reg);
    return (dm);
}

/* cm_dmetrics_start - serve /metrics */

int     cm_dmetrics_start(cm_dmetrics *dm, char *err, size_t errlen)
{
    if (cm_http_start(dm->http, err, errlen) != 0)
	return (-1);
    cm_metrics_gauge_set(CM_METRIC_UP, 1);
    return (0);
}

/* cm_dmetrics_close - stop serving, stop counting */

void    cm_dmetrics_close(cm_dmetrics *dm)
{
    if (dm == 0)
	return;
    cm_http_free(dm->http);
    cm_metrics_set_default(0);
    cm_metrics_free(dm->reg);
    free(dm);
}
