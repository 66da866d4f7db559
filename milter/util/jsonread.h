#ifndef CM_JSONREAD_H
#define CM_JSONREAD_H

/*++
/* NAME
/*	jsonread 3h
/* SUMMARY
/*	reader for one flat JSON object (an audit line)
/* SYNOPSIS
/*	#include "jsonread.h"
/*
/*	cm_jobject_parse(): one flat JSON object (an audit line);
/*	cm_jobject_get(), cm_jobject_string(): its members.
/* DESCRIPTION
/*	See jsonread.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

typedef enum cm_jtype {
    CM_JTYPE_NULL,
    CM_JTYPE_FALSE,
    CM_JTYPE_TRUE,
    CM_JTYPE_NUMBER,
    CM_JTYPE_STRING,
    CM_JTYPE_OBJECT,			/* nested: skipped, raw text kept */
    CM_JTYPE_ARRAY			/* nested: skipped, raw text kept */
} cm_jtype;

/* One member of the top-level object. */
typedef struct cm_jmember {
    const char *key;			/* decoded, NUL-terminated */
    size_t  key_len;			/* may hold a NUL byte (\u0000) */
    cm_jtype type;
    const char *val;			/* see jsonread.c; NULL for literals */
    size_t  val_len;
} cm_jmember;

/* A parsed object; reusable from one line to the next. */
typedef struct cm_jobject {
    cm_jmember *member;
    size_t  count;
    size_t  alloc;
    char   *text;			/* storage for keys and values */
    size_t  text_size;
} cm_jobject;

#define CM_JOBJECT_INIT	{ 0, 0, 0, 0, 0 }

#define CM_JSON_DEPTH_MAX	64	/* nesting deeper than this fails */

extern int cm_jobject_parse(cm_jobject *obj, const char *src, size_t len,
			            char *err, size_t errlen);
extern const cm_jmember *cm_jobject_get(const cm_jobject *obj,
					        const char *key);
extern const char *cm_jobject_string(const cm_jobject *obj, const char *key);
extern void cm_jobject_free(cm_jobject *obj);

#endif
