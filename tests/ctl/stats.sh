#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# stats.sh - consentctl stats: people per purpose and state, and how old
#
# Runs under tests/lib/redis.sh (a private redis-server). Records are
# seeded with raw Redis commands at times relative to now (an hour past
# a whole number of days, so the ages in days are exact), and every
# number is asserted: people, suppressions, granted / withdrawn /
# suppressed / stale / without a valid time per purpose, the oldest and
# newest grant with their ages, --purpose, --stale-months, --json, and
# a store large enough to take many SCAN batches.

. "$CM_SRCDIR/tests/ctl/lib.sh"

NOW=$(date +%s)
D=86400
OLD=$((NOW - 800 * D - 3600))		# stale: over 24 months
MID=$((NOW - 400 * D - 3600))		# stale only with --stale-months 12
NEW=$((NOW - 10 * D - 3600))

# rfc T - T as RFC 3339 UTC
rfc() {
    date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ
}

t_conf
cd "$TMP" || exit 99

t_redis HSET cm:consent:alice@example.org news granted news:at $OLD \
    news:src form sms withdrawn sms:at $MID sms:src stop > /dev/null
t_redis HSET cm:consent:bob@example.org news granted news:at $NEW \
    sms granted sms:at $MID > /dev/null
t_redis SET cm:suppress:bob@example.org "$NEW complaint" > /dev/null
t_redis HSET cm:consent:carol@example.org news withdrawn news:at $NEW > /dev/null
t_redis HSET cm:consent:dave@example.org news granted news:at $MID \
    post granted > /dev/null
t_redis HSET cm:consent:erin@example.org news granted news:at yesterday \
    'News!' granted 'News!:at' $NEW > /dev/null
t_redis SET cm:consent:weird@example.org oops > /dev/null
t_redis SET cm:suppress:zed@example.org "$OLD bounced" > /dev/null
# Another prefix is not counted.
t_redis HSET other:consent:x@example.org news granted news:at $NEW > /dev/null

t_run stats
t_rc 0 "stats"
t_has "people with a consent record: 5" "people: records holding a purpose"
t_has "suppressed addresses: 2 (every purpose)" "suppressions"
t_has "skipped: 2 fields or keys that are no consent record" \
    "a bad purpose and a key of the wrong type are skipped"
t_has "purpose news
  granted: 4 (suppressed 1, stale 1, no valid time 1)
  withdrawn: 1
  oldest grant: $(rfc $OLD) (800 days ago)
  newest grant: $(rfc $NEW) (10 days ago)" "news: every number"
t_has "purpose post
  granted: 1 (suppressed 0, stale 0, no valid time 1)
  withdrawn: 0" "post: a grant without a time"
t_has "purpose sms
  granted: 1 (suppressed 1, stale 0, no valid time 0)
  withdrawn: 1
  oldest grant: $(rfc $MID) (400 days ago)
  newest grant: $(rfc $MID) (400 days ago)" "sms: every number"
t_eq "$(printf '%s\n' "$out" | grep '^purpose' | tr '\n' ' ')" \
    "purpose news purpose post purpose sms " "purposes sorted, no others"
case $out in *"oldest grant"*"oldest grant"*"oldest grant"*)
    t_notok "post has no oldest grant" ;; *) t_ok "post has no oldest grant" ;; esac
t_has "stale: granted before $(($(date -u -d "@$NOW" +%Y) - 2))$(date -u -d "@$NOW" +-%m-%dT)" \
    "stale: 24 calendar months by default"

t_run stats --stale-months 12
t_rc 0 "stats --stale-months 12"
t_has "granted: 4 (suppressed 1, stale 2, no valid time 1)" \
    "--stale-months 12: news counts the 400-day grant too"
t_has "granted: 1 (suppressed 1, stale 1, no valid time 0)" \
    "--stale-months 12: sms"

t_run stats --purpose sms
t_rc 0 "stats --purpose sms"
t_has "people with a consent record: 2" "--purpose: people holding it"
t_has "suppressed addresses: 2 (every purpose)" "--purpose: every suppression"
t_eq "$(printf '%s\n' "$out" | grep -c '^purpose')" 1 "--purpose: one block"
t_has "purpose sms" "--purpose: that block"

t_run stats --purpose nobody
t_rc 0 "stats --purpose with nobody on record"
t_has "people with a consent record: 0" "unused purpose: no people"
t_has "purpose nobody
  granted: 0 (suppressed 0, stale 0, no valid time 0)
  withdrawn: 0" "unused purpose: shown with zeros"

# The key of the wrong type is skipped whatever the purpose.
t_run stats --json --purpose sms
t_rc 0 "stats --json"
t_eq "$out" "{\"now\":\"$(printf '%s\n' "$out" | sed -n 's/^{"now":"\([^"]*\)".*/\1/p')\",\"people\":2,\"suppressions\":2,\"stale_months\":24,\"stale_before\":\"$(printf '%s\n' "$out" | sed -n 's/.*"stale_before":"\([^"]*\)".*/\1/p')\",\"skipped\":1,\"purposes\":{\"sms\":{\"granted\":1,\"withdrawn\":1,\"granted_suppressed\":1,\"stale\":0,\"no_valid_time\":0,\"oldest_grant\":\"$(rfc $MID)\",\"oldest_grant_days\":400,\"newest_grant\":\"$(rfc $MID)\",\"newest_grant_days\":400}}}" \
    "--json: the exact object"
t_run stats --json
t_has '"news":{"granted":4,"withdrawn":1,"granted_suppressed":1,"stale":1,"no_valid_time":1,"oldest_grant":"'"$(rfc $OLD)"'","oldest_grant_days":800,"newest_grant":"'"$(rfc $NEW)"'","newest_grant_days":10}' \
    "--json: news"
t_has '"post":{"granted":1,"withdrawn":0,"granted_suppressed":0,"stale":0,"no_valid_time":1}' \
    "--json: post, no grant times"
t_has '"people":5,"suppressions":2,' "--json: totals"
t_has '"skipped":2,' "--json: skipped"

for bad in "--stale-months 0" "--stale-months x" "--stale-months 12x" \
    "--purpose Bad!" "--purpose" "--json --json" "--frobnicate"; do
    # shellcheck disable=SC2086
    t_run stats $bad
    t_rc 64 "usage error: stats $bad"
done

# --- many SCAN batches, and pseudonymised ids ------------------------------
t_redis FLUSHALL > /dev/null
t_redis EVAL "
for i = 1, 5000 do
  local id = string.format('%064x', i)
  redis.call('HSET', 'cm:consent:' .. id, 'news', i % 5 == 0 and 'withdrawn' or 'granted',
             'news:at', tostring(ARGV[1] - i))
  if i % 7 == 0 then redis.call('SET', 'cm:suppress:' .. id, ARGV[1] .. ' x') end
end" 0 "$NEW" > /dev/null
printf '%s' test-key > key
t_conf "AddressKeyFile $TMP/key"
t_run stats --json
t_rc 0 "stats over 5000 records"
t_has '"people":5000,"suppressions":714,' "5000 records: totals"
# Granted: i not divisible by 5 (4000); of those suppressed: divisible by 7
# but not 35 (714 - 142 = 572).
t_has '"news":{"granted":4000,"withdrawn":1000,"granted_suppressed":572,"stale":0,"no_valid_time":0,"oldest_grant":"'"$(rfc $((NEW - 4999)))"'","oldest_grant_days":10,"newest_grant":"'"$(rfc $((NEW - 1)))"'","newest_grant_days":10}' \
    "5000 records: every number"

t_done
