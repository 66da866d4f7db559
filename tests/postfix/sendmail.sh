#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# sendmail.sh - consent-milter on Postfix's non_smtpd_milters path
#
# Usage: CM_DAEMON=_build/consent-milter sh tests/postfix/sendmail.sh
#        (as root; it runs itself under tests/lib/redis.sh; make check runs it)
#
# Mail submitted with Postfix's local sendmail command goes through
# pickup and cleanup, which simulate the SMTP events with client
# localhost, 127.0.0.1, port 0, and do not allow a milter to refuse a
# recipient at RCPT. The daemon must make every decision at end of
# message. Checked here, with the private Postfix of lib.sh:
#   1. envelope campaign, mixed recipients: on this path no deletion is
#      certain to match (cleanup shows the milter each recipient after
#      rewriting it, but matches a deletion against the form submitted),
#      so the whole message is deferred and waits in the maildrop queue;
#      to consented recipients only: delivered with the header;
#   2. header campaign (sendmail -t): the same;
#   3. every recipient refused: the message is rejected, which for local
#      submission means a bounce to the sender, with the reason;
#   4. ordinary mail: delivered untouched;
#   5. paused campaign: deferred, the message waits in the maildrop queue,
#      and is delivered once the campaign is resumed and the queue flushed;
# and every time: nothing left in the queue, no "milter configuration
# error" (what Postfix logs when a milter refuses a simulated RCPT).

CM_SRCDIR=${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$CM_SRCDIR/tests/postfix/lib.sh"
pf_need_redis "$0" "$@"
. "$CM_SRCDIR/tests/ctl/lib.sh"

pf_up
pf_seed

# --- 1. envelope campaign, mixed recipients: the whole message waits ---
# On this path the daemon cannot be sure that a deletion names the
# recipient as cleanup stored it (consent-milter(8), "Removing
# recipients"), so it does not strip: the message is deferred whole and
# stays in the maildrop queue, nobody gets it.
pf_msg "<sm-1@cmtest.invalid>" "Party News <news@org.example>" "Spring news" |
    pf_sendmail -f news@org.example alice@example.org bob@example.org \
	carol@example.org dave@example.org
t_eq "$?" 0 "envelope campaign, mixed: sendmail accepted the message"
pf_wait_log "4.7.1 not sent: withdrawn, no-consent, suppressed (campaign spring); from=<news@org.example>"
t_eq "$(pf_queue_ids maildrop | wc -l)" 1 \
    "envelope campaign, mixed: the message waits in the maildrop queue"
t_eq "$(pf_sink_file "<sm-1@cmtest.invalid>")" "" \
    "envelope campaign, mixed: delivered to nobody"
t_eq "$(pf_audit_msg "<sm-1@cmtest.invalid>" alice@example.org decision reason action)" \
    "allow consent tempfail" "envelope campaign, mixed: alice's audit line"
t_eq "$(pf_audit_msg "<sm-1@cmtest.invalid>" bob@example.org decision reason action)" \
    "deny withdrawn tempfail" "envelope campaign, mixed: bob's audit line"
t_eq "$(pf_audit_msg "<sm-1@cmtest.invalid>" dave@example.org decision reason action)" \
    "deny suppressed tempfail" "envelope campaign, mixed: dave's audit line"
t_true "envelope campaign, mixed: the daemon says why it did not strip" \
    grep -q "cannot be stripped with certainty (sendmail-command path)" \
    "$PF_MILTER_LOG"
postsuper -c "$PF_CONF" -d ALL maildrop 2> /dev/null
pf_wait_queue_empty

# The same campaign to consented people only: delivered, with the header.
pf_msg "<sm-1b@cmtest.invalid>" "Party News <news@org.example>" "Spring news" |
    pf_sendmail -f news@org.example alice@example.org
pf_wait_sink "<sm-1b@cmtest.invalid>"
t_eq "$(pf_queue_count)" 0 "envelope campaign: nothing left in the queue"
f=$(pf_sink_file "<sm-1b@cmtest.invalid>")
t_eq "$(pf_sink_rcpts "$f" | tr '\n' ' ')" "alice@example.org " \
    "envelope campaign: delivered to alice"
t_eq "$(pf_header "$f" X-Consent-Milter)" \
    "campaign=spring; mode=enforce" \
    "envelope campaign: X-Consent-Milter header"
qid1=$(pf_log_qid "<sm-1b@cmtest.invalid>")
t_eq "$(pf_audit_msg "<sm-1b@cmtest.invalid>" alice@example.org qid decision reason action)" \
    "$qid1 allow consent accept" "envelope campaign: alice's audit line, with the queue id"
t_eq "$(grep -c "$qid1: milter-reject" "$PF_MAILLOG")" 0 \
    "envelope campaign: no RCPT refused by the milter"

# --- 2. campaign from the header, recipients from the header (-t) ---------
{
    printf 'From: Office <office@org.example>\n'
    printf 'To: alice@example.org, Bob@Example.ORG\n'
    printf 'Cc: carol@example.org, erin@example.org\n'
    printf 'Subject: Spring news\nMessage-ID: <sm-2@cmtest.invalid>\n'
    printf 'X-Campaign-ID: spring\n\nHello.\n'
} | pf_sendmail -t -f office@org.example
pf_wait_log "4.7.1 not sent: withdrawn, no-consent (campaign spring); from=<office@org.example>"
t_eq "$(pf_sink_file "<sm-2@cmtest.invalid>")" "" \
    "header campaign, mixed: delivered to nobody"
t_eq "$(pf_audit_msg "<sm-2@cmtest.invalid>" bob@example.org decision reason action)" \
    "deny withdrawn tempfail" "header campaign, mixed: Bob@Example.ORG's audit line"
t_eq "$(pf_audit_msg "<sm-2@cmtest.invalid>" erin@example.org decision reason action)" \
    "allow consent tempfail" "header campaign, mixed: erin's audit line"
postsuper -c "$PF_CONF" -d ALL maildrop 2> /dev/null
pf_wait_queue_empty
{
    printf 'From: Office <office@org.example>\n'
    printf 'To: alice@example.org\nCc: erin@example.org\n'
    printf 'Subject: Spring news\nMessage-ID: <sm-2b@cmtest.invalid>\n'
    printf 'X-Campaign-ID: spring\n\nHello.\n'
} | pf_sendmail -t -f office@org.example
pf_wait_sink "<sm-2b@cmtest.invalid>"
f=$(pf_sink_file "<sm-2b@cmtest.invalid>")
t_eq "$(pf_sink_rcpts "$f" | tr '\n' ' ')" "alice@example.org erin@example.org " \
    "header campaign: delivered to alice and erin"
t_eq "$(pf_header "$f" X-Consent-Milter)" \
    "campaign=spring; mode=enforce" \
    "header campaign: X-Consent-Milter header"

# --- 3. every recipient refused: rejected, bounced to the sender ---------
pf_msg "<sm-3@cmtest.invalid>" "Party News <news@org.example>" "Spring news" |
    pf_sendmail -f news@org.example bob@example.org carol@example.org
_pf_bounced() { [ -n "$(pf_sink_bounce "$1")" ]; }
cm_wait 15 "the bounce of sm-3" _pf_bounced "<sm-3@cmtest.invalid>"
pf_wait_queue_empty
t_eq "$(pf_sink_file "<sm-3@cmtest.invalid>")" "" "all refused: not delivered"
b=$(pf_sink_bounce "<sm-3@cmtest.invalid>")
t_eq "$(pf_sink_rcpts "$b" | tr '\n' ' ')" "news@org.example " \
    "all refused: the sender gets a bounce"
t_true "all refused: the bounce gives the reason" grep -qF \
    "Diagnostic-Code: X-Postfix; not sent: withdrawn, no-consent (campaign spring)" "$b"
qid3=$(pf_log_qid "<sm-3@cmtest.invalid>")
t_true "all refused: Postfix logs the milter's rejection" grep -qF \
    "$qid3: milter-reject: END-OF-MESSAGE from localhost[127.0.0.1]: 5.7.1 not sent: withdrawn, no-consent (campaign spring)" \
    "$PF_MAILLOG"
t_eq "$(pf_audit_msg "<sm-3@cmtest.invalid>" bob@example.org qid decision reason action)" \
    "$qid3 deny withdrawn reject" "all refused: bob's audit line"
t_eq "$(pf_audit_msg "<sm-3@cmtest.invalid>" carol@example.org decision reason action)" \
    "deny no-consent reject" "all refused: carol's audit line"
t_eq "$(pf_queue_count)" 0 "all refused: nothing left in the queue"

# --- 4. ordinary mail: untouched ------------------------------------------
cat > "$PF_DIR/ordinary.eml" <<'EOF'
From: Office <office@org.example>
To: carol@example.org
Subject: Your question about the meeting room
Message-ID: <sm-4@cmtest.invalid>
Date: Mon, 23 Nov 2026 10:10:00 +0000

Hi Carol, the room is booked for Thursday.
EOF
n0=$(pf_audit_lines)
pf_sendmail -f office@org.example carol@example.org < "$PF_DIR/ordinary.eml"
pf_wait_sink "<sm-4@cmtest.invalid>"
f=$(pf_sink_file "<sm-4@cmtest.invalid>")
t_eq "$(pf_sink_rcpts "$f" | tr '\n' ' ')" "carol@example.org " \
    "ordinary mail: delivered to carol"
t_eq "$(pf_sink_message "$f")" "$(cat "$PF_DIR/ordinary.eml")" \
    "ordinary mail: message unchanged"
t_eq "$(( $(pf_audit_lines) - n0 ))" 0 "ordinary mail: no audit line"

# --- 5. deferred: waits in the maildrop, delivered after the flush --------
pf_msg "<sm-5@cmtest.invalid>" "Party News <paused@org.example>" "Autumn" |
    pf_sendmail -f paused@org.example alice@example.org
pf_wait_log "milter-reject: END-OF-MESSAGE from localhost[127.0.0.1]: 4.7.1 <alice@example.org>: not sent: campaign-paused"
t_true "paused campaign: Postfix logs the milter's 4.7.1" grep -qF \
    "milter-reject: END-OF-MESSAGE from localhost[127.0.0.1]: 4.7.1 <alice@example.org>: not sent: campaign-paused (campaign paused1)" \
    "$PF_MAILLOG"
t_eq "$(pf_queue_ids maildrop | wc -l)" 1 "paused campaign: the message waits in the maildrop queue"
t_eq "$(pf_sink_file "<sm-5@cmtest.invalid>")" "" "paused campaign: not delivered yet"
t_eq "$(pf_audit_msg "<sm-5@cmtest.invalid>" alice@example.org decision reason action)" \
    "tempfail campaign-paused tempfail" "paused campaign: alice's audit line"
pf_redis HSET cm:campaign:paused1 status active > /dev/null
pf_flush
pf_wait_sink "<sm-5@cmtest.invalid>"
f=$(pf_sink_file "<sm-5@cmtest.invalid>")
t_eq "$(pf_sink_rcpts "$f" | tr '\n' ' ')" "alice@example.org " \
    "resumed campaign: delivered to alice only after the flush"
t_eq "$(pf_header "$f" X-Consent-Milter)" \
    "campaign=paused1; mode=enforce" \
    "resumed campaign: X-Consent-Milter header"
t_eq "$(pf_audit_msg "<sm-5@cmtest.invalid>" alice@example.org decision reason action)" \
    "allow consent accept" "resumed campaign: alice's audit line"
t_eq "$(pf_queue_count)" 0 "resumed campaign: nothing left in the queue"

# --- every time: the non-SMTP path raised no configuration error ----------
t_eq "$(grep -c 'milter configuration error' "$PF_MAILLOG")" 0 \
    "no \"milter configuration error\" in the maillog"
t_eq "$(grep -c 'warning:.*milter' "$PF_MAILLOG")" 0 "no milter warning in the maillog"
for m in sm-1 sm-1b sm-2 sm-2b sm-3 sm-4 sm-5; do
    t_true "cleanup saw <$m@cmtest.invalid>" \
	grep -qF "message-id=<$m@cmtest.invalid>" "$PF_MAILLOG"
done
pf_reconcile
pf_milter_stop
t_eq "$?" 0 "consent-milter exits 0 on SIGTERM"

t_done
