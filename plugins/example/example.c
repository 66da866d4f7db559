/*++
/* NAME
/*	example 8
/* SUMMARY
/*	a small consent-milter plugin, to copy from
/* SYNOPSIS
/*	Plugin example example.so
/*	example.BulkHeader X-Newsletter
/*	example.AuditHeader X-Mailer
/*	example.Tag yes
/* DESCRIPTION
/*	This plugin shows a third party how a plugin is put together: the
/*	descriptor, options read at init, per-message state in the host's
/*	slot, hooks, and the host calls that change the decision. It is
/*	also useful as it stands:
/* .IP "example.BulkHeader NAME"
/*	A message with a header field NAME is bulk mail (DESIGN.md
/*	section 4): without a campaign it gets the UnidentifiedBulk
/*	action. For mail tools that mark newsletters their own way.
/* .IP "example.AuditHeader NAME"
/*	The value of the first NAME field goes into the audit record as
/*	"plugins":{"example":{"header":"..."}}, e.g. X-Mailer, to tell
/*	later which tool sent a campaign.
/* .IP "example.Tag yes|no"
/*	Add "X-Consent-Example: checked" to every delivered message.
/* DIAGNOSTICS
/*	init fails on a bad header name or a Tag that is not yes or no.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The plugin interface: the only header a plugin needs. */

#include "consent-milter-plugin.h"

/* Read-only after init: shared by every session. */
typedef struct example_state {
    const cm_plugin_host *host;
    char   *bulk_header;		/* or NULL */
    char   *audit_header;		/* or NULL */
    int     tag;
} example_state;

/* Per message, in the host's slot. */
typedef struct example_msg {
    int     bulk;			/* BulkHeader seen */
    char   *audit_value;		/* first AuditHeader value */
} example_msg;

/* header_name_ok - a field name: printable ASCII without ':' */

static int header_name_ok(const char *name)
{
    const unsigned char *p = (const unsigned char *) name;

    if (*p == 0 || strlen(name) > 64)
	return (0);
    for (; *p; p++)
	if (*p <= ' ' || *p > '~' || *p == ':')
	    return (0);
    return (1);
}

/* example_init - read the options */

static int example_init(const cm_plugin_host *host, const cm_plugin_init *init,
			        void **state, char *err, size_t errlen)
{
    example_state *st;
    const char *v;

    if ((st = calloc(1, sizeof(*st))) == 0) {
	(void) snprintf(err, errlen, "out of memory");
	return (CM_PLUGIN_FAIL);
    }
    st->host = host;
    *state = st;			/* fini() frees it, even on failure */
    if ((v = host->option(init, "BulkHeader")) != 0) {
	if (!header_name_ok(v)) {
	    (void) snprintf(err, errlen, "%s.BulkHeader: bad header name "
			    "\"%.64s\"", init->name, v);
	    return (CM_PLUGIN_FAIL);
	}
	st->bulk_header = strdup(v);
    }
    if ((v = host->option(init, "AuditHeader")) != 0) {
	if (!header_name_ok(v)) {
	    (void) snprintf(err, errlen, "%s.AuditHeader: bad header name "
			    "\"%.64s\"", init->name, v);
	    return (CM_PLUGIN_FAIL);
	}
	st->audit_header = strdup(v);
    }
    if ((v = host->option(init, "Tag")) != 0) {
	if (strcasecmp(v, "yes") == 0)
	    st->tag = 1;
	else if (strcasecmp(v, "no") != 0) {
	    (void) snprintf(err, errlen, "%s.Tag: expected yes or no, not "
			    "\"%.64s\"", init->name, v);
	    return (CM_PLUGIN_FAIL);
	}
    }
    return (CM_PLUGIN_OK);
}

/* example_fini - free the state */

static void example_fini(void *state)
{
    example_state *st = state;

    if (st == 0)
	return;
    free(st->bulk_header);
    free(st->audit_header);
    free(st);
}

/* msg_get - this message's state, made on first use */

static example_msg *msg_get(const example_state *st, cm_plugin_msg *m)
{
    void  **slot = st->host->data(m);

    if (*slot == 0)
	*slot = calloc(1, sizeof(example_msg));
    return (*slot);
}

/* example_header - watch for the two configured fields */

static int example_header(void *state, cm_plugin_msg *m, const char *name,
			          const char *value)
{
    example_state *st = state;
    example_msg *em;

    if ((st->bulk_header == 0 || strcasecmp(name, st->bulk_header) != 0)
	&& (st->audit_header == 0 || strcasecmp(name, st->audit_header) != 0))
	return (CM_PLUGIN_OK);
    if ((em = msg_get(st, m)) == 0)
	return (CM_PLUGIN_FAIL);
    if (st->bulk_header != 0 && strcasecmp(name, st->bulk_header) == 0)
	em->bulk = 1;
    if (st->audit_header != 0 && strcasecmp(name, st->audit_header) == 0
	&& em->audit_value == 0 && (em->audit_value = strdup(value)) == 0)
	return (CM_PLUGIN_FAIL);
    return (CM_PLUGIN_OK);
}

/* example_eom - say what was seen, before the daemon decides */

static int example_eom(void *state, cm_plugin_msg *m)
{
    example_state *st = state;
    example_msg *em = *st->host->data(m);

    if (em != 0 && em->bulk && st->host->mark_bulk(m) != 0)
	return (CM_PLUGIN_FAIL);

    /* The host copies and escapes the value; a long one is cut here. */
    if (em != 0 && em->audit_value != 0) {
	if (strlen(em->audit_value) > 200)
	    em->audit_value[200] = 0;
	if (st->host->audit(m, "header", em->audit_value) != 0)
	    return (CM_PLUGIN_FAIL);
    }
    if (st->tag && st->host->add_header(m, "X-Consent-Example", "checked") != 0)
	return (CM_PLUGIN_FAIL);
    return (CM_PLUGIN_OK);
}

/* example_reset - the message is over */

static void example_reset(void *state, cm_plugin_msg *m)
{
    example_state *st = state;
    example_msg *em = *st->host->data(m);

    if (em != 0) {
	free(em->audit_value);
	free(em);
    }
}

static const char *const example_options[] = {
    "BulkHeader", "AuditHeader", "Tag", 0
};

/* The descriptor: the one symbol the daemon looks for. */
const cm_plugin consent_milter_plugin = {
    CM_PLUGIN_API_VERSION,
    "example",
    "1.0",
    example_options,
    0,					/* no body */
    example_init,
    example_fini,
    0,					/* connect */
    0,					/* envfrom */
    0,					/* envrcpt */
    example_header,
    0,					/* eoh */
    0,					/* body */
    example_eom,
    example_reset,
};
