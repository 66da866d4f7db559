#ifndef CM_POSTCONF_H
#define CM_POSTCONF_H

/*++
/* NAME
/*	postconf 3h
/* SUMMARY
/*	-n: can a chrooted Postfix smtpd reach the milter socket
/* SYNOPSIS
/*	#include "postconf.h"
/* DESCRIPTION
/*	See postconf.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

extern int cm_postconf_check(const char *socket_path, char *warn,
			             size_t len);

#endif
