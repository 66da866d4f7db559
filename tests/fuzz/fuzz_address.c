/* SPDX-License-Identifier: BSD-3-Clause; Copyright (c) 2026 the consent-milter authors. */
/*
 * fuzz_address - libFuzzer target for address normalisation and
 * record ids (milter/policy/address.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char keybytes[] = "fuzz-address-key\n";
    char    norm[CM_ADDR_MAX + 1];
    char    id[CM_ID_SIZE];
    cm_addrkey *key;
    cm_addr_status st;
    size_t  n;

    st = cm_addr_normalise((const char *) data, size, norm, sizeof(norm));
    if (st >= CM_ADDR_STATUS_COUNT || cm_addr_strerror(st) == 0)
	abort();
    if (st != CM_ADDR_OK) {
	if (norm[0] != 0)
	    abort();			/* out must be empty on failure */
	return (0);
    }
    n = strlen(norm);
    if (n == 0 || n > CM_ADDR_MAX)
	abort();

    /* Unkeyed: the id is the address itself. */
    cm_addr_record_id(0, norm, n, id, sizeof(id));
    if (strcmp(id, norm) != 0)
	abort();

    /* Keyed: 64 lower-case hex digits. */
    if ((key = cm_addrkey_from_bytes(keybytes, sizeof(keybytes) - 1)) == 0)
	abort();
    cm_addr_record_id(key, norm, n, id, sizeof(id));
    cm_addrkey_free(key);
    if (strlen(id) != 64 || strspn(id, "0123456789abcdef") != 64)
	abort();

    /*
     * Normalising a normalised address changes nothing, except that
     * only one bracket pair is stripped per call ("<<a@b>>" gives
     * "<a@b>", which a second call turns into "a@b").
     */
    if (!(norm[0] == '<' && norm[n - 1] == '>')) {
	char    again[CM_ADDR_MAX + 1];

	if (cm_addr_normalise(norm, n, again, sizeof(again)) != CM_ADDR_OK
	    || strcmp(again, norm) != 0)
	    abort();
    }
    return (0);
}
