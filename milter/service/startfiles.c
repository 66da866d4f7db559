/*++
/* NAME
/*	startfiles 3
/* SUMMARY
/*	files the daemon writes as root, or must not write at all
/* SYNOPSIS
/*	#include "startfiles.h"
/*
/*	int	cm_pidfile_open(path)
/*	const char *path;
/*
/*	int	cm_pidfile_write(path, fd)
/*	const char *path;
/*	int	fd;
/*
/*	int	cm_audit_check_as(path, user, uid, gid, err, errlen)
/*	const char *path;
/*	const char *user;
/*	uid_t	uid;
/*	gid_t	gid;
/*	char	*err;
/*	size_t	errlen;
/* DESCRIPTION
/*	The daemon starts as root and writes into directories that the
/*	UserID account may own. This module does so without trusting what
/*	that account could have put there.
/*
/*	cm_pidfile_open() checks and opens PidFile for writing: the
/*	directory must not be writable by group or others without the
/*	sticky bit; no symbolic link is followed (O_NOFOLLOW); the file,
/*	if it exists, must be a regular file of the effective user with
/*	one link (a planted hard link, FIFO or device is refused); it is
/*	emptied only then, on the descriptor that was checked.
/*	cm_pidfile_write() writes the calling process's id there (after
/*	detaching, as the process that stays) and closes fd.
/*
/*	cm_audit_check_as() is consent-milter -n's check of AuditLog, which
/*	creates nothing: could the file be appended to, or else created in
/*	its directory, by the user the daemon will run as. With a user and
/*	when run as root, access(2) is asked in a child that has become
/*	that user (initgroups, setgid, setuid), so that groups and ACLs
/*	count as they will for the daemon; call it before any thread
/*	exists. Without a user, as the caller.
/* DIAGNOSTICS
/*	cm_pidfile_open() returns a descriptor, or -1 after logging
/*	"PidFile PATH: a symbolic link: not written", "...: has 2 links:
/*	not written", "...: not a regular file: not written", "...: owned
/*	by uid N, not M: not written", "PidFile PATH: directory DIR is
/*	writable by others (mode 0777): not written", or a system error.
/*	cm_pidfile_write() returns 0, or -1 after logging.
/*
/*	cm_audit_check_as() returns 0, or -1 with "AuditLog PATH: cannot
/*	be created by USER: DIR: Permission denied", "AuditLog PATH:
/*	cannot be written by USER: ...", or without a user "AuditLog
/*	PATH: cannot be created: DIR: No such file or directory" in err.
/* SEE ALSO
/*	consent-milter(8), SECURITY.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

/* Application-specific. */

#include "log.h"
#include "startfiles.h"

/* dir_of - the directory part of a path, into buf */

static const char *dir_of(const char *path, char *buf, size_t bufsz)
{
    const char *slash = strrchr(path, '/');

    if (slash == 0)
	return (".");
    if (slash == path)
	return ("/");
    (void) snprintf(buf, bufsz, "%.*s", (int) (slash - path), path);
    return (buf);
}

/* cm_pidfile_open - open PidFile, as root, without trusting what is there */

int     cm_pidfile_open(const char *path)
{
    char    dirbuf[4096];
    const char *dir = dir_of(path, dirbuf, sizeof(dirbuf));
    struct stat st;
    int     fd;

    /*
     * The daemon writes this file as root, in a directory that the
     * UserID account may own: it must not write through a symbolic or
     * hard link planted there, nor into a FIFO or device, nor into a
     * file that others could swap under it. So: no link is followed, an
     * existing file must be a plain file of ours with one link, and it
     * is emptied only after these checks, on the descriptor that was
     * checked. A directory that others may write (without the sticky
     * bit) lets them replace the file between two starts: refused.
     */
    if (stat(dir, &st) != 0) {
	cm_log(LOG_ERR, "PidFile %s: directory %s: %s", path, dir,
	       strerror(errno));
	return (-1);
    }
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st.st_mode & S_ISVTX) == 0) {
	cm_log(LOG_ERR, "PidFile %s: directory %s is writable by others "
	       "(mode %04o): not written", path, dir,
	       (unsigned) (st.st_mode & 07777));
	return (-1);
    }
    if ((fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK
		   | O_CLOEXEC | O_NOCTTY, 0644)) < 0) {
	if (errno == ELOOP)
	    cm_log(LOG_ERR, "PidFile %s: a symbolic link: not written", path);
	else if (errno == ENXIO)		/* a FIFO or socket, no reader */
	    cm_log(LOG_ERR, "PidFile %s: not a regular file: not written",
		   path);
	else
	    cm_log(LOG_ERR, "PidFile %s: %s", path, strerror(errno));
	return (-1);
    }
    if (fstat(fd, &st) != 0) {
	cm_log(LOG_ERR, "PidFile %s: %s", path, strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
	cm_log(LOG_ERR, "PidFile %s: not a regular file: not written", path);
    } else if (st.st_nlink != 1) {
	cm_log(LOG_ERR, "PidFile %s: has %lu links: not written", path,
	       (unsigned long) st.st_nlink);
    } else if (st.st_uid != geteuid()) {
	cm_log(LOG_ERR, "PidFile %s: owned by uid %lu, not %lu: not written",
	       path, (unsigned long) st.st_uid, (unsigned long) geteuid());
    } else if (ftruncate(fd, 0) != 0) {
	cm_log(LOG_ERR, "PidFile %s: %s", path, strerror(errno));
    } else {
	return (fd);
    }
    (void) close(fd);
    return (-1);
}

/* cm_pidfile_write - record the daemon's process id in the checked file */

int     cm_pidfile_write(const char *path, int fd)
{
    char    buf[32];
    int     len;

    len = snprintf(buf, sizeof(buf), "%ld\n", (long) getpid());
    if (write(fd, buf, (size_t) len) != len) {
	cm_log(LOG_ERR, "PidFile %s: %s", path, strerror(errno));
	(void) close(fd);
	return (-1);
    }
    if (close(fd) != 0) {
	cm_log(LOG_ERR, "PidFile %s: %s", path, strerror(errno));
	return (-1);
    }
    return (0);
}

/* cm_audit_check_as - can this user create or append to AuditLog */

int     cm_audit_check_as(const char *path, const char *user, uid_t uid,
			          gid_t gid, char *err, size_t errlen)
{
    char    dirbuf[4096];
    const char *dir = dir_of(path, dirbuf, sizeof(dirbuf));
    int     exists, saved, status;
    pid_t   pid;

    /*
     * -n must not create the log: as root, a log that -n created would
     * be root's, and the daemon, as UserID, could then not open it. So
     * ask access(2) whether the file could be appended to, or else
     * created in its directory, as the user that will open it: when
     * UserID is set, in a child that has become that user (before any
     * thread exists).
     */
    if (user != 0 && getuid() == 0) {
	if ((pid = fork()) < 0) {
	    (void) snprintf(err, errlen, "fork: %s", strerror(errno));
	    return (-1);
	}
	if (pid == 0) {
	    if (initgroups(user, gid) != 0 || setgid(gid) != 0
		|| setuid(uid) != 0)
		_exit(255);
	    exists = access(path, F_OK) == 0;
	    if (access(exists ? path : dir, exists ? W_OK : W_OK | X_OK) == 0)
		_exit(0);
	    saved = errno;
	    _exit(exists ? 128 + (saved & 127) : (saved & 127));
	}
	while (waitpid(pid, &status, 0) < 0)
	    if (errno != EINTR) {
		(void) snprintf(err, errlen, "waitpid: %s", strerror(errno));
		return (-1);
	    }
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
	    return (0);
	status = WIFEXITED(status) ? WEXITSTATUS(status) : 255;
	if (status == 255)
	    (void) snprintf(err, errlen, "AuditLog %s: cannot check as %s: "
			    "cannot switch to that user", path, user);
	else if (status >= 128)
	    (void) snprintf(err, errlen, "AuditLog %s: cannot be written by "
			    "%s: %s", path, user, strerror(status - 128));
	else
	    (void) snprintf(err, errlen, "AuditLog %s: cannot be created by "
			    "%s: %s: %s", path, user, dir, strerror(status));
	return (-1);
    }
    exists = access(path, F_OK) == 0;
    if (access(exists ? path : dir, exists ? W_OK : W_OK | X_OK) == 0)
	return (0);
    if (exists)
	(void) snprintf(err, errlen, "AuditLog %s: cannot be written: %s",
			path, strerror(errno));
    else
	(void) snprintf(err, errlen, "AuditLog %s: cannot be created: %s: %s",
			path, dir, strerror(errno));
    return (-1);
}
