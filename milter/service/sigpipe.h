#ifndef CM_SIGPIPE_H
#define CM_SIGPIPE_H

/*++
/* NAME
/*	sigpipe 3h
/* SUMMARY
/*	signals for the main thread, through a pipe
/* SYNOPSIS
/*	#include "sigpipe.h"
/* DESCRIPTION
/*	See sigpipe.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <signal.h>

extern int cm_sigpipe_open(const int *sigs, int nsigs, sigset_t *mask);
extern void cm_sigpipe_note(char c);
extern int cm_sigpipe_wait(int timeout_ms);

#endif
