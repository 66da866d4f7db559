#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# restart.sh - the daemon restarted twice while Postfix sends through it
#
# Usage: CM_DAEMON=_build/consent-milter sh tests/postfix/restart.sh
#        (as root; it runs itself under tests/lib/redis.sh; make check runs it;
#        CM_RESTART_MTA=sendmail runs it through the private sendmail 8.x
#        of tests/sendmail/lib.sh instead: tests/sendmail/restart.sh)
#
# Three SMTP clients send through the private Postfix of lib.sh without
# pause, each message until it is accepted (a 4xx reply: the same
# message again, as a sending MTA does): an envelope campaign (news@ to
# alice and bob, bob withdrawn), a header campaign (X-Campaign-ID:
# spring, to alice and carol, carol without consent) and ordinary mail
# (to carol). The daemon is stopped with SIGTERM twice in the middle and
# started again a second later (drain(3): messages in progress end, a
# new MAIL FROM gets 451 4.3.2, then Postfix's milter_default_action
# tempfail while it is down). Proves, against Postfix's own maillog:
#   1. every reply is 250, or a tempfail that the client retried: 451
#      4.3.2 from the stopping daemon, or the MTA's while the milter is
#      away (Postfix: 451 4.7.1; sendmail with F=T: 451 4.3.2); never a
#      5xx for a message;
#   2. each message is delivered once, to exactly its allowed
#      recipients: alice for both campaigns (bob refused, carol
#      stripped), carol for ordinary mail; some were deferred by the
#      restarts and delivered on their retry;
#   3. each stop exits 0 and logs no callback left running;
#   4. consentctl reconcile: no delivery without an allow.

CM_SRCDIR=${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
case ${CM_RESTART_MTA:-postfix} in
sendmail)
    . "$CM_SRCDIR/tests/sendmail/lib.sh"
    mta_up() { sm_up; }
    send() { sm_swaks "$@"; }
    mta_idle() { sm_wait_idle 30; }
    mta_reconcile() { sm_reconcile; }
    AWAY='451 4.3.2 Please try again later'	# F=T, as shipped
    ;;
*)
    . "$CM_SRCDIR/tests/postfix/lib.sh"
    mta_up() { pf_up; }
    send() { pf_swaks "$@"; }
    mta_idle() { pf_wait_queue_empty 30; }
    mta_reconcile() { pf_reconcile; }
    AWAY='451 4.7.1 Service unavailable - try again later'
    ;;
esac
pf_need_redis "$0" "$@"
. "$CM_SRCDIR/tests/ctl/lib.sh"

N=12					# messages per client

pf_seed
mta_up

# reply - the first 4xx reply swaks got, else the reply to end of data
reply() {
    _r=$(printf '%s\n' "$swaks_out" | sed -n 's/^<\*\* *\(4[0-9][0-9] .*\)/\1/p' | head -1)
    [ -n "$_r" ] || _r=$(pf_swaks_reply .)
    printf '%s' "${_r:-no reply}"
}

# client NAME ARGS... - N messages <NAME-i@...>, each until accepted;
# "i attempt reply" lines to NAME.txt
client() {
    _name=$1
    shift
    _i=1
    while [ $_i -le $N ]; do
	_a=1
	while :; do
	    send "$@" --header "Message-Id: <$_name-$_i@cmtest.invalid>" \
		--header "Subject: $_name $_i"
	    _r=$(reply)
	    echo "$_i $_a $_r" >> "$PF_DIR/$_name.txt"
	    case $_r in 4*) ;; *) break ;; esac
	    [ $_a -ge 40 ] && break
	    _a=$((_a + 1))
	    sleep 0.2
	done
	_i=$((_i + 1))
    done
}

_lines_ge() { [ "$(cat "$PF_DIR"/*.txt 2>/dev/null | wc -l)" -ge "$1" ]; }

for c in env hdr ord; do : > "$PF_DIR/$c.txt"; done
client env --from news@org.example --to alice@example.org,bob@example.org \
    --header "From: Party News <news@org.example>" &
env_pid=$!
client hdr --from it@party.example --to alice@example.org,carol@example.org \
    --header "X-Campaign-ID: spring" &
hdr_pid=$!
client ord --from it@party.example --to carol@example.org &
ord_pid=$!

# Two restarts, in the middle of the traffic.
for k in 1 2; do
    cm_wait 60 "$((k * 9)) replies before restart $k" _lines_ge $((k * 9))
    pf_milter_stop
    t_eq "$?" 0 "restart $k: consent-milter exits 0 on SIGTERM under traffic"
    sleep 1
    pf_milter_start
done
wait $env_pid $hdr_pid $ord_pid

# 1. The replies.
cat "$PF_DIR"/env.txt "$PF_DIR"/hdr.txt "$PF_DIR"/ord.txt |
    cut -d' ' -f3- | sed -e 's/queued as .*/queued as ID/' \
	-e 's/^250 2.0.0 [0-9A-Za-z]* Message/250 2.0.0 ID Message/' |
    sort | uniq -c |
    sed 's/^/# /'
odd=$(cat "$PF_DIR"/*.txt | cut -d' ' -f3- | grep -v \
    -e '^250 ' \
    -e '^451 4.3.2 consent-milter is stopping, try again later$' \
    -e "^$AWAY\$" | sort -u)
t_eq "$odd" "" "every reply is 250, 451 4.3.2 (stopping) or $AWAY (milter away)"
for c in env hdr ord; do
    t_eq "$(awk '$3 == "250" { n++ } END { print n + 0 }' "$PF_DIR/$c.txt")" $N \
	"$c: each of the $N messages accepted once, in the end"
done
retried=$(awk '$2 > 1' "$PF_DIR"/*.txt | wc -l)
echo "# $retried attempt(s) were retries after a tempfail"
t_true "the restarts deferred some messages, which their retries delivered ($retried)" \
    [ "$retried" -ge 1 ]

# 2. The deliveries: once each, exactly the allowed recipients.
mta_idle
bad=
for c in env hdr ord; do
    want="alice@example.org "
    [ $c = ord ] && want="carol@example.org "
    i=1
    while [ $i -le $N ]; do
	n=$(grep -l -i -x "message-id: <$c-$i@cmtest.invalid>" "$PF_SINK"/* 2>/dev/null | wc -l)
	f=$(pf_sink_file "<$c-$i@cmtest.invalid>")
	if [ "$n" != 1 ] || [ "$(pf_sink_rcpts "$f" | tr '\n' ' ')" != "$want" ]; then
	    bad="$bad $c-$i($n)"
	fi
	i=$((i + 1))
    done
done
t_eq "$bad" "" "every message delivered once, to exactly its allowed recipients"

# 3. The stops.
t_eq "$(grep -c 'stopping on signal 15' "$PF_MILTER_LOG")" 2 "two stops logged"
t_eq "$(grep -c ': stopped$' "$PF_MILTER_LOG")" 2 "both ended"
t_eq "$(grep -c 'still running' "$PF_MILTER_LOG")" 0 "no callback left running"
grep 'stopping: ' "$PF_MILTER_LOG" | sed 's/^/# /'

# 4. The MTA's word against the trail.
mta_reconcile
pf_milter_stop
t_eq "$?" 0 "consent-milter exits 0 on SIGTERM"

t_done
