#ifndef CM_DRAIN_H
#define CM_DRAIN_H

/*++
/* NAME
/*	drain 3h
/* SUMMARY
/*	stopping with sessions still open: finish, then touch nothing
/* SYNOPSIS
/*	#include "drain.h"
/* DESCRIPTION
/*	See drain.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

typedef struct cm_drain_conn cm_drain_conn;

extern cm_drain_conn *cm_drain_add(void *data);
extern void *cm_drain_data(cm_drain_conn *conn);
extern int cm_drain_enter(cm_drain_conn *conn);
extern void cm_drain_leave(cm_drain_conn *conn, int busy);
extern void cm_drain_close(cm_drain_conn *conn);
extern int cm_drain_stopping(void);
extern void cm_drain_stop(void);
extern int cm_drain_messages(void);
extern int cm_drain_wait(int grace_ms, void (*release) (void *data));

#endif
