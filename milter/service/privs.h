#ifndef CM_PRIVS_H
#define CM_PRIVS_H

/*++
/* NAME
/*	privs 3h
/* SUMMARY
/*	a daemon's user switch, root refusal and secret-file checks
/* SYNOPSIS
/*	#include "privs.h"
/* DESCRIPTION
/*	See privs.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>
#include <sys/types.h>

extern int cm_user_lookup(const char *spec, uid_t *uid, gid_t *gid,
			          char **name, char *err, size_t errlen);
extern int cm_user_start_check(const char *spec, uid_t uid, gid_t gid,
			               char *err, size_t errlen);
extern int cm_user_drop(const char *name, uid_t uid, gid_t gid);
extern int cm_secret_check(const char *key, const char *path, char *err,
			           size_t errlen);

#endif
