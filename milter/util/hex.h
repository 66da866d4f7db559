#ifndef CM_HEX_H
#define CM_HEX_H

/*++
/* NAME
/*	hex 3h
/* SUMMARY
/*	the value of a hex digit
/* SYNOPSIS
/*	#include "hex.h"
/*
/*	int	cm_hexval(c)
/*	int	c;
/* DESCRIPTION
/*	cm_hexval() returns the value (0 to 15) of the ASCII hex digit c,
/*	in either case, and -1 for any other value: a byte above 0x7f
/*	passed as a negative char too. The decoders of outside text use
/*	it (JSON \u escapes, percent-encoded forms, unsubscribe tokens),
/*	so that each says only what it accepts, not what a digit is.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* cm_hexval - the value of one hex digit, or -1 */

static inline int cm_hexval(int c)
{
    if (c >= '0' && c <= '9')
	return (c - '0');
    if (c >= 'a' && c <= 'f')
	return (c - 'a' + 10);
    if (c >= 'A' && c <= 'F')
	return (c - 'A' + 10);
    return (-1);
}

#endif
