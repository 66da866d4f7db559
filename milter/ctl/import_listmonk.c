/*++
/* NAME
/*	import_listmonk 3
/* SUMMARY
/*	consentctl import: listmonk subscribers, CSV export and API JSON
/* SYNOPSIS
/*	#include "import_source.h"
/*
/*	const imp_provider imp_listmonk;
/* DESCRIPTION
/*	listmonk's subscriber CSV export (uuid, email, name, attributes,
/*	status, created_at, updated_at) has the subscriber's status but
/*	not the per-list subscription status; its API (GET
/*	/api/subscribers, saved as JSON) has both, in lists[]. Prefer the
/*	JSON: only it carries the per-list unsubscribes (listmonk users
/*	lost exactly those in migrations, DOMAIN.md).
/*
/*	The subscriber status, in both:
/* .IP blocklisted
/*	suppressed at updated_at: listmonk mails a blocklisted address
/*	nothing at all, so no purpose may.
/* .IP "enabled (CSV only)"
/*	granted for --purpose at created_at, and only with --purpose:
/*	giving it says that the file is the export of that opted-in list.
/* .IP disabled
/*	no event: an administrative state, not consent.
/* .PP
/*	Each list in lists[] (JSON) whose name maps to a purpose
/*	(--map-list NAME=PURPOSE, else --purpose for all lists). An
/*	unsubscribed list that maps to nothing is never dropped silently
/*	(imp_unmapped(3)): without --purpose and --map-list the record is
/*	bad; a list left out of --map-list is skipped and counted. Other
/*	lists not mapped are skipped.
/* .IP unsubscribed
/*	withdrawn at the list's updated_at.
/* .IP confirmed
/*	granted at the list's created_at.
/* .IP unconfirmed
/*	granted only when the list is single opt-in (optin "single"); a
/*	double opt-in never confirmed is no consent.
/* .PP
/*	The evidence names the file and the line of the record, the list,
/*	its id and status.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <string.h>
#include <strings.h>

/* Application-specific. */

#include "import_source.h"

enum {
    L_EMAIL, L_STATUS, L_CREATED, L_UPDATED, L_UUID, L_COUNT,
};

static const char *const names[L_COUNT + 1] = {
    "email", "status", "created_at", "updated_at", "uuid", 0,
};

/* The arrays of the API answer, or a bare array of subscribers. */
static const char *const jarrays[] = {"results", "", 0};

/* listmonk_header - the subscriber export */

static int listmonk_header(imp_source *s, char **f, size_t nf, cm_buf *why)
{
    return (imp_header_find(s, f, nf, names, s->col,
			    (1u << L_EMAIL) | (1u << L_STATUS), why));
}

/* status_event - the event of a subscriber status, if any */

static int status_event(imp_source *s, imp_out *out, const char *addr,
			        const char *status, const char *updated, const char *uuid,
			        cm_buf *why)
{
    long long at;
    cm_buf *b;

    if (strcasecmp(status, "blocklisted") == 0) {
	if (!imp_time(s, "updated_at", updated, &at, why))
	    return (0);
	b = imp_evidence(s, out, "blocklisted");
	imp_evidence_add(b, "uuid", uuid);
	return (imp_emit(s, out, addr, "suppressed", "*", at, why));
    }
    if (strcasecmp(status, "enabled") == 0 || strcasecmp(status, "disabled") == 0)
	return (1);
    cm_buf_adds(why, "status ");
    ctl_row_show(why, status, strlen(status));
    cm_buf_adds(why, ": want enabled, disabled or blocklisted");
    return (0);
}

/* listmonk_row - one subscriber of the CSV export */

static int listmonk_row(imp_source *s, char **f, size_t nf, imp_out *out,
			        cm_buf *why)
{
    const char *addr = imp_field(s, f, nf, L_EMAIL);
    const char *status = imp_field(s, f, nf, L_STATUS);
    const char *created = imp_field(s, f, nf, L_CREATED);
    long long at;
    cm_buf *b;

    s->raddr = addr;
    s->roptout = strcasecmp(status, "enabled") == 0
	|| strcasecmp(status, "disabled") == 0 ? 0 : -1;
    if (!status_event(s, out, addr, status, imp_field(s, f, nf, L_UPDATED),
		      imp_field(s, f, nf, L_UUID), why))
	return (0);
    if (strcasecmp(status, "enabled") != 0 || s->o->purpose == 0)
	return (1);
    if (!imp_time(s, "created_at", created, &at, why))
	return (0);
    b = imp_evidence(s, out, "enabled");
    imp_evidence_add(b, "uuid", imp_field(s, f, nf, L_UUID));
    return (imp_emit(s, out, addr, "granted", s->o->purpose, at, why));
}

/* str - a string member, or "" */

static const char *str(const cm_jobject *o, const char *key)
{
    const char *v = cm_jobject_string(o, key);

    return (v ? v : "");
}

/* listmonk_jrow - one subscriber of the API answer */

static int listmonk_jrow(imp_source *s, const char *text, size_t len,
			         imp_out *out, cm_buf *why)
{
    const cm_jmember *lists;
    char    err[256];
    const char *addr, *purpose, *ls, *lname, *when;
    cm_buf *b;
    long long at;
    size_t  pos, es, elen;
    char    id[32];

    if (cm_jobject_parse(&s->obj, text, len, err, sizeof(err)) != 0) {
	cm_buf_printf(why, "subscriber: %s", err);
	return (0);
    }
    addr = str(&s->obj, "email");
    s->raddr = addr;
    if (!status_event(s, out, addr, str(&s->obj, "status"),
		      str(&s->obj, "updated_at"),
		      str(&s->obj, "uuid"), why))
	return (0);
    if ((lists = cm_jobject_get(&s->obj, "lists")) == 0
	|| lists->type != CM_JTYPE_ARRAY)
	return (1);
    pos = 1;					/* after the [ */
    while (imp_json_next(lists->val, lists->val_len - 1, &pos, &es, &elen)) {
	if (cm_jobject_parse(&s->sub, lists->val + es, elen, err,
			     sizeof(err)) != 0) {
	    cm_buf_printf(why, "lists[]: %s", err);
	    return (0);
	}
	lname = str(&s->sub, "name");
	ls = str(&s->sub, "subscription_status");
	if ((purpose = imp_map_purpose(s, lname)) == 0) {
	    if (strcasecmp(ls, "unsubscribed") == 0
		&& !imp_unmapped(s, "list", lname, ls, why))
		return (0);
	    continue;				/* not one of ours */
	}
	if (strcasecmp(ls, "unsubscribed") == 0)
	    when = str(&s->sub, "updated_at");
	else if (strcasecmp(ls, "confirmed") == 0
		 || (strcasecmp(ls, "unconfirmed") == 0
		     && strcasecmp(str(&s->sub, "optin"), "single") == 0))
	    when = str(&s->sub, "created_at");
	else if (strcasecmp(ls, "unconfirmed") == 0)
	    continue;				/* double opt-in not done */
	else {
	    cm_buf_adds(why, "list ");
	    ctl_row_show(why, lname, strlen(lname));
	    cm_buf_adds(why, ": subscription_status ");
	    ctl_row_show(why, ls, strlen(ls));
	    cm_buf_adds(why, ": want unsubscribed, confirmed or unconfirmed");
	    return (0);
	}
	if (!imp_time(s, "lists[].updated_at", when, &at, why))
	    return (0);
	b = imp_evidence(s, out, ls);
	imp_evidence_add(b, "list", lname);
	{
	    const cm_jmember *m = cm_jobject_get(&s->sub, "id");

	    if (m && m->type == CM_JTYPE_NUMBER && m->val_len < sizeof(id)) {
		memcpy(id, m->val, m->val_len);
		id[m->val_len] = 0;
		imp_evidence_add(b, "list_id", id);
	    }
	}
	imp_evidence_add(b, "optin", str(&s->sub, "optin"));
	if (!imp_emit(s, out, addr, strcasecmp(ls, "unsubscribed") == 0 ?
		      "withdrawn" : "granted", purpose, at, why))
	    return (0);
    }
    return (1);
}

const imp_provider imp_listmonk = {
    "listmonk", listmonk_header, listmonk_row, jarrays, listmonk_jrow,
};
