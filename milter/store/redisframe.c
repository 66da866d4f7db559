/*++
/* NAME
/*	redisframe 3
/* SUMMARY
/*	append a two-word command, framed without printf
/* SYNOPSIS
/*	#include "redisframe.h"
/*
/*	int	cm_redis_append2(c, verb, arg, arg_len)
/*	redisContext *c;
/*	const char *verb;
/*	const char *arg;
/*	size_t	arg_len;
/* DESCRIPTION
/*	cm_redis_append2() queues the command "verb arg" (GET or HGETALL
/*	and a key, say) in the output buffer of c, without sending it, as
/*	redisAppendCommandArgv() would. arg is arg_len bytes of any value.
/*
/*	Every message sends a few of these, and hiredis formats argument
/*	vectors with its own printf: the command is framed here instead,
/*	lengths first, byte for byte as redisFormatCommandArgv() would
/*	(binary safe; no byte of arg is interpreted). An argument too
/*	long for the stack buffer takes hiredis's way.
/* DIAGNOSTICS
/*	REDIS_OK, or REDIS_ERR (out of memory; c->err says so).
/* SEE ALSO
/*	store(3), which sends its lookups this way.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <string.h>

/* Utility library. */

#include <hiredis/hiredis.h>

/* Application-specific. */

#include "buf.h"
#include "redisframe.h"

#define CM_FRAME_SIZE	1024		/* one framed command on the stack */

/* put_len - "<c><decimal len>\r\n" */

static char *put_len(char *out, char c, size_t len)
{
    *out++ = c;
    out += cm_uint_digits(out, len);
    *out++ = '\r';
    *out++ = '\n';
    return (out);
}

/* put_bulk - "$<len>\r\n<bytes>\r\n" */

static char *put_bulk(char *out, const char *data, size_t len)
{
    out = put_len(out, '$', len);
    memcpy(out, data, len);
    out += len;
    *out++ = '\r';
    *out++ = '\n';
    return (out);
}

/* cm_redis_append2 - queue "verb arg" */

int     cm_redis_append2(redisContext *c, const char *verb,
			         const char *arg, size_t arg_len)
{
    size_t  verb_len = strlen(verb);
    char    wire[CM_FRAME_SIZE];
    char   *cp = wire;
    const char *argv[2];
    size_t  lens[2];

    /* 64: the counts, lengths and line ends, with room to spare. */
    if (arg_len + verb_len + 64 > sizeof(wire)) {
	argv[0] = verb;
	lens[0] = verb_len;
	argv[1] = arg;
	lens[1] = arg_len;
	return (redisAppendCommandArgv(c, 2, argv, lens));
    }
    cp = put_len(cp, '*', 2);
    cp = put_bulk(cp, verb, verb_len);
    cp = put_bulk(cp, arg, arg_len);
    return (redisAppendFormattedCommand(c, wire, (size_t) (cp - wire)));
}
