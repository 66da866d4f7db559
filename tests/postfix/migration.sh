#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# migration.sh - a change of provider, end to end, behind a real Postfix
#
# Usage: CM_DAEMON=_build/consent-milter sh tests/postfix/migration.sh
#        (as root; it runs itself under tests/lib/redis.sh; make check runs it)
#
# The failure behind the fine (issue 16): the opt-outs did not make it
# across a change of provider. Here they must:
#   1. the old provider's export (Mailchimp: subscribed + unsubscribed)
#      is imported; a campaign is sent through Postfix and the milter:
#      the subscribed are delivered, the unsubscribed refused;
#   2. the new provider's later export (listmonk) is imported: someone
#      else is blocklisted there, and an old opt-in appears for someone
#      who had unsubscribed in Mailchimp (stale: it changes nothing);
#      importing it again reports everything as already recorded;
#   3. the campaign is sent again: nobody who opted out in either tool
#      is mailed (the smtp-sink delivered set), the new subscriber is;
#   4. consentctl trace names the provider file and row as evidence;
# and reconcile finds no delivery the trail did not allow.

CM_SRCDIR=${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$CM_SRCDIR/tests/postfix/lib.sh"
pf_need_redis "$0" "$@"
. "$CM_SRCDIR/tests/ctl/lib.sh"

CTL=${CM_CONSENTCTL:-consentctl}

# ctl ARGS... - consentctl with the daemon's configuration
ctl() {
    "$CTL" -c "$PF_MILTER_CONF" "$@" > "$PF_DIR/ctl.out" 2> "$PF_DIR/ctl.err"
    rc=$?
    out=$(cat "$PF_DIR/ctl.out")
    err=$(cat "$PF_DIR/ctl.err")
}

# send MSGID RCPTS - the campaign through Postfix; the delivered set in $got
send() {
    pf_swaks --from news@org.example --to "$2" \
	--header "From: Party News <news@org.example>" \
	--header "Message-Id: $1"
    pf_wait_queue_empty
    f=$(pf_sink_file "$1")
    got=
    [ -z "$f" ] || got=$(pf_sink_rcpts "$f" | tr '\n' ' ')
}

pf_up
MC=$PF_DIR/mailchimp
mkdir -p "$MC"
MCH='Email Address,First Name,Last Name,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,CONFIRM_IP,LAST_CHANGED,LEID,EUID,TAGS'
printf '\357\273\277%s\r\n' "$MCH" > "$MC/subscribed_members_export.csv"
printf '%s\r\n' \
    'Ann@Example.org,Ann,A,2024-01-10 09:00:00,198.51.100.1,2024-01-10 09:05:00,203.0.113.1,2024-01-10 09:05:00,1,e1,"news,2024"' \
    'ben@example.org,Ben,B,2024-01-11 09:00:00,198.51.100.2,2024-01-11 09:05:00,203.0.113.2,2024-01-11 09:05:00,2,e2,' \
    'cat@example.org,Cat,C,2024-01-12 09:00:00,198.51.100.3,,,2024-01-12 09:00:00,3,e3,' \
    >> "$MC/subscribed_members_export.csv"
printf '\357\273\277%s,UNSUB_TIME,UNSUB_CAMPAIGN_TITLE,UNSUB_CAMPAIGN_ID,UNSUB_REASON,UNSUB_REASON_OTHER\r\n' \
    "$MCH" > "$MC/unsubscribed_members_export.csv"
printf '%s\r\n' \
    'eve@example.org,Eve,E,2023-11-01 09:00:00,198.51.100.5,2023-11-01 09:05:00,,2024-05-01 18:30:00,5,e5,,2024-05-01 18:30:00,"May news, 2024",c5,NORMAL,' \
    >> "$MC/unsubscribed_members_export.csv"

# --- 1. the old provider ----------------------------------------------------
ctl import --from mailchimp --purpose newsletter \
    "$MC/subscribed_members_export.csv" "$MC/unsubscribed_members_export.csv"
t_eq "$rc" 0 "mailchimp import"
t_in "$out" "applied 4, already recorded 0 (the same event), stale 0" \
    "mailchimp: four events applied"
t_in "$out" "people: 4 applied," "mailchimp: four people"
ctl campaign add spring --purpose newsletter --owner membership
t_eq "$rc" 0 "campaign registered"
ctl sender set news@org.example spring
t_eq "$rc" 0 "sender mapped to the campaign"

send "<mig-1@cmtest.invalid>" ann@example.org,ben@example.org,cat@example.org,eve@example.org
t_eq "$got" "ann@example.org ben@example.org cat@example.org " \
    "first send: the Mailchimp subscribers delivered, eve not"
t_in "$swaks_out" "550 5.7.1 <eve@example.org>: not sent: withdrawn (campaign spring)" \
    "first send: eve refused, withdrawn in Mailchimp"

# --- 2. the new provider's later export -----------------------------------
LM=$PF_DIR/listmonk-subscribers.csv
{
    printf '%s\n' 'uuid,email,name,attributes,status,created_at,updated_at'
    printf '%s\n' \
	'00000000-0000-4000-8000-000000000001,ann@example.org,Ann,{},enabled,2024-01-10T09:05:00Z,2025-02-01T10:00:00Z' \
	'00000000-0000-4000-8000-000000000002,Ben@Example.org,Ben,{},blocklisted,2024-06-01T10:00:00Z,2025-03-01T08:00:00Z' \
	'00000000-0000-4000-8000-000000000003,cat@example.org,"Cat, C",{},enabled,2024-06-01T10:00:00Z,2024-06-01T10:00:00Z' \
	'00000000-0000-4000-8000-000000000005,eve@example.org,Eve,{},enabled,2024-03-01T10:00:00Z,2024-03-01T10:00:00Z' \
	'00000000-0000-4000-8000-000000000006,fay@example.org,Fay,"{""city"": ""Leeds""}",enabled,2025-02-10T10:00:00Z,2025-02-10T10:00:00Z'
} > "$LM"
ctl import --from listmonk --purpose newsletter "$LM" --dry-run
t_eq "$rc" 0 "listmonk dry run"
t_in "$out" "would be: applied 3, already recorded 1 (the same event), stale 1 (older than what is stored)" \
    "listmonk dry run: the outcomes"
t_in "$out" "eve@example.org newsletter: withdrawn -> granted ($LM:5)" \
    "listmonk dry run: eve's old opt-in shown as stale"
ctl import --from listmonk --purpose newsletter "$LM"
t_eq "$rc" 0 "listmonk import"
t_in "$out" "applied 3, already recorded 1 (the same event), stale 1 (older than what is stored), suppressed-kept 0" \
    "listmonk: ben suppressed, cat and fay granted, ann recorded, eve stale"
t_eq "$(pf_redis HGET cm:consent:eve@example.org newsletter)" withdrawn \
    "eve: the old listmonk opt-in does not undo her Mailchimp unsubscribe"
t_true "ben: blocklisted in listmonk -> suppressed" \
    [ "$(pf_redis EXISTS cm:suppress:ben@example.org)" = 1 ]
ctl import --from listmonk --purpose newsletter "$LM"
# Everything the first run recorded is already recorded; eve's old
# opt-in was never recorded and is still genuinely older: stale again.
t_in "$out" "applied 0, already recorded 4 (the same event), stale 1 (older than what is stored)" \
    "listmonk re-import: the recorded events already recorded, eve's still stale"
t_in "$out" "people: 0 applied, 4 already recorded, 1 stale," \
    "listmonk re-import: people"

# --- 3. the campaign again ----------------------------------------------------
send "<mig-2@cmtest.invalid>" ann@example.org,ben@example.org,cat@example.org,eve@example.org,fay@example.org
t_eq "$got" "ann@example.org cat@example.org fay@example.org " \
    "second send: nobody who opted out in either tool is mailed"
t_in "$swaks_out" "550 5.7.1 <ben@example.org>: not sent: suppressed (campaign spring)" \
    "second send: ben refused, blocklisted in listmonk"
t_in "$swaks_out" "550 5.7.1 <eve@example.org>: not sent: withdrawn (campaign spring)" \
    "second send: eve still refused"
# Refused at RCPT: the audit line has the queue id, not yet the msgid.
t_eq "$(pf_audit_get eve@example.org decision reason consent_src)" \
    "deny withdrawn mailchimp $MC/unsubscribed_members_export.csv:2 unsubscribed OPTIN_TIME=\"2023-11-01 09:00:00\" OPTIN_IP=198.51.100.5 CONFIRM_TIME=\"2023-11-01 09:05:00\" UNSUB_REASON=NORMAL UNSUB_CAMPAIGN_TITLE=\"May news, 2024\" UNSUB_TIME=\"2024-05-01 18:30:00\" tz=UTC" \
    "audit: eve's refusal carries the Mailchimp evidence"

# --- 4. trace names the provider file and row --------------------------------
ctl trace eve@example.org
t_eq "$rc" 0 "trace eve"
t_in "$out" "mailchimp $MC/unsubscribed_members_export.csv:2 unsubscribed" \
    "trace eve: the Mailchimp file and row"
ctl trace ben@example.org
t_eq "$rc" 0 "trace ben"
t_in "$out" "$LM:3" "trace ben: the listmonk file and row"

pf_reconcile
t_done
