/*++
/* NAME
/*	config_reload 3
/* SUMMARY
/*	configuration: suggestions, line numbers, and what a reload keeps
/* SYNOPSIS
/*	#include "config.h"
/*
/*	const char *cm_config_suggest(key)
/*	const char *key;
/*
/*	const char *cm_config_where(cfg, key, buf, len)
/*	const cm_config *cfg;
/*	const char *key;
/*	char	*buf;
/*	size_t	len;
/*
/*	const char *cm_config_restart_key(now, next, n)
/*	const cm_config *now;
/*	const cm_config *next;
/*	int	n;
/*
/*	void	cm_config_keep_key(next, now, key)
/*	cm_config *next;
/*	const cm_config *now;
/*	const char *key;
/* DESCRIPTION
/*	These work on the key table of config(3), for messages after
/*	parsing and for the daemon's reload (SIGUSR1).
/*
/*	cm_config_suggest() returns the known key nearest to a misspelt
/*	one (at most two edits, and under a third of its length), or NULL:
/*	"unknown key (did you mean Socket?)".
/*
/*	cm_config_where() formats "FILE:LINE: Key" (or "FILE: Key
/*	(default)" for a key not in the file), for errors found after
/*	parsing: a UserID that does not exist, an AuditLog that cannot be
/*	written, Redis that does not answer.
/*
/*	cm_config_restart_key() returns, for n = 0, 1, ..., the name of a
/*	key that the running daemon cannot change when next gives it
/*	another value than now, "" when it does not, and NULL after the
/*	last (the Plugin lines and their options count as one key,
/*	"Plugin"). cm_config_keep_key() copies now's value of that key
/*	into next, derived fields included.
/* DIAGNOSTICS
/*	None. Running out of memory aborts, as in config(3).
/* SEE ALSO
/*	config(3), the key table and the file format.
/*	reload(3), the daemon's reload.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Application-specific. */

#include "config.h"
#include "config_value.h"

/* distance - edit distance of two key names, without regard to case */

static size_t distance(const char *a, const char *b)
{
    size_t  la = strlen(a), lb = strlen(b);
    size_t  row[40], prev, diag, i, j, best;

    /* Key names are short; longer text is no typo of one. */
    if (la >= sizeof(row) / sizeof(row[0]) || lb >= sizeof(row) / sizeof(row[0]))
	return ((size_t) -1);
    for (j = 0; j <= lb; j++)
	row[j] = j;
    for (i = 1; i <= la; i++) {
	prev = row[0];
	row[0] = i;
	for (j = 1; j <= lb; j++) {
	    diag = prev;
	    prev = row[j];
	    best = diag + ((a[i - 1] | 0x20) != (b[j - 1] | 0x20));
	    if (row[j] + 1 < best)
		best = row[j] + 1;
	    if (row[j - 1] + 1 < best)
		best = row[j - 1] + 1;
	    row[j] = best;
	}
    }
    return (row[lb]);
}

/* cm_config_suggest - the known key nearest to a misspelt one, or NULL */

const char *cm_config_suggest(const char *key)
{
    const char *best = 0;
    size_t  d, best_d = (size_t) -1;
    size_t  i;

    /*
     * Up to two edits (a doubled, dropped or swapped letter counts as
     * one or two), and fewer than a third of the name: "Mod" is not
     * "Mode" misspelt badly enough to guess, but "Sockett" is "Socket".
     */
    for (i = 0; i < cm_config_nkeys; i++) {
	d = distance(key, cm_config_keys[i].name);
	if (d < best_d) {
	    best_d = d;
	    best = cm_config_keys[i].name;
	}
    }
    if (best == 0 || best_d == 0 || best_d > 2 || best_d * 3 > strlen(best))
	return (0);
    return (best);
}

 /*
  * Keys that the running daemon cannot change: the socket, the user, the
  * PID file and the secrets are taken as root before privileges are
  * dropped; the store, the audit trail and the plugins were built from
  * them at start. A reload keeps their old values (cm_config_keep_key()).
  */
static const char *const restart_keys[] = {
    "Socket", "SocketMode", "SocketGroup", "UserID", "AllowRoot",
    "PidFile", "Redis", "RedisSentinel", "RedisReplica",
    "RedisPasswordFile", "RedisTimeout", "RedisConnections", "KeyPrefix",
    "AddressKeyFile", "CampaignHeader", "SenderMapRefresh",
    "SenderMapMaxAge", "AuditLog", "AuditFsync", "Metrics",
    "UnsubscribeKeyFile", "ConsentCache", "ConsentCacheMaxAge",
    "ConsentCacheWarmup",
};

/* same_string - two optional strings are equal */

static int same_string(const char *a, const char *b)
{
    return (a == 0 ? b == 0 : b != 0 && strcmp(a, b) == 0);
}

/* same_plugins - the Plugin lines and their options are the same */

static int same_plugins(const cm_config *a, const cm_config *b)
{
    const cm_plugin_conf *pa, *pb;
    const cm_plugin_opt *oa, *ob;

    for (pa = a->plugins, pb = b->plugins; pa && pb;
	 pa = pa->next, pb = pb->next)
	if (strcmp(pa->name, pb->name) != 0 || strcmp(pa->path, pb->path) != 0)
	    return (0);
    if (pa || pb)
	return (0);
    for (oa = a->plugin_opts, ob = b->plugin_opts; oa && ob;
	 oa = oa->next, ob = ob->next)
	if (strcmp(oa->plugin, ob->plugin) != 0 || strcmp(oa->key, ob->key) != 0
	    || strcmp(oa->value, ob->value) != 0)
	    return (0);
    return (oa == 0 && ob == 0);
}

/* cm_config_restart_key - restart-only key number n, if next changes it */

const char *cm_config_restart_key(const cm_config *now, const cm_config *next,
				          int n)
{
    const cm_key *k;
    size_t  nr = sizeof(restart_keys) / sizeof(restart_keys[0]);

    /* One past the table: the Plugin lines, options included. */
    if (n < 0 || (size_t) n > nr)
	return (0);
    if ((size_t) n == nr)
	return (same_plugins(now, next) ? "" : "Plugin");
    k = cm_config_keys + cm_config_key_index(restart_keys[n]);
    if (k->type == KT_INT || k->type == KT_ENUM)
	return (*(const int *) ((const char *) now + k->offset)
		== *(const int *) ((const char *) next + k->offset) ?
		"" : k->name);
    return (same_string(*(char *const *) ((const char *) now + k->offset),
		        *(char *const *) ((const char *) next + k->offset)) ?
	    "" : k->name);
}

/* keep_plugins - give next a copy of the Plugin lines and options of now */

static void keep_plugins(cm_config *next, const cm_config *now)
{
    const cm_plugin_conf *pc;
    const cm_plugin_opt *po;
    cm_plugin_conf **pp;
    cm_plugin_conf *copy;
    char    key[160];			/* "name.Key": 32 + 1 + 64 bytes */

    cm_config_free_plugins(next);
    for (pp = &next->plugins, pc = now->plugins; pc; pc = pc->next) {
	copy = cm_config_xcalloc(sizeof(*copy));
	copy->name = cm_config_xstrdup(pc->name);
	copy->path = cm_config_xstrdup(pc->path);
	copy->line = pc->line;
	*pp = copy;
	pp = &copy->next;
    }
    for (po = now->plugin_opts; po; po = po->next) {
	snprintf(key, sizeof(key), "%s.%s", po->plugin, po->key);
	cm_config_add_plugin_opt(next, po->line, po->plugin, key, po->value);
    }
}

/* cm_config_keep_key - give next the value that now has for one key */

void    cm_config_keep_key(cm_config *next, const cm_config *now,
			           const char *key)
{
    const cm_key *k;
    const char *from;
    char  **to;

    if (strcmp(key, "Plugin") == 0) {
	keep_plugins(next, now);	/* the plugins that run stay loaded */
	return;
    }
    k = cm_config_keys + cm_config_key_index(key);
    if (k->type == KT_INT || k->type == KT_ENUM) {
	*(int *) ((char *) next + k->offset)
	    = *(const int *) ((const char *) now + k->offset);
	return;
    }
    from = *(char *const *) ((const char *) now + k->offset);
    to = (char **) ((char *) next + k->offset);
    free(*to);
    *to = from ? cm_config_xstrdup(from) : 0;
    if (from != 0 && k->derive != 0) {
	k->derive(next);
    } else if (k->derive == cm_config_derive_sentinel) {
	cm_config_free_sentinels(next);
    } else if (k->derive == cm_config_derive_replica) {
	free(next->redis_replica_host);
	free(next->redis_replica_path);
	next->redis_replica_host = next->redis_replica_path = 0;
    }
}

/* cm_config_where - "FILE:LINE: Key", or "FILE: Key" for a default */

const char *cm_config_where(const cm_config *cfg, const char *key,
			            char *buf, size_t len)
{
    size_t  i = cm_config_key_index(key);
    const char *file = cfg->file ? cfg->file : "(config)";

    /*
     * Errors found after parsing (a user that does not exist, a log
     * that cannot be opened, Redis that does not answer) name the line
     * the administrator must change, as parse errors do.
     */
    if (cfg->key_line[i] > 0)
	snprintf(buf, len, "%s:%d: %s", file, cfg->key_line[i], key);
    else
	snprintf(buf, len, "%s: %s (default)", file, key);
    return (buf);
}
