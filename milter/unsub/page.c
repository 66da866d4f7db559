/*++
/* NAME
/*	page 3
/* SUMMARY
/*	what consent-unsubscribe says: the page and the short answers
/* SYNOPSIS
/*	#include "page.h"
/*
/*	void	cm_unsub_page(out, organisation, purpose)
/*	cm_buf	*out;
/*	const char *organisation;
/*	const char *purpose;
/*
/*	void	cm_html_escape(out, s)
/*	cm_buf	*out;
/*	const char *s;
/* DESCRIPTION
/*	cm_unsub_page() writes the page that GET /u/TOKEN shows: link
/*	scanners and previews fetch with GET, so the page only asks. It
/*	is short and accessible: a language, a title, one heading, one
/*	sentence ("You will no longer get PURPOSE email from
/*	ORGANISATION."), one form with one button that POSTs the RFC 8058
/*	body (List-Unsubscribe=One-Click, URL-encoded) to the same
/*	address. No script, no style sheet, no image, no external
/*	resource of any kind: nothing that a mail client's privacy proxy
/*	or a strict Content-Security-Policy could break, and nothing that
/*	could leak the token in a Referer. The form's action is empty
/*	(the page's own address), so that the token in the request is
/*	never written into the page, and a proxy that mounts the service
/*	under another path still gets the POST.
/*
/*	organisation (UnsubscribeOrganisation) and purpose are
/*	HTML-escaped; a NULL organisation reads "us", a NULL purpose (a
/*	token that is not ours, the store unreachable) gives the sentence
/*	without it ("You will no longer get this email from ...").
/*
/*	cm_html_escape() appends s with &, <, >, " and ' as character
/*	references and control characters dropped.
/*
/*	page.h also has the plain-text bodies of the other answers,
/*	fixed strings, so that no answer can carry anything of the
/*	request or of the store.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <string.h>

/* Application-specific. */

#include "page.h"

/* cm_html_escape - text for an HTML element or attribute value */

void    cm_html_escape(cm_buf *out, const char *s)
{
    const unsigned char *p;

    for (p = (const unsigned char *) s; *p; p++) {
	switch (*p) {
	case '&':
	    cm_buf_adds(out, "&amp;");
	    break;
	case '<':
	    cm_buf_adds(out, "&lt;");
	    break;
	case '>':
	    cm_buf_adds(out, "&gt;");
	    break;
	case '"':
	    cm_buf_adds(out, "&quot;");
	    break;
	case '\'':
	    cm_buf_adds(out, "&#39;");
	    break;
	default:
	    if (*p < 0x20 || *p == 0x7f)
		break;				/* no control characters */
	    cm_buf_addc(out, (char) *p);
	}
    }
}

/* cm_unsub_page - the page of GET /u/TOKEN */

void    cm_unsub_page(cm_buf *out, const char *organisation,
		              const char *purpose)
{
    cm_buf_adds(out,
		"<!DOCTYPE html>\n"
		"<html lang=\"en\">\n"
		"<head>\n"
		"<meta charset=\"utf-8\">\n"
		"<meta name=\"viewport\" content=\"width=device-width, "
		"initial-scale=1\">\n"
		"<meta name=\"robots\" content=\"noindex, nofollow\">\n"
		"<title>Unsubscribe</title>\n"
		"</head>\n"
		"<body>\n"
		"<main>\n"
		"<h1>Unsubscribe</h1>\n"
		"<form method=\"post\" action=\"\">\n"
		"<p>You will no longer get ");
    if (purpose != 0 && *purpose != 0) {
	cm_html_escape(out, purpose);
	cm_buf_adds(out, " email");
    } else {
	cm_buf_adds(out, "this email");
    }
    cm_buf_adds(out, " from ");
    if (organisation != 0 && *organisation != 0)
	cm_html_escape(out, organisation);
    else
	cm_buf_adds(out, "us");
    cm_buf_adds(out,
		".</p>\n"
		"<input type=\"hidden\" name=\"List-Unsubscribe\" "
		"value=\"One-Click\">\n"
		"<button type=\"submit\">Unsubscribe</button>\n"
		"</form>\n"
		"</main>\n"
		"</body>\n"
		"</html>\n");
}
