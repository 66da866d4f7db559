#ifndef CM_SESSION_H
#define CM_SESSION_H

/*++
/* NAME
/*	session 3h
/* SUMMARY
/*	the engine's per-connection state (private to the engine)
/* SYNOPSIS
/*	#include "session.h"
/* DESCRIPTION
/*	Shared by engine.c (the envelope and header stages) and
/*	engine_eom.c (end of message). Nothing else looks inside a
/*	session.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include "buf.h"
#include "engine.h"
#include "facts.h"
#include "plugin.h"
#include "policy.h"
#include "rcptform.h"

struct cm_session {
    const cm_engine *eng;
    int     non_smtp;			/* Postfix sendmail/pickup path */
    cm_plugin_msg *pm;			/* the plugins' view, or NULL */

    /* Per message; cleared by cm_session_reset(). */
    int     active;			/* between MAIL and end or abort */
    char   *sender;			/* normalised, or made safe */
    char   *auth;			/* SASL login, or NULL */
    int     store_error;		/* lookups at MAIL failed */
    int     store_invalid;		/* ...on an unreadable campaign record */
    int     mail_deferred;		/* dry-run: enforce deferred MAIL */
    int     sender_unsure;		/* sender unmapped in the copy only */
    int     env_mapped;			/* Psender: exists: env_campaign holds
					 * its value, maybe no valid id */
    char    env_campaign[CM_CAMPAIGN_ID_MAX + 2];	/* cut: one over */
    cm_campaign env_record;
    char   *hdr_campaign;		/* extracted id, or NULL */
    int     hdr_campaign_count;		/* campaign header fields seen */
    int     hdr_campaign_conflict;	/* repeated with another value */
    int     eoh_seen;			/* plugins were told */
    int     rcpt_overflow;		/* more than MaxRecipients */
    size_t  header_bytes;		/* header block so far */
    int     header_overflow;		/* more than MaxHeaderBytes */
    char   *msgid;
    char   *from;
    char   *subject;			/* Subject header, for the audit */
    int     bulk_hint;			/* List-Unsubscribe, Precedence */
    int     own_headers[2];		/* client copies of ours (engine_eom) */
    cm_rcpt *rcpts;			/* envelope recipients, in order */
    size_t  nrcpt;
    size_t  rcpt_alloc;
    size_t  rcpt_hint;			/* the last message's recipients */
    cm_arena raws;			/* the recipients' raw text (arena(3)) */

    /*
     * Scratch that outlives a message, so that writing a record does not
     * allocate: records and log lines are made in line (empty between
     * uses), and am holds the members that a message's records share
     * (reset with the message, and again when its headers are in).
     */
    cm_buf  line;
    size_t  line_hint;			/* the last message's records, bytes */
    cm_audit_msg am;
};

extern void cm_session_reset(cm_session *s);
extern int cm_session_strip_unsure(const cm_session *s, const char *qid);
extern const char *cm_qid_show(char *buf, size_t size, const char *qid);
extern void cm_session_facts(const cm_session *s, const char *campaign,
			             const cm_campaign *record, cm_msg_facts *m);
extern void cm_session_audit(const cm_session *s, cm_buf *out,
			             const cm_rcpt *r,
			             const char *campaign,
			             const cm_campaign *record,
			             const cm_verdict *v, cm_action action,
			             const char *qid, cm_audit_msg *am);
extern int cm_session_write_audit(const cm_session *s, const cm_buf *buf);
extern void cm_session_reply(const cm_session *s, void *mta, int temp,
			             const char *addr, const char *reason,
			             const char *campaign);

#endif
