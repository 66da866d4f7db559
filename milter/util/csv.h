#ifndef CM_CSV_H
#define CM_CSV_H

/*++
/* NAME
/*	csv 3h
/* SUMMARY
/*	streaming RFC 4180 reader, field quoting for writers
/* SYNOPSIS
/*	#include "csv.h"
/*
/*	cm_csv_open/next/close(): RFC 4180 records from a file, one at
/*	a time; cm_csv_needs_quotes(), cm_csv_field(): quoting for writers.
/* DESCRIPTION
/*	See csv.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>
#include <stdio.h>

#include "buf.h"

#define CM_CSV_RECORD_MAX	(64 * 1024)	/* bytes per record, raw */

/* cm_csv_next() results. */
#define CM_CSV_RECORD	1		/* a record: fields are valid */
#define CM_CSV_EOF	0		/* no more records */
#define CM_CSV_BAD	(-1)		/* this record is bad; go on reading */
#define CM_CSV_FATAL	(-2)		/* read error or unterminated quote */

typedef struct cm_csv cm_csv;

extern cm_csv *cm_csv_open(FILE *fp);
extern void cm_csv_close(cm_csv *r);
extern int cm_csv_next(cm_csv *r, char ***fields, size_t *nfields,
		               unsigned long *lineno, char *err, size_t errlen);
extern void cm_csv_sep(cm_csv *r, int c);
extern unsigned long long cm_csv_offset(const cm_csv *r);

extern int cm_csv_needs_quotes(const char *s, size_t len);
extern void cm_csv_field(cm_buf *b, const char *s, size_t len);

#endif
