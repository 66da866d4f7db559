#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# campaign.sh - consentctl campaign, sender and check
#
# Run under tests/lib/redis.sh with CM_CONSENTCTL and CM_SRCDIR set.
# check is run against the sample data of tests/milter/lib.lua (t.seed:
# the same campaigns, senders and people), and must give, row by row,
# the decision and reason that tests/milter/rows.lua asserts for the
# daemon itself.

. "$CM_SRCDIR/tests/ctl/lib.sh"

NOW=$(date +%s)

# seed - t.seed() of tests/milter/lib.lua, command for command
seed() {
    {
	t_redis HSET cm:campaign:spring purpose newsletter basis consent \
	    status active owner membership
	t_redis HSET cm:campaign:closed1 purpose newsletter status closed
	t_redis HSET cm:campaign:paused1 purpose newsletter status paused
	t_redis HSET cm:campaign:restricted purpose newsletter \
	    senders 'news@org.example, login1'
	t_redis HSET cm:campaign:receipts purpose receipts basis service
	t_redis HSET cm:campaign:fresh purpose newsletter max_age_days 30
	t_redis SET cm:sender:news@org.example spring
	t_redis HSET cm:consent:alice@example.org newsletter granted \
	    newsletter:at $((NOW - 86400)) \
	    newsletter:src 'web form v3 "join" 192.0.2.1'
	t_redis HSET cm:consent:bob@example.org newsletter withdrawn \
	    newsletter:at $((NOW - 3600)) newsletter:src 'unsubscribe link'
	t_redis HSET cm:consent:dave@example.org newsletter granted \
	    newsletter:at $((NOW - 86400))
	t_redis SET cm:suppress:dave@example.org "$((NOW - 7200)) complaint"
	t_redis HSET cm:consent:erin@example.org newsletter granted \
	    newsletter:at $((NOW - 90 * 86400))
    } > /dev/null
}

# first - the first line of the last output
first() {
    printf '%s\n' "$out" | head -n 1
}

t_conf
seed

# --- check: the decision table, as rows.lua asserts it -----------------
# case WHAT EXIT FIRST-LINE-PREFIX ARGS...
case_check() {
    what=$1 want_rc=$2 want=$3
    shift 3
    t_run check "$@"
    t_rc "$want_rc" "$what"
    case $(first) in "$want"*) t_ok "$what: $want" ;;
    *) t_notok "$what: $want"; printf '#   got: %s\n' "$(first)" ;; esac
}

case_check "row 4 bad-campaign-id" 1 "deny: bad-campaign-id" \
    alice@example.org 'bad id!'
case_check "row 5 unknown-campaign" 1 "deny: unknown-campaign (campaign nosuch)" \
    alice@example.org nosuch
case_check "row 6 campaign-closed" 1 \
    "deny: campaign-closed (campaign closed1, purpose newsletter)" \
    alice@example.org closed1
case_check "row 7 campaign-paused" 1 "tempfail: campaign-paused" \
    alice@example.org paused1
case_check "row 8 campaign-not-authorised" 1 "deny: campaign-not-authorised" \
    alice@example.org restricted --sender '<restricted@org.example>'
t_has "envelope sender: restricted@org.example, SASL login: none" \
    "row 8: who tried is shown"
case_check "row 8 listed SASL login" 0 "allow: consent" \
    alice@example.org restricted --sender restricted@org.example --auth login1
case_check "row 8 listed sender, any case" 0 "allow: consent" \
    alice@example.org restricted --sender News@Org.Example
case_check "row 8 no sender given" 1 "deny: campaign-not-authorised" \
    alice@example.org restricted
case_check "row 10 service" 0 \
    "allow: service (campaign receipts, purpose receipts)" \
    carol@example.org receipts
case_check "row 11 bad-address" 1 "deny: bad-address" '<no-at-sign>' spring
t_has 'address "<no-at-sign>": ' "row 11: the address problem is shown"
case_check "row 12 suppressed" 1 "deny: suppressed" dave@example.org spring
t_has "suppressed at " "row 12: suppression time shown"
t_has "reason: complaint" "row 12: suppression reason shown"
case_check "row 13 no-consent" 1 "deny: no-consent" carol@example.org spring
t_has "no newsletter consent on record" "row 13: evidence"
case_check "row 14 withdrawn" 1 \
    "deny: withdrawn (campaign spring, purpose newsletter)" \
    Bob@Example.ORG spring
t_has "newsletter withdrawn at " "row 14: withdrawal time"
t_has "source: unsubscribe link" "row 14: withdrawal evidence"
case_check "row 15 consent-expired" 1 "deny: consent-expired" \
    erin@example.org fresh
t_has "up to 30 days old; this is 90 days old" "row 15: the ages"
case_check "row 16 consent" 0 \
    "allow: consent (campaign spring, purpose newsletter)" \
    alice@example.org spring --sender news@org.example --auth membership-team
t_has 'source: web form v3 "join" 192.0.2.1' "row 16: evidence as stored"
case_check "row 16 old consent, no max age" 0 "allow: consent" \
    erin@example.org spring

# Row 16a: the evidence says why it is no consent; a record that holds
# something unreadable is not "no consent on record".
t_redis HSET cm:consent:gina@example.org newsletter granted \
    newsletter:at $((NOW + 86400)) > /dev/null
case_check "row 16a time ahead" 1 "deny: consent-invalid" \
    gina@example.org spring
t_has "more than 300 seconds after this clock" "row 16a: why the time is not consent"
t_redis HSET cm:consent:hal@example.org newsletter maybe \
    newsletter:at "$NOW" > /dev/null
case_check "row 16a unknown state" 1 "deny: consent-invalid" \
    hal@example.org spring
t_has "newsletter record cannot be read as consent" "row 16a: unreadable state"
case $out in *"no newsletter consent on record"*)
    t_notok "row 16a: not shown as no record" ;;
*) t_ok "row 16a: not shown as no record" ;; esac
t_redis HSET cm:consent:ida@example.org newsletter granted \
    newsletter:at 2099-01-01 > /dev/null
case_check "row 16a unreadable time" 1 "deny: consent-invalid" \
    ida@example.org spring
t_has "newsletter record cannot be read as consent" "row 16a: unreadable time"
case_check "null sender with a campaign is decided" 0 "allow: consent" \
    alice@example.org spring --sender '<>'
case_check "null sender cannot skip the check" 1 "deny: withdrawn" \
    bob@example.org spring --sender '<>'

t_run check alice@example.org
t_rc 64 "check: missing campaign"
t_run check alice@example.org spring --nosuch x
t_rc 64 "check: unknown option"
t_run check alice@example.org spring --sender
t_rc 64 "check: option without value"
t_run check --help
t_rc 0 "check --help"

# Row 1: the store cannot be read. The decision comes first, then 69.
printf 'Redis unix:%s/nosuch.sock\n' "$TMP" > "$CONF"
case_check "row 1 store-error" 69 "tempfail: store-error" alice@example.org spring
t_errhas "consent store unavailable" "row 1: why, on stderr"
printf 'Redis unix:%s/nosuch.sock\nOnError accept\n' "$TMP" > "$CONF"
case_check "row 1 with OnError accept" 69 "allow: store-error" \
    alice@example.org spring

# Dry-run changes nothing in the decision, and says so.
t_conf "Mode dry-run"
t_run check bob@example.org spring
t_rc 1 "dry-run: same decision"
t_has "Mode dry-run: the daemon logs this decision, and delivers anyway" \
    "dry-run: said"

# Pseudonymised records: the consent is stored under the HMAC of the address.
printf 'campaign-test-key' > "$TMP/addr.key"
id=$(printf '%s' frank@example.org |
    openssl dgst -sha256 -hmac campaign-test-key | sed 's/.*= //')
t_redis HSET "cm:consent:$id" newsletter granted newsletter:at "$NOW" > /dev/null
t_conf "AddressKeyFile $TMP/addr.key"
case_check "pseudonymised: allowed by the hashed record" 0 "allow: consent" \
    Frank@Example.org spring
t_has "record id: $id" "pseudonymised: record id shown"
t_conf
case_check "plain config: no record for frank" 1 "deny: no-consent" \
    frank@example.org spring

# --- campaign add -----------------------------------------------------------
t_run campaign add autumn --purpose fundraising --basis consent \
    --max-age-days 365 --senders 'appeal@org.example, crm' --owner 'Fundraising team'
t_rc 0 "add"
t_has "campaign autumn added: purpose fundraising, basis consent, status active" \
    "add: confirmation"
t_eq "$(t_redis HGET cm:campaign:autumn status)" active "add: status active"
t_eq "$(t_redis HGET cm:campaign:autumn max_age_days)" 365 "add: max_age_days"
t_eq "$(t_redis HGET cm:campaign:autumn senders)" 'appeal@org.example, crm' \
    "add: senders"
t_eq "$(t_redis HGET cm:campaign:autumn owner)" 'Fundraising team' "add: owner"
created=$(t_redis HGET cm:campaign:autumn created_at)
if [ $((created - NOW)) -ge 0 ] && [ $((created - NOW)) -lt 60 ]; then
    t_ok "add: created_at is now"; else t_notok "add: created_at is now ($created)"; fi
t_run campaign add autumn --purpose other
t_rc 65 "add: an existing campaign is not overwritten"
t_errhas "already exists" "add: says why"
t_eq "$(t_redis HGET cm:campaign:autumn purpose)" fundraising \
    "add: the existing record is unchanged"
t_run campaign add --purpose=receipts billing2 --basis=service
t_rc 0 "add: --opt=value form, options before the id"
t_eq "$(t_redis HGET cm:campaign:billing2 basis)" service "add: basis service"
t_run campaign add 'bad id!' --purpose x
t_rc 65 "add: malformed id"
t_run campaign add ok1 --purpose 'Bad Purpose'
t_rc 65 "add: malformed purpose"
t_run campaign add ok1 --purpose x --basis legitimate-interest
t_rc 65 "add: unknown basis"
t_run campaign add ok1 --purpose x --max-age-days 0
t_rc 65 "add: max-age-days 0"
t_run campaign add ok1 --purpose x --max-age-days 12x
t_rc 65 "add: max-age-days not a number"
t_run campaign add ok1 --purpose x --senders ' , '
t_rc 65 "add: empty senders list"
t_run campaign add ok1
t_rc 64 "add: --purpose missing"
t_run campaign add ok1 --purpose x --purpose y
t_rc 64 "add: option twice"
t_eq "$(t_redis EXISTS cm:campaign:ok1)" 0 "add: nothing written on errors"

# A campaign that add wrote is one the daemon can read: check uses it.
t_redis HSET cm:consent:alice@example.org fundraising granted \
    fundraising:at "$NOW" > /dev/null
case_check "check on an added campaign" 0 "allow: consent" \
    alice@example.org autumn --sender appeal@org.example

# --- list, show ---------------------------------------------------------------
t_run campaign list
t_rc 0 "list"
t_eq "$(printf '%s\n' "$out" | awk '{print $1}' | tr '\n' ' ')" \
    "autumn billing2 closed1 fresh paused1 receipts restricted spring " \
    "list: every campaign, sorted"
t_eq "$(printf '%s\n' "$out" | grep '^spring ' | tr -s ' ')" \
    "spring newsletter consent active membership" "list: id purpose basis status owner"
t_eq "$(printf '%s\n' "$out" | grep '^closed1 ' | tr -s ' ')" \
    "closed1 newsletter consent closed -" "list: defaults and missing owner"
t_run campaign show autumn
t_rc 0 "show"
t_has "purpose:      fundraising" "show: purpose"
t_has "senders:      appeal@org.example, crm" "show: senders"
t_has "created_at:   $created (" "show: created_at with its date"
t_run campaign show nosuch
t_rc 65 "show: unknown campaign"
t_errhas "no such campaign" "show: says so"
t_redis HSET cm:campaign:broken basis consent > /dev/null
t_run campaign show broken
t_rc 65 "show: a record the daemon cannot use"
t_has "problem:      the daemon cannot use this record" "show: the problem is named"
# check on it: Redis answered, so no outage (exit 69) and never OnError
# accept: the daemon defers such a campaign's mail until it is mended.
case_check "check: unreadable campaign record" 1 "tempfail: store-error" \
    alice@example.org broken
t_has "the campaign's record cannot be read" "check: unreadable record said"
t_errhas "cm:campaign:broken" "check: the key, on stderr"
t_conf "OnError accept"
case_check "check: unreadable campaign record, OnError accept" 1 \
    "tempfail: store-error" alice@example.org broken
t_conf

# --- pause, resume, close -------------------------------------------------
t_run campaign pause autumn
t_rc 0 "pause"
t_has "campaign autumn: paused (was active)" "pause: confirmation"
t_eq "$(t_redis HGET cm:campaign:autumn status)" paused "pause: stored"
case_check "check on a paused campaign" 1 "tempfail: campaign-paused" \
    alice@example.org autumn --sender appeal@org.example
t_run campaign pause autumn
t_has "already paused" "pause twice"
t_run campaign resume autumn
t_eq "$(t_redis HGET cm:campaign:autumn status)" active "resume: stored"
t_run campaign close autumn
t_rc 0 "close"
t_eq "$(t_redis HGET cm:campaign:autumn status)" closed "close: stored"
t_eq "$(t_redis HGET cm:campaign:autumn purpose)" fundraising \
    "close: the rest of the record kept"
for verb in pause resume close; do
    t_run campaign $verb nosuch
    t_rc 65 "$verb: unknown campaign"
    t_errhas "no such campaign" "$verb: says so"
done
t_eq "$(t_redis EXISTS cm:campaign:nosuch)" 0 "no record made for an unknown campaign"
t_run campaign pause
t_rc 64 "pause: no id"
t_run campaign frobnicate x
t_rc 64 "unknown campaign action"
t_run campaign
t_rc 64 "campaign: nothing"

# --- sender set -----------------------------------------------------------
t_run sender set '<Appeal@Org.Example>' autumn
t_rc 0 "sender set"
t_has "sender appeal@org.example: campaign autumn" "sender set: normalised"
t_eq "$(t_redis GET cm:sender:appeal@org.example)" autumn \
    "sender set: plain key, normalised address"
t_run sender set other@org.example nosuch
t_rc 65 "sender set: unknown campaign"
t_eq "$(t_redis EXISTS cm:sender:other@org.example)" 0 \
    "sender set: nothing written for an unknown campaign"
t_run sender set no-at-sign spring
t_rc 65 "sender set: bad address"
t_run sender set '<>' spring
t_rc 65 "sender set: the null sender"
t_run sender set 'bad id!' spring
t_rc 65 "sender set: address without @"
t_run sender set a@b
t_rc 64 "sender set: missing campaign"
t_conf "AddressKeyFile $TMP/addr.key"
t_run sender set crm@org.example spring
t_eq "$(t_redis GET cm:sender:crm@org.example)" spring \
    "sender keys are never pseudonymised"

# --- Redis down -------------------------------------------------------------
printf 'Redis unix:%s/nosuch.sock\n' "$TMP" > "$CONF"
t_run campaign list
t_rc 69 "list: Redis down"
t_run campaign add x1 --purpose x
t_rc 69 "add: Redis down"
t_run sender set a@b spring
t_rc 69 "sender set: Redis down"

t_done
