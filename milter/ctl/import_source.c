/*++
/* NAME
/*	import_source 3
/* SUMMARY
/*	consentctl import: where the rows come from
/* SYNOPSIS
/*	#include "import_source.h"
/*
/*	const imp_provider *imp_provider_find(name)
/*	const char *name;
/*
/*	int	imp_header_find(s, f, nf, names, col, required, why)
/*	imp_source *s;
/*	char	**f;
/*	size_t	nf;
/*	const char *const *names;
/*	int	*col;
/*	unsigned required;
/*	cm_buf	*why;
/*
/*	const char *imp_field(s, f, nf, key)
/*
/*	const char *imp_file_base(file)
/*
/*	int	imp_time(s, label, text, at, why)
/*
/*	cm_buf	*imp_evidence(s, out, what)
/*	void	imp_evidence_add(b, key, val)
/*
/*	int	imp_emit(s, out, addr, state, purpose, at, why)
/*
/*	int	imp_zone_check(zone, why)
/*
/*	int	imp_flag(v, yes, no)
/*	const char *v;
/*	const char *const *yes;
/*	const char *const *no;
/* DESCRIPTION
/*	A change of provider is where opt-outs get lost (DOMAIN.md,
/*	"Leaving a provider"). consentctl import reads the files those
/*	tools hand out through one layer: a provider turns one record of
/*	its file into zero or more canonical events (address, purpose,
/*	state, time, evidence), and ctl_import(3) checks, counts and
/*	applies them the same way for every source: two passes, the
/*	writer rules, --skip-invalid, the progress line, the exit codes.
/*	Each event goes through ctl_row_check(3), the very check of the
/*	canonical format, so a provider cannot let through an address or
/*	a time that the canonical format would refuse.
/*
/*	imp_provider_find() looks up a provider by name.
/*
/*	A JSON source names the arrays that hold its records; each
/*	element is one record, and its origin is FILE:LINE of the line on
/*	which the element starts.
/*
/*	imp_header_find() finds the columns names[0..] in the header
/*	record (compared without regard to case or surrounding blanks)
/*	and stores their positions in col[] (-1 when absent). Bit k of
/*	required says that names[k] must be there; if one is missing,
/*	why names the columns found and those expected.
/*
/*	imp_file_base() returns the last part of a file name, after the
/*	last "/", "\\" or ":" (a member of a zip file made on Windows is
/*	named with backslashes): the name the provider gave its export.
/*
/*	imp_field() returns the value of key in the record, blanks
/*	around it removed (in place), or "" when the column is absent.
/*
/*	imp_time() reads an event time: with --date-format, strptime(3)
/*	must consume the whole text; without it, Unix seconds or RFC 3339,
/*	else "YYYY-MM-DD HH:MM[:SS]" or "YYYY-MM-DD". Times without a zone
/*	are local times of --timezone (default UTC): ctl_import(3) sets TZ
/*	for the duration of the import, and mktime(3) applies the rules of
/*	the system zone database, summer time included.
/*
/*	imp_evidence() starts the evidence text of the next event of out:
/*	the provider, FILE:LINE and what; imp_evidence_add() appends one
/*	" key=value" of the provider's own evidence when value is not
/*	empty. imp_emit() adds the event to out after the canonical
/*	checks.
/*
/*	imp_zone_check() accepts UTC or a name of the zone database.
/*
/*	imp_flag() reads a yes/no column: 1 when v is one of the words of
/*	the null-terminated list yes, 0 when one of no (both compared
/*	without regard to case), -1 otherwise: an unknown word is an
/*	error for the caller to name, never a guess.
/*
/*	imp_map_purpose() maps a list, topic or group name to a purpose:
/*	by --map-list NAME=PURPOSE (names compared without regard to
/*	case); when no --map-list is given, every name maps to --purpose.
/*	It returns NULL for a name that is not mapped: that list is not
/*	one of ours.
/*
/*	imp_unmapped() is called for an opt-out (state, e.g.
/*	unsubscribed) of list, topic or group name (kind: what the
/*	provider calls it) that imp_map_purpose() did not map. Without
/*	--purpose and --map-list nothing can be mapped, and an opt-out
/*	must never vanish silently: the record is bad, named, and the
/*	operator runs the import again with either. With --map-list the
/*	list was left out on purpose (not one of ours): the opt-out is
/*	skipped, but counted and, up to IMP_UNMAPPED_EX of them, named
/*	FILE:LINE in the summary (first pass only).
/*
/*	imp_json_array() finds, in the JSON text, the array that is the
/*	value of member key at any depth (key NULL: the text itself must
/*	be an array); *start and *end delimit its contents. Strings are
/*	skipped as strings, so a value that looks like the key does not
/*	match. imp_json_next() steps through the elements of such an
/*	array: each call sets *estart and *elen to the next element and
/*	returns 1, or returns 0 at the end. JSON exports are API pages,
/*	read whole; the text must have been checked as JSON before.
/* DIAGNOSTICS
/*	The int functions return 1 when good, else 0 with the reason in
/*	why.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* Application-specific. */

#include "import_source.h"
#include "schema.h"
#include "timeparse.h"

static const imp_provider *const providers[] = {
    &imp_canonical, &imp_columns, &imp_mailchimp, &imp_sendgrid,
    &imp_listmonk, &imp_ses, &imp_mautic, &imp_nationbuilder, &imp_brevo,
};

#define NPROVIDERS (sizeof(providers) / sizeof(providers[0]))

/* imp_provider_find - a provider by name, or NULL */

const imp_provider *imp_provider_find(const char *name)
{
    size_t  i;

    for (i = 0; i < NPROVIDERS; i++)
	if (strcasecmp(providers[i]->name, name) == 0)
	    return (providers[i]);
    return (0);
}

/* imp_provider_names - for usage messages */

const char *imp_provider_names(void)
{
    return ("canonical, columns, mailchimp, sendgrid, listmonk, ses, "
	    "mautic, nationbuilder, brevo");
}

/* trim - remove blanks around s, in place */

static char *trim(char *s)
{
    size_t  n;

    while (*s == ' ' || *s == '\t')
	s++;
    n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'
		     || s[n - 1] == '\r'))
	s[--n] = 0;
    return (s);
}

/* imp_header_find - column positions; why names found and expected */

int     imp_header_find(imp_source *s, char **f, size_t nf,
			        const char *const *names, int *col,
			        unsigned required, cm_buf *why)
{
    size_t  i, k;
    int     ok = 1;

    (void) s;
    for (k = 0; names[k] != 0 && k < IMP_COLS_MAX; k++) {
	col[k] = -1;
	for (i = 0; i < nf; i++)
	    if (strcasecmp(trim(f[i]), names[k]) == 0) {
		col[k] = (int) i;
		break;
	    }
	if (col[k] < 0 && (required & (1u << k)))
	    ok = 0;
    }
    if (ok)
	return (1);
    cm_buf_adds(why, "header: missing column");
    for (k = 0; names[k] != 0; k++)
	if (col[k] < 0 && (required & (1u << k)))
	    cm_buf_printf(why, " \"%s\"", names[k]);
    cm_buf_adds(why, "; found:");
    for (i = 0; i < nf && i < 40; i++) {
	cm_buf_adds(why, i ? ", " : " ");
	ctl_row_show(why, f[i], strlen(f[i]));
    }
    cm_buf_adds(why, "; expected:");
    for (i = 0, k = 0; names[k] != 0; k++)
	if (required & (1u << k))
	    cm_buf_printf(why, "%s\"%s\"", i++ ? ", " : " ", names[k]);
    return (0);
}

/* imp_field - a value by key, trimmed; "" when the column is absent */

const char *imp_field(imp_source *s, char **f, size_t nf, int key)
{
    int     i = s->col[key];

    if (i < 0 || (size_t) i >= nf)
	return ("");
    return (trim(f[i]));
}

/* imp_file_base - the file's own name: after the last /, \\ or : */

const char *imp_file_base(const char *file)
{
    const char *base = file, *p;

    for (p = file; *p; p++)
	if (*p == '/' || *p == '\\' || *p == ':')
	    base = p + 1;
    return (base);
}

/* parse_with - strptime() that must consume all of text */

static int parse_with(const char *text, const char *fmt, long long *at)
{
    struct tm tm;
    const char *end;
    time_t  t;

    memset(&tm, 0, sizeof(tm));
    if ((end = strptime(text, fmt, &tm)) == 0)
	return (0);
    while (*end == ' ')
	end++;
    if (*end != 0)
	return (0);
    tm.tm_isdst = -1;			/* the zone database decides */
    if ((t = mktime(&tm)) == (time_t) -1)
	return (0);
    *at = (long long) t;
    return (1);
}

/* imp_time - an event time, in --date-format and --timezone */

int     imp_time(imp_source *s, const char *label, const char *text,
		         long long *at, cm_buf *why)
{
    static const char *const dflt[] = {
	"%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", 0};
    size_t  i;

    if (s->o->date_format != 0) {
	if (parse_with(text, s->o->date_format, at))
	    return (1);
    } else {
	if (cm_time_parse(text, at) == 0)
	    return (1);
	for (i = 0; dflt[i] != 0; i++)
	    if (parse_with(text, dflt[i], at))
		return (1);
    }
    cm_buf_printf(why, "%s ", label);
    ctl_row_show(why, text, strlen(text));
    cm_buf_printf(why, ": want %s", s->o->date_format ? s->o->date_format :
		  "Unix seconds, RFC 3339 or YYYY-MM-DD HH:MM:SS");
    return (0);
}

/* imp_evidence - start the evidence of the next event */

cm_buf *imp_evidence(imp_source *s, imp_out *out, const char *what)
{
    cm_buf *b = out->text + (out->n < IMP_EVENTS_MAX ? out->n : IMP_EVENTS_MAX);

    cm_buf_reset(b);
    cm_buf_printf(b, "%s %s:%lu %s", s->p->name, s->file, s->line, what);
    return (b);
}

/* imp_evidence_add - one " key=value" of the provider's evidence */

void    imp_evidence_add(cm_buf *b, const char *key, const char *val)
{
    if (val == 0 || *val == 0)
	return;
    cm_buf_printf(b, " %s=", key);
    if (strpbrk(val, " \"") != 0) {
	cm_buf_addc(b, '"');
	for (; *val; val++) {
	    if (*val == '"')
		cm_buf_addc(b, '\\');
	    cm_buf_addc(b, *val);
	}
	cm_buf_addc(b, '"');
    } else {
	cm_buf_adds(b, val);
    }
}

/* imp_emit - add one event, checked as a canonical row */

int     imp_emit(imp_source *s, imp_out *out, const char *addr,
		         const char *state, const char *purpose,
		         long long at, cm_buf *why)
{
    char    when[32];
    char   *f[CTL_ROW_FIELDS];

    if (out->n >= IMP_EVENTS_MAX) {
	cm_buf_adds(why, "too many events in one row");
	return (0);
    }
    (void) snprintf(when, sizeof(when), "%lld", at);
    f[0] = (char *) addr;
    f[1] = (char *) purpose;
    f[2] = (char *) state;
    f[3] = when;
    f[4] = (char *) cm_buf_str(out->text + out->n);
    if (out->text[out->n].oom) {
	cm_buf_adds(why, "out of memory");
	return (0);
    }
    if (!ctl_row_check(s->c, f, CTL_ROW_FIELDS, s->now, out->ev + out->n, why))
	return (0);
    out->n++;
    return (1);
}

/* imp_zone_check - UTC, or a zone of the system database */

int     imp_zone_check(const char *zone, cm_buf *why)
{
    const char *dir = getenv("TZDIR");
    cm_buf  path = CM_BUF_INIT;
    int     ok;

    if (strcmp(zone, "UTC") == 0)
	return (1);
    if (*zone == 0 || *zone == '/' || strstr(zone, "..") != 0
	|| strpbrk(zone, " ,:") != 0) {
	ok = 0;
    } else {
	cm_buf_printf(&path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo",
		      zone);
	ok = !path.oom && access(cm_buf_str(&path), R_OK) == 0;
    }
    if (!ok) {
	cm_buf_adds(why, "--timezone ");
	ctl_row_show(why, zone, strlen(zone));
	cm_buf_adds(why, ": not in the system zone database "
		    "(want e.g. UTC or Europe/London)");
    }
    cm_buf_free(&path);
    return (ok);
}

/* imp_flag - a yes/no word: 1, 0, or -1 when it is neither */

int     imp_flag(const char *v, const char *const *yes,
		         const char *const *no)
{
    int     i;

    for (i = 0; yes[i]; i++)
	if (strcasecmp(v, yes[i]) == 0)
	    return (1);
    for (i = 0; no[i]; i++)
	if (strcasecmp(v, no[i]) == 0)
	    return (0);
    return (-1);
}

/* imp_map_purpose - the purpose of a list, topic or group, or NULL */

const char *imp_map_purpose(imp_source *s, const char *name)
{
    const char *eq;
    size_t  i;

    if (s->o->nmaps == 0)
	return (s->o->purpose);
    for (i = 0; i < s->o->nmaps; i++) {
	eq = strrchr(s->o->maps[i], '=');
	if (eq && strlen(name) == (size_t) (eq - s->o->maps[i])
	    && strncasecmp(name, s->o->maps[i], (size_t) (eq - s->o->maps[i])) == 0)
	    return (eq + 1);
    }
    return (0);
}

/* show_name - a list name as messages show it: ids bare, names quoted */

static void show_name(cm_buf *b, const char *name)
{
    if (*name && strspn(name, "0123456789") == strlen(name))
	cm_buf_adds(b, name);
    else
	ctl_row_show(b, name, strlen(name));
}

/* imp_unmapped - an opt-out of a list that maps to no purpose */

int     imp_unmapped(imp_source *s, const char *kind, const char *name,
		             const char *state, cm_buf *why)
{
    if (s->o->purpose == 0 && s->o->nmaps == 0) {
	cm_buf_printf(why, "%s ", kind);
	show_name(why, name);
	cm_buf_printf(why, ": %s, but no --purpose or --map-list says for "
		      "which purpose: give one (a list not mapped by "
		      "--map-list is skipped, and counted)", state);
	return (0);
    }
    if (!s->checking)
	return (1);
    if (s->unmapped++ < IMP_UNMAPPED_EX) {
	cm_buf_printf(&s->unmapped_ex, "  %s:%lu %s ", s->file, s->line, kind);
	show_name(&s->unmapped_ex, name);
	cm_buf_printf(&s->unmapped_ex, " %s\n", state);
    }
    return (1);
}

/* json_skip - the end of the JSON value that starts at text[i] */

static size_t json_skip(const char *text, size_t end, size_t i)
{
    int     depth = 0;
    int     str = 0;

    for (; i < end; i++) {
	if (str) {
	    if (text[i] == '\\')
		i++;
	    else if (text[i] == '"')
		str = 0;
	    if (!str && depth == 0)
		return (i + 1);
	    continue;
	}
	switch (text[i]) {
	case '"':
	    str = 1;
	    break;
	case '{':
	case '[':
	    depth++;
	    break;
	case '}':
	case ']':
	    if (--depth == 0)
		return (i + 1);
	    break;
	case ',':
	    if (depth == 0)
		return (i);
	    break;
	}
    }
    return (end);
}

/* ws - skip JSON white space */

static size_t ws(const char *text, size_t end, size_t i)
{
    while (i < end && strchr(" \t\r\n", text[i]) != 0 && text[i])
	i++;
    return (i);
}

/* imp_json_array - the contents of the array that is key's value */

int     imp_json_array(const char *text, size_t len, const char *key,
		               size_t *start, size_t *end)
{
    size_t  i, j, klen;

    i = ws(text, len, 0);
    if (key == 0) {
	if (i >= len || text[i] != '[')
	    return (0);
	*start = i + 1;
	*end = json_skip(text, len, i) - 1;
	return (1);
    }
    klen = strlen(key);
    for (; i < len; i++) {
	if (text[i] != '"')
	    continue;
	j = json_skip(text, len, i);		/* one string */
	if (j - i == klen + 2 && memcmp(text + i + 1, key, klen) == 0) {
	    j = ws(text, len, j);
	    if (j < len && text[j] == ':') {
		j = ws(text, len, j + 1);
		if (j < len && text[j] == '[') {
		    *start = j + 1;
		    *end = json_skip(text, len, j) - 1;
		    return (1);
		}
	    }
	}
	i = j - 1;
    }
    return (0);
}

/* imp_json_next - the next element of an array */

int     imp_json_next(const char *text, size_t end, size_t *pos,
		              size_t *estart, size_t *elen)
{
    size_t  i = ws(text, end, *pos);

    if (i < end && text[i] == ',')
	i = ws(text, end, i + 1);
    if (i >= end)
	return (0);
    *estart = i;
    *pos = json_skip(text, end, i);
    *elen = *pos - i;
    return (1);
}

 /*
  * The canonical format (ctl_row(3)) is one source among others: one
  * event per row, the fields taken as they are, the source text as
  * written. It needs no evidence of its own, so a million rows cost
  * what they cost before the source layer.
  */

/* canonical_header - address,purpose,state,at,source */

static int canonical_header(imp_source *s, char **f, size_t nf, cm_buf *why)
{
    (void) s;
    if (ctl_row_header(f, nf))
	return (1);
    cm_buf_adds(why, "header row is not " CTL_ROW_HEADER);
    return (0);
}

/* canonical_row - one event, as it is written */

static int canonical_row(imp_source *s, char **f, size_t nf, imp_out *out,
			         cm_buf *why)
{
    out->n = 0;
    /* Whose row, and whether it may be an opt-out, even when it is bad. */
    s->raddr = nf > 0 ? f[0] : 0;
    s->roptout = nf < 3 ? -1 : strcasecmp(f[2], CM_STATE_GRANTED) == 0 ? 0 :
	strcasecmp(f[2], CM_STATE_WITHDRAWN) == 0
	|| strcasecmp(f[2], CM_STATE_SUPPRESSED) == 0 ? 1 : -1;
    if (!ctl_row_check(s->c, f, nf, s->now, out->ev, why))
	return (0);
    out->n = 1;
    return (1);
}

const imp_provider imp_canonical = {
    "canonical", canonical_header, canonical_row, 0, 0,
};
