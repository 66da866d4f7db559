/*++
/* NAME
/*	callbacks 3
/* SUMMARY
/*	libmilter callbacks
/* SYNOPSIS
/*	#include "callbacks.h"
/*
/*	struct smfiDesc cm_milter_desc;
/*
/*	void	cm_callbacks_init(eng)
/*	const cm_engine *eng;
/*
/*	int	cm_callbacks_drain(grace_ms)
/*	int	grace_ms;
/* DESCRIPTION
/*	The callbacks are deliberately thin: each one takes what libmilter
/*	hands over, passes it to the engine (engine.c), and turns the
/*	engine's answer into an SMFIS_* code. All state lives in a session
/*	attached with smfi_setpriv(): Debian's libmilter runs a worker
/*	pool, so one connection's callbacks may run on different threads
/*	(never at the same time).
/*
/*	Telling the two Postfix paths apart: mail from Postfix's
/*	sendmail(1) command reaches non_smtpd_milters through cleanup(8),
/*	which simulates the SMTP events with the client "localhost",
/*	address 127.0.0.1 and port 0, and which must not refuse a
/*	simulated RCPT. A connection whose client address is unknown, or
/*	whose client port is 0, is treated that way: every decision is
/*	made at end of message, and no recipient is stripped (cleanup
/*	shows the milter each recipient after rewriting it, but matches
/*	a deletion against the form submitted). A real SMTP client
/*	always has a port. On that path the null sender arrives as an
/*	empty string, not "<>".
/*
/*	The engine itself never needs the body or the end of the header.
/*	Each connection uses the engine that is current when it connects
/*	(cm_gen_hold(), reload(3)) until it ends. cm_callbacks_init()
/*	registers the end-of-header callback only when plugins are loaded
/*	and the body callback only when one of them wants the body: a
/*	step without a callback is one that libmilter asks the MTA to
/*	skip. It must be called before smfi_register().
/*
/*	A header never gets an answer other than "continue", so the daemon
/*	asks the MTA not to wait for one (SMFIP_NR_HDR): a message then
/*	costs the MTA one round trip less per header field. Also over TCP:
/*	with the DATA step answered (see cb_data), Postfix 3.7 does not
/*	stall on Nagle's algorithm toward it (one SMTP session over TCP is
/*	as fast as over a unix socket, tests/bench/postfix-bench.sh).
/*	tests/bench/nullmilter.c mirrors this.
/*
/*	Each callback passes drain(3)'s gate first, and the connection's
/*	private data is its drain(3) handle, which holds the session. On
/*	SIGTERM a new MAIL FROM gets "451 4.3.2 consent-milter is
/*	stopping, try again later" (except on Postfix's sendmail path,
/*	whose message is let through), and main() lets the messages in
/*	progress end before it stops libmilter. cm_callbacks_drain(),
/*	after smfi_main() returned, shuts the gate, waits for the
/*	callbacks inside it (grace_ms at most) and frees the sessions
/*	libmilter dropped. It returns the number of callbacks still
/*	running then: when not 0, the caller must not free what they
/*	may use.
/* DIAGNOSTICS
/*	Out of memory: the transaction is tempfailed.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>

/* Utility library. */

#include <libmilter/mfapi.h>

/* Application-specific. */

#include "callbacks.h"
#include "drain.h"
#include "engine.h"
#include "reload.h"
#include "log.h"
#include "plugin.h"


/* to_sfsistat - the libmilter code for an engine reply */

static sfsistat to_sfsistat(cm_reply reply)
{
    switch (reply) {
    case CM_REPLY_ACCEPT:
	return (SMFIS_ACCEPT);
    case CM_REPLY_REJECT:
	return (SMFIS_REJECT);
    case CM_REPLY_TEMPFAIL:
	return (SMFIS_TEMPFAIL);
    case CM_REPLY_CONTINUE:
    default:
	return (SMFIS_CONTINUE);
    }
}

/* is_non_smtp - does this connection come from Postfix's cleanup */

static int is_non_smtp(const struct sockaddr *addr)
{
    if (addr == 0)
	return (1);
    if (addr->sa_family == AF_INET)
	return (((const struct sockaddr_in *) addr)->sin_port == 0);
    if (addr->sa_family == AF_INET6)
	return (((const struct sockaddr_in6 *) addr)->sin6_port == 0);
    return (1);
}

/* addr_text - the client address as text, "" if unknown */

static void addr_text(const struct sockaddr *addr, char *buf, size_t len)
{
    buf[0] = 0;
    if (addr == 0)
	return;
    if (addr->sa_family == AF_INET)
	(void) inet_ntop(AF_INET, &((const struct sockaddr_in *) addr)->sin_addr,
			 buf, len);
    else if (addr->sa_family == AF_INET6)
	(void) inet_ntop(AF_INET6,
			 &((const struct sockaddr_in6 *) addr)->sin6_addr,
			 buf, len);
}

/*
 * One callback's turn: its connection's drain(3) handle, through whose
 * gate it passed, and the session.
 */
typedef struct cb_turn {
    cm_drain_conn *conn;
    cm_session *s;
} cb_turn;

/* enter - pass the gate (0: shut, touch nothing), find the session */

static int enter(SMFICTX *ctx, cb_turn *t)
{
    t->conn = smfi_getpriv(ctx);
    if (!cm_drain_enter(t->conn))
	return (0);
    t->s = cm_drain_data(t->conn);
    return (1);
}

/* leave - end a turn, saying whether a message is in progress */

static sfsistat leave(const cb_turn *t, sfsistat status)
{
    cm_drain_leave(t->conn, t->s != 0 && cm_session_busy(t->s));
    return (status);
}

/* release - free a session, and its hold on a generation */

static void release(void *data)
{
    cm_session *s = data;
    const cm_engine *eng = cm_session_engine(s);

    cm_session_free(s);
    cm_gen_release(eng);
}

/* cb_connect - a new MTA connection */

static sfsistat cb_connect(SMFICTX *ctx, char *hostname,
			           struct sockaddr *hostaddr)
{
    cb_turn t = {0, 0};			/* no connection yet */
    cm_session *s;
    cm_drain_conn *conn;
    char    addr[INET6_ADDRSTRLEN];
    const cm_engine *eng;

    if (!cm_drain_enter(0))
	return (SMFIS_TEMPFAIL);

    /*
     * The connection keeps the configuration that is current now until
     * it ends, whatever a reload (SIGUSR1) does meanwhile (reload.c).
     */
    eng = cm_gen_hold();
    if ((s = cm_session_new(eng, is_non_smtp(hostaddr))) == 0) {
	cm_gen_release(eng);
	cm_log(LOG_ERR, "out of memory");
	return (leave(&t, SMFIS_TEMPFAIL));
    }
    if ((conn = cm_drain_add(s)) == 0 || smfi_setpriv(ctx, conn) != MI_SUCCESS) {
	if (conn != 0)
	    cm_drain_close(conn);		/* forgets it; no turn to end */
	release(s);
	cm_log(LOG_ERR, "out of memory");
	return (leave(&t, SMFIS_TEMPFAIL));
    }
    addr_text(hostaddr, addr, sizeof(addr));
    cm_on_connect(s, ctx, hostname, addr);
    return (leave(&t, SMFIS_CONTINUE));
}

/* cb_envfrom - MAIL FROM */

static sfsistat cb_envfrom(SMFICTX *ctx, char **argv)
{
    cb_turn t;

    if (!enter(ctx, &t))
	return (SMFIS_TEMPFAIL);
    if (t.s == 0 || argv == 0 || argv[0] == 0)
	return (leave(&t, SMFIS_TEMPFAIL));

    /*
     * Stopping (drain(3)): a new message waits in the MTA's queue. Not
     * on Postfix's sendmail path, which may not tempfail here and
     * sends a whole message at once: that one is let through the
     * stop like any message already in progress.
     */
    if (cm_drain_stopping() && !cm_session_non_smtp(t.s)) {
	cm_session_abort(t.s);
	(void) smfi_setreply(ctx, "451", "4.3.2",
			     "consent-milter is stopping, try again later");
	return (leave(&t, SMFIS_TEMPFAIL));
    }
    return (leave(&t, to_sfsistat(cm_on_mail(t.s, ctx, argv[0],
				      smfi_getsymval(ctx, "{auth_authen}")))));
}

/* cb_envrcpt - RCPT TO */

static sfsistat cb_envrcpt(SMFICTX *ctx, char **argv)
{
    cb_turn t;

    if (!enter(ctx, &t))
	return (SMFIS_TEMPFAIL);
    if (t.s == 0 || argv == 0 || argv[0] == 0)
	return (leave(&t, SMFIS_TEMPFAIL));

    /*
     * Never SMFIS_ACCEPT here: that would accept the whole message and
     * skip every later recipient.
     */
    return (leave(&t, to_sfsistat(cm_on_rcpt(t.s, ctx, argv[0]))));
}

/* cb_data - DATA: nothing to do, but the step must not be skipped */

static sfsistat cb_data(SMFICTX *ctx)
{
    (void) ctx;

    /*
     * Without a DATA callback libmilter asks the MTA to skip the step,
     * and Postfix then sends the DATA macros without waiting for a
     * reply; over TCP its next packet stalls ~40 ms on Nagle and
     * delayed ACKs, every message. Answering DATA costs a round trip
     * on a unix socket and saves 40 ms on TCP.
     */
    return (SMFIS_CONTINUE);
}

/* cb_header - one header field */

static sfsistat cb_header(SMFICTX *ctx, char *name, char *value)
{
    cb_turn t;

    if (!enter(ctx, &t))
	return (SMFIS_NOREPLY);
    if (t.s != 0 && name != 0 && value != 0)
	cm_on_header(t.s, ctx, name, value);
    return (leave(&t, SMFIS_NOREPLY));	/* SMFIP_NR_HDR */
}

/* cb_eoh - end of the header (registered only with plugins) */

static sfsistat cb_eoh(SMFICTX *ctx)
{
    cb_turn t;

    if (!enter(ctx, &t))
	return (SMFIS_TEMPFAIL);
    if (t.s != 0)
	cm_on_eoh(t.s, ctx);
    return (leave(&t, SMFIS_CONTINUE));
}

/* cb_body - a body chunk (registered only for plugins that want it) */

static sfsistat cb_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
    cb_turn t;

    if (!enter(ctx, &t))
	return (SMFIS_TEMPFAIL);
    if (t.s != 0 && chunk != 0)
	cm_on_body(t.s, ctx, chunk, len);
    return (leave(&t, SMFIS_CONTINUE));
}

/* cb_eom - end of message */

static sfsistat cb_eom(SMFICTX *ctx)
{
    cb_turn t;

    if (!enter(ctx, &t))
	return (SMFIS_TEMPFAIL);
    if (t.s == 0)
	return (leave(&t, SMFIS_TEMPFAIL));
    return (leave(&t, to_sfsistat(cm_on_eom(t.s, ctx))));
}

/* cb_abort - the MTA abandoned the message */

static sfsistat cb_abort(SMFICTX *ctx)
{
    cb_turn t;

    if (!enter(ctx, &t))
	return (SMFIS_CONTINUE);
    if (t.s != 0)
	cm_session_abort(t.s);
    return (leave(&t, SMFIS_CONTINUE));
}

/* cb_close - end of the MTA connection */

static sfsistat cb_close(SMFICTX *ctx)
{
    cb_turn t;

    /* Past a shut gate the session belongs to cm_callbacks_drain(). */
    if (!enter(ctx, &t))
	return (SMFIS_CONTINUE);
    if (t.conn == 0)
	return (leave(&t, SMFIS_CONTINUE));
    (void) smfi_setpriv(ctx, 0);
    if (t.s != 0)
	release(t.s);
    cm_drain_close(t.conn);		/* ends the turn */
    return (SMFIS_CONTINUE);
}

/* cb_negotiate - libmilter's choice of steps, and no header replies */

static sfsistat cb_negotiate(SMFICTX *ctx, unsigned long f0,
			             unsigned long f1, unsigned long f2,
			             unsigned long f3, unsigned long *pf0,
			             unsigned long *pf1, unsigned long *pf2,
			             unsigned long *pf3)
{
    (void) ctx;
    (void) f0;
    (void) f1;
    (void) f2;
    (void) f3;

    /*
     * *pf1 comes filled in with what libmilter would ask for without
     * this callback (no step that has no callback), plus SMFIP_SKIP,
     * which is of no use here. libmilter fakes a no-reply step for an
     * MTA that cannot do one, so the flag is always safe.
     */
    *pf0 = cm_milter_desc.xxfi_flags;
    *pf1 = (*pf1 & ~SMFIP_SKIP) | SMFIP_NR_HDR;
    *pf2 = *pf3 = 0;
    return (SMFIS_CONTINUE);
}

/* cm_callbacks_drain - after smfi_main(): let messages end, then stop */

int     cm_callbacks_drain(int grace_ms)
{
    return (cm_drain_wait(grace_ms, release));
}

/* cm_callbacks_init - name the engine */

void    cm_callbacks_init(const cm_engine *eng)
{
    if (eng->plugins != 0 && eng->plugins->count > 0)
	cm_milter_desc.xxfi_eoh = cb_eoh;
    if (eng->plugins != 0 && (eng->plugins->flags & CM_PLUGIN_WANT_BODY))
	cm_milter_desc.xxfi_body = cb_body;
}

struct smfiDesc cm_milter_desc = {
    "consent-milter",			/* filter name */
    SMFI_VERSION,			/* version code */
    SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_DELRCPT | SMFIF_QUARANTINE,
    /* flags: CHGHDRS removes a client's copies of our own headers */
    cb_connect,				/* connection info */
    0,					/* SMTP HELO */
    cb_envfrom,				/* envelope sender */
    cb_envrcpt,				/* envelope recipient */
    cb_header,				/* header */
    0,					/* end of header: plugins only */
    0,					/* body block: plugins only */
    cb_eom,				/* end of message */
    cb_abort,				/* message aborted */
    cb_close,				/* connection cleanup */
    0,					/* unknown SMTP command */
    cb_data,				/* DATA */
    cb_negotiate,			/* option negotiation */
};
