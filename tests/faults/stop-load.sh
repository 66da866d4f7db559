#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# stop-load.sh - SIGTERM under load, with the plugins loaded (drain(3))
#
# libmilter stops taking connections on smfi_stop() and then drops every
# connection still open, while a worker may still be inside a callback.
# Before drain(3) the daemon then closed the audit trail, freed the
# store and unloaded the plugins under that callback. Here 12
# connections (the optout and dkim
# plugins, which keep per-message state) send messages without pause;
# SIGTERM comes in the middle, three times over (header, envelope and
# header campaigns). Proves:
#   - the daemon exits 0 with no sanitizer report (the sanitizer build:
#     no use after free, no leaked session), logs the stop and no
#     callback still running;
#   - the messages in progress were finished, not cut: every message
#     miltergen saw decided has exactly its own audit lines; a new
#     message after the signal got 451 4.3.2 (miltergen -T), never a
#     wrong answer;
#   - nothing is decided after the trail is closed: every audit line
#     is whole and belongs to a message miltergen started.
# Printed, not asserted: cut_with_lines, messages decided whose reply
# the stop cut (libmilter writes it after the callback; the daemon
# waits 20 ms for it): the MTA then retries a message the trail shows
# decided, which is true, and delivers nothing on the lost reply.

. "${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/faults/lib.sh"

f_redis_start
f_seed

pdir=${CM_PLUGINDIR:-$CM_BUILDDIR/plugins/.libs}
plugins=
if [ -f "$pdir/optout.so" ] && [ -f "$pdir/dkim.so" ]; then
    : > "$F_TMP/dkim-keys"
    plugins=yes
else
    echo "# plugins not built in $pdir: the runs go without them"
fi

# check_run NAME - miltergen's log against the audit trail
check_run() {
    _name=$1
    t_true "$_name: every audit line is one JSON object" f_json_lines "$F_AUDIT"
    jq -r '[.qid // "-", .rcpt // "-", .decision] | @tsv' "$F_AUDIT" \
	> "$F_TMP/$_name.audit"
    _res=$(awk -F '\t' '
    FNR == NR {
	split($0, f, " ")
	started[f[4]] = 1
	if (f[3] == "decided") {
	    n = split(f[5], ks, ",")
	    want[f[4]] = 0
	    for (i = 1; i <= n; i++)
		if (f[6] == "header" || ks[i] % 4 < 2) want[f[4]]++
	}
	if (f[3] == "error") cut[f[4]] = 1
	if (f[3] != "decided" && f[3] != "tempfail" && f[3] != "error")
	    other[f[3]]++
	next
    }
    $1 == "-" { next }			# a refusal at RCPT: no queue id yet
    {
	lines++
	if (!($1 in started)) unknown++
	got[$1]++
    }
    END {
	for (q in want) if (got[q] != want[q]) miscount++
	for (q in cut) if (got[q] > 0) cutlines++
	for (c in other) odd = odd c "=" other[c] " "
	printf "lines=%d unknown=%d miscount=%d cut_with_lines=%d odd=%s\n",
	    lines, unknown, miscount, cutlines, odd == "" ? "none" : odd
    }' "$F_TMP/$_name.both" "$F_TMP/$_name.audit")
    echo "# $_name: $_res"
    t_eq "$(kv "$_res" unknown)" 0 \
	"$_name: every audit line belongs to a message miltergen sent"
    t_eq "$(kv "$_res" miscount)" 0 \
	"$_name: every message decided before the stop has its own audit lines"
    t_eq "$(kv "$_res" odd)" none \
	"$_name: each message decided, tempfailed, or cut by the stop"
}

for round in 1 2 3; do
    : > "$F_AUDIT"
    : > "$F_DLOG"
    if [ -n "$plugins" ]; then
	f_daemon_start "Plugin optout $pdir/optout.so" \
	    "Plugin dkim $pdir/dkim.so" "dkim.Require none" \
	    "dkim.KeyFile $F_TMP/dkim-keys"
    else
	f_daemon_start
    fi
    mode=header
    [ $round = 2 ] && mode=envelope
    f_gen_bg r$round -m $mode -c 12 -r 3 -u 0.34 -N "$F_RECORDS" -d 60 \
	-k 0 -T -R 10000 -L "$F_TMP/r$round.log"
    # Some messages decided, then the signal, in the middle of the load.
    t_true "round $round: 200 recipients decided before the signal" \
	wait_for 10 "decisions" sh -c "[ \$(wc -l < '$F_AUDIT') -ge 200 ]"
    f_daemon_stop
    f_gen_wait r$round
    t_eq "$(kv "$gen_result" mismatches)" 0 \
	"round $round: no answer but the expected one, or 451 (4.3.2 after the signal)"
    t_true "round $round: SIGTERM is logged" \
	grep -q "stopping on signal 15" "$F_DLOG"
    t_true "round $round: the stop is logged" grep -q ": stopped$" "$F_DLOG"
    t_true "round $round: no callback was left running" \
	sh -c "! grep -q 'still running' '$F_DLOG'"
    grep -E "stopping: " "$F_DLOG" | sed 's/^/# /'
    sed "s/\$/ $mode/" "$F_TMP/r$round.log" > "$F_TMP/r$round.both"
    echo "# round $round: $(awk '{ print $3 }' "$F_TMP/r$round.both" | sort \
	| uniq -c | tr '\n' ' ')"
    check_run "r$round"
done
t_done
