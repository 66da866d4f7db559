/*++
/* NAME
/*	import_text 3
/* SUMMARY
/*	consentctl import: encodings, separators and JSON of input files
/* SYNOPSIS
/*	#include "import_source.h"
/*
/*	int	imp_conv_open(conv, encoding, why)
/*	imp_conv *conv;
/*	const char *encoding;
/*	cm_buf	*why;
/*
/*	int	imp_conv_fields(conv, fields, nf)
/*	imp_conv *conv;
/*	char	***fields;
/*	size_t	nf;
/*
/*	void	imp_conv_close(conv)
/*	imp_conv *conv;
/*
/*	int	imp_detect_sep(fp)
/*	FILE	*fp;
/*
/*	int	imp_is_json(fp)
/*	FILE	*fp;
/* DESCRIPTION
/*	A spreadsheet saved by Excel is often cp1252, with ';' between
/*	the fields in many locales; an API page is JSON. These functions
/*	let ctl_import(3) read such files as they come.
/*
/*	imp_conv_open() prepares the transcoding of encoding (cp1252,
/*	windows-1252, latin1, iso-8859-1) to UTF-8 with iconv(3); NULL,
/*	utf-8 or utf8 means none (conv->cd is then (iconv_t) -1).
/*	imp_conv_fields() replaces *fields by their UTF-8 copies, valid
/*	until the next call. The CSV reader splits the raw bytes: in
/*	these single-byte encodings the separators, quotes and line ends
/*	are the ASCII bytes. A byte that has no character (five in
/*	cp1252) becomes the text \exNN: shown, never guessed.
/*	imp_conv_close() releases conv.
/*
/*	imp_detect_sep() returns the most frequent of ',' ';' and tab
/*	outside quotes in the first line (',' on a tie or none), and
/*	rewinds fp.
/*
/*	imp_is_json() tells whether fp starts with { or [ after white
/*	space, and rewinds fp.
/* DIAGNOSTICS
/*	imp_conv_open() returns 0 with the reason in why for an encoding
/*	it does not know or iconv(3) cannot convert. imp_conv_fields()
/*	returns 0 when out of memory.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Application-specific. */

#include "import_source.h"

/* imp_conv_open - transcoding from encoding to UTF-8, or none */

int     imp_conv_open(imp_conv *conv, const char *v, cm_buf *why)
{
    memset(conv, 0, sizeof(*conv));
    conv->cd = (iconv_t) -1;
    if (v == 0 || strcasecmp(v, "utf-8") == 0 || strcasecmp(v, "utf8") == 0)
	return (1);
    if (strcasecmp(v, "cp1252") != 0 && strcasecmp(v, "latin1") != 0
	&& strcasecmp(v, "windows-1252") != 0
	&& strcasecmp(v, "iso-8859-1") != 0) {
	cm_buf_printf(why, "--encoding %s: want cp1252, latin1 or utf-8", v);
	return (0);
    }
    conv->cd = iconv_open("UTF-8", strncasecmp(v, "latin", 5) == 0
			  || strncasecmp(v, "iso", 3) == 0 ?
			  "ISO-8859-1" : "CP1252");
    if (conv->cd == (iconv_t) -1) {
	cm_buf_printf(why, "--encoding %s: not supported here: %s", v,
		      strerror(errno));
	return (0);
    }
    return (1);
}

/* imp_conv_close - release a transcoder */

void    imp_conv_close(imp_conv *conv)
{
    if (conv->cd != (iconv_t) -1)
	(void) iconv_close(conv->cd);
    conv->cd = (iconv_t) -1;
    cm_buf_free(&conv->buf);
    free(conv->fields);
    free(conv->offs);
    conv->fields = 0;
    conv->offs = 0;
}

/* imp_conv_fields - the fields of a record in UTF-8; 0 when out of memory */

int     imp_conv_fields(imp_conv *conv, char ***f, size_t nf)
{
    char  **p;
    size_t *o;
    char   *in, *out;
    size_t  i, inleft, outleft;

    if (nf > conv->nalloc) {
	if ((p = realloc(conv->fields, nf * sizeof(*p))) == 0)
	    return (0);
	conv->fields = p;
	if ((o = realloc(conv->offs, nf * sizeof(*o))) == 0)
	    return (0);
	conv->offs = o;
	conv->nalloc = nf;
    }
    cm_buf_reset(&conv->buf);
    /* Offsets first: the buffer may move while it grows. */
    for (i = 0; i < nf; i++) {
	conv->offs[i] = conv->buf.len;
	in = (*f)[i];
	inleft = strlen(in);
	/* A byte is at most 3 UTF-8 bytes, or 4 as \xNN. */
	if (!cm_buf_reserve(&conv->buf, 4 * inleft + 1))
	    return (0);
	out = conv->buf.data + conv->buf.len;
	outleft = 4 * inleft + 1;
	(void) iconv(conv->cd, 0, 0, 0, 0);
	while (iconv(conv->cd, &in, &inleft, &out, &outleft) == (size_t) -1
	       && inleft > 0 && outleft > 4) {
	    (void) snprintf(out, outleft, "\\x%02X", (unsigned char) *in);
	    out += 4, outleft -= 4, in++, inleft--;
	}
	conv->buf.len = (size_t) (out - conv->buf.data);
	cm_buf_addc(&conv->buf, 0);
    }
    for (i = 0; i < nf; i++)
	conv->fields[i] = conv->buf.data + conv->offs[i];
    *f = conv->fields;
    return (!conv->buf.oom);
}

/* imp_is_json - the file starts with { or [ (after blanks) */

int     imp_is_json(FILE *fp)
{
    int     ch;

    while ((ch = getc(fp)) == ' ' || ch == '\t' || ch == '\r' || ch == '\n')
	 /* void */ ;
    rewind(fp);
    return (ch == '{' || ch == '[');
}

/* imp_detect_sep - the most frequent of , ; tab in the first line */

int     imp_detect_sep(FILE *fp)
{
    int     n[3] = {0, 0, 0};
    int     ch, quoted = 0;

    while ((ch = getc(fp)) != EOF && (quoted || (ch != '\n' && ch != '\r'))) {
	if (ch == '"')
	    quoted = !quoted;
	else if (!quoted)
	    n[0] += ch == ',', n[1] += ch == ';', n[2] += ch == '\t';
    }
    rewind(fp);
    return (n[1] > n[0] && n[1] >= n[2] ? ';' : n[2] > n[0] ? '\t' : ',');
}
