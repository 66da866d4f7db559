#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# sender-forms.sh - a mapped envelope sender in other forms, through a real Postfix
#
# Usage: CM_DAEMON=_build/consent-milter sh tests/postfix/sender-forms.sh
#        (as root; it runs itself under tests/lib/redis.sh; make check runs it)
#
# news@org.example is mapped to campaign spring (Psender:). Postfix
# accepts the same sender as a source route, with a trailing dot and
# quoted, and delivers from news@org.example each time (its maillog
# says from=<news@org.example>). Each form must get the plain form's
# decision (DESIGN.md sections 2 and 4): bob (withdrawn) refused at RCPT
# with 550, alice delivered with the X-Consent-Milter header, an audit
# line for both. The test is the MTA's own record: the sink holds alice
# only, the delivered set equals the allow records, and the maillog is
# reconciled with the trail (consentctl reconcile).

CM_SRCDIR=${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$CM_SRCDIR/tests/postfix/lib.sh"
pf_need_redis "$0" "$@"
. "$CM_SRCDIR/tests/ctl/lib.sh"

pf_up
pf_seed

# name|sender as written after "MAIL FROM:" without brackets
forms='plain|news@org.example
route|@relay.example:news@org.example
trailingdot|news@org.example.
quoted|"news"@org.example'

printf '%s\n' "$forms" > "$PF_DIR/forms"
n=0
while IFS='|' read -r name form <&3; do
    n=$((n + 1))
    id="<sender-$name@cmtest.invalid>"
    pf_swaks --from "$form" --to alice@example.org,bob@example.org \
	--header "Message-Id: $id" < /dev/null
    printf '%s\n' "$swaks_out" > "$PF_DIR/swaks-$name.log"
    t_in "$swaks_out" "<** 550 5.7.1 <bob@example.org>: not sent: withdrawn (campaign spring)" \
	"$name: bob refused at RCPT under spring"
    t_eq "$(pf_swaks_reply 'RCPT TO:<alice@example.org>')" "250 2.1.5 Ok" \
	"$name: alice accepted"
    cm_wait 15 "message $id in the sink" _pf_in_sink "$id" ||
	t_notok "$name: alice's message was not delivered"
    f=$(pf_sink_file "$id")
    t_eq "$(pf_sink_rcpts "$f" | tr '\n' ' ')" "alice@example.org " \
	"$name: delivered to alice only"
    t_eq "$(pf_header "$f" X-Consent-Milter)" "campaign=spring; mode=enforce" \
	"$name: marketing header"
    q=$(pf_log_qid "$id")
    t_true "$name: Postfix delivered from news@org.example" \
	grep -q "$q: from=<news@org.example>" "$PF_MAILLOG"
done 3< "$PF_DIR/forms"

t_eq "$(jq -r 'select(.rcpt == "bob@example.org" and .reason == "withdrawn"
	and .campaign == "spring") | .sender' "$PF_AUDIT" | sort | tr '\n' ' ')" \
    '"news"@org.example @relay.example:news@org.example news@org.example news@org.example. ' \
    "bob's audit lines, one per form, with the sender as written"
t_eq "$(jq -r 'select(.rcpt == "alice@example.org" and .decision == "allow")
	| .campaign' "$PF_AUDIT" | sort | uniq -c | tr -s ' ')" " $n spring" \
    "alice allowed under spring for every form"
pf_delivered_is_allowed "$n"
pf_reconcile

pf_milter_stop
t_eq "$?" 0 "consent-milter exits 0 on SIGTERM"
t_done
