#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# audit-bench.sh - consentctl report and trace on years of audit logs
#
# Usage: audit-bench.sh [LINES]
#
# A benchmark, not a test: it prints figures and fails only when
# something breaks. Issue 18 asks that 10 million audit lines, rotated
# and gzipped, be answered by "consentctl report" and "consentctl
# trace" in under 10 s. LINES (default 10000000; 1000000 with
# BENCH_QUICK=1) records over two years are written once, as logrotate
# leaves them (audit.log and audit.log.1 plain, audit.log.2.gz up to
# .9.gz, gzip -6), into a cache directory that later runs reuse:
# BENCH_CACHE, default ${XDG_CACHE_HOME:-$HOME/.cache}/consent-milter-bench.
# Records are about 400 bytes, like the daemon's: 200 campaigns of
# LINES/200 recipient decisions each, a million recipients, a mix of
# allow and deny. A private redis-server (no TCP port, no persistence)
# holds no consent, so the times are those of reading the logs.
#
# Environment: CM_CONSENTCTL (default: ./consentctl), REDIS_SERVER,
# REDIS_CLI, TMPDIR, BENCH_CACHE.

set -u

if [ -n "${BENCH_QUICK:-}" ]; then
    LINES=${1:-1000000}
else
    LINES=${1:-10000000}
fi
CONSENTCTL=${CM_CONSENTCTL:-./consentctl}
REDIS_SERVER=${REDIS_SERVER:-redis-server}
REDIS_CLI=${REDIS_CLI:-redis-cli}
. "${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/bench/lib.sh"

case $LINES in ''|*[!0-9]*) echo "usage: $0 [LINES]" >&2; exit 64 ;; esac
if [ ! -x "$CONSENTCTL" ]; then
    echo "$0: $CONSENTCTL is not executable: build it, or set CM_CONSENTCTL" >&2
    exit 69
fi
FILES=10
CACHE=${BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/consent-milter-bench}/audit-$LINES

# gen N - file N of the rotation (0 is audit.log, the newest)
gen() {
    per=$((LINES / FILES))
    awk -v from=$(( (FILES - 1 - $1) * per )) -v n=$per -v total="$LINES" \
	-v base=1730000000 'BEGIN {
	step = 2 * 365 * 86400 / total
	for (i = from; i < from + n; i++) {
	    t = base + int(i * step)
	    c = int(i / (total / 200))
	    r = (i * 7919) % 1000000
	    q = sprintf("%X%07X", 4 + c % 11, int(i / 40))
	    k = i % 20
	    printf "{\"time\":\"%s.%03dZ\",", strftime("%Y-%m-%dT%H:%M:%S", t, 1), i % 1000
	    if (k < 3) {
		printf "\"qid\":null,\"msgid\":null,\"subject\":null,"
	    } else {
		printf "\"qid\":\"%s\",\"msgid\":\"<%d.%s@mail.org.example>\",", q, t, q
		printf "\"subject\":\"Newsletter %d: news from the association\",", c
	    }
	    printf "\"sender\":\"news@org.example\",\"auth\":\"membership-team\","
	    printf "\"campaign\":\"news-%04d\",\"purpose\":\"newsletter\",", c
	    printf "\"basis\":\"consent\",\"rcpt\":\"member%d@example.org\",", r
	    if (k == 0)
		printf "\"decision\":\"deny\",\"reason\":\"withdrawn\",\"action\":\"reject\","
	    else if (k == 1)
		printf "\"decision\":\"deny\",\"reason\":\"no-consent\",\"action\":\"reject\","
	    else if (k == 2)
		printf "\"decision\":\"deny\",\"reason\":\"suppressed\",\"action\":\"reject\","
	    else
		printf "\"decision\":\"allow\",\"reason\":\"consent\",\"action\":\"accept\","
	    printf "\"mode\":\"enforce\",\"from\":\"news@org.example\""
	    if (k >= 3)
		printf ",\"consent_at\":\"2024-03-01T12:00:00Z\",\"consent_src\":\"web form /join v3\""
	    printf "}\n"
	}
    }'
}

if [ ! -f "$CACHE/done" ]; then
    echo "generating $LINES audit lines in $CACHE (once)..."
    mkdir -p "$CACHE" || exit 70
    rm -f "$CACHE"/audit.log*
    n=0
    while [ $n -lt $FILES ]; do
	# Two at a time: awk and gzip keep two cores busy.
	for k in $n $((n + 1)); do
	    case $k in
	    0) gen 0 > "$CACHE/audit.log" & ;;
	    1) gen 1 > "$CACHE/audit.log.1" & ;;
	    *) gen $k | gzip -6 > "$CACHE/audit.log.$k.gz" & ;;
	    esac
	done
	wait
	n=$((n + 2))
    done
    touch "$CACHE/done"
fi
echo "$(cat "$CACHE"/audit.log "$CACHE"/audit.log.1 | wc -c) plain bytes + $(cat "$CACHE"/audit.log.*.gz | wc -c) gzipped bytes in $FILES files"

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
bench_redis_start "$sock" "$dir" || exit 69
server_pid=$redis_pid
printf 'Redis unix:%s\nAuditLog %s/audit.log\n' "$sock" "$CACHE" > "$dir/bench.conf"

# timed LABEL ARGS... - one consentctl run, its time and its verdict
status=0
timed() {
    label=$1
    shift
    start=$(date +%s.%N)
    "$CONSENTCTL" -c "$dir/bench.conf" "$@" > "$dir/out" 2> "$dir/err"
    rc=$?
    end=$(date +%s.%N)
    if [ $rc -ne 0 ]; then
	echo "$0: consentctl $* failed (exit $rc):" >&2
	cat "$dir/err" >&2
	status=1
    fi
    awk -v s="$start" -v e="$end" -v n="$LINES" -v l="$label" 'BEGIN {
	t = e - s
	printf "%s: %d lines in %.2f s (%.1f million lines/s): %s\n", l, n, t,
	    (t > 0) ? n / t / 1e6 : 0, (t < 10 || n < 10000000) ? "ok" : "SLOW (target: under 10 s)"
    }'
}

# A shared machine makes wall times noisy: say how busy it was.
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null), $(nproc 2>/dev/null) CPU(s)"
timed "report news-0150" report news-0150 --json
printf '  decisions %s, sent %s\n' "$(jq .decisions < "$dir/out")" "$(jq .sent < "$dir/out")"
timed "report news-0150 --html" report news-0150 --html "$dir/report.html"
timed "trace member4242@example.org" trace member4242@example.org --json
printf '  messages %s\n' "$(jq '[.events[] | select(.type == "message")] | length' < "$dir/out")"
timed "trace member4242@example.org --html" trace member4242@example.org --html "$dir/trace.html"
exit $status
