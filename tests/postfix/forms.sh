#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# forms.sh - a corpus of recipient forms through a real Postfix
#
# Usage: CM_DAEMON=_build/consent-milter sh tests/postfix/forms.sh
#        (as root; it runs itself under tests/lib/redis.sh; make check runs it)
#
# A denied recipient is never delivered (DESIGN.md section 6), whatever
# form the sending system gave the address in. Every form of a withdrawn
# person (bob@example.org; jörg@example.org for the UTF-8 one) below is
# sent through the private Postfix of lib.sh:
#
#   forms     plain, mixed case, source route, trailing dot, quoted local
#             part, UTF-8 local part, IP-literal domain, over-long (past
#             the 1,280 bytes the daemon keeps of an argument), %-hack
#   campaign  from the header (X-Campaign-ID, decided at end of message)
#             and from the envelope sender (news@org.example -> spring)
#   path      SMTP (swaks to smtpd) and Postfix's sendmail command
#   company   with alice (consented) and alone
#
# The test is the MTA's own record, never our audit trail alone:
#   - no sink file has a recipient other than alice;
#   - the set of (Message-ID, recipient) pairs in the sink equals the set
#     of "allow" audit records whose action delivered (accept), nothing
#     more and nothing less;
#   - the forms the daemon can strip with certainty (plain, mixed case)
#     are stripped over SMTP, every other partly denied header-campaign
#     message is deferred whole (451), and on the sendmail-command path,
#     where no deletion is certain, a partly denied message waits in the
#     maildrop queue.

CM_SRCDIR=${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$CM_SRCDIR/tests/postfix/lib.sh"
pf_need_redis "$0" "$@"
. "$CM_SRCDIR/tests/ctl/lib.sh"

pf_up
pf_seed
pf_redis HSET "cm:consent:j$(printf '\303\266')rg@example.org" newsletter withdrawn \
    newsletter:at $(( $(date +%s) - 3600 )) > /dev/null

long=$(printf '%01300d' 0 | tr 0 b)
# name|form (as written after "RCPT TO:" without brackets, or on the
# sendmail command line)
forms="plain|bob@example.org
mixedcase|Bob@Example.ORG
route|@relay.example:bob@example.org
trailingdot|bob@example.org.
quoted|\"bob\"@example.org
utf8|j$(printf '\303\266')rg@example.org
literal|bob@[192.0.2.1]
overlong|$long@example.org
percent|bob%example.org@relay.cmtest.invalid"

# Has the message with this Message-ID been dealt with by cleanup?
_settled() {
    _q=$(pf_log_qid "$1")
    [ -n "$_q" ] && grep -qE "$_q: (milter-reject|from=<)" "$PF_MAILLOG"
}

# Nothing but the maildrop (deferred local submissions) and hold queued.
_pf_quiet() {
    _pj=$(pf_queue_json) || return 1
    [ "$(printf '%s' "$_pj" | jq -s 'map(select(.queue_name != "hold" and
	.queue_name != "maildrop")) | length')" = 0 ]
}

printf '%s\n' "$forms" > "$PF_DIR/forms"
while IFS='|' read -r name form <&3; do
    for source in header envelope; do
	if [ $source = header ]; then
	    from=campaigns@org.example; hdr="X-Campaign-ID: spring"
	else
	    from=news@org.example; hdr="X-Forms-Source: envelope"
	fi
	for company in alice alone; do
	    if [ $company = alice ]; then to="alice@example.org,$form"
	    else to=$form; fi
	    id="<form-smtp-$name-$source-$company@cmtest.invalid>"
	    pf_swaks --from "$from" --to "$to" --header "$hdr" \
		--header "Message-Id: $id" < /dev/null
	    printf '%s\n' "$swaks_out" > "$PF_DIR/swaks-$name-$source-$company.log"

	    id="<form-sm-$name-$source-$company@cmtest.invalid>"
	    if [ $company = alice ]; then
		pf_msg "$id" "News <$from>" "Forms" "$hdr" |
		    pf_sendmail -f "$from" alice@example.org "$form"
	    else
		pf_msg "$id" "News <$from>" "Forms" "$hdr" |
		    pf_sendmail -f "$from" "$form"
	    fi
	    cm_wait 15 "cleanup to take $id" _settled "$id" ||
		t_notok "sendmail path: $id was not taken"
	done
    done
done 3< "$PF_DIR/forms"
cm_wait 30 "Postfix to deliver what it accepted" _pf_quiet ||
    t_notok "Postfix's queues did not settle"

# --- the delivered set: the sink's own envelopes ---------------------------
delivered=$PF_DIR/delivered
allowed=$PF_DIR/allowed
: > "$delivered"
for f in "$PF_SINK"/*; do
    [ -f "$f" ] || continue
    grep -qx 'X-Mail-Args: <>' "$f" && continue	# Postfix's own bounces
    mid=$(pf_header "$f" Message-ID)
    sed -n 's/^X-Rcpt-Args: <\(.*\)>.*/\1/p' "$f" | while read -r r; do
	printf '%s %s\n' "$mid" "$r"
    done >> "$delivered"
done
LC_ALL=C tr 'A-Z' 'a-z' < "$delivered" | LC_ALL=C sort -u > "$delivered.norm"
jq -r 'select(.decision == "allow" and .action == "accept") |
	"\(.msgid) \(.rcpt)"' "$PF_AUDIT" | LC_ALL=C tr 'A-Z' 'a-z' |
    LC_ALL=C sort -u > "$allowed"

t_eq "$(cut -d' ' -f2 "$delivered.norm" | sort -u | tr '\n' ' ')" \
    "alice@example.org " "no form of a withdrawn person reached the sink"
t_eq "$(cat "$delivered.norm")" "$(cat "$allowed")" \
    "the sink's delivered set equals the allow records"
t_true "the sink saw deliveries" [ -s "$delivered.norm" ]

# --- what each path did ---------------------------------------------------
got() { grep -c "^<form-$1" "$delivered.norm"; }
t_eq "$(got smtp-plain-header-alice)" 1 "SMTP, header: a plain bob is stripped"
t_eq "$(got smtp-mixedcase-header-alice)" 1 "SMTP, header: Bob@Example.ORG is stripped"
for name in route trailingdot quoted literal overlong percent; do
    t_eq "$(got "smtp-$name-header-alice")" 0 \
	"SMTP, header, $name: not delivered at all"
    t_in "$(cat "$PF_DIR/swaks-$name-header-alice.log")" "<** 451 4.7.1 not sent:" \
	"SMTP, header, $name: the whole message deferred (451)"
done
t_eq "$(grep -c '^<form-smtp-[a-z0-9]*-envelope-alice' "$delivered.norm")" 9 \
    "SMTP, envelope: every form refused at RCPT, alice served"
t_eq "$(grep -c '^<form-sm-' "$delivered.norm")" 0 \
    "sendmail path: no partly denied message delivered"
t_eq "$(grep -c '\-alone@' "$delivered.norm")" 0 \
    "a withdrawn person alone: never delivered"
t_eq "$(pf_queue_ids maildrop | wc -l)" 18 \
    "sendmail path: the 18 partly denied messages wait in the maildrop queue"
t_eq "$(jq -r 'select(.msgid != null and (.msgid | startswith("<form-sm-"))
	and .decision == "allow") | .action' "$PF_AUDIT" | sort -u | tr '\n' ' ')" \
    "tempfail " "sendmail path: alice's records say tempfail"
t_eq "$(grep -c 'warning:.*milter' "$PF_MAILLOG")" 0 "no milter warning in the maillog"

# The MTA's delivery log against the trail (consentctl reconcile): the
# deferred local submissions are dropped first, so that Postfix is idle.
postsuper -c "$PF_CONF" -d ALL maildrop > /dev/null 2>&1
if type pf_reconcile > /dev/null 2>&1; then
    pf_reconcile
else
    t_notok "reconcile: tests/postfix/lib.sh has no pf_reconcile"
fi

pf_milter_stop
t_eq "$?" 0 "consent-milter exits 0 on SIGTERM"
t_done
