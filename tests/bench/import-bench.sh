#!/bin/sh
# import-bench.sh - how fast consentctl import loads a large CSV
#
# Usage: import-bench.sh [ROWS]
#
# A benchmark, not a test: it prints a figure and fails only when
# something breaks. Generates ROWS rows (default 1000000: half granted,
# a quarter withdrawn, a quarter suppression rows, every row a different
# address), starts a private redis-server on a unix socket in a
# temporary directory (no TCP port, no persistence), times
# "consentctl import" into the empty store and prints rows/s.
# DESIGN.md section 10 asks for a million rows in well under a minute;
# issue 6 for at most 20 s.
#
# Environment: CM_CONSENTCTL (default: ./consentctl), REDIS_SERVER
# (default redis-server), REDIS_CLI (default redis-cli), TMPDIR.

set -u

ROWS=${1:-1000000}
CONSENTCTL=${CM_CONSENTCTL:-./consentctl}
REDIS_SERVER=${REDIS_SERVER:-redis-server}
REDIS_CLI=${REDIS_CLI:-redis-cli}

case $ROWS in ''|*[!0-9]*) echo "usage: $0 [ROWS]" >&2; exit 64 ;; esac
if [ ! -x "$CONSENTCTL" ]; then
    echo "$0: $CONSENTCTL is not executable: build it, or set CM_CONSENTCTL" >&2
    exit 69
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/cm-bench.XXXXXX") || exit 70
sock=$dir/redis.sock
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then
	kill "$server_pid" 2>/dev/null
	wait "$server_pid" 2>/dev/null
    fi
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$REDIS_SERVER" --port 0 --unixsocket "$sock" --unixsocketperm 700 \
    --save '' --appendonly no --daemonize no --dir "$dir" \
    --logfile "$dir/redis.log" &
server_pid=$!
tries=0
until [ "$("$REDIS_CLI" -s "$sock" ping 2>/dev/null)" = PONG ]; do
    tries=$((tries + 1))
    if [ $tries -ge 50 ] || ! kill -0 "$server_pid" 2>/dev/null; then
	echo "$0: redis-server did not start" >&2
	cat "$dir/redis.log" >&2
	exit 69
    fi
    sleep 0.1
done
printf 'Redis unix:%s\n' "$sock" > "$dir/bench.conf"

# Times a year back, one second apart: all valid, none in the future.
echo "generating $ROWS rows..."
awk -v n="$ROWS" -v base="$(( $(date +%s) - 31536000 ))" 'BEGIN {
    print "address,purpose,state,at,source"
    for (i = 0; i < n; i++) {
	a = "member" i "@example.org"
	if (i % 4 < 2)
	    printf "%s,newsletter,granted,%d,\"signup form v3, %d\"\n", a, base + i, i
	else if (i % 4 == 2)
	    printf "%s,newsletter,withdrawn,%d,unsubscribe link\n", a, base + i
	else
	    printf "%s,*,suppressed,%d,hard bounce\n", a, base + i
    }
}' > "$dir/bench.csv" || exit 70
echo "$(wc -c < "$dir/bench.csv") bytes; importing..."

start=$(date +%s.%N)
"$CONSENTCTL" -c "$dir/bench.conf" --actor bench import "$dir/bench.csv" \
    > "$dir/out" 2> "$dir/err"
status=$?
end=$(date +%s.%N)
cat "$dir/out"
if [ $status -ne 0 ]; then
    echo "$0: consentctl import failed (exit $status):" >&2
    cat "$dir/err" >&2
    exit 1
fi
# Memory matters as much as speed: DESIGN.md section 12 sizes Redis.
echo "keys in Redis: $("$REDIS_CLI" -s "$sock" DBSIZE)," \
    "$("$REDIS_CLI" -s "$sock" INFO memory | tr -d '\r' |
	sed -n 's/^used_memory_human:/memory used: /p')"
# Issue 6's target: a million rows in 20 s or less (50,000 rows/s).
awk -v s="$start" -v e="$end" -v n="$ROWS" 'BEGIN {
    t = e - s
    r = (t > 0) ? n / t : 0
    printf "import: %d rows in %.2f s: %.0f rows/s (target >= 50000 rows/s, ", n, t, r
    printf "a million in <= 20 s: %s)\n", (r >= 50000) ? "PASS" : "BELOW"
}'
