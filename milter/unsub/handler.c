/*++
/* NAME
/*	handler 3
/* SUMMARY
/*	consent-unsubscribe: one HTTP request
/* SYNOPSIS
/*	#include "unsub.h"
/*
/*	int	cm_unsub_metrics_init(svc)
/*	cm_unsub *svc;
/*
/*	void	cm_unsub_handle(ctx, req, reply)
/*	void	*ctx;
/*	const cm_http_request *req;
/*	cm_http_reply *reply;
/*
/*	int	cm_unsub_client(req, out, outsz)
/*	const cm_http_request *req;
/*	char	*out;
/*	size_t	outsz;
/* DESCRIPTION
/*	cm_unsub_handle() answers one request (the httpserv(3) handler;
/*	ctx is the cm_unsub). What it answers:
/* .IP "GET or HEAD /u/TOKEN"
/*	200, the page of page.c: it only asks. Link scanners and mail
/*	previews fetch URLs with GET; a GET changes nothing. The page
/*	names the purpose when the token is ours and the store answers,
/*	else it is the same page without it (see consent-unsubscribe(8)
/*	on why that is no oracle).
/* .IP "POST /u/TOKEN"
/*	with the RFC 8058 body (oneclick.c): withdraw.c withdraws the
/*	purpose. 200 and CM_UNSUB_DONE_TEXT for a withdrawal, a replay
/*	and a token that is not ours alike: status, body and headers do
/*	not depend on the token, and the answer leaves no sooner than
/*	floor_ms after the request was read, so that the store's work
/*	for a real token does not show in the timing (a bad token makes
/*	the same round trip to Redis, withdraw.c). Store down: 503 with
/*	Retry-After, for any token. Another body: 400.
/* .IP "GET or HEAD /metrics"
/*	the service's counters (Prometheus text): requests by method and
/*	result, opt-outs by result. No label carries a token or address.
/*	Not through a proxy: a request with X-Forwarded-For or Forwarded
/*	gets the 404 of an unknown path.
/* .IP "anything else"
/*	404 (another path) or 405 with Allow (another method), with a
/*	fixed one-line body. A path longer than CM_UNSUB_PATH_MAX: 414.
/*	Never a redirect.
/* .PP
/*	Every request but /metrics first counts against the client's
/*	rate limit (ratelimit.c): over it, 429 with Retry-After.
/*
/*	cm_unsub_client() writes the client's address as text: the
/*	peer's, or, when the peer is a loopback address (a TLS proxy on
/*	the same host, contrib/nginx), the last address in its
/*	X-Forwarded-For header, the one the proxy added itself. A peer
/*	elsewhere is never believed: anyone could send the header and
/*	walk around the rate limit. Returns 1 when the address came
/*	from X-Forwarded-For.
/*
/*	cm_unsub_metrics_init() registers the counters in svc->metrics.
/* DIAGNOSTICS
/*	cm_unsub_metrics_init() returns -1 when the registry refused.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* Application-specific. */

#include "clock.h"
#include "oneclick.h"
#include "page.h"
#include "unsub.h"

static const char *const method_names[CM_UM_COUNT] = {
    "GET", "HEAD", "POST", "other",
};

static const char *const result_names[CM_UR_COUNT] = {
    "page", "done", "unavailable", "limited", "bad-body", "not-found",
    "method-not-allowed", "uri-too-long", "metrics",
};

/* possible - can a request of this method have this result */

static int possible(cm_unsub_method m, cm_unsub_result r)
{
    switch (r) {
    case CM_UR_PAGE:
    case CM_UR_METRICS:
	return (m == CM_UM_GET || m == CM_UM_HEAD);
    case CM_UR_DONE:
    case CM_UR_UNAVAILABLE:
    case CM_UR_BADBODY:
	return (m == CM_UM_POST);
    default:
	return (1);
    }
}

/* cm_unsub_metrics_init - register the counters, every series up front */

int     cm_unsub_metrics_init(cm_unsub *svc)
{
    static const char *const req_labels[] = {"method", "result", 0};
    static const char *const opt_labels[] = {"result", 0};
    cm_metric *req, *opt, *aud;
    const char *values[3];
    int     m, r, o;

    req = cm_metrics_counter(svc->metrics,
			     "consent_unsubscribe_requests_total",
			     "HTTP requests by method and result",
			     req_labels);
    opt = cm_metrics_counter(svc->metrics,
			     "consent_unsubscribe_optouts_total",
			     "One-click opt-out POSTs by result",
			     opt_labels);
    aud = cm_metrics_counter(svc->metrics,
			     "consent_unsubscribe_audit_errors_total",
			     "Opt-outs whose audit line could not be written",
			     0);
    if (req == 0 || opt == 0 || aud == 0)
	return (-1);
    /* Only the pairs that can happen: no page of zeros. */
    for (m = 0; m < CM_UM_COUNT; m++) {
	for (r = 0; r < CM_UR_COUNT; r++) {
	    if (!possible((cm_unsub_method) m, (cm_unsub_result) r))
		continue;
	    values[0] = method_names[m];
	    values[1] = result_names[r];
	    values[2] = 0;
	    svc->requests[m][r] = cm_metric_series(req, values);
	}
    }
    for (o = 0; o < CM_UNSUB_OUTCOMES; o++) {
	values[0] = cm_unsub_outcome_name((cm_unsub_outcome) o);
	values[1] = 0;
	svc->optouts[o] = cm_metric_series(opt, values);
    }
    svc->audit_errors = cm_metric_series(aud, 0);
    return (0);
}

/* forwarded - the last address of X-Forwarded-For, if it is one */

static int forwarded(const char *xff, char *out, size_t outsz)
{
    const char *start, *end;
    char    text[CM_UNSUB_ADDR_MAX];
    unsigned char bin[sizeof(struct in6_addr)];
    size_t  len;

    if (xff == 0)
	return (0);
    end = xff + strlen(xff);
    while (end > xff && (end[-1] == ' ' || end[-1] == '\t'))
	end--;
    for (start = end; start > xff && start[-1] != ','; start--)
	 /* void */ ;
    while (start < end && (*start == ' ' || *start == '\t'))
	start++;
    if ((len = (size_t) (end - start)) == 0 || len >= sizeof(text))
	return (0);
    memcpy(text, start, len);
    text[len] = 0;
    if (inet_pton(AF_INET, text, bin) != 1 && inet_pton(AF_INET6, text, bin) != 1)
	return (0);
    (void) snprintf(out, outsz, "%s", text);
    return (1);
}

/* cm_unsub_client - the client's address, as text */

int     cm_unsub_client(const cm_http_request *req, char *out, size_t outsz)
{
    const struct sockaddr *sa = req->client;

    if (cm_http_is_loopback(sa)
	&& forwarded(cm_http_header(req, "X-Forwarded-For"), out, outsz))
	return (1);
    out[0] = 0;
    if (sa != 0 && sa->sa_family == AF_INET)
	(void) inet_ntop(AF_INET, &((const struct sockaddr_in *) sa)->sin_addr,
			 out, (socklen_t) outsz);
    else if (sa != 0 && sa->sa_family == AF_INET6)
	(void) inet_ntop(AF_INET6,
			 &((const struct sockaddr_in6 *) sa)->sin6_addr,
			 out, (socklen_t) outsz);
    if (out[0] == 0)
	(void) snprintf(out, outsz, "unknown");
    return (0);
}

/* method_of - the counter's method label */

static cm_unsub_method method_of(const char *method)
{
    if (strcmp(method, "GET") == 0)
	return (CM_UM_GET);
    if (strcmp(method, "HEAD") == 0)
	return (CM_UM_HEAD);
    if (strcmp(method, "POST") == 0)
	return (CM_UM_POST);
    return (CM_UM_OTHER);
}

/* answer - a fixed plain-text answer */

static cm_unsub_result answer(cm_http_reply *reply, int status,
			              const char *text, cm_unsub_result result)
{
    reply->status = status;
    reply->content_type = "text/plain; charset=utf-8";
    cm_buf_adds(&reply->body, text);
    return (result);
}

/* wait_floor - answer no sooner than floor_ms after start */

static void wait_floor(const cm_unsub *svc, long long start_ms)
{
    long long left = start_ms + svc->floor_ms - cm_time_mono_ms();
    struct timespec ts;

    if (left <= 0)
	return;
    ts.tv_sec = (time_t) (left / 1000);
    ts.tv_nsec = (long) (left % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
	 /* void */ ;
}

/* page - GET /u/TOKEN: the page that asks */

static cm_unsub_result page(cm_unsub *svc, const char *token,
			            cm_http_reply *reply)
{
    char    purpose[80];		/* [a-z0-9._-]{1,64} */

    if (cm_unsub_purpose(svc, token, purpose, sizeof(purpose)) != 0)
	purpose[0] = 0;
    reply->status = 200;
    reply->content_type = "text/html; charset=utf-8";
    cm_unsub_page(&reply->body, svc->cfg->unsubscribe_organisation,
		  purpose[0] ? purpose : 0);

    /*
     * Nothing from elsewhere, no script, no framing; the form may post
     * only to this origin; no Referer (the token is in the URL).
     */
    (void) cm_http_add_header(reply, "Content-Security-Policy",
			      "default-src 'none'; form-action 'self'; "
			      "base-uri 'none'; frame-ancestors 'none'");
    (void) cm_http_add_header(reply, "Referrer-Policy", "no-referrer");
    return (CM_UR_PAGE);
}

/* post - POST /u/TOKEN: withdraw, answering the same for every token */

static cm_unsub_result post(cm_unsub *svc, const cm_http_request *req,
			            const char *token, const char *client,
			            long long start_ms, cm_http_reply *reply)
{
    cm_unsub_outcome outcome;

    if (!cm_oneclick_body(cm_http_header(req, "Content-Type"), req->body,
			  req->body_len))
	return (answer(reply, 400, CM_UNSUB_BAD_TEXT, CM_UR_BADBODY));
    outcome = cm_unsub_withdraw(svc, token, client);
    cm_series_add(svc->optouts[outcome], 1);
    wait_floor(svc, start_ms);
    if (outcome == CM_UNSUB_STOREDOWN) {
	(void) cm_http_add_header(reply, "Retry-After", CM_UNSUB_RETRY_AFTER);
	return (answer(reply, 503, CM_UNSUB_BUSY_TEXT, CM_UR_UNAVAILABLE));
    }
    return (answer(reply, 200, CM_UNSUB_DONE_TEXT, CM_UR_DONE));
}

/* cm_unsub_handle - one request */

void    cm_unsub_handle(void *ctx, const cm_http_request *req,
			        cm_http_reply *reply)
{
    cm_unsub *svc = ctx;
    long long start_ms = cm_time_mono_ms();
    cm_unsub_method method = method_of(req->method);
    cm_unsub_result result;
    char    client[CM_UNSUB_ADDR_MAX];
    char    retry[16];
    int     wait;

    /*
     * The counters: for whoever may reach the listener, not through a
     * proxy. A request that a proxy passed on (it says whom for) is the
     * public's, and the opt-out counters would tell a token's holder
     * whether a POST was a real withdrawal: such a request gets the
     * answer of any other unknown path.
     */
    if (strcmp(req->path, "/metrics") == 0
	&& cm_http_header(req, "X-Forwarded-For") == 0
	&& cm_http_header(req, "Forwarded") == 0) {
	if (method == CM_UM_GET || method == CM_UM_HEAD) {
	    reply->status = 200;
	    reply->content_type = "text/plain; version=0.0.4; charset=utf-8";
	    cm_metrics_render(svc->metrics, &reply->body);
	    result = CM_UR_METRICS;
	} else {
	    (void) cm_http_add_header(reply, "Allow", "GET, HEAD");
	    result = answer(reply, 405, CM_UNSUB_METHOD_TEXT, CM_UR_METHOD);
	}
	cm_series_add(svc->requests[method][result], 1);
	return;
    }

    (void) cm_unsub_client(req, client, sizeof(client));
    if (!cm_ratelimit_take(svc->limit, client, start_ms, &wait)) {
	(void) snprintf(retry, sizeof(retry), "%d", wait);
	(void) cm_http_add_header(reply, "Retry-After", retry);
	result = answer(reply, 429, CM_UNSUB_SLOW_TEXT, CM_UR_LIMITED);
    } else if (strlen(req->path) > CM_UNSUB_PATH_MAX) {
	result = answer(reply, 414, CM_UNSUB_NOTFOUND_TEXT, CM_UR_TOOLONG);
    } else if (strncmp(req->path, "/u/", 3) != 0 || req->path[3] == 0) {
	result = answer(reply, 404, CM_UNSUB_NOTFOUND_TEXT, CM_UR_NOTFOUND);
    } else if (method == CM_UM_GET || method == CM_UM_HEAD) {
	result = page(svc, req->path + 3, reply);
    } else if (method == CM_UM_POST) {
	result = post(svc, req, req->path + 3, client, start_ms, reply);
    } else {
	(void) cm_http_add_header(reply, "Allow", "GET, HEAD, POST");
	result = answer(reply, 405, CM_UNSUB_METHOD_TEXT, CM_UR_METHOD);
    }
    cm_series_add(svc->requests[method][result], 1);
}
