#ifndef CM_DETACH_H
#define CM_DETACH_H

/*++
/* NAME
/*	detach 3h
/* SUMMARY
/*	become a daemon; the command's exit status is the start's result
/* SYNOPSIS
/*	#include "detach.h"
/* DESCRIPTION
/*	See detach.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

extern int cm_detach(int *ready_fd);
extern void cm_detach_ready(int ready_fd);

#endif
