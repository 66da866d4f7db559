/*++
/* NAME
/*	import_nationbuilder 3
/* SUMMARY
/*	consentctl import: the NationBuilder people export
/* SYNOPSIS
/*	#include "import_source.h"
/*
/*	const imp_provider imp_nationbuilder;
/* DESCRIPTION
/*	The people export (CSV) has one row per person: email (and
/*	email1 to email4), email_opt_in, do_not_contact, emailN_is_bad,
/*	unsubscribed_at, created_at. With --purpose P:
/* .IP "do_not_contact true"
/*	every address of the row (email, email1 to email4) suppressed at
/*	unsubscribed_at, else at the time of the import: the person must
/*	not be contacted at all, at whichever address.
/* .IP "email_opt_in false, unsubscribed_at set"
/*	every address of the row withdrawn for P at unsubscribed_at.
/* .IP "email_opt_in true"
/*	the address in email granted for P at created_at.
/* .PP
/*	Either opt-out in a row without any address is an invalid row:
/*	it cannot be applied, and must not vanish.
/* .PP
/*	An address emailN with emailN_is_bad true is suppressed at the
/*	time of the import (a bounce: it does not take mail). Booleans
/*	are true/false, yes/no or 1/0.
/* .PP
/*	A file whose header has none of the columns that carry consent
/*	(email_opt_in, do_not_contact, unsubscribed_at, emailN_is_bad)
/*	is refused: it is no people export (another tool's file, given
/*	the wrong --from), every row of it would give no event, and the
/*	opt-outs it holds in columns of other names would vanish with
/*	exit status 0.
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
    N_EMAIL, N_OPT_IN, N_DNC, N_UNSUB_AT, N_CREATED,
    N_E1, N_E2, N_E3, N_E4, N_B1, N_B2, N_B3, N_B4, N_COUNT,
};

static const char *const names[N_COUNT + 1] = {
    "email", "email_opt_in", "do_not_contact", "unsubscribed_at",
    "created_at", "email1", "email2", "email3", "email4",
    "email1_is_bad", "email2_is_bad", "email3_is_bad", "email4_is_bad", 0,
};

/* nb_header - the people export */

static int nb_header(imp_source *s, char **f, size_t nf, cm_buf *why)
{
    static const int consent[] = {N_OPT_IN, N_DNC, N_UNSUB_AT,
    N_B1, N_B2, N_B3, N_B4};
    size_t  i;

    if (s->o->purpose == 0) {
	cm_buf_adds(why, "--from nationbuilder needs --purpose P");
	return (0);
    }
    if (!imp_header_find(s, f, nf, names, s->col, 1u << N_EMAIL, why))
	return (0);

    /*
     * Only email is required: the export has the columns the user
     * chose. But "email" is every tool's column name, and a file with
     * no column that carries consent gives no event for any row:
     * another tool's unsubscribe list, read with this --from, would be
     * dropped without a word.
     */
    for (i = 0; i < sizeof(consent) / sizeof(consent[0]); i++)
	if (s->col[consent[i]] >= 0)
	    return (1);
    cm_buf_adds(why, "header: no consent column (email_opt_in, "
		"do_not_contact, unsubscribed_at or emailN_is_bad): not a "
		"NationBuilder people export, and its opt-outs would be "
		"lost; another tool's file wants its own --from (or "
		"--from columns)");
    return (0);
}

/* flag - a boolean: 1 true, 0 false or empty, -1 neither */

static int flag(const char *v)
{
    if (*v == 0 || strcasecmp(v, "false") == 0 || strcasecmp(v, "no") == 0
	|| strcmp(v, "0") == 0)
	return (0);
    if (strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0
	|| strcmp(v, "1") == 0)
	return (1);
    return (-1);
}

/* bad_flag - the reason for a value that is not a boolean */

static int bad_flag(const char *label, const char *v, cm_buf *why)
{
    cm_buf_printf(why, "%s ", label);
    ctl_row_show(why, v, strlen(v));
    cm_buf_adds(why, ": want true or false");
    return (0);
}

/* addresses - email and email1 to email4 that are set, each once */

static size_t addresses(imp_source *s, char **f, size_t nf,
			        const char **addr)
{
    static const int keys[] = {N_EMAIL, N_E1, N_E2, N_E3, N_E4};
    char    id[CM_ID_SIZE];
    const char *e;
    size_t  i, j, n = 0;

    /*
     * email is the person's address: a bad one makes a bad row, as
     * before. email1 to email4 are extra ones, and NationBuilder lets
     * them hold anything ("n/a"): one that is no address can receive
     * no mail, and must not make the row's opt-out of the good ones
     * a bad row.
     */
    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
	if (*(e = imp_field(s, f, nf, keys[i])) == 0)
	    continue;
	if (keys[i] != N_EMAIL && !ctl_row_id(s->c, e, id))
	    continue;
	for (j = 0; j < n && strcasecmp(addr[j], e) != 0; j++)
	     /* void */ ;
	if (j == n)
	    addr[n++] = e;
    }
    return (n);
}

/* nb_row - one person */

static int nb_row(imp_source *s, char **f, size_t nf, imp_out *out,
		          cm_buf *why)
{
    const char *addr = imp_field(s, f, nf, N_EMAIL);
    const char *opt = imp_field(s, f, nf, N_OPT_IN);
    const char *dnc = imp_field(s, f, nf, N_DNC);
    const char *unsub = imp_field(s, f, nf, N_UNSUB_AT);
    const char *created = imp_field(s, f, nf, N_CREATED);
    const char *all[5];
    const char *e, *b;
    char    id[CM_ID_SIZE];
    long long tu = 0, tc = 0;
    size_t  i, n;
    int     k, optout, said;

    n = addresses(s, f, nf, all);
    s->raddr = n > 0 ? all[0] : 0;
    for (i = 1; i < n; i++)
	s->raddr_also[s->nraddr_also++] = all[i];
    if (flag(opt) < 0)
	return (bad_flag("email_opt_in", opt, why));
    if (flag(dnc) < 0)
	return (bad_flag("do_not_contact", dnc, why));
    optout = said = flag(dnc) || (!flag(opt) && *unsub);

    /*
     * Known before anything can fail: a bounce flag is an opt-out too
     * (a suppression), so that a bad row that carries one holds its
     * person back under --skip-invalid (import_hold(3)).
     */
    for (k = 0; k < 4; k++) {
	b = imp_field(s, f, nf, N_B1 + k);
	if (flag(b) < 0)
	    optout = -1;
	else if (optout == 0 && flag(b) && *imp_field(s, f, nf, N_E1 + k))
	    optout = 1;
    }
    s->roptout = optout;
    if (said && n == 0) {
	cm_buf_printf(why, "%s but no address: email and email1 to email4 "
		      "are empty", flag(dnc) ? "do_not_contact true" :
		      "unsubscribed_at set");
	return (0);
    }
    if (*unsub && !imp_time(s, "unsubscribed_at", unsub, &tu, why))
	return (0);

    /*
     * A person's opt-out is theirs, not one address's: NationBuilder
     * keeps up to five, and any of them may be the one we mail.
     */
    for (i = 0; i < n && flag(dnc); i++) {
	imp_evidence(s, out, *unsub ? "do_not_contact" :
		     "do_not_contact (at import)");
	if (!imp_emit(s, out, all[i], "suppressed", "*", *unsub ? tu : s->now,
		      why))
	    return (0);
    }
    for (i = 0; i < n && !flag(opt) && *unsub; i++) {
	imp_evidence(s, out, "unsubscribed");
	if (!imp_emit(s, out, all[i], "withdrawn", s->o->purpose, tu, why))
	    return (0);
    }
    if (*addr && flag(opt)) {
	if (!imp_time(s, "created_at", created, &tc, why))
	    return (0);
	imp_evidence(s, out, "email_opt_in");
	if (!imp_emit(s, out, addr, "granted", s->o->purpose, tc, why))
	    return (0);
    }
    for (k = 0; k < 4; k++) {
	e = imp_field(s, f, nf, N_E1 + k);
	b = imp_field(s, f, nf, N_B1 + k);
	if (flag(b) < 0)
	    return (bad_flag(names[N_B1 + k], b, why));
	if (*e == 0 || !flag(b) || !ctl_row_id(s->c, e, id))
	    continue;
	imp_evidence(s, out, names[N_B1 + k]);
	cm_buf_adds(out->text + out->n, " (at import)");
	if (!imp_emit(s, out, e, "suppressed", "*", s->now, why))
	    return (0);
    }
    return (1);
}

const imp_provider imp_nationbuilder = {
    "nationbuilder", nb_header, nb_row, 0, 0,
};
