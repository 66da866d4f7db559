/*++
/* NAME
/*	ctl_row 3
/* SUMMARY
/*	consentctl: one consent event as import reads it
/* SYNOPSIS
/*	#include "ctl_row.h"
/*
/*	int	ctl_row_check(c, f, nf, now, row, why)
/*	ctl	*c;
/*	char	**f;
/*	size_t	nf;
/*	long long now;
/*	ctl_row	*row;
/*	cm_buf	*why;
/*
/*	int	ctl_row_header(f, nf)
/*	char	**f;
/*	size_t	nf;
/*
/*	int	ctl_row_id(c, addr, id)
/*	ctl	*c;
/*	const char *addr;
/*	char	*id;
/*
/*	int	ctl_row_time(s, now, at, why)
/*	const char *s;
/*	long long now;
/*	long long *at;
/*	cm_buf	*why;
/*
/*	int	ctl_row_utf8(label, s, why)
/*	const char *label;
/*	const char *s;
/*	cm_buf	*why;
/*
/*	void	ctl_row_show(b, s, len)
/*	cm_buf	*b;
/*	const char *s;
/*	size_t	len;
/* DESCRIPTION
/*	The rules for one row of the CSV format address,purpose,state,
/*	at,source, in one place: ctl_import(3) checks every row with
/*	them, and ctl_export(3) checks every row it writes with them
/*	too, so that whatever export writes, import accepts.
/*
/*	ctl_row_check() checks the nf fields of one record and fills
/*	*row: the record id of the address (or of id:<64 hex digits>,
/*	which needs AddressKeyFile), the state granted or withdrawn with
/*	a purpose, or suppressed with purpose "*", the time and the
/*	source. Addresses and sources must be valid UTF-8 (utf8(3)): an
/*	address in another encoding would be stored under a key that
/*	the MTA never presents. State names are compared without regard
/*	to case.
/*
/*	ctl_row_time() reads an event time (Unix seconds or RFC 3339)
/*	that may lie at most CM_TIME_FUTURE_MAX seconds after now (DESIGN.md
/*	section 3: a time further ahead would win every later comparison,
/*	so that a withdrawal made in between would be ignored).
/*
/*	ctl_row_utf8() checks that s is valid UTF-8.
/*
/*	ctl_row_id() stores in id (CM_ID_SIZE bytes) the record id of
/*	addr under the rules of ctl_row_check(), and returns 1; 0 when
/*	the address is not good. import uses it to find the person of a
/*	row that is bad for another reason.
/*
/*	ctl_row_header() tells whether a record is the header row (names
/*	compared without regard to case, order fixed).
/*
/*	ctl_row_show() appends a value for a message: quoted, every byte
/*	outside printable ASCII as \exNN, cut after 64 bytes.
/* DIAGNOSTICS
/*	ctl_row_check(), ctl_row_time() and ctl_row_utf8() return 1 when
/*	the input is good, else 0 with the reason appended to why, naming
/*	the field and showing its value ("address "bob@": empty domain").
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <string.h>
#include <strings.h>

/* Application-specific. */

#include "address.h"
#include "campaign.h"
#include "ctl_row.h"
#include "escape.h"
#include "schema.h"
#include "timeparse.h"
#include "utf8.h"

#define SHOW_MAX	64		/* bytes of a value in a message */

/* ctl_row_show - append a field value for a message: quoted, safe, cut */

void    ctl_row_show(cm_buf *b, const char *s, size_t len)
{
    cm_buf_addc(b, '"');
    cm_buf_add_safe(b, s, len > SHOW_MAX ? SHOW_MAX : len);
    cm_buf_adds(b, len > SHOW_MAX ? "...\"" : "\"");
}

/* ctl_row_utf8 - a text is valid UTF-8 */

int     ctl_row_utf8(const char *label, const char *s, cm_buf *why)
{
    if (cm_utf8_valid(s, strlen(s), (size_t *) 0))
	return (1);
    cm_buf_printf(why, "%s ", label);
    ctl_row_show(why, s, strlen(s));
    cm_buf_adds(why, ": not valid UTF-8");
    return (0);
}

/* ctl_row_time - an event time, not too far ahead of now */

int     ctl_row_time(const char *s, long long now, long long *at, cm_buf *why)
{
    const char *problem = 0;

    if (cm_time_parse(s, at) != 0)
	problem = ": want Unix seconds or RFC 3339";
    else if (*at > now + CM_TIME_FUTURE_MAX)
	problem = ": more than 300 s in the future";
    if (problem == 0)
	return (1);
    cm_buf_adds(why, "time ");
    ctl_row_show(why, s, strlen(s));
    cm_buf_adds(why, problem);
    return (0);
}

/* check_address - the record id of an address or id:<hex> field */

static int check_address(ctl *c, const char *addr, char *id, cm_buf *why)
{
    char    norm[CM_ID_SIZE];
    cm_addr_status status;
    const char *problem = 0;
    size_t  i;

    if (*addr == 0) {
	cm_buf_adds(why, "empty address");
	return (0);
    }
    if (!ctl_row_utf8("address", addr, why))
	return (0);
    if (strncmp(addr, "id:", 3) == 0) {
	/* Without a key the daemon never looks up a hex id. */
	if (c->key == 0)
	    problem = "an id:<hex> record id needs AddressKeyFile";
	else if (strlen(addr + 3) != CTL_ROW_HEX
		 || strspn(addr + 3, "0123456789abcdefABCDEF") != CTL_ROW_HEX)
	    problem = "want id: and 64 hex digits";
	for (i = 0; problem == 0 && i <= CTL_ROW_HEX; i++)
	    id[i] = (char) ((addr[i + 3] >= 'A' && addr[i + 3] <= 'F') ?
			    addr[i + 3] - 'A' + 'a' : addr[i + 3]);
    } else if ((status = cm_addr_normalise(addr, strlen(addr), norm,
					   sizeof(norm))) != CM_ADDR_OK) {
	problem = cm_addr_strerror(status);
    } else {
	cm_addr_record_id(c->key, norm, strlen(norm), id, CM_ID_SIZE);
	if (*id == 0)
	    problem = "cannot compute the record id (HMAC failed)";
    }
    if (problem != 0) {
	cm_buf_adds(why, "address ");
	ctl_row_show(why, addr, strlen(addr));
	cm_buf_printf(why, ": %s", problem);
	return (0);
    }
    return (1);
}

/* ctl_row_check - validate one record; 0 with the reason in why */

int     ctl_row_check(ctl *c, char **f, size_t nf, long long now,
		              ctl_row *row, cm_buf *why)
{
    if (nf != CTL_ROW_FIELDS) {
	cm_buf_printf(why, "wrong number of fields: %zu, want %d (%s)",
		      nf, CTL_ROW_FIELDS, CTL_ROW_HEADER);
	return (0);
    }
    if (!check_address(c, f[0], row->id, why))
	return (0);
    if (strcasecmp(f[2], CM_STATE_GRANTED) == 0) {
	row->kind = CM_EVENT_GRANT;
    } else if (strcasecmp(f[2], CM_STATE_WITHDRAWN) == 0) {
	row->kind = CM_EVENT_WITHDRAW;
    } else if (strcasecmp(f[2], CM_STATE_SUPPRESSED) == 0) {
	row->kind = CM_EVENT_SUPPRESS;
    } else {
	cm_buf_adds(why, "state ");
	ctl_row_show(why, f[2], strlen(f[2]));
	cm_buf_adds(why, ": want granted, withdrawn or suppressed");
	return (0);
    }
    if (row->kind == CM_EVENT_SUPPRESS) {
	if (strcmp(f[1], "*") != 0) {
	    cm_buf_adds(why, "purpose ");
	    ctl_row_show(why, f[1], strlen(f[1]));
	    cm_buf_adds(why, ": a suppressed row has purpose \"*\"");
	    return (0);
	}
	row->purpose = 0;
    } else if (!cm_purpose_valid(f[1])) {
	cm_buf_adds(why, "purpose ");
	ctl_row_show(why, f[1], strlen(f[1]));
	cm_buf_adds(why, strcmp(f[1], "*") == 0 ?
		    ": \"*\" goes only with state suppressed" :
		    ": want 1 to 64 of a-z 0-9 . _ -");
	return (0);
    } else {
	row->purpose = f[1];
    }
    if (!ctl_row_time(f[3], now, &row->at, why))
	return (0);
    if (!ctl_row_utf8("source", f[4], why))
	return (0);
    row->src = f[4];
    return (1);
}

/* ctl_row_header - the first record must name the columns */

int     ctl_row_header(char **f, size_t nf)
{
    static const char *const want[CTL_ROW_FIELDS] = {
	"address", "purpose", "state", "at", "source"};
    size_t  i;

    if (nf != CTL_ROW_FIELDS)
	return (0);
    for (i = 0; i < nf; i++)
	if (strcasecmp(f[i], want[i]) != 0)
	    return (0);
    return (1);
}

/* ctl_row_id - the record id of an address, if it is good */

int     ctl_row_id(ctl *c, const char *addr, char *id)
{
    cm_buf  why = CM_BUF_INIT;
    int     ok;

    ok = check_address(c, addr, id, &why);
    cm_buf_free(&why);
    return (ok);
}
