#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# admin.sh - what a sendmail administrator sees, as consent-milter(8) SENDMAIL says
#
# Usage: CM_DAEMON=_build/consent-milter sh tests/sendmail/admin.sh
#        (as root; it runs itself under tests/lib/redis.sh)
#
# Through the private sendmail 8.17 of tests/sendmail/lib.sh, with
# contrib/sendmail/consent-milter.mc as shipped:
#   1. the .mc sends the milter only the macros the daemon reads: i and
#      {auth_authen} at MAIL, none at the other steps;
#   2. the sendmail command (the MSP): a recipient the MTA refuses at
#      RCPT comes back to the sender as a DSN, with the milter's reply;
#   3. MTA mode (sendmail -Am, sendmail -C sendmail.cf) passes no
#      milter: a withdrawn recipient gets the mail, no audit record
#      (documented as a limit, proved here so that the documentation
#      stays true);
#   4. DenyAction quarantine: the message is quarantined in sendmail's
#      queue (mailq -qQ shows the reason), sendmail -qQ -Q -qIQID
#      releases it, and the next queue run delivers it to everyone.

CM_SRCDIR=${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$CM_SRCDIR/tests/sendmail/lib.sh"
pf_need_redis "$0" "$@"
. "$CM_SRCDIR/tests/ctl/lib.sh"

sm_up "DenyAction quarantine" "PartialAction strip"
pf_seed

# --- 1. the macros --------------------------------------------------------
t_eq "$(grep '^O Milter.macros' "$SM_CF")" "O Milter.macros.envfrom=i, {auth_authen}" \
    "the .mc: only i and {auth_authen}, at MAIL"

# --- 3. MTA mode: no milter ---------------------------------------------
printf 'From: news@org.example\nSubject: t\nMessage-Id: <adm-am@cmtest.invalid>\n\nhi\n' |
    _sm_ns "$SM_BIN" -Am -C "$SM_CF" -L sm-mta -f news@org.example bob@example.org
t_eq "$?" 0 "sendmail -Am: accepted"
printf 'From: news@org.example\nSubject: t\nMessage-Id: <adm-c@cmtest.invalid>\n\nhi\n' |
    _sm_ns "$SM_BIN" -C "$SM_CF" -L sm-mta -f news@org.example carol@example.org
t_eq "$?" 0 "sendmail -C sendmail.cf: accepted"
sm_wait_sink "<adm-am@cmtest.invalid>"
t_true "sendmail -Am: withdrawn bob got it, no milter ran" \
    test -n "$(pf_sink_file "<adm-am@cmtest.invalid>")"
sm_wait_sink "<adm-c@cmtest.invalid>"
t_true "sendmail -C: carol (no consent) got it, no milter ran" \
    test -n "$(pf_sink_file "<adm-c@cmtest.invalid>")"
t_eq "$(grep -c 'adm-am@\|adm-c@' "$PF_AUDIT" 2>/dev/null)" 0 \
    "MTA mode: no audit record"

# --- 4. quarantine in sendmail's queue ------------------------------------
sm_swaks --from news@org.example --to alice@example.org,bob@example.org \
    --header "Message-Id: <adm-q@cmtest.invalid>"
qid=$(sm_swaks_qid)
t_true "quarantine: accepted ($qid)" [ -n "$qid" ]
cm_wait 10 "the quarantined queue file" test -f "$SM_QUEUE/hf$qid"
t_true "quarantine: the queue file is hf$qid" test -f "$SM_QUEUE/hf$qid"
out=$(_sm_ns "$SM_BIN" -C "$SM_CF" -bp -qQ 2>&1)
t_has "QUARANTINE: consent-milter: denied recipients (withdrawn)" \
    "mailq -qQ lists it with the reason"
t_eq "$(pf_audit_get bob@example.org action)" "quarantine" \
    "the audit trail says quarantine"
_sm_ns "$SM_BIN" -C "$SM_CF" -qQ -Q -qI"$qid" > /dev/null 2>&1
out=$(_sm_ns "$SM_BIN" -C "$SM_CF" -bp -qQ 2>&1)
t_has "is empty" "sendmail -qQ -Q -qI$qid releases it"
_sm_ns "$SM_BIN" -C "$SM_CF" -q > /dev/null 2>&1
sm_wait_sink "<adm-q@cmtest.invalid>"
f=$(pf_sink_file "<adm-q@cmtest.invalid>")
t_true "released: delivered by the next queue run" [ -n "$f" ]
t_eq "$(pf_sink_rcpts "$f" | tr '\n' ' ')" "alice@example.org bob@example.org " \
    "released: to every recipient it was held with, denied bob included"

# --- 2. the sendmail command, DenyAction reject: refused at RCPT, a DSN ---
pf_milter_stop
pf_milter_conf
pf_milter_start
printf 'From: news@org.example\nSubject: t\nMessage-Id: <adm-msp2@cmtest.invalid>\n\nhi\n' |
    sm_submit -f news@org.example bob@example.org
cm_wait 15 "the DSN in the MSP's log" grep -q "DSN: User unknown" "$SM_MAILLOG"
t_true "MSP: bob refused at RCPT by the MTA" \
    grep -q "reply=550 5.7.1 <bob@example.org>... <bob@example.org>: not sent: withdrawn (campaign spring)" "$SM_MAILLOG"
t_true "MSP: the refusal comes back to the sender as a DSN" \
    grep -q "DSN: User unknown" "$SM_MAILLOG"
sm_wait_idle 15
dsn=$(grep -l "^To: news@org.example" "$PF_SINK"/* 2>/dev/null | head -n 1)
t_true "MSP: the DSN reaches news@org.example" [ -n "$dsn" ]

t_done
