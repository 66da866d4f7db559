#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# cachebatch.sh - the consent cache's batch reads, through a real Postfix
#
# Usage: CM_DAEMON=_build/consent-milter sh tests/postfix/cachebatch.sh
#        (as root; it runs itself under tests/lib/redis.sh; make check runs
#        it)
#
# With ConsentCache, the records of all recipients of a lookup are read
# from the cache in one batch (consentcache(3), cm_ccache_get_many()),
# and those it lacks are reserved and read from Redis after it: two
# records at RCPT for an envelope campaign, two per recipient at end of
# message for a header campaign (past four recipients, on the heap).
# Whether each recipient got its own record back is what this test is
# about: eleven recipients in a mixed order, each granted person with
# consent given at another time from another source, one withdrawn, one
# suppressed, one without any record, one written in mixed case. Through
# a real Postfix, by SMTP:
#   - round 1, header campaign (the cache empty: every read reserved and
#     filled), round 2 the same (every answer from the cache: Redis reads
#     nothing), round 3 an envelope campaign (from the cache, at RCPT);
#     each time the consented ones are delivered, the others stripped or
#     refused (550), and every record carries its own person's consent
#     source and time;
#   - round 4: the same with an address the daemon cannot read (a
#     1,300-byte local part) in the middle: the message is deferred whole
#     (451), the batch skips that address, and every other record is
#     still its own person's;
#   - round 5: one person withdraws through consentctl; the next message
#     is stripped for them (the change reached an entry read in a batch);
#   - the sink's delivered set equals the allow records, and consentctl
#     reconcile of Postfix's maillog finds no delivery without an allow.

CM_SRCDIR=${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$CM_SRCDIR/tests/postfix/lib.sh"
pf_need_redis "$0" "$@"
. "$CM_SRCDIR/tests/ctl/lib.sh"

now=$(date +%s)
granted="p01 p02 p04 p05 p07 p09 p10 alice"
{
    pf_redis HSET cm:campaign:spring purpose newsletter basis consent \
	status active owner membership
    pf_redis SET cm:sender:news@org.example spring
    k=0
    for who in $granted p06; do
	k=$((k + 1))
	pf_redis HSET "cm:consent:$who@example.org" newsletter granted \
	    newsletter:at $((now - k * 3600)) newsletter:src "form-$who"
    done
    pf_redis HSET cm:consent:p03@example.org newsletter withdrawn \
	newsletter:at $((now - 600))
    pf_redis SET cm:suppress:p06@example.org "$((now - 7200)) complaint"
} > /dev/null
# After the data: the sender map is read at start.
pf_up "ConsentCache 100000"
cm_wait 10 "the consent cache's link" grep -q 'consent cache on' \
    "$PF_MILTER_LOG" || t_notok "the consent cache did not come on"

# In this order: the records must not follow their neighbours'.
to="p10@example.org,p03@example.org,alice@example.org,P07@Example.ORG"
to="$to,p01@example.org,p08@example.org,p06@example.org,p05@example.org"
to="$to,p02@example.org,p09@example.org,p04@example.org"
long=$(printf '%01300d' 0 | tr 0 b)
want=$(for who in $granted; do echo "$who@example.org"; done | sort |
    tr '\n' ' ')

# send N SOURCE [TO] - one message (to $to by default); its Message-ID in $id
send() {
    id="<cb-$1-$2@cmtest.invalid>"
    pf_send_spring "$id" "$2" "${3:-$to}"
}

# rec RCPT FIELD... - RCPT's record in message $id (by queue id for one
# refused at RCPT, whose record has no Message-ID yet)
rec() {
    _r=$1; shift
    _f=$(printf '.%s // "null", ' "$@"); _f=${_f%, }
    jq -c --arg m "$id" --arg q "$(pf_swaks_qid)" --arg r "$_r" '
	select(.rcpt == $r and (.msgid == $m
	    or ($q != "" and .qid == $q and .msgid == null)))' "$PF_AUDIT" |
	tail -n 1 | jq -r "[$_f] | map(tostring) | join(\" \")"
}

# own ROUND - every record of the message $id is its own person's
own() {
    k=0
    for who in $granted; do
	k=$((k + 1))
	t_eq "$(rec "$who@example.org" consent_src consent_at)" \
	    "form-$who $(TZ=UTC date -d "@$((now - k * 3600))" +%Y-%m-%dT%H:%M:%SZ)" \
	    "$1: $who's record is $who's own (source and time)"
    done
    t_eq "$(rec p03@example.org decision reason)" \
	"deny withdrawn" "$1: p03 withdrawn"
    t_eq "$(rec p06@example.org decision reason)" \
	"deny suppressed" "$1: p06 suppressed"
    t_eq "$(rec p08@example.org decision reason consent_src)" \
	"deny no-consent null" "$1: p08, who has no record, refused"
}

# --- rounds 1-3: the cache empty, then full; header and envelope ---------
# First one message to alice alone from each sender, so that the sender
# mappings are cached: the rounds below count recipients' records only.
send 0 header alice@example.org
pf_wait_sink "$id" 30 || t_notok "$id was not delivered"
send 0 envelope alice@example.org
pf_wait_sink "$id" 30 || t_notok "$id was not delivered"
for round in 1-header 2-header 3-envelope; do
    n=${round%-*}; source=${round#*-}
    before=$(pf_redis_reads)
    send "$n" "$source"
    pf_wait_sink "$id" 30 || t_notok "$id was not delivered"
    t_eq "$(pf_sink_rcpts_of "$id")" "$want" \
	"round $n, $source campaign: the eight consented delivered, no one else"
    own "round $n"
    if [ "$n" = 1 ]; then
	t_eq "$(($(pf_redis_reads) - before))" 20 \
	    "round 1: the cache held alice only, Redis answered the other ten's reads"
    else
	t_eq "$(($(pf_redis_reads) - before))" 0 \
	    "round $n: every record from the cache, Redis read nothing"
	[ "$(($(pf_redis_reads) - before))" = 0 ] ||
	    pf_redis INFO commandstats | tr -d '\r' | sed 's/^/# /'
    fi
done
for who in p03 p06 p08; do
    r=$(pf_swaks_reply "RCPT TO:<$who@example.org>")
    t_eq "${r%% *}" 550 "round 3, envelope: $who refused at RCPT ($r)"
done
t_eq "$(pf_audit_msg "<cb-2-header@cmtest.invalid>" p07@example.org decision action)" \
    "allow accept" "round 2: P07@Example.ORG is p07, allowed"

# --- round 4: an address the daemon cannot read, in the middle ------------
before=$(pf_redis_reads)
send 4 header "p10@example.org,p03@example.org,alice@example.org,P07@Example.ORG,p01@example.org,$long@example.org,p08@example.org,p06@example.org,p05@example.org,p02@example.org,p09@example.org,p04@example.org"
t_in "$swaks_out" "<** 451 4.7.1 not sent:" \
    "round 4: the message with an unreadable address deferred whole (451)"
own "round 4"
t_eq "$(($(pf_redis_reads) - before))" 0 \
    "round 4: the unreadable address skipped, the rest from the cache"

# --- round 5: a withdrawal through consentctl -----------------------------
t_conf
t_run withdraw p01@example.org newsletter --source "unsubscribe link"
t_rc 0 "consentctl withdraw p01"
send 5 header
pf_wait_sink "$id" 30 || t_notok "$id was not delivered"
t_eq "$(pf_sink_rcpts_of "$id")" "$(echo "$want" | sed 's/p01@example.org //')" \
    "round 5: after p01 withdrew, p01 stripped, the others delivered"
t_eq "$(pf_audit_msg "$id" p01@example.org decision reason action)" \
    "deny withdrawn strip" "round 5: p01's record says why"

# --- the MTA's word against the trail ---------------------------------------
pf_delivered_is_allowed 33				# 2 + 8 x 3 + 7
pf_reconcile

t_done
