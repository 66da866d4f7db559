/*++
/* NAME
/*	import_mailchimp 3
/* SUMMARY
/*	consentctl import: the Mailchimp audience export
/* SYNOPSIS
/*	#include "import_source.h"
/*
/*	const imp_provider imp_mailchimp;
/* DESCRIPTION
/*	Mailchimp exports an audience as a zip archive (import_zip(3))
/*	of CSV files, subscribed, unsubscribed and cleaned, and in newer
/*	exports nonsubscribed, named STATUS_members_export_ID.csv, with
/*	the same columns plus those of the state: the file a row is in
/*	decides the state. The kind of file is told by its name (the
/*	part after the last / or :) when that starts with subscribed,
/*	unsubscribed, cleaned or nonsubscribed (followed by _ - . or a
/*	blank, or nothing), and by its header (UNSUB_TIME: unsubscribed;
/*	CLEAN_TIME: cleaned). When both tell and disagree, the file is
/*	refused; a file that neither name nor header tells is
/*	subscribed. Rows of a nonsubscribed file give no event: those
/*	contacts never opted in.
/* .IP subscribed
/*	granted for --purpose at CONFIRM_TIME (double opt-in), else
/*	OPTIN_TIME, else LAST_CHANGED.
/* .IP unsubscribed
/*	withdrawn for --purpose at UNSUB_TIME (else LAST_CHANGED; a file
/*	named unsubscribed may have no UNSUB_TIME column): the
/*	person opted out of this audience, which is a withdrawal of that
/*	purpose, not of all mail.
/* .IP cleaned
/*	suppressed at CLEAN_TIME (else LAST_CHANGED): Mailchimp cleans an
/*	address that bounced hard or complained; no purpose may use it.
/* .PP
/*	Times are "YYYY-MM-DD HH:MM:SS" without a zone, read in
/*	--timezone (default UTC). The evidence names the file and row and
/*	carries OPTIN_TIME, OPTIN_IP, CONFIRM_TIME, CONFIRM_IP,
/*	UNSUB_REASON, UNSUB_CAMPAIGN_TITLE and CLEAN_CAMPAIGN_TITLE.
/* DIAGNOSTICS
/*	A row without any usable time is invalid.
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
    M_EMAIL, M_OPTIN_TIME, M_OPTIN_IP, M_CONFIRM_TIME, M_CONFIRM_IP,
    M_LAST_CHANGED, M_UNSUB_TIME, M_UNSUB_REASON, M_UNSUB_CAMPAIGN,
    M_CLEAN_TIME, M_CLEAN_CAMPAIGN, M_COUNT,
};

static const char *const names[M_COUNT + 1] = {
    "Email Address", "OPTIN_TIME", "OPTIN_IP", "CONFIRM_TIME", "CONFIRM_IP",
    "LAST_CHANGED", "UNSUB_TIME", "UNSUB_REASON", "UNSUB_CAMPAIGN_TITLE",
    "CLEAN_TIME", "CLEAN_CAMPAIGN_TITLE", 0,
};

/* File kinds. */
#define MC_SUBSCRIBED	0
#define MC_UNSUBSCRIBED	1
#define MC_CLEANED	2
#define MC_NONSUBSCRIBED 3

/* name_kind - the kind of file its name says, or -1 */

static int name_kind(const char *file)
{
    static const char *const prefix[] = {
	"subscribed", "unsubscribed", "cleaned", "nonsubscribed",
    };
    const char *base = imp_file_base(file);
    size_t  n;
    int     k;

    for (k = 0; k < 4; k++) {
	n = strlen(prefix[k]);
	if (strncasecmp(base, prefix[k], n) == 0
	    && (base[n] == 0 || strchr("_-. ", base[n]) != 0))
	    return (k);
    }
    return (-1);
}

/* mailchimp_header - which of the files this is */

static int mailchimp_header(imp_source *s, char **f, size_t nf, cm_buf *why)
{
    static const char *const what[] = {
	"subscribed", "unsubscribed", "cleaned", "nonsubscribed",
    };
    int     by_name, by_cols;

    if (s->o->purpose == 0) {
	cm_buf_adds(why, "--from mailchimp needs --purpose P "
		    "(one audience per export)");
	return (0);
    }
    if (!imp_header_find(s, f, nf, names, s->col, 1u << M_EMAIL, why))
	return (0);
    by_cols = s->col[M_UNSUB_TIME] >= 0 ? MC_UNSUBSCRIBED :
	s->col[M_CLEAN_TIME] >= 0 ? MC_CLEANED : -1;
    by_name = name_kind(s->file);

    /*
     * The name is Mailchimp's own word for the rows in the file; the
     * columns of the state are not always there (an export cut down
     * in a spreadsheet). Reading an unsubscribed file as subscribed
     * would grant consent to people who opted out: when the two
     * disagree, a person must look.
     */
    if (by_name >= 0 && by_cols >= 0 && by_name != by_cols) {
	cm_buf_printf(why, "the file name says %s, the header (%s) %s: "
		      "refused, check which export this is",
		      what[by_name], by_cols == MC_UNSUBSCRIBED ?
		      "UNSUB_TIME" : "CLEAN_TIME", what[by_cols]);
	return (0);
    }
    s->kind = by_name >= 0 ? by_name : by_cols >= 0 ? by_cols : MC_SUBSCRIBED;
    return (1);
}

/* pick - the first non-empty of two fields, and its name */

static const char *pick(imp_source *s, char **f, size_t nf, int a, int b,
			        const char **label)
{
    const char *v = imp_field(s, f, nf, a);

    *label = names[a];
    if (*v == 0) {
	v = imp_field(s, f, nf, b);
	*label = names[b];
    }
    return (v);
}

/* mailchimp_row - one member: one event, by the file it is in */

static int mailchimp_row(imp_source *s, char **f, size_t nf, imp_out *out,
			         cm_buf *why)
{
    static const char *const what[] = {"subscribed", "unsubscribed", "cleaned"};
    const char *addr = imp_field(s, f, nf, M_EMAIL);
    const char *label, *when;
    long long at;
    cm_buf *b;
    int     k;

    s->raddr = addr;
    s->roptout = s->kind == MC_UNSUBSCRIBED || s->kind == MC_CLEANED;
    if (s->kind == MC_NONSUBSCRIBED)
	return (1);				/* never opted in: no event */
    switch (s->kind) {
    case MC_UNSUBSCRIBED:
	when = pick(s, f, nf, M_UNSUB_TIME, M_LAST_CHANGED, &label);
	break;
    case MC_CLEANED:
	when = pick(s, f, nf, M_CLEAN_TIME, M_LAST_CHANGED, &label);
	break;
    default:
	when = pick(s, f, nf, M_CONFIRM_TIME, M_OPTIN_TIME, &label);
	if (*when == 0)
	    when = imp_field(s, f, nf, (label = names[M_LAST_CHANGED],
					M_LAST_CHANGED));
	break;
    }
    if (*when == 0) {
	cm_buf_printf(why, "no time: %s, %s and LAST_CHANGED are empty",
		      s->kind == MC_SUBSCRIBED ? "CONFIRM_TIME" :
		      s->kind == MC_UNSUBSCRIBED ? "UNSUB_TIME" : "CLEAN_TIME",
		      s->kind == MC_SUBSCRIBED ? "OPTIN_TIME" : "-");
	return (0);
    }
    if (!imp_time(s, label, when, &at, why))
	return (0);
    b = imp_evidence(s, out, what[s->kind]);
    for (k = M_OPTIN_TIME; k < M_COUNT; k++)
	if (k != M_LAST_CHANGED && k != M_UNSUB_TIME && k != M_CLEAN_TIME)
	    imp_evidence_add(b, names[k], imp_field(s, f, nf, k));
    imp_evidence_add(b, names[M_UNSUB_TIME], imp_field(s, f, nf, M_UNSUB_TIME));
    imp_evidence_add(b, names[M_CLEAN_TIME], imp_field(s, f, nf, M_CLEAN_TIME));
    imp_evidence_add(b, "tz", s->o->zone);
    return (imp_emit(s, out, addr, s->kind == MC_SUBSCRIBED ? "granted" :
		     s->kind == MC_UNSUBSCRIBED ? "withdrawn" : "suppressed",
		     s->kind == MC_CLEANED ? "*" : s->o->purpose, at, why));
}

const imp_provider imp_mailchimp = {
    "mailchimp", mailchimp_header, mailchimp_row, 0, 0,
};
