/*++
/* NAME
/*	detach 3
/* SUMMARY
/*	become a daemon; the command's exit status is the start's result
/* SYNOPSIS
/*	#include "detach.h"
/*
/*	int	cm_detach(ready_fd)
/*	int	*ready_fd;
/*
/*	void	cm_detach_ready(ready_fd)
/*	int	ready_fd;
/* DESCRIPTION
/*	cm_detach() forks. The parent waits on a pipe: when the child
/*	calls cm_detach_ready(), the parent exits 0; when the child exits
/*	first, the parent exits with the child's status (1 when that was
/*	0 or a signal). So a classic start returns only once the daemon
/*	serves, or with the reason it did not (issue 15: an audit log
/*	that UserID cannot write returned 0 before). The child starts a
/*	session, goes to "/", points stdin and stdout at /dev/null and
/*	keeps stderr, so that its start-up errors reach the terminal.
/*	*ready_fd is the pipe's end to hand to cm_detach_ready().
/*
/*	cm_detach_ready() tells the parent, closes ready_fd, stops the
/*	copy of log lines on stderr and points stderr at /dev/null. With
/*	ready_fd -1 (the daemon did not detach: -f) it does nothing.
/* DIAGNOSTICS
/*	cm_detach() returns 0 in the child, or -1 after logging when no
/*	pipe or process could be made; the parent never returns.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

/* Application-specific. */

#include "detach.h"
#include "log.h"

/* cm_detach - become a daemon; the parent exits with the start's result */

int     cm_detach(int *ready_fd)
{
    pid_t   pid;
    int     fd;
    int     pfd[2];
    int     status;
    char    c;
    ssize_t n;

    /*
     * The parent waits until the child has started (cm_detach_ready()) or
     * failed: its exit status is the start's result, so that an init
     * script or an administrator sees a failed start (an audit log the
     * user cannot write, a user that cannot be switched to), and the
     * child keeps standard error until then, so the reason is seen.
     */
    if (pipe(pfd) != 0) {
	cm_log(LOG_ERR, "pipe: %s", strerror(errno));
	return (-1);
    }
    if ((pid = fork()) < 0) {
	cm_log(LOG_ERR, "fork: %s", strerror(errno));
	return (-1);
    }
    if (pid > 0) {
	(void) close(pfd[1]);
	while ((n = read(pfd[0], &c, 1)) < 0 && errno == EINTR)
	     /* void */ ;
	if (n == 1 && c == 0)
	    _exit(0);
	while (waitpid(pid, &status, 0) < 0)
	    if (errno != EINTR)
		_exit(1);
	_exit(WIFEXITED(status) && WEXITSTATUS(status) != 0 ?
	      WEXITSTATUS(status) : 1);
    }
    (void) close(pfd[0]);
    (void) fcntl(pfd[1], F_SETFD, FD_CLOEXEC);
    *ready_fd = pfd[1];
    (void) setsid();
    if (chdir("/") != 0)
	return (-1);
    if ((fd = open("/dev/null", O_RDWR)) >= 0) {
	(void) dup2(fd, 0);
	(void) dup2(fd, 1);
	if (fd > 2)
	    (void) close(fd);
    }
    return (0);
}

/* cm_detach_ready - tell the waiting parent that the start succeeded */

void    cm_detach_ready(int ready_fd)
{
    char    c = 0;
    int     fd;

    if (ready_fd < 0)
	return;
    if (write(ready_fd, &c, 1) < 0) {
	/* The parent is gone or has given up: it reports by itself. */
    }
    (void) close(ready_fd);

    /* From now on, syslog only: the terminal may be gone. */
    cm_log_stderr(-1);
    if ((fd = open("/dev/null", O_RDWR)) >= 0) {
	(void) dup2(fd, 2);
	if (fd > 2)
	    (void) close(fd);
    }
}
