#ifndef CM_CTL_ROW_H
#define CM_CTL_ROW_H

/*++
/* NAME
/*	ctl_row 3h
/* SUMMARY
/*	consentctl: one consent event as import reads it
/* SYNOPSIS
/*	#include "ctl_row.h"
/* DESCRIPTION
/*	See ctl_row.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#include "buf.h"
#include "ctl.h"
#include "writer.h"

#define CTL_ROW_HEADER	"address,purpose,state,at,source"
#define CTL_ROW_FIELDS	5
#define CTL_ROW_HEX	64		/* id:<hex> digits */

/* One checked row; pointers into the caller's fields. */
typedef struct ctl_row {
    cm_event_kind kind;
    char    id[CM_ID_SIZE];
    const char *purpose;		/* NULL for a suppression */
    long long at;
    const char *src;
} ctl_row;

extern int ctl_row_check(ctl *c, char **f, size_t nf, long long now,
			         ctl_row *row, cm_buf *why);
extern int ctl_row_header(char **f, size_t nf);
extern int ctl_row_id(ctl *c, const char *addr, char *id);
extern int ctl_row_time(const char *s, long long now, long long *at,
			        cm_buf *why);
extern int ctl_row_utf8(const char *label, const char *s, cm_buf *why);
extern void ctl_row_show(cm_buf *b, const char *s, size_t len);

#endif
