#ifndef CM_UTF8_H
#define CM_UTF8_H

/*++
/* NAME
/*	utf8 3h
/* SUMMARY
/*	strict UTF-8 validation
/* SYNOPSIS
/*	#include "utf8.h"
/* DESCRIPTION
/*	See utf8.c.
/*--*/

#include <stddef.h>

extern size_t cm_utf8_seqlen(const unsigned char *s, size_t n);
extern int cm_utf8_valid(const char *s, size_t len, size_t *bad);

#endif
