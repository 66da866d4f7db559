#ifndef CM_IMPORT_SOURCE_H
#define CM_IMPORT_SOURCE_H

/*++
/* NAME
/*	import_source 3h
/* SUMMARY
/*	consentctl import: where the rows come from
/* SYNOPSIS
/*	#include "import_source.h"
/* DESCRIPTION
/*	See import_source.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <iconv.h>
#include <stddef.h>
#include <stdio.h>

#include "buf.h"
#include "ctl.h"
#include "ctl_row.h"
#include "jsonread.h"

#define IMP_EVENTS_MAX	256		/* events from one record */
#define IMP_COLS_MAX	16		/* columns a source looks at */
#define IMP_MAPS_MAX	64		/* --map-list NAME=PURPOSE */

/* Options of "import" that sources read. */
typedef struct imp_opts {
    const char *from;			/* provider name; "canonical" */
    const char *purpose;		/* --purpose, or NULL */
    const char *columns;		/* --columns SPEC, or NULL */
    const char *date_format;		/* --date-format, or NULL */
    const char *zone;			/* --timezone, default "UTC" */
    const char *encoding;		/* --encoding, NULL: UTF-8 */
    int     sep;			/* --delimiter, 0: detect */
    const char *maps[IMP_MAPS_MAX];	/* --map-list NAME=PURPOSE */
    size_t  nmaps;
} imp_opts;

/*
 * The events of one record; src text lives in text[]. A record may name
 * many lists or topics (an SES contact list has about 20), each one an
 * event. text[] has a spare slot: the evidence of an event over the
 * limit is written there, and imp_emit() refuses the event.
 */
typedef struct imp_out {
    size_t  n;
    ctl_row ev[IMP_EVENTS_MAX];
    cm_buf  text[IMP_EVENTS_MAX + 1];
} imp_out;

typedef struct imp_source imp_source;

/* One provider: how to read its header, and one record. */
typedef struct imp_provider {
    const char *name;
    int     (*header) (imp_source *s, char **f, size_t nf, cm_buf *why);
    int     (*row) (imp_source *s, char **f, size_t nf, imp_out *out,
		            cm_buf *why);
    /* JSON: the keys of the record arrays (NULL-terminated), or NULL. */
    const char *const *jarrays;
    int     (*jrow) (imp_source *s, const char *text, size_t len,
			     imp_out *out, cm_buf *why);
} imp_provider;

/* One file being read through one provider. */
struct imp_source {
    ctl    *c;
    const imp_opts *o;
    const imp_provider *p;
    const char *file;			/* name, for evidence */
    unsigned long line;			/* of the current record */
    long long now;			/* clock of the import */
    int     col[IMP_COLS_MAX];		/* column of each key, or -1 */
    int     kind;			/* per-file, provider's own */
    cm_jobject obj, sub;		/* JSON: a record, a nested one */
    /* Of the record being read, for --skip-invalid (import_hold(3)). */
    const char *raddr;			/* its address, if the provider knows */
    const char *raddr_also[4];		/* its other ones (NationBuilder) */
    size_t  nraddr_also;
    int     roptout;			/* 1 an opt-out, 0 none, -1 unknown */
    /* Opt-outs of lists that --map-list leaves out: imp_unmapped(). */
    int     checking;			/* the first pass: count them */
    unsigned long unmapped;
    cm_buf  unmapped_ex;		/* where, up to IMP_UNMAPPED_EX */
};

#define IMP_UNMAPPED_EX	20		/* skipped opt-outs named */

extern const imp_provider *imp_provider_find(const char *name);
extern const char *imp_provider_names(void);
extern int imp_header_find(imp_source *s, char **f, size_t nf,
			           const char *const *names, int *col,
			           unsigned required, cm_buf *why);
extern const char *imp_field(imp_source *s, char **f, size_t nf, int key);
extern const char *imp_file_base(const char *file);
extern int imp_time(imp_source *s, const char *label, const char *text,
		            long long *at, cm_buf *why);
extern cm_buf *imp_evidence(imp_source *s, imp_out *out, const char *what);
extern void imp_evidence_add(cm_buf *b, const char *key, const char *val);
extern int imp_emit(imp_source *s, imp_out *out, const char *addr,
		            const char *state, const char *purpose,
		            long long at, cm_buf *why);
extern int imp_zone_check(const char *zone, cm_buf *why);
extern int imp_flag(const char *v, const char *const *yes,
		            const char *const *no);
extern const char *imp_map_purpose(imp_source *s, const char *name);
extern int imp_unmapped(imp_source *s, const char *kind, const char *name,
			        const char *state, cm_buf *why);
extern int imp_json_array(const char *text, size_t len, const char *key,
			          size_t *start, size_t *end);
extern int imp_json_next(const char *text, size_t end, size_t *pos,
			         size_t *estart, size_t *elen);

/* import_text.c: encodings, separators, JSON. */
typedef struct imp_conv {
    iconv_t cd;				/* (iconv_t) -1: none */
    cm_buf  buf;			/* transcoded fields */
    char  **fields;			/* ... and pointers to them */
    size_t *offs;
    size_t  nalloc;
} imp_conv;

extern int imp_conv_open(imp_conv *conv, const char *encoding, cm_buf *why);
extern int imp_conv_fields(imp_conv *conv, char ***fields, size_t nf);
extern void imp_conv_close(imp_conv *conv);
extern int imp_detect_sep(FILE *fp);
extern int imp_is_json(FILE *fp);

/* The providers, one file each. */
extern const imp_provider imp_canonical;
extern const imp_provider imp_columns;
extern const imp_provider imp_mailchimp;
extern const imp_provider imp_sendgrid;
extern const imp_provider imp_listmonk;
extern const imp_provider imp_ses;
extern const imp_provider imp_mautic;
extern const imp_provider imp_nationbuilder;
extern const imp_provider imp_brevo;

#endif
