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

extern void cm_config_derive_redis(cm_config *cfg);
extern void cm_config_derive_replica(cm_config *cfg);
extern void cm_config_derive_sentinel(cm_config *cfg);
extern void cm_config_free_sentinels(cm_config *cfg);

extern char *cm_config_xstrdup(const char *s);
extern void *cm_config_xcalloc(size_t n);
extern int cm_config_has_space(const char *s);
extern int cm_config_parse_int(const char *s, size_t len, int min, int max,
			               int *out);

#endif
