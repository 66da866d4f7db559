/*++
/* NAME
/*	ctl_import 3
/* SUMMARY
/*	consentctl import: consent records from CSV
/* SYNOPSIS
/*	#include "ctl.h"
/*
/*	int	ctl_import(c, argc, argv)
/*	ctl	*c;
/*	int	argc;
/*	char	**argv;
/* DESCRIPTION
/*	Moving consent between tools is where unsubscribes get lost
/*	(DOMAIN.md): this verb loads it into Redis without losing any,
/*	and the writer rules (DESIGN.md section 3) make sure an old
/*	export can never re-subscribe someone who opted out. See also
/*	ctl_export(3), which writes this format.
/*
/*	ctl_import() implements "import [--from PROVIDER] FILE...
/*	[--skip-invalid] [--actor NAME] [--dry-run]" and the options of
/*	the sources (import_source(3)): --purpose, --columns,
/*	--date-format, --timezone, --encoding, --delimiter. Without
/*	--from (or with --from canonical) each FILE is CSV (RFC 4180, see csv(3)) with the
/*	header row address,purpose,state,at,source (names compared
/*	without regard to case, order fixed). Each row is one event:
/*	state granted or withdrawn for a purpose, or suppressed with
/*	purpose "*" (at is when, source the reason). at is Unix seconds
/*	or RFC 3339. An address of the form id:<64 hex digits> is a
/*	ready-made pseudonymised record id, as export writes it when
/*	AddressKeyFile is set. Empty lines are skipped. The rules for
/*	one row are in ctl_row(3), shared with export: addresses and
/*	sources must be valid UTF-8, and no time may lie more than 300
/*	seconds after the clock of the import (DESIGN.md section 3). A
/*	time less far ahead is stored as the moment it is written
/*	(writer(3)), so an opt-out that arrives after the import is
/*	always newer.
/*
/*	Every source yields the same canonical events through the same
/*	checks (import_source(3)); with --from, one record may yield
/*	several events, and the counts are of events. --encoding cp1252
/*	or latin1 transcodes every field to UTF-8 with iconv(3) before
/*	it is looked at; without it, text that is not UTF-8 is refused,
/*	naming the line. With --from, the field separator is found in
/*	the header (the most frequent of , ; and tab outside quotes)
/*	unless --delimiter gives it; times without a zone are read in
/*	--timezone (default UTC), set as TZ while the import runs.
/*
/*	The files are read three times (import_pass(3)), so that a
/*	million rows need no more memory than one batch. The first pass
/*	checks every row of every file and reports each bad one as
/*	FILE:LINE: reason; with any bad row and no --skip-invalid
/*	nothing is written. With --skip-invalid, a bad row that is or may
/*	be an opt-out holds back every row of that person and makes the
/*	exit status 65 (import_hold(3)). The second pass applies
/*	the consent rows and the third the suppressions, in pipelined
/*	batches through cm_write_events(). Suppressions go last so that
/*	a grant given before the person was suppressed is kept, as it
/*	was when the events happened: otherwise export followed by
/*	import would drop it and the round trip would not be exact. A
/*	suppression wins at decision time either way (DESIGN.md section
/*	5, row 12), and one already in Redis still keeps every imported
/*	grant out. Standard input ("-") and other files that cannot be
/*	read twice are first copied to an unlinked temporary file. A zip
/*	archive (a Mailchimp audience export) gives its members as files
/*	of their own, named ZIP:MEMBER, after the checks of import_zip(3).
/*
/*	History entries name the actor --actor NAME, else "import:"
/*	followed by the consentctl actor. --dry-run sends the events with
/*	dry set (writer(3)): each is judged under the writer rules and
/*	nothing is written; up to five examples per outcome are shown.
/*
/*	The summary counts outcomes in rows and in people, and tells an
/*	event already recorded (imported again) from a stale one
/*	(genuinely older): import_tally(3). With --from it also counts
/*	and names the opt-outs of lists that --map-list left out
/*	(imp_unmapped(3)), and the events held back (import_hold(3)).
/*
/*	On a terminal, a progress line (rows/s, ETA) is redrawn on
/*	stderr at most ten times a second, for CSV and JSON alike
/*	(import_progress(3)); elsewhere there is none.
/*
/* DIAGNOSTICS
/*	Exit status: 0 done (stale rows are normal: the store already
/*	knew better), 64 usage, 65 bad or unreadable input (nothing
/*	written; with --skip-invalid, the rest written but bad rows
/*	that may be opt-outs held their people back), 69 the store is unavailable or failed (an import may
/*	then be partly applied; running it again is safe), 70 out of
/*	memory.
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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Application-specific. */

#include "buf.h"
#include "clock.h"
#include "ctl.h"
#include "ctl_row.h"
#include "import_run.h"
#include "campaign.h"

#define IMPORT_USAGE	"import [--from PROVIDER] FILE... [--skip-invalid] " \
			"[--actor NAME] [--dry-run] [--purpose P] " \
			"[--columns SPEC] [--date-format FMT] " \
			"[--timezone ZONE] [--encoding cp1252|latin1|utf-8] " \
			"[--delimiter ,|;|tab] [--map-list NAME=PURPOSE]..."
#define IMPORT_HEADER	CTL_ROW_HEADER

/* import_open - open FILE, or a spooled copy of what cannot be reread */

static FILE *import_open(ctl *c, const char *path, struct stat *st)
{
    FILE   *in;
    FILE   *tmp;
    char    buf[65536];
    size_t  n;

    if (strcmp(path, "-") == 0) {
	in = stdin;
    } else if ((in = fopen(path, "rb")) == 0) {
	ctl_error(c, "cannot open %s: %s", path, strerror(errno));
	return (0);
    }
    if (fstat(fileno(in), st) != 0) {
	ctl_error(c, "%s: %s", path, strerror(errno));
	goto fail;
    }
    if (S_ISDIR(st->st_mode)) {
	ctl_error(c, "%s: is a directory", path);
	goto fail;
    }
    if (S_ISREG(st->st_mode))
	return (in);

    /*
     * A pipe or terminal can be read once only. tmpfile() is unlinked
     * from the start, so the copy of personal data vanishes with us.
     */
    if ((tmp = tmpfile()) == 0) {
	ctl_error(c, "cannot create a temporary file for %s: %s",
		  path, strerror(errno));
	goto fail;
    }
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
	if (fwrite(buf, 1, n, tmp) != n)
	    break;
    if (ferror(in) || ferror(tmp) || fflush(tmp) != 0
	|| fstat(fileno(tmp), st) != 0) {
	ctl_error(c, "cannot copy %s to a temporary file: %s",
		  path, strerror(errno));
	(void) fclose(tmp);
	goto fail;
    }
    if (in != stdin)
	(void) fclose(in);
    return (tmp);

fail:
    if (in != stdin)
	(void) fclose(in);
    return (0);
}


/* import_file_setup - how a file is read: JSON or CSV, and its separator */

static void import_file_setup(import_state *st, import_file *in)
{
    in->json = st->p->jarrays != 0 && imp_is_json(in->fp);
    /* The canonical format is RFC 4180: commas, always. */
    in->sep = st->opts.sep ? st->opts.sep :
	st->p == &imp_canonical ? ',' : imp_detect_sep(in->fp);
    st->total += (unsigned long long) in->st.st_size;
}

/* import_open_all - open each FILE; a zip archive gives its members */

static int import_open_all(import_state *st)
{
    import_file *in;
    struct stat sb;
    const char *name;
    size_t  i, k;
    FILE   *fp;
    int     status;

    for (i = 0; i < st->nargs; i++) {
	name = strcmp(st->args[i], "-") == 0 ? "stdin" : st->args[i];
	if ((fp = import_open(st->c, st->args[i], &sb)) == 0)
	    return (CTL_EX_DATAERR);
	if (imp_zip_is(fp, st->args[i])) {
	    k = st->nfiles;
	    status = imp_zip_members(st, fp, name);
	    if (fp != stdin)
		(void) fclose(fp);
	    if (status != 0)
		return (status);
	    for (; k < st->nfiles; k++)
		import_file_setup(st, st->files + k);
	    continue;
	}
	if (st->nfiles == IMPORT_FILES_MAX) {
	    ctl_error(st->c, "%s: too many files: at most %d in one import, "
		      "zip members included", name, IMPORT_FILES_MAX);
	    if (fp != stdin)
		(void) fclose(fp);
	    return (CTL_EX_USAGE);
	}
	in = st->files + st->nfiles++;
	in->name = name;
	in->fp = fp;
	in->st = sb;
	import_file_setup(st, in);
    }
    return (0);
}

/* import_options - the command line; 0, or an exit status */

static int import_options(import_state *st, int argc, char **argv)
{
    ctl    *c = st->c;
    const char *d = 0;
    const char *v;
    int     i;

    for (i = 1; i < argc; i++) {
	v = i + 1 < argc && *argv[i + 1] ? argv[i + 1] : 0;
	if (strcmp(argv[i], "--skip-invalid") == 0)
	    st->skip_invalid = 1;
	else if (strcmp(argv[i], "--dry-run") == 0)
	    st->dry_run = 1;
	else if (strcmp(argv[i], "--actor") == 0 && v && ++i)
	    st->actor = v;
	else if (strcmp(argv[i], "--from") == 0 && v && ++i)
	    st->opts.from = v;
	else if (strcmp(argv[i], "--purpose") == 0 && v && ++i)
	    st->opts.purpose = v;
	else if (strcmp(argv[i], "--columns") == 0 && v && ++i)
	    st->opts.columns = v;
	else if (strcmp(argv[i], "--date-format") == 0 && v && ++i)
	    st->opts.date_format = v;
	else if (strcmp(argv[i], "--timezone") == 0 && v && ++i)
	    st->opts.zone = v;
	else if (strcmp(argv[i], "--encoding") == 0 && v && ++i)
	    st->opts.encoding = v;
	else if (strcmp(argv[i], "--delimiter") == 0 && v && ++i)
	    d = v;
	else if (strcmp(argv[i], "--map-list") == 0 && v && ++i) {
	    if (st->opts.nmaps == IMP_MAPS_MAX || strrchr(v, '=') == 0
		|| strrchr(v, '=') == v
		|| !cm_purpose_valid(strrchr(v, '=') + 1)) {
		ctl_error(c, "--map-list %s: want NAME=PURPOSE (purpose: "
			  "1 to 64 of a-z 0-9 . _ -), at most %d", v,
			  IMP_MAPS_MAX);
		return (CTL_EX_USAGE);
	    }
	    st->opts.maps[st->opts.nmaps++] = v;
	}
	else if ((argv[i][0] != '-' || argv[i][1] == 0)
		 && st->nargs < IMPORT_FILES_MAX)
	    st->args[st->nargs++] = argv[i];
	else
	    break;
    }
    if (i < argc || st->nargs == 0)
	return (ctl_usage(c, IMPORT_USAGE));
    if (st->opts.from == 0)
	st->opts.from = "canonical";
    if ((st->p = imp_provider_find(st->opts.from)) == 0) {
	ctl_error(c, "--from %s: unknown source (want one of %s)",
		  st->opts.from, imp_provider_names());
	return (CTL_EX_USAGE);
    }
    if (st->opts.purpose && !cm_purpose_valid(st->opts.purpose)) {
	ctl_error(c, "--purpose %s: want 1 to 64 of a-z 0-9 . _ -",
		  st->opts.purpose);
	return (CTL_EX_USAGE);
    }
    if (d == 0)
	st->opts.sep = 0;
    else if (strcmp(d, ",") == 0 || strcmp(d, ";") == 0)
	st->opts.sep = *d;
    else if (strcmp(d, "tab") == 0 || strcmp(d, "\t") == 0)
	st->opts.sep = '\t';
    else {
	ctl_error(c, "--delimiter %s: want , ; or tab", d);
	return (CTL_EX_USAGE);
    }
    cm_buf_reset(&st->arena);		/* scratch for the message */
    if (!imp_conv_open(&st->conv, st->opts.encoding, &st->arena)) {
	ctl_error(c, "%s", cm_buf_str(&st->arena));
	return (CTL_EX_USAGE);
    }
    if (st->opts.zone == 0)
	st->opts.zone = "UTC";
    cm_buf_reset(&st->arena);		/* scratch for the message */
    if (!imp_zone_check(st->opts.zone, &st->arena)) {
	ctl_error(c, "%s", cm_buf_str(&st->arena));
	return (CTL_EX_USAGE);
    }
    cm_buf_reset(&st->arena);
    return (0);
}

/* ctl_import - import FILE... */

int     ctl_import(ctl *c, int argc, char **argv)
{
    import_state *st;
    cm_buf  actor = CM_BUF_INIT;
    cm_buf  oldtz = CM_BUF_INIT;
    const char *tz;
    struct stat now;
    int     status = 0;
    int     had_tz;
    size_t  i;

    if (ctl_want_help(argc, argv)) {
	(void) printf("usage: %s %s\n\nCSV header row: %s\n"
		      "state granted|withdrawn, or suppressed with purpose *;"
		      " at: Unix seconds or RFC 3339.\n"
		      "--from: %s (see consentctl(8)).\n"
		      "A FILE may be a zip archive (a Mailchimp audience "
		      "export): its members are read.\n", c->progname,
		      IMPORT_USAGE, IMPORT_HEADER, imp_provider_names());
	return (CTL_EX_OK);
    }
    if ((st = calloc(1, sizeof(*st))) == 0) {
	ctl_error(c, "out of memory");
	return (CTL_EX_SOFTWARE);
    }
    st->c = c;
    st->conv.cd = (iconv_t) -1;
    if ((status = import_options(st, argc, argv)) != 0)
	goto done;
    if (st->actor == 0) {
	cm_buf_printf(&actor, "import:%s", c->actor ? c->actor : "unknown");
	st->actor = cm_buf_str(&actor);
    }
    cm_buf_reset(&st->arena);		/* scratch for the message */
    if (!ctl_row_utf8("--actor", st->actor, &st->arena)) {
	ctl_error(c, "%s", cm_buf_str(&st->arena));
	status = CTL_EX_DATAERR;
	goto done;
    }
    cm_buf_reset(&st->arena);
    st->now = cm_time_now();
    if ((status = import_open_all(st)) != 0)
	goto done;

    /*
     * Times without a zone are local times of --timezone: TZ is set for
     * the import only, so that mktime() uses the zone database.
     */
    had_tz = (tz = getenv("TZ")) != 0;
    if (had_tz)
	cm_buf_adds(&oldtz, tz);
    if (setenv("TZ", st->opts.zone, 1) != 0) {
	ctl_error(c, "cannot set TZ: %s", strerror(errno));
	status = CTL_EX_SOFTWARE;
	goto done;
    }
    tzset();

    /* Pass 1: nothing is written unless every row is good. */
    if ((status = imp_run_pass(st, PASS_CHECK)) != 0)
	goto restore;
    if (st->invalid > 0 && !st->skip_invalid) {
	ctl_error(c, "%s: %lu invalid row%s: nothing imported "
		  "(--skip-invalid imports the rest)", st->nfiles == 1 ?
		  st->files[0].name : "input", st->invalid,
		  st->invalid == 1 ? "" : "s");
	status = CTL_EX_DATAERR;
	goto restore;
    }

    /*
     * The second read must see the files that were checked. A file that
     * changed in between is refused before anything is written.
     */
    for (i = 0; i < st->nfiles; i++) {
	import_file *in = st->files + i;

	if (fstat(fileno(in->fp), &now) != 0 || now.st_size != in->st.st_size
	    || now.st_mtim.tv_sec != in->st.st_mtim.tv_sec
	    || now.st_mtim.tv_nsec != in->st.st_mtim.tv_nsec) {
	    ctl_error(c, "%s changed while it was checked: nothing imported",
		      in->name);
	    status = CTL_EX_DATAERR;
	    goto restore;
	}
    }
    if ((status = imp_hold_ready(st)) != 0)
	goto restore;
    (void) ctl_redis(c);			/* exits 69 if unavailable */
    if ((status = imp_run_pass(st, PASS_CONSENT)) != 0)
	goto restore;
    if (st->nsuppress > 0 && (status = imp_run_pass(st, PASS_SUPPRESS)) != 0)
	goto restore;
    if (st->dry_run)
	(void) printf("dry run: %lu consent rows, %lu suppression rows, "
		      "invalid %lu; nothing written\n", st->valid - st->nsuppress,
		      st->nsuppress, st->invalid);
    imp_tally_print(&st->tally, stdout, st->invalid, st->dry_run);
    if (st->p != &imp_canonical)
	(void) printf("%s: %lu rows, %lu events, %lu rows without a consent "
		      "event\n", st->p->name, st->rows, st->valid, st->noevent);
    if (st->src.unmapped > 0)
	(void) printf("%s: %lu opt-outs for unmapped lists skipped (not in "
		      "--map-list):\n%s%s", st->p->name, st->src.unmapped,
		      cm_buf_str(&st->src.unmapped_ex),
		      st->src.unmapped > IMP_UNMAPPED_EX ? "  ...\n" : "");

    /*
     * --skip-invalid never skips an opt-out quietly: the people of bad
     * rows that may be opt-outs were held back (import_hold(3)), and a
     * script must notice.
     */
    if (st->optout_invalid > 0) {
	(void) printf("held back %lu (events of people with an invalid "
		      "opt-out row)\n", st->nheld_events);
	ctl_error(c, "%s: invalid rows that carry or may carry an opt-out: "
		  "%lu; the other rows of those people were held back "
		  "(nothing applied for them): fix the rows and import again",
		  st->nfiles == 1 ? st->files[0].name : "input",
		  st->optout_invalid);
	status = CTL_EX_DATAERR;
    }

restore:
    if (had_tz)
	(void) setenv("TZ", cm_buf_str(&oldtz), 1);
    else
	(void) unsetenv("TZ");
    tzset();

done:
    for (i = 0; i < st->nfiles; i++) {
	if (st->files[i].fp != 0 && st->files[i].fp != stdin)
	    (void) fclose(st->files[i].fp);
	free(st->files[i].owned);
    }
    imp_conv_close(&st->conv);
    for (i = 0; i <= IMP_EVENTS_MAX; i++)
	cm_buf_free(st->out.text + i);
    cm_jobject_free(&st->src.obj);
    cm_jobject_free(&st->src.sub);
    cm_buf_free(&st->src.unmapped_ex);
    free(st->held);
    cm_buf_free(&st->arena);
    imp_tally_free(&st->tally);
    cm_buf_free(&actor);
    cm_buf_free(&oldtz);
    free(st);
    return (status);
}
