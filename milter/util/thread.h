#ifndef CM_THREAD_H
#define CM_THREAD_H

/*++
/* NAME
/*	thread 3h
/* SUMMARY
/*	a worker thread that leaves the signals to the main thread
/* SYNOPSIS
/*	#include "thread.h"
/* DESCRIPTION
/*	See thread.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <pthread.h>

extern int cm_thread_start(pthread_t *tid, void *(*fn) (void *), void *arg);

#endif
