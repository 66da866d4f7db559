/*++
/* NAME
/*	plugin_load 3
/* SUMMARY
/*	load the plugins named in the configuration
/* SYNOPSIS
/*	#include "plugin.h"
/*
/*	cm_plugins *cm_plugins_load(cfg, libdir, err, errlen)
/*	const cm_config *cfg;
/*	const char *libdir;
/*	char	*err;
/*	size_t	errlen;
/*
/*	void	cm_plugins_unload(plugins)
/*	cm_plugins *plugins;
/* DESCRIPTION
/*	cm_plugins_load() opens the shared object of every "Plugin name
/*	path" line, in file order, checks its descriptor and its options,
/*	and calls its init(). A path without a slash is looked up in
/*	libdir (where "make install" puts the plugins that ship with
/*	consent-milter). With no Plugin lines the result is an empty set.
/*
/*	cm_plugins_unload() calls every started plugin's fini(), in
/*	reverse order, and closes the shared objects.
/* DIAGNOSTICS
/*	cm_plugins_load() returns NULL with one line in err, of the form
/*	"FILE:LINE: Plugin: plugin "name": reason", for: a file that is
/*	missing or cannot be loaded, a file that another user may change
/*	(owned by someone but root or the daemon's user, writable by
/*	others, or in a directory that others may write without the
/*	sticky bit: its code would run as root), a shared object without the
/*	consent_milter_plugin descriptor, a descriptor of another API
/*	version, an option that the plugin does not declare (named by
/*	its own line), and an init() that fails (with the plugin's own
/*	reason). Plugins started before the failure are stopped again.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Application-specific. */

#include "buf.h"
#include "plugin.h"

/* Passed to init() as its opaque pointer: for option() lookups. */
typedef struct load_ctx {
    const cm_config *cfg;
    const char *name;
} load_ctx;

/* cm_plugin_option - the value of "name.Key" (the last one wins) */

const char *cm_plugin_option(const cm_plugin_init *init, const char *key)
{
    const load_ctx *ctx = init->opaque;
    const cm_plugin_opt *opt;
    const char *value = 0;

    for (opt = ctx->cfg->plugin_opts; opt != 0; opt = opt->next)
	if (strcmp(opt->plugin, ctx->name) == 0
	    && strcasecmp(opt->key, key) == 0)
	    value = opt->value;
    return (value);
}

/* fail - compose the one-line reason */

static void fail(char *err, size_t errlen, const cm_config *cfg,
		         const cm_plugin_conf *pc, const char *fmt,...)
	    __attribute__((format(printf, 5, 6)));

static void fail(char *err, size_t errlen, const cm_config *cfg,
		         const cm_plugin_conf *pc, const char *fmt,...)
{
    char    reason[512];
    va_list ap;

    va_start(ap, fmt);
    (void) vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    (void) snprintf(err, errlen, "%s:%d: Plugin: plugin \"%s\": %s",
		    cfg->file ? cfg->file : "(config)", pc->line, pc->name,
		    reason);
}

/* check_options - every "name.Key" line must name a declared option */

static int check_options(const cm_config *cfg, const cm_plugin_conf *pc,
			         const cm_plugin *desc, char *err, size_t errlen)
{
    const cm_plugin_opt *opt;
    const char *const *known;
    cm_buf  list = CM_BUF_INIT;

    for (opt = cfg->plugin_opts; opt != 0; opt = opt->next) {
	if (strcmp(opt->plugin, pc->name) != 0)
	    continue;
	for (known = desc->options; known != 0 && *known != 0; known++)
	    if (strcasecmp(*known, opt->key) == 0)
		break;
	if (known != 0 && *known != 0)
	    continue;
	for (known = desc->options; known != 0 && *known != 0; known++) {
	    if (list.len > 0)
		cm_buf_adds(&list, ", ");
	    cm_buf_adds(&list, *known);
	}
	(void) snprintf(err, errlen, "%s:%d: %s.%s: unknown option of plugin "
			"\"%s\" (it knows: %s)",
			cfg->file ? cfg->file : "(config)", opt->line,
			opt->plugin, opt->key, pc->name,
			list.len ? cm_buf_str(&list) : "no options");
	cm_buf_free(&list);
	return (-1);
    }
    return (0);
}

/*
 * unsafe_file - why another user could change this code, or NULL
 *
 * The shared object is loaded and its init() run as root, before the
 * daemon drops privileges. So whoever may replace it, or write it, may
 * run code as root: it must belong to root or to us, others may not
 * write it, and its directory (of the file itself, symbolic links
 * resolved) may not be writable by others unless sticky.
 */
static const char *unsafe_file(const char *real, const struct stat *st,
			               char *why, size_t len)
{
    struct stat dst;
    char   *dir;
    char   *slash;

    if (st->st_uid != 0 && st->st_uid != geteuid()) {
	(void) snprintf(why, len, "%s: owned by uid %ld, not root: another "
			"user could change code that runs as root", real,
			(long) st->st_uid);
	return (why);
    }
    if (st->st_mode & S_IWOTH) {
	(void) snprintf(why, len, "%s: writable by others (mode %04o): "
			"run chmod o-w on it", real,
			(unsigned) (st->st_mode & 07777));
	return (why);
    }
    if ((dir = strdup(real)) == 0) {
	(void) snprintf(why, len, "out of memory");
	return (why);
    }
    /* realpath(3) made it absolute: there is a slash. */
    slash = strrchr(dir, '/');
    slash[slash == dir ? 1 : 0] = 0;
    if (stat(dir, &dst) != 0) {
	(void) snprintf(why, len, "%s: %s", dir, strerror(errno));
	free(dir);
	return (why);
    }
    if ((dst.st_mode & S_IWOTH) && !(dst.st_mode & S_ISVTX)) {
	(void) snprintf(why, len, "%s: in a directory that others may write "
			"(%s, mode %04o)", real, dir,
			(unsigned) (dst.st_mode & 07777));
	free(dir);
	return (why);
    }
    free(dir);
    return (0);
}

/* load_one - open, check and start one plugin */

static int load_one(const cm_config *cfg, const cm_plugin_conf *pc,
		            const char *libdir, cm_plugin_slot *slot,
		            char *err, size_t errlen)
{
    struct stat st;
    const cm_plugin *desc;
    cm_plugin_init init;
    load_ctx ctx;
    char    why[512];
    char   *real;
    size_t  len;

    slot->name = strdup(pc->name);
    slot->line = pc->line;
    if (strchr(pc->path, '/') != 0 || libdir == 0) {
	slot->path = strdup(pc->path);
    } else {
	len = strlen(libdir) + strlen(pc->path) + 2;
	if ((slot->path = malloc(len)) != 0)
	    (void) snprintf(slot->path, len, "%s/%s", libdir, pc->path);
    }
    if (slot->name == 0 || slot->path == 0) {
	fail(err, errlen, cfg, pc, "out of memory");
	return (-1);
    }

    /* A missing file gets a plainer message than dlerror()'s. */
    if (stat(slot->path, &st) != 0) {
	fail(err, errlen, cfg, pc, "%s: %s", slot->path, strerror(errno));
	return (-1);
    }
    if ((real = realpath(slot->path, 0)) == 0 || stat(real, &st) != 0) {
	fail(err, errlen, cfg, pc, "%s: %s", slot->path, strerror(errno));
	free(real);
	return (-1);
    }
    if (unsafe_file(real, &st, why, sizeof(why)) != 0) {
	fail(err, errlen, cfg, pc, "%s", why);
	free(real);
	return (-1);
    }

    /* The path that was checked: no link in it to swap afterwards. */
    slot->handle = dlopen(real, RTLD_NOW | RTLD_LOCAL);
    free(real);
    if (slot->handle == 0) {
	fail(err, errlen, cfg, pc, "cannot load: %s", dlerror());
	return (-1);
    }
    if ((desc = dlsym(slot->handle, CM_PLUGIN_SYMBOL)) == 0) {
	fail(err, errlen, cfg, pc, "%s is not a consent-milter plugin "
	     "(no %s descriptor)", slot->path, CM_PLUGIN_SYMBOL);
	return (-1);
    }
    if (desc->api_version != CM_PLUGIN_API_VERSION) {
	fail(err, errlen, cfg, pc, "built for plugin API version %u, but "
	     "this consent-milter has version %u: rebuild the plugin",
	     desc->api_version, (unsigned) CM_PLUGIN_API_VERSION);
	return (-1);
    }
    slot->desc = desc;
    if (check_options(cfg, pc, desc, err, errlen) != 0)
	return (-1);

    ctx.cfg = cfg;
    ctx.name = pc->name;
    init.name = pc->name;
    init.path = slot->path;
    init.config_file = cfg->file;
    init.campaign_header = cfg->campaign_header;
    init.opaque = &ctx;
    why[0] = 0;
    if (desc->init != 0
	&& desc->init(&cm_plugin_host_table, &init, &slot->state,
		      why, sizeof(why)) != CM_PLUGIN_OK) {
	why[sizeof(why) - 1] = 0;
	if (slot->state != 0 && desc->fini != 0)
	    desc->fini(slot->state);
	fail(err, errlen, cfg, pc, "cannot start: %s", why[0] ? why :
	     "init failed without a reason");
	return (-1);
    }
    slot->started = 1;
    return (0);
}

/* cm_plugins_load - load every configured plugin */

cm_plugins *cm_plugins_load(const cm_config *cfg, const char *libdir,
			            char *err, size_t errlen)
{
    cm_plugins *set;
    const cm_plugin_conf *pc;
    size_t  n = 0;

    for (pc = cfg->plugins; pc != 0; pc = pc->next)
	n++;
    if ((set = calloc(1, sizeof(*set))) == 0
	|| (n > 0 && (set->slot = calloc(n, sizeof(*set->slot))) == 0)) {
	free(set);
	(void) snprintf(err, errlen, "plugins: out of memory");
	return (0);
    }
    for (pc = cfg->plugins; pc != 0; pc = pc->next) {
	if (load_one(cfg, pc, libdir, set->slot + set->count, err,
		     errlen) != 0) {
	    set->count++;			/* unload what is half loaded */
	    cm_plugins_unload(set);
	    return (0);
	}
	set->flags |= set->slot[set->count].desc->flags;
	set->count++;
    }
    return (set);
}

/* cm_plugins_unload - stop and close every plugin */

void    cm_plugins_unload(cm_plugins *set)
{
    size_t  i;
    cm_plugin_slot *slot;

    if (set == 0)
	return;
    for (i = set->count; i-- > 0;) {
	slot = set->slot + i;
	if (slot->started && slot->desc->fini != 0)
	    slot->desc->fini(slot->state);
	if (slot->handle != 0)
	    (void) dlclose(slot->handle);
	free(slot->name);
	free(slot->path);
    }
    free(set->slot);
    free(set);
}
