#ifndef CM_REDISFRAME_H
#define CM_REDISFRAME_H

/*++
/* NAME
/*	redisframe 3h
/* SUMMARY
/*	append a two-word command, framed without printf
/* SYNOPSIS
/*	#include "redisframe.h"
/*
/*	cm_redis_append2(): queue "VERB key" on a hiredis context.
/* DESCRIPTION
/*	See redisframe.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#include <hiredis/hiredis.h>

extern int cm_redis_append2(redisContext *c, const char *verb,
			            const char *arg, size_t arg_len);

#endif
