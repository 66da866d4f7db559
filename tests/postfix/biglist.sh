#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# biglist.sh - long recipient lists on one SMTP connection, through Postfix
#
# Usage: CM_DAEMON=_build/consent-milter sh tests/postfix/biglist.sh
#        (as root; it runs itself under tests/lib/redis.sh; make check runs
#        it)
#
# The daemon keeps a message's recipients (their raw RCPT text, and the
# consent source and suppression reason read for each) in an arena of
# 4 KB blocks given back at the end of the message (arena(3)), sizes the
# next message's recipient array and record buffer by the last one's,
# and deletes a stripped recipient by the raw text kept there. A long
# list spans many blocks; a message after it starts from the hint. On
# one SMTP connection through a real Postfix (perl's Net::SMTP):
#   1. header campaign, 300 recipients (some 8 KB of raw text), every
#      fourth withdrawn, every eighth suppressed, one with no record;
#   2. the same list again, in the reverse order;
#   3. header campaign, three recipients (after two long lists);
# Each message: the consented are delivered and no one else (the
# deletions named the right raw text), every record carries its own
# person's consent source and time (never a neighbour's, never another
# message's), the withdrawn and suppressed are stripped with their own
# reason, the X-Consent-Milter header counts them; then the sink's
# delivered set equals the allow records, and consentctl reconcile of
# Postfix's maillog finds no delivery without an allow.

CM_SRCDIR=${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$CM_SRCDIR/tests/postfix/lib.sh"
pf_need_redis "$0" "$@"
. "$CM_SRCDIR/tests/ctl/lib.sh"

N=300
now=$(date +%s)

# Person k (1..N): "m<k>.List-Member@example.org" as sent (mixed case,
# folded by the daemon); k mod 4 = 0 withdrawn, k mod 8 = 2 suppressed,
# k = 7 without any record; the others granted, from the source
# "form-<k>" at now - k seconds.
{
    pf_redis HSET cm:campaign:spring purpose newsletter basis consent \
	status active owner membership
    k=1
    while [ $k -le $N ]; do
	a="m$k.list-member@example.org"
	if [ $k -eq 7 ]; then
	    :
	elif [ $((k % 4)) -eq 0 ]; then
	    pf_redis HSET "cm:consent:$a" newsletter withdrawn \
		newsletter:at $((now - k)) newsletter:src "form-$k"
	else
	    pf_redis HSET "cm:consent:$a" newsletter granted \
		newsletter:at $((now - k)) newsletter:src "form-$k"
	    [ $((k % 8)) -eq 2 ] &&
		pf_redis SET "cm:suppress:$a" "$((now - 60)) complaint-$k"
	fi
	k=$((k + 1))
    done
} > /dev/null
pf_up "ConsentHeader full"

cat > "$PF_DIR/biglist.pl" <<'PERL'
use strict;
use Net::SMTP;
my ($port, $n) = @ARGV;
my $s = Net::SMTP->new("127.0.0.1", Port => $port, Timeout => 60,
		       Hello => "client.cmtest.invalid") or die "connect: $@";
my @all = map { "M$_.List-Member\@Example.ORG" } 1 .. $n;
my @msgs = ([1, [@all]], [2, [reverse @all]],
	    [3, ["M1.List-Member\@Example.ORG", "M4.List-Member\@Example.ORG",
		 "M3.List-Member\@Example.ORG"]]);
for my $m (@msgs) {
    my ($k, $to) = @$m;
    $s->mail('campaigns@org.example');
    my $refused = 0;
    for my $r (@$to) {
	$s->to($r);
	$refused++ if $s->code != 250;
    }
    print "$k RCPT refused: $refused\n";
    $s->data();
    $s->datasend("From: campaigns\@org.example\nTo: list\@example.org\n"
		 . "Subject: list $k\nMessage-Id: <big-$k\@cmtest.invalid>\n"
		 . "X-Campaign-ID: spring\n\nBody $k.\n");
    $s->dataend();
    print "$k DATA: ", $s->code, "\n";
}
$s->quit;
PERL
perl "$PF_DIR/biglist.pl" "$PF_SMTP_PORT" "$N" > "$PF_DIR/biglist.out" 2>&1
t_eq "$?" 0 "one SMTP session, three messages"
sed 's/^/#   /' "$PF_DIR/biglist.out"
reply() { sed -n "s/^$1: //p" "$PF_DIR/biglist.out"; }
for k in 1 2 3; do
    t_eq "$(reply "$k RCPT refused")" 0 "message $k: no recipient refused at RCPT (a header campaign)"
    t_eq "$(reply "$k DATA")" 250 "message $k: accepted"
done

# Who must get it, lower case, sorted, space after each.
granted() {
    for _k in "$@"; do
	[ "$_k" -eq 7 ] || [ $((_k % 4)) -eq 0 ] || [ $((_k % 8)) -eq 2 ] ||
	    printf 'm%s.list-member@example.org\n' "$_k"
    done | sort | tr '\n' ' '
}
all=$(seq 1 $N)
want_all=$(granted $all)
ngranted=$(printf '%s' "$want_all" | wc -w)

for k in 1 2 3; do
    pf_wait_sink "<big-$k@cmtest.invalid>" 60 ||
	t_notok "message $k was not delivered"
done

# sink_rcpts MSGID: the recipients of every sink file of that message
# (Postfix delivers 50 recipients a transaction), as pf_sink_rcpts_of.
sink_rcpts() {
    for _f in "$PF_SINK"/*; do
	[ -f "$_f" ] || continue
	[ "$(pf_header "$_f" Message-ID)" = "$1" ] && pf_sink_rcpts "$_f"
    done | tr 'A-Z' 'a-z' | sort | tr '\n' ' '
}
t_eq "$(sink_rcpts "<big-1@cmtest.invalid>")" "$want_all" \
    "message 1: the $ngranted consented of $N delivered, no one else"
t_eq "$(sink_rcpts "<big-2@cmtest.invalid>")" "$want_all" \
    "message 2, the list reversed: the same $ngranted"
t_eq "$(sink_rcpts "<big-3@cmtest.invalid>")" "$(granted 1 4 3)" \
    "message 3, three recipients after the long lists: m1 and m3"
f=$(pf_sink_file "<big-1@cmtest.invalid>")
t_eq "$(pf_header "$f" X-Consent-Milter)" \
    "campaign=spring; allowed=$ngranted; denied=$((N - ngranted)); mode=enforce" \
    "message 1: X-Consent-Milter counts the list"

# Every record of a message: its own person's, the message's own.
for k in 1 2 3; do
    bad=$(jq -r --arg m "<big-$k@cmtest.invalid>" --argjson now "$now" '
	select(.msgid == $m) |
	(.rcpt | capture("^m(?<n>[0-9]+)\\.").n | tonumber) as $n |
	if $n == 7 then
	    select(.decision != "deny" or .reason != "no-consent"
		   or .action != "strip" or .consent_src != null)
	elif $n % 4 == 0 then
	    select(.decision != "deny" or .reason != "withdrawn"
		   or .action != "strip")
	elif $n % 8 == 2 then
	    select(.decision != "deny" or .reason != "suppressed"
		   or .action != "strip" or .consent_src != "form-\($n)")
	else
	    select(.decision != "allow" or .action != "accept"
		   or .consent_src != "form-\($n)"
		   or .consent_at != ($now - $n | todate))
	end | .rcpt' "$PF_AUDIT" 2>&1 | head -5 | tr '\n' ' ')
    t_eq "$bad" "" "message $k: every record is its own person's (source, time, reason)"
done
t_eq "$(jq -r 'select(.msgid == "<big-1@cmtest.invalid>") | .rcpt' "$PF_AUDIT" |
    sort -u | wc -l)" "$N" "message 1: one record for each of the $N"
t_eq "$(jq -r 'select(.msgid == "<big-2@cmtest.invalid>") | .rcpt' "$PF_AUDIT" |
    wc -l)" "$N" "message 2: $N records"
t_eq "$(jq -r 'select(.msgid == "<big-3@cmtest.invalid>") | .rcpt' "$PF_AUDIT" |
    sort | tr '\n' ' ')" \
    "m1.list-member@example.org m3.list-member@example.org m4.list-member@example.org " \
    "message 3: three records, its own recipients only"

# --- the MTA's word against the trail ---------------------------------------
pf_delivered_is_allowed $((2 * ngranted + 2))
pf_reconcile

t_done
