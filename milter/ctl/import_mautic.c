/*++
/* NAME
/*	import_mautic 3
/* SUMMARY
/*	consentctl import: Mautic contacts and do-not-contact records
/* SYNOPSIS
/*	#include "import_source.h"
/*
/*	const imp_provider imp_mautic;
/* DESCRIPTION
/*	Mautic's contact export does not carry do-not-contact (mautic
/*	#11679): that lives in the table lead_donotcontact (lead_id,
/*	date_added, reason, channel, comments). Export it joined with
/*	the address, e.g.
/*
/*	SELECT l.email, d.date_added, d.reason, d.channel, d.comments
/*	FROM lead_donotcontact d JOIN leads l ON l.id = d.lead_id
/*
/*	and import it with the contact export. The header tells them
/*	apart (a reason column: do-not-contact).
/* .IP "do-not-contact, reason 1 (unsubscribed)"
/*	withdrawn for --purpose at date_added: the person used the
/*	unsubscribe link of that mail.
/* .IP "reason 2 (bounced), 3 (manual)"
/*	suppressed at date_added: the address does not take mail, or an
/*	operator recorded that the person must not be contacted at all.
/* .IP "contact export"
/*	granted for --purpose at date_added, and only with --purpose:
/*	giving it says that the contacts opted in to it.
/* .PP
/*	The evidence carries channel and comments.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <string.h>

/* Application-specific. */

#include "import_source.h"

enum {
    T_EMAIL, T_DATE_ADDED, T_REASON, T_CHANNEL, T_COMMENTS, T_LEAD_ID,
    T_COUNT,
};

static const char *const names[T_COUNT + 1] = {
    "email", "date_added", "reason", "channel", "comments", "lead_id", 0,
};

#define MT_CONTACTS	0
#define MT_DNC		1

/* mautic_header - contacts or do-not-contact */

static int mautic_header(imp_source *s, char **f, size_t nf, cm_buf *why)
{
    (void) imp_header_find(s, f, nf, names, s->col, 0, why);
    s->kind = s->col[T_REASON] >= 0 ? MT_DNC : MT_CONTACTS;
    if (s->kind == MT_DNC && s->col[T_EMAIL] < 0) {
	cm_buf_adds(why, "do-not-contact file without an email column: "
		    "export lead_donotcontact joined with leads on lead_id "
		    "(see consentctl(8))");
	return (0);
    }
    if (s->kind == MT_DNC && s->o->purpose == 0) {
	cm_buf_adds(why, "--from mautic needs --purpose P for unsubscribes");
	return (0);
    }
    cm_buf_reset(why);
    return (imp_header_find(s, f, nf, names, s->col,
			    (1u << T_EMAIL) | (1u << T_DATE_ADDED), why));
}

/* mautic_row - one contact or one do-not-contact record */

static int mautic_row(imp_source *s, char **f, size_t nf, imp_out *out,
		              cm_buf *why)
{
    const char *addr = imp_field(s, f, nf, T_EMAIL);
    const char *reason = imp_field(s, f, nf, T_REASON);
    long long at;
    cm_buf *b;

    s->raddr = addr;
    s->roptout = s->kind == MT_DNC;
    if (s->kind == MT_CONTACTS && s->o->purpose == 0)
	return (1);
    if (!imp_time(s, "date_added", imp_field(s, f, nf, T_DATE_ADDED), &at, why))
	return (0);
    if (s->kind == MT_CONTACTS) {
	imp_evidence(s, out, "contact");
	return (imp_emit(s, out, addr, "granted", s->o->purpose, at, why));
    }
    if (strcmp(reason, "1") != 0 && strcmp(reason, "2") != 0
	&& strcmp(reason, "3") != 0) {
	cm_buf_adds(why, "reason ");
	ctl_row_show(why, reason, strlen(reason));
	cm_buf_adds(why, ": want 1 (unsubscribed), 2 (bounced) or 3 (manual)");
	return (0);
    }
    b = imp_evidence(s, out, *reason == '1' ? "dnc_unsubscribed" :
		     *reason == '2' ? "dnc_bounced" : "dnc_manual");
    imp_evidence_add(b, "channel", imp_field(s, f, nf, T_CHANNEL));
    imp_evidence_add(b, "comments", imp_field(s, f, nf, T_COMMENTS));
    if (*reason == '1')
	return (imp_emit(s, out, addr, "withdrawn", s->o->purpose, at, why));
    return (imp_emit(s, out, addr, "suppressed", "*", at, why));
}

const imp_provider imp_mautic = {
    "mautic", mautic_header, mautic_row, 0, 0,
};
