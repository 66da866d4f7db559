/* SPDX-License-Identifier: BSD-3-Clause; Copyright (c) 2026 the consent-milter authors. */
/*
 * fuzz_csv - libFuzzer target for the streaming CSV reader
 * (milter/util/csv.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE   *fp;
    cm_csv *r;
    char  **fields;
    size_t  nfields;
    size_t  i;
    unsigned long lineno;
    char    err[256];
    int     rc;
    int     guard = 0;

    if (size == 0)
	return (0);			/* fmemopen() refuses size 0 */
    if ((fp = fmemopen((void *) data, size, "r")) == 0)
	return (0);
    if ((r = cm_csv_open(fp)) == 0) {
	fclose(fp);
	return (0);
    }
    for (;;) {
	rc = cm_csv_next(r, &fields, &nfields, &lineno, err, sizeof(err));
	if (rc == CM_CSV_EOF || rc == CM_CSV_FATAL)
	    break;
	if (rc == CM_CSV_RECORD) {
	    for (i = 0; i < nfields; i++)
		(void) strlen(fields[i]);	/* each field is a C string */
	} else if (rc != CM_CSV_BAD) {
	    abort();
	}
	if (cm_csv_offset(r) > size)
	    abort();
	if (++guard > (int) size + 2)
	    abort();			/* must make progress */
    }
    cm_csv_close(r);
    fclose(fp);
    return (0);
}
