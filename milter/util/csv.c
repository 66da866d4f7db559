/*++
/* NAME
/*	csv 3
/* SUMMARY
/*	streaming RFC 4180 reader, field quoting for writers
/* SYNOPSIS
/*	#include "csv.h"
/*
/*	cm_csv	*cm_csv_open(fp)
/*	FILE	*fp;
/*
/*	void	cm_csv_close(r)
/*	cm_csv	*r;
/*
/*	int	cm_csv_next(r, fields, nfields, lineno, err, errlen)
/*	cm_csv	*r;
/*	char	***fields;
/*	size_t	*nfields;
/*	unsigned long *lineno;
/*	char	*err;
/*	size_t	errlen;
/*
/*	void	cm_csv_sep(r, c)
/*	cm_csv	*r;
/*	int	c;
/*
/*	unsigned long long cm_csv_offset(r)
/*	const cm_csv *r;
/*
/*	int	cm_csv_needs_quotes(s, len)
/*	const char *s;
/*	size_t	len;
/*
/*	void	cm_csv_field(b, s, len)
/*	cm_buf	*b;
/*	const char *s;
/*	size_t	len;
/* DESCRIPTION
/*	Consent data arrives as CSV exports from CRMs and newsletter
/*	tools, and consentctl import must read a million rows without
/*	holding them in memory. This module reads one record at a time
/*	with a fixed amount of memory.
/*
/*	cm_csv_open() starts reading fp, which stays the caller's: it
/*	is neither rewound nor closed here. A UTF-8 byte order mark at
/*	the start of the input (spreadsheets write one) is skipped.
/*	cm_csv_close() releases the reader; a NULL reader is ignored.
/*
/*	cm_csv_next() reads the next record. The dialect is RFC 4180:
/*	fields are separated by commas; a field that starts with a
/*	double quote is quoted, may hold commas, CR and LF, and writes
/*	a double quote as two; records end with LF or CRLF (or at the
/*	end of the input). A CR inside a quoted field is data, so is a
/*	lone CR in an unquoted one. Unquoted fields are taken as they
/*	are, blanks included. An empty line is a record with one empty
/*	field. On success *fields points to *nfields NUL-terminated
/*	strings (never NUL inside: NUL bytes are refused), valid until
/*	the next call, and *lineno is the line on which the record
/*	starts (lines count from 1; a quoted field can make a record
/*	span several lines).
/*
/*	cm_csv_sep() makes the reader split fields at c instead of the
/*	comma: spreadsheets saved in many locales write ';' or a tab.
/*
/*	cm_csv_offset() returns the number of input bytes consumed so
/*	far, for progress reports.
/*
/*	cm_csv_needs_quotes() says whether a field must be quoted to
/*	survive a round trip: it holds a comma, a double quote, CR or
/*	LF, or starts or ends with a blank (readers that trim fields
/*	are common, and quoting costs nothing). cm_csv_field() appends
/*	one field to a buffer, quoted when needed; the caller writes the
/*	commas and line ends.
/* DIAGNOSTICS
/*	cm_csv_next() returns CM_CSV_RECORD, CM_CSV_EOF when no record
/*	is left, or, with a message in err and *lineno set to the line
/*	where the record starts:
/* .IP CM_CSV_BAD
/*	the record is malformed: a NUL byte, a double quote inside an
/*	unquoted field, text after a closing quote, or more than
/*	CM_CSV_RECORD_MAX bytes (line end not counted). The reader has
/*	consumed the whole record, as the quoting rules delimit it, so
/*	the next call returns the record after it: one bad row does not
/*	hide the errors of the others.
/* .IP CM_CSV_FATAL
/*	a read error, out of memory, or a quoted field still open at the
/*	end of the input (its opening line is in the message). An
/*	unterminated quote swallows every line after it, so no later
/*	record can be trusted; later calls return CM_CSV_EOF.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Application-specific. */

#include "buf.h"
#include "csv.h"

#define CM_CSV_IOBUF	(64 * 1024)	/* read buffer */

/* Parser states within one record. */
#define S_FIELD		0		/* at the start of a field */
#define S_UNQUOTED	1		/* inside an unquoted field */
#define S_QUOTED	2		/* inside a quoted field */
#define S_QUOTE_SEEN	3		/* a quote inside a quoted field */

struct cm_csv {
    FILE   *fp;
    size_t  pos;			/* next byte in in[] */
    size_t  len;			/* bytes in in[] */
    int     eof;			/* fread found the end */
    int     ioerr;			/* errno of a read error, or 0 */
    int     started;			/* byte order mark checked */
    int     dead;			/* a fatal error was reported */
    unsigned long line;			/* line of the next byte */
    unsigned long long offset;		/* bytes consumed */
    int     sep;			/* field separator, ',' by default */

    /* The current record: field bytes, each field NUL-terminated. */
    size_t  dlen;
    size_t *starts;			/* field offsets in data[] */
    char  **fields;			/* field pointers, for the caller */
    size_t  nf;				/* fields in the record */
    size_t  nalloc;			/* room in starts[] and fields[] */
    unsigned char in[CM_CSV_IOBUF];
    char    data[CM_CSV_RECORD_MAX + 4];
};

/* cm_csv_open - start reading CSV from a stream */

cm_csv *cm_csv_open(FILE *fp)
{
    cm_csv *r;

    if (fp == 0 || (r = calloc(1, sizeof(*r))) == 0)
	return (0);
    r->fp = fp;
    r->line = 1;
    r->sep = ',';
    return (r);
}

/* cm_csv_sep - read fields separated by c (',' ';' or tab) */

void    cm_csv_sep(cm_csv *r, int c)
{
    r->sep = c;
}

/* cm_csv_close - release a reader */

void    cm_csv_close(cm_csv *r)
{
    if (r == 0)
	return;
    free(r->starts);
    free(r->fields);
    free(r);
}

/* cm_csv_offset - input bytes consumed so far */

unsigned long long cm_csv_offset(const cm_csv *r)
{
    return (r->offset);
}

/* csv_fill - refill the read buffer; 0 at the end or on error */

static int csv_fill(cm_csv *r)
{
    size_t  n;

    if (r->eof || r->ioerr)
	return (0);
    n = fread(r->in, 1, sizeof(r->in), r->fp);
    if (n == 0) {
	if (ferror(r->fp))
	    r->ioerr = errno ? errno : EIO;
	else
	    r->eof = 1;
	return (0);
    }
    r->pos = 0;
    r->len = n;
    return (1);
}

/* csv_getc - the next input byte, or EOF */

static inline int csv_getc(cm_csv *r)
{
    int     c;

    if (r->pos == r->len && !csv_fill(r))
	return (EOF);
    c = r->in[r->pos++];
    r->offset++;
    if (c == '\n')
	r->line++;
    return (c);
}

/* csv_peek - the next input byte without consuming it, or EOF */

static inline int csv_peek(cm_csv *r)
{
    if (r->pos == r->len && !csv_fill(r))
	return (EOF);
    return (r->in[r->pos]);
}

/* csv_delim - is c a delimiter outside quotes; takes the LF of a CRLF */

#define CSV_FIELD_END	(-1)		/* ',' */
#define CSV_NOT_DELIM	0		/* data */

static int csv_delim(cm_csv *r, int c)
{
    /* A record ends in LF (1 byte) or CRLF (2); a lone CR is data. */
    if (c == r->sep)
	return (CSV_FIELD_END);
    if (c == '\n')
	return (1);
    if (c == '\r' && csv_peek(r) == '\n') {
	(void) csv_getc(r);
	return (2);
    }
    return (CSV_NOT_DELIM);
}

/* csv_skip_bom - skip a UTF-8 byte order mark at the start */

static void csv_skip_bom(cm_csv *r)
{
    r->started = 1;

    /*
     * The first fread() gets the whole buffer or the whole input (it
     * waits for a pipe to deliver), so fewer than 3 bytes means a
     * file that short.
     */
    if (r->pos == r->len && !csv_fill(r))
	return;
    if (r->len - r->pos >= 3
	&& memcmp(r->in + r->pos, "\xef\xbb\xbf", 3) == 0) {
	r->pos += 3;
	r->offset += 3;
    }
}

/* csv_field_end - close the current field; 0 when out of memory */

static int csv_field_end(cm_csv *r, size_t *fstart)
{
    size_t  n;
    size_t *s;
    char  **f;

    if (r->nf == r->nalloc) {
	n = r->nalloc ? 2 * r->nalloc : 16;
	if ((s = realloc(r->starts, n * sizeof(*s))) == 0)
	    return (0);
	r->starts = s;
	if ((f = realloc(r->fields, n * sizeof(*f))) == 0)
	    return (0);
	r->fields = f;
	r->nalloc = n;
    }
    r->starts[r->nf++] = *fstart;
    r->data[r->dlen++] = 0;
    *fstart = r->dlen;
    return (1);
}

/* csv_problem - note the first problem of a record */

static void __attribute__((format(printf, 5, 6)))
csv_problem(int *bad, unsigned long start, unsigned long where,
	            cm_buf *why, const char *fmt,...)
{
    va_list ap;

    if (*bad)
	return;
    *bad = 1;
    va_start(ap, fmt);
    cm_buf_vprintf(why, fmt, ap);
    va_end(ap);

    /* The row is reported by its first line; say where inside it. */
    if (where != 0 && where != start)
	cm_buf_printf(why, " (on line %lu)", where);
}

/* cm_csv_next - read one record */

int     cm_csv_next(cm_csv *r, char ***fields, size_t *nfields,
		            unsigned long *lineno, char *err, size_t errlen)
{
    cm_buf  why = CM_BUF_INIT;
    unsigned long start;
    unsigned long qline = 0;
    size_t  fstart = 0;
    size_t  raw = 0;
    size_t  term = 0;			/* bytes of the line end */
    int     delim;
    int     state = S_FIELD;
    int     bad = 0;
    int     c;
    size_t  i;

    *fields = 0;
    *nfields = 0;
    if (err != 0 && errlen > 0)
	err[0] = 0;
    if (r->dead)
	return (CM_CSV_EOF);
    if (!r->started)
	csv_skip_bom(r);
    start = *lineno = r->line;
    r->dlen = 0;
    r->nf = 0;

    for (c = csv_getc(r);; c = csv_getc(r)) {
	if (c == EOF) {
	    if (r->ioerr == 0 && raw == 0)
		return (CM_CSV_EOF);
	    if (r->ioerr) {
		r->dead = 1;
		if (err != 0 && errlen > 0)
		    snprintf(err, errlen, "read error: %s", strerror(r->ioerr));
		cm_buf_free(&why);
		return (CM_CSV_FATAL);
	    }
	    if (state == S_QUOTED) {
		r->dead = 1;
		if (err != 0 && errlen > 0)
		    snprintf(err, errlen, "unterminated quoted field (the quote"
			     " opened on line %lu)", qline);
		cm_buf_free(&why);
		return (CM_CSV_FATAL);
	    }
	    break;
	}

	/*
	 * Past the limit, stop storing but keep following the quotes, so
	 * that the next record starts where it really starts. raw may
	 * include one byte of the line end: the exact check comes at the
	 * end of the record; this one only bounds the storage.
	 */
	if (++raw > CM_CSV_RECORD_MAX + 2)
	    csv_problem(&bad, start, 0, &why, "record longer than %d bytes",
			CM_CSV_RECORD_MAX);
	if (c == 0)
	    csv_problem(&bad, start, r->line, &why, "NUL byte");

	switch (state) {
	case S_FIELD:
	    if (c == '"') {
		state = S_QUOTED;
		qline = r->line;
		continue;
	    }
	    state = S_UNQUOTED;
	    /* FALLTHROUGH */
	case S_UNQUOTED:
	    if ((delim = csv_delim(r, c)) == CSV_FIELD_END) {
		if (!bad && !csv_field_end(r, &fstart))
		    goto oom;
		state = S_FIELD;
		continue;
	    }
	    if (delim > 0) {
		term = (size_t) delim;
		goto done;
	    }
	    if (c == '"')
		csv_problem(&bad, start, r->line, &why, "double quote inside an"
			    " unquoted field (quote the whole field)");
	    break;
	case S_QUOTED:
	    if (c == '"') {
		state = S_QUOTE_SEEN;
		continue;
	    }
	    break;
	case S_QUOTE_SEEN:
	    if (c == '"') {
		state = S_QUOTED;
		break;				/* "" is one quote */
	    }
	    if ((delim = csv_delim(r, c)) == CSV_FIELD_END) {
		if (!bad && !csv_field_end(r, &fstart))
		    goto oom;
		state = S_FIELD;
		continue;
	    }
	    if (delim > 0) {
		term = (size_t) delim;
		goto done;
	    }
	    csv_problem(&bad, start, r->line, &why,
			"text after a closing quote");
	    state = S_UNQUOTED;		/* resynchronise: read on to ',' */
	    break;
	}
	/* Data byte. raw bounds dlen: at most one data byte per raw byte. */
	if (!bad)
	    r->data[r->dlen++] = (char) c;
    }

done:
    /* raw counted the LF, or the CR of a CRLF, but not both. */
    if (raw - (term ? 1 : 0) > CM_CSV_RECORD_MAX)
	csv_problem(&bad, start, 0, &why, "record longer than %d bytes",
		    CM_CSV_RECORD_MAX);
    if (bad) {
	if (err != 0 && errlen > 0)
	    snprintf(err, errlen, "%s", cm_buf_str(&why));
	cm_buf_free(&why);
	return (CM_CSV_BAD);
    }
    if (!csv_field_end(r, &fstart))
	goto oom;
    for (i = 0; i < r->nf; i++)
	r->fields[i] = r->data + r->starts[i];
    *fields = r->fields;
    *nfields = r->nf;
    cm_buf_free(&why);
    return (CM_CSV_RECORD);

oom:
    r->dead = 1;
    if (err != 0 && errlen > 0)
	snprintf(err, errlen, "out of memory");
    cm_buf_free(&why);
    return (CM_CSV_FATAL);
}

/* cm_csv_needs_quotes - must this field be quoted */

int     cm_csv_needs_quotes(const char *s, size_t len)
{
    size_t  i;

    if (len == 0)
	return (0);
    if (s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' || s[len - 1] == '\t')
	return (1);
    for (i = 0; i < len; i++)
	if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
	    return (1);
    return (0);
}

/* cm_csv_field - append one field, quoted when needed */

void    cm_csv_field(cm_buf *b, const char *s, size_t len)
{
    const char *cp;
    const char *end = s + len;
    const char *q;

    if (!cm_csv_needs_quotes(s, len)) {
	cm_buf_add(b, s, len);
	return;
    }
    cm_buf_addc(b, '"');
    for (cp = s; cp < end; cp = q + 1) {
	if ((q = memchr(cp, '"', (size_t) (end - cp))) == 0) {
	    cm_buf_add(b, cp, (size_t) (end - cp));
	    break;
	}
	cm_buf_add(b, cp, (size_t) (q - cp + 1));
	cm_buf_addc(b, '"');			/* the quote, doubled */
    }
    cm_buf_addc(b, '"');
}
