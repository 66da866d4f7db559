/*++
/* NAME
/*	reconcile_trail 3
/* SUMMARY
/*	consentctl reconcile: the audit trail as tables
/* SYNOPSIS
/*	#include "reconcile.h"
/*
/*	void	ctl_recon_record(arg, obj, where)
/*	void	*arg;
/*	const cm_jobject *obj;
/*	const char *where;
/*
/*	fileinfo *ctl_recon_audit_file(r, name, len)
/*	recon	*r;
/*	const char *name;
/*	size_t	len;
/*
/*	void	ctl_recon_key(r, qid, qlen, kind, addr, alen)
/*	recon	*r;
/*	const char *qid;
/*	size_t	qlen;
/*	int	kind;
/*	const char *addr;
/*	size_t	alen;
/*
/*	long	ctl_recon_lookup(r, qid, qlen, addr)
/*	recon	*r;
/*	const char *qid;
/*	size_t	qlen;
/*	const cm_ml_span *addr;
/*
/*	long	ctl_recon_near(r, qid, qlen, addr)
/*	recon	*r;
/*	const char *qid;
/*	size_t	qlen;
/*	const cm_ml_span *addr;
/*
/*	long	ctl_recon_pick(r, run, head, t)
/*	recon	*r;
/*	long	run;
/*	long	head;
/*	long long t;
/*
/*	long	ctl_recon_message(r, run, t)
/*	recon	*r;
/*	long	run;
/*	long long t;
/* DESCRIPTION
/*	"consentctl reconcile" (ctl_reconcile.c) first reads the whole
/*	audit trail into tables, then holds each delivery in the maillog
/*	against them. This module is the trail's side: what is kept of
/*	a record, and the questions a delivery asks.
/*
/*	ctl_recon_record() is the ctl_audit_read() callback (arg is the
/*	recon): it keeps one audit record under "qid \e1 kind rcpt"
/*	(kind "a" for a normalised address, "i" for a record id, "f"
/*	for the form in which the MTA stores an address the client
/*	wrote with a source route, a trailing dot or needless quotes),
/*	every record of a recipient in a chain, newest first (a record
/*	without a queue id but with a Message-ID, as written when the
/*	MTA gave the milter no {i}, under "\e2 msgid" in place of the
/*	queue id, for ctl_reconcile.c to link); it marks the queue id
/*	as one with audit records (the value in r->qids is its last run
/*	of records with one Message-ID), and counts the rest.
/*
/*	ctl_recon_audit_file() returns the audit file of this name,
/*	added when new.
/*
/*	ctl_recon_key() puts "qid \e1 kind addr" in r->key.
/*
/*	ctl_recon_lookup() returns the head of the chain of records for
/*	a logged address in the message of a queue id, found by its
/*	normalised form, or by its record id when AddressKeyFile is
/*	set; -1 when there is none. ctl_recon_near() does the same for
/*	a record written for another form of the address (see above).
/*
/*	ctl_recon_pick() returns the record of a chain (head) that
/*	decided a delivery logged at t (Unix seconds) under a queue id
/*	whose last run is run: the latest one made before it, up to
/*	RECON_GRACE_MS after (clocks, whole seconds); when every record
/*	is later, the latest; at the same millisecond, the one that is
/*	not "allow". It returns -1 when there is none, and when the
/*	record is an earlier message's: another message (another
/*	Message-ID, or none where it had one) left records under the
/*	same queue id after it and by the delivery.
/*
/*	ctl_recon_message() names the message of a queue id (whose last
/*	run is run) that a delivery logged at t belongs to: the run that
/*	began last by then (or, when every run is later, last of all);
/*	-1 when no record had a time.
/* DIAGNOSTICS
/*	Lack of memory ends the program (ctl_recon_oom()).
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <string.h>

/* Application-specific. */

#include "addrcanon.h"
#include "address.h"
#include "auditlog.h"
#include "ctl.h"
#include "jsonread.h"
#include "maillog.h"
#include "reconcile.h"

#define RECON_GRACE_MS	60000		/* a record after its delivery, by the clocks */

/* intern - one copy of each field value */

static const char *intern(recon *r, const char *s, size_t len)
{
    return (s ? ctl_recon_put(r, &r->strings, s, len)->key : 0);
}

/* member - a string member with its length; NULL when absent */

static const char *member(const cm_jobject *obj, const char *key, size_t *len)
{
    const cm_jmember *m = cm_jobject_get(obj, key);

    if (m == 0 || m->type != CM_JTYPE_STRING)
	return (0);
    *len = m->val_len;
    return (m->val);
}

/* ctl_recon_audit_file - the audit file of this name, added when new */

fileinfo *ctl_recon_audit_file(recon *r, const char *name, size_t len)
{
    size_t  i;

    /* Records come file by file: the last one nearly always matches. */
    for (i = r->nafiles; i-- > 0;)
	if (strlen(r->afiles[i].name) == len
	    && memcmp(r->afiles[i].name, name, len) == 0)
	    return (r->afiles + i);
    if (r->nafiles == r->aafiles) {
	r->aafiles = r->aafiles ? r->aafiles * 2 : 8;
	r->afiles = ctl_recon_grow(r, r->afiles, r->aafiles, sizeof(*r->afiles));
    }
    r->afiles[r->nafiles].name = ctl_recon_save(r, name, len);
    r->afiles[r->nafiles].count = 0;
    return (r->afiles + r->nafiles++);
}

/* ctl_recon_key - "qid \1 kind addr" in r->key */

void    ctl_recon_key(recon *r, const char *qid, size_t qlen, char kind,
		              const char *addr, size_t alen)
{
    cm_buf_reset(&r->key);
    cm_buf_add(&r->key, qid, qlen);
    cm_buf_addc(&r->key, '\1');
    cm_buf_addc(&r->key, kind);
    cm_buf_add(&r->key, addr, alen);
}

/* stored_form - the form in which the MTA stores a recipient; 0: the same */

static int stored_form(const char *addr, size_t len, char *out, size_t size)
{
    /*
     * Postfix drops a source route (@relay:user@domain), a trailing dot
     * of the domain and needless quotes ("bob"@example.org), as
     * cm_addr_canonical() does for a sender; the milter saw, and the
     * trail holds, what the client sent. Such a record explains a
     * delivery that has no record of its own: the report shows it.
     */
    return (cm_addr_canonical(addr, len, out, size) == CM_ADDR_OK
	    && (strlen(out) != len || memcmp(out, addr, len) != 0));
}

/* rec_new - room for one more record */

static void rec_new(recon *r)
{
    if (r->nrecs == r->arecs) {
	r->arecs = r->arecs ? r->arecs * 2 : 1024;
	r->recs = ctl_recon_grow(r, r->recs, r->arecs, sizeof(*r->recs));
    }
}

/* newer - does record a come after record b (at the same time, a refusal) */

static int newer(const arec *a, const arec *b)
{
    return (a->ms > b->ms || (a->ms == b->ms && !a->allow && b->allow));
}

/* chain_add - one more record for a recipient of a queue id */

static void chain_add(recon *r, long head, const arec *a)
{
    long    n, prev, at;

    /*
     * Newest first from head, which stays the head: the tables (the
     * stored form's key too) point there. A newer record takes the
     * head's place and the head moves down.
     */
    rec_new(r);
    n = (long) r->nrecs++;
    if (newer(a, r->recs + head)) {
	r->recs[n] = r->recs[head];
	r->recs[head] = *a;
	r->recs[head].form = r->recs[n].form;
	r->recs[head].older = n;
	return;
    }
    for (prev = head, at = r->recs[head].older;
	 at >= 0 && !newer(a, r->recs + at);
	 prev = at, at = r->recs[at].older)
	 /* void */ ;
    r->recs[n] = *a;
    r->recs[n].form = r->recs[head].form;
    r->recs[n].older = at;
    r->recs[prev].older = n;
}

/* run_add - one more record of a queue id, in its runs */

static void run_add(recon *r, const char *qid, size_t qlen,
		            const char *msgid, long long ms)
{
    slot   *sl = ctl_recon_put(r, &r->qids, qid, qlen);
    qrun   *q;

    if (sl->val < 0 || r->runs[sl->val].msgid != msgid) {
	if (r->nruns == r->aruns) {
	    r->aruns = r->aruns ? r->aruns * 2 : 1024;
	    r->runs = ctl_recon_grow(r, r->runs, r->aruns, sizeof(*r->runs));
	}
	q = r->runs + r->nruns;
	q->msgid = msgid;
	q->first = q->last = -1;
	q->next = sl->val;
	sl->val = (long) r->nruns++;
    }
    q = r->runs + sl->val;
    if (ms >= 0 && (q->first < 0 || ms < q->first))
	q->first = ms;
    if (ms > q->last)
	q->last = ms;
}

/* superseded - did another message leave records after a, by until (ms) */

static int superseded(recon *r, long run, const arec *a, long long until)
{
    const qrun *q;

    /*
     * Postfix's short queue ids come back. Without this, June's allow
     * for bob cleared December's delivery to bob under the same id,
     * of a message with no record for him (a recipient that the MTA
     * or a later milter added). A message's own records are one run
     * (interned Message-IDs compare as pointers), or two when the
     * recipients refused at RCPT came first, with no Message-ID yet:
     * those are older than the records that follow them, and never
     * supersede them. (They are superseded by them; a recipient
     * refused at RCPT and delivered is a finding either way.)
     */
    for (; run >= 0; run = q->next) {
	q = r->runs + run;
	if (q->msgid != a->msgid && q->first >= 0 && q->first <= until
	    && q->last > a->ms)
	    return (1);
    }
    return (0);
}

/* ctl_recon_pick - the record that decided a delivery at time t (seconds) */

long    ctl_recon_pick(recon *r, long run, long head, long long t)
{
    long long until = t * 1000 + RECON_GRACE_MS;
    long    at;

    /*
     * The latest one made before it: a short queue id comes back after
     * a while, and a later message's records must neither clear an
     * old delivery nor judge it. When every record is later (clocks
     * apart by more than the grace), the latest, as for one record.
     * The grace that lets a record count lets another message's
     * records count against it: a false alarm, never a missed finding.
     */
    if (head < 0 || t < 0)
	return (head);
    for (at = head; at >= 0; at = r->recs[at].older)
	if (r->recs[at].ms <= until)
	    break;
    if (at < 0)
	return (head);
    return (superseded(r, run, r->recs + at, until) ? -1 : at);
}

/* ctl_recon_message - the run of the message a delivery at t belongs to */

long    ctl_recon_message(recon *r, long run, long long t)
{
    long long until = t * 1000 + RECON_GRACE_MS;
    long    by = -1, last = -1;
    const qrun *q;

    /*
     * A message's records are one run, after the run of those refused
     * at RCPT, if any: the run that began last by the delivery. Records
     * of messages without a Message-ID that follow one another under a
     * queue id make one run: those messages are one here.
     */
    for (; run >= 0; run = q->next) {
	q = r->runs + run;
	if (q->first < 0)
	    continue;
	if (q->first <= until && (by < 0 || q->first > r->runs[by].first))
	    by = run;
	if (last < 0 || q->first > r->runs[last].first)
	    last = run;
    }
    return (by >= 0 ? by : last);
}

/* ctl_recon_record - remember one audit line */

void    ctl_recon_record(void *arg, const cm_jobject *obj, const char *where)
{
    recon  *r = arg;
    const char *qid, *rcpt, *s, *colon;
    size_t  qlen, rlen, len = 0;
    char    norm[CM_ID_SIZE];
    char    form[CM_ID_SIZE];
    char    kind = 'a';
    long long ms;
    arec    a;
    slot   *sl;

    /*
     * A torn line: not a record, but its queue id (when it survived)
     * makes the message one with records, so that its deliveries are
     * held against the trail rather than passed as ordinary mail.
     */
    if (cm_jobject_get(obj, "damaged") != 0) {
	r->a_damaged++;
	if ((qid = member(obj, "qid", &qlen)) != 0 && qlen > 0)
	    run_add(r, qid, qlen, 0, -1);
	return;
    }
    if ((colon = strrchr(where, ':')) == 0)
	colon = where + strlen(where);
    ctl_recon_audit_file(r, where, colon - where)->count++;
    r->a_records++;
    memset(&a, 0, sizeof(a));
    a.ms = -1;
    if (ctl_audit_time(cm_jobject_string(obj, "time"), &ms) == 0) {
	a.ms = ms;
	ctl_recon_span(ms / 1000, &r->a_first, &r->a_last);
    }
    s = member(obj, "msgid", &len);
    a.msgid = intern(r, s, len);
    if ((qid = member(obj, "qid", &qlen)) == 0 || qlen == 0) {
	r->a_noqid++;

	/*
	 * Refused at RCPT before Postfix gave the message a queue id: no
	 * Message-ID yet, and never delivered. Records written when the
	 * MTA passed no {i} have one, and their message would pass as
	 * ordinary mail: they are kept under "\2" and the Message-ID,
	 * for the queue id that the maillog gives with it.
	 */
	if (a.msgid == 0 || *a.msgid == 0)
	    return;
	cm_buf_reset(&r->qkey);
	cm_buf_addc(&r->qkey, '\2');
	cm_buf_adds(&r->qkey, a.msgid);
	qid = r->qkey.data;
	qlen = r->qkey.len;
    }
    run_add(r, qid, qlen, a.msgid, a.ms);

    /* The recipient: normalised again (old trails), or its record id. */
    if ((rcpt = member(obj, "rcpt", &rlen)) != 0) {
	if (cm_addr_normalise(rcpt, rlen, norm, sizeof(norm)) == CM_ADDR_OK) {
	    rcpt = norm;
	    rlen = strlen(norm);
	}
    } else if ((rcpt = member(obj, "rcpt_id", &rlen)) != 0) {
	kind = 'i';
	r->a_pseudo++;
    } else {
	return;					/* a MAIL-stage line */
    }
    s = member(obj, "decision", &len);
    a.decision = intern(r, s, len);
    a.allow = s != 0 && len == 5 && memcmp(s, "allow", 5) == 0;
    s = member(obj, "reason", &len);
    a.reason = intern(r, s, len);
    s = member(obj, "action", &len);
    a.action = intern(r, s, len);
    s = member(obj, "mode", &len);
    a.mode = intern(r, s, len);
    s = member(obj, "campaign", &len);
    a.campaign = intern(r, s, len);

    /* Every record of the recipient is kept: see chain_add(). */
    a.older = -1;
    ctl_recon_key(r, qid, qlen, kind, rcpt, rlen);
    sl = ctl_recon_put(r, &r->rcpts, r->key.data, r->key.len);
    if (sl->val >= 0) {
	chain_add(r, sl->val, &a);
	return;
    }
    rec_new(r);
    sl->val = (long) r->nrecs;
    if (kind == 'a' && stored_form(rcpt, rlen, form, sizeof(form))) {
	a.form = ctl_recon_save(r, rcpt, rlen);
	ctl_recon_key(r, qid, qlen, 'f', form, strlen(form));
	ctl_recon_put(r, &r->rcpts, r->key.data, r->key.len)->val = (long) r->nrecs;
    }
    r->recs[r->nrecs++] = a;
}

/* ctl_recon_lookup - the record of one logged address in a message, or -1 */

long    ctl_recon_lookup(recon *r, const char *qid, size_t qlen,
		                 const cm_ml_span *addr)
{
    char    norm[CM_ID_SIZE];
    char    id[CM_ID_SIZE];
    long    v;

    if (addr->len == 0
	|| cm_addr_normalise(addr->ptr, addr->len, norm, sizeof(norm)) != CM_ADDR_OK)
	return (-1);
    ctl_recon_key(r, qid, qlen, 'a', norm, strlen(norm));
    if ((v = ctl_recon_get(&r->rcpts, r->key.data, r->key.len)) >= 0 || r->c->key == 0)
	return (v);
    cm_addr_record_id(r->c->key, norm, strlen(norm), id, sizeof(id));
    ctl_recon_key(r, qid, qlen, 'i', id, strlen(id));
    return (ctl_recon_get(&r->rcpts, r->key.data, r->key.len));
}

/* ctl_recon_near - a record of the message for another form of the address */

long    ctl_recon_near(recon *r, const char *qid, size_t qlen,
		               const cm_ml_span *addr)
{
    char    norm[CM_ID_SIZE];

    if (addr->len == 0
	|| cm_addr_normalise(addr->ptr, addr->len, norm, sizeof(norm)) != CM_ADDR_OK)
	return (-1);
    ctl_recon_key(r, qid, qlen, 'f', norm, strlen(norm));
    return (ctl_recon_get(&r->rcpts, r->key.data, r->key.len));
}
