/*++
/* NAME
/*	postconf 3
/* SUMMARY
/*	-n: can a chrooted Postfix smtpd reach the milter socket
/* SYNOPSIS
/*	#include "postconf.h"
/*
/*	int	cm_postconf_check(socket_path, warn, len)
/*	const char *socket_path;
/*	char	*warn;
/*	size_t	len;
/* DESCRIPTION
/*	A Postfix smtpd that runs chrooted (the chroot column of
/*	master.cf says "y") sees only the files under queue_directory: a
/*	milter socket elsewhere does not exist for it, and every message
/*	then waits on "451 4.7.1 Service unavailable". consent-milter -n
/*	asks Postfix, where postconf(1) is installed, and warns.
/*
/*	cm_postconf_check() runs "postconf -h queue_directory" and
/*	"postconf -M" (which honour MAIL_CONFIG, as every Postfix command
/*	does) and looks for an smtpd service with chroot "y". When there
/*	is one and socket_path (a unix socket's file name) does not lie
/*	under queue_directory, it writes a warning into warn that names
/*	the service and says where the socket must go. Only an explicit
/*	"y" counts: "-" is the default, "n" since Postfix 3.0.
/* DIAGNOSTICS
/*	Returns 1 with a warning in warn, 0 when there is nothing to say
/*	(no postconf, no chrooted smtpd, or the socket is inside).
/* SEE ALSO
/*	postconf(1), master(5), consent-milter(8).
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Application-specific. */

#include "postconf.h"

/* run - the first line of a command's output, or "" */

static char *run(const char *cmd, char *buf, size_t len)
{
    FILE   *fp;

    buf[0] = 0;
    if ((fp = popen(cmd, "r")) == 0)
	return (buf);
    if (fgets(buf, (int) len, fp) == 0)
	buf[0] = 0;
    buf[strcspn(buf, "\n")] = 0;
    (void) pclose(fp);
    return (buf);
}

/* chrooted_smtpd - "name/type" of an smtpd service with chroot y */

static int chrooted_smtpd(char *service, size_t len)
{
    FILE   *fp;
    char    line[1024];
    char    name[256], type[32], priv[8], unpriv[8], chroot[8], cmd[256];
    int     found = 0;

    /* Fixed command text: nothing from the configuration reaches sh. */
    if ((fp = popen("command -v postconf >/dev/null 2>&1 && "
		    "postconf -M 2>/dev/null", "r")) == 0)
	return (0);
    while (fgets(line, sizeof(line), fp) != 0) {
	/* name type private unpriv chroot wakeup maxproc command... */
	if (sscanf(line, "%255s %31s %7s %7s %7s %*s %*s %255s", name, type,
		   priv, unpriv, chroot, cmd) != 6)
	    continue;
	if (!found && strcmp(cmd, "smtpd") == 0 && strcmp(chroot, "y") == 0) {
	    (void) snprintf(service, len, "%s/%s", name, type);
	    found = 1;
	}
    }
    (void) pclose(fp);
    return (found);
}

/* cm_postconf_check - warn about a socket a chrooted smtpd cannot see */

int     cm_postconf_check(const char *socket_path, char *warn, size_t len)
{
    char    qdir[PATH_MAX];
    char    real_q[PATH_MAX];
    char    dir[PATH_MAX];
    char    real_d[PATH_MAX];
    char    service[300];
    char   *slash;
    size_t  n;

    if (socket_path == 0 || !chrooted_smtpd(service, sizeof(service)))
	return (0);
    if (*run("postconf -h queue_directory 2>/dev/null", qdir,
	     sizeof(qdir)) != '/')
	return (0);

    /* Compare real paths: a symbolic link in either must not fool us. */
    if (realpath(qdir, real_q) == 0)
	(void) snprintf(real_q, sizeof(real_q), "%s", qdir);
    (void) snprintf(dir, sizeof(dir), "%s", socket_path);
    if ((slash = strrchr(dir, '/')) != 0)
	*slash = 0;
    if (realpath(*dir ? dir : "/", real_d) == 0)
	(void) snprintf(real_d, sizeof(real_d), "%s", dir);
    n = strlen(real_q);
    if (strncmp(real_d, real_q, n) == 0 && (real_d[n] == 0 || real_d[n] == '/'))
	return (0);
    (void) snprintf(warn, len, "%s is not under Postfix's queue_directory "
		    "%s, but smtpd (master.cf service %s) runs chrooted "
		    "there: Postfix cannot reach the socket, and all mail "
		    "would get \"451 4.7.1 Service unavailable\"; put it "
		    "there (Socket unix:%s/consent-milter/consent-milter.sock"
		    " and smtpd_milters = unix:consent-milter/"
		    "consent-milter.sock) or set chroot n in master.cf",
		    socket_path, qdir, service, qdir);
    return (1);
}
