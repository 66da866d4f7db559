#ifndef CM_CONFIG_VALUE_H
#define CM_CONFIG_VALUE_H

/*++
/* NAME
/*	config_value 3h
/* SUMMARY
/*	configuration values: syntax checks and derived fields
/* SYNOPSIS
/*	#include "config_value.h"
/*
/*	cm_config_check_*(): value syntax; cm_config_derive_*(): fields
/*	computed from values (Redis targets); helpers of config.c.
/* DESCRIPTION
/*	See config_value.c. Private to config.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#include "config.h"

#define KEY_PREFIX_MAX	64		/* KeyPrefix, bytes */

extern const char *cm_config_check_socket(const char *value);
extern const char *cm_config_check_user(const char *value);
extern const char *cm_config_check_redis(const char *value);
extern const char *cm_config_check_sentinel(const char *value);
extern const char *cm_config_check_prefix(const char *value);
extern const char *cm_config_check_header(const char *value);
extern const char *cm_config_check_mode(const char *value);
extern const char *cm_config_check_group(const char *value);
extern const char *cm_config_check_inet(const char *value);
extern const char *cm_config_check_url(const char *value);
extern const char *cm_config_check_domain(const char *value);
extern const char *cm_config_check_text(const char *value);
extern const char *cm_config_check_cache(const char *value);
extern void cm_config_derive_cache(cm_config *cfg);

extern void cm_config_derive_redis(cm_config *cfg);
extern void cm_config_derive_replica(cm_config *cfg);
extern void cm_config_derive_sentinel(cm_config *cfg);
extern void cm_config_free_sentinels(cm_config *cfg);

 /*
  * The key table of config.c, for config_reload.c. An enumerated value
  * with alias set is accepted in the file but never shown.
  */
typedef struct cm_name {
    const char *name;
    int     value;
    int     alias;
} cm_name;

typedef enum cm_key_type {
    KT_STR,				/* string, see check */
    KT_PATH,				/* absolute path */
    KT_PATH_NONE,			/* absolute path, or "none" */
    KT_INT,				/* decimal number, min..max */
    KT_ENUM,				/* one of names */
    KT_PLUGIN,				/* "name path", repeatable */
} cm_key_type;

typedef struct cm_key {
    const char *name;			/* as documented */
    cm_key_type type;
    size_t  offset;			/* of the field in cm_config */
    const char *def;			/* default, as it would be written */
    int     min, max;			/* KT_INT range */
    const cm_name *names;		/* KT_ENUM values */
    const char *(*check) (const char *);	/* KT_STR: NULL or why bad */
    void    (*derive) (cm_config *);	/* fill fields computed from it */
} cm_key;

extern const cm_key *const cm_config_keys;
extern const size_t cm_config_nkeys;
extern size_t cm_config_key_index(const char *name);
extern void cm_config_free_plugins(cm_config *cfg);
extern void cm_config_add_plugin_opt(cm_config *cfg, int line,
				             const char *name, const char *key,
				             const char *value);

extern char *cm_config_xstrdup(const char *s);
extern void *cm_config_xcalloc(size_t n);
extern int cm_config_has_space(const char *s);
extern int cm_config_parse_int(const char *s, size_t len, int min, int max,
			               int *out);

#endif
