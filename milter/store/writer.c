/*++
/* NAME
/*	writer 3
/* SUMMARY
/*	consent changes, applied atomically in Redis
/* SYNOPSIS
/*	#include "writer.h"
/*
/*	int	cm_write_events(c, prefix, events, count, results, err, errlen)
/*	redisContext *c;
/*	const char *prefix;
/*	const cm_event *events;
/*	size_t	count;
/*	cm_write_result *results;
/*	char	*err;
/*	size_t	errlen;

/* DESCRIPTION
/*	Every change to a consent record goes through this module, so
/*	that the writer rules of DESIGN.md section 3 hold whoever writes.
/*	The rules run inside Redis, in a Lua script that applies up to
/*	CM_WRITE_CALL (32) events one after the other: two writers
/*	(consentctl and an integration, or two imports) can then never
/*	interleave between reading the stored time and writing the new
/*	state. Several events per call, rather than one, because most of
/*	an import's time is Redis running the script: measured with
/*	callgrind on a 50,000-row import, 86,000 instructions of Redis
/*	per row with one event per call, 64,000 with 32 (setting up a
/*	call, its argument tables and its closures costs as much as the
/*	commands it makes). The keys of record id <id> under prefix P are
/*	Pconsent:<id>, Psuppress:<id> and Phistory:<id>.
/*
/*	cm_write_events() applies count events in order and stores the
/*	outcome of events[i] in results[i]:
/* .IP "CM_EVENT_GRANT, CM_EVENT_WITHDRAW"
/*	Sets <purpose> to granted or withdrawn, with <purpose>:at and
/*	<purpose>:src, when the event is newer than the stored
/*	<purpose>:at, or equally old and a withdrawal replacing a grant
/*	(ties: withdrawn wins); else CM_WRITE_SAME when the stored
/*	state and time are those of the event, or one of the newest
/*	CM_WRITE_HISTSCAN (64) history entries is (the same event,
/*	imported again after a newer one replaced it); else
/*	CM_WRITE_STALE: the event is genuinely older. A grant for a
/*	suppressed id gives CM_WRITE_SUPPRESSED and changes nothing,
/*	unless renew is set and the grant is newer than the suppression:
/*	then the suppression is deleted (history "unsuppressed") and the
/*	grant applied. Staleness is decided first, so a stale grant never
/*	lifts a suppression.
/* .IP CM_EVENT_WITHDRAW_ALL
/*	Withdraws every purpose in the record, each under the same time
/*	rule, and sets the suppression "<at> <src>" unless one exists.
/*	CM_WRITE_APPLIED when anything changed, else CM_WRITE_UNCHANGED.
/* .IP CM_EVENT_SUPPRESS
/*	Sets the suppression "<at> <src>" unless one exists (the first
/*	suppression time is the evidence of when the opt-out arrived);
/*	else CM_WRITE_SAME when the stored one has the same time and
/*	reason, CM_WRITE_UNCHANGED when it differs.
/* .IP CM_EVENT_UNSUPPRESS
/*	Deletes the suppression when the event is newer than it;
/*	CM_WRITE_STALE when it is not; CM_WRITE_UNCHANGED when there
/*	is none.
/* .IP CM_EVENT_ERASE
/*	Deletes the consent record and the history, keeps the
/*	suppression (setting "<at> erased" when there is none), and
/*	starts a new history with one entry: purpose "*", state erased,
/*	src = the reason. The erasure itself stays evidenced, with no
/*	personal data beyond the id.
/* .PP
/*	The first grant stored in a record also gives it its opt-out
/*	reference (DESIGN.md section 14, unsubref(3)): n = INCR
/*	Punsub:seq, field "#ref" = n (in the grant's HSET), Punsub:p:<n> =
/*	the record id. A withdrawal gives none: nobody is sent marketing
/*	on one, and a million-row import stays within its 20 s.
/*	Erasure deletes Punsub:p:<n> with the record, so an old token
/*	leads nowhere. Fields that start with "#" are not purposes:
/*	CM_EVENT_WITHDRAW_ALL leaves them alone.
/*
/*	Every applied change appends an entry to the history stream
/*	(XADD *): purpose ("*" for suppressions and erasure), state
/*	(granted, withdrawn, suppressed, unsuppressed, erased), at, src
/*	and actor. A null src or actor is written as the empty string.
/*
/*	No event is stored with a time in the future (DESIGN.md section
/*	3). An event time more than CM_TIME_FUTURE_MAX (300) seconds after
/*	the writer's clock is invalid input; a time less far ahead is
/*	stored as the writer's clock when cm_write_events() was called
/*	(in the record, the suppression and the history alike). So a
/*	withdrawal made after a grant is newer than it, whichever clock
/*	the grant came from. Another host's grant may still be stored
/*	up to CM_TIME_FUTURE_MAX seconds ahead of this clock (its clock
/*	runs ahead; the daemon honours it as clock skew): a withdrawal
/*	made now (its time is the writer's clock) replaces it all the
/*	same, and is stored, record and history, at the grant's time,
/*	so that the two tie and the tie goes to withdrawn when the grant
/*	is sent again.
/*
/*	A stored time that cannot be read is treated so that, in doubt,
/*	the opt-out wins: as older than any event for a granted purpose,
/*	as newer than any event for a withdrawn purpose (or an unknown
/*	state) and for a suppression. A granted purpose whose stored
/*	time lies more than CM_TIME_FUTURE_MAX seconds ahead of the
/*	writer's clock (written by another tool) counts as unreadable.
/*
/*	An event with dry set is judged under the same rules, in the
/*	same script, and gets the result it would get, but nothing is
/*	written (import --dry-run). Each is judged against the store as
/*	it is: dry events do not see each other.
/*
/*	The script is sent with EVALSHA. It is loaded (SCRIPT LOAD) on
/*	the first call for a connection; when Redis answers NOSCRIPT
/*	anyway (SCRIPT FLUSH, a restarted or different server), the
/*	call is sent again with EVAL. Calls are pipelined in chunks of
/*	CM_WRITE_CHUNK (1000) events: all the calls of a chunk are
/*	written, then all the replies read, so an import of a million
/*	events costs a thousand round trips, not a million. Keys and values are sent
/*	as argument vectors with lengths: ids and texts may hold any
/*	byte.
/* DIAGNOSTICS
/*	cm_write_events() returns 0 when every event got a result, and
/*	-1 with a one-line reason in err otherwise: an invalid event
/*	("consent event 3: event time more than 300 s in the future";
/*	nothing is sent then: every event is checked first), an I/O or
/*	protocol error or a timeout ("redis unix:/path: timeout"; the
/*	context must then be freed), or an error reply to an event, such
/*	as WRONGTYPE for a damaged record ("redis unix:/path: event 3
/*	(id x): WRONGTYPE ..."). Such an error ends its call: the events
/*	before it in the call are applied, those after it are not. The
/*	other calls of that chunk have been applied, those of the later
/*	chunks have not been sent; results[] is filled for the chunks
/*	before. Applying the same events again is safe (CM_WRITE_SAME).
/* BUGS
/*	A write to a connection that Redis closed raises SIGPIPE: the
/*	program must ignore that signal.
/* SEE ALSO
/*	DESIGN.md section 3, the key layout and the writer rules.
/*	store(3), the daemon's reading side.
/*	redisconn(3), cm_redis_connect().
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */

#include <hiredis/hiredis.h>

/* Application-specific. */

#include "campaign.h"
#include "clock.h"
#include "redisconn.h"
#include "redisreply.h"
#include "schema.h"
#include "timeparse.h"
#include "unsubref.h"
#include "writer.h"

#define CM_WRITE_CHUNK		1000	/* events per pipelined write */
#define CM_WRITE_CALL		32	/* events per script call */
#define CM_WRITE_HISTSCAN	64	/* history entries searched for SAME */
#define CM_WRITE_SHOWSZ		CM_REDIS_SHOWSZ	/* escaped key or reply */
#define CM_WRITE_NARGS	(3 + WA_SHARED + (3 + WA_COUNT) * CM_WRITE_CALL)
#define CM_STR2(x)		#x
#define CM_STR(x)		CM_STR2(x)	/* a number, as script text */

 /*
  * The script's arguments. One call applies up to CM_WRITE_CALL events:
  * KEYS are, for each, its consent hash, suppress string and history
  * stream; ARGV is WA_SHARED arguments for all of them, then WA_COUNT
  * for each, at the offsets below. The words it stores (states,
  * history fields, suffixes) are those of schema.h, spelled into the
  * script text by the compiler. Stored times are kept as the decimal
  * strings they were written as; only comparisons use numbers (exact:
  * times are below 2^53). Returns one cm_write_result value per event,
  * up to the first error reply (an element of the array).
  */
#define WA_NOW		1		/* ARGV[1]: the writer's clock */
#define WA_PREFIX	2		/* ARGV[2]: KeyPrefix, opt-out refs */
#define WA_SHARED	2
#define WA_KIND		1		/* kind_names[] */
#define WA_PURPOSE	2		/* or "*" */
#define WA_AT		3		/* decimal seconds */
#define WA_SRC		4
#define WA_ACTOR	5
#define WA_RENEW	6		/* "1" or "0" */
#define WA_DRY		7		/* "1": judge, write nothing */
#define WA_ID		8		/* record id, for Punsub:p:<n> */
#define WA_COUNT	8
#define LQ(word)	"'" word "'"	/* a schema word as Lua text */

#define KIND_GRANT		"grant"
#define KIND_WITHDRAW		"withdraw"
#define KIND_WITHDRAW_ALL	"withdraw-all"
#define KIND_SUPPRESS		"suppress"
#define KIND_UNSUPPRESS		"unsuppress"
#define KIND_ERASE		"erase"

static const char script[] =
"local now, pfx = tonumber(ARGV[" CM_STR(WA_NOW) "]), ARGV[" CM_STR(WA_PREFIX) "]\n"
"-- The event being applied: set by the loop at the end.\n"
"local ck, sk, hk, kind, purpose, atstr, at, src, actor, renew, dry, rid\n"
"local function hist(p, state, text, t)\n"
"  if dry then return end\n"
"  redis.call('XADD', hk, '*', " LQ(CM_HIST_PURPOSE) ", p, "
LQ(CM_HIST_STATE) ", state,\n"
"             " LQ(CM_HIST_AT) ", t or atstr, " LQ(CM_HIST_SRC) ", text, "
LQ(CM_HIST_ACTOR) ", actor)\n"
"end\n"
"-- A stored time that cannot be read: in doubt, the opt-out wins. A\n"
"-- grant dated ahead (another tool's) is no evidence either: a\n"
"-- withdrawal made now must beat it.\n"
"local function when(v, optin)\n"
"  local t = v and string.match(v, '^%d+$') and tonumber(v)\n"
"  if t and not (optin and t > now + " CM_STR(CM_TIME_FUTURE_MAX) ") then\n"
"    return t\n"
"  end\n"
"  if optin then return -1 end\n"
"  return math.huge\n"
"end\n"
"local function since(v)\n"
"  return when(string.match(v, '^(%d+) ') or string.match(v, '^(%d+)$'), false)\n"
"end\n"
"-- Whether ck has its opt-out reference: learnt by newer(), which\n"
"-- every put() follows, so that a grant needs no extra read for it.\n"
"local hasref\n"
"-- The time put() stores instead of the event's, when newer() lifted a\n"
"-- withdrawal made now to the time of a grant dated ahead of this\n"
"-- clock (another host's, within the skew tolerated). Stored at that\n"
"-- time, it ties with the grant, and ties go to withdrawn: the same\n"
"-- grant sent again cannot undo it.\n"
"local lift\n"
"local function newer(p, new)\n"
"  local cur = redis.call('HMGET', ck, p, p .. " LQ(CM_SUFFIX_AT) ", "
LQ(CM_FIELD_REF) ")\n"
"  hasref, lift = cur[3] and true or false, nil\n"
"  if not cur[1] then return true end\n"
"  local granted = cur[1] == " LQ(CM_STATE_GRANTED) "\n"
"  local t = when(cur[2], granted)\n"
"  local out = new == " LQ(CM_STATE_WITHDRAWN) " and granted\n"
"  if at > t or (at == t and out) then return true end\n"
"  if out and at >= now then lift = cur[2] return true end\n"
"  return false\n"
"end\n"
"-- An older event may still be this very one, replaced since by a\n"
"-- newer: its entry is then in the recent history.\n"
"local function recorded(p, state)\n"
"  local h = redis.call('XREVRANGE', hk, '+', '-', 'COUNT', "
CM_STR(CM_WRITE_HISTSCAN) ")\n"
"  for _, e in ipairs(h) do\n"
"    local f, m = e[2], {}\n"
"    for i = 1, #f, 2 do m[f[i]] = f[i + 1] end\n"
"    if m[" LQ(CM_HIST_PURPOSE) "] == p and m[" LQ(CM_HIST_STATE) "] == state\n"
"       and m[" LQ(CM_HIST_AT) "] == atstr then return true end\n"
"  end\n"
"  return false\n"
"end\n"
"-- Only a grant needs an opt-out reference (nobody is sent marketing on\n"
"-- a withdrawal); a new one is written with the grant, in one HSET.\n"
"local function put(p, state)\n"
"  if dry then return end\n"
"  local t = lift or atstr\n"
"  if state == " LQ(CM_STATE_GRANTED) " and not hasref then\n"
"    local n = redis.call('INCR', pfx .. " LQ(CM_KEY_UNSUB_SEQ) ")\n"
"    redis.call('HSET', ck, p, state, p .. " LQ(CM_SUFFIX_AT) ", t, p .. "
LQ(CM_SUFFIX_SRC) ", src, " LQ(CM_FIELD_REF) ", n)\n"
"    redis.call('SET', pfx .. " LQ(CM_KEY_UNSUB_PERSON) " .. n, rid)\n"
"    hasref = true\n"
"  else\n"
"    redis.call('HSET', ck, p, state, p .. " LQ(CM_SUFFIX_AT) ", t, p .. "
LQ(CM_SUFFIX_SRC) ", src)\n"
"  end\n"
"  hist(p, state, src, t)\n"
"end\n"
"local function suppress()\n"
"  local v = atstr\n"
"  if src ~= '' then v = atstr .. ' ' .. src end\n"
"  if dry then return redis.call('EXISTS', sk) == 0 end\n"
"  if redis.call('SET', sk, v, 'NX') then\n"
"    hist(" LQ(CM_HIST_ANY) ", " LQ(CM_STATE_SUPPRESSED) ", src)\n"
"    return true\n"
"  end\n"
"  return false\n"
"end\n"
"local function apply()\n"
"if kind == " LQ(KIND_GRANT) " or kind == " LQ(KIND_WITHDRAW) " then\n"
"  local new = " LQ(CM_STATE_WITHDRAWN) "\n"
"  if kind == " LQ(KIND_GRANT) " then new = " LQ(CM_STATE_GRANTED) " end\n"
"  if not newer(purpose, new) then\n"
"    local cur = redis.call('HMGET', ck, purpose, purpose .. " LQ(CM_SUFFIX_AT) ")\n"
"    if cur[1] == new and cur[2] == atstr then return 4 end\n"
"    if recorded(purpose, new) then return 4 end\n"
"    return 1\n"
"  end\n"
"  if kind == " LQ(KIND_GRANT) " then\n"
"    local s = redis.call('GET', sk)\n"
"    if s then\n"
"      if not renew or at <= since(s) then return 2 end\n"
"      if not dry then redis.call('DEL', sk) end\n"
"      hist(" LQ(CM_HIST_ANY) ", " LQ(CM_STATE_UNSUPPRESSED) ", src)\n"
"    end\n"
"  end\n"
"  put(purpose, new)\n"
"  return 0\n"
"elseif kind == " LQ(KIND_WITHDRAW_ALL) " then\n"
"  local changed = false\n"
"  for _, f in ipairs(redis.call('HKEYS', ck)) do\n"
"    if not string.find(f, ':', 1, true) and string.sub(f, 1, 1) ~= '#'\n"
"       and newer(f, "
LQ(CM_STATE_WITHDRAWN) ") then\n"
"      put(f, " LQ(CM_STATE_WITHDRAWN) ")\n"
"      changed = true\n"
"    end\n"
"  end\n"
"  if suppress() then changed = true end\n"
"  if changed then return 0 end\n"
"  return 3\n"
"elseif kind == " LQ(KIND_SUPPRESS) " then\n"
"  if suppress() then return 0 end\n"
"  local v = atstr\n"
"  if src ~= '' then v = atstr .. ' ' .. src end\n"
"  if redis.call('GET', sk) == v then return 4 end\n"
"  return 3\n"
"elseif kind == " LQ(KIND_UNSUPPRESS) " then\n"
"  local s = redis.call('GET', sk)\n"
"  if not s then return 3 end\n"
"  if at <= since(s) then return 1 end\n"
"  if not dry then redis.call('DEL', sk) end\n"
"  hist(" LQ(CM_HIST_ANY) ", " LQ(CM_STATE_UNSUPPRESSED) ", src)\n"
"  return 0\n"
"elseif kind == " LQ(KIND_ERASE) " then\n"
"  if dry then return 0 end\n"
"  local ref = redis.call('HGET', ck, " LQ(CM_FIELD_REF) ")\n"
"  if ref and string.match(ref, '^%d+$') then\n"
"    redis.call('DEL', pfx .. " LQ(CM_KEY_UNSUB_PERSON) " .. ref)\n"
"  end\n"
"  redis.call('DEL', ck, hk)\n"
"  redis.call('SET', sk, atstr .. ' " CM_STATE_ERASED "', 'NX')\n"
"  hist(" LQ(CM_HIST_ANY) ", " LQ(CM_STATE_ERASED) ", src)\n"
"  return 0\n"
"end\n"
"return redis.error_reply('consent writer: unknown event kind ' .. kind)\n"
"end\n"
"-- One result per event, in order. The first error (a damaged key,\n"
"-- say) ends the call: the events after it are not applied.\n"
"local res = {}\n"
"for i = 0, #KEYS / 3 - 1 do\n"
"  local a = " CM_STR(WA_SHARED) " + " CM_STR(WA_COUNT) " * i\n"
"  ck, sk, hk = KEYS[3 * i + 1], KEYS[3 * i + 2], KEYS[3 * i + 3]\n"
"  kind, purpose, atstr = ARGV[a + " CM_STR(WA_KIND) "], "
"ARGV[a + " CM_STR(WA_PURPOSE) "], ARGV[a + " CM_STR(WA_AT) "]\n"
"  src, actor = ARGV[a + " CM_STR(WA_SRC) "], ARGV[a + " CM_STR(WA_ACTOR) "]\n"
"  renew = ARGV[a + " CM_STR(WA_RENEW) "] == '1'\n"
"  dry = ARGV[a + " CM_STR(WA_DRY) "] == '1'\n"
"  rid = ARGV[a + " CM_STR(WA_ID) "]\n"
"  at, hasref = tonumber(atstr), false\n"
"  local ok, r = pcall(apply)\n"
"  if not ok then\n"
"    if type(r) == 'table' and r.err then r = r.err end\n"
"    r = redis.error_reply(tostring(r))\n"
"  end\n"
"  res[i + 1] = r\n"
"  if type(r) == 'table' then return res end\n"
"end\n"
"return res\n";

/* Indexed by cm_event_kind: the script's names. */
static const char *const kind_names[] = {
    KIND_GRANT, KIND_WITHDRAW, KIND_WITHDRAW_ALL, KIND_SUPPRESS,
    KIND_UNSUPPRESS, KIND_ERASE,
};

 /*
  * The last connection known to hold the script, and its SHA1. A stale
  * pointer (a new context at a freed one's address) costs no more than
  * a NOSCRIPT reply and an EVAL.
  */
static pthread_mutex_t loaded_lock = PTHREAD_MUTEX_INITIALIZER;
static const redisContext *loaded_ctx;
static char loaded_sha[41];

/* Keys of one call's events: prefix + part + id, back to back. */
typedef struct keyset {
    char   *data;
    size_t  size, used;
    size_t  len[3 * CM_WRITE_CALL];	/* consent, suppress, history, ... */
    size_t  n;				/* keys in data */
} keyset;

/* keys_add - append the three keys of one record id */

static int keys_add(keyset *ks, const char *prefix, const char *id)
{
    static const char *parts[3] = {CM_KEY_CONSENT, CM_KEY_SUPPRESS,
    CM_KEY_HISTORY};
    size_t  plen = strlen(prefix), idlen = strlen(id), k;
    size_t  need = ks->used + 3 * (plen + idlen)
	+ strlen(CM_KEY_CONSENT CM_KEY_SUPPRESS CM_KEY_HISTORY);
    char   *p;

    if (need > ks->size) {
	if ((p = realloc(ks->data, need)) == 0)
	    return (-1);
	ks->data = p;
	ks->size = need;
    }
    for (k = 0; k < 3; k++) {
	p = ks->data + ks->used;
	ks->len[ks->n] = plen + strlen(parts[k]) + idlen;
	memcpy(p, prefix, plen);
	memcpy(p + plen, parts[k], strlen(parts[k]));
	memcpy(p + plen + strlen(parts[k]), id, idlen);
	ks->used += ks->len[ks->n++];
    }
    return (0);
}

/* event_check - one event is complete and within the contract */

static const char *event_check(const cm_event *ev, long long now)
{
    if ((unsigned) ev->kind >= sizeof(kind_names) / sizeof(kind_names[0]))
	return ("unknown event kind");
    if (ev->id == 0 || *ev->id == 0)
	return ("empty record id");
    if ((ev->kind == CM_EVENT_GRANT || ev->kind == CM_EVENT_WITHDRAW)
	&& !cm_purpose_valid(ev->purpose))
	return ("bad purpose");
    /* Readers parse stored times as unsigned decimal. */
    if (ev->at < 0 || ev->at > CM_TIME_MAX)
	return ("event time out of range");

    /*
     * A time further ahead would win every later comparison: a
     * withdrawal made in between would look older, and be ignored.
     */
    if (ev->at > now + CM_TIME_FUTURE_MAX)
	return ("event time more than " CM_STR(CM_TIME_FUTURE_MAX)
		" s in the future");
    return (0);
}

/* script_load - SCRIPT LOAD, once per connection */

static int script_load(redisContext *c, const char *where,
		               char *err, size_t errlen)
{
    const char *argv[3] = {"SCRIPT", "LOAD", script};
    size_t  lens[3] = {6, 4, sizeof(script) - 1};
    char    show[CM_WRITE_SHOWSZ];
    redisReply *r;
    int     status = 0;

    pthread_mutex_lock(&loaded_lock);
    if (loaded_ctx == c) {
	pthread_mutex_unlock(&loaded_lock);
	return (0);
    }
    pthread_mutex_unlock(&loaded_lock);

    if ((r = redisCommandArgv(c, 3, argv, lens)) == 0) {
	cm_redis_io_error(where, c, errno, err, errlen);
	return (-1);
    }
    if (r->type != REDIS_REPLY_STRING || r->len != 40) {
	cm_redis_err(err, errlen, "redis %s: SCRIPT LOAD: %s", where,
		     cm_redis_reply_show(show, sizeof(show), r));
	status = -1;
    } else {
	pthread_mutex_lock(&loaded_lock);
	memcpy(loaded_sha, r->str, 40);
	loaded_sha[40] = 0;
	loaded_ctx = c;
	pthread_mutex_unlock(&loaded_lock);
    }
    cm_redis_reply_free(r);
    return (status);
}

/* append_call - queue one EVALSHA (or EVAL) for n events, unsent */

static int append_call(redisContext *c, const char *prefix,
		               const cm_event *ev, size_t n, const char *sha,
		               keyset *ks, long long now)
{
    const char *argv[CM_WRITE_NARGS];
    size_t  lens[CM_WRITE_NARGS];
    char    at[CM_WRITE_CALL][24];
    char    clock[24];
    char    nkeys[8];
    const char **v;
    const char *key;
    size_t  i, k, nargs = 3 + 3 * n + WA_SHARED + WA_COUNT * n;

    ks->used = ks->n = 0;
    for (i = 0; i < n; i++)
	if (keys_add(ks, prefix, ev[i].id) < 0)
	    return (-1);
    snprintf(nkeys, sizeof(nkeys), "%zu", 3 * n);
    snprintf(clock, sizeof(clock), "%lld", now);
    argv[0] = sha ? "EVALSHA" : "EVAL";
    argv[1] = sha ? sha : script;
    argv[2] = nkeys;
    /* The keys are not null-terminated: their lengths come from ks. */
    for (key = ks->data, k = 0; k < 3 * n; key += ks->len[k], k++) {
	argv[3 + k] = key;
	lens[3 + k] = ks->len[k];
    }
    v = argv + 3 + 3 * n - 1;		/* so that v[WA_...] is ARGV[WA_...] */
    v[WA_NOW] = clock;
    v[WA_PREFIX] = prefix;
    for (i = 0; i < n; i++, v += WA_COUNT) {
	/*
	 * No time later than the moment of writing is stored (DESIGN.md
	 * section 3): a withdrawal made after this call then always counts
	 * as newer than this event, whatever the clock of its source.
	 */
	snprintf(at[i], sizeof(at[i]), "%lld", ev[i].at > now ? now : ev[i].at);
	v[WA_SHARED + WA_KIND] = kind_names[ev[i].kind];
	v[WA_SHARED + WA_PURPOSE] = ev[i].purpose ? ev[i].purpose : CM_HIST_ANY;
	v[WA_SHARED + WA_AT] = at[i];
	v[WA_SHARED + WA_SRC] = ev[i].src ? ev[i].src : "";
	v[WA_SHARED + WA_ACTOR] = ev[i].actor ? ev[i].actor : "";
	v[WA_SHARED + WA_RENEW] = ev[i].renew ? "1" : "0";
	v[WA_SHARED + WA_DRY] = ev[i].dry ? "1" : "0";
	v[WA_SHARED + WA_ID] = ev[i].id;
    }
    for (k = 0; k < nargs; k++)
	if (k < 3 || k >= 3 + 3 * n)
	    lens[k] = strlen(argv[k]);
    return (redisAppendCommandArgv(c, (int) nargs, argv, lens)
	    == REDIS_OK ? 0 : -1);
}

 /*
  * Outcome of reading one reply: a result, "send it again with EVAL", an
  * error reply (the connection is still in step) or a broken connection.
  */
#define RD_RESULT	0
#define RD_NOSCRIPT	1
#define RD_REFUSED	2
#define RD_BROKEN	3

/* refused - name the event and its record: a damaged key, most likely */

static void refused(const char *where, size_t index, const cm_event *ev,
		            const redisReply *r, char *err, size_t errlen)
{
    char    show[CM_WRITE_SHOWSZ];
    char    id[CM_WRITE_SHOWSZ];

    if (err == 0)
	return;
    cm_redis_escape(id, sizeof(id), ev->id, strlen(ev->id));
    cm_redis_err(err, errlen, "redis %s: event %zu (id %s): %s", where,
		 index + 1, id, cm_redis_reply_show(show, sizeof(show), r));
}

/* read_call - the reply to one call: n results, or why not */

static int read_call(redisContext *c, const char *where, size_t first,
		             const cm_event *ev, size_t n,
		             cm_write_result *results, char *err, size_t errlen)
{
    void   *reply;
    redisReply *r, *e;
    size_t  i;
    int     status = RD_RESULT;

    if (redisGetReply(c, &reply) != REDIS_OK) {
	cm_redis_io_error(where, c, errno, err, errlen);
	return (RD_BROKEN);
    }
    r = reply;
    if (r->type == REDIS_REPLY_ERROR && r->len >= 8
	&& memcmp(r->str, "NOSCRIPT", 8) == 0) {
	status = RD_NOSCRIPT;
    } else if (r->type != REDIS_REPLY_ARRAY || r->elements == 0
	       || r->elements > n) {
	refused(where, first, ev, r, err, errlen);
	status = RD_REFUSED;
    } else {
	/* Results up to the first error: the events after it were not applied. */
	for (i = 0; i < r->elements && status == RD_RESULT; i++) {
	    e = r->element[i];
	    if (e->type == REDIS_REPLY_INTEGER && e->integer >= CM_WRITE_APPLIED
		&& e->integer <= CM_WRITE_SAME) {
		results[i] = (cm_write_result) e->integer;
	    } else {
		refused(where, first + i, ev + i, e, err, errlen);
		status = RD_REFUSED;
	    }
	}
	if (status == RD_RESULT && r->elements < n) {
	    refused(where, first + r->elements, ev + r->elements, r, err, errlen);
	    status = RD_REFUSED;
	}
    }
    cm_redis_reply_free(r);
    return (status);
}

/* write_chunk - pipeline the calls of one chunk, read all replies */

static int write_chunk(redisContext *c, const char *where, const char *prefix,
		               const cm_event *events, size_t first, size_t n,
		               cm_write_result *results, keyset *ks,
		               long long now, char *err, size_t errlen)
{
    unsigned char again[(CM_WRITE_CHUNK + CM_WRITE_CALL - 1) / CM_WRITE_CALL];
    char    sha[41];
    size_t  i, m, k, calls, retries = 1;
    int     pass, rd, bad = 0;

    if (script_load(c, where, err, errlen) < 0)
	return (-1);
    pthread_mutex_lock(&loaded_lock);
    memcpy(sha, loaded_sha, sizeof(sha));
    pthread_mutex_unlock(&loaded_lock);
    calls = (n + CM_WRITE_CALL - 1) / CM_WRITE_CALL;
    memset(again, 1, calls);

    /*
     * Pass 0 sends every call with EVALSHA. Should the server have lost
     * the script meanwhile (SCRIPT FLUSH, a failover), pass 1 sends the
     * calls that got NOSCRIPT again, in their order, with EVAL: the rules
     * depend on event times, not on arrival order, so the few that ran
     * before them make no difference.
     */
    for (pass = 0; pass < 2 && retries > 0 && !bad; pass++) {
	for (k = i = 0; k < calls; k++, i += CM_WRITE_CALL) {
	    m = n - i < CM_WRITE_CALL ? n - i : CM_WRITE_CALL;
	    if (again[k] && append_call(c, prefix, events + i, m,
					pass ? 0 : sha, ks, now) < 0) {
		cm_redis_io_error(where, c, errno, err, errlen);
		return (-1);
	    }
	}
	/* After an error reply, read on: the connection must stay in step. */
	for (retries = k = i = 0; k < calls; k++, i += CM_WRITE_CALL) {
	    if (!again[k])
		continue;
	    m = n - i < CM_WRITE_CALL ? n - i : CM_WRITE_CALL;
	    rd = read_call(c, where, first + i, events + i, m, results + i,
			   bad ? 0 : err, errlen);
	    if (rd == RD_BROKEN)
		return (-1);
	    if (rd == RD_REFUSED || (pass > 0 && rd == RD_NOSCRIPT)) {
		if (!bad && rd == RD_NOSCRIPT)
		    cm_redis_err(err, errlen, "redis %s: NOSCRIPT after EVAL",
				 where);
		bad = 1;
	    }
	    retries += (again[k] = (rd == RD_NOSCRIPT));
	}
	if (retries > 0) {
	    pthread_mutex_lock(&loaded_lock);
	    if (loaded_ctx == c)		/* load it again next time */
		loaded_ctx = 0;
	    pthread_mutex_unlock(&loaded_lock);
	}
    }
    return (bad ? -1 : 0);
}

/* cm_write_events - apply consent events under the writer rules */

int     cm_write_events(redisContext *c, const char *prefix,
			        const cm_event *events, size_t count,
			        cm_write_result *results,
			        char *err, size_t errlen)
{
    char    where[CM_REDIS_WHERESZ];
    keyset  ks;
    const char *why;
    long long now = cm_time_now();
    size_t  i, n;
    int     status = 0;

    if (c == 0 || c->err) {
	cm_redis_err(err, errlen, "redis: not connected");
	return (-1);
    }
    if (c->connection_type == REDIS_CONN_UNIX)
	cm_redis_where(where, sizeof(where), c->unix_sock.path, 0, 0);
    else
	cm_redis_where(where, sizeof(where), 0, c->tcp.host, c->tcp.port);
    if (prefix == 0)
	prefix = CM_KEY_PREFIX_DEFAULT;
    memset(&ks, 0, sizeof(ks));

    /* All or nothing for bad input: check every event before sending. */
    for (i = 0; i < count; i++) {
	if ((why = event_check(events + i, now)) != 0) {
	    cm_redis_err(err, errlen, "consent event %zu: %s", i + 1, why);
	    return (-1);
	}
    }
    for (i = 0; i < count && status == 0; i += n) {
	n = count - i < CM_WRITE_CHUNK ? count - i : CM_WRITE_CHUNK;
	status = write_chunk(c, where, prefix, events + i, i, n, results + i,
			     &ks, now, err, errlen);
    }
    free(ks.data);
    return (status);
}
