/*++
/* NAME
/*	config 3
/* SUMMARY
/*	configuration file
/* SYNOPSIS
/*	#include "config.h"
/*
/*	void	cm_config_init(cfg)
/*	cm_config *cfg;
/*
/*	int	cm_config_load(cfg, path, err, errlen)
/*	cm_config *cfg;
/*	const char *path;
/*	char	*err;
/*	size_t	errlen;
/*
/*	int	cm_config_parse(cfg, name, text, err, errlen)
/*	cm_config *cfg;
/*	const char *name;
/*	const char *text;
/*	char	*err;
/*	size_t	errlen;
/*
/*	void	cm_config_free(cfg)
/*	cm_config *cfg;
/*
/*	const char *cm_mode_name(mode)
/*	cm_mode	mode;
/*
/*	const char *cm_deny_action_name(action)
/*	cm_deny_action action;
/*
/*	const char *cm_partial_action_name(action)
/*	cm_partial_action action;
/*
/*	const char *cm_on_error_name(action)
/*	cm_on_error action;
/*
/*	const char *cm_bulk_action_name(action)
/*	cm_bulk_action action;
/*
/*	const char *cm_log_addresses_name(how)
/*	cm_log_addresses how;
/*
/*	const char *cm_consent_header_name(how)
/*	cm_consent_header how;
/*
/*	const char *cm_syslog_facility_name(facility)
/*	int	facility;
/* DESCRIPTION
/*	This module reads consent-milter.conf(5). The key names, their
/*	defaults and their meaning are a contract (DESIGN.md section 9);
/*	the daemon and consentctl read the same file through this code.
/*
/*	The file has one "Key value" per line, in the style of
/*	opendkim.conf. A '#' at the start of a line, or after white
/*	space, starts a comment that runs to the end of the line. Key
/*	names and enumerated values are case-insensitive. The value is
/*	the rest of the line with surrounding white space removed.
/*
/*	Every key is described by one row of a table (config_keys.c):
/*	its type, where it is stored, its default, and what values it
/*	accepts. Adding a key means adding a row (and a paragraph in
/*	consent-milter.conf.5).
/*
/*	A key may appear once: a second line is an error, not a silent
/*	override that would make an appended "Mode dry-run" lose to an
/*	older "Mode enforce" further down. "Plugin name path" may be
/*	repeated, once per plugin. "name.Key value" is an option for
/*	that plugin, which must be declared somewhere in the same file;
/*	options are kept in file order, and the plugin decides what a
/*	repeated option means. RedisSentinel and Redis exclude each
/*	other: a file with both is refused, at the RedisSentinel line.
/*
/*	cm_config_init() fills in every default. Strings are allocated,
/*	so that cm_config_free() can free everything it finds.
/*
/*	cm_config_parse() reads the configuration text in a buffer; name
/*	is used in error messages. cm_config_load() reads a file and
/*	records its name in cfg->file. Both expect a cfg that was set up
/*	with cm_config_init() and not used for another file: to reload,
/*	read into a fresh structure and swap it in when it is complete.
/*	After an error cfg is partly updated and must only be freed.
/*
/*	cm_config_free() releases everything that cfg owns and leaves it
/*	zeroed, ready for cm_config_init().
/*
/*	The key table and cm_mode_name() and its siblings are in
/*	config_keys(3).
/*
/*	cm_config_suggest(), cm_config_where(), cm_config_restart_key()
/*	and cm_config_keep_key() are in config_reload(3).
/*
/*	The module has no state of its own: it is safe to use from any
/*	thread, as long as one cfg is used by one thread at a time.
/* DIAGNOSTICS
/*	cm_config_parse() and cm_config_load() return 0 on success, and
/*	-1 on the first error, with a message in err of the form
/*	"FILE:LINE: Key: message", where Key is spelled as in the file.
/*	A problem with the line itself (longer than CM_CONFIG_LINE_MAX
/*	bytes, or a control character other than tab) is reported as
/*	"FILE:LINE: message", a file that cannot be read as "FILE:
/*	cannot read: reason", and one over 1 MiB as "FILE: too large
/*	(over 1048576 bytes)". Text from the file is shown with
/*	non-printable bytes as \xNN and cut to about 80 bytes.
/*
/*	Running out of memory while building the configuration aborts
/*	the program: this happens only at startup, where there is
/*	nothing sensible to fall back to.
/* SEE ALSO
/*	config_value(3), the rules for each kind of value.
/*	consent-milter.conf(5), configuration file format
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

/* Application-specific. */

#include "config.h"
#include "config_value.h"
#include "escape.h"

#define CM_CONFIG_FILE_MAX	(1024 * 1024)	/* a config is not this big */
#define SHOW_MAX		80	/* bytes of file text in a message */
#define SHOW_SIZE		(SHOW_MAX + 1)
#define PLUGIN_NAME_MAX		32
#define PLUGIN_KEY_MAX		64
#define PLUGIN_NAME_CHARS	"abcdefghijklmnopqrstuvwxyz0123456789_-"
#define PLUGIN_KEY_CHARS	PLUGIN_NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

/* show - file text made safe for a message, cut to SHOW_MAX bytes */

static const char *show(const char *s, char *buf)
{
    size_t  n = 0;
    size_t  cut = 0;			/* where "..." would still fit */
    int     safe;

    /*
     * The log-safe text of escape.c (upper-case hex, as always here),
     * byte by byte so that the text is cut at SHOW_MAX: the message
     * cannot break a log line or a terminal.
     */
    for (; *s != 0; s++) {
	safe = (cm_escape_span(s, 1, CM_ESC_UPPER) == 1);
	if (n + (safe ? 1 : CM_ESC_LEN) > SHOW_MAX) {
	    memcpy(buf + cut, "...", 4);
	    return (buf);
	}
	if (safe) {
	    buf[n++] = *s;
	} else {
	    cm_escape_byte(buf + n, (unsigned char) *s, CM_ESC_UPPER);
	    n += CM_ESC_LEN;
	}
	if (n <= SHOW_MAX - 3)
	    cut = n;
    }
    buf[n] = 0;
    return (buf);
}

 /*
  * State of one cm_config_parse() call.
  */
typedef struct cm_parse {
    cm_config *cfg;
    const char *name;			/* file name for messages */
    char   *err;
    size_t  errlen;
    int     seen[CM_CONFIG_KEYS_MAX];		/* line of each key, 0: not yet */
    char    spelled[CM_CONFIG_KEYS_MAX][32];		/* and how it was written there */
} cm_parse;

/* report - format "FILE:LINE: [Key: ]message" into the error buffer */

__attribute__((format(printf, 4, 5)))
static int report(cm_parse *ps, int line, const char *key,
		          const char *fmt,...)
{
    char    shown[SHOW_SIZE];
    va_list ap;
    int     n;

    if (ps->err == 0 || ps->errlen == 0)
	return (-1);
    if (key)
	n = snprintf(ps->err, ps->errlen, "%s:%d: %s: ",
		     ps->name, line, show(key, shown));
    else
	n = snprintf(ps->err, ps->errlen, "%s:%d: ", ps->name, line);
    if (n >= 0 && (size_t) n < ps->errlen) {
	va_start(ap, fmt);
	vsnprintf(ps->err + n, ps->errlen - n, fmt, ap);
	va_end(ap);
    }
    return (-1);
}

/* plugin_name_ok - [a-z0-9_-]{1,32} */

static int plugin_name_ok(const char *s, size_t len)
{
    return (len > 0 && len <= PLUGIN_NAME_MAX
	    && strspn(s, PLUGIN_NAME_CHARS) >= len);
}

/* expected - describe the values that a key accepts */

static const char *expected(const cm_key *k, char *buf, size_t len)
{
    const cm_name *np;
    size_t  n, total = 0, done = 0;

    switch (k->type) {
    case KT_INT:
	snprintf(buf, len, "expected a number from %d to %d", k->min, k->max);
	return (buf);
    case KT_PATH:
	return ("expected an absolute path");
    case KT_PATH_NONE:
	return ("expected an absolute path or none");
    case KT_ENUM:
	/* "expected a, b or c", from the table, without the aliases. */
	for (np = k->names; np->name; np++)
	    total += !np->alias;
	n = snprintf(buf, len, "expected");
	for (np = k->names; np->name && n < len; np++) {
	    if (np->alias)
		continue;
	    done++;
	    n += snprintf(buf + n, len - n, "%s%s",
			  done == 1 ? " " : done == total ? " or " : ", ",
			  np->name);
	}
	return (buf);
    default:
	return ("bad value");
    }
}

/* set_value - check a value and store it, or say why it is bad */

static const char *set_value(cm_config *cfg, const cm_key *k,
			             const char *value, char *why, size_t len)
{
    char  **sp = (char **) ((char *) cfg + k->offset);
    int    *ip = (int *) ((char *) cfg + k->offset);
    const cm_name *np;
    const char *bad;
    int     n;

    switch (k->type) {
    case KT_STR:
	if (k->check && (bad = k->check(value)) != 0)
	    return (bad);
	break;
    case KT_PATH_NONE:
	if (strcasecmp(value, "none") == 0) {
	    free(*sp);
	    *sp = 0;
	    return (0);
	}
	/* FALLTHROUGH */
    case KT_PATH:
	/* Relative paths would depend on the daemon's working directory. */
	if (*value != '/')
	    return (expected(k, why, len));
	break;
    case KT_INT:
	if (cm_config_parse_int(value, strlen(value), k->min, k->max, &n) < 0)
	    return (expected(k, why, len));
	*ip = n;
	return (0);
    case KT_ENUM:
	for (np = k->names; np->name; np++) {
	    if (strcasecmp(value, np->name) == 0) {
		*ip = np->value;
		return (0);
	    }
	}
	return (expected(k, why, len));
    default:
	return ("internal error: bad key type");
    }
    free(*sp);
    *sp = cm_config_xstrdup(value);
    if (k->derive)
	k->derive(cfg);
    return (0);
}

/* add_plugin - "Plugin name path" */

static int add_plugin(cm_parse *ps, int line, const char *key,
		              const char *value)
{
    cm_plugin_conf **pp;
    cm_plugin_conf *pc;
    size_t  nlen = strcspn(value, " \t");
    const char *path = value + nlen + strspn(value + nlen, " \t");
    char    shown[SHOW_SIZE];

    if (!plugin_name_ok(value, nlen))
	return (report(ps, line, key, "bad value \"%s\" (expected a plugin"
		       " name of 1 to 32 characters from a-z, 0-9, _ and -,"
		       " then a path)", show(value, shown)));
    /* A bare file name is looked up where "make install" puts plugins. */
    if (*path == 0 || (*path != '/' && strchr(path, '/') != 0))
	return (report(ps, line, key, "bad value \"%s\" (expected a plugin"
		       " name, then an absolute path or a file name in the"
		       " plugin directory)", show(value, shown)));
    for (pp = &ps->cfg->plugins; *pp; pp = &(*pp)->next)
	if (strlen((*pp)->name) == nlen
	    && strncmp((*pp)->name, value, nlen) == 0)
	    return (report(ps, line, key, "plugin \"%s\" given twice,"
			   " first at line %d", (*pp)->name, (*pp)->line));
    pc = cm_config_xcalloc(sizeof(*pc));
    pc->name = cm_config_xcalloc(nlen + 1);
    memcpy(pc->name, value, nlen);
    pc->path = cm_config_xstrdup(path);
    pc->line = line;
    *pp = pc;
    return (0);
}

/* plugin_opt_name - if key is "name.Key", the plugin name in lower case */

static int plugin_opt_name(const char *key, char *name)
{
    const char *dot = strchr(key, '.');
    size_t  i;

    /*
     * Key names are case-insensitive, so "DKIM.Require" belongs to the
     * plugin "dkim". The part after the dot is kept as written: plugins
     * should compare it without regard to case, like any key name.
     */
    if (dot == 0 || dot - key > PLUGIN_NAME_MAX || dot[1] == 0
	|| strlen(dot + 1) > PLUGIN_KEY_MAX
	|| dot[1 + strspn(dot + 1, PLUGIN_KEY_CHARS)] != 0)
	return (0);
    for (i = 0; key + i < dot; i++)
	name[i] = (key[i] >= 'A' && key[i] <= 'Z') ? key[i] - 'A' + 'a' : key[i];
    name[i] = 0;
    return (plugin_name_ok(name, i));
}

/* add_plugin_opt - "name.Key value", checked against Plugin lines later */

static void add_plugin_opt(cm_config *cfg, int line, const char *name,
			           const char *key, const char *value)
{
    cm_plugin_opt **pp;
    cm_plugin_opt *po;

    po = cm_config_xcalloc(sizeof(*po));
    po->plugin = cm_config_xstrdup(name);
    po->key = cm_config_xstrdup(strchr(key, '.') + 1);
    po->value = cm_config_xstrdup(value);
    po->line = line;
    for (pp = &cfg->plugin_opts; *pp; pp = &(*pp)->next)
	 /* void */ ;
    *pp = po;
}

/* parse_line - one line, NUL-terminated, without its newline */

static int parse_line(cm_parse *ps, int line, char *buf)
{
    char   *key;
    char   *value;
    char   *cp;
    char   *end;
    const cm_key *k;
    const char *bad;
    char    why[160];
    char    shown[SHOW_SIZE];
    char    plugin[PLUGIN_NAME_MAX + 1];
    size_t  i;

    key = buf + strspn(buf, " \t");
    if (*key == 0 || *key == '#')
	return (0);

    /* The key ends at white space; a '#' inside a word is not a comment. */
    end = key + strcspn(key, " \t");
    value = end + strspn(end, " \t");
    *end = 0;
    for (cp = value; *cp; cp++) {
	if (*cp == '#' && (cp == value || cp[-1] == ' ' || cp[-1] == '\t')) {
	    *cp = 0;
	    break;
	}
    }
    while (cp > value && (cp[-1] == ' ' || cp[-1] == '\t'))
	*--cp = 0;

    for (k = 0, i = 0; i < cm_config_nkeys; i++) {
	if (strcasecmp(key, cm_config_keys[i].name) == 0) {
	    k = cm_config_keys + i;
	    break;
	}
    }
    if (k == 0 && !plugin_opt_name(key, plugin)) {
	if ((bad = cm_config_suggest(key)) != 0)
	    return (report(ps, line, key, "unknown key (did you mean %s?)",
			   bad));
	return (report(ps, line, key, "unknown key"));
    }
    if (*value == 0)
	return (report(ps, line, key, "missing value"));
    if (k == 0) {
	add_plugin_opt(ps->cfg, line, plugin, key, value);
	return (0);
    }
    if (k->type == KT_PLUGIN)
	return (add_plugin(ps, line, key, value));
    if (ps->seen[i])
	return (report(ps, line, key, "given twice, first at line %d",
		       ps->seen[i]));
    ps->seen[i] = ps->cfg->key_line[i] = line;
    snprintf(ps->spelled[i], sizeof(ps->spelled[i]), "%s", key);
    if ((bad = set_value(ps->cfg, k, value, why, sizeof(why))) != 0)
	return (report(ps, line, key, "bad value \"%s\" (%s)",
		       show(value, shown), bad));
    return (0);
}

/* key_index - the row of a key in the table */

static size_t key_index(const char *name)
{
    size_t  i;

    for (i = 0; i < cm_config_nkeys; i++)
	if (strcmp(cm_config_keys[i].name, name) == 0)
	    return (i);
    abort();
}

/* check_all - checks that need the whole file */

static int check_all(cm_parse *ps)
{
    cm_config *cfg = ps->cfg;
    cm_plugin_opt *po;
    cm_plugin_conf *pc;
    char    key[PLUGIN_NAME_MAX + PLUGIN_KEY_MAX + 2];
    size_t  i, j;

    for (po = cfg->plugin_opts; po; po = po->next) {
	for (pc = cfg->plugins; pc; pc = pc->next)
	    if (strcmp(pc->name, po->plugin) == 0)
		break;
	if (pc == 0) {
	    snprintf(key, sizeof(key), "%s.%s", po->plugin, po->key);
	    return (report(ps, po->line, key, "no Plugin line declares"
			   " \"%s\"", po->plugin));
	}
    }
    i = key_index("LogAddresses");

    /*
     * Without a key there is nothing to pseudonymise with; logging plain
     * addresses instead would defeat the reason for asking.
     */
    if (cfg->log_addresses == CM_LOGADDR_PSEUDONYMISED
	&& cfg->address_key_file == 0)
	return (report(ps, ps->seen[i],
		       ps->seen[i] ? ps->spelled[i] : cm_config_keys[i].name,
		       "pseudonymised needs AddressKeyFile"));

    /*
     * The relay's own opt-out (DESIGN.md section 14) needs its keys and
     * somewhere to send the opt-out to.
     */
    i = key_index("Unsubscribe");
    if (cfg->unsubscribe && cfg->unsubscribe_key_file == 0)
	return (report(ps, ps->seen[i], ps->spelled[i],
		       "yes needs UnsubscribeKeyFile"));
    if (cfg->unsubscribe && cfg->unsubscribe_url == 0
	&& cfg->unsubscribe_mailto == 0)
	return (report(ps, ps->seen[i], ps->spelled[i], "yes needs "
		       "UnsubscribeURL or UnsubscribeMailto (or both)"));

    /*
     * With Sentinel, the sentinels say where the primary is: a Redis
     * line as well would be a second answer, and silently ignoring one
     * of the two would leave the administrator guessing which is used.
     */
    i = key_index("RedisSentinel");
    j = key_index("Redis");
    if (ps->seen[i] && ps->seen[j])
	return (report(ps, ps->seen[i], ps->spelled[i], "cannot be used"
		       " together with %s (line %d): remove one of them",
		       ps->spelled[j], ps->seen[j]));
    return (0);
}

/* parse_text - parse len bytes of configuration text */

static int parse_text(cm_config *cfg, const char *name, const char *text,
		              size_t len, char *err, size_t errlen)
{
    cm_parse ps;
    const char *end = text + len;
    const char *eol;
    const char *next;
    const char *cp;
    char    buf[CM_CONFIG_LINE_MAX + 1];
    size_t  llen;
    int     line;

    memset(&ps, 0, sizeof(ps));
    ps.cfg = cfg;
    ps.name = name ? name : "(config)";
    ps.err = err;
    ps.errlen = errlen;
    if (err && errlen)
	err[0] = 0;

    for (line = 1; text < end; line++, text = next) {
	if ((eol = memchr(text, '\n', end - text)) == 0)
	    eol = end;
	next = eol < end ? eol + 1 : end;
	llen = eol - text;
	if (llen > CM_CONFIG_LINE_MAX)
	    return (report(&ps, line, 0, "line too long (over %d bytes)",
			   CM_CONFIG_LINE_MAX));

	/*
	 * Control characters are refused rather than skipped: a stray
	 * CR or escape sequence in a value would otherwise end up in a
	 * path, a header name or a Redis key, invisible in an editor.
	 */
	for (cp = text; cp < eol; cp++) {
	    if (*cp == 0)
		return (report(&ps, line, 0, "NUL byte in line"));
	    if (*cp == '\r')
		return (report(&ps, line, 0, "carriage return in line"
			       " (DOS line endings?)"));
	    if ((*cp > 0 && *cp < 0x20 && *cp != '\t') || *cp == 0x7f)
		return (report(&ps, line, 0, "control character \\x%02X"
			       " in line", (unsigned) *cp));
	}
	memcpy(buf, text, llen);
	buf[llen] = 0;
	if (parse_line(&ps, line, buf) < 0)
	    return (-1);
    }
    return (check_all(&ps));
}

/* cm_config_init - set every default */

void    cm_config_init(cm_config *cfg)
{
    char    why[160];
    size_t  i;

    memset(cfg, 0, sizeof(*cfg));

    /* Defaults go through the same code as the file, derived fields too. */
    for (i = 0; i < cm_config_nkeys; i++)
	if (cm_config_keys[i].def
	    && set_value(cfg, cm_config_keys + i, cm_config_keys[i].def,
			 why, sizeof(why)) != 0)
	    abort();
}

/* cm_config_parse - parse configuration text */

int     cm_config_parse(cm_config *cfg, const char *name, const char *text,
			        char *err, size_t errlen)
{
    return (parse_text(cfg, name, text, strlen(text), err, errlen));
}

/* cm_config_load - read and parse a configuration file */

int     cm_config_load(cm_config *cfg, const char *path, char *err,
		               size_t errlen)
{
    char   *data = 0;
    size_t  len = 0;
    ssize_t n;
    int     fd;
    int     ret;

    free(cfg->file);
    cfg->file = cm_config_xstrdup(path);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
	goto cannot_read;

    /* Read one byte past the limit, to tell "too large" from "full". */
    data = cm_config_xcalloc(CM_CONFIG_FILE_MAX + 2);
    while (len <= CM_CONFIG_FILE_MAX
	   && (n = read(fd, data + len, CM_CONFIG_FILE_MAX + 1 - len)) != 0) {
	if (n < 0) {
	    if (errno == EINTR)
		continue;
	    ret = errno;
	    (void) close(fd);
	    errno = ret;
	    goto cannot_read;
	}
	len += n;
    }
    (void) close(fd);
    if (len > CM_CONFIG_FILE_MAX) {
	if (err && errlen)
	    snprintf(err, errlen, "%s: too large (over %d bytes)",
		     path, CM_CONFIG_FILE_MAX);
	free(data);
	return (-1);
    }
    /* The length is passed on, so that a NUL byte is seen and refused. */
    ret = parse_text(cfg, path, data, len, err, errlen);
    free(data);
    return (ret);

cannot_read:
    /* %m is glibc's thread-safe way to format errno. */
    if (err && errlen)
	snprintf(err, errlen, "%s: cannot read: %m", path);
    free(data);
    return (-1);
}

/* free_plugins - forget the Plugin lines and their options */

static void free_plugins(cm_config *cfg)
{
    cm_plugin_conf *pc;
    cm_plugin_opt *po;

    while ((pc = cfg->plugins) != 0) {
	cfg->plugins = pc->next;
	free(pc->name);
	free(pc->path);
	free(pc);
    }
    while ((po = cfg->plugin_opts) != 0) {
	cfg->plugin_opts = po->next;
	free(po->plugin);
	free(po->key);
	free(po->value);
	free(po);
    }
}

/* cm_config_free - release everything, leave cfg zeroed */

void    cm_config_free(cm_config *cfg)
{
    size_t  i;

    for (i = 0; i < cm_config_nkeys; i++) {
	if (cm_config_keys[i].type == KT_STR || cm_config_keys[i].type == KT_PATH
	    || cm_config_keys[i].type == KT_PATH_NONE)
	    free(*(char **) ((char *) cfg + cm_config_keys[i].offset));
    }
    free_plugins(cfg);
    free(cfg->redis_host);
    free(cfg->redis_path);
    free(cfg->redis_replica_host);
    free(cfg->redis_replica_path);
    cm_config_free_sentinels(cfg);
    free(cfg->file);
    memset(cfg, 0, sizeof(*cfg));
}

/* cm_config_key_index - key_index(), for config_reload.c */

size_t  cm_config_key_index(const char *name)
{
    return (key_index(name));
}

/* cm_config_free_plugins - free_plugins(), for config_reload.c */

void    cm_config_free_plugins(cm_config *cfg)
{
    free_plugins(cfg);
}

/* cm_config_add_plugin_opt - add_plugin_opt(), for config_reload.c */

void    cm_config_add_plugin_opt(cm_config *cfg, int line, const char *name,
				         const char *key, const char *value)
{
    add_plugin_opt(cfg, line, name, key, value);
}
