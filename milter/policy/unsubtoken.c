/*++
/* NAME
/*	unsubtoken 3
/* SUMMARY
/*	opt-out tokens: sealed, opaque, unforgeable
/* SYNOPSIS
/*	#include "unsubtoken.h"
/*
/*	cm_token_keys *cm_token_keys_load(path, err, errlen)
/*	const char *path;
/*	char	*err;
/*	size_t	errlen;
/*
/*	cm_token_keys *cm_token_keys_parse(name, text, len, err, errlen)
/*	const char *name;
/*	const char *text;
/*	size_t	len;
/*	char	*err;
/*	size_t	errlen;
/*
/*	void	cm_token_keys_free(keys)
/*	cm_token_keys *keys;
/*
/*	int	cm_token_keys_start(cfg, keys, err, errlen, warn, warnlen)
/*	const cm_config *cfg;
/*	cm_token_keys **keys;
/*	char	*err;
/*	size_t	errlen;
/*	char	*warn;
/*	size_t	warnlen;
/*
/*	size_t	cm_token_keys_count(keys)
/*	const cm_token_keys *keys;
/*
/*	const char *cm_token_keys_signer(keys)
/*	const cm_token_keys *keys;
/*
/*	int	cm_token_seal(keys, tok, out, outsz)
/*	const cm_token_keys *keys;
/*	const cm_token *tok;
/*	char	*out;
/*	size_t	outsz;
/*
/*	cm_token_status cm_token_open(keys, text, len, tok)
/*	const cm_token_keys *keys;
/*	const char *text;
/*	size_t	len;
/*	cm_token *tok;
/*
/*	const char *cm_token_strerror(status)
/*	cm_token_status status;
/*
/*	void	cm_token_purpose_check(purpose, out)
/*	const char *purpose;
/*	unsigned char out[2];
/*
/*	int	cm_token_purpose_matches(tok, purpose)
/*	const cm_token *tok;
/*	const char *purpose;
/*
/*	unsigned cm_token_day(seconds)
/*	long long seconds;
/*
/*	void	cm_token_list_unsubscribe(out, url, mailto, token)
/*	cm_buf	*out;
/*	const char *url;
/*	const char *mailto;
/*	const char *token;
/* DESCRIPTION
/*	The token of the relay's own opt-out (DESIGN.md section 14):
/*	what List-Unsubscribe carries in the https: URL and in the
/*	mailto: local part unsubscribe+TOKEN. It leads the service to
/*	the person, the campaign, the purpose and the issue day, but
/*	nobody can read an address out of it, and nobody can forge or
/*	alter one. Pure functions: no I/O but the key file.
/*
/*	A token is the lower-case RFC 4648 base32 (a-z, 2-7, no padding)
/*	of 31 bytes: 50 characters, so unsubscribe+TOKEN is 62 octets
/*	(a local part may have 64, RFC 5321) and survives case-folding
/*	(upper case is accepted) and URL encoding (nothing to encode).
/*	Byte 0 is the version (1), byte 1 the key tag (the first byte of
/*	SHA-256(key id)), bytes 2..14 the 13-byte payload, encrypted,
/*	bytes 15..30 a 16-byte tag. The payload is the person reference
/*	(5 bytes, big-endian), the campaign reference (4), the purpose
/*	check (2: the first two bytes of SHA-256(purpose name)) and the
/*	issue day (2, days since 2020-01-01). References are opaque
/*	numbers the writers give out; the store resolves them.
/*
/*	Sealing is deterministic authenticated encryption in the SIV
/*	style, from HMAC-SHA256 alone: with kmac = HMAC(secret, "consent-
/*	milter token mac v1") and kenc = HMAC(secret, "consent-milter
/*	token enc v1"), tag = HMAC(kmac, bytes 0..1 || payload)[0..15]
/*	and ciphertext = payload XOR HMAC(kenc, tag)[0..12]. The tag is
/*	a MAC over the plain payload, so altering any bit of the
/*	ciphertext, the tag or the header makes it fail (128 bits); the
/*	tag doubles as the synthetic IV, so equal contents give equal
/*	tokens (a message re-sent to the same person carries the same
/*	link), and different contents never share a key stream.
/*
/*	cm_token_keys_load() reads UnsubscribeKeyFile: lines "id secret";
/*	blank lines and lines whose first non-blank is "#" are skipped.
/*	The id is [A-Za-z0-9._-]{1,32}, unique in the file. The secret
/*	holds at least 32 bytes, written as hex (64 or more hex digits,
/*	an even number: a secret of hex digits only is read as hex) or
/*	base64 (standard or URL alphabet, "=" padding optional), e.g.
/*	"openssl rand -hex 32". The first key signs, all verify:
/*	rotation adds a new first line and keeps the old ones until the
/*	mail that carries them is gone; a key deleted from the file is
/*	retired and its tokens no longer open. The file must not be
/*	readable or writable by others, like RedisPasswordFile and
/*	AddressKeyFile. cm_token_keys_parse() reads the same text from
/*	memory (tests; name stands for the file in messages). The
/*	secrets themselves are wiped once the two derived keys are made.
/*
/*	cm_token_keys_start() is what a program does at start, as root:
/*	with Unsubscribe yes or an UnsubscribeKeyFile set, it loads the
/*	keys into *keys (else *keys is NULL); with an http: UnsubscribeURL
/*	it writes a warning to warn (else warn is ""): one-click opt-outs
/*	should travel over https (DESIGN.md section 14).
/*
/*	cm_token_keys_count() is the number of keys, cm_token_keys_signer()
/*	the id of the first. cm_token_keys_free() wipes and frees; a NULL
/*	pointer is ignored.
/*
/*	cm_token_seal() writes the token of tok, signed with the first
/*	key, NUL-terminated, into out (CM_TOKEN_SIZE bytes or more).
/*
/*	cm_token_open() decodes the len bytes at text, tries every key
/*	whose key tag matches, and fills in tok when one verifies; the
/*	tags are compared in constant time (CRYPTO_memcmp). The purpose
/*	is not known to the token: the caller resolves the campaign and
/*	compares its purpose with cm_token_purpose_matches().
/*
/*	cm_token_purpose_check() computes the purpose check of a name;
/*	cm_token_day() the issue day of a Unix time (clamped to 0..65535).
/*
/*	cm_token_list_unsubscribe() appends the value of the relay's
/*	List-Unsubscribe header (RFC 2369) to out: "<URL TOKEN>,
/*	<mailto:unsubscribe+TOKEN@MAILTO>", url (UnsubscribeURL, the
/*	token appended as it is) and mailto (UnsubscribeMailto, a
/*	domain) each left out when NULL. The daemon adds it; consentctl
/*	unsubscribe-link prints it.
/* DIAGNOSTICS
/*	cm_token_keys_load() and cm_token_keys_parse() return NULL and
/*	write "FILE: reason" or "FILE:LINE: reason" to err.
/*
/*	cm_token_seal() returns -1 for a reference out of range (zero, or
/*	more than 5 or 4 bytes), a day over 65535, a small buffer or a
/*	libcrypto failure; else 0.
/*
/*	cm_token_open() returns CM_TOKEN_OK or why not: CM_TOKEN_BAD_FORM
/*	(not 50 base32 characters, or stray low bits in the last),
/*	CM_TOKEN_BAD_VERSION, CM_TOKEN_NO_KEY (no key has that tag:
/*	retired, or another installation's), CM_TOKEN_FORGED (no key's
/*	tag matches). For logs only: whoever presented the token must
/*	get the same answer whatever the reason (no oracle).
/* SEE ALSO
/*	DESIGN.md section 14, the relay's own opt-out.
/*	optout(3), which resolves and applies a token.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* OpenSSL library. */

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

/* Application-specific. */

#include "hex.h"
#include "unsubtoken.h"

#define TOK_BYTES	31		/* decoded token */
#define TOK_PAYLOAD	13		/* bytes 2..14 */
#define TOK_TAG		16		/* bytes 15..30 */
#define TOK_HEAD	2		/* version, key tag */
#define KEY_MIN		32		/* bytes of secret */
#define KEY_MAX		1024		/* bytes of secret, decoded */
#define KEYFILE_MAX	65536		/* longest key file we read */
#define LABEL_MAC	"consent-milter token mac v1"
#define LABEL_ENC	"consent-milter token enc v1"

typedef struct token_key {
    char    id[CM_TOKEN_KEYID_MAX + 1];
    unsigned char tag;			/* first byte of SHA-256(id) */
    unsigned char kmac[32];
    unsigned char kenc[32];
} token_key;

struct cm_token_keys {
    size_t  count;
    size_t  cap;			/* slots in key[] */
    token_key key[];			/* key[0] signs */
};

static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";

/* Indexed by cm_token_status. */
static const char *const token_messages[CM_TOKEN_STATUS_COUNT] = {
    "ok",
    "not a token (length or alphabet)",
    "unknown token version",
    "no key with this key tag (retired or foreign)",
    "token does not verify",
};

/* hmac - HMAC-SHA256 into a 32-byte buffer; 0 or -1 */

static int hmac(const unsigned char *key, size_t keylen,
		        const unsigned char *data, size_t len,
		        unsigned char out[32])
{
    unsigned int outlen = 0;

    if (HMAC(EVP_sha256(), key, (int) keylen, data, len, out, &outlen) == 0
	|| outlen != 32)
	return (-1);
    return (0);
}

/* key_tag - first byte of SHA-256(key id) */

static unsigned char key_tag(const char *id)
{
    unsigned char md[SHA256_DIGEST_LENGTH];

    SHA256((const unsigned char *) id, strlen(id), md);
    return (md[0]);
}

/* b64val - one base64 digit (either alphabet), or -1 */

static int b64val(int ch)
{
    if (ch >= 'A' && ch <= 'Z')
	return (ch - 'A');
    if (ch >= 'a' && ch <= 'z')
	return (ch - 'a' + 26);
    if (ch >= '0' && ch <= '9')
	return (ch - '0' + 52);
    if (ch == '+' || ch == '-')
	return (62);
    if (ch == '/' || ch == '_')
	return (63);
    return (-1);
}

/* secret_decode - hex or base64 text into bytes; length or -1 */

static long secret_decode(const char *s, size_t len, unsigned char *out,
			          size_t outsz)
{
    unsigned long acc = 0;
    size_t  i, n = 0, bits = 0;
    int     v;

    for (i = 0; i < len && cm_hexval((unsigned char) s[i]) >= 0; i++)
	 /* void */ ;
    if (i == len && len % 2 == 0 && len >= 2 * KEY_MIN) {
	if (len / 2 > outsz)
	    return (-1);
	for (i = 0; i < len; i += 2)
	    out[n++] = (unsigned char) (cm_hexval((unsigned char) s[i]) << 4
				  | cm_hexval((unsigned char) s[i + 1]));
	return ((long) n);
    }
    while (len > 0 && s[len - 1] == '=')
	len--;
    for (i = 0; i < len; i++) {
	if ((v = b64val((unsigned char) s[i])) < 0)
	    return (-1);
	acc = (acc << 6 | (unsigned long) v) & 0xffffff;
	if ((bits += 6) >= 8) {
	    bits -= 8;
	    if (n >= outsz)
		return (-1);
	    out[n++] = (unsigned char) (acc >> bits);
	}
    }
    return ((long) n);
}

/* id_valid - [A-Za-z0-9._-]{1,32} */

static int id_valid(const char *s, size_t len)
{
    size_t  i;

    if (len == 0 || len > CM_TOKEN_KEYID_MAX)
	return (0);
    for (i = 0; i < len; i++)
	if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')
	      || (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_'
	      || s[i] == '-'))
	    return (0);
    return (1);
}

/* is_blank - space or tab */

static int is_blank(int ch)
{
    return (ch == ' ' || ch == '\t');
}

/* parse_line - one "id secret" line into a key; NULL or the reason */

static const char *parse_line(const char *p, size_t len, token_key *k)
{
    unsigned char secret[KEY_MAX];
    const char *id, *sec;
    size_t  idlen, seclen;
    long    n;
    int     bad;

    id = p;
    for (idlen = 0; idlen < len && !is_blank(p[idlen]); idlen++)
	 /* void */ ;
    if (!id_valid(id, idlen))
	return ("bad key id (want 1 to 32 of A-Z a-z 0-9 . _ -)");
    for (sec = id + idlen; sec < p + len && is_blank(*sec); sec++)
	 /* void */ ;
    for (seclen = 0; sec + seclen < p + len && !is_blank(sec[seclen]);
	 seclen++)
	 /* void */ ;
    if (seclen == 0)
	return ("no secret after the key id");
    for (n = 0; sec + seclen + n < p + len; n++)
	if (!is_blank(sec[seclen + n]))
	    return ("text after the secret (want: id secret)");
    n = secret_decode(sec, seclen, secret, sizeof(secret));
    if (n < 0)
	return ("secret is neither hex nor base64");
    if (n < KEY_MIN) {
	OPENSSL_cleanse(secret, sizeof(secret));
	return ("secret shorter than 32 bytes (use: openssl rand -hex 32)");
    }
    memcpy(k->id, id, idlen);
    k->id[idlen] = 0;
    k->tag = key_tag(k->id);
    bad = hmac(secret, (size_t) n, (const unsigned char *) LABEL_MAC,
	       sizeof(LABEL_MAC) - 1, k->kmac) < 0
	|| hmac(secret, (size_t) n, (const unsigned char *) LABEL_ENC,
		sizeof(LABEL_ENC) - 1, k->kenc) < 0;
    OPENSSL_cleanse(secret, sizeof(secret));
    return (bad ? "libcrypto failed to derive the keys" : 0);
}

/* cm_token_keys_parse - the keys of a key file's text */

cm_token_keys *cm_token_keys_parse(const char *name, const char *text,
				           size_t len, char *err, size_t errlen)
{
    cm_token_keys *keys;
    const char *p, *end, *nl, *why;
    size_t  lines = 0, cap, i, linelen;
    long    lineno = 0;

    /* At most one key per line. */
    for (p = text, end = text + len; p < end; p++)
	lines += (*p == '\n');
    cap = lines + 1;
    if ((keys = calloc(1, sizeof(*keys) + cap * sizeof(token_key))) == 0) {
	snprintf(err, errlen, "%s: out of memory", name);
	return (0);
    }
    keys->cap = cap;
    for (p = text; p < end; p = nl + 1) {
	lineno++;
	if ((nl = memchr(p, '\n', (size_t) (end - p))) == 0)
	    nl = end;
	linelen = (size_t) (nl - p);
	if (linelen > 0 && p[linelen - 1] == '\r')
	    linelen--;
	while (linelen > 0 && is_blank(*p))
	    p++, linelen--;
	while (linelen > 0 && is_blank(p[linelen - 1]))
	    linelen--;
	if (linelen == 0 || *p == '#')
	    continue;
	if (memchr(p, 0, linelen) != 0) {
	    why = "NUL byte in line";
	} else if ((why = parse_line(p, linelen, keys->key + keys->count)) == 0) {
	    for (i = 0; i < keys->count; i++)
		if (strcmp(keys->key[i].id, keys->key[keys->count].id) == 0)
		    why = "key id used twice";
	}
	if (why != 0) {
	    snprintf(err, errlen, "%s:%ld: %s", name, lineno, why);
	    cm_token_keys_free(keys);
	    return (0);
	}
	keys->count++;
    }
    if (keys->count == 0) {
	snprintf(err, errlen, "%s: no keys (want lines: id secret)", name);
	cm_token_keys_free(keys);
	return (0);
    }
    return (keys);
}

/* cm_token_keys_load - read and check UnsubscribeKeyFile */

cm_token_keys *cm_token_keys_load(const char *path, char *err, size_t errlen)
{
    cm_token_keys *keys;
    struct stat st;
    char   *buf;
    ssize_t got;
    size_t  len = 0;
    int     fd;

    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
	snprintf(err, errlen, "%s: %s", path, strerror(errno));
	return (0);
    }
    if (fstat(fd, &st) != 0) {
	snprintf(err, errlen, "%s: %s", path, strerror(errno));
	close(fd);
	return (0);
    }
    /* The same rule and words as for RedisPasswordFile, AddressKeyFile. */
    if (st.st_mode & (S_IROTH | S_IWOTH)) {
	snprintf(err, errlen, "UnsubscribeKeyFile %s: readable or writable "
		 "by others (mode %04o): run chmod o-rwx on it", path,
		 (unsigned) (st.st_mode & 07777));
	close(fd);
	return (0);
    }
    if ((buf = malloc(KEYFILE_MAX + 1)) == 0) {
	snprintf(err, errlen, "%s: out of memory", path);
	close(fd);
	return (0);
    }
    while (len <= KEYFILE_MAX
	   && (got = read(fd, buf + len, KEYFILE_MAX + 1 - len)) != 0) {
	if (got < 0) {
	    if (errno == EINTR)
		continue;
	    snprintf(err, errlen, "%s: %s", path, strerror(errno));
	    OPENSSL_cleanse(buf, len);
	    free(buf);
	    close(fd);
	    return (0);
	}
	len += (size_t) got;
    }
    close(fd);
    if (len > KEYFILE_MAX) {
	snprintf(err, errlen, "%s: longer than %d bytes", path, KEYFILE_MAX);
	keys = 0;
    } else {
	keys = cm_token_keys_parse(path, buf, len, err, errlen);
    }
    OPENSSL_cleanse(buf, len);
    free(buf);
    return (keys);
}

/* cm_token_keys_start - the keys a program needs, loaded at start */

int     cm_token_keys_start(const cm_config *cfg, cm_token_keys **keys,
			            char *err, size_t errlen,
			            char *warn, size_t warnlen)
{
    *keys = 0;
    if (warnlen > 0)
	*warn = 0;
    if (cfg->unsubscribe_url != 0
	&& strncasecmp(cfg->unsubscribe_url, "http://", 7) == 0)
	snprintf(warn, warnlen, "UnsubscribeURL %s: http:, not https: "
		 "(mailbox providers expect https for one-click opt-outs; "
		 "fine for tests or a proxy on this host)",
		 cfg->unsubscribe_url);
    if (!cfg->unsubscribe && cfg->unsubscribe_key_file == 0)
	return (0);
    if (cfg->unsubscribe_key_file == 0) {
	snprintf(err, errlen, "Unsubscribe yes needs UnsubscribeKeyFile");
	return (-1);
    }
    return ((*keys = cm_token_keys_load(cfg->unsubscribe_key_file, err,
					errlen)) == 0 ? -1 : 0);
}

/* cm_token_keys_free - wipe and release */

void    cm_token_keys_free(cm_token_keys *keys)
{
    if (keys == 0)
	return;
    /* Every slot, the one a refused line was parsed into too. */
    OPENSSL_cleanse(keys->key, keys->cap * sizeof(token_key));
    free(keys);
}

/* cm_token_keys_count - how many keys */

size_t  cm_token_keys_count(const cm_token_keys *keys)
{
    return (keys ? keys->count : 0);
}

/* cm_token_keys_signer - id of the key that signs */

const char *cm_token_keys_signer(const cm_token_keys *keys)
{
    return (keys && keys->count ? keys->key[0].id : 0);
}

/* compute_tag - tag and key stream of a header and plain payload */

static int compute_tag(const token_key *k, const unsigned char *head,
		               const unsigned char *plain,
		               unsigned char tag[32], unsigned char stream[32])
{
    unsigned char data[TOK_HEAD + TOK_PAYLOAD];

    memcpy(data, head, TOK_HEAD);
    memcpy(data + TOK_HEAD, plain, TOK_PAYLOAD);
    if (hmac(k->kmac, sizeof(k->kmac), data, sizeof(data), tag) < 0)
	return (-1);
    if (stream != 0 && hmac(k->kenc, sizeof(k->kenc), tag, TOK_TAG,
			    stream) < 0)
	return (-1);
    return (0);
}

/* cm_token_seal - the token of tok, signed by the first key */

int     cm_token_seal(const cm_token_keys *keys, const cm_token *tok,
		              char *out, size_t outsz)
{
    unsigned char raw[TOK_BYTES], plain[TOK_PAYLOAD];
    unsigned char tag[32], stream[32];
    const token_key *k;
    unsigned long acc = 0;
    size_t  i, n = 0, bits = 0;

    if (keys == 0 || keys->count == 0 || outsz < CM_TOKEN_SIZE
	|| tok->person == 0 || tok->person > CM_TOKEN_PERSON_MAX
	|| tok->campaign == 0 || tok->campaign > CM_TOKEN_CAMPAIGN_MAX
	|| tok->day > 0xffff)
	return (-1);
    k = keys->key;
    for (i = 0; i < 5; i++)
	plain[i] = (unsigned char) (tok->person >> (8 * (4 - i)));
    for (i = 0; i < 4; i++)
	plain[5 + i] = (unsigned char) (tok->campaign >> (8 * (3 - i)));
    plain[9] = tok->purpose[0];
    plain[10] = tok->purpose[1];
    plain[11] = (unsigned char) (tok->day >> 8);
    plain[12] = (unsigned char) tok->day;
    raw[0] = CM_TOKEN_VERSION;
    raw[1] = k->tag;
    if (compute_tag(k, raw, plain, tag, stream) < 0)
	return (-1);
    for (i = 0; i < TOK_PAYLOAD; i++)
	raw[TOK_HEAD + i] = plain[i] ^ stream[i];
    memcpy(raw + TOK_HEAD + TOK_PAYLOAD, tag, TOK_TAG);

    /* Base32, 5 bits per character; the last holds 3 bits and 2 zeros. */
    for (i = 0; i < TOK_BYTES; i++) {
	acc = (acc << 8 | raw[i]) & 0xfff;
	for (bits += 8; bits >= 5; bits -= 5)
	    out[n++] = b32[(acc >> (bits - 5)) & 31];
    }
    if (bits > 0)
	out[n++] = b32[(acc << (5 - bits)) & 31];
    out[n] = 0;
    OPENSSL_cleanse(plain, sizeof(plain));
    return (n == CM_TOKEN_LEN ? 0 : -1);
}

/* b32val - one base32 digit, either case, or -1 */

static int b32val(int ch)
{
    if (ch >= 'a' && ch <= 'z')
	return (ch - 'a');
    if (ch >= 'A' && ch <= 'Z')
	return (ch - 'A');
    if (ch >= '2' && ch <= '7')
	return (ch - '2' + 26);
    return (-1);
}

/* cm_token_open - verify a token and read what it carries */

cm_token_status cm_token_open(const cm_token_keys *keys, const char *text,
			              size_t len, cm_token *tok)
{
    unsigned char raw[TOK_BYTES], plain[TOK_PAYLOAD];
    unsigned char tag[32], stream[32];
    unsigned long acc = 0;
    size_t  i, n = 0, bits = 0, k;
    int     v, tried = 0, found = -1;

    if (text == 0 || len != CM_TOKEN_LEN)
	return (CM_TOKEN_BAD_FORM);
    for (i = 0; i < len; i++) {
	if ((v = b32val((unsigned char) text[i])) < 0)
	    return (CM_TOKEN_BAD_FORM);
	acc = (acc << 5 | (unsigned long) v) & 0xfff;
	if ((bits += 5) >= 8) {
	    bits -= 8;
	    raw[n++] = (unsigned char) (acc >> bits);
	}
    }
    /* One spelling per token: the 2 spare bits must be zero. */
    if (n != TOK_BYTES || (acc & ((1UL << bits) - 1)) != 0)
	return (CM_TOKEN_BAD_FORM);
    if (raw[0] != CM_TOKEN_VERSION)
	return (CM_TOKEN_BAD_VERSION);
    if (keys == 0)
	return (CM_TOKEN_NO_KEY);

    /*
     * Several keys may share a tag byte (1 in 256): try each. Every
     * candidate is computed and compared in full, without an early exit
     * on the first byte that differs.
     */
    for (k = 0; k < keys->count; k++) {
	if (keys->key[k].tag != raw[1])
	    continue;
	tried = 1;
	if (hmac(keys->key[k].kenc, sizeof(keys->key[k].kenc),
		 raw + TOK_HEAD + TOK_PAYLOAD, TOK_TAG, stream) < 0)
	    continue;
	for (i = 0; i < TOK_PAYLOAD; i++)
	    plain[i] = raw[TOK_HEAD + i] ^ stream[i];
	if (compute_tag(keys->key + k, raw, plain, tag, 0) < 0)
	    continue;
	if (CRYPTO_memcmp(tag, raw + TOK_HEAD + TOK_PAYLOAD, TOK_TAG) == 0) {
	    found = (int) k;
	    break;
	}
    }
    if (found < 0) {
	OPENSSL_cleanse(plain, sizeof(plain));
	return (tried ? CM_TOKEN_FORGED : CM_TOKEN_NO_KEY);
    }
    tok->person = 0;
    for (i = 0; i < 5; i++)
	tok->person = tok->person << 8 | plain[i];
    tok->campaign = 0;
    for (i = 0; i < 4; i++)
	tok->campaign = tok->campaign << 8 | plain[5 + i];
    tok->purpose[0] = plain[9];
    tok->purpose[1] = plain[10];
    tok->day = (unsigned) plain[11] << 8 | plain[12];
    OPENSSL_cleanse(plain, sizeof(plain));
    return (CM_TOKEN_OK);
}

/* cm_token_strerror - a status as text, for logs */

const char *cm_token_strerror(cm_token_status status)
{
    if ((unsigned) status >= CM_TOKEN_STATUS_COUNT)
	return ("unknown token status");
    return (token_messages[status]);
}

/* cm_token_purpose_check - first two bytes of SHA-256(purpose) */

void    cm_token_purpose_check(const char *purpose, unsigned char out[2])
{
    unsigned char md[SHA256_DIGEST_LENGTH];

    SHA256((const unsigned char *) purpose, strlen(purpose), md);
    out[0] = md[0];
    out[1] = md[1];
}

/* cm_token_purpose_matches - the token was made for this purpose */

int     cm_token_purpose_matches(const cm_token *tok, const char *purpose)
{
    unsigned char want[2];

    if (purpose == 0)
	return (0);
    cm_token_purpose_check(purpose, want);
    return (want[0] == tok->purpose[0] && want[1] == tok->purpose[1]);
}

/* cm_token_day - issue day of a Unix time */

unsigned cm_token_day(long long seconds)
{
    long long day = (seconds - CM_TOKEN_EPOCH) / 86400;

    return (day < 0 ? 0 : day > 0xffff ? 0xffff : (unsigned) day);
}

/* cm_token_list_unsubscribe - the List-Unsubscribe value of a token */

void    cm_token_list_unsubscribe(cm_buf *out, const char *url,
				          const char *mailto, const char *token)
{
    if (url != 0) {
	cm_buf_addc(out, '<');
	cm_buf_adds(out, url);
	cm_buf_adds(out, token);
	cm_buf_addc(out, '>');
    }
    if (mailto != 0) {
	if (url != 0)
	    cm_buf_adds(out, ", ");
	cm_buf_adds(out, "<mailto:" CM_TOKEN_LOCAL_PREFIX);
	cm_buf_adds(out, token);
	cm_buf_addc(out, '@');
	cm_buf_adds(out, mailto);
	cm_buf_addc(out, '>');
    }
}
