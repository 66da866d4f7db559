#ifndef CM_PAGE_H
#define CM_PAGE_H

/*++
/* NAME
/*	page 3h
/* SUMMARY
/*	what consent-unsubscribe says: the page and the short answers
/* SYNOPSIS
/*	#include "page.h"
/* DESCRIPTION
/*	See page.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include "buf.h"

/* The answers that must not depend on the token (page.c). */
#define CM_UNSUB_DONE_TEXT	"You are unsubscribed. Thank you.\n"
#define CM_UNSUB_BUSY_TEXT	"Please try again later.\n"
#define CM_UNSUB_SLOW_TEXT	"Too many requests: please try again later.\n"
#define CM_UNSUB_BAD_TEXT	"Bad request.\n"
#define CM_UNSUB_NOTFOUND_TEXT	"Not found.\n"
#define CM_UNSUB_METHOD_TEXT	"Method not allowed.\n"

extern void cm_html_escape(cm_buf *out, const char *s);
extern void cm_unsub_page(cm_buf *out, const char *organisation,
			          const char *purpose);

#endif
