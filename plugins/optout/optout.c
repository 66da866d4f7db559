/*++
/* NAME
/*	optout 8
/* SUMMARY
/*	consent-milter plugin: marketing must name its sender and carry an opt-out
/* SYNOPSIS
/*	Plugin optout optout.so
/*	optout.RequireOneClick no
/*	optout.RelayOptOut no
/* DESCRIPTION
/*	PECR regulation 23 forbids marketing email that hides who sent it
/*	or gives no valid address to opt out at; the large mailbox
/*	providers' bulk-sender rules also want one-click unsubscribe
/*	(RFC 8058). This plugin checks each message for:
/* .IP "a From field with a parseable address"
/*	exactly one address of the form local@domain (in <> or bare).
/*	Quoted strings and comments (RFC 5322) are read as such: a
/*	display name "Shop <Sale>" or a comment "(the <best> club)" does
/*	not make the address unparseable.
/* .IP "a List-Unsubscribe field (RFC 2369)"
/*	with at least one <mailto:...> or <https://...> URI; http: does
/*	not count (a plain-text link is not a safe opt-out).
/* .PP
/*	Missing either: the message is vetoed with the reason
/*	"no-opt-out-address". With "optout.RequireOneClick yes" it also
/*	needs "List-Unsubscribe-Post: List-Unsubscribe=One-Click" and an
/*	https: URI among the List-Unsubscribe ones, else "no-one-click".
/*
/*	With "optout.RelayOptOut yes" (set it together with the daemon's
/*	"Unsubscribe yes"), a message to exactly one recipient counts as
/*	carrying a working opt-out whatever the sending tool set: the
/*	daemon adds its own List-Unsubscribe (https and mailto) and
/*	List-Unsubscribe-Post to it (DESIGN.md section 14). Several
/*	recipients cannot get a personal token: for them the tool's own
/*	headers must do, as before. The audit key "unsubscribe" then says
/*	"relay". (A recipient whose record has no opt-out reference yet
/*	gets no header from the daemon, which logs it: run consentctl
/*	unsubscribe-refs once after upgrading.)
/*
/*	The veto has marketing scope: campaigns with basis service
/*	(receipts, password resets) are not touched, and mail without a
/*	campaign is left to the rest of the decision table.
/*
/*	Audit keys: "from" (ok, missing, unparseable), "unsubscribe"
/*	(the usable schemes, e.g. "mailto,https", or none), "one_click"
/*	(yes/no), "result" (ok or the veto reason).
/* DIAGNOSTICS
/*	init fails on a RequireOneClick or RelayOptOut value other than
/*	yes or no.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The plugin interface. */

#include "consent-milter-plugin.h"

#define ONE_CLICK_VALUE	"List-Unsubscribe=One-Click"

typedef struct optout_state {
    const cm_plugin_host *host;
    int     require_one_click;
    int     relay;			/* RelayOptOut: the daemon adds ours */
} optout_state;

/* What the header said, per message. */
typedef struct optout_msg {
    int     from_count;			/* From fields seen */
    int     from_ok;			/* the (first) one parses */
    int     mailto;			/* a usable mailto: URI */
    int     https;			/* a usable https: URI */
    int     one_click;			/* List-Unsubscribe-Post is right */
} optout_msg;

/* optout_init - read the options */

static int optout_init(const cm_plugin_host *host, const cm_plugin_init *init,
		               void **state, char *err, size_t errlen)
{
    optout_state *st;
    const char *v;

    if ((st = calloc(1, sizeof(*st))) == 0) {
	(void) snprintf(err, errlen, "out of memory");
	return (CM_PLUGIN_FAIL);
    }
    st->host = host;
    *state = st;
    if ((v = host->option(init, "RequireOneClick")) != 0) {
	if (strcasecmp(v, "yes") == 0)
	    st->require_one_click = 1;
	else if (strcasecmp(v, "no") != 0) {
	    (void) snprintf(err, errlen, "%s.RequireOneClick: expected yes or "
			    "no, not \"%.64s\"", init->name, v);
	    return (CM_PLUGIN_FAIL);
	}
    }
    if ((v = host->option(init, "RelayOptOut")) != 0) {
	if (strcasecmp(v, "yes") == 0)
	    st->relay = 1;
	else if (strcasecmp(v, "no") != 0) {
	    (void) snprintf(err, errlen, "%s.RelayOptOut: expected yes or "
			    "no, not \"%.64s\"", init->name, v);
	    return (CM_PLUGIN_FAIL);
	}
    }
    return (CM_PLUGIN_OK);
}

/* optout_fini - free the state */

static void optout_fini(void *state)
{
    free(state);
}

/* is_fws - folding white space inside a header value */

static int is_fws(int ch)
{
    return (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n');
}

/*
 * address_ok - local@domain: one '@', both sides non-empty, no white
 * space, controls or brackets. A quoted local part may contain '@'
 * and spaces; its last '@' is the separator.
 */
static int address_ok(const char *addr, size_t len)
{
    const char *at = 0;
    size_t  i;
    int     quoted = 0;

    for (i = 0; i < len; i++) {
	unsigned char ch = addr[i];

	if (ch == '"')
	    quoted = !quoted;
	else if (ch < 0x20 || ch == 0x7f)
	    return (0);
	else if (!quoted && (ch == ' ' || ch == '<' || ch == '>' || ch == ','))
	    return (0);
	else if (!quoted && ch == '@')
	    at = addr + i;
    }
    return (!quoted && at != 0 && at > addr && at < addr + len - 1
	    && memchr(at + 1, '@', addr + len - at - 1) == 0);
}

/*
 * strip_comments - the value without its comments, or NULL
 *
 * RFC 5322 comments, "(...)" and nested, may stand between the parts of
 * a From value and may hold anything, "<" and "@" included; so may a
 * quoted string (a display name "Shop <Sale>", a quoted local part),
 * which is kept, quotes and all. A comment becomes one space. NULL: a
 * comment or quoted string that is not closed, or no memory (*oom).
 */
static char *strip_comments(const char *value, int *oom)
{
    char   *out;
    char   *op;
    const char *cp;
    int     depth = 0;
    int     quoted = 0;

    *oom = 0;
    if ((out = malloc(strlen(value) + 1)) == 0) {
	*oom = 1;
	return (0);
    }
    for (op = out, cp = value; *cp; cp++) {
	if (*cp == '\\' && cp[1] != 0 && (quoted || depth > 0)) {
	    if (depth == 0) {
		*op++ = cp[0];
		*op++ = cp[1];
	    }
	    cp++;
	} else if (depth == 0 && *cp == '"') {
	    quoted = !quoted;
	    *op++ = *cp;
	} else if (!quoted && *cp == '(') {
	    depth++;
	} else if (depth > 0 && *cp == ')') {
	    if (--depth == 0)
		*op++ = ' ';
	} else if (depth == 0) {
	    *op++ = *cp;
	}
    }
    *op = 0;
    if (depth > 0 || quoted) {
	free(out);
	return (0);
    }
    return (out);
}

/* unquoted_chr - the first ch outside a quoted string, or NULL */

static const char *unquoted_chr(const char *s, int ch)
{
    int     quoted = 0;

    for (; *s; s++) {
	if (*s == '\\' && quoted && s[1] != 0)
	    s++;
	else if (*s == '"')
	    quoted = !quoted;
	else if (!quoted && *s == ch)
	    return (s);
    }
    return (0);
}

/* from_parses - the address of a From value: <addr> or bare addr; -1: oom */

static int from_parses(const char *value)
{
    char   *bare;
    const char *cp;
    const char *lt;
    const char *gt;
    const char *end;
    int     oom;
    int     ok;

    if ((bare = strip_comments(value, &oom)) == 0)
	return (oom ? -1 : 0);
    if ((lt = unquoted_chr(bare, '<')) != 0) {
	/* Unclosed, or a list: not one address. */
	ok = ((gt = strchr(lt, '>')) != 0 && unquoted_chr(gt + 1, '<') == 0
	      && address_ok(lt + 1, gt - lt - 1));
    } else {
	for (cp = bare; is_fws(*cp); cp++)
	     /* void */ ;
	end = cp + strlen(cp);
	while (end > cp && is_fws(end[-1]))
	    end--;
	ok = address_ok(cp, end - cp);
    }
    free(bare);
    return (ok);
}

/* scan_uris - note the usable URIs of a List-Unsubscribe value */

static void scan_uris(optout_msg *om, const char *value)
{
    const char *lt;
    const char *gt;
    const char *uri;

    /* RFC 2369: a comma list of <URI>, each in angle brackets. */
    for (lt = strchr(value, '<'); lt != 0; lt = strchr(gt, '<')) {
	if ((gt = strchr(lt, '>')) == 0)
	    return;
	for (uri = lt + 1; uri < gt && is_fws(*uri); uri++)
	     /* void */ ;
	if (gt - uri > 7 && strncasecmp(uri, "mailto:", 7) == 0
	    && memchr(uri + 7, '@', gt - uri - 7) != 0)
	    om->mailto = 1;
	else if (gt - uri > 8 && strncasecmp(uri, "https://", 8) == 0
		 && !is_fws(uri[8]) && uri[8] != '/')
	    om->https = 1;
    }
}

/* one_click_ok - List-Unsubscribe-Post: List-Unsubscribe=One-Click */

static int one_click_ok(const char *value)
{
    const char *end;

    while (is_fws(*value))
	value++;
    end = value + strlen(value);
    while (end > value && is_fws(end[-1]))
	end--;
    return ((size_t) (end - value) == strlen(ONE_CLICK_VALUE)
	    && strncasecmp(value, ONE_CLICK_VALUE, end - value) == 0);
}

/* optout_header - collect From, List-Unsubscribe, List-Unsubscribe-Post */

static int optout_header(void *state, cm_plugin_msg *m, const char *name,
			         const char *value)
{
    optout_state *st = state;
    void  **slot = st->host->data(m);
    optout_msg *om;

    if (strcasecmp(name, "From") != 0
	&& strcasecmp(name, "List-Unsubscribe") != 0
	&& strcasecmp(name, "List-Unsubscribe-Post") != 0)
	return (CM_PLUGIN_OK);
    if (*slot == 0 && (*slot = calloc(1, sizeof(optout_msg))) == 0)
	return (CM_PLUGIN_FAIL);
    om = *slot;
    if (strcasecmp(name, "From") == 0) {
	if (om->from_count++ == 0 && (om->from_ok = from_parses(value)) < 0)
	    return (CM_PLUGIN_FAIL);
    } else if (strcasecmp(name, "List-Unsubscribe") == 0) {
	scan_uris(om, value);
    } else if (one_click_ok(value)) {
	om->one_click = 1;
    }
    return (CM_PLUGIN_OK);
}

/* optout_eom - veto marketing that a recipient could not opt out of */

static int optout_eom(void *state, cm_plugin_msg *m)
{
    optout_state *st = state;
    const cm_plugin_host *host = st->host;
    optout_msg none, relay;
    optout_msg *om = *host->data(m);
    const char *reason = 0;
    const char *from;
    const char *schemes;

    if (om == 0) {
	memset(&none, 0, sizeof(none));
	om = &none;
    }
    from = om->from_count == 0 ? "missing" : om->from_ok ?
	(om->from_count == 1 ? "ok" : "repeated") : "unparseable";
    schemes = om->mailto && om->https ? "mailto,https" : om->mailto ?
	"mailto" : om->https ? "https" : "none";

    /* One person: the daemon's own opt-out goes on top of the message. */
    if (st->relay && host->rcpt_count(m) == 1) {
	relay = *om;
	relay.mailto = relay.https = relay.one_click = 1;
	om = &relay;
	schemes = "relay";
    }

    /* RFC 5322 wants exactly one From: a second one hides the sender. */
    if (om->from_count != 1 || !om->from_ok || (!om->mailto && !om->https))
	reason = "no-opt-out-address";
    else if (st->require_one_click && (!om->one_click || !om->https))
	reason = "no-one-click";
    if (host->audit(m, "from", from) != 0
	|| host->audit(m, "unsubscribe", schemes) != 0
	|| host->audit(m, "one_click", om->one_click ? "yes" : "no") != 0
	|| host->audit(m, "result", reason ? reason : "ok") != 0)
	return (CM_PLUGIN_FAIL);
    if (reason != 0 && host->veto(m, CM_VETO_MARKETING, reason) != 0)
	return (CM_PLUGIN_FAIL);
    return (CM_PLUGIN_OK);
}

/* optout_reset - the message is over */

static void optout_reset(void *state, cm_plugin_msg *m)
{
    optout_state *st = state;

    free(*st->host->data(m));
}

static const char *const optout_options[] = {"RequireOneClick", "RelayOptOut",
0};

const cm_plugin consent_milter_plugin = {
    CM_PLUGIN_API_VERSION,
    "optout",
    "1.0",
    optout_options,
    0,					/* no body */
    optout_init,
    optout_fini,
    0,					/* connect */
    0,					/* envfrom */
    0,					/* envrcpt */
    optout_header,
    0,					/* eoh */
    0,					/* body */
    optout_eom,
    optout_reset,
};
