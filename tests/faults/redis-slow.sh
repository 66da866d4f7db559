#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# redis-slow.sh - Redis that stops answering: RedisTimeout holds under load
#
# RedisTimeout 300 ms, the default pool (RedisConnections 8), and 24
# concurrent sessions (envelope and header campaigns, 3 recipients a
# message; miltergen -T) whose MTA gives every milter reply 3 s
# (miltergen -R 3000: Postfix's milter_command_timeout, scaled as
# RedisTimeout is: 10 x). Redis is frozen (SIGSTOP) for 4 s, longer
# than that MTA timeout, then resumed; later DEBUG SLEEP 1 blocks it.
# Proves:
#   - nothing is accepted unchecked: every message that started after
#     the freeze and ended before Redis was resumed was tempfailed
#     (451 4.7.1) or, where the MTA gave up on the milter, left to the
#     MTA's default action (tempfail); the same during DEBUG SLEEP;
#     every other answer is the expected decision;
#   - from 1 s after Redis answers again, messages are decided again;
#   - the daemon logs the timeouts, holds no more Redis connections
#     than its pool, and exits 0 on SIGTERM with no sanitizer report;
#   - RedisTimeout bounds what an MTA waits: a lookup waits at most one
#     RedisTimeout in all (pool wait included), and after a timed-out
#     command lookups fail at once but for one try every 200 ms; so no
#     message that met the frozen or sleeping Redis takes longer than
#     its lookups' RedisTimeouts (MAIL and 3 RCPT: 4 x 300 ms) and 1.5
#     seconds for what libmilter and a loaded two-core host add (its
#     worker pool holds a message for 0.5-1.2 s at times, with the null
#     milter of tests/bench too): a functional bound, not a performance
#     figure, under the MTA's command timeout, which is never hit.
# In make check-cache (ConsentCache on) a cached answer is served until
# the cache's link is late: its PING goes every 250 ms, an answer 500 ms
# late pauses the cache, 1 s late (RedisTimeout 300 ms is less) gives the
# link up; a stopped or sleeping Redis cannot change the data it holds.
# So there the windows in which nothing may be decided start 1 s (the
# 750 ms of the man page and a margin for a loaded host) after Redis
# stopped, DEBUG SLEEP lasts 2 s, the pause must be in the daemon's log
# and the link back at the end (one subscriber).
# Prints the counts and the latencies it saw.

. "${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/faults/lib.sh"

TIMEOUT_MS=300
BOUND_MS=$(((1 + 3) * TIMEOUT_MS + 1500))
MTA_TIMEOUT_MS=3000
POOL=8
if f_cache_pass; then
    SLEEP_S=2 FROZEN_GRACE_MS=1000 SLEEP_GRACE_MS=1000
else
    SLEEP_S=1 FROZEN_GRACE_MS=0 SLEEP_GRACE_MS=100
fi

f_redis_start
f_seed
f_daemon_start "RedisTimeout $TIMEOUT_MS" "RedisConnections $POOL"

f_gen warm -c 16 -r 3 -u 0.25 -N "$F_RECORDS" -d 1 -R 10000
t_eq "$gen_rc:$(kv "$gen_result" mismatches)" "0:0" \
    "warm-up: every answer as expected"

: > "$F_AUDIT"
f_gen_bg env -T -c 16 -r 3 -u 0.25 -N "$F_RECORDS" -d 12.5 \
    -R $MTA_TIMEOUT_MS -L "$F_TMP/env.log"
env_pid=$gen_pid
f_gen_bg hdr -T -m header -c 8 -r 3 -u 0.25 -N "$F_RECORDS" -d 12.5 \
    -R $MTA_TIMEOUT_MS -L "$F_TMP/hdr.log"
hdr_pid=$gen_pid

# A redis-cli connected beforehand, fed through a FIFO: DEBUG SLEEP
# starts as soon as it is written, not after a redis-cli start-up.
mkfifo "$F_TMP/cli.fifo" || f_fatal "mkfifo"
timeout 60 "$REDIS_CLI" -s "$FR_SOCK" < "$F_TMP/cli.fifo" \
    > "$F_TMP/cli.out" 2>&1 &
_bg_pids="$_bg_pids $!"
exec 3> "$F_TMP/cli.fifo"

# Each time is taken on the safe side: after the stop, before the resume.
# The first messages of 24 connections opened at once can wait a second
# in libmilter's worker pool, whatever the milter (the null milter of
# tests/bench too): the fault starts after that, or a message held there
# would count as one that met the slow Redis.
sleep 3
kill -STOP "$redis_pid"
t_stop=$(now_ms)
sleep 4
t_cont=$(now_ms)
kill -CONT "$redis_pid"
sleep 1.5
# When the sleep began is Redis's own word, not the time the command
# was written: on a busy machine redis-cli may send it a second later.
# MULTI runs TIME, DEBUG SLEEP, TIME back to back, so the two TIME
# replies are the sleep's first and last moment (same clock as now_ms).
t_sleep=$(now_ms)
printf 'MULTI\nTIME\nDEBUG SLEEP %s\nTIME\nEXEC\n' $SLEEP_S >&3
slept() { [ "$(grep -c . "$F_TMP/cli.out")" -ge 9 ]; }
wait_for 20 "DEBUG SLEEP" slept
t_awake=$(now_ms)
exec 3>&-
# cli.out: OK, QUEUED x 3, then sec, usec, OK, sec, usec.
set -- $(sed -n '5,9p' "$F_TMP/cli.out")
t_eq "$3" OK "DEBUG SLEEP ran"
s_begin=$(( $1 * 1000 + $2 / 1000 ))
s_end=$(( $4 * 1000 + $5 / 1000 ))
echo "# Redis frozen (SIGSTOP) for $((t_cont - t_stop)) ms; DEBUG SLEEP $SLEEP_S" \
    "from $((s_begin - t_sleep)) ms after it was written, for" \
    "$((s_end - s_begin)) ms (Redis's TIME); answered after" \
    "$((t_awake - t_sleep)) ms"
echo "stop $t_stop cont $t_cont sleep $s_begin $s_end awake $t_awake" \
    > "$F_TMP/events"

gen_pid=$env_pid
f_gen_wait env
env_result=$gen_result
gen_pid=$hdr_pid
f_gen_wait hdr
hdr_result=$gen_result
t_true "the generators ran (RESULT lines)" \
    test -n "$env_result" -a -n "$hdr_result"
for g in env hdr; do
    eval "r=\$${g}_result"
    t_eq "$(kv "$r" mismatches):$(kv "$r" errors)" "0:0" \
	"$g: no unexpected answer, no connection lost but to the MTA's timeout"
done

# Redis slept from s_begin to s_end (its own TIME): a message that
# started SLEEP_GRACE_MS after s_begin and ended before s_end can have
# had no answer from Redis (nor, with the cache, from the cache).
cat "$F_TMP/env.log" "$F_TMP/hdr.log" > "$F_TMP/all.log"
awk -v stop="$t_stop" -v cont="$t_cont" -v sleep_="$s_begin" -v wake="$s_end" \
    -v awake="$t_awake" -v tmo="$TIMEOUT_MS" -v fgrace="$FROZEN_GRACE_MS" \
    -v sgrace="$SLEEP_GRACE_MS" '
function unchecked(c) { return c != "tempfail" && c != "timeout" }
{ total++; cls[$3]++; d = $2 - $1; if (d > max) max = d }
$1 >= stop + fgrace && $2 <= cont { frozen++; if (unchecked($3)) bad_frozen++ }
# The latest start, after the stop, of a message decided before the resume.
$1 >= stop && $2 <= cont && unchecked($3) && $1 - stop > last_frozen {
    last_frozen = $1 - stop }
$1 >= sleep_ + sgrace && $2 <= wake {
    asleep++; if (unchecked($3)) bad_asleep++ }
$2 >= sleep_ + sgrace && $2 <= wake && $3 == "tempfail" { asleep_temp++ }
$1 >= cont + 1000 && $2 < sleep_ { after++; if ($3 != "decided") bad_after++ }
$1 >= awake + 1000 { after2++; if ($3 != "decided") bad_after2++ }
# Messages that met a frozen or sleeping Redis (or the first second after).
($2 >= stop && $1 <= cont + 1000) || ($2 >= sleep_ && $1 <= awake + 1000) {
    if (d > max_fault) max_fault = d }
END {
    printf "total=%d decided=%d tempfail=%d mixed=%d timeout=%d other=%d " \
	"frozen=%d bad_frozen=%d asleep=%d bad_asleep=%d asleep_temp=%d " \
	"after=%d " \
	"bad_after=%d after2=%d bad_after2=%d max_ms=%d max_fault_ms=%d " \
	"last_decided_frozen_ms=%d\n",
	total,
	cls["decided"], cls["tempfail"], cls["mixed"], cls["timeout"],
	total - cls["decided"] - cls["tempfail"] - cls["mixed"] - cls["timeout"],
	frozen, bad_frozen, asleep, bad_asleep, asleep_temp, after, bad_after,
	after2,
	bad_after2, max, max_fault, last_frozen
}' "$F_TMP/all.log" > "$F_TMP/timeline"
tl=$(cat "$F_TMP/timeline")
echo "# timeline: $tl"
t_eq "$(kv "$tl" other)" 0 "every message decided, tempfailed or both (no mismatch, no error)"
t_true "frozen (SIGSTOP): some messages, none accepted unchecked" \
    test "$(kv "$tl" frozen)" -gt 0 -a "$(kv "$tl" bad_frozen)" -eq 0
t_true "DEBUG SLEEP: tempfails while it lasted, none accepted unchecked" \
    test "$(kv "$tl" asleep_temp)" -gt 0 -a "$(kv "$tl" bad_asleep)" -eq 0
t_true "from 1 s after SIGCONT: decided again" \
    test "$(kv "$tl" after)" -gt 0 -a "$(kv "$tl" bad_after)" -eq 0
t_true "from 1 s after DEBUG SLEEP: decided again" \
    test "$(kv "$tl" after2)" -gt 0 -a "$(kv "$tl" bad_after2)" -eq 0
t_true "the daemon logged Redis timeouts" \
    grep -q 'consent store: redis unix:.*: timeout' "$F_DLOG"
t_true "every audit line is one JSON object" f_json_lines "$F_AUDIT"
t_eq "$(jq -r 'select(.decision == "allow" and .reason != "consent") | .rcpt' \
    "$F_AUDIT" | wc -l)" 0 "every allow line has reason consent"
t_le "$(f_clients)" $POOL "Redis clients after the run"
if f_cache_pass; then
    t_true "the cache paused while its link was late" \
	grep -q 'consent cache paused: no answer to PING' "$F_DLOG"
    t_true "and its link came back (one subscriber)" \
	test "$(f_links)" -eq 1
fi

# What an MTA waits for (functional bounds, generous margins). The
# longest single reply of the whole run is shown, not bounded: libmilter's
# worker pool alone can hold a reply for a second or two while many
# connections start at once (seen with the null milter of tests/bench
# too); what the daemon adds is bounded on the messages that met the
# slow Redis.
wait_ms=0
timeouts=0
for r in "$env_result" "$hdr_result"; do
    w=$(kv "$r" max_wait_ms)
    w=${w%.*}
    [ "$w" -gt $wait_ms ] && wait_ms=$w
    timeouts=$((timeouts + $(kv "$r" timeouts)))
done
max=$(kv "$tl" max_fault_ms)
echo "# longest wait for one milter reply: $wait_ms ms; slowest message" \
    "that met the slow Redis: $max ms (slowest of all: $(kv "$tl" max_ms)" \
    "ms); MTA-side timeouts ($MTA_TIMEOUT_MS ms): $timeouts; bound $BOUND_MS ms"
t_le "$max" $BOUND_MS "no message that met the slow Redis took more than its lookups' RedisTimeouts and 1.5 s"
t_eq "$timeouts" 0 "the MTA's command timeout was never hit"

for g in env hdr; do
    eval "r=\$${g}_result"
    echo "COUNTS $g: messages=$(kv "$r" msgs)" \
	"tempfailed_msgs=$(kv "$r" tempfailed_msgs)" \
	"recipients: accepted=$(kv "$r" accepted) refused=$(kv "$r" refused)" \
	"stripped=$(kv "$r" stripped) tempfailed=$(kv "$r" tempfailed);" \
	"MTA timeouts=$(kv "$r" timeouts); latency p50=$(kv "$r" p50_ms)" \
	"p99=$(kv "$r" p99_ms) max=$(kv "$r" max_ms)" \
	"longest reply=$(kv "$r" max_wait_ms) ms"
done
f_daemon_stop
t_done
