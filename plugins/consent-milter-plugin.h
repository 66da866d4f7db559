#ifndef CONSENT_MILTER_PLUGIN_H
#define CONSENT_MILTER_PLUGIN_H

/*++
/* NAME
/*	consent-milter-plugin 3h
/* SUMMARY
/*	the consent-milter plugin interface
/* SYNOPSIS
/*	#include <consent-milter/consent-milter-plugin.h>
/*
/*	const cm_plugin consent_milter_plugin = {
/*	    CM_PLUGIN_API_VERSION, "example", "1.0", options, flags,
/*	    init, fini, hooks...
/*	};
/* DESCRIPTION
/*	A plugin is a shared object (a libtool module) that exports one
/*	object named consent_milter_plugin of type cm_plugin. The daemon
/*	loads the plugins named in its configuration file
/*
/*	    Plugin example /usr/lib/x86_64-linux-gnu/consent-milter/example.so
/*	    example.Greeting hello
/*
/*	in file order, before it opens its socket, and refuses to start
/*	(naming the plugin and the configuration line) when the file is
/*	missing or another user may change it (it is loaded as root:
/*	owned by root or the daemon's user, not writable by others, in a
/*	directory others may not write unless sticky), the descriptor is
/*	absent, its api_version is not
/*	CM_PLUGIN_API_VERSION, an option is not in its options list, or
/*	init() fails.
/*
/*	A plugin never calls the daemon by name: everything it may do
/*	goes through the cm_plugin_host table handed to init(). So a
/*	plugin needs no symbols from the daemon, and a test program can
/*	drive it with a host table of its own.
/*
/*	Threads. The daemon runs many SMTP sessions on a few threads.
/*	init() and fini() run once, single-threaded. Hooks of one session
/*	never overlap, but hooks of different sessions run concurrently,
/*	so the plugin's state from init() must be read-only afterwards
/*	(or locked); per-message state goes into the slot returned by
/*	host->data().
/*
/*	Order of a message's hooks, each optional (NULL: not called):
/*	connect (once per SMTP session), then per message envfrom,
/*	envrcpt (each recipient), header (each field, in order), eoh,
/*	body (zero or more chunks; only with CM_PLUGIN_WANT_BODY), eom,
/*	and finally reset, which is also called when the message is
/*	aborted or the session ends in the middle of one. The eom hooks
/*	of all plugins run before the daemon decides: that is where a
/*	plugin sets the campaign, marks the message bulk or vetoes it.
/*
/*	Every hook returns CM_PLUGIN_OK, or CM_PLUGIN_FAIL when the
/*	plugin could not do its check (out of memory, a resource it needs
/*	is down). A failed plugin is treated like an unreadable consent
/*	store: the message gets the OnError action (by default 451, the
/*	MTA retries later) with the reason "plugin-error"; nothing passes
/*	unchecked. A failed connect hook counts for every message of its
/*	SMTP session: the plugin's check of the client was made for none
/*	of them. A plugin that simply finds the message wanting says so
/*	with host->veto(), not with CM_PLUGIN_FAIL.
/*
/*	What a plugin can do to a message (host functions):
/* .IP "set_campaign(m, id, how)"
/*	Names the campaign of the message; it overrides the campaign
/*	header and the envelope sender's campaign. "how" says how the
/*	plugin knows (e.g. "dkim:example.org"); it is written to the
/*	audit trail. Called again, the last call counts, in the audit
/*	trail too (one "campaign" key; "campaign_auth" only if that call
/*	gave a "how").
/* .IP "mark_bulk(m)"
/*	The message is bulk mail (DESIGN.md section 4): without a
/*	campaign it gets the UnidentifiedBulk action.
/* .IP "veto(m, scope, reason)"
/*	Decision table row 9: every recipient is denied with reason,
/*	which must be 1..64 characters of [a-z0-9-] (it appears in SMTP
/*	replies and logs). Scope CM_VETO_ANY applies to every campaign,
/*	CM_VETO_MARKETING only to campaigns with basis consent (service
/*	mail is not marketing). The first veto of a message wins.
/* .IP "audit(m, key, value)"
/*	Adds "key":"value" to this plugin's object in the audit record,
/*	"plugins":{"name":{"key":"value",...}}. Keys are 1..32
/*	characters of [A-Za-z0-9_-]; a NULL value is written as null.
/* .IP "add_header(m, name, value)"
/*	Adds a header field to the message if it is delivered. Values
/*	with CR, LF or other control characters are refused.
/* .PP
/*	Each returns 0, or -1 with nothing done (bad argument, out of
/*	memory, or called at a stage where it has no effect: set_campaign,
/*	mark_bulk and veto work up to and including the eom hook).
/*
/*	Message facts (host functions, valid from the stage where the
/*	daemon learns them until reset):
/*	client address and name (connect); the envelope sender as sent
/*	and normalised, the SASL login (envfrom); the recipients
/*	(envrcpt); the campaign header's name (always) and the campaign
/*	taken from it (eoh); MTA macros through symval(). Strings
/*	returned by the host are owned by the daemon and must not be
/*	kept past reset.
/*
/*	When init() fails after setting *state, the daemon still calls
/*	fini(*state), so init() may return early without cleaning up.
/* DIAGNOSTICS
/*	init() writes a one-line reason into its err buffer when it
/*	fails; the daemon prints it with the plugin's name. Hooks may log
/*	through host->log(), which goes where the daemon's log goes.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

/*
 * The interface version. It changes whenever this header changes in a
 * way that breaks compiled plugins: a new host function is added at the
 * end of cm_plugin_host without a new version, a changed or removed one
 * means a new version.
 */
#define CM_PLUGIN_API_VERSION	1

/* The name of the descriptor that every plugin exports. */
#define CM_PLUGIN_SYMBOL	"consent_milter_plugin"

/* Hook results. */
#define CM_PLUGIN_OK		0
#define CM_PLUGIN_FAIL		(-1)

/* Veto scopes. */
#define CM_VETO_ANY		0	/* every campaign */
#define CM_VETO_MARKETING	1	/* campaigns with basis consent */

/* Descriptor flags. */
#define CM_PLUGIN_WANT_BODY	(1U << 0)	/* call the body hook */

/* Log priorities for host->log(): the syslog ones. */
#define CM_PLUGIN_LOG_ERR	3
#define CM_PLUGIN_LOG_WARNING	4
#define CM_PLUGIN_LOG_INFO	6

/* One message as the daemon sees it; opaque to plugins. */
typedef struct cm_plugin_msg cm_plugin_msg;

/* What init() is told. */
typedef struct cm_plugin_init {
    const char *name;			/* as in the Plugin line */
    const char *path;			/* the shared object */
    const char *config_file;		/* the daemon's configuration */
    const char *campaign_header;	/* the CampaignHeader setting */
    void   *opaque;			/* the host's; for option() */
} cm_plugin_init;

/* What the daemon offers to plugins. */
typedef struct cm_plugin_host {
    unsigned api_version;		/* CM_PLUGIN_API_VERSION */

    /* Configuration (init only): the value of "name.Key", or NULL. */
    const char *(*option) (const cm_plugin_init *init, const char *key);

    /* Logging, printf style; the plugin's name is prefixed. */
    void    (*log) (const cm_plugin_msg *m, int priority, const char *fmt,...)
	    __attribute__((format(printf, 3, 4)));

    /* This plugin's per-message slot: NULL at the start of a message. */
    void  **(*data) (cm_plugin_msg *m);

    /* Facts. */
    const char *(*client_addr) (const cm_plugin_msg *m);
    const char *(*client_name) (const cm_plugin_msg *m);
    const char *(*sender) (const cm_plugin_msg *m);	/* normalised */
    const char *(*auth) (const cm_plugin_msg *m);	/* or NULL */
    size_t  (*rcpt_count) (const cm_plugin_msg *m);
    const char *(*rcpt) (const cm_plugin_msg *m, size_t idx);	/* as sent */
    const char *(*header_campaign) (const cm_plugin_msg *m);	/* or NULL */
    const char *(*symval) (const cm_plugin_msg *m, const char *macro);
    const char *(*queue_id) (const cm_plugin_msg *m);	/* or NULL */

    /* Actions. */
    int     (*set_campaign) (cm_plugin_msg *m, const char *id,
			             const char *how);
    int     (*mark_bulk) (cm_plugin_msg *m);
    int     (*veto) (cm_plugin_msg *m, int scope, const char *reason);
    int     (*audit) (cm_plugin_msg *m, const char *key, const char *value);
    int     (*add_header) (cm_plugin_msg *m, const char *name,
			           const char *value);
} cm_plugin_host;

/* The descriptor. Hooks may be NULL. */
typedef struct cm_plugin {
    unsigned api_version;		/* CM_PLUGIN_API_VERSION */
    const char *name;			/* for messages; the config names it */
    const char *version;		/* the plugin's own version */
    const char *const *options;		/* accepted Keys, NULL-terminated */
    unsigned flags;			/* CM_PLUGIN_WANT_* */

    int     (*init) (const cm_plugin_host *host, const cm_plugin_init *init,
		             void **state, char *err, size_t errlen);
    void    (*fini) (void *state);

    int     (*connect) (void *state, cm_plugin_msg *m);
    int     (*envfrom) (void *state, cm_plugin_msg *m, const char *sender);
    int     (*envrcpt) (void *state, cm_plugin_msg *m, const char *rcpt);

    /*
     * name and value as the MTA sent them; value without the space
     * after the colon, which a signature check must put back.
     */
    int     (*header) (void *state, cm_plugin_msg *m, const char *name,
			           const char *value);
    int     (*eoh) (void *state, cm_plugin_msg *m);
    int     (*body) (void *state, cm_plugin_msg *m,
			         const unsigned char *chunk, size_t len);
    int     (*eom) (void *state, cm_plugin_msg *m);
    void    (*reset) (void *state, cm_plugin_msg *m);
} cm_plugin;

#endif
