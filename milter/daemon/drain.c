/*++
/* NAME
/*	drain 3
/* SUMMARY
/*	stopping with sessions still open: finish, then touch nothing
/* SYNOPSIS
/*	#include "drain.h"
/*
/*	cm_drain_conn *cm_drain_add(data)
/*	void	*data;
/*
/*	void	*cm_drain_data(conn)
/*	cm_drain_conn *conn;
/*
/*	int	cm_drain_enter(conn)
/*	cm_drain_conn *conn;
/*
/*	void	cm_drain_leave(conn, busy)
/*	cm_drain_conn *conn;
/*	int	busy;
/*
/*	void	cm_drain_close(conn)
/*	cm_drain_conn *conn;
/*
/*	int	cm_drain_stopping(void)
/*
/*	void	cm_drain_stop(void)
/*
/*	int	cm_drain_messages(void)
/*
/*	int	cm_drain_wait(grace_ms, release)
/*	int	grace_ms;
/*	void	(*release)(void *data);
/* DESCRIPTION
/*	smfi_stop() makes smfi_main() return, and Debian's libmilter (a
/*	pool of workers) then drops every connection still open, without
/*	their close callbacks; a worker already inside a callback runs on.
/*	Stopped that way, a message in progress is lost to the daemon (the
/*	MTA's milter_default_action applies), its session leaks, and a
/*	callback may still run while the daemon closes the audit trail,
/*	frees the store and unloads the plugins. This module orders the
/*	end instead:
/* .IP 1.
/*	On SIGTERM (cm_drain_stop()) the daemon stops starting messages:
/*	a new MAIL FROM is tempfailed (the callbacks ask
/*	cm_drain_stopping()), so the MTA keeps that mail for later. A
/*	message already past MAIL FROM goes on as usual: decided,
/*	audited, answered. The main thread calls smfi_stop() once
/*	cm_drain_messages() is 0, or after a grace period.
/* .IP 2.
/*	After smfi_main() returned, cm_drain_wait() shuts the gate: from
/*	then on cm_drain_enter() returns 0, and a callback that gets 0
/*	answers without reading its session, the store, or anything else
/*	the daemon is about to free. It waits for the callbacks already
/*	inside (grace_ms at most), then gives the data of every
/*	connection still registered to release(): nothing of the
/*	daemon's runs any more, so that is safe, and no session leaks.
/* .PP
/*	cm_drain_add() registers one connection's data (its session) and
/*	returns the handle to keep with the connection; cm_drain_data()
/*	gives the data back. A callback brackets its work with
/*	cm_drain_enter() and cm_drain_leave(), saying whether the
/*	connection has a message in progress when it leaves; conn is
/*	NULL for a callback without a registered connection (the
/*	connect callback, before it registers one). The close callback
/*	ends its turn with cm_drain_close() instead, which forgets the
/*	(registered, not NULL) connection (its data is the caller's to
/*	free, before).
/*
/*	A connection's callbacks never run at the same time, so the gate
/*	is a flag in each connection, not a counter that every worker
/*	would fight over: a callback sets its connection's flag and then
/*	reads the gate; the stopper shuts the gate and then reads the
/*	flags. Both are sequentially consistent, so whichever comes
/*	second sees the other, and no callback runs unseen past a shut
/*	gate. A callback without a connection counts itself in one
/*	shared counter instead (once per connection). After the wait the
/*	handles stay, for a late callback to find its own shut gate in:
/*	they are freed by the exit.
/* DIAGNOSTICS
/*	cm_drain_add() returns NULL when out of memory. cm_drain_wait()
/*	returns the number of callbacks still running after its grace (0:
/*	the caller may free everything), and logs them, and the
/*	connections whose sessions it released.
/* SEE ALSO
/*	callbacks(3), consent-milter(8), SIGNALS.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <syslog.h>
#include <time.h>

/* Application-specific. */

#include "drain.h"
#include "log.h"

struct cm_drain_conn {
    void   *data;			/* the session, or NULL once released */
    cm_drain_conn *prev;
    cm_drain_conn *next;
    atomic_bool inside;			/* one of its callbacks runs */
    atomic_bool busy;			/* a message in progress */
};

static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static cm_drain_conn *conns;		/* every open connection */

static atomic_int unattached;		/* callbacks without a connection */
static atomic_bool stopping;		/* SIGTERM: no new message */
static atomic_bool shut;		/* no callback may run */

/* cm_drain_add - register a connection's data */

cm_drain_conn *cm_drain_add(void *data)
{
    cm_drain_conn *conn;

    if ((conn = malloc(sizeof(*conn))) == 0)
	return (0);
    conn->data = data;
    conn->prev = 0;
    atomic_init(&conn->inside, 0);
    atomic_init(&conn->busy, 0);
    (void) pthread_mutex_lock(&conns_lock);
    if ((conn->next = conns) != 0)
	conns->prev = conn;
    conns = conn;
    (void) pthread_mutex_unlock(&conns_lock);
    return (conn);
}

/* cm_drain_data - a connection's data */

void   *cm_drain_data(cm_drain_conn *conn)
{
    return (conn ? conn->data : 0);
}

/* cm_drain_enter - a callback starts; 0: touch nothing */

int     cm_drain_enter(cm_drain_conn *conn)
{
    if (conn != 0)
	atomic_store(&conn->inside, 1);
    else
	atomic_fetch_add(&unattached, 1);
    if (atomic_load(&shut)) {
	if (conn != 0)
	    atomic_store(&conn->inside, 0);
	else
	    atomic_fetch_sub(&unattached, 1);
	return (0);
    }
    return (1);
}

/* cm_drain_leave - a callback ends */

void    cm_drain_leave(cm_drain_conn *conn, int busy)
{
    if (conn != 0) {
	atomic_store_explicit(&conn->busy, busy != 0, memory_order_relaxed);
	atomic_store_explicit(&conn->inside, 0, memory_order_release);
    } else {
	atomic_fetch_sub(&unattached, 1);
    }
}

/* cm_drain_close - the close callback ends: forget the connection */

void    cm_drain_close(cm_drain_conn *conn)
{
    (void) pthread_mutex_lock(&conns_lock);
    if (conn->prev != 0)
	conn->prev->next = conn->next;
    else
	conns = conn->next;
    if (conn->next != 0)
	conn->next->prev = conn->prev;
    (void) pthread_mutex_unlock(&conns_lock);
    free(conn);
}

/* cm_drain_stopping - past SIGTERM: start no new message */

int     cm_drain_stopping(void)
{
    return (atomic_load_explicit(&stopping, memory_order_relaxed));
}

/* cm_drain_stop - SIGTERM */

void    cm_drain_stop(void)
{
    atomic_store(&stopping, 1);
}

/* cm_drain_messages - messages in progress */

int     cm_drain_messages(void)
{
    cm_drain_conn *conn;
    int     n = 0;

    (void) pthread_mutex_lock(&conns_lock);
    for (conn = conns; conn != 0; conn = conn->next)
	n += atomic_load_explicit(&conn->busy, memory_order_relaxed);
    (void) pthread_mutex_unlock(&conns_lock);
    return (n);
}

/* running - callbacks past the gate (with the list locked) */

static int running(void)
{
    cm_drain_conn *conn;
    int     n = atomic_load(&unattached);

    for (conn = conns; conn != 0; conn = conn->next)
	n += atomic_load(&conn->inside);
    return (n);
}

/* cm_drain_wait - after smfi_main(): shut the gate, wait, release */

int     cm_drain_wait(int grace_ms, void (*release) (void *))
{
    struct timespec tick = {0, 5 * 1000 * 1000};
    cm_drain_conn *conn;
    long    waited = 0;
    int     n;
    int     open = 0;

    atomic_store(&stopping, 1);
    atomic_store(&shut, 1);
    for (;;) {
	(void) pthread_mutex_lock(&conns_lock);
	if ((n = running()) == 0 || waited >= grace_ms)
	    break;				/* with the lock */
	(void) pthread_mutex_unlock(&conns_lock);
	(void) nanosleep(&tick, 0);
	waited += 5;
    }
    if (n > 0) {
	(void) pthread_mutex_unlock(&conns_lock);
	cm_log(LOG_ERR, "stopping: %d callback%s still running after %d ms: "
	       "exiting without freeing what %s", n, n == 1 ? "" : "s",
	       grace_ms, n == 1 ? "it may use" : "they may use");
	return (n);
    }

    /*
     * Nothing of ours runs, or will: the sessions still registered can
     * go. The handles stay listed (reachable), for a late callback.
     */
    for (conn = conns; conn != 0; conn = conn->next) {
	if (conn->data != 0 && release != 0)
	    release(conn->data);
	conn->data = 0;
	open++;
    }
    (void) pthread_mutex_unlock(&conns_lock);
    if (open > 0)
	cm_log(LOG_INFO, "stopping: closed %d connection%s between messages",
	       open, open == 1 ? "" : "s");
    return (0);
}
