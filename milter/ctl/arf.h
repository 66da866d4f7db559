#ifndef CM_ARF_H
#define CM_ARF_H

/*++
/* NAME
/*	arf 3h
/* SUMMARY
/*	complaint reports (ARF, RFC 5965) and the messages around tokens
/* SYNOPSIS
/*	#include "arf.h"
/* DESCRIPTION
/*	See arf.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#define ARF_FIELD_MAX	1000		/* bytes kept of one field */

typedef struct arf_report {
    char    feedback_type[ARF_FIELD_MAX];	/* Feedback-Type */
    char    arrival_date[ARF_FIELD_MAX];	/* Arrival-Date, or "" */
    char    source_ip[ARF_FIELD_MAX];	/* Source-IP, or "" */
    char    mail_from[ARF_FIELD_MAX];	/* Original-Mail-From, or "" */
    char    rcpt_to[ARF_FIELD_MAX];	/* Original-Rcpt-To, or "" */
    char    list_unsub[ARF_FIELD_MAX];	/* original List-Unsubscribe, or "" */
    char    msgid[ARF_FIELD_MAX];	/* original Message-ID, or "" */
} arf_report;

extern int arf_parse(const char *msg, size_t len, arf_report *r,
		             char *why, size_t whylen);
extern int arf_header(const char *msg, size_t len, const char *name,
		              char *out, size_t outsz);
extern int arf_find_token(const char *text, const char *url, char *out,
			          size_t outsz);

#endif
