#ifndef CM_PLUGIN_H
#define CM_PLUGIN_H

/*++
/* NAME
/*	plugin 3h
/* SUMMARY
/*	loading plugins and running their hooks
/* SYNOPSIS
/*	#include "plugin.h"
/* DESCRIPTION
/*	plugin_load.c loads the shared objects named by Plugin lines;
/*	plugin_host.c runs their hooks for one session and keeps what
/*	they decided. The interface that plugins see is
/*	plugins/consent-milter-plugin.h.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include "config.h"
#include "mta.h"
#include "consent-milter-plugin.h"

/* One loaded plugin. */
typedef struct cm_plugin_slot {
    char   *name;			/* from the Plugin line */
    char   *path;
    int     line;
    void   *handle;			/* dlopen() */
    const cm_plugin *desc;
    void   *state;			/* from init() */
    int     started;		/* init() succeeded: call fini() */
} cm_plugin_slot;

/* Every loaded plugin, in configuration order. */
typedef struct cm_plugins {
    cm_plugin_slot *slot;
    size_t  count;
    unsigned flags;			/* union of CM_PLUGIN_WANT_* */
} cm_plugins;

/* The host table handed to every plugin. */
extern const cm_plugin_host cm_plugin_host_table;

/* plugin_load.c */
extern cm_plugins *cm_plugins_load(const cm_config *cfg, const char *libdir,
				           char *err, size_t errlen);
extern void cm_plugins_unload(cm_plugins *plugins);
extern const char *cm_plugin_option(const cm_plugin_init *init,
				            const char *key);

/* plugin_host.c: one session's view, reused for each of its messages. */
extern cm_plugin_msg *cm_pmsg_new(const cm_plugins *plugins,
				          const cm_mta_ops *ops);
extern void cm_pmsg_free(cm_plugin_msg *m);

extern void cm_pmsg_connect(cm_plugin_msg *m, void *mta, const char *name,
			            const char *addr);
extern void cm_pmsg_envfrom(cm_plugin_msg *m, void *mta, const char *raw,
			            const char *sender, const char *auth);
extern void cm_pmsg_envrcpt(cm_plugin_msg *m, void *mta, const char *raw);
extern void cm_pmsg_header(cm_plugin_msg *m, void *mta, const char *name,
			           const char *value);
extern void cm_pmsg_eoh(cm_plugin_msg *m, void *mta,
			        const char *header_campaign);
extern void cm_pmsg_body(cm_plugin_msg *m, void *mta,
			         const unsigned char *chunk, size_t len);
extern void cm_pmsg_eom(cm_plugin_msg *m, void *mta);
extern void cm_pmsg_reset(cm_plugin_msg *m);

/* What the plugins decided, valid after cm_pmsg_eom() until reset. */
typedef struct cm_pmsg_result {
    const char *campaign;		/* set_campaign(), or NULL */
    int     bulk;			/* mark_bulk() */
    const char *veto;			/* reason, or NULL */
    int     veto_marketing_only;	/* CM_VETO_MARKETING */
    const char *veto_plugin;		/* the name of who vetoed */
    const char *failed;			/* name of a failed plugin, or NULL */
} cm_pmsg_result;

extern void cm_pmsg_result_get(const cm_plugin_msg *m, cm_pmsg_result *out);
extern const char *cm_pmsg_audit_json(cm_plugin_msg *m);
extern int cm_pmsg_add_headers(cm_plugin_msg *m, void *mta);

#endif
