/*++
/* NAME
/*	report_page 3
/* SUMMARY
/*	consentctl: self-contained HTML pages
/* SYNOPSIS
/*	#include "report_page.h"
/*
/*	void	page_text(b, s)
/*	cm_buf	*b;
/*	const char *s;
/*
/*	void	page_textn(b, s, len)
/*
/*	void	page_open(b, title, subtitle)
/*	cm_buf	*b;
/*	const char *title;
/*	const char *subtitle;
/*
/*	void	page_close(b)
/*	cm_buf	*b;
/*
/*	int	page_write(c, path, b)
/*	ctl	*c;
/*	const char *path;
/*	const cm_buf *b;
/* DESCRIPTION
/*	The HTML of "consentctl report --html" and "consentctl trace
/*	--html": one file that needs nothing else (no network, no
/*	script, the style sheet inline), readable on a screen and
/*	printable on A4.
/*
/*	page_text() and page_textn() append text escaped for HTML
/*	content and attribute values: & < > " ' as entities, control
/*	characters and bytes that are not UTF-8 as U+FFFD. Everything
/*	that comes from a log or from Redis goes through them.
/*
/*	page_open() starts a page: the title (escaped), a line under it
/*	(escaped), the date it was made and the tool version. page_close()
/*	ends it.
/*
/*	page_write() writes the page to path (mode 0600: it holds personal
/*	data), through a temporary file renamed into place: a new name
/*	(PATH.tmp.XXXXXX, mkostemp(3)), so that no link planted in the
/*	directory is followed.
/* DIAGNOSTICS
/*	page_write() returns 0, or 73 (EX_CANTCREAT) with an error that
/*	names the file.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Application-specific. */

#include "buf.h"
#include "ctl.h"
#include "report_page.h"
#include "timeparse.h"
#include "utf8.h"

#define EX_CANTCREAT	73

/* The style sheet: screen, and A4 print. */
static const char style[] =
"body{font:14px/1.45 \"DejaVu Sans\",Arial,sans-serif;color:#1a1a1a;"
"margin:2em auto;max-width:60em;padding:0 1em;background:#fff}"
"h1{font-size:1.6em;margin:0 0 .2em}h2{font-size:1.2em;margin:1.6em 0 .5em;"
"border-bottom:2px solid #2b5d8a;padding-bottom:.15em;color:#2b5d8a}"
"h3{font-size:1em;margin:1.2em 0 .4em}"
".meta{color:#555;margin:0 0 1em}"
"table{border-collapse:collapse;width:100%;margin:.4em 0 1em}"
"th,td{border:1px solid #bbb;padding:.25em .5em;text-align:left;"
"vertical-align:top}th{background:#e8eef4}"
"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
"tr.warn td{background:#fde2e1}"
".warn{color:#a40000;font-weight:bold}"
".ok{color:#1d6b2c;font-weight:bold}"
".box{border:2px solid #a40000;background:#fdf0ef;padding:.6em 1em;"
"margin:1em 0}.box.good{border-color:#1d6b2c;background:#eef7ef}"
"code,.mono{font-family:\"DejaVu Sans Mono\",monospace;font-size:.92em;"
"word-break:break-all}"
"td.t{white-space:nowrap;font-variant-numeric:tabular-nums}"
"figure{margin:1em 0;page-break-inside:avoid;break-inside:avoid}"
"figcaption{font-weight:bold;margin-bottom:.3em}"
"svg{max-width:100%;height:auto}"
"footer{margin-top:2em;color:#555;font-size:.9em;border-top:1px solid #bbb;"
"padding-top:.5em}"
"@page{size:A4;margin:15mm 12mm}"
"@media print{body{margin:0;max-width:none;font-size:10pt}"
"table{font-size:9pt}td.t{white-space:normal}"
"h2{page-break-after:avoid;break-after:avoid}"
"tr{page-break-inside:avoid;break-inside:avoid}"
"th{background:#e8eef4 !important;-webkit-print-color-adjust:exact;"
"print-color-adjust:exact}"
".box,tr.warn td{-webkit-print-color-adjust:exact;print-color-adjust:exact}}";

/* page_textn - text escaped for HTML */

void    page_textn(cm_buf *b, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *) s;
    const unsigned char *end = p + len;
    size_t  n;

    while (p < end) {
	switch (*p) {
	case '&':
	    cm_buf_adds(b, "&amp;");
	    break;
	case '<':
	    cm_buf_adds(b, "&lt;");
	    break;
	case '>':
	    cm_buf_adds(b, "&gt;");
	    break;
	case '"':
	    cm_buf_adds(b, "&quot;");
	    break;
	case '\'':
	    cm_buf_adds(b, "&#39;");
	    break;
	default:
	    if (*p >= 0x80) {
		if ((n = cm_utf8_seqlen(p, end - p)) > 0) {
		    cm_buf_add(b, (const char *) p, n);
		    p += n;
		    continue;
		}
		cm_buf_adds(b, "\xef\xbf\xbd");
	    } else if (*p < 0x20 || *p == 0x7f) {
		cm_buf_adds(b, *p == '\t' ? " " : "\xef\xbf\xbd");
	    } else {
		cm_buf_addc(b, *p);
	    }
	}
	p++;
    }
}

/* page_text - a C string escaped for HTML (NULL: nothing) */

void    page_text(cm_buf *b, const char *s)
{
    if (s != 0)
	page_textn(b, s, strlen(s));
}

/* page_open - doctype, style, title, date and version */

void    page_open(cm_buf *b, const char *title, const char *subtitle)
{
    char    now[40];

    cm_time_format((long long) time(0), now, sizeof(now));
    cm_buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
		"<meta charset=\"utf-8\">\n"
		"<meta name=\"viewport\" content=\"width=device-width\">\n"
		"<meta name=\"generator\" content=\"consentctl "
		PACKAGE_VERSION "\">\n<title>");
    page_text(b, title);
    cm_buf_adds(b, "</title>\n<style>");
    cm_buf_adds(b, style);
    cm_buf_adds(b, "</style>\n</head>\n<body>\n<header>\n<h1>");
    page_text(b, title);
    cm_buf_adds(b, "</h1>\n<p class=\"meta\">");
    if (subtitle) {
	page_text(b, subtitle);
	cm_buf_adds(b, "<br>");
    }
    cm_buf_adds(b, "Made ");
    page_text(b, now);
    cm_buf_adds(b, " by consentctl " PACKAGE_VERSION
		" (consent-milter) from the audit trail and the consent "
		"store.</p>\n</header>\n<main>\n");
}

/* page_close - the footer and the end of the page */

void    page_close(cm_buf *b)
{
    char    now[40];

    cm_time_format((long long) time(0), now, sizeof(now));
    cm_buf_adds(b, "</main>\n<footer>consentctl " PACKAGE_VERSION ", ");
    page_text(b, now);
    cm_buf_adds(b, ". Times are UTC. This file is self-contained: it loads "
		"nothing from the network.</footer>\n</body>\n</html>\n");
}

/* page_write - the page to a file, whole or not at all */

int     page_write(ctl *c, const char *path, const cm_buf *b)
{
    cm_buf  tmp = CM_BUF_INIT;
    ssize_t n;
    size_t  off = 0;
    int     fd, err = 0;

    if (b->oom) {
	ctl_error(c, "%s: out of memory", path);
	return (CTL_EX_SOFTWARE);
    }

    /*
     * A name of its own, made with O_EXCL: root writes reports into
     * directories that others may write (/tmp), where a predictable
     * name could be a planted symbolic link to a file that root would
     * then truncate and overwrite. rename() replaces a link at path
     * itself, never its target.
     */
    cm_buf_printf(&tmp, "%s.tmp.XXXXXX", path);
    if (tmp.oom)
	errno = ENOMEM;
    if (tmp.oom || (fd = mkostemp(tmp.data, O_CLOEXEC)) < 0) {
	ctl_error(c, "%s: %s", cm_buf_str(&tmp), strerror(errno));
	cm_buf_free(&tmp);
	return (EX_CANTCREAT);
    }
    while (off < b->len && (n = write(fd, b->data + off, b->len - off)) > 0)
	off += n;
    if (off < b->len)
	err = errno ? errno : EIO;
    if (close(fd) < 0 && err == 0)
	err = errno;
    if (err == 0 && rename(cm_buf_str(&tmp), path) < 0)
	err = errno;
    if (err != 0) {
	ctl_error(c, "%s: %s", path, strerror(err));
	(void) unlink(cm_buf_str(&tmp));
    }
    cm_buf_free(&tmp);
    return (err ? EX_CANTCREAT : 0);
}
