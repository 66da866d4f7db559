/* SPDX-License-Identifier: BSD-3-Clause; Copyright (c) 2026 the consent-milter authors. */
#ifndef CM_REDIS_FIXTURE_H
#define CM_REDIS_FIXTURE_H

/*
 * redis_fixture - a private redis-server for a Check test
 *
 * SYNOPSIS
 *	#include "redis_fixture.h"
 *
 *	void	cm_rfix_start(s, dir, name, tcp, extra)
 *	cm_rfix	*s;
 *	const char *dir, *name;
 *	int	tcp;
 *	const char *const *extra;
 *
 *	void	cm_rfix_stop(s, sig)
 *	cm_rfix	*s;
 *	int	sig;
 */
#include <sys/types.h>

typedef struct cm_rfix {
    pid_t   pid;			/* 0: not running */
    int     port;			/* loopback TCP, or 0 */
    char    sock[200];			/* always: DIR/NAME.sock */
    char    name[32];
    char    log[256];			/* DIR/NAME.log */
} cm_rfix;

extern void cm_rfix_start(cm_rfix *, const char *, const char *, int,
			          const char *const *);
extern void cm_rfix_stop(cm_rfix *, int);
extern int cm_rfix_listen(int *);

#endif
