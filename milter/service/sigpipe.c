/*++
/* NAME
/*	sigpipe 3
/* SUMMARY
/*	signals for the main thread, through a pipe
/* SYNOPSIS
/*	#include "sigpipe.h"
/*
/*	int	cm_sigpipe_open(sigs, nsigs, mask)
/*	const int *sigs;
/*	int	nsigs;
/*	sigset_t *mask;
/*
/*	void	cm_sigpipe_note(c)
/*	char	c;
/*
/*	int	cm_sigpipe_wait(timeout_ms)
/*	int	timeout_ms;
/* DESCRIPTION
/*	Our daemons do their work on threads (libmilter's, libmicro-
/*	httpd's) and keep the main thread for what a signal asks: reopen
/*	the audit trail, reload, stop. A handler may do next to nothing,
/*	so it writes the signal's number into a pipe, and the main thread
/*	waits on the other end and does the work in ordinary code.
/*
/*	cm_sigpipe_open() makes the pipe, catches each of the nsigs
/*	signals in sigs with that handler, ignores SIGPIPE (a peer that
/*	went away is an error return, not a death) and sets mask to the
/*	caught signals. The caller blocks mask while it starts its worker
/*	threads, which inherit it, and unblocks it after: the signals then
/*	reach the main thread only.
/*
/*	cm_sigpipe_note() writes c as a signal would (async-signal-safe):
/*	a worker thread's way to wake the main thread, with a byte that
/*	is no signal's number.
/*
/*	cm_sigpipe_wait() waits up to timeout_ms (-1: for ever) and
/*	returns the next byte (a signal's number, or a byte noted), 0 on
/*	timeout, -1 when the pipe is closed or broken. Interrupted calls
/*	are restarted.
/* DIAGNOSTICS
/*	cm_sigpipe_open() returns -1 with errno set when the pipe cannot
/*	be made.
/* BUGS
/*	One pipe per process: a second cm_sigpipe_open() replaces the
/*	first.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

/* Application-specific. */

#include "sigpipe.h"

static int sig_pipe[2] = {-1, -1};

/* on_signal - note a signal for the main thread (async-signal-safe) */

static void on_signal(int sig)
{
    cm_sigpipe_note((char) sig);
}

/* cm_sigpipe_note - wake the main thread with byte c */

void    cm_sigpipe_note(char c)
{
    int     saved = errno;

    if (write(sig_pipe[1], &c, 1) < 0) {
	/* The pipe is full: a wake-up is already pending. */
    }
    errno = saved;
}

/* cm_sigpipe_open - catch sigs into the pipe */

int     cm_sigpipe_open(const int *sigs, int nsigs, sigset_t *mask)
{
    struct sigaction sa;
    int     i;

    /*
     * Non-blocking, so that a handler never waits on a full pipe (a
     * wake-up is pending then anyway); not inherited by what we run.
     */
    if (pipe2(sig_pipe, O_NONBLOCK | O_CLOEXEC) != 0)
	return (-1);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    (void) sigemptyset(&sa.sa_mask);
    (void) sigemptyset(mask);
    for (i = 0; i < nsigs; i++) {
	(void) sigaction(sigs[i], &sa, 0);
	(void) sigaddset(mask, sigs[i]);
    }
    (void) signal(SIGPIPE, SIG_IGN);
    return (0);
}

/* cm_sigpipe_wait - the next byte, 0 on timeout, -1 when closed */

int     cm_sigpipe_wait(int timeout_ms)
{
    struct pollfd pfd;
    ssize_t n;
    char    c;
    int     ready;

    for (;;) {
	pfd.fd = sig_pipe[0];
	pfd.events = POLLIN;
	if ((ready = poll(&pfd, 1, timeout_ms)) == 0)
	    return (0);
	if (ready < 0) {
	    if (errno == EINTR)
		continue;
	    return (-1);
	}
	if ((n = read(sig_pipe[0], &c, 1)) < 0
	    && (errno == EINTR || errno == EAGAIN))
	    continue;
	return (n == 1 ? (unsigned char) c : -1);
    }
}
