/* SPDX-License-Identifier: BSD-3-Clause; Copyright (c) 2026 the consent-milter authors. */
/*
 * check_config - unit tests for milter/policy/config.c
 *
 * Every error message is compared in full: the text is what an
 * administrator sees when the daemon refuses to start, so a change to
 * it is a change to the user interface and should show up here.
 */

/* System library. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

/* Utility library. */

#include <check.h>

/* Application-specific. */

#include "config.h"

static cm_config cfg;
static char err[1024];

/* setup - fresh configuration for each test */

static void setup(void)
{
    cm_config_init(&cfg);
    memset(err, 0, sizeof(err));
}

/* teardown - release it */

static void teardown(void)
{
    cm_config_free(&cfg);
}

/* parse - parse text as the file "t.conf" */

static int parse(const char *text)
{
    return (cm_config_parse(&cfg, "t.conf", text, err, sizeof(err)));
}

#define ck_parses(text) do { \
	int _rc = parse(text); \
	ck_assert_msg(_rc == 0, "parse failed: %s", err); \
    } while (0)

#define ck_fails(text, msg) do { \
	ck_assert_int_eq(parse(text), -1); \
	ck_assert_str_eq(err, (msg)); \
    } while (0)

/* write_file - a temporary file with the given bytes */

static void write_file(char *path, const char *data, size_t len)
{
    int     fd;

    strcpy(path, "/tmp/check_config.XXXXXX");
    fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, len), (ssize_t) len);
    ck_assert_int_eq(close(fd), 0);
}

/* ---------------------------------------------------------------- */

START_TEST(test_defaults)
{
    ck_assert_ptr_null(cfg.file);
    ck_assert_str_eq(cfg.socket, "inet:8891@127.0.0.1");
    ck_assert_ptr_null(cfg.user_id);
    ck_assert_ptr_null(cfg.pid_file);
    ck_assert_str_eq(cfg.redis, "tcp:127.0.0.1:6379");
    ck_assert_str_eq(cfg.redis_host, "127.0.0.1");
    ck_assert_int_eq(cfg.redis_port, 6379);
    ck_assert_ptr_null(cfg.redis_path);
    ck_assert_ptr_null(cfg.redis_sentinel);
    ck_assert_int_eq(cfg.redis_sentinel_count, 0);
    ck_assert_ptr_null(cfg.redis_sentinels);
    ck_assert_ptr_null(cfg.redis_sentinel_master);
    ck_assert_ptr_null(cfg.redis_replica);
    ck_assert_ptr_null(cfg.redis_replica_host);
    ck_assert_ptr_null(cfg.redis_replica_path);
    ck_assert_ptr_null(cfg.redis_password_file);
    ck_assert_int_eq(cfg.redis_timeout_ms, 2000);
    ck_assert_int_eq(cfg.redis_connections, 8);
    ck_assert_str_eq(cfg.key_prefix, "cm:");
    ck_assert_ptr_null(cfg.address_key_file);
    ck_assert_str_eq(cfg.campaign_header, "X-Campaign-ID");
    ck_assert_int_eq(cfg.mode, CM_MODE_ENFORCE);
    ck_assert_int_eq(cfg.deny_action, CM_DENY_REJECT);
    ck_assert_int_eq(cfg.partial_action, CM_PARTIAL_STRIP);
    ck_assert_int_eq(cfg.on_error, CM_ONERR_TEMPFAIL);
    ck_assert_int_eq(cfg.unidentified_bulk, CM_BULK_REJECT);
    ck_assert_int_eq(cfg.bulk_threshold, 50);
    ck_assert_ptr_null(cfg.audit_log);
    ck_assert_int_eq(cfg.audit_fsync, 0);
    ck_assert_int_eq(cfg.log_addresses, CM_LOGADDR_PLAIN);
    ck_assert_ptr_null(cfg.plugins);
    ck_assert_ptr_null(cfg.plugin_opts);
}
END_TEST

START_TEST(test_empty)
{
    ck_parses("");
    ck_parses("\n\n");
    ck_assert_str_eq(cfg.socket, "inet:8891@127.0.0.1");
    ck_assert_str_eq(err, "");
}
END_TEST

START_TEST(test_every_key)
{
    ck_parses("Socket unix:/run/consent-milter/milter.sock\n"
	      "UserID consent-milter:postfix\n"
	      "PidFile /run/consent-milter/consent-milter.pid\n"
	      "Redis tcp:redis.example.org:6380\n"
	      "RedisPasswordFile /etc/consent-milter/redis.pw\n"
	      "RedisTimeout 600000\n"
	      "RedisConnections 256\n"
	      "KeyPrefix prod:cm:\n"
	      "AddressKeyFile /etc/consent-milter/address.key\n"
	      "CampaignHeader Feedback-ID\n"
	      "Mode dry-run\n"
	      "DenyAction quarantine\n"
	      "PartialAction tempfail\n"
	      "OnError accept\n"
	      "UnidentifiedBulk tag\n"
	      "BulkThreshold 1000000\n"
	      "AuditLog /var/log/consent-milter/audit.log\n"
	      "AuditFsync yes\n"
	      "LogAddresses pseudonymised\n"
	      "Plugin dkim /usr/lib/consent-milter/dkim.so\n");
    ck_assert_str_eq(cfg.socket, "unix:/run/consent-milter/milter.sock");
    ck_assert_str_eq(cfg.user_id, "consent-milter:postfix");
    ck_assert_str_eq(cfg.pid_file, "/run/consent-milter/consent-milter.pid");
    ck_assert_str_eq(cfg.redis, "tcp:redis.example.org:6380");
    ck_assert_str_eq(cfg.redis_host, "redis.example.org");
    ck_assert_int_eq(cfg.redis_port, 6380);
    ck_assert_ptr_null(cfg.redis_path);
    ck_assert_str_eq(cfg.redis_password_file, "/etc/consent-milter/redis.pw");
    ck_assert_int_eq(cfg.redis_timeout_ms, 600000);
    ck_assert_int_eq(cfg.redis_connections, 256);
    ck_assert_str_eq(cfg.key_prefix, "prod:cm:");
    ck_assert_str_eq(cfg.address_key_file, "/etc/consent-milter/address.key");
    ck_assert_str_eq(cfg.campaign_header, "Feedback-ID");
    ck_assert_int_eq(cfg.mode, CM_MODE_DRY_RUN);
    ck_assert_int_eq(cfg.deny_action, CM_DENY_QUARANTINE);
    ck_assert_int_eq(cfg.partial_action, CM_PARTIAL_TEMPFAIL);
    ck_assert_int_eq(cfg.on_error, CM_ONERR_ACCEPT);
    ck_assert_int_eq(cfg.unidentified_bulk, CM_BULK_TAG);
    ck_assert_int_eq(cfg.bulk_threshold, 1000000);
    ck_assert_str_eq(cfg.audit_log, "/var/log/consent-milter/audit.log");
    ck_assert_int_eq(cfg.audit_fsync, 1);
    ck_assert_int_eq(cfg.log_addresses, CM_LOGADDR_PSEUDONYMISED);
    ck_assert_ptr_nonnull(cfg.plugins);
    ck_assert_str_eq(cfg.plugins->name, "dkim");
    ck_assert_str_eq(cfg.plugins->path, "/usr/lib/consent-milter/dkim.so");
    ck_assert_int_eq(cfg.plugins->line, 20);
    ck_assert_ptr_null(cfg.plugins->next);
}
END_TEST

 /*
  * Good values, one key at a time, with the field that must change.
  */
static const struct {
    const char *text;
    size_t  offset;
    int     want;
} good_ints[] = {
    {"RedisTimeout 1", offsetof(cm_config, redis_timeout_ms), 1},
    {"RedisTimeout 0150", offsetof(cm_config, redis_timeout_ms), 150},
    {"RedisConnections 1", offsetof(cm_config, redis_connections), 1},
    {"BulkThreshold 1", offsetof(cm_config, bulk_threshold), 1},
    {"Mode enforce", offsetof(cm_config, mode), CM_MODE_ENFORCE},
    {"Mode DRY-RUN", offsetof(cm_config, mode), CM_MODE_DRY_RUN},
    {"DenyAction reject", offsetof(cm_config, deny_action), CM_DENY_REJECT},
    {"DenyAction tempfail", offsetof(cm_config, deny_action), CM_DENY_TEMPFAIL},
    {"DenyAction Quarantine", offsetof(cm_config, deny_action),
    CM_DENY_QUARANTINE},
    {"DenyAction TAG", offsetof(cm_config, deny_action), CM_DENY_TAG},
    {"PartialAction strip", offsetof(cm_config, partial_action),
    CM_PARTIAL_STRIP},
    {"PartialAction reject", offsetof(cm_config, partial_action),
    CM_PARTIAL_REJECT},
    {"PartialAction tempfail", offsetof(cm_config, partial_action),
    CM_PARTIAL_TEMPFAIL},
    {"OnError tempfail", offsetof(cm_config, on_error), CM_ONERR_TEMPFAIL},
    {"OnError Accept", offsetof(cm_config, on_error), CM_ONERR_ACCEPT},
    {"UnidentifiedBulk reject", offsetof(cm_config, unidentified_bulk),
    CM_BULK_REJECT},
    {"UnidentifiedBulk tempfail", offsetof(cm_config, unidentified_bulk),
    CM_BULK_TEMPFAIL},
    {"UnidentifiedBulk accept", offsetof(cm_config, unidentified_bulk),
    CM_BULK_ACCEPT},
    {"UnidentifiedBulk tag", offsetof(cm_config, unidentified_bulk),
    CM_BULK_TAG},
    {"AuditFsync yes", offsetof(cm_config, audit_fsync), 1},
    {"AuditFsync no", offsetof(cm_config, audit_fsync), 0},
    {"AuditFsync TRUE", offsetof(cm_config, audit_fsync), 1},
    {"AuditFsync false", offsetof(cm_config, audit_fsync), 0},
    {"AuditFsync On", offsetof(cm_config, audit_fsync), 1},
    {"AuditFsync off", offsetof(cm_config, audit_fsync), 0},
    {"AuditFsync 1", offsetof(cm_config, audit_fsync), 1},
    {"AuditFsync 0", offsetof(cm_config, audit_fsync), 0},
    {"LogAddresses plain", offsetof(cm_config, log_addresses),
    CM_LOGADDR_PLAIN},
    {"AddressKeyFile /k\nLogAddresses pseudonymised",
    offsetof(cm_config, log_addresses), CM_LOGADDR_PSEUDONYMISED},
    {"AddressKeyFile /k\nLogAddresses Pseudonymized",
    offsetof(cm_config, log_addresses), CM_LOGADDR_PSEUDONYMISED},
};

START_TEST(test_good_int)
{
    ck_parses(good_ints[_i].text);
    ck_assert_int_eq(*(int *) ((char *) &cfg + good_ints[_i].offset),
		     good_ints[_i].want);
}
END_TEST

START_TEST(test_good_strings)
{
    ck_parses("Socket local:/var/spool/postfix/consent/milter\n"
	      "UserID 117\n"
	      "KeyPrefix a#b\n"
	      "CampaignHeader List-Id\n"
	      "AuditLog /var/log/consent milter/audit.log\n");
    ck_assert_str_eq(cfg.socket, "local:/var/spool/postfix/consent/milter");
    ck_assert_str_eq(cfg.user_id, "117");
    ck_assert_str_eq(cfg.key_prefix, "a#b");
    ck_assert_str_eq(cfg.campaign_header, "List-Id");
    ck_assert_str_eq(cfg.audit_log, "/var/log/consent milter/audit.log");
}
END_TEST

START_TEST(test_socket_forms)
{
    ck_parses("Socket inet:8891@localhost");
    ck_assert_str_eq(cfg.socket, "inet:8891@localhost");
    cm_config_free(&cfg);
    cm_config_init(&cfg);
    ck_parses("Socket inet6:65535@::1");
    ck_assert_str_eq(cfg.socket, "inet6:65535@::1");
    cm_config_free(&cfg);
    cm_config_init(&cfg);
    ck_parses("Socket INET:1@[127.0.0.1]");
    ck_assert_str_eq(cfg.socket, "INET:1@[127.0.0.1]");
}
END_TEST

START_TEST(test_audit_log_none)
{
    ck_parses("AuditLog none");
    ck_assert_ptr_null(cfg.audit_log);
    cm_config_free(&cfg);
    cm_config_init(&cfg);
    ck_parses("AuditLog NONE");
    ck_assert_ptr_null(cfg.audit_log);
}
END_TEST

START_TEST(test_redis_tcp)
{
    ck_parses("Redis tcp:10.1.2.3:1");
    ck_assert_str_eq(cfg.redis, "tcp:10.1.2.3:1");
    ck_assert_str_eq(cfg.redis_host, "10.1.2.3");
    ck_assert_int_eq(cfg.redis_port, 1);
    ck_assert_ptr_null(cfg.redis_path);
}
END_TEST

START_TEST(test_redis_ipv6)
{
    ck_parses("Redis tcp:[::1]:65535");
    ck_assert_str_eq(cfg.redis_host, "::1");
    ck_assert_int_eq(cfg.redis_port, 65535);
    cm_config_free(&cfg);
    cm_config_init(&cfg);
    ck_parses("Redis TCP:::1:6379");
    ck_assert_str_eq(cfg.redis_host, "::1");
    ck_assert_int_eq(cfg.redis_port, 6379);
}
END_TEST

START_TEST(test_redis_unix)
{
    ck_parses("Redis unix:/run/redis/redis-server.sock");
    ck_assert_str_eq(cfg.redis, "unix:/run/redis/redis-server.sock");
    ck_assert_ptr_null(cfg.redis_host);
    ck_assert_int_eq(cfg.redis_port, 0);
    ck_assert_str_eq(cfg.redis_path, "/run/redis/redis-server.sock");
}
END_TEST

START_TEST(test_redis_sentinel)
{
    ck_parses("RedisSentinel 10.0.0.1:26379,[::1]:26380,"
	      "sentinel.example.org:1 mymaster");
    ck_assert_str_eq(cfg.redis_sentinel, "10.0.0.1:26379,[::1]:26380,"
		     "sentinel.example.org:1 mymaster");
    ck_assert_int_eq(cfg.redis_sentinel_count, 3);
    ck_assert_str_eq(cfg.redis_sentinels[0].host, "10.0.0.1");
    ck_assert_int_eq(cfg.redis_sentinels[0].port, 26379);
    ck_assert_str_eq(cfg.redis_sentinels[1].host, "::1");
    ck_assert_int_eq(cfg.redis_sentinels[1].port, 26380);
    ck_assert_str_eq(cfg.redis_sentinels[2].host, "sentinel.example.org");
    ck_assert_int_eq(cfg.redis_sentinels[2].port, 1);
    ck_assert_str_eq(cfg.redis_sentinel_master, "mymaster");
    /* Redis keeps its default, unused. */
    ck_assert_str_eq(cfg.redis, "tcp:127.0.0.1:6379");
    cm_config_free(&cfg);
    cm_config_init(&cfg);
    ck_parses("redissentinel \t 127.0.0.1:26379 \t cm.primary-1 # one\n");
    ck_assert_int_eq(cfg.redis_sentinel_count, 1);
    ck_assert_str_eq(cfg.redis_sentinels[0].host, "127.0.0.1");
    ck_assert_str_eq(cfg.redis_sentinel_master, "cm.primary-1");
}
END_TEST

START_TEST(test_redis_sentinel_max)
{
    char    text[600];
    char    want[200];
    size_t  n = 0;
    int     i;

    n = snprintf(text, sizeof(text), "RedisSentinel ");
    for (i = 0; i < CM_SENTINEL_MAX; i++)
	n += snprintf(text + n, sizeof(text) - n, "%sh%d:%d", i ? "," : "",
		      i, 26379 + i);
    snprintf(text + n, sizeof(text) - n, " m");
    ck_parses(text);
    ck_assert_int_eq(cfg.redis_sentinel_count, CM_SENTINEL_MAX);
    ck_assert_str_eq(cfg.redis_sentinels[CM_SENTINEL_MAX - 1].host, "h15");
    cm_config_free(&cfg);
    cm_config_init(&cfg);
    snprintf(text + n, sizeof(text) - n, ",h16:1 m");
    ck_assert_int_eq(parse(text), -1);
    snprintf(want, sizeof(want), "(at most %d sentinels)", CM_SENTINEL_MAX);
    ck_assert_msg(strstr(err, "t.conf:1: RedisSentinel: bad value") == err
		  && strstr(err, want) != 0, "%s", err);
}
END_TEST

START_TEST(test_redis_replica)
{
    ck_parses("RedisReplica tcp:10.0.0.2:6380");
    ck_assert_str_eq(cfg.redis_replica, "tcp:10.0.0.2:6380");
    ck_assert_str_eq(cfg.redis_replica_host, "10.0.0.2");
    ck_assert_int_eq(cfg.redis_replica_port, 6380);
    ck_assert_ptr_null(cfg.redis_replica_path);
    /* The primary is unchanged. */
    ck_assert_str_eq(cfg.redis_host, "127.0.0.1");
    cm_config_free(&cfg);
    cm_config_init(&cfg);
    ck_parses("RedisSentinel 127.0.0.1:26379 m\n"
	      "RedisReplica unix:/run/redis/replica.sock\n");
    ck_assert_ptr_null(cfg.redis_replica_host);
    ck_assert_str_eq(cfg.redis_replica_path, "/run/redis/replica.sock");
}
END_TEST

START_TEST(test_redis_and_sentinel)
{
    ck_fails("Redis tcp:127.0.0.1:6379\n"
	     "RedisSentinel 127.0.0.1:26379 mymaster\n",
	     "t.conf:2: RedisSentinel: cannot be used together with Redis"
	     " (line 1): remove one of them");
    cm_config_free(&cfg);
    cm_config_init(&cfg);
    ck_fails("REDISSENTINEL 127.0.0.1:26379 mymaster\n# comment\n"
	     "redis unix:/run/redis.sock\n",
	     "t.conf:1: REDISSENTINEL: cannot be used together with redis"
	     " (line 3): remove one of them");
}
END_TEST

 /*
  * Bad values: every key, each message in full.
  */
static const struct {
    const char *text;
    const char *err;
} bad[] = {
    {"Socket foo", "t.conf:1: Socket: bad value \"foo\" (expected"
    " unix:/path, local:/path, inet:port@host or inet6:port@host)"},
    {"Socket /run/milter.sock", "t.conf:1: Socket: bad value"
    " \"/run/milter.sock\" (expected unix:/path, local:/path,"
    " inet:port@host or inet6:port@host)"},
    {"Socket unix:milter.sock", "t.conf:1: Socket: bad value"
    " \"unix:milter.sock\" (the socket path must be absolute)"},
    {"Socket local:", "t.conf:1: Socket: bad value \"local:\""
    " (the socket path must be absolute)"},
    {"Socket inet:8891", "t.conf:1: Socket: bad value \"inet:8891\""
    " (expected inet:port@host or inet6:port@host)"},
    {"Socket inet:8891@", "t.conf:1: Socket: bad value \"inet:8891@\""
    " (expected inet:port@host or inet6:port@host)"},
    {"Socket inet:0@127.0.0.1", "t.conf:1: Socket: bad value"
    " \"inet:0@127.0.0.1\" (the port must be a number from 1 to 65535)"},
    {"Socket inet6:65536@::1", "t.conf:1: Socket: bad value"
    " \"inet6:65536@::1\" (the port must be a number from 1 to 65535)"},
    {"Socket inet:milter@localhost", "t.conf:1: Socket: bad value"
    " \"inet:milter@localhost\" (the port must be a number from 1 to 65535)"},
    {"UserID :postfix", "t.conf:1: UserID: bad value \":postfix\""
    " (expected user or user:group)"},
    {"UserID cm:", "t.conf:1: UserID: bad value \"cm:\""
    " (expected user or user:group)"},
    {"UserID a:b:c", "t.conf:1: UserID: bad value \"a:b:c\""
    " (expected user or user:group)"},
    {"UserID consent milter", "t.conf:1: UserID: bad value"
    " \"consent milter\" (expected user or user:group)"},
    {"PidFile run/cm.pid", "t.conf:1: PidFile: bad value \"run/cm.pid\""
    " (expected an absolute path)"},
    {"Redis localhost:6379", "t.conf:1: Redis: bad value"
    " \"localhost:6379\" (expected tcp:host:port or unix:/path)"},
    {"Redis tcp:localhost", "t.conf:1: Redis: bad value"
    " \"tcp:localhost\" (expected tcp:host:port or unix:/path)"},
    {"Redis tcp::6379", "t.conf:1: Redis: bad value"
    " \"tcp::6379\" (expected tcp:host:port or unix:/path)"},
    {"Redis tcp:[]:6379", "t.conf:1: Redis: bad value"
    " \"tcp:[]:6379\" (expected tcp:host:port or unix:/path)"},
    {"Redis tcp:localhost:", "t.conf:1: Redis: bad value"
    " \"tcp:localhost:\" (the port must be a number from 1 to 65535)"},
    {"Redis tcp:localhost:0", "t.conf:1: Redis: bad value"
    " \"tcp:localhost:0\" (the port must be a number from 1 to 65535)"},
    {"Redis tcp:localhost:70000", "t.conf:1: Redis: bad value"
    " \"tcp:localhost:70000\" (the port must be a number from 1 to 65535)"},
    {"Redis tcp:localhost:-1", "t.conf:1: Redis: bad value"
    " \"tcp:localhost:-1\" (the port must be a number from 1 to 65535)"},
    {"RedisSentinel 127.0.0.1:26379", "t.conf:1: RedisSentinel: bad value"
    " \"127.0.0.1:26379\" (expected host:port[,host:port...] and the"
    " master name)"},
    {"RedisSentinel mymaster", "t.conf:1: RedisSentinel: bad value"
    " \"mymaster\" (expected host:port[,host:port...] and the"
    " master name)"},
    {"RedisSentinel a:1 b:2 m", "t.conf:1: RedisSentinel: bad value"
    " \"a:1 b:2 m\" (expected host:port[,host:port...] and the"
    " master name)"},
    {"RedisSentinel a:1, m", "t.conf:1: RedisSentinel: bad value"
    " \"a:1, m\" (expected host:port[,host:port...] and the master name)"},
    {"RedisSentinel a:1,,b:2 m", "t.conf:1: RedisSentinel: bad value"
    " \"a:1,,b:2 m\" (expected host:port[,host:port...] and the"
    " master name)"},
    {"RedisSentinel :26379 m", "t.conf:1: RedisSentinel: bad value"
    " \":26379 m\" (expected host:port[,host:port...] and the"
    " master name)"},
    {"RedisSentinel tcp:a:1 m", "t.conf:1: RedisSentinel: bad value"
    " \"tcp:a:1 m\" (a sentinel is written host:port, without tcp:)"},
    {"RedisSentinel a:1,TCP:b:2 m", "t.conf:1: RedisSentinel: bad value"
    " \"a:1,TCP:b:2 m\" (a sentinel is written host:port, without tcp:)"},
    {"RedisSentinel a:0 m", "t.conf:1: RedisSentinel: bad value"
    " \"a:0 m\" (the port must be a number from 1 to 65535)"},
    {"RedisSentinel a:1,b:x m", "t.conf:1: RedisSentinel: bad value"
    " \"a:1,b:x m\" (the port must be a number from 1 to 65535)"},
    {"RedisSentinel a:1 " "mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm"
    "mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm",
    "t.conf:1: RedisSentinel: bad value \"a:1 "
    "mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm"
    "mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm...\" (the master name"
    " must be at most 128 bytes)"},
    {"RedisReplica 10.0.0.2:6379", "t.conf:1: RedisReplica: bad value"
    " \"10.0.0.2:6379\" (expected tcp:host:port or unix:/path)"},
    {"RedisReplica tcp:10.0.0.2:99999", "t.conf:1: RedisReplica: bad value"
    " \"tcp:10.0.0.2:99999\" (the port must be a number from 1 to 65535)"},
    {"RedisReplica unix:replica.sock", "t.conf:1: RedisReplica: bad value"
    " \"unix:replica.sock\" (the unix socket path must be absolute)"},
    {"Redis unix:redis.sock", "t.conf:1: Redis: bad value"
    " \"unix:redis.sock\" (the unix socket path must be absolute)"},
    {"Redis unix:", "t.conf:1: Redis: bad value"
    " \"unix:\" (the unix socket path must be absolute)"},
    {"RedisPasswordFile redis.pw", "t.conf:1: RedisPasswordFile: bad value"
    " \"redis.pw\" (expected an absolute path)"},
    {"RedisTimeout -5", "t.conf:1: RedisTimeout: bad value \"-5\""
    " (expected a number from 1 to 600000)"},
    {"RedisTimeout 0", "t.conf:1: RedisTimeout: bad value \"0\""
    " (expected a number from 1 to 600000)"},
    {"RedisTimeout 600001", "t.conf:1: RedisTimeout: bad value \"600001\""
    " (expected a number from 1 to 600000)"},
    {"RedisTimeout 2s", "t.conf:1: RedisTimeout: bad value \"2s\""
    " (expected a number from 1 to 600000)"},
    {"RedisTimeout +5", "t.conf:1: RedisTimeout: bad value \"+5\""
    " (expected a number from 1 to 600000)"},
    {"RedisTimeout 99999999999999999999", "t.conf:1: RedisTimeout: bad"
    " value \"99999999999999999999\" (expected a number from 1 to 600000)"},
    {"RedisConnections 0", "t.conf:1: RedisConnections: bad value \"0\""
    " (expected a number from 1 to 256)"},
    {"RedisConnections 257", "t.conf:1: RedisConnections: bad value \"257\""
    " (expected a number from 1 to 256)"},
    {"KeyPrefix cm: prod", "t.conf:1: KeyPrefix: bad value \"cm: prod\""
    " (expected 1 to 64 characters without white space)"},
    {"KeyPrefix 12345678901234567890123456789012345678901234567890123456789"
	"012345", "t.conf:1: KeyPrefix: bad value \"12345678901234567890"
	"123456789012345678901234567890123456789012345\" (expected 1 to 64"
    " characters without white space)"},
    {"AddressKeyFile address.key", "t.conf:1: AddressKeyFile: bad value"
    " \"address.key\" (expected an absolute path)"},
    {"CampaignHeader X-Campaign:", "t.conf:1: CampaignHeader: bad value"
    " \"X-Campaign:\" (expected a header name: printable ASCII without"
    " spaces or colon)"},
    {"CampaignHeader X Campaign", "t.conf:1: CampaignHeader: bad value"
    " \"X Campaign\" (expected a header name: printable ASCII without"
    " spaces or colon)"},
    {"CampaignHeader X-Kampagne-\xc3\xa4", "t.conf:1: CampaignHeader: bad"
    " value \"X-Kampagne-\\xC3\\xA4\" (expected a header name: printable"
    " ASCII without spaces or colon)"},
    {"Mode enforcing", "t.conf:1: Mode: bad value \"enforcing\""
    " (expected enforce or dry-run)"},
    {"Mode dry run", "t.conf:1: Mode: bad value \"dry run\""
    " (expected enforce or dry-run)"},
    {"DenyAction drop", "t.conf:1: DenyAction: bad value \"drop\""
    " (expected reject, tempfail, quarantine or tag)"},
    {"PartialAction accept", "t.conf:1: PartialAction: bad value \"accept\""
    " (expected strip, reject or tempfail)"},
    {"OnError ignore", "t.conf:1: OnError: bad value \"ignore\""
    " (expected tempfail or accept)"},
    {"UnidentifiedBulk pass", "t.conf:1: UnidentifiedBulk: bad value"
    " \"pass\" (expected reject, tempfail, accept or tag)"},
    {"BulkThreshold 0", "t.conf:1: BulkThreshold: bad value \"0\""
    " (expected a number from 1 to 1000000)"},
    {"BulkThreshold 1000001", "t.conf:1: BulkThreshold: bad value"
    " \"1000001\" (expected a number from 1 to 1000000)"},
    {"BulkThreshold 1e3", "t.conf:1: BulkThreshold: bad value \"1e3\""
    " (expected a number from 1 to 1000000)"},
    {"AuditLog audit.log", "t.conf:1: AuditLog: bad value \"audit.log\""
    " (expected an absolute path or none)"},
    {"AuditFsync maybe", "t.conf:1: AuditFsync: bad value \"maybe\""
    " (expected yes or no)"},
    {"LogAddresses hashed", "t.conf:1: LogAddresses: bad value \"hashed\""
    " (expected plain or pseudonymised)"},
    {"Plugin dkim", "t.conf:1: Plugin: bad value \"dkim\" (expected a"
    " plugin name, then an absolute path or a file name in the plugin"
    " directory)"},
    {"Plugin dkim lib/dkim.so", "t.conf:1: Plugin: bad value"
    " \"dkim lib/dkim.so\" (expected a plugin name, then an absolute path"
    " or a file name in the plugin directory)"},
    {"Plugin DKIM /usr/lib/dkim.so", "t.conf:1: Plugin: bad value"
    " \"DKIM /usr/lib/dkim.so\" (expected a plugin name of 1 to 32"
    " characters from a-z, 0-9, _ and -, then a path)"},
    {"Plugin d.kim /usr/lib/dkim.so", "t.conf:1: Plugin: bad value"
    " \"d.kim /usr/lib/dkim.so\" (expected a plugin name of 1 to 32"
    " characters from a-z, 0-9, _ and -, then a path)"},
    {"Plugin abcdefghijklmnopqrstuvwxyz0123456 /p.so", "t.conf:1: Plugin:"
    " bad value \"abcdefghijklmnopqrstuvwxyz0123456 /p.so\" (expected a"
    " plugin name of 1 to 32 characters from a-z, 0-9, _ and -, then a"
    " path)"},
    /* Key spelled as in the file; error on a later line. */
    {"# consent-milter\n\nmode enforcing\n", "t.conf:3: mode: bad value"
    " \"enforcing\" (expected enforce or dry-run)"},
    /* Shown safely: tab and backslash as \xNN. */
    {"Mode dry\trun", "t.conf:1: Mode: bad value \"dry\\x09run\""
    " (expected enforce or dry-run)"},
    {"PidFile C:\\cm.pid", "t.conf:1: PidFile: bad value \"C:\\x5Ccm.pid\""
    " (expected an absolute path)"},
};

START_TEST(test_bad_value)
{
    ck_fails(bad[_i].text, bad[_i].err);
}
END_TEST

 /*
  * Every key without a value.
  */
static const char *const all_keys[] = {
    "Socket", "UserID", "PidFile", "Redis", "RedisSentinel", "RedisReplica",
    "RedisPasswordFile",
    "RedisTimeout", "RedisConnections", "KeyPrefix", "AddressKeyFile",
    "CampaignHeader", "Mode", "DenyAction", "PartialAction", "OnError",
    "UnidentifiedBulk", "BulkThreshold", "AuditLog", "AuditFsync",
    "LogAddresses", "Plugin",
};

START_TEST(test_missing_value)
{
    char    text[100];
    char    want[100];

    snprintf(text, sizeof(text), "\n%s\n", all_keys[_i]);
    snprintf(want, sizeof(want), "t.conf:2: %s: missing value", all_keys[_i]);
    ck_fails(text, want);
    cm_config_free(&cfg);
    cm_config_init(&cfg);
    snprintf(text, sizeof(text), "%s \t # nothing here\n", all_keys[_i]);
    snprintf(want, sizeof(want), "t.conf:1: %s: missing value", all_keys[_i]);
    ck_fails(text, want);
}
END_TEST

START_TEST(test_case_insensitive_keys)
{
    ck_parses("SOCKET unix:/run/cm.sock\n"
	      "redistimeout 5\n"
	      "mOdE Dry-Run\n"
	      "auditfsync YES\n"
	      "logaddresses PSEUDONYMISED\n"
	      "addresskeyfile /etc/cm.key\n"
	      "plugin dkim /p/dkim.so\n");
    ck_assert_str_eq(cfg.socket, "unix:/run/cm.sock");
    ck_assert_int_eq(cfg.redis_timeout_ms, 5);
    ck_assert_int_eq(cfg.mode, CM_MODE_DRY_RUN);
    ck_assert_int_eq(cfg.audit_fsync, 1);
    ck_assert_int_eq(cfg.log_addresses, CM_LOGADDR_PSEUDONYMISED);
    ck_assert_str_eq(cfg.plugins->name, "dkim");
}
END_TEST

START_TEST(test_comments)
{
    ck_parses("# consent-milter.conf\n"
	      "\n"
	      "   \n"
	      "\t\n"
	      "  # indented comment\n"
	      "#Mode dry-run\n"
	      "Mode dry-run # trailing comment\n"
	      "BulkThreshold\t100\t#\ttab before the comment\n"
	      "KeyPrefix x#y #a '#' inside a word is kept\n"
	      "   DenyAction   tag   \n"
	      "CampaignHeader X-Campaign-ID#\n");
    ck_assert_int_eq(cfg.mode, CM_MODE_DRY_RUN);
    ck_assert_int_eq(cfg.bulk_threshold, 100);
    ck_assert_str_eq(cfg.key_prefix, "x#y");
    ck_assert_int_eq(cfg.deny_action, CM_DENY_TAG);
    ck_assert_str_eq(cfg.campaign_header, "X-Campaign-ID#");
}
END_TEST

START_TEST(test_no_final_newline)
{
    ck_parses("Mode enforce\nBulkThreshold 7");
    ck_assert_int_eq(cfg.bulk_threshold, 7);
}
END_TEST

START_TEST(test_repeated_key)
{
    ck_fails("Mode enforce\nMode dry-run\n",
	     "t.conf:2: Mode: given twice, first at line 1");
}
END_TEST

START_TEST(test_repeated_key_other_case)
{
    ck_fails("# x\nAuditLog /var/log/a\n\nauditlog none\n",
	     "t.conf:4: auditlog: given twice, first at line 2");
}
END_TEST

START_TEST(test_unknown_key)
{
    ck_fails("Mode enforce\nFoo bar\n", "t.conf:2: Foo: unknown key");
}
END_TEST

START_TEST(test_unknown_key_suggest)
{
    /* Issue 15, point 2: a typo of a core key names the nearest one. */
    ck_fails("Sockett unix:/x", "t.conf:1: Sockett: unknown key (did you mean Socket?)");
    ck_fails("denyactoin tag", "t.conf:1: denyactoin: unknown key (did you mean DenyAction?)");
    ck_fails("UserId x\nUsrID y", "t.conf:2: UsrID: unknown key (did you mean UserID?)");
    ck_fails("Mod enforce", "t.conf:1: Mod: unknown key (did you mean Mode?)");
    ck_fails("Md enforce", "t.conf:1: Md: unknown key");
    ck_fails("Frobnicate x", "t.conf:1: Frobnicate: unknown key");
    ck_assert_ptr_null(cm_config_suggest("Socket"));
}
END_TEST

START_TEST(test_logging_keys)
{
    ck_assert_int_eq(cfg.consent_header, CM_CHDR_CAMPAIGN);
    ck_assert_int_eq(cfg.syslog_facility, LOG_MAIL);
    ck_assert_int_eq(cfg.log_why, 0);
    ck_parses("ConsentHeader FULL\nSyslogFacility local7\nLogWhy yes\n");
    ck_assert_int_eq(cfg.consent_header, CM_CHDR_FULL);
    ck_assert_str_eq(cm_consent_header_name(cfg.consent_header), "full");
    ck_assert_int_eq(cfg.syslog_facility, LOG_LOCAL7);
    ck_assert_str_eq(cm_syslog_facility_name(cfg.syslog_facility), "local7");
    ck_assert_int_eq(cfg.log_why, 1);
    cm_config_free(&cfg);
    cm_config_init(&cfg);
    ck_fails("ConsentHeader counts", "t.conf:1: ConsentHeader: bad value "
	     "\"counts\" (expected campaign, full or none)");
}
END_TEST

START_TEST(test_where)
{
    char    buf[256];

    ck_parses("# c\nUserID nobody\n");
    cfg.file = strdup("t.conf");		/* as cm_config_load() would */
    ck_assert_str_eq(cm_config_where(&cfg, "UserID", buf, sizeof(buf)),
		     "t.conf:2: UserID");
    ck_assert_str_eq(cm_config_where(&cfg, "Redis", buf, sizeof(buf)),
		     "t.conf: Redis (default)");
}
END_TEST

START_TEST(test_restart_keys)
{
    cm_config next;
    const char *key;
    char    changed[512] = "";
    int     n;

    /* A reload: which changes take a restart, and keeping the old value. */
    ck_parses("Socket unix:/a.sock\nRedisReplica unix:/r.sock\n"
	      "Plugin x /x.so\nx.Opt 1\nMode enforce\n");
    cm_config_init(&next);
    ck_assert_int_eq(cm_config_parse(&next, "t.conf", "Socket unix:/b.sock\n"
				     "Plugin x /x.so\nx.Opt 2\n"
				     "Mode dry-run\n", err, sizeof(err)), 0);
    for (n = 0; (key = cm_config_restart_key(&cfg, &next, n)) != 0; n++) {
	if (*key == 0)
	    continue;
	strcat(changed, key);
	strcat(changed, " ");
	cm_config_keep_key(&next, &cfg, key);
    }
    ck_assert_str_eq(changed, "Socket RedisReplica Plugin ");
    ck_assert_str_eq(next.socket, "unix:/a.sock");
    ck_assert_str_eq(next.redis_replica_path, "/r.sock");
    ck_assert_str_eq(next.plugin_opts->value, "1");
    ck_assert_int_eq(next.mode, CM_MODE_DRY_RUN);	/* reloadable */
    for (n = 0; (key = cm_config_restart_key(&cfg, &next, n)) != 0; n++)
	ck_assert_str_eq(key, "");
    cm_config_free(&next);
}
END_TEST

START_TEST(test_unknown_key_forms)
{
    ck_fails("Foo", "t.conf:1: Foo: unknown key");
    ck_fails("Mode=dry-run", "t.conf:1: Mode=dry-run: unknown key");
    ck_fails("dkim. x", "t.conf:1: dkim.: unknown key");
    ck_fails(".Key x", "t.conf:1: .Key: unknown key");
    ck_fails("dk!m.Key x", "t.conf:1: dk!m.Key: unknown key");
    ck_fails("dkim.a.b x", "t.conf:1: dkim.a.b: unknown key");
    ck_fails("Mode\xc3\xa9 x", "t.conf:1: Mode\\xC3\\xA9: unknown key");
}
END_TEST

START_TEST(test_first_error_wins)
{
    ck_fails("Mode enforce\nFoo 1\nBar 2\nMode x\n",
	     "t.conf:2: Foo: unknown key");
}
END_TEST

START_TEST(test_plugins)
{
    const cm_plugin_conf *pc;
    const cm_plugin_opt *po;

    ck_parses("dkim.Require campaign-header\n"
	      "Plugin dkim /usr/lib/consent-milter/dkim.so\n"
	      "DKIM.TrustedDomains example.org example.net\n"
	      "Plugin optout_2  /usr/lib/consent milter/optout.so  # ok\n"
	      "optout_2.RequireOneClick yes\n"
	      "dkim.TrustedDomains example.com\n");
    pc = cfg.plugins;
    ck_assert_str_eq(pc->name, "dkim");
    ck_assert_str_eq(pc->path, "/usr/lib/consent-milter/dkim.so");
    ck_assert_int_eq(pc->line, 2);
    pc = pc->next;
    ck_assert_str_eq(pc->name, "optout_2");
    ck_assert_str_eq(pc->path, "/usr/lib/consent milter/optout.so");
    ck_assert_int_eq(pc->line, 4);
    ck_assert_ptr_null(pc->next);

    po = cfg.plugin_opts;
    ck_assert_str_eq(po->plugin, "dkim");
    ck_assert_str_eq(po->key, "Require");
    ck_assert_str_eq(po->value, "campaign-header");
    ck_assert_int_eq(po->line, 1);
    po = po->next;
    ck_assert_str_eq(po->plugin, "dkim");
    ck_assert_str_eq(po->key, "TrustedDomains");
    ck_assert_str_eq(po->value, "example.org example.net");
    ck_assert_int_eq(po->line, 3);
    po = po->next;
    ck_assert_str_eq(po->plugin, "optout_2");
    ck_assert_str_eq(po->key, "RequireOneClick");
    ck_assert_str_eq(po->value, "yes");
    ck_assert_int_eq(po->line, 5);
    po = po->next;
    ck_assert_str_eq(po->plugin, "dkim");
    ck_assert_str_eq(po->value, "example.com");
    ck_assert_int_eq(po->line, 6);
    ck_assert_ptr_null(po->next);
}
END_TEST

START_TEST(test_plugin_undeclared)
{
    ck_fails("Plugin dkim /p/dkim.so\n"
	     "dkim.Require none\n"
	     "optout.RequireOneClick yes\n",
	     "t.conf:3: optout.RequireOneClick: no Plugin line declares"
	     " \"optout\"");
}
END_TEST

START_TEST(test_plugin_option_missing_value)
{
    ck_fails("Plugin dkim /p/dkim.so\ndkim.Require\n",
	     "t.conf:2: dkim.Require: missing value");
}
END_TEST

START_TEST(test_plugin_duplicate)
{
    ck_fails("Plugin dkim /p/dkim.so\n"
	     "Plugin optout /p/optout.so\n"
	     "Plugin dkim /p/other.so\n",
	     "t.conf:3: Plugin: plugin \"dkim\" given twice, first at line 1");
}
END_TEST

START_TEST(test_pseudonymised_needs_key)
{
    ck_fails("Mode enforce\nlogaddresses pseudonymized\n",
	     "t.conf:2: logaddresses: pseudonymised needs AddressKeyFile");
}
END_TEST

START_TEST(test_pseudonymised_key_later)
{
    /* The cross-check runs after the whole file: order does not matter. */
    ck_parses("LogAddresses pseudonymised\nAddressKeyFile /etc/cm.key\n");
    ck_assert_int_eq(cfg.log_addresses, CM_LOGADDR_PSEUDONYMISED);
}
END_TEST

START_TEST(test_long_line)
{
    char   *text = malloc(CM_CONFIG_LINE_MAX + 32);
    size_t  n;

    ck_assert_ptr_nonnull(text);

    /* Exactly CM_CONFIG_LINE_MAX bytes is fine. */
    n = snprintf(text, 32, "Mode enforce\nPidFile /");
    memset(text + n, 'a', CM_CONFIG_LINE_MAX - 9);
    text[n + CM_CONFIG_LINE_MAX - 9] = 0;
    ck_assert_uint_eq(strlen(text), 13 + CM_CONFIG_LINE_MAX);
    ck_parses(text);
    ck_assert_uint_eq(strlen(cfg.pid_file), CM_CONFIG_LINE_MAX - 8);
    cm_config_free(&cfg);
    cm_config_init(&cfg);

    /* One more byte is not. */
    memset(text + 13, '#', CM_CONFIG_LINE_MAX + 1);
    strcpy(text + 13 + CM_CONFIG_LINE_MAX + 1, "\n");
    ck_fails(text, "t.conf:2: line too long (over 4096 bytes)");
    free(text);
}
END_TEST

START_TEST(test_long_value_shown_cut)
{
    char    text[300];
    char    want[300];

    memcpy(text, "Mode ", 5);
    memset(text + 5, 'x', 200);
    text[205] = 0;
    memcpy(want, "t.conf:1: Mode: bad value \"", 27);
    memset(want + 27, 'x', 77);
    strcpy(want + 27 + 77, "...\" (expected enforce or dry-run)");
    ck_fails(text, want);

    /* 80 bytes are shown whole. */
    text[85] = 0;
    memset(want + 27, 'x', 80);
    strcpy(want + 27 + 80, "\" (expected enforce or dry-run)");
    ck_fails(text, want);

    /* An escape is never cut in half. */
    strcpy(text + 5 + 73, "\t\ty");
    memset(want + 27, 'x', 73);
    strcpy(want + 27 + 73, "\\x09...\" (expected enforce or dry-run)");
    ck_fails(text, want);
}
END_TEST

START_TEST(test_control_chars)
{
    ck_fails("Mode enforce\nMode\x01 enforce\n",
	     "t.conf:2: control character \\x01 in line");
    ck_fails("# \x1b[31m red\n", "t.conf:1: control character \\x1B in line");
    ck_fails("KeyPrefix cm\x7f\n", "t.conf:1: control character \\x7F in line");
    ck_fails("Mode enforce\r\n",
	     "t.conf:1: carriage return in line (DOS line endings?)");
    ck_fails("\v\n", "t.conf:1: control character \\x0B in line");
}
END_TEST

START_TEST(test_tab_allowed)
{
    ck_parses("\tMode\tdry-run\t# tab\t\n");
    ck_assert_int_eq(cfg.mode, CM_MODE_DRY_RUN);
}
END_TEST

START_TEST(test_load_ok)
{
    char    path[64];
    const char text[] = "Mode dry-run\nBulkThreshold 3\n";

    write_file(path, text, sizeof(text) - 1);
    ck_assert_int_eq(cm_config_load(&cfg, path, err, sizeof(err)), 0);
    ck_assert_str_eq(cfg.file, path);
    ck_assert_int_eq(cfg.mode, CM_MODE_DRY_RUN);
    ck_assert_int_eq(cfg.bulk_threshold, 3);
    unlink(path);
}
END_TEST

START_TEST(test_load_error_names_file)
{
    char    path[64];
    char    want[200];
    const char text[] = "Mode dry-run\n\nRedisTimeout -5\n";

    write_file(path, text, sizeof(text) - 1);
    ck_assert_int_eq(cm_config_load(&cfg, path, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s:3: RedisTimeout: bad value \"-5\""
	     " (expected a number from 1 to 600000)", path);
    ck_assert_str_eq(err, want);
    unlink(path);
}
END_TEST

START_TEST(test_load_nul)
{
    char    path[64];
    char    want[200];
    const char text[] = "Mode enforce\nMo\0de dry-run\n";

    write_file(path, text, sizeof(text) - 1);
    ck_assert_int_eq(cm_config_load(&cfg, path, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s:2: NUL byte in line", path);
    ck_assert_str_eq(err, want);
    unlink(path);
}
END_TEST

START_TEST(test_load_missing)
{
    ck_assert_int_eq(cm_config_load(&cfg, "/nonexistent/consent-milter.conf",
				     err, sizeof(err)), -1);
    ck_assert_str_eq(err, "/nonexistent/consent-milter.conf: cannot read:"
		     " No such file or directory");
    ck_assert_str_eq(cfg.file, "/nonexistent/consent-milter.conf");
}
END_TEST

START_TEST(test_load_directory)
{
    ck_assert_int_eq(cm_config_load(&cfg, "/", err, sizeof(err)), -1);
    ck_assert_str_eq(err, "/: cannot read: Is a directory");
}
END_TEST

START_TEST(test_no_error_buffer)
{
    ck_assert_int_eq(cm_config_parse(&cfg, "t.conf", "Foo 1", 0, 0), -1);
    ck_assert_int_eq(cm_config_parse(&cfg, "t.conf", "Mode x", err, 1), -1);
    ck_assert_str_eq(err, "");
    ck_assert_int_eq(cm_config_load(&cfg, "/nonexistent", 0, 0), -1);
}
END_TEST

START_TEST(test_small_error_buffer)
{
    ck_assert_int_eq(cm_config_parse(&cfg, "t.conf", "Foo 1", err, 12), -1);
    ck_assert_str_eq(err, "t.conf:1: F");
}
END_TEST

START_TEST(test_free_and_reuse)
{
    ck_parses("Socket unix:/a\nUserID cm\nPidFile /p\nRedis unix:/r\n"
	      "RedisPasswordFile /pw\nAddressKeyFile /k\nAuditLog /a\n"
	      "Plugin a /a.so\na.X 1\nRedisReplica tcp:r:1\n");
    cm_config_free(&cfg);
    ck_assert_ptr_null(cfg.socket);
    ck_assert_ptr_null(cfg.plugins);
    ck_assert_ptr_null(cfg.redis_replica_host);
    cm_config_init(&cfg);
    ck_parses("RedisSentinel a:1,b:2 m\nRedisReplica unix:/r\n");
    cm_config_free(&cfg);
    ck_assert_ptr_null(cfg.redis_sentinels);
    ck_assert_int_eq(cfg.redis_sentinel_count, 0);
    cm_config_free(&cfg);			/* twice is harmless */
    cm_config_init(&cfg);
    ck_assert_str_eq(cfg.redis_host, "127.0.0.1");
    ck_parses("Mode dry-run");
    ck_assert_int_eq(cfg.mode, CM_MODE_DRY_RUN);
}
END_TEST

START_TEST(test_names)
{
    ck_assert_str_eq(cm_mode_name(CM_MODE_ENFORCE), "enforce");
    ck_assert_str_eq(cm_mode_name(CM_MODE_DRY_RUN), "dry-run");
    ck_assert_str_eq(cm_deny_action_name(CM_DENY_REJECT), "reject");
    ck_assert_str_eq(cm_deny_action_name(CM_DENY_TEMPFAIL), "tempfail");
    ck_assert_str_eq(cm_deny_action_name(CM_DENY_QUARANTINE), "quarantine");
    ck_assert_str_eq(cm_deny_action_name(CM_DENY_TAG), "tag");
    ck_assert_str_eq(cm_partial_action_name(CM_PARTIAL_STRIP), "strip");
    ck_assert_str_eq(cm_partial_action_name(CM_PARTIAL_REJECT), "reject");
    ck_assert_str_eq(cm_partial_action_name(CM_PARTIAL_TEMPFAIL), "tempfail");
    ck_assert_str_eq(cm_on_error_name(CM_ONERR_TEMPFAIL), "tempfail");
    ck_assert_str_eq(cm_on_error_name(CM_ONERR_ACCEPT), "accept");
    ck_assert_str_eq(cm_bulk_action_name(CM_BULK_REJECT), "reject");
    ck_assert_str_eq(cm_bulk_action_name(CM_BULK_TEMPFAIL), "tempfail");
    ck_assert_str_eq(cm_bulk_action_name(CM_BULK_ACCEPT), "accept");
    ck_assert_str_eq(cm_bulk_action_name(CM_BULK_TAG), "tag");
    ck_assert_str_eq(cm_log_addresses_name(CM_LOGADDR_PLAIN), "plain");
    ck_assert_str_eq(cm_log_addresses_name(CM_LOGADDR_PSEUDONYMISED),
		     "pseudonymised");
    ck_assert_str_eq(cm_mode_name((cm_mode) 42), "unknown");
}
END_TEST

START_TEST(test_sample_config)
{
    const char *top = getenv("CM_SRCDIR");
    char    path[4096];

    /* make check exports CM_SRCDIR; by hand, run from the top directory. */
    snprintf(path, sizeof(path), "%s/conf/consent-milter.conf",
	     top ? top : ".");
    ck_assert_msg(cm_config_load(&cfg, path, err, sizeof(err)) == 0,
		  "%s", err);
    ck_assert_str_eq(cfg.socket,
		     "unix:/var/spool/postfix/consent-milter/consent-milter.sock");
    ck_assert_str_eq(cfg.redis, "tcp:127.0.0.1:6379");
    ck_assert_str_eq(cfg.audit_log, "/var/log/consent-milter/audit.log");
    ck_assert_int_eq(cfg.mode, CM_MODE_ENFORCE);
    ck_assert_ptr_null(cfg.plugins);
}
END_TEST

/* config_suite - all of the above */

static Suite *config_suite(void)
{
    Suite  *s = suite_create("config");
    TCase  *tc = tcase_create("config");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_every_key);
    tcase_add_loop_test(tc, test_good_int, 0,
			sizeof(good_ints) / sizeof(good_ints[0]));
    tcase_add_test(tc, test_good_strings);
    tcase_add_test(tc, test_socket_forms);
    tcase_add_test(tc, test_audit_log_none);
    tcase_add_test(tc, test_redis_tcp);
    tcase_add_test(tc, test_redis_ipv6);
    tcase_add_test(tc, test_redis_unix);
    tcase_add_test(tc, test_redis_sentinel);
    tcase_add_test(tc, test_redis_sentinel_max);
    tcase_add_test(tc, test_redis_replica);
    tcase_add_test(tc, test_redis_and_sentinel);
    tcase_add_loop_test(tc, test_bad_value, 0, sizeof(bad) / sizeof(bad[0]));
    tcase_add_loop_test(tc, test_missing_value, 0,
			sizeof(all_keys) / sizeof(all_keys[0]));
    tcase_add_test(tc, test_case_insensitive_keys);
    tcase_add_test(tc, test_comments);
    tcase_add_test(tc, test_no_final_newline);
    tcase_add_test(tc, test_repeated_key);
    tcase_add_test(tc, test_repeated_key_other_case);
    tcase_add_test(tc, test_unknown_key);
    tcase_add_test(tc, test_unknown_key_suggest);
    tcase_add_test(tc, test_logging_keys);
    tcase_add_test(tc, test_where);
    tcase_add_test(tc, test_restart_keys);
    tcase_add_test(tc, test_unknown_key_forms);
    tcase_add_test(tc, test_first_error_wins);
    tcase_add_test(tc, test_plugins);
    tcase_add_test(tc, test_plugin_undeclared);
    tcase_add_test(tc, test_plugin_option_missing_value);
    tcase_add_test(tc, test_plugin_duplicate);
    tcase_add_test(tc, test_pseudonymised_needs_key);
    tcase_add_test(tc, test_pseudonymised_key_later);
    tcase_add_test(tc, test_long_line);
    tcase_add_test(tc, test_long_value_shown_cut);
    tcase_add_test(tc, test_control_chars);
    tcase_add_test(tc, test_tab_allowed);
    tcase_add_test(tc, test_load_ok);
    tcase_add_test(tc, test_load_error_names_file);
    tcase_add_test(tc, test_load_nul);
    tcase_add_test(tc, test_load_missing);
    tcase_add_test(tc, test_load_directory);
    tcase_add_test(tc, test_no_error_buffer);
    tcase_add_test(tc, test_small_error_buffer);
    tcase_add_test(tc, test_free_and_reuse);
    tcase_add_test(tc, test_names);
    tcase_add_test(tc, test_sample_config);
    suite_add_tcase(s, tc);
    return (s);
}

int     main(void)
{
    SRunner *sr = srunner_create(config_suite());
    int     failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed ? EXIT_FAILURE : EXIT_SUCCESS);
}
