/*++
/* NAME
/*	import_sendgrid 3
/* SUMMARY
/*	consentctl import: SendGrid suppression exports
/* SYNOPSIS
/*	#include "import_source.h"
/*
/*	const imp_provider imp_sendgrid;
/* DESCRIPTION
/*	SendGrid keeps its suppressions in separate lists, each exported
/*	as CSV with the columns email and created (Unix seconds) plus
/*	those of the list. The header tells the list:
/* .IP "email,created,ip (spam reports)"
/*	suppressed: the person complained; mailing them again for any
/*	purpose is what a complaint asks us to stop.
/* .IP "email,created,reason,status (bounces)"
/*	suppressed: the address does not take mail.
/* .IP "email,created,reason (invalid emails)"
/*	suppressed.
/* .IP "email,created (global or group unsubscribes)"
/*	a file whose name contains "global" is the global unsubscribe
/*	list: suppressed, whatever --purpose says: SendGrid itself never
/*	mails a globally unsubscribed address again, for any purpose, and
/*	we must not either; a suppression is the state that covers every
/*	purpose. A name containing "group" is a group unsubscribe list:
/*	withdrawn for --purpose P (the group is one kind of mail), and
/*	without --purpose the file is refused. A name that says neither:
/*	with --purpose a group list (said on stderr), else the global one.
/* .PP
/*	The evidence names the list, the file and row, and carries
/*	reason, status and ip.
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
    G_EMAIL, G_CREATED, G_IP, G_REASON, G_STATUS, G_COUNT,
};

static const char *const names[G_COUNT + 1] = {
    "email", "created", "ip", "reason", "status", 0,
};

#define SG_SPAM		0
#define SG_BOUNCE	1
#define SG_INVALID	2
#define SG_GROUP	3
#define SG_GLOBAL	4

static const char *const what[] = {
    "spam_report", "bounce", "invalid_email", "group_unsubscribe",
    "global_unsubscribe",
};

/* named - does the file's own name (imp_file_base()) contain word */

static int named(const char *file, const char *word)
{
    const char *p;
    size_t  n = strlen(word);

    for (p = imp_file_base(file); *p; p++)
	if (strncasecmp(p, word, n) == 0)
	    return (1);
    return (0);
}

/* sendgrid_header - which list this is */

static int sendgrid_header(imp_source *s, char **f, size_t nf, cm_buf *why)
{
    if (!imp_header_find(s, f, nf, names, s->col,
			 (1u << G_EMAIL) | (1u << G_CREATED), why))
	return (0);
    s->kind = s->col[G_IP] >= 0 ? SG_SPAM :
	s->col[G_STATUS] >= 0 ? SG_BOUNCE :
	s->col[G_REASON] >= 0 ? SG_INVALID : -1;
    if (s->kind >= 0)
	return (1);

    /*
     * Global and group unsubscribes have the same columns. A global
     * one is an opt-out of all mail: --purpose must never narrow it
     * to one purpose, so the name decides first.
     */
    if (named(s->file, "global")) {
	s->kind = SG_GLOBAL;
    } else if (named(s->file, "group")) {
	if (s->o->purpose == 0) {
	    cm_buf_adds(why, "a group unsubscribe list: give --purpose P, "
			"the purpose of the group (an opt-out must not be "
			"dropped, nor widened by a guess)");
	    return (0);
	}
	s->kind = SG_GROUP;
    } else {
	s->kind = s->o->purpose ? SG_GROUP : SG_GLOBAL;
	if (s->kind == SG_GROUP && s->checking)
	    ctl_note("%s: email,created with --purpose %s: read as a group "
		     "unsubscribe list; a global unsubscribe list must be "
		     "named global_... or imported without --purpose",
		     s->file, s->o->purpose);
    }
    return (1);
}

/* sendgrid_row - one suppression */

static int sendgrid_row(imp_source *s, char **f, size_t nf, imp_out *out,
			        cm_buf *why)
{
    const char *addr = imp_field(s, f, nf, G_EMAIL);
    const char *created = imp_field(s, f, nf, G_CREATED);
    long long at;
    cm_buf *b;
    int     k;

    s->raddr = addr;
    s->roptout = 1;			/* every SendGrid list is opt-outs */
    if (*created == 0) {
	cm_buf_adds(why, "created is empty");
	return (0);
    }
    if (!imp_time(s, "created", created, &at, why))
	return (0);
    b = imp_evidence(s, out, what[s->kind]);
    for (k = G_IP; k < G_COUNT; k++)
	imp_evidence_add(b, names[k], imp_field(s, f, nf, k));
    if (s->kind == SG_GROUP)
	return (imp_emit(s, out, addr, "withdrawn", s->o->purpose, at, why));
    return (imp_emit(s, out, addr, "suppressed", "*", at, why));
}

const imp_provider imp_sendgrid = {
    "sendgrid", sendgrid_header, sendgrid_row, 0, 0,
};
