/* SPDX-License-Identifier: BSD-3-Clause; Copyright (c) 2026 the consent-milter authors. */
/*
 * fuzz_oneclick - libFuzzer target for what consent-unsubscribe reads
 * from a client: the RFC 8058 POST body (milter/unsub/oneclick.c, both
 * encodings) and the client address text of the rate limiter
 * (milter/unsub/ratelimit.c). The first line of the input is the
 * Content-Type (empty: none), the rest is the body, copied to a buffer
 * of exactly its size (no NUL) so that an over-read is caught.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oneclick.h"
#include "ratelimit.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    unsigned char key[CM_RATELIMIT_KEY];
    char    ctype[256];
    char   *body;
    size_t  n, len;

    if (nl == 0)
	return (0);
    n = (size_t) (nl - data);
    if (n >= sizeof(ctype))
	n = sizeof(ctype) - 1;
    memcpy(ctype, data, n);
    ctype[n] = 0;
    len = size - (size_t) (nl - data) - 1;
    if ((body = malloc(len ? len : 1)) == 0)
	return (0);
    memcpy(body, nl + 1, len);
    if (cm_oneclick_body(n ? ctype : 0, body, len) > 1)
	abort();
    free(body);
    if (cm_ratelimit_key(ctype, key) > CM_RATELIMIT_KEY)
	abort();
    return (0);
}
