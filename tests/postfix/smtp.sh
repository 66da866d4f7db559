#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# smtp.sh - consent-milter behind a real Postfix smtpd (smtpd_milters)
#
# Usage: CM_DAEMON=_build/consent-milter sh tests/postfix/smtp.sh
#        (as root; it runs itself under tests/lib/redis.sh; make check runs it)
#
# Through SMTP (swaks) to a private Postfix that relays to smtp-sink:
#   1. envelope campaign: the unconsented recipients are refused at RCPT
#      with "550 5.7.1 <addr>: not sent: <reason> (campaign spring)", the
#      consented one gets the message with the X-Consent-Milter header;
#   2. the refusal names the normalised address, whatever the client wrote;
#   3. header campaign, mixed recipients: delivered only to the consented
#      ones (the others stripped);
#   4. header campaign, every recipient refused: 550 at end of data;
#   5. paused campaign: 451 4.7.1 at RCPT;
#   6. ordinary mail: delivered untouched, not logged;
#   7. consent another tool stored wrongly (a time not in Unix seconds,
#      state "yes"): refused at RCPT or stripped, never delivered;
# and the audit trail says the same, with Postfix's queue ids.

CM_SRCDIR=${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$CM_SRCDIR/tests/postfix/lib.sh"
pf_need_redis "$0" "$@"
. "$CM_SRCDIR/tests/ctl/lib.sh"

pf_up
pf_seed

# --- 1. campaign from the envelope sender: refused at RCPT ----------------
pf_swaks --from news@org.example \
    --to alice@example.org,bob@example.org,carol@example.org,dave@example.org \
    --header "From: Party News <news@org.example>" \
    --header "Message-Id: <smtp-1@cmtest.invalid>"
t_in "$swaks_out" "<** 550 5.7.1 <bob@example.org>: not sent: withdrawn (campaign spring)" \
    "envelope campaign: bob refused at RCPT, withdrawn"
t_in "$swaks_out" "<** 550 5.7.1 <carol@example.org>: not sent: no-consent (campaign spring)" \
    "envelope campaign: carol refused at RCPT, no-consent"
t_in "$swaks_out" "<** 550 5.7.1 <dave@example.org>: not sent: suppressed (campaign spring)" \
    "envelope campaign: dave refused at RCPT, suppressed"
t_eq "$(pf_swaks_reply 'RCPT TO:<alice@example.org>')" "250 2.1.5 Ok" \
    "envelope campaign: alice accepted at RCPT"
qid1=$(pf_swaks_qid)
t_true "envelope campaign: message queued ($qid1)" [ -n "$qid1" ]
pf_wait_queue_empty
f=$(pf_sink_file "<smtp-1@cmtest.invalid>")
t_true "envelope campaign: message delivered to the sink" [ -n "$f" ]
t_eq "$(pf_sink_rcpts "$f" | tr '\n' ' ')" "alice@example.org " \
    "envelope campaign: delivered to alice only"
t_eq "$(pf_header "$f" X-Consent-Milter)" \
    "campaign=spring; mode=enforce" \
    "envelope campaign: X-Consent-Milter header"
t_eq "$(pf_audit_get alice@example.org qid decision reason action campaign purpose from)" \
    "$qid1 allow consent accept spring newsletter news@org.example" \
    "envelope campaign: audit line for alice, with the queue id"
t_eq "$(pf_audit_get bob@example.org decision reason action sender consent_src)" \
    "deny withdrawn reject news@org.example unsubscribe link" \
    "envelope campaign: audit line for bob"
t_eq "$(pf_audit_get carol@example.org decision reason action)" \
    "deny no-consent reject" "envelope campaign: audit line for carol"
t_eq "$(pf_audit_get dave@example.org decision reason action)" \
    "deny suppressed reject" "envelope campaign: audit line for dave"
t_eq "$(pf_audit_lines)" 4 "envelope campaign: one audit line per recipient"
t_true "envelope campaign: Postfix logs the refusal" grep -qF \
    'milter-reject: RCPT from localhost[127.0.0.1]: 550 5.7.1 <bob@example.org>: not sent: withdrawn (campaign spring)' \
    "$PF_MAILLOG"

# --- 2. the reply names the normalised address -----------------------------
pf_swaks --from news@org.example --to alice@example.org,Bob@Example.ORG \
    --header "Message-Id: <smtp-2@cmtest.invalid>"
t_eq "$(pf_swaks_reply 'RCPT TO:<Bob@Example.ORG>')" \
    "550 5.7.1 <bob@example.org>: not sent: withdrawn (campaign spring)" \
    "RCPT TO:<Bob@Example.ORG> refused as <bob@example.org>"
pf_wait_queue_empty
f=$(pf_sink_file "<smtp-2@cmtest.invalid>")
t_eq "$(pf_sink_rcpts "$f" | tr '\n' ' ')" "alice@example.org " \
    "mixed-case recipient: delivered to alice only"

# --- 3. campaign from the header, mixed recipients: stripped -------------
n0=$(pf_audit_lines)
pf_swaks --from office@org.example \
    --to alice@example.org,Bob@Example.ORG,carol@example.org,erin@example.org \
    --header "X-Campaign-ID: spring" \
    --header "X-Consent-Milter: campaign=receipts; mode=dry-run" \
    --header "Message-Id: <smtp-3@cmtest.invalid>"
for r in alice@example.org Bob@Example.ORG carol@example.org erin@example.org; do
    t_eq "$(pf_swaks_reply "RCPT TO:<$r>")" "250 2.1.5 Ok" \
	"header campaign: $r accepted at RCPT (campaign not known yet)"
done
t_eq "$(pf_swaks_reply .)" "250 2.0.0 Ok: queued as $(pf_swaks_qid)" \
    "header campaign: message accepted at end of data"
qid3=$(pf_swaks_qid)
pf_wait_queue_empty
f=$(pf_sink_file "<smtp-3@cmtest.invalid>")
t_true "header campaign: message delivered to the sink" [ -n "$f" ]
t_eq "$(pf_sink_rcpts "$f" | tr '\n' ' ')" "alice@example.org erin@example.org " \
    "header campaign: delivered to alice and erin only"
t_eq "$(pf_header "$f" X-Consent-Milter)" \
    "campaign=spring; mode=enforce" \
    "header campaign: X-Consent-Milter header"
t_eq "$(sed '/^$/q' "$f" | grep -ci '^X-Consent-Milter:')" 1 \
    "header campaign: the sender's own X-Consent-Milter removed"
t_eq "$(pf_audit_msg "<smtp-3@cmtest.invalid>" bob@example.org qid decision reason action)" \
    "$qid3 deny withdrawn strip" "header campaign: bob stripped, audited"
t_eq "$(pf_audit_msg "<smtp-3@cmtest.invalid>" carol@example.org qid decision reason action)" \
    "$qid3 deny no-consent strip" "header campaign: carol stripped, audited"
t_eq "$(pf_audit_msg "<smtp-3@cmtest.invalid>" erin@example.org decision reason action)" \
    "allow consent accept" "header campaign: erin allowed, audited"
t_eq "$(( $(pf_audit_lines) - n0 ))" 4 "header campaign: four audit lines"
t_eq "$(grep -c 'to=<bob@example.org>.*status=sent' "$PF_MAILLOG")" 0 \
    "Postfix never delivered to bob"

# --- 4. campaign from the header, every recipient refused -----------------
pf_swaks --from office@org.example --to bob@example.org,carol@example.org \
    --header "X-Campaign-ID: spring" \
    --header "Message-Id: <smtp-4@cmtest.invalid>"
t_eq "$(pf_swaks_reply .)" \
    "550 5.7.1 not sent: withdrawn, no-consent (campaign spring)" \
    "all refused: 550 5.7.1 at end of data"
t_true "all refused: swaks reports the failure" [ "$swaks_rc" -ne 0 ]
pf_wait_queue_empty
t_eq "$(pf_sink_file "<smtp-4@cmtest.invalid>")" "" "all refused: nothing delivered"
t_eq "$(pf_audit_msg "<smtp-4@cmtest.invalid>" bob@example.org decision reason action)" \
    "deny withdrawn reject" "all refused: bob's audit line"
t_eq "$(pf_audit_msg "<smtp-4@cmtest.invalid>" carol@example.org decision reason action)" \
    "deny no-consent reject" "all refused: carol's audit line"
t_true "all refused: Postfix logs the rejection" grep -qF \
    'milter-reject: END-OF-MESSAGE from localhost[127.0.0.1]: 5.7.1 not sent: withdrawn, no-consent (campaign spring)' \
    "$PF_MAILLOG"

# --- 5. paused campaign: 451 at RCPT, the client keeps the message -------
pf_swaks --from paused@org.example --to alice@example.org \
    --header "Message-Id: <smtp-5@cmtest.invalid>"
t_eq "$(pf_swaks_reply 'RCPT TO:<alice@example.org>')" \
    "451 4.7.1 <alice@example.org>: not sent: campaign-paused (campaign paused1)" \
    "paused campaign: 451 4.7.1 at RCPT"
t_eq "$(pf_audit_get alice@example.org campaign decision reason action)" \
    "paused1 tempfail campaign-paused tempfail" "paused campaign: audit line"

# --- 6. ordinary mail: delivered untouched, not logged ----------------------
cat > "$PF_DIR/ordinary.eml" <<'EOF'
From: Office <office@org.example>
To: carol@example.org
Subject: Your question about the meeting room
Message-ID: <smtp-6@cmtest.invalid>
Date: Mon, 23 Nov 2026 10:10:00 +0000

Hi Carol, the room is booked for Thursday.
EOF
n0=$(pf_audit_lines)
pf_swaks --from office@org.example --to carol@example.org \
    --data "@$PF_DIR/ordinary.eml"
t_eq "$(pf_swaks_reply 'RCPT TO:<carol@example.org>')" "250 2.1.5 Ok" \
    "ordinary mail: carol accepted"
pf_wait_queue_empty
f=$(pf_sink_file "<smtp-6@cmtest.invalid>")
t_eq "$(pf_sink_rcpts "$f" | tr '\n' ' ')" "carol@example.org " \
    "ordinary mail: delivered to carol"
t_eq "$(pf_header "$f" X-Consent-Milter)" "" "ordinary mail: no X-Consent-Milter header"
# The message as the sink got it, without the sink's records and the
# Received headers, is the message as sent.
t_eq "$(pf_sink_message "$f")" "$(cat "$PF_DIR/ordinary.eml")" \
    "ordinary mail: message unchanged"
t_eq "$(( $(pf_audit_lines) - n0 ))" 0 "ordinary mail: no audit line"

# --- 7. consent another tool stored wrongly: refused, not delivered ---------
# A time that is not Unix seconds, a state no writer stores: Redis
# answered, the record cannot show consent (DESIGN.md section 5, row 16a).
now=$(date +%s)
pf_redis HSET cm:consent:ivan@example.org newsletter granted \
    newsletter:at 2026-11-01T10:00:00Z newsletter:src "crm export" > /dev/null
pf_redis HSET cm:consent:judy@example.org newsletter yes \
    newsletter:at "$((now - 3600))" newsletter:src "crm export" > /dev/null
pf_swaks --from news@org.example \
    --to alice@example.org,ivan@example.org,judy@example.org \
    --header "Message-Id: <smtp-7@cmtest.invalid>"
for r in ivan judy; do
    t_eq "$(pf_swaks_reply "RCPT TO:<$r@example.org>")" \
	"550 5.7.1 <$r@example.org>: not sent: consent-invalid (campaign spring)" \
	"stored consent unreadable ($r): refused at RCPT"
done
pf_swaks --from office@org.example \
    --to alice@example.org,ivan@example.org,judy@example.org \
    --header "X-Campaign-ID: spring" \
    --header "Message-Id: <smtp-8@cmtest.invalid>"
pf_wait_queue_empty
for m in 7 8; do
    t_eq "$(pf_sink_rcpts_of "<smtp-$m@cmtest.invalid>")" "alice@example.org " \
	"unreadable consent, message $m: delivered to alice only"
done
t_eq "$(pf_audit_msg "<smtp-8@cmtest.invalid>" ivan@example.org decision reason action)" \
    "deny consent-invalid strip" "header campaign: ivan (time not in seconds) stripped"
t_eq "$(pf_audit_msg "<smtp-8@cmtest.invalid>" judy@example.org decision reason action)" \
    "deny consent-invalid strip" "header campaign: judy (state \"yes\") stripped"
t_eq "$(grep -cE 'to=<(ivan|judy)@example.org>.*status=sent' "$PF_MAILLOG")" 0 \
    "Postfix never delivered to ivan or judy"

# --- 8. a campaign record nobody can read: OnError accept does not help ----
# Redis answered, so it is no outage (DESIGN.md section 5, row 1): the
# typo "Closed" must not send the campaign to bob, who withdrew.
pf_milter_stop || t_notok "daemon stopped for OnError accept"
pf_milter_conf "OnError accept"
pf_milter_start
pf_redis HSET cm:campaign:spring status Closed > /dev/null
pf_swaks --from news@org.example --to alice@example.org,bob@example.org \
    --header "Message-Id: <smtp-9@cmtest.invalid>"
t_eq "$(pf_swaks_reply 'MAIL FROM:<news@org.example>')" \
    "451 4.7.1 not sent: store-error (the campaign's record cannot be read, try again later)" \
    "unreadable envelope campaign: 451 at MAIL, OnError accept or not"
pf_redis HSET cm:campaign:spring status active > /dev/null
pf_redis HSET cm:campaign:summer purpose newsletter status stopped > /dev/null
pf_swaks --from office@org.example --to alice@example.org,bob@example.org \
    --header "X-Campaign-ID: summer" \
    --header "Message-Id: <smtp-10@cmtest.invalid>"
t_eq "$(pf_swaks_reply '.')" \
    "451 4.7.1 not sent: store-error (campaign summer)" \
    "unreadable header campaign: 451 at end of data"
pf_wait_queue_empty
t_eq "$(pf_sink_rcpts_of "<smtp-9@cmtest.invalid>")$(pf_sink_rcpts_of "<smtp-10@cmtest.invalid>")" \
    "" "unreadable campaign records: nothing delivered"
t_eq "$(pf_audit_msg "<smtp-10@cmtest.invalid>" bob@example.org decision reason action)" \
    "tempfail store-error tempfail" "header campaign: bob's record says tempfail"
pf_redis DEL cm:campaign:summer > /dev/null

# --- the end: no milter trouble in Postfix's log; the daemon stops cleanly -
t_eq "$(grep -c 'warning:.*milter' "$PF_MAILLOG")" 0 "no milter warning in the maillog"
pf_reconcile
pf_milter_stop
t_eq "$?" 0 "consent-milter exits 0 on SIGTERM"

t_done
