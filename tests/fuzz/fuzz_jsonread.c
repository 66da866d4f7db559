/* SPDX-License-Identifier: BSD-3-Clause; Copyright (c) 2026 the consent-milter authors. */
/*
 * fuzz_jsonread - libFuzzer target for the flat JSON object reader used
 * on audit lines (milter/util/jsonread.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonread.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cm_jobject obj = CM_JOBJECT_INIT;
    char    err[256];
    size_t  i;

    if (cm_jobject_parse(&obj, (const char *) data, size,
			 err, sizeof(err)) == 0) {
	for (i = 0; i < obj.count; i++) {
	    const cm_jmember *m = obj.member + i;

	    if (m->key == 0)
		abort();
	    if (m->val != 0 && m->val_len > 0)
		(void) memchr(m->val, 0, m->val_len);	/* touch every byte */
	}
	(void) cm_jobject_get(&obj, "rcpt");
	(void) cm_jobject_string(&obj, "campaign");
	(void) cm_jobject_string(&obj, "decision");
    } else if (obj.count != 0) {
	abort();			/* no members after a failure */
    }
    /* Reuse the object, as consentctl does from one line to the next. */
    (void) cm_jobject_parse(&obj, (const char *) data, size / 2,
			    err, sizeof(err));
    cm_jobject_free(&obj);
    return (0);
}
