#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# import-providers.sh - consentctl import --from PROVIDER
#
# Runs under tests/lib/redis.sh. The fixtures in tests/ctl/providers/
# are written from the field names the providers publish (DOMAIN.md,
# "Leaving a provider"): BOM, CRLF, quoted commas, empty fields, mixed
# case, one person in both the subscribed and the unsubscribed file.
# Asserts the stored state, time and evidence per person; that an
# opted-in row never undoes a later opt-out (re-import of an older
# export after a withdrawal); errors named FILE:LINE; exit codes.
# The Mailchimp zip is built here with tests/ctl/mkzip (libzip): the
# archive as downloaded, on stdin, and the refused ones (zip bomb, a
# header that lies about the size, encryption, too many members, not
# CSV, not a zip, truncated, empty) with nothing written; a member named
# ../.. is read as a name. Also the Brevo CSV export, a cp1252 file with
# a BOM, and the progress line of a JSON import on a terminal
# (script(1)).

. "$CM_SRCDIR/tests/ctl/lib.sh"

MC=$CM_SRCDIR/tests/ctl/providers/mailchimp
SUB=$MC/subscribed_members_export.csv
UNSUB=$MC/unsubscribed_members_export.csv
CLEAN=$MC/cleaned_members_export.csv

# hget KEY FIELD - one field of a consent hash
hget() {
    t_redis HGET "cm:consent:$1" "$2"
}

t_conf
cd "$TMP" || exit 99

# --- mailchimp: the three files of one audience -------------------------
t_run import --from mailchimp "$SUB"
t_rc 65 "mailchimp without --purpose"
t_errhas "needs --purpose" "mailchimp: --purpose asked for"

t_run import --from mailchimp --purpose news "$SUB" "$UNSUB" "$CLEAN"
t_rc 0 "mailchimp: three files"
t_has "applied 48," "mailchimp: every event applied"
t_has "mailchimp: 48 rows, 48 events" "mailchimp: rows and events counted"

# A subscribed member with double opt-in: CONFIRM_TIME, UTC.
t_eq "$(hget ann.0@example.org news)" granted "subscribed -> granted"
t_eq "$(hget ann.0@example.org news:at)" \
    "$(date -u -d '2021-03-01 10:00:00' +%s)" "granted at CONFIRM_TIME (UTC)"
src=$(hget ann.0@example.org news:src)
case $src in "mailchimp $SUB:2 subscribed OPTIN_TIME=\"2021-03-01 09:00:00\" OPTIN_IP=198.51.100.1 CONFIRM_TIME=\"2021-03-01 10:00:00\" CONFIRM_IP=203.0.113.1 tz=UTC")
    t_ok "subscribed evidence: file, row, IPs, times, zone" ;;
*) t_notok "subscribed evidence"; echo "#   got: $src" ;; esac

# No CONFIRM_TIME (single opt-in): OPTIN_TIME.
t_eq "$(hget ben.1@example.org news:at)" \
    "$(date -u -d '2021-03-02 09:01:00' +%s)" "no CONFIRM_TIME: OPTIN_TIME"
# Only LAST_CHANGED.
t_eq "$(hget lastonly@example.org news:at)" \
    "$(date -u -d '2020-12-24 18:00:00' +%s)" "only LAST_CHANGED"
# Mixed case: stored under the normalised address.
t_eq "$(t_redis EXISTS cm:consent:Mixed.Case@example.org \
    cm:consent:mixed.case@example.org)" 1 "mixed case: one record"

# In both files: the later unsubscribe wins, whatever the file order.
t_eq "$(hget dup@example.org news)" withdrawn "subscribed and unsubscribed -> withdrawn"
t_eq "$(hget dup@example.org news:at)" \
    "$(date -u -d '2023-06-02 07:15:00' +%s)" "withdrawn at UNSUB_TIME"
src=$(hget dup@example.org news:src)
case $src in "mailchimp $UNSUB:2 unsubscribed "*"UNSUB_REASON=NORMAL UNSUB_CAMPAIGN_TITLE=\"Spring sale, 2023\""*"UNSUB_TIME=\"2023-06-02 07:15:00\" tz=UTC")
    t_ok "unsubscribed evidence: reason, campaign (quoted comma)" ;;
*) t_notok "unsubscribed evidence"; echo "#   got: $src" ;; esac
t_eq "$(hget gone3@example.org news)" withdrawn "unsubscribed, mixed-case domain"
t_eq "$(hget gone0@example.org news:src | grep -c 'UNSUB_REASON=SPAM')" 1 \
    "spam reason kept as evidence"

# Cleaned: suppressed, for every purpose.
s=$(t_redis GET cm:suppress:bounce2@example.net)
t_eq "${s%% *}" "$(date -u -d '2022-01-03 03:00:00' +%s)" "cleaned -> suppressed at CLEAN_TIME"
case $s in *"mailchimp $CLEAN:4 cleaned"*"CLEAN_CAMPAIGN_TITLE=\"January news\""*)
    t_ok "cleaned evidence" ;;
*) t_notok "cleaned evidence"; echo "#   got: $s" ;; esac

# --- the same files again: nothing new ----------------------------------
t_run import --from mailchimp --purpose news "$CLEAN" "$UNSUB" "$SUB"
t_rc 0 "mailchimp: re-import, other order"
t_has "applied 0," "re-import: nothing applied"
t_eq "$(hget dup@example.org news)" withdrawn "re-import: still withdrawn"

# --- an older export after a withdrawal ---------------------------------
t_run withdraw ann.0@example.org news --source "phoned in"
t_run import --from mailchimp --purpose news "$MC/old_subscribed_2020.csv" "$SUB"
t_rc 0 "older export re-imported"
t_eq "$(hget ann.0@example.org news)" withdrawn "old opt-in does not undo a withdrawal"
t_eq "$(hget dup@example.org news)" withdrawn "2020 subscribed row: dup stays withdrawn"
t_eq "$(hget gone0@example.org news)" withdrawn "2020 subscribed row: gone0 stays withdrawn"
t_has "suppressed-kept 1," "old grant of a cleaned address kept out"
t_eq "$(t_redis HGET cm:consent:bounce0@example.net news)" "" \
    "cleaned address: no grant stored"
t_eq "$(t_redis EXISTS cm:suppress:bounce0@example.net)" 1 "still suppressed"

# --- bad rows: FILE:LINE, nothing written --------------------------------
t_redis FLUSHALL > /dev/null
printf 'Email Address,OPTIN_TIME,UNSUB_TIME\r\nok@example.org,,2022-01-01 00:00:00\r\n"j.smith@gmail,com",,2022-01-01 00:00:00\r\nx@example.org,,yesterday\r\nnotime@example.org,,\r\n' > bad.csv
t_run import --from mailchimp --purpose news bad.csv
t_rc 65 "bad mailchimp rows"
t_errhas "bad.csv:3: address" "bad address named by line"
t_errhas "bad.csv:4: UNSUB_TIME \"yesterday\"" "bad time named by line"
t_errhas "bad.csv:5: no time" "row without a time named"
t_eq "$(t_redis DBSIZE)" 0 "bad rows: nothing written"
# Every bad row of an unsubscribed file is an opt-out: --skip-invalid
# imports the good one, but the exit status says that some were lost.
t_run import --from mailchimp --purpose news --skip-invalid bad.csv
t_rc 65 "--skip-invalid, bad unsubscribe rows"
t_has "applied 1," "--skip-invalid: the good row"
t_has "invalid 3" "--skip-invalid: three invalid"
t_errhas "invalid rows that carry or may carry an opt-out: 3" \
    "--skip-invalid: the lost opt-outs counted"

printf 'Name,Phone\r\nx,1\r\n' > nohdr.csv
t_run import --from mailchimp --purpose news nohdr.csv
t_rc 65 "not a mailchimp file"
t_errhas 'nohdr.csv:1: header: missing column "Email Address"; found: "Name", "Phone"' \
    "header error names found and expected"

t_run import --from nosuch --purpose news nohdr.csv
t_rc 64 "unknown provider"

# --- sendgrid: each suppression list --------------------------------------
t_redis FLUSHALL > /dev/null
SG=$CM_SRCDIR/tests/ctl/providers/sendgrid
T=1650000000
# both@ opted in (2021) before the group unsubscribe (2022).
t_run grant both@example.com weekly --at 1610000000 --source "web form"
t_run grant spam0@example.com weekly --at 1610000000 --source "web form"
t_run import --from sendgrid "$SG/global_unsubscribes.csv" "$SG/spam_reports.csv" \
    "$SG/bounces.csv" "$SG/invalid_emails.csv"
t_rc 0 "sendgrid: global, spam, bounces, invalid"
t_has "applied 27," "sendgrid: every suppression applied"
s=$(t_redis GET cm:suppress:unsub3@example.com)
t_eq "$s" "$((T + 3 * 3600)) sendgrid $SG/global_unsubscribes.csv:5 global_unsubscribe" \
    "global unsubscribe -> suppressed, at created, evidence"
s=$(t_redis GET cm:suppress:spam2@example.com)
t_eq "$s" "$((T + 2)) sendgrid $SG/spam_reports.csv:4 spam_report ip=192.0.2.3" \
    "spam report -> suppressed, ip as evidence"
s=$(t_redis GET cm:suppress:bounce1@example.com)
case $s in "$((T + 1)) sendgrid $SG/bounces.csv:3 bounce reason=\"550 5.1.1 <bounce1@example.com>: Recipient address rejected: User unknown, sorry\" status=5.1.1")
    t_ok "bounce -> suppressed, reason with comma" ;;
*) t_notok "bounce evidence"; echo "#   got: $s" ;; esac
t_eq "$(t_redis EXISTS cm:suppress:invalid3@example.com)" 1 "invalid email -> suppressed"
t_eq "$(t_redis HGET cm:consent:spam0@example.com weekly)" granted \
    "spam report: earlier grant kept as history, suppression decides"
t_run import --from sendgrid --purpose weekly "$SG/group_unsubscribes_weekly.csv"
t_rc 0 "sendgrid: group unsubscribes with --purpose"
t_eq "$(t_redis HGET cm:consent:both@example.com weekly)" withdrawn \
    "group unsubscribe -> withdrawn for the group's purpose"
t_eq "$(t_redis HGET cm:consent:both@example.com weekly:src)" \
    "sendgrid $SG/group_unsubscribes_weekly.csv:10 group_unsubscribe" \
    "group unsubscribe evidence"
t_eq "$(t_redis EXISTS cm:suppress:grp0@example.com)" 0 "group unsubscribe is not a suppression"
# An older opt-in after it: stale.
printf 'address,purpose,state,at,source\nboth@example.com,weekly,granted,1620000000,old crm\n' > oldcrm.csv
t_run import oldcrm.csv
t_has "stale 1" "older grant after a group unsubscribe: stale"
t_eq "$(t_redis HGET cm:consent:both@example.com weekly)" withdrawn "still withdrawn"

# --- listmonk: CSV export and API JSON -----------------------------------
t_redis FLUSHALL > /dev/null
LM=$CM_SRCDIR/tests/ctl/providers/listmonk
t_run import --from listmonk "$LM/subscribers.csv"
t_rc 0 "listmonk CSV without --purpose"
t_has "applied 2," "CSV without --purpose: only the blocklisted"
t_eq "$(t_redis EXISTS cm:consent:sub1@example.com)" 0 "enabled without --purpose: no grant"
s=$(t_redis GET cm:suppress:sub10@example.com)
t_eq "$s" "$(date -u -d '2022-03-11 10:00:00' +%s) listmonk $LM/subscribers.csv:12 blocklisted uuid=00000010-0000-4000-8000-000000000000" \
    "blocklisted -> suppressed at updated_at (+01:00), evidence"
t_run import --from listmonk --purpose news "$LM/subscribers.csv"
t_rc 0 "listmonk CSV with --purpose"
t_eq "$(t_redis HGET cm:consent:sub1@example.com news)" granted "enabled -> granted"
t_eq "$(t_redis HGET cm:consent:sub1@example.com news:at)" \
    "$(date -u -d '2021-02-02 10:00:00' +%s)" "granted at created_at (fraction dropped)"
t_eq "$(t_redis EXISTS cm:consent:sub5@example.com)" 0 "disabled: no event"

t_run grant api1@example.com news --at 1700000000 --source "later opt-in"
t_run import --from listmonk --map-list 'Weekly News=news' --map-list Offers=offers \
    --map-list Events=events "$LM/api-subscribers.json"
t_rc 0 "listmonk API JSON"
t_eq "$(t_redis HGET cm:consent:api0@example.com news)" withdrawn \
    "lists[].subscription_status unsubscribed -> withdrawn"
t_eq "$(t_redis HGET cm:consent:api0@example.com news:at)" \
    "$(date -u -d '2023-01-01 09:00:00' +%s)" "withdrawn at the list's updated_at"
t_eq "$(t_redis HGET cm:consent:api0@example.com news:src)" \
    "listmonk $LM/api-subscribers.json:4 unsubscribed list=\"Weekly News\" list_id=1 optin=double" \
    "JSON evidence: file, line of the record, list"
t_eq "$(t_redis HGET cm:consent:api0@example.com offers)" granted \
    "unconfirmed on a single opt-in list -> granted"
t_eq "$(t_redis HGET cm:consent:api1@example.com news)" granted "confirmed -> granted"
t_eq "$(t_redis HGET cm:consent:api1@example.com news:src)" "later opt-in" \
    "older confirmed does not replace a newer grant"
t_eq "$(t_redis HGET cm:consent:api4@example.com events)" "" \
    "unconfirmed double opt-in: no consent"
t_eq "$(t_redis HEXISTS cm:consent:api5@example.com 'Internal test list')" 0 \
    "unmapped list skipped"
t_eq "$(t_redis EXISTS cm:suppress:api7@example.com)" 1 "blocklisted (API) -> suppressed"
# The withdrawal stands against an older CSV that says enabled.
printf 'uuid,email,name,attributes,status,created_at,updated_at\r\nx,API0@example.com,,,enabled,2022-01-01T00:00:00Z,2022-01-01T00:00:00Z\r\n' > lm-old.csv
t_run import --from listmonk --purpose news lm-old.csv
t_has "stale 1" "older enabled row: stale"
t_eq "$(t_redis HGET cm:consent:api0@example.com news)" withdrawn "api0 stays withdrawn"
printf '{"data": {"results": [\n{"email": "x@example.com", "status": "enabled",\n "lists": [{"name": "Weekly News", "subscription_status": "maybe"}]}]}}\n' > lm-bad.json
t_run import --from listmonk --purpose news lm-bad.json
t_rc 65 "bad list status"
t_errhas 'lm-bad.json:2: list "Weekly News": subscription_status "maybe"' \
    "JSON error names FILE:LINE"
printf '{"data": {"results": [\n' > lm-cut.json
t_run import --from listmonk --purpose news lm-cut.json
t_rc 65 "truncated JSON refused"

# --- ses: suppression list and contact-list topics -------------------------
t_redis FLUSHALL > /dev/null
SES=$CM_SRCDIR/tests/ctl/providers/ses
t_run grant contact0@example.net news --at 1600000000 --source "old crm"
t_run import --from ses --map-list Newsletter=news --map-list 'Product updates=updates' \
    "$SES/suppressed-destinations.json" "$SES/contacts.json"
t_rc 0 "ses: suppression list and contacts"
s=$(t_redis GET cm:suppress:bounce1@example.net)
t_eq "$s" "$(date -u -d '2023-04-02 12:00:00' +%s) ses $SES/suppressed-destinations.json:8 suppression_list Reason=BOUNCE" \
    "BOUNCE -> suppressed, evidence with line"
s=$(t_redis GET cm:suppress:bounce0@example.net)
t_eq "${s#* }" "ses $SES/suppressed-destinations.json:3 suppression_list Reason=COMPLAINT" \
    "COMPLAINT -> suppressed"
t_eq "$(t_redis HGET cm:consent:contact0@example.net news)" withdrawn \
    "OPT_OUT -> withdrawn, over an older grant"
t_eq "$(t_redis HGET cm:consent:contact0@example.net news:at)" \
    "$(date -u -d '2023-05-01 06:30:00' +%s)" "at LastUpdatedTimestamp (+02:00)"
t_eq "$(t_redis HGET cm:consent:contact0@example.net news:src)" \
    "ses $SES/contacts.json:3 OPT_OUT TopicName=Newsletter" "topic evidence"
t_eq "$(t_redis HGET cm:consent:contact1@example.net news)" granted "OPT_IN -> granted"
t_eq "$(t_redis EXISTS cm:suppress:contact4@example.net)" 1 \
    "UnsubscribeAll -> suppressed (every purpose)"
t_eq "$(t_redis HGET cm:consent:contact4@example.net updates)" "" \
    "UnsubscribeAll: no grant"
t_eq "$(t_redis EXISTS cm:consent:contact7@example.net)" 0 \
    "topic defaults are not consent"
t_run import --from ses --purpose news "$CM_SRCDIR/tests/ctl/providers/sendgrid/bounces.csv"
t_rc 65 "ses: CSV refused"
t_errhas "reads the JSON" "ses: says why"

# --- mautic: contacts plus do-not-contact -----------------------------------
t_redis FLUSHALL > /dev/null
MT=$CM_SRCDIR/tests/ctl/providers/mautic
t_run import --from mautic --purpose news "$MT/contacts.csv" "$MT/donotcontact.csv"
t_rc 0 "mautic: contacts and do-not-contact"
t_eq "$(t_redis HGET cm:consent:lead1@example.org news)" granted "contact -> granted (no DNC)"
t_eq "$(t_redis HGET cm:consent:lead0@example.org news)" withdrawn \
    "DNC reason 1 -> withdrawn, after the contact's grant"
t_eq "$(t_redis HGET cm:consent:lead0@example.org news:src)" \
    "mautic $MT/donotcontact.csv:2 dnc_unsubscribed channel=email comments=\"User unsubscribed.\"" \
    "DNC evidence"
s=$(t_redis GET cm:suppress:lead1@example.org)
t_eq "$s" "$(date -u -d '2022-02-15 12:00:00' +%s) mautic $MT/donotcontact.csv:3 dnc_bounced channel=email comments=\"550 5.1.1 mailbox unavailable, bounced\"" \
    "DNC reason 2 -> suppressed"
t_eq "$(t_redis EXISTS cm:suppress:lead2@example.org)" 1 "DNC reason 3 -> suppressed"
t_eq "$(t_redis HGET cm:consent:lead9@example.org news:at)" \
    "$(date -u -d '2020-06-10 09:00:00' +%s)" "granted at date_added"
# The contact export again (older): the withdrawal stands.
t_run import --from mautic --purpose news "$MT/contacts.csv"
t_eq "$(t_redis HGET cm:consent:lead0@example.org news)" withdrawn "re-import: lead0 stays withdrawn"
t_run import --from mautic --purpose news "$MT/donotcontact_raw.csv"
t_rc 65 "raw lead_donotcontact without email"
t_errhas "joined with leads" "says how to export it"

# --- nationbuilder: one row per person ------------------------------------
t_redis FLUSHALL > /dev/null
NB=$CM_SRCDIR/tests/ctl/providers/nationbuilder
t_run import --from nationbuilder --purpose news "$NB/people.csv"
t_rc 0 "nationbuilder people export"
t_eq "$(t_redis HGET cm:consent:nb1@example.org news)" granted "email_opt_in true -> granted"
t_eq "$(t_redis HGET cm:consent:nb1@example.org news:at)" \
    "$(date -u -d '2019-03-02 14:00:00' +%s)" "granted at created_at (-05:00)"
t_eq "$(t_redis HGET cm:consent:nb4@example.org news)" withdrawn \
    "opt-in false + unsubscribed_at -> withdrawn"
t_eq "$(t_redis HGET cm:consent:nb4@example.org news:src)" \
    "nationbuilder $NB/people.csv:6 unsubscribed" "nationbuilder evidence"
s=$(t_redis GET cm:suppress:nb8@example.org)
t_eq "$s" "$(date -u -d '2022-08-09 14:00:00' +%s) nationbuilder $NB/people.csv:10 do_not_contact" \
    "do_not_contact -> suppressed"
t_eq "$(t_redis EXISTS cm:suppress:nb5.old@example.org)" 1 "email2_is_bad -> suppressed"
t_eq "$(t_redis EXISTS cm:suppress:nb5@example.org)" 0 "the good address is not"
printf 'email,email_opt_in,created_at\r\nnb4@example.org,true,2020-01-01\r\n' > nb-old.csv
t_run import --from nationbuilder --purpose news nb-old.csv
t_has "stale 1" "older opt-in after the unsubscribe: stale"
t_eq "$(t_redis HGET cm:consent:nb4@example.org news)" withdrawn "nb4 stays withdrawn"

# --- brevo: contacts (lists) and the blocked contacts -----------------------
t_redis FLUSHALL > /dev/null
BR=$CM_SRCDIR/tests/ctl/providers/brevo
t_run import --from brevo --map-list 7=news --map-list 2=offers \
    "$BR/contacts.json" "$BR/blocked-contacts.json"
t_rc 0 "brevo: contacts and blocked contacts"
t_eq "$(t_redis HGET cm:consent:br0@example.com news)" granted "listIds -> granted"
t_eq "$(t_redis HGET cm:consent:br0@example.com news:at)" \
    "$(date -u -d '2021-01-01 08:00:00' +%s)" "granted at createdAt (+02:00)"
t_eq "$(t_redis HGET cm:consent:br2@example.com news)" withdrawn \
    "listUnsubscribed -> withdrawn (and no grant)"
t_eq "$(t_redis HGET cm:consent:br2@example.com news:src)" \
    "brevo $BR/contacts.json:37 listUnsubscribed list=7" "brevo list evidence"
t_eq "$(t_redis HGET cm:consent:br2@example.com offers)" granted "other list still granted"
t_eq "$(t_redis EXISTS cm:suppress:br3@example.com)" 1 "emailBlacklisted -> suppressed"
t_eq "$(t_redis HGET cm:consent:br6@example.com news)" withdrawn \
    "unsubscribed, no longer in listIds: withdrawn"
t_eq "$(t_redis HGET cm:consent:br6@example.com offers)" granted "br6: list 2 granted"
s=$(t_redis GET cm:suppress:blocked1@example.com)
t_eq "$s" "$(date -u -d '2022-12-02 09:30:00' +%s) brevo $BR/blocked-contacts.json:13 blocked code=contactFlaggedAsSpam message=\"Contact contactFlaggedAsSpam, via link\" senderEmail=news@example.org" \
    "blocked (spam) -> suppressed, reason as evidence"
t_run withdraw br0@example.com news --source "replied stop"
t_run import --from brevo --map-list 7=news --map-list 2=offers "$BR/contacts.json"
t_rc 0 "brevo JSON again after a withdrawal"
t_eq "$(t_redis HGET cm:consent:br0@example.com news)" withdrawn \
    "brevo JSON: the older listIds grant does not undo it"
t_run import --from brevo --purpose news "$CM_SRCDIR/tests/ctl/providers/sendgrid/bounces.csv"
t_rc 65 "brevo: a CSV without a status column refused"
t_errhas "no subscription status column" "brevo CSV refusal: says why"


# --- ses: an older opt-in after the opt-out ----------------------------------
t_redis FLUSHALL > /dev/null
t_run import --from ses --map-list Newsletter=news "$SES/contacts.json"
printf '{"Contacts": [\n{"EmailAddress": "contact0@example.net", "TopicPreferences": [{"TopicName": "Newsletter", "SubscriptionStatus": "OPT_IN"}], "LastUpdatedTimestamp": "2022-01-01T00:00:00Z"}]}\n' > ses-old.json
t_run import --from ses --map-list Newsletter=news ses-old.json
t_rc 0 "ses: older contact list"
t_has "stale 1" "ses: older OPT_IN after OPT_OUT: stale"
t_eq "$(t_redis HGET cm:consent:contact0@example.net news)" withdrawn \
    "ses: contact0 stays withdrawn"
t_run import --from ses --purpose news "$CM_SRCDIR/tests/ctl/providers/sendgrid/bounces.csv"
t_rc 65 "ses: CSV refused"
t_errhas "SES exports neither as CSV" "ses CSV: why (no CSV export exists)"

# --- brevo: the CSV contact export ---------------------------------------------
t_redis FLUSHALL > /dev/null
BC=$BR/contacts-export.csv
t_run import --from brevo --map-list 7=news --map-list 2=offers "$BC"
t_rc 0 "brevo CSV export (BOM, ';', CRLF, quoted ';')"
t_has "brevo: 40 rows," "brevo CSV: every row read"
t_eq "$(t_redis HGET cm:consent:bc0@example.com news)" granted "_listIds 7 -> granted news"
t_eq "$(t_redis HGET cm:consent:bc0@example.com offers)" granted "_listIds 2 -> granted offers"
t_eq "$(t_redis HGET cm:consent:bc0@example.com news:at)" \
    "$(date -u -d '2021-01-01 08:00:00' +%s)" "granted at ADDED_TIME"
t_eq "$(t_redis HGET cm:consent:bc0@example.com news:src)" \
    "brevo $BC:2 subscribed list=7" "brevo CSV evidence: file, row, list"
s=$(t_redis GET cm:suppress:bc1@example.com)
t_eq "$s" "$(date -u -d '2022-03-04 10:00:00' +%s) brevo $BC:3 blocklisted EMAIL_BLACKLISTED=true" \
    "EMAIL_BLACKLISTED true -> suppressed at MODIFIED_TIME"
t_eq "$(t_redis HGET cm:consent:bc2@example.com offers)" granted "[2], mixed case -> offers"
t_eq "$(t_redis HEXISTS cm:consent:bc2@example.com news)" 0 "not in list 7: no news grant"
t_eq "$(t_redis EXISTS cm:consent:bc3@example.com cm:suppress:bc3@example.com)" 0 \
    "no list, not blocked: no event"
t_eq "$(t_redis EXISTS cm:suppress:bc4@example.com)" 1 "yes -> suppressed"
t_eq "$(t_redis EXISTS cm:consent:bc5@example.com)" 0 "unmapped list 9: nothing"
t_eq "$(t_redis EXISTS cm:suppress:bc7@example.com)" 1 "generated row 7: blocked"
t_eq "$(t_redis HGET cm:consent:bc9@example.com news)" granted "'7|9' -> news"
# An opted-in row never undoes a later opt-out: withdraw, import again.
t_run withdraw bc0@example.com news --source "replied stop"
t_run import --from brevo --map-list 7=news --map-list 2=offers "$BC"
t_rc 0 "brevo CSV again after a withdrawal"
t_has "applied 0," "brevo again: nothing applied"
t_eq "$(t_redis HGET cm:consent:bc0@example.com news)" withdrawn "bc0 stays withdrawn"
t_eq "$(t_redis HGET cm:consent:bc0@example.com news:src)" "replied stop" \
    "the withdrawal's evidence kept"
printf 'EMAIL;ADDED_TIME;MODIFIED_TIME;_listIds;EMAIL_BLACKLISTED\r\nbc0@example.com;2020-06-01 08:00:00;2020-06-01 08:00:00;7;false\r\n' > br-old.csv
t_run import --from brevo --map-list 7=news br-old.csv
t_has "stale 1 (older" "brevo: an older export's grant is stale"
t_eq "$(t_redis HGET cm:consent:bc0@example.com news)" withdrawn "bc0 still withdrawn"
t_redis FLUSHALL > /dev/null
t_run import --from brevo --purpose news "$BC"
t_rc 0 "brevo CSV with --purpose"
t_eq "$(t_redis HGET cm:consent:bc3@example.com news)" granted \
    "--purpose: every contact not blocked"
t_eq "$(t_redis HEXISTS cm:consent:bc1@example.com news)" 0 "--purpose: not the blocked"
t_redis FLUSHALL > /dev/null
printf 'EMAIL;FIRSTNAME;ADDED_TIME\r\nx@example.com;X;2021-01-01 00:00:00\r\n' > br-nostatus.csv
t_run import --from brevo --purpose news br-nostatus.csv
t_rc 65 "brevo CSV without a status column"
t_errhas "br-nostatus.csv:1: header: no subscription status column" \
    "says why, naming FILE:LINE"
printf 'EMAIL,email_marketing,ADDED_TIME,MODIFIED_TIME\nok@example.com,subscribed,2021-01-01,2021-01-01\nbad@example.com,maybe,2021-01-01,2021-01-01\n' > br-bad.csv
t_run import --from brevo --purpose news br-bad.csv
t_rc 65 "brevo CSV: unknown status"
t_errhas 'br-bad.csv:3: email_marketing "maybe": want true or false' "bad status named"
t_eq "$(t_redis DBSIZE)" 0 "brevo bad rows: nothing written"

# --- mailchimp: a file re-saved by Excel (cp1252, BOM, CRLF) -----------------
t_redis FLUSHALL > /dev/null
XL=$MC/unsubscribed_cp1252_excel.csv
t_run import --from mailchimp --purpose news "$XL"
t_rc 65 "cp1252 without --encoding"
t_errhas "$XL:2:" "invalid UTF-8 named by FILE:LINE"
t_eq "$(t_redis DBSIZE)" 0 "cp1252 refused: nothing written"
t_run import --from mailchimp --purpose news --encoding cp1252 "$XL"
t_rc 0 "cp1252 with --encoding cp1252"
t_eq "$(hget zoe@example.org news)" withdrawn "cp1252 unsubscribed -> withdrawn"
t_eq "$(hget zoe@example.org news:src)" \
    "mailchimp $XL:2 unsubscribed OPTIN_TIME=\"2020-05-01 10:00:00\" UNSUB_REASON=NORMAL UNSUB_CAMPAIGN_TITLE=\"Café night – €5, 2023\" UNSUB_TIME=\"2023-03-01 09:00:00\" tz=UTC" \
    "cp1252 evidence transcoded to UTF-8 (é, en dash, euro)"

# --- mailchimp: the zip archive, as Mailchimp hands it out --------------------
MKZIP=$CM_BUILDDIR/tests/ctl/mkzip
D=members_export_4f2a
t_redis FLUSHALL > /dev/null
printf 'Email Address,First Name,OPTIN_TIME,LAST_CHANGED\r\nnon1@example.org,N,2021-01-01 00:00:00,2021-01-01 00:00:00\r\ndup@example.org,D,2024-01-01 00:00:00,2024-01-01 00:00:00\r\n' > non.csv
"$MKZIP" export.zip $D/ "$D/subscribed_members_export_4f2a.csv=$SUB" \
    "$D/unsubscribed_members_export_4f2a.csv=$UNSUB" \
    "$D/cleaned_members_export_4f2a.csv=$CLEAN" \
    "$D/nonsubscribed_members_export_4f2a.csv=non.csv" || t_notok "mkzip"
t_run import --from mailchimp --purpose news export.zip
t_rc 0 "mailchimp: the export zip"
t_has "applied 48," "zip: every event of the three files applied"
t_has "mailchimp: 50 rows, 48 events, 2 rows without a consent event" \
    "zip: nonsubscribed rows read, no event"
t_eq "$(hget dup@example.org news)" withdrawn "zip: subscribed and unsubscribed -> withdrawn"
src=$(hget dup@example.org news:src)
case $src in "mailchimp export.zip:$D/unsubscribed_members_export_4f2a.csv:2 unsubscribed "*)
    t_ok "zip evidence: ZIP:MEMBER:LINE" ;;
*) t_notok "zip evidence"; echo "#   got: $src" ;; esac
s=$(t_redis GET cm:suppress:bounce2@example.net)
case $s in *" mailchimp export.zip:$D/cleaned_members_export_4f2a.csv:4 cleaned "*)
    t_ok "zip: cleaned member -> suppressed, named" ;;
*) t_notok "zip cleaned"; echo "#   got: $s" ;; esac
t_eq "$(t_redis EXISTS cm:consent:non1@example.org)" 0 "nonsubscribed: no consent"
"$CONSENTCTL" -c "$CONF" import --from mailchimp --purpose news - < export.zip > "$TMP/out" 2> "$TMP/err"
rc=$?; out=$(cat "$TMP/out"); err=$(cat "$TMP/err")
t_rc 0 "zip on standard input"
t_has "applied 0," "zip again (stdin): nothing new"
t_run withdraw ann.0@example.org news --source "phoned in"
"$MKZIP" old.zip "$D/subscribed_members_export_4f2a.csv=$MC/old_subscribed_2020.csv" \
    || t_notok "mkzip old"
t_run import --from mailchimp --purpose news old.zip export.zip
t_rc 0 "older zip after a withdrawal"
t_eq "$(hget ann.0@example.org news)" withdrawn "zip: old opt-in does not undo a withdrawal"

# --- zip archives that are refused, nothing written -----------------------------
t_redis FLUSHALL > /dev/null
zip_refused() {	# ZIP TEXT WHAT
    t_run import --from mailchimp --purpose news "$1"
    t_rc 65 "$3"
    t_errhas "$2" "$3: says why"
    t_eq "$(t_redis DBSIZE)" 0 "$3: nothing written"
}
"$MKZIP" bomb.zip "$D/subscribed_members_export_4f2a.csv=@zeros:50000000"
zip_refused bomb.zip "bomb.zip: member \"$D/subscribed_members_export_4f2a.csv\": 50000000 bytes from" \
    "zip bomb (50 MB of zeros)"
t_errhas "refused (zip bomb?" "zip bomb: named as such"
# The same bomb with a header that claims 1000 bytes: the copy stops.
cp bomb.zip liar.zip
cd_off=$(od -An -tu4 -j $(($(wc -c < liar.zip) - 22 + 16)) -N4 liar.zip | tr -d ' ')
printf '\350\003\000\000' | dd of=liar.zip bs=1 seek=22 conv=notrunc 2> /dev/null
printf '\350\003\000\000' | dd of=liar.zip bs=1 seek=$((cd_off + 24)) conv=notrunc 2> /dev/null
zip_refused liar.zip "longer than the 1000 bytes its header declares" \
    "zip whose header lies about the size"
"$MKZIP" enc.zip "$D/unsubscribed_members_export_4f2a.csv=@secret:$UNSUB"
zip_refused enc.zip "enc.zip: member \"$D/unsubscribed_members_export_4f2a.csv\": encrypted: refused" \
    "encrypted member"
"$MKZIP" many.zip "m.csv=non.csv*33"
zip_refused many.zip "many.zip: 33 members, more than 32: refused" "too many members"
"$MKZIP" readme.zip "$D/README.txt=non.csv" "$D/subscribed_members_export_4f2a.csv=$SUB"
zip_refused readme.zip "readme.zip: member \"$D/README.txt\": not a .csv or .json file" \
    "a member that is not CSV"
echo "Email Address" > notzip.zip
zip_refused notzip.zip "notzip.zip: not a readable zip archive" "not a zip archive"
head -c 300 export.zip > cut.zip
zip_refused cut.zip "cut.zip: not a readable zip archive" "truncated zip"
"$MKZIP" empty.zip $D/
zip_refused empty.zip "empty.zip: no .csv or .json file in the archive" "zip without a CSV"
# A name that climbs out of the folder is only a name: read, and said.
"$MKZIP" trav.zip "../../etc/unsubscribed_members_export.csv=$UNSUB"
t_run import --from mailchimp --purpose news trav.zip
t_rc 0 "member named ../../etc/...: read as a name"
t_errhas "trav.zip: member \"../../etc/unsubscribed_members_export.csv\": a path outside the archive's folder" \
    "path traversal name reported"
t_eq "$(hget dup@example.org news:src | cut -d' ' -f2)" \
    "trav.zip:../../etc/unsubscribed_members_export.csv:2" "its rows named ZIP:MEMBER:LINE"
t_eq "$(ls "$TMP/../../etc/unsubscribed_members_export.csv" 2> /dev/null)" "" \
    "nothing written under the member's name"

# A zip made again on a Mac: the __MACOSX/ copies are skipped, and said.
"$MKZIP" mac.zip "$D/unsubscribed_members_export_4f2a.csv=$UNSUB" \
    "__MACOSX/$D/._unsubscribed_members_export_4f2a.csv=non.csv"
t_run import --from mailchimp --purpose news mac.zip
t_rc 0 "zip with __MACOSX/ copies"
t_errhas "mac.zip: skipped \"__MACOSX/$D/._unsubscribed_members_export_4f2a.csv\": macOS metadata" \
    "__MACOSX/ member skipped, said"
t_has "mailchimp: 13 rows, 13 events, 0 rows without" "only the real member read"

# --- the progress line: JSON as CSV, only on a terminal -----------------------
t_redis FLUSHALL > /dev/null
awk 'BEGIN { print "{\"SuppressedDestinationSummaries\": ["
    for (i = 0; i < 100000; i++)
	printf "%s{\"EmailAddress\": \"p%d@example.net\", \"Reason\": \"BOUNCE\", \"LastUpdateTime\": \"2023-04-02T12:00:00Z\"}\n", (i ? "," : ""), i
    print "]}" }' > big.json
t_run import --from ses big.json
t_rc 0 "100,000 suppressions from JSON"
case $err in *"importing ["*) t_notok "no progress line without a terminal" ;;
*) t_ok "no progress line without a terminal" ;; esac
if command -v script > /dev/null 2>&1; then
    t_redis FLUSHALL > /dev/null
    script -qec "'$CONSENTCTL' -c '$CONF' import --from ses big.json" /dev/null \
	> tty.out 2>&1 < /dev/null
    out=$(tr '\r' '\n' < tty.out)
    t_has "importing [" "JSON import on a terminal: progress line"
    t_has "rows/s, ETA" "progress line: rate and ETA"
    t_has "applied 100000," "and the counts after it"
else
    echo "# script(1) not installed: progress on a terminal not tested"
fi

# --- opt-outs that must never be lost or turned into consent ------------------
# Each case below once exited 0 with the opt-out dropped (review, 2026-12).
t_redis FLUSHALL > /dev/null
t_run campaign add news-c --purpose news
# SES UnsubscribeAll: a suppression, with or without --purpose/--map-list.
t_run grant ua@example.net news --at 1600000000 --source "old crm"
printf '{"Contacts": [\n{"EmailAddress": "ua@example.net", "UnsubscribeAll": true, "TopicPreferences": [{"TopicName": "Newsletter", "SubscriptionStatus": "OPT_IN"}], "LastUpdatedTimestamp": "2023-05-01T00:00:00Z"}]}\n' > ses-all.json
t_run import --from ses ses-all.json
t_rc 0 "ses UnsubscribeAll without --purpose"
t_eq "$(t_redis GET cm:suppress:ua@example.net)" \
    "$(date -u -d '2023-05-01 00:00:00' +%s) ses ses-all.json:2 UnsubscribeAll" \
    "UnsubscribeAll -> suppressed (all purposes)"
t_run check ua@example.net news-c
t_rc 1 "UnsubscribeAll: check denies"
t_redis FLUSHALL > /dev/null
t_run campaign add news-c --purpose news
t_run import --from ses --map-list Newsletter=news ses-all.json
t_rc 0 "ses UnsubscribeAll with --map-list"
t_eq "$(t_redis EXISTS cm:suppress:ua@example.net)" 1 "UnsubscribeAll with --map-list: suppressed"
t_eq "$(t_redis HGET cm:consent:ua@example.net news)" "" "UnsubscribeAll: no grant from its topics"

# An opt-out of a list that maps to no purpose: refused without
# --purpose/--map-list, counted and named when --map-list leaves it out.
t_redis FLUSHALL > /dev/null
printf '{"data": {"results": [\n{"email": "lu@example.com", "status": "enabled",\n "lists": [{"id": 3, "name": "Weekly News", "subscription_status": "unsubscribed", "created_at": "2021-01-01T00:00:00Z", "updated_at": "2023-01-01T00:00:00Z"}]}]}}\n' > lm-unsub.json
t_run import --from listmonk lm-unsub.json
t_rc 65 "listmonk: unsubscribed list, no --purpose/--map-list"
t_errhas 'lm-unsub.json:2: list "Weekly News": unsubscribed, but no --purpose or --map-list says for which purpose' \
    "listmonk: unmappable opt-out named FILE:LINE"
t_eq "$(t_redis DBSIZE)" 0 "listmonk: nothing written"
t_run import --from listmonk --map-list Offers=offers lm-unsub.json
t_rc 0 "listmonk: list deliberately not mapped"
t_has "listmonk: 1 opt-outs for unmapped lists skipped" "listmonk: skipped opt-outs counted"
t_has "lm-unsub.json:2 list \"Weekly News\"" "listmonk: skipped opt-out named"
t_run import --from listmonk --purpose news lm-unsub.json
t_eq "$(t_redis HGET cm:consent:lu@example.com news)" withdrawn "listmonk --purpose: withdrawn"

t_redis FLUSHALL > /dev/null
printf '{"contacts": [\n{"email": "bu@example.com", "emailBlacklisted": false, "createdAt": "2021-01-01T00:00:00Z", "modifiedAt": "2023-01-01T00:00:00Z", "listIds": [2], "listUnsubscribed": [7]}]}\n' > br-unsub.json
t_run import --from brevo br-unsub.json
t_rc 65 "brevo: listUnsubscribed, no --purpose/--map-list"
t_errhas 'br-unsub.json:2: listUnsubscribed 7: an opt-out, but no --purpose or --map-list says for which purpose' \
    "brevo: unmappable opt-out named FILE:LINE"
t_eq "$(t_redis DBSIZE)" 0 "brevo: nothing written"
t_run import --from brevo --map-list 2=offers br-unsub.json
t_rc 0 "brevo: list 7 deliberately not mapped"
t_has "brevo: 1 opt-outs for unmapped lists skipped" "brevo: skipped opt-outs counted"
t_has "br-unsub.json:2 listUnsubscribed 7" "brevo: skipped opt-out named"
t_eq "$(t_redis HGET cm:consent:bu@example.com offers)" granted "brevo: mapped list granted"

t_redis FLUSHALL > /dev/null
printf '{"Contacts": [\n{"EmailAddress": "tu@example.net", "TopicPreferences": [{"TopicName": "Events", "SubscriptionStatus": "OPT_OUT"}], "LastUpdatedTimestamp": "2023-05-01T00:00:00Z"}]}\n' > ses-topic.json
t_run import --from ses ses-topic.json
t_rc 65 "ses: OPT_OUT topic, no --purpose/--map-list"
t_errhas 'ses-topic.json:2: topic "Events": OPT_OUT, but no --purpose or --map-list says for which purpose' \
    "ses: unmappable opt-out named FILE:LINE"
t_run import --from ses --map-list Newsletter=news ses-topic.json
t_rc 0 "ses: topic deliberately not mapped"
t_has "ses: 1 opt-outs for unmapped lists skipped" "ses: skipped opt-outs counted"
t_has 'ses-topic.json:2 topic "Events" OPT_OUT' "ses: skipped opt-out named"

# NationBuilder: do_not_contact and the opt-out cover every address.
t_redis FLUSHALL > /dev/null
printf 'email,email1,email2,email_opt_in,do_not_contact,unsubscribed_at,created_at\r\n,nbx1@example.org,,false,true,2022-01-01 00:00:00,2019-01-01\r\nnby@example.org,,nby2@example.org,false,true,2022-02-01 00:00:00,2019-01-01\r\nnbz@example.org,nbz1@example.org,,false,false,2022-03-01 00:00:00,2019-01-01\r\n' > nb-dnc.csv
t_run import --from nationbuilder --purpose news nb-dnc.csv
t_rc 0 "nationbuilder: DNC on emailN"
t_eq "$(t_redis GET cm:suppress:nbx1@example.org)" \
    "$(date -u -d '2022-01-01 00:00:00' +%s) nationbuilder nb-dnc.csv:2 do_not_contact" \
    "DNC with email empty: email1 suppressed"
t_eq "$(t_redis EXISTS cm:suppress:nby@example.org cm:suppress:nby2@example.org)" 2 \
    "DNC: email and email2 suppressed"
t_eq "$(t_redis HGET cm:consent:nbz@example.org news)" withdrawn "opt-out: email withdrawn"
t_eq "$(t_redis HGET cm:consent:nbz1@example.org news)" withdrawn "opt-out: email1 withdrawn"
# Another tool's file with the wrong --from: its opt-outs must not vanish.
printf 'email,created\r\nnbgone@example.org,1600000000\r\n' > global_unsubscribes.csv
t_run grant nbgone@example.org news --at 1500000000
t_run import --from nationbuilder --purpose news global_unsubscribes.csv
t_rc 65 "nationbuilder: a SendGrid unsubscribe list is refused"
t_errhas 'global_unsubscribes.csv:1: header: no consent column' "the header named"
t_eq "$(t_redis HGET cm:consent:nbgone@example.org news)" granted "nothing applied"
t_run import --from sendgrid global_unsubscribes.csv
t_rc 0 "the right --from suppresses"
t_eq "$(t_redis EXISTS cm:suppress:nbgone@example.org)" 1 "nbgone suppressed"
printf 'email,email1,email_opt_in,do_not_contact,unsubscribed_at\r\n,,false,true,2022-01-01 00:00:00\r\n' > nb-noaddr.csv
t_run import --from nationbuilder --purpose news nb-noaddr.csv
t_rc 65 "nationbuilder: opt-out without an address"
t_errhas 'nb-noaddr.csv:2: do_not_contact true but no address' "no address named FILE:LINE"

# Mailchimp: the file name says unsubscribed or cleaned.
t_redis FLUSHALL > /dev/null
t_run campaign add news-c --purpose news
t_run grant mu@example.org news --at 1600000000 --source "old crm"
printf 'Email Address,OPTIN_TIME,LAST_CHANGED\r\nmu@example.org,2020-01-01 00:00:00,2023-04-01 10:00:00\r\n' > unsubscribed_members_export_abc.csv
t_run import --from mailchimp --purpose news unsubscribed_members_export_abc.csv
t_rc 0 "mailchimp: unsubscribed file without UNSUB_TIME"
t_eq "$(hget mu@example.org news)" withdrawn "unsubscribed by file name -> withdrawn"
t_eq "$(hget mu@example.org news:at)" "$(date -u -d '2023-04-01 10:00:00' +%s)" \
    "withdrawn at LAST_CHANGED"
t_run check mu@example.org news-c
t_rc 1 "unsubscribed by file name: check denies"
printf 'Email Address,OPTIN_TIME,LAST_CHANGED\r\nmc@example.org,2020-01-01 00:00:00,2023-04-02 10:00:00\r\n' > cleaned_members_export_abc.csv
t_run import --from mailchimp --purpose news cleaned_members_export_abc.csv
t_rc 0 "mailchimp: cleaned file without CLEAN_TIME"
t_eq "$(t_redis GET cm:suppress:mc@example.org | cut -d' ' -f1)" \
    "$(date -u -d '2023-04-02 10:00:00' +%s)" "cleaned by file name -> suppressed"
printf 'Email Address,OPTIN_TIME,LAST_CHANGED\r\nmn@example.org,2020-01-01 00:00:00,\r\n' > unsubscribed_members_export_x.csv
t_run import --from mailchimp --purpose news unsubscribed_members_export_x.csv
t_rc 65 "mailchimp: unsubscribed row without a time"
t_errhas 'unsubscribed_members_export_x.csv:2: no time' "no time named FILE:LINE"
printf 'Email Address,OPTIN_TIME,UNSUB_TIME\r\nmd@example.org,2020-01-01 00:00:00,2023-01-01 00:00:00\r\n' > subscribed_members_export_abc.csv
t_run import --from mailchimp --purpose news subscribed_members_export_abc.csv
t_rc 65 "mailchimp: name and columns disagree"
t_errhas 'subscribed_members_export_abc.csv:1: the file name says subscribed, the header (UNSUB_TIME) unsubscribed' \
    "disagreement named"
t_eq "$(t_redis EXISTS cm:consent:md@example.org)" 0 "disagreement: nothing written"

# --skip-invalid: a bad row of a subscribed file holds nobody back, a bad
# row of an unsubscribed file holds back the same person's grant.
t_redis FLUSHALL > /dev/null
printf 'Email Address,OPTIN_TIME,LAST_CHANGED\r\nsk1@example.org,2020-01-01 00:00:00,2020-01-01 00:00:00\r\nsk2@example.org,yesterday,\r\n' > subscribed_members_export_sk.csv
printf 'Email Address,OPTIN_TIME,UNSUB_TIME\r\nsk1@example.org,,14/11/2023\r\n' > unsubscribed_members_export_sk.csv
t_run import --from mailchimp --purpose news --skip-invalid subscribed_members_export_sk.csv
t_rc 0 "--skip-invalid: a bad grant row only"
t_run import --from mailchimp --purpose news --skip-invalid \
    subscribed_members_export_sk.csv unsubscribed_members_export_sk.csv
t_rc 65 "--skip-invalid: a bad unsubscribe row"
t_errhas "subscribed_members_export_sk.csv:2: held back: sk1@example.org" \
    "the grant of the same person held back, named"

# SendGrid: the global unsubscribe list is a suppression, --purpose or not.
t_redis FLUSHALL > /dev/null
t_run import --from sendgrid --purpose weekly "$SG/global_unsubscribes.csv"
t_rc 0 "sendgrid: global unsubscribes with --purpose"
t_eq "$(t_redis GET cm:suppress:unsub3@example.com)" \
    "$((T + 3 * 3600)) sendgrid $SG/global_unsubscribes.csv:5 global_unsubscribe" \
    "global unsubscribe with --purpose -> suppressed"
t_eq "$(t_redis HGET cm:consent:unsub3@example.com weekly)" "" "not merely withdrawn"
t_run import --from sendgrid "$SG/group_unsubscribes_weekly.csv"
t_rc 65 "sendgrid: group unsubscribes without --purpose"
t_errhas "group_unsubscribes_weekly.csv:1: a group unsubscribe list: give --purpose" \
    "group list without --purpose named"
cp "$SG/group_unsubscribes_weekly.csv" unsubs.csv
t_run import --from sendgrid --purpose weekly unsubs.csv
t_rc 0 "sendgrid: a name that says neither, with --purpose"
t_errhas "unsubs.csv: email,created with --purpose weekly: read as a group unsubscribe list" \
    "the guess is said"

# A bad NationBuilder row holds back every address of its person, and a
# junk extra address ("n/a") neither spoils the row nor receives
# anything; a bounce flag is an opt-out even when the row goes bad.
t_redis FLUSHALL > /dev/null
printf 'email,email1,email2,email_opt_in,do_not_contact,unsubscribed_at,created_at,email1_is_bad\r\n%s\r\n%s\r\n%s\r\n%s\r\n%s\r\n%s\r\n' \
    'dan@example.org,dan.work@example.org,,false,true,31/31/2024,2020-01-01T00:00:00Z,false' \
    'dan.work@example.org,,,true,false,,2020-01-01T00:00:00Z,false' \
    'hal@example.org,n/a,hal2@example.org,false,true,2022-01-01 00:00:00,2019-01-01,false' \
    'kai@example.org,kai.old@example.org,,true,false,,yesterday,true' \
    'kai.old@example.org,,,true,false,,2020-01-01T00:00:00Z,' \
    'lea@example.org,,,true,false,,2020-01-01T00:00:00Z,false' > nb-hold.csv
t_run import --from nationbuilder --purpose news nb-hold.csv --skip-invalid
t_rc 65 "nationbuilder --skip-invalid: bad opt-out rows"
t_errhas 'nb-hold.csv:3: held back: dan.work@example.org' \
    "a bad DNC row holds back its email1 too"
t_errhas 'nb-hold.csv:6: held back: kai.old@example.org' \
    "a bad row with a bounce flag holds back the bounced address"
t_eq "$(t_redis EXISTS cm:consent:dan.work@example.org cm:consent:kai.old@example.org)" \
    0 "no grant applied to a held-back address"
t_eq "$(t_redis EXISTS cm:suppress:hal@example.org cm:suppress:hal2@example.org)" 2 \
    "junk email1: email and email2 suppressed all the same"
t_eq "$(t_redis HGET cm:consent:lea@example.org news)" granted "the rest imported"

# A zip made on Windows names its members with backslashes: the file's
# own name still says unsubscribed.
t_redis FLUSHALL > /dev/null
t_run grant mw@example.org news --at 1600000000 --source "old crm"
printf 'Email Address,OPTIN_TIME,LAST_CHANGED\r\nmw@example.org,2020-01-01 00:00:00,2023-04-01 10:00:00\r\n' > mw.csv
"$MKZIP" mw.zip 'export\unsubscribed_members_export_1.csv=mw.csv' ||
    t_notok "mkzip (backslash)"
t_run import --from mailchimp --purpose news mw.zip
t_rc 0 "mailchimp: a member named with backslashes"
t_eq "$(hget mw@example.org news)" withdrawn \
    "export\\unsubscribed_...: unsubscribed by its own name"

# Many topics in one contact (an SES contact list has about 20): each is
# an event; more than a record may hold is a bad row, never a crash.
topics() {
    i=0; sep=
    while [ $i -lt "$1" ]; do
	printf '%s{"TopicName": "T%d", "SubscriptionStatus": "OPT_OUT"}' "$sep" $i
	sep=', '; i=$((i + 1))
    done
}
t_redis FLUSHALL > /dev/null
printf '{"Contacts": [\n{"EmailAddress": "many@example.net", "TopicPreferences": [%s], "LastUpdatedTimestamp": "2023-05-01T00:00:00Z"}]}\n' \
    "$(topics 20)" > ses-many.json
t_run import --from ses --purpose news ses-many.json
t_rc 0 "ses: a contact with 20 topics"
t_eq "$(t_redis HGET cm:consent:many@example.net news)" withdrawn \
    "ses: 20 topics: withdrawn"
printf '{"Contacts": [\n{"EmailAddress": "toomany@example.net", "TopicPreferences": [%s], "LastUpdatedTimestamp": "2023-05-01T00:00:00Z"}]}\n' \
    "$(topics 300)" > ses-toomany.json
t_run import --from ses --purpose news ses-toomany.json
t_rc 65 "ses: a contact with 300 topics: bad input, no crash"
t_errhas "ses-toomany.json:2: too many events in one row" "ses: 300 topics: named"

t_done
