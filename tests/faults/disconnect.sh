#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# disconnect.sh - clients that vanish or abort at every stage, connections reused
#
# miltergen -D breaks messages off in turn at every stage of the milter
# protocol, between whole messages, on 8 connections that are reused
# for every message (no QUIT between them): an abrupt close after
# option negotiation, CONNECT, HELO, MAIL, the first RCPT, DATA, half
# of the headers, end of headers, half of the body, before end of
# message and after it (answer never read); SMFIC_ABORT after MAIL,
# RCPT, DATA, half of the headers, end of headers, half of the body
# and instead of end of message. Envelope and header campaigns, three
# recipients a message; then one connection reused for many aborted and
# whole messages; then all again with the optout and dkim plugins
# loaded, which make the MTA send end of headers and the body too, and
# keep per-message state of their own. Proves:
#   - every whole message is decided exactly as expected, with its own
#     X-Consent-Milter counts (no recipient left over from an aborted
#     message), no connection is lost;
#   - the audit trail holds exactly the lines of what was decided: the
#     recipients of each queue id are that message's own, its
#     Message-ID is that message's own (not one from an aborted
#     message), refusals at RCPT are all there, nothing from a message
#     that never reached end of message;
#   - the daemon does not keep the dead connections (its open sockets
#     go back to the pool's size), holds no more Redis connections
#     than its pool, and exits 0 on SIGTERM with no LeakSanitizer (or
#     other sanitizer) report: every per-message allocation and Redis
#     context is accounted for.

. "${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/faults/lib.sh"

POOL=8
CUTS=full,close:optneg,full,close:connect,full,close:helo,full,close:mail
CUTS=$CUTS,full,close:rcpt,full,close:data,full,close:header,full,close:eoh
CUTS=$CUTS,full,close:body,full,close:eom,full,close:reply,full,abort:mail
CUTS=$CUTS,full,abort:rcpt,full,abort:data,full,abort:header,full,abort:eoh
CUTS=$CUTS,full,abort:body,full,abort:eom
REUSE=full,abort:mail,full,abort:rcpt,full,abort:header,full,abort:eom,full
MSGS=${F_DISCONNECT_MSGS:-2000}

f_redis_start
f_seed

# check_audit NAME MODE - the audit trail against miltergen's -L log
check_audit() {
    _name=$1
    _mode=$2
    t_true "$_name: every audit line is one JSON object" f_json_lines "$F_AUDIT"
    jq -r '[.qid // "-", .msgid // "-", .rcpt // "-", .decision] | @tsv' \
	"$F_AUDIT" > "$F_TMP/$_name.audit"
    _res=$(awk -v mode="$_mode" -F '\t' '
    FNR == NR {
	split($0, f, " ")
	if (f[3] == "decided" || f[3] == "closed:reply") {
	    want[f[4]] = 0
	    maybe[f[4]] = (f[3] == "closed:reply")
	    n = split(f[5], ks, ",")
	    for (i = 1; i <= n; i++) {
		if (mode == "header" || ks[i] % 4 < 2) {
		    rcpt[f[4] " user" ks[i] "@example.org"] = 1
		    want[f[4]]++
		}
	    }
	}
	next
    }
    $1 == "-" { nullqid++; if ($4 != "deny") bad++; next }
    {
	lines++
	if (!($1 in want)) { unknown++; next }
	got[$1]++
	if (!(($1 " " $3) in rcpt)) stranger++
	if (index($2, "<" $1 ".") != 1) wrongid++
    }
    END {
	# An end of message whose answer nobody waits for may be dropped
	# unread (libmilter closes a session on POLLHUP): all or nothing.
	for (q in want)
	    if (got[q] != want[q] && !(maybe[q] && got[q] == 0)) miscount++
	printf "lines=%d nullqid=%d bad=%d unknown=%d stranger=%d " \
	    "wrongid=%d miscount=%d\n", lines, nullqid, bad, unknown,
	    stranger, wrongid, miscount
    }' "$F_TMP/$_name.log" "$F_TMP/$_name.audit")
    echo "# $_name audit: $_res"
    t_eq "$(kv "$_res" unknown):$(kv "$_res" stranger):$(kv "$_res" wrongid)" \
	"0:0:0" "$_name: each audit line's recipient and Message-ID belong to its own message"
    t_eq "$(kv "$_res" miscount)" 0 \
	"$_name: every decided message has exactly its own audit lines"
    if [ "$_mode" = header ]; then
	t_eq "$(kv "$_res" nullqid)" 0 "$_name: no line without a queue id"
    else
	t_eq "$(kv "$_res" nullqid):$(kv "$_res" bad)" \
	    "$(kv "$gen_result" refused):0" \
	    "$_name: one deny line per refusal at RCPT, cut messages too"
    fi
}

# run_cuts NAME MODE ARGS... - a run, then its checks
run_cuts() {
    _name=$1
    _mode=$2
    shift 2
    : > "$F_AUDIT"
    f_gen "$_name" -m "$_mode" -r 3 -u 0.34 -N "$F_RECORDS" -R 10000 -k 0 \
	-L "$F_TMP/$_name.log" "$@"
    echo "# $_name: $(kv "$gen_result" msgs) whole messages," \
	"$(kv "$gen_result" cut_close) closed, $(kv "$gen_result" cut_abort)" \
	"aborted; recipients accepted $(kv "$gen_result" accepted), refused" \
	"$(kv "$gen_result" refused), stripped $(kv "$gen_result" stripped)"
    t_eq "$gen_rc:$(kv "$gen_result" mismatches):$(kv "$gen_result" errors)" \
	"0:0:0" "$_name: whole messages decided as expected, no connection lost"
    _stages=$(awk '{ print $3 }' "$F_TMP/$_name.log" | sort -u | tr '\n' ' ')
    echo "# $_name: outcomes seen: $_stages"
    t_eq "$(awk '{ print $3 }' "$F_TMP/$_name.log" | grep -c -v -E \
	'^(decided|closed:.*|aborted:.*)$')" 0 "$_name: no mismatch, no error"
    # The last end of message may still be in the works ("close:reply").
    settle "$_name"
    check_audit "$_name" "$_mode"
}

# settle NAME - the daemon lets go of the dead connections (5 s at most)
sockets_le() { [ "$(f_daemon_sockets)" -le "$1" ]; }
settle() {
    _max=$((idle + POOL))
    wait_for 5 "sockets" sockets_le $_max
    t_le "$(f_daemon_sockets)" $_max \
	"$1: the daemon's sockets after the run (idle $idle + pool)"
}

for plugin in none plugins; do
    if [ $plugin = plugins ]; then
	pdir=${CM_PLUGINDIR:-$CM_BUILDDIR/plugins/.libs}
	if [ ! -f "$pdir/optout.so" ] || [ ! -f "$pdir/dkim.so" ]; then
	    echo "# plugins not built in $pdir: the run with plugins is skipped"
	    break
	fi
	# dkim (verify only, no keys: every message unsigned) wants the
	# body, optout the end of headers; both keep per-message state.
	: > "$F_TMP/dkim-keys"
	f_daemon_start "RedisConnections $POOL" "Plugin optout $pdir/optout.so" \
	    "Plugin dkim $pdir/dkim.so" "dkim.Require none" \
	    "dkim.KeyFile $F_TMP/dkim-keys"
	nego=$("$MILTERGEN" -s "$F_MILTER" -Q -R 5000)
	proto=$(printf '%d' "$(echo "$nego" | sed 's/.*protocol=//')")
	t_eq "$((proto & 0x10)):$((proto & 0x40))" "0:0" \
	    "with the plugins, the MTA sends the body and end of headers ($nego)"
    else
	f_daemon_start "RedisConnections $POOL"
    fi
    idle=$(f_daemon_sockets)
    p=$plugin
    run_cuts "env-$p" envelope -c 8 -n "$MSGS" -D "$CUTS"
    run_cuts "hdr-$p" header -c 8 -n "$MSGS" -D "$CUTS"
    run_cuts "reuse-$p" header -c 1 -n $((MSGS / 2)) -D "$REUSE"
    t_eq "$(kv "$gen_result" cut_close):$(($(kv "$gen_result" msgs) + \
	$(kv "$gen_result" cut_abort)))" "0:$((MSGS / 2))" \
	"reuse-$p: one connection carried every message, aborted or whole"
    t_le "$(f_clients)" $POOL "$p: Redis clients"
    t_true "$p: the daemon is still running" kill -0 "$daemon_pid"
    f_daemon_stop
done
t_done
