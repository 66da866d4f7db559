#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# sentinel.sh - the milter through a Redis Sentinel failover
#
# Starts on loopback (free ports) a primary, a replica and three
# sentinels (quorum 2, down-after-milliseconds 500, failover-timeout
# 3000) watching the master "cmtest". Seeds a campaign and consent on
# the primary with consentctl, configured with RedisSentinel like the
# daemon; checks that consentctl with RedisReplica reads from the
# replica and still writes to the primary. Starts consent-milter
# (RedisSentinel) and runs miltertest sessions through it
# (tests/redis/sessions.lua):
#
#   1. plain: alice allowed, bob (withdrawn) and carol (no record)
#      refused;
#   2. SIGKILL the primary, then sessions until Sentinel has promoted
#      the replica and the milter has found it: messages meanwhile are
#      tempfailed (store-error), none is accepted unchecked; prints the
#      counts and the time to recover;
#   3. after: the replica is the primary now; consent written before
#      the failover is still honoured, and a grant that consentctl
#      writes after it (through the sentinels) is used.
#
# Meanwhile, from a second before the kill, miltergen -T keeps 4
# concurrent connections busy (2 recipients a message, a 10 ms pause
# after each: a steady load far below saturation, also when make check
# runs other tests beside it; a saturated libmilter starves the
# connections opened last, see consent-milter(8)), envelope campaign: no
# answer but the expected decision or a 451 (nothing
# accepted unchecked), tempfails during the failover, every message
# decided from two seconds after it (a loaded CI machine
# needs more than one for every pooled connection to find the new primary).
#
# Run by make check (under tests/lib/redis.sh, whose own server it
# does not use), or by hand with the variables of tests/redis/lib.sh.

set -u
. "${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/redis/lib.sh"

# replica_synced - the replica has its primary
replica_synced() {
    rcli replica info replication | grep -q '^master_link_status:up'
}

# sentinel_ready NAME - it sees the replica and the two other sentinels
sentinel_ready() {
    info=$(rcli "$1" sentinel master cmtest) || return 1
    [ "$(printf '%s\n' "$info" | sed -n '/^num-other-sentinels$/{n;p;}')" = 2 ] \
	&& [ "$(printf '%s\n' "$info" | sed -n '/^num-slaves$/{n;p;}')" = 1 ]
}

echo "--- servers"
start_redis primary
start_redis replica --replicaof 127.0.0.1 "$primary_port"
wait_until 10 "the replica to sync" replica_synced
for s in s1 s2 s3; do
    start_sentinel "$s" "$primary_port"
done
sentinels=127.0.0.1:$s1_port,127.0.0.1:$s2_port,127.0.0.1:$s3_port
echo "primary 127.0.0.1:$primary_port, replica 127.0.0.1:$replica_port," \
     "sentinels $sentinels"
for s in s1 s2 s3; do
    wait_until 15 "sentinel $s to see the replica and the other sentinels" \
	sentinel_ready "$s"
done

conf=$tmp/sentinel.conf
cat > "$conf" <<EOF
Socket unix:$tmp/milter.sock
RedisSentinel $sentinels cmtest
RedisTimeout 1000
AuditLog $tmp/audit.log
AllowRoot yes
ConsentHeader full
EOF
# consentctl with a replica to read from: writes still go to the primary.
sed "s|^RedisTimeout.*|&\nRedisReplica tcp:127.0.0.1:$replica_port|" "$conf" \
    > "$tmp/replica.conf"

echo "--- seed through the sentinels (consentctl)"
ctl() {
    "$CM_CONSENTCTL" -c "$conf" "$@" || fail "consentctl $*: exit $?"
}
ctl campaign add spring --purpose newsletter --owner membership
ctl sender set news@org.example spring
ctl grant alice@example.org newsletter --source "web form v3"
ctl withdraw bob@example.org newsletter --source "unsubscribe link"
[ "$(rcli primary hget cm:consent:alice@example.org newsletter)" = granted ] \
    || fail "the grant did not reach the primary"
# Everything on the replica before the primary dies.
[ "$(rcli primary wait 1 5000)" = 1 ] || fail "the replica did not catch up"

echo "--- RedisReplica: reads from the replica, writes to the primary"
hgetall_calls() {
    rcli "$1" info commandstats | sed -n 's/^cmdstat_hgetall:calls=\([0-9]*\),.*/\1/p'
}
before=$(hgetall_calls replica)
out=$("$CM_CONSENTCTL" -c "$tmp/replica.conf" check alice@example.org spring)
status=$?
echo "consentctl check (replica): $out"
[ "$status" -eq 0 ] || fail "consentctl check through the replica: exit $status"
[ "$(hgetall_calls replica)" -gt "${before:-0}" ] \
    || fail "consentctl check did not read from the replica"
"$CM_CONSENTCTL" -c "$tmp/replica.conf" grant erin@example.org newsletter \
    --source test || fail "consentctl grant with RedisReplica set"
[ "$(rcli primary hget cm:consent:erin@example.org newsletter)" = granted ] \
    || fail "a write with RedisReplica set did not go to the primary"

echo "--- seed the load generator's addresses (tests/bench/miltergen)"
MILTERGEN=${MILTERGEN:-${CM_BUILDDIR:-.}/tests/bench/miltergen}
[ -x "$MILTERGEN" ] || fail "$MILTERGEN not built (make check builds it)"
LOAD_RECORDS=2000
awk -v n="$LOAD_RECORDS" -v t="$(date +%s)" -f "$srcdir/tests/bench/seed.awk" | rcli primary --pipe > "$tmp/seed.out" 2>&1 || fail "seeding: $(cat "$tmp/seed.out")"
ctl campaign add bench-env --purpose newsletter --owner load
ctl campaign add bench-hdr --purpose newsletter --owner load
ctl sender set news@bench.example bench-env
[ "$(rcli primary wait 1 5000)" = 1 ] || fail "the replica did not catch up"

echo "--- consent-milter -n"
"$CM_DAEMON" -n -c "$conf" || fail "consent-milter -n"

echo "--- sessions with the primary up"
start_daemon "$conf"
run_sessions plain || fail "sessions before the failover"

echo "--- concurrent load from now on (miltergen -T, 4 connections)"
"$MILTERGEN" -s "unix:$tmp/milter.sock" -T -c 4 -i 10 -r 2 -u 0.25 \
    -N "$LOAD_RECORDS" -d 120 -R 30000 -L "$tmp/load.log" \
    > "$tmp/load.out" 2>&1 &
load_pid=$!
sleep 1

echo "--- kill the primary (SIGKILL)"
kill_ms=$(now_ms)
kill -KILL "$primary_pid"
wait "$primary_pid" 2>/dev/null
run_sessions failover || fail "sessions during the failover"
recovered_ms=$(now_ms)

echo "--- after the failover"
master=$(rcli s1 sentinel get-master-addr-by-name cmtest | tr '\n' ' ')
echo "sentinel s1 names the primary: $master"
[ "$master" = "127.0.0.1 $replica_port " ] \
    || fail "Sentinel did not promote the replica"
[ "$(rcli replica role | head -1)" = master ] \
    || fail "the replica is not a master"
ctl grant carol@example.org newsletter --source "phone call"
[ "$(rcli replica hget cm:consent:carol@example.org newsletter)" = granted ] \
    || fail "consentctl did not write to the new primary"
run_sessions after || fail "sessions after the failover"

# The load: nothing accepted unchecked (miltergen -T fails on any answer
# but the expected decision or a 451), tempfails while the primary was
# gone, decisions again from two seconds after the failover.
# Three and a half seconds of load after the failover, then stop it (SIGUSR1).
while [ $(($(now_ms) - recovered_ms)) -lt 3500 ]; do sleep 0.1; done
kill -USR1 "$load_pid" 2>/dev/null
wait "$load_pid"
load_rc=$?
sed -n 's/^RESULT /# load: /p' "$tmp/load.out"
[ "$load_rc" -eq 0 ] || { cat "$tmp/load.out"; fail "the load saw a wrong answer (exit $load_rc)"; }
awk -v kill="$kill_ms" -v rec="$recovered_ms" '
{ total++ }
$1 < kill - 100 && $2 < kill { before++; if ($3 != "decided") bad_before++ }
$1 >= kill && $2 <= rec { during++; cls[$3]++ }
$1 >= rec + 2000 { after++; if ($3 != "decided") bad_after++ }
END {
    printf "total=%d before=%d bad_before=%d during=%d during_tempfail=%d " \
	"during_decided=%d after=%d bad_after=%d\n", total, before, bad_before,
	during, cls["tempfail"] + cls["mixed"], cls["decided"], after, bad_after
}' "$tmp/load.log" > "$tmp/load.timeline"
tl=$(cat "$tmp/load.timeline")
echo "# load timeline: $tl"
kv() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
[ "$(kv "$tl" before)" -gt 0 ] && [ "$(kv "$tl" bad_before)" -eq 0 ] \
    || fail "load before the kill: not every message decided"
[ "$(kv "$tl" during_tempfail)" -gt 0 ] \
    || fail "load during the failover: no message tempfailed"
[ "$(kv "$tl" after)" -gt 0 ] && [ "$(kv "$tl" bad_after)" -eq 0 ] \
    || fail "load from 2 s after the failover: not every message decided"
stop_daemon

echo "--- what the daemon logged during the failover"
grep 'consent store:' "$tmp/milter.log" | sed 's/^[^ ]* //' | sort | uniq -c \
    | sort -rn | head -5
echo "PASS: failover handled; $((recovered_ms - kill_ms)) ms from the kill" \
     "to the end of the failover sessions"
exit 0
