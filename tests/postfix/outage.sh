#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# outage.sh - Redis killed under load: ordinary mail flows, marketing waits
#
# Usage: CM_DAEMON=_build/consent-milter sh tests/postfix/outage.sh
#        (as root; it runs itself under tests/lib/redis.sh; make check runs it)
#
# The daemon with its sender map copy (SenderMapRefresh, default 60 s;
# consent-milter(8), FAILURE BEHAVIOUR), through the private Postfix of
# lib.sh. The data is seeded before the daemon starts, so the copy has
# the mappings. Two SMTP clients send in a loop: 30 ordinary messages
# from it@party.example (no mapping) and 10 marketing messages from
# news@org.example (mapped to spring). After the fifth ordinary message
# Redis is SIGKILLed; it is started again only when both loops are done.
#   1. every ordinary message is accepted (250) and delivered, those
#      sent during the outage included; no audit line for any of them;
#   2. the marketing messages sent during the outage get 451 4.7.1
#      store-error (at MAIL FROM, from the copy: a mapped sender);
#   3. the sendmail command during the outage: ordinary mail from
#      it@party.example is delivered; a mapped sender, a campaign header
#      and a List-Unsubscribe message from it@party.example wait in the
#      maildrop queue (store-error at end of message);
#   4. the log gives the copy's age when it is used, and again when
#      Redis answers;
#   5. Redis back, postqueue -f: the waiting messages are decided (the
#      two campaigns delivered to alice with their header, the bulk one
#      rejected as unidentified-bulk); the SMTP client's retries of the
#      deferred marketing are decided at RCPT (bob refused);
#   6. consentctl reconcile: no finding; nothing left in the queue.

CM_SRCDIR=${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$CM_SRCDIR/tests/postfix/lib.sh"
pf_need_redis "$0" "$@"
. "$CM_SRCDIR/tests/ctl/lib.sh"

N_ORD=30
N_MKT=10

pf_seed
pf_up "RedisTimeout 1000"
t_true "the copy is loaded at start, with the seeded mappings" \
    grep -q 'sender map loaded: 8 sender(s), reloaded every 60 s' "$PF_MILTER_LOG"

# ordinary_loop FILE - N_ORD ordinary messages; "N REPLY" lines to FILE
ordinary_loop() {
    _i=1
    while [ $_i -le $N_ORD ]; do
	pf_swaks --from it@party.example --to carol@example.org,alice@example.org \
	    --header "Message-Id: <o-$_i@cmtest.invalid>" \
	    --header "Subject: printer on floor 2 ($_i)"
	echo "$_i $(pf_swaks_reply .)" >> "$1"
	_i=$((_i + 1))
    done
}

# marketing_loop FILE - N_MKT messages from the mapped sender
marketing_loop() {
    _i=1
    while [ $_i -le $N_MKT ]; do
	pf_swaks --from news@org.example --to alice@example.org,bob@example.org \
	    --header "Message-Id: <m-$_i@cmtest.invalid>" \
	    --header "From: Party News <news@org.example>"
	echo "$_i $(pf_swaks_reply 'MAIL FROM:<news@org.example>')" >> "$1"
	_i=$((_i + 1))
	sleep 0.2
    done
}

_lines_ge() { [ "$(wc -l < "$1" 2>/dev/null || echo 0)" -ge "$2" ]; }

# --- the outage, under load ---------------------------------------------
: > "$PF_DIR/ord.txt"
: > "$PF_DIR/mkt.txt"
ordinary_loop "$PF_DIR/ord.txt" &
ord_pid=$!
marketing_loop "$PF_DIR/mkt.txt" &
mkt_pid=$!
cm_wait 30 "five ordinary messages before the kill" _lines_ge "$PF_DIR/ord.txt" 5
kill -KILL "$(cat "$CM_TEST_TMPDIR/redis.pid")"
t_kill=$(wc -l < "$PF_DIR/ord.txt")
echo "# Redis killed after $t_kill ordinary message(s)"

# The sendmail command while Redis is down.
sleep 1
pf_msg "<s-ord@cmtest.invalid>" "IT <it@party.example>" "Printer" |
    pf_sendmail -f it@party.example carol@example.org
pf_msg "<s-env@cmtest.invalid>" "Party News <news@org.example>" "Spring news" |
    pf_sendmail -f news@org.example alice@example.org
pf_msg "<s-hdr@cmtest.invalid>" "IT <it@party.example>" "Spring news" \
    "X-Campaign-ID: spring" |
    pf_sendmail -f it@party.example alice@example.org
pf_msg "<s-bulk@cmtest.invalid>" "IT <it@party.example>" "Newsletter" \
    "List-Unsubscribe: <mailto:unsubscribe@party.example>" |
    pf_sendmail -f it@party.example carol@example.org

wait $ord_pid
wait $mkt_pid
# SIGKILL leaves the socket file: down means no answer.
t_true "Redis stayed down until both loops ended" eval '! pf_redis PING > /dev/null 2>&1'

# 1. Ordinary mail: accepted and delivered, none audited.
t_eq "$(grep -vc ' 250 2.0.0 Ok: queued as ' "$PF_DIR/ord.txt")" 0 \
    "ordinary mail: all $N_ORD messages accepted (250), $((N_ORD - t_kill)) during the outage"
# Not pf_wait_sink: the maildrop queue is not empty (see 3.).
cm_wait 30 "<s-ord@...> in the sink" _pf_in_sink "<s-ord@cmtest.invalid>"
missing=
i=1
while [ $i -le $N_ORD ]; do
    f=$(pf_sink_file "<o-$i@cmtest.invalid>")
    if [ -z "$f" ] ||
       [ "$(pf_sink_rcpts "$f" | tr '\n' ' ')" != "alice@example.org carol@example.org " ]; then
	missing="$missing $i"
    fi
    i=$((i + 1))
done
t_eq "$missing" "" "ordinary mail: every message delivered to both recipients"
t_eq "$(jq -r 'select(.sender == "it@party.example" and (.msgid // "" | startswith("<o-")))' \
    "$PF_AUDIT" | wc -l)" 0 "ordinary mail: no audit line"
f=$(pf_sink_file "<s-ord@cmtest.invalid>")
t_eq "$(pf_sink_rcpts "$f" | tr '\n' ' ')" "carol@example.org " \
    "outage, sendmail command: ordinary mail delivered"

# 2. Marketing over SMTP: 451 store-error while Redis is down.
deferred=$(grep -c '451 4.7.1 not sent: store-error' "$PF_DIR/mkt.txt")
other=$(grep -vc -e '451 4.7.1 not sent: store-error' -e ' 250 ' "$PF_DIR/mkt.txt")
echo "# marketing over SMTP: $deferred of $N_MKT deferred at MAIL FROM"
t_true "marketing over SMTP: deferred with 451 store-error during the outage ($deferred)" \
    [ "$deferred" -ge 1 ]
t_eq "$other" 0 "marketing over SMTP: no answer but 250 (before the kill) or 451 store-error"

# 3. The sendmail command: marketing waits in the maildrop queue.
for m in s-env s-hdr s-bulk; do
    t_eq "$(pf_sink_file "<$m@cmtest.invalid>")" "" \
	"outage, sendmail command: <$m@...> not delivered"
done
t_eq "$(pf_queue_ids maildrop | wc -l)" 3 \
    "outage, sendmail command: three messages wait in the maildrop queue"

# 4. The log.
t_true "the log: the copy is used, with its age" grep -q \
    'consent store unavailable: senders are decided at MAIL from the sender map copy (8 sender(s), [0-9]* s old' \
    "$PF_MILTER_LOG"
t_true "the log: each ordinary message, with the copy's age" grep -q \
    'sender map copy ([0-9]* s old): no campaign for this sender: ordinary mail goes on' \
    "$PF_MILTER_LOG"

# --- 5. Redis back ----------------------------------------------------------
pf_redis_start
pf_seed
_pf_answers_again() {
    grep -q 'consent store answers again: sender map reloaded, [0-9]* sender(s); the copy used during the outage was [0-9]* s old when last used' \
	"$PF_MILTER_LOG"
}
cm_wait 15 "the log to say that Redis answers again" _pf_answers_again
t_true "the log: Redis answers again, with the copy's age" _pf_answers_again
pf_flush
pf_wait_sink "<s-env@cmtest.invalid>" 30
pf_wait_sink "<s-hdr@cmtest.invalid>" 30
for m in s-env s-hdr; do
    f=$(pf_sink_file "<$m@cmtest.invalid>")
    t_eq "$(pf_sink_rcpts "$f" | tr '\n' ' ')" "alice@example.org " \
	"Redis back, postqueue -f: <$m@...> delivered to alice"
    t_eq "$(pf_header "$f" X-Consent-Milter)" "campaign=spring; mode=enforce" \
	"Redis back: <$m@...> has the X-Consent-Milter header"
    t_eq "$(pf_audit_msg "<$m@cmtest.invalid>" alice@example.org decision reason action)" \
	"allow consent accept" "Redis back: <$m@...> alice decided, audited"
done
t_eq "$(pf_sink_file "<s-bulk@cmtest.invalid>")" "" \
    "Redis back: the List-Unsubscribe message without a campaign is not delivered"
t_eq "$(pf_audit_msg "<s-bulk@cmtest.invalid>" carol@example.org decision reason action)" \
    "deny unidentified-bulk reject" "Redis back: it is decided as unidentified bulk"

# The SMTP client retries what was deferred.
for i in $(sed -n 's/^\([0-9]*\) 451 .*/\1/p' "$PF_DIR/mkt.txt"); do
    pf_swaks --from news@org.example --to alice@example.org,bob@example.org \
	--header "Message-Id: <m-$i@cmtest.invalid>" \
	--header "From: Party News <news@org.example>"
    t_eq "$(pf_swaks_reply 'RCPT TO:<bob@example.org>')" \
	"550 5.7.1 <bob@example.org>: not sent: withdrawn (campaign spring)" \
	"Redis back, SMTP retry <m-$i@...>: bob refused at RCPT"
    pf_wait_sink "<m-$i@cmtest.invalid>"
    f=$(pf_sink_file "<m-$i@cmtest.invalid>")
    t_eq "$(pf_sink_rcpts "$f" | tr '\n' ' ')" "alice@example.org " \
	"Redis back, SMTP retry <m-$i@...>: delivered to alice"
done

# --- 6. the MTA's word against the trail ----------------------------------
t_eq "$(pf_queue_count)" 0 "nothing left in the queue"
pf_reconcile
pf_milter_stop
t_eq "$?" 0 "consent-milter exits 0 on SIGTERM"

t_done
