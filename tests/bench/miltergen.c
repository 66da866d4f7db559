/*++
/* NAME
/*	miltergen 1
/* SUMMARY
/*	milter protocol load generator
/* SYNOPSIS
/*	miltergen -s socket [-c conns] [-n total] [-d seconds] [-k per_conn]
/*		[-r rcpts] [-m envelope|header] [-x consent|none] [-u share]
/*		[-N addresses] [-t pattern] [-f sender] [-C campaign]
/*		[-A login] [-a client_addr] [-P port] [-b body_bytes]
/*		[-W] [-Q] [-v] [-T] [-D cut[,cut...]] [-L file] [-R ms] [-i ms]
/* DESCRIPTION
/*	miltergen plays the MTA (as Postfix does, protocol version 6)
/*	towards a milter on "unix:/path" or "inet:port@host", on -c
/*	connections at once (one thread each), and measures it.
/*
/*	Each connection negotiates (offering every action and every
/*	protocol step, the no-reply bits and SMFIP_HDR_LEADSPC), sends
/*	CONNECT (client -a, port -P plus the connection number; -P 0 is
/*	Postfix's sendmail-command path), HELO, then messages: MAIL with
/*	macros ({mail_addr}, {auth_authen} with -A), -r RCPTs ({rcpt_addr}),
/*	DATA, the headers of a marketing message (with "X-Campaign-ID: -C"
/*	in header mode), end of headers, the body, end of message (queue
/*	id macro "i" from DATA on), then the next MAIL on the same
/*	connection; after -k messages (0: never) it sends QUIT and
/*	reconnects. It skips the steps the milter asked it not to send
/*	(SMFIP_NO*) and does not wait for a reply where the milter asked
/*	for none (SMFIP_NR_*). Packets go out in one write when a reply is
/*	due (as Postfix's buffered stream does); -W writes each packet on
/*	its own instead (a naive MTA: shows Nagle stalls over TCP).
/*
/*	Recipients are drawn from -N addresses made from the pattern -t
/*	(default user%u@example.org; %u is the number k). The scheme shared
/*	with bench.sh's seeding: k mod 4 = 0 or 1 is granted, 2 withdrawn,
/*	3 suppressed (k mod 8 = 3) or without any record (k mod 8 = 7). A
/*	share -u of the recipients is drawn from the refused half, exactly
/*	(an accumulator per connection, not a coin), the rest from the
/*	granted half; the addresses of one message are all different.
/*
/*	Expected answers (-x consent, the default), DESIGN.md section 6:
/*	with an envelope campaign (the sender -f maps to one through
/*	Psender:) on the SMTP path, a refused recipient gets a 550 reply
/*	at RCPT and the others continue; when all were refused the message
/*	is aborted (SMFIC_ABORT), as an MTA does. With a header campaign
/*	(or -P 0), every recipient continues at RCPT and at end of message
/*	the refused ones are deleted (SMFIR_DELRCPT "<addr>") or, when
/*	nobody is left, the message is rejected (5xx). A delivered message
/*	gets "X-Consent-Milter: ...; allowed=N; denied=M; ..." with the
/*	right counts. With -x none everything is accepted and nothing
/*	is changed (the null milter; -u is then only the recipient mix).
/*
/*	-n stops after that many messages in all, -d after that many
/*	seconds (whichever comes first; default -n 1000); SIGUSR1 stops
/*	the run as -d would, for a test that decides when it has seen
/*	enough. -i pauses that
/*	many milliseconds after each message on each connection: a steady
/*	load below saturation, for tests that measure something else. -Q only
/*	negotiates, prints "actions=0x... protocol=0x..." and exits.
/*	-v traces every packet on standard error.
/*
/*	Fault tests (tests/faults):
/* .IP -T
/*	A temporary failure is a valid outcome: a "451 4.7.1 ..." reply
/*	at MAIL, at RCPT or at end of message (or "451 4.3.2 ...", a
/*	daemon that is stopping, drain(3)) is counted as tempfailed,
/*	not as a mismatch (any other 4xx text is one). Whatever was not
/*	tempfailed must still be decided as expected: a recipient that
/*	should be refused is never accepted, and the X-Consent-Milter
/*	counts are those of the recipients that were decided.
/* .IP "-D cut[,cut...]"
/*	Break messages off: message number n (over all connections) gets
/*	cut n modulo the number of cuts. "full" is a whole message;
/*	"close:STAGE" closes the connection abruptly (no QUIT) right
/*	after STAGE, and the next message opens a new one; "abort:STAGE"
/*	sends SMFIC_ABORT after STAGE (as an MTA does after RSET or a
/*	lost client) and the next message reuses the connection. STAGE
/*	is optneg, connect or helo (close only: the connection's start),
/*	mail, rcpt (after the first RCPT), data, header (after half of
/*	the headers), eoh, body (after half of the body), eom (all but
/*	end of message), or reply (close only: end of message sent, its
/*	answer not read). A full message after an aborted one on the same
/*	connection shows stale state: its recipients and counts must be
/*	its own.
/* .IP "-L file"
/*	Write one line per message to file, in the order they started:
/*	"start_ms end_ms class qid k1,k2,..." with wall-clock
/*	milliseconds since the epoch, the queue id that the message was
/*	given, its address numbers, and class one of decided (every
/*	recipient as expected), tempfail (every recipient tempfailed),
/*	mixed (some tempfailed, the rest as expected), mismatch,
/*	closed:STAGE or aborted:STAGE (-D), timeout (-R), error (the
/*	connection was lost).
/* .IP "-R ms"
/*	The MTA's command timeout (default 60000): a reply that takes
/*	longer is reported and counted (timeouts=), and, as Postfix does,
/*	the connection is dropped and the next message opens a new one;
/*	the message is logged (-L) as timeout.
/* DIAGNOSTICS
/*	Prints messages/s, recipient decisions/s, latency per message
/*	(from MAIL to the final reply) p50 and p99, counts, and replies
/*	waited for per message; then one line for scripts:
/*	"RESULT key=value ...", which ends with tempfailed_msgs, cut_close,
/*	cut_abort, timeouts, max_ms (the slowest message, ms) and
/*	max_wait_ms (the longest wait for one reply: what an MTA's command
/*	timeout sees), and gen_cpu_us (miltergen's own CPU time, user
/*	and system, per message: what the MTA's side of the exchange
/*	costs, which grows with what the milter asks it to do). The
/*	first ten answers that differ from
/*	the expected ones are shown on standard error.
/*	Exit status 0 when every answer was the expected one, 1 when one
/*	was not, 2 on a connection or protocol error or an MTA-side
/*	timeout (-R), 64 on bad usage.
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
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/resource.h>

/* Utility library. */

#include <libmilter/mfapi.h>
#include <libmilter/mfdef.h>

/* Application-specific. */

#include "mgproto.h"

#define MAX_SHOWN	10		/* mismatches shown in detail */

/* Options, shared read-only by the threads. */
static const char *opt_socket;
static int opt_conns = 1, opt_rcpts = 1, opt_port = 1025, opt_header;
static int opt_expect_none, opt_tempok;
static long opt_total = -1, opt_per_conn;
static double opt_seconds, opt_share;
static unsigned long opt_addrs = 1000000;
static const char *opt_sender, *opt_campaign = "bench-hdr", *opt_auth;
static const char *opt_client = "192.0.2.1";
static size_t opt_body = 1024;
static int opt_pause_ms;		/* -i: between messages */
static char pat_pre[256], pat_post[256];
static char *body;			/* opt_body bytes of text */
static const char *opt_log;		/* -L: one line per message */

/* Where a message is broken off (-D). */
#define ST_NONE		0		/* nowhere: a full message */
#define ST_OPTNEG	1
#define ST_CONNECT	2
#define ST_HELO		3
#define ST_MAIL		4
#define ST_RCPT		5
#define ST_DATA		6
#define ST_HEADER	7
#define ST_EOH		8
#define ST_BODY		9
#define ST_EOM		10
#define ST_REPLY	11
static const char *stage_names[] = {"full", "optneg", "connect", "helo",
    "mail", "rcpt", "data", "header", "eoh", "body", "eom", "reply", 0};

typedef struct cut {
    int     abort;			/* SMFIC_ABORT, else close */
    int     stage;			/* ST_* */
} cut;
static cut *opt_cuts;
static int opt_ncuts;
static const cut no_cut = {0, ST_NONE};

/* Per-message records (-L), one array per connection. */
typedef struct rec {
    long long t0, t1;			/* wall clock, ms */
    char    cls;			/* see rec_class */
    char    stage;			/* where it was cut, ST_* */
    char    qid[24];
    char   *ks;				/* "k1,k2,..." */
} rec;
typedef struct reclog {
    rec    *r;
    size_t  n, size;
} reclog;
static reclog *logs;			/* opt_conns of them */

/* Shared run state. */
static long claimed;			/* messages started, all threads */
static double deadline;			/* monotonic seconds, 0 = none */
static int stop_now;			/* SIGUSR1: end the run (atomic) */
static pthread_barrier_t ready, go;	/* every connection open; clock set */
static int shown;			/* mismatches shown so far */
static pthread_mutex_t show_lock = PTHREAD_MUTEX_INITIALIZER;

/* One message's recipients and what became of them. */
typedef struct msg {
    char    qid[24];
    int     n;
    char   *addrs;			/* n slots: "<userK@example.org>" */
    unsigned long *k;			/* n address numbers */
    int    *bad;			/* expected to be refused */
    int    *fate;			/* F_* */
    int     hdr_seen, hdr_allowed, hdr_denied;
} msg;

#define ADDR_SIZE	600		/* "<" pat_pre number pat_post ">" */
#define ADDR(m, i)	((m)->addrs + (size_t) (i) * ADDR_SIZE)

#define F_PENDING	0
#define F_REFUSED	1		/* 5xx at RCPT */
#define F_TEMP		2		/* 4xx at RCPT */
#define F_STRIPPED	3		/* SMFIR_DELRCPT */

/* real_ms - wall-clock milliseconds, to compare with the test's events */

static long long real_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (ts.tv_sec * 1000LL + ts.tv_nsec / 1000000);
}

/* log_msg - remember one message for -L */

static void log_msg(mg_conn *c, const msg *m, int cls, int stage,
		            long long t0)
{
    reclog *l;
    rec    *r;
    size_t  len = 0;
    int     i;

    if (opt_log == 0)
	return;
    l = logs + c->id;
    if (l->n == l->size) {
	l->size = l->size ? 2 * l->size : 256;
	l->r = mg_alloc(l->r, l->size * sizeof(*l->r));
    }
    r = l->r + l->n++;
    r->t0 = t0;
    r->t1 = real_ms();
    r->cls = (char) cls;
    r->stage = (char) stage;
    snprintf(r->qid, sizeof(r->qid), "%s", m->qid);
    r->ks = mg_alloc(0, (size_t) m->n * 21 + 1);
    r->ks[0] = 0;
    for (i = 0; i < m->n; i++)
	len += sprintf(r->ks + len, "%s%lu", i ? "," : "", m->k[i]);
}

/* mismatch - count an unexpected answer, show the first few */

static void mismatch(mg_conn *c, const msg *m, const char *fmt, const char *arg)
{
    c->st.mismatches++;
    pthread_mutex_lock(&show_lock);
    if (shown++ < MAX_SHOWN) {
	fprintf(stderr, "miltergen: conn %d msg %s: unexpected: ", c->id,
		m ? m->qid : "-");
	fputs(fmt, stderr);
	if (arg)
	    fprintf(stderr, " \"%s\"", arg);
	fputc('\n', stderr);
    }
    pthread_mutex_unlock(&show_lock);
}

/* session_open - connect, negotiate, CONNECT and HELO; 1: cut at stop */

static int session_open(mg_conn *c, int stop)
{
    char    text[512], host[64], portbuf[2], helo[64];
    const char *nv_conn[] = {"j", "relay.bench.invalid", "{daemon_name}",
	"smtpd", "{daemon_addr}", "127.0.0.1", "v", "Postfix 3.7 (bench)",
    "_", host, 0};
    const char *nv_none[] = {0};
    uint16_t port = htons((uint16_t) (opt_port ? opt_port + c->id % 30000 : 0));
    size_t  at;
    int     ans;

    if ((c->fd = mg_connect(opt_socket)) < 0) {
	fprintf(stderr, "miltergen: connect %s: %s\n", opt_socket,
		strerror(errno));
	c->error = 1;
	return (-1);
    }
    c->outlen = c->inpos = c->inlen = 0;
    if (mg_negotiate(c) != 0)
	return (-1);
    if (stop == ST_OPTNEG)
	goto cut;
    snprintf(host, sizeof(host), "client%d.bench.invalid [%s]", c->id,
	     opt_client);
    snprintf(helo, sizeof(helo), "client%d.bench.invalid", c->id);
    mg_macros(c, SMFIC_CONNECT, nv_conn);
    if (!(c->proto & SMFIP_NOCONNECT)) {
	at = mg_pkt_begin(c, SMFIC_CONNECT);
	mg_putstr(c, helo);
	mg_put(c, strchr(opt_client, ':') ? "6" : "4", 1);
	memcpy(portbuf, &port, 2);
	mg_put(c, portbuf, 2);
	mg_putstr(c, opt_client);
	if ((ans = mg_step_end(c, at, SMFIP_NR_CONN, text, sizeof(text))) < 0)
	    return (-1);
	if (ans != MG_ANS_NONE && ans != SMFIR_CONTINUE) {
	    fprintf(stderr, "miltergen: connection refused: '%c' %s\n",
		    ans, text);
	    c->error = 1;
	    return (-1);
	}
    }
    if (stop == ST_CONNECT)
	goto cut;
    mg_macros(c, SMFIC_HELO, nv_none);
    if (!(c->proto & SMFIP_NOHELO)) {
	at = mg_pkt_begin(c, SMFIC_HELO);
	mg_putstr(c, helo);
	if (mg_step_end(c, at, SMFIP_NR_HELO, text, sizeof(text)) < 0)
	    return (-1);
    }
    if (stop == ST_HELO)
	goto cut;
    return (0);

cut:
    /* Abruptly: what is buffered goes out, then no QUIT. */
    if (mg_flush(c) != 0)
	return (-1);
    close(c->fd);
    c->fd = -1;
    return (1);
}

/* session_close - QUIT and close */

static void session_close(mg_conn *c)
{
    if (c->fd < 0)
	return;
    if (!c->error) {
	mg_pkt_end(c, mg_pkt_begin(c, SMFIC_QUIT));
	(void) mg_flush(c);
    }
    close(c->fd);
    c->fd = -1;
}

/* make_msg - choose the recipients of the next message */

static void make_msg(mg_conn *c, msg *m, long seq)
{
    unsigned long quarter = opt_addrs / 4;
    unsigned long j, k;
    int     i;

    snprintf(m->qid, sizeof(m->qid), "B%02X%08lX", c->id & 0xff,
	     (unsigned long) seq);
    for (i = 0; i < m->n; i++) {
	c->acc += opt_share;
	if ((m->bad[i] = (c->acc >= 1.0)) != 0) {
	    c->acc -= 1.0;
	    j = c->bad_j = (c->bad_j + 7919) % quarter;
	    k = 4 * j + 2 + (j & 1);
	} else {
	    j = c->good_j = (c->good_j + 7919) % quarter;
	    k = 4 * j + (j & 1);
	}
	snprintf(ADDR(m, i), ADDR_SIZE, "<%s%lu%s>", pat_pre, k, pat_post);
	m->k[i] = k;
	m->fate[i] = F_PENDING;
    }
    m->hdr_seen = 0;
}

/* eom_answers - the modifications and the verdict at end of message */

static int eom_answers(mg_conn *c, msg *m, char *text, size_t textlen)
{
    int     cmd, i, hint = 0;
    char   *data, *value;
    size_t  len;
    double  t0 = mg_now();

    c->st.waits++;
    for (;;) {
	if (mg_read(c, &cmd, &data, &len) != 0)
	    return (-1);
	if (mg_now() - t0 > c->max_wait)
	    c->max_wait = mg_now() - t0;
	switch (cmd) {
	case SMFIR_DELRCPT:
	    if (!(c->actions & SMFIF_DELRCPT))
		mismatch(c, m, "delrcpt without SMFIF_DELRCPT", data);
	    for (i = 0; i < m->n; i++) {
		int     j = (hint + i) % m->n;

		if (m->fate[j] == F_PENDING && strcmp(ADDR(m, j), data) == 0) {
		    m->fate[j] = F_STRIPPED;
		    hint = j + 1;
		    break;
		}
	    }
	    if (i == m->n)
		mismatch(c, m, "delrcpt of no (remaining) recipient", data);
	    break;
	case SMFIR_ADDHEADER:
	case SMFIR_INSHEADER:
	case SMFIR_CHGHEADER:
	    if (!(c->actions & (cmd == SMFIR_CHGHEADER ? SMFIF_CHGHDRS
				: SMFIF_ADDHDRS)))
		mismatch(c, m, "header change not negotiated", data);
	    if (cmd != SMFIR_ADDHEADER && len >= 4) {
		data += 4;			/* the index */
		len -= 4;
	    }
	    value = data + strnlen(data, len) + 1;
	    if (strcasecmp(data, "X-Consent-Milter") == 0 && value < data + len) {
		const char *a = strstr(value, "allowed=");
		const char *d = strstr(value, "denied=");

		m->hdr_seen = 1;
		m->hdr_allowed = a ? atoi(a + 8) : -1;
		m->hdr_denied = d ? atoi(d + 7) : -1;
	    }
	    break;
	case SMFIR_QUARANTINE:
	    c->st.quarantined++;
	    break;
	case SMFIR_PROGRESS:
	case SMFIR_ADDRCPT:
	case SMFIR_ADDRCPT_PAR:
	case SMFIR_CHGFROM:
	case SMFIR_REPLBODY:
	    break;
	default:
	    snprintf(text, textlen, "%.*s", (int) len, data);
	    return (cmd);
	}
    }
}

/* temp_text_ok - a tempfail says what DESIGN.md section 6 says */

static int temp_text_ok(int verdict, const char *text)
{
    return (verdict != SMFIR_REPLYCODE || strncmp(text, "451 4.7.1 ", 10) == 0
	    || strncmp(text, "451 4.3.2 ", 10) == 0);
}

/* finish - account one message and check it against the expectation */

static void finish(mg_conn *c, msg *m, int verdict, const char *text,
		           int at_rcpt, int reached_eom)
{
    int     i, live = 0, refused = 0, stripped = 0, temp = 0;
    int     rejected = (verdict == SMFIR_REJECT
			|| (verdict == SMFIR_REPLYCODE && text[0] == '5'));
    int     tempfailed = (verdict == SMFIR_TEMPFAIL
			  || (verdict == SMFIR_REPLYCODE && text[0] == '4'));
    int     n_eff = 0, bad_eff = 0;	/* recipients decided (-T) */
    char    why[160];

    for (i = 0; i < m->n; i++) {
	refused += (m->fate[i] == F_REFUSED);
	temp += (m->fate[i] == F_TEMP);
	stripped += (m->fate[i] == F_STRIPPED);
	live += (m->fate[i] == F_PENDING);
    }
    c->st.msgs++;
    c->st.rcpts += m->n;
    c->st.r_refuse += refused;
    c->st.r_strip += stripped;
    c->st.r_tempfail += temp + (tempfailed ? live : 0);
    if (!reached_eom && live == 0)
	c->st.m_abort++;
    else if (rejected)
	c->st.m_reject++, c->st.r_refuse += live;
    else if (tempfailed)
	c->st.m_tempfail++;
    else if (verdict == SMFIR_ACCEPT || verdict == SMFIR_CONTINUE)
	c->st.m_accept++, c->st.r_accept += live;

    /* What should have happened. */
    if (opt_expect_none) {
	if (refused + stripped + temp > 0 || rejected || tempfailed
	    || !(verdict == SMFIR_ACCEPT || verdict == SMFIR_CONTINUE))
	    mismatch(c, m, "expected everything accepted, got", text[0] ? text
		     : (verdict == SMFIR_REJECT ? "reject" : "a refusal"));
	return;
    }

    /*
     * With -T a tempfailed message, or recipient, is fine, as long as
     * nobody who should be refused got through before it.
     */
    if (opt_tempok && tempfailed) {
	if (!temp_text_ok(verdict, text))
	    mismatch(c, m, "expected 451 4.7.1, got", text);
	for (i = 0; i < m->n; i++)
	    if ((m->fate[i] == F_REFUSED || m->fate[i] == F_STRIPPED)
		&& !m->bad[i]) {
		snprintf(why, sizeof(why), "recipient %s refused, expected "
			 "accepted or tempfailed", ADDR(m, i));
		mismatch(c, m, why, 0);
		return;
	    }
	return;
    }
    for (i = 0; i < m->n; i++) {
	if (opt_tempok && m->fate[i] == F_TEMP)
	    continue;
	n_eff++;
	bad_eff += m->bad[i];
    }
    if (n_eff == 0)			/* all tempfailed at RCPT (-T) */
	return;
    for (i = 0; i < m->n; i++) {
	int     want = !m->bad[i] ? F_PENDING : at_rcpt ? F_REFUSED
	: (bad_eff == n_eff ? F_PENDING : F_STRIPPED);

	if (opt_tempok && m->fate[i] == F_TEMP)
	    continue;
	if (m->fate[i] != want) {
	    snprintf(why, sizeof(why), "recipient %s: fate %d, expected %d",
		     ADDR(m, i), m->fate[i], want);
	    mismatch(c, m, why, 0);
	    return;
	}
    }
    if (bad_eff == n_eff) {
	if (at_rcpt ? reached_eom : !rejected)
	    mismatch(c, m, "expected the message refused, got", text);
	return;
    }
    if (!(verdict == SMFIR_ACCEPT || verdict == SMFIR_CONTINUE)) {
	mismatch(c, m, "expected the message accepted, got", text);
    } else if (!m->hdr_seen || m->hdr_allowed != n_eff - bad_eff
	       || m->hdr_denied != bad_eff) {
	snprintf(why, sizeof(why), "X-Consent-Milter: seen %d allowed=%d "
		 "denied=%d, expected allowed=%d denied=%d", m->hdr_seen,
		 m->hdr_allowed, m->hdr_denied, n_eff - bad_eff, bad_eff);
	mismatch(c, m, why, 0);
    }
}

/* rec_class - what became of a finished message, for -L */

static int rec_class(const msg *m, int verdict, const char *text,
		             unsigned long mismatches_before, const mg_conn *c)
{
    int     i, temp = 0;
    int     tempfailed = (verdict == SMFIR_TEMPFAIL
			  || (verdict == SMFIR_REPLYCODE && text[0] == '4'));

    if (c->st.mismatches != mismatches_before)
	return ('X');
    for (i = 0; i < m->n; i++)
	temp += (m->fate[i] == F_TEMP || (tempfailed
					 && m->fate[i] == F_PENDING));
    return (temp == 0 ? 'D' : temp == m->n ? 'T' : 'M');
}

/* finish_cut - account a message that was broken off (-D) */

static void finish_cut(mg_conn *c, msg *m, const cut *k)
{
    int     i, refused = 0, temp = 0;
    char    why[160];

    for (i = 0; i < m->n; i++) {
	refused += (m->fate[i] == F_REFUSED);
	temp += (m->fate[i] == F_TEMP);
	if (m->fate[i] == F_REFUSED && !m->bad[i]) {
	    snprintf(why, sizeof(why), "recipient %s refused, expected "
		     "accepted", ADDR(m, i));
	    mismatch(c, m, why, 0);
	}
	if (m->fate[i] == F_TEMP && !opt_tempok) {
	    snprintf(why, sizeof(why), "recipient %s tempfailed",
		     ADDR(m, i));
	    mismatch(c, m, why, 0);
	}
    }
    /* The decisions seen before the cut count; the rest were never made. */
    c->st.rcpts += refused + temp;
    c->st.r_refuse += refused;
    c->st.r_tempfail += temp;
    if (k->abort)
	c->st.m_cut_abort++;
    else
	c->st.m_cut_close++;
}

/* cut_now - break the message off: SMFIC_ABORT, or close abruptly */

static int cut_now(mg_conn *c, const cut *k)
{
    if (k->abort) {
	/* No reply is due: it goes out with the next packet. */
	mg_pkt_end(c, mg_pkt_begin(c, SMFIC_ABORT));
	return (0);
    }
    if (mg_flush(c) != 0)
	return (-1);
    close(c->fd);
    c->fd = -1;
    return (0);
}

/* header - one SMFIC_HEADER step */

static int header(mg_conn *c, const char *name, const char *value, char *text,
		          size_t textlen)
{
    size_t  at;

    if ((c->proto & SMFIP_NOHDRS) || c->skip_hdr)
	return (MG_ANS_NONE);
    at = mg_pkt_begin(c, SMFIC_HEADER);
    mg_putstr(c, name);
    if (c->proto & SMFIP_HDR_LEADSPC)
	mg_put(c, " ", 1);
    mg_putstr(c, value);
    return (mg_step_end(c, at, SMFIP_NR_HDR, text, textlen));
}

/* final - an answer that ends the message before end of message */

static int final(int ans)
{
    return (ans == SMFIR_ACCEPT || ans == SMFIR_REJECT
	    || ans == SMFIR_TEMPFAIL || ans == SMFIR_REPLYCODE
	    || ans == SMFIR_DISCARD);
}

/* send_message - one mail transaction; -1 on a connection error */

static int send_message(mg_conn *c, msg *m, long seq, const cut *k)
{
    char    text[1024], buf[1024], sender[512], msgid[128];
    const char *nv_mail[] = {"{mail_addr}", sender, "{mail_mailer}", "smtp",
    "{auth_type}", opt_auth ? "PLAIN" : 0, "{auth_authen}", opt_auth, 0};
    const char *nv_rcpt[] = {"{rcpt_addr}", buf, "{rcpt_mailer}", "smtp", 0};
    const char *nv_qid[] = {"i", m->qid, 0};
    const char *hdrs[12][2];
    double  t0 = mg_now();
    long long t0_real = real_ms();
    unsigned long mm0 = c->st.mismatches;
    int     timeouts0 = c->timedout;
    int     at_rcpt = !opt_header && opt_port != 0 && !opt_expect_none;
    int     ans = MG_ANS_NONE, i, nh = 0, live = 0;
    size_t  at, off, chunk;

    make_msg(c, m, seq);
    c->skip_hdr = c->skip_body = 0;
    text[0] = 0;

    /* MAIL */
    snprintf(sender, sizeof(sender), "%s", opt_sender);
    mg_macros(c, SMFIC_MAIL, nv_mail);
    if (!(c->proto & SMFIP_NOMAIL)) {
	at = mg_pkt_begin(c, SMFIC_MAIL);
	snprintf(buf, sizeof(buf), "<%s>", opt_sender);
	mg_putstr(c, buf);
	mg_putstr(c, "BODY=8BITMIME");
	if ((ans = mg_step_end(c, at, SMFIP_NR_MAIL, text, sizeof(text))) < 0)
	    goto lost;
	if (final(ans))
	    goto done;
    }
    if (k->stage == ST_MAIL)
	goto cut;

    /* RCPT */
    for (i = 0; i < m->n; i++) {
	snprintf(buf, sizeof(buf), "%.*s", (int) strlen(ADDR(m, i)) - 2,
		 ADDR(m, i) + 1);
	mg_macros(c, SMFIC_RCPT, nv_rcpt);
	if (c->proto & SMFIP_NORCPT) {
	    live++;
	    continue;
	}
	at = mg_pkt_begin(c, SMFIC_RCPT);
	mg_putstr(c, ADDR(m, i));
	if ((ans = mg_step_end(c, at, SMFIP_NR_RCPT, text, sizeof(text))) < 0)
	    goto lost;
	if (ans == SMFIR_ACCEPT || ans == SMFIR_DISCARD)
	    goto done;
	if (ans == SMFIR_REJECT || (ans == SMFIR_REPLYCODE && text[0] == '5'))
	    m->fate[i] = F_REFUSED;
	else if (ans == SMFIR_TEMPFAIL || ans == SMFIR_REPLYCODE)
	    m->fate[i] = F_TEMP;
	else
	    live++;
	if (m->fate[i] == F_REFUSED && ans == SMFIR_REPLYCODE
	    && strncmp(text, "550 5.7.1 ", 10) != 0)
	    mismatch(c, m, "RCPT reply text", text);
	if (m->fate[i] == F_TEMP && opt_tempok && !temp_text_ok(ans, text))
	    mismatch(c, m, "RCPT reply text", text);
	if (i == 0 && k->stage == ST_RCPT)
	    goto cut;
    }
    ans = MG_ANS_NONE;
    if (live == 0) {			/* nobody left: the MTA aborts */
	mg_pkt_end(c, mg_pkt_begin(c, SMFIC_ABORT));
	goto done;
    }

    /* DATA, headers, end of headers, body */
    mg_macros(c, SMFIC_DATA, nv_qid);
    if (!(c->proto & SMFIP_NODATA)) {
	at = mg_pkt_begin(c, SMFIC_DATA);
	if ((ans = mg_step_end(c, at, SMFIP_NR_DATA, text, sizeof(text))) < 0)
	    goto lost;
	if (final(ans))
	    goto done;
    }
    if (k->stage == ST_DATA)
	goto cut;
    snprintf(buf, sizeof(buf), "from client%d.bench.invalid (client%d "
	     "[%s])\r\n\tby relay.bench.invalid (Postfix) with ESMTP id %s",
	     c->id, c->id, opt_client, m->qid);
    hdrs[nh][0] = "Received", hdrs[nh++][1] = buf;
    hdrs[nh][0] = "From", hdrs[nh++][1] = "Bench Party <news@bench.example>";
    hdrs[nh][0] = "To", hdrs[nh++][1] = "undisclosed-recipients:;";
    hdrs[nh][0] = "Subject", hdrs[nh++][1] = "Spring newsletter: news";
    hdrs[nh][0] = "Date", hdrs[nh++][1] = "Mon, 23 Nov 2026 10:00:00 +0000";
    hdrs[nh][0] = "Message-ID", hdrs[nh++][1] = msgid;
    hdrs[nh][0] = "MIME-Version", hdrs[nh++][1] = "1.0";
    hdrs[nh][0] = "Content-Type", hdrs[nh++][1] = "text/plain; charset=utf-8";
    hdrs[nh][0] = "List-Unsubscribe",
	hdrs[nh++][1] = "<mailto:unsubscribe@bench.example>";
    if (opt_header)
	hdrs[nh][0] = "X-Campaign-ID", hdrs[nh++][1] = opt_campaign;
    snprintf(msgid, sizeof(msgid), "<%s.%d@bench.example>", m->qid, c->id);
    for (i = 0; i < nh; i++) {
	if ((ans = header(c, hdrs[i][0], hdrs[i][1], text, sizeof(text))) < 0)
	    goto lost;
	if (ans == SMFIR_SKIP)
	    c->skip_hdr = 1;
	else if (final(ans))
	    goto done;
	if (i == nh / 2 && k->stage == ST_HEADER)
	    goto cut;
    }
    mg_macros(c, SMFIC_EOH, nv_qid);
    if (!(c->proto & SMFIP_NOEOH)) {
	at = mg_pkt_begin(c, SMFIC_EOH);
	if ((ans = mg_step_end(c, at, SMFIP_NR_EOH, text, sizeof(text))) < 0)
	    goto lost;
	if (final(ans))
	    goto done;
    }
    if (k->stage == ST_EOH)
	goto cut;
    for (off = 0; off < opt_body && !(c->proto & SMFIP_NOBODY)
	 && !c->skip_body; off += chunk) {
	chunk = opt_body - off > MILTER_CHUNK_SIZE ? MILTER_CHUNK_SIZE
	    : opt_body - off;
	if (k->stage == ST_BODY && off == 0 && opt_body > 1)
	    chunk = opt_body / 2 < chunk ? opt_body / 2 : chunk;
	at = mg_pkt_begin(c, SMFIC_BODY);
	mg_put(c, body + off, chunk);
	if ((ans = mg_step_end(c, at, SMFIP_NR_BODY, text, sizeof(text))) < 0)
	    goto lost;
	if (ans == SMFIR_SKIP)
	    c->skip_body = 1;
	else if (final(ans))
	    goto done;
	if (k->stage == ST_BODY)
	    goto cut;
    }
    if (k->stage == ST_BODY || k->stage == ST_EOM)
	goto cut;

    /* End of message: modifications, then the verdict. */
    mg_macros(c, SMFIC_BODYEOB, nv_qid);
    mg_pkt_end(c, mg_pkt_begin(c, SMFIC_BODYEOB));
    if (k->stage == ST_REPLY)
	goto cut;
    if ((ans = eom_answers(c, m, text, sizeof(text))) < 0)
	goto lost;
    finish(c, m, ans, text, at_rcpt, 1);
    log_msg(c, m, rec_class(m, ans, text, mm0, c), ST_NONE, t0_real);
    goto timed;

done:
    /* Ended early: an MTA tells the milter the transaction is over. */
    if (ans != MG_ANS_NONE)
	mg_pkt_end(c, mg_pkt_begin(c, SMFIC_ABORT));
    ans = (ans == MG_ANS_NONE ? SMFIR_CONTINUE : ans);
    finish(c, m, ans, text, at_rcpt, 0);
    log_msg(c, m, rec_class(m, ans, text, mm0, c), ST_NONE, t0_real);
    goto timed;

cut:
    /* Broken off on purpose (-D): not timed. */
    if (cut_now(c, k) != 0)
	goto lost;
    finish_cut(c, m, k);
    log_msg(c, m, c->st.mismatches != mm0 ? 'X' : k->abort ? 'A' : 'C',
	    k->stage, t0_real);
    return (0);

lost:
    log_msg(c, m, c->timedout > timeouts0 ? 'O' : 'E', ST_NONE, t0_real);
    return (-1);

timed:
    if (c->nlat == c->latsize) {
	c->latsize = c->latsize ? 2 * c->latsize : 1024;
	c->lat = mg_alloc(c->lat, c->latsize * sizeof(*c->lat));
    }
    c->lat[c->nlat++] = (mg_now() - t0) * 1000.0;
    return (0);
}

/* worker - one connection's thread */

static void *worker(void *arg)
{
    mg_conn *c = arg;
    msg     m;
    long    seq, in_conn = 0;
    const cut *k;
    long long t0;
    int     st;

    memset(&m, 0, sizeof(m));
    m.n = opt_rcpts;
    m.addrs = mg_alloc(0, (size_t) m.n * ADDR_SIZE);
    m.k = mg_alloc(0, m.n * sizeof(*m.k));
    m.bad = mg_alloc(0, m.n * sizeof(*m.bad));
    m.fate = mg_alloc(0, m.n * sizeof(*m.fate));
    c->in = mg_alloc(0, MG_MAX_PKT + 16);
    c->pkt = mg_alloc(0, MG_MAX_PKT + 1);
    c->fd = -1;
    c->acc = (double) c->id / opt_conns;
    c->good_j = c->bad_j = (unsigned long) c->id * 104729UL;

    /*
     * The clock starts when every connection is open. libmilter's worker
     * pool can leave a new session waiting until busy ones pause: the
     * wait lets it catch up, and no connection starts late.
     */
    if (session_open(c, ST_NONE) != 0) {
	c->error = 1;
	session_close(c);
    }
    (void) pthread_barrier_wait(&ready);
    (void) pthread_barrier_wait(&go);
    for (;;) {
	seq = __atomic_fetch_add(&claimed, 1, __ATOMIC_RELAXED);
	if ((opt_total >= 0 && seq >= opt_total)
	    || (deadline > 0 && mg_now() >= deadline)
	    || __atomic_load_n(&stop_now, __ATOMIC_RELAXED))
	    break;
	k = opt_ncuts ? opt_cuts + seq % opt_ncuts : &no_cut;

	/* A cut at the connection's start: a new connection for it. */
	if (k->stage != ST_NONE && k->stage <= ST_HELO) {
	    session_close(c);
	    in_conn = 0;
	    if (c->error)
		break;
	    t0 = real_ms();
	    make_msg(c, &m, seq);
	    if ((st = session_open(c, k->stage)) < 0) {
		log_msg(c, &m, 'E', ST_NONE, t0);
		break;
	    }
	    c->st.m_cut_close++;
	    log_msg(c, &m, 'C', k->stage, t0);
	    continue;
	}
	if (c->fd < 0 && (c->error || session_open(c, ST_NONE) != 0))
	    break;
	st = c->timedout;
	if (send_message(c, &m, seq, k) != 0) {
	    if (c->timedout == st)
		break;
	    /* The MTA's timeout: it drops the connection, and goes on. */
	    close(c->fd);
	    c->fd = -1;
	    c->error = 0;
	    in_conn = 0;
	    continue;
	}
	if (c->fd < 0) {		/* closed on purpose (-D) */
	    in_conn = 0;
	    continue;
	}
	if (opt_per_conn > 0 && ++in_conn >= opt_per_conn) {
	    session_close(c);
	    in_conn = 0;
	}
	if (opt_pause_ms > 0)
	    (void) usleep((useconds_t) opt_pause_ms * 1000);
    }
    if (c->error)
	fprintf(stderr, "miltergen: conn %d: connection lost or protocol "
		"error\n", c->id);
    session_close(c);
    free(m.addrs);
    free(m.k);
    free(m.bad);
    free(m.fate);
    free(c->in);
    free(c->pkt);
    free(c->out);
    return (0);
}

/* cmp_double - qsort order */

static int cmp_double(const void *a, const void *b)
{
    double  x = *(const double *) a, y = *(const double *) b;

    return (x < y ? -1 : x > y);
}

/* on_usr1 - end the run after the messages under way */

static void on_usr1(int sig)
{
    int     saved_errno = errno;

    /*
     * The workers read the flag in other threads: a lock-free atomic
     * (async-signal-safe) instead of a plain sig_atomic_t, which only
     * the thread that took the signal may read without a race.
     */
    (void) sig;
    __atomic_store_n(&stop_now, 1, __ATOMIC_RELAXED);
    errno = saved_errno;
}

/* usage - explain the command line */

static void usage(void)
{
    fprintf(stderr, "usage: miltergen -s unix:/path|inet:port@host "
	    "[-c conns] [-n total] [-d seconds]\n"
	    "  [-k msgs_per_conn] [-r rcpts] [-m envelope|header] "
	    "[-x consent|none] [-u share]\n"
	    "  [-N addresses] [-t user%%u@example.org] [-f sender] "
	    "[-C campaign] [-A login]\n"
	    "  [-a client_addr] [-P client_port] [-b body_bytes] [-W] [-Q] "
	    "[-v]\n"
	    "  [-T] [-D full|close:STAGE|abort:STAGE,...] [-L file] "
	    "[-R timeout_ms] [-i pause_ms]\n");
    exit(64);
}

/* parse_cuts - the -D list */

static void parse_cuts(const char *arg)
{
    char   *copy = strdup(arg), *item, *save = 0, *colon;
    int     i;

    if (copy == 0)
	mg_die(2, "out of memory", 0);
    for (item = strtok_r(copy, ",", &save); item;
	 item = strtok_r(0, ",", &save)) {
	opt_cuts = mg_alloc(opt_cuts, (opt_ncuts + 1) * sizeof(*opt_cuts));
	opt_cuts[opt_ncuts].abort = 0;
	opt_cuts[opt_ncuts].stage = ST_NONE;
	if (strcmp(item, "full") != 0) {
	    if ((colon = strchr(item, ':')) == 0)
		mg_die(64, "-D: expected full, close:STAGE or abort:STAGE",
		       item);
	    *colon++ = 0;
	    if (strcmp(item, "abort") == 0)
		opt_cuts[opt_ncuts].abort = 1;
	    else if (strcmp(item, "close") != 0)
		mg_die(64, "-D: expected close or abort", item);
	    for (i = 1; stage_names[i] && strcmp(stage_names[i], colon); i++)
		 /* void */ ;
	    if (stage_names[i] == 0)
		mg_die(64, "-D: unknown stage", colon);
	    if (opt_cuts[opt_ncuts].abort && (i < ST_MAIL || i > ST_EOM))
		mg_die(64, "-D: abort only from mail to eom", colon);
	    opt_cuts[opt_ncuts].stage = i;
	}
	opt_ncuts++;
    }
    free(copy);
    if (opt_ncuts == 0)
	mg_die(64, "-D: empty list", arg);
}

/* cpu_seconds - this process's CPU time so far, user and system */

static double cpu_seconds(void)
{
    struct rusage ru;

    if (getrusage(RUSAGE_SELF, &ru) != 0)
	return (0);
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec
	    + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
}

/* write_log - the -L file, messages in the order they started */

static int cmp_rec(const void *a, const void *b)
{
    const rec *x = *(rec *const *) a, *y = *(rec *const *) b;

    return (x->t0 < y->t0 ? -1 : x->t0 > y->t0);
}

static void write_log(void)
{
    static const char *cls_names[] = {"Ddecided", "Ttempfail", "Mmixed",
	"Xmismatch", "Cclosed", "Aaborted", "Otimeout", "Eerror", 0};
    const char **np;
    rec   **all;
    size_t  n = 0, i, j;
    FILE   *fp;
    int     c;

    for (c = 0; c < opt_conns; c++)
	n += logs[c].n;
    all = mg_alloc(0, n * sizeof(*all));
    for (n = 0, c = 0; c < opt_conns; c++)
	for (j = 0; j < logs[c].n; j++)
	    all[n++] = logs[c].r + j;
    qsort(all, n, sizeof(*all), cmp_rec);
    if ((fp = fopen(opt_log, "w")) == 0)
	mg_die(2, "cannot write -L file", opt_log);
    for (i = 0; i < n; i++) {
	for (np = cls_names; *np && **np != all[i]->cls; np++)
	     /* void */ ;
	fprintf(fp, "%lld %lld %s%s%s %s %s\n", all[i]->t0, all[i]->t1,
		*np ? *np + 1 : "?", all[i]->stage ? ":" : "",
		all[i]->stage ? stage_names[(int) all[i]->stage] : "",
		all[i]->qid, all[i]->ks);
    }
    if (fclose(fp) != 0)
	mg_die(2, "cannot write -L file", opt_log);
    for (c = 0; c < opt_conns; c++) {
	for (j = 0; j < logs[c].n; j++)
	    free(logs[c].r[j].ks);
	free(logs[c].r);
    }
    free(all);
}

/* probe - negotiate only and print what the milter asked for */

static int probe(void)
{
    mg_conn    c;
    char    buf[512];

    memset(&c, 0, sizeof(c));
    c.in = mg_alloc(0, MG_MAX_PKT + 16);
    c.pkt = mg_alloc(0, MG_MAX_PKT + 1);
    if ((c.fd = mg_connect(opt_socket)) < 0) {
	snprintf(buf, sizeof(buf), "%s: %s", opt_socket, strerror(errno));
	mg_die(2, "cannot connect", buf);
    }
    if (mg_negotiate(&c) != 0)
	return (2);
    printf("actions=0x%lx protocol=0x%lx\n", c.actions, c.proto);
    close(c.fd);
    free(c.in);
    free(c.pkt);
    free(c.out);
    return (0);
}

int     main(int argc, char **argv)
{
    int     ch, i, probe_only = 0, errors = 0, timeouts = 0;
    const char *pattern = "user%u@example.org", *pct;
    mg_conn   *conns;
    pthread_t *tids;
    mg_stats   t;
    double  t0, secs, *lat, p50 = 0, p99 = 0, pmax = 0, max_wait = 0;
    double  cpu0, cpu;
    size_t  nlat = 0, k;
    unsigned long cmin = 0, cmax = 0;

    while ((ch = getopt(argc, argv, "s:c:n:d:k:r:m:x:u:N:t:f:C:A:a:P:b:WQvhTD:L:R:i:"))
	   != -1) {
	switch (ch) {
	case 's': opt_socket = optarg; break;
	case 'c': opt_conns = atoi(optarg); break;
	case 'n': opt_total = atol(optarg); break;
	case 'd': opt_seconds = atof(optarg); break;
	case 'k': opt_per_conn = atol(optarg); break;
	case 'r': opt_rcpts = atoi(optarg); break;
	case 'm':
	    if (strcmp(optarg, "header") && strcmp(optarg, "envelope"))
		usage();
	    opt_header = (strcmp(optarg, "header") == 0);
	    break;
	case 'x':
	    if (strcmp(optarg, "none") && strcmp(optarg, "consent"))
		usage();
	    opt_expect_none = (strcmp(optarg, "none") == 0);
	    break;
	case 'u': opt_share = atof(optarg); break;
	case 'N': opt_addrs = strtoul(optarg, 0, 10); break;
	case 't': pattern = optarg; break;
	case 'f': opt_sender = optarg; break;
	case 'C': opt_campaign = optarg; break;
	case 'A': opt_auth = optarg; break;
	case 'a': opt_client = optarg; break;
	case 'P': opt_port = atoi(optarg); break;
	case 'b': opt_body = strtoul(optarg, 0, 10); break;
	case 'W': mg_split_writes = 1; break;
	case 'Q': probe_only = 1; break;
	case 'v': mg_verbose = 1; break;
	case 'T': opt_tempok = 1; break;
	case 'D': parse_cuts(optarg); break;
	case 'L': opt_log = optarg; break;
	case 'R': mg_timeout_ms = atoi(optarg); break;
	case 'i': opt_pause_ms = atoi(optarg); break;
	default: usage();
	}
    }
    if (opt_socket == 0 || optind != argc || opt_conns < 1 || opt_rcpts < 1
	|| opt_share < 0 || opt_share > 1 || opt_port < 0 || opt_port > 65535
	|| mg_timeout_ms < 1)
	usage();
    signal(SIGPIPE, SIG_IGN);
    signal(SIGUSR1, on_usr1);
    if (probe_only)
	return (probe());
    if ((pct = strstr(pattern, "%u")) == 0 || strchr(pct + 2, '%') != 0
	|| (size_t) (pct - pattern) >= sizeof(pat_pre)
	|| strlen(pct + 2) >= sizeof(pat_post))
	mg_die(64, "-t needs one %u (the address number)", pattern);
    snprintf(pat_pre, sizeof(pat_pre), "%.*s", (int) (pct - pattern), pattern);
    snprintf(pat_post, sizeof(pat_post), "%s", pct + 2);
    if (opt_addrs / 4 < (unsigned long) opt_rcpts)
	mg_die(64, "-N must be at least 4 times -r", 0);
    if (opt_sender == 0)
	opt_sender = opt_header ? "hdr@bench.example" : "news@bench.example";
    if (opt_total < 0 && opt_seconds <= 0)
	opt_total = 1000;
    body = mg_alloc(0, opt_body);
    for (k = 0; k < opt_body; k++)
	body[k] = (k % 72 == 70) ? '\r' : (k % 72 == 71) ? '\n' : 'x';

    conns = mg_alloc(0, opt_conns * sizeof(*conns));
    tids = mg_alloc(0, opt_conns * sizeof(*tids));
    memset(conns, 0, opt_conns * sizeof(*conns));
    logs = mg_alloc(0, opt_conns * sizeof(*logs));
    memset(logs, 0, opt_conns * sizeof(*logs));
    if (pthread_barrier_init(&ready, 0, opt_conns + 1) != 0
	|| pthread_barrier_init(&go, 0, opt_conns + 1) != 0)
	mg_die(2, "cannot make a barrier", 0);
    for (i = 0; i < opt_conns; i++) {
	conns[i].id = i;
	if (pthread_create(tids + i, 0, worker, conns + i) != 0)
	    mg_die(2, "cannot start a thread", 0);
    }
    (void) pthread_barrier_wait(&ready);
    t0 = mg_now();
    cpu0 = cpu_seconds();
    if (opt_seconds > 0)
	deadline = t0 + opt_seconds;
    (void) pthread_barrier_wait(&go);
    memset(&t, 0, sizeof(t));
    for (i = 0; i < opt_conns; i++) {
	pthread_join(tids[i], 0);
	nlat += conns[i].nlat;
    }
    secs = mg_now() - t0;
    cpu = cpu_seconds() - cpu0;

    /* Totals and percentiles. */
    lat = mg_alloc(0, nlat * sizeof(*lat));
    for (nlat = 0, i = 0; i < opt_conns; i++) {
	mg_stats *s = &conns[i].st;

	if (i == 0 || s->msgs < cmin)
	    cmin = s->msgs;
	if (s->msgs > cmax)
	    cmax = s->msgs;
	if (conns[i].nlat > 0)		/* lat is NULL before the first */
	    memcpy(lat + nlat, conns[i].lat, conns[i].nlat * sizeof(*lat));
	nlat += conns[i].nlat;
	free(conns[i].lat);
	errors += conns[i].error;
	timeouts += conns[i].timedout;
	if (conns[i].max_wait > max_wait)
	    max_wait = conns[i].max_wait;
	t.msgs += s->msgs, t.m_accept += s->m_accept;
	t.m_reject += s->m_reject, t.m_tempfail += s->m_tempfail;
	t.m_abort += s->m_abort, t.rcpts += s->rcpts;
	t.r_accept += s->r_accept, t.r_refuse += s->r_refuse;
	t.r_strip += s->r_strip, t.r_tempfail += s->r_tempfail;
	t.waits += s->waits, t.mismatches += s->mismatches;
	t.quarantined += s->quarantined;
	t.m_cut_close += s->m_cut_close, t.m_cut_abort += s->m_cut_abort;
    }
    if (nlat > 0) {
	qsort(lat, nlat, sizeof(*lat), cmp_double);
	k = (size_t) (0.50 * (nlat - 1) + 0.5);
	p50 = lat[k];
	k = (size_t) (0.99 * (nlat - 1) + 0.5);
	p99 = lat[k];
	pmax = lat[nlat - 1];
    }
    printf("miltergen: %s, %s campaign, expect %s: %d connection(s), "
	   "%d recipient(s)/message, %lu messages in %.2f s\n", opt_socket,
	   opt_header ? "header" : "envelope",
	   opt_expect_none ? "none" : "consent", opt_conns, opt_rcpts,
	   t.msgs, secs);
    printf("  %.1f messages/s, %.1f recipient decisions/s, latency per "
	   "message p50 %.3f ms, p99 %.3f ms\n", t.msgs / secs,
	   t.rcpts / secs, p50, p99);
    printf("  messages: %lu accepted, %lu rejected, %lu tempfailed, %lu "
	   "aborted (no recipient left)\n", t.m_accept, t.m_reject,
	   t.m_tempfail, t.m_abort);
    printf("  recipients: %lu accepted, %lu refused, %lu stripped, %lu "
	   "tempfailed; %lu quarantined\n", t.r_accept, t.r_refuse,
	   t.r_strip, t.r_tempfail, t.quarantined);
    printf("  %.2f replies waited for per message; messages per connection "
	   "%lu to %lu; %lu unexpected answer(s)%s\n",
	   t.msgs ? (double) t.waits / t.msgs : 0.0, cmin, cmax,
	   t.mismatches, errors ? "; CONNECTION ERRORS" : "");
    if (opt_tempok || opt_ncuts || opt_log)
	printf("  latency max %.3f ms, longest wait for one reply %.3f ms; "
	       "%lu message(s) tempfailed; %lu closed abruptly, %lu aborted "
	       "(-D); %d MTA-side timeout(s)\n", pmax, max_wait * 1000.0,
	       t.m_tempfail, t.m_cut_close, t.m_cut_abort, timeouts);
    printf("RESULT mode=%s expect=%s conns=%d rcpts=%d msgs=%lu secs=%.3f "
	   "msgs_per_s=%.1f rcpts_per_s=%.1f p50_ms=%.3f p99_ms=%.3f "
	   "accepted=%lu refused=%lu stripped=%lu tempfailed=%lu "
	   "rejected_msgs=%lu waits_per_msg=%.2f conn_min=%lu conn_max=%lu "
	   "mismatches=%lu errors=%d tempfailed_msgs=%lu cut_close=%lu "
	   "cut_abort=%lu timeouts=%d max_ms=%.3f max_wait_ms=%.3f "
	   "gen_cpu_us=%.1f\n",
	   opt_header ? "header" : "envelope",
	   opt_expect_none ? "none" : "consent", opt_conns, opt_rcpts, t.msgs,
	   secs, t.msgs / secs, t.rcpts / secs, p50, p99, t.r_accept,
	   t.r_refuse, t.r_strip, t.r_tempfail, t.m_reject,
	   t.msgs ? (double) t.waits / t.msgs : 0.0, cmin, cmax,
	   t.mismatches, errors, t.m_tempfail, t.m_cut_close, t.m_cut_abort,
	   timeouts, pmax, max_wait * 1000.0,
	   t.msgs ? cpu * 1e6 / t.msgs : 0.0);
    if (opt_log)
	write_log();
    free(lat);
    free(logs);
    free(opt_cuts);
    free(body);
    free(conns);
    free(tids);
    return (errors || timeouts ? 2 : t.mismatches ? 1 : 0);
}
