/*++
/* NAME
/*	nullmilter 8
/* SUMMARY
/*	do-nothing libmilter milter: the floor for benchmarks
/* SYNOPSIS
/*	nullmilter -p socket [-P protocol -A actions]
/*		[-R redis_socket [-e sender]]
/* DESCRIPTION
/*	nullmilter accepts every message and changes nothing. It is what
/*	no libmilter milter can beat, so benchmarks (bench.sh) measure
/*	consent-milter against it: same libmilter, same socket kinds,
/*	same protocol steps and no-reply flags.
/*
/*	It MUST mirror consent-milter's milter/daemon/callbacks.c
/*	(cm_milter_desc and its negotiate callback, if any): the same
/*	flags, the same non-NULL callbacks (each returning SMFIS_CONTINUE,
/*	or SMFIS_NOREPLY where a no-reply step was negotiated; end of
/*	message accepts), so that libmilter asks the MTA for the same
/*	steps, and TCP_NODELAY on a TCP listener as consent-milter's
/*	main.c sets it. The mirror is of consent-milter without plugins
/*	(with plugins it adds the end-of-header and body callbacks).
/*	When callbacks.c changes, change this file.
/*
/*	With -R it is the lookup floor instead: the least that any milter
/*	which reads consent in Redis for every recipient must do. For every
/*	recipient it makes the two reads that the key layout requires (a
/*	contract, DESIGN.md section 3; prefix "cm:"): GET Psuppress:<address>
/*	and HGETALL Pconsent:<address>. It ignores the answers and accepts:
/*	for mail from the -e
/*	sender (an envelope campaign: a decision is owed at RCPT) with one
/*	round trip per RCPT, for other mail with one pipelined round trip
/*	per message at end of message. No policy, no audit line, no log
/*	line, no header: what is left between it and consent-milter is
/*	consent-milter's own work. Each libmilter worker thread keeps its
/*	own connection. A lookup that fails tempfails (and the connection
/*	is closed), so that a broken floor cannot pass for a fast one.
/*
/*	Without -P and -A it does what consent-milter does: it asks for no
/*	reply to header fields (SMFIP_NR_HDR).
/*
/*	Because that is easy to forget, -P and -A make it negotiate
/*	exactly the protocol and action masks given (hexadecimal, as
/*	printed by "miltergen -Q" against consent-milter): bench.sh does
/*	that, so the two always ask the MTA for the same steps.
/*
/*	Options:
/* .IP "-p socket"
/*	unix:/path or inet:port@host, as libmilter takes it.
/* .IP "-P protocol, -A actions"
/*	Negotiate these masks (both or neither).
/* .IP "-R redis_socket"
/*	Be the lookup floor, reading from Redis on this unix socket.
/* .IP "-e sender"
/*	With -R: look up at RCPT for mail from this address.
/* DIAGNOSTICS
/*	Errors go to standard error. Exit status 0 after SIGTERM, 1 when
/*	the socket cannot be opened, 64 for bad usage. The lookup floor
/*	reports every failed connect to Redis; other failed lookups show
/*	only as tempfails, which miltergen counts as wrong answers.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* Utility library. */

#include <hiredis/hiredis.h>
#include <libmilter/mfapi.h>

static unsigned long want_proto, want_actions;
static unsigned long no_reply;		/* SMFIP_NR_* negotiated */

/* The lookup floor (-R). */
static const char *redis_path;		/* null: the plain null milter */
static const char *rcpt_sender = "";	/* -e: look up at RCPT */
static __thread redisContext *redis;	/* this worker thread's */

#define SUPPRESS_PREFIX	"cm:suppress:"
#define CONSENT_PREFIX	"cm:consent:"

/* Per connection, for the end-of-message round trip. */
typedef struct nm_conn {
    int     at_rcpt;			/* this message: lookups at RCPT */
    size_t  count;			/* recipients queued */
    size_t  alloc;
    char  **addrs;			/* unbracketed, malloc'd */
} nm_conn;

/* reply - SMFIS_CONTINUE, or SMFIS_NOREPLY for a no-reply step */

static sfsistat reply(unsigned long nr_bit)
{
    return ((no_reply & nr_bit) ? SMFIS_NOREPLY : SMFIS_CONTINUE);
}

/* unbracket - an address without its angle brackets: start, *len */

static const char *unbracket(const char *arg, size_t *len)
{
    *len = strlen(arg);
    if (*len >= 2 && arg[0] == '<' && arg[*len - 1] == '>') {
	*len -= 2;
	return (arg + 1);
    }
    return (arg);
}

/* append_read - queue CMD PREFIX<addr> */

static int append_read(const char *cmd, const char *prefix, const char *addr,
		               size_t alen)
{
    size_t  plen = strlen(prefix);
    char    key[512];
    const char *argv[2] = {cmd, key};
    size_t  lens[2] = {strlen(cmd), plen + alen};

    if (plen + alen > sizeof(key))
	return (-1);
    memcpy(key, prefix, plen);
    memcpy(key + plen, addr, alen);
    return (redisAppendCommandArgv(redis, 2, argv, lens) == REDIS_OK ? 0 : -1);
}

/* redis_ready - this worker thread's connection, opened when needed */

static int redis_ready(void)
{
    if (redis != 0 && redis->err == 0)
	return (0);
    if (redis != 0)
	redisFree(redis);
    if ((redis = redisConnectUnix(redis_path)) == 0 || redis->err) {
	fprintf(stderr, "nullmilter: redis %s: %s\n", redis_path,
		redis ? redis->errstr : strerror(errno));
	if (redis != 0)
	    redisFree(redis);
	redis = 0;
	return (-1);
    }
    return (0);
}

/* redis_drop - a failed exchange: the connection is out of step */

static sfsistat redis_drop(void)
{
    if (redis != 0)
	redisFree(redis);
    redis = 0;
    return (SMFIS_TEMPFAIL);
}

/* append_reads - queue both reads of one address */

static int append_reads(const char *addr, size_t len)
{
    return (append_read("GET", SUPPRESS_PREFIX, addr, len) == 0
	    && append_read("HGETALL", CONSENT_PREFIX, addr, len) == 0
	    ? 0 : -1);
}

/* read_replies - send what is queued, read n replies: one round trip */

static int read_replies(size_t n)
{
    void   *reply;
    size_t  i;
    int     ok = 1;

    for (i = 0; i < n; i++) {
	if (redisGetReply(redis, &reply) != REDIS_OK)
	    return (-1);
	if (((redisReply *) reply)->type == REDIS_REPLY_ERROR)
	    ok = 0;
	freeReplyObject(reply);
    }
    return (ok ? 0 : -1);
}

/* conn_clear - forget the queued recipients */

static void conn_clear(nm_conn *nc)
{
    while (nc != 0 && nc->count > 0)
	free(nc->addrs[--nc->count]);
}

/* nm_connect - a new MTA connection */

static sfsistat nm_connect(SMFICTX *ctx, char *host, struct sockaddr *addr)
{
    nm_conn *nc;

    (void) host;
    (void) addr;
    if (redis_path != 0) {
	if ((nc = calloc(1, sizeof(*nc))) == 0)
	    return (SMFIS_TEMPFAIL);
	smfi_setpriv(ctx, nc);
    }
    return (reply(SMFIP_NR_CONN));
}

/* nm_envfrom - MAIL FROM */

static sfsistat nm_envfrom(SMFICTX *ctx, char **argv)
{
    nm_conn *nc = smfi_getpriv(ctx);
    const char *from;
    size_t  len;

    if (nc != 0) {
	conn_clear(nc);
	from = unbracket(argv[0], &len);
	nc->at_rcpt = (len == strlen(rcpt_sender)
		       && strncasecmp(from, rcpt_sender, len) == 0);
    }
    return (reply(SMFIP_NR_MAIL));
}

/* nm_envrcpt - RCPT TO */

static sfsistat nm_envrcpt(SMFICTX *ctx, char **argv)
{
    nm_conn *nc = smfi_getpriv(ctx);
    const char *addr;
    size_t  len;
    char  **addrs;

    if (nc == 0)
	return (reply(SMFIP_NR_RCPT));
    addr = unbracket(argv[0], &len);
    if (nc->at_rcpt) {
	/* A decision is owed now: one round trip before the reply. */
	if (redis_ready() < 0 || append_reads(addr, len) < 0
	    || read_replies(2) < 0)
	    return (redis_drop());
	return (reply(SMFIP_NR_RCPT));
    }
    if (nc->count == nc->alloc) {
	nc->alloc = nc->alloc ? 2 * nc->alloc : 16;
	if ((addrs = realloc(nc->addrs, nc->alloc * sizeof(*addrs))) == 0)
	    return (SMFIS_TEMPFAIL);
	nc->addrs = addrs;
    }
    if ((nc->addrs[nc->count] = strndup(addr, len)) == 0)
	return (SMFIS_TEMPFAIL);
    nc->count++;
    return (reply(SMFIP_NR_RCPT));
}

/* nm_data - DATA */

static sfsistat nm_data(SMFICTX *ctx)
{
    (void) ctx;
    return (reply(SMFIP_NR_DATA));
}

/* nm_header - one header field */

static sfsistat nm_header(SMFICTX *ctx, char *name, char *value)
{
    (void) ctx;
    (void) name;
    (void) value;
    return (reply(SMFIP_NR_HDR));
}

/* nm_eom - end of message: accept */

static sfsistat nm_eom(SMFICTX *ctx)
{
    nm_conn *nc = smfi_getpriv(ctx);
    int     status = 0;
    size_t  i;

    /* The lookup floor: every recipient in one round trip. */
    if (nc != 0 && nc->count > 0) {
	status = redis_ready();
	for (i = 0; status == 0 && i < nc->count; i++)
	    status = append_reads(nc->addrs[i], strlen(nc->addrs[i]));
	if (status == 0)
	    status = read_replies(2 * nc->count);
    }
    conn_clear(nc);
    return (status == 0 ? SMFIS_ACCEPT : redis_drop());
}

/* nm_abort - the MTA abandoned the message */

static sfsistat nm_abort(SMFICTX *ctx)
{
    conn_clear(smfi_getpriv(ctx));
    return (SMFIS_CONTINUE);
}

/* nm_close - end of the MTA connection */

static sfsistat nm_close(SMFICTX *ctx)
{
    nm_conn *nc = smfi_getpriv(ctx);

    if (nc != 0) {
	conn_clear(nc);
	free(nc->addrs);
	free(nc);
	smfi_setpriv(ctx, 0);
    }
    return (SMFIS_CONTINUE);
}

/* nm_negotiate - ask for exactly the masks of -P and -A */

static sfsistat nm_negotiate(SMFICTX *ctx, unsigned long f0,
			             unsigned long f1, unsigned long f2,
			             unsigned long f3, unsigned long *pf0,
			             unsigned long *pf1, unsigned long *pf2,
			             unsigned long *pf3)
{
    (void) ctx;
    (void) f2;
    (void) f3;
    if ((want_actions & f0) != want_actions
	|| (want_proto & f1) != want_proto)
	return (SMFIS_REJECT);		/* the MTA cannot do it: abort */
    *pf0 = want_actions;
    *pf1 = want_proto;
    *pf2 = *pf3 = 0;
    return (SMFIS_CONTINUE);
}

/* nm_negotiate_default - as callbacks.c's cb_negotiate: no header replies */

static sfsistat nm_negotiate_default(SMFICTX *ctx, unsigned long f0,
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
    *pf0 = SMFIF_ADDHDRS | SMFIF_DELRCPT | SMFIF_QUARANTINE;
    *pf1 = (*pf1 & ~SMFIP_SKIP) | SMFIP_NR_HDR;
    *pf2 = *pf3 = 0;
    return (SMFIS_CONTINUE);
}

/* As callbacks.c's cm_milter_desc: keep the two in step. */
static struct smfiDesc desc = {
    "nullmilter",			/* filter name */
    SMFI_VERSION,			/* version code */
    SMFIF_ADDHDRS | SMFIF_DELRCPT | SMFIF_QUARANTINE,	/* flags */
    nm_connect,				/* connection info */
    0,					/* SMTP HELO */
    nm_envfrom,				/* envelope sender */
    nm_envrcpt,				/* envelope recipient */
    nm_header,				/* header */
    0,					/* end of header */
    0,					/* body block */
    nm_eom,				/* end of message */
    nm_abort,				/* message aborted */
    nm_close,				/* connection cleanup */
    0,					/* unknown SMTP command */
    nm_data,				/* DATA */
    0,					/* option negotiation: see main() */
};

/* set_listener_nodelay - TCP_NODELAY on libmilter's listening socket */

static void set_listener_nodelay(void)
{
    DIR    *dir;
    struct dirent *de;
    struct sockaddr_storage ss;
    socklen_t len;
    int     fd, on = 1, listening;

    /* As consent-milter's main.c: libmilter does not hand out the fd. */
    if ((dir = opendir("/proc/self/fd")) == 0)
	return;
    while ((de = readdir(dir)) != 0) {
	if ((fd = atoi(de->d_name)) <= 2 || fd == dirfd(dir))
	    continue;
	len = sizeof(listening);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0
	    || !listening)
	    continue;
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *) &ss, &len) == 0
	    && (ss.ss_family == AF_INET || ss.ss_family == AF_INET6))
	    (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    }
    (void) closedir(dir);
}

/* usage - explain the command line */

static void usage(void)
{
    fprintf(stderr, "usage: nullmilter -p unix:/path|inet:port@host "
	    "[-P protocol_hex -A actions_hex] [-R redis_socket [-e sender]]\n");
    exit(64);
}

int     main(int argc, char **argv)
{
    const char *spec = 0;
    int     ch, have_p = 0, have_a = 0;

    while ((ch = getopt(argc, argv, "p:P:A:R:e:")) != -1) {
	switch (ch) {
	case 'p':
	    spec = optarg;
	    break;
	case 'P':
	    want_proto = strtoul(optarg, 0, 16);
	    have_p = 1;
	    break;
	case 'A':
	    want_actions = strtoul(optarg, 0, 16);
	    have_a = 1;
	    break;
	case 'R':
	    redis_path = optarg;
	    break;
	case 'e':
	    rcpt_sender = optarg;
	    break;
	default:
	    usage();
	}
    }
    if (spec == 0 || optind != argc || have_p != have_a
	|| (*rcpt_sender != 0 && redis_path == 0))
	usage();
    if (have_p) {
	desc.xxfi_negotiate = nm_negotiate;
	no_reply = want_proto;
    } else {
	desc.xxfi_negotiate = nm_negotiate_default;
	no_reply = SMFIP_NR_HDR;
    }
    if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0)
	(void) unlink(strchr(spec, ':') + 1);
    if (smfi_setconn((char *) spec) != MI_SUCCESS
	|| smfi_register(desc) != MI_SUCCESS
	|| smfi_opensocket(1) != MI_SUCCESS) {
	fprintf(stderr, "nullmilter: cannot open the milter socket %s\n",
		spec);
	return (1);
    }
    set_listener_nodelay();
    return (smfi_main() == MI_SUCCESS ? 0 : 1);
}
