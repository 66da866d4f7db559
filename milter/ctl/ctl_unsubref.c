/*++
/* NAME
/*	ctl_unsubref 3
/* SUMMARY
/*	consentctl unsubscribe-refs: opt-out references for an old store
/* SYNOPSIS
/*	#include "ctl.h"
/*
/*	int	ctl_unsubscribe_refs(c, argc, argv)
/*	ctl	*c;
/*	int	argc;
/*	char	**argv;
/* DESCRIPTION
/*	ctl_unsubscribe_refs() implements "unsubscribe-refs": it gives
/*	every consent record (Pconsent:<id>) and every campaign
/*	(Pcampaign:<id>) that has none its opt-out reference
/*	(unsubref(3)), so that the daemon can add the relay's own
/*	List-Unsubscribe to mail for them (DESIGN.md section 14). The
/*	writers give references to what they write from now on; this is
/*	for what a store held before, and for a reference lost from
/*	Punsub:p:<n> or Punsub:c:<n> (restored from it, never repointed).
/*
/*	The store is read with SCAN; each batch of keys is one pipelined
/*	round of scripts. Running it twice changes nothing the second
/*	time (a record that has a reference keeps it), and records
/*	written meanwhile get theirs from the writer, so it is safe on a
/*	live store. On a terminal, a progress line counts the keys.
/*
/*	It prints what it did: "records: N given a reference, M had one;
/*	campaigns: ...".
/* DIAGNOSTICS
/*	Exit status: 0 done, 64 usage, 65 a damaged record (named), 69
/*	the store is unavailable.
/* SEE ALSO
/*	unsubref(3), the scripts.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Utility library. */

#include <hiredis/hiredis.h>

/* Application-specific. */

#include "ctl.h"
#include "redisconn.h"
#include "redisreply.h"
#include "schema.h"
#include "unsubref.h"

#define USAGE_REFS	"unsubscribe-refs"

typedef struct refs_count {
    unsigned long long scanned;
    unsigned long long fresh;		/* given one now */
    unsigned long long had;
} refs_count;

/* glob_escaped - a literal string for a SCAN MATCH pattern */

static void glob_escaped(cm_buf *b, const char *s)
{
    for (; *s; s++) {
	if (strchr("*?[]\\", *s))
	    cm_buf_addc(b, '\\');
	cm_buf_addc(b, *s);
    }
}

/* refs_pass - SCAN one kind of key, give references batch by batch */

static int refs_pass(ctl *c, const char *part, const char *label,
		             int campaigns, refs_count *n, int tty)
{
    const char *prefix = c->cfg.key_prefix ? c->cfg.key_prefix
    : CM_KEY_PREFIX_DEFAULT;
    size_t  skip = strlen(prefix) + strlen(part);
    cm_buf  pattern = CM_BUF_INIT;
    char    cursor[32] = "0", err[512], show[CM_REDIS_SHOWSZ];
    const char **ids = 0;
    cm_unsub_ref_result *res = 0;
    redisReply *r;
    size_t  i, k;
    int     status = CTL_EX_OK;

    glob_escaped(&pattern, prefix);
    glob_escaped(&pattern, part);
    cm_buf_addc(&pattern, '*');
    do {
	r = redisCommand(ctl_redis(c), "SCAN %s MATCH %s COUNT 1000", cursor,
			 cm_buf_str(&pattern));
	if (r == 0 || r->type != REDIS_REPLY_ARRAY || r->elements != 2
	    || r->element[0]->type != REDIS_REPLY_STRING
	    || r->element[1]->type != REDIS_REPLY_ARRAY) {
	    ctl_error(c, "consent store unavailable: SCAN: %s",
		      r == 0 ? ctl_redis(c)->errstr :
		      cm_redis_reply_show(show, sizeof(show), r));
	    if (r)
		cm_redis_reply_free(r);
	    status = CTL_EX_UNAVAILABLE;
	    break;
	}
	snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
	free(ids);
	free(res);
	ids = calloc(r->element[1]->elements + 1, sizeof(*ids));
	res = calloc(r->element[1]->elements + 1, sizeof(*res));
	if (ids == 0 || res == 0) {
	    ctl_error(c, "out of memory");
	    cm_redis_reply_free(r);
	    status = CTL_EX_SOFTWARE;
	    break;
	}
	for (k = i = 0; i < r->element[1]->elements; i++) {
	    redisReply *key = r->element[1]->element[i];

	    /* The id is the rest of the key; a binary-unsafe one is skipped. */
	    if (key->type == REDIS_REPLY_STRING && key->len > skip
		&& strlen(key->str) == key->len)
		ids[k++] = key->str + skip;
	}
	if (k > 0 && (campaigns ? cm_unsub_ref_campaigns :
		      cm_unsub_ref_people) (ctl_redis(c), prefix, ids, k, res,
					    0, err, sizeof(err)) < 0) {
	    ctl_error(c, "%s", err);
	    cm_redis_reply_free(r);
	    status = ctl_redis(c)->err ? CTL_EX_UNAVAILABLE : CTL_EX_DATAERR;
	    break;
	}
	for (i = 0; i < k; i++) {
	    n->scanned++;
	    n->fresh += (res[i] == CM_UNSUB_REF_NEW);
	    n->had += (res[i] == CM_UNSUB_REF_HAD);
	}
	cm_redis_reply_free(r);
	if (tty)
	    fprintf(stderr, "\r%s: %llu scanned, %llu given a reference ",
		    label, n->scanned, n->fresh);
    } while (strcmp(cursor, "0") != 0);
    if (tty)
	fprintf(stderr, "\r%*s\r", 60, "");
    free(ids);
    free(res);
    cm_buf_free(&pattern);
    return (status);
}

/* ctl_unsubscribe_refs - references for records and campaigns without */

int     ctl_unsubscribe_refs(ctl *c, int argc, char **argv)
{
    refs_count people = {0, 0, 0}, camps = {0, 0, 0};
    int     tty = isatty(2);
    int     status;

    (void) argv;
    if (argc != 1)
	return (ctl_usage(c, USAGE_REFS));
    if ((status = refs_pass(c, CM_KEY_CONSENT, "records", 0, &people,
			    tty)) != CTL_EX_OK
	|| (status = refs_pass(c, CM_KEY_CAMPAIGN, "campaigns", 1, &camps,
			       tty)) != CTL_EX_OK)
	return (status);
    printf("records: %llu given a reference, %llu had one; "
	   "campaigns: %llu given a reference, %llu had one\n",
	   people.fresh, people.had, camps.fresh, camps.had);
    return (CTL_EX_OK);
}
