/*++
/* NAME
/*	config_keys 3
/* SUMMARY
/*	the configuration keys and their values' names
/* SYNOPSIS
/*	#include "config.h"
/*	#include "config_value.h"
/*
/*	const cm_key *const cm_config_keys;
/*	const size_t cm_config_nkeys;
/*
/*	const char *cm_mode_name(mode)
/*	cm_mode	mode;
/*
/*	(and cm_deny_action_name(), cm_partial_action_name(),
/*	cm_on_error_name(), cm_bulk_action_name(),
/*	cm_log_addresses_name(), cm_consent_header_name(),
/*	cm_syslog_facility_name())
/* DESCRIPTION
/*	The table of every configuration key (DESIGN.md section 9 and
/*	the keys added since): its type, where it is stored in
/*	cm_config, its default as it would be written in the file, and
/*	the values it accepts. config(3) parses with it, config_reload(3)
/*	suggests and compares with it. Adding a key means adding a row
/*	here and a paragraph in consent-milter.conf(5).
/*
/*	cm_mode_name() and its siblings return a value's name as it is
/*	written in the configuration file (never an alias).
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stddef.h>
#include <syslog.h>

/* Application-specific. */

#include "config.h"
#include "config_value.h"

 /*
  * Enumerated values. An alias is accepted in the file but never shown
  * in an error message or returned by a name function.
  */
/* cm_name: see config_value.h. */

static const cm_name mode_names[] = {
    {"enforce", CM_MODE_ENFORCE, 0}, {"dry-run", CM_MODE_DRY_RUN, 0}, {0},
};
static const cm_name deny_names[] = {
    {"reject", CM_DENY_REJECT, 0}, {"tempfail", CM_DENY_TEMPFAIL, 0},
    {"quarantine", CM_DENY_QUARANTINE, 0}, {"tag", CM_DENY_TAG, 0}, {0},
};
static const cm_name partial_names[] = {
    {"strip", CM_PARTIAL_STRIP, 0}, {"reject", CM_PARTIAL_REJECT, 0},
    {"tempfail", CM_PARTIAL_TEMPFAIL, 0}, {0},
};
static const cm_name onerr_names[] = {
    {"tempfail", CM_ONERR_TEMPFAIL, 0}, {"accept", CM_ONERR_ACCEPT, 0}, {0},
};
static const cm_name bulk_names[] = {
    {"reject", CM_BULK_REJECT, 0}, {"tempfail", CM_BULK_TEMPFAIL, 0},
    {"accept", CM_BULK_ACCEPT, 0}, {"tag", CM_BULK_TAG, 0}, {0},
};
static const cm_name logaddr_names[] = {
    {"plain", CM_LOGADDR_PLAIN, 0},
    {"pseudonymised", CM_LOGADDR_PSEUDONYMISED, 0},
    {"pseudonymized", CM_LOGADDR_PSEUDONYMISED, 1}, {0},
};
static const cm_name chdr_names[] = {
    {"campaign", CM_CHDR_CAMPAIGN, 0}, {"full", CM_CHDR_FULL, 0},
    {"none", CM_CHDR_NONE, 0}, {0},
};
static const cm_name facility_names[] = {
    {"mail", LOG_MAIL, 0}, {"daemon", LOG_DAEMON, 0}, {"user", LOG_USER, 0},
    {"local0", LOG_LOCAL0, 0}, {"local1", LOG_LOCAL1, 0},
    {"local2", LOG_LOCAL2, 0}, {"local3", LOG_LOCAL3, 0},
    {"local4", LOG_LOCAL4, 0}, {"local5", LOG_LOCAL5, 0},
    {"local6", LOG_LOCAL6, 0}, {"local7", LOG_LOCAL7, 0}, {0},
};
static const cm_name bool_names[] = {
    {"yes", 1, 0}, {"no", 0, 0}, {"true", 1, 1}, {"false", 0, 1},
    {"on", 1, 1}, {"off", 0, 1}, {"1", 1, 1}, {"0", 0, 1}, {0},
};

 /*
  * Enumerated keys are stored through an int pointer; that is only
  * correct while the compiler gives these enums the size of an int.
  */
_Static_assert(sizeof(cm_mode) == sizeof(int)
	       && sizeof(cm_deny_action) == sizeof(int)
	       && sizeof(cm_partial_action) == sizeof(int)
	       && sizeof(cm_on_error) == sizeof(int)
	       && sizeof(cm_bulk_action) == sizeof(int)
	       && sizeof(cm_log_addresses) == sizeof(int)
	       && sizeof(cm_consent_header) == sizeof(int),
	       "configuration enums must be int-sized");

/* cm_key: one row of the key table; see config_value.h. */

#define OFF(f)	offsetof(cm_config, f)
#define STR(n, f, d, chk)	{ n, KT_STR, OFF(f), d, 0, 0, 0, chk, 0 }
#define PATH(n, f)		{ n, KT_PATH, OFF(f), 0, 0, 0, 0, 0, 0 }
#define INT(n, f, d, lo, hi)	{ n, KT_INT, OFF(f), d, lo, hi, 0, 0, 0 }
#define ENUM(n, f, d, names)	{ n, KT_ENUM, OFF(f), d, 0, 0, names, 0, 0 }

 /*
  * The keys of DESIGN.md section 9, RedisConnections, RedisSentinel and
  * RedisReplica of section 12, and the hardening keys SocketMode,
  * SocketGroup, MaxRecipients and MaxHeaderBytes. Defaults are written as they would
  * be in the file.
  */
static const cm_key keys[] = {
    STR("Socket", socket, "inet:8891@127.0.0.1", cm_config_check_socket),
    STR("SocketMode", socket_mode, 0, cm_config_check_mode),
    STR("SocketGroup", socket_group, 0, cm_config_check_group),
    STR("UserID", user_id, 0, cm_config_check_user),
    ENUM("AllowRoot", allow_root, "no", bool_names),
    PATH("PidFile", pid_file),
    {"Redis", KT_STR, OFF(redis), "tcp:127.0.0.1:6379", 0, 0, 0,
    cm_config_check_redis, cm_config_derive_redis},
    {"RedisSentinel", KT_STR, OFF(redis_sentinel), 0, 0, 0, 0,
    cm_config_check_sentinel, cm_config_derive_sentinel},
    {"RedisReplica", KT_STR, OFF(redis_replica), 0, 0, 0, 0,
    cm_config_check_redis, cm_config_derive_replica},
    PATH("RedisPasswordFile", redis_password_file),
    INT("RedisTimeout", redis_timeout_ms, "2000", 1, 600000),
    INT("RedisConnections", redis_connections, "8", 1, 256),
    STR("KeyPrefix", key_prefix, "cm:", cm_config_check_prefix),
    PATH("AddressKeyFile", address_key_file),
    STR("CampaignHeader", campaign_header, "X-Campaign-ID", cm_config_check_header),
    ENUM("Mode", mode, "enforce", mode_names),
    ENUM("DenyAction", deny_action, "reject", deny_names),
    ENUM("PartialAction", partial_action, "strip", partial_names),
    ENUM("OnError", on_error, "tempfail", onerr_names),
    ENUM("UnidentifiedBulk", unidentified_bulk, "reject", bulk_names),
    INT("BulkThreshold", bulk_threshold, "50", 1, 1000000),
    INT("SenderMapRefresh", sender_map_refresh, "60", 0, 86400),
    INT("SenderMapMaxAge", sender_map_max_age, "3600", 1, 2592000),
    INT("MaxRecipients", max_recipients, "10000", 1, 1000000),
    INT("MaxHeaderBytes", max_header_bytes, "262144", 1024, 67108864),
    {"AuditLog", KT_PATH_NONE, OFF(audit_log), 0, 0, 0, 0, 0, 0},
    ENUM("AuditFsync", audit_fsync, "no", bool_names),
    ENUM("LogAddresses", log_addresses, "plain", logaddr_names),
    ENUM("ConsentHeader", consent_header, "campaign", chdr_names),
    ENUM("SyslogFacility", syslog_facility, "mail", facility_names),
    ENUM("LogWhy", log_why, "no", bool_names),
    STR("Metrics", metrics, 0, cm_config_check_inet),
    ENUM("Unsubscribe", unsubscribe, "no", bool_names),
    STR("UnsubscribeURL", unsubscribe_url, 0, cm_config_check_url),
    STR("UnsubscribeMailto", unsubscribe_mailto, 0, cm_config_check_domain),
    PATH("UnsubscribeKeyFile", unsubscribe_key_file),
    STR("UnsubscribeListen", unsubscribe_listen, "inet:8025@127.0.0.1",
	cm_config_check_inet),
    STR("UnsubscribeOrganisation", unsubscribe_organisation, 0,
	cm_config_check_text),
    INT("UnsubscribeRateLimit", unsubscribe_rate_limit, "60", 20, 1000000),
    {"ConsentCache", KT_STR, OFF(consent_cache), "off", 0, 0, 0,
    cm_config_check_cache, cm_config_derive_cache},
    INT("ConsentCacheMaxAge", consent_cache_max_age, "3600", 1, 604800),
    ENUM("ConsentCacheWarmup", consent_cache_warmup, "no", bool_names),
    {"Plugin", KT_PLUGIN, 0, 0, 0, 0, 0, 0, 0},
};

#define NKEYS	(sizeof(keys) / sizeof(keys[0]))
_Static_assert(NKEYS <= CM_CONFIG_KEYS_MAX, "raise CM_CONFIG_KEYS_MAX");

/* For config_reload.c, which works on the same table. */
const cm_key *const cm_config_keys = keys;
const size_t cm_config_nkeys = NKEYS;

/* enum_name - the documented name of an enumerated value */

static const char *enum_name(const cm_name *names, int value)
{
    for (; names->name; names++)
	if (names->value == value && !names->alias)
	    return (names->name);
    return ("unknown");
}

/* cm_mode_name - name of a Mode value */

const char *cm_mode_name(cm_mode mode)
{
    return (enum_name(mode_names, mode));
}

/* cm_deny_action_name - name of a DenyAction value */

const char *cm_deny_action_name(cm_deny_action action)
{
    return (enum_name(deny_names, action));
}

/* cm_partial_action_name - name of a PartialAction value */

const char *cm_partial_action_name(cm_partial_action action)
{
    return (enum_name(partial_names, action));
}

/* cm_on_error_name - name of an OnError value */

const char *cm_on_error_name(cm_on_error action)
{
    return (enum_name(onerr_names, action));
}

/* cm_bulk_action_name - name of an UnidentifiedBulk value */

const char *cm_bulk_action_name(cm_bulk_action action)
{
    return (enum_name(bulk_names, action));
}

/* cm_log_addresses_name - name of a LogAddresses value */

const char *cm_log_addresses_name(cm_log_addresses how)
{
    return (enum_name(logaddr_names, how));
}

/* cm_consent_header_name - name of a ConsentHeader value */

const char *cm_consent_header_name(cm_consent_header how)
{
    return (enum_name(chdr_names, how));
}

/* cm_syslog_facility_name - name of a SyslogFacility value */

const char *cm_syslog_facility_name(int facility)
{
    return (enum_name(facility_names, facility));
}

