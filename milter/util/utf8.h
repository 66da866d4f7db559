#ifndef CM_UTF8_H
#define CM_UTF8_H

/*++
/* NAME
/*	utf8 3h
/* SUMMARY
/*	strict UTF-8 validation
/* SYNOPSIS
/*	#include "utf8.h"
/*
/*	cm_utf8_seqlen(): the valid UTF-8 sequence at a byte;
/*	cm_utf8_valid(): is a string valid UTF-8, and where not.
/* DESCRIPTION
/*	See utf8.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

extern size_t cm_utf8_seqlen(const unsigned char *s, size_t n);
extern int cm_utf8_valid(const char *s, size_t len, size_t *bad);

#endif
