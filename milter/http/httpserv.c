/*++
/* NAME
/*	httpserv 3
/* SUMMARY
/*	a small HTTP/1.1 listener with limits (libmicrohttpd)
/* SYNOPSIS
/*	#include "httpserv.h"
/*
/*	cm_http	*cm_http_bind(spec, limits, handler, ctx, err, errlen)
/*	const char *spec;
/*	const cm_http_limits *limits;
/*	cm_http_handler handler;
/*	void	*ctx;
/*	char	*err;
/*	size_t	errlen;
/*
/*	int	cm_http_check(spec, err, errlen)
/*	const char *spec;
/*	char	*err;
/*	size_t	errlen;
/*
/*	int	cm_http_start(http, err, errlen)
/*	cm_http	*http;
/*	char	*err;
/*	size_t	errlen;
/*
/*	void	cm_http_free(http)
/*	cm_http	*http;
/*
/*	int	cm_http_port(http)
/*	const cm_http *http;
/*
/*	const char *cm_http_header(req, name)
/*	const cm_http_request *req;
/*	const char *name;
/*
/*	int	cm_http_add_header(reply, name, value)
/*	cm_http_reply *reply;
/*	const char *name;
/*	const char *value;
/* DESCRIPTION
/*	The HTTP side of the daemon's /metrics and of consent-unsubscribe:
/*	one listener, one handler, limits that a caller cannot forget.
/*
/*	cm_http_bind() parses spec, inet:port@host or inet6:port@host
/*	(host: a literal address or a name, [brackets] allowed for
/*	inet6; empty: every address of that family; port 0: any free
/*	port), and creates, binds and listens on the socket. No thread
/*	runs yet: a daemon binds while it may still open privileged
/*	ports, then drops privileges and detaches, then calls
/*	cm_http_start(), which starts libmicrohttpd's threads on the
/*	socket. cm_http_free() stops them (waiting for running
/*	handlers) and closes the socket; a null pointer is ignored.
/*	cm_http_port() is the port bound (useful after port 0).
/*	cm_http_check() parses and resolves spec as cm_http_bind() does,
/*	without a socket (for a configuration check while the daemon
/*	may hold the port).
/*
/*	Limits (cm_http_limits; a zero field takes its default):
/*	max_body bytes of request body (0: none accepted); a larger
/*	Content-Length is answered 413 at once, a larger chunked body
/*	is read, dropped and answered 413, without the handler.
/*	max_header bytes of memory per connection for the request line,
/*	the headers and the read buffer (16384; libmicrohttpd answers
/*	a request whose headers do not fit itself, 431 or 413).
/*	max_conns connections at once (64): past that, the connection
/*	that has waited longest for its request is shut down to make
/*	room for a new one (httpconn(3)). max_per_ip of them from one
/*	client address (8), loopback_per_ip from one loopback address
/*	(max_per_ip; for a proxy on this host, whose clients all have
/*	its address, UINT_MAX: no cap but max_conns and its eviction):
/*	others are closed when accepted.
/*	timeout: a connection idle that many seconds is closed (10).
/*	deadline: a connection that has not delivered one whole request
/*	(request line, headers, body) within that many seconds of its
/*	accept, or of the answer before (keep-alive), is closed, however
/*	busily it trickles (10; closed within a second after).
/*	threads: worker threads polling the connections (1). A handler
/*	that blocks holds up the connections of its thread.
/*
/*	handler(ctx, req, reply) runs once per complete request, on a
/*	worker thread: several at once when threads > 1. req->target
/*	is the request-target as the client sent it, req->path the
/*	same without the query; neither is percent-decoded (compare
/*	them as they are). req->body is the whole body, NUL-terminated
/*	(never more than max_body bytes). cm_http_header() looks up a
/*	request header by name (case-insensitive), NULL when absent.
/*
/*	The handler sets reply->status (200-299 or 400-599; anything
/*	else, redirects included, becomes 500: this server never
/*	redirects), reply->content_type (NULL: text/plain;
/*	charset=utf-8; the pointer must outlive the call, use a
/*	literal), appends the body to reply->body, and may add up to
/*	CM_HTTP_MAX_HEADERS headers with cm_http_add_header() (e.g.
/*	Retry-After). Every reply also carries "Cache-Control:
/*	no-store" and "X-Content-Type-Options: nosniff". HEAD gets the
/*	headers of the GET answer, without the body.
/* DIAGNOSTICS
/*	cm_http_bind(), cm_http_check() and cm_http_start() return NULL
/*	or -1 with the
/*	reason in err: the spec, the call that failed and why.
/*	cm_http_add_header() returns -1 for a full table, a Location
/*	or Refresh header (no redirects), or a name or value that is
/*	not one printable line or is too long; 0 otherwise.
/*	libmicrohttpd's own messages go to cm_log() at LOG_INFO,
/*	escaped, naming the listener.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

/* Application-specific. */

#include "buf.h"
#include "escape.h"
#include "httpconn.h"
#include "httpserv.h"
#include "log.h"

struct cm_http {
    int     fd;				/* bound listening socket */
    int     family;			/* AF_INET or AF_INET6 */
    int     port;			/* bound port */
    char    spec[128];			/* for messages */
    cm_http_limits lim;			/* with defaults filled in */
    cm_http_handler handler;
    void   *ctx;
    cm_http_conns *conns;		/* slots and deadlines */
    struct MHD_Daemon *mhd;		/* after cm_http_start() */
};

/* One request in progress (libmicrohttpd's per-request pointer). */
typedef struct req_state {
    char   *target;			/* as sent */
    cm_buf  body;
    int     started;			/* the handler saw the headers */
    int     too_large;			/* the body exceeded max_body */
} req_state;

#define DEF_HEADER	16384
#define DEF_CONNS	64
#define DEF_PER_IP	8
#define DEF_TIMEOUT	10
#define DEF_DEADLINE	10
#define DEF_THREADS	1

/* parse_spec - inet[6]:port@host into family, port text, host text */

static int parse_spec(const char *spec, int *family, char *port,
		              size_t portlen, char *host, size_t hostlen)
{
    const char *rest;
    const char *at;
    size_t  n;

    if (strncasecmp(spec, "inet:", 5) == 0) {
	*family = AF_INET;
	rest = spec + 5;
    } else if (strncasecmp(spec, "inet6:", 6) == 0) {
	*family = AF_INET6;
	rest = spec + 6;
    } else
	return (-1);
    at = strchr(rest, '@');
    n = at ? (size_t) (at - rest) : strlen(rest);
    if (n == 0 || n >= portlen || strspn(rest, "0123456789") != n)
	return (-1);
    memcpy(port, rest, n);
    port[n] = 0;
    if (atoi(port) > 65535)
	return (-1);
    host[0] = 0;
    if (at) {
	at++;
	n = strlen(at);
	if (n >= 2 && at[0] == '[' && at[n - 1] == ']') {
	    at++;
	    n -= 2;
	}
	if (n >= hostlen)
	    return (-1);
	memcpy(host, at, n);
	host[n] = 0;
    }
    return (0);
}

/* resolve - a spec's address; 0, or -1 with err set */

static int resolve(const char *spec, struct addrinfo **res, int *family,
		           char *err, size_t errlen)
{
    struct addrinfo hints;
    char    port[8];
    char    host[100];
    int     rc;

    if (parse_spec(spec, family, port, sizeof(port), host,
		   sizeof(host)) < 0) {
	(void) snprintf(err, errlen, "%.100s: expected inet:port@host or"
			" inet6:port@host", spec);
	return (-1);
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = *family;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    if ((rc = getaddrinfo(*host ? host : 0, port, &hints, res)) != 0) {
	(void) snprintf(err, errlen, "%.100s: host %.100s: %s", spec, host,
			gai_strerror(rc));
	return (-1);
    }
    return (0);
}

/* cm_http_check - would cm_http_bind() understand spec */

int     cm_http_check(const char *spec, char *err, size_t errlen)
{
    struct addrinfo *res;
    int     family;

    if (resolve(spec, &res, &family, err, errlen) < 0)
	return (-1);
    freeaddrinfo(res);
    return (0);
}

/* cm_http_bind - create, bind and listen; no threads yet */

cm_http *cm_http_bind(const char *spec, const cm_http_limits *limits,
		              cm_http_handler handler, void *ctx,
		              char *err, size_t errlen)
{
    struct addrinfo *res = 0;
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof(ss);
    int     family;
    int     fd;
    int     on = 1;
    cm_http *http;

    if (resolve(spec, &res, &family, err, errlen) < 0)
	return (0);
    if ((fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
	(void) snprintf(err, errlen, "%.100s: socket: %s", spec,
			strerror(errno));
	freeaddrinfo(res);
	return (0);
    }
    (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    /* inet6 means IPv6 only: an inet listener is configured on its own. */
    if (res->ai_family == AF_INET6)
	(void) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
    if (bind(fd, res->ai_addr, res->ai_addrlen) < 0
	|| listen(fd, 64) < 0
	|| getsockname(fd, (struct sockaddr *) &ss, &sslen) < 0) {
	(void) snprintf(err, errlen, "%.100s: cannot listen: %s", spec,
			strerror(errno));
	(void) close(fd);
	freeaddrinfo(res);
	return (0);
    }
    freeaddrinfo(res);
    if ((http = calloc(1, sizeof(*http))) == 0) {
	(void) snprintf(err, errlen, "%.100s: out of memory", spec);
	(void) close(fd);
	return (0);
    }
    http->fd = fd;
    http->family = family;
    http->port = ntohs(ss.ss_family == AF_INET6 ?
		       ((struct sockaddr_in6 *) &ss)->sin6_port :
		       ((struct sockaddr_in *) &ss)->sin_port);
    (void) snprintf(http->spec, sizeof(http->spec), "%s", spec);
    if (limits)
	http->lim = *limits;
#define DEFAULT(f, v) do { if (http->lim.f == 0) http->lim.f = (v); } while (0)
    DEFAULT(max_header, DEF_HEADER);
    DEFAULT(max_conns, DEF_CONNS);
    DEFAULT(max_per_ip, DEF_PER_IP);
    DEFAULT(timeout, DEF_TIMEOUT);
    DEFAULT(threads, DEF_THREADS);
    DEFAULT(loopback_per_ip, http->lim.max_per_ip);
    DEFAULT(deadline, DEF_DEADLINE);
#undef DEFAULT
    http->handler = handler;
    http->ctx = ctx;
    if ((http->conns = cm_http_conns_create(spec, http->lim.max_conns,
					    http->lim.max_per_ip,
					    http->lim.loopback_per_ip,
					    http->lim.deadline)) == 0) {
	(void) snprintf(err, errlen, "%.100s: out of memory", spec);
	(void) close(fd);
	free(http);
	return (0);
    }
    return (http);
}

/* cm_http_port - the port bound */

int     cm_http_port(const cm_http *http)
{
    return (http->port);
}

/*
 * mhd_log - libmicrohttpd's messages, escaped: some hold the request's
 * target (the URL a client sent, percent-decoded by the library).
 */

static void mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    cm_http *http = cls;
    char    text[512];
    char    show[CM_ESC_SHOW * 2];
    size_t  n;

    (void) vsnprintf(text, sizeof(text), fmt, ap);
    n = strlen(text);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
	text[--n] = 0;
    cm_log(LOG_INFO, "http %s: %s", http->spec,
	   cm_escape_fit(show, sizeof(show), text, n, 0));
}

/* accept_ok - libmicrohttpd's accept policy: the peer's share */

static enum MHD_Result accept_ok(void *cls, const struct sockaddr *addr,
				         socklen_t addrlen)
{
    cm_http *http = cls;

    (void) addrlen;
    return (cm_http_conns_admit(http->conns, addr) ? MHD_YES : MHD_NO);
}

/* conn_event - a connection starts or ends: the table follows */

static void conn_event(void *cls, struct MHD_Connection *conn,
		               void **socket_context,
		               enum MHD_ConnectionNotificationCode what)
{
    cm_http *http = cls;
    const union MHD_ConnectionInfo *fd;
    const union MHD_ConnectionInfo *ci;

    if (what == MHD_CONNECTION_NOTIFY_STARTED) {
	fd = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (fd != 0)
	    *socket_context = cm_http_conns_open(http->conns, fd->connect_fd,
						 ci ? ci->client_addr : 0);
    } else {
	/* libmicrohttpd calls this before it closes the socket. */
	cm_http_conns_close(http->conns, *socket_context);
	*socket_context = 0;
    }
}

/* conn_of - a connection's entry in the table, or NULL */

static cm_http_conn *conn_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci;

    ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return (ci ? ci->socket_context : 0);
}

/* uri_seen - the first look at a request: keep the target as sent */

static void *uri_seen(void *cls, const char *uri, struct MHD_Connection *conn)
{
    req_state *st;

    (void) cls;
    (void) conn;
    if ((st = calloc(1, sizeof(*st))) == 0)
	return (0);
    if ((st->target = strdup(uri)) == 0) {
	free(st);
	return (0);
    }
    cm_buf_init(&st->body);
    return (st);
}

/* req_done - libmicrohttpd is finished with a request */

static void req_done(void *cls, struct MHD_Connection *conn, void **con_cls,
		             enum MHD_RequestTerminationCode how)
{
    cm_http *http = cls;
    req_state *st = *con_cls;

    (void) how;
    /* The answer is out: the next request on it has its own deadline. */
    cm_http_conns_waiting(http->conns, conn_of(conn));
    if (st) {
	free(st->target);
	cm_buf_free(&st->body);
	free(st);
	*con_cls = 0;
    }
}

/* send_reply - hand a reply to libmicrohttpd */

static enum MHD_Result send_reply(struct MHD_Connection *conn,
				          cm_http_reply *reply)
{
    struct MHD_Response *resp;
    enum MHD_Result rc;
    int     i;

    if (reply->status < 200 || reply->status > 599
	|| (reply->status >= 300 && reply->status < 400)
	|| reply->body.oom) {
	reply->status = 500;
	reply->content_type = 0;
	reply->nheaders = 0;
	cm_buf_reset(&reply->body);
	cm_buf_adds(&reply->body, "internal error\n");
    }
    resp = MHD_create_response_from_buffer(reply->body.len,
					   (void *) cm_buf_str(&reply->body),
					   MHD_RESPMEM_MUST_COPY);
    if (resp == 0)
	return (MHD_NO);
    (void) MHD_add_response_header(resp, "Content-Type", reply->content_type ?
			   reply->content_type : "text/plain; charset=utf-8");
    (void) MHD_add_response_header(resp, "Cache-Control", "no-store");
    (void) MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    for (i = 0; i < reply->nheaders; i++)
	(void) MHD_add_response_header(resp, reply->header_name[i],
				       reply->header_value[i]);
    rc = MHD_queue_response(conn, (unsigned) reply->status, resp);
    MHD_destroy_response(resp);
    return (rc);
}

/* send_status - a reply of the library's own */

static enum MHD_Result send_status(struct MHD_Connection *conn, int status,
				           const char *text)
{
    cm_http_reply reply;
    enum MHD_Result rc;

    memset(&reply, 0, sizeof(reply));
    cm_buf_init(&reply.body);
    reply.status = status;
    cm_buf_adds(&reply.body, text);
    rc = send_reply(conn, &reply);
    cm_buf_free(&reply.body);
    return (rc);
}

/* on_request - libmicrohttpd's access handler: gather, then answer */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				          const char *url, const char *method,
				          const char *version,
				          const char *upload, size_t *upload_size,
				          void **con_cls)
{
    cm_http *http = cls;
    req_state *st = *con_cls;
    const union MHD_ConnectionInfo *ci;
    const char *clen;
    cm_http_request req;
    cm_http_reply reply;
    char   *path;
    char   *end;
    unsigned long long n;
    enum MHD_Result rc;

    (void) url;
    (void) version;
    if (st == 0)
	return (send_status(conn, 500, "internal error\n"));

    /*
     * First call: the headers are in. A declared body over the limit is
     * refused before a byte of it is read (libmicrohttpd then closes the
     * connection rather than read the rest).
     */
    if (!st->started) {
	st->started = 1;
	clen = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					   "Content-Length");
	if (clen) {
	    errno = 0;
	    n = strtoull(clen, &end, 10);
	    if (errno != 0 || *end != 0 || n > http->lim.max_body)
		return (send_status(conn, 413, "request body too large\n"));
	}
	return (MHD_YES);
    }

    /* Body chunks: keep them while they fit, else drop the rest. */
    if (*upload_size != 0) {
	if (!st->too_large) {
	    if (*upload_size > http->lim.max_body - st->body.len)
		st->too_large = 1;
	    else
		cm_buf_add(&st->body, upload, *upload_size);
	}
	*upload_size = 0;
	return (MHD_YES);
    }
    /* The request is complete: its deadline is met. */
    cm_http_conns_answering(http->conns, conn_of(conn));
    if (st->too_large)
	return (send_status(conn, 413, "request body too large\n"));

    /* Ask the handler. */
    memset(&req, 0, sizeof(req));
    req.method = method;
    req.target = st->target;
    if ((path = strdup(st->target)) == 0)
	return (send_status(conn, 500, "internal error\n"));
    path[strcspn(path, "?")] = 0;
    req.path = path;
    req.body = cm_buf_str(&st->body);
    req.body_len = st->body.len;
    ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr) {
	req.client = ci->client_addr;
	req.client_len = ci->client_addr->sa_family == AF_INET6 ?
	    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    }
    req.conn = conn;
    memset(&reply, 0, sizeof(reply));
    cm_buf_init(&reply.body);
    http->handler(http->ctx, &req, &reply);
    rc = send_reply(conn, &reply);
    cm_buf_free(&reply.body);
    free(path);
    return (rc);
}

/* opt - one libmicrohttpd option item */

static struct MHD_OptionItem opt(enum MHD_OPTION option, intptr_t value,
				         void *ptr)
{
    struct MHD_OptionItem it;

    it.option = option;
    it.value = value;
    it.ptr_value = ptr;
    return (it);
}

/* cm_http_start - serve the bound socket */

int     cm_http_start(cm_http *http, char *err, size_t errlen)
{
    struct MHD_OptionItem opts[14];
    unsigned flags;
    int     n = 0;
    int     rc;

    if (http->mhd)
	return (0);
    flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO
	| MHD_USE_ERROR_LOG;
    if (http->family == AF_INET6)
	flags |= MHD_USE_IPv6;
    /* The logger comes first, so that every message goes through it. */
    opts[n++] = opt(MHD_OPTION_EXTERNAL_LOGGER, (intptr_t) mhd_log, http);
    opts[n++] = opt(MHD_OPTION_LISTEN_SOCKET, http->fd, 0);
    /*
     * The slots are httpconn(3)'s: it counts them, per peer too, and
     * makes room past max_conns by shutting down the connection that
     * has waited longest. libmicrohttpd's limit (split among its
     * threads) only leaves room for those being shut down.
     */
    opts[n++] = opt(MHD_OPTION_CONNECTION_LIMIT, 2 * http->lim.max_conns, 0);
    opts[n++] = opt(MHD_OPTION_NOTIFY_CONNECTION, (intptr_t) conn_event,
		    http);
    opts[n++] = opt(MHD_OPTION_CONNECTION_TIMEOUT, http->lim.timeout, 0);
    opts[n++] = opt(MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		    (intptr_t) http->lim.max_header, 0);
    opts[n++] = opt(MHD_OPTION_STRICT_FOR_CLIENT, 1, 0);
    if (http->lim.threads > 1)
	opts[n++] = opt(MHD_OPTION_THREAD_POOL_SIZE, http->lim.threads, 0);
    opts[n++] = opt(MHD_OPTION_END, 0, 0);
    if ((rc = cm_http_conns_start(http->conns)) != 0) {
	(void) snprintf(err, errlen, "%s: cannot start a thread: %s",
			http->spec, strerror(rc));
	return (-1);
    }
    http->mhd = MHD_start_daemon(flags, 0, accept_ok, http, on_request, http,
				 MHD_OPTION_ARRAY, opts,
				 MHD_OPTION_URI_LOG_CALLBACK, uri_seen, http,
				 MHD_OPTION_NOTIFY_COMPLETED, req_done, http,
				 MHD_OPTION_END);
    if (http->mhd == 0) {
	(void) snprintf(err, errlen, "%s: cannot start the HTTP server"
			" (libmicrohttpd)", http->spec);
	return (-1);
    }
    return (0);
}

/* cm_http_free - stop serving, close the socket */

void    cm_http_free(cm_http *http)
{
    if (http == 0)
	return;
    if (http->mhd)
	MHD_stop_daemon(http->mhd);		/* closes the socket */
    else
	(void) close(http->fd);
    cm_http_conns_free(http->conns);		/* empty now */
    free(http);
}

/* cm_http_header - a request header, or NULL */

const char *cm_http_header(const cm_http_request *req, const char *name)
{
    return (MHD_lookup_connection_value((struct MHD_Connection *) req->conn,
					MHD_HEADER_KIND, name));
}

/* line_ok - one line of printable text (name: a token) */

static int line_ok(const char *s, int token)
{
    const unsigned char *cp;

    if (*s == 0 || strlen(s) >= CM_HTTP_HEADER_MAX)
	return (0);
    for (cp = (const unsigned char *) s; *cp; cp++)
	if (*cp < 32 || *cp == 127 || (token && (*cp == ' ' || *cp == ':')))
	    return (0);
    return (1);
}

/* cm_http_add_header - one more reply header */

int     cm_http_add_header(cm_http_reply *reply, const char *name,
			           const char *value)
{
    if (reply->nheaders >= CM_HTTP_MAX_HEADERS
	|| !line_ok(name, 1) || !line_ok(value, 0)
	|| strcasecmp(name, "Location") == 0
	|| strcasecmp(name, "Refresh") == 0)
	return (-1);
    (void) strcpy(reply->header_name[reply->nheaders], name);
    (void) strcpy(reply->header_value[reply->nheaders], value);
    reply->nheaders++;
    return (0);
}
