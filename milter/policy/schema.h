#ifndef CM_SCHEMA_H
#define CM_SCHEMA_H

/*++
/* NAME
/*	schema 3h
/* SUMMARY
/*	the Redis key layout, defined once
/* SYNOPSIS
/*	#include "schema.h"
/*
/*	CM_KEY_*: key parts after KeyPrefix; CM_FIELD_*: fields of
/*	Pcampaign: and of a history entry; CM_SUFFIX_*: the fields that
/*	go with a purpose in Pconsent:; CM_STATE_*, CM_BASIS_*,
/*	CM_STATUS_*_WORD: the words stored. cm_consent_state_parse(),
/*	cm_consent_state_word(): the one reader and writer of consent
/*	states.
/* DESCRIPTION
/*	The key layout is a contract (DESIGN.md section 3): the daemon,
/*	consentctl, the writer script and every integration read and
/*	write these names. Spell them here, and nowhere else.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#include "policy.h"

/* Key parts: KeyPrefix + part + record id, campaign id or sender. */
#define CM_KEY_PREFIX_DEFAULT	"cm:"		/* KeyPrefix unset */
#define CM_KEY_CONSENT		"consent:"	/* hash, purpose -> state */
#define CM_KEY_SUPPRESS		"suppress:"	/* string "<at> <reason>" */
#define CM_KEY_HISTORY		"history:"	/* stream of changes */
#define CM_KEY_CAMPAIGN		"campaign:"	/* hash, the fields below */
#define CM_KEY_SENDER		"sender:"	/* string, a campaign id */

 /*
  * The relay's own opt-out (DESIGN.md section 14): short references that
  * tokens carry, given out by the writers (the daemon stays read-only).
  * Pconsent:<id> field CM_FIELD_REF and Pcampaign:<id> field
  * CM_FIELD_CAMPAIGN_REF hold the number n; Punsub:p:<n> and
  * Punsub:c:<n> lead back to the record id and the campaign id.
  */
#define CM_KEY_UNSUB_SEQ	"unsub:seq"	/* string, INCR: person refs */
#define CM_KEY_UNSUB_CSEQ	"unsub:cseq"	/* string, INCR: campaign refs */
#define CM_KEY_UNSUB_PERSON	"unsub:p:"	/* string, a record id */
#define CM_KEY_UNSUB_CAMPAIGN	"unsub:c:"	/* string, a campaign id */
#define CM_FIELD_REF		"#ref"		/* of Pconsent:<id>: not a purpose */

/* Fields of Pcampaign:<id>. */
#define CM_FIELD_PURPOSE	"purpose"
#define CM_FIELD_BASIS		"basis"
#define CM_FIELD_STATUS		"status"
#define CM_FIELD_MAX_AGE	"max_age_days"
#define CM_FIELD_SENDERS	"senders"
#define CM_FIELD_OWNER		"owner"
#define CM_FIELD_CREATED	"created_at"
#define CM_FIELD_CAMPAIGN_REF	"ref"		/* opt-out reference */

/* Words of basis and status. */
#define CM_BASIS_CONSENT_WORD	"consent"
#define CM_BASIS_SERVICE_WORD	"service"
#define CM_STATUS_ACTIVE_WORD	"active"
#define CM_STATUS_PAUSED_WORD	"paused"
#define CM_STATUS_CLOSED_WORD	"closed"

/* Pconsent:<id>: <purpose> is a state, with <purpose>:at and :src. */
#define CM_SUFFIX_AT		":at"
#define CM_SUFFIX_SRC		":src"

/* Fields of a Phistory:<id> entry; its purpose is "*" for the record. */
#define CM_HIST_PURPOSE		"purpose"
#define CM_HIST_STATE		"state"
#define CM_HIST_AT		"at"
#define CM_HIST_SRC		"src"
#define CM_HIST_ACTOR		"actor"
#define CM_HIST_ANY		"*"

/* States: of a purpose (granted, withdrawn), and in the history. */
#define CM_STATE_GRANTED	"granted"
#define CM_STATE_WITHDRAWN	"withdrawn"
#define CM_STATE_SUPPRESSED	"suppressed"
#define CM_STATE_UNSUPPRESSED	"unsuppressed"
#define CM_STATE_ERASED		"erased"

extern int cm_consent_state_parse(const char *word, size_t len,
				          cm_consent_state *state);
extern const char *cm_consent_state_word(cm_consent_state state);
extern int cm_consent_field_is_purpose(const char *name, size_t len);

#endif
