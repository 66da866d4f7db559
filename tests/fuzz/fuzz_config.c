/* SPDX-License-Identifier: BSD-3-Clause; Copyright (c) 2026 the consent-milter authors. */
/*
 * fuzz_config - libFuzzer target for the configuration file parser
 * (milter/policy/config.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cm_config cfg;
    char    err[512];
    char   *text;

    if ((text = malloc(size + 1)) == 0)
	return (0);
    memcpy(text, data, size);
    text[size] = 0;

    err[0] = 0;
    cm_config_init(&cfg);
    if (cm_config_parse(&cfg, "fuzz.conf", text, err, sizeof(err)) != 0) {
	if (memchr(err, 0, sizeof(err)) == 0)
	    abort();			/* err must be NUL-terminated */
    }
    cm_config_free(&cfg);
    free(text);
    return (0);
}
