/*++
/* NAME
/*	import_columns 3
/* SUMMARY
/*	consentctl import: your own spreadsheet, one row per person
/* SYNOPSIS
/*	#include "import_source.h"
/*
/*	const imp_provider imp_columns;
/* DESCRIPTION
/*	"import --from columns --columns SPEC" reads a spreadsheet with
/*	one row per person, the export of a CRM or a membership list.
/*	SPEC is a comma-separated list of KEY=Header Name (the header
/*	names as in the file's first row, compared without regard to
/*	case). Keys:
/* .IP address
/*	the e-mail address (required).
/* .IP purpose
/*	a column holding the purpose; else --purpose for every row.
/* .IP granted_at
/*	when the person opted in: a granted event when not empty.
/* .IP withdrawn_at
/*	when the person opted out: a withdrawn event when not empty.
/* .IP suppress
/*	yes/y/true/1/x: a suppression (no/n/false/0 or empty: none), at
/*	suppressed_at, else withdrawn_at, else the time of the import.
/* .IP suppressed_at
/*	when the person asked never to be contacted.
/* .IP source
/*	free text (a signup form, a campaign) added to the evidence.
/* .PP
/*	A row with neither a time nor a suppression says nothing about
/*	consent and yields no event. The writer rules decide between a
/*	grant and a withdrawal of the same row by their times, so a
/*	person who opted in again after opting out is granted, and an
/*	opt-in never undoes a later opt-out.
/*
/*	Times are read by imp_time(3) (--date-format, --timezone); the
/*	evidence states the zone: "columns FILE:LINE tz=Europe/London
/*	source=...".
/* DIAGNOSTICS
/*	A header error names the columns found and those expected.
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
    K_ADDRESS, K_PURPOSE, K_GRANTED, K_WITHDRAWN, K_SUPPRESS,
    K_SUPPRESSED, K_SOURCE, K_COUNT,
};

static const char *const keys[K_COUNT] = {
    "address", "purpose", "granted_at", "withdrawn_at", "suppress",
    "suppressed_at", "source",
};

/* spec_parse - header names by key from SPEC, in names[]; 0 on error */

static int spec_parse(const char *spec, cm_buf *store, const char **names,
		              cm_buf *why)
{
    size_t  offs[K_COUNT];
    const char *p, *end, *eq;
    size_t  k, len;
    int     seen = 0;

    for (k = 0; k < K_COUNT; k++)
	offs[k] = (size_t) -1;
    cm_buf_reset(store);
    for (p = spec; *p; p = *end ? end + 1 : end) {
	end = p + strcspn(p, ",");
	if ((eq = memchr(p, '=', (size_t) (end - p))) == 0 || eq == p
	    || eq + 1 == end) {
	    cm_buf_adds(why, "--columns: want KEY=Header Name, ... (keys: "
			"address, purpose, granted_at, withdrawn_at, "
			"suppress, suppressed_at, source)");
	    return (0);
	}
	len = (size_t) (eq - p);
	for (k = 0; k < K_COUNT; k++)
	    if (strlen(keys[k]) == len && strncasecmp(p, keys[k], len) == 0)
		break;
	if (k == K_COUNT) {
	    cm_buf_adds(why, "--columns: unknown key ");
	    ctl_row_show(why, p, len);
	    cm_buf_adds(why, " (want address, purpose, granted_at, "
			"withdrawn_at, suppress, suppressed_at, source)");
	    return (0);
	}
	offs[k] = store->len;
	cm_buf_add(store, eq + 1, (size_t) (end - eq - 1));
	cm_buf_addc(store, 0);
	seen |= 1 << k;
    }
    if (!(seen & (1 << K_ADDRESS))) {
	cm_buf_adds(why, "--columns: the address=COLUMN key is required");
	return (0);
    }
    for (k = 0; k < K_COUNT; k++)
	names[k] = offs[k] == (size_t) -1 ? "" : store->data + offs[k];
    return (!store->oom);
}

/* columns_header - find the mapped columns */

static int columns_header(imp_source *s, char **f, size_t nf, cm_buf *why)
{
    cm_buf  store = CM_BUF_INIT;
    const char *names[K_COUNT + 1];
    const char *want[K_COUNT + 1];
    int     col[K_COUNT];
    unsigned required = 0;
    size_t  k, n = 0;
    int     ok;

    if (s->o->columns == 0) {
	cm_buf_adds(why, "--from columns needs --columns 'address=COLUMN,...'");
	return (0);
    }
    if (!spec_parse(s->o->columns, &store, names, why)) {
	cm_buf_free(&store);
	return (0);
    }
    if (*names[K_PURPOSE] == 0 && s->o->purpose == 0) {
	cm_buf_free(&store);
	cm_buf_adds(why, "--from columns needs --purpose P or a purpose=COLUMN");
	return (0);
    }
    /* Every mapped column must be there: a typo would lose opt-outs. */
    for (k = 0; k < K_COUNT; k++)
	if (*names[k] != 0) {
	    want[n] = names[k];
	    required |= 1u << n++;
	}
    want[n] = 0;
    ok = imp_header_find(s, f, nf, want, col, required, why);
    for (k = 0, n = 0; k < K_COUNT; k++)
	s->col[k] = *names[k] != 0 ? col[n++] : -1;
    cm_buf_free(&store);
    return (ok);
}

/* truthy - a do-not-contact flag: 1 yes, 0 no, -1 unknown */

static int truthy(const char *v)
{
    static const char *const yes[] = {"yes", "y", "true", "1", "x", 0};
    static const char *const no[] = {"no", "n", "false", "0", "", 0};

    return (imp_flag(v, yes, no));
}

/* evidence - the common evidence of one event */

static void evidence(imp_source *s, imp_out *out, const char *what,
		             const char *src)
{
    cm_buf *b = imp_evidence(s, out, what);

    imp_evidence_add(b, "tz", s->o->zone);
    imp_evidence_add(b, "source", src);
}

/* columns_row - one person: up to three events */

static int columns_row(imp_source *s, char **f, size_t nf, imp_out *out,
		               cm_buf *why)
{
    const char *addr = imp_field(s, f, nf, K_ADDRESS);
    const char *purpose = imp_field(s, f, nf, K_PURPOSE);
    const char *granted = imp_field(s, f, nf, K_GRANTED);
    const char *withdrawn = imp_field(s, f, nf, K_WITHDRAWN);
    const char *sflag = imp_field(s, f, nf, K_SUPPRESS);
    const char *sat = imp_field(s, f, nf, K_SUPPRESSED);
    const char *src = imp_field(s, f, nf, K_SOURCE);
    long long tg = 0, tw = 0, ts = 0;
    int     sup;

    if (*purpose == 0)
	purpose = s->o->purpose ? s->o->purpose : "";
    s->raddr = addr;
    s->roptout = truthy(sflag) < 0 ? -1 : *withdrawn || *sat || truthy(sflag);
    if ((sup = truthy(sflag)) < 0) {
	cm_buf_adds(why, "suppress ");
	ctl_row_show(why, sflag, strlen(sflag));
	cm_buf_adds(why, ": want yes or no");
	return (0);
    }
    if ((*granted && !imp_time(s, "granted_at", granted, &tg, why))
	|| (*withdrawn && !imp_time(s, "withdrawn_at", withdrawn, &tw, why))
	|| (*sat && !imp_time(s, "suppressed_at", sat, &ts, why)))
	return (0);
    if (*granted) {
	evidence(s, out, "granted_at", src);
	if (!imp_emit(s, out, addr, "granted", purpose, tg, why))
	    return (0);
    }
    if (*withdrawn) {
	evidence(s, out, "withdrawn_at", src);
	if (!imp_emit(s, out, addr, "withdrawn", purpose, tw, why))
	    return (0);
    }
    if (sup) {
	evidence(s, out, *sat ? "suppressed_at" : *withdrawn ?
		 "suppress (at withdrawn_at)" : "suppress (at import)", src);
	if (!imp_emit(s, out, addr, "suppressed", "*",
		      *sat ? ts : *withdrawn ? tw : s->now, why))
	    return (0);
    }
    return (1);
}

const imp_provider imp_columns = {
    "columns", columns_header, columns_row, 0, 0,
};
