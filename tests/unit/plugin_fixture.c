/*++
/* NAME
/*	plugin_fixture 3
/* SUMMARY
/*	a plugin for the loader and host tests
/* DESCRIPTION
/*	Built several times (tests/unit/fixture_*.la) with different
/*	defines, to give the loader what it must refuse:
/* .IP FIXTURE_API=n
/*	a descriptor of another API version;
/* .IP FIXTURE_NO_DESCRIPTOR
/*	a shared object without the descriptor.
/* .PP
/*	Without them, a plugin whose behaviour the options choose:
/*	fixture.FailInit TEXT (init fails with that reason),
/*	fixture.Veto REASON and fixture.Scope any|marketing (veto at
/*	end of message), fixture.Campaign ID (set_campaign with "how"
/*	"fixture"; fixture.Campaign2 ID: then again, without "how"),
/*	fixture.Fail eom|connect (that hook fails),
/*	fixture.Header yes (adds X-Fixture: rcpts=N). It counts the
/*	body bytes it sees into the audit key "body".
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "consent-milter-plugin.h"

#ifndef FIXTURE_NO_DESCRIPTOR

#ifndef FIXTURE_API
#define FIXTURE_API CM_PLUGIN_API_VERSION
#endif

typedef struct fixture {
    const cm_plugin_host *host;
    const char *veto;
    int     scope;
    const char *campaign;
    const char *campaign2;
    int     fail_eom;
    int     fail_connect;
    int     header;
} fixture;

/* opt - an option's value, copied (option() strings live in the config) */

static const char *opt(const cm_plugin_host *host, const cm_plugin_init *init,
		               const char *key)
{
    const char *v = host->option(init, key);

    return (v ? strdup(v) : 0);
}

static int fx_init(const cm_plugin_host *host, const cm_plugin_init *init,
		           void **state, char *err, size_t errlen)
{
    fixture *fx = calloc(1, sizeof(*fx));
    const char *v;

    if (fx == 0)
	return (CM_PLUGIN_FAIL);
    *state = fx;
    fx->host = host;
    if ((v = host->option(init, "FailInit")) != 0) {
	(void) snprintf(err, errlen, "%s", v);
	return (CM_PLUGIN_FAIL);
    }
    fx->veto = opt(host, init, "Veto");
    v = host->option(init, "Scope");
    fx->scope = (v && strcasecmp(v, "marketing") == 0) ?
	CM_VETO_MARKETING : CM_VETO_ANY;
    fx->campaign = opt(host, init, "Campaign");
    fx->campaign2 = opt(host, init, "Campaign2");
    v = host->option(init, "Fail");
    fx->fail_eom = (v && strcasecmp(v, "eom") == 0);
    fx->fail_connect = (v && strcasecmp(v, "connect") == 0);
    v = host->option(init, "Header");
    fx->header = (v && strcasecmp(v, "yes") == 0);
    return (CM_PLUGIN_OK);
}

static void fx_fini(void *state)
{
    fixture *fx = state;

    free((void *) fx->veto);
    free((void *) fx->campaign);
    free((void *) fx->campaign2);
    free(fx);
}

static int fx_connect(void *state, cm_plugin_msg *m)
{
    fixture *fx = state;

    (void) m;
    return (fx->fail_connect ? CM_PLUGIN_FAIL : CM_PLUGIN_OK);
}

static int fx_body(void *state, cm_plugin_msg *m, const unsigned char *chunk,
		           size_t len)
{
    fixture *fx = state;
    size_t *count = *fx->host->data(m);

    (void) chunk;
    if (count == 0 && (count = calloc(1, sizeof(*count))) == 0)
	return (CM_PLUGIN_FAIL);
    *fx->host->data(m) = count;
    *count += len;
    return (CM_PLUGIN_OK);
}

static int fx_eom(void *state, cm_plugin_msg *m)
{
    fixture *fx = state;
    const cm_plugin_host *h = fx->host;
    size_t *count = *h->data(m);
    char    text[64];

    if (fx->fail_eom)
	return (CM_PLUGIN_FAIL);
    (void) snprintf(text, sizeof(text), "%zu", count ? *count : 0);
    if (h->audit(m, "body", text) != 0)
	return (CM_PLUGIN_FAIL);
    if (fx->campaign && h->set_campaign(m, fx->campaign, "fixture") != 0)
	return (CM_PLUGIN_FAIL);
    if (fx->campaign2 && h->set_campaign(m, fx->campaign2, 0) != 0)
	return (CM_PLUGIN_FAIL);
    if (fx->veto && h->veto(m, fx->scope, fx->veto) != 0)
	return (CM_PLUGIN_FAIL);
    (void) snprintf(text, sizeof(text), "rcpts=%zu", h->rcpt_count(m));
    if (fx->header && h->add_header(m, "X-Fixture", text) != 0)
	return (CM_PLUGIN_FAIL);
    return (CM_PLUGIN_OK);
}

static void fx_reset(void *state, cm_plugin_msg *m)
{
    fixture *fx = state;

    free(*fx->host->data(m));
}

static const char *const fx_options[] = {
    "FailInit", "Veto", "Scope", "Campaign", "Campaign2", "Fail", "Header", 0
};

const cm_plugin consent_milter_plugin = {
    FIXTURE_API, "fixture", "0", fx_options, CM_PLUGIN_WANT_BODY,
    fx_init, fx_fini, fx_connect, 0, 0, 0, 0, fx_body, fx_eom, fx_reset,
};

#else

/* Something to export, but not the descriptor. */
int     fixture_not_a_plugin = 1;

#endif
