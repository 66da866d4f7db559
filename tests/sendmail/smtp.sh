#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# smtp.sh - consent-milter behind a real sendmail (INPUT_MAIL_FILTER)
#
# Usage: CM_DAEMON=_build/consent-milter sh tests/sendmail/smtp.sh
#        (as root; it runs itself under tests/lib/redis.sh; make check runs it;
#        PF_MILTER_INET=1 runs the milter over TCP: tests/sendmail/smtp-inet.sh)
#
# The scenarios of tests/postfix/smtp.sh, through sendmail 8.17 as
# Debian ships it (fetched and run privately: tests/sendmail/lib.sh)
# with the milter attached as contrib/sendmail/consent-milter.mc says:
#   1. envelope campaign: the unconsented recipients are refused at RCPT
#      with DESIGN §6's text (sendmail puts "<addr>... " in front of any
#      RCPT error text), the consented one gets the message; sendmail
#      assigns its queue id at MAIL and sends it ({i}): even the refused
#      recipients' records carry it;
#   2. header campaign, mixed recipients: smfi_delrcpt strips the
#      denied ones, and sendmail really does not deliver to them (the
#      sink's delivered set);
#   3. header campaign, every recipient refused: 550 at end of data;
#   4. paused campaign: 451 4.7.1 at RCPT;
#   5. ordinary mail: delivered untouched, not logged;
#   6. the store down: 4xx at MAIL, the store-error record carries
#      sendmail's queue id; mail from the sendmail command (the MSP,
#      submit.cf, hands it to the MTA over SMTP) stays queued in the
#      MSP's queue and goes out, checked, once the store is back;
# then consentctl reconcile over sendmail's captured log: no delivery
# without an allow record (and, from a trail with one allow record taken
# out, exactly that delivery); and last
#   7. the milter down: F=T, as shipped, makes sendmail answer 451 4.3.2.

CM_SRCDIR=${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$CM_SRCDIR/tests/sendmail/lib.sh"
pf_need_redis "$0" "$@"
. "$CM_SRCDIR/tests/ctl/lib.sh"

# No sender map copy (SenderMapRefresh 0): the data is seeded after the
# start, and step 6 is the daemon that has no copy (all mail waits).
sm_up "SenderMapRefresh 0"
pf_seed

# --- 1. campaign from the envelope sender: refused at RCPT ----------------
sm_swaks --from news@org.example \
    --to alice@example.org,bob@example.org,carol@example.org,dave@example.org \
    --header "From: Party News <news@org.example>" \
    --header "Message-Id: <sm-1@cmtest.invalid>"
t_eq "$(pf_swaks_reply 'RCPT TO:<bob@example.org>')" \
    "550 5.7.1 <bob@example.org>... <bob@example.org>: not sent: withdrawn (campaign spring)" \
    "envelope campaign: bob refused at RCPT, withdrawn"
t_eq "$(pf_swaks_reply 'RCPT TO:<carol@example.org>')" \
    "550 5.7.1 <carol@example.org>... <carol@example.org>: not sent: no-consent (campaign spring)" \
    "envelope campaign: carol refused at RCPT, no-consent"
t_eq "$(pf_swaks_reply 'RCPT TO:<dave@example.org>')" \
    "550 5.7.1 <dave@example.org>... <dave@example.org>: not sent: suppressed (campaign spring)" \
    "envelope campaign: dave refused at RCPT, suppressed"
t_eq "$(pf_swaks_reply 'RCPT TO:<alice@example.org>')" \
    "250 2.1.5 <alice@example.org>... Recipient ok" \
    "envelope campaign: alice accepted at RCPT"
qid1=$(sm_swaks_qid)
t_true "envelope campaign: message queued ($qid1)" [ -n "$qid1" ]
sm_wait_sink "<sm-1@cmtest.invalid>"
f=$(pf_sink_file "<sm-1@cmtest.invalid>")
t_true "envelope campaign: message delivered to the sink" [ -n "$f" ]
t_eq "$(pf_sink_rcpts "$f" | tr '\n' ' ')" "alice@example.org " \
    "envelope campaign: delivered to alice only"
t_eq "$(pf_header "$f" X-Consent-Milter)" \
    "campaign=spring; mode=enforce" \
    "envelope campaign: X-Consent-Milter header"
t_eq "$(pf_audit_get alice@example.org qid decision reason action campaign from)" \
    "$qid1 allow consent accept spring news@org.example" \
    "envelope campaign: audit line for alice, with sendmail's queue id"
t_eq "$(pf_audit_get bob@example.org qid decision reason action consent_src)" \
    "$qid1 deny withdrawn reject unsubscribe link" \
    "envelope campaign: bob's line carries the queue id sendmail sent at MAIL"
t_eq "$(pf_audit_get carol@example.org qid decision reason action)" \
    "$qid1 deny no-consent reject" "envelope campaign: audit line for carol"
t_eq "$(pf_audit_get dave@example.org qid decision reason action)" \
    "$qid1 deny suppressed reject" "envelope campaign: audit line for dave"
t_eq "$(pf_audit_lines)" 4 "envelope campaign: one audit line per recipient"
t_true "envelope campaign: sendmail logs the refusal" grep -qF \
    "$qid1: <bob@example.org>... <bob@example.org>: not sent: withdrawn (campaign spring)" \
    "$SM_MAILLOG"
t_true "envelope campaign: sendmail logs the delivery to alice" grep -qE \
    "$qid1: to=<alice@example.org>, .*mailer=esmtp, .*stat=Sent" "$SM_MAILLOG"

# --- 2. campaign from the header, mixed recipients: stripped -------------
n0=$(pf_audit_lines)
sm_swaks --from office@org.example \
    --to alice@example.org,Bob@Example.ORG,carol@example.org,erin@example.org \
    --header "X-Campaign-ID: spring" \
    --header "Message-Id: <sm-2@cmtest.invalid>"
for r in alice@example.org Bob@Example.ORG carol@example.org erin@example.org; do
    t_eq "$(pf_swaks_reply "RCPT TO:<$r>")" "250 2.1.5 <$r>... Recipient ok" \
	"header campaign: $r accepted at RCPT (campaign not known yet)"
done
qid2=$(sm_swaks_qid)
t_true "header campaign: accepted at end of data ($qid2)" [ -n "$qid2" ]
sm_wait_sink "<sm-2@cmtest.invalid>"
f=$(pf_sink_file "<sm-2@cmtest.invalid>")
t_true "header campaign: message delivered to the sink" [ -n "$f" ]
t_eq "$(pf_sink_rcpts "$f" | tr '\n' ' ')" "alice@example.org erin@example.org " \
    "header campaign: sendmail delivered to alice and erin only"
t_eq "$(pf_header "$f" X-Consent-Milter)" \
    "campaign=spring; mode=enforce" \
    "header campaign: X-Consent-Milter header"
t_eq "$(pf_audit_msg "<sm-2@cmtest.invalid>" bob@example.org qid decision reason action)" \
    "$qid2 deny withdrawn strip" "header campaign: bob stripped, audited"
t_eq "$(pf_audit_msg "<sm-2@cmtest.invalid>" carol@example.org qid decision reason action)" \
    "$qid2 deny no-consent strip" "header campaign: carol stripped, audited"
t_eq "$(pf_audit_msg "<sm-2@cmtest.invalid>" erin@example.org decision reason action)" \
    "allow consent accept" "header campaign: erin allowed, audited"
t_eq "$(( $(pf_audit_lines) - n0 ))" 4 "header campaign: four audit lines"
t_eq "$(grep -ciE "$qid2: to=.*bob@example.org.*stat=Sent" "$SM_MAILLOG")" 0 \
    "header campaign: sendmail never delivered to bob"
t_eq "$(grep -ciE "$qid2: to=.*carol@example.org.*stat=Sent" "$SM_MAILLOG")" 0 \
    "header campaign: sendmail never delivered to carol"

# --- 3. campaign from the header, every recipient refused -----------------
sm_swaks --from office@org.example --to bob@example.org,carol@example.org \
    --header "X-Campaign-ID: spring" \
    --header "Message-Id: <sm-3@cmtest.invalid>"
t_eq "$(pf_swaks_reply .)" \
    "550 5.7.1 not sent: withdrawn, no-consent (campaign spring)" \
    "all refused: 550 5.7.1 at end of data"
t_true "all refused: swaks reports the failure" [ "$swaks_rc" -ne 0 ]
sm_wait_idle
t_eq "$(pf_sink_file "<sm-3@cmtest.invalid>")" "" "all refused: nothing delivered"
t_eq "$(pf_audit_msg "<sm-3@cmtest.invalid>" bob@example.org decision reason action)" \
    "deny withdrawn reject" "all refused: bob's audit line"
t_eq "$(pf_audit_msg "<sm-3@cmtest.invalid>" carol@example.org decision reason action)" \
    "deny no-consent reject" "all refused: carol's audit line"
qid3=$(pf_audit_msg "<sm-3@cmtest.invalid>" bob@example.org qid)
t_true "all refused: sendmail logs bob as not sent ($qid3)" grep -qF \
    "$qid3: to=<bob@example.org>, delay=" "$SM_MAILLOG"
t_true "all refused: with the milter's text" grep -qF \
    "stat=not sent: withdrawn, no-consent (campaign spring)" "$SM_MAILLOG"
t_eq "$(grep -c "$qid3: to=.*stat=Sent" "$SM_MAILLOG")" 0 \
    "all refused: sendmail logs no delivery"

# --- 4. paused campaign: 451 at RCPT, the client keeps the message -------
sm_swaks --from paused@org.example --to alice@example.org \
    --header "Message-Id: <sm-4@cmtest.invalid>"
t_eq "$(pf_swaks_reply 'RCPT TO:<alice@example.org>')" \
    "451 4.7.1 <alice@example.org>: not sent: campaign-paused (campaign paused1)" \
    "paused campaign: 451 4.7.1 at RCPT (sendmail adds no \"<addr>... \" to a 4xx)"
t_eq "$(pf_audit_get alice@example.org campaign decision reason action)" \
    "paused1 tempfail campaign-paused tempfail" "paused campaign: audit line"

# --- 5. ordinary mail: delivered untouched, not logged ----------------------
cat > "$PF_DIR/ordinary.eml" <<'EOF'
From: Office <office@org.example>
To: carol@example.org
Subject: Your question about the meeting room
Message-ID: <sm-5@cmtest.invalid>
Date: Mon, 23 Nov 2026 10:10:00 +0000

Hi Carol, the room is booked for Thursday.
EOF
n0=$(pf_audit_lines)
sm_swaks --from office@org.example --to carol@example.org \
    --data "@$PF_DIR/ordinary.eml"
t_eq "$(pf_swaks_reply 'RCPT TO:<carol@example.org>')" \
    "250 2.1.5 <carol@example.org>... Recipient ok" "ordinary mail: carol accepted"
sm_wait_sink "<sm-5@cmtest.invalid>"
f=$(pf_sink_file "<sm-5@cmtest.invalid>")
t_eq "$(pf_sink_rcpts "$f" | tr '\n' ' ')" "carol@example.org " \
    "ordinary mail: delivered to carol"
t_eq "$(pf_header "$f" X-Consent-Milter)" "" "ordinary mail: no X-Consent-Milter header"
t_eq "$(pf_sink_message "$f")" "$(cat "$PF_DIR/ordinary.eml")" \
    "ordinary mail: message unchanged"
t_eq "$(( $(pf_audit_lines) - n0 ))" 0 "ordinary mail: no audit line"

# --- 6. the store down: 4xx, nothing lost -------------------------------------
pf_redis_stop
n0=$(pf_audit_lines)
sm_swaks --from news@org.example --to alice@example.org \
    --header "Message-Id: <sm-6@cmtest.invalid>"
mail6=$(pf_swaks_reply 'MAIL FROM:<news@org.example>')
t_in "$mail6" "451 4.7.1 " "store down: 451 4.7.1 at MAIL"
t_in "$mail6" "store-error" "store down: the reply says store-error"
t_eq "$(sm_queue_count)" 0 "store down: nothing queued by the MTA"
line=$(tail -n 1 "$PF_AUDIT")
t_eq "$(( $(pf_audit_lines) - n0 ))" 1 "store down: one record"
t_eq "$(printf '%s' "$line" | jq -r '[.rcpt, .decision, .reason, .action] | map(tostring) | join(" ")')" \
    "null tempfail store-error tempfail" "store down: the store-error record at MAIL"
qid6=$(printf '%s' "$line" | jq -r '.qid')
t_true "store down: the record carries sendmail's queue id ({i} at MAIL: $qid6)" \
    grep -qF "$qid6: not sent: store-error" "$SM_MAILLOG"

# The sendmail command: the MSP queues what the MTA tempfails.
sm_submit -f news@org.example alice@example.org <<'EOF'
From: Party News <news@org.example>
To: alice@example.org
Subject: Spring news
Message-ID: <sm-7@cmtest.invalid>

Hello.
EOF
t_eq "$?" 0 "sendmail command: accepted while the store is down"
t_eq "$(sm_msp_queue_count)" 1 "sendmail command: the message waits in the MSP's queue"
t_eq "$(pf_sink_file "<sm-7@cmtest.invalid>")" "" "sendmail command: nothing delivered"
t_true "sendmail command: the MSP logs the MTA's 451 as Deferred" grep -qF \
    "stat=Deferred: 451 4.7.1 not sent: store-error" "$SM_MAILLOG"
pf_redis_start
pf_seed
sm_msp_runq
sm_wait_sink "<sm-7@cmtest.invalid>"
t_eq "$(sm_msp_queue_count)" 0 "sendmail command: the MSP's queue is empty after a queue run"
f=$(pf_sink_file "<sm-7@cmtest.invalid>")
t_eq "$(pf_sink_rcpts "$f" | tr '\n' ' ')" "alice@example.org " \
    "sendmail command: delivered to alice once the store is back"
t_eq "$(pf_audit_msg "<sm-7@cmtest.invalid>" alice@example.org decision reason action)" \
    "allow consent accept" "sendmail command: checked, allowed, audited"

# --- the end: reconcile; the daemon stops cleanly ------------------------------
t_eq "$(grep -c 'Milter.*error\|SYSERR' "$SM_MAILLOG")" 0 \
    "no milter error or SYSERR in sendmail's log"
sm_reconcile
# reconcile reads sendmail's lines for real: with alice's allow record
# of the first message taken out of a copy of the trail, it reports
# that delivery (sendmail's queue id, the recipient).
if "${CM_CONSENTCTL:-consentctl}" reconcile --help 2>&1 | grep -q -- --maillog; then
    jq -c --arg q "$qid1" 'select(.qid != $q or .rcpt != "alice@example.org")' \
	"$PF_AUDIT" > "$PF_DIR/audit-tampered.log"
    out=$("${CM_CONSENTCTL:-consentctl}" -c "$PF_MILTER_CONF" reconcile --json \
	--maillog "$SM_MAILLOG" --audit-log "$PF_DIR/audit-tampered.log" 2>/dev/null)
    t_eq "$?" 1 "reconcile without alice's allow record: exit 1"
    t_eq "$(printf '%s' "$out" | jq -r '.findings[] | "\(.qid) \(.rcpt)"')" \
	"$qid1 alice@example.org" \
	"reconcile without alice's allow record: the one finding is her delivery"
fi
pf_milter_stop
t_eq "$?" 0 "consent-milter exits 0 on SIGTERM"

# --- 7. the milter down: F=T (contrib/sendmail) tempfails, nothing goes out
sm_swaks --from news@org.example --to alice@example.org \
    --header "Message-Id: <sm-8@cmtest.invalid>"
t_eq "$(pf_swaks_reply 'MAIL FROM:<news@org.example>')" "451 4.3.2 Please try again later" \
    "milter down: 451 4.3.2 at MAIL"
t_true "milter down: swaks reports the failure" [ "$swaks_rc" -ne 0 ]
sm_wait_idle
t_eq "$(pf_sink_file "<sm-8@cmtest.invalid>")" "" "milter down: nothing delivered"

t_done
