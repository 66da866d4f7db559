# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# lib.sh - shell helpers for the Redis deployment tests (sourced)
#
# Usage: . "$CM_SRCDIR/tests/redis/lib.sh"
#
# The tests here start their own Redis servers on loopback TCP ports
# (Sentinel speaks TCP only), not the harness's unix-socket server. This
# file gives them:
#
#	tmp		a directory for files: CM_TEST_TMPDIR under
#			tests/lib/redis.sh, else a new one removed on exit
#	fail MSG	print "FAIL: MSG" and exit 1
#	start_redis NAME ARGS...
#			cm_redis_start -t (tests/lib/redislib.sh): a free
#			port (retried when another process takes it first)
#			and a unix socket $tmp/NAME.sock for the test's own
#			checks; wait until it answers; set NAME_port, NAME_pid
#	start_sentinel NAME MASTER_PORT
#			the same for a sentinel watching the master "cmtest"
#			at 127.0.0.1:MASTER_PORT (quorum 2, fast failover)
#	rcli NAME ARGS...
#			redis-cli on NAME's unix socket
#	wait_until SECONDS DESC CMD...
#			run CMD every 0.1 s until it succeeds; fail after
#			SECONDS with DESC
#	start_daemon CONF
#			start consent-milter -f on CONF, wait for its socket
#			($tmp/milter.sock); set daemon_pid
#	stop_daemon	SIGTERM; fail unless it exits 0
#	run_sessions PHASE
#			miltertest on tests/redis/sessions.lua with
#			CM_PHASE=PHASE (and CM_KILL_MS=$kill_ms)
#	now_ms		milliseconds since the epoch
#	decide SENDER N SHARE
#			one message, one recipient, through miltergen
#			($MILTERGEN) on $tmp/milter.sock from SENDER:
#			"accepted", "refused", "tempfailed" or "error";
#			the recipient is miltergen's choice among N
#			addresses victim%u@example.org (SHARE 0: a granted
#			one, 1: a refused one; see tests/bench/miltergen.c)
#	hgetalls NAME	HGETALL calls NAME's Redis has answered
#
# Every process started here is killed on exit, whatever happens.
# Environment: REDIS_SERVER, REDIS_CLI, MILTERTEST, CM_DAEMON,
# CM_CONSENTCTL, CM_SRCDIR (set by make check).

REDIS_SERVER=${REDIS_SERVER:-redis-server}
REDIS_CLI=${REDIS_CLI:-redis-cli}
MILTERTEST=${MILTERTEST:-miltertest}
CM_DAEMON=${CM_DAEMON:-consent-milter}
CM_CONSENTCTL=${CM_CONSENTCTL:-consentctl}
srcdir=${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}

for prog in "$REDIS_SERVER" "$REDIS_CLI" "$MILTERTEST" "$CM_DAEMON" \
	    "$CM_CONSENTCTL"; do
    if ! command -v "$prog" >/dev/null 2>&1; then
	echo "$0: $prog not found" >&2
	exit 99
    fi
done

if [ -n "${CM_TEST_TMPDIR:-}" ]; then
    tmp=$CM_TEST_TMPDIR
    own_tmp=
else
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/cm-redis-deploy.XXXXXX") || exit 99
    own_tmp=$tmp
fi
cm_redis_dir=$tmp
. "$srcdir/tests/lib/redislib.sh"
daemon_pid=

# cleanup - kill what we started, remove what we own
cleanup() {
    for _pid in $daemon_pid $cm_redis_pids; do
	kill -TERM "$_pid" 2>/dev/null
    done
    for _pid in $daemon_pid $cm_redis_pids; do
	# Up to 2 s for each to go, then SIGKILL.
	_n=0
	while kill -0 "$_pid" 2>/dev/null && [ $_n -lt 20 ]; do
	    sleep 0.1
	    _n=$((_n + 1))
	done
	kill -KILL "$_pid" 2>/dev/null
	wait "$_pid" 2>/dev/null
    done
    [ -n "$own_tmp" ] && rm -rf "$own_tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

fail() {
    echo "FAIL: $*"
    exit 1
}

now_ms() {
    echo $(($(date +%s%N) / 1000000))
}

rcli() {
    _name=$1
    shift
    "$REDIS_CLI" -s "$tmp/$_name.sock" "$@"
}

wait_until() {
    _limit=$(($1 * 10))
    _desc=$2
    shift 2
    _n=0
    until "$@" >/dev/null 2>&1; do
	_n=$((_n + 1))
	[ $_n -ge $_limit ] && fail "timed out waiting for $_desc"
	sleep 0.1
    done
}

start_redis() {
    _name=$1
    shift
    cm_redis_start -t "$_name" "$@" || fail "redis $_name did not start"
}

start_sentinel() {
    _name=$1
    _master_port=$2
    # Sentinel rewrites its configuration file: it must be its own.
    cat > "$tmp/$_name.conf" <<EOF
protected-mode no
sentinel monitor cmtest 127.0.0.1 $_master_port 2
sentinel down-after-milliseconds cmtest 500
sentinel failover-timeout cmtest 3000
sentinel parallel-syncs cmtest 1
EOF
    cm_redis_start -t "$_name" "$tmp/$_name.conf" --sentinel \
	|| fail "sentinel $_name did not start"
}

start_daemon() {
    rm -f "$tmp/milter.sock"
    "$CM_DAEMON" -f -c "$1" 2>> "$tmp/milter.log" &
    daemon_pid=$!
    _n=0
    while [ ! -S "$tmp/milter.sock" ]; do
	_n=$((_n + 1))
	if [ $_n -gt 100 ] || ! kill -0 "$daemon_pid" 2>/dev/null; then
	    cat "$tmp/milter.log"
	    fail "consent-milter did not start"
	fi
	sleep 0.05
    done
}

stop_daemon() {
    kill -TERM "$daemon_pid" 2>/dev/null
    _n=0
    while kill -0 "$daemon_pid" 2>/dev/null && [ $_n -lt 100 ]; do
	sleep 0.1
	_n=$((_n + 1))
    done
    wait "$daemon_pid"
    _status=$?
    daemon_pid=
    [ "$_status" -eq 0 ] || fail "consent-milter exited with status $_status"
}

run_sessions() {
    CM_PHASE=$1 CM_MILTER_SOCK=unix:$tmp/milter.sock \
    CM_AUDIT_LOG=$tmp/audit.log CM_TESTLIB=$srcdir/tests/milter/lib.lua \
    CM_KILL_MS=${kill_ms:-0} CM_FAILOVER_TIMEOUT=30 \
	"$MILTERTEST" -s "$srcdir/tests/redis/sessions.lua"
}

decide() {
    "$MILTERGEN" -s "unix:$tmp/milter.sock" -c 1 -n 1 -r 1 -N "$2" -u "$3" -T \
	-t 'victim%u@example.org' -m envelope -f "$1" \
	> "$tmp/decide.out" 2>&1
    sed -n 's/^RESULT .* accepted=\([0-9]*\) refused=\([0-9]*\) .* tempfailed=\([0-9]*\) .*/\1 \2 \3/p' \
	"$tmp/decide.out" | {
	read -r a r t || { echo error; return; }
	if [ "$a" = 1 ]; then echo accepted
	elif [ "$r" = 1 ]; then echo refused
	elif [ "$t" = 1 ]; then echo tempfailed
	else echo error; fi
    }
}

hgetalls() {
    rcli "$1" info commandstats |
	sed -n 's/^cmdstat_hgetall:calls=\([0-9]*\),.*/\1/p'
}
