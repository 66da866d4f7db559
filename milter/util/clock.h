#ifndef CM_CLOCK_H
#define CM_CLOCK_H

/*++
/* NAME
/*	clock 3h
/* SUMMARY
/*	wall clock, interval clock, RFC 3339 time stamps
/* SYNOPSIS
/*	#include "clock.h"
/*
/*	cm_time_rfc3339(): Unix seconds (and millis) as RFC 3339 UTC.
/*	cm_time_now_ms(), cm_time_now(): wall clock (milliseconds,
/*	seconds); cm_time_mono_ms(): interval clock.
/* DESCRIPTION
/*	See clock.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

extern void cm_time_rfc3339(char *out, size_t size, long long seconds,
			            int millis);
extern long long cm_time_now_ms(void);
extern long long cm_time_now(void);
extern long long cm_time_mono_ms(void);

#endif
