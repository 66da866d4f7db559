#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# slowclient.sh - consent-unsubscribe: slow clients cannot shut it down
#
# Under tests/lib/redis.sh, the real daemon, curl and trickle.pl (perl).
# Every request must be complete within the deadline (10 s) however
# busily its client trickles, and one peer holds only its share of the
# connection slots:
#   1. 300 loopback connections (more than the service's 256 slots)
#      trickle a header line a second; meanwhile a normal curl GET gets
#      its page; every trickler is closed by the server before it is
#      through (20 s), and some were held for a while first (they were
#      accepted, not refused).
#   2. 20 connections trickle a POST body a byte a second: each is
#      closed before it is through, none in the first 5 s (it is the
#      deadline that closes them, not a refusal).
#   3. From a peer that is not on loopback (when this host has such an
#      address), 40 trickling connections: at most 16 are held, the
#      rest are closed at once.
# Bounds on time are generous: the deadline is 10 s, the tricklers
# last 20 s, "at once" is under 4 s.

. "$CM_SRCDIR/tests/unsub/lib.sh"

TRICKLE="$CM_SRCDIR/tests/unsub/trickle.pl"

# trickle COUNT SECONDS MODE [FROM] - run trickle.pl in the background
# against the service; returns once its connections are open
trickle() {
    rm -f "$TMP/ready" "$TMP/trickle.out"
    perl "$TRICKLE" "$tr_host" "$port" "$1" "$2" "$3" "$TMP/ready" ${4:-} \
	> "$TMP/trickle.out" 2> "$TMP/trickle.err" &
    tr_pid=$!
    n=0
    while [ ! -f "$TMP/ready" ] && [ $n -lt 600 ]; do
	kill -0 "$tr_pid" 2>/dev/null || break
	sleep 0.1
	n=$((n + 1))
    done
}

# trickle_wait - wait for it; $opened $closed $open, $ages (one a line)
trickle_wait() {
    wait "$tr_pid"
    eval "$(sed -n '1s/^opened=\([0-9]*\) closed=\([0-9]*\) open=\([0-9]*\)$/opened=\1 closed=\2 open=\3/p' "$TMP/trickle.out")"
    ages=$(sed -n 's/^closed //p' "$TMP/trickle.out")
    [ -s "$TMP/trickle.err" ] && sed 's/^/# trickle.pl: /' "$TMP/trickle.err"
    : "${opened:=0}" "${closed:=0}" "${open:=0}"
}

# count_ages OP SECS - how many closing ages compare so with SECS
count_ages() {
    printf '%s\n' "$ages" | awk -v s="$2" -v op="$1" \
	'NF { if ((op == "lt" && $1 < s) || (op == "ge" && $1 >= s)) n++ }
	 END { print n + 0 }'
}

u_keys
u_conf "UnsubscribeListen inet:$(u_free_port)@0.0.0.0"
port=$(sed -n 's/^UnsubscribeListen inet:\([0-9]*\)@.*/\1/p' "$CONF")
u_start || { t_notok "the service starts"; t_done; }
u_url=http://127.0.0.1:$port
tr_host=127.0.0.1

# 1. More trickling connections than there are slots.
trickle 300 20 header
t_eq "$(test -f "$TMP/ready" && echo ready)" ready "300 tricklers are at it"
u_curl GET /u/abc
t_eq "$code" 200 "meanwhile a normal GET gets its answer"
out=$body
t_has '<form method="post"' "the page"
sleep 3
u_curl GET /u/abc
t_eq "$code" 200 "and again, 3 s later"
trickle_wait
t_eq "$opened $open" "300 0" \
    "every trickler was closed before it was through (20 s)"
held=$(count_ages ge 4)
[ "$held" -gt 0 ] && t_ok "some were held for a while first ($held)" \
    || t_notok "some were held for a while first (ages: $(echo $ages))"
u_curl GET /u/abc
t_eq "$code" 200 "afterwards: the page"

# 2. A POST body, a byte a second.
trickle 20 20 body
trickle_wait
t_eq "$opened $open" "20 0" "body tricklers were closed before they were through"
early=$(count_ages lt 5)
t_eq "$early" 0 "none in the first 5 s: the deadline closed them"

# 3. A peer elsewhere holds only its share.
ext=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9.]+$' \
    | grep -v '^127\.' | head -1)
if [ -n "$ext" ]; then
    tr_host=$ext
    trickle 40 8 header "$ext"
    trickle_wait
    refused=$(count_ages lt 4)
    [ "$open" -le 16 ] && [ "$open" -ge 1 ] \
	&& t_ok "a remote peer ($ext) holds at most 16 of its 40 ($open)" \
	|| t_notok "a remote peer ($ext) holds at most 16 of its 40 (held $open, closed at once $refused)"
    t_eq "$((open + refused))" 40 "the others were closed at once"
else
    echo "# skipped: no non-loopback address to connect from"
fi

u_stop
t_eq "$u_rc" 0 "a clean stop"
t_done
