#ifndef CM_HTTPSERV_H
#define CM_HTTPSERV_H

/*++
/* NAME
/*	httpserv 3h
/* SUMMARY
/*	a small HTTP/1.1 listener with limits (libmicrohttpd)
/* SYNOPSIS
/*	#include "httpserv.h"
/*
/*	cm_http_bind(): parse inet:port@host, bind and listen (no threads);
/*	cm_http_check(): parse and resolve only;
/*	cm_http_start(): start serving; cm_http_free(): stop and close.
/*	cm_http_header(): a request header, inside the handler.
/* DESCRIPTION
/*	See httpserv.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>
#include <sys/socket.h>

#include "buf.h"

typedef struct cm_http cm_http;

/*
 * Limits. A zero field takes the default in brackets.
 */
typedef struct cm_http_limits {
    size_t  max_body;			/* request body bytes (0: no body) */
    size_t  max_header;			/* request line + headers (16384) */
    unsigned max_conns;			/* connections at once (64) */
    unsigned max_per_ip;		/* of them from one address (8) */
    unsigned timeout;			/* idle seconds per connection (10) */
    unsigned threads;			/* worker threads (1) */
    unsigned loopback_per_ip;		/* from one loopback address
					 * (max_per_ip) */
    unsigned deadline;			/* seconds to deliver a request (10) */
} cm_http_limits;

#define CM_HTTP_LIMITS_INIT	{ 0, 0, 0, 0, 0, 0, 0, 0 }

/* What the handler gets. Valid during the handler call only. */
typedef struct cm_http_request {
    const char *method;			/* "GET", "POST", "HEAD", ... */
    const char *target;			/* request-target as sent, with query */
    const char *path;			/* target without "?query", not decoded */
    const char *body;			/* complete body, NUL-terminated */
    size_t  body_len;
    const struct sockaddr *client;	/* peer address */
    socklen_t client_len;
    void   *conn;			/* for cm_http_header() */
} cm_http_request;

/* What the handler fills in. The library owns and frees body. */
#define CM_HTTP_MAX_HEADERS	4
#define CM_HTTP_HEADER_MAX	256	/* name or value, with the NUL */

typedef struct cm_http_reply {
    int     status;			/* 0: 500; 1xx and 3xx: 500 */
    const char *content_type;		/* static text; NULL: text/plain */
    cm_buf  body;
    int     nheaders;
    char    header_name[CM_HTTP_MAX_HEADERS][CM_HTTP_HEADER_MAX];
    char    header_value[CM_HTTP_MAX_HEADERS][CM_HTTP_HEADER_MAX];
} cm_http_reply;

typedef void (*cm_http_handler) (void *ctx, const cm_http_request *req,
				         cm_http_reply *reply);

extern cm_http *cm_http_bind(const char *spec, const cm_http_limits *limits,
			             cm_http_handler handler, void *ctx,
			             char *err, size_t errlen);
extern int cm_http_check(const char *spec, char *err, size_t errlen);
extern int cm_http_start(cm_http *http, char *err, size_t errlen);
extern void cm_http_free(cm_http *http);
extern int cm_http_port(const cm_http *http);
extern int cm_http_is_loopback(const struct sockaddr *sa);	/* httpconn.c */
extern const char *cm_http_header(const cm_http_request *req,
				          const char *name);
extern int cm_http_add_header(cm_http_reply *reply, const char *name,
			              const char *value);

#endif
