/*++
/* NAME
/*	dkim 8
/* SUMMARY
/*	consent-milter plugin: only a signed campaign header counts
/* SYNOPSIS
/*	Plugin dkim dkim.so
/*	dkim.TrustedDomains example.org, news.example.org
/*	dkim.Require campaign-header
/*	dkim.KeyFile /etc/consent-milter/dkim-keys
/* DESCRIPTION
/*	A campaign header is only a claim: anyone who can submit mail can
/*	write "X-Campaign-ID: membership-receipts" (a service campaign)
/*	on a fundraising blast. This plugin verifies every DKIM signature
/*	of the message with libopendkim and lets a campaign taken from
/*	the header count only when a passing signature of a trusted
/*	domain covers that header field.
/* .IP "dkim.TrustedDomains LIST"
/*	Signing domains (d=) whose signatures count, separated by commas
/*	or spaces; matched exactly, case-insensitive. Required unless
/*	Require is none.
/* .IP "dkim.Require campaign-header|marketing|none"
/*	campaign-header (default): when the message has a campaign
/*	header field, a passing signature of a trusted domain must cover
/*	every field of that name in the message, else every recipient is
/*	denied with "campaign-unauthenticated" (any campaign basis: the
/*	forged claim is usually "service"). A second, unsigned copy of
/*	the field, above or below the signed one, fails the check. A
/*	signature with a body length limit (l=) vouches for nothing: what
/*	follows the signed part of the body is anyone's (RFC 6376
/*	section 8.2), so a receipt signed with l= could carry a
/*	fundraising appeal under its signed "service" header. Nor does a
/*	signature whose key says the domain is testing (t=y): verifiers
/*	must treat such mail as unsigned (RFC 6376 section 3.6.1).
/*	marketing: the above, and also every marketing message (basis
/*	consent) needs a passing signature of a trusted domain, however
/*	its campaign was found. none: verify and log, never veto.
/* .IP "dkim.KeyFile PATH"
/*	Public keys from a file instead of DNS (air-gapped relays,
/*	tests): lines "selector._domainkey.domain v=DKIM1; k=rsa; p=...";
/*	empty lines and lines that start with "#" are skipped; CRLF line
/*	ends and a UTF-8 byte order mark at the start are allowed, a name
/*	with a byte that no DNS name has (a non-breaking space pasted for
/*	a space) stops the start. The file is read once, by init, while
/*	the daemon is still root (it may be root's alone); a change takes
/*	a restart. Unset: keys come from DNS.
/* .PP
/*	Audit keys: "result" (pass, fail or none: the best signature),
/*	"domain", "selector" (of that signature), "campaign_signed" (yes,
/*	no; only when there is a campaign header), "error" with
/*	libopendkim's reason for a failed signature, and "unused" with
/*	the reason a passing signature of a trusted domain does not count
/*	("body-length": it has l=; "testing-key": its key has t=y).
/*
/*	The header value that libmilter hands over lacks the space after
/*	the colon and may use bare LF in folded lines; the plugin puts
/*	back one space and CRLF, which restores the header as almost
/*	every signer wrote it. Relaxed header canonicalisation (the
/*	common choice) does not depend on either.
/* DIAGNOSTICS
/*	init fails on a bad Require value, a missing TrustedDomains, or
/*	a KeyFile that cannot be read, that others may write (anyone
/*	could add a key and sign as a trusted domain), or that has a line
/*	without a key record or whose record's p= is missing or not
/*	base64 (naming the file and the line): a key that cannot be
/*	decoded would fail every signature it should verify, and every
/*	campaign message would be refused for good. A message whose keys
/*	cannot be fetched (DNS failure) or that libopendkim cannot process
/*	for lack of resources fails the hook: the message is retried later.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* Utility library. */

#include <opendkim/dkim.h>

/* The plugin interface. */

#include "consent-milter-plugin.h"

#define SIGNED_HDR_GUESS 64		/* fields one signature covers, usually */
#define KEY_RECORD_MAX	1024		/* libopendkim's key buffer, less NUL */
#define KEY_NAME_MAX	255		/* selector._domainkey.domain */

typedef enum dkim_require {
    REQUIRE_CAMPAIGN_HEADER, REQUIRE_MARKETING, REQUIRE_NONE
} dkim_require;

/* One line of KeyFile. */
typedef struct dkim_key {
    char   *name;			/* selector._domainkey.domain */
    char   *record;			/* v=DKIM1; k=rsa; p=... */
} dkim_key;

/* Read-only after init. */
typedef struct dkim_state {
    const cm_plugin_host *host;
    DKIM_LIB *lib;
    dkim_key *keys;			/* KeyFile, or none: DNS */
    size_t  nkeys;
    char   *trusted;			/* ",dom1,dom2," lower case */
    char   *campaign_header;		/* CampaignHeader */
    dkim_require require;
} dkim_state;

/* Per message. */
typedef struct dkim_msg {
    DKIM   *dkim;			/* NULL after a syntax error */
    int     campaign_fields;		/* campaign header fields seen */
    int     nosig;			/* no DKIM-Signature at all */
} dkim_msg;

/* add_trusted - parse TrustedDomains into ",a,b," */

static int add_trusted(dkim_state *st, const char *list)
{
    size_t  len = strlen(list);
    char   *out;
    char   *op;
    const char *cp;

    if ((out = malloc(len + 3)) == 0)
	return (-1);
    op = out;
    *op++ = ',';
    for (cp = list; *cp; cp++) {
	if (*cp == ',' || *cp == ' ' || *cp == '\t') {
	    if (op[-1] != ',')
		*op++ = ',';
	} else {
	    *op++ = (*cp >= 'A' && *cp <= 'Z') ? *cp - 'A' + 'a' : *cp;
	}
    }
    if (op[-1] != ',')
	*op++ = ',';
    *op = 0;
    st->trusted = out;
    return (0);
}

/* is_trusted - is this signing domain in TrustedDomains */

static int is_trusted(const dkim_state *st, const char *domain)
{
    size_t  len = strlen(domain);
    const char *cp;

    if (st->trusted == 0 || len == 0)
	return (0);
    for (cp = strchr(st->trusted, ','); cp && cp[1]; cp = strchr(cp + 1, ','))
	if (strncasecmp(cp + 1, domain, len) == 0 && cp[1 + len] == ',')
	    return (1);
    return (0);
}

/* is_space - white space between the name and the record of a key line */

static int is_space(int ch)
{
    return (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'
	    || ch == '\v' || ch == '\f');
}

/*
 * key_name_ok - selector._domainkey.domain, in the bytes of DNS names
 *
 * A name that could never be asked for is a mistake, often invisible:
 * a non-breaking space (0xa0 in cp1252, c2 a0 in UTF-8) pasted where
 * the space should be makes the whole line one name, and the key is
 * never found.
 */
static int key_name_ok(const char *name)
{
    return (name[strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQR"
			"STUVWXYZ0123456789.-_")] == 0
	    && strstr(name, "._domainkey.") > name);
}

/* key_bad - what is wrong with a key record's p= tag, or NULL */

static const char *key_bad(const char *rec)
{
    const char *cp = rec;
    const char *name;
    size_t  nlen;
    size_t  data = 0;
    size_t  pad = 0;

    /* tag-list (RFC 6376 section 3.2): name = value; ... */
    for (;;) {
	while (is_space(*cp))
	    cp++;
	name = cp;
	while (*cp && *cp != '=' && *cp != ';' && !is_space(*cp))
	    cp++;
	nlen = cp - name;
	while (is_space(*cp))
	    cp++;
	if (*cp != '=') {
	    if (*cp == 0)
		return ("no p= tag (the public key)");
	    if (*cp++ == ';' && nlen == 0)
		continue;
	    return ("a tag without \"=\"");
	}
	cp++;
	if (nlen == 1 && *name == 'p')
	    break;
	cp += strcspn(cp, ";");
	if (*cp == 0)
	    return ("no p= tag (the public key)");
	cp++;
    }

    /* The value: base64, white space allowed; empty: a revoked key. */
    for (; *cp && *cp != ';'; cp++) {
	if (is_space(*cp))
	    continue;
	if (*cp == '=')
	    pad++;
	else if (pad == 0 && strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
				   "opqrstuvwxyz0123456789+/", *cp) != 0)
	    data++;
	else
	    return ("p= is not base64");
    }
    if (pad > 2 || (data + pad) % 4 != 0 || (data == 0 && pad > 0))
	return ("p= is not base64");
    return (0);
}

/*
 * load_keys - read KeyFile into memory, at init
 *
 * libopendkim's own file method (DKIM_QUERY_FILE) opens the file for
 * every signature, after the daemon has dropped root: a key file that
 * is root's alone, as secrets and trust anchors should be, then fails
 * every signature with KEYFAIL, and every signed message is deferred
 * while "consent-milter -n", run as root, says all is well. So the file
 * is read here, once, and key_lookup() serves it. Lines are those that
 * the file method reads: "name record", name and record separated by
 * white space; "#" starts a comment line.
 */
static int load_keys(dkim_state *st, const char *name, const char *path,
		             char *err, size_t errlen)
{
    FILE   *fp;
    char   *line = 0;
    size_t  cap = 0;
    ssize_t len;
    char   *cp;
    char   *end;
    char   *rec;
    dkim_key *grown;
    const char *why;
    size_t  alloc = 0;
    int     lineno = 0;
    int     status = -1;
    struct stat sb;

    if ((fp = fopen(path, "r")) == 0) {
	(void) snprintf(err, errlen, "%s.KeyFile %.200s: cannot read it: %m",
			name, path);
	return (-1);
    }

    /*
     * The keys decide whose signatures vouch for a campaign: a file that
     * any local user may add a line to lets anyone sign as a trusted
     * domain. (Readable by all is fine: these are public keys.)
     */
    if (fstat(fileno(fp), &sb) != 0) {
	(void) snprintf(err, errlen, "%s.KeyFile %.200s: %m", name, path);
	(void) fclose(fp);
	return (-1);
    }
    if ((sb.st_mode & S_IWOTH) != 0) {
	(void) snprintf(err, errlen, "%s.KeyFile %.200s: writable by others "
			"(mode %04o): run chmod o-w on it", name, path,
			(unsigned) (sb.st_mode & 07777));
	(void) fclose(fp);
	return (-1);
    }
    while ((len = getline(&line, &cap, fp)) >= 0) {
	/* A byte order mark, as editors on Windows write: not the name. */
	if (++lineno == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0)
	    memmove(line, line + 3, (len -= 3) + 1);
	for (end = line + len; end > line && is_space(end[-1]); end--)
	     /* void */ ;
	*end = 0;
	for (cp = line; is_space(*cp); cp++)
	     /* void */ ;
	if (*cp == 0 || *line == '#')
	    continue;
	for (rec = cp; *rec && !is_space(*rec); rec++)
	     /* void */ ;
	if (*rec != 0)
	    *rec++ = 0;
	while (is_space(*rec))
	    rec++;
	why = *rec == 0 ? "no key record after the name" :
	    strlen(cp) > KEY_NAME_MAX ? "name longer than 255 bytes" :
	    !key_name_ok(cp) ? "the name is not selector._domainkey.domain "
	    "in letters, digits, '.', '-' and '_'" :
	    strlen(rec) > KEY_RECORD_MAX ? "key record longer than 1024 "
	    "bytes" : key_bad(rec);
	if (why != 0) {
	    (void) snprintf(err, errlen, "%s.KeyFile %.200s:%d: %s", name,
			    path, lineno, why);
	    goto out;
	}
	if (st->nkeys == alloc) {
	    alloc = alloc ? 2 * alloc : 8;
	    if ((grown = realloc(st->keys, alloc * sizeof(*grown))) == 0)
		goto oom;
	    st->keys = grown;
	}
	st->keys[st->nkeys].name = strdup(cp);
	st->keys[st->nkeys].record = strdup(rec);
	st->nkeys++;
	if (st->keys[st->nkeys - 1].name == 0
	    || st->keys[st->nkeys - 1].record == 0)
	    goto oom;
    }
    if (ferror(fp)) {
	(void) snprintf(err, errlen, "%s.KeyFile %.200s: read error: %m",
			name, path);
	goto out;
    }
    status = 0;
    goto out;
oom:
    (void) snprintf(err, errlen, "out of memory");
out:
    free(line);
    (void) fclose(fp);
    return (status);
}

/* key_lookup - libopendkim asks for a key: from KeyFile, in memory */

static DKIM_CBSTAT key_lookup(DKIM *dkim, DKIM_SIGINFO *sig, u_char *buf,
			              size_t buflen)
{
    const dkim_state *st = dkim_get_user_context(dkim);
    const char *selector = (const char *) dkim_sig_getselector(sig);
    const char *domain = (const char *) dkim_sig_getdomain(sig);
    char    name[KEY_NAME_MAX + 2];
    size_t  len;
    size_t  i;

    if (st == 0 || selector == 0 || domain == 0)
	return (DKIM_CBSTAT_ERROR);
    len = snprintf(name, sizeof(name), "%s._domainkey.%s", selector, domain);
    if (len >= sizeof(name))
	return (DKIM_CBSTAT_NOTFOUND);
    for (i = 0; i < st->nkeys; i++) {
	if (strcasecmp(st->keys[i].name, name) != 0)
	    continue;
	if ((len = strlen(st->keys[i].record)) >= buflen)
	    return (DKIM_CBSTAT_ERROR);
	memcpy(buf, st->keys[i].record, len + 1);
	return (DKIM_CBSTAT_CONTINUE);
    }
    return (DKIM_CBSTAT_NOTFOUND);
}

/* dp_init - options, and the libopendkim handle */

static int dp_init(const cm_plugin_host *host,
			            const cm_plugin_init *init, void **state,
			            char *err, size_t errlen)
{
    dkim_state *st;
    const char *v;
    const char *keyfile;

    if ((st = calloc(1, sizeof(*st))) == 0) {
	(void) snprintf(err, errlen, "out of memory");
	return (CM_PLUGIN_FAIL);
    }
    *state = st;
    st->host = host;
    if ((st->campaign_header = strdup(init->campaign_header)) == 0) {
	(void) snprintf(err, errlen, "out of memory");
	return (CM_PLUGIN_FAIL);
    }
    if ((v = host->option(init, "Require")) == 0
	|| strcasecmp(v, "campaign-header") == 0)
	st->require = REQUIRE_CAMPAIGN_HEADER;
    else if (strcasecmp(v, "marketing") == 0)
	st->require = REQUIRE_MARKETING;
    else if (strcasecmp(v, "none") == 0)
	st->require = REQUIRE_NONE;
    else {
	(void) snprintf(err, errlen, "%s.Require: expected campaign-header, "
			"marketing or none, not \"%.64s\"", init->name, v);
	return (CM_PLUGIN_FAIL);
    }
    if ((v = host->option(init, "TrustedDomains")) != 0
	&& add_trusted(st, v) != 0) {
	(void) snprintf(err, errlen, "out of memory");
	return (CM_PLUGIN_FAIL);
    }
    if (st->require != REQUIRE_NONE
	&& (st->trusted == 0 || strlen(st->trusted) < 3)) {
	(void) snprintf(err, errlen, "%s.TrustedDomains: required with "
			"%s.Require campaign-header or marketing", init->name,
			init->name);
	return (CM_PLUGIN_FAIL);
    }
    keyfile = host->option(init, "KeyFile");
    if (keyfile != 0 && load_keys(st, init->name, keyfile, err, errlen) != 0)
	return (CM_PLUGIN_FAIL);
    if ((st->lib = dkim_init(0, 0)) == 0) {
	(void) snprintf(err, errlen, "libopendkim: cannot initialise");
	return (CM_PLUGIN_FAIL);
    }
    if (keyfile != 0 && dkim_set_key_lookup(st->lib, key_lookup)
	!= DKIM_STAT_OK) {
	(void) snprintf(err, errlen, "%s.KeyFile: libopendkim refused the "
			"key lookup", init->name);
	return (CM_PLUGIN_FAIL);
    }
    return (CM_PLUGIN_OK);
}

/* dp_fini - close the library */

static void dp_fini(void *state)
{
    dkim_state *st = state;
    size_t  i;

    if (st == 0)
	return;
    if (st->lib != 0)
	dkim_close(st->lib);
    for (i = 0; i < st->nkeys; i++) {
	free(st->keys[i].name);
	free(st->keys[i].record);
    }
    free(st->keys);
    free(st->trusted);
    free(st->campaign_header);
    free(st);
}

/* msg_get - this message's state, with a verifying handle */

static dkim_msg *msg_get(const dkim_state *st, cm_plugin_msg *m)
{
    void  **slot = st->host->data(m);
    dkim_msg *dm;
    DKIM_STAT status;
    const char *qid;

    if (*slot != 0)
	return (*slot);
    if ((dm = calloc(1, sizeof(*dm))) == 0)
	return (0);
    qid = st->host->queue_id(m);
    dm->dkim = dkim_verify(st->lib, (const unsigned char *)
			   (qid ? qid : "consent-milter"), 0, &status);
    if (dm->dkim == 0) {
	free(dm);
	return (0);
    }
    /* For key_lookup(), which libopendkim calls with the handle alone. */
    (void) dkim_set_user_context(dm->dkim, (void *) st);
    *slot = dm;
    return (dm);
}

/* dp_header - hand one header field to libopendkim */

static int dp_header(void *state, cm_plugin_msg *m, const char *name,
			            const char *value)
{
    dkim_state *st = state;
    dkim_msg *dm;
    size_t  nlen = strlen(name);
    size_t  vlen = strlen(value);
    char   *field;
    char   *op;
    const char *cp;

    if ((dm = msg_get(st, m)) == 0)
	return (CM_PLUGIN_FAIL);
    if (strcasecmp(name, st->campaign_header) == 0)
	dm->campaign_fields++;
    if (dm->dkim == 0)
	return (CM_PLUGIN_OK);

    /* "Name: value", with CRLF in folded lines (see DESCRIPTION). */
    if ((field = malloc(nlen + 2 + 2 * vlen + 1)) == 0)
	return (CM_PLUGIN_FAIL);
    memcpy(field, name, nlen);
    op = field + nlen;
    *op++ = ':';
    *op++ = ' ';
    for (cp = value; *cp; cp++) {
	if (*cp == '\n' && (cp == value || cp[-1] != '\r'))
	    *op++ = '\r';
	*op++ = *cp;
    }
    if (dkim_header(dm->dkim, (unsigned char *) field, op - field)
	!= DKIM_STAT_OK) {
	/* A header libopendkim cannot parse: no signature can pass. */
	dkim_free(dm->dkim);
	dm->dkim = 0;
    }
    free(field);
    return (CM_PLUGIN_OK);
}

/* dp_eoh - end of the header */

static int dp_eoh(void *state, cm_plugin_msg *m)
{
    dkim_state *st = state;
    dkim_msg *dm;
    DKIM_STAT status;

    if ((dm = msg_get(st, m)) == 0)
	return (CM_PLUGIN_FAIL);
    if (dm->dkim == 0)
	return (CM_PLUGIN_OK);
    status = dkim_eoh(dm->dkim);
    if (status == DKIM_STAT_NOSIG)
	dm->nosig = 1;
    else if (status == DKIM_STAT_NORESOURCE || status == DKIM_STAT_INTERNAL)
	return (CM_PLUGIN_FAIL);
    return (CM_PLUGIN_OK);
}

/* dp_body - hash the body */

static int dp_body(void *state, cm_plugin_msg *m,
			          const unsigned char *chunk, size_t len)
{
    dkim_state *st = state;
    dkim_msg *dm = *st->host->data(m);

    if (dm == 0 || dm->dkim == 0 || dm->nosig)
	return (CM_PLUGIN_OK);
    if (dkim_body(dm->dkim, (unsigned char *) chunk, len)
	== DKIM_STAT_NORESOURCE)
	return (CM_PLUGIN_FAIL);
    return (CM_PLUGIN_OK);
}

/* covers_campaign - do this signature's covered fields include them all */

static int covers_campaign(const dkim_state *st, DKIM *dkim, DKIM_SIGINFO *sig,
			           int fields)
{
    size_t  clen = strlen(st->campaign_header);
    size_t  rowlen = clen + 2;		/* the name and what follows it */
    unsigned nhdrs = SIGNED_HDR_GUESS;
    unsigned alloc;
    unsigned char *hdrs = 0;
    const char *h;
    int     covered = 0;
    DKIM_STAT status;
    unsigned i;

    /*
     * dkim_sig_getsignedhdrs() returns the fields a *passing* signature
     * covers (dkim_sig_hdrsigned() would say yes for a failed one), one
     * per row, each cut to the row's length: only the name is needed.
     * When the signature's h= names more fields than there are rows, it
     * says how many and returns NORESOURCE: ask again with that many.
     * (A fixed number of rows made a signature of many fields, h= with
     * oversigned names, never cover the campaign header.)
     */
    for (;;) {
	alloc = nhdrs;
	free(hdrs);
	if ((hdrs = calloc(alloc, rowlen)) == 0)
	    return (-1);
	status = dkim_sig_getsignedhdrs(dkim, sig, hdrs, rowlen, &nhdrs);
	if (status != DKIM_STAT_NORESOURCE || nhdrs <= alloc)
	    break;
    }
    if (status == DKIM_STAT_NORESOURCE) {
	free(hdrs);
	return (-1);
    }
    if (status == DKIM_STAT_OK) {
	for (i = 0; i < nhdrs && i < alloc; i++) {
	    h = (const char *) hdrs + i * rowlen;
	    if (strncasecmp(h, st->campaign_header, clen) == 0
		&& (h[clen] == ':' || h[clen] == ' ' || h[clen] == '\t'))
		covered++;
	}
    }
    free(hdrs);
    return (covered >= fields && fields > 0);
}

/* unusable - why a passing signature cannot vouch for the message, or NULL */

static const char *unusable(DKIM *dkim, DKIM_SIGINFO *sig)
{
    ssize_t signlen = -1;

    /* t=y: the domain tests DKIM; its mail counts as unsigned. */
    if ((dkim_sig_getflags(sig) & DKIM_SIGFLAG_TESTKEY) != 0)
	return ("testing-key");
    /* l=: the rest of the body is unsigned, and could be anything. */
    if (dkim_sig_getcanonlen(dkim, sig, 0, 0, &signlen) != DKIM_STAT_OK
	|| signlen != (ssize_t) -1)
	return ("body-length");
    return (0);
}

/* dp_eom - verify, judge, and account */

static int dp_eom(void *state, cm_plugin_msg *m)
{
    dkim_state *st = state;
    const cm_plugin_host *host = st->host;
    dkim_msg *dm;
    DKIM_SIGINFO **sigs = 0;
    DKIM_SIGINFO *best = 0;
    int     nsigs = 0;
    int     best_rank = -1;
    int     trusted_pass = 0;
    int     campaign_signed = 0;
    int     rank;
    int     pass;
    int     covered;
    int     i;
    DKIM_STAT status;
    const char *domain;
    const char *why;
    const char *best_why = 0;

    if ((dm = msg_get(st, m)) == 0)
	return (CM_PLUGIN_FAIL);
    if (dm->dkim != 0 && !dm->nosig) {
	status = dkim_eom(dm->dkim, 0);
	if (status == DKIM_STAT_NORESOURCE || status == DKIM_STAT_INTERNAL
	    || (status == DKIM_STAT_KEYFAIL && st->require != REQUIRE_NONE)) {
	    host->log(m, CM_PLUGIN_LOG_WARNING, "cannot verify: %s",
		      dkim_getresultstr(status));
	    return (CM_PLUGIN_FAIL);
	}
	if (dkim_getsiglist(dm->dkim, &sigs, &nsigs) != DKIM_STAT_OK)
	    nsigs = 0;
    }

    /*
     * The best signature is reported: a trusted one that covers the
     * campaign header, then any trusted pass, any pass, any at all.
     */
    for (i = 0; i < nsigs; i++) {
	pass = DKIM_SIG_CHECK(sigs[i]);
	domain = (const char *) dkim_sig_getdomain(sigs[i]);
	rank = pass ? 1 : 0;
	why = 0;
	if (pass && domain != 0 && is_trusted(st, domain)
	    && (why = unusable(dm->dkim, sigs[i])) == 0) {
	    trusted_pass = 1;
	    rank = 2;
	    if (dm->campaign_fields > 0) {
		if ((covered = covers_campaign(st, dm->dkim, sigs[i],
					       dm->campaign_fields)) < 0)
		    return (CM_PLUGIN_FAIL);
		if (covered) {
		    campaign_signed = 1;
		    rank = 3;
		}
	    }
	}
	if (rank > best_rank) {
	    best_rank = rank;
	    best = sigs[i];
	    best_why = why;
	}
    }
    if (host->audit(m, "result", best == 0 ? "none" :
		    DKIM_SIG_CHECK(best) ? "pass" : "fail") != 0
	|| (best != 0
	    && (host->audit(m, "domain",
			  (const char *) dkim_sig_getdomain(best)) != 0
		|| host->audit(m, "selector",
			     (const char *) dkim_sig_getselector(best)) != 0))
	|| (best != 0 && !DKIM_SIG_CHECK(best)
	    && host->audit(m, "error",
		      dkim_sig_geterrorstr(dkim_sig_geterror(best))) != 0)
	|| (best_why != 0 && host->audit(m, "unused", best_why) != 0)
	|| (dm->campaign_fields > 0
	    && host->audit(m, "campaign_signed",
			   campaign_signed ? "yes" : "no") != 0))
	return (CM_PLUGIN_FAIL);

    /* Row 9: the campaign claim is not backed by a trusted signature. */
    if (st->require != REQUIRE_NONE && dm->campaign_fields > 0
	&& !campaign_signed
	&& host->veto(m, CM_VETO_ANY, "campaign-unauthenticated") != 0)
	return (CM_PLUGIN_FAIL);
    if (st->require == REQUIRE_MARKETING && !trusted_pass
	&& host->veto(m, CM_VETO_MARKETING, "campaign-unauthenticated") != 0)
	return (CM_PLUGIN_FAIL);
    return (CM_PLUGIN_OK);
}

/* dp_reset - the message is over */

static void dp_reset(void *state, cm_plugin_msg *m)
{
    dkim_state *st = state;
    void  **slot = st->host->data(m);
    dkim_msg *dm = *slot;

    if (dm == 0)
	return;
    if (dm->dkim != 0)
	dkim_free(dm->dkim);
    free(dm);
}

static const char *const dp_options[] = {
    "TrustedDomains", "Require", "KeyFile", 0
};

const cm_plugin consent_milter_plugin = {
    CM_PLUGIN_API_VERSION,
    "dkim",
    "1.0",
    dp_options,
    CM_PLUGIN_WANT_BODY,
    dp_init,
    dp_fini,
    0,					/* connect */
    0,					/* envfrom */
    0,					/* envrcpt */
    dp_header,
    dp_eoh,
    dp_body,
    dp_eom,
    dp_reset,
};
