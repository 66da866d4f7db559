#ifndef CM_UNSUBTOKEN_H
#define CM_UNSUBTOKEN_H

/*++
/* NAME
/*	unsubtoken 3h
/* SUMMARY
/*	opt-out tokens: sealed, opaque, unforgeable
/* SYNOPSIS
/*	#include "unsubtoken.h"
/*
/*	cm_token_keys_load(), cm_token_keys_parse(), cm_token_keys_free():
/*	the keys of UnsubscribeKeyFile; cm_token_seal(), cm_token_open():
/*	a token from its contents and back; cm_token_purpose_check(),
/*	cm_token_purpose_matches(), cm_token_day(): its fields.
/* DESCRIPTION
/*	See unsubtoken.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#include "buf.h"
#include "config.h"

#define CM_TOKEN_VERSION	1	/* byte 0 of every token we make */
#define CM_TOKEN_LEN		50	/* base32 characters */
#define CM_TOKEN_SIZE		(CM_TOKEN_LEN + 1)	/* with the NUL */
#define CM_TOKEN_PERSON_MAX	0xffffffffffULL	/* 5 bytes */
#define CM_TOKEN_CAMPAIGN_MAX	0xffffffffUL	/* 4 bytes */
#define CM_TOKEN_KEYID_MAX	32	/* [A-Za-z0-9._-]{1,32} */
#define CM_TOKEN_EPOCH		1577836800LL	/* 2020-01-01T00:00:00Z */

 /*
  * What a token carries. References are opaque numbers that the writers
  * give out (Punsub:p:<n> -> record id, Punsub:c:<n> -> campaign id);
  * the purpose check is the first two bytes of SHA-256(purpose name).
  */
typedef struct cm_token {
    unsigned long long person;		/* person reference, 1..2^40-1 */
    unsigned long campaign;		/* campaign reference, 1..2^32-1 */
    unsigned char purpose[2];		/* purpose check */
    unsigned day;			/* issue day, days since 2020-01-01 */
} cm_token;

typedef enum cm_token_status {
    CM_TOKEN_OK,			/* verified */
    CM_TOKEN_BAD_FORM,			/* length or alphabet */
    CM_TOKEN_BAD_VERSION,		/* not a version we make */
    CM_TOKEN_NO_KEY,			/* no key with that key tag */
    CM_TOKEN_FORGED,			/* no key's tag matches */
    CM_TOKEN_STATUS_COUNT
} cm_token_status;

typedef struct cm_token_keys cm_token_keys;

extern cm_token_keys *cm_token_keys_load(const char *path, char *err,
					         size_t errlen);
extern cm_token_keys *cm_token_keys_parse(const char *name, const char *text,
				             size_t len, char *err, size_t errlen);
extern void cm_token_keys_free(cm_token_keys *keys);
extern size_t cm_token_keys_count(const cm_token_keys *keys);
extern int cm_token_keys_start(const cm_config *cfg, cm_token_keys **keys,
			               char *err, size_t errlen,
			               char *warn, size_t warnlen);
extern const char *cm_token_keys_signer(const cm_token_keys *keys);

extern int cm_token_seal(const cm_token_keys *keys, const cm_token *tok,
			         char *out, size_t outsz);
extern cm_token_status cm_token_open(const cm_token_keys *keys,
				             const char *text, size_t len,
				             cm_token *tok);
extern const char *cm_token_strerror(cm_token_status status);

extern void cm_token_purpose_check(const char *purpose,
				           unsigned char out[2]);
extern int cm_token_purpose_matches(const cm_token *tok,
				            const char *purpose);
extern unsigned cm_token_day(long long seconds);
extern void cm_token_list_unsubscribe(cm_buf *out, const char *url,
				              const char *mailto,
				              const char *token);

#define CM_TOKEN_LOCAL_PREFIX	"unsubscribe+"	/* mailto local part */
#define CM_TOKEN_POST_VALUE	"List-Unsubscribe=One-Click"	/* RFC 8058 */

#endif
