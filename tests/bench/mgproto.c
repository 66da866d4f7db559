/*++
/* NAME
/*	mgproto 3
/* SUMMARY
/*	milter protocol, MTA side, for miltergen
/* SYNOPSIS
/*	#include "mgproto.h"
/*
/*	int	mg_connect(spec)
/*	int	mg_negotiate(c)
/*	size_t	mg_pkt_begin(c, cmd)
/*	void	mg_put(c, data, len), mg_put32(c, v), mg_putstr(c, s)
/*	void	mg_pkt_end(c, at)
/*	void	mg_macros(c, stage, name_value_list)
/*	int	mg_step_end(c, at, nr_bit, text, textlen)
/*	int	mg_await(c, text, textlen)
/*	int	mg_read(c, cmd, data, len)
/*	int	mg_flush(c)
/* DESCRIPTION
/*	The plumbing of miltergen(1): packets of the milter protocol
/*	(4-byte length, command byte, data) on one connection.
/*
/*	mg_connect() opens "unix:/path" or "inet:port@host" with a read
/*	timeout of mg_timeout_ms (default 60 s), the MTA's command
/*	timeout: a reply that does not come in time counts in
/*	c->timedout and sets c->error. mg_negotiate() offers protocol version 6, every action
/*	and every protocol flag an MTA can honour, and keeps the milter's
/*	answer in c->actions and c->proto.
/*
/*	Packets are built in c->out: mg_pkt_begin() opens one and returns
/*	its offset, mg_put*() append data, mg_pkt_end() fills in the
/*	length (and, with mg_split_writes, writes it out at once, as a
/*	naive MTA would). mg_macros() is a whole SMFIC_MACRO packet from
/*	a null-terminated list of name, value pairs (a null value leaves
/*	the pair out). Whatever is buffered is written when a reply is
/*	read (mg_flush()), as Postfix's buffered stream does.
/*
/*	mg_read() reads one reply packet; its data is null-terminated.
/*	mg_await() reads the answer to one step, past SMFIR_PROGRESS,
/*	and counts the wait (the longest one in c->max_wait). mg_step_end() ends a step's packet and
/*	waits for its answer, unless the milter negotiated no reply for
/*	it (nr_bit): then it returns MG_ANS_NONE.
/* DIAGNOSTICS
/*	I/O errors set c->error and return -1. mg_die() and mg_alloc()
/*	exit.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

/* Utility library. */

#include <libmilter/mfapi.h>
#include <libmilter/mfdef.h>

/* Application-specific. */

#include "mgproto.h"

/* What we offer: every step can be left out or left unanswered. */
#define OFFER_ACTIONS	0x1ffUL
#define OFFER_PROTO	(SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | \
	SMFIP_NORCPT | SMFIP_NOBODY | SMFIP_NOHDRS | SMFIP_NOEOH | \
	SMFIP_NR_HDR | SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_SKIP | \
	SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT | \
	SMFIP_NR_DATA | SMFIP_NR_UNKN | SMFIP_NR_EOH | SMFIP_NR_BODY | \
	SMFIP_HDR_LEADSPC)

int     mg_verbose;
int     mg_split_writes;
int     mg_timeout_ms = 60000;

/* mg_now - monotonic seconds */

double  mg_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* mg_die - report a fatal error and exit */

void    mg_die(int status, const char *what, const char *detail)
{
    fprintf(stderr, "miltergen: %s%s%s\n", what, detail ? ": " : "",
	    detail ? detail : "");
    exit(status);
}

/* mg_alloc - allocate or die */

void   *mg_alloc(void *old, size_t size)
{
    void   *p = realloc(old, size ? size : 1);

    if (p == 0)
	mg_die(2, "out of memory", 0);
    return (p);
}

/* mg_connect - connect to unix:/path or inet:port@host */

int     mg_connect(const char *spec)
{
    struct sockaddr_un sun;
    struct addrinfo hints, *res, *ai;
    struct timeval tv;
    char    port[32];
    const char *at, *path;
    int     fd = -1;
    int     saved;

    if ((path = strchr(spec, ':')) == 0)
	mg_die(64, "bad socket (unix:/path or inet:port@host)", spec);
    path++;
    if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0) {
	if (strlen(path) >= sizeof(sun.sun_path))
	    mg_die(64, "socket path too long", path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0
	    && connect(fd, (struct sockaddr *) &sun, sizeof(sun)) != 0) {
	    saved = errno;
	    close(fd);
	    errno = saved;			/* for the caller's message */
	    fd = -1;
	}
    } else if (strncmp(spec, "inet", 4) == 0 && (at = strchr(path, '@'))) {
	snprintf(port, sizeof(port), "%.*s", (int) (at - path), path);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(at + 1, port, &hints, &res) != 0)
	    mg_die(64, "cannot resolve", spec);
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
	    if ((fd = socket(ai->ai_family, SOCK_STREAM, 0)) >= 0
		&& connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		saved = errno;
		close(fd);
		errno = saved;
		fd = -1;
	    }
	}
	freeaddrinfo(res);
    } else {
	mg_die(64, "bad socket (unix:/path or inet:port@host)", spec);
    }
    tv.tv_sec = mg_timeout_ms / 1000;
    tv.tv_usec = (mg_timeout_ms % 1000) * 1000;
    if (fd >= 0)
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return (fd);
}

/* mg_put - append bytes to the output buffer */

void    mg_put(mg_conn *c, const void *data, size_t len)
{
    if (c->outlen + len > c->outsize) {
	c->outsize = 2 * (c->outlen + len) + 4096;
	c->out = mg_alloc(c->out, c->outsize);
    }
    memcpy(c->out + c->outlen, data, len);
    c->outlen += len;
}

/* mg_put32 - append a 32-bit network-order number */

void    mg_put32(mg_conn *c, unsigned long v)
{
    uint32_t n = htonl((uint32_t) v);

    mg_put(c, &n, 4);
}

/* mg_putstr - append a string with its null */

void    mg_putstr(mg_conn *c, const char *s)
{
    mg_put(c, s, strlen(s) + 1);
}

/* mg_flush - write out what is buffered */

int     mg_flush(mg_conn *c)
{
    size_t  done = 0;
    ssize_t n;

    while (done < c->outlen) {
	if ((n = write(c->fd, c->out + done, c->outlen - done)) < 0) {
	    if (errno == EINTR)
		continue;
	    c->error = 1;
	    return (-1);
	}
	done += n;
    }
    c->outlen = 0;
    return (0);
}

/* mg_pkt_begin - start a packet; returns where its length goes */

size_t  mg_pkt_begin(mg_conn *c, int cmd)
{
    size_t  at = c->outlen;
    char    ch = (char) cmd;

    mg_put32(c, 0);
    mg_put(c, &ch, 1);
    return (at);
}

/* mg_pkt_end - fill in the length of the packet started at "at" */

void    mg_pkt_end(mg_conn *c, size_t at)
{
    uint32_t n = htonl((uint32_t) (c->outlen - at - 4));

    memcpy(c->out + at, &n, 4);
    if (mg_verbose)
	fprintf(stderr, "[%d] > %c (%lu bytes)\n", c->id, c->out[at + 4],
		(unsigned long) (c->outlen - at - 5));
    if (mg_split_writes)
	(void) mg_flush(c);
}

/* mg_macros - a SMFIC_MACRO packet: name, value, name, value, ..., 0 */

void    mg_macros(mg_conn *c, int stage, const char *const *nv)
{
    size_t  at;
    char    ch = (char) stage;

    if (nv[0] == 0)
	return;
    at = mg_pkt_begin(c, SMFIC_MACRO);
    mg_put(c, &ch, 1);
    for (; nv[0] != 0; nv += 2)
	if (nv[1] != 0) {
	    mg_putstr(c, nv[0]);
	    mg_putstr(c, nv[1]);
	}
    mg_pkt_end(c, at);
}

/* fill - make sure "want" bytes are buffered at c->inpos */

static int fill(mg_conn *c, size_t want)
{
    ssize_t n;

    if (c->inlen - c->inpos >= want)
	return (0);
    if (c->inpos > 0) {
	memmove(c->in, c->in + c->inpos, c->inlen - c->inpos);
	c->inlen -= c->inpos;
	c->inpos = 0;
    }
    while (c->inlen < want) {
	n = read(c->fd, c->in + c->inlen, MG_MAX_PKT + 8 - c->inlen);
	if (n < 0 && errno == EINTR)
	    continue;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
	    fprintf(stderr, "miltergen: conn %d: no answer within %d ms "
		    "(the MTA's timeout)\n", c->id, mg_timeout_ms);
	    c->timedout++;
	}
	if (n <= 0) {
	    c->error = 1;
	    return (-1);
	}
	c->inlen += n;
    }
    return (0);
}

/* mg_read - read one reply packet; data is null-terminated */

int     mg_read(mg_conn *c, int *cmd, char **data, size_t *len)
{
    uint32_t n;

    if (c->outlen > 0 && mg_flush(c) != 0)
	return (-1);
    if (fill(c, 5) != 0)
	return (-1);
    memcpy(&n, c->in + c->inpos, 4);
    n = ntohl(n);
    if (n < 1 || n > MG_MAX_PKT) {
	c->error = 1;
	return (-1);
    }
    if (fill(c, 4 + n) != 0)
	return (-1);
    *cmd = c->in[c->inpos + 4];
    memcpy(c->pkt, c->in + c->inpos + 5, n - 1);
    c->pkt[n - 1] = 0;
    *data = c->pkt;
    *len = n - 1;
    c->inpos += 4 + n;
    if (mg_verbose)
	fprintf(stderr, "[%d] < %c (%lu bytes)\n", c->id, *cmd,
		(unsigned long) *len);
    return (0);
}

/* mg_await - the milter's answer to one step, after any SMFIR_PROGRESS */

int     mg_await(mg_conn *c, char *text, size_t textlen)
{
    int     cmd;
    char   *data;
    size_t  len;
    double  t0 = mg_now();

    c->st.waits++;
    do {
	if (mg_read(c, &cmd, &data, &len) != 0)
	    return (-1);
    } while (cmd == SMFIR_PROGRESS);
    if (mg_now() - t0 > c->max_wait)
	c->max_wait = mg_now() - t0;
    snprintf(text, textlen, "%.*s", (int) len, data);
    return (cmd);
}

/* mg_step_end - finish a step's packet and collect its answer */

int     mg_step_end(mg_conn *c, size_t at, unsigned long nr_bit, char *text,
		            size_t textlen)
{
    mg_pkt_end(c, at);
    if (c->proto & nr_bit)
	return (MG_ANS_NONE);
    return (mg_await(c, text, textlen));
}

/* mg_negotiate - SMFIC_OPTNEG; keeps what the milter asked for */

int     mg_negotiate(mg_conn *c)
{
    size_t  at = mg_pkt_begin(c, SMFIC_OPTNEG);
    int     cmd;
    char   *data;
    size_t  len;
    uint32_t v[3];

    mg_put32(c, SMFI_PROT_VERSION);
    mg_put32(c, OFFER_ACTIONS);
    mg_put32(c, OFFER_PROTO);
    mg_pkt_end(c, at);
    if (mg_read(c, &cmd, &data, &len) != 0)
	return (-1);
    if (cmd != SMFIC_OPTNEG || len < 12) {
	fprintf(stderr, "miltergen: bad answer to option negotiation: "
		"'%c', %lu bytes\n", cmd, (unsigned long) len);
	c->error = 1;
	return (-1);
    }
    memcpy(v, data, 12);
    c->actions = ntohl(v[1]);
    c->proto = ntohl(v[2]);
    return (0);
}
