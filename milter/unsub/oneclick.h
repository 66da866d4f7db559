#ifndef CM_ONECLICK_H
#define CM_ONECLICK_H

/*++
/* NAME
/*	oneclick 3h
/* SUMMARY
/*	the RFC 8058 one-click POST body
/* SYNOPSIS
/*	#include "oneclick.h"
/* DESCRIPTION
/*	See oneclick.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

extern int cm_oneclick_body(const char *content_type, const char *body,
			            size_t len);

#endif
