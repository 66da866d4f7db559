#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# demo.sh - consent-milter on sample data, for real
#
# Usage: contrib/demo.sh [BUILD_DIR]
#
# Starts a throwaway redis-server and consent-milter on unix sockets in
# a temporary directory, loads the sample consent records of
# conf/sample-consent.csv with consentctl (and registers the campaigns),
# sends the sample messages of
# conf/sample-messages/ through the milter with miltertest (which plays
# the MTA), stops Redis and sends one more, then shows the decisions,
# the audit trail and the milter's log. Everything is removed at the end.
# contrib/quickstart.sh runs this after building.

set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/_build}
daemon=$build/consent-milter
consentctl=$build/consentctl
for tool in redis-server redis-cli miltertest; do
    command -v "$tool" >/dev/null 2>&1 || {
	echo "demo: $tool not found (run contrib/quickstart.sh)" >&2; exit 1; }
done
[ -x "$daemon" ] && [ -x "$consentctl" ] || { echo "demo: $daemon not built (run contrib/quickstart.sh)" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/consent-demo.XXXXXX")
redis_pid=
milter_pid=
cleanup() {
    [ -n "$milter_pid" ] && kill "$milter_pid" 2>/dev/null && wait "$milter_pid" 2>/dev/null
    [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

section() { printf '\n\033[1m%s\033[0m\n' "$*"; }

# 1. A throwaway Redis with the sample consent records.
redis-server --port 0 --unixsocket "$tmp/redis.sock" --save '' \
    --appendonly no --logfile "$tmp/redis.log" &
redis_pid=$!
i=0
until redis-cli -s "$tmp/redis.sock" ping >/dev/null 2>&1; do
    i=$((i + 1)); [ $i -lt 100 ] || { echo "demo: redis did not start" >&2; exit 1; }
    sleep 0.05
done
conf=$tmp/consent-milter.conf
cat > "$conf" <<CONF
Socket unix:$tmp/milter.sock
Redis unix:$tmp/redis.sock
AuditLog $tmp/audit.log
AllowRoot yes
CONF
# The optout plugin (PECR regulation 23: marketing must carry an opt-out).
if [ -f "$build/plugins/.libs/optout.so" ]; then
    printf 'Plugin optout %s\n' "$build/plugins/.libs/optout.so" >> "$conf"
    CM_DEMO_OPTOUT=1; export CM_DEMO_OPTOUT
fi
ctl() { "$consentctl" -c "$conf" --actor demo "$@"; }

section "Loading consent with consentctl (conf/sample-consent.csv, a CRM export):"
sed 's/^/  | /' "$top/conf/sample-consent.csv"
ctl import "$top/conf/sample-consent.csv" | sed 's/^/  /'
ctl campaign add spring-newsletter --purpose newsletter --owner membership-team | sed 's/^/  /'
ctl campaign add membership-receipts --purpose receipts --basis service --owner finance | sed 's/^/  /'
ctl sender set news@party.example spring-newsletter | sed 's/^/  /'
for who in alice bob carol dave; do
    printf '  check %-18s ' "$who@example.org:"
    ctl check "$who@example.org" spring-newsletter | head -1
done

# 2. The milter, in the foreground, on a unix socket next to Redis.
"$daemon" -f -c "$conf" 2> "$tmp/milter.log" &
milter_pid=$!
i=0
until [ -S "$tmp/milter.sock" ]; do
    i=$((i + 1))
    [ $i -lt 100 ] || { cat "$tmp/milter.log" >&2; exit 1; }
    sleep 0.05
done

section "Sending the sample messages (conf/sample-messages/) through the milter:"
CM_MILTER_SOCK="unix:$tmp/milter.sock" CM_SAMPLES="$top/conf/sample-messages" \
    miltertest -s "$top/contrib/demo.lua"

section "A complaint arrives from bob@example.org: consentctl trace answers it:"
ctl trace bob@example.org | sed 's/^/  /'
# The same as pictures, for contrib/quickstart.sh: report and evidence pack.
if [ -n "${CM_DEMO_OUT:-}" ] && mkdir -p "$CM_DEMO_OUT"; then
    ctl report spring-newsletter --html "$CM_DEMO_OUT/report-spring-newsletter.html"
    ctl trace bob@example.org --html "$CM_DEMO_OUT/evidence-bob.html"
fi

section "The consent store goes down; the newsletter stream sends again:"
redis-cli -s "$tmp/redis.sock" shutdown nosave >/dev/null 2>&1 || true
wait "$redis_pid" 2>/dev/null || true
redis_pid=
CM_DEMO_PHASE=down CM_MILTER_SOCK="unix:$tmp/milter.sock" \
    CM_SAMPLES="$top/conf/sample-messages" miltertest -s "$top/contrib/demo.lua"

section "The audit trail (one JSON line per recipient decision):"
cat "$tmp/audit.log"
if command -v jq >/dev/null 2>&1; then
    section "The same, as a table:"
    jq -r '[.qid // "-", (.rcpt // "-"), (.campaign // "-"), .decision,
            .reason, .action] | @tsv' "$tmp/audit.log" |
	awk -F'\t' 'BEGIN { printf "  %-8s %-20s %-20s %-9s %-18s %s\n",
			      "QID", "RECIPIENT", "CAMPAIGN", "DECISION", "REASON", "ACTION" }
		    { printf "  %-8s %-20s %-20s %-9s %-18s %s\n", $1, $2, $3, $4, $5, $6 }'
fi

section "The milter's log (syslog in production):"
sed 's/^/  /' "$tmp/milter.log"
