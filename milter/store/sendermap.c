/*++
/* NAME
/*	sendermap 3
/* SUMMARY
/*	last-known-good copy of the sender mappings (Psender:)
/* SYNOPSIS
/*	#include "sendermap.h"
/*
/*	cm_sendermap *cm_sendermap_create(cfg, err, errlen)
/*	const cm_config *cfg;
/*	char	*err;
/*	size_t	errlen;
/*
/*	int	cm_sendermap_load(sm, err, errlen)
/*	cm_sendermap *sm;
/*	char	*err;
/*	size_t	errlen;
/*
/*	int	cm_sendermap_start(sm)
/*	cm_sendermap *sm;
/*
/*	void	cm_sendermap_destroy(sm)
/*	cm_sendermap *sm;
/*
/*	cm_sendermap_answer cm_sendermap_lookup(sm, sender, age, size)
/*	cm_sendermap *sm;
/*	const char *sender;
/*	long long *age;
/*	size_t	*size;
/*
/*	cm_sendermap_answer cm_sendermap_judge(have_copy, found, age,
/*						max_age)
/*	int	have_copy;
/*	int	found;
/*	long long age;
/*	long long max_age;
/*
/*	size_t	cm_sendermap_pattern(out, size, prefix)
/*	char	*out;
/*	size_t	size;
/*	const char *prefix;
/*
/*	cm_sendertab *cm_sendertab_new()
/*
/*	int	cm_sendertab_add(tab, sender, sender_len, campaign,
/*				campaign_len)
/*	cm_sendertab *tab;
/*	const char *sender;
/*	size_t	sender_len;
/*	const char *campaign;
/*	size_t	campaign_len;
/*
/*	void	cm_sendertab_seal(tab)
/*	cm_sendertab *tab;
/*
/*	const char *cm_sendertab_find(tab, sender)
/*	const cm_sendertab *tab;
/*	const char *sender;
/*
/*	size_t	cm_sendertab_size(tab)
/*	const cm_sendertab *tab;
/*
/*	void	cm_sendertab_free(tab)
/*	cm_sendertab *tab;
/* DESCRIPTION
/*	Every message needs the sender lookup at MAIL (Psender:, DESIGN.md
/*	sections 3 and 4): it says whether the message belongs to an
/*	envelope campaign. Without an answer the daemon cannot tell a
/*	mailing stream from a person, so a Redis outage used to defer all
/*	outbound mail. This module keeps a last-known-good copy of every
/*	sender mapping in the daemon, so that ordinary mail can go on
/*	while marketing waits for Redis. The engine asks the copy only
/*	when the live lookup failed (engine.c).
/*
/*	cm_sendermap_create() reads what it needs from cfg, with
/*	RedisPasswordFile (redisconn(3)): call it before dropping
/*	privileges. It neither connects nor starts a thread. With SenderMapRefresh 0
/*	the map is off: it never loads and every lookup answers
/*	CM_SENDERMAP_NONE.
/*
/*	cm_sendermap_load() reads every mapping now: SCAN over
/*	"<KeyPrefix>sender:*" (glob characters of the prefix escaped), and
/*	a pipelined GET for each page of keys (no MGET: the daemon's ACL
/*	then needs only +scan more than before). A key that vanished
/*	between SCAN and GET is left out; a key that is not a string is
/*	kept as mapped (the live lookup would fail on it). The new copy
/*	replaces the old one only when the whole read succeeded. Each load
/*	opens a connection of its own to the primary (through Sentinel
/*	when configured) and closes it, so that the daemon holds no more
/*	connections than RedisConnections between loads.
/*
/*	cm_sendermap_start() loads the copy (the result is logged) and
/*	starts the thread that reloads it every SenderMapRefresh seconds;
/*	every 5 seconds (at most SenderMapRefresh) while loads fail or
/*	the copy stands in for Redis, so that the log says soon when Redis
/*	answers again (the first lookup that the copy answers wakes the
/*	thread). Call it after fork(): the thread blocks every signal.
/*	cm_sendermap_destroy() stops that thread and frees all.
/*
/*	cm_sendermap_lookup() answers for one normalised envelope sender,
/*	with the copy's age in seconds and number of mappings:
/* .IP CM_SENDERMAP_NONE
/*	there is no copy (none loaded since start), or it is older than
/*	SenderMapMaxAge seconds.
/* .IP CM_SENDERMAP_UNMAPPED
/*	the copy has no mapping for the sender.
/* .IP CM_SENDERMAP_MAPPED
/*	the copy maps the sender to a campaign.
/* .PP
/*	cm_sendermap_judge() is that rule alone (pure).
/*	cm_sendermap_pattern() writes the SCAN pattern for a KeyPrefix
/*	and returns its length (0: too long for out).
/*	cm_sendertab_*() is the table itself: add entries, seal it (sort,
/*	drop repeats: SCAN may return a key twice), then find by sender.
/*	A sealed table is read-only, so any number of threads may read it.
/* BUGS
/*	A sender mapped after the last successful load is not in the
/*	copy: during an outage its mail passes as ordinary mail unless it
/*	carries a campaign header or a bulk marker. The gap is at most
/*	SenderMapRefresh seconds before the outage began.
/* DIAGNOSTICS
/*	cm_sendermap_create() returns a null pointer and
/*	cm_sendermap_load() -1, with a one-line reason in err. The
/*	refresher logs: the first load; a failed load (once per streak,
/*	with the copy's age); the copy turning older than SenderMapMaxAge;
/*	the first use of the copy in an outage (its age and size); and,
/*	when Redis answers again, the new size and how old the copy was
/*	when last used.
/* SEE ALSO
/*	engine(3), where the copy is asked.
/*	redisconn(3), the connection.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <hiredis/hiredis.h>

/* Application-specific. */

#include "clock.h"
#include "log.h"
#include "redisreply.h"
#include "thread.h"
#include "redisconn.h"
#include "redispool.h"
#include "schema.h"
#include "sendermap.h"

#define CM_SENDERMAP_PAGE	"1000"	/* SCAN COUNT */
#define CM_SENDERMAP_MAX	1000000	/* mappings in one copy */
#define CM_SENDERMAP_RETRY_S	5	/* while loads fail, or the copy is used */
#define CM_SENDERMAP_PATSZ	512	/* the SCAN pattern */

/* One mapping. */
typedef struct cm_sendertab_entry {
    char   *sender;			/* normalised envelope sender */
    char   *campaign;			/* its value; "" if not a string */
} cm_sendertab_entry;

struct cm_sendertab {
    cm_sendertab_entry *ent;
    size_t  count;
    size_t  alloc;
};

struct cm_sendermap {
    int     refresh_s;			/* SenderMapRefresh; 0: off */
    int     max_age_s;			/* SenderMapMaxAge */
    char    pattern[CM_SENDERMAP_PATSZ];
    size_t  strip;			/* key bytes before the sender */
    cm_redis_target target;		/* where to read */
    int     on;				/* SenderMapRefresh > 0 */

    pthread_mutex_t lock;		/* everything below */
    pthread_cond_t wake;		/* stop, for the refresher */
    cm_sendertab *tab;			/* the copy, or NULL */
    long long loaded_ms;		/* monotonic time of its load */
    int     stop;
    int     running;			/* the refresher thread exists */
    pthread_t thread;
    int     in_use;			/* answered a lookup since the load */
    long long used_age;			/* its age at the last such answer */
    unsigned long uses;			/* lookups it answered */
    int     too_old_said;		/* logged: past SenderMapMaxAge */
    long long tried_ms;			/* monotonic time of the last load */
    int     failing;			/* the last load failed */
};

/* cm_sendermap_judge - what the copy may say, the rule alone */

cm_sendermap_answer cm_sendermap_judge(int have_copy, int found,
				               long long age, long long max_age)
{
    if (!have_copy || age > max_age)
	return (CM_SENDERMAP_NONE);
    return (found ? CM_SENDERMAP_MAPPED : CM_SENDERMAP_UNMAPPED);
}

/* cm_sendermap_pattern - "<prefix>sender:*", glob characters escaped */

size_t  cm_sendermap_pattern(char *out, size_t size, const char *prefix)
{
    static const char tail[] = CM_KEY_SENDER "*";
    size_t  n = 0;
    const char *p;

    for (p = prefix; *p; p++) {
	if (n + 2 >= size)
	    return (0);
	if (strchr("*?[]\\", *p) != 0)
	    out[n++] = '\\';
	out[n++] = *p;
    }
    if (n + sizeof(tail) > size)
	return (0);
    memcpy(out + n, tail, sizeof(tail));
    return (n + sizeof(tail) - 1);
}

/* cm_sendertab_new - an empty table */

cm_sendertab *cm_sendertab_new(void)
{
    return (calloc(1, sizeof(cm_sendertab)));
}

/* copy_bytes - a null-terminated copy of counted bytes */

static char *copy_bytes(const char *data, size_t len)
{
    char   *p;

    if ((p = malloc(len + 1)) != 0) {
	memcpy(p, data, len);
	p[len] = 0;
    }
    return (p);
}

/* cm_sendertab_add - one mapping; -1: out of memory or too many */

int     cm_sendertab_add(cm_sendertab *tab, const char *sender,
			         size_t sender_len, const char *campaign,
			         size_t campaign_len)
{
    cm_sendertab_entry *grown;
    size_t  want;

    /* A sender with a null byte is one no lookup can name. */
    if (memchr(sender, 0, sender_len) != 0)
	return (0);
    if (campaign != 0 && memchr(campaign, 0, campaign_len) != 0)
	campaign_len = 0;			/* kept: mapped, unreadable */
    if (tab->count >= CM_SENDERMAP_MAX)
	return (-1);
    if (tab->count == tab->alloc) {
	want = tab->alloc ? 2 * tab->alloc : 64;
	if ((grown = realloc(tab->ent, want * sizeof(*grown))) == 0)
	    return (-1);
	tab->ent = grown;
	tab->alloc = want;
    }
    tab->ent[tab->count].sender = copy_bytes(sender, sender_len);
    tab->ent[tab->count].campaign = copy_bytes(campaign ? campaign : "",
					       campaign ? campaign_len : 0);
    if (tab->ent[tab->count].sender == 0
	|| tab->ent[tab->count].campaign == 0) {
	free(tab->ent[tab->count].sender);
	free(tab->ent[tab->count].campaign);
	return (-1);
    }
    tab->count++;
    return (0);
}

/* entry_cmp - order by sender */

static int entry_cmp(const void *a, const void *b)
{
    return (strcmp(((const cm_sendertab_entry *) a)->sender,
		   ((const cm_sendertab_entry *) b)->sender));
}

/* cm_sendertab_seal - sort, and keep one entry per sender */

void    cm_sendertab_seal(cm_sendertab *tab)
{
    size_t  i;
    size_t  n = 0;

    if (tab->count == 0)
	return;
    qsort(tab->ent, tab->count, sizeof(*tab->ent), entry_cmp);
    for (i = 1; i < tab->count; i++) {
	if (strcmp(tab->ent[i].sender, tab->ent[n].sender) == 0) {
	    free(tab->ent[i].sender);
	    free(tab->ent[i].campaign);
	    continue;
	}
	tab->ent[++n] = tab->ent[i];
    }
    tab->count = n + 1;
}

/* cm_sendertab_find - the campaign of a sender, or NULL */

const char *cm_sendertab_find(const cm_sendertab *tab, const char *sender)
{
    cm_sendertab_entry key;
    const cm_sendertab_entry *hit;

    if (tab == 0 || tab->count == 0)
	return (0);
    key.sender = (char *) sender;
    key.campaign = 0;
    hit = bsearch(&key, tab->ent, tab->count, sizeof(*tab->ent), entry_cmp);
    return (hit ? hit->campaign : 0);
}

/* cm_sendertab_size - number of mappings */

size_t  cm_sendertab_size(const cm_sendertab *tab)
{
    return (tab ? tab->count : 0);
}

/* cm_sendertab_free - free a table */

void    cm_sendertab_free(cm_sendertab *tab)
{
    size_t  i;

    if (tab == 0)
	return;
    for (i = 0; i < tab->count; i++) {
	free(tab->ent[i].sender);
	free(tab->ent[i].campaign);
    }
    free(tab->ent);
    free(tab);
}

/* cm_sendermap_create - the copy's settings and connections */

cm_sendermap *cm_sendermap_create(const cm_config *cfg, char *err,
				          size_t errlen)
{
    cm_sendermap *sm;
    pthread_condattr_t attr;

    if ((sm = calloc(1, sizeof(*sm))) == 0) {
	(void) snprintf(err, errlen, "sender map: out of memory");
	return (0);
    }
    sm->refresh_s = cfg->sender_map_refresh;
    sm->max_age_s = cfg->sender_map_max_age;
    sm->strip = strlen(cfg->key_prefix) + strlen(CM_KEY_SENDER);
    if (cm_sendermap_pattern(sm->pattern, sizeof(sm->pattern),
			     cfg->key_prefix) == 0) {
	(void) snprintf(err, errlen, "sender map: KeyPrefix too long");
	free(sm);
	return (0);
    }
    if (sm->refresh_s > 0) {
	if (cm_redis_target_init(&sm->target, cfg, err, errlen) != 0) {
	    cm_redis_target_free(&sm->target);
	    free(sm);
	    return (0);
	}
	sm->on = 1;
    }
    (void) pthread_mutex_init(&sm->lock, 0);
    (void) pthread_condattr_init(&attr);
    (void) pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    (void) pthread_cond_init(&sm->wake, &attr);
    (void) pthread_condattr_destroy(&attr);
    return (sm);
}

/* State of one load: see scan_exchange(). */
struct scan_req {
    const cm_sendermap *sm;
    cm_sendertab *tab;			/* being filled */
};

/* reply_fail - a reply that is not what SCAN or GET should give */

static int reply_fail(redisContext *c, redisReply *r, const char *what,
		              char *err, size_t errlen)
{
    char    where[CM_REDIS_WHERESZ];
    char    show[CM_REDIS_SHOWSZ];
    int     stale = (r != 0 && cm_redis_reply_unready(r));

    cm_redis_err(err, errlen, "redis %s: %s: %s",
		 cm_redis_context_where(where, sizeof(where), c), what,
		 r ? cm_redis_reply_show(show, sizeof(show), r) : "no reply");
    if (r != 0)
	cm_redis_reply_free(r);
    return (stale ? CM_XCHG_UNREADY : CM_XCHG_FAIL);
}

/* scan_values - GET every key of one SCAN page, pipelined */

static int scan_values(redisContext *c, struct scan_req *req,
		               const redisReply *keys, char *err, size_t errlen)
{
    const char *argv[2] = {"GET", 0};
    size_t  lens[2] = {3, 0};
    redisReply *r;
    size_t  i;
    int     status = CM_XCHG_OK;

    for (i = 0; i < keys->elements; i++)
	if (keys->element[i]->type != REDIS_REPLY_STRING)
	    return (reply_fail(c, 0, "SCAN: a key that is not a string",
			       err, errlen));
    for (i = 0; i < keys->elements; i++) {
	argv[1] = keys->element[i]->str;
	lens[1] = keys->element[i]->len;
	if (redisAppendCommandArgv(c, 2, argv, lens) != REDIS_OK)
	    return (cm_redis_pool_error(c, errno, err, errlen));
    }

    /* Every reply is read, even after a failure: the context stays usable. */
    for (i = 0; i < keys->elements; i++) {
	const redisReply *k = keys->element[i];

	if (redisGetReply(c, (void **) &r) != REDIS_OK)
	    return (cm_redis_pool_error(c, errno, err, errlen));
	if (status != CM_XCHG_OK || k->len <= req->sm->strip) {
	    cm_redis_reply_free(r);
	    continue;
	}
	if (r->type == REDIS_REPLY_STRING) {
	    if (cm_sendertab_add(req->tab, k->str + req->sm->strip,
				 k->len - req->sm->strip, r->str,
				 r->len) != 0)
		status = reply_fail(c, 0, "too many sender mappings, or "
				    "out of memory", err, errlen);
	} else if (r->type == REDIS_REPLY_ERROR && !cm_redis_reply_unready(r)
		   && strncmp(r->str, "WRONGTYPE", 9) == 0) {
	    /* Not a string: the live lookup fails on it too. Mapped. */
	    if (cm_sendertab_add(req->tab, k->str + req->sm->strip,
				 k->len - req->sm->strip, 0, 0) != 0)
		status = reply_fail(c, 0, "out of memory", err, errlen);
	} else if (r->type != REDIS_REPLY_NIL) {
	    status = reply_fail(c, r, "GET", err, errlen);
	    continue;
	}
	cm_redis_reply_free(r);
    }
    return (status);
}

/* scan_exchange - SCAN every sender key, GET its value */

static int scan_exchange(redisContext *c, void *arg, char *err,
			         size_t errlen)
{
    struct scan_req *req = arg;
    const char *argv[6] = {"SCAN", 0, "MATCH", 0, "COUNT",
    CM_SENDERMAP_PAGE};
    size_t  lens[6];
    char    cursor[32] = "0";
    redisReply *r;
    int     status;
    int     i;

    if ((req->tab = cm_sendertab_new()) == 0)
	return (reply_fail(c, 0, "out of memory", err, errlen));
    argv[3] = req->sm->pattern;
    do {
	argv[1] = cursor;
	for (i = 0; i < 6; i++)
	    lens[i] = strlen(argv[i]);
	if ((r = redisCommandArgv(c, 6, argv, lens)) == 0)
	    return (cm_redis_pool_error(c, errno, err, errlen));
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2
	    || r->element[0]->type != REDIS_REPLY_STRING
	    || r->element[0]->len >= sizeof(cursor)
	    || r->element[1]->type != REDIS_REPLY_ARRAY)
	    return (reply_fail(c, r, "SCAN", err, errlen));
	memcpy(cursor, r->element[0]->str, r->element[0]->len + 1);
	status = scan_values(c, req, r->element[1], err, errlen);
	cm_redis_reply_free(r);
	if (status != CM_XCHG_OK)
	    return (status);
    } while (strcmp(cursor, "0") != 0);
    return (CM_XCHG_OK);
}

/* cm_sendermap_load - read every mapping now; replace the copy */

int     cm_sendermap_load(cm_sendermap *sm, char *err, size_t errlen)
{
    struct scan_req req = {sm, 0};
    cm_sendertab *old;
    redisContext *c;
    size_t  count;
    int     status;

    if (!sm->on) {
	(void) snprintf(err, errlen, "sender map: off (SenderMapRefresh 0)");
	return (-1);
    }

    /*
     * A connection of its own for each load, closed after it: between
     * loads the daemon holds no more connections than RedisConnections.
     */
    if ((c = cm_redis_open(&sm->target, err, errlen)) == 0)
	return (-1);
    status = scan_exchange(c, &req, err, errlen);
    redisFree(c);
    if (status != CM_XCHG_OK) {
	cm_sendertab_free(req.tab);
	return (-1);
    }
    cm_sendertab_seal(req.tab);
    count = cm_sendertab_size(req.tab);
    (void) pthread_mutex_lock(&sm->lock);
    old = sm->tab;
    sm->tab = req.tab;
    sm->loaded_ms = cm_time_mono_ms();
    if (sm->in_use)
	cm_log(LOG_INFO, "consent store answers again: sender map "
	       "reloaded, %zu sender(s); the copy used during the outage "
	       "was %lld s old when last used (%lu MAIL lookup(s))",
	       count, sm->used_age, sm->uses);
    sm->in_use = 0;
    sm->uses = 0;
    sm->too_old_said = 0;
    (void) pthread_mutex_unlock(&sm->lock);
    cm_sendertab_free(old);
    return (0);
}

/* cm_sendermap_lookup - what the copy says about one sender */

cm_sendermap_answer cm_sendermap_lookup(cm_sendermap *sm,
				              const char *sender,
				              long long *age, size_t *size)
{
    cm_sendermap_answer answer;
    int     found;

    *age = 0;
    *size = 0;
    if (sm == 0 || !sm->on)
	return (CM_SENDERMAP_NONE);
    (void) pthread_mutex_lock(&sm->lock);
    if (sm->tab != 0)
	*age = (cm_time_mono_ms() - sm->loaded_ms) / 1000;
    *size = cm_sendertab_size(sm->tab);
    found = (cm_sendertab_find(sm->tab, sender) != 0);
    answer = cm_sendermap_judge(sm->tab != 0, found, *age, sm->max_age_s);
    if (answer != CM_SENDERMAP_NONE) {
	if (!sm->in_use) {
	    cm_log(LOG_WARNING, "consent store unavailable: senders are "
		   "decided at MAIL from the sender map copy (%zu "
		   "sender(s), %lld s old, used up to SenderMapMaxAge %d s)",
		   *size, *age, sm->max_age_s);
	    (void) pthread_cond_signal(&sm->wake);	/* retry soon */
	}
	sm->in_use = 1;
	sm->used_age = *age;
	sm->uses++;
    } else if (sm->tab != 0 && !sm->too_old_said) {
	sm->too_old_said = 1;
	cm_log(LOG_WARNING, "sender map copy is %lld s old, more than "
	       "SenderMapMaxAge %d s: not used; all mail waits for the "
	       "consent store", *age, sm->max_age_s);
    }
    (void) pthread_mutex_unlock(&sm->lock);
    return (answer);
}

/* refresher - reload the copy until told to stop */

static void *refresher(void *arg)
{
    cm_sendermap *sm = arg;
    struct timespec until;
    long long due;
    char    err[512];
    int     retry_s = sm->refresh_s < CM_SENDERMAP_RETRY_S ?
    sm->refresh_s : CM_SENDERMAP_RETRY_S;

    (void) pthread_mutex_lock(&sm->lock);
    while (!sm->stop) {

	/*
	 * Soon again while loads fail or the copy stands in for Redis, so
	 * that the log says soon when Redis answers again. A lookup that
	 * starts using the copy wakes this thread (cm_sendermap_lookup()).
	 */
	due = sm->tried_ms + 1000LL * (sm->failing || sm->in_use ?
				       retry_s : sm->refresh_s);
	if (cm_time_mono_ms() < due) {
	    (void) clock_gettime(CLOCK_MONOTONIC, &until);
	    until.tv_sec += (due - cm_time_mono_ms()) / 1000;
	    until.tv_nsec += ((due - cm_time_mono_ms()) % 1000) * 1000000L;
	    if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	    }
	    (void) pthread_cond_timedwait(&sm->wake, &sm->lock, &until);
	    continue;
	}
	(void) pthread_mutex_unlock(&sm->lock);
	if (cm_sendermap_load(sm, err, sizeof(err)) == 0) {
	    (void) pthread_mutex_lock(&sm->lock);
	    sm->failing = 0;
	} else {
	    (void) pthread_mutex_lock(&sm->lock);
	    if (!sm->failing && sm->tab != 0)
		cm_log(LOG_WARNING, "sender map not reloaded (the copy is "
		       "%lld s old): %s", (cm_time_mono_ms() - sm->loaded_ms)
		       / 1000, err);
	    else if (!sm->failing)
		cm_log(LOG_WARNING, "sender map not loaded: %s", err);
	    sm->failing = 1;
	}
	sm->tried_ms = cm_time_mono_ms();
    }
    (void) pthread_mutex_unlock(&sm->lock);
    return (0);
}

/* cm_sendermap_start - first load, then the refresher thread */

int     cm_sendermap_start(cm_sendermap *sm)
{
    char    err[512];

    if (!sm->on) {
	cm_log(LOG_INFO, "sender map off (SenderMapRefresh 0): a Redis "
	       "outage defers all mail");
	return (0);
    }
    if (cm_sendermap_load(sm, err, sizeof(err)) == 0) {
	cm_log(LOG_INFO, "sender map loaded: %zu sender(s), reloaded every "
	       "%d s", cm_sendertab_size(sm->tab), sm->refresh_s);
    } else {
	sm->failing = 1;
	cm_log(LOG_WARNING, "sender map not loaded: %s%s; until it loads, a "
	       "Redis outage defers all mail", err, strstr(err, "NOPERM") ?
	       " (the daemon's Redis ACL user needs +scan: see README.md)" :
	       "");
    }
    sm->tried_ms = cm_time_mono_ms();

    if (cm_thread_start(&sm->thread, refresher, sm) != 0) {
	cm_log(LOG_ERR, "sender map: cannot start the refresher thread");
	return (-1);
    }
    sm->running = 1;
    return (0);
}

/* cm_sendermap_destroy - stop the refresher, free the copy */

void    cm_sendermap_destroy(cm_sendermap *sm)
{
    if (sm == 0)
	return;
    if (sm->running) {
	(void) pthread_mutex_lock(&sm->lock);
	sm->stop = 1;
	(void) pthread_cond_broadcast(&sm->wake);
	(void) pthread_mutex_unlock(&sm->lock);
	(void) pthread_join(sm->thread, 0);
    }
    cm_sendertab_free(sm->tab);
    cm_redis_target_free(&sm->target);
    (void) pthread_mutex_destroy(&sm->lock);
    (void) pthread_cond_destroy(&sm->wake);
    free(sm);
}
