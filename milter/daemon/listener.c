/*++
/* NAME
/*	listener 3
/* SUMMARY
/*	the milter socket: path, access, TCP_NODELAY, wake-up
/* SYNOPSIS
/*	#include "listener.h"
/*
/*	const char *cm_listener_path(spec)
/*	const char *spec;
/*
/*	int	cm_listener_access(cfg, mode, gid, err, errlen)
/*	const cm_config *cfg;
/*	mode_t	*mode;
/*	gid_t	*gid;
/*	char	*err;
/*	size_t	errlen;
/*
/*	int	cm_listener_hand_over(path, uid, gid, who, mode, err, errlen)
/*	const char *path;
/*	uid_t	uid;
/*	gid_t	gid;
/*	const char *who;
/*	mode_t	mode;
/*	char	*err;
/*	size_t	errlen;
/*
/*	void	cm_listener_nodelay(void)
/*
/*	void	cm_listener_wake(spec)
/*	const char *spec;
/* DESCRIPTION
/*	cm_listener_path() returns the file name of a "unix:" or "local:"
/*	socket spec, or NULL for a TCP one.
/*
/*	cm_listener_access() checks SocketMode and SocketGroup against
/*	the Socket key and resolves them: *mode gets SocketMode, or
/*	CM_SOCKET_MODE for any unix socket (the umask never decides who
/*	may ask about anyone's consent); *gid gets SocketGroup's id when
/*	it is set. Both are left alone otherwise.
/*
/*	cm_listener_hand_over() gives the unix socket that libmilter just
/*	made at path to uid and gid ((uid_t) -1, (gid_t) -1: unchanged;
/*	who names them in an error) and mode ((mode_t) -1: unchanged), as
/*	root, in a directory that UserID may own. No symbolic link is
/*	followed: the path must be a socket before and after, so that a
/*	link swapped in between the bind and this call cannot hand some
/*	other file to UserID.
/*
/*	cm_listener_nodelay() sets TCP_NODELAY on libmilter's listening
/*	socket, which accepted connections inherit.
/*
/*	cm_listener_wake() connects once to the daemon's own socket, so
/*	that libmilter's accept loop notices a stop at once.
/* DIAGNOSTICS
/*	cm_listener_access() returns -1 with a message in err.
/*	cm_listener_hand_over() returns -1 with "Socket PATH: not a socket
/*	(replaced by something else?): not handed over" or a system error
/*	in err.
/*	cm_listener_nodelay() logs a failed setsockopt().
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

/* Application-specific. */

#include "listener.h"
#include "log.h"

/* cm_listener_path - the file name of a unix socket spec, or NULL */

const char *cm_listener_path(const char *spec)
{
    if (strncmp(spec, "unix:", 5) == 0)
	return (spec + 5);
    if (strncmp(spec, "local:", 6) == 0)
	return (spec + 6);
    return (0);
}

/* cm_listener_access - SocketMode and SocketGroup: check and resolve */

int     cm_listener_access(const cm_config *cfg, mode_t *mode, gid_t *gid,
			         char *err, size_t errlen)
{
    struct group *gr;
    char   *end;
    unsigned long n;

    if ((cfg->socket_mode || cfg->socket_group)
	&& cm_listener_path(cfg->socket) == 0) {
	(void) snprintf(err, errlen, "%s: only for a unix socket (Socket "
			"%s)", cfg->socket_mode ? "SocketMode" :
			"SocketGroup", cfg->socket);
	return (-1);
    }
    if (cfg->socket_mode != 0)
	*mode = (mode_t) strtoul(cfg->socket_mode, 0, 8);
    else if (cm_listener_path(cfg->socket) != 0)
	*mode = CM_SOCKET_MODE;		/* not the umask's: keep others out */
    if (cfg->socket_group != 0) {
	if ((gr = getgrnam(cfg->socket_group)) != 0) {
	    *gid = gr->gr_gid;
	} else {
	    n = strtoul(cfg->socket_group, &end, 10);
	    if (*end != 0 || end == cfg->socket_group) {
		(void) snprintf(err, errlen, "SocketGroup: no such group "
				"\"%s\"", cfg->socket_group);
		return (-1);
	    }
	    *gid = (gid_t) n;
	}
    }
    return (0);
}

/* is_socket - is path a socket itself, not a link to one */

static int is_socket(const char *path, struct stat *st)
{
    return (lstat(path, st) == 0 && S_ISSOCK(st->st_mode));
}

/* cm_listener_hand_over - the new socket to UserID, following no link */

int     cm_listener_hand_over(const char *path, uid_t uid, gid_t gid,
			              const char *who, mode_t mode, char *err,
			              size_t errlen)
{
    struct stat st;

    /*
     * chown(2) and chmod(2) follow a symbolic link, and UserID may own
     * the directory: whoever runs as UserID (a previous, compromised
     * daemon) could swap the socket for a link to /etc/shadow between
     * libmilter's bind() and these calls, and get that file. lchown(2)
     * follows nothing; the mode is normally right already (the umask
     * made it), else fchmodat() refuses a link.
     */
    if (!is_socket(path, &st))
	goto replaced;
    if ((uid != (uid_t) -1 || gid != (gid_t) -1)
	&& lchown(path, uid, gid) != 0) {
	(void) snprintf(err, errlen, "Socket %s: chown to %s: %s", path,
			who, strerror(errno));
	return (-1);
    }
    if (mode != (mode_t) -1 && (st.st_mode & 07777) != mode
	&& fchmodat(AT_FDCWD, path, mode, AT_SYMLINK_NOFOLLOW) != 0) {
	if (errno == EOPNOTSUPP && !is_socket(path, &st))
	    goto replaced;
	(void) snprintf(err, errlen, "Socket %s: chmod %04o: %s", path,
			(unsigned) mode, strerror(errno));
	return (-1);
    }
    if (!is_socket(path, &st))
	goto replaced;
    return (0);

replaced:
    (void) snprintf(err, errlen, "Socket %s: not a socket (replaced by "
		    "something else?): not handed over", path);
    return (-1);
}

/* cm_listener_nodelay - TCP_NODELAY on libmilter's listening socket */

void    cm_listener_nodelay(void)
{
    DIR    *dir;
    struct dirent *de;
    int     fd;
    int     on = 1;
    int     listening;
    struct sockaddr_storage ss;
    socklen_t len;

    /*
     * libmilter does not hand out the descriptor it listens on, so look
     * for it: a listening IPv4 or IPv6 stream socket of this process.
     */
    if ((dir = opendir("/proc/self/fd")) == 0)
	return;
    while ((de = readdir(dir)) != 0) {
	if ((fd = atoi(de->d_name)) <= 2 || fd == dirfd(dir))
	    continue;
	len = sizeof(listening);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0
	    || !listening)
	    continue;
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *) &ss, &len) != 0
	    || (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
	    continue;
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) != 0)
	    cm_log(LOG_WARNING, "TCP_NODELAY: %s", strerror(errno));
    }
    (void) closedir(dir);
}

/* cm_listener_wake - make libmilter's accept loop notice a stop at once */

void    cm_listener_wake(const char *spec)
{
    struct sockaddr_un sun;
    struct addrinfo hints;
    struct addrinfo *res = 0;
    const char *path;
    char    port[16];
    const char *at;
    int     fd = -1;

    /* A connection of our own ends the accept loop's poll. */
    if ((path = cm_listener_path(spec)) != 0) {
	if (strlen(path) >= sizeof(sun.sun_path)
	    || (fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
	    return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	(void) connect(fd, (struct sockaddr *) &sun, sizeof(sun));
    } else if ((at = strchr(spec, '@')) != 0 && strchr(spec, ':') != 0) {
	(void) snprintf(port, sizeof(port), "%.*s",
			(int) (at - strchr(spec, ':') - 1), strchr(spec, ':') + 1);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(at + 1, port, &hints, &res) != 0)
	    return;
	if ((fd = socket(res->ai_family, SOCK_STREAM, 0)) >= 0)
	    (void) connect(fd, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
    }
    if (fd >= 0)
	(void) close(fd);
}
