#ifndef CM_FACTS_H
#define CM_FACTS_H

/*++
/* NAME
/*	facts 3h
/* SUMMARY
/*	the facts of a message and of a recipient, built in one place
/* SYNOPSIS
/*	#include "facts.h"
/*
/*	cm_msg_sender(), cm_msg_facts_fill(): the sender and the message
/*	facts; cm_rcpt_fill(), cm_rcpt_free(), cm_rcpt_label(): one
/*	envelope recipient; cm_rcpt_record_clear(), cm_campaign_clear():
/*	release what the store filled in.
/* DESCRIPTION
/*	See facts.c. The daemon and "consentctl check" build their facts
/*	here, so that both decide on the same input.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#include "arena.h"
#include "buf.h"
#include "policy.h"
#include "rcptform.h"

/* One envelope recipient: who, what the store holds, what was decided. */
typedef struct cm_rcpt {
    char   *raw;			/* as the MTA sent it: for delrcpt */
    int     raw_heap;			/* raw is ours to free (no arena) */
    char    norm[CM_ID_SIZE];		/* normalised, "" if it did not parse */
    int     raw_cut;			/* raw is the argument cut short */
    cm_rcptform form;			/* raw_cut: the argument's; cm_rcpt_form() */
    cm_rcpt_facts facts;		/* in: address and record id */
    cm_rcpt_record record;		/* out: what store(3) read */
    cm_verdict verdict;
    int     decided;			/* verdict is valid */
    int     refused;			/* refused (or, dry-run, would be) at RCPT */
} cm_rcpt;

extern cm_addr_status cm_msg_sender(const char *raw, cm_buf *out);
extern void cm_msg_facts_fill(cm_msg_facts *m, const char *campaign,
			              const cm_campaign *record,
			              const char *sender, const char *auth);
extern int cm_rcpt_fill(cm_rcpt *r, const cm_addrkey *key, const char *raw,
			         cm_arena *arena);
extern void cm_rcpt_free(cm_rcpt *r);
extern const char *cm_rcpt_label(const cm_rcpt *r);
extern cm_rcptform cm_rcpt_form(const cm_rcpt *r);
extern void cm_rcpt_record_clear(cm_rcpt_record *rec);
extern void cm_campaign_clear(cm_campaign *camp);

#endif
