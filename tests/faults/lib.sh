# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# lib.sh - helpers for the fault tests under load (sourced by tests/faults/*.sh)
#
# The tests run under tests/lib/redis.sh (for CM_TEST_TMPDIR) but start
# a Redis of their own, on a unix socket in that directory, so that they
# can kill, stop and restart it. The load comes from miltergen (see
# tests/bench/miltergen.c), with the recipient scheme of bench.sh's
# seeding: user<k>@example.org, k mod 4 = 0, 1 granted (newsletter),
# 2 withdrawn, 3 suppressed (k mod 8 = 3) or without a record (k mod 8
# = 7). Every process started here is stopped on exit; every wait has a
# time limit.
#
#   f_need PROG...          exit 77 unless each program exists
#   f_redis_start           cm_redis_start (tests/lib/redislib.sh) on
#                           $FR_SOCK ($FR_DIR/dump.rdb is loaded when it
#                           exists); sets redis_pid
#   f_redis_up              0 when Redis answers PING
#   f_redis_kill            SIGKILL Redis and wait for it
#   f_seed [N]              N (default $F_RECORDS) addresses, the
#                           campaigns bench-env (sender news@bench.example)
#                           and bench-hdr (header); SAVE to dump.rdb
#   f_daemon_start [LINE...] consent-milter -f on $F_MILTER (unix socket),
#                           AuditLog $F_AUDIT, plus LINEs; waits for it
#   f_daemon_stop           SIGTERM; asserts exit 0 and a clean stderr
#                           (no AddressSanitizer/LeakSanitizer/UBSan report)
#   f_gen NAME ARGS...      miltergen -s $F_MILTER ARGS > $F_TMP/NAME.out;
#                           sets gen_rc and gen_result (the RESULT line)
#   kv LINE KEY             the value of KEY=value in LINE
#   f_clients               Redis clients other than the one asking and
#                           the consent cache's invalidation link (a
#                           subscriber): the lookup connections
#   f_links                 subscribed clients (the cache's links)
#   f_cache_pass            true in make check-cache (ConsentCache on in
#                           every daemon, tests/lib/cached-daemon.sh)
#   f_daemon_sockets        sockets the daemon holds open (/proc)
#   now_ms                  wall-clock milliseconds (as miltergen -L)
#   wait_for SECS DESC CMD...  run CMD every 0.05 s until it succeeds
#   t_ok/t_notok/t_eq/t_le/t_true, t_todo (a known daemon bug), t_done
#                           (prints "N passed, M failed")

set -u
: "${CM_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${CM_BUILDDIR:=$(pwd)}"
REDIS_SERVER=${REDIS_SERVER:-redis-server}
REDIS_CLI=${REDIS_CLI:-redis-cli}
CM_DAEMON=${CM_DAEMON:-$CM_BUILDDIR/consent-milter}
CM_CONSENTCTL=${CM_CONSENTCTL:-$CM_BUILDDIR/consentctl}
MILTERGEN=${MILTERGEN:-$CM_BUILDDIR/tests/bench/miltergen}
F_RECORDS=${F_RECORDS:-10000}

f_need() {
    for _p in "$@"; do
	if ! command -v "$_p" >/dev/null 2>&1; then
	    echo "SKIP: $_p not found"
	    exit 77
	fi
    done
}
f_need "$REDIS_SERVER" "$REDIS_CLI" jq awk timeout
for _p in "$CM_DAEMON" "$CM_CONSENTCTL" "$MILTERGEN"; do
    if [ ! -x "$_p" ]; then
	echo "$0: $_p not built (make check builds it)" >&2
	exit 99
    fi
done

if [ -n "${CM_TEST_TMPDIR:-}" ]; then
    F_TMP=$CM_TEST_TMPDIR/faults
    _own_tmp=
else
    F_TMP=$(mktemp -d "${TMPDIR:-/tmp}/cm-faults.XXXXXX") || exit 99
    _own_tmp=$F_TMP
fi
mkdir -p "$F_TMP" || exit 99
FR_DIR=$F_TMP
FR_SOCK=$F_TMP/redis.sock
F_MILTER=unix:$F_TMP/milter.sock
F_AUDIT=$F_TMP/audit.log
F_CONF=$F_TMP/milter.conf
F_DLOG=$F_TMP/daemon.log
# Where tests/lib/redis.sh looks for servers to stop if we die first.
FR_PIDFILE=${CM_TEST_TMPDIR:-$F_TMP}/faults-redis.pid
redis_pid=
daemon_pid=
_bg_pids=
cm_redis_dir=$FR_DIR
. "$CM_SRCDIR/tests/lib/redislib.sh"

# f_cleanup - stop whatever we started, remove what we own
f_cleanup() {
    for _p in $_bg_pids $daemon_pid $redis_pid; do
	kill -CONT "$_p" 2>/dev/null
	kill -TERM "$_p" 2>/dev/null
    done
    for _p in $_bg_pids $daemon_pid $redis_pid; do
	_n=0
	while kill -0 "$_p" 2>/dev/null && [ $_n -lt 50 ]; do
	    sleep 0.1
	    _n=$((_n + 1))
	done
	kill -KILL "$_p" 2>/dev/null
	wait "$_p" 2>/dev/null
    done
    if [ -n "${F_KEEP:-}" ]; then
	echo "kept: $F_TMP"
    elif [ -n "$_own_tmp" ]; then
	rm -rf "$_own_tmp"
    fi
}
trap f_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# --- assertions (TAP-like, as tests/ctl/lib.sh) -----------------------------

t_pass=0
t_fail=0
t_todo=0
t_ok() { t_pass=$((t_pass + 1)); echo "ok $((t_pass + t_fail + t_todo)) - $1"; }
t_notok() { t_fail=$((t_fail + 1)); echo "not ok $((t_pass + t_fail + t_todo)) - $1"; }
t_eq() {
    if [ "$1" = "$2" ]; then t_ok "$3"; else
	t_notok "$3"; printf '#   got:  %s\n#   want: %s\n' "$1" "$2"; fi
}
# t_le A B WHAT - integers, A <= B
t_le() {
    if [ "$1" -le "$2" ] 2>/dev/null; then t_ok "$3 ($1 <= $2)"; else
	t_notok "$3"; printf '#   got %s, want <= %s\n' "$1" "$2"; fi
}
# t_true WHAT CMD... - CMD succeeds
t_true() {
    _what=$1
    shift
    if "$@"; then t_ok "$_what"; else t_notok "$_what"; fi
}
# t_todo BUG WHAT CMD... - an assertion that a known daemon bug breaks:
# when CMD fails, "not ok N - WHAT # TODO BUG", which does not fail the
# test (TAP's TODO) unless F_STRICT is set; when it passes, a note to
# remove the TODO.
t_todo() {
    _bug=$1
    _what=$2
    shift 2
    if "$@"; then
	t_ok "$_what (the known bug \"$_bug\" is fixed: drop this t_todo)"
    elif [ -n "${F_STRICT:-}" ]; then
	t_notok "$_what (known bug: $_bug)"
    else
	t_todo=$((t_todo + 1))
	echo "not ok $((t_pass + t_fail + t_todo)) - $_what # TODO known bug: $_bug"
    fi
}
t_done() {
    if [ "$t_todo" -gt 0 ]; then
	echo "$t_pass passed, $t_fail failed, $t_todo known daemon bug(s) (TODO)"
    else
	echo "$t_pass passed, $t_fail failed"
    fi
    [ "$t_fail" -eq 0 ] && [ "$t_pass" -gt 0 ]
    exit $?
}
# f_fatal MSG - a step the rest depends on failed
f_fatal() {
    t_notok "$*"
    [ -f "$F_DLOG" ] && sed 's/^/#   daemon: /' "$F_DLOG" | tail -20
    t_done
}

# --- small tools ------------------------------------------------------------

now_ms() { date +%s%3N; }

kv() {
    printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1
}

wait_for() {
    _limit=$(($1 * 20))
    _desc=$2
    shift 2
    _n=0
    until "$@" >/dev/null 2>&1; do
	_n=$((_n + 1))
	[ $_n -ge $_limit ] && return 1
	sleep 0.05
    done
    return 0
}

rcli() { timeout 10 "$REDIS_CLI" -s "$FR_SOCK" "$@"; }

# CLIENT LIST: "cmd=client|list" is the asker, "sub=N" (N > 0) a
# subscriber; an empty answer (Redis down) counts none.
f_clients() {
    rcli client list | tr -d '\r' |
	awk '!/ cmd=client\|list/ && !/ sub=[1-9]/ { n++ } END { print n + 0 }'
}

f_links() {
    rcli client list | tr -d '\r' |
	awk '/ sub=[1-9]/ { n++ } END { print n + 0 }'
}

# The daemon's log may hold earlier daemons' lines: count them.
f_links_logged() {
    _nl=$(grep -c "consent cache on:" "$F_DLOG" 2>/dev/null)
    echo "${_nl:-0}"
}

f_link_logged() {
    [ "$(f_links_logged)" -gt "$1" ]
}

f_cache_pass() {
    [ -n "${CM_TEST_CONSENT_CACHE:-}" ]
}

f_daemon_sockets() {
    find "/proc/$daemon_pid/fd" -lname 'socket:*' 2>/dev/null | wc -l
}

# f_json_lines FILE... - every line of every FILE is one JSON object
f_json_lines() {
    for _f in "$@"; do
	_lines=$(wc -l < "$_f")
	_objs=$(jq -c 'select(type == "object")' "$_f" 2>/dev/null | wc -l) \
	    || return 1
	jq -e . "$_f" > /dev/null 2>&1 || return 1
	[ "$_lines" -eq "$_objs" ] || return 1
	# A split line would leave a partial line at the end.
	[ ! -s "$_f" ] || [ "$(tail -c 1 "$_f" | od -An -c | tr -d ' ')" = '\n' ] \
	    || return 1
    done
}

# --- Redis ------------------------------------------------------------------

f_redis_up() {
    [ "$(rcli ping 2>/dev/null)" = PONG ]
}

# Redis 7 refuses DEBUG unless enabled (redis-slow.sh uses DEBUG SLEEP).
FR_DEBUG=
case $("$REDIS_SERVER" --version 2>/dev/null) in
*v=[1-6].*) ;;
*) FR_DEBUG="--enable-debug-command local" ;;
esac

f_redis_start() {
    # shellcheck disable=SC2086 # FR_DEBUG is zero or two words
    cm_redis_start redis --dbfilename dump.rdb --pidfile "$FR_PIDFILE" \
	$FR_DEBUG || f_fatal "redis-server did not start"
}

f_redis_kill() {
    kill -KILL "$redis_pid" 2>/dev/null
    wait "$redis_pid" 2>/dev/null
    redis_pid=
}

f_seed() {
    _records=${1:-$F_RECORDS}
    awk -v n="$_records" -v t="$(date +%s)" -v src="signup form v3 (faults)" \
	-f "$CM_SRCDIR/tests/bench/seed.awk" | rcli --pipe > "$F_TMP/seed.out" 2>&1 \
	|| f_fatal "seeding Redis: $(cat "$F_TMP/seed.out")"
    echo "Redis unix:$FR_SOCK" > "$F_TMP/ctl.conf"
    for _cmd in "campaign add bench-env --purpose newsletter --owner faults" \
		"campaign add bench-hdr --purpose newsletter --owner faults" \
		"sender set news@bench.example bench-env"; do
	# shellcheck disable=SC2086
	"$CM_CONSENTCTL" -c "$F_TMP/ctl.conf" --actor faults $_cmd \
	    > /dev/null 2>> "$F_TMP/seed.out" \
	    || f_fatal "consentctl $_cmd: $(cat "$F_TMP/seed.out")"
    done
    [ "$(rcli save)" = OK ] || f_fatal "redis SAVE"
}

# --- the daemon ---------------------------------------------------------------

f_daemon_start() {
    {
	echo "Socket $F_MILTER"
	echo "Redis unix:$FR_SOCK"
	echo "AuditLog $F_AUDIT"
	echo "AllowRoot yes"
	echo "ConsentHeader full"	# miltergen checks the counts
	for _l in "$@"; do echo "$_l"; done
    } > "$F_CONF"
    rm -f "$F_TMP/milter.sock"
    _links=$(f_links_logged)
    "$CM_DAEMON" -f -c "$F_CONF" >> "$F_DLOG" 2>&1 &
    daemon_pid=$!
    _n=0
    until "$MILTERGEN" -s "$F_MILTER" -Q -R 2000 > /dev/null 2>&1; do
	_n=$((_n + 1))
	if [ $_n -ge 100 ] || ! kill -0 "$daemon_pid" 2>/dev/null; then
	    f_fatal "consent-milter did not start"
	fi
	sleep 0.1
    done
    # With the cache, its link comes up on its own thread: wait, so that
    # the daemon's sockets counted from here include it.
    if f_cache_pass; then
	wait_for 10 "the consent cache's link" f_link_logged "$_links" ||
	    f_fatal "the consent cache's link did not come up"
    fi
}

# f_sanitizer_clean - no sanitizer report in the daemon's stderr
f_sanitizer_clean() {
    ! grep -E -q 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (Address|Leak|UndefinedBehavior)Sanitizer' "$F_DLOG"
}

f_daemon_stop() {
    kill -TERM "$daemon_pid" 2>/dev/null
    _n=0
    while kill -0 "$daemon_pid" 2>/dev/null && [ $_n -lt 200 ]; do
	sleep 0.1
	_n=$((_n + 1))
    done
    if kill -0 "$daemon_pid" 2>/dev/null; then
	t_notok "consent-milter stops within 20 s of SIGTERM"
	kill -KILL "$daemon_pid" 2>/dev/null
    fi
    wait "$daemon_pid"
    _st=$?
    daemon_pid=
    t_eq "$_st" 0 "consent-milter exits 0 after SIGTERM"
    if f_sanitizer_clean; then
	t_ok "no sanitizer report (ASan, LSan, UBSan) in the daemon's stderr"
    else
	t_notok "no sanitizer report (ASan, LSan, UBSan) in the daemon's stderr"
	grep -E -A25 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$F_DLOG" \
	    | head -60 | sed 's/^/#   /'
    fi
}

# --- the load -------------------------------------------------------------------

f_gen() {
    _name=$1
    shift
    timeout 120 "$MILTERGEN" -s "$F_MILTER" "$@" \
	> "$F_TMP/$_name.out" 2> "$F_TMP/$_name.err"
    gen_rc=$?
    gen_result=$(grep '^RESULT ' "$F_TMP/$_name.out")
    sed -n '2,$p' "$F_TMP/$_name.out" | grep -v '^RESULT ' | sed 's/^/# /'
    if [ -s "$F_TMP/$_name.err" ]; then
	head -12 "$F_TMP/$_name.err" | sed 's/^/# stderr: /'
    fi
}

# f_gen_bg NAME ARGS... - the same in the background; f_gen_wait collects
f_gen_bg() {
    _name=$1
    shift
    timeout 120 "$MILTERGEN" -s "$F_MILTER" "$@" \
	> "$F_TMP/$_name.out" 2> "$F_TMP/$_name.err" &
    gen_pid=$!
    _bg_pids="$_bg_pids $gen_pid"
}

f_gen_wait() {
    wait "$gen_pid"
    gen_rc=$?
    gen_result=$(grep '^RESULT ' "$F_TMP/$1.out")
    sed -n '2,$p' "$F_TMP/$1.out" | grep -v '^RESULT ' | sed 's/^/# /'
    if [ -s "$F_TMP/$1.err" ]; then
	head -12 "$F_TMP/$1.err" | sed 's/^/# stderr: /'
    fi
}
