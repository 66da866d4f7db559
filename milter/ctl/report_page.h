#ifndef CM_REPORT_PAGE_H
#define CM_REPORT_PAGE_H

/*++
/* NAME
/*	report_page 3h
/* SUMMARY
/*	consentctl: self-contained HTML pages and their charts
/* SYNOPSIS
/*	#include "report_page.h"
/* DESCRIPTION
/*	See report_page.c and svg_chart.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#include "buf.h"
#include "ctl.h"

extern void page_text(cm_buf *b, const char *s);
extern void page_textn(cm_buf *b, const char *s, size_t len);
extern void page_open(cm_buf *b, const char *title, const char *subtitle);
extern void page_close(cm_buf *b);
extern int page_write(ctl *c, const char *path, const cm_buf *b);

/* One series of a chart: a name, a colour and one value per category. */
typedef struct svg_series {
    const char *name;
    const char *colour;
    const double *val;
} svg_series;

/* svg_chart.c */
extern void svg_bars(cm_buf *b, const char *title, const char *desc,
		             const char *const *cat, size_t ncat,
		             const svg_series *ser, size_t nser,
		             const char *xlabel, const char *ylabel);
extern void svg_hbars(cm_buf *b, const char *title, const char *desc,
		              const char *const *cat, const double *val,
		              size_t ncat, const char *colour,
		              const char *xlabel);

#endif
