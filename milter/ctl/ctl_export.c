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
/*	ctl_export() implements "export [--purpose P] [--unix-times]":
/*	the format that ctl_import(3) reads, on stdout: the header row,
/*	one row per purpose of every consent record and one per
/*	suppression, sorted by address then purpose, so that export,
/*	import into an empty store and export again give the same bytes.
/*	Times are RFC 3339 UTC ("2026-12-03T07:00:00Z"), for the person
/*	who opens the file in a spreadsheet; import reads them back to
/*	the same Unix seconds, so the stored bytes still round-trip.
/*	--unix-times writes the stored Unix seconds instead, for scripts
/*	written against the old format. With AddressKeyFile the record ids are HMACs and are
/*	written as id:<hex>. Suppressions are written even with
/*	--purpose.
/*
/*	The key names are collected with SCAN and sorted in memory (the
/*	ids only, about 50 bytes a record); the records are then read
/*	in pipelined chunks and written out as they come.
/*
/*	Whatever export writes, import accepts, and importing it into
/*	an empty store gives back the same records, byte for byte. Other
/*	tools and hand edits can store what no row can carry: a NUL byte
/*	or invalid UTF-8, a time that is not canonical Unix seconds (import
/*	would rewrite "017..." or refuse "yesterday") or lies more than
/*	300 seconds ahead, an unknown state, a field that is not a
/*	purpose or belongs to no purpose, an id that import would
/*	normalise into another key, a row longer than CM_CSV_RECORD_MAX.
/*	Such a record or field is not written; it is named on stderr
/*	("export: cm:consent:bob@example.org: field "news:at":
/*	"yesterday": not Unix seconds") and every other row is written.
/*	Each row is checked at last with ctl_row_check(), import's own
/*	rules, and must give back its key. A purpose without a :src is
/*	written with an empty source (the writer stores an empty one).
/* DIAGNOSTICS
/*	Exit status: 0 done, 64 usage, 65 records or fields could not be
/*	exported faithfully (named; the other rows were written), 69 the
/*	store is unavailable or failed, 70 out of memory or a write error
/*	on stdout.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Redis library. */

#include <hiredis/hiredis.h>

/* Application-specific. */

#include "address.h"
#include "campaign.h"
#include "csv.h"
#include "ctl.h"
#include "ctl_row.h"
#include "escape.h"
#include "record.h"
#include "redisconn.h"
#include "redisreply.h"
#include "schema.h"
#include "timeparse.h"
#include "utf8.h"

#define EXPORT_USAGE	"export [--purpose P] [--unix-times]"
#define IMPORT_HEADER	CTL_ROW_HEADER
#define EXPORT_CHUNK	1000		/* keys per pipelined read */
#define CM_STR2(x)	#x
#define CM_STR(x)	CM_STR2(x)	/* a number, as text */

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
    cm_buf  row;			/* one row, before it is checked */
    cm_buf  fields;			/* its fields, as import reads them */
    long long now;			/* for times in the future */
    int     unix_times;			/* --unix-times: stored seconds */
    char    when[CM_TIME_SIZE];		/* the time column, RFC 3339 */
    unsigned long unfaithful;		/* records and fields not written */
} export_state;

static const char *const export_parts[] = {CM_KEY_SUPPRESS, CM_KEY_CONSENT};

/* export_redis_error - report a failed command; returns the exit status */

static int export_redis_error(export_state *es, const redisReply *r)
{
    char    show[CM_REDIS_SHOWSZ];

    ctl_error(es->c, "consent store error: %s", r == 0 ? es->redis->errstr
	      : cm_redis_reply_show(show, sizeof(show), r));
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
	cm_redis_reply_free(r);
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

/* export_report - name a record or field that cannot be exported */

static void export_report(export_state *es, const export_key *k,
			          const cm_buf *why)
{
    cm_buf  key = CM_BUF_INIT;

    cm_buf_adds(&key, es->c->cfg.key_prefix);
    cm_buf_adds(&key, export_parts[k->kind]);
    cm_buf_add_safe(&key, k->id, k->len);
    ctl_error(es->c, "export: %s: %s", cm_buf_str(&key),
	      why->oom ? "out of memory" : cm_buf_str(why));
    cm_buf_free(&key);
    es->unfaithful++;
}

/* export_id_ok - can import store a row under exactly this id */

static int export_id_ok(export_state *es, const export_key *k, cm_buf *why)
{
    char    norm[CM_ID_SIZE];
    cm_addr_status status;
    const char *problem = 0;
    size_t  i;

    /* Ids lie back to back in the arena: never read past k->len. */
    if (memchr(k->id, 0, k->len) != 0)
	problem = "NUL byte";
    else if (es->c->key != 0) {
	/* export writes id:<hex>; import folds the hex to lower case. */
	for (i = 0; i < k->len && i < CTL_ROW_HEX; i++)
	    if (!((k->id[i] >= '0' && k->id[i] <= '9')
		  || (k->id[i] >= 'a' && k->id[i] <= 'f')))
		break;
	if (k->len != CTL_ROW_HEX || i != CTL_ROW_HEX)
	    problem = "not a record id (want 64 lower-case hex digits)";
    } else if (!cm_utf8_valid(k->id, k->len, (size_t *) 0)) {
	problem = "not valid UTF-8";
    } else if (k->len >= 3 && memcmp(k->id, "id:", 3) == 0) {
	problem = "would be read as an id:<hex> record id";
    } else if ((status = cm_addr_normalise(k->id, k->len, norm,
					   sizeof(norm))) != CM_ADDR_OK) {
	problem = cm_addr_strerror(status);
    } else if (strlen(norm) != k->len || memcmp(norm, k->id, k->len) != 0) {
	problem = "not in normal form (import would store it as another key)";
    }
    if (problem == 0)
	return (1);
    cm_buf_adds(why, "address ");
    ctl_row_show(why, k->id, k->len);
    cm_buf_printf(why, ": %s", problem);
    return (0);
}

/* export_time - a stored time that import reads back as the same bytes */

static int export_time(export_state *es, const char *label, const char *s,
		               size_t len, cm_buf *why, long long *when)
{
    const char *problem = 0;
    long long t = 0;
    size_t  n;

    /* Canonical decimal: import would rewrite "017..." or "1.5e9". */
    for (n = 0; n < len && s[n] >= '0' && s[n] <= '9'; n++)
	if (t <= CM_TIME_MAX)
	    t = t * 10 + (s[n] - '0');
    if (len == 0 || n != len || (s[0] == '0' && len > 1))
	problem = "not Unix seconds";
    else if (t > es->now + CM_TIME_FUTURE_MAX)
	problem = "more than " CM_STR(CM_TIME_FUTURE_MAX) " s in the future";
    if (problem == 0) {
	*when = t;
	return (1);
    }
    cm_buf_adds(why, label);
    ctl_row_show(why, s, len);
    cm_buf_printf(why, ": %s", problem);
    return (0);
}

/* export_text - a stored text that a row can carry */

static int export_text(const char *label, const char *s, size_t len,
		               cm_buf *why)
{
    const char *problem = memchr(s, 0, len) != 0 ? "NUL byte" :
	!cm_utf8_valid(s, len, (size_t *) 0) ? "not valid UTF-8" : 0;

    if (problem == 0)
	return (1);
    cm_buf_printf(why, "%s: ", label);
    ctl_row_show(why, s, len);
    cm_buf_printf(why, ": %s", problem);
    return (0);
}

/* export_row - check one built row as import will, then write it */

static int export_row(export_state *es, const export_key *k,
		              const char *const *v, const size_t *vlen,
		              const char *label, cm_buf *why)
{
    char   *f[CTL_ROW_FIELDS];
    size_t  off[CTL_ROW_FIELDS];
    ctl_row row;
    size_t  i;

    /* The row as CSV: what is written, and how long import finds it. */
    cm_buf_reset(&es->row);
    for (i = 0; i < CTL_ROW_FIELDS; i++) {
	if (i > 0)
	    cm_buf_addc(&es->row, ',');
	cm_csv_field(&es->row, v[i], vlen[i]);
    }
    cm_buf_reset(why);
    if (es->row.len > CM_CSV_RECORD_MAX) {
	cm_buf_printf(why, "%s: the row would be longer than %d bytes, the "
		      "most that import reads", label, CM_CSV_RECORD_MAX);
	return (0);
    }

    /* The fields as import's reader returns them, and import's checks. */
    cm_buf_reset(&es->fields);
    for (i = 0; i < CTL_ROW_FIELDS; i++) {
	off[i] = es->fields.len;
	cm_buf_add(&es->fields, v[i], vlen[i]);
	cm_buf_addc(&es->fields, 0);
    }
    if (es->fields.oom || es->row.oom) {
	cm_buf_adds(why, "out of memory");
	return (0);
    }
    for (i = 0; i < CTL_ROW_FIELDS; i++)
	f[i] = es->fields.data + off[i];
    cm_buf_adds(why, "import would refuse the row: ");
    if (!ctl_row_check(es->c, f, CTL_ROW_FIELDS, es->now, &row, why))
	return (0);
    if (strlen(row.id) != k->len || memcmp(row.id, k->id, k->len) != 0) {
	cm_buf_adds(why, "it would be stored under another key");
	return (0);
    }
    cm_buf_add(&es->out, es->row.data, es->row.len);
    cm_buf_addc(&es->out, '\n');
    return (1);
}

/* export_when - the time column: RFC 3339 UTC, or the stored seconds */

static void export_when(export_state *es, long long t, const char *s,
			        size_t len, const char **v, size_t *vlen)
{

    /*
     * Canonical seconds in range (export_time() checked) format and
     * parse back exactly: cm_time_parse() of the text gives t, and
     * the writer stores t as the same decimal digits.
     */
    if (es->unix_times) {
	*v = s;
	*vlen = len;
    } else {
	*v = cm_time_format(t, es->when, sizeof(es->when));
	*vlen = strlen(*v);
    }
}

/* export_address - the first column: the id, or id:<hex> */

static void export_address(export_state *es, const export_key *k,
			           const char **v, size_t *vlen)
{
    cm_buf_reset(&es->key);
    if (es->c->key != 0)
	cm_buf_adds(&es->key, "id:");
    cm_buf_add(&es->key, k->id, k->len);
    v[0] = cm_buf_str(&es->key);
    vlen[0] = es->key.len;
}

/* hash_get - the value of field name+suffix in an HGETALL reply */

static const redisReply *hash_get(const redisReply *r, const char *name,
				          size_t len, const char *suffix)
{
    size_t  slen = strlen(suffix);
    size_t  i;

    for (i = 0; i + 1 < r->elements; i += 2)
	if (r->element[i]->type == REDIS_REPLY_STRING
	    && r->element[i + 1]->type == REDIS_REPLY_STRING
	    && r->element[i]->len == len + slen
	    && memcmp(r->element[i]->str, name, len) == 0
	    && memcmp(r->element[i]->str + len, suffix, slen) == 0)
	    return (r->element[i + 1]);
    return (0);
}

/* field_name - 'field "NAME+SUFFIX": ' */

static void field_name(cm_buf *why, const redisReply *name, const char *suffix)
{
    cm_buf_adds(why, "field \"");
    cm_buf_add_safe(why, name->str, name->len);
    cm_buf_printf(why, "%s\": ", suffix);
}

/* export_purpose - the row of one purpose, or why there is none */

static void export_purpose(export_state *es, const export_key *k,
			           const redisReply *r, const redisReply *name,
			           cm_buf *why)
{
    const redisReply *state = hash_get(r, name->str, name->len, "");
    const redisReply *at = hash_get(r, name->str, name->len,
				    CM_SUFFIX_AT);
    const redisReply *src = hash_get(r, name->str, name->len,
				     CM_SUFFIX_SRC);
    const char *v[CTL_ROW_FIELDS];
    size_t  vlen[CTL_ROW_FIELDS];
    char    at_label[CM_PURPOSE_MAX + 16];
    char    src_label[CM_PURPOSE_MAX + 16];
    cm_consent_state known;
    long long when = 0;
    int     ok = 0;

    /* Used only once the name is known to be a purpose. */
    snprintf(at_label, sizeof(at_label), "field \"%.*s:at\": ",
	     (int) (name->len > CM_PURPOSE_MAX ? CM_PURPOSE_MAX : name->len),
	     name->str);
    snprintf(src_label, sizeof(src_label), "field \"%.*s:src\"",
	     (int) (name->len > CM_PURPOSE_MAX ? CM_PURPOSE_MAX : name->len),
	     name->str);

    /* The first problem found is the one named. */
    cm_buf_reset(why);
    if (name->len > CM_PURPOSE_MAX || strlen(name->str) != name->len
	|| !cm_purpose_valid(name->str)) {
	field_name(why, name, "");
	cm_buf_adds(why, "not a purpose (want 1 to 64 of a-z 0-9 . _ -)");
    } else if (cm_record_state(state, &known) < 0) {
	field_name(why, name, "");
	ctl_row_show(why, state->str, state->len);
	cm_buf_adds(why, ": want granted or withdrawn");
    } else if (at == 0) {
	field_name(why, name, CM_SUFFIX_AT);
	cm_buf_adds(why, "missing");
    } else if (!export_time(es, at_label, at->str, at->len, why, &when)) {
	/* export_time() said why */ ;
    } else if (src != 0 && !export_text(src_label, src->str, src->len, why)) {
	/* export_text() said why */ ;
    } else {
	/* A missing source is written, and imported, as an empty one. */
	export_address(es, k, v, vlen);
	v[1] = name->str;
	vlen[1] = name->len;
	v[2] = state->str;
	vlen[2] = state->len;
	export_when(es, when, at->str, at->len, v + 3, vlen + 3);
	v[4] = src ? src->str : "";
	vlen[4] = src ? src->len : 0;
	ok = export_row(es, k, v, vlen, src_label, why);
    }
    if (!ok)
	export_report(es, k, why);
}

/* export_orphans - name fields that belong to no purpose */

static void export_orphans(export_state *es, const export_key *k,
			           const redisReply *r, cm_buf *why)
{
    const redisReply *name;
    const char *colon;
    size_t  i, plen;

    for (i = 0; i + 1 < r->elements; i += 2) {
	name = r->element[i];
	if (name->type != REDIS_REPLY_STRING
	    || (colon = memchr(name->str, ':', name->len)) == 0)
	    continue;
	plen = (size_t) (colon - name->str);
	if (es->purpose != 0 && (plen != strlen(es->purpose)
				 || memcmp(name->str, es->purpose, plen) != 0))
	    continue;
	cm_buf_reset(why);
	cm_buf_adds(why, "field \"");
	cm_buf_add_safe(why, name->str, name->len);
	if (strcmp(colon, CM_SUFFIX_AT) != 0
	    && strcmp(colon, CM_SUFFIX_SRC) != 0) {
	    cm_buf_adds(why, "\": not a field of a consent record (want "
			"PURPOSE, PURPOSE:at or PURPOSE:src)");
	} else if (hash_get(r, name->str, plen, "") == 0) {
	    cm_buf_adds(why, "\": no purpose field \"");
	    cm_buf_add_safe(why, name->str, plen);
	    cm_buf_addc(why, '"');
	} else {
	    continue;
	}
	export_report(es, k, why);
    }
}

/* export_consent - the rows of one consent hash */

static int export_consent(export_state *es, const export_key *k,
			          const redisReply *r)
{
    const redisReply **names;
    cm_buf  why = CM_BUF_INIT;
    size_t  n = 0;
    size_t  i;

    if ((names = malloc((r->elements / 2 + 1) * sizeof(*names))) == 0) {
	ctl_error(es->c, "out of memory");
	return (CTL_EX_SOFTWARE);
    }

    /* Purpose fields: no ':' (purposes have none), not "#ref". */
    for (i = 0; i + 1 < r->elements; i += 2) {
	if (r->element[i]->type != REDIS_REPLY_STRING
	    || r->element[i + 1]->type != REDIS_REPLY_STRING
	    || !cm_consent_field_is_purpose(r->element[i]->str,
					    r->element[i]->len))
	    continue;
	if (es->purpose != 0 && (r->element[i]->len != strlen(es->purpose)
				 || memcmp(r->element[i]->str, es->purpose,
					   r->element[i]->len) != 0))
	    continue;
	names[n++] = r->element[i];
    }
    qsort(names, n, sizeof(*names), reply_cmp);

    /* A bad address spoils every row of the record: say so once. */
    if (n > 0 && !export_id_ok(es, k, &why)) {
	export_report(es, k, &why);
    } else {
	for (i = 0; i < n; i++)
	    export_purpose(es, k, r, names[i], &why);
    }
    export_orphans(es, k, r, &why);
    cm_buf_free(&why);
    free(names);
    return (0);
}

/* export_suppress - the row of one suppression: "<time> <reason>" */

static void export_suppress(export_state *es, const export_key *k,
			            const redisReply *r)
{
    const char *sp = memchr(r->str, ' ', r->len);
    size_t  tlen = sp ? (size_t) (sp - r->str) : r->len;
    const char *v[CTL_ROW_FIELDS];
    size_t  vlen[CTL_ROW_FIELDS];
    cm_buf  why = CM_BUF_INIT;
    long long when = 0;
    int     ok = 0;

    /* The first problem found is the one named. */
    if (!export_id_ok(es, k, &why)) {
	/* export_id_ok() said why */ ;
    } else if (!export_time(es, "time ", r->str, tlen, &why, &when)) {
	/* export_time() said why */ ;
    } else if (sp != 0 && tlen + 1 == r->len) {
	/* Import would store "<time>": the space would be lost. */
	cm_buf_adds(&why, "an empty reason after the time");
    } else if (sp == 0 || export_text("reason", sp + 1, r->len - tlen - 1,
				      &why)) {
	export_address(es, k, v, vlen);
	v[1] = "*";
	vlen[1] = 1;
	v[2] = CM_STATE_SUPPRESSED;
	vlen[2] = strlen(v[2]);
	export_when(es, when, r->str, tlen, v + 3, vlen + 3);
	v[4] = sp ? sp + 1 : "";
	vlen[4] = sp ? r->len - tlen - 1 : 0;
	ok = export_row(es, k, v, vlen, "reason", &why);
    }
    if (!ok)
	export_report(es, k, &why);
    cm_buf_free(&why);
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
	} else if (r->type == REDIS_REPLY_ERROR && r->len >= 9
		   && memcmp(r->str, "WRONGTYPE", 9) == 0) {
	    /* Another tool's key under our name: not a record. */
	    cm_buf_reset(&es->row);
	    cm_buf_add_safe(&es->row, r->str, r->len);
	    export_report(es, es->keys + i, &es->row);
	} else if (r->type != REDIS_REPLY_NIL) {
	    status = export_redis_error(es, r);	/* nil: deleted meanwhile */
	}
	cm_redis_reply_free(r);
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
		      "stdout, sorted.\nSuppressions are always included. "
		      "Times are RFC 3339 UTC;\n--unix-times writes Unix "
		      "seconds.\n", c->progname, EXPORT_USAGE, IMPORT_HEADER);
	return (CTL_EX_OK);
    }
    memset(&es, 0, sizeof(es));
    es.c = c;
    es.now = (long long) time((time_t *) 0);
    for (i = 1; i < (size_t) argc; i++) {
	if (strcmp(argv[i], "--purpose") == 0 && i + 1 < (size_t) argc
	    && es.purpose == 0 && cm_purpose_valid(argv[i + 1]))
	    es.purpose = argv[++i];
	else if (strcmp(argv[i], "--unix-times") == 0 && !es.unix_times)
	    es.unix_times = 1;
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
    if (status == 0 && es.unfaithful > 0) {
	ctl_error(c, "export: %lu records or fields could not be exported "
		  "faithfully (named above); every other row was written",
		  es.unfaithful);
	status = CTL_EX_DATAERR;
    }

done:
    free(es.keys);
    cm_buf_free(&es.ids);
    cm_buf_free(&es.key);
    cm_buf_free(&es.out);
    cm_buf_free(&es.row);
    cm_buf_free(&es.fields);
    return (status);
}
