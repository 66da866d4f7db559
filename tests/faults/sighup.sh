#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# sighup.sh - log rotation under load: no audit line lost, split or doubled
#
# While two generators run (12 concurrent sessions, envelope and header
# campaigns, 3 recipients a message, a quarter of them refused: audit
# lines written one by one at RCPT and several at once at end of
# message), the audit trail is rotated as logrotate does it, every
# 0.2 s: renamed to audit.log.N, then SIGHUP. Proves:
#   - every line of every audit file is one whole JSON object, and
#     every file ends with a newline (no line split across a reopen);
#   - the lines of all the files together are exactly one per
#     recipient decision that the generators saw (none lost), and no
#     recipient of a message is logged twice (none doubled);
#   - the daemon reopened the trail once per SIGHUP, wrote to the new
#     files, answered every message as expected throughout, and exits
#     0 on SIGTERM with no sanitizer report.

. "${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/faults/lib.sh"

f_redis_start
f_seed
f_daemon_start
t_true "the daemon opened its audit trail, still empty" \
    test -f "$F_AUDIT" -a ! -s "$F_AUDIT"

f_gen_bg env -c 8 -r 3 -u 0.25 -N "$F_RECORDS" -d 5 -R 10000
env_pid=$gen_pid
f_gen_bg hdr -m header -c 4 -r 3 -u 0.25 -N "$F_RECORDS" -d 5 -R 10000
hdr_pid=$gen_pid

sleep 0.3
hups=0
while kill -0 "$env_pid" 2>/dev/null || kill -0 "$hdr_pid" 2>/dev/null; do
    hups=$((hups + 1))
    mv "$F_AUDIT" "$F_AUDIT.$hups" || break
    kill -HUP "$daemon_pid"
    sleep 0.2
    [ $hups -lt 100 ] || break
done
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
    t_eq "$rc:$(kv "$r" mismatches):$(kv "$r" errors)" "0:0:0" \
	"$g: every answer as expected, no connection lost"
done

# The reopens are logged by the main thread: wait until all are.
reopened() { [ "$(grep -c 'audit trail reopened' "$F_DLOG")" -ge "$hups" ]; }
wait_for 5 "reopens" reopened
t_eq "$(grep -c 'audit trail reopened' "$F_DLOG")" "$hups" \
    "the audit trail was reopened once per SIGHUP"

files=$(ls "$F_AUDIT"* | wc -l)
used=0
for f in "$F_AUDIT"*; do
    [ -s "$f" ] && used=$((used + 1))
done
echo "# $hups SIGHUPs; $files audit files, $used of them with lines"
t_true "every line of every audit file is one JSON object" \
    f_json_lines "$F_AUDIT"*
t_true "the daemon wrote to most of the new files ($used of $files)" \
    test $((used * 2)) -gt "$files"

lines=$(cat "$F_AUDIT"* | wc -l)
seen=0
for r in "$env_result" "$hdr_result"; do
    seen=$((seen + $(kv "$r" accepted) + $(kv "$r" refused) + \
	$(kv "$r" stripped) + $(kv "$r" tempfailed)))
done
echo "COUNTS recipient decisions seen: $seen (env: accepted" \
    "$(kv "$env_result" accepted) refused $(kv "$env_result" refused);" \
    "hdr: accepted $(kv "$hdr_result" accepted) stripped" \
    "$(kv "$hdr_result" stripped)); audit lines in $files files: $lines"
t_true "some load ran" test "$seen" -gt 1000
t_eq "$lines" "$seen" "audit lines = recipient decisions the generators saw"
dups=$(cat "$F_AUDIT"* |
    jq -r 'select(.qid != null) | "\(.sender) \(.qid) \(.rcpt)"' |
    sort | uniq -d | wc -l)
t_eq "$dups" 0 "no recipient of a message logged twice"
f_daemon_stop
t_done
