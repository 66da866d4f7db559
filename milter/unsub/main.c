/*++
/* NAME
/*	consent-unsubscribe 8
/* SUMMARY
/*	the relay's own one-click opt-out service
/* SYNOPSIS
/*	consent-unsubscribe [-f] [-n] [-V] [-c config_file]
/* DESCRIPTION
/*	This is the service's start-up and shutdown: options,
/*	configuration, the listening socket, privileges, the PID file and
/*	signals. Requests are answered in handler.c; the store's part is
/*	in withdraw.c. It follows consent-milter's rules for privileges
/*	and secrets, with the same code (milter/service):
/* .IP 1.
/*	Read and check the configuration; refuse to start on any error,
/*	naming file, line and key. UnsubscribeKeyFile is required.
/* .IP 2.
/*	Refuse root without UserID (AllowRoot: tests only), and a start
/*	as a user that cannot become UserID. Check, as UserID, that the
/*	audit trail can be appended to.
/* .IP 3.
/*	Read the secrets (UnsubscribeKeyFile, AddressKeyFile,
/*	RedisPasswordFile) while still root, each refused when others
/*	may read or write it.
/* .IP 4.
/*	Open PidFile, then the listening socket (UnsubscribeListen), as
/*	root: a low port may need it.
/* .IP 5.
/*	Detach (unless -f: the parent exits with the start's result, and
/*	errors reach the terminal until then), write the PID file, become
/*	UserID for good, open the audit trail as that user, start the
/*	HTTP threads.
/* .IP 6.
/*	The main thread owns the signals (every other thread blocks them)
/*	and waits on a self-pipe: SIGTERM and SIGINT stop the service
/*	(requests in progress are finished), SIGHUP reopens the audit
/*	trail (log rotation).
/* .PP
/*	Options:
/* .IP "-c config_file"
/*	Read this file instead of /etc/consent-milter.conf.
/* .IP -f
/*	Stay in the foreground and log to standard error as well.
/* .IP -n
/*	Check the configuration, the secrets and the token keys, the
/*	audit trail (as UserID) and that Redis answers; print what is
/*	wrong; exit 0 or 1. Opens no socket, writes nothing.
/* .IP -V
/*	Print the version and exit.
/* DIAGNOSTICS
/*	Problems go to syslog and, until the service has started (always
/*	with -f or -n), to standard error, as "FILE:LINE: Key: reason"
/*	where a configuration line is involved. Exit status 0 after a
/*	clean stop, 1 for -n problems and run-time failures, 64 for bad
/*	usage, 78 for a bad configuration.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

/* Application-specific. */

#include "address.h"
#include "audit.h"
#include "config.h"
#include "detach.h"
#include "httpserv.h"
#include "log.h"
#include "metrics.h"
#include "privs.h"
#include "ratelimit.h"
#include "redisconn.h"
#include "redispool.h"
#include "redisreply.h"
#include "saykey.h"
#include "sigpipe.h"
#include "startfiles.h"
#include "unsub.h"
#include "unsubtoken.h"

#define EX_USAGE	64
#define EX_CONFIG	78

/* usage - explain the command line */

static void usage(void)
{
    (void) fprintf(stderr,
		   "usage: consent-unsubscribe [-f] [-n] [-V] [-c config_file]\n"
		   "  -c FILE  configuration file (default %s)\n"
		   "  -f       stay in the foreground, log to stderr too\n"
		   "  -n       check the configuration, keys and Redis, "
		   "then exit\n"
		   "  -V       print the version and exit\n",
		   CM_CONFIG_DEFAULT_FILE);
    exit(EX_USAGE);
}

/* ping_exchange - PING, for -n */

static int ping_exchange(redisContext *c, void *arg, char *err, size_t errlen)
{
    redisReply *r;

    (void) arg;
    if ((r = redisCommand(c, "PING")) == 0)
	return (cm_redis_pool_error(c, errno, err, errlen));
    if (r->type == REDIS_REPLY_ERROR) {
	cm_redis_err(err, errlen, "PING: %.200s", r->str);
	cm_redis_reply_free(r);
	return (CM_XCHG_FAIL);
    }
    cm_redis_reply_free(r);
    return (CM_XCHG_OK);
}

/* redis_key - the key that says where Redis is */

static const char *redis_key(const cm_config *cfg)
{
    return (cfg->redis_sentinel ? "RedisSentinel" : "Redis");
}

/* serve - run until told to stop; returns the exit status */

static int serve(cm_unsub *svc, cm_http *http, int ready_fd)
{
    static const int caught[] = {SIGHUP, SIGTERM, SIGINT};
    sigset_t sigs;
    char    err[512];
    int     c;
    int     started;

    if (cm_sigpipe_open(caught, (int) (sizeof(caught) / sizeof(caught[0])),
			&sigs) != 0) {
	cm_log(LOG_ERR, "pipe: %s", strerror(errno));
	return (1);
    }

    /* The HTTP threads block the signals: they go to this thread. */
    (void) pthread_sigmask(SIG_BLOCK, &sigs, 0);
    started = cm_http_start(http, err, sizeof(err));
    (void) pthread_sigmask(SIG_UNBLOCK, &sigs, 0);
    if (started != 0) {
	cm_say_key(svc->cfg, "UnsubscribeListen", err);
	return (1);
    }
    cm_log(LOG_INFO, "started: version %s, config %s, listen %s (port %d), "
	   "redis %s, audit log %s, rate limit %d/min, pid %ld",
	   PACKAGE_VERSION, svc->cfg->file ? svc->cfg->file : "(none)",
	   svc->cfg->unsubscribe_listen, cm_http_port(http),
	   svc->cfg->redis_sentinel ? svc->cfg->redis_sentinel :
	   svc->cfg->redis,
	   svc->cfg->audit_log ? svc->cfg->audit_log : "none (syslog only)",
	   svc->cfg->unsubscribe_rate_limit < CM_RATELIMIT_FLOOR ?
	   CM_RATELIMIT_FLOOR : svc->cfg->unsubscribe_rate_limit,
	   (long) getpid());
    cm_detach_ready(ready_fd);

    for (;;) {
	if ((c = cm_sigpipe_wait(-1)) <= 0)
	    break;
	if (c == SIGHUP) {
	    if (cm_audit_reopen(svc->audit, err, sizeof(err)) != 0)
		cm_log(LOG_ERR, "%s", err);
	    else
		cm_log(LOG_INFO, "audit trail reopened");
	} else {
	    cm_log(LOG_INFO, "stopping on signal %d", c);
	    break;
	}
    }
    return (0);
}

int     main(int argc, char **argv)
{
    const char *config_file = CM_CONFIG_DEFAULT_FILE;
    int     foreground = 0;
    int     check_only = 0;
    int     pid_fd = -1;
    int     ready_fd = -1;
    int     ch;
    int     status = 1;
    cm_config cfg;
    cm_config wcfg;
    cm_unsub svc;
    cm_http_limits limits = CM_HTTP_LIMITS_INIT;
    cm_http *http = 0;
    cm_token_keys *keys = 0;
    cm_addrkey *addrkey = 0;
    char    err[1024];
    uid_t   uid = 0;
    gid_t   gid = 0;
    char   *user = 0;

    memset(&svc, 0, sizeof(svc));
    cm_crypto_init();			/* before any thread: address(3) */
    while ((ch = getopt(argc, argv, "c:fnVh")) != -1) {
	switch (ch) {
	case 'c':
	    config_file = optarg;
	    break;
	case 'f':
	    foreground = 1;
	    break;
	case 'n':
	    check_only = 1;
	    break;
	case 'V':
	    (void) printf("consent-unsubscribe %s\n", PACKAGE_VERSION);
	    return (0);
	default:
	    usage();
	}
    }
    if (optind != argc)
	usage();

    /* Errors reach the terminal until the service has started. */
    cm_log_init("consent-unsubscribe", !check_only, 1);
    if (!foreground && !check_only)
	cm_log_stderr(LOG_WARNING);

    /* 1. Configuration. */
    cm_config_init(&cfg);
    if (cm_config_load(&cfg, config_file, err, sizeof(err)) != 0) {
	cm_log(LOG_ERR, "%s", err);
	goto config_error;
    }
    cm_log_facility(cfg.syslog_facility);
    if (cfg.unsubscribe_key_file == 0) {
	cm_say_key(&cfg, "UnsubscribeKeyFile", "not set: consent-unsubscribe "
		   "needs the token keys (the ones consent-milter signs with)");
	goto config_error;
    }

    /* 2. Who runs it. */
    if (cfg.user_id != 0
	&& cm_user_lookup(cfg.user_id, &uid, &gid, &user, err,
			  sizeof(err)) != 0) {
	cm_say_key(&cfg, "UserID", err[0] ? err : "out of memory");
	goto config_error;
    }
    if (user != 0
	&& cm_user_start_check(cfg.user_id, uid, gid, err, sizeof(err)) != 0) {
	cm_say_key(&cfg, "UserID", err);
	goto config_error;
    }
    if (getuid() == 0 && cfg.user_id == 0 && !cfg.allow_root) {
	cm_say_key(&cfg, "UserID", "refusing to run as root: set UserID (or "
		   "AllowRoot yes, for tests only)");
	goto config_error;
    }
    if (cfg.audit_log != 0
	&& cm_audit_check_as(cfg.audit_log, user, uid, gid, err,
			     sizeof(err)) != 0) {
	cm_say_key(&cfg, "AuditLog", err);
	if (!check_only)
	    goto release;
	status = 2;				/* -n: go on, report at the end */
    }

    /* 3. Secrets, while still root. */
    if (cm_secret_check("UnsubscribeKeyFile", cfg.unsubscribe_key_file, err,
			sizeof(err)) != 0) {
	cm_say_key(&cfg, "UnsubscribeKeyFile", err);
	goto config_error;
    }
    if (cm_secret_check("AddressKeyFile", cfg.address_key_file, err,
			sizeof(err)) != 0) {
	cm_say_key(&cfg, "AddressKeyFile", err);
	goto config_error;
    }
    if (cm_secret_check("RedisPasswordFile", cfg.redis_password_file, err,
			sizeof(err)) != 0) {
	cm_say_key(&cfg, "RedisPasswordFile", err);
	goto config_error;
    }
    if ((keys = cm_token_keys_load(cfg.unsubscribe_key_file, err,
				   sizeof(err))) == 0) {
	cm_say_key(&cfg, "UnsubscribeKeyFile", err);
	goto config_error;
    }
    if (cfg.address_key_file != 0
	&& (addrkey = cm_addrkey_load(cfg.address_key_file, err,
				      sizeof(err))) == 0) {
	cm_say_key(&cfg, "AddressKeyFile", err);
	goto config_error;
    }

    /*
     * Opt-outs are writes: they go to the primary, never to
     * RedisReplica (the pool reads from a replica when one is set).
     * The pool copies what it needs, and reads RedisPasswordFile now.
     */
    wcfg = cfg;
    wcfg.redis_replica = 0;
    wcfg.redis_replica_host = 0;
    wcfg.redis_replica_path = 0;
    if ((svc.pool = cm_redis_pool_create(&wcfg, err, sizeof(err))) == 0) {
	cm_say_key(&cfg, strncmp(err, "RedisPasswordFile", 17) == 0 ?
		   "RedisPasswordFile" : redis_key(&cfg), err);
	goto config_error;
    }

    if (check_only) {
	if (status == 2)
	    status = 1;
	else
	    status = 0;
	cm_log_stderr(LOG_ERR);
	if (cm_redis_pool_run(svc.pool, ping_exchange, 0, err,
			      sizeof(err)) != 0) {
	    cm_say_key(&cfg, redis_key(&cfg), err);
	    status = 1;
	}
	if (cfg.unsubscribe_organisation == 0)
	    (void) fprintf(stderr, "consent-unsubscribe: %s: warning: "
			   "UnsubscribeOrganisation is not set: the page "
			   "will say \"from us\"\n", config_file);
	if (status == 0)
	    (void) printf("consent-unsubscribe: %s: configuration OK, %zu "
			  "token key(s), Redis %s answers\n", config_file,
			  cm_token_keys_count(keys), cfg.redis_sentinel ?
			  cfg.redis_sentinel : cfg.redis);
	goto release;
    }

    /* 4. PID file, then the socket, as root. */
    if (cfg.pid_file != 0 && (pid_fd = cm_pidfile_open(cfg.pid_file)) < 0)
	goto release;
    svc.cfg = &cfg;
    svc.keys = keys;
    svc.addrkey = addrkey;
    svc.floor_ms = CM_UNSUB_FLOOR_MS;
    if (getenv("CM_UNSUB_TEST_FLOOR_MS") != 0)	/* tests of the timing */
	svc.floor_ms = atoi(getenv("CM_UNSUB_TEST_FLOOR_MS"));
    if ((svc.limit = cm_ratelimit_create(cfg.unsubscribe_rate_limit,
					 CM_RATELIMIT_CLIENTS)) == 0
	|| (svc.metrics = cm_metrics_create()) == 0
	|| cm_unsub_metrics_init(&svc) != 0) {
	cm_log(LOG_ERR, "out of memory");
	goto start_failed;
    }
    limits.max_body = CM_UNSUB_BODY_MAX;
    limits.max_header = CM_UNSUB_HEADER_MAX;
    limits.max_conns = CM_UNSUB_CONNS;

    /*
     * A slow client must not hold the service: every request is due
     * whole within CM_UNSUB_DEADLINE seconds, however busily it
     * trickles, and a remote peer holds at most CM_UNSUB_PER_PEER
     * slots. Behind a proxy on this host every connection is the
     * proxy's (loopback): no cap of its own there (UINT_MAX), but past
     * CM_UNSUB_CONNS the connection that has waited longest for its
     * request makes room (httpconn(3)), so that a proxy, which sends
     * each request at once, always gets in.
     */
    limits.max_per_ip = CM_UNSUB_PER_PEER;
    limits.loopback_per_ip = UINT_MAX;
    limits.deadline = CM_UNSUB_DEADLINE;
    limits.timeout = CM_UNSUB_TIMEOUT;
    limits.threads = CM_UNSUB_THREADS;
    if ((http = cm_http_bind(cfg.unsubscribe_listen, &limits,
			     cm_unsub_handle, &svc, err, sizeof(err))) == 0) {
	cm_say_key(&cfg, "UnsubscribeListen", err);
	goto start_failed;
    }

    /* 5. Detach, PID file, privileges, audit trail. */
    if (!foreground && cm_detach(&ready_fd) != 0)
	goto start_failed;
    if (pid_fd >= 0 && cm_pidfile_write(cfg.pid_file, pid_fd) != 0) {
	pid_fd = -1;
	goto start_failed;
    }
    pid_fd = -1;
    if (user != 0 && getuid() == 0 && cm_user_drop(user, uid, gid) != 0)
	goto start_failed;
    if ((svc.audit = cm_audit_open(cfg.audit_log, cfg.audit_fsync,
				   err, sizeof(err))) == 0) {
	cm_say_key(&cfg, "AuditLog", err);
	goto start_failed;
    }

    /* 6. Serve until a signal says stop. */
    status = serve(&svc, http, ready_fd);
    cm_http_free(http);
    http = 0;
    if (status == 0)
	cm_log(LOG_INFO, "stopped");
    if (cfg.pid_file != 0)
	(void) unlink(cfg.pid_file);
    goto release;

start_failed:
    if (pid_fd >= 0)
	(void) close(pid_fd);
    if (cfg.pid_file != 0)
	(void) unlink(cfg.pid_file);
    status = 1;
    /* FALLTHROUGH */

release:
    cm_http_free(http);
    if (svc.audit != 0)
	cm_audit_close(svc.audit);
    cm_metrics_free(svc.metrics);
    cm_ratelimit_free(svc.limit);
    cm_redis_pool_destroy(svc.pool);
    cm_token_keys_free(keys);
    cm_addrkey_free(addrkey);
    free(user);
    cm_config_free(&cfg);
    return (status);

config_error:
    cm_redis_pool_destroy(svc.pool);
    cm_token_keys_free(keys);
    cm_addrkey_free(addrkey);
    free(user);
    cm_config_free(&cfg);
    return (check_only ? 1 : EX_CONFIG);
}
