#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# redis-kill.sh - Redis killed under load: tempfail, never fail open, recover
#
# Proves, with many concurrent sessions running through consent-milter
# (miltergen -T: a 451 4.7.1 is a valid answer, anything else must be
# the expected decision), while Redis (own server, unix socket, seeded
# with F_RECORDS addresses) is SIGKILLed and started again 2 s later
# from its dump:
#   - no recipient that should be refused is ever accepted, and every
#     accepted recipient has an "allow" line with reason "consent" in
#     the audit trail (none accepted unchecked);
#   - every message that started after the kill and ended before Redis
#     was started again was tempfailed, all its recipients, with 451
#     4.7.1;
#   - every message that started from 1 s after Redis answered again
#     was decided normally;
#   - the daemon lost no connection (no miltergen connection error) and
#     holds no more Redis connections than RedisConnections (8), before,
#     during and after; its open sockets after the run are no more than
#     at the start plus the pool; it exits 0 on SIGTERM with no
#     sanitizer report.
# Prints the counts the generators saw and the time to recover.

. "${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/faults/lib.sh"

POOL=8
f_redis_start
f_seed
f_daemon_start "RedisTimeout 500" "RedisConnections $POOL"
sock_idle=$(f_daemon_sockets)

# --- a warm-up: everything decided, the pool filled ---------------------------
f_gen warm -c 16 -r 3 -u 0.25 -N "$F_RECORDS" -d 1 -R 10000
t_eq "$gen_rc:$(kv "$gen_result" mismatches)" "0:0" \
    "warm-up: every answer as expected"
clients_before=$(f_clients)
t_le "$clients_before" $POOL "Redis clients after the warm-up"

# --- the run: kill Redis in the middle, start it again --------------------------
: > "$F_AUDIT"
f_gen_bg env -T -c 16 -r 3 -u 0.25 -N "$F_RECORDS" -d 12 -R 10000 \
    -L "$F_TMP/env.log"
env_pid=$gen_pid
f_gen_bg hdr -T -m header -c 8 -r 3 -u 0.25 -N "$F_RECORDS" -d 12 -R 10000 \
    -L "$F_TMP/hdr.log"
hdr_pid=$gen_pid

# Sample the Redis clients while the load runs (every 0.1 s).
max_clients=0
sample() {
    _end=$(($(now_ms) + $1))
    while [ "$(now_ms)" -lt $_end ]; do
	_c=$(f_clients 2>/dev/null)
	[ -n "$_c" ] && [ "$_c" -gt $max_clients ] && max_clients=$_c
	sleep 0.1
    done
}
sample 2000
t_kill0=$(now_ms)
f_redis_kill
t_kill=$(now_ms)
echo "# Redis killed at +0 ms (took $((t_kill - t_kill0)) ms)"
sleep 2
t_start=$(now_ms)
f_redis_start
t_up=$(now_ms)
echo "# Redis started again: answers after $((t_up - t_kill)) ms down" \
    "($((t_up - t_start)) ms to start)"
sample 1500
gen_pid=$env_pid
f_gen_wait env
env_rc=$gen_rc
env_result=$gen_result
gen_pid=$hdr_pid
f_gen_wait hdr
hdr_rc=$gen_rc
hdr_result=$gen_result
t_true "the generators ran (RESULT lines)" \
    test -n "$env_result" -a -n "$hdr_result"

for g in env hdr; do
    eval "r=\$${g}_result rc=\$${g}_rc"
    t_eq "$rc:$(kv "$r" mismatches):$(kv "$r" errors):$(kv "$r" timeouts)" \
	"0:0:0:0" "$g: no unexpected answer, no lost connection, no timeout"
done

# --- what each message became, against the timeline ------------------------------
cat "$F_TMP/env.log" "$F_TMP/hdr.log" > "$F_TMP/all.log"
echo "kill $t_kill0 killed $t_kill start $t_start up $t_up" > "$F_TMP/events"
awk -v kill="$t_kill0" -v killed="$t_kill" -v start="$t_start" -v up="$t_up" '
{ total++; cls[$3]++ }
$2 < kill { before++; if ($3 != "decided") bad_before++ }
$1 >= killed && $2 <= start { down++; if ($3 != "tempfail") bad_down++ }
$1 >= up + 1000 { after++; if ($3 != "decided") bad_after++ }
$1 >= up && $3 == "decided" && (first == "" || $2 < first) { first = $2 }
END {
    printf "total=%d decided=%d tempfail=%d mixed=%d other=%d before=%d " \
	"bad_before=%d down=%d bad_down=%d after=%d bad_after=%d " \
	"recovery_ms=%d\n", total, cls["decided"], cls["tempfail"],
	cls["mixed"], total - cls["decided"] - cls["tempfail"] - cls["mixed"],
	before, bad_before, down, bad_down, after, bad_after,
	first == "" ? -1 : first - up
}' "$F_TMP/all.log" > "$F_TMP/timeline"
tl=$(cat "$F_TMP/timeline")
echo "# timeline: $tl"
t_eq "$(kv "$tl" other)" 0 "every message decided, tempfailed or both (no mismatch, no error)"
t_true "messages before the kill: some, all decided" \
    test "$(kv "$tl" before)" -gt 0 -a "$(kv "$tl" bad_before)" -eq 0
t_true "messages while Redis was down: some, every one tempfailed" \
    test "$(kv "$tl" down)" -gt 0 -a "$(kv "$tl" bad_down)" -eq 0
t_true "messages from 1 s after Redis came back: some, all decided" \
    test "$(kv "$tl" after)" -gt 0 -a "$(kv "$tl" bad_after)" -eq 0
rec_ms=$(kv "$tl" recovery_ms)
t_true "a message decided within 1 s of Redis answering again ($rec_ms ms)" \
    test "$rec_ms" -ge 0 -a "$rec_ms" -le 1000

# --- the audit trail: nobody accepted unchecked ------------------------------------
acc=$(( $(kv "$env_result" accepted) + $(kv "$hdr_result" accepted) ))
ref=$(( $(kv "$env_result" refused) + $(kv "$hdr_result" refused) ))
strip=$(( $(kv "$env_result" stripped) + $(kv "$hdr_result" stripped) ))
temp=$(( $(kv "$env_result" tempfailed) + $(kv "$hdr_result" tempfailed) ))
msgs=$(( $(kv "$env_result" msgs) + $(kv "$hdr_result" msgs) ))
tmsgs=$(( $(kv "$env_result" tempfailed_msgs) + $(kv "$hdr_result" tempfailed_msgs) ))
t_true "every audit line is one JSON object" f_json_lines "$F_AUDIT"
allow=$(jq -r 'select(.decision == "allow") | .rcpt' "$F_AUDIT" | wc -l)
t_eq "$allow" "$acc" "accepted recipients = audit lines with decision allow"
bad_allow=$(jq -r 'select(.decision == "allow") |
    "\(.reason) \(.rcpt)"' "$F_AUDIT" |
    awk '{ k = $2; sub(/^user/, "", k); sub(/@.*/, "", k)
	   if ($1 != "consent" || k % 4 >= 2) n++ } END { print n + 0 }')
t_eq "$bad_allow" 0 "no allow line for a refused address or without consent"
store_err=$(jq -r 'select(.reason == "store-error") | .decision' "$F_AUDIT" |
    sort | uniq -c | tr -s ' \n' ' ')
echo "# audit: store-error lines by decision: ${store_err:-none}"
t_eq "$(jq -r 'select(.reason == "store-error" and .decision != "tempfail")
    | .decision' "$F_AUDIT" | wc -l)" 0 "store errors tempfailed, never allowed"

# --- connections -------------------------------------------------------------------
clients_after=$(f_clients)
sock_after=$(f_daemon_sockets)
echo "# Redis clients: $clients_before after the warm-up, at most" \
    "$max_clients during the run, $clients_after after; daemon sockets:" \
    "$sock_idle idle at start, $sock_after after"
t_le "$max_clients" $POOL "Redis clients during the run"
t_le "$clients_after" $POOL "Redis clients after the run"
if f_cache_pass; then
    # ConsentCache on: the link died with Redis and opened again.
    t_true "the cache's link came back after the restart (one subscriber)" \
	test "$(f_links)" -eq 1
    t_true "and the daemon logged both: the link off, then on again" \
	test "$(grep -c 'consent cache off: ' "$F_DLOG")" -ge 1 -a \
	    "$(grep -c 'consent cache on: ' "$F_DLOG")" -ge 2
fi
t_le "$sock_after" $((sock_idle + POOL)) "the daemon's sockets after the run"
t_true "the daemon logged the store errors" grep -q 'consent store: ' "$F_DLOG"

echo "COUNTS messages=$msgs tempfailed_msgs=$tmsgs recipients: accepted=$acc" \
    "refused=$ref stripped=$strip tempfailed=$temp recovery_ms=$rec_ms"
f_daemon_stop
t_done
