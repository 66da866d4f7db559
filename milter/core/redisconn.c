/*++
/* NAME
/*	redisconn 3
/* SUMMARY
/*	Redis connections as configured
/* SYNOPSIS
/*	#include "redisconn.h"
/*
/*	int	cm_redis_target_init(t, cfg, err, errlen)
/*	cm_redis_target *t;
/*	const cm_config *cfg;
/*	char	*err;
/*	size_t	errlen;
/*
/*	void	cm_redis_target_free(t)
/*	cm_redis_target *t;
/*
/*	redisContext *cm_redis_open(t, err, errlen)
/*	const cm_redis_target *t;
/*	char	*err;
/*	size_t	errlen;
/*
/*	redisContext *cm_redis_connect(cfg, err, errlen)
/*	const cm_config *cfg;
/*	char	*err;
/*	size_t	errlen;
/* AUXILIARY FUNCTIONS
/*	void	cm_redis_err(err, errlen, fmt, ...)
/*	char	*err;
/*	size_t	errlen;
/*	const char *fmt;
/*
/*	const char *cm_redis_escape(buf, bufsz, data, len)
/*	char	*buf;
/*	size_t	bufsz;
/*	const char *data;
/*	size_t	len;
/*
/*	const char *cm_redis_where(buf, bufsz, path, host, port)
/*	char	*buf;
/*	size_t	bufsz;
/*	const char *path;
/*	const char *host;
/*	int	port;
/*
/*	int	cm_redis_io_error(where, c, saved_errno, err, errlen)
/*	const char *where;
/*	const redisContext *c;
/*	int	saved_errno;
/*	char	*err;
/*	size_t	errlen;
/*
/*	const char *cm_redis_reply_show(buf, bufsz, r)
/*	char	*buf;
/*	size_t	bufsz;
/*	const redisReply *r;
/* DESCRIPTION
/*	This module is the one way to reach Redis as configured: the
/*	daemon's connection pool (store(3)) and consentctl (through
/*	cm_redis_connect()) both use it.
/*
/*	cm_redis_target_init() copies from cfg what a connect needs:
/*	Redis (tcp:host:port or unix:/path), RedisTimeout (for the
/*	connect and for every command) and the address label for
/*	messages (t->where: "unix:/path", "host:port" or "[v6]:port").
/*	It also reads RedisPasswordFile, if set, so that a bad file is
/*	found before the first connect: its first line is "password",
/*	or "user password" for a Redis ACL user (so a password with a
/*	space in it is written "default pass word").
/*	cm_redis_target_free() frees what it copied, and overwrites the
/*	password first. Both accept a target filled with zero bytes.
/*
/*	cm_redis_open() opens one connection to a target, sets the
/*	command timeout and, when there is a password, sends AUTH.
/*
/*	cm_redis_connect() does all of that for one connection.
/*
/*	cm_redis_err() formats a message into err, unless err is null
/*	or errlen 0. cm_redis_escape() copies len bytes at data into
/*	buf for a message: printable ASCII except " and \e is copied,
/*	other bytes are written as \exNN, and what does not fit in bufsz
/*	is cut off with "...". cm_redis_where() formats an address
/*	label, as in t->where. cm_redis_io_error() describes a failed
/*	context (a null c means out of memory). cm_redis_reply_show()
/*	shows an unwanted reply: the text of an error or status, else
/*	its type.
/* DIAGNOSTICS
/*	cm_redis_target_init() returns -1, cm_redis_open() and
/*	cm_redis_connect() a null pointer, with a one-line reason in
/*	err: "redis unix:/path: connection refused", "redis
/*	127.0.0.1:6379: timeout", "redis 127.0.0.1:6379: AUTH failed:
/*	WRONGPASS ...", or a problem with the password file:
/*	"/path: file is empty" from cm_redis_target_init(),
/*	"RedisPasswordFile /path: file is empty" from cm_redis_connect().
/*
/*	cm_redis_io_error() returns 1 when the failure was a timeout, 0
/*	otherwise.
/* BUGS
/*	A write to a connection that Redis closed raises SIGPIPE: the
/*	program must ignore that signal.
/* SEE ALSO
/*	store(3), the daemon's reading side.
/*	writer(3), consent changes.
/*--*/

/* System library. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

/* Utility library. */

#include <hiredis/hiredis.h>

/* Application-specific. */

#include "redisconn.h"

#define CM_REDIS_PASSMAX	1024	/* longest password file line */

/* cm_redis_err - format a message, if the caller wants one */

void    cm_redis_err(char *err, size_t errlen, const char *fmt,...)
{
    va_list ap;

    if (err == 0 || errlen == 0)
	return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* cm_redis_escape - bytes for a message, \xNN outside printable ASCII */

const char *cm_redis_escape(char *buf, size_t bufsz, const char *data,
			            size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t  in, out = 0;
    unsigned char c;

    for (in = 0; in < len; in++) {
	if (out + 4 + 3 + 1 > bufsz) {
	    memcpy(buf + out, "...", 3);
	    out += 3;
	    break;
	}
	c = (unsigned char) data[in];
	if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
	    buf[out++] = c;
	} else {
	    buf[out++] = '\\';
	    buf[out++] = 'x';
	    buf[out++] = hex[c >> 4];
	    buf[out++] = hex[c & 15];
	}
    }
    buf[out] = 0;
    return (buf);
}

/* cm_redis_where - "unix:/path" or "host:port", for messages */

const char *cm_redis_where(char *buf, size_t bufsz, const char *path,
			           const char *host, int port)
{
    char    show[CM_REDIS_SHOWSZ];

    if (path) {
	snprintf(buf, bufsz, "unix:%s",
		 cm_redis_escape(show, sizeof(show), path, strlen(path)));
    } else {
	if (host == 0)
	    host = "?";
	cm_redis_escape(show, sizeof(show), host, strlen(host));
	snprintf(buf, bufsz, strchr(show, ':') ? "[%s]:%d" : "%s:%d",
		 show, port);
    }
    return (buf);
}

/* cm_redis_io_error - describe a failed context; tell timeouts apart */

int     cm_redis_io_error(const char *where, const redisContext *c,
			          int saved_errno, char *err, size_t errlen)
{
    char    show[CM_REDIS_SHOWSZ];

    if (c == 0) {
	cm_redis_err(err, errlen, "redis %s: out of memory", where);
	return (0);
    }
    /* hiredis: SO_RCVTIMEO expiry is EAGAIN; a connect timeout ETIMEDOUT. */
    if (c->err == REDIS_ERR_IO
	&& (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK
	    || saved_errno == ETIMEDOUT || saved_errno == EINPROGRESS)) {
	cm_redis_err(err, errlen, "redis %s: timeout", where);
	return (1);
    }
    cm_redis_escape(show, sizeof(show), c->errstr, strlen(c->errstr));
    /* strerror() says "Connection refused"; mid-sentence, lower case. */
    if (show[0] >= 'A' && show[0] <= 'Z' && show[1] >= 'a' && show[1] <= 'z')
	show[0] += 'a' - 'A';
    cm_redis_err(err, errlen, "redis %s: %s", where, show[0] ? show : "error");
    return (0);
}

/* cm_redis_reply_show - an unwanted reply, for a message */

const char *cm_redis_reply_show(char *buf, size_t bufsz, const redisReply *r)
{
    if (r->type == REDIS_REPLY_ERROR || r->type == REDIS_REPLY_STATUS)
	return (cm_redis_escape(buf, bufsz, r->str, r->len));
    snprintf(buf, bufsz, "unexpected reply type %d", r->type);
    return (buf);
}

/* read_password - RedisPasswordFile: "password" or "user password" */

static int read_password(cm_redis_target *t, const char *path,
			         const char *label, char *err, size_t errlen)
{
    char    line[CM_REDIS_PASSMAX + 2];
    char    show[CM_REDIS_SHOWSZ];
    const char *why = 0;
    char   *space;
    size_t  len;
    FILE   *fp;

    cm_redis_escape(show, sizeof(show), path, strlen(path));
    if ((fp = fopen(path, "r")) == 0) {
	cm_redis_err(err, errlen, "%s%s: %s", label, show, strerror(errno));
	return (-1);
    }
    if (fgets(line, sizeof(line), fp) == 0) {
	why = ferror(fp) ? strerror(errno) : "file is empty";
    } else if ((len = strlen(line)) > CM_REDIS_PASSMAX
	       && line[len - 1] != '\n') {
	why = "the first line is too long";
    } else {
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
	    line[--len] = 0;
	/* A password may hold spaces only after an explicit user name. */
	if ((space = strchr(line, ' ')) != 0)
	    *space++ = 0;
	if (*line == 0 || (space && *space == 0))
	    why = "expected \"password\" or \"user password\"";
	else if ((t->password = strdup(space ? space : line)) == 0
		 || (space && (t->user = strdup(line)) == 0))
	    why = "out of memory";
    }
    /* Leave no copy of the secret in freed stack or stdio memory. */
    explicit_bzero(line, sizeof(line));
    fclose(fp);
    if (why)
	cm_redis_err(err, errlen, "%s%s: %s", label, show, why);
    return (why ? -1 : 0);
}

/* target_init - cm_redis_target_init(), password file errors labelled */

static int target_init(cm_redis_target *t, const cm_config *cfg,
		               const char *label, char *err, size_t errlen)
{
    const char *host = cfg->redis_host ? cfg->redis_host : "127.0.0.1";
    int     ms = cfg->redis_timeout_ms > 0 ? cfg->redis_timeout_ms : 2000;

    memset(t, 0, sizeof(*t));
    if (cfg->redis_path)
	t->path = strdup(cfg->redis_path);
    else
	t->host = strdup(host);
    t->port = cfg->redis_port;
    t->timeout.tv_sec = ms / 1000;
    t->timeout.tv_usec = (ms % 1000) * 1000;
    if (t->path == 0 && t->host == 0) {
	cm_redis_err(err, errlen, "redis: out of memory");
	return (-1);
    }
    cm_redis_where(t->where, sizeof(t->where), t->path, t->host, t->port);
    if (cfg->redis_password_file && read_password(t,
			  cfg->redis_password_file, label, err, errlen) < 0) {
	cm_redis_target_free(t);
	return (-1);
    }
    return (0);
}

/* cm_redis_target_init - address, timeout and password, as configured */

int     cm_redis_target_init(cm_redis_target *t, const cm_config *cfg,
			             char *err, size_t errlen)
{
    return (target_init(t, cfg, "", err, errlen));
}

/* cm_redis_target_free - free a target, forget its password */

void    cm_redis_target_free(cm_redis_target *t)
{
    if (t->password)
	explicit_bzero(t->password, strlen(t->password));
    free(t->password);
    free(t->user);
    free(t->host);
    free(t->path);
    memset(t, 0, sizeof(*t));
}

/* redis_auth - AUTH [user] password on a new context */

static int redis_auth(const cm_redis_target *t, redisContext *c,
		              char *err, size_t errlen)
{
    const char *argv[3];
    size_t  lens[3];
    int     argc = 0;
    char    show[CM_REDIS_SHOWSZ];
    redisReply *r;
    int     status = 0;

    argv[argc] = "AUTH";
    lens[argc++] = 4;
    if (t->user) {
	argv[argc] = t->user;
	lens[argc++] = strlen(t->user);
    }
    argv[argc] = t->password;
    lens[argc++] = strlen(t->password);
    if ((r = redisCommandArgv(c, argc, argv, lens)) == 0) {
	cm_redis_io_error(t->where, c, errno, err, errlen);
	return (-1);
    }
    if (r->type != REDIS_REPLY_STATUS) {
	cm_redis_err(err, errlen, "redis %s: AUTH failed: %s", t->where,
		     cm_redis_reply_show(show, sizeof(show), r));
	status = -1;
    }
    freeReplyObject(r);
    return (status);
}

/* cm_redis_open - one connection to a target, timeouts and AUTH set */

redisContext *cm_redis_open(const cm_redis_target *t, char *err, size_t errlen)
{
    redisContext *c;

    if (t->path)
	c = redisConnectUnixWithTimeout(t->path, t->timeout);
    else
	c = redisConnectWithTimeout(t->host, t->port, t->timeout);
    if (c == 0 || c->err) {
	cm_redis_io_error(t->where, c, errno, err, errlen);
	goto fail;
    }
    /* The connect timeout does not cover commands: set that too. */
    if (redisSetTimeout(c, t->timeout) != REDIS_OK) {
	cm_redis_io_error(t->where, c, errno, err, errlen);
	goto fail;
    }
    if (t->password && redis_auth(t, c, err, errlen) < 0)
	goto fail;
    return (c);

fail:
    if (c)
	redisFree(c);
    return (0);
}

/* cm_redis_connect - one connection, timeouts and AUTH as configured */

redisContext *cm_redis_connect(const cm_config *cfg, char *err, size_t errlen)
{
    cm_redis_target t;
    redisContext *c;

    if (target_init(&t, cfg, "RedisPasswordFile ", err, errlen) < 0)
	return (0);
    c = cm_redis_open(&t, err, errlen);
    cm_redis_target_free(&t);
    return (c);
}
