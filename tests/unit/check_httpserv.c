/*++
/* NAME
/*	check_httpserv 1
/* SUMMARY
/*	unit tests for the HTTP listener
/* SYNOPSIS
/*	check_httpserv
/* DESCRIPTION
/*	Tests httpserv(3) against real HTTP clients on loopback ports:
/*	what the handler sees (method, target, path, body, headers,
/*	client), what the client gets (status, headers, body), the
/*	limits (body over max_body by Content-Length and chunked: 413
/*	without the handler; oversized headers; connections per client
/*	address; the idle timeout; the request deadline against a
/*	trickling client; room made for a new client when every slot is
/*	held by slow ones), no redirects, bind errors, and
/*	curl(1) fetching a page.
/* DIAGNOSTICS
/*	The exit status is non-zero when a test fails.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Check library. */

#include <check.h>

/* Application-specific. */

#include "buf.h"
#include "httpserv.h"

static volatile int handled;			/* handler calls (one thread) */

/* echo - the test handler: says what it saw */

static void echo(void *ctx, const cm_http_request *req, cm_http_reply *reply)
{
    const char *ua = cm_http_header(req, "X-Test");
    char    addr[64] = "?";

    (void) ctx;
    handled++;
    if (req->client && req->client->sa_family == AF_INET)
	(void) inet_ntop(AF_INET,
			 &((const struct sockaddr_in *) req->client)->sin_addr,
			 addr, sizeof(addr));
    if (strcmp(req->path, "/redirect") == 0) {
	reply->status = 302;
	return;
    }
    reply->status = strcmp(req->path, "/teapot") == 0 ? 418 : 200;
    reply->content_type = "text/x-echo";
    ck_assert_int_eq(cm_http_add_header(reply, "Retry-After", "60"), 0);
    ck_assert_int_eq(cm_http_add_header(reply, "Location", "/x"), -1);
    ck_assert_int_eq(cm_http_add_header(reply, "X-Bad", "a\r\nb: c"), -1);
    cm_buf_printf(&reply->body, "method=%s\ntarget=%s\npath=%s\n"
		  "x-test=%s\nclient=%s\nbody=%s\nlen=%zu\n",
		  req->method, req->target, req->path, ua ? ua : "(none)",
		  addr, req->body, req->body_len);
}

/* serve - a started listener on a free loopback port */

static cm_http *serve(const cm_http_limits *lim)
{
    char    err[256];
    cm_http *http;

    http = cm_http_bind("inet:0@127.0.0.1", lim, echo, 0, err, sizeof(err));
    ck_assert_msg(http != 0, "bind: %s", err);
    ck_assert_int_gt(cm_http_port(http), 0);
    ck_assert_msg(cm_http_start(http, err, sizeof(err)) == 0, "start: %s",
		  err);
    handled = 0;
    return (http);
}

/* dial - a TCP connection to the listener */

static int dial(int port)
{
    struct sockaddr_in sin;
    int     fd;

    fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((unsigned short) port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *) &sin, sizeof(sin)), 0);
    return (fd);
}

/* read_all - everything until the server closes (or 5 s pass) */

static void read_all(int fd, cm_buf *out)
{
    struct pollfd pfd;
    char    chunk[4096];
    ssize_t n;

    pfd.fd = fd;
    pfd.events = POLLIN;
    while (poll(&pfd, 1, 5000) > 0) {
	if ((n = read(fd, chunk, sizeof(chunk))) <= 0)
	    break;
	cm_buf_add(out, chunk, (size_t) n);
    }
}

/* exchange - send raw request bytes, return the whole response */

static void exchange(int port, const char *request, size_t len, cm_buf *out)
{
    int     fd = dial(port);

    ck_assert_int_eq(write(fd, request, len), (ssize_t) len);
    read_all(fd, out);
    (void) close(fd);
}

/* status_of - the status code of a response, 0 if none */

static int status_of(const cm_buf *resp)
{
    int     code = 0;

    if (sscanf(cm_buf_str(resp), "HTTP/1.1 %d ", &code) != 1)
	return (0);
    return (code);
}

/* body_of - the body of a response */

static const char *body_of(const cm_buf *resp)
{
    const char *cp = strstr(cm_buf_str(resp), "\r\n\r\n");

    return (cp ? cp + 4 : "");
}

/* keep_alive - a connection with one request answered, left open */

static int keep_alive(int port)
{
    const char *req = "GET /k HTTP/1.1\r\nHost: x\r\n\r\n";
    struct pollfd pfd;
    cm_buf  resp = CM_BUF_INIT;
    char    chunk[4096];
    ssize_t n;
    int     fd = dial(port);

    ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t) strlen(req));
    pfd.fd = fd;
    pfd.events = POLLIN;
    while (strstr(cm_buf_str(&resp), "\nlen=0\n") == 0) {
	ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
	ck_assert_int_gt(n = read(fd, chunk, sizeof(chunk)), 0);
	cm_buf_add(&resp, chunk, (size_t) n);
    }
    cm_buf_free(&resp);
    return (fd);
}

START_TEST(test_get)
{
    cm_http_limits lim = CM_HTTP_LIMITS_INIT;
    cm_http *http = serve(&lim);
    cm_buf  resp = CM_BUF_INIT;
    const char *req = "GET /hello/world?a=1&b=%40 HTTP/1.1\r\n"
    "Host: x\r\nX-Test: yes\r\nConnection: close\r\n\r\n";

    exchange(cm_http_port(http), req, strlen(req), &resp);
    ck_assert_int_eq(status_of(&resp), 200);
    ck_assert_ptr_nonnull(strstr(cm_buf_str(&resp),
				 "Content-Type: text/x-echo\r\n"));
    ck_assert_ptr_nonnull(strstr(cm_buf_str(&resp), "Retry-After: 60\r\n"));
    ck_assert_ptr_nonnull(strstr(cm_buf_str(&resp),
				 "Cache-Control: no-store\r\n"));
    ck_assert_ptr_null(strstr(cm_buf_str(&resp), "Location"));
    ck_assert_str_eq(body_of(&resp), "method=GET\n"
		     "target=/hello/world?a=1&b=%40\npath=/hello/world\n"
		     "x-test=yes\nclient=127.0.0.1\nbody=\nlen=0\n");
    ck_assert_int_eq(handled, 1);
    cm_buf_free(&resp);
    cm_http_free(http);
}

END_TEST

START_TEST(test_post_body)
{
    cm_http_limits lim = CM_HTTP_LIMITS_INIT;
    cm_http *http;
    cm_buf  resp = CM_BUF_INIT;
    const char *req = "POST /u/TOKEN HTTP/1.1\r\nHost: x\r\n"
    "Content-Type: application/x-www-form-urlencoded\r\n"
    "Content-Length: 26\r\nConnection: close\r\n\r\n"
    "List-Unsubscribe=One-Click";

    lim.max_body = 26;
    http = serve(&lim);
    exchange(cm_http_port(http), req, strlen(req), &resp);
    ck_assert_int_eq(status_of(&resp), 200);
    ck_assert_str_eq(body_of(&resp), "method=POST\ntarget=/u/TOKEN\n"
		     "path=/u/TOKEN\nx-test=(none)\nclient=127.0.0.1\n"
		     "body=List-Unsubscribe=One-Click\nlen=26\n");
    cm_buf_free(&resp);
    cm_http_free(http);
}

END_TEST

START_TEST(test_body_limit)
{
    cm_http_limits lim = CM_HTTP_LIMITS_INIT;
    cm_http *http;
    cm_buf  resp = CM_BUF_INIT;
    const char *big = "POST /u/T HTTP/1.1\r\nHost: x\r\n"
    "Content-Length: 27\r\nConnection: close\r\n\r\n"
    "List-Unsubscribe=One-Click!";
    const char *chunked = "POST /u/T HTTP/1.1\r\nHost: x\r\n"
    "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    "10\r\n0123456789abcdef\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n";
    const char *fits = "POST /u/T HTTP/1.1\r\nHost: x\r\n"
    "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    "10\r\n0123456789abcdef\r\n9\r\n012345678\r\n0\r\n\r\n";

    lim.max_body = 26;
    http = serve(&lim);
    exchange(cm_http_port(http), big, strlen(big), &resp);
    ck_assert_int_eq(status_of(&resp), 413);
    ck_assert_int_eq(handled, 0);
    cm_buf_reset(&resp);
    exchange(cm_http_port(http), chunked, strlen(chunked), &resp);
    ck_assert_int_eq(status_of(&resp), 413);
    ck_assert_int_eq(handled, 0);
    cm_buf_reset(&resp);
    exchange(cm_http_port(http), fits, strlen(fits), &resp);
    ck_assert_int_eq(status_of(&resp), 200);
    ck_assert_ptr_nonnull(strstr(body_of(&resp), "\nlen=25\n"));
    ck_assert_int_eq(handled, 1);
    cm_buf_free(&resp);
    cm_http_free(http);
}

END_TEST

START_TEST(test_no_body_allowed)
{
    cm_http_limits lim = CM_HTTP_LIMITS_INIT;
    cm_http *http = serve(&lim);
    cm_buf  resp = CM_BUF_INIT;
    const char *req = "POST /metrics HTTP/1.1\r\nHost: x\r\n"
    "Content-Length: 1\r\nConnection: close\r\n\r\nx";

    exchange(cm_http_port(http), req, strlen(req), &resp);
    ck_assert_int_eq(status_of(&resp), 413);
    ck_assert_int_eq(handled, 0);
    cm_buf_free(&resp);
    cm_http_free(http);
}

END_TEST

START_TEST(test_no_redirect)
{
    cm_http_limits lim = CM_HTTP_LIMITS_INIT;
    cm_http *http = serve(&lim);
    cm_buf  resp = CM_BUF_INIT;
    const char *req = "GET /redirect HTTP/1.1\r\nHost: x\r\n"
    "Connection: close\r\n\r\n";
    const char *tea = "GET /teapot HTTP/1.1\r\nHost: x\r\n"
    "Connection: close\r\n\r\n";

    exchange(cm_http_port(http), req, strlen(req), &resp);
    ck_assert_int_eq(status_of(&resp), 500);
    ck_assert_str_eq(body_of(&resp), "internal error\n");
    ck_assert_ptr_null(strstr(cm_buf_str(&resp), "Location"));
    cm_buf_reset(&resp);
    exchange(cm_http_port(http), tea, strlen(tea), &resp);
    ck_assert_int_eq(status_of(&resp), 418);
    cm_buf_free(&resp);
    cm_http_free(http);
}

END_TEST

START_TEST(test_header_limit)
{
    cm_http_limits lim = CM_HTTP_LIMITS_INIT;
    cm_http *http;
    cm_buf  req = CM_BUF_INIT;
    cm_buf  resp = CM_BUF_INIT;
    int     i;
    int     code;

    lim.max_header = 4096;
    http = serve(&lim);
    cm_buf_adds(&req, "GET /x HTTP/1.1\r\nHost: x\r\nX-Big: ");
    for (i = 0; i < 8000; i++)
	cm_buf_addc(&req, 'a');
    cm_buf_adds(&req, "\r\nConnection: close\r\n\r\n");
    exchange(cm_http_port(http), req.data, req.len, &resp);
    code = status_of(&resp);
    ck_assert_msg(code == 431 || code == 413 || code == 414,
		  "status %d", code);
    ck_assert_int_eq(handled, 0);
    cm_buf_free(&req);
    cm_buf_free(&resp);
    cm_http_free(http);
}

END_TEST

START_TEST(test_per_ip_limit)
{
    cm_http_limits lim = CM_HTTP_LIMITS_INIT;
    cm_http *http;
    cm_buf  resp = CM_BUF_INIT;
    const char *req = "GET /x HTTP/1.1\r\nHost: x\r\n"
    "Connection: close\r\n\r\n";
    int     a, b, c;

    lim.max_per_ip = 2;
    http = serve(&lim);
    /* Two connections the server has surely accepted: each answered. */
    a = keep_alive(cm_http_port(http));
    b = keep_alive(cm_http_port(http));
    c = dial(cm_http_port(http));
    ck_assert_int_eq(write(c, req, strlen(req)), (ssize_t) strlen(req));
    read_all(c, &resp);
    ck_assert_int_eq(resp.len, 0);		/* closed, no answer */
    (void) close(c);
    (void) close(a);
    (void) close(b);
    (void) usleep(200000);
    exchange(cm_http_port(http), req, strlen(req), &resp);
    ck_assert_int_eq(status_of(&resp), 200);
    cm_buf_free(&resp);
    cm_http_free(http);
}

END_TEST

START_TEST(test_timeout)
{
    cm_http_limits lim = CM_HTTP_LIMITS_INIT;
    cm_http *http;
    cm_buf  resp = CM_BUF_INIT;
    char    byte;
    struct pollfd pfd;
    int     fd;

    lim.timeout = 1;
    http = serve(&lim);
    fd = dial(cm_http_port(http));
    ck_assert_int_eq(write(fd, "GET /x HTTP/1.1\r\n", 17), 17);	/* no more */
    pfd.fd = fd;
    pfd.events = POLLIN;
    ck_assert_int_eq(poll(&pfd, 1, 4000), 1);
    ck_assert_int_le(read(fd, &byte, 1), 0);
    (void) close(fd);
    ck_assert_int_eq(handled, 0);
    cm_buf_free(&resp);
    cm_http_free(http);
}

END_TEST

/* closed_within - is fd closed by the server within ms, while we trickle */

static int closed_within(int fd, int ms)
{
    struct pollfd pfd;
    char    byte;
    int     waited;

    for (waited = 0; waited < ms; waited += 200) {
	/* One more header line: never idle, never complete. */
	if (send(fd, "X-Slow: y\r\n", 11, MSG_NOSIGNAL) != 11)
	    return (1);
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 200) == 1)
	    return (read(fd, &byte, 1) <= 0);
    }
    return (0);
}

START_TEST(test_deadline)
{
    cm_http_limits lim = CM_HTTP_LIMITS_INIT;
    cm_http *http;
    int     fd;

    lim.deadline = 1;
    http = serve(&lim);
    /* Headers, a line every 200 ms: the idle timeout (10 s) never hits. */
    fd = dial(cm_http_port(http));
    ck_assert_int_eq(write(fd, "GET /x HTTP/1.1\r\n", 17), 17);
    ck_assert_msg(closed_within(fd, 6000), "a trickler outlived the deadline");
    (void) close(fd);
    ck_assert_int_eq(handled, 0);
    cm_http_free(http);
}

END_TEST

START_TEST(test_room_for_new)
{
    cm_http_limits lim = CM_HTTP_LIMITS_INIT;
    cm_http *http;
    cm_buf  resp = CM_BUF_INIT;
    const char *req = "GET /x HTTP/1.1\r\nHost: x\r\n"
    "Connection: close\r\n\r\n";
    int     a, b;

    /* Two slots, both held by clients that never finish a request. */
    lim.max_conns = 2;
    lim.deadline = 60;
    http = serve(&lim);
    a = dial(cm_http_port(http));
    b = dial(cm_http_port(http));
    ck_assert_int_eq(write(a, "GET /x HTTP/1.1\r\n", 17), 17);
    ck_assert_int_eq(write(b, "GET /x HTTP/1.1\r\n", 17), 17);
    (void) usleep(200000);
    /* A client that sends its request at once still gets in. */
    exchange(cm_http_port(http), req, strlen(req), &resp);
    ck_assert_int_eq(status_of(&resp), 200);
    (void) close(a);
    (void) close(b);
    cm_buf_free(&resp);
    cm_http_free(http);
}

END_TEST

START_TEST(test_bind_errors)
{
    char    err[256];
    cm_http *a;
    cm_http *b;
    char    spec[64];

    ck_assert_ptr_null(cm_http_bind("unix:/tmp/x", 0, echo, 0, err,
				    sizeof(err)));
    ck_assert_str_eq(err, "unix:/tmp/x: expected inet:port@host or"
		     " inet6:port@host");
    ck_assert_ptr_null(cm_http_bind("inet:99999@127.0.0.1", 0, echo, 0, err,
				    sizeof(err)));
    ck_assert_ptr_null(cm_http_bind("inet:80x@127.0.0.1", 0, echo, 0, err,
				    sizeof(err)));
    ck_assert_int_eq(cm_http_check("inet:9100@127.0.0.1", err,
				   sizeof(err)), 0);
    ck_assert_int_eq(cm_http_check("inet:9100", err, sizeof(err)), 0);
    ck_assert_int_eq(cm_http_check("inet6:9100@[::1]", err, sizeof(err)),
		     0);
    ck_assert_int_eq(cm_http_check("inet:9100@", err, sizeof(err)), 0);
    ck_assert_int_eq(cm_http_check("inet:@127.0.0.1", err, sizeof(err)),
		     -1);
    ck_assert_int_eq(cm_http_check("inet:9100@no.such.host.invalid", err,
				   sizeof(err)), -1);
    ck_assert_msg(strncmp(err, "inet:9100@no.such.host.invalid: host"
			  " no.such.host.invalid: ", 58) == 0, "err: %s", err);
    a = cm_http_bind("inet:0@127.0.0.1", 0, echo, 0, err, sizeof(err));
    ck_assert_ptr_nonnull(a);
    (void) snprintf(spec, sizeof(spec), "inet:%d@127.0.0.1", cm_http_port(a));
    b = cm_http_bind(spec, 0, echo, 0, err, sizeof(err));
    ck_assert_ptr_null(b);
    ck_assert_msg(strstr(err, spec) == err
		  && strstr(err, "cannot listen: Address already in use"),
		  "err: %s", err);
    cm_http_free(a);				/* never started */
    cm_http_free(0);
}

END_TEST

START_TEST(test_curl)
{
    cm_http_limits lim = CM_HTTP_LIMITS_INIT;
    cm_http *http;
    char    cmd[256];
    char    out[1024];
    size_t  n;
    FILE   *fp;

    if (system("curl --version >/dev/null 2>&1") != 0) {
	fprintf(stderr, "check_httpserv: no curl, test_curl skipped\n");
	return;
    }
    lim.max_body = 100;
    http = serve(&lim);
    (void) snprintf(cmd, sizeof(cmd), "curl -sS -H 'X-Test: curl'"
		    " -d 'List-Unsubscribe=One-Click' -w '%%{http_code}'"
		    " http://127.0.0.1:%d/u/abc", cm_http_port(http));
    fp = popen(cmd, "r");
    ck_assert_ptr_nonnull(fp);
    n = fread(out, 1, sizeof(out) - 1, fp);
    out[n] = 0;
    ck_assert_int_eq(pclose(fp), 0);
    ck_assert_str_eq(out, "method=POST\ntarget=/u/abc\npath=/u/abc\n"
		     "x-test=curl\nclient=127.0.0.1\n"
		     "body=List-Unsubscribe=One-Click\nlen=26\n200");
    cm_http_free(http);
}

END_TEST

static Suite *httpserv_suite(void)
{
    Suite  *s = suite_create("httpserv");
    TCase  *tc;

    tc = tcase_create("requests");
    tcase_add_test(tc, test_get);
    tcase_add_test(tc, test_post_body);
    tcase_add_test(tc, test_no_redirect);
    tcase_add_test(tc, test_curl);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_add_test(tc, test_body_limit);
    tcase_add_test(tc, test_no_body_allowed);
    tcase_add_test(tc, test_header_limit);
    tcase_add_test(tc, test_per_ip_limit);
    tcase_add_test(tc, test_timeout);
    tcase_add_test(tc, test_deadline);
    tcase_add_test(tc, test_room_for_new);
    tcase_add_test(tc, test_bind_errors);
    suite_add_tcase(s, tc);
    return (s);
}

int     main(void)
{
    SRunner *sr = srunner_create(httpserv_suite());
    int     failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}
