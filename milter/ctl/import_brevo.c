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
/*	every list): withdrawn at modifiedAt. Each id in listIds that maps
/*	and is not in listUnsubscribed: granted at createdAt.
/* .PP
/*	The evidence names the file, the line of the record, the list id
/*	or the block reason.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <string.h>

/* Application-specific. */

#include "import_source.h"

static const char *const jarrays[] = {"contacts", 0};

/* brevo_header - Brevo hands out JSON here */

static int brevo_header(imp_source *s, char **f, size_t nf, cm_buf *why)
{
    (void) s;
    (void) f;
    (void) nf;
    cm_buf_adds(why, "--from brevo reads the JSON of GET /v3/contacts or "
		"/v3/smtp/blockedContacts, not CSV");
    return (0);
}

/* brevo_row - CSV is refused by the header */

static int brevo_row(imp_source *s, char **f, size_t nf, imp_out *out,
		             cm_buf *why)
{
    (void) out;
    return (brevo_header(s, f, nf, why));
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
	if (elen == 0 || elen >= sizeof(id))
	    continue;
	memcpy(id, m->val + es, elen);
	id[elen] = 0;
	if ((purpose = imp_map_purpose(s, id)) == 0)
	    continue;
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
