#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# cache-warm.sh - ConsentCacheWarmup: the whole store read in at start
#
# Starts a private redis-server and consent-milter with ConsentCache and
# ConsentCacheWarmup yes, over a store of 60 people (victim0..victim59,
# granted; victim2 withdrawn) and one envelope campaign. Asserts:
#   - the log says the warm-up is done and how many keys it read (at
#     least one per person: consent and suppression are both read);
#   - the first decision for a person after the warm-up reaches Redis
#     with no HGETALL: it was served from what the warm-up read;
#   - the withdrawn person is refused, also without a read (the warm-up
#     read their record faithfully), and a person withdrawn after the
#     warm-up is refused
#     (the warmed entries are tracked like any other);
#   - SIGTERM in the middle of a warm-up of 300,000 more people: the
#     walk ends early and says so ("stopped after N keys: the daemon is
#     stopping", never "done"), the daemon exits 0, and "stopped" is
#     its last log line (nothing of it runs after).
#
# Run by make check under tests/lib/redis.sh (whose own server it does
# not use); by hand with the variables of tests/redis/lib.sh.

set -u
. "${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/redis/lib.sh"

MILTERGEN=${MILTERGEN:-${CM_BUILDDIR:-.}/tests/bench/miltergen}
[ -x "$MILTERGEN" ] || { echo "$0: $MILTERGEN not built" >&2; exit 99; }

start_redis store

cat > "$tmp/ctl.conf" <<EOF
Redis unix:$tmp/store.sock
EOF
cat > "$tmp/milter.conf" <<EOF
Socket unix:$tmp/milter.sock
Redis unix:$tmp/store.sock
RedisTimeout 3000
AuditLog $tmp/audit.log
AllowRoot yes
ConsentCache 10MB
ConsentCacheWarmup yes
EOF
ctl() { "$CM_CONSENTCTL" -c "$tmp/ctl.conf" --actor cache-test "$@" > /dev/null; }
ago() { echo $(( $(date +%s) - $1 )); }

# person 0|1 - one message to victim0 (0) or victim2 (1), miltergen's
# choice among -N 4 addresses
person() { decide news@warm.example 4 "$1"; }

warm_done() { grep -q 'consent cache warm-up: done' "$tmp/milter.log"; }

ctl campaign add warm-env --purpose newsletter --owner test ||
    fail "consentctl could not add the campaign"
ctl sender set news@warm.example warm-env || fail "consentctl sender set"
i=0
while [ $i -lt 60 ]; do
    ctl grant "victim$i@example.org" newsletter --at "$(ago 5000)" ||
	fail "consentctl grant victim$i"
    i=$((i + 1))
done
ctl withdraw victim2@example.org newsletter --at "$(ago 4000)" ||
    fail "consentctl withdraw victim2"

start_daemon "$tmp/milter.conf"
wait_until 20 "the warm-up to finish" warm_done
keys=$(sed -n 's/.*consent cache warm-up: done, \([0-9]*\) keys read.*/\1/p' \
    "$tmp/milter.log")
[ "${keys:-0}" -ge 60 ] || fail "the warm-up read ${keys:-no} keys (expected at least 60)"
echo "warm-up: $keys keys read"

before=$(hgetalls store)
d=$(person 0)
[ "$d" = accepted ] || fail "victim0 $d after the warm-up (expected accepted)"
[ "$(hgetalls store)" = "$before" ] ||
    fail "victim0's decision read Redis: the warm-up did not fill the cache"
echo "victim0 accepted from the warmed cache"

before=$(hgetalls store)
d=$(person 1)
[ "$d" = refused ] || fail "victim2 (withdrawn before start) $d (expected refused)"
[ "$(hgetalls store)" = "$before" ] ||
    fail "victim2's decision read Redis: the warm-up did not fill the cache"
echo "victim2 refused from the warmed cache"

ctl withdraw victim0@example.org newsletter --at "$(ago 3000)" ||
    fail "consentctl withdraw victim0"
d=$(person 0)
[ "$d" = refused ] || fail "victim0 (withdrawn after the warm-up) $d (expected refused)"
echo "victim0 refused after its withdrawal"

stop_daemon

# SIGTERM during a long warm-up.
rcli store EVAL "for i = 1, 300000 do redis.call('HSET', 'cm:consent:bulk' .. i ..
    '@example.org', 'newsletter', 'granted', 'newsletter:at', '1700000000')
    end return 1" 0 > /dev/null || fail "could not add 300000 people"
: > "$tmp/milter.log"
warm_started() { grep -q 'consent cache warm-up: started' "$tmp/milter.log"; }
start_daemon "$tmp/milter.conf"
wait_until 20 "the warm-up to start" warm_started
stop_daemon
grep -q 'consent cache warm-up stopped after [0-9]* keys: the daemon is stopping' \
    "$tmp/milter.log" || fail "the warm-up cut by SIGTERM does not say so"
! warm_done || fail "a warm-up cut by SIGTERM says it is done"
tail -1 "$tmp/milter.log" | grep -q ': stopped$' ||
    fail "\"stopped\" is not the last line: $(tail -1 "$tmp/milter.log")"
echo "SIGTERM during the warm-up: $(sed -n 's/.*warm-up \(stopped after [0-9]* keys\).*/\1/p' \
    "$tmp/milter.log"), stopped last"
echo "PASS"
