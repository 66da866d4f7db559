/*++
/* NAME
/*	plugin_host 3
/* SUMMARY
/*	run plugin hooks for one session
/* SYNOPSIS
/*	#include "plugin.h"
/*
/*	cm_plugin_msg *cm_pmsg_new(plugins, ops)
/*	void	cm_pmsg_free(m)
/*
/*	void	cm_pmsg_connect(m, mta, name, addr)
/*	void	cm_pmsg_envfrom(m, mta, raw, sender, auth)
/*	void	cm_pmsg_envrcpt(m, mta, raw)
/*	void	cm_pmsg_header(m, mta, name, value)
/*	void	cm_pmsg_eoh(m, mta, header_campaign)
/*	void	cm_pmsg_body(m, mta, chunk, len)
/*	void	cm_pmsg_eom(m, mta)
/*	void	cm_pmsg_reset(m)
/*
/*	void	cm_pmsg_result_get(m, out)
/*	const char *cm_pmsg_audit_json(m)
/*	int	cm_pmsg_add_headers(m, mta)
/*
/*	const cm_plugin_host cm_plugin_host_table;
/* DESCRIPTION
/*	A cm_plugin_msg is the plugins' view of one session: the facts
/*	the engine hands over, each plugin's per-message slot, and what
/*	the plugins asked for (campaign, bulk, veto, audit keys, headers).
/*	The engine calls one cm_pmsg_*() function per milter stage; each
/*	calls that hook of every plugin, in configuration order.
/*
/*	Facts are pointers into the engine's session, which keeps them
/*	until the end of the message; cm_pmsg_reset() forgets them, calls
/*	every plugin's reset hook and frees what the plugins asked for.
/*
/*	The first plugin whose hook fails marks the message failed; hooks
/*	still run (a later one may veto), but the engine tempfails it.
/*	A connect hook that fails marks every message of its session: the
/*	plugin's check of the client was not made for any of them.
/*
/*	cm_pmsg_audit_json() returns the "plugins" object of the audit
/*	record, or NULL when no plugin added a key. cm_pmsg_add_headers()
/*	adds the requested header fields through the MTA operations.
/* DIAGNOSTICS
/*	A failing hook and a host call with bad arguments are logged
/*	with the plugin's name.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

/* Application-specific. */

#include "escape.h"
#include "json.h"
#include "log.h"
#include "plugin.h"

#define VETO_MAX	64		/* reason: [a-z0-9-]{1,64} */
#define KEY_MAX		32		/* audit key: [A-Za-z0-9_-]{1,32} */
#define VALUE_MAX	1024		/* audit value and header value */
#define HOW_MAX		128		/* set_campaign()'s "how" */

/* Stages, in order; some host calls only make sense before a stage. */
typedef enum pm_stage {
    PM_IDLE, PM_MESSAGE, PM_DECIDED
} pm_stage;

/* One audit key or one header, and whose. */
typedef struct pm_item {
    size_t  plugin;
    char   *key;
    char   *value;			/* NULL: JSON null */
} pm_item;

typedef struct pm_list {
    pm_item *item;
    size_t  count;
    size_t  alloc;
} pm_list;

struct cm_plugin_msg {
    const cm_plugins *set;
    const cm_mta_ops *ops;
    void   *mta;			/* for symval() */
    size_t  cur;			/* the plugin whose hook runs */
    void  **data;			/* per plugin */
    pm_stage stage;

    /* Facts, owned by the engine. */
    const char *client_name;
    char    client_addr[64];
    const char *sender;
    const char *auth;
    const char **rcpt;
    size_t  nrcpt;
    size_t  rcpt_alloc;
    const char *header_campaign;

    /* What the plugins asked for. */
    char   *campaign;
    int     bulk;
    char    veto[VETO_MAX + 1];
    int     veto_marketing_only;
    const char *veto_plugin;		/* who vetoed first */
    const char *failed;
    const char *connect_failed;		/* a connect hook failed: session */
    pm_list audit;
    pm_list headers;
    cm_buf  json;
};

/* --- host functions ---------------------------------------------------- */

#define SLOT(m)		((m)->set->slot + (m)->cur)

/* host_log - log with the plugin's name in front */

static void __attribute__((format(printf, 3, 4)))
host_log(const cm_plugin_msg *m, int priority, const char *fmt,...)
{
    cm_buf  text = CM_BUF_INIT;
    cm_buf  safe = CM_BUF_INIT;
    va_list ap;

    va_start(ap, fmt);
    cm_buf_vprintf(&text, fmt, ap);
    va_end(ap);
    cm_buf_add_safe(&safe, cm_buf_str(&text), text.len);
    cm_log(priority, "plugin %s: %s", m ? SLOT(m)->name : "(init)",
	   cm_buf_str(&safe));
    cm_buf_free(&text);
    cm_buf_free(&safe);
}

/* host_data - this plugin's per-message slot */

static void **host_data(cm_plugin_msg *m)
{
    return (m->data + m->cur);
}

static const char *host_client_addr(const cm_plugin_msg *m)
{
    return (m->client_addr[0] ? m->client_addr : 0);
}

static const char *host_client_name(const cm_plugin_msg *m)
{
    return (m->client_name);
}

static const char *host_sender(const cm_plugin_msg *m)
{
    return (m->sender);
}

static const char *host_auth(const cm_plugin_msg *m)
{
    return (m->auth);
}

static size_t host_rcpt_count(const cm_plugin_msg *m)
{
    return (m->nrcpt);
}

static const char *host_rcpt(const cm_plugin_msg *m, size_t idx)
{
    return (idx < m->nrcpt ? m->rcpt[idx] : 0);
}

static const char *host_header_campaign(const cm_plugin_msg *m)
{
    return (m->header_campaign);
}

static const char *host_symval(const cm_plugin_msg *m, const char *macro)
{
    return (m->mta && macro ? m->ops->getsymval(m->mta, macro) : 0);
}

static const char *host_queue_id(const cm_plugin_msg *m)
{
    return (host_symval(m, "i"));
}

/* chars_ok - 1..max bytes, all from the set */

static int chars_ok(const char *s, size_t max, const char *set)
{
    size_t  len;

    if (s == 0 || (len = strnlen(s, max + 1)) == 0 || len > max)
	return (0);
    return (strspn(s, set) == len);
}

/* text_ok - printable text without CR, LF or other controls */

static int text_ok(const char *s, size_t max)
{
    const unsigned char *p;

    if (s == 0 || strnlen(s, max + 1) > max)
	return (0);
    for (p = (const unsigned char *) s; *p; p++)
	if (*p < 0x20 && *p != '\t')
	    return (0);
    return (*p == 0);
}

/* list_add - append one item, copying key and value */

static int list_add(pm_list *l, size_t plugin, const char *key,
		            const char *value)
{
    pm_item *grown;
    pm_item *it;

    if (l->count == l->alloc) {
	size_t  want = l->alloc ? 2 * l->alloc : 4;

	if ((grown = realloc(l->item, want * sizeof(*grown))) == 0)
	    return (-1);
	l->item = grown;
	l->alloc = want;
    }
    it = l->item + l->count;
    it->plugin = plugin;
    it->key = strdup(key);
    it->value = value ? strdup(value) : 0;
    if (it->key == 0 || (value != 0 && it->value == 0)) {
	free(it->key);
	free(it->value);
	return (-1);
    }
    l->count++;
    return (0);
}

/* list_clear - forget every item */

static void list_clear(pm_list *l)
{
    size_t  i;

    for (i = 0; i < l->count; i++) {
	free(l->item[i].key);
	free(l->item[i].value);
    }
    l->count = 0;
}

/* refuse - log a host call that was refused, return -1 */

static int refuse(const cm_plugin_msg *m, const char *call, const char *why)
{
    host_log(m, LOG_WARNING, "%s refused: %s", call, why);
    return (-1);
}

/* audit_put - set a key of the current plugin's audit object */

static int audit_put(cm_plugin_msg *m, const char *key, const char *value)
{
    size_t  i;
    pm_item *it;
    char   *copy = 0;

    cm_buf_reset(&m->json);

    /* A key given twice keeps its place and takes the new value. */
    for (i = 0; i < m->audit.count; i++) {
	it = m->audit.item + i;
	if (it->plugin == m->cur && strcmp(it->key, key) == 0) {
	    if (value != 0 && (copy = strdup(value)) == 0)
		return (-1);
	    free(it->value);
	    it->value = copy;
	    return (0);
	}
    }
    return (list_add(&m->audit, m->cur, key, value));
}

/* audit_drop - take a key out of the current plugin's audit object */

static void audit_drop(cm_plugin_msg *m, const char *key)
{
    pm_list *l = &m->audit;
    size_t  i;

    cm_buf_reset(&m->json);
    for (i = 0; i < l->count; i++) {
	if (l->item[i].plugin == m->cur && strcmp(l->item[i].key, key) == 0) {
	    free(l->item[i].key);
	    free(l->item[i].value);
	    memmove(l->item + i, l->item + i + 1,
		    (l->count - i - 1) * sizeof(*l->item));
	    l->count--;
	    return;
	}
    }
}

/* host_set_campaign - the plugin names the campaign */

static int host_set_campaign(cm_plugin_msg *m, const char *id, const char *how)
{
    char   *copy;

    if (m->stage != PM_MESSAGE)
	return (refuse(m, "set_campaign", "not during a message"));
    if (!text_ok(id, VALUE_MAX) || *id == 0)
	return (refuse(m, "set_campaign", "bad campaign id"));
    if (how != 0 && !text_ok(how, HOW_MAX))
	return (refuse(m, "set_campaign", "bad \"how\" text"));
    if ((copy = strdup(id)) == 0)
	return (-1);
    free(m->campaign);
    m->campaign = copy;

    /*
     * Called again, the plugin changed its mind: one "campaign" key, and
     * no "campaign_auth" left over from the campaign it replaced.
     */
    if (audit_put(m, "campaign", id) != 0)
	return (-1);
    if (how == 0) {
	audit_drop(m, "campaign_auth");
	return (0);
    }
    return (audit_put(m, "campaign_auth", how));
}

/* host_mark_bulk - the message is bulk mail */

static int host_mark_bulk(cm_plugin_msg *m)
{
    if (m->stage != PM_MESSAGE)
	return (refuse(m, "mark_bulk", "not during a message"));
    m->bulk = 1;
    return (0);
}

/* host_veto - decision table row 9 */

static int host_veto(cm_plugin_msg *m, int scope, const char *reason)
{
    if (m->stage != PM_MESSAGE)
	return (refuse(m, "veto", "not during a message"));
    if (!chars_ok(reason, VETO_MAX, "abcdefghijklmnopqrstuvwxyz0123456789-"))
	return (refuse(m, "veto", "reason must be [a-z0-9-], 1..64 bytes"));
    if (scope != CM_VETO_ANY && scope != CM_VETO_MARKETING)
	return (refuse(m, "veto", "unknown scope"));
    if (m->veto[0] == 0) {
	(void) strcpy(m->veto, reason);
	m->veto_plugin = SLOT(m)->name;
	m->veto_marketing_only = (scope == CM_VETO_MARKETING);
    }
    return (0);
}

/* host_audit - one key in this plugin's audit object */

static int host_audit(cm_plugin_msg *m, const char *key, const char *value)
{
    if (!chars_ok(key, KEY_MAX, "abcdefghijklmnopqrstuvwxyz"
		  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"))
	return (refuse(m, "audit", "key must be [A-Za-z0-9_-], 1..32 bytes"));
    if (value != 0 && strnlen(value, VALUE_MAX + 1) > VALUE_MAX)
	return (refuse(m, "audit", "value longer than 1024 bytes"));
    return (audit_put(m, key, value));
}

/* host_add_header - a header field for the delivered message */

static int host_add_header(cm_plugin_msg *m, const char *name,
			           const char *value)
{
    if (!chars_ok(name, 64, "abcdefghijklmnopqrstuvwxyz"
		  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"))
	return (refuse(m, "add_header", "bad header name"));
    if (!text_ok(value, VALUE_MAX))
	return (refuse(m, "add_header", "control characters or too long"));
    return (list_add(&m->headers, m->cur, name, value));
}

/* The order must match the declaration of cm_plugin_host. */
const cm_plugin_host cm_plugin_host_table = {
    CM_PLUGIN_API_VERSION,
    cm_plugin_option,
    host_log,
    host_data,
    host_client_addr,
    host_client_name,
    host_sender,
    host_auth,
    host_rcpt_count,
    host_rcpt,
    host_header_campaign,
    host_symval,
    host_queue_id,
    host_set_campaign,
    host_mark_bulk,
    host_veto,
    host_audit,
    host_add_header,
};

/* --- the engine's side ------------------------------------------------- */

/* cm_pmsg_new - a session's plugin view, or NULL without plugins */

cm_plugin_msg *cm_pmsg_new(const cm_plugins *set, const cm_mta_ops *ops)
{
    cm_plugin_msg *m;

    if (set == 0 || set->count == 0)
	return (0);
    if ((m = calloc(1, sizeof(*m))) == 0)
	return (0);
    if ((m->data = calloc(set->count, sizeof(*m->data))) == 0) {
	free(m);
	return (0);
    }
    m->set = set;
    m->ops = ops;
    cm_buf_init(&m->json);
    return (m);
}

/* cm_pmsg_free - end of the session */

void    cm_pmsg_free(cm_plugin_msg *m)
{
    if (m == 0)
	return;
    cm_pmsg_reset(m);
    free(m->audit.item);
    free(m->headers.item);
    free(m->rcpt);
    free(m->data);
    cm_buf_free(&m->json);
    free(m);
}

/* note_result - remember the first failed hook */

static void note_result(cm_plugin_msg *m, const char *hook, int status)
{
    if (status == CM_PLUGIN_OK)
	return;
    host_log(m, LOG_WARNING, "%s hook failed: message will be retried",
	     hook);
    if (m->failed == 0)
	m->failed = SLOT(m)->name;
}

/*
 * RUN_HOOK - call one hook of every plugin that has it. The macro keeps
 * the eight dispatchers below to one line each; "args" follows the
 * hook's state and message arguments.
 */
#define RUN_HOOK(m, hook, args) do { \
	for ((m)->cur = 0; (m)->cur < (m)->set->count; (m)->cur++) \
	    if (SLOT(m)->desc->hook != 0) \
		note_result((m), #hook, SLOT(m)->desc->hook args); \
    } while (0)

/* cm_pmsg_connect - a new SMTP session */

void    cm_pmsg_connect(cm_plugin_msg *m, void *mta, const char *name,
			        const char *addr)
{
    if (m == 0)
	return;
    m->mta = mta;
    m->client_name = name;
    (void) snprintf(m->client_addr, sizeof(m->client_addr), "%s",
		    addr ? addr : "");
    RUN_HOOK(m, connect, (SLOT(m)->state, m));

    /*
     * The session's messages start with cm_pmsg_reset(), which would
     * forget this failure: it is kept apart, and every message of the
     * session carries it (the check of the client was not made).
     */
    m->connect_failed = m->failed;
    m->failed = 0;
}

/* cm_pmsg_envfrom - MAIL FROM: a new message */

void    cm_pmsg_envfrom(cm_plugin_msg *m, void *mta, const char *raw,
			        const char *sender, const char *auth)
{
    if (m == 0)
	return;
    cm_pmsg_reset(m);
    m->mta = mta;
    m->stage = PM_MESSAGE;
    m->sender = sender;
    m->auth = auth;
    RUN_HOOK(m, envfrom, (SLOT(m)->state, m, raw));
}

/* cm_pmsg_envrcpt - RCPT TO */

void    cm_pmsg_envrcpt(cm_plugin_msg *m, void *mta, const char *raw)
{
    const char **grown;

    if (m == 0 || m->stage != PM_MESSAGE)
	return;
    m->mta = mta;
    if (m->nrcpt == m->rcpt_alloc) {
	size_t  want = m->rcpt_alloc ? 2 * m->rcpt_alloc : 8;

	if ((grown = realloc(m->rcpt, want * sizeof(*grown))) == 0) {
	    if (m->failed == 0)
		m->failed = "(out of memory)";
	    return;
	}
	m->rcpt = grown;
	m->rcpt_alloc = want;
    }
    m->rcpt[m->nrcpt++] = raw;
    RUN_HOOK(m, envrcpt, (SLOT(m)->state, m, raw));
}

/* cm_pmsg_header - one header field */

void    cm_pmsg_header(cm_plugin_msg *m, void *mta, const char *name,
		               const char *value)
{
    if (m == 0 || m->stage != PM_MESSAGE)
	return;
    m->mta = mta;
    RUN_HOOK(m, header, (SLOT(m)->state, m, name, value));
}

/* cm_pmsg_eoh - end of the header */

void    cm_pmsg_eoh(cm_plugin_msg *m, void *mta, const char *header_campaign)
{
    if (m == 0 || m->stage != PM_MESSAGE)
	return;
    m->mta = mta;
    m->header_campaign = header_campaign;
    RUN_HOOK(m, eoh, (SLOT(m)->state, m));
}

/* cm_pmsg_body - one chunk of the body */

void    cm_pmsg_body(cm_plugin_msg *m, void *mta, const unsigned char *chunk,
		             size_t len)
{
    if (m == 0 || m->stage != PM_MESSAGE)
	return;
    m->mta = mta;
    RUN_HOOK(m, body, (SLOT(m)->state, m, chunk, len));
}

/* cm_pmsg_eom - end of message: the plugins' last word */

void    cm_pmsg_eom(cm_plugin_msg *m, void *mta)
{
    if (m == 0 || m->stage != PM_MESSAGE)
	return;
    m->mta = mta;
    RUN_HOOK(m, eom, (SLOT(m)->state, m));
    m->stage = PM_DECIDED;
}

/* cm_pmsg_reset - the message is over: forget it */

void    cm_pmsg_reset(cm_plugin_msg *m)
{
    if (m == 0)
	return;
    if (m->stage != PM_IDLE)
	for (m->cur = 0; m->cur < m->set->count; m->cur++)
	    if (SLOT(m)->desc->reset != 0)
		SLOT(m)->desc->reset(SLOT(m)->state, m);
    memset(m->data, 0, m->set->count * sizeof(*m->data));
    m->stage = PM_IDLE;
    m->sender = m->auth = m->header_campaign = 0;
    m->nrcpt = 0;
    free(m->campaign);
    m->campaign = 0;
    m->bulk = 0;
    m->veto[0] = 0;
    m->veto_marketing_only = 0;
    m->veto_plugin = 0;
    m->failed = m->connect_failed;
    list_clear(&m->audit);
    list_clear(&m->headers);
    cm_buf_reset(&m->json);
}

/* cm_pmsg_result_get - what the plugins decided */

void    cm_pmsg_result_get(const cm_plugin_msg *m, cm_pmsg_result *out)
{
    memset(out, 0, sizeof(*out));
    if (m == 0)
	return;
    out->campaign = m->campaign;
    out->bulk = m->bulk;
    out->veto = m->veto[0] ? m->veto : 0;
    out->veto_marketing_only = m->veto_marketing_only;
    out->veto_plugin = m->veto[0] ? m->veto_plugin : 0;
    out->failed = m->failed;
}

/* cm_pmsg_audit_json - {"name":{"key":"value",...},...} or NULL */

const char *cm_pmsg_audit_json(cm_plugin_msg *m)
{
    size_t  p;
    size_t  i;
    int     open;

    if (m == 0 || m->audit.count == 0)
	return (0);
    if (m->json.len > 0)
	return (cm_buf_str(&m->json));
    cm_json_open(&m->json);
    for (p = 0; p < m->set->count; p++) {
	open = 0;
	for (i = 0; i < m->audit.count; i++) {
	    if (m->audit.item[i].plugin != p)
		continue;
	    if (!open) {
		cm_json_key(&m->json, m->set->slot[p].name);
		cm_json_open(&m->json);
		open = 1;
	    }
	    cm_json_kv_str(&m->json, m->audit.item[i].key,
			   m->audit.item[i].value);
	}
	if (open)
	    cm_json_close(&m->json);
    }
    cm_json_close(&m->json);
    return (m->json.oom ? 0 : cm_buf_str(&m->json));
}

/* cm_pmsg_add_headers - add the header fields plugins asked for */

int     cm_pmsg_add_headers(cm_plugin_msg *m, void *mta)
{
    size_t  i;
    int     status = 0;

    if (m == 0)
	return (0);
    for (i = 0; i < m->headers.count; i++)
	if (m->ops->addheader(mta, m->headers.item[i].key,
			      m->headers.item[i].value) != 0)
	    status = -1;
    return (status);
}
