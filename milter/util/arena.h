#ifndef CM_ARENA_H
#define CM_ARENA_H

/*++
/* NAME
/*	arena 3h
/* SUMMARY
/*	strings that live exactly as long as one message
/* SYNOPSIS
/*	#include "arena.h"
/* DESCRIPTION
/*	See arena.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

typedef struct cm_arena_block cm_arena_block;

typedef struct cm_arena {
    cm_arena_block *head;		/* the block being filled; NULL: none */
    size_t  block;			/* bytes a block holds; 0: 4096 */
} cm_arena;

#define CM_ARENA_INIT	{ 0, 0 }
#define CM_ARENA_INIT_BLOCK(n)	{ 0, (n) }

extern char *cm_arena_strndup(cm_arena *a, const char *s, size_t len);
extern void cm_arena_reset(cm_arena *a);
extern void cm_arena_free(cm_arena *a);

#endif
