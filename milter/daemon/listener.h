#ifndef CM_LISTENER_H
#define CM_LISTENER_H

/*++
/* NAME
/*	listener 3h
/* SUMMARY
/*	the milter socket: path, access, TCP_NODELAY, wake-up
/* SYNOPSIS
/*	#include "listener.h"
/* DESCRIPTION
/*	See listener.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <sys/types.h>

#include "config.h"

/*
 * A unix socket without SocketMode: the owner (UserID) and the group
 * (SocketGroup, else UserID's) may connect, others may not. Whoever can
 * connect can ask the consent of anyone.
 */
#define CM_SOCKET_MODE	0660

extern const char *cm_listener_path(const char *spec);
extern int cm_listener_access(const cm_config *cfg, mode_t *mode,
			              gid_t *gid, char *err, size_t errlen);
extern int cm_listener_hand_over(const char *path, uid_t uid, gid_t gid,
				         const char *who, mode_t mode, char *err,
				         size_t errlen);
extern void cm_listener_nodelay(void);
extern void cm_listener_wake(const char *spec);

#endif
