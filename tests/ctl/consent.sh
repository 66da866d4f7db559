#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# consent.sh - consentctl grant, withdraw, suppress, unsuppress, erase, show
#
# Runs under tests/lib/redis.sh (a private redis-server). Every writer
# rule of DESIGN.md section 3, through the command line and checked in
# Redis itself: ordering by event time, ties (withdrawn wins), stale
# events, grants kept out by a suppression, --renew with an older and
# a newer time, withdraw --all, erasure, unsuppress with evidence, the
# history with its actor, the provider migration that must not
# re-subscribe anyone; then show (text and JSON), pseudonymised ids,
# KeyPrefix, and the exit codes: 65 bad data, 69 Redis down, 64 usage,
# 0 for --help. No event is stored with a time in the future (and one
# that another tool stored is consent-invalid); addresses and texts must
# be valid UTF-8.

. "$CM_SRCDIR/tests/ctl/lib.sh"

T1=1700000000			# 2023-11-14T22:13:20Z
T2=1710000000			# 2024-03-09T16:00:00Z
T3=1720000000			# 2024-07-03T09:46:40Z
T1_TEXT=2023-11-14T22:13:20Z
T2_TEXT=2024-03-09T16:00:00Z
T3_TEXT=2024-07-03T09:46:40Z
# The default actor: as consentctl finds it (sudo: the invoking user).
ME=${SUDO_USER:-$(id -un)}
# HMAC-SHA256("test-key", "alice@example.org"), as in check_address.c.
ALICE_ID=5b13e8116d5b702404872d5c6e7277660349ddb67dfb2eb9ab6935a97e4c7c88

# state ID PURPOSE - "state at src" of one purpose, as stored
state() {
    printf '%s %s %s' "$(t_redis HGET "cm:consent:$1" "$2")" \
	"$(t_redis HGET "cm:consent:$1" "$2:at")" \
	"$(t_redis HGET "cm:consent:$1" "$2:src")"
}

# hist ID FIELD - one field of every history entry, oldest first, joined
hist() {
    t_redis XRANGE "cm:history:$1" - + | awk -v f="$2" '
	want { printf "%s%s", sep, $0; sep = "|"; want = 0; next }
	$0 == f { want = 1 }'
}

t_conf

# --- ordering: a newer event replaces, an older one is stale ------------
t_run grant alice@example.org newsletter --at $T1 --source "web form v3"
t_rc 0 "grant"
t_eq "$out" "granted newsletter for alice@example.org (at $T1_TEXT)" \
    "grant: one plain line"
t_eq "$(state alice@example.org newsletter)" "granted $T1 web form v3" \
    "grant: state, time and source stored"

t_run withdraw Alice@Example.ORG newsletter --at $T2_TEXT --source unsub-link
t_rc 0 "newer withdrawal"
t_eq "$out" "withdrew newsletter for alice@example.org (at $T2_TEXT)" \
    "withdraw: address normalised in the reply"
t_eq "$(state alice@example.org newsletter)" "withdrawn $T2 unsub-link" \
    "withdraw: newer event replaced the grant"

t_run grant alice@example.org newsletter --at $T1 --source old-crm
t_rc 0 "older grant is an answer, not an error"
t_has "not changed: a newer withdrawal of newsletter is stored ($T2_TEXT)" \
    "older grant: explained with the stored time"
t_eq "$(state alice@example.org newsletter)" "withdrawn $T2 unsub-link" \
    "older grant: nothing changed"

t_run grant alice@example.org newsletter --at $T3 --source "re-opt-in"
t_eq "$(state alice@example.org newsletter)" "granted $T3 re-opt-in" \
    "a newer grant replaces a withdrawal"

t_run withdraw alice@example.org newsletter --at $T2
t_has "not changed: a newer grant of newsletter is stored ($T3_TEXT)" \
    "older withdrawal: explained"
t_eq "$(state alice@example.org newsletter)" "granted $T3 re-opt-in" \
    "older withdrawal: nothing changed"

# --- ties: withdrawn wins, whatever the order ----------------------------
t_run grant tie1@example.org news --at $T2 --source form
t_run withdraw tie1@example.org news --at $T2 --source complaint
t_eq "$(state tie1@example.org news)" "withdrawn $T2 complaint" \
    "tie: a withdrawal replaces a grant of the same time"
t_run grant tie1@example.org news --at $T2 --source form-again
t_has "withdrawn wins ties" "tie: the grant is told why"
t_eq "$(state tie1@example.org news)" "withdrawn $T2 complaint" \
    "tie: a grant does not replace a withdrawal of the same time"
t_run withdraw tie2@example.org news --at $T2 --source complaint
t_run grant tie2@example.org news --at $T2 --source form
t_eq "$(state tie2@example.org news)" "withdrawn $T2 complaint" \
    "tie, other order: still withdrawn"
t_run grant tie3@example.org news --at $T2 --source a
t_run grant tie3@example.org news --at $T2 --source b
t_eq "$(state tie3@example.org news)" "granted $T2 a" \
    "tie of two grants: the first stays"

# --- the provider migration ---------------------------------------------
# Old provider: opt-in at T1, opt-out at T2. The new provider's import
# of an export taken before the opt-out carries the opt-in at T1 again.
t_run grant migr@example.org newsletter --at $T1 --source "old provider"
t_run withdraw migr@example.org newsletter --at $T2 --source "old provider"
t_run grant migr@example.org newsletter --at $T1 --source "migration import"
t_rc 0 "migration: the stale import is not an error"
t_eq "$(state migr@example.org newsletter)" "withdrawn $T2 old provider" \
    "migration: an old export never re-subscribes"
t_run grant migr@example.org newsletter --at $T1 --renew --source "import"
t_eq "$(t_redis HGET cm:consent:migr@example.org newsletter)" withdrawn \
    "migration: --renew does not make an old grant newer"

# --- suppression ---------------------------------------------------------
t_run suppress bob@example.org --reason "complaint to DPO" --at $T2
t_rc 0 "suppress"
t_eq "$out" "suppressed bob@example.org (at $T2_TEXT), reason \"complaint to DPO\"" \
    "suppress: one plain line"
t_eq "$(t_redis GET cm:suppress:bob@example.org)" "$T2 complaint to DPO" \
    "suppress: \"<time> <reason>\" stored"
t_run suppress bob@example.org --reason later --at $T3
t_rc 0 "suppress again"
t_has "already suppressed" "suppress again: explained"
t_eq "$(t_redis GET cm:suppress:bob@example.org)" "$T2 complaint to DPO" \
    "suppress again: the first suppression time is kept"

t_run grant bob@example.org newsletter --at $T3 --source form
t_rc 0 "grant while suppressed is an answer"
t_has "not granted: bob@example.org is suppressed since $T2_TEXT" \
    "grant while suppressed: explained"
t_has "use --renew" "grant while suppressed: hints at --renew"
t_eq "$(t_redis EXISTS cm:consent:bob@example.org)" 0 \
    "grant while suppressed: nothing stored"

t_run grant bob@example.org newsletter --at $T1 --renew --source form
t_has "not granted" "--renew with an older time: refused"
t_eq "$(t_redis EXISTS cm:suppress:bob@example.org)" 1 \
    "--renew with an older time: suppression kept"

t_run grant bob@example.org newsletter --at $T3 --renew --source "new form"
t_rc 0 "--renew with a newer time"
t_eq "$out" "lifted the suppression of bob@example.org (at $T3_TEXT)
granted newsletter for bob@example.org (at $T3_TEXT)" \
    "--renew: two lines, one per change"
t_eq "$(t_redis EXISTS cm:suppress:bob@example.org)" 0 \
    "--renew with a newer time: suppression lifted"
t_eq "$(state bob@example.org newsletter)" "granted $T3 new form" \
    "--renew with a newer time: grant applied"
t_eq "$(hist bob@example.org state)" "suppressed|unsuppressed|granted" \
    "--renew: history suppressed, unsuppressed, granted"

# --- withdraw --all ------------------------------------------------------
t_run grant carol@example.org newsletter --at $T1
t_run grant carol@example.org events --at $T1
t_run grant carol@example.org surveys --at $T3
t_run withdraw carol@example.org --all --at $T2 --source "unsubscribe all"
t_rc 0 "withdraw --all"
t_eq "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 3 \
    "withdraw --all: a line per change (two purposes, one suppression)"
t_eq "$(state carol@example.org newsletter)" "withdrawn $T2 unsubscribe all" \
    "withdraw --all: newsletter withdrawn"
t_eq "$(state carol@example.org events)" "withdrawn $T2 unsubscribe all" \
    "withdraw --all: events withdrawn"
t_eq "$(state carol@example.org surveys)" "granted $T3 consentctl" \
    "withdraw --all: a newer grant is not withdrawn by an older event"
t_eq "$(t_redis GET cm:suppress:carol@example.org)" "$T2 unsubscribe all" \
    "withdraw --all: suppressed"
t_run withdraw carol@example.org --all --at $T2 --source again
t_rc 0 "withdraw --all again"
t_has "nothing to withdraw, and carol@example.org is already suppressed" \
    "withdraw --all again: unchanged"
t_run withdraw carol@example.org newsletter --all
t_rc 64 "withdraw with PURPOSE and --all"
t_run withdraw carol@example.org
t_rc 64 "withdraw with neither PURPOSE nor --all"

# --- unsuppress ----------------------------------------------------------
t_run unsuppress carol@example.org
t_rc 64 "unsuppress without --source"
t_errhas "--source TEXT is required" "unsuppress without --source: says why"
t_run unsuppress carol@example.org --source "signed form" --at $T1
t_rc 0 "unsuppress older than the suppression"
t_has "carol@example.org stays suppressed" "older unsuppress: explained"
t_eq "$(t_redis EXISTS cm:suppress:carol@example.org)" 1 \
    "older unsuppress: suppression kept"
t_run unsuppress carol@example.org --source "signed form" --at $T3
t_rc 0 "unsuppress"
t_eq "$out" "lifted the suppression of carol@example.org (at $T3_TEXT)" \
    "unsuppress: one plain line"
t_eq "$(t_redis EXISTS cm:suppress:carol@example.org)" 0 \
    "unsuppress: suppression deleted"
t_eq "$(hist carol@example.org src | awk -F'|' '{print $NF}')" "signed form" \
    "unsuppress: evidence in the history"
t_run unsuppress carol@example.org --source "signed form"
t_rc 0 "unsuppress when not suppressed"
t_has "carol@example.org is not suppressed" "unsuppress when not suppressed: said"

# --- history and actor ---------------------------------------------------
t_run grant dan@example.org newsletter --at $T1 --source f --actor dpo
t_run --actor ops withdraw dan@example.org newsletter --at $T2
t_run suppress dan@example.org --at $T2
t_eq "$(hist dan@example.org actor)" "dpo|ops|$ME" \
    "history: --actor, global --actor, else the Unix user"
t_eq "$(hist dan@example.org state)" "granted|withdrawn|suppressed" \
    "history: one entry per change"
t_eq "$(hist dan@example.org at)" "$T1|$T2|$T2" "history: event times"
t_eq "$(hist dan@example.org purpose)" "newsletter|newsletter|*" \
    "history: purpose, * for a suppression"
t_run grant dan@example.org newsletter --at $T1
t_eq "$(t_redis XLEN cm:history:dan@example.org)" 3 \
    "history: a change not made adds nothing"

# --- erase ---------------------------------------------------------------
t_run erase dan@example.org --reason "Art 17 request 42"
t_rc 0 "erase"
t_has "erased all but the suppression of dan@example.org" "erase: said"
t_eq "$(t_redis EXISTS cm:consent:dan@example.org)" 0 "erase: record deleted"
t_eq "$(t_redis XLEN cm:history:dan@example.org)" 1 \
    "erase: history replaced by one entry"
t_eq "$(hist dan@example.org state)/$(hist dan@example.org purpose)/$(hist dan@example.org src)" \
    "erased/*/Art 17 request 42" "erase: the entry is the erasure itself"
t_eq "$(t_redis GET cm:suppress:dan@example.org)" "$T2 consentctl" \
    "erase: an existing suppression is kept as it was"
t_run grant erin@example.org newsletter --at $T1
t_run erase erin@example.org
t_eq "$(t_redis GET cm:suppress:erin@example.org | cut -d' ' -f2)" erased \
    "erase: a suppression is added when there was none"
t_run grant erin@example.org newsletter --at $T1
t_has "not granted" "erase: the person is not contacted again"

# --- show ----------------------------------------------------------------
t_run grant frank@example.org newsletter --at $T1 --source "web form v3"
t_run withdraw frank@example.org events --at $T2 --source "line1
line2"
t_run show Frank@example.org
t_rc 0 "show"
t_has "address: frank@example.org" "show: the normalised address"
t_has "newsletter: granted at $T1_TEXT ($T1), source \"web form v3\"" \
    "show: purpose, state, RFC 3339 and raw time, source"
t_has "events: withdrawn at $T2_TEXT ($T2), source \"line1\\x0aline2\"" \
    "show: stored text escaped"
t_has "suppressed: no" "show: no suppression"
t_has "history (oldest first):
  granted newsletter (at $T1_TEXT = $T1), source \"web form v3\", actor \"$ME\"" \
    "show: history, oldest first, with actor"
t_run show erin@example.org
t_has "consent: none" "show after erasure: no record"
t_has "suppressed: since " "show after erasure: the suppression"
t_has "erased all but the suppression (at" "show after erasure: the erasure"
t_run show frank@example.org --json
t_rc 0 "show --json"
t_eq "$(printf '%s' "$out" | jq -r '
    (.consent | map({(.purpose): .}) | add) as $c
    | [.address, $c.newsletter.state, ($c.newsletter.at_unix | tostring),
       ($c.events.src == "line1\nline2" | tostring), (.suppressed | tostring),
       ([.history[].state] | join(","))] | join(" ")' 2>&1)" \
    "frank@example.org granted $T1 true null granted,withdrawn" \
    "show --json: valid JSON with the record and history"
t_run show nobody@example.org
t_rc 0 "show of an unknown address"
t_has "consent: none" "show of an unknown address: empty"

# --- times ---------------------------------------------------------------
t_run grant gina@example.org newsletter --at 2023-11-14T23:13:20+01:00
t_eq "$(t_redis HGET cm:consent:gina@example.org newsletter:at)" $T1 \
    "--at with an offset"
t_run grant gina@example.org events
now=$(date +%s)
at=$(t_redis HGET cm:consent:gina@example.org events:at)
t_eq "$((at >= now - 60 && at <= now))" 1 "no --at: now"

# --- no event in the future (DESIGN.md section 3, row 16a) ---------------
# A grant dated ahead within the tolerance is stored at the time it is
# recorded, so a withdrawal made a moment later is newer and wins.
now=$(date +%s)
t_run grant fut1@example.org newsletter --at $((now + 200)) --source fast-clock
t_rc 0 "grant 200 s ahead: within the clock skew tolerated"
at=$(t_redis HGET cm:consent:fut1@example.org newsletter:at)
t_eq "$((at >= now && at <= $(date +%s)))" 1 \
    "grant 200 s ahead: stored at the moment it was recorded"
t_eq "$(hist fut1@example.org at)" "$at" "grant 200 s ahead: history time too"
t_run withdraw fut1@example.org newsletter --source unsubscribe-link
t_rc 0 "withdrawal right after a grant dated ahead"
t_has "withdrew newsletter for fut1@example.org" \
    "withdrawal right after: applied, not stale"
t_eq "$(t_redis HGET cm:consent:fut1@example.org newsletter)" withdrawn \
    "a withdrawal made now beats a grant dated ahead"
for verb in "grant fut2@example.org newsletter" \
    "withdraw fut2@example.org newsletter" "withdraw fut2@example.org --all" \
    "suppress fut2@example.org" \
    "unsuppress fut2@example.org --source form"; do
    t_run $verb --at $((now + 400))
    t_rc 65 "$verb --at 400 s ahead"
    t_errhas "more than 300 s in the future" "$verb: says why"
done
t_eq "$(t_redis KEYS 'cm:*fut2*')" "" "400 s ahead: nothing written"
t_run grant fut2@example.org newsletter --at $((now + 86400 * 365))
t_rc 65 "a grant a year ahead"

# What another tool wrote: a time ahead is not consent (row 16a).
t_run campaign add fut-news --purpose newsletter
t_rc 0 "campaign for the future-time checks"
t_redis HSET cm:consent:fut3@example.org newsletter granted \
    newsletter:at $((now + 86400)) newsletter:src "other tool" > /dev/null
t_run check fut3@example.org fut-news
t_rc 1 "check: stored consent a day ahead"
t_has "deny: consent-invalid" "check: a day ahead is consent-invalid"
t_redis HSET cm:consent:fut3@example.org newsletter:at \
    99999999999999999999999 > /dev/null
t_run check fut3@example.org fut-news
t_has "deny: consent-invalid" "check: more digits than a time holds"
# Any other time that is not Unix seconds is no evidence either; nor is
# a state that no writer stores. Redis answered, so not a store error
# (which OnError accept would let through).
for bad in 99999999999x -5 2099-01-01T00:00:00Z " 1796000000" ""; do
    t_redis HSET cm:consent:fut3@example.org newsletter:at "$bad" > /dev/null
    t_run check fut3@example.org fut-news
    t_has "deny: consent-invalid" "check: consent time \"$bad\""
done
t_redis HSET cm:consent:fut3@example.org newsletter Granted \
    newsletter:at $now > /dev/null
t_run check fut3@example.org fut-news
t_has "deny: consent-invalid" "check: an unknown state"
t_redis SET cm:suppress:fut3@example.org "$now complaint" > /dev/null
t_run check fut3@example.org fut-news
t_has "deny: suppressed" "check: suppressed, with a state nobody stores"
t_redis DEL cm:suppress:fut3@example.org > /dev/null
t_redis HSET cm:consent:fut3@example.org newsletter granted > /dev/null
t_redis HSET cm:consent:fut3@example.org newsletter:at $((now + 250)) > /dev/null
t_run check fut3@example.org fut-news
t_rc 0 "check: 250 s ahead is clock skew"
t_has "allow: consent" "check: 250 s ahead allowed"
t_redis HSET cm:consent:fut3@example.org newsletter:at $((now + 86400)) > /dev/null
t_run withdraw fut3@example.org newsletter --source unsubscribe-link
t_rc 0 "withdraw over a stored grant dated a day ahead"
t_eq "$(t_redis HGET cm:consent:fut3@example.org newsletter)" withdrawn \
    "a withdrawal made now beats a grant another tool dated ahead"

# Another host's grant, its clock 200 s ahead of ours: within the skew
# the daemon honours, so it is consent; a withdrawal made here now must
# still replace it, and the same grant sent again must not undo that.
t_redis HSET cm:consent:fut4@example.org newsletter granted \
    newsletter:at $((now + 200)) newsletter:src "fast host" > /dev/null
t_run withdraw fut4@example.org newsletter --source unsubscribe-link
t_rc 0 "withdraw over a grant 200 s ahead (another host's clock)"
t_has "withdrew newsletter for fut4@example.org" \
    "withdrawal over a grant 200 s ahead: applied, not stale"
t_eq "$(t_redis HGET cm:consent:fut4@example.org newsletter)" withdrawn \
    "a withdrawal made now beats a grant dated ahead within the skew"
t_eq "$(t_redis HGET cm:consent:fut4@example.org newsletter:at)" \
    $((now + 200)) "stored at the grant's time: the two tie"
t_eq "$(hist fut4@example.org at)" $((now + 200)) "history time too"
t_run check fut4@example.org fut-news
t_has "deny: withdrawn" "check: withdrawn after the grant dated ahead"
t_run grant fut4@example.org newsletter --at $((now + 200)) \
    --source "fast host again"
t_eq "$(t_redis HGET cm:consent:fut4@example.org newsletter)" withdrawn \
    "the same grant sent again: the tie goes to withdrawn"

# withdraw --all takes the same way: every purpose granted ahead, within
# the skew or beyond it (another tool), is withdrawn now.
t_redis HSET cm:consent:fut5@example.org newsletter granted \
    newsletter:at $((now + 200)) newsletter:src "fast host" \
    events granted events:at $((now + 86400)) events:src "a tool" > /dev/null
t_run withdraw fut5@example.org --all --source "unsubscribe all"
t_rc 0 "withdraw --all over grants dated ahead"
t_eq "$(t_redis HGET cm:consent:fut5@example.org newsletter) $(t_redis HGET cm:consent:fut5@example.org events)" \
    "withdrawn withdrawn" "withdraw --all: both grants dated ahead withdrawn"
t_eq "$(t_redis HGET cm:consent:fut5@example.org newsletter:at)" \
    $((now + 200)) "withdraw --all: stored at the grant's time (skew)"
t_eq "$(t_redis EXISTS cm:suppress:fut5@example.org)" 1 \
    "withdraw --all: suppressed too"
t_run check fut5@example.org fut-news
t_has "deny:" "check after withdraw --all over grants dated ahead: denied"
t_run grant fut5@example.org newsletter --at $((now + 200)) \
    --source "fast host again"
t_eq "$(t_redis HGET cm:consent:fut5@example.org newsletter)" withdrawn \
    "withdraw --all, then the same grant again: the tie goes to withdrawn"

# --- UTF-8: addresses and texts must be valid ------------------------------
t_run grant "$(printf 'm\374ller@example.org')" newsletter
t_rc 65 "grant: a Latin-1 address"
t_errhas 'address "m\xfcller@example.org": not valid UTF-8' \
    "Latin-1 address: named"
t_run grant "$(printf 'm\303\274ller@example.org')" newsletter --at $T1
t_rc 0 "grant: a UTF-8 address"
t_eq "$(t_redis HGET "$(printf 'cm:consent:m\303\274ller@example.org')" newsletter)" \
    granted "UTF-8 address stored as it is"
for bad in '\300\257' '\355\240\200' '\364\220\200\200' '\342\202'; do
    t_run grant utf@example.org newsletter --source "$(printf "form $bad")"
    t_rc 65 "--source with invalid UTF-8 ($bad)"
done
t_errhas '--source "form \xe2\x82": not valid UTF-8' "bad --source: named"
t_run suppress utf@example.org --reason "$(printf 'plainte re\347ue')"
t_rc 65 "--reason in Latin-1"
t_run withdraw utf@example.org newsletter --actor "$(printf 'J\366rg')"
t_rc 65 "--actor in Latin-1"
t_run --actor "$(printf 'J\366rg')" grant utf@example.org newsletter
t_rc 65 "global --actor in Latin-1"
t_errhas '--actor "J\xf6rg": not valid UTF-8' "global --actor: named"
t_eq "$(t_redis KEYS 'cm:*utf@*')" "" "invalid UTF-8: nothing written"

# --- bad data: 65, nothing written ---------------------------------------
t_run grant not-an-address newsletter
t_rc 65 "bad address"
t_errhas "no @ in address" "bad address: says why"
t_run grant hank@example.org News!
t_rc 65 "bad purpose"
t_run grant hank@example.org newsletter --at yesterday
t_rc 65 "bad time: letters"
t_errhas "RFC 3339" "bad time: says what is expected"
t_run grant hank@example.org newsletter --at 2024-02-30T00:00:00Z
t_rc 65 "bad time: February 30"
t_run withdraw hank@example.org newsletter --at 2024-13-01T00:00:00Z
t_rc 65 "bad time: month 13"
t_run grant hank@example.org newsletter --at $((now + 86400))
t_rc 65 "grant dated in the future"
t_eq "$(t_redis EXISTS cm:consent:hank@example.org)" 0 \
    "bad data: nothing written"

# --- usage ---------------------------------------------------------------
for verb in grant withdraw suppress unsuppress erase show mail-unsubscribe \
    feedback; do
    t_run $verb --help
    t_rc 0 "$verb --help"
    t_has "usage: consentctl" "$verb --help: usage on stdout"
done
t_run grant hank@example.org newsletter --bogus
t_rc 64 "unknown option"
t_errhas "unknown option \"--bogus\"" "unknown option: named"
t_run grant hank@example.org
t_rc 64 "grant without PURPOSE"
t_run grant
t_rc 64 "grant without ADDR"
t_run suppress hank@example.org extra
t_rc 64 "suppress with an extra argument"
t_run grant hank@example.org newsletter --at
t_rc 64 "--at without a value"
t_run show hank@example.org --renew
t_rc 64 "an option of another verb"

# --- pseudonymised ids and KeyPrefix -------------------------------------
printf '%s' test-key > "$TMP/key"
t_conf "AddressKeyFile $TMP/key" "KeyPrefix t2:"
t_run grant alice@example.org newsletter --at $T1
t_rc 0 "grant with AddressKeyFile and KeyPrefix"
t_eq "$(t_redis HGET "t2:consent:$ALICE_ID" newsletter)" granted \
    "record under the HMAC id and the prefix"
t_eq "$(t_redis XLEN "t2:history:$ALICE_ID")" 1 "history under the HMAC id"
t_run show alice@example.org
t_has "record id: $ALICE_ID" "show: the pseudonymised id"

# --- Redis down: 69, but bad data is still 65 ----------------------------
printf 'Redis unix:%s\n' "$TMP/missing.sock" > "$CONF"
t_run grant alice@example.org newsletter
t_rc 69 "Redis down: grant"
t_errhas "unavailable" "Redis down: says so"
t_run show alice@example.org
t_rc 69 "Redis down: show"
t_run grant bad-address newsletter
t_rc 65 "Redis down: bad data is found first"

t_done
