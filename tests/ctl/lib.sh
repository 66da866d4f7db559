# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# lib.sh - helpers for the consentctl tests (sourced by tests/ctl/*.sh)
#
# The tests run under tests/lib/redis.sh: CM_TEST_REDIS_SOCK and
# CM_TEST_TMPDIR are set. CM_CONSENTCTL is the program under test.
# Each script ends with t_done, which prints "N passed, M failed" and
# sets the exit status.
#
#   t_conf [LINES...]     write $CONF: Redis on the test socket, plus LINES
#   t_run ARGS...         run consentctl -c $CONF ARGS; sets $out, $err, $rc
#   t_eq GOT WANT WHAT    one assertion
#   t_rc WANT WHAT        assert the exit status of the last t_run
#   t_has TEXT WHAT       assert that $out contains TEXT
#   t_errhas TEXT WHAT    assert that $err contains TEXT
#   t_redis ARGS...       redis-cli on the test socket (raw output)

set -u
: "${CM_TEST_REDIS_SOCK:?run under tests/lib/redis.sh}"
CONSENTCTL=${CM_CONSENTCTL:-consentctl}
TMP=$CM_TEST_TMPDIR
CONF=$TMP/consentctl.conf
t_pass=0
t_fail=0

t_conf() {
    printf 'Redis unix:%s\n' "$CM_TEST_REDIS_SOCK" > "$CONF"
    for line in "$@"; do printf '%s\n' "$line" >> "$CONF"; done
}

t_run() {
    "$CONSENTCTL" -c "$CONF" "$@" > "$TMP/out" 2> "$TMP/err" < /dev/null
    rc=$?
    out=$(cat "$TMP/out")
    err=$(cat "$TMP/err")
}

t_ok() {
    t_pass=$((t_pass + 1))
    echo "ok $((t_pass + t_fail)) - $1"
}

t_notok() {
    t_fail=$((t_fail + 1))
    echo "not ok $((t_pass + t_fail)) - $1"
}

t_eq() {
    if [ "$1" = "$2" ]; then t_ok "$3"; else
	t_notok "$3"; printf '#   got:  %s\n#   want: %s\n' "$1" "$2"; fi
}

t_rc() {
    if [ "$rc" = "$1" ]; then t_ok "$2 (exit $1)"; else
	t_notok "$2: exit $rc, want $1"
	printf '#   stdout: %s\n#   stderr: %s\n' "$out" "$err"; fi
}

t_has() {
    case $out in *"$1"*) t_ok "$2" ;; *)
	t_notok "$2"; printf '#   stdout lacks: %s\n#   stdout: %s\n' "$1" "$out" ;; esac
}

t_errhas() {
    case $err in *"$1"*) t_ok "$2" ;; *)
	t_notok "$2"; printf '#   stderr lacks: %s\n#   stderr: %s\n' "$1" "$err" ;; esac
}

t_redis() {
    redis-cli -s "$CM_TEST_REDIS_SOCK" "$@"
}

t_done() {
    echo "$t_pass passed, $t_fail failed"
    [ "$t_fail" -eq 0 ] && [ "$t_pass" -gt 0 ]
    exit $?
}
