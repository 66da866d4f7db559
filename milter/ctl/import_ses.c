/*++
/* NAME
/*	import_ses 3
/* SUMMARY
/*	consentctl import: Amazon SES suppression list and contact lists
/* SYNOPSIS
/*	#include "import_source.h"
/*
/*	const imp_provider imp_ses;
/* DESCRIPTION
/*	Reads the JSON that the SES v2 API (and "aws sesv2") returns:
/* .IP "list-suppressed-destinations: SuppressedDestinationSummaries[]"
/*	EmailAddress, Reason BOUNCE or COMPLAINT, LastUpdateTime: both
/*	suppressed at LastUpdateTime. SES itself sends nothing to such an
/*	address, for any topic: a bounce means the address does not take
/*	mail, a complaint that the person wants none.
/* .IP "list-contacts: Contacts[]"
/*	EmailAddress, TopicPreferences[] (TopicName, SubscriptionStatus
/*	OPT_IN or OPT_OUT), UnsubscribeAll, LastUpdatedTimestamp. A topic
/*	maps to a purpose by --map-list TOPIC=PURPOSE (else --purpose for
/*	every topic). OPT_OUT: withdrawn; OPT_IN: granted (an explicit
/*	choice of the person, not a topic default). An OPT_OUT of a topic
/*	that maps to nothing is never dropped silently (imp_unmapped(3)):
/*	without --purpose and --map-list the record is bad; a topic left
/*	out of --map-list is skipped and counted. UnsubscribeAll true:
/*	suppressed, whatever --purpose and --map-list say, and no grant:
/*	the person left every topic of the list, those we know and those
/*	we do not, which is what a suppression means. All at
/*	LastUpdatedTimestamp, the only time SES gives.
/* .PP
/*	SES has no CSV export of either: its export jobs
/*	(CreateExportJob, CSV or JSON to S3) cover only metrics and
/*	message insights, and the only CSV it knows for the suppression
/*	list is the input of a bulk import job (CreateImportJob:
/*	EMAIL,REASON per line, no header, no time). A CSV file is refused
/*	with that reason.
/*
/*	TopicDefaultPreferences are not consent of the person and give no
/*	event. The evidence names the file and line of the record, the
/*	reason or topic.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <string.h>
#include <strings.h>

/* Application-specific. */

#include "import_source.h"

static const char *const jarrays[] = {
    "SuppressedDestinationSummaries", "Contacts", 0,
};

#define SES_SUPPRESSED	0
#define SES_CONTACTS	1

/* ses_header - SES hands out JSON only */

static int ses_header(imp_source *s, char **f, size_t nf, cm_buf *why)
{
    (void) s;
    (void) f;
    (void) nf;
    cm_buf_adds(why, "--from ses reads the JSON of list-suppressed-"
		"destinations or list-contacts, not CSV: SES exports neither "
		"as CSV (its CSV is the input of a bulk import job, with no "
		"times)");
    return (0);
}

/* ses_row - never called: the header refuses CSV */

static int ses_row(imp_source *s, char **f, size_t nf, imp_out *out,
		           cm_buf *why)
{
    (void) out;
    return (ses_header(s, f, nf, why));
}

/* str - a string member, or "" */

static const char *str(const cm_jobject *o, const char *key)
{
    const char *v = cm_jobject_string(o, key);

    return (v ? v : "");
}

/* ses_jrow - one suppressed destination or one contact */

static int ses_jrow(imp_source *s, const char *text, size_t len,
		            imp_out *out, cm_buf *why)
{
    const cm_jmember *m;
    char    err[256];
    const char *addr, *reason, *topic, *ss, *purpose;
    long long at;
    size_t  pos, es, elen;
    cm_buf *b;

    if (cm_jobject_parse(&s->obj, text, len, err, sizeof(err)) != 0) {
	cm_buf_printf(why, "record: %s", err);
	return (0);
    }
    addr = str(&s->obj, "EmailAddress");
    s->raddr = addr;
    if (s->kind == SES_SUPPRESSED) {
	reason = str(&s->obj, "Reason");
	if (strcmp(reason, "BOUNCE") != 0 && strcmp(reason, "COMPLAINT") != 0) {
	    cm_buf_adds(why, "Reason ");
	    ctl_row_show(why, reason, strlen(reason));
	    cm_buf_adds(why, ": want BOUNCE or COMPLAINT");
	    return (0);
	}
	if (!imp_time(s, "LastUpdateTime", str(&s->obj, "LastUpdateTime"),
		      &at, why))
	    return (0);
	b = imp_evidence(s, out, "suppression_list");
	imp_evidence_add(b, "Reason", reason);
	return (imp_emit(s, out, addr, "suppressed", "*", at, why));
    }
    if (!imp_time(s, "LastUpdatedTimestamp",
		  str(&s->obj, "LastUpdatedTimestamp"), &at, why))
	return (0);
    if ((m = cm_jobject_get(&s->obj, "UnsubscribeAll")) != 0
	&& m->type == CM_JTYPE_TRUE) {
	/* Out of every topic, now and later: no purpose may mail them. */
	imp_evidence(s, out, "UnsubscribeAll");
	return (imp_emit(s, out, addr, "suppressed", "*", at, why));
    }
    if ((m = cm_jobject_get(&s->obj, "TopicPreferences")) == 0
	|| m->type != CM_JTYPE_ARRAY)
	return (1);
    pos = 1;
    while (imp_json_next(m->val, m->val_len - 1, &pos, &es, &elen)) {
	if (cm_jobject_parse(&s->sub, m->val + es, elen, err, sizeof(err)) != 0) {
	    cm_buf_printf(why, "TopicPreferences[]: %s", err);
	    return (0);
	}
	topic = str(&s->sub, "TopicName");
	ss = str(&s->sub, "SubscriptionStatus");
	if (strcmp(ss, "OPT_IN") != 0 && strcmp(ss, "OPT_OUT") != 0) {
	    cm_buf_adds(why, "topic ");
	    ctl_row_show(why, topic, strlen(topic));
	    cm_buf_adds(why, ": SubscriptionStatus ");
	    ctl_row_show(why, ss, strlen(ss));
	    cm_buf_adds(why, ": want OPT_IN or OPT_OUT");
	    return (0);
	}
	if ((purpose = imp_map_purpose(s, topic)) == 0) {
	    if (strcmp(ss, "OPT_OUT") == 0
		&& !imp_unmapped(s, "topic", topic, ss, why))
		return (0);
	    continue;				/* not one of ours */
	}
	b = imp_evidence(s, out, ss);
	imp_evidence_add(b, "TopicName", topic);
	if (!imp_emit(s, out, addr, strcmp(ss, "OPT_OUT") == 0 ?
		      "withdrawn" : "granted", purpose, at, why))
	    return (0);
    }
    return (1);
}

const imp_provider imp_ses = {
    "ses", ses_header, ses_row, jarrays, ses_jrow,
};
