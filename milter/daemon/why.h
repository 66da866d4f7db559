#ifndef CM_WHY_H
#define CM_WHY_H

/*++
/* NAME
/*	why 3h
/* SUMMARY
/*	LogWhy: one log line per decision, explaining it
/* SYNOPSIS
/*	#include "why.h"
/* DESCRIPTION
/*	See why.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include "action.h"
#include "config.h"
#include "policy.h"

extern void cm_why_log(const char *qid, const char *rcpt,
		               const char *campaign, const cm_verdict *v,
		               cm_action action, cm_mode mode);

#endif
