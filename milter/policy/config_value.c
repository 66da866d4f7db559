/*++
/* NAME
/*	config_value 3
/* SUMMARY
/*	configuration values: syntax checks and derived fields
/* SYNOPSIS
/*	#include "config_value.h"
/*
/*	const char *cm_config_check_socket(value)
/*	const char *cm_config_check_user(value)
/*	const char *cm_config_check_redis(value)
/*	const char *cm_config_check_sentinel(value)
/*	const char *cm_config_check_prefix(value)
/*	const char *cm_config_check_header(value)
/*	const char *cm_config_check_mode(value)
/*	const char *cm_config_check_group(value)
/*	const char *value;
/*
/*	void	cm_config_derive_redis(cfg)
/*	void	cm_config_derive_replica(cfg)
/*	void	cm_config_derive_sentinel(cfg)
/*	void	cm_config_free_sentinels(cfg)
/*	cm_config *cfg;
/*
/*	char	*cm_config_xstrdup(s)
/*	void	*cm_config_xcalloc(n)
/*	int	cm_config_has_space(s)
/*	int	cm_config_parse_int(s, len, min, max, out)
/* DESCRIPTION
/*	The rules for the values of the string keys of config(3), one
/*	function per kind of value, so that the key table there stays a
/*	table. Private to config(3): nothing else includes this.
/*
/*	The cm_config_check_*() functions return NULL for a good value, or
/*	a short reason ("expected unix:/path or inet:port@host") that
/*	config(3) puts after "FILE:LINE: Key: ". The cm_config_derive_*()
/*	functions fill in the fields computed from a key once its value
/*	is stored (the host and port of "Redis tcp:host:port", the list
/*	of sentinels); cm_config_free_sentinels() frees that list.
/*
/*	cm_config_xstrdup() and cm_config_xcalloc() abort when out of
/*	memory (configuration is read at start-up only);
/*	cm_config_has_space() says whether text holds a blank or a tab;
/*	cm_config_parse_int() reads digits only (no sign, no blanks, no
/*	hex), from min to max, and returns 0 or -1.
/* SEE ALSO
/*	config(3), the key table and the file format.
/*	consent-milter.conf(5), what administrators read.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stddef.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Application-specific. */

#include "config.h"
#include "config_value.h"

/* cm_config_xstrdup - strdup that does not return on failure */

char   *cm_config_xstrdup(const char *s)
{
    char   *p = strdup(s);

    if (p == 0)
	abort();
    return (p);
}

/* cm_config_xcalloc - calloc that does not return on failure */

void *cm_config_xcalloc(size_t n)
{
    void   *p = calloc(1, n);

    if (p == 0)
	abort();
    return (p);
}

/* cm_config_has_space - does the text contain white space */

int cm_config_has_space(const char *s)
{
    return (s[strcspn(s, " \t")] != 0);
}

/* cm_config_parse_int - decimal number from min to max, digits only */

int cm_config_parse_int(const char *s, size_t len, int min, int max, int *out)
{
    long long val = 0;
    size_t  i;

    /*
     * No sign, no white space, no hex: strtol() would take " +0x10",
     * and what an administrator typed should mean one thing only.
     */
    if (len == 0)
	return (-1);
    for (i = 0; i < len; i++) {
	if (s[i] < '0' || s[i] > '9')
	    return (-1);
	val = val * 10 + (s[i] - '0');
	if (val > max)
	    return (-1);
    }
    if (val < min)
	return (-1);
    *out = (int) val;
    return (0);
}

/* cm_config_check_socket - libmilter socket specification */

const char *cm_config_check_socket(const char *value)
{
    const char *rest;
    const char *at;
    int     port;

    /*
     * libmilter accepts more (bare paths, service names, a missing
     * host), but each of those is a guess about what was meant.
     */
    if (strncasecmp(value, "unix:", 5) == 0
	|| strncasecmp(value, "local:", 6) == 0) {
	rest = strchr(value, ':') + 1;
	if (*rest != '/' || cm_config_has_space(rest))
	    return ("the socket path must be absolute");
	return (0);
    }
    if (strncasecmp(value, "inet:", 5) == 0
	|| strncasecmp(value, "inet6:", 6) == 0) {
	rest = strchr(value, ':') + 1;
	if ((at = strchr(rest, '@')) == 0 || at[1] == 0 || cm_config_has_space(rest))
	    return ("expected inet:port@host or inet6:port@host");
	if (cm_config_parse_int(rest, at - rest, 1, 65535, &port) < 0)
	    return ("the port must be a number from 1 to 65535");
	return (0);
    }
    return ("expected unix:/path, local:/path, inet:port@host"
	    " or inet6:port@host");
}

/* cm_config_check_user - user[:group] */

const char *cm_config_check_user(const char *value)
{
    const char *colon = strchr(value, ':');

    /* Whether the user exists is for the daemon to find out. */
    if (cm_config_has_space(value) || *value == ':'
	|| (colon && (colon[1] == 0 || strchr(colon + 1, ':'))))
	return ("expected user or user:group");
    return (0);
}

/* hostport_split - check "host:port", and optionally store its parts */

static const char *hostport_split(const char *s, size_t len,
			               const char *usage, char **hostp,
				          int *portp)
{
    const char *colon;
    const char *host;
    size_t  hlen;
    int     port;

    /*
     * The port follows the last colon, so that an IPv6 address may be
     * written as it is or in brackets: ::1:6379, [::1]:6379.
     */
    for (colon = s + len; colon > s && colon[-1] != ':'; colon--)
	 /* void */ ;
    if (colon <= s + 1)
	return (usage);
    if (cm_config_parse_int(colon, s + len - colon, 1, 65535, &port) < 0)
	return ("the port must be a number from 1 to 65535");
    host = s;
    hlen = colon - 1 - s;
    if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
	host++;
	hlen -= 2;
    }
    if (hlen == 0)
	return (usage);
    if (hostp) {
	*hostp = cm_config_xcalloc(hlen + 1);
	memcpy(*hostp, host, hlen);
	*portp = port;
    }
    return (0);
}

/* redis_split - check a Redis address, and optionally store its parts */

static const char *redis_split(const char *value, char **hostp, int *portp,
			               char **pathp)
{
    static const char usage[] = "expected tcp:host:port or unix:/path";
    const char *rest;

    if (strncasecmp(value, "unix:", 5) == 0) {
	rest = value + 5;
	if (*rest != '/' || cm_config_has_space(rest))
	    return ("the unix socket path must be absolute");
	if (pathp) {
	    *pathp = cm_config_xstrdup(rest);
	    *portp = 0;
	}
	return (0);
    }
    if (strncasecmp(value, "tcp:", 4) != 0 || cm_config_has_space(value))
	return (usage);
    rest = value + 4;
    return (hostport_split(rest, strlen(rest), usage, hostp, portp));
}

/* cm_config_check_redis - Redis or RedisReplica address */

const char *cm_config_check_redis(const char *value)
{
    return (redis_split(value, 0, 0, 0));
}

/* cm_config_derive_redis - split the Redis address into host/port or path */

void cm_config_derive_redis(cm_config *cfg)
{
    free(cfg->redis_host);
    free(cfg->redis_path);
    cfg->redis_host = cfg->redis_path = 0;
    (void) redis_split(cfg->redis, &cfg->redis_host, &cfg->redis_port,
		       &cfg->redis_path);
}

/* cm_config_derive_replica - the same for RedisReplica */

void cm_config_derive_replica(cm_config *cfg)
{
    free(cfg->redis_replica_host);
    free(cfg->redis_replica_path);
    cfg->redis_replica_host = cfg->redis_replica_path = 0;
    (void) redis_split(cfg->redis_replica, &cfg->redis_replica_host,
		       &cfg->redis_replica_port, &cfg->redis_replica_path);
}

/* cm_config_free_sentinels - forget the parsed RedisSentinel */

void cm_config_free_sentinels(cm_config *cfg)
{
    int     i;

    for (i = 0; i < cfg->redis_sentinel_count; i++)
	free(cfg->redis_sentinels[i].host);
    free(cfg->redis_sentinels);
    free(cfg->redis_sentinel_master);
    cfg->redis_sentinels = 0;
    cfg->redis_sentinel_count = 0;
    cfg->redis_sentinel_master = 0;
}

/* sentinel_split - check "host:port[,host:port...] name", maybe store it */

static const char *sentinel_split(const char *value, cm_config *cfg)
{
    static const char usage[] =
    "expected host:port[,host:port...] and the master name";
    size_t  list_len = strcspn(value, " \t");
    const char *name = value + list_len + strspn(value + list_len, " \t");
    const char *end = value + list_len;
    const char *item;
    const char *comma;
    const char *bad;
    cm_hostport *hp = 0;
    int     count;

    /* The line parser has removed white space at either end. */
    if (list_len == 0 || *name == 0 || cm_config_has_space(name))
	return (usage);
    if (strlen(name) > CM_SENTINEL_NAME_MAX)
	return ("the master name must be at most 128 bytes");
    if (cfg) {
	cm_config_free_sentinels(cfg);
	cfg->redis_sentinels = cm_config_xcalloc(CM_SENTINEL_MAX * sizeof(*hp));
	cfg->redis_sentinel_master = cm_config_xstrdup(name);
    }
    for (item = value, count = 0; /* void */ ; item = comma + 1, count++) {
	if ((comma = memchr(item, ',', end - item)) == 0)
	    comma = end;
	if (count == CM_SENTINEL_MAX)
	    return ("at most 16 sentinels");
	/* Sentinel speaks TCP only; "tcp:" would pass as part of a host. */
	if (comma - item > 4 && strncasecmp(item, "tcp:", 4) == 0)
	    return ("a sentinel is written host:port, without tcp:");
	hp = cfg ? cfg->redis_sentinels + count : 0;
	if ((bad = hostport_split(item, comma - item, usage,
			       hp ? &hp->host : 0, hp ? &hp->port : 0)) != 0)
	    return (bad);
	if (cfg)
	    cfg->redis_sentinel_count = count + 1;
	if (comma == end)
	    return (0);
    }
}

/* cm_config_check_sentinel - RedisSentinel */

const char *cm_config_check_sentinel(const char *value)
{
    return (sentinel_split(value, 0));
}

/* cm_config_derive_sentinel - the sentinels and the master name of RedisSentinel */

void cm_config_derive_sentinel(cm_config *cfg)
{
    (void) sentinel_split(cfg->redis_sentinel, cfg);
}

/* cm_config_check_prefix - Redis key prefix */

const char *cm_config_check_prefix(const char *value)
{
    if (strlen(value) > KEY_PREFIX_MAX || cm_config_has_space(value))
	return ("expected 1 to 64 characters without white space");
    return (0);
}

/* cm_config_check_header - header field name (RFC 5322 section 3.6.8) */

const char *cm_config_check_header(const char *value)
{
    const unsigned char *cp;

    for (cp = (const unsigned char *) value; *cp; cp++)
	if (*cp < 33 || *cp > 126 || *cp == ':')
	    return ("expected a header name: printable ASCII"
		    " without spaces or colon");
    return (0);
}

/* cm_config_check_mode - SocketMode: octal permission bits */

const char *cm_config_check_mode(const char *value)
{
    if (*value == 0 || strlen(value) > 4 || strspn(value, "01234567")
	!= strlen(value))
	return ("expected octal permission bits, like 0660");
    return (0);
}

/* cm_config_check_group - SocketGroup: a group name or number */

const char *cm_config_check_group(const char *value)
{
    if (*value == 0 || strlen(value) > 64 || cm_config_has_space(value)
	|| strchr(value, ':') != 0)
	return ("expected a group name or number");
    return (0);
}

/* cm_config_check_inet - Metrics, UnsubscribeListen: inet:port@host only */

const char *cm_config_check_inet(const char *value)
{
    if (strncasecmp(value, "inet:", 5) != 0
	&& strncasecmp(value, "inet6:", 6) != 0)
	return ("expected inet:port@host or inet6:port@host");
    return (cm_config_check_socket(value));
}

/* cm_config_check_url - UnsubscribeURL: an http(s) base for tokens */

const char *cm_config_check_url(const char *value)
{
    const unsigned char *cp;
    const char *host;

    if (strncasecmp(value, "https://", 8) == 0)
	host = value + 8;
    else if (strncasecmp(value, "http://", 7) == 0)
	host = value + 7;
    else
	return ("expected an https:// (or http://) URL");
    if (*host == 0 || *host == '/')
	return ("the URL has no host");
    /* The token is appended as is: nothing may need quoting in a header. */
    for (cp = (const unsigned char *) value; *cp; cp++)
	if (*cp < 33 || *cp > 126 || *cp == '<' || *cp == '>' || *cp == ','
	    || *cp == '"')
	    return ("the URL must be printable ASCII without spaces,"
		    " quotes, commas or angle brackets");
    if (strlen(value) > 200)
	return ("the URL is longer than 200 characters");
    return (0);
}

/* cm_config_check_domain - UnsubscribeMailto: a domain name (RFC 5321) */

const char *cm_config_check_domain(const char *value)
{
    const char *cp;
    size_t  label = 0;

    if (*value == 0 || strlen(value) > 253)
	return ("expected a domain name of 1 to 253 characters");
    for (cp = value; *cp; cp++) {
	if (*cp == '.') {
	    if (label == 0 || cp[-1] == '-')
		return ("expected a domain name, like example.org");
	    label = 0;
	    continue;
	}
	if (!((*cp >= 'a' && *cp <= 'z') || (*cp >= 'A' && *cp <= 'Z')
	      || (*cp >= '0' && *cp <= '9') || (*cp == '-' && label > 0)))
	    return ("expected a domain name, like example.org");
	if (++label > 63)
	    return ("a domain label is longer than 63 characters");
    }
    if (label == 0 || cp[-1] == '-')
	return ("expected a domain name, like example.org");
    return (0);
}

/* cm_config_check_text - UnsubscribeOrganisation: one line of text */

const char *cm_config_check_text(const char *value)
{
    const unsigned char *cp;

    if (strlen(value) > 200)
	return ("expected at most 200 bytes of text");
    for (cp = (const unsigned char *) value; *cp; cp++)
	if (*cp < 32 || *cp == 127)
	    return ("control characters are not allowed");
    return (0);
}

/* parse_cache - ConsentCache: off, 0, N (entries) or NMB (megabytes) */

static int parse_cache(const char *value, long long *bytes, long long *entries)
{
    char   *end;
    long long n;

    *bytes = *entries = 0;
    if (strcasecmp(value, "off") == 0 || strcmp(value, "0") == 0)
	return (0);
    if (*value < '0' || *value > '9')
	return (-1);
    errno = 0;
    n = strtoll(value, &end, 10);
    if (errno != 0 || n <= 0 || n > 1000000000LL)
	return (-1);
    while (*end == ' ')
	end++;
    if (*end == 0 || strcasecmp(end, "entries") == 0)
	*entries = n;
    else if (strcasecmp(end, "MB") == 0 && n <= 1048576)
	*bytes = n * 1048576LL;
    else
	return (-1);
    return (0);
}

/* cm_config_check_cache - ConsentCache value */

const char *cm_config_check_cache(const char *value)
{
    long long bytes, entries;

    if (parse_cache(value, &bytes, &entries) < 0)
	return ("expected off, a number of entries (like 2000000)"
		" or megabytes (like 512MB)");
    return (0);
}

/* cm_config_derive_cache - ConsentCache into its byte and entry bounds */

void    cm_config_derive_cache(cm_config *cfg)
{
    if (cfg->consent_cache == 0
	|| parse_cache(cfg->consent_cache, &cfg->consent_cache_bytes,
		       &cfg->consent_cache_entries) < 0)
	cfg->consent_cache_bytes = cfg->consent_cache_entries = 0;
}
