#ifndef CM_AUDIT_H
#define CM_AUDIT_H

/*++
/* NAME
/*	audit 3h
/* SUMMARY
/*	the audit trail
/* SYNOPSIS
/*	#include "audit.h"
/*
/*	cm_audit_format(), cm_audit_format_msg(): the audit record;
/*	cm_audit_open/write/reopen/close(): the audit log writer.
/* DESCRIPTION
/*	See audit.c. The record is a contract (DESIGN.md section 7).
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#include "action.h"
#include "buf.h"
#include "config.h"
#include "policy.h"

typedef struct cm_audit cm_audit;

#define CM_AUDIT_SUBJECT_MAX	200	/* bytes of Subject kept, UTF-8 whole */

/* One recipient decision. NULL strings are written as null. */
typedef struct cm_audit_record {
    long long time_ms;			/* Unix time, milliseconds */
    const char *qid;
    const char *msgid;
    const char *sender;
    const char *auth;
    const char *campaign;
    const char *purpose;
    const char *basis;
    const char *rcpt;			/* address or record id, or NULL */
    int     rcpt_pseudonymised;		/* write the key "rcpt_id" */
    cm_decision decision;
    const char *reason;
    cm_action action;
    cm_mode mode;
    const char *from;
    const char *subject;		/* Subject header as it came, or NULL */
    long long consent_at;		/* 0: unknown, key left out */
    const char *consent_src;		/* NULL: key left out */
    long long suppressed_at;		/* 0: unknown, key left out */
    const char *plugins;		/* raw JSON object, or NULL */
} cm_audit_record;

extern cm_audit *cm_audit_open(const char *path, int do_fsync,
			               char *err, size_t errlen);
extern int cm_audit_reopen(cm_audit *audit, char *err, size_t errlen);
extern int cm_audit_write(cm_audit *audit, const char *text, size_t len);
extern void cm_audit_close(cm_audit *audit);

/* The members that the records of one message share, formatted once. */
typedef struct cm_audit_msg {
    cm_buf  head;			/* ,"msgid":... up to "basis" */
    cm_buf  tail;			/* ,"mode":...,"from":... */
    int     ready;			/* head and tail are made */
    cm_buf  lead;			/* {"time":...,"qid":... of the last */
    cm_buf  lead_qid;			/* ... made with this qid */
    long long lead_ms;			/* ... and this time */
    int     lead_state;			/* 0: none, 1: qid NULL, 2: lead_qid */
} cm_audit_msg;

#define CM_AUDIT_MSG_INIT	{ CM_BUF_INIT, CM_BUF_INIT, 0, CM_BUF_INIT, \
				  CM_BUF_INIT, 0, 0 }

extern void cm_audit_format(cm_buf *out, const cm_audit_record *rec);
extern void cm_audit_format_msg(cm_buf *out, cm_audit_msg *msg,
				        const cm_audit_record *rec);
extern void cm_audit_msg_reset(cm_audit_msg *msg);
extern void cm_audit_msg_free(cm_audit_msg *msg);

#endif
