/*++
/* NAME
/*	ctl_export 3
/* SUMMARY
/*	consentctl export: consent records as CSV
/* SYNOPSIS
/*	#include "ctl.h"
/*
/*	int	ctl_export(c, argc, argv)
/*	ctl	*c;
/*	int	argc;
/*	char	**argv;
/* DESCRIPTION
/*	Moving consent between tools is where unsubscribes get lost
/*	(DOMAIN.md): an export that leaves out the opt-outs is how a
/*	change of provider loses them. This one never does.
/*
/*	ctl_export() implements "export [--purpose P]": the format that
/*	ctl_import(3) reads, on stdout: the header row, one row per
/*	purpose of every consent record and one per suppression, sorted
/*	by address then purpose, so that export, import into an empty
/*	store and export again give the same bytes. Times are Unix
/*	seconds. With AddressKeyFile the record ids are HMACs and are
/*	written as id:<hex>. Suppressions are written even with
/*	--purpose.
/*
/*	The key names are collected with SCAN and sorted in memory (the
/*	ids only, about 50 bytes a record); the records are then read
/*	in pipelined chunks and written out as they come.
/* DIAGNOSTICS
/*	Exit status: 0 done, 64 usage, 69 the store is unavailable or
/*	failed, 70 out of memory or a write error on stdout.
/*--*/

/* System library. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Redis library. */

#include <hiredis/hiredis.h>

/* Application-specific. */

#include "campaign.h"
#include "csv.h"
#include "ctl.h"
#include "json.h"

#define EXPORT_USAGE	"export [--purpose P]"
#define IMPORT_HEADER	"address,purpose,state,at,source"	/* ctl_import.c */
#define EXPORT_CHUNK	1000		/* keys per pipelined read */

 /*
  * Export. The key names are collected first (SCAN) and sorted, then
  * read back in pipelined chunks: memory holds the ids, never the rows.
  */

typedef struct export_key {
    size_t  off;			/* id offset in the arena, while scanning */
    size_t  len;
    const char *id;			/* once the arena stops growing */
    int     kind;			/* 0 suppress: before 1 consent, as '*'
					 * sorts before every purpose */
} export_key;

typedef struct export_state {
    ctl    *c;
    redisContext *redis;
    const char *purpose;		/* --purpose, or NULL */
    cm_buf  ids;			/* arena of ids */
    export_key *keys;
    size_t  nkeys;
    size_t  nalloc;
    cm_buf  key;			/* a key name being built */
    cm_buf  out;			/* CSV text for stdout */
} export_state;

static const char *const export_parts[] = {"suppress:", "consent:"};

/* export_redis_error - report a failed command; returns the exit status */

static int export_redis_error(export_state *es, const redisReply *r)
{
    cm_buf  b = CM_BUF_INIT;

    if (r == 0)
	cm_buf_adds(&b, es->redis->errstr);
    else if (r->type == REDIS_REPLY_ERROR)
	cm_buf_add_safe(&b, r->str, r->len);
    else
	cm_buf_printf(&b, "unexpected reply type %d", r->type);
    ctl_error(es->c, "consent store error: %s", cm_buf_str(&b));
    cm_buf_free(&b);
    return (CTL_EX_UNAVAILABLE);
}

/* export_scan - collect the ids of every key of one kind */

static int export_scan(export_state *es, int kind)
{
    const char *prefix = es->c->cfg.key_prefix;
    size_t  plen = strlen(prefix) + strlen(export_parts[kind]);
    cm_buf  pat = CM_BUF_INIT;
    char    cursor[32] = "0";
    const char *argv[6] = {"SCAN", cursor, "MATCH", 0, "COUNT", "1000"};
    size_t  argl[6];
    redisReply *r;
    redisReply *key;
    export_key *k;
    size_t  i, n;
    int     status = 0;

    /* The prefix is literal text; MATCH would read * ? [ ] \ as patterns. */
    for (i = 0; prefix[i] != 0; i++) {
	if (strchr("*?[]\\", prefix[i]) != 0)
	    cm_buf_addc(&pat, '\\');
	cm_buf_addc(&pat, prefix[i]);
    }
    cm_buf_printf(&pat, "%s*", export_parts[kind]);
    argv[3] = cm_buf_str(&pat);
    do {
	for (i = 0; i < 6; i++)
	    argl[i] = strlen(argv[i]);
	r = redisCommandArgv(es->redis, 6, argv, argl);
	if (r == 0 || r->type != REDIS_REPLY_ARRAY || r->elements != 2
	    || r->element[0]->type != REDIS_REPLY_STRING
	    || r->element[0]->len >= sizeof(cursor)
	    || r->element[1]->type != REDIS_REPLY_ARRAY) {
	    status = export_redis_error(es, r);
	    break;
	}
	memcpy(cursor, r->element[0]->str, r->element[0]->len);
	cursor[r->element[0]->len] = 0;
	for (i = 0; status == 0 && i < r->element[1]->elements; i++) {
	    key = r->element[1]->element[i];
	    if (key->type != REDIS_REPLY_STRING || key->len < plen)
		continue;
	    if (es->nkeys == es->nalloc) {
		n = es->nalloc ? 2 * es->nalloc : 4096;
		if ((k = realloc(es->keys, n * sizeof(*k))) == 0) {
		    ctl_error(es->c, "out of memory");
		    status = CTL_EX_SOFTWARE;
		    break;
		}
		es->keys = k;
		es->nalloc = n;
	    }
	    k = es->keys + es->nkeys++;
	    k->off = es->ids.len;
	    k->len = key->len - plen;
	    k->kind = kind;
	    cm_buf_add(&es->ids, key->str + plen, k->len);
	}
	freeReplyObject(r);
    } while (status == 0 && strcmp(cursor, "0") != 0);
    cm_buf_free(&pat);
    return (status);
}

/* export_key_cmp - qsort: by id (bytes), then suppression first */

static int export_key_cmp(const void *a, const void *b)
{
    const export_key *x = a;
    const export_key *y = b;
    int     d = memcmp(x->id, y->id, x->len < y->len ? x->len : y->len);

    if (d != 0)
	return (d);
    if (x->len != y->len)
	return (x->len < y->len ? -1 : 1);
    return (x->kind - y->kind);
}

/* reply_cmp - qsort: hash field names, as bytes */

static int reply_cmp(const void *a, const void *b)
{
    const redisReply *x = *(redisReply * const *) a;
    const redisReply *y = *(redisReply * const *) b;
    int     d = memcmp(x->str, y->str, x->len < y->len ? x->len : y->len);

    return (d != 0 ? d : (x->len > y->len) - (x->len < y->len));
}

/* export_address - the first column, then a comma */

static void export_address(export_state *es, const export_key *k)
{
    cm_buf_reset(&es->key);
    if (es->c->key != 0)
	cm_buf_adds(&es->key, "id:");
    cm_buf_add(&es->key, k->id, k->len);
    cm_csv_field(&es->out, es->key.data, es->key.len);
    cm_buf_addc(&es->out, ',');
}

/* hash_get - the value of field name+suffix in an HGETALL reply */

static const redisReply *hash_get(const redisReply *r, const char *name,
				          size_t len, const char *suffix)
{
    size_t  slen = strlen(suffix);
    size_t  i;

    for (i = 0; i + 1 < r->elements; i += 2)
	if (r->element[i]->len == len + slen
	    && memcmp(r->element[i]->str, name, len) == 0
	    && memcmp(r->element[i]->str + len, suffix, slen) == 0)
	    return (r->element[i + 1]);
    return (0);
}

/* export_field - one CSV field from a reply string (nil: empty) */

static void export_field(export_state *es, const redisReply *r, int last)
{
    if (r != 0 && r->type == REDIS_REPLY_STRING)
	cm_csv_field(&es->out, r->str, r->len);
    cm_buf_addc(&es->out, last ? '\n' : ',');
}

/* export_consent - the rows of one consent hash */

static int export_consent(export_state *es, const export_key *k,
			          const redisReply *r)
{
    const redisReply **names;
    size_t  n = 0;
    size_t  i;

    if ((names = malloc((r->elements / 2 + 1) * sizeof(*names))) == 0) {
	ctl_error(es->c, "out of memory");
	return (CTL_EX_SOFTWARE);
    }

    /* Purpose fields are the ones without a ':' (purposes have none). */
    for (i = 0; i + 1 < r->elements; i += 2) {
	if (r->element[i]->type != REDIS_REPLY_STRING
	    || memchr(r->element[i]->str, ':', r->element[i]->len) != 0)
	    continue;
	if (es->purpose != 0 && (r->element[i]->len != strlen(es->purpose)
				 || memcmp(r->element[i]->str, es->purpose,
					   r->element[i]->len) != 0))
	    continue;
	names[n++] = r->element[i];
    }
    qsort(names, n, sizeof(*names), reply_cmp);
    for (i = 0; i < n; i++) {
	export_address(es, k);
	cm_csv_field(&es->out, names[i]->str, names[i]->len);
	cm_buf_addc(&es->out, ',');
	export_field(es, hash_get(r, names[i]->str, names[i]->len, ""), 0);
	export_field(es, hash_get(r, names[i]->str, names[i]->len, ":at"), 0);
	export_field(es, hash_get(r, names[i]->str, names[i]->len, ":src"), 1);
    }
    free(names);
    return (0);
}

/* export_suppress - the row of one suppression: "<time> <reason>" */

static void export_suppress(export_state *es, const export_key *k,
			            const redisReply *r)
{
    const char *sp = memchr(r->str, ' ', r->len);
    size_t  tlen = sp ? (size_t) (sp - r->str) : r->len;

    /* A malformed time is written as found: import will say so. */
    export_address(es, k);
    cm_buf_adds(&es->out, "*,suppressed,");
    cm_csv_field(&es->out, r->str, tlen);
    cm_buf_addc(&es->out, ',');
    if (sp != 0)
	cm_csv_field(&es->out, sp + 1, r->len - tlen - 1);
    cm_buf_addc(&es->out, '\n');
}

/* export_chunk - read and write keys [from, to); 0 or an exit status */

static int export_chunk(export_state *es, size_t from, size_t to)
{
    const char *argv[2];
    size_t  argl[2];
    redisReply *r;
    size_t  i;
    int     status = 0;

    for (i = from; i < to; i++) {
	cm_buf_reset(&es->key);
	cm_buf_adds(&es->key, es->c->cfg.key_prefix);
	cm_buf_adds(&es->key, export_parts[es->keys[i].kind]);
	cm_buf_add(&es->key, es->keys[i].id, es->keys[i].len);
	argv[0] = es->keys[i].kind == 0 ? "GET" : "HGETALL";
	argl[0] = strlen(argv[0]);
	argv[1] = es->key.data;
	argl[1] = es->key.len;
	if (redisAppendCommandArgv(es->redis, 2, argv, argl) != REDIS_OK)
	    return (export_redis_error(es, 0));
    }
    for (i = from; i < to; i++) {
	if (redisGetReply(es->redis, (void **) &r) != REDIS_OK)
	    return (export_redis_error(es, 0));
	if (status != 0) {
	    /* Drain the pipeline, keep the first error. */
	} else if (es->keys[i].kind == 0 && r->type == REDIS_REPLY_STRING) {
	    export_suppress(es, es->keys + i, r);
	} else if (es->keys[i].kind == 1 && r->type == REDIS_REPLY_ARRAY) {
	    status = export_consent(es, es->keys + i, r);
	} else if (r->type != REDIS_REPLY_NIL) {
	    status = export_redis_error(es, r);	/* nil: deleted meanwhile */
	}
	freeReplyObject(r);
    }
    if (status == 0 && es->out.oom) {
	ctl_error(es->c, "out of memory");
	status = CTL_EX_SOFTWARE;
    }
    if (status == 0 && es->out.len > 0
	&& fwrite(es->out.data, 1, es->out.len, stdout) != es->out.len) {
	ctl_error(es->c, "writing the export: %s", strerror(errno));
	status = CTL_EX_SOFTWARE;
    }
    cm_buf_reset(&es->out);
    return (status);
}

/* ctl_export - export [--purpose P] */

int     ctl_export(ctl *c, int argc, char **argv)
{
    export_state es;
    size_t  i, n;
    int     status = 0;

    if (ctl_want_help(argc, argv)) {
	(void) printf("usage: %s %s\n\nWrites the import format (%s) to "
		      "stdout, sorted.\nSuppressions are always included.\n",
		      c->progname, EXPORT_USAGE, IMPORT_HEADER);
	return (CTL_EX_OK);
    }
    memset(&es, 0, sizeof(es));
    es.c = c;
    for (i = 1; i < (size_t) argc; i++) {
	if (strcmp(argv[i], "--purpose") == 0 && i + 1 < (size_t) argc
	    && es.purpose == 0 && cm_purpose_valid(argv[i + 1]))
	    es.purpose = argv[++i];
	else
	    return (ctl_usage(c, EXPORT_USAGE));
    }
    es.redis = ctl_redis(c);

    /*
     * Suppressions are exported even with --purpose: a suppression
     * covers every purpose, and an export that leaves out the opt-outs
     * is exactly how they are lost when data moves (DOMAIN.md).
     */
    if ((status = export_scan(&es, 0)) != 0
	|| (status = export_scan(&es, 1)) != 0)
	goto done;
    if (es.ids.oom) {
	ctl_error(c, "out of memory");
	status = CTL_EX_SOFTWARE;
	goto done;
    }
    for (i = 0; i < es.nkeys; i++)
	es.keys[i].id = es.ids.data + es.keys[i].off;
    qsort(es.keys, es.nkeys, sizeof(*es.keys), export_key_cmp);

    /* SCAN may return a key twice; sorted, the copies are neighbours. */
    for (i = n = 0; i < es.nkeys; i++)
	if (n == 0 || export_key_cmp(es.keys + n - 1, es.keys + i) != 0)
	    es.keys[n++] = es.keys[i];
    es.nkeys = n;

    cm_buf_adds(&es.out, IMPORT_HEADER "\n");
    for (i = 0; status == 0 && i < es.nkeys; i += EXPORT_CHUNK)
	status = export_chunk(&es, i, i + EXPORT_CHUNK < es.nkeys ?
			      i + EXPORT_CHUNK : es.nkeys);
    if (status == 0 && es.out.len > 0)
	(void) fwrite(es.out.data, 1, es.out.len, stdout);
    if (status == 0 && (fflush(stdout) != 0 || ferror(stdout))) {
	ctl_error(c, "writing the export: %s", strerror(errno));
	status = CTL_EX_SOFTWARE;
    }

done:
    free(es.keys);
    cm_buf_free(&es.ids);
    cm_buf_free(&es.key);
    cm_buf_free(&es.out);
    return (status);
}
