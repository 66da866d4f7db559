#ifndef CM_ENGINE_H
#define CM_ENGINE_H

/*++
/* NAME
/*	engine 3h
/* SUMMARY
/*	per-message consent enforcement
/* SYNOPSIS
/*	#include "engine.h"
/* DESCRIPTION
/*	See engine.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include "address.h"
#include "audit.h"
#include "config.h"
#include "mta.h"
#include "sendermap.h"
#include "store.h"
#include "unsubtoken.h"

struct cm_plugins;

/* The headers the daemon writes (DESIGN.md section 6). */
#define CM_HDR_CONSENT	"X-Consent-Milter"
#define CM_HDR_DENIED	"X-Consent-Milter-Denied"

/* What the engine's replies mean; callbacks.c maps them to SMFIS_*. */
typedef enum cm_reply {
    CM_REPLY_CONTINUE,
    CM_REPLY_ACCEPT,
    CM_REPLY_REJECT,
    CM_REPLY_TEMPFAIL
} cm_reply;

/* Process-wide, read-only once the daemon runs. */
typedef struct cm_engine {
    const cm_config *cfg;
    cm_store *store;
    cm_sendermap *sendermap;		/* copy of Psender:, or NULL */
    cm_audit *audit;
    const cm_addrkey *key;		/* AddressKeyFile, or NULL */
    const cm_mta_ops *ops;
    const struct cm_plugins *plugins;	/* loaded plugins, or NULL */
    const cm_token_keys *unsub_keys;	/* UnsubscribeKeyFile, or NULL */
} cm_engine;

typedef struct cm_session cm_session;

extern cm_session *cm_session_new(const cm_engine *eng, int non_smtp);
extern void cm_session_free(cm_session *s);
extern const cm_engine *cm_session_engine(const cm_session *s);
extern int cm_session_busy(const cm_session *s);
extern int cm_session_non_smtp(const cm_session *s);
extern void cm_session_abort(cm_session *s);

extern void cm_on_connect(cm_session *s, void *mta, const char *name,
			          const char *addr);
extern cm_reply cm_on_mail(cm_session *s, void *mta, const char *sender,
			           const char *auth);
extern cm_reply cm_on_rcpt(cm_session *s, void *mta, const char *rcpt);
extern void cm_on_header(cm_session *s, void *mta, const char *name,
			         const char *value);
extern void cm_on_eoh(cm_session *s, void *mta);
extern void cm_on_body(cm_session *s, void *mta, const unsigned char *chunk,
		               size_t len);
extern cm_reply cm_on_eom(cm_session *s, void *mta);

#endif
