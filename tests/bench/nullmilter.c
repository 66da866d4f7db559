/*++
/* NAME
/*	nullmilter 8
/* SUMMARY
/*	do-nothing libmilter milter: the floor for benchmarks
/* SYNOPSIS
/*	nullmilter -p socket [-P protocol -A actions]
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
/* DIAGNOSTICS
/*	Errors go to standard error. Exit status 0 after SIGTERM, 1 when
/*	the socket cannot be opened, 64 for bad usage.
/*--*/

/* System library. */

#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Utility library. */

#include <libmilter/mfapi.h>

static unsigned long want_proto, want_actions;
static unsigned long no_reply;		/* SMFIP_NR_* negotiated */

/* reply - SMFIS_CONTINUE, or SMFIS_NOREPLY for a no-reply step */

static sfsistat reply(unsigned long nr_bit)
{
    return ((no_reply & nr_bit) ? SMFIS_NOREPLY : SMFIS_CONTINUE);
}

/* nm_connect - a new MTA connection */

static sfsistat nm_connect(SMFICTX *ctx, char *host, struct sockaddr *addr)
{
    (void) ctx;
    (void) host;
    (void) addr;
    return (reply(SMFIP_NR_CONN));
}

/* nm_envfrom - MAIL FROM */

static sfsistat nm_envfrom(SMFICTX *ctx, char **argv)
{
    (void) ctx;
    (void) argv;
    return (reply(SMFIP_NR_MAIL));
}

/* nm_envrcpt - RCPT TO */

static sfsistat nm_envrcpt(SMFICTX *ctx, char **argv)
{
    (void) ctx;
    (void) argv;
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
    (void) ctx;
    return (SMFIS_ACCEPT);
}

/* nm_abort - the MTA abandoned the message */

static sfsistat nm_abort(SMFICTX *ctx)
{
    (void) ctx;
    return (SMFIS_CONTINUE);
}

/* nm_close - end of the MTA connection */

static sfsistat nm_close(SMFICTX *ctx)
{
    (void) ctx;
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
	    "[-P protocol_hex -A actions_hex]\n");
    exit(64);
}

int     main(int argc, char **argv)
{
    const char *spec = 0;
    int     ch, have_p = 0, have_a = 0;

    while ((ch = getopt(argc, argv, "p:P:A:")) != -1) {
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
	default:
	    usage();
	}
    }
    if (spec == 0 || optind != argc || have_p != have_a)
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
