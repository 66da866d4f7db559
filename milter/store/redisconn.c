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
/*	cm_redis_target *t;
/*	char	*err;
/*	size_t	errlen;
/*
/*	redisContext *cm_redis_open_replica(t, err, errlen)
/*	cm_redis_target *t;
/*	char	*err;
/*	size_t	errlen;
/*
/*	int	cm_redis_has_replica(t)
/*	const cm_redis_target *t;
/*
/*	redisContext *cm_redis_connect(cfg, err, errlen)
/*	const cm_config *cfg;
/*	char	*err;
/*	size_t	errlen;
/*
/*	int	cm_redis_reply_unready(r)
/*	const redisReply *r;
/*
/*	int	cm_redis_reply_is(r, text)
/*	const redisReply *r;
/*	const char *text;
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
/*	int	cm_redis_context_error(c, saved_errno, err, errlen)
/*	const redisContext *c;
/*	int	saved_errno;
/*	char	*err;
/*	size_t	errlen;
/*
/*	const char *cm_redis_context_where(buf, bufsz, c)
/*	char	*buf;
/*	size_t	bufsz;
/*	const redisContext *c;
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
/*	Redis (tcp:host:port or unix:/path), or RedisSentinel (the
/*	sentinels' host:port and the master name), RedisReplica,
/*	RedisTimeout (for the connect and for every command) and the
/*	address label for messages (t->where: "unix:/path", "host:port",
/*	"[v6]:port", or "sentinel NAME"). It also reads RedisPasswordFile,
/*	if set, so that a bad file is found before the first connect: its
/*	first line is "password", or "user password" for a Redis ACL user
/*	(so a password with a space in it is written "default pass word").
/*	cm_redis_target_free() frees what it copied, and overwrites the
/*	password first. Both accept a target filled with zero bytes.
/*
/*	cm_redis_open() opens one connection to the primary, sets the
/*	command timeout and, when there is a password, sends AUTH. Every
/*	connection reads its replies within the bounds of redisreply(3):
/*	what a server declares does not decide what is allocated. With
/*	sentinels, it first asks them where the primary is ("SENTINEL
/*	get-master-addr-by-name"), one after the other, each within
/*	RedisTimeout, starting with the one that answered last time; then
/*	it connects there and checks with ROLE that the server is indeed
/*	a master: during a failover a sentinel may still name the old
/*	primary, or a restarted old primary may not yet have been turned
/*	into a replica. Every call asks again, so that a program that
/*	opens a new connection after an error (a dropped connection,
/*	-READONLY) finds the new primary on its own. The sentinels are
/*	asked without AUTH.
/*
/*	cm_redis_open_replica() does the same for RedisReplica, which
/*	must be set (cm_redis_has_replica()); its role is not checked, as
/*	a promoted replica serves reads as well as it did before.
/*
/*	cm_redis_connect() opens one connection to the primary, as
/*	configured: writes go there, never to RedisReplica.
/*
/*	cm_redis_reply_unready() tells whether an error reply means that
/*	this server cannot serve the command for now while another one
/*	may (READONLY: a replica, maybe a demoted primary; MASTERDOWN: a
/*	replica without its primary; LOADING: a server loading its data):
/*	the connection should be dropped, and the next one asks again.
/*	cm_redis_reply_is() tells whether a string, status or error reply
/*	(not a null pointer) holds exactly text.
/*
/*	cm_redis_err() formats a message into err, unless err is null
/*	or errlen 0. cm_redis_escape() copies len bytes at data into
/*	buf for a message: printable ASCII except " and \e is copied,
/*	other bytes are written as \exNN, and what does not fit in bufsz
/*	is cut off with "...". cm_redis_where() formats an address
/*	label, as in t->where; cm_redis_context_where() that of a
/*	connection. cm_redis_io_error() describes a failed context (a
/*	null c means out of memory; a reply over the bounds is "reply
/*	refused: array of 2147483647 elements (at most 1048576)"); cm_redis_context_error() does it with
/*	the connection's own address. cm_redis_reply_show() shows an
/*	unwanted reply: the text of an error or status ("empty error
/*	reply" when there is none: a message must say something), else
/*	its type.
/* DIAGNOSTICS
/*	cm_redis_target_init() returns -1, cm_redis_open() and
/*	cm_redis_connect() a null pointer, with a one-line reason in
/*	err: "redis unix:/path: connection refused", "redis
/*	127.0.0.1:6379: timeout", "redis 127.0.0.1:6379: AUTH failed:
/*	WRONGPASS ...", or a problem with the password file:
/*	"/path: file is empty" from cm_redis_target_init(),
/*	"RedisPasswordFile /path: file is empty" from cm_redis_connect().
/*	With Sentinel: "redis sentinel NAME: no sentinel named the
/*	primary (127.0.0.1:26379: connection refused; ...)", or a
/*	failure of the primary followed by "(primary of NAME according to
/*	sentinel 127.0.0.1:26379)", such as "redis 127.0.0.1:6380: not a
/*	master (ROLE: slave) (primary of ...)".
/*
/*	cm_redis_io_error() and cm_redis_context_error() return 1 when
/*	the failure was a timeout, 0 otherwise.
/* BUGS
/*	A write to a connection that Redis closed raises SIGPIPE: the
/*	program must ignore that signal.
/* SEE ALSO
/*	redisreply(3), the bounds of a reply.
/*	redispool(3), the daemon's connection pool.
/*	store(3), the daemon's reading side.
/*	writer(3), consent changes.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
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

#include "escape.h"
#include "redisconn.h"
#include "redisreply.h"

#define CM_REDIS_PASSMAX	1024	/* longest password file line */
#define CM_REDIS_HOSTMAX	256	/* host name from a sentinel */
#define CM_REDIS_ERRSZ		512	/* internal message buffers */

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
    return (cm_escape_fit(buf, bufsz, data, len, CM_ESC_QUOTE));
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

/* cm_redis_context_where - the address of a connection, for messages */

const char *cm_redis_context_where(char *buf, size_t bufsz,
				           const redisContext *c)
{
    if (c == 0)
	return (cm_redis_where(buf, bufsz, 0, 0, 0));
    if (c->connection_type == REDIS_CONN_UNIX)
	return (cm_redis_where(buf, bufsz, c->unix_sock.path, 0, 0));
    return (cm_redis_where(buf, bufsz, 0, c->tcp.host, c->tcp.port));
}

/* cm_redis_context_error - describe a failed context at its own address */

int     cm_redis_context_error(const redisContext *c, int saved_errno,
			               char *err, size_t errlen)
{
    char    where[CM_REDIS_WHERESZ];

    return (cm_redis_io_error(cm_redis_context_where(where, sizeof(where), c),
			      c, saved_errno, err, errlen));
}

/* cm_redis_reply_show - an unwanted reply, for a message */

const char *cm_redis_reply_show(char *buf, size_t bufsz, const redisReply *r)
{
    if (r->type != REDIS_REPLY_ERROR && r->type != REDIS_REPLY_STATUS)
	snprintf(buf, bufsz, "unexpected reply type %d", r->type);
    else if (r->len == 0)			/* a message must say something */
	snprintf(buf, bufsz, "empty %s reply",
		 r->type == REDIS_REPLY_ERROR ? "error" : "status");
    else
	return (cm_redis_escape(buf, bufsz, r->str, r->len));
    return (buf);
}

/* cm_redis_reply_unready - an error that another server might not give */

int     cm_redis_reply_unready(const redisReply *r)
{
    static const char *const codes[] = {"READONLY", "MASTERDOWN", "LOADING"};
    size_t  i, n;

    if (r == 0 || r->type != REDIS_REPLY_ERROR)
	return (0);
    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
	n = strlen(codes[i]);
	if (r->len >= n && memcmp(r->str, codes[i], n) == 0
	    && (r->len == n || r->str[n] == ' '))
	    return (1);
    }
    return (0);
}

/* cm_redis_reply_is - the reply holds exactly this text */

int     cm_redis_reply_is(const redisReply *r, const char *text)
{
    size_t  len = strlen(text);

    return (r != 0 && r->str != 0 && r->len == len
	    && memcmp(r->str, text, len) == 0);
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

/* addr_copy - copy one address; 0, or -1 when out of memory */

static int addr_copy(cm_redis_addr *a, const char *host, int port,
		             const char *path)
{
    a->port = port;
    if (path)
	return ((a->path = strdup(path)) != 0 ? 0 : -1);
    return ((a->host = strdup(host)) != 0 ? 0 : -1);
}

/* addr_free - free one address */

static void addr_free(cm_redis_addr *a)
{
    free(a->host);
    free(a->path);
    a->host = a->path = 0;
}

/* target_init - cm_redis_target_init(), password file errors labelled */

static int target_init(cm_redis_target *t, const cm_config *cfg,
		               const char *label, char *err, size_t errlen)
{
    const char *host = cfg->redis_host ? cfg->redis_host : "127.0.0.1";
    int     ms = cfg->redis_timeout_ms > 0 ? cfg->redis_timeout_ms : 2000;
    char    show[CM_REDIS_SHOWSZ];
    int     oom, i;

    memset(t, 0, sizeof(*t));
    t->timeout.tv_sec = ms / 1000;
    t->timeout.tv_usec = (ms % 1000) * 1000;
    oom = addr_copy(&t->primary, host, cfg->redis_port, cfg->redis_path);
    if (cfg->redis_replica_host || cfg->redis_replica_path)
	oom |= addr_copy(&t->replica, cfg->redis_replica_host,
			 cfg->redis_replica_port, cfg->redis_replica_path);
    if (cfg->redis_sentinel_count > 0 && cfg->redis_sentinel_master) {
	if ((t->sentinels = calloc(cfg->redis_sentinel_count,
				   sizeof(*t->sentinels))) == 0
	    || (t->master = strdup(cfg->redis_sentinel_master)) == 0)
	    oom = -1;
	for (i = 0; t->sentinels && i < cfg->redis_sentinel_count; i++) {
	    oom |= addr_copy(t->sentinels + i, cfg->redis_sentinels[i].host,
			     cfg->redis_sentinels[i].port, 0);
	    t->sentinel_count++;
	}
    }
    if (oom) {
	cm_redis_err(err, errlen, "redis: out of memory");
	cm_redis_target_free(t);
	return (-1);
    }
    if (t->master)
	snprintf(t->where, sizeof(t->where), "sentinel %s",
		 cm_redis_escape(show, sizeof(show), t->master,
				 strlen(t->master)));
    else
	cm_redis_where(t->where, sizeof(t->where), t->primary.path,
		       t->primary.host, t->primary.port);
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
    int     i;

    if (t->password)
	explicit_bzero(t->password, strlen(t->password));
    free(t->password);
    free(t->user);
    addr_free(&t->primary);
    addr_free(&t->replica);
    for (i = 0; i < t->sentinel_count; i++)
	addr_free(t->sentinels + i);
    free(t->sentinels);
    free(t->master);
    memset(t, 0, sizeof(*t));
}

/* redis_auth - AUTH [user] password on a new context */

static int redis_auth(const cm_redis_target *t, redisContext *c,
		              const char *where, char *err, size_t errlen)
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
	cm_redis_io_error(where, c, errno, err, errlen);
	return (-1);
    }
    if (r->type != REDIS_REPLY_STATUS) {
	cm_redis_err(err, errlen, "redis %s: AUTH failed: %s", where,
		     cm_redis_reply_show(show, sizeof(show), r));
	status = -1;
    }
    cm_redis_reply_free(r);
    return (status);
}

/* addr_connect - connect to one address with the target's timeouts */

static redisContext *addr_connect(const cm_redis_target *t,
				          const cm_redis_addr *a,
				          const char *where,
				          char *err, size_t errlen)
{
    redisContext *c;

    if (a->path)
	c = redisConnectUnixWithTimeout(a->path, t->timeout);
    else
	c = redisConnectWithTimeout(a->host, a->port, t->timeout);
    if (c == 0 || c->err) {
	cm_redis_io_error(where, c, errno, err, errlen);
	goto fail;
    }
    /* What answers here decides what hiredis allocates: bound it. */
    cm_redis_reader_bound(c->reader);
    /* The connect timeout does not cover commands: set that too. */
    if (redisSetTimeout(c, t->timeout) != REDIS_OK) {
	cm_redis_io_error(where, c, errno, err, errlen);
	goto fail;
    }
    return (c);

fail:
    if (c)
	redisFree(c);
    return (0);
}

/* addr_open - one connection to an address, timeouts and AUTH set */

static redisContext *addr_open(const cm_redis_target *t,
			               const cm_redis_addr *a,
			               char *err, size_t errlen)
{
    char    where[CM_REDIS_WHERESZ];
    redisContext *c;

    cm_redis_where(where, sizeof(where), a->path, a->host, a->port);
    if ((c = addr_connect(t, a, where, err, errlen)) != 0
	&& t->password && redis_auth(t, c, where, err, errlen) < 0) {
	redisFree(c);
	c = 0;
    }
    return (c);
}

/* sentinel_ask - where one sentinel says the primary is */

static int sentinel_ask(const cm_redis_target *t, const cm_redis_addr *s,
			        char *host, size_t hostsz, int *port,
			        char *why, size_t whylen)
{
    const char *argv[3] = {"SENTINEL", "get-master-addr-by-name", t->master};
    size_t  lens[3] = {8, 23, strlen(t->master)};
    char    where[CM_REDIS_WHERESZ];
    char    show[CM_REDIS_SHOWSZ];
    redisContext *c;
    redisReply *r;
    const redisReply *h, *p;
    long    val;
    char   *end;
    int     status = -1;

    cm_redis_where(where, sizeof(where), 0, s->host, s->port);
    if ((c = addr_connect(t, s, where, why, whylen)) == 0)
	return (-1);
    if ((r = redisCommandArgv(c, 3, argv, lens)) == 0) {
	cm_redis_io_error(where, c, errno, why, whylen);
	redisFree(c);
	return (-1);
    }
    if (r->type == REDIS_REPLY_NIL) {
	cm_redis_err(why, whylen, "redis %s: does not know master %s", where,
		     cm_redis_escape(show, sizeof(show), t->master,
				     strlen(t->master)));
    } else if (r->type != REDIS_REPLY_ARRAY) {
	cm_redis_err(why, whylen, "redis %s: SENTINEL: %s", where,
		     cm_redis_reply_show(show, sizeof(show), r));
    } else if (r->elements != 2
	       || (h = r->element[0])->type != REDIS_REPLY_STRING
	       || (p = r->element[1])->type != REDIS_REPLY_STRING
	       || h->len == 0 || h->len >= hostsz || strlen(h->str) != h->len
	       || p->len == 0 || p->len > 5 || strspn(p->str, "0123456789") != p->len
	       || (val = strtol(p->str, &end, 10)) < 1 || val > 65535) {
	cm_redis_err(why, whylen, "redis %s: SENTINEL: unexpected reply",
		     where);
    } else {
	memcpy(host, h->str, h->len + 1);
	*port = (int) val;
	status = 0;
    }
    cm_redis_reply_free(r);
    redisFree(c);
    return (status);
}

/* sentinel_primary - ask the sentinels in turn where the primary is */

static int sentinel_primary(cm_redis_target *t, cm_redis_addr *primary,
			            char *host, size_t hostsz,
			            char *from, size_t fromsz,
			            char *err, size_t errlen)
{
    char    why[CM_REDIS_ERRSZ];
    char    list[CM_REDIS_ERRSZ];
    size_t  used = 0;
    int     first, i, k, port;

    /*
     * Start with the sentinel that answered last: a sentinel that is
     * down would otherwise cost every connect a timeout. The hint is
     * shared by the pool's threads; a lost update only costs a retry.
     */
    first = __atomic_load_n(&t->sentinel_first, __ATOMIC_RELAXED);
    if (first < 0 || first >= t->sentinel_count)
	first = 0;
    list[0] = 0;
    for (k = 0; k < t->sentinel_count; k++) {
	i = (first + k) % t->sentinel_count;
	if (sentinel_ask(t, t->sentinels + i, host, hostsz, &port,
			 why, sizeof(why)) == 0) {
	    if (i != first)
		__atomic_store_n(&t->sentinel_first, i, __ATOMIC_RELAXED);
	    cm_redis_where(from, fromsz, 0, t->sentinels[i].host,
			   t->sentinels[i].port);
	    primary->host = host;
	    primary->port = port;
	    primary->path = 0;
	    return (0);
	}
	/* "redis 127.0.0.1:26379: ..." is shown without "redis ". */
	if (used < sizeof(list))
	    used += snprintf(list + used, sizeof(list) - used, "%s%s",
			     used ? "; " : "", why + (strncmp(why, "redis ", 6)
						      ? 0 : 6));
    }
    cm_redis_err(err, errlen, "redis %s: no sentinel named the primary (%s)",
		 t->where, list);
    return (-1);
}

/* check_master - ROLE: is this server a master */

static int check_master(redisContext *c, const char *where,
			        char *err, size_t errlen)
{
    const char *argv[1] = {"ROLE"};
    size_t  lens[1] = {4};
    char    show[CM_REDIS_SHOWSZ];
    redisReply *r;
    const redisReply *role;
    int     status = -1;

    if ((r = redisCommandArgv(c, 1, argv, lens)) == 0) {
	cm_redis_io_error(where, c, errno, err, errlen);
	return (-1);
    }
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 1
	|| (role = r->element[0])->type != REDIS_REPLY_STRING) {
	cm_redis_err(err, errlen, "redis %s: ROLE: %s", where,
		     cm_redis_reply_show(show, sizeof(show), r));
    } else if (role->len != 6 || memcmp(role->str, "master", 6) != 0) {
	cm_redis_err(err, errlen, "redis %s: not a master (ROLE: %s)", where,
		     cm_redis_escape(show, sizeof(show), role->str, role->len));
    } else {
	status = 0;
    }
    cm_redis_reply_free(r);
    return (status);
}

/* sentinel_open - connect to the primary that the sentinels name */

static redisContext *sentinel_open(cm_redis_target *t, char *err,
				           size_t errlen)
{
    cm_redis_addr primary;
    char    host[CM_REDIS_HOSTMAX];
    char    from[CM_REDIS_WHERESZ];
    char    where[CM_REDIS_WHERESZ];
    char    why[CM_REDIS_ERRSZ];
    char    show[CM_REDIS_SHOWSZ];
    redisContext *c;

    if (sentinel_primary(t, &primary, host, sizeof(host), from, sizeof(from),
			 err, errlen) < 0)
	return (0);
    cm_redis_where(where, sizeof(where), 0, primary.host, primary.port);
    if ((c = addr_open(t, &primary, why, sizeof(why))) != 0
	&& check_master(c, where, why, sizeof(why)) < 0) {
	redisFree(c);
	c = 0;
    }
    if (c == 0)
	cm_redis_err(err, errlen, "%s (primary of %s according to sentinel %s)",
		     why, cm_redis_escape(show, sizeof(show), t->master,
					  strlen(t->master)), from);
    return (c);
}

/* cm_redis_open - one connection to the primary, timeouts and AUTH set */

redisContext *cm_redis_open(cm_redis_target *t, char *err, size_t errlen)
{
    if (t->sentinel_count > 0)
	return (sentinel_open(t, err, errlen));
    return (addr_open(t, &t->primary, err, errlen));
}

/* cm_redis_open_replica - one connection to RedisReplica */

redisContext *cm_redis_open_replica(cm_redis_target *t, char *err,
				            size_t errlen)
{
    if (!cm_redis_has_replica(t)) {
	cm_redis_err(err, errlen, "redis: no RedisReplica configured");
	return (0);
    }
    return (addr_open(t, &t->replica, err, errlen));
}

/* cm_redis_connect - one connection to the primary, as configured */

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
