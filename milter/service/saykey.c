/*++
/* NAME
/*	saykey 3
/* SUMMARY
/*	a start-up error, named by the configuration line to change
/* SYNOPSIS
/*	#include "saykey.h"
/*
/*	void	cm_say_key(cfg, key, err)
/*	const cm_config *cfg;
/*	const char *key;
/*	const char *err;
/* DESCRIPTION
/*	cm_say_key() logs err at LOG_ERR as "FILE:LINE: Key: reason"
/*	(cm_config_where()), so that an error found after parsing (a
/*	user that does not exist, a key file that others may read, Redis
/*	that does not answer) names the line the administrator must
/*	change, as a parse error does. A leading "Key " or "Key: " in err
/*	is not repeated; the store's "redis ADDR: reason" is kept as it
/*	is, as scripts and the documentation quote it.
/*
/*	Shared by consent-milter(8) and consent-unsubscribe(8).
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <string.h>
#include <syslog.h>

/* Application-specific. */

#include "log.h"
#include "saykey.h"

/* cm_say_key - log err as "FILE:LINE: Key: ...", for the line to change */

void    cm_say_key(const cm_config *cfg, const char *key, const char *err)
{
    char    where[512];
    size_t  klen = strlen(key);

    if (strncmp(err, key, klen) == 0 && err[klen] == ' ')
	err += klen + 1;
    else if (strncmp(err, key, klen) == 0 && err[klen] == ':'
	     && err[klen + 1] == ' ')
	err += klen + 2;
    cm_log(LOG_ERR, "%s: %s", cm_config_where(cfg, key, where,
					       sizeof(where)), err);
}
