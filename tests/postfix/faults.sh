#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# faults.sh - nothing is lost when the consent store or the milter is down
#
# Usage: CM_DAEMON=_build/consent-milter sh tests/postfix/faults.sh
#        (as root; it runs itself under tests/lib/redis.sh; make check runs it)
#
# With the private Postfix of lib.sh (milter_default_action = tempfail):
#   0. Redis stalls (SIGSTOP): 451 4.7.1 at MAIL FROM after RedisTimeout;
#      once it answers again, the next message is decided as usual (the
#      timed-out connection is not reused with a late reply on it);
#   1. Redis stopped: an SMTP client gets 451 4.7.1 at MAIL FROM and keeps
#      its message; a message from the sendmail command is deferred at end
#      of message and stays in Postfix's maildrop queue;
#   2. Redis started again (same socket, data loaded again) and the queue
#      flushed: the waiting message is decided and delivered; the SMTP
#      client's retry is decided as usual;
#   3. the milter killed: SMTP gets 4xx, the sendmail message waits in the
#      queue; the milter started again and the queue flushed: delivered,
#      decided (with the header) as if nothing had happened.
#
# This is the daemon without a sender map copy (SenderMapRefresh 0), as
# it is when Redis has been down since the daemon started: every message
# waits. outage.sh is the one with the copy (ordinary mail flows).

CM_SRCDIR=${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$CM_SRCDIR/tests/postfix/lib.sh"
pf_need_redis "$0" "$@"
. "$CM_SRCDIR/tests/ctl/lib.sh"

pf_up "RedisTimeout 1000" "SenderMapRefresh 0"
pf_seed

# --- 0. the consent store stalls -------------------------------------------
redis_pid=$(cat "$CM_TEST_TMPDIR/redis.pid")
kill -STOP "$redis_pid"
t0=$(date +%s)
pf_swaks --from news@org.example --to alice@example.org,bob@example.org \
    --header "Message-Id: <f-0@cmtest.invalid>"
t1=$(date +%s)
kill -CONT "$redis_pid"
t_eq "$(pf_swaks_reply 'MAIL FROM:<news@org.example>')" \
    "451 4.7.1 not sent: store-error (consent store unavailable, try again later)" \
    "Redis stalled: 451 4.7.1 at MAIL FROM"
t_true "Redis stalled: answered within RedisTimeout (1 s) and a bit" \
    [ $((t1 - t0)) -le 4 ]
t_true "Redis stalled: the daemon logs the timeout" \
    grep -q 'consent store: redis unix:.*: timeout' "$PF_MILTER_LOG"
sleep 0.3    # the daemon's 200 ms reconnect hold-off, see pf_redis_start
pf_swaks --from news@org.example --to alice@example.org,bob@example.org \
    --header "Message-Id: <f-0b@cmtest.invalid>"
t_eq "$(pf_swaks_reply 'RCPT TO:<bob@example.org>')" \
    "550 5.7.1 <bob@example.org>: not sent: withdrawn (campaign spring)" \
    "Redis answers again: bob refused as usual"
t_eq "$(pf_swaks_reply 'RCPT TO:<alice@example.org>')" "250 2.1.5 Ok" \
    "Redis answers again: alice accepted"
pf_wait_sink "<f-0b@cmtest.invalid>"
n_before=$(pf_sink_count)

# --- 1. the consent store goes down -----------------------------------
pf_redis_stop
t_true "Redis is down" _pf_redis_down
# The daemon looks for a connection that Redis closed at most every 100 ms
# (redispool(3)); until it looks, the sender's answer of a second ago may
# still be used (store(3)). A MAIL within those 100 ms would pass.
sleep 0.2

pf_swaks --from news@org.example --to alice@example.org,bob@example.org \
    --header "Message-Id: <f-1@cmtest.invalid>"
t_eq "$(pf_swaks_reply 'MAIL FROM:<news@org.example>')" \
    "451 4.7.1 not sent: store-error (consent store unavailable, try again later)" \
    "Redis down, SMTP: 451 4.7.1 at MAIL FROM"
t_true "Redis down, SMTP: swaks reports the failure" [ "$swaks_rc" -ne 0 ]
t_eq "$(jq -r 'select(.rcpt == null) | [.sender, .decision, .reason, .action] | join(" ")' "$PF_AUDIT" | tail -n 1)" \
    "news@org.example tempfail store-error tempfail" \
    "Redis down, SMTP: an audit line with rcpt null"

# Ordinary mail is deferred too: the sender's campaign cannot be looked up.
pf_swaks --from office@org.example --to carol@example.org \
    --header "Message-Id: <f-2@cmtest.invalid>"
t_eq "$(pf_swaks_reply 'MAIL FROM:<office@org.example>')" \
    "451 4.7.1 not sent: store-error (consent store unavailable, try again later)" \
    "Redis down, SMTP, ordinary mail: 451 4.7.1 at MAIL FROM"

# Bounces are never marketing: accepted while Redis is down.
pf_swaks --from '<>' --to alice@example.org \
    --header "Message-Id: <f-3@cmtest.invalid>"
t_eq "$(pf_swaks_reply .)" "250 2.0.0 Ok: queued as $(pf_swaks_qid)" \
    "Redis down, SMTP, null sender: accepted"
pf_wait_sink "<f-3@cmtest.invalid>"

pf_msg "<f-4@cmtest.invalid>" "Party News <news@org.example>" "Spring news" |
    pf_sendmail -f news@org.example alice@example.org
pf_wait_log "milter-reject: END-OF-MESSAGE from localhost[127.0.0.1]: 4.7.1 not sent: store-error"
t_true "Redis down, sendmail: deferred at end of message, 4.7.1 store-error" grep -qF \
    "milter-reject: END-OF-MESSAGE from localhost[127.0.0.1]: 4.7.1 not sent: store-error" \
    "$PF_MAILLOG"
t_eq "$(pf_queue_ids maildrop | wc -l)" 1 \
    "Redis down, sendmail: the message waits in Postfix's maildrop queue"
t_eq "$(pf_sink_file "<f-4@cmtest.invalid>")" "" "Redis down, sendmail: not delivered"
t_eq "$(pf_sink_count)" $((n_before + 1)) "Redis down: only the bounce went out"

# --- 2. the consent store is back ---------------------------------------
pf_redis_start
pf_seed
pf_flush
pf_wait_sink "<f-4@cmtest.invalid>"
f=$(pf_sink_file "<f-4@cmtest.invalid>")
t_eq "$(pf_sink_rcpts "$f" | tr '\n' ' ')" "alice@example.org " \
    "Redis back, postqueue -f: the waiting message went to alice"
t_eq "$(pf_header "$f" X-Consent-Milter)" \
    "campaign=spring; mode=enforce" \
    "Redis back: X-Consent-Milter header"
t_eq "$(pf_audit_msg "<f-4@cmtest.invalid>" alice@example.org decision reason action)" \
    "allow consent accept" "Redis back: alice decided, audited"
t_eq "$(pf_queue_count)" 0 "Redis back: nothing left in the queue"

pf_swaks --from news@org.example --to alice@example.org,bob@example.org \
    --header "Message-Id: <f-1@cmtest.invalid>"
t_eq "$(pf_swaks_reply 'RCPT TO:<bob@example.org>')" \
    "550 5.7.1 <bob@example.org>: not sent: withdrawn (campaign spring)" \
    "Redis back, SMTP retry: bob refused at RCPT"
pf_wait_sink "<f-1@cmtest.invalid>"
f=$(pf_sink_file "<f-1@cmtest.invalid>")
t_eq "$(pf_sink_rcpts "$f" | tr '\n' ' ')" "alice@example.org " \
    "Redis back, SMTP retry: delivered to alice"

# --- 3. the milter goes down -------------------------------------------
kill -KILL "$pf_milter_pid"
wait "$pf_milter_pid" 2>/dev/null
pf_milter_pid=
if [ -z "$PF_MILTER_PORT" ]; then
    t_true "the milter's socket file is left behind" [ -S "$PF_MILTER_SOCK" ]
fi

n0=$(pf_sink_count)
pf_swaks --from news@org.example --to alice@example.org \
    --header "Message-Id: <f-5@cmtest.invalid>"
r=$(pf_swaks_reply 'MAIL FROM:<news@org.example>')
t_eq "$r" "451 4.7.1 Service unavailable - try again later" \
    "milter down, SMTP: 451 4.7.1 (milter_default_action = tempfail)"
t_eq "$(pf_swaks_qid)" "" "milter down, SMTP: nothing queued"

pf_msg "<f-6@cmtest.invalid>" "Party News <news@org.example>" "Spring news" |
    pf_sendmail -f news@org.example alice@example.org
pf_wait_log "milter-reject: CONNECT from localhost[127.0.0.1]: 4.7.1 Service unavailable - try again later; from=<news@org.example>"
_pf_maildrop_waits() { [ "$(pf_queue_ids maildrop | wc -l)" = 1 ]; }
cm_wait 10 "the message to wait in the maildrop" _pf_maildrop_waits
t_true "milter down, sendmail: the message waits in the maildrop queue" _pf_maildrop_waits
t_eq "$(pf_sink_count)" "$n0" "milter down: nothing delivered"
t_true "milter down: Postfix logs the failed milter connection" grep -qF \
    "connect to Milter service $PF_MILTER_SPEC: Connection refused" "$PF_MAILLOG"

pf_milter_start
t_true "the milter is back (stale socket replaced)" _pf_milter_ready
pf_flush
pf_wait_sink "<f-6@cmtest.invalid>"
f=$(pf_sink_file "<f-6@cmtest.invalid>")
t_eq "$(pf_sink_rcpts "$f" | tr '\n' ' ')" "alice@example.org " \
    "milter back, postqueue -f: the waiting message went to alice"
t_eq "$(pf_header "$f" X-Consent-Milter)" \
    "campaign=spring; mode=enforce" \
    "milter back: X-Consent-Milter header"
t_eq "$(pf_audit_msg "<f-6@cmtest.invalid>" alice@example.org decision reason action)" \
    "allow consent accept" "milter back: alice decided, audited"

pf_swaks --from news@org.example --to alice@example.org \
    --header "Message-Id: <f-5@cmtest.invalid>"
pf_wait_sink "<f-5@cmtest.invalid>"
f=$(pf_sink_file "<f-5@cmtest.invalid>")
t_eq "$(pf_sink_rcpts "$f" | tr '\n' ' ')" "alice@example.org " \
    "milter back, SMTP retry: delivered to alice"
t_eq "$(pf_header "$f" X-Consent-Milter)" \
    "campaign=spring; mode=enforce" \
    "milter back, SMTP retry: X-Consent-Milter header"
t_eq "$(pf_queue_count)" 0 "nothing left in the queue"
t_eq "$(grep -c 'milter configuration error' "$PF_MAILLOG")" 0 \
    "no \"milter configuration error\" in the maillog"
pf_reconcile
pf_milter_stop
t_eq "$?" 0 "consent-milter exits 0 on SIGTERM"

t_done
