/*++
/* NAME
/*	swapsock 3
/* SUMMARY
/*	LD_PRELOAD shim: the race that a planted link wins, made certain
/* SYNOPSIS
/*	LD_PRELOAD=.libs/swapsock.so SWAPSOCK_PATH=sock SWAPSOCK_TARGET=file
/* DESCRIPTION
/*	Between libmilter's bind() of a unix socket and the daemon's hand
/*	over of it to UserID, whoever owns the directory could put a
/*	symbolic link in its place. This shim does it at the worst moment:
/*	the first time the daemon calls chown(), lchown(), fchownat(),
/*	chmod() or fchmodat() on SWAPSOCK_PATH, the socket is replaced by a
/*	link to SWAPSOCK_TARGET just before the real call runs.
/*	tests/daemon/startup.sh then checks that the target kept its owner
/*	and mode, and that the daemon refused to start.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* swap - once, put the link in the socket's place */

static void swap(const char *path)
{
    static int done;
    const char *sock = getenv("SWAPSOCK_PATH");
    const char *target = getenv("SWAPSOCK_TARGET");

    if (done || sock == 0 || target == 0 || path == 0
	|| strcmp(path, sock) != 0)
	return;
    done = 1;
    (void) unlink(path);
    (void) symlink(target, path);
}

/* next - the real function */

static void *next(const char *name)
{
    void   *fn = dlsym(RTLD_NEXT, name);

    if (fn == 0)
	abort();
    return (fn);
}

int     chown(const char *path, uid_t uid, gid_t gid)
{
    swap(path);
    return (((int (*) (const char *, uid_t, gid_t)) next("chown")) (path, uid,
								   gid));
}

int     lchown(const char *path, uid_t uid, gid_t gid)
{
    swap(path);
    return (((int (*) (const char *, uid_t, gid_t)) next("lchown")) (path, uid,
								    gid));
}

int     fchownat(int dirfd, const char *path, uid_t uid, gid_t gid, int flags)
{
    swap(path);
    return (((int (*) (int, const char *, uid_t, gid_t, int))
	     next("fchownat")) (dirfd, path, uid, gid, flags));
}

int     chmod(const char *path, mode_t mode)
{
    swap(path);
    return (((int (*) (const char *, mode_t)) next("chmod")) (path, mode));
}

int     fchmodat(int dirfd, const char *path, mode_t mode, int flags)
{
    swap(path);
    return (((int (*) (int, const char *, mode_t, int))
	     next("fchmodat")) (dirfd, path, mode, flags));
}
