#ifndef CM_IMPORT_TALLY_H
#define CM_IMPORT_TALLY_H

/*++
/* NAME
/*	import_tally 3h
/* SUMMARY
/*	consentctl import: outcomes counted in rows and in people
/* SYNOPSIS
/*	#include "import_tally.h"
/* DESCRIPTION
/*	See import_tally.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stdint.h>
#include <stdio.h>

#include <hiredis/hiredis.h>

#include "buf.h"
#include "writer.h"

#define IMP_OUTCOMES	5		/* cm_write_result values */
#define IMP_EXAMPLES	5		/* example lines per outcome */

typedef struct imp_tally {
    unsigned long rows[IMP_OUTCOMES];	/* events, by cm_write_result */
    uint64_t *ids[IMP_OUTCOMES];	/* hashed record ids, by outcome */
    size_t  n[IMP_OUTCOMES], size[IMP_OUTCOMES];
    int     oom;
    cm_buf  ex[IMP_OUTCOMES];		/* example lines */
    int     nex[IMP_OUTCOMES];
} imp_tally;

extern void imp_tally_add(imp_tally *t, cm_write_result res, const char *id);
extern int imp_tally_wants(const imp_tally *t, cm_write_result res);
extern void imp_tally_example(imp_tally *t, cm_write_result res,
			              const char *line);
extern int imp_tally_show(imp_tally *t, redisContext *rc, const char *prefix,
			          const cm_event *ev, cm_write_result res,
			          const char *file, unsigned long line,
			          char *err, size_t errlen);
extern unsigned long imp_tally_rows(const imp_tally *t);
extern void imp_tally_print(imp_tally *t, FILE *fp, unsigned long invalid,
			            int dry);
extern void imp_tally_free(imp_tally *t);

#endif
