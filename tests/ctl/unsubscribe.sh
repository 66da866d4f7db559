#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# unsubscribe.sh - opt-out references and links (DESIGN.md section 14)
#
# Run under tests/lib/redis.sh with CM_CONSENTCTL and CM_SRCDIR set.
# Checks that the writers give references (a first grant, campaign
# add; not a withdrawal), erase removes the person's, unsubscribe-refs gives them to a
# store written before (idempotent), unsubscribe-link prints the forms
# the daemon adds and names the fix when a reference is missing, the
# key file is mode-checked, and that no reader takes "#ref" for a
# purpose (show, export, stats, withdraw --all).

. "$CM_SRCDIR/tests/ctl/lib.sh"

KEYS=$TMP/unsub.keys
printf '# test key\nk1 %s\n' \
    000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f > "$KEYS"
chmod 600 "$KEYS"
t_conf "UnsubscribeKeyFile $KEYS" \
    "UnsubscribeURL https://optout.example.org/u/" \
    "UnsubscribeMailto optout.example.org"
t_redis FLUSHALL > /dev/null

echo "--- writers give references"
t_run grant alice@example.org news --source form
t_rc 0 "grant"
t_eq "$(t_redis HGET cm:consent:alice@example.org '#ref')" 1 "first grant: #ref 1"
t_eq "$(t_redis GET cm:unsub:p:1)" alice@example.org "Punsub:p:1 -> alice"
t_run withdraw bob@example.org news
t_eq "$(t_redis HEXISTS cm:consent:bob@example.org '#ref')" 0 \
    "withdrawal: no reference (nobody is mailed on one)"
t_run grant alice@example.org other --source form
t_eq "$(t_redis HGET cm:consent:alice@example.org '#ref')" 1 \
    "a second grant keeps the reference"
t_run grant bob@example.org other --source form
t_eq "$(t_redis HGET cm:consent:bob@example.org '#ref')" 2 "bob's first grant: #ref 2"
t_eq "$(t_redis GET cm:unsub:seq)" 2 "two references given"
t_run campaign add spring --purpose news
t_rc 0 "campaign add"
t_eq "$(t_redis HGET cm:campaign:spring ref)" 1 "campaign ref 1"
t_eq "$(t_redis GET cm:unsub:c:1)" spring "Punsub:c:1 -> spring"

echo "--- readers ignore #ref"
t_run show alice@example.org
t_rc 0 "show"
case $out in *'#ref'*) t_notok "show lists #ref"; printf '#   %s\n' "$out" ;;
*) t_ok "show does not list #ref" ;; esac
t_run export
t_rc 0 "export"
t_eq "$(printf '%s\n' "$out" | grep -c 'ref')" 0 "export has no #ref row"
t_eq "$(printf '%s\n' "$out" | grep -c '^alice@example.org,news,granted')" 1 \
    "export has alice's grant"
t_run stats --json
t_rc 0 "stats"
case $out in *'#ref'*) t_notok "stats counts #ref as a purpose" ;;
*) t_ok "stats: no purpose #ref" ;; esac
t_run withdraw alice@example.org --all
t_rc 0 "withdraw --all"
t_eq "$(t_redis HGET cm:consent:alice@example.org '#ref')" 1 "withdraw --all keeps #ref"
t_eq "$(t_redis HEXISTS cm:consent:alice@example.org '#ref:at')" 0 "no #ref:at"

echo "--- unsubscribe-link"
t_run unsubscribe-link Bob@Example.ORG spring
t_rc 0 "unsubscribe-link"
url=$(printf '%s\n' "$out" | sed -n 1p)
mailto=$(printf '%s\n' "$out" | sed -n 2p)
tok=${url#https://optout.example.org/u/}
t_eq "$(printf '%s' "$tok" | tr -d 'a-z2-7' | wc -c)" 0 "token alphabet a-z2-7"
t_eq "${#tok}" 50 "token is 50 characters"
t_eq "$mailto" "mailto:unsubscribe+$tok@optout.example.org" "mailto form, same token"
local_part=${mailto#mailto:}
local_part=${local_part%@*}
t_eq "${#local_part}" 62 "local part unsubscribe+TOKEN is 62 octets"
t_run unsubscribe-link bob@example.org spring --header
t_eq "$(printf '%s\n' "$out" | sed -n 1p)" \
    "List-Unsubscribe: <https://optout.example.org/u/$tok>, <mailto:unsubscribe+$tok@optout.example.org>" \
    "--header: List-Unsubscribe"
t_eq "$(printf '%s\n' "$out" | sed -n 2p)" \
    "List-Unsubscribe-Post: List-Unsubscribe=One-Click" "--header: one-click"
t_run unsubscribe-link carol@example.org spring
t_rc 65 "no record"
t_errhas "consentctl unsubscribe-refs" "names the fix"
t_run unsubscribe-link bob@example.org nosuch
t_rc 65 "no campaign"
t_run unsubscribe-link bob@example.org
t_rc 64 "usage"

echo "--- unsubscribe-refs for a store written before"
t_redis HSET cm:consent:old@example.org news granted news:at 1700000000 > /dev/null
t_redis HSET cm:campaign:autumn purpose news basis consent status active > /dev/null
t_run unsubscribe-link old@example.org spring
t_rc 65 "old record: no reference yet"
t_errhas "consent record has no opt-out reference (run: consentctl unsubscribe-refs)" \
    "old record: message"
t_run unsubscribe-link bob@example.org autumn
t_errhas "campaign has no opt-out reference" "old campaign: message"
t_run unsubscribe-refs
t_rc 0 "unsubscribe-refs"
t_eq "$out" "records: 1 given a reference, 2 had one; campaigns: 1 given a reference, 1 had one" \
    "counts"
t_eq "$(t_redis HGET cm:consent:old@example.org '#ref')" 3 "old record: #ref 3"
t_eq "$(t_redis GET cm:unsub:p:3)" old@example.org "Punsub:p:3 -> old"
t_eq "$(t_redis GET cm:unsub:c:2)" autumn "Punsub:c:2 -> autumn"
t_run unsubscribe-refs
t_eq "$out" "records: 0 given a reference, 3 had one; campaigns: 0 given a reference, 2 had one" \
    "again: nothing new"
t_run unsubscribe-link old@example.org autumn
t_rc 0 "old record, old campaign: link now"

echo "--- erase"
t_run erase bob@example.org
t_rc 0 "erase"
t_eq "$(t_redis EXISTS cm:unsub:p:2)" 0 "erase deletes Punsub:p:2"
t_eq "$(t_redis GET cm:unsub:p:3)" old@example.org "others' references stay"

echo "--- key file"
chmod 644 "$KEYS"
t_run unsubscribe-link old@example.org autumn
t_rc 65 "world-readable key file"
t_errhas "readable or writable by others (mode 0644)" "mode named"
chmod 600 "$KEYS"
printf 'k1 00\n' > "$KEYS"
t_run unsubscribe-link old@example.org autumn
t_rc 65 "bad key file"
t_errhas "$KEYS:1: secret shorter than 32 bytes" "FILE:LINE named"

t_done
