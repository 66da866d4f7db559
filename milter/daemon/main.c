/*++
/* NAME
/*	consent-milter 8
/* SUMMARY
/*	consent enforcement milter for outbound marketing mail
/* SYNOPSIS
/*	consent-milter [-f] [-n] [-V] [-c config_file]
/* DESCRIPTION
/*	This is the daemon's start-up and shutdown: options, configuration,
/*	the listening socket, privileges, the PID file and signals. The
/*	mail handling itself is in callbacks.c and engine.c.
/*
/*	Order of events, and why:
/* .IP 1.
/*	Read and check the configuration; refuse to start on any error,
/*	naming file, line and key.
/* .IP 2.
/*	Read the secrets (AddressKeyFile, RedisPasswordFile, and
/*	UnsubscribeKeyFile with Unsubscribe yes) while still
/*	root, so that they can stay readable by root alone.
/* .IP 3.
/*	Load the plugins (plugin_load.c) and run their init, also still
/*	as root: a plugin's key files may be root's alone. A plugin that
/*	cannot be loaded or started stops the daemon, like a bad key.
/* .IP 4.
/*	Check and open PidFile (see below), then open the milter socket (a
/*	low port or a root-owned directory may need root), with mode
/*	SocketMode for a unix socket, 0660 by default whatever the umask
/*	(whoever may connect may ask the consent of anyone), hand it to
/*	UserID and SocketGroup, set TCP_NODELAY on a
/*	TCP listener (accepted sockets inherit it; without it a reply in
/*	several packets stalls on Nagle and delayed ACKs).
/*	Bind the Metrics listener too (metrics_http.c); its thread starts
/*	only after detaching, in step 7.
/* .IP 5.
/*	Detach (unless -f; the parent waits on a pipe for ready() and
/*	exits with the start's result, and stderr stays open until then),
/*	write the PID file, drop privileges to UserID
/*	(started as UserID already, under systemd's User=, nothing to
/*	switch; as any other user but root, step 1 refuses).
/*	PidFile is written as root in a directory that UserID may own: no
/*	symbolic link is followed, the file must be a regular file of ours
/*	with one link (no planted hard link, FIFO or device), a directory
/*	that others may write (without the sticky bit) is refused, and the
/*	file is emptied only after the checks. It is opened before the
/*	socket, so that a refusal reaches stderr and leaves no socket.
/* .IP 6.
/*	Open the audit trail as the unprivileged user, so that a reopen
/*	after log rotation works the same as the first open. Whether that
/*	user can is asked before step 4 (cm_audit_check_as()), so that the
/*	usual failure leaves no PID file or socket behind.
/* .IP 7.
/*	Run libmilter in a thread of its own; the main thread owns the
/*	signals. libmilter's own signal thread stops the milter on SIGHUP,
/*	but SIGHUP must reopen the audit trail. On Linux a signal sent to
/*	the process goes to the main thread when that thread does not
/*	block it; the main thread keeps SIGHUP, SIGTERM and SIGINT
/*	unblocked and waits on a self-pipe, every other thread blocks
/*	them. SIGTERM and SIGINT stop the milter cleanly: the messages in
/*	progress end before smfi_stop() (unless a second signal comes),
/*	and no callback runs while the daemon frees what callbacks use
/*	(drain(3)). SIGUSR1 reads
/*	the configuration again (reload.c): sessions keep the one they
/*	started with.
/* .PP
/*	Options:
/* .IP "-c config_file"
/*	Read this file instead of /etc/consent-milter.conf.
/* .IP -f
/*	Stay in the foreground and log to standard error as well.
/* .IP -n
/*	Check the configuration, the secrets, the plugins, the audit
/*	trail and that Redis answers; print what is wrong; exit 0 or 1.
/*	Create and change nothing: whether UserID could append to the
/*	audit trail, or create it, is asked with access(2) in a child that
/*	has become UserID (an audit log that -n created as root would keep
/*	the daemon from opening it); no socket, no PID file.
/* .IP -V
/*	Print the version and exit.
/* DIAGNOSTICS
/*	Problems are logged to syslog (SyslogFacility, mail by default)
/*	and, until the daemon has started (always with -f or -n), to
/*	standard error, as "FILE:LINE: Key: reason" where a configuration
/*	line is involved. Exit status 0 after a clean stop, 1 for -n
/*	problems and run-time failures, 64 for bad usage, 78 for a bad
/*	configuration.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

/* Utility library. */

#include <libmilter/mfapi.h>

/* Application-specific. */

#include "clock.h"
#include "config.h"
#include "detach.h"
#include "address.h"
#include "audit.h"
#include "buf.h"
#include "escape.h"
#include "callbacks.h"
#include "drain.h"
#include "engine.h"
#include "log.h"
#include "plugin.h"
#include "postconf.h"
#include "reload.h"
#include "listener.h"
#include "metrics_http.h"
#include "startfiles.h"
#include "privs.h"
#include "saykey.h"
#include "sigpipe.h"
#include "store.h"
#include "unsubtoken.h"

#define EX_USAGE	64
#define EX_CONFIG	78

/*
 * How long SIGTERM waits for the messages in progress, and then for the
 * callbacks still running: a message's remaining steps and its lookups
 * take milliseconds; Postfix waits far longer for a milter's reply.
 */
#define CM_STOP_GRACE_MS	10000

/*
 * libmilter writes a message's last reply after its callback returned,
 * when drain(3) already counts the message as ended: a moment for it,
 * before smfi_stop() drops the connection.
 */
#define CM_STOP_REPLY_MS	20

/* usage - explain the command line */

static void usage(void)
{
    (void) fprintf(stderr,
		   "usage: consent-milter [-f] [-n] [-V] [-c config_file]\n"
		   "  -c FILE  configuration file (default %s)\n"
		   "  -f       stay in the foreground, log to stderr too\n"
		   "  -n       check the configuration and Redis, then exit\n"
		   "  -V       print the version and exit\n",
		   CM_CONFIG_DEFAULT_FILE);
    exit(EX_USAGE);
}

/* redis_key - the key that says where Redis is */

static const char *redis_key(const cm_config *cfg)
{
    return (cfg->redis_sentinel ? "RedisSentinel" : "Redis");
}

/* run_milter - the libmilter thread */

static void *run_milter(void *arg)
{
    int    *status = arg;

    *status = smfi_main();
    cm_sigpipe_note('X');		/* the main thread: it is over */
    return (0);
}

/* stop_milter - ask libmilter to stop */

static void *stop_milter(void *unused)
{
    (void) unused;

    /*
     * smfi_stop() sets the stop flag at once, then waits for the lock
     * that the accept loop holds while it polls (several seconds). It
     * runs in a thread of its own while the main thread wakes the loop
     * with cm_listener_wake(), so that the loop sees the flag and ends.
     */
    (void) smfi_stop();
    return (0);
}

/* log_started - the start line: what runs, with what */

static void log_started(const cm_config *cfg)
{
    cm_buf  names = CM_BUF_INIT;
    const cm_plugin_conf *pc;

    for (pc = cfg->plugins; pc != 0; pc = pc->next) {
	if (names.len > 0)
	    cm_buf_adds(&names, ",");
	cm_buf_add_safe(&names, pc->name, strlen(pc->name));
    }

    /* One line an administrator can compare with the file, after a start. */
    cm_log(LOG_INFO, "started: version %s, config %s, socket %s, mode %s, "
	   "redis %s%s%s%s, plugins %s, audit log %s, syslog facility %s, "
	   "pid %ld",
	   PACKAGE_VERSION, cfg->file ? cfg->file : "(none)", cfg->socket,
	   cm_mode_name(cfg->mode),
	   cfg->redis_sentinel ? "sentinel " : "",
	   cfg->redis_sentinel ? cfg->redis_sentinel : cfg->redis,
	   cfg->redis_replica ? ", replica " : "",
	   cfg->redis_replica ? cfg->redis_replica : "",
	   names.len > 0 ? cm_buf_str(&names) : "none",
	   cfg->audit_log ? cfg->audit_log : "none (syslog only)",
	   cm_syslog_facility_name(cfg->syslog_facility), (long) getpid());
    cm_buf_free(&names);
}

/* serve - run until told to stop; returns the exit status */

static int serve(const char *config_file, const char *socket_spec,
		         cm_audit *audit, int ready_fd)
{
    static const int caught[] = {SIGHUP, SIGUSR1, SIGTERM, SIGINT};
    const cm_engine *eng;
    sigset_t sigs;
    pthread_t tid;
    pthread_t stopper;
    int     milter_status = MI_SUCCESS;
    int     stopping = 0;
    int     stopper_started = 0;
    long long stop_by = 0;
    char    err[512];
    int     c;
    int     n = 0;

    if (cm_sigpipe_open(caught, (int) (sizeof(caught) / sizeof(caught[0])),
			&sigs) != 0) {
	cm_log(LOG_ERR, "pipe: %s", strerror(errno));
	return (1);
    }

    /* Every thread but this one blocks the signals (see above). */
    (void) pthread_sigmask(SIG_BLOCK, &sigs, 0);
    if (pthread_create(&tid, 0, run_milter, &milter_status) != 0) {
	cm_log(LOG_ERR, "cannot start the milter thread");
	return (1);
    }
    (void) pthread_sigmask(SIG_UNBLOCK, &sigs, 0);
    eng = cm_gen_hold();
    log_started(eng->cfg);
    cm_gen_release(eng);
    cm_detach_ready(ready_fd);

    for (;;) {
	c = cm_sigpipe_wait(stopper_started ? 100 : stopping ? 20 : -1);
	if (c < 0 || c == 'X')
	    break;
	if (c == SIGHUP) {
	    if (cm_audit_reopen(audit, err, sizeof(err)) != 0)
		cm_log(LOG_ERR, "%s", err);
	    else
		cm_log(LOG_INFO, "audit trail reopened");
	} else if (c == SIGUSR1) {
	    /* Checked first; kept when bad; logged either way. */
	    (void) cm_gen_reload(config_file);
	} else if (c != 0 && stopping && !stopper_started) {
	    cm_log(LOG_INFO, "stopping now on a second signal %d", c);
	    stop_by = 0;			/* the messages wait no more */
	} else if (c != 0 && !stopping) {
	    cm_log(LOG_INFO, "stopping on signal %d", c);
	    cm_drain_stop();			/* no new message (drain(3)) */
	    stopping = 1;
	    stop_by = cm_time_mono_ms() + CM_STOP_GRACE_MS;
	    if ((n = cm_drain_messages()) > 0)
		cm_log(LOG_INFO, "stopping: waiting up to %d ms for %d "
		       "message%s in progress", CM_STOP_GRACE_MS, n,
		       n == 1 ? "" : "s");
	}
	if (stopper_started) {
	    if (c == 0)				/* a stop the listener missed */
		cm_listener_wake(socket_spec);
	    continue;
	}

	/*
	 * libmilter drops every open connection when it stops: the
	 * messages in progress end first, for CM_STOP_GRACE_MS at most
	 * (a second SIGTERM or SIGINT: no longer).
	 */
	if (stopping && ((n = cm_drain_messages()) <= 0
			 || cm_time_mono_ms() >= stop_by)) {
	    if (n > 0)
		cm_log(LOG_WARNING, "stopping: %d message%s still in progress: "
		       "the MTA will retry %s", n, n == 1 ? "" : "s",
		       n == 1 ? "it" : "them");
	    else				/* written after the callback */
		(void) poll(0, 0, CM_STOP_REPLY_MS);
	    stopper_started = pthread_create(&stopper, 0, stop_milter, 0) == 0;
	}
    }
    (void) pthread_join(tid, 0);

    /*
     * Joined, not detached: smfi_stop() returns after the accept loop
     * let go of its lock, and nothing of libmilter's may still run in
     * that thread while this one returns and exit(3) runs its handlers.
     */
    if (stopper_started)
	(void) pthread_join(stopper, 0);
    return (milter_status == MI_SUCCESS ? 0 : 1);
}

int     main(int argc, char **argv)
{
    const char *config_file = CM_CONFIG_DEFAULT_FILE;
    int     foreground = 0;
    int     check_only = 0;
    int     audit_bad = 0;
    int     pid_fd = -1;
    int     ready_fd = -1;
    int     ch;
    cm_config cfg;
    cm_engine eng;
    cm_addrkey *key = 0;
    cm_token_keys *unsub_keys = 0;
    char    warn[512];
    cm_plugins *plugins = 0;
    mode_t  sock_mode = (mode_t) -1;
    mode_t  old_umask = 0;
    gid_t   sock_gid = (gid_t) -1;
    cm_store *store = 0;
    cm_sendermap *sendermap = 0;
    cm_dmetrics *metrics = 0;
    cm_audit *audit = 0;
    char    err[1024];
    char    where[512];
    const char *path;
    char   *pid_file = 0;
    char   *socket_spec = 0;
    uid_t   uid = 0;
    gid_t   gid = 0;
    char   *user = 0;
    int     status;
    int     running;

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
	    (void) printf("consent-milter %s (libmilter %u.%u, plugin API %u, "
			  "plugins in %s)\n", PACKAGE_VERSION,
			  SM_LM_VRS_MAJOR(SMFI_VERSION),
			  SM_LM_VRS_MINOR(SMFI_VERSION),
			  (unsigned) CM_PLUGIN_API_VERSION, PLUGINDIR);
	    return (0);
	default:
	    usage();
	}
    }
    if (optind != argc)
	usage();

    /*
     * Every error before the daemon has detached and started goes to
     * standard error as well as syslog: where no syslog runs, or its
     * lines go to a file nobody reads during a start, the terminal is
     * the only place an administrator looks. ready() turns it off.
     */
    cm_log_init("consent-milter", !check_only, 1);
    if (!foreground && !check_only)
	cm_log_stderr(LOG_WARNING);	/* problems, not "started" */

    /* 1. Configuration. */
    cm_config_init(&cfg);
    if (cm_config_load(&cfg, config_file, err, sizeof(err)) != 0) {
	cm_log(LOG_ERR, "%s", err);
	goto config_error;
    }
    cm_log_facility(cfg.syslog_facility);
    if (cfg.user_id != 0
	&& cm_user_lookup(cfg.user_id, &uid, &gid, &user, err, sizeof(err)) != 0) {
	cm_say_key(&cfg, "UserID", err);
	goto config_error;
    }

    /*
     * Started as UserID already (systemd's User=, or runuser): there is
     * nothing to switch, and the same configuration serves a start as
     * root and a start as that user. Any other user cannot switch.
     */
    if (user != 0
	&& cm_user_start_check(cfg.user_id, uid, gid, err, sizeof(err)) != 0) {
	cm_say_key(&cfg, "UserID", err);
	goto config_error;
    }

    if (cm_listener_access(&cfg, &sock_mode, &sock_gid, err, sizeof(err)) != 0) {
	cm_say_key(&cfg, strncmp(err, "SocketMode", 10) == 0 ? "SocketMode" :
		"SocketGroup", err);
	goto config_error;
    }

    /*
     * Could the daemon open the audit trail, as UserID? -n asks, and so
     * does a start, before it creates a PID file or a socket: a start
     * that fails there leaves nothing behind, and says why on stderr.
     */
    if (cfg.audit_log != 0
	&& cm_audit_check_as(cfg.audit_log, user, uid, gid, err,
			     sizeof(err)) != 0) {
	cm_say_key(&cfg, "AuditLog", err);
	if (!check_only) {
	    cm_plugins_unload(plugins);
	    free(user);
	    cm_config_free(&cfg);
	    return (1);
	}
	audit_bad = 1;
    }

    /*
     * A compliance filter that keeps running as root is one bug away
     * from owning the relay: root needs UserID, or AllowRoot for tests.
     */
    if (getuid() == 0 && cfg.user_id == 0 && !cfg.allow_root) {
	cm_say_key(&cfg, "UserID", "refusing to run as root: set UserID (or "
		"AllowRoot yes, for tests only)");
	goto config_error;
    }

    /* 2. Secrets, while still root. */
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
    if (cfg.address_key_file != 0
	&& (key = cm_addrkey_load(cfg.address_key_file, err, sizeof(err))) == 0) {
	cm_say_key(&cfg, "AddressKeyFile", err);
	goto config_error;
    }
    if (cm_token_keys_start(&cfg, &unsub_keys, err, sizeof(err), warn,
			    sizeof(warn)) != 0) {
	cm_say_key(&cfg, "UnsubscribeKeyFile", err);
	goto config_error;
    }
    if (*warn)
	cm_say_key(&cfg, "UnsubscribeURL", warn);

    /* 3. Plugins: their init may read files that only root can read. */
    if ((plugins = cm_plugins_load(&cfg, PLUGINDIR, err, sizeof(err))) == 0) {
	cm_log(LOG_ERR, "%s", err);
	goto config_error;
    }
    if ((store = cm_store_create_flags(&cfg, CM_STORE_CACHE, err,
				       sizeof(err))) == 0) {
	cm_say_key(&cfg, strncmp(err, "RedisPasswordFile", 17) == 0 ?
		"RedisPasswordFile" : redis_key(&cfg), err);
	goto config_error;
    }

    if (check_only) {
	status = audit_bad;
	/* The pool's "consent store down" line would say it twice. */
	cm_log_stderr(LOG_ERR);
	if (cm_store_ping(store, err, sizeof(err)) != 0) {
	    cm_say_key(&cfg, redis_key(&cfg), err);
	    status = 1;
	}
	if (cm_dmetrics_check(&cfg, err, sizeof(err)) != 0) {
	    cm_say_key(&cfg, "Metrics", err);
	    status = 1;
	}
	/* A warning only: Postfix may run elsewhere, or change first. */
	if ((path = cm_listener_path(cfg.socket)) != 0
	    && cm_postconf_check(path, err, sizeof(err)) != 0)
	    (void) fprintf(stderr, "consent-milter: %s: warning: %s\n",
			   cm_config_where(&cfg, "Socket", where,
					   sizeof(where)), err);
	if (status == 0)
	    (void) printf("consent-milter: %s: configuration OK, Redis %s "
			  "answers\n", config_file, cfg.redis_sentinel ?
			  cfg.redis_sentinel : cfg.redis);
	cm_store_destroy(store);
	cm_plugins_unload(plugins);
	cm_addrkey_free(key);
	cm_token_keys_free(unsub_keys);
	free(user);
	cm_config_free(&cfg);
	return (status);
    }

    /*
     * The PID file is checked and opened before the socket, so that a
     * refusal is seen on stderr (before detaching) and leaves no socket.
     */
    if (cfg.pid_file != 0 && (pid_fd = cm_pidfile_open(cfg.pid_file)) < 0) {
	cm_store_destroy(store);
	cm_plugins_unload(plugins);
	cm_addrkey_free(key);
	cm_token_keys_free(unsub_keys);
	free(user);
	cm_config_free(&cfg);
	return (1);
    }

    /* The sender map's connections read RedisPasswordFile: still root. */
    if ((sendermap = cm_sendermap_create(&cfg, err, sizeof(err))) == 0) {
	cm_log(LOG_ERR, "%s", err);
	if (pid_fd >= 0)
	    (void) unlink(cfg.pid_file);
	goto release;
    }

    /* A reload keeps these (restart keys); the stop needs them. */
    pid_file = cfg.pid_file ? strdup(cfg.pid_file) : 0;
    if ((socket_spec = strdup(cfg.socket)) == 0) {
	cm_log(LOG_ERR, "out of memory");
	if (pid_fd >= 0)
	    (void) unlink(cfg.pid_file);
	goto release;
    }

    /* 4. The milter socket; the callbacks depend on the plugins. */
    memset(&eng, 0, sizeof(eng));
    eng.cfg = &cfg;
    eng.store = store;
    eng.sendermap = sendermap;
    eng.key = key;
    eng.unsub_keys = unsub_keys;
    eng.ops = &cm_mta_libmilter;
    eng.plugins = plugins;
    cm_callbacks_init(&eng);

    /*
     * A unix socket is created with SocketMode already (through the
     * umask), so that there is no moment in which others may connect;
     * then it is handed to UserID and SocketGroup.
     */
    if (sock_mode != (mode_t) -1)
	old_umask = umask(~sock_mode & 0777);
    if (smfi_setconn(cfg.socket) != MI_SUCCESS
	|| smfi_register(cm_milter_desc) != MI_SUCCESS
	|| smfi_opensocket(1) != MI_SUCCESS) {
	/* libmilter says no more; errno is often still its reason. */
	(void) snprintf(err, sizeof(err), "%s: cannot open the milter "
			"socket%s%s", cfg.socket, errno ? ": " : "",
			errno ? strerror(errno) : "");
	cm_say_key(&cfg, "Socket", err);
	if (pid_fd >= 0)
	    (void) unlink(cfg.pid_file);
	goto release;
    }
    if (sock_mode != (mode_t) -1)
	(void) umask(old_umask);
    cm_listener_nodelay();
    if ((path = cm_listener_path(cfg.socket)) != 0
	&& cm_listener_hand_over(path, user ? uid : (uid_t) -1,
				 sock_gid != (gid_t) -1 ? sock_gid : user ? gid :
				 (gid_t) -1, cfg.socket_group ? cfg.socket_group :
				 cfg.user_id, sock_mode, err, sizeof(err)) != 0) {
	/*
	 * A socket of the wrong group is one Postfix cannot open: all
	 * mail would wait on "Service unavailable". Stop, and say so.
	 */
	cm_log(LOG_ERR, "%s%s", err, getuid() == 0 ? "" : " (not started as "
	       "root: the group must be one of the daemon's, or that of a "
	       "set-group-id socket directory)");
	goto start_failed;
    }

    /* The Metrics listener, bound while a low port may still be ours. */
    if (cfg.metrics != 0
	&& (metrics = cm_dmetrics_open(&cfg, err, sizeof(err))) == 0) {
	cm_say_key(&cfg, "Metrics", err);
	goto start_failed;
    }

    /*
     * 5. Detach (the parent waits for ready(), and exits with the
     * result of the start), PID file, privileges. The PID is written
     * on the descriptor opened as root; a start that fails from here
     * removes the PID file and the socket (as root while it can).
     */
    if (!foreground && cm_detach(&ready_fd) != 0)
	goto start_failed;
    if (pid_fd >= 0 && cm_pidfile_write(cfg.pid_file, pid_fd) != 0) {
	pid_fd = -1;
	goto start_failed;
    }
    if (user != 0 && getuid() == 0 && cm_user_drop(user, uid, gid) != 0)
	goto start_failed;

    /* 6. The audit trail, as the user that will reopen it. */
    if ((audit = cm_audit_open(cfg.audit_log, cfg.audit_fsync,
			       err, sizeof(err))) == 0) {
	cm_say_key(&cfg, "AuditLog", err);
	goto start_failed;
    }

    /* 7. Run. The configuration becomes the first generation (reload.c). */
    eng.audit = audit;
    if (cm_sendermap_start(sendermap) != 0)	/* threads after detach() */
	goto start_failed;
    if (cm_store_start(store) != 0)		/* ConsentCache's link */
	goto start_failed;
    if (metrics != 0 && cm_dmetrics_start(metrics, err, sizeof(err)) != 0) {
	cm_say_key(&cfg, "Metrics", err);
	goto start_failed;
    }
    cm_gen_start(&eng, &cfg);			/* takes cfg over */
    status = serve(config_file, socket_spec, audit, ready_fd);

    /*
     * smfi_main() returned, but a callback may still be running on a
     * worker: none may run while the trail, the store and the plugins
     * go; the sessions libmilter dropped are freed (drain(3)).
     */
    running = cm_callbacks_drain(CM_STOP_GRACE_MS);
    if (pid_file != 0)
	(void) unlink(pid_file);
    /* libmilter leaves its unix socket; a stale one misleads a check. */
    if ((path = cm_listener_path(socket_spec)) != 0)
	(void) unlink(path);
    if (running > 0) {
	cm_log(LOG_INFO, "stopped");
	return (status);			/* exit(3) ends them */
    }
    cm_gen_stop();
    cm_audit_close(audit);
    cm_sendermap_destroy(sendermap);
    cm_store_destroy(store);
    cm_plugins_unload(plugins);
    cm_dmetrics_close(metrics);			/* nobody counts any more */
    cm_addrkey_free(key);
    cm_token_keys_free(unsub_keys);
    free(user);
    free(pid_file);
    free(socket_spec);
    cm_log(LOG_INFO, "stopped");		/* the last line: nothing runs */
    return (status);

    /*
     * After the socket: no stale PID file or socket is left (the user
     * may not be allowed to remove them in a root-owned directory; the
     * audit trail was checked as that user before, so this is rare).
     */
start_failed:
    if (cfg.pid_file != 0)
	(void) unlink(cfg.pid_file);
    if ((path = cm_listener_path(cfg.socket)) != 0)
	(void) unlink(path);
    /* FALLTHROUGH */

    /* Everything taken so far is given back, for the leak checkers. */
release:
    if (audit != 0)
	cm_audit_close(audit);
    cm_sendermap_destroy(sendermap);
    cm_store_destroy(store);
    cm_plugins_unload(plugins);
    cm_dmetrics_close(metrics);
    cm_addrkey_free(key);
    cm_token_keys_free(unsub_keys);
    free(user);
    free(pid_file);
    free(socket_spec);
    cm_config_free(&cfg);
    return (1);

    /* Refuse to start; free what was read, for the leak checkers. */
config_error:
    cm_plugins_unload(plugins);
    cm_addrkey_free(key);
    cm_token_keys_free(unsub_keys);
    free(user);
    cm_config_free(&cfg);
    return (check_only ? 1 : EX_CONFIG);
}
