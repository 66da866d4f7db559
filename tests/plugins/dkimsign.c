/*++
/* NAME
/*	dkimsign 1
/* SUMMARY
/*	sign a test message with libopendkim
/* SYNOPSIS
/*	dkimsign -d domain -s selector -k keyfile [-h hdr1:hdr2...]
/*		[-c simple|relaxed] [-l] < message > signed
/* DESCRIPTION
/*	The dkim plugin tests sign their messages with libopendkim's own
/*	signing API, using keys that the test generates, so that no
/*	private key from elsewhere is ever committed and no DNS is
/*	needed. The message on standard input (LF or CRLF line ends) is
/*	written to standard output with a DKIM-Signature field in front
/*	and LF line ends, the way a queue file keeps it.
/*
/*	-h names the header fields to sign (default: from:subject:
/*	x-campaign-id), -c the header and body canonicalisation (default
/*	relaxed); -l adds a body length tag (l=) that covers the body.
/* DIAGNOSTICS
/*	Exit status 2 with a message on bad usage or unreadable input,
/*	1 when libopendkim refuses to sign.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <opendkim/dkim.h>

#define MAX_HDRS	32

/* slurp - read a whole stream */

static char *slurp(FILE *fp, size_t *lenp)
{
    size_t  alloc = 65536;
    size_t  len = 0;
    size_t  n;
    char   *buf = malloc(alloc + 1);

    while (buf != 0 && (n = fread(buf + len, 1, alloc - len, fp)) > 0) {
	len += n;
	if (len == alloc && (buf = realloc(buf, (alloc *= 2) + 1)) == 0)
	    break;
    }
    if (buf != 0)
	buf[len] = 0;
    *lenp = len;
    return (buf);
}

/* to_crlf - the message with CRLF line ends */

static char *to_crlf(const char *in, size_t len, size_t *outlen)
{
    char   *out = malloc(2 * len + 1);
    size_t  i;
    size_t  o = 0;

    if (out == 0)
	return (0);
    for (i = 0; i < len; i++) {
	if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
	    out[o++] = '\r';
	out[o++] = in[i];
    }
    out[o] = 0;
    *outlen = o;
    return (out);
}

/* usage - say how, and exit */

static void usage(void)
{
    fprintf(stderr, "usage: dkimsign -d domain -s selector -k keyfile "
	    "[-h hdr:hdr...] [-c simple|relaxed] [-l] < message\n");
    exit(2);
}

int     main(int argc, char **argv)
{
    const char *domain = 0;
    const char *selector = 0;
    const char *keyfile = 0;
    char   *hdrlist = strdup("from:subject:x-campaign-id");
    const char *signhdrs[MAX_HDRS + 1];
    dkim_canon_t canon = DKIM_CANON_RELAXED;
    DKIM_LIB *lib;
    DKIM   *dkim;
    DKIM_STAT status;
    FILE   *fp;
    char   *key;
    char   *raw;
    char   *msg;
    char   *cp;
    char   *end;
    char   *body;
    unsigned char *sig;
    size_t  keylen, rawlen, msglen, siglen, i;
    int     nh = 0;
    int     ch;
    unsigned flags = DKIM_LIBFLAGS_NONE;

    while ((ch = getopt(argc, argv, "d:s:k:h:c:l")) != -1) {
	switch (ch) {
	case 'd':
	    domain = optarg;
	    break;
	case 's':
	    selector = optarg;
	    break;
	case 'k':
	    keyfile = optarg;
	    break;
	case 'h':
	    free(hdrlist);
	    hdrlist = strdup(optarg);
	    break;
	case 'l':
	    flags |= DKIM_LIBFLAGS_SIGNLEN;
	    break;
	case 'c':
	    if (strcmp(optarg, "simple") == 0)
		canon = DKIM_CANON_SIMPLE;
	    else if (strcmp(optarg, "relaxed") != 0)
		usage();
	    break;
	default:
	    usage();
	}
    }
    if (domain == 0 || selector == 0 || keyfile == 0 || hdrlist == 0)
	usage();
    for (cp = strtok(hdrlist, ":"); cp != 0 && nh < MAX_HDRS;
	 cp = strtok(0, ":"))
	signhdrs[nh++] = cp;
    signhdrs[nh] = 0;
    if ((fp = fopen(keyfile, "r")) == 0) {
	perror(keyfile);
	return (2);
    }
    key = slurp(fp, &keylen);
    (void) fclose(fp);
    raw = slurp(stdin, &rawlen);
    if (key == 0 || raw == 0 || (msg = to_crlf(raw, rawlen, &msglen)) == 0) {
	fprintf(stderr, "dkimsign: out of memory\n");
	return (2);
    }

    if ((lib = dkim_init(0, 0)) == 0
	/* The list itself is the data, and its size that of a pointer. */
	|| dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_SIGNHDRS,
			(void *) signhdrs, sizeof(char **)) != DKIM_STAT_OK
	|| dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags,
			sizeof(flags)) != DKIM_STAT_OK) {
	fprintf(stderr, "dkimsign: cannot set up libopendkim\n");
	return (1);
    }
    dkim = dkim_sign(lib, (const unsigned char *) "test", 0,
		     (dkim_sigkey_t) key, (const unsigned char *) selector,
		     (const unsigned char *) domain, canon, canon,
		     DKIM_SIGN_RSASHA256, -1, &status);
    if (dkim == 0) {
	fprintf(stderr, "dkimsign: dkim_sign: %s\n", dkim_getresultstr(status));
	return (1);
    }

    /* Header fields, each with its continuation lines, then the body. */
    if ((body = strstr(msg, "\r\n\r\n")) == 0) {
	fprintf(stderr, "dkimsign: no empty line after the header\n");
	return (2);
    }
    body += 2;
    for (cp = msg; cp < body;) {
	for (end = strstr(cp, "\r\n"); end[2] == ' ' || end[2] == '\t';
	     end = strstr(end + 2, "\r\n"))
	     /* void */ ;
	if (dkim_header(dkim, (unsigned char *) cp, end - cp) != DKIM_STAT_OK) {
	    fprintf(stderr, "dkimsign: bad header field\n");
	    return (1);
	}
	cp = end + 2;
    }
    if (dkim_eoh(dkim) != DKIM_STAT_OK
	|| dkim_body(dkim, (unsigned char *) body + 2,
		     msglen - (body + 2 - msg)) != DKIM_STAT_OK
	|| (status = dkim_eom(dkim, 0)) != DKIM_STAT_OK
	|| dkim_getsighdr_d(dkim, strlen("DKIM-Signature: "), &sig,
			    &siglen) != DKIM_STAT_OK) {
	fprintf(stderr, "dkimsign: signing failed: %s\n", dkim_geterror(dkim));
	return (1);
    }

    /* Out with LF line ends, signature first. */
    printf("DKIM-Signature: ");
    for (i = 0; i < siglen; i++)
	if (sig[i] != '\r')
	    putchar(sig[i]);
    putchar('\n');
    for (i = 0; i < rawlen; i++)
	if (raw[i] != '\r')
	    putchar(raw[i]);
    (void) dkim_free(dkim);
    dkim_close(lib);
    free(key);
    free(raw);
    free(msg);
    free(hdrlist);
    return (0);
}
