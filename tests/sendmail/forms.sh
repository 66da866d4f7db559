#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# forms.sh - recipient address forms through a real sendmail: nothing denied is delivered
#
# Usage: CM_DAEMON=_build/consent-milter sh tests/sendmail/forms.sh
#        (as root; it runs itself under tests/lib/redis.sh; make check runs it)
#
# smfi_delrcpt only removes a recipient when it names it as the MTA
# stored it, and MTAs rewrite what the client sent. For each recipient
# form below (source route, trailing dot, quoted local part, mixed case,
# %-hack), of a person who withdrew (bob) and of one who consented
# (alice), and for both campaign sources (the envelope sender: decided
# at RCPT; the X-Campaign-ID header: decided at end of message, the
# denied ones stripped) over SMTP, and for the header campaign through
# the sendmail command too (the MSP hands it to the MTA over SMTP, after
# its own rewriting), one message goes through sendmail with a second,
# plain recipient (erin, consented, next to bob's forms; carol, no
# consent, next to alice's). Then, from what sendmail actually handed
# to smtp-sink:
#   - no form of bob or carol was ever delivered;
#   - the delivered set equals the set of recipients whose last audit
#     record for that message is "allow ... accept" (a message the
#     daemon tempfails because it cannot be sure a deletion matches is
#     simply not delivered, or waits in the MSP's queue: that passes,
#     nothing denied went out);
#   - consentctl reconcile over sendmail's log agrees (no finding).
# Addresses are compared by person: lower-cased, without the source
# route, the quotes around the local part and trailing dots.

CM_SRCDIR=${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$CM_SRCDIR/tests/sendmail/lib.sh"
pf_need_redis "$0" "$@"
. "$CM_SRCDIR/tests/ctl/lib.sh"

sm_up
pf_seed

# The forms of a person's address; PERSON is replaced.
FORMS='PERSON@example.org
@relay.example:PERSON@example.org
PERSON@example.org.
"PERSON"@example.org
PERSON@EXAMPLE.org
PERSON%example.org@example.org'

# person FORM: the person a form names ("bob"), as the test compares.
person() {
    printf '%s\n' "$1" | tr 'A-Z' 'a-z' | sed -e 's/^<//; s/>$//' \
	-e 's/^@[^:]*://' -e 's/\.*$//' -e 's/^"\([^"]*\)"@/\1@/' \
	-e 's/%example\.org@example\.org$/@example.org/'
}

n=0
sent=0
for source in envelope header command; do
    case $source in
    envelope) from=news@org.example; hdr="X-Source: envelope" ;;
    *) from=office@org.example; hdr="X-Campaign-ID: spring" ;;
    esac
    for who in bob alice; do
	if [ "$who" = bob ]; then other=erin; else other=carol; fi
	printf '%s\n' "$FORMS" | sed "s/PERSON/$who/g" > "$PF_DIR/forms"
	while IFS= read -r form; do
	    n=$((n + 1))
	    msgid="<form-$n@cmtest.invalid>"
	    sent=$((sent + 1))
	    if [ "$source" = command ]; then
		printf 'From: %s\nSubject: form %s: %s\nMessage-ID: %s\n%s\n\nHello.\n' \
		    "$from" "$n" "$source, $form" "$msgid" "$hdr" |
		    sm_submit -f "$from" "$form" "$other@example.org"
		echo "# $n $source $form: sendmail command exit $?" >> "$PF_DIR/replies"
		continue
	    fi
	    sm_swaks --from "$from" --to "$form,$other@example.org" \
		--header "$hdr" --header "Message-Id: $msgid" \
		--header "Subject: form $n: $source campaign, $form"
	    # Whatever the replies were: the transcript for a failure.
	    printf '%s\n' "$swaks_out" | grep -E '^ -> RCPT|^<(-|\*\*) +[245][0-9][0-9] ' |
		sed "s/^/# $n $source $form: /" >> "$PF_DIR/replies"
	done < "$PF_DIR/forms"
    done
done

# Everything sendmail accepted has been handed on (or waits: none may).
sm_wait_idle 20
t_eq "$(sm_queue_count)" 0 "sendmail's queue is empty"

# The sink's delivered set, by person: of the test's messages (not of
# the delivery status notifications the sendmail command sends to the
# sender of a message the MTA refused).
for f in "$PF_SINK"/*; do
    [ -f "$f" ] || continue
    m=$(pf_header "$f" Message-ID)
    case $m in "<form-"*"@cmtest.invalid>") ;; *) continue ;; esac
    pf_sink_rcpts "$f" | while IFS= read -r r; do
	printf '%s %s\n' "$m" "$(person "$r")"
    done
done | sort > "$PF_DIR/delivered"
# Raw, for the record.
for f in "$PF_SINK"/*; do
    [ -f "$f" ] && sed -n 's/^X-Rcpt-Args: //p' "$f"
done | sort > "$PF_DIR/delivered.raw"

# The allow set: the last record per (message, recipient) says allow/accept.
jq -r 'select(.msgid != null) | [.msgid, (.rcpt // ""), .decision, .action] | @tsv' \
    "$PF_AUDIT" | while IFS="$(printf '\t')" read -r m r d a; do
	printf '%s %s %s %s\n' "$m" "$(person "$r")" "$d" "$a"
    done | awk '{ last[$1 " " $2] = $3 " " $4 }
	END { for (k in last) if (last[k] == "allow accept") print k }' |
    sort > "$PF_DIR/allowed"

t_true "some mail was delivered ($(wc -l < "$PF_DIR/delivered") recipients)" \
    [ -s "$PF_DIR/delivered" ]
t_eq "$(grep -cE ' (bob|carol)@example\.org$' "$PF_DIR/delivered")" 0 \
    "no form of bob (withdrawn) or carol (no consent) was delivered"
t_eq "$(grep -ciE 'bob|carol' "$PF_DIR/delivered.raw")" 0 \
    "the sink never saw bob or carol in any form"
t_eq "$(cat "$PF_DIR/delivered")" "$(cat "$PF_DIR/allowed")" \
    "delivered set = allow records (by message and person)"
# Every plain, consented recipient next to one of bob's forms either
# went out or its whole message was held back (never half-decided).
for i in $(seq 1 "$n"); do
    m="<form-$i@cmtest.invalid>"
    if grep -q "^$m " "$PF_DIR/delivered"; then
	: $((delivered_msgs = ${delivered_msgs:-0} + 1))
    fi
done
t_true "messages delivered: ${delivered_msgs:-0} of $sent" [ "${delivered_msgs:-0}" -gt 0 ]
t_eq "$(grep -c 'SYSERR' "$SM_MAILLOG")" 0 "no SYSERR in sendmail's log"

sm_reconcile

if [ "$t_fail" -gt 0 ] || [ -n "${SM_VERBOSE:-}" ]; then
    echo "# --- replies:"; cat "$PF_DIR/replies"
    echo "# --- delivered (raw):"; sed 's/^/#   /' "$PF_DIR/delivered.raw"
    echo "# --- delivered:"; sed 's/^/#   /' "$PF_DIR/delivered"
    echo "# --- allowed:"; sed 's/^/#   /' "$PF_DIR/allowed"
fi
t_done
