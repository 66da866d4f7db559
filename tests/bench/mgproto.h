#ifndef _MGPROTO_H_INCLUDED_
#define _MGPROTO_H_INCLUDED_

/*++
/* NAME
/*	mgproto 3h
/* SUMMARY
/*	milter protocol, MTA side, for miltergen
/* SYNOPSIS
/*	#include "mgproto.h"
/* DESCRIPTION
/* .nf

 /*
  * System library.
  */
#include <stddef.h>

 /*
  * External interface.
  */
#define MG_MAX_PKT	(1024 * 1024)	/* longest reply we take */
#define MG_ANS_NONE	0		/* step skipped, or no reply due */

typedef struct mg_stats {
    unsigned long msgs, m_accept, m_reject, m_tempfail, m_abort;
    unsigned long rcpts, r_accept, r_refuse, r_strip, r_tempfail;
    unsigned long waits, mismatches, quarantined;
    unsigned long m_cut_close, m_cut_abort;	/* broken off (-D) */
} mg_stats;

typedef struct mg_conn {
    int     id, fd, error;
    int     timedout;			/* replies not within mg_timeout_ms */
    double  max_wait;			/* longest wait for one reply, s */
    unsigned long actions, proto;	/* as negotiated */
    unsigned char *out;
    size_t  outlen, outsize;
    unsigned char *in;			/* what was read */
    size_t  inpos, inlen;
    char   *pkt;			/* the current packet, terminated */
    double  acc;			/* refused-share accumulator */
    unsigned long good_j, bad_j;	/* next address numbers */
    int     skip_hdr, skip_body;	/* SMFIR_SKIP seen this message */
    mg_stats   st;
    double *lat;			/* latencies, ms */
    size_t  nlat, latsize;
} mg_conn;

extern int mg_verbose;			/* trace packets on stderr */
extern int mg_split_writes;		/* one write per packet */
extern int mg_timeout_ms;		/* read timeout (MTA side) */

extern double mg_now(void);
extern void mg_die(int, const char *, const char *);
extern void *mg_alloc(void *, size_t);
extern int mg_connect(const char *);
extern void mg_put(mg_conn *, const void *, size_t);
extern void mg_put32(mg_conn *, unsigned long);
extern void mg_putstr(mg_conn *, const char *);
extern int mg_flush(mg_conn *);
extern size_t mg_pkt_begin(mg_conn *, int);
extern void mg_pkt_end(mg_conn *, size_t);
extern void mg_macros(mg_conn *, int, const char *const *);
extern int mg_read(mg_conn *, int *, char **, size_t *);
extern int mg_await(mg_conn *, char *, size_t);
extern int mg_step_end(mg_conn *, size_t, unsigned long, char *, size_t);
extern int mg_negotiate(mg_conn *);

/* LICENSE
/* .ad
/* .fi
/*	Same as consent-milter.
/*--*/

#endif
