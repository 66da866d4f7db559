#ifndef CM_STARTFILES_H
#define CM_STARTFILES_H

/*++
/* NAME
/*	startfiles 3h
/* SUMMARY
/*	files the daemon writes as root, or must not write at all
/* SYNOPSIS
/*	#include "startfiles.h"
/* DESCRIPTION
/*	See startfiles.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>
#include <sys/types.h>

extern int cm_pidfile_open(const char *path);
extern int cm_pidfile_write(const char *path, int fd);
extern int cm_audit_check_as(const char *path, const char *user, uid_t uid,
			             gid_t gid, char *err, size_t errlen);

#endif
