/* SPDX-License-Identifier: BSD-3-Clause; Copyright (c) 2026 the consent-milter authors. */
/*
 * fuzz_token - libFuzzer target for the opt-out token parser and the
 * key file parser (milter/policy/unsubtoken.c): whatever the bytes, no
 * crash, and a token that opens seals back to the same text (lower case).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unsubtoken.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char text[] = "k1 000102030405060708090a0b0c0d0e0f"
    "101112131415161718191a1b1c1d1e1f\n";
    static cm_token_keys *keys;
    cm_token_keys *other;
    char    err[256], again[CM_TOKEN_SIZE];
    cm_token t;
    size_t  i;

    if (keys == 0 && (keys = cm_token_keys_parse("fuzz", text,
						 sizeof(text) - 1, err,
						 sizeof(err))) == 0)
	abort();
    if (cm_token_open(keys, (const char *) data, size, &t) == CM_TOKEN_OK) {
	/* One spelling per token (but case): it seals to the same text. */
	if (cm_token_seal(keys, &t, again, sizeof(again)) != 0)
	    abort();
	for (i = 0; i < size; i++)
	    if ((data[i] | 0x20) != (unsigned char) again[i])
		abort();
    }
    /* The same bytes as a key file. */
    if ((other = cm_token_keys_parse("fuzz", (const char *) data, size, err,
				     sizeof(err))) != 0) {
	if (cm_token_keys_count(other) == 0)
	    abort();
	cm_token_keys_free(other);
    } else if (err[0] == 0) {
	abort();
    }
    return (0);
}
