#ifndef CM_ACTION_H
#define CM_ACTION_H

/*++
/* NAME
/*	action 3h
/* SUMMARY
/*	what a decision does to the mail
/* SYNOPSIS
/*	#include "action.h"
/*
/*	cm_action_rcpt(), cm_action_plan(): what a decision does at RCPT
/*	and end of data; cm_reply_text(): the SMTP reply.
/* DESCRIPTION
/*	See action.c. Pure functions: no I/O, no libmilter.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "policy.h"

/* The order must match the name table in action.c. */
typedef enum cm_action {
    CM_ACTION_ACCEPT,
    CM_ACTION_REJECT,
    CM_ACTION_STRIP,
    CM_ACTION_TEMPFAIL,
    CM_ACTION_QUARANTINE,
    CM_ACTION_TAG
} cm_action;

/* The fate of a whole message at end of message. */
typedef struct cm_eom_plan {
    cm_action message;			/* ACCEPT, REJECT, TEMPFAIL, QUARANTINE */
    int     strip;			/* delete the denied recipients */
    int     tag;			/* deliver denied ones, marked */
} cm_eom_plan;

extern cm_action cm_action_rcpt(const cm_config *cfg, const cm_verdict *v);
extern void cm_action_plan(const cm_config *cfg, size_t allowed,
			           size_t denied, size_t tempfailed,
			           int tagged, cm_eom_plan *plan);
extern cm_action cm_action_for(const cm_eom_plan *plan, const cm_verdict *v);
extern const char *cm_action_name(cm_action action);

extern void cm_reply_text(cm_buf *out, const char *addr, const char *reason,
			          const char *campaign);

#endif
