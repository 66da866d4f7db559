#ifndef CM_POLICY_H
#define CM_POLICY_H

/*++
/* NAME
/*	policy 3h
/* SUMMARY
/*	the decision table
/* SYNOPSIS
/*	#include "policy.h"
/*
/*	cm_policy_message(), cm_policy_decide(): the decision table, pure,
/*	from message and recipient facts to a decision and its reason.
/* DESCRIPTION
/*	See policy.c. The facts below are what the daemon and consentctl
/*	check build with facts(3), and the records that store(3) reads;
/*	the policy turns them into a decision without any I/O, and
/*	neither allocates nor frees. The table itself is a contract
/*	(DESIGN.md section 5).
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include "address.h"
#include "arena.h"
#include "campaign.h"
#include "config.h"

typedef enum cm_decision {
    CM_DECISION_PASS,			/* not marketing: untouched, unlogged */
    CM_DECISION_ALLOW,
    CM_DECISION_DENY,
    CM_DECISION_TEMPFAIL
} cm_decision;

typedef enum cm_basis {
    CM_BASIS_CONSENT, CM_BASIS_SERVICE
} cm_basis;

typedef enum cm_status {
    CM_STATUS_ACTIVE, CM_STATUS_PAUSED, CM_STATUS_CLOSED
} cm_status;

/* A campaign record as read from Pcampaign:<id>. */
typedef struct cm_campaign {
    int     found;			/* the key exists */
    char    purpose[CM_PURPOSE_MAX + 1];
    cm_basis basis;
    cm_status status;
    long    max_age_days;		/* 0: consent never expires */
    char   *senders;			/* comma list, or NULL: anyone */
    unsigned long unsub_ref;		/* opt-out reference, 0: none */
} cm_campaign;

typedef enum cm_consent_state {
    CM_CONSENT_NONE,			/* no <purpose> field */
    CM_CONSENT_GRANTED,
    CM_CONSENT_WITHDRAWN
} cm_consent_state;

/* What is known about one recipient before anything is read. */
typedef struct cm_rcpt_facts {
    int     addr_ok;			/* the address parsed */
    char    id[CM_ID_SIZE];		/* its record id, if addr_ok */
} cm_rcpt_facts;

/* What the store holds about one recipient (store(3) fills it in). */
typedef struct cm_rcpt_record {
    int     store_error;		/* its records could not be read */
    int     suppressed;			/* Psuppress:<id> exists */
    long long suppressed_at;		/* its time, 0 if unknown */
    char   *suppressed_reason;		/* see arena; or NULL */
    cm_consent_state consent;		/* <purpose> */
    long long consent_at;		/* <purpose>:at, 0 if unknown */
    int     consent_invalid;		/* state or time present, unreadable */
    char   *consent_src;		/* <purpose>:src (see arena), or NULL */
    unsigned long long unsub_ref;	/* "#ref": opt-out reference, 0: none */
    cm_arena *arena;			/* the strings' home; NULL: malloc'd */
} cm_rcpt_record;

/* What is known about the message, whoever the recipient. */
typedef struct cm_msg_facts {
    int     store_error;		/* sender or campaign lookup failed */
    int     store_invalid;		/* ...because Redis returned a campaign
					 * record nobody can read: row 1,
					 * tempfail whatever OnError says */
    const char *campaign;		/* campaign id, or NULL: none */
    int     campaign_bad;		/* malformed whatever it says */
    int     bulk;			/* looks like bulk mail */
    const cm_campaign *record;		/* the campaign's record */
    const char *sender;			/* normalised; "" is the null sender */
    const char *auth;			/* SASL login, or NULL */
    int     plugin_error;		/* a plugin could not check (row 1) */
    const char *veto;			/* a plugin's veto reason, or NULL */
    int     veto_marketing_only;	/* the veto spares service mail */
    long long now;			/* Unix seconds */
} cm_msg_facts;

/*
 * Row 16a lies between rows 15 and 16; as a number it is 161, so that
 * "row >= 12" (a recipient's own records decided) still holds for it.
 */
#define CM_ROW_16A	161

typedef struct cm_verdict {
    cm_decision decision;
    const char *reason;			/* static string; NULL for pass */
    int     row;			/* the table row that decided, 1..16,
					 * or CM_ROW_16A */
    int     tag;			/* deliver, but mark (UnidentifiedBulk tag) */
} cm_verdict;

extern int cm_policy_message(const cm_config *cfg, const cm_msg_facts *msg,
			             cm_verdict *out);
extern void cm_policy_decide(const cm_config *cfg, const cm_msg_facts *msg,
			             const cm_rcpt_facts *rcpt,
			             const cm_rcpt_record *rec, cm_verdict *out);
extern int cm_policy_sender_listed(const char *senders, const char *who);
extern const char *cm_decision_name(cm_decision decision);
extern const char *cm_basis_name(cm_basis basis);

#endif
