#ifndef CM_TIMEPARSE_H
#define CM_TIMEPARSE_H

/*++
/* NAME
/*	timeparse 3h
/* SUMMARY
/*	event times: Unix seconds or RFC 3339
/* SYNOPSIS
/*	#include "timeparse.h"
/*
/*	cm_time_parse(): Unix seconds or RFC 3339 to seconds;
/*	cm_time_format(): seconds to RFC 3339 UTC.
/* DESCRIPTION
/*	See timeparse.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#define CM_TIME_MAX	253402300799LL	/* 9999-12-31T23:59:59Z */
#define CM_TIME_SIZE	21		/* "YYYY-MM-DDTHH:MM:SSZ" + null */

 /*
  * Clock skew tolerated for event times (DESIGN.md section 3): a writer
  * refuses a time further ahead of its clock, and the policy (row 16a)
  * does not count stored consent further ahead of the reader's clock.
  */
#define CM_TIME_FUTURE_MAX 300		/* seconds */

extern int cm_time_parse(const char *s, long long *out);
extern const char *cm_time_format(long long t, char *buf, size_t size);

#endif
