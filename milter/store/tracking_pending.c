/*++
/* NAME
/*	tracking_pending 3
/* SUMMARY
/*	has an invalidation reached the daemon without being applied
/* SYNOPSIS
/*	#include "tracking_impl.h"
/*
/*	int	tracking_watch_open(t)
/*	cm_tracker *t;
/*
/*	int	tracking_watch(t, fd, on)
/*	cm_tracker *t;
/*	int	fd;
/*	int	on;
/*
/*	ssize_t	tracking_pongs_waiting(fd)
/*	int	fd;
/*
/*	int	cm_tracker_pending(t)
/*	cm_tracker *t;
/* DESCRIPTION
/*	This module is the part of tracking(3) that every cached lookup
/*	asks first: is there something on the invalidation link that the
/*	link's thread has not applied yet? Then the lookup does not use
/*	the cache, and a decision that starts after Redis sent an
/*	invalidation never uses the entry it invalidates, however late
/*	the thread is scheduled.
/*
/*	tracking_watch_open() makes the tracker's watch set (on Linux an
/*	epoll instance, close-on-exec; elsewhere nothing). The tracker
/*	calls it when its thread starts, after the daemon detached.
/*	tracking_watch() adds the link's socket fd to the set (on
/*	non-zero) or takes it out (zero); the link's thread calls it before
/*	it publishes fd in t->fd, and after it withdrew it.
/*
/*	tracking_pongs_waiting() looks (MSG_PEEK) at what waits in the
/*	link's socket fd: when that is one or more whole answers to PING
/*	(["pong", ""], all the link asks) and nothing else, it returns
/*	their length in bytes; otherwise (nothing, anything else, a
/*	part of an answer, more than it looks at, an error) 0.
/*
/*	cm_tracker_pending() returns 1 while an invalidation may be
/*	waiting: the link is down (t->fd < 0), the socket has something to
/*	read other than answers to PING (or the look fails), or the thread
/*	is applying what it read (t->busy); 0 otherwise. The link PINGs
/*	every 250 ms: were each answer, until the thread is scheduled to
/*	read it, taken for a change, lookups on a busy host would go to
/*	Redis at random (a few in a hundred on two loaded cores). An
/*	answer to PING alone changes nothing, and a change sent after it
/*	is seen by the next lookup like any other.
/*
/*	On Linux the look is epoll_wait(2) with no
/*	timeout on the level-triggered set that holds only the link's
/*	socket: the kernel marks the set when data arrives on the socket,
/*	in the sender's context, so the look reads a list instead of
/*	asking the socket (150 ns against poll(2)'s 350 on the machine of
/*	the benchmarks; a lookup of an envelope campaign makes one per
/*	recipient). Elsewhere it is poll(2) with no timeout.
/* DIAGNOSTICS
/*	tracking_watch_open() and tracking_watch() return -1 with errno
/*	set when the system refuses.
/* SEE ALSO
/*	tracking(3), the invalidation link.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#ifdef __linux__
#include <sys/epoll.h>
#endif

/* Application-specific. */

#include "tracking_impl.h"

/* tracking_watch_open - the set that cm_tracker_pending() looks at */

int     tracking_watch_open(cm_tracker *t)
{
#ifdef __linux__
    if (t->epfd < 0 && (t->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
	return (-1);
#else
    (void) t;
#endif
    return (0);
}

/* tracking_watch - put the link's socket into the set, or take it out */

int     tracking_watch(cm_tracker *t, int fd, int on)
{
#ifdef __linux__
    struct epoll_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN;			/* level: ready while unread */
    ev.data.fd = fd;
    return (epoll_ctl(t->epfd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, fd, &ev));
#else
    (void) t;
    (void) fd;
    (void) on;
    return (0);
#endif
}

/* tracking_pongs_waiting - the bytes in the socket, if answers to PING alone */

ssize_t tracking_pongs_waiting(int fd)
{
    /* PING on a subscribed RESP2 connection: ["pong", ""]. */
    static const char pong[] = "*2\r\n$4\r\npong\r\n$0\r\n\r\n";
    const size_t plen = sizeof(pong) - 1;
    char    buf[4 * (sizeof(pong) - 1) + 1];	/* one more: is it all? */
    ssize_t n;
    size_t  at;

    do {
	n = recv(fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n <= 0 || (size_t) n == sizeof(buf) || (size_t) n % plen != 0)
	return (0);
    for (at = 0; at < (size_t) n; at += plen)
	if (memcmp(buf + at, pong, plen) != 0)
	    return (0);
    return (n);
}

/* cm_tracker_pending - invalidations may be waiting: do not serve now */

int     cm_tracker_pending(cm_tracker *t)
{
#ifdef __linux__
    struct epoll_event ev;
#else
    struct pollfd pfd;
#endif
    int     fd, ready;

    /*
     * The socket first, then the flag: the thread sets the flag before
     * it reads, and clears it after it applied what it read. So either
     * what Redis sent is still in the socket, or it is being applied,
     * or it has been applied.
     */
    if ((fd = __atomic_load_n(&t->fd, __ATOMIC_SEQ_CST)) < 0)
	return (1);
#ifdef __linux__
    /* fd is in the set while published. */
    ready = epoll_wait(t->epfd, &ev, 1, 0);
#else
    pfd.fd = fd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    ready = poll(&pfd, 1, 0);
#endif
    if (ready < 0 || (ready > 0 && tracking_pongs_waiting(fd) == 0))
	return (1);
    return (__atomic_load_n(&t->busy, __ATOMIC_SEQ_CST));
}
