/* SPDX-License-Identifier: BSD-3-Clause; Copyright (c) 2026 the consent-milter authors. */
/*
 * fuzz_header - libFuzzer target for campaign extraction from header
 * values (milter/policy/campaign.c) and the JSON string writer
 * (milter/util/json.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "campaign.h"
#include "json.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {
    "X-Campaign-ID", "Feedback-ID", "List-Id",
};

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char   *value;
    char    out[CM_CAMPAIGN_ID_MAX + 1];
    cm_buf  b = CM_BUF_INIT;
    size_t  i;
    int     len;

    /* Header values reach us as C strings. */
    if ((value = malloc(size + 1)) == 0)
	return (0);
    memcpy(value, data, size);
    value[size] = 0;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
	len = cm_campaign_from_header(names[i], value, out, sizeof(out));
	if (len < 0 || strlen(out) > sizeof(out) - 1)
	    abort();
	if ((size_t) len < sizeof(out) && strlen(out) != (size_t) len)
	    abort();
	if (len > 0 && len <= CM_CAMPAIGN_ID_MAX)
	    (void) cm_campaign_id_valid(out);
	(void) cm_purpose_valid(out);
    }
    (void) cm_header_is_bulk("Precedence", value);
    (void) cm_header_is_bulk("List-Unsubscribe", value);
    (void) cm_header_is_bulk("X-Other", value);

    /* The JSON writer takes raw bytes, NULs included. */
    cm_json_string(&b, (const char *) data, size);
    if (!b.oom) {
	if (b.len < 2 || b.data[0] != '"' || b.data[b.len - 1] != '"')
	    abort();
	for (i = 0; i < b.len; i++)
	    if ((unsigned char) b.data[i] < 0x20)
		abort();
    }
    cm_buf_free(&b);
    free(value);
    return (0);
}
