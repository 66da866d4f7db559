/* SPDX-License-Identifier: BSD-3-Clause; Copyright (c) 2026 the consent-milter authors. */
/*
 * fuzz_arf - libFuzzer target for the complaint report parser and the
 * token finder (milter/ctl/arf.c): whatever the bytes, no crash, every
 * field NUL-terminated within its size, a found token 50 characters.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arf.h"
#include "unsubtoken.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static arf_report r;
    char   *msg, why[256], tok[CM_TOKEN_SIZE], field[ARF_FIELD_MAX];

    /* The callers hand over a NUL-terminated copy of standard input. */
    if ((msg = malloc(size + 1)) == 0)
	return (0);
    memcpy(msg, data, size);
    msg[size] = 0;
    if (arf_parse(msg, size, &r, why, sizeof(why)) == 0) {
	if (r.feedback_type[0] == 0
	    || memchr(r.list_unsub, 0, sizeof(r.list_unsub)) == 0
	    || memchr(r.rcpt_to, 0, sizeof(r.rcpt_to)) == 0)
	    abort();
	if (arf_find_token(r.list_unsub, "https://optout.example.org/u/",
			   tok, sizeof(tok)) && strlen(tok) != CM_TOKEN_LEN)
	    abort();
    } else if (why[0] == 0) {
	abort();
    }
    (void) arf_header(msg, size, "Message-ID", field, sizeof(field));
    if (arf_find_token(msg, 0, tok, sizeof(tok)) && strlen(tok) != CM_TOKEN_LEN)
	abort();
    free(msg);
    return (0);
}
