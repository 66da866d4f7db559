#ifndef CM_LOG_H
#define CM_LOG_H

/*++
/* NAME
/*	log 3h
/* SUMMARY
/*	diagnostics to syslog and standard error
/* SYNOPSIS
/*	#include "log.h"
/*
/*	cm_log_init(), cm_log(), cm_log_text(): diagnostics to syslog and,
/*	in the foreground, standard error.
/* DESCRIPTION
/*	See log.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>
#include <syslog.h>

#define CM_LOG_LINE_MAX	2048		/* longer lines are cut */

extern void cm_log_init(const char *ident, int to_syslog, int to_stderr);
extern void cm_log_stderr(int max_priority);
extern void cm_log_facility(int facility);
extern void cm_log(int priority, const char *fmt,...)
	    __attribute__((format(printf, 2, 3)));
extern void cm_log_text(int priority, const char *text, size_t len);

#endif
