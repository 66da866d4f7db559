#ifndef CM_HTTPCONN_H
#define CM_HTTPCONN_H

/*++
/* NAME
/*	httpconn 3h
/* SUMMARY
/*	httpserv's connection table: slots per peer, the request deadline
/* SYNOPSIS
/*	#include "httpconn.h"
/* DESCRIPTION
/*	See httpconn.c. Internal to milter/http.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <sys/socket.h>

typedef struct cm_http_conns cm_http_conns;
typedef struct cm_http_conn cm_http_conn;

extern cm_http_conns *cm_http_conns_create(const char *name,
				            unsigned max_conns,
				            unsigned max_per_ip,
				            unsigned loopback_per_ip,
				            unsigned deadline);
extern int cm_http_conns_start(cm_http_conns *conns);
extern void cm_http_conns_free(cm_http_conns *conns);
extern int cm_http_conns_admit(cm_http_conns *conns,
			               const struct sockaddr *sa);
extern cm_http_conn *cm_http_conns_open(cm_http_conns *conns, int fd,
				          const struct sockaddr *sa);
extern void cm_http_conns_close(cm_http_conns *conns, cm_http_conn *conn);
extern void cm_http_conns_answering(cm_http_conns *conns,
				            cm_http_conn *conn);
extern void cm_http_conns_waiting(cm_http_conns *conns, cm_http_conn *conn);

#endif
