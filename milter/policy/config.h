#ifndef CM_CONFIG_H
#define CM_CONFIG_H

/*++
/* NAME
/*	config 3h
/* SUMMARY
/*	configuration file
/* SYNOPSIS
/*	#include "config.h"
/*
/*	cm_config, cm_config_load(), cm_config_parse(): the configuration
/*	file, checked and with defaults; the enums of its keywords.
/* DESCRIPTION
/*	See config.c. Key names, defaults and meanings are a contract
/*	(DESIGN.md section 9).
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#define CM_CONFIG_DEFAULT_FILE	"/etc/consent-milter.conf"
#define CM_CONFIG_LINE_MAX	4096	/* bytes per line, without newline */
#define CM_CONFIG_KEYS_MAX	64	/* rows in the key table, at most */

typedef enum cm_mode {
    CM_MODE_ENFORCE, CM_MODE_DRY_RUN
} cm_mode;

typedef enum cm_deny_action {
    CM_DENY_REJECT, CM_DENY_TEMPFAIL, CM_DENY_QUARANTINE, CM_DENY_TAG
} cm_deny_action;

typedef enum cm_partial_action {
    CM_PARTIAL_STRIP, CM_PARTIAL_REJECT, CM_PARTIAL_TEMPFAIL
} cm_partial_action;

typedef enum cm_on_error {
    CM_ONERR_TEMPFAIL, CM_ONERR_ACCEPT
} cm_on_error;

typedef enum cm_bulk_action {
    CM_BULK_REJECT, CM_BULK_TEMPFAIL, CM_BULK_ACCEPT, CM_BULK_TAG
} cm_bulk_action;

typedef enum cm_log_addresses {
    CM_LOGADDR_PLAIN, CM_LOGADDR_PSEUDONYMISED
} cm_log_addresses;

typedef enum cm_consent_header {
    CM_CHDR_CAMPAIGN, CM_CHDR_FULL, CM_CHDR_NONE
} cm_consent_header;

/* One sentinel of RedisSentinel. */
typedef struct cm_hostport {
    char   *host;
    int     port;
} cm_hostport;

#define CM_SENTINEL_MAX		16	/* sentinels in RedisSentinel */
#define CM_SENTINEL_NAME_MAX	128	/* bytes in a master name */

/* One "Plugin name path" line. */
typedef struct cm_plugin_conf {
    char   *name;
    char   *path;
    int     line;
    struct cm_plugin_conf *next;
} cm_plugin_conf;

/* One "name.Key value" line for a plugin. */
typedef struct cm_plugin_opt {
    char   *plugin;			/* before the dot */
    char   *key;			/* after the dot */
    char   *value;
    int     line;
    struct cm_plugin_opt *next;
} cm_plugin_opt;

typedef struct cm_config {
    char   *file;			/* where it was read from, or NULL */

    char   *socket;			/* Socket */
    char   *socket_mode;		/* SocketMode, octal text, or NULL */
    char   *socket_group;		/* SocketGroup, or NULL */
    char   *user_id;			/* UserID, or NULL */
    int     allow_root;			/* AllowRoot: tests only */
    char   *pid_file;			/* PidFile, or NULL */

    char   *redis;			/* Redis, as written */
    char   *redis_host;			/* parsed: tcp host, or NULL */
    int     redis_port;			/* parsed: tcp port */
    char   *redis_path;			/* parsed: unix socket path, or NULL */
    char   *redis_replica;		/* RedisReplica, as written, or NULL */
    char   *redis_replica_host;	/* parsed: tcp host, or NULL */
    int     redis_replica_port;		/* parsed: tcp port */
    char   *redis_replica_path;	/* parsed: unix socket path, or NULL */
    char   *redis_sentinel;		/* RedisSentinel, as written, or NULL */
    cm_hostport *redis_sentinels;	/* parsed: the sentinels, in order */
    int     redis_sentinel_count;	/* parsed: 0 without RedisSentinel */
    char   *redis_sentinel_master;	/* parsed: the master's name */
    char   *redis_password_file;	/* RedisPasswordFile, or NULL */
    int     redis_timeout_ms;		/* RedisTimeout */
    int     redis_connections;		/* RedisConnections: pool size */
    char   *key_prefix;			/* KeyPrefix */
    char   *address_key_file;		/* AddressKeyFile, or NULL */

    char   *campaign_header;		/* CampaignHeader */
    cm_mode mode;			/* Mode */
    cm_deny_action deny_action;		/* DenyAction */
    cm_partial_action partial_action;	/* PartialAction */
    cm_on_error on_error;		/* OnError */
    cm_bulk_action unidentified_bulk;	/* UnidentifiedBulk */
    int     bulk_threshold;		/* BulkThreshold */
    int     sender_map_refresh;		/* SenderMapRefresh s, 0: no copy */
    int     sender_map_max_age;		/* SenderMapMaxAge s */
    int     max_recipients;		/* MaxRecipients per message */
    int     max_header_bytes;		/* MaxHeaderBytes per message */

    char   *audit_log;			/* AuditLog, or NULL: syslog only */
    int     audit_fsync;		/* AuditFsync */
    cm_log_addresses log_addresses;	/* LogAddresses */
    cm_consent_header consent_header;	/* ConsentHeader */
    int     syslog_facility;		/* SyslogFacility, as LOG_MAIL etc. */
    int     log_why;			/* LogWhy: a line per decision */

    char   *metrics;			/* Metrics inet:port@host, or NULL */

    int     unsubscribe;		/* Unsubscribe: add our opt-out */
    char   *unsubscribe_url;		/* UnsubscribeURL, or NULL */
    char   *unsubscribe_mailto;		/* UnsubscribeMailto domain, or NULL */
    char   *unsubscribe_key_file;	/* UnsubscribeKeyFile, or NULL */
    char   *unsubscribe_listen;		/* UnsubscribeListen */
    char   *unsubscribe_organisation;	/* UnsubscribeOrganisation, or NULL */
    int     unsubscribe_rate_limit;	/* UnsubscribeRateLimit per minute */

    char   *consent_cache;		/* ConsentCache, as written */
    long long consent_cache_bytes;	/* derived: 0 or a byte bound */
    long long consent_cache_entries;	/* derived: 0 or an entry bound */
    int     consent_cache_max_age;	/* ConsentCacheMaxAge, seconds */
    int     consent_cache_warmup;	/* ConsentCacheWarmup: SCAN at start */

    cm_plugin_conf *plugins;		/* Plugin, in file order */
    cm_plugin_opt *plugin_opts;		/* name.Key, in file order */
    int     key_line[CM_CONFIG_KEYS_MAX];	/* of each key, 0: default */
} cm_config;

extern void cm_config_init(cm_config *cfg);
extern int cm_config_load(cm_config *cfg, const char *path,
			          char *err, size_t errlen);
extern int cm_config_parse(cm_config *cfg, const char *name,
			           const char *text, char *err, size_t errlen);
extern void cm_config_free(cm_config *cfg);

/* Names of enum values, for logs and the X-Consent-Milter header. */
extern const char *cm_mode_name(cm_mode mode);
extern const char *cm_deny_action_name(cm_deny_action action);
extern const char *cm_partial_action_name(cm_partial_action action);
extern const char *cm_on_error_name(cm_on_error action);
extern const char *cm_bulk_action_name(cm_bulk_action action);
extern const char *cm_log_addresses_name(cm_log_addresses how);
extern const char *cm_consent_header_name(cm_consent_header how);
extern const char *cm_syslog_facility_name(int facility);

/* For a reload: keys the running daemon cannot change (config.c). */
extern const char *cm_config_restart_key(const cm_config *now,
				                 const cm_config *next, int n);
extern void cm_config_keep_key(cm_config *next, const cm_config *now,
			               const char *key);
extern const char *cm_config_suggest(const char *key);
extern const char *cm_config_where(const cm_config *cfg, const char *key,
				           char *buf, size_t len);

#endif
