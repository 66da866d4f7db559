#ifndef CM_SENDERMAP_H
#define CM_SENDERMAP_H

/*++
/* NAME
/*	sendermap 3h
/* SUMMARY
/*	last-known-good copy of the sender mappings (Psender:)
/* SYNOPSIS
/*	#include "sendermap.h"
/*	cm_sendermap_create/start/destroy/load(): the copy and its
/*	refresher; cm_sendermap_lookup(): ask it when Redis cannot be
/*	asked; cm_sendertab_*(), cm_sendermap_judge(): the pure parts.
/* DESCRIPTION
/*	See sendermap.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#include "config.h"

typedef struct cm_sendermap cm_sendermap;
typedef struct cm_sendertab cm_sendertab;

/* What the copy says about one sender. */
typedef enum cm_sendermap_answer {
    CM_SENDERMAP_NONE,			/* no usable copy: none, or too old */
    CM_SENDERMAP_UNMAPPED,		/* the copy has no campaign for it */
    CM_SENDERMAP_MAPPED			/* the copy maps it to a campaign */
} cm_sendermap_answer;

extern cm_sendermap *cm_sendermap_create(const cm_config *cfg,
				               char *err, size_t errlen);
extern int cm_sendermap_load(cm_sendermap *sm, char *err, size_t errlen);
extern int cm_sendermap_start(cm_sendermap *sm);
extern void cm_sendermap_destroy(cm_sendermap *sm);
extern cm_sendermap_answer cm_sendermap_lookup(cm_sendermap *sm,
				             const char *sender,
				             long long *age, size_t *size);

/* The pure parts. */
extern cm_sendermap_answer cm_sendermap_judge(int have_copy, int found,
				             long long age, long long max_age);
extern cm_sendertab *cm_sendertab_new(void);
extern int cm_sendertab_add(cm_sendertab *tab, const char *sender,
			            size_t sender_len, const char *campaign,
			            size_t campaign_len);
extern void cm_sendertab_seal(cm_sendertab *tab);
extern const char *cm_sendertab_find(const cm_sendertab *tab,
				             const char *sender);
extern size_t cm_sendertab_size(const cm_sendertab *tab);
extern void cm_sendertab_free(cm_sendertab *tab);
extern size_t cm_sendermap_pattern(char *out, size_t size,
				           const char *prefix);

#endif
