/*++
/* NAME
/*	reload 3
/* SUMMARY
/*	the running configuration, and SIGUSR1's reload of it
/* SYNOPSIS
/*	#include "reload.h"
/*
/*	void	cm_gen_start(eng, cfg)
/*	const cm_engine *eng;
/*	cm_config *cfg;
/*
/*	const cm_engine *cm_gen_hold(void)
/*
/*	void	cm_gen_release(eng)
/*	const cm_engine *eng;
/*
/*	int	cm_gen_reload(path)
/*	const char *path;
/*
/*	void	cm_gen_stop(void)
/* DESCRIPTION
/*	A generation is one configuration and the engine that uses it.
/*	Each MTA connection holds the generation that was current when it
/*	connected, until it ends: a reload never changes the rules in the
/*	middle of a message, and never drops a session. New connections
/*	get the new generation. An old generation is freed when its last
/*	connection ends.
/*
/*	cm_gen_start() makes the first generation from the engine and the
/*	configuration the daemon started with; it takes over cfg (the
/*	caller must not free it, and should use cm_gen_hold() to read it).
/*
/*	cm_gen_hold() returns the current engine and counts one more user;
/*	cm_gen_release() counts one less, and frees a replaced generation
/*	with its last user. Both are safe from any thread.
/*
/*	cm_gen_reload() reads path as the daemon does at start (checked
/*	first: a bad file is not used), keeps the old value of every key
/*	that cannot change without a restart (config(3),
/*	cm_config_restart_key(): the socket, the user, Redis, the audit
/*	trail, the plugins...) and logs each one it kept, then makes the
/*	new configuration current. The store, the audit trail, the address
/*	key and the plugins are shared by all generations: they were built
/*	at start, from the keys a reload keeps.
/*
/*	cm_gen_stop() frees the current generation, once no connection
/*	is left (after smfi_main() returned).
/* DIAGNOSTICS
/*	cm_gen_reload() returns 0 when the new configuration is in use,
/*	-1 when the old one is kept; it logs "configuration FILE reloaded:
/*	..." or "configuration FILE not reloaded, still running the old
/*	one: FILE:LINE: Key: reason", and "reload: FILE:LINE: Key: changed,
/*	but takes a restart: still VALUE" for each key it kept.
/* SEE ALSO
/*	consent-milter(8), SIGNALS.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

/* Application-specific. */

#include "log.h"
#include "reload.h"

typedef struct cm_gen {
    cm_engine eng;			/* first: the engine is the handle */
    cm_config cfg;
    int     users;			/* connections, and 1 while current */
} cm_gen;

static pthread_mutex_t gen_lock = PTHREAD_MUTEX_INITIALIZER;
static cm_gen *current;

/* gen_free - forget a generation that nobody uses */

static void gen_free(cm_gen *gen)
{
    cm_config_free(&gen->cfg);
    free(gen);
}

/* gen_new - a generation of eng with cfg, which it takes over */

static cm_gen *gen_new(const cm_engine *eng, cm_config *cfg)
{
    cm_gen *gen;

    if ((gen = calloc(1, sizeof(*gen))) == 0)
	return (0);
    gen->eng = *eng;
    gen->cfg = *cfg;			/* the strings move, not copied */
    memset(cfg, 0, sizeof(*cfg));
    gen->eng.cfg = &gen->cfg;
    gen->users = 1;			/* being current */
    return (gen);
}

/* cm_gen_start - the first generation */

void    cm_gen_start(const cm_engine *eng, cm_config *cfg)
{
    if ((current = gen_new(eng, cfg)) == 0)
	abort();			/* at start, nothing to fall back to */
}

/* cm_gen_hold - the current engine, for one more connection */

const cm_engine *cm_gen_hold(void)
{
    cm_gen *gen;

    (void) pthread_mutex_lock(&gen_lock);
    gen = current;
    gen->users++;
    (void) pthread_mutex_unlock(&gen_lock);
    return (&gen->eng);
}

/* cm_gen_release - a connection ended */

void    cm_gen_release(const cm_engine *eng)
{
    cm_gen *gen = (cm_gen *) ((char *) eng - offsetof(cm_gen, eng));
    int     users;

    if (eng == 0)
	return;
    (void) pthread_mutex_lock(&gen_lock);
    users = --gen->users;
    (void) pthread_mutex_unlock(&gen_lock);
    if (users == 0)
	gen_free(gen);
}

/* shown - a key's value, for the log */

static const char *shown(const cm_config *cfg, const char *key)
{
    static const struct {
	const char *key;
	size_t  offset;
    }       strs[] = {
	{"Socket", offsetof(cm_config, socket)},
	{"SocketMode", offsetof(cm_config, socket_mode)},
	{"SocketGroup", offsetof(cm_config, socket_group)},
	{"UserID", offsetof(cm_config, user_id)},
	{"PidFile", offsetof(cm_config, pid_file)},
	{"Redis", offsetof(cm_config, redis)},
	{"RedisSentinel", offsetof(cm_config, redis_sentinel)},
	{"RedisReplica", offsetof(cm_config, redis_replica)},
	{"RedisPasswordFile", offsetof(cm_config, redis_password_file)},
	{"KeyPrefix", offsetof(cm_config, key_prefix)},
	{"AddressKeyFile", offsetof(cm_config, address_key_file)},
	{"CampaignHeader", offsetof(cm_config, campaign_header)},
	{"AuditLog", offsetof(cm_config, audit_log)},
    };
    size_t  i;
    const char *v;

    for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
	if (strcmp(strs[i].key, key) == 0) {
	    v = *(char *const *) ((const char *) cfg + strs[i].offset);
	    return (v ? v : "(not set)");
	}
    }
    return ("the value it started with");
}

/* cm_gen_reload - SIGUSR1: read the configuration again */

int     cm_gen_reload(const char *path)
{
    cm_config next;
    cm_gen *gen;
    cm_gen *old;
    const cm_config *now;
    const char *key;
    char    err[1024];
    char    where[512];
    int     n;
    int     users;

    /*
     * Only the main thread reloads, so "current" changes nowhere else;
     * its cfg is read here without the lock, as nothing writes it.
     */
    now = &current->cfg;
    cm_config_init(&next);
    if (cm_config_load(&next, path, err, sizeof(err)) != 0) {
	cm_log(LOG_ERR, "configuration %s not reloaded, still running the "
	       "old one: %s", path, err);
	cm_config_free(&next);
	return (-1);
    }

    /* Keys that need a restart keep the value the daemon runs with. */
    for (n = 0; (key = cm_config_restart_key(now, &next, n)) != 0; n++) {
	if (*key == 0)
	    continue;
	cm_log(LOG_WARNING, "reload: %s: changed, but takes a restart: "
	       "still %s", cm_config_where(&next, key, where, sizeof(where)),
	       shown(now, key));
	cm_config_keep_key(&next, now, key);
    }

    /* Pseudonyms need the key that only a start as root can read. */
    if (next.log_addresses == CM_LOGADDR_PSEUDONYMISED
	&& current->eng.key == 0) {
	cm_log(LOG_ERR, "configuration %s not reloaded, still running the "
	       "old one: %s: pseudonymised needs the AddressKeyFile read at "
	       "start: restart", path,
	       cm_config_where(&next, "LogAddresses", where, sizeof(where)));
	cm_config_free(&next);
	return (-1);
    }
    if ((gen = gen_new(&current->eng, &next)) == 0) {
	cm_log(LOG_ERR, "configuration %s not reloaded: out of memory", path);
	cm_config_free(&next);
	return (-1);
    }
    cm_log_facility(gen->cfg.syslog_facility);

    (void) pthread_mutex_lock(&gen_lock);
    old = current;
    current = gen;
    users = --old->users;		/* no longer current */
    (void) pthread_mutex_unlock(&gen_lock);
    if (users == 0)
	gen_free(old);
    now = &gen->cfg;
    cm_log(LOG_INFO, "configuration %s reloaded: mode %s, DenyAction %s, "
	   "PartialAction %s, OnError %s, ConsentHeader %s, LogWhy %s; "
	   "sessions open before keep the old one", path,
	   cm_mode_name(now->mode), cm_deny_action_name(now->deny_action),
	   cm_partial_action_name(now->partial_action),
	   cm_on_error_name(now->on_error),
	   cm_consent_header_name(now->consent_header),
	   now->log_why ? "yes" : "no");
    return (0);
}

/* cm_gen_stop - free the current generation at exit */

void    cm_gen_stop(void)
{
    cm_gen *gen;
    int     users = -1;

    /*
     * Under the lock, as every other user count. drain(3) has waited for
     * the callbacks and released the sessions it found open, but one
     * that outlived its grace may still release a generation.
     */
    (void) pthread_mutex_lock(&gen_lock);
    if ((gen = current) != 0) {
	current = 0;
	users = --gen->users;
    }
    (void) pthread_mutex_unlock(&gen_lock);
    if (users == 0)
	gen_free(gen);
}
