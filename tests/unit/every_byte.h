#ifndef CM_TEST_EVERY_BYTE_H
#define CM_TEST_EVERY_BYTE_H

/*++
/* NAME
/*	every_byte 3h
/* SUMMARY
/*	test helper: an address with any one byte in it
/* SYNOPSIS
/*	#include "every_byte.h"
/*
/*	size_t	every_byte_addr(buf, c, in_domain)
/*	char	buf[EVERY_BYTE_SIZE];
/*	unsigned c;
/*	int	in_domain;
/*
/*	EVERY_BYTE_OFFSET(in_domain)
/*	EVERY_BYTE_WHERE(in_domain)
/* DESCRIPTION
/*	every_byte_addr() writes "<bob@example.org>" with the byte c (NUL
/*	too) inserted into the local part ("<bXob@...") or the domain
/*	("<bob@exaXmple.org>"), and returns its length: for the checks
/*	that look at every byte value of an address (check_address,
/*	check_rcptform). EVERY_BYTE_OFFSET() is where c is, counted from
/*	the bracket; EVERY_BYTE_WHERE() names the part for a message.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <string.h>

#define EVERY_BYTE_ADDR		"<bob@example.org>"
#define EVERY_BYTE_SIZE		(sizeof(EVERY_BYTE_ADDR) + 1)
#define EVERY_BYTE_OFFSET(in_domain)	((in_domain) ? 8 : 2)
#define EVERY_BYTE_WHERE(in_domain)	((in_domain) ? "domain" : "local part")

/* every_byte_addr - the address with byte c in one part; its length */

static inline size_t every_byte_addr(char *buf, unsigned c, int in_domain)
{
    static const char addr[] = EVERY_BYTE_ADDR;
    size_t  at = EVERY_BYTE_OFFSET(in_domain);

    memcpy(buf, addr, at);
    buf[at] = (char) c;
    memcpy(buf + at + 1, addr + at, sizeof(addr) - at);
    return (sizeof(addr));			/* the address, one byte more */
}

#endif
