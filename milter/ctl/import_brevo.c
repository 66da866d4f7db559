/*++
/* NAME
/*	import_brevo 3
/* SUMMARY
/*	consentctl import: Brevo (Sendinblue) contacts and blocklist
/* SYNOPSIS
/*	#include "import_source.h"
/*
/*	const imp_provider imp_brevo;
/* DESCRIPTION
/*	Reads the JSON of the Brevo API, both answers holding contacts[]:
/* .IP "GET /v3/smtp/blockedContacts (a reason member)"
/*	suppressed at blockedAt, whatever reason.code says
/*	(unsubscribedViaEmail, contactFlaggedAsSpam, hardBounce,
/*	adminBlocked, ...): Brevo sends such an address nothing from the
/*	sender, so no purpose may use it.
/* .IP "GET /v3/contacts"
/*	emailBlacklisted true: suppressed at modifiedAt (the contact is
/*	blocked from every e-mail campaign). Each id in listUnsubscribed
/*	that maps to a purpose (--map-list ID=PURPOSE, else --purpose for
/*	every list): withdrawn at modifiedAt; one that maps to nothing is
/*	never dropped silently (imp_unmapped(3)): without --purpose and
/*	--map-list the record is bad, an id left out of --map-list is
/*	skipped and counted. Each id in listIds that maps and is not in
/*	listUnsubscribed: granted at createdAt.
/* .PP
/*	and the CSV file of a contact export (POST /v3/contacts/export, or
/*	Contacts, Export in the web application). Brevo documents its
/*	mandatory columns EMAIL, ADDED_TIME and MODIFIED_TIME, the
/*	metadata column _listIds, and the marketing e-mail subscription
/*	status (exportSubscriptionStatus email_marketing); the name the
/*	status column gets in the file is not published, so the status is
/*	taken from the first of EMAIL_BLACKLISTED, EMAIL_BLOCKLISTED or
/*	email_marketing that the header has (any case). A file without any
/*	of them is refused: it cannot tell a blocklisted contact from a
/*	subscribed one, and reading it as consent would grant it to people
/*	who opted out. (--from columns with suppress= reads a status
/*	column of any other name.) Fields are separated by ; , or tab,
/*	as detected; times are read as imp_time(3) reads them, with
/*	--date-format and --timezone.
/* .IP "status true, yes, 1, blacklisted, blocklisted or unsubscribed"
/*	suppressed at MODIFIED_TIME (else ADDED_TIME).
/* .IP "status false, no, 0, subscribed or empty"
/*	granted at ADDED_TIME: for each id in _listIds (separated by
/*	commas, semicolons, bars or blanks, brackets ignored) that maps
/*	to a purpose, else for --purpose; without --purpose or a mapped
/*	list, no event (a contact in Brevo is not by itself consent).
/* .PP
/*	Any other status value makes the row invalid. The evidence names
/*	the file, the line of the record, the list id or the block reason
/*	or status column.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <string.h>
#include <strings.h>

/* Application-specific. */

#include "import_source.h"

static const char *const jarrays[] = {"contacts", 0};

enum {
    B_EMAIL, B_ADDED, B_MODIFIED, B_LISTIDS, B_BLACKLISTED, B_BLOCKLISTED,
    B_MARKETING, B_COUNT,
};

static const char *const names[B_COUNT + 1] = {
    "EMAIL", "ADDED_TIME", "MODIFIED_TIME", "_listIds", "EMAIL_BLACKLISTED",
    "EMAIL_BLOCKLISTED", "email_marketing", 0,
};

/* brevo_header - the contact export: EMAIL and a status column */

static int brevo_header(imp_source *s, char **f, size_t nf, cm_buf *why)
{
    if (!imp_header_find(s, f, nf, names, s->col, 1u << B_EMAIL, why))
	return (0);
    s->kind = s->col[B_BLACKLISTED] >= 0 ? B_BLACKLISTED :
	s->col[B_BLOCKLISTED] >= 0 ? B_BLOCKLISTED :
	s->col[B_MARKETING] >= 0 ? B_MARKETING : -1;
    if (s->kind >= 0)
	return (1);
    cm_buf_adds(why, "header: no subscription status column (EMAIL_BLACKLISTED, "
		"EMAIL_BLOCKLISTED or email_marketing): without it a blocklisted "
		"contact looks subscribed; export with the e-mail marketing "
		"status, use the JSON of GET /v3/contacts, or --from columns "
		"with suppress=COLUMN");
    return (0);
}

/* status - a blocklist status: 1 blocked, 0 not, -1 unknown */

static int status(const char *v)
{
    static const char *const yes[] = {"true", "yes", "1", "blacklisted",
	"blocklisted", "unsubscribed", 0};
    static const char *const no[] = {"false", "no", "0", "subscribed", "", 0};

    return (imp_flag(v, yes, no));
}

/* csv_lists - a grant per mapped list id in _listIds, or --purpose */

static int csv_lists(imp_source *s, imp_out *out, const char *addr,
		             const char *ids, long long at, cm_buf *why)
{
    const char *purpose, *p = ids;
    char    id[32];
    size_t  n;
    cm_buf *b;

    if (s->col[B_LISTIDS] < 0 || s->o->nmaps == 0) {
	if (s->o->purpose == 0)
	    return (1);
	b = imp_evidence(s, out, "subscribed");
	imp_evidence_add(b, "_listIds", ids);
	return (imp_emit(s, out, addr, "granted", s->o->purpose, at, why));
    }
    while (*p) {
	p += strspn(p, "[] ,;|\t");
	if ((n = strcspn(p, "[] ,;|\t")) == 0)
	    break;
	if (n < sizeof(id)) {
	    memcpy(id, p, n);
	    id[n] = 0;
	    if ((purpose = imp_map_purpose(s, id)) != 0) {
		b = imp_evidence(s, out, "subscribed");
		imp_evidence_add(b, "list", id);
		if (!imp_emit(s, out, addr, "granted", purpose, at, why))
		    return (0);
	    }
	}
	p += n;
    }
    return (1);
}

/* brevo_row - one contact of the CSV export */

static int brevo_row(imp_source *s, char **f, size_t nf, imp_out *out,
		             cm_buf *why)
{
    const char *addr = imp_field(s, f, nf, B_EMAIL);
    const char *v = imp_field(s, f, nf, s->kind);
    const char *when;
    long long at;
    cm_buf *b;
    int     blocked;

    s->raddr = addr;
    if ((blocked = status(v)) < 0) {
	s->roptout = -1;
	cm_buf_printf(why, "%s ", names[s->kind]);
	ctl_row_show(why, v, strlen(v));
	cm_buf_adds(why, ": want true or false (blocklisted or subscribed)");
	return (0);
    }
    s->roptout = blocked;
    if (blocked) {
	when = imp_field(s, f, nf, B_MODIFIED);
	if (!imp_time(s, *when ? "MODIFIED_TIME" : "ADDED_TIME",
		      *when ? when : imp_field(s, f, nf, B_ADDED), &at, why))
	    return (0);
	b = imp_evidence(s, out, "blocklisted");
	imp_evidence_add(b, names[s->kind], v);
	return (imp_emit(s, out, addr, "suppressed", "*", at, why));
    }
    if (s->o->purpose == 0 && s->o->nmaps == 0)
	return (1);
    if (!imp_time(s, "ADDED_TIME", imp_field(s, f, nf, B_ADDED), &at, why))
	return (0);
    return (csv_lists(s, out, addr, imp_field(s, f, nf, B_LISTIDS), at, why));
}

/* str - a string member, or "" */

static const char *str(const cm_jobject *o, const char *key)
{
    const char *v = cm_jobject_string(o, key);

    return (v ? v : "");
}

/* in_list - is the number id in the JSON array member m */

static int in_list(const cm_jmember *m, const char *id)
{
    size_t  pos = 1, es, elen;

    if (m == 0 || m->type != CM_JTYPE_ARRAY)
	return (0);
    while (imp_json_next(m->val, m->val_len - 1, &pos, &es, &elen))
	if (elen == strlen(id) && memcmp(m->val + es, id, elen) == 0)
	    return (1);
    return (0);
}

/* lists - one event per mapped list id in member key */

static int lists(imp_source *s, imp_out *out, const char *addr,
		         const char *key, const char *state, long long at,
		         cm_buf *why)
{
    const cm_jmember *m = cm_jobject_get(&s->obj, key);
    const cm_jmember *un = cm_jobject_get(&s->obj, "listUnsubscribed");
    const char *purpose;
    size_t  pos = 1, es, elen;
    char    id[32];
    cm_buf *b;

    if (m == 0 || m->type != CM_JTYPE_ARRAY)
	return (1);
    while (imp_json_next(m->val, m->val_len - 1, &pos, &es, &elen)) {
	while (elen > 0 && strchr(" \t\r\n", m->val[es + elen - 1]))
	    elen--;
	if (elen == 0 || elen >= sizeof(id)) {
	    if (*state == 'g')
		continue;
	    cm_buf_printf(why, "%s: a list id of %zu bytes", key, elen);
	    return (0);				/* an opt-out we cannot read */
	}
	memcpy(id, m->val + es, elen);
	id[elen] = 0;
	if ((purpose = imp_map_purpose(s, id)) == 0) {
	    if (*state != 'g' && !imp_unmapped(s, key, id, "an opt-out", why))
		return (0);
	    continue;				/* not one of ours */
	}
	if (*state == 'g' && in_list(un, id))
	    continue;				/* unsubscribed wins */
	b = imp_evidence(s, out, key);
	imp_evidence_add(b, "list", id);
	if (!imp_emit(s, out, addr, state, purpose, at, why))
	    return (0);
    }
    return (1);
}

/* brevo_jrow - one contact or one blocked contact */

static int brevo_jrow(imp_source *s, const char *text, size_t len,
		              imp_out *out, cm_buf *why)
{
    const cm_jmember *m;
    char    err[256];
    const char *addr;
    long long at, created;
    cm_buf *b;

    if (cm_jobject_parse(&s->obj, text, len, err, sizeof(err)) != 0) {
	cm_buf_printf(why, "contact: %s", err);
	return (0);
    }
    addr = str(&s->obj, "email");
    s->raddr = addr;
    if ((m = cm_jobject_get(&s->obj, "reason")) != 0) {
	if (!imp_time(s, "blockedAt", str(&s->obj, "blockedAt"), &at, why))
	    return (0);
	b = imp_evidence(s, out, "blocked");
	if (m->type == CM_JTYPE_OBJECT
	    && cm_jobject_parse(&s->sub, m->val, m->val_len, err,
				sizeof(err)) == 0) {
	    imp_evidence_add(b, "code", str(&s->sub, "code"));
	    imp_evidence_add(b, "message", str(&s->sub, "message"));
	}
	imp_evidence_add(b, "senderEmail", str(&s->obj, "senderEmail"));
	return (imp_emit(s, out, addr, "suppressed", "*", at, why));
    }
    if (!imp_time(s, "modifiedAt", str(&s->obj, "modifiedAt"), &at, why))
	return (0);
    if ((m = cm_jobject_get(&s->obj, "emailBlacklisted")) != 0
	&& m->type == CM_JTYPE_TRUE) {
	imp_evidence(s, out, "emailBlacklisted");
	if (!imp_emit(s, out, addr, "suppressed", "*", at, why))
	    return (0);
    }
    if (!lists(s, out, addr, "listUnsubscribed", "withdrawn", at, why))
	return (0);
    if (cm_jobject_get(&s->obj, "listIds") == 0)
	return (1);
    if (!imp_time(s, "createdAt", str(&s->obj, "createdAt"), &created, why))
	return (0);
    return (lists(s, out, addr, "listIds", "granted", created, why));
}

const imp_provider imp_brevo = {
    "brevo", brevo_header, brevo_row, jarrays, brevo_jrow,
};
