/*++
/* NAME
/*	thread 3
/* SUMMARY
/*	a worker thread that leaves the signals to the main thread
/* SYNOPSIS
/*	#include "thread.h"
/*
/*	int	cm_thread_start(tid, fn, arg)
/*	pthread_t *tid;
/*	void	*(*fn)(void *);
/*	void	*arg;
/* DESCRIPTION
/*	The daemons take their signals on the main thread, through a pipe
/*	(sigpipe(3)): any other thread that a signal reached would run a
/*	handler in the middle of its work. cm_thread_start() starts fn(arg)
/*	as pthread_create(3) does, with every signal blocked in the new
/*	thread, and leaves the caller's signal mask as it was.
/* DIAGNOSTICS
/*	The value of pthread_create(3): 0, or an error number.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <signal.h>

/* Application-specific. */

#include "thread.h"

/* cm_thread_start - start fn(arg) with every signal blocked */

int     cm_thread_start(pthread_t *tid, void *(*fn) (void *), void *arg)
{
    sigset_t all, old;
    int     status;

    (void) sigfillset(&all);
    (void) pthread_sigmask(SIG_BLOCK, &all, &old);
    status = pthread_create(tid, 0, fn, arg);
    (void) pthread_sigmask(SIG_SETMASK, &old, 0);
    return (status);
}
