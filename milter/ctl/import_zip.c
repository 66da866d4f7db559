/*++
/* NAME
/*	import_zip 3
/* SUMMARY
/*	consentctl import: the members of a zip archive
/* SYNOPSIS
/*	#include "import_run.h"
/*
/*	int	imp_zip_is(fp, name)
/*	FILE	*fp;
/*	const char *name;
/*
/*	int	imp_zip_members(st, fp, name)
/*	import_state *st;
/*	FILE	*fp;
/*	const char *name;
/* DESCRIPTION
/*	Mailchimp hands out an audience export as one zip archive that
/*	holds a CSV file per status (subscribed, unsubscribed, cleaned,
/*	nonsubscribed), often in a folder members_export_ID/. Asking
/*	people to unzip it first invites the mistake this tool exists to
/*	prevent: importing the subscribed file and forgetting the
/*	unsubscribed one. So the archive is read as it comes, with
/*	libzip(3).
/*
/*	imp_zip_is() tells whether fp starts with a zip local header
/*	("PK\e003\e004") or, for an empty archive, an end record; a FILE
/*	whose name ends in .zip is taken as one whatever it holds, so
/*	that a damaged download is refused as a damaged archive rather
/*	than read as CSV. It rewinds fp.
/*
/*	imp_zip_members() copies each member to an unlinked temporary
/*	file and appends it to st->files as "ZIP:MEMBER", the name that
/*	errors and the evidence of every event carry (e.g.
/*	export.zip:members_export_x/unsubscribed_members_export_x.csv:12).
/*	Members are read in the order of the archive; the passes of
/*	ctl_import(3) make that order irrelevant. Folders are skipped, and
/*	so are the __MACOSX/ copies a Mac adds when it zips a folder again
/*	(said on stderr).
/*
/*	An archive is refused, before anything is imported, when it:
/* .IP \(bu
/*	is not a zip archive, or a damaged one (libzip's consistency
/*	checks);
/* .IP \(bu
/*	has more than IMP_ZIP_ENTRIES_MAX (32) members, or more than the
/*	files one import takes;
/* .IP \(bu
/*	holds an encrypted member (Mailchimp does not encrypt);
/* .IP \(bu
/*	holds a member that is not a .csv or .json file, or whose name has
/*	control characters;
/* .IP \(bu
/*	would expand beyond IMP_ZIP_BYTES_MAX (4 GiB) in all, or holds a
/*	member over 1 MiB that expands more than IMP_ZIP_RATIO_MAX (200)
/*	times: a zip bomb. A real export compresses about 5 to 10 times.
/*	The sizes are those the archive declares, and the copy stops as
/*	soon as a member yields more than it declared, so a lying header
/*	cannot get around the bound.
/* .PP
/*	A member name with an absolute path or a ".." step would leave
/*	the folder if unzipped; nothing here is ever written under a
/*	member's name, so it is read as a name only, and said on stderr.
/* DIAGNOSTICS
/*	Errors are "ZIP: reason" or "ZIP: member "NAME": reason" on
/*	stderr, NAME whole (up to 512 bytes), escaped as \exNN where it is
/*	not printable UTF-8. imp_zip_members() returns 0, or an exit
/*	status: 65 for a refused archive, 64 for more files than one
/*	import takes, 70 when out of memory or without a temporary file.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Utility library. */

#include <zip.h>

/* Application-specific. */

#include "escape.h"
#include "import_run.h"

#define RATIO_FLOOR	(1 << 20)	/* smaller members: any ratio */

/* imp_zip_is - a zip archive by its first bytes or its name */

int     imp_zip_is(FILE *fp, const char *name)
{
    unsigned char b[4];
    size_t  n, len = strlen(name);

    rewind(fp);
    n = fread(b, 1, sizeof(b), fp);
    rewind(fp);
    if (n == 4 && b[0] == 'P' && b[1] == 'K'
	&& ((b[2] == 3 && b[3] == 4) || (b[2] == 5 && b[3] == 6)))
	return (1);
    return (len > 4 && strcasecmp(name + len - 4, ".zip") == 0);
}

/* show - a member name for messages: quoted, escaped, whole up to 512 */

static const char *show(cm_buf *b, const char *name)
{
    size_t  len = strlen(name);

    cm_buf_reset(b);
    cm_buf_addc(b, '"');
    cm_escape(b, name, len > 512 ? 512 : len, CM_ESC_QUOTE | CM_ESC_UTF8);
    cm_buf_adds(b, len > 512 ? "\"..." : "\"");
    return (cm_buf_str(b));
}

/* has_suffix - name ends in suffix, any case */

static int has_suffix(const char *name, const char *suffix)
{
    size_t  n = strlen(name), k = strlen(suffix);

    return (n > k && strcasecmp(name + n - k, suffix) == 0);
}

/* escapes - a name that would leave the folder it is unzipped in */

static int escapes(const char *name)
{
    const char *p;

    if (*name == '/' || *name == '\\')
	return (1);
    for (p = name; *p; p++)
	if (p[0] == '.' && p[1] == '.' && (p == name || p[-1] == '/'
					    || p[-1] == '\\')
	    && (p[2] == 0 || p[2] == '/' || p[2] == '\\'))
	    return (1);
    return (0);
}

/* odd_chars - control characters in a name */

static int odd_chars(const char *name)
{
    for (; *name; name++)
	if ((unsigned char) *name < 0x20 || *name == 0x7f)
	    return (1);
    return (0);
}

/* copy_member - one member to an unlinked temporary file */

static int copy_member(import_state *st, zip_t *za, zip_uint64_t i,
		               const zip_stat_t *zs, const char *zname,
		               cm_buf *nb)
{
    import_file *in = st->files + st->nfiles;
    zip_file_t *zf;
    char    buf[65536];
    zip_int64_t n;
    zip_uint64_t got = 0;
    FILE   *tmp;
    size_t  len;

    if ((zf = zip_fopen_index(za, i, 0)) == 0) {
	ctl_error(st->c, "%s: member %s: %s", zname, show(nb, zs->name),
		  zip_strerror(za));
	return (CTL_EX_DATAERR);
    }

    /*
     * Personal data: the copy is unlinked from the start and vanishes
     * with us. Nothing is ever written under the member's own name.
     */
    if ((tmp = tmpfile()) == 0) {
	ctl_error(st->c, "%s: cannot create a temporary file: %s", zname,
		  strerror(errno));
	(void) zip_fclose(zf);
	return (CTL_EX_SOFTWARE);
    }
    while ((n = zip_fread(zf, buf, sizeof(buf))) > 0) {
	got += (zip_uint64_t) n;
	if (got > zs->size) {
	    ctl_error(st->c, "%s: member %s: longer than the %llu bytes its "
		      "header declares: refused (zip bomb?)", zname,
		      show(nb, zs->name), (unsigned long long) zs->size);
	    goto fail;
	}
	if (fwrite(buf, 1, (size_t) n, tmp) != (size_t) n) {
	    ctl_error(st->c, "%s: member %s: cannot copy to a temporary "
		      "file: %s", zname, show(nb, zs->name), strerror(errno));
	    goto fail;
	}
    }
    if (n < 0) {
	ctl_error(st->c, "%s: member %s: %s", zname, show(nb, zs->name),
		  zip_file_strerror(zf));
	goto fail;
    }
    (void) zip_fclose(zf);
    if (fflush(tmp) != 0 || fstat(fileno(tmp), &in->st) != 0) {
	ctl_error(st->c, "%s: member %s: cannot copy to a temporary file: %s",
		  zname, show(nb, zs->name), strerror(errno));
	(void) fclose(tmp);
	return (CTL_EX_SOFTWARE);
    }
    rewind(tmp);
    len = strlen(zname) + 1 + strlen(zs->name) + 1;
    if ((in->owned = malloc(len)) == 0) {
	ctl_error(st->c, "out of memory");
	(void) fclose(tmp);
	return (CTL_EX_SOFTWARE);
    }
    (void) snprintf(in->owned, len, "%s:%s", zname, zs->name);
    in->name = in->owned;
    in->fp = tmp;
    st->nfiles++;
    return (0);

fail:
    (void) zip_fclose(zf);
    (void) fclose(tmp);
    return (CTL_EX_DATAERR);
}

/* check_member - may this member be read; 1 yes, 0 skip, or -status */

static int check_member(import_state *st, const zip_stat_t *zs,
			        const char *zname, cm_buf *nb, int say)
{
    const char *name = zs->name;

    if (has_suffix(name, "/") && zs->size == 0)
	return (0);				/* a folder */
    if (strncmp(name, "__MACOSX/", 9) == 0) {
	if (say)
	    ctl_error(st->c, "%s: skipped %s: macOS metadata, not data", zname,
		  show(nb, name));
	return (0);
    }
    if (odd_chars(name)) {
	ctl_error(st->c, "%s: member %s: control characters in the name: "
		  "refused", zname, show(nb, name));
	return (-CTL_EX_DATAERR);
    }
    if ((zs->valid & ZIP_STAT_ENCRYPTION_METHOD)
	&& zs->encryption_method != ZIP_EM_NONE) {
	ctl_error(st->c, "%s: member %s: encrypted: refused (Mailchimp does "
		  "not encrypt its exports; unzip it with its password and "
		  "import the CSV files)", zname, show(nb, name));
	return (-CTL_EX_DATAERR);
    }
    if (!has_suffix(name, ".csv") && !has_suffix(name, ".json")) {
	ctl_error(st->c, "%s: member %s: not a .csv or .json file: refused "
		  "(an audience export holds only CSV files)", zname,
		  show(nb, name));
	return (-CTL_EX_DATAERR);
    }
    if (zs->size > RATIO_FLOOR && (zs->comp_size == 0
			    || zs->size / zs->comp_size > IMP_ZIP_RATIO_MAX)) {
	ctl_error(st->c, "%s: member %s: %llu bytes from %llu compressed, "
		  "more than %d times: refused (zip bomb? an export "
		  "compresses about 5 to 10 times)", zname, show(nb, name),
		  (unsigned long long) zs->size,
		  (unsigned long long) zs->comp_size, IMP_ZIP_RATIO_MAX);
	return (-CTL_EX_DATAERR);
    }
    if (say && escapes(name))
	ctl_error(st->c, "%s: member %s: a path outside the archive's folder; "
		  "read as a name only (nothing is unzipped to disk)",
		  zname, show(nb, name));
    return (1);
}

/* imp_zip_members - each member of the archive as a file to import */

int     imp_zip_members(import_state *st, FILE *fp, const char *zname)
{
    cm_buf  nb = CM_BUF_INIT;
    zip_error_t ze;
    zip_stat_t zs;
    zip_source_t *src;
    zip_t  *za;
    FILE   *zfp;
    zip_int64_t count;
    zip_uint64_t i, total = 0;
    size_t  first = st->nfiles;
    int     fd, status = 0, ok;

    /* libzip closes the stream it is given: give it its own. */
    zip_error_init(&ze);
    if ((fd = dup(fileno(fp))) < 0 || (zfp = fdopen(fd, "rb")) == 0) {
	ctl_error(st->c, "%s: %s", zname, strerror(errno));
	if (fd >= 0)
	    (void) close(fd);
	return (CTL_EX_SOFTWARE);
    }
    if ((src = zip_source_filep_create(zfp, 0, -1, &ze)) == 0) {
	(void) fclose(zfp);
	ctl_error(st->c, "%s: %s", zname, zip_error_strerror(&ze));
	zip_error_fini(&ze);
	return (CTL_EX_SOFTWARE);
    }
    if ((za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze)) == 0) {
	zip_source_free(src);
	ctl_error(st->c, "%s: not a readable zip archive: %s", zname,
		  zip_error_strerror(&ze));
	status = zip_error_code_zip(&ze) == ZIP_ER_MEMORY ?
	    CTL_EX_SOFTWARE : CTL_EX_DATAERR;
	zip_error_fini(&ze);
	return (status);
    }
    zip_error_fini(&ze);
    count = zip_get_num_entries(za, 0);
    if (count > IMP_ZIP_ENTRIES_MAX) {
	ctl_error(st->c, "%s: %lld members, more than %d: refused (an "
		  "audience export holds four)", zname, (long long) count,
		  IMP_ZIP_ENTRIES_MAX);
	status = CTL_EX_DATAERR;
    }

    /* Every member is judged before any is copied. */
    for (i = 0; status == 0 && i < (zip_uint64_t) count; i++) {
	if (zip_stat_index(za, i, 0, &zs) != 0) {
	    ctl_error(st->c, "%s: member %llu: %s", zname,
		      (unsigned long long) i, zip_strerror(za));
	    status = CTL_EX_DATAERR;
	} else if ((ok = check_member(st, &zs, zname, &nb, 1)) < 0) {
	    status = -ok;
	} else if (ok > 0 && (total += zs.size) > IMP_ZIP_BYTES_MAX) {
	    ctl_error(st->c, "%s: expands to more than %llu bytes: refused "
		      "(zip bomb?)", zname, IMP_ZIP_BYTES_MAX);
	    status = CTL_EX_DATAERR;
	}
    }
    for (i = 0; status == 0 && i < (zip_uint64_t) count; i++) {
	if (zip_stat_index(za, i, 0, &zs) != 0)
	    continue;
	if (check_member(st, &zs, zname, &nb, 0) <= 0)
	    continue;
	if (st->nfiles == IMPORT_FILES_MAX) {
	    ctl_error(st->c, "%s: too many files: at most %d in one import, "
		      "zip members included", zname, IMPORT_FILES_MAX);
	    status = CTL_EX_USAGE;
	    break;
	}
	status = copy_member(st, za, i, &zs, zname, &nb);
    }
    if (status == 0 && st->nfiles == first) {
	ctl_error(st->c, "%s: no .csv or .json file in the archive", zname);
	status = CTL_EX_DATAERR;
    }
    zip_discard(za);
    cm_buf_free(&nb);
    return (status);
}
