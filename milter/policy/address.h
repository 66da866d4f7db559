#ifndef CM_ADDRESS_H
#define CM_ADDRESS_H

/*++
/* NAME
/*	address 3h
/* SUMMARY
/*	address normalisation and record ids
/* SYNOPSIS
/*	#include "address.h"
/*
/*	cm_addr_normalise(): the canonical form of an address;
/*	cm_addr_record_id(): its HMAC record id; cm_addrkey_*(): the key.
/* DESCRIPTION
/*	See address.c. The rules are a contract (DESIGN.md section 2).
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#define CM_ADDR_MAX	320		/* longest acceptable address, bytes */
#define CM_ID_SIZE	(CM_ADDR_MAX + 1)	/* record id buffer, with NUL */

/*
 * Outcome of cm_addr_normalise(). The order must match the message table
 * in address.c.
 */
typedef enum cm_addr_status {
    CM_ADDR_OK = 0,
    CM_ADDR_EMPTY,			/* nothing left after stripping */
    CM_ADDR_NO_AT,			/* no '@' */
    CM_ADDR_EMPTY_LOCAL,		/* nothing before the last '@' */
    CM_ADDR_EMPTY_DOMAIN,		/* nothing after the last '@' */
    CM_ADDR_CONTROL,			/* control byte (< 0x20, 0x7f) or NUL */
    CM_ADDR_TOO_LONG,			/* more than CM_ADDR_MAX bytes */
    CM_ADDR_MANY,			/* an unquoted '@' in the local part */
    CM_ADDR_SPACE,			/* unquoted white space inside */
    CM_ADDR_BAD_LOCAL,			/* local part not atoms/quoted strings */
    CM_ADDR_BAD_DOMAIN,			/* domain byte not letter/digit/-/. */
    CM_ADDR_BAD_LABEL,			/* empty, > 63, or hyphen at an end */
    CM_ADDR_BAD_LITERAL,		/* [..] not IPv4 or IPv6:... */
    CM_ADDR_STATUS_COUNT
} cm_addr_status;

extern cm_addr_status cm_addr_normalise(const char *src, size_t len,
					        char *out, size_t outsz);
extern const char *cm_addr_strerror(cm_addr_status status);

/* HMAC key for pseudonymised record ids (AddressKeyFile). */
typedef struct cm_addrkey cm_addrkey;

extern cm_addrkey *cm_addrkey_load(const char *path, char *err, size_t errlen);
extern cm_addrkey *cm_addrkey_from_bytes(const void *key, size_t len);
extern void cm_addrkey_free(cm_addrkey *key);
extern void cm_crypto_init(void);
extern void cm_addr_record_id(const cm_addrkey *key, const char *norm,
			              size_t len, char *out, size_t outsz);

#endif
