/* SPDX-License-Identifier: BSD-3-Clause; Copyright (c) 2026 the consent-milter authors. */
/*
 * NAME
 *	redis_fixture 3
 * SUMMARY
 *	a private redis-server for a Check test
 * SYNOPSIS
 *	#include "redis_fixture.h"
 *
 *	void	cm_rfix_start(s, dir, name, tcp, extra)
 *	cm_rfix	*s;
 *	const char *dir, *name;
 *	int	tcp;
 *	const char *const *extra;
 *
 *	void	cm_rfix_stop(s, sig)
 *	cm_rfix	*s;
 *	int	sig;
 *
 *	int	cm_rfix_listen(port)
 *	int	*port;
 * DESCRIPTION
 *	cm_rfix_listen() returns a socket bound (not listening) to a
 *	loopback port the kernel picked, and the port: for a free port
 *	(close it at once) or a fake server (listen on it).
 *
 *	The one way a C test starts a redis-server of its own (the
 *	harness's server is tests/lib/redis.sh's; shell tests use
 *	cm_redis_start there).
 *
 *	cm_rfix_start() runs $REDIS_SERVER (default redis-server) in the
 *	foreground as a child, with a unix socket DIR/NAME.sock and, when
 *	tcp is non-zero, a free port on 127.0.0.1 (s->port; else 0). No
 *	persistence; the pid file DIR/NAME.pid lets tests/lib/redis.sh
 *	stop it should the test die; the log is DIR/NAME.log. Replicas
 *	sync at once. extra (null-terminated, or null) is appended to the
 *	arguments. It returns when the server answers PING (PONG or
 *	NOAUTH); the child dies with the test (PR_SET_PDEATHSIG).
 *
 *	cm_rfix_stop() sends sig to a running server and waits for it.
 * DIAGNOSTICS
 *	A server that does not answer in 5 s (after five tries for a
 *	port another process took first) fails the test.
 */

/* System library. */

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Utility library. */

#include <check.h>
#include <hiredis/hiredis.h>

/* Application-specific. */

#include "redis_fixture.h"

#define RFIX_ARGS	40

/* rfix_nap - 50 ms */

static void rfix_nap(void)
{
    struct timespec ts = {0, 50 * 1000000L};

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
	 /* void */ ;
}

/* cm_rfix_listen - a bound loopback TCP socket on a port the kernel picks */

int     cm_rfix_listen(int *port)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);
    int     fd;

    ck_assert((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert(bind(fd, (struct sockaddr *) &sin, sizeof(sin)) == 0);
    ck_assert(getsockname(fd, (struct sockaddr *) &sin, &len) == 0);
    *port = ntohs(sin.sin_port);
    return (fd);
}

/* rfix_free_port - a loopback port that nobody listens on just now */

static int rfix_free_port(void)
{
    int     port;

    close(cm_rfix_listen(&port));
    return (port);
}

/* rfix_answers - the server answers PING on its socket */

static int rfix_answers(const cm_rfix *s)
{
    redisContext *c;
    redisReply *r;
    int     up = 0;

    if ((c = redisConnectUnix(s->sock)) != 0 && c->err == 0
	&& (r = redisCommand(c, "PING")) != 0) {
	freeReplyObject(r);			/* PONG or NOAUTH: it is up */
	up = 1;
    }
    if (c)
	redisFree(c);
    return (up);
}

/* cm_rfix_start - run a server, wait until it answers */

void    cm_rfix_start(cm_rfix *s, const char *dir, const char *name, int tcp,
		              const char *const *extra)
{
    const char *prog = getenv("REDIS_SERVER");
    const char *argv[RFIX_ARGS];
    char    port[16], pidfile[256];
    int     argc, tries, attempt, i;

    if (prog == 0 || *prog == 0)
	prog = "redis-server";
    memset(s, 0, sizeof(*s));
    snprintf(s->name, sizeof(s->name), "%s", name);
    snprintf(s->sock, sizeof(s->sock), "%s/%s.sock", dir, name);
    snprintf(pidfile, sizeof(pidfile), "%s/%s.pid", dir, name);
    snprintf(s->log, sizeof(s->log), "%s/%s.log", dir, name);

    /* Another process may take the port first: then try another. */
    for (attempt = 0; attempt < 5; attempt++) {
	s->port = tcp ? rfix_free_port() : 0;
	snprintf(port, sizeof(port), "%d", s->port);
	argc = 0;
	argv[argc++] = prog;
	argv[argc++] = "--port";
	argv[argc++] = port;
	argv[argc++] = "--bind";
	argv[argc++] = "127.0.0.1";
	argv[argc++] = "--unixsocket";
	argv[argc++] = s->sock;
	argv[argc++] = "--unixsocketperm";
	argv[argc++] = "700";
	argv[argc++] = "--save";
	argv[argc++] = "";
	argv[argc++] = "--appendonly";
	argv[argc++] = "no";
	argv[argc++] = "--daemonize";
	argv[argc++] = "no";
	argv[argc++] = "--dir";
	argv[argc++] = dir;
	argv[argc++] = "--pidfile";
	argv[argc++] = pidfile;
	argv[argc++] = "--logfile";
	argv[argc++] = s->log;
	/* Replicas sync at once, not after the default 5 s. */
	argv[argc++] = "--repl-diskless-sync-delay";
	argv[argc++] = "0";
	for (i = 0; extra && extra[i] && argc < RFIX_ARGS - 1; i++)
	    argv[argc++] = extra[i];
	argv[argc] = 0;
	unlink(s->sock);
	s->pid = fork();
	ck_assert_msg(s->pid >= 0, "fork: %s", strerror(errno));
	if (s->pid == 0) {
	    /* Do not outlive the test, whatever happens to it. */
	    prctl(PR_SET_PDEATHSIG, SIGKILL);
	    execvp(prog, (char *const *) argv);
	    _exit(127);
	}
	for (tries = 0; tries < 100; tries++) {
	    if (waitpid(s->pid, 0, WNOHANG) == s->pid)
		break;				/* exited: port taken? */
	    if (rfix_answers(s))
		return;
	    rfix_nap();
	}
	if (tries == 100) {			/* alive but deaf */
	    cm_rfix_stop(s, SIGKILL);
	    break;
	}
	s->pid = 0;
	if (!tcp)
	    break;
    }
    ck_abort_msg("redis-server %s did not start (see %s)", name, s->log);
}

/* cm_rfix_stop - stop a server with a signal and wait for it */

void    cm_rfix_stop(cm_rfix *s, int sig)
{
    if (s->pid > 0) {
	kill(s->pid, sig);
	waitpid(s->pid, 0, 0);
	s->pid = 0;
    }
}
