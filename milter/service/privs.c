/*++
/* NAME
/*	privs 3
/* SUMMARY
/*	a daemon's user switch, root refusal and secret-file checks
/* SYNOPSIS
/*	#include "privs.h"
/*
/*	int	cm_user_lookup(spec, uid, gid, name, err, errlen)
/*	const char *spec;
/*	uid_t	*uid;
/*	gid_t	*gid;
/*	char	**name;
/*	char	*err;
/*	size_t	errlen;
/*
/*	int	cm_user_start_check(spec, uid, gid, err, errlen)
/*	const char *spec;
/*	uid_t	uid;
/*	gid_t	gid;
/*	char	*err;
/*	size_t	errlen;
/*
/*	int	cm_user_drop(name, uid, gid)
/*	const char *name;
/*	uid_t	uid;
/*	gid_t	gid;
/*
/*	int	cm_secret_check(key, path, err, errlen)
/*	const char *key;
/*	const char *path;
/*	char	*err;
/*	size_t	errlen;
/* DESCRIPTION
/*	The privilege rules that consent-milter(8) and
/*	consent-unsubscribe(8) share, in one place so that they cannot
/*	drift apart: both start as root (or as UserID already), open
/*	what needs root, then become UserID for good.
/*
/*	cm_user_lookup() resolves UserID "user[:group]" into a uid, a gid
/*	(the group's, else the user's primary group) and the user name
/*	(*name, to free(3)).
/*
/*	cm_user_start_check() refuses a start by a user that is neither
/*	root nor UserID itself: such a process can switch to no other
/*	user. Started as UserID already (systemd's User=, runuser), there
/*	is nothing to switch, so that one configuration serves a start
/*	as root and one as that user.
/*
/*	cm_user_drop() becomes that user for good (supplementary groups,
/*	group, user) and checks that root cannot be regained.
/*
/*	cm_secret_check() refuses a secret file (a key, a password) that
/*	others may read or write; a NULL path is no file and passes.
/* DIAGNOSTICS
/*	cm_user_lookup(), cm_user_start_check() and cm_secret_check()
/*	return 0, or -1 with a text in err: "UserID: unknown user
/*	\"x\"", "UserID: unknown group \"g\"", "SPEC: started as uid N
/*	gid M, which can switch to no other user: start as root or as
/*	SPEC", "KEY PATH: readable or writable by others (mode 0644): run
/*	chmod o-rwx on it" or "KEY PATH: system error". cm_user_lookup()
/*	also returns -1 with an empty err when out of memory.
/*	cm_user_drop() returns 0, or -1 after logging.
/* SEE ALSO
/*	consent-milter(8), consent-unsubscribe(8)
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

/* Application-specific. */

#include "log.h"
#include "privs.h"

/* cm_user_lookup - resolve UserID "user[:group]" */

int     cm_user_lookup(const char *spec, uid_t *uid, gid_t *gid,
		               char **name, char *err, size_t errlen)
{
    char   *copy = strdup(spec);
    char   *group;
    struct passwd *pw;
    struct group *gr;

    if (copy == 0) {
	if (errlen > 0)
	    err[0] = 0;
	return (-1);
    }
    if ((group = strchr(copy, ':')) != 0)
	*group++ = 0;
    if ((pw = getpwnam(copy)) == 0) {
	(void) snprintf(err, errlen, "UserID: unknown user \"%s\"", copy);
	free(copy);
	return (-1);
    }
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
    if (group != 0) {
	if ((gr = getgrnam(group)) == 0) {
	    (void) snprintf(err, errlen, "UserID: unknown group \"%s\"", group);
	    free(copy);
	    return (-1);
	}
	*gid = gr->gr_gid;
    }
    *name = copy;
    return (0);
}

/* cm_user_start_check - refuse a start that can never become UserID */

int     cm_user_start_check(const char *spec, uid_t uid, gid_t gid,
			            char *err, size_t errlen)
{
    if (getuid() != 0 && (uid != getuid() || gid != getgid())) {
	(void) snprintf(err, errlen, "%s: started as uid %lu gid %lu, "
			"which can switch to no other user: start as root or "
			"as %s", spec, (unsigned long) getuid(),
			(unsigned long) getgid(), spec);
	return (-1);
    }
    return (0);
}

/* cm_user_drop - become UserID for good */

int     cm_user_drop(const char *name, uid_t uid, gid_t gid)
{
    if (initgroups(name, gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
	cm_log(LOG_ERR, "cannot switch to user %s: %s", name, strerror(errno));
	return (-1);
    }
    if (uid != 0 && setuid(0) == 0) {
	cm_log(LOG_ERR, "privileges could be regained after the switch to %s",
	       name);
	return (-1);
    }
    return (0);
}

/* cm_secret_check - refuse a secret that others may read or change */

int     cm_secret_check(const char *key, const char *path, char *err,
			        size_t errlen)
{
    struct stat st;

    if (path == 0)
	return (0);
    if (stat(path, &st) != 0) {
	(void) snprintf(err, errlen, "%s %s: %s", key, path, strerror(errno));
	return (-1);
    }
    if (st.st_mode & (S_IROTH | S_IWOTH)) {
	(void) snprintf(err, errlen, "%s %s: readable or writable by others "
			"(mode %04o): run chmod o-rwx on it", key, path,
			(unsigned) (st.st_mode & 07777));
	return (-1);
    }
    return (0);
}
