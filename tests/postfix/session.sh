#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# session.sh - several messages on one SMTP connection: each record is its own
#
# Usage: CM_DAEMON=_build/consent-milter sh tests/postfix/session.sh
#        (as root; it runs itself under tests/lib/redis.sh; make check runs
#        it)
#
# A milter session lives as long as the MTA's SMTP session, and the
# daemon keeps a record buffer and the members that a message's records
# share (msgid, sender, campaign, subject...) from one message to the
# next on it; records refused at RCPT share them too, each with its own
# time and queue id (Postfix assigns the id after the first accepted
# recipient). Four messages on one SMTP connection through a real
# Postfix (perl's Net::SMTP, as an MTA client that keeps its connection):
#   1. envelope campaign: bob (withdrawn) refused before any recipient
#      was accepted, alice accepted, dave (suppressed) refused after,
#      erin accepted;
#   2. header campaign from another sender: bob and dave stripped;
#   3. ordinary mail: untouched, no record;
#   4. envelope campaign again: dave refused before, bob after alice was
#      accepted.
# Every record must carry its own message's sender, campaign, Message-ID,
# Subject and queue id (the one Postfix's cleanup logged; null for a
# refusal before the first accepted recipient), never the message
# before's; the sink's delivered set equals the allow records, and
# consentctl reconcile of Postfix's maillog finds no delivery without an
# allow.

CM_SRCDIR=${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$CM_SRCDIR/tests/postfix/lib.sh"
pf_need_redis "$0" "$@"
. "$CM_SRCDIR/tests/ctl/lib.sh"

pf_seed
pf_up

# One connection, four messages; a line per reply: "N RCPT addr: code",
# "N DATA: code".
cat > "$PF_DIR/session.pl" <<'PERL'
use strict;
use Net::SMTP;
my $port = shift;
my $s = Net::SMTP->new("127.0.0.1", Port => $port, Timeout => 20,
		       Hello => "client.cmtest.invalid") or die "connect: $@";
my @msgs = (
    [1, 'news@org.example', [qw(bob alice dave erin)], 'first', ''],
    [2, 'campaigns@org.example', [qw(alice bob erin dave)], 'second',
     "X-Campaign-ID: spring\n"],
    [3, 'office@org.example', [qw(carol)], 'third', ''],
    [4, 'news@org.example', [qw(dave alice bob)], 'fourth', ''],
);
for my $m (@msgs) {
    my ($n, $from, $to, $subject, $extra) = @$m;
    $s->mail($from);
    print "$n MAIL: ", $s->code, "\n";
    for my $r (@$to) {
	$s->to("$r\@example.org");
	print "$n RCPT $r: ", $s->code, "\n";
    }
    $s->data();
    $s->datasend("From: $from\nTo: list\@example.org\nSubject: $subject\n"
		 . "Message-Id: <s-$n\@cmtest.invalid>\n$extra\nBody $n.\n");
    $s->dataend();
    print "$n DATA: ", $s->code, "\n";
}
$s->quit;
PERL
perl "$PF_DIR/session.pl" "$PF_SMTP_PORT" > "$PF_DIR/session.out" 2>&1
t_eq "$?" 0 "one SMTP session, four messages"
sed 's/^/#   /' "$PF_DIR/session.out"
reply() { sed -n "s/^$1: //p" "$PF_DIR/session.out"; }
for r in "1 RCPT bob" "1 RCPT dave" "4 RCPT dave" "4 RCPT bob"; do
    t_eq "$(reply "$r")" 550 "$r: refused at RCPT"
done
for r in "1 RCPT alice" "1 RCPT erin" "2 RCPT bob" "2 RCPT dave" \
	 "4 RCPT alice" "1 DATA" "2 DATA" "3 DATA" "4 DATA"; do
    t_eq "$(reply "$r")" 250 "$r: accepted"
done

for n in 1 2 3 4; do
    pf_wait_sink "<s-$n@cmtest.invalid>" 30 ||
	t_notok "message $n was not delivered"
done
t_eq "$(pf_sink_rcpts_of "<s-1@cmtest.invalid>")" \
    "alice@example.org erin@example.org " "message 1: alice and erin"
t_eq "$(pf_sink_rcpts_of "<s-2@cmtest.invalid>")" \
    "alice@example.org erin@example.org " "message 2: bob and dave stripped"
t_eq "$(pf_sink_rcpts_of "<s-3@cmtest.invalid>")" "carol@example.org " \
    "message 3, ordinary mail: delivered"
t_eq "$(pf_sink_rcpts_of "<s-4@cmtest.invalid>")" "alice@example.org " \
    "message 4: alice"

# Each record against its own message.
q1=$(pf_log_qid "<s-1@cmtest.invalid>")
q2=$(pf_log_qid "<s-2@cmtest.invalid>")
q4=$(pf_log_qid "<s-4@cmtest.invalid>")
t_true "Postfix logged the queue ids ($q1 $q2 $q4)" \
    [ -n "$q1" -a -n "$q2" -a -n "$q4" -a "$q1" != "$q4" ]
rec() {
    jq -r --arg r "$2@example.org" --arg s "$1" \
	'select(.rcpt == $r and .subject == (if $s == "" then null else $s end))
	 | [.qid, .sender, .campaign, .msgid, .subject, .decision, .action]
	 | map(tostring) | join(" ")' "$PF_AUDIT"
}
# Refused at RCPT: no headers yet (msgid, subject null).
rcpt_rec() {
    jq -r --arg r "$2@example.org" --arg q "$1" \
	'select(.rcpt == $r and .msgid == null and .action == "reject"
		and ((.qid // "") == $q))
	 | [.sender, .campaign, .decision, .reason] | join(" ")' "$PF_AUDIT"
}
t_eq "$(rcpt_rec "" bob)" "news@org.example spring deny withdrawn" \
    "message 1: bob refused first: qid null"
t_eq "$(rcpt_rec "$q1" dave)" "news@org.example spring deny suppressed" \
    "message 1: dave refused after alice: message 1's queue id"
t_eq "$(rcpt_rec "" dave)" "news@org.example spring deny suppressed" \
    "message 4: dave refused first: qid null, not an earlier message's"
t_eq "$(rcpt_rec "$q4" bob)" "news@org.example spring deny withdrawn" \
    "message 4: bob refused after alice: message 4's queue id"
t_eq "$(rec first alice)" \
    "$q1 news@org.example spring <s-1@cmtest.invalid> first allow accept" \
    "message 1: alice's record is message 1's"
t_eq "$(rec first erin)" \
    "$q1 news@org.example spring <s-1@cmtest.invalid> first allow accept" \
    "message 1: erin's record is message 1's"
for who in bob dave; do
    t_eq "$(rec second $who)" \
	"$q2 campaigns@org.example spring <s-2@cmtest.invalid> second deny strip" \
	"message 2: $who stripped, the record is message 2's"
done
t_eq "$(rec second alice)" \
    "$q2 campaigns@org.example spring <s-2@cmtest.invalid> second allow accept" \
    "message 2: alice's record is message 2's"
t_eq "$(jq -r 'select(.rcpt == "carol@example.org") | .rcpt' "$PF_AUDIT")" "" \
    "message 3, ordinary mail: no record"
t_eq "$(rec fourth alice)" \
    "$q4 news@org.example spring <s-4@cmtest.invalid> fourth allow accept" \
    "message 4: alice's record is message 4's"
t_eq "$(jq -c 'select(.subject != null) | .subject' "$PF_AUDIT" | sort | uniq -c |
	awk '{printf "%s%s ", $2, $1}')" \
    '"first"2 "fourth"1 "second"4 ' "records per Subject: one per recipient"
t_eq "$(wc -l < "$PF_AUDIT" | tr -d ' ')" 11 \
    "11 records: 4 at RCPT, 7 at end of message"

# --- the MTA's word against the trail ---------------------------------------
# Ordinary mail is delivered without a record (row 2): its sink file is
# set aside, the other deliveries must be the allow records exactly;
# reconcile reads the maillog with it (not audited: no finding).
rm -f "$(pf_sink_file "<s-3@cmtest.invalid>")"
pf_delivered_is_allowed 5
pf_reconcile

t_done
