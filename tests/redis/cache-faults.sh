#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# cache-faults.sh - the consent cache through Redis faults
#
# Starts a private redis-server (DEBUG enabled) and consent-milter with
# ConsentCache on, an envelope campaign (sender news@cache.example) and
# one person, victim0@example.org. Each round first shows that the
# cache serves the person (two messages accepted, the second without an
# HGETALL reaching Redis), then makes a fault during which the person's
# consent changes, and asserts that the next decision reflects the new
# data (a refusal; miltergen decides one message with one recipient):
#
#   kill      CLIENT KILL of the invalidation link (found in CLIENT
#             LIST by its subscription), then a withdrawal;
#   flushall  FLUSHALL (Redis sends a null invalidation), then the
#             campaign and sender registered again, without consent;
#   sleep     DEBUG SLEEP 1, and a withdrawal sent during it (it is
#             applied when Redis wakes up); the cache pauses (its link's
#             PING is late) and serves again afterwards;
#   restart   Redis stopped and started again from an older snapshot
#             (SAVE while the person was withdrawn, a grant after it):
#             the data went back without any invalidation;
#   replica   with RedisReplica, the replica loses its primary and
#             refuses new connects (its link stays up): the pool reads
#             from the primary, whose answers the link does not cover.
#
# After the other rounds the link must come back ("consent cache on" in the
# log once more) and serve again. Sentinel failovers with the cache on:
# tests/redis/sentinel.sh in the cache pass (make check-cache).
#
# Run by make check under tests/lib/redis.sh (whose own server it does
# not use); by hand with the variables of tests/redis/lib.sh.

set -u
. "${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/redis/lib.sh"

MILTERGEN=${MILTERGEN:-${CM_BUILDDIR:-.}/tests/bench/miltergen}
[ -x "$MILTERGEN" ] || { echo "$0: $MILTERGEN not built" >&2; exit 99; }

start_redis store --enable-debug-command yes

cat > "$tmp/ctl.conf" <<EOF
Redis unix:$tmp/store.sock
EOF
cat > "$tmp/milter.conf" <<EOF
Socket unix:$tmp/milter.sock
Redis unix:$tmp/store.sock
RedisTimeout 3000
AuditLog $tmp/audit.log
AllowRoot yes
ConsentHeader full
ConsentCache 10MB
EOF
ctl() { "$CM_CONSENTCTL" -c "$tmp/ctl.conf" --actor cache-test "$@" > /dev/null; }
ago() { echo $(( $(date +%s) - $1 )); }

register() {
    ctl campaign add cache-env --purpose newsletter --owner test &&
    ctl sender set news@cache.example cache-env ||
	fail "consentctl could not register the campaign"
}

# victim - accepted, refused or tempfailed: one message to victim0
victim() { decide news@cache.example 4 0; }

# decide_settled - the first answer that is not a tempfail (10 s)
decide_settled() {
    _n=0
    while :; do
	_d=$(victim)
	[ "$_d" != tempfailed ] && { echo "$_d"; return; }
	_n=$((_n + 1))
	[ $_n -ge 100 ] && { echo tempfailed; return; }
	sleep 0.1
    done
}

links() { grep -c 'consent cache on' "$tmp/milter.log"; }

# served - two acceptances, the second from the cache (no HGETALL)
served() {
    [ "$(decide_settled)" = accepted ] || fail "$1: victim0 not accepted"
    _before=$(hgetalls store)
    [ "$(victim)" = accepted ] || fail "$1: victim0 not accepted again"
    [ "$(hgetalls store)" = "$_before" ] ||
	fail "$1: the second decision was not served from the cache"
    echo "$1: victim0 accepted, from the cache"
}

# expect_refused ROUND - the decision reflects the change
expect_refused() {
    _d=$(decide_settled)
    [ "$_d" = refused ] || {
	tail -20 "$tmp/milter.log"
	fail "$1: victim0 $_d after the change (expected refused)"
    }
    echo "$1: victim0 refused after the change"
}

# links_over N - the link came up more than N times
links_over() { test "$(links)" -gt "$1"; }

# link_back N ROUND - the link came up again (more than N times)
link_back() {
    wait_until 10 "$2: the invalidation link to come back" links_over "$1"
}

register
ctl grant victim0@example.org newsletter --at "$(ago 5000)"
start_daemon "$tmp/milter.conf"
wait_until 10 "the consent cache to come on" links_over 0

echo "--- kill: CLIENT KILL of the invalidation link"
served kill
n=$(links)
id=$(rcli store client list | awk '/ sub=1 /{ sub("id=", "", $1); print $1 }')
[ -n "$id" ] || fail "no subscribed client in CLIENT LIST"
rcli store client kill id "$id" > /dev/null || fail "CLIENT KILL failed"
ctl withdraw victim0@example.org newsletter --at "$(ago 4000)"
expect_refused kill
grep -q 'consent cache off: .*server closed the connection' \
    "$tmp/milter.log" || fail "kill: the link's loss was not logged"
link_back "$n" kill

echo "--- flushall: FLUSHALL, then the campaign again, no consent"
ctl grant victim0@example.org newsletter --at "$(ago 3000)"
served flushall
rcli store flushall > /dev/null
register
expect_refused flushall

echo "--- sleep: DEBUG SLEEP 1, a withdrawal sent meanwhile"
ctl grant victim0@example.org newsletter --at "$(ago 2500)"
served sleep
n=$(links)
rcli store debug sleep 1 > /dev/null &
sleeper=$!
sleep 0.2
ctl withdraw victim0@example.org newsletter --at "$(ago 2400)" ||
    fail "sleep: the withdrawal failed"
wait $sleeper
expect_refused sleep
grep -q 'consent cache paused: no answer to PING' "$tmp/milter.log" ||
    fail "sleep: the cache was not paused while Redis slept"
ctl grant victim0@example.org newsletter --at "$(ago 2300)"
served "sleep (afterwards)"

echo "--- restart: Redis back from an older snapshot"
ctl withdraw victim0@example.org newsletter --at "$(ago 2200)"
rcli store save > /dev/null || fail "SAVE failed"	# victim0 withdrawn
ctl grant victim0@example.org newsletter --at "$(ago 2000)"
served restart
n=$(links)
cm_redis_stop store
start_redis store --enable-debug-command yes
expect_refused restart
link_back "$n" restart
ctl grant victim0@example.org newsletter --at "$(ago 1000)"
served "restart (afterwards)"
stop_daemon

echo "--- replica: the primary read in place of a replica that lost its own"
# The link listens to RedisReplica. When new connects to the replica fail,
# the pool reads from the primary; the link stays up (it is connected),
# but the primary's changes reach a replica that lost its primary never:
# nothing read from the primary may be cached or served from the cache.
start_redis rep --replicaof 127.0.0.1 "$store_port"
synced() { rcli rep info replication | grep -q '^master_link_status:up'; }
wait_until 10 "the replica to sync" synced
sed "s|^Redis .*|&\nRedisReplica unix:$tmp/rep.sock|" "$tmp/milter.conf" \
    > "$tmp/replica.conf"
ctl grant victim0@example.org newsletter --at "$(ago 900)"
[ "$(rcli store wait 1 5000)" = 1 ] || fail "replica: the replica is behind"
n=$(links)
start_daemon "$tmp/replica.conf"
wait_until 10 "replica: the consent cache to come on" links_over "$n"
rcli rep replicaof 127.0.0.1 1 > /dev/null	# its primary: gone
mv "$tmp/rep.sock" "$tmp/rep.away"		# new connects fail
"$REDIS_CLI" -s "$tmp/rep.away" client kill type normal > /dev/null
[ "$(decide_settled)" = accepted ] || fail "replica: victim0 not accepted"
[ "$(victim)" = accepted ] || fail "replica: victim0 not accepted again"
grep -q 'reading from the primary until the replica answers again' \
    "$tmp/milter.log" || fail "replica: the switch to the primary not logged"
ctl withdraw victim0@example.org newsletter --at "$(ago 800)"
expect_refused replica
stop_daemon
echo "PASS"
