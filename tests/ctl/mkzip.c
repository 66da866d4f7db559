/*++
/* NAME
/*	mkzip 1
/* SUMMARY
/*	write zip archives for tests/ctl/import-providers.sh
/* SYNOPSIS
/*	mkzip OUT.zip MEMBER...
/* DESCRIPTION
/*	The import tests need Mailchimp-like archives and hostile ones;
/*	python3 is not on every machine the suite runs on, libzip is
/*	(consentctl needs it), so they are made with it. Each MEMBER is
/*	one of:
/* .IP NAME=PATH
/*	the file PATH, deflated, under the name NAME (any name, "../x"
/*	included).
/* .IP NAME=@zeros:N
/*	N zero bytes, deflated: about 1000 times smaller (a zip bomb).
/* .IP NAME=@secret:PATH
/*	the file PATH, encrypted with AES-256 (else traditional PKWARE
/*	encryption) under the password "secret".
/* .IP FOLDER/
/*	a folder entry.
/* .PP
/*	MEMBER may be repeated as NAME=PATH*K: K members NAME0, NAME1...
/*	of the same content.
/* DIAGNOSTICS
/*	Exit 0, or 1 with a message.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

/* die - message and exit 1 */

static void die(const char *what, const char *detail)
{
    (void) fprintf(stderr, "mkzip: %s: %s\n", what, detail);
    exit(1);
}

/* add - one member; returns its index */

static zip_int64_t add(zip_t *za, const char *name, const char *spec)
{
    zip_source_t *src;
    zip_int64_t idx;
    void   *zeros;
    size_t  n;

    if (strncmp(spec, "@zeros:", 7) == 0) {
	n = strtoul(spec + 7, 0, 10);
	if ((zeros = calloc(1, n ? n : 1)) == 0)
	    die(name, "out of memory");
	src = zip_source_buffer(za, zeros, n, 1);	/* freed by libzip */
    } else {
	if (strncmp(spec, "@secret:", 8) == 0)
	    spec += 8;
	src = zip_source_file(za, spec, 0, -1);
    }
    if (src == 0)
	die(name, zip_strerror(za));
    if ((idx = zip_file_add(za, name, src, ZIP_FL_ENC_UTF_8)) < 0) {
	zip_source_free(src);
	die(name, zip_strerror(za));
    }
    if (zip_set_file_compression(za, (zip_uint64_t) idx, ZIP_CM_DEFLATE, 9) != 0)
	die(name, zip_strerror(za));
    return (idx);
}

int     main(int argc, char **argv)
{
    zip_t  *za;
    zip_int64_t idx;
    char    name[1024], *eq, *star;
    int     err, i, k, copies;
    zip_uint16_t em;

    if (argc < 3)
	die("usage", "mkzip OUT.zip NAME=PATH|NAME=@zeros:N|NAME=@secret:PATH...");
    if ((za = zip_open(argv[1], ZIP_CREATE | ZIP_TRUNCATE, &err)) == 0)
	die(argv[1], "cannot create");
    for (i = 2; i < argc; i++) {
	if ((eq = strchr(argv[i], '=')) == 0 && argv[i][0]
	    && argv[i][strlen(argv[i]) - 1] == '/') {
	    if (zip_dir_add(za, argv[i], ZIP_FL_ENC_UTF_8) < 0)
		die(argv[i], zip_strerror(za));
	    continue;
	}
	if (eq == 0)
	    die(argv[i], "want NAME=PATH or FOLDER/");
	*eq++ = 0;
	copies = 1;
	if ((star = strrchr(eq, '*')) != 0) {
	    *star = 0;
	    copies = atoi(star + 1);
	}
	for (k = 0; k < copies; k++) {
	    if (copies > 1)
		(void) snprintf(name, sizeof(name), "%s%d", argv[i], k);
	    else
		(void) snprintf(name, sizeof(name), "%s", argv[i]);
	    idx = add(za, name, eq);
	    if (strncmp(eq, "@secret:", 8) == 0) {
		em = zip_encryption_method_supported(ZIP_EM_AES_256, 1) ?
		    ZIP_EM_AES_256 : ZIP_EM_TRAD_PKWARE;
		if (zip_file_set_encryption(za, (zip_uint64_t) idx, em,
					    "secret") != 0)
		    die(name, zip_strerror(za));
	    }
	}
    }
    if (zip_close(za) != 0)
	die(argv[1], zip_strerror(za));
    return (0);
}
