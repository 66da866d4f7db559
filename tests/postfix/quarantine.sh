#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# quarantine.sh - DenyAction quarantine: Postfix's hold queue
#
# Usage: CM_DAEMON=_build/consent-milter sh tests/postfix/quarantine.sh
#        (as root; it runs itself under tests/lib/redis.sh; make check runs it)
#
# With DenyAction quarantine, a message with a denied recipient is
# accepted whole into Postfix's hold queue (smfi_quarantine) for a person
# to review; Postfix drops the reason, so the audit trail must say why.
#   1. SMTP, envelope campaign, alice (consent) and bob (withdrawn): both
#      accepted at RCPT, the message sits in the hold queue with the
#      X-Consent-Milter header, nothing is delivered, the audit lines say
#      quarantine and why; "postsuper -H" releases it to both;
#   2. sendmail command, header campaign, only denied recipients: held;
#   3. every recipient allowed: delivered, not held.

CM_SRCDIR=${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$CM_SRCDIR/tests/postfix/lib.sh"
pf_need_redis "$0" "$@"
. "$CM_SRCDIR/tests/ctl/lib.sh"

pf_up "DenyAction quarantine"
pf_seed

# --- 1. SMTP: held, audited, released ------------------------------------
pf_swaks --from news@org.example --to alice@example.org,bob@example.org \
    --header "Message-Id: <q-1@cmtest.invalid>"
t_eq "$(pf_swaks_reply 'RCPT TO:<bob@example.org>')" "250 2.1.5 Ok" \
    "SMTP: bob accepted at RCPT (quarantine decides at end of message)"
qid1=$(pf_swaks_qid)
t_eq "$(pf_swaks_reply .)" "250 2.0.0 Ok: queued as $qid1" \
    "SMTP: the message is accepted"
_pf_held() { [ "$(pf_queue_ids hold)" = "$1" ]; }
pf_wait_log "$qid1: milter-hold:"
cm_wait 10 "the message in the hold queue" _pf_held "$qid1"
t_true "SMTP: the message is in the hold queue" _pf_held "$qid1"
t_true "SMTP: postqueue -p marks it held (!)" \
    sh -c "postqueue -c '$PF_CONF' -p | grep -q '^$qid1!'"
t_true "SMTP: its queue file is in hold/" [ -f "$PF_QUEUE/hold/$qid1" ]
t_true "SMTP: Postfix logs the hold" grep -qF \
    "$qid1: milter-hold: END-OF-MESSAGE from localhost[127.0.0.1]: milter triggers HOLD action" \
    "$PF_MAILLOG"
t_eq "$(postcat -c "$PF_CONF" -hq "$qid1" 2>/dev/null | sed -n 's/^X-Consent-Milter: //p')" \
    "campaign=spring; mode=enforce" \
    "SMTP: the held message carries the X-Consent-Milter header"
t_eq "$(pf_sink_count)" 0 "SMTP: nothing delivered"
t_eq "$(pf_audit_msg "<q-1@cmtest.invalid>" bob@example.org qid decision reason action)" \
    "$qid1 deny withdrawn quarantine" "SMTP: bob's audit line says quarantine, and why"
t_eq "$(pf_audit_msg "<q-1@cmtest.invalid>" alice@example.org qid decision reason action)" \
    "$qid1 allow consent quarantine" "SMTP: alice's audit line: allowed, but held too"
t_true "SMTP: the milter's log line says quarantine" grep -qF \
    "$qid1: campaign=spring allowed=1 denied=1 tempfailed=0 action=quarantine mode=enforce" \
    "$PF_MILTER_LOG"

# A person reviews it and releases it: it goes out as it is.
postsuper -c "$PF_CONF" -H "$qid1" 2>/dev/null
pf_flush
pf_wait_sink "<q-1@cmtest.invalid>"
f=$(pf_sink_file "<q-1@cmtest.invalid>")
t_eq "$(pf_sink_rcpts "$f" | tr '\n' ' ')" "alice@example.org bob@example.org " \
    "released with postsuper -H: delivered to the recipients it was held with"
t_eq "$(pf_header "$f" X-Consent-Milter)" \
    "campaign=spring; mode=enforce" \
    "released: X-Consent-Milter header"

# --- 2. sendmail command, header campaign, only denied recipients --------
{
    printf 'From: Office <office@org.example>\nTo: bob@example.org\n'
    printf 'Subject: Spring\nMessage-ID: <q-2@cmtest.invalid>\n'
    printf 'X-Campaign-ID: spring\n\nHello.\n'
} | pf_sendmail -f office@org.example bob@example.org carol@example.org
pf_wait_log "milter-hold: END-OF-MESSAGE from localhost[127.0.0.1]: milter triggers HOLD action; from=<office@org.example>"
qid2=$(pf_log_qid "<q-2@cmtest.invalid>")
cm_wait 10 "the message in the hold queue" _pf_held "$qid2"
t_true "sendmail: the message is in the hold queue" _pf_held "$qid2"
t_eq "$(pf_audit_msg "<q-2@cmtest.invalid>" bob@example.org qid decision reason action)" \
    "$qid2 deny withdrawn quarantine" "sendmail: bob's audit line"
t_eq "$(pf_audit_msg "<q-2@cmtest.invalid>" carol@example.org decision reason action)" \
    "deny no-consent quarantine" "sendmail: carol's audit line"
t_eq "$(grep -c 'milter configuration error' "$PF_MAILLOG")" 0 \
    "sendmail: no \"milter configuration error\""

# --- 3. nobody denied: delivered, not held --------------------------------
pf_swaks --from office@org.example --to alice@example.org,erin@example.org \
    --header "X-Campaign-ID: spring" --header "Message-Id: <q-3@cmtest.invalid>"
pf_wait_sink "<q-3@cmtest.invalid>"
f=$(pf_sink_file "<q-3@cmtest.invalid>")
t_eq "$(pf_sink_rcpts "$f" | tr '\n' ' ')" "alice@example.org erin@example.org " \
    "all allowed: delivered, not held"
t_eq "$(pf_header "$f" X-Consent-Milter)" \
    "campaign=spring; mode=enforce" \
    "all allowed: X-Consent-Milter header"
t_eq "$(pf_queue_ids hold | tr '\n' ' ')" "$qid2 " "only the sendmail message is still held"

# The maillog shows what the review did: bob, denied, went out with the
# released message. reconcile must say so (and nothing else).
pf_reconcile "$qid1:bob@example.org"
pf_milter_stop
t_eq "$?" 0 "consent-milter exits 0 on SIGTERM"

t_done
