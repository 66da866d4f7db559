/*++
/* NAME
/*	httpconn 3
/* SUMMARY
/*	httpserv's connection table: slots per peer, the request deadline
/* SYNOPSIS
/*	#include "httpconn.h"
/*
/*	cm_http_conns *cm_http_conns_create(name, max_conns, max_per_ip,
/*					loopback_per_ip, deadline)
/*	const char *name;
/*	unsigned max_conns;
/*	unsigned max_per_ip;
/*	unsigned loopback_per_ip;
/*	unsigned deadline;
/*
/*	int	cm_http_conns_start(conns)
/*	cm_http_conns *conns;
/*
/*	void	cm_http_conns_free(conns)
/*	cm_http_conns *conns;
/*
/*	int	cm_http_conns_admit(conns, sa)
/*	cm_http_conns *conns;
/*	const struct sockaddr *sa;
/*
/*	cm_http_conn *cm_http_conns_open(conns, fd, sa)
/*	cm_http_conns *conns;
/*	int	fd;
/*	const struct sockaddr *sa;
/*
/*	void	cm_http_conns_close(conns, conn)
/*	void	cm_http_conns_answering(conns, conn)
/*	void	cm_http_conns_waiting(conns, conn)
/*	cm_http_conns *conns;
/*	cm_http_conn *conn;
/*
/*	#include "httpserv.h"
/*
/*	int	cm_http_is_loopback(sa)
/*	const struct sockaddr *sa;
/* DESCRIPTION
/*	libmicrohttpd times a connection out only when it has been idle:
/*	a client that sends one header line every few seconds is never
/*	idle, and holds its slot for as long as it likes. A few hundred
/*	such clients ("slowloris") took every slot of consent-unsubscribe.
/*	This table, fed by httpserv.c's libmicrohttpd callbacks, adds what
/*	Postfix and nginx have:
/* .IP "a deadline"
/*	A connection must deliver one whole request, request line,
/*	headers and body, within deadline seconds of its accept, and each
/*	further request (keep-alive) within deadline seconds of the answer
/*	before it. While a request is being answered there is no deadline
/*	(libmicrohttpd's idle timeout still applies). A thread looks once
/*	a second and shuts down a connection past its deadline, so it is
/*	closed within a second after it.
/* .IP "slots per peer"
/*	A peer address that is not loopback holds at most max_per_ip
/*	connections; a loopback peer (a TLS proxy on this host, where every
/*	client has the proxy's address) at most loopback_per_ip.
/* .IP "eviction"
/*	Past max_conns connections, a new one does not wait or get turned
/*	away: the connection that has waited longest for its request (the
/*	likeliest to be a trickler, and one whose client has at worst to
/*	ask again) is shut down to make room. Clients that send their
/*	request at once, a proxy's above all, are thus never locked out by
/*	slow ones, from however many addresses these come; a loopback peer
/*	cannot be told apart by address from the proxy, and a local user
/*	has every 127/8 address. libmicrohttpd's own limit must leave room
/*	for the connections being shut down (httpserv.c sets it to twice
/*	max_conns).
/* .PP
/*	cm_http_conns_create() makes the table; name is for log lines.
/*	cm_http_conns_start() starts the thread that enforces the
/*	deadline (0, or an error number); cm_http_conns_free() stops it
/*	and frees the table (call it after libmicrohttpd has stopped: the
/*	table must be empty). A null pointer is ignored.
/*
/*	cm_http_conns_admit() is the accept policy: 0 when the peer sa
/*	already holds its share, else 1. cm_http_conns_open() enters a
/*	connection just accepted on socket fd, checks the peer's share
/*	again (under the same lock: threads accept at once) and makes room
/*	past max_conns; it returns the entry, or NULL without memory (then
/*	fd has been shut down). cm_http_conns_close() removes an entry: call
/*	it before fd is closed, as libmicrohttpd does, so that the deadline
/*	thread never shuts down a descriptor number that another
/*	connection has since been given. cm_http_conns_answering() says a
/*	request is complete (no deadline while it is answered);
/*	cm_http_conns_waiting() that its answer is out and the next request
/*	has deadline seconds from now.
/*
/*	cm_http_is_loopback() says whether sa is on this host: 127/8, ::1,
/*	or ::ffff:127.x.
/* DIAGNOSTICS
/*	What the table closed is logged at LOG_INFO, at most once a
/*	second, with counts: connections past their deadline, refused
/*	for their peer's share, shut down to make room.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* Application-specific. */

#include "clock.h"
#include "httpconn.h"
#include "httpserv.h"
#include "log.h"
#include "thread.h"

/* One connection. */
struct cm_http_conn {
    cm_http_conn *prev;
    cm_http_conn *next;
    int     fd;
    int     family;			/* AF_INET, AF_INET6, else 0 */
    unsigned char addr[16];		/* the peer's address */
    int     loopback;
    int     closing;			/* shut down by us: no slot */
    long long deadline;			/* monotonic ms; 0: answering */
};

struct cm_http_conns {
    char    name[128];
    unsigned max_conns;
    unsigned max_per_ip;
    unsigned loopback_per_ip;
    long long deadline_ms;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    cm_http_conn *head;
    cm_http_conn *tail;
    unsigned live;			/* entries not closing */
    unsigned late;			/* since the last log line */
    unsigned refused;
    unsigned evicted;
    char    last_peer[INET6_ADDRSTRLEN];	/* of the last one closed */
    int     stop;
    int     running;
    pthread_t tid;
};

/* cm_http_is_loopback - is this peer on this host */

int     cm_http_is_loopback(const struct sockaddr *sa)
{
    const struct sockaddr_in *s4;
    const struct sockaddr_in6 *s6;

    if (sa == 0)
	return (0);
    if (sa->sa_family == AF_INET) {
	s4 = (const struct sockaddr_in *) sa;
	return ((ntohl(s4->sin_addr.s_addr) >> 24) == 127);
    }
    if (sa->sa_family == AF_INET6) {
	s6 = (const struct sockaddr_in6 *) sa;
	if (IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr))
	    return (1);
	return (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)
		&& s6->sin6_addr.s6_addr[12] == 127);
    }
    return (0);
}

/* peer_key - a peer's family and address bytes, for comparison */

static void peer_key(const struct sockaddr *sa, int *family,
		             unsigned char addr[16])
{
    memset(addr, 0, 16);
    *family = 0;
    if (sa == 0)
	return;
    if (sa->sa_family == AF_INET) {
	*family = AF_INET;
	memcpy(addr, &((const struct sockaddr_in *) sa)->sin_addr, 4);
    } else if (sa->sa_family == AF_INET6) {
	*family = AF_INET6;
	memcpy(addr, &((const struct sockaddr_in6 *) sa)->sin6_addr, 16);
    }
}

/* peer_count - connections of this peer that hold a slot (lock held) */

static unsigned peer_count(cm_http_conns *conns, int family,
			           const unsigned char addr[16])
{
    cm_http_conn *c;
    unsigned n = 0;

    for (c = conns->head; c; c = c->next)
	if (!c->closing && c->family == family
	    && memcmp(c->addr, addr, 16) == 0)
	    n++;
    return (n);
}

/* shut - close a connection's slot (lock held): libmicrohttpd sees EOF */

static void shut(cm_http_conns *conns, cm_http_conn *c)
{
    c->closing = 1;
    conns->live--;
    (void) shutdown(c->fd, SHUT_RDWR);
    if (c->family != 0)
	(void) inet_ntop(c->family, c->addr, conns->last_peer,
			 sizeof(conns->last_peer));
}

/* cm_http_conns_create - an empty table */

cm_http_conns *cm_http_conns_create(const char *name, unsigned max_conns,
				            unsigned max_per_ip,
				            unsigned loopback_per_ip,
				            unsigned deadline)
{
    cm_http_conns *conns;
    pthread_condattr_t attr;

    if ((conns = calloc(1, sizeof(*conns))) == 0)
	return (0);
    (void) snprintf(conns->name, sizeof(conns->name), "%s", name);
    conns->max_conns = max_conns;
    conns->max_per_ip = max_per_ip;
    conns->loopback_per_ip = loopback_per_ip;
    conns->deadline_ms = (long long) deadline * 1000;
    (void) pthread_mutex_init(&conns->lock, 0);
    /* The deadline is on the monotonic clock: so is the thread's sleep. */
    (void) pthread_condattr_init(&attr);
    (void) pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    (void) pthread_cond_init(&conns->wake, &attr);
    (void) pthread_condattr_destroy(&attr);
    return (conns);
}

/* report - log what was closed since the last report (lock not held) */

static void report(cm_http_conns *conns, unsigned late, unsigned refused,
		           unsigned evicted, const char *peer)
{
    if (late + refused + evicted == 0)
	return;
    cm_log(LOG_INFO, "http %s: closed %u connection(s) that did not deliver"
	   " a request within %lld s, refused %u over their peer's share,"
	   " shut down %u waiting one(s) to make room (the last from %s)",
	   conns->name, late, conns->deadline_ms / 1000, refused, evicted,
	   peer);
}

/* reaper - once a second: shut down connections past their deadline */

static void *reaper(void *arg)
{
    cm_http_conns *conns = arg;
    cm_http_conn *c;
    struct timespec ts;
    unsigned late, refused, evicted;
    char    peer[INET6_ADDRSTRLEN];
    long long now;

    (void) pthread_mutex_lock(&conns->lock);
    while (!conns->stop) {
	now = cm_time_mono_ms();
	for (c = conns->head; c; c = c->next) {
	    if (!c->closing && c->deadline != 0 && now >= c->deadline) {
		shut(conns, c);
		conns->late++;
	    }
	}
	late = conns->late;
	refused = conns->refused;
	evicted = conns->evicted;
	conns->late = conns->refused = conns->evicted = 0;
	(void) snprintf(peer, sizeof(peer), "%s", conns->last_peer);
	(void) pthread_mutex_unlock(&conns->lock);
	report(conns, late, refused, evicted, peer);
	(void) pthread_mutex_lock(&conns->lock);
	if (conns->stop)
	    break;
	(void) clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += 1;
	(void) pthread_cond_timedwait(&conns->wake, &conns->lock, &ts);
    }
    (void) pthread_mutex_unlock(&conns->lock);
    return (0);
}

/* cm_http_conns_start - start the deadline thread */

int     cm_http_conns_start(cm_http_conns *conns)
{
    int     rc;

    if (conns->running)
	return (0);
    if ((rc = cm_thread_start(&conns->tid, reaper, conns)) == 0)
	conns->running = 1;
    return (rc);
}

/* cm_http_conns_free - stop the thread, free the table */

void    cm_http_conns_free(cm_http_conns *conns)
{
    cm_http_conn *c;

    if (conns == 0)
	return;
    if (conns->running) {
	(void) pthread_mutex_lock(&conns->lock);
	conns->stop = 1;
	(void) pthread_cond_signal(&conns->wake);
	(void) pthread_mutex_unlock(&conns->lock);
	(void) pthread_join(conns->tid, 0);
    }
    while ((c = conns->head) != 0) {		/* none, after MHD stopped */
	conns->head = c->next;
	free(c);
    }
    (void) pthread_cond_destroy(&conns->wake);
    (void) pthread_mutex_destroy(&conns->lock);
    free(conns);
}

/* over_share - does this peer hold its share already (lock held) */

static int over_share(cm_http_conns *conns, const struct sockaddr *sa,
		              unsigned have)
{
    return (have >= (cm_http_is_loopback(sa) ?
		     conns->loopback_per_ip : conns->max_per_ip));
}

/* cm_http_conns_admit - the accept policy: 1 admit, 0 refuse */

int     cm_http_conns_admit(cm_http_conns *conns, const struct sockaddr *sa)
{
    unsigned char addr[16];
    int     family;
    int     ok;

    peer_key(sa, &family, addr);
    (void) pthread_mutex_lock(&conns->lock);
    ok = !over_share(conns, sa, peer_count(conns, family, addr));
    if (!ok) {
	conns->refused++;
	if (family != 0)
	    (void) inet_ntop(family, addr, conns->last_peer,
			     sizeof(conns->last_peer));
    }
    (void) pthread_mutex_unlock(&conns->lock);
    return (ok);
}

/* cm_http_conns_open - enter a connection just accepted */

cm_http_conn *cm_http_conns_open(cm_http_conns *conns, int fd,
				         const struct sockaddr *sa)
{
    cm_http_conn *c;
    cm_http_conn *p;
    cm_http_conn *victim;

    if ((c = calloc(1, sizeof(*c))) == 0) {
	(void) shutdown(fd, SHUT_RDWR);
	return (0);
    }
    c->fd = fd;
    peer_key(sa, &c->family, c->addr);
    c->loopback = cm_http_is_loopback(sa);
    (void) pthread_mutex_lock(&conns->lock);
    c->deadline = cm_time_mono_ms() + conns->deadline_ms;
    c->prev = conns->tail;
    if (conns->tail)
	conns->tail->next = c;
    else
	conns->head = c;
    conns->tail = c;
    conns->live++;

    /*
     * The accept policy looked without the lock held across the accept:
     * several threads may have admitted the same peer at once. Here is
     * the firm count.
     */
    if (over_share(conns, sa, peer_count(conns, c->family, c->addr) - 1)) {
	shut(conns, c);
	conns->refused++;
    }

    /*
     * Past max_conns: shut down the connection that has waited longest
     * for its request. There always is one that waits: this one.
     */
    else if (conns->live > conns->max_conns) {
	victim = 0;
	for (p = conns->head; p; p = p->next)
	    if (!p->closing && p->deadline != 0
		&& (victim == 0 || p->deadline < victim->deadline))
		victim = p;
	if (victim) {
	    shut(conns, victim);
	    conns->evicted++;
	}
    }
    (void) pthread_mutex_unlock(&conns->lock);
    return (c);
}

/* cm_http_conns_close - remove an entry, before its socket is closed */

void    cm_http_conns_close(cm_http_conns *conns, cm_http_conn *c)
{
    if (c == 0)
	return;
    (void) pthread_mutex_lock(&conns->lock);
    if (c->prev)
	c->prev->next = c->next;
    else
	conns->head = c->next;
    if (c->next)
	c->next->prev = c->prev;
    else
	conns->tail = c->prev;
    if (!c->closing)
	conns->live--;
    (void) pthread_mutex_unlock(&conns->lock);
    free(c);
}

/* cm_http_conns_answering - a request is complete: no deadline now */

void    cm_http_conns_answering(cm_http_conns *conns, cm_http_conn *c)
{
    if (c == 0)
	return;
    (void) pthread_mutex_lock(&conns->lock);
    c->deadline = 0;
    (void) pthread_mutex_unlock(&conns->lock);
}

/* cm_http_conns_waiting - an answer is out: the next request's deadline */

void    cm_http_conns_waiting(cm_http_conns *conns, cm_http_conn *c)
{
    if (c == 0)
	return;
    (void) pthread_mutex_lock(&conns->lock);
    c->deadline = cm_time_mono_ms() + conns->deadline_ms;
    (void) pthread_mutex_unlock(&conns->lock);
}
