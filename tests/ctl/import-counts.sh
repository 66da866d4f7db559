#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# import-counts.sh - consentctl import: honest counts, people, --dry-run
#
# Runs under tests/lib/redis.sh (a private redis-server). Issue 16: a
# re-import of the same file is "already recorded", not "stale"; stale
# is kept for events genuinely older than what is stored; the summary
# counts people (distinct records) as well as rows; --dry-run judges
# every row under the writer rules, shows up to 5 examples per outcome
# (address, purpose, from -> to, FILE:LINE) and writes nothing. For the
# canonical format and for mailchimp, whose files hold one person twice
# (subscribed, later unsubscribed).

. "$CM_SRCDIR/tests/ctl/lib.sh"

MC=$CM_SRCDIR/tests/ctl/providers/mailchimp
SUB=$MC/subscribed_members_export.csv
UNSUB=$MC/unsubscribed_members_export.csv
CLEAN=$MC/cleaned_members_export.csv
T1=1700000000
T2=1710000000
HDR=address,purpose,state,at,source

# count NAME - a number from the last import's row summary line
count() {
    printf '%s\n' "$out" | grep -E '^(would be: )?applied ' |
	sed -n "s/.*$1 \\([0-9]*\\).*/\\1/p"
}

# people NAME - a number from the last import's people line
people() {
    printf '%s\n' "$out" | sed -n "s/^people: .*[^0-9]\\([0-9][0-9]*\\) $1,.*/\\1/p;s/^people: \\([0-9]*\\) $1,.*/\\1/p"
}

# snapshot - every key with its dump: what the store holds
snapshot() {
    t_redis --scan --pattern '*' | sort | while read -r k; do
	printf '%s %s\n' "$k" "$(t_redis DUMP "$k" | od -An -tx1 | tr -d ' \n')"
    done
}

t_conf
cd "$TMP" || exit 99

# --- canonical: the same file three times -------------------------------
# Alice: granted, then withdrawn later in the same file (two events, one
# person). Bob: two purposes. Carol: suppressed.
printf '%s\n' "$HDR" "alice@example.org,news,granted,$T1,form" \
    "alice@example.org,news,withdrawn,$T2,unsubscribe link" \
    "bob@example.org,news,granted,$T1,form" \
    "bob@example.org,sms,granted,$T2,shop" \
    "carol@example.org,*,suppressed,$T1,complaint" > same.csv
t_run import same.csv
t_rc 0 "first import"
t_has "applied 5, already recorded 0 (the same event), stale 0 (older than what is stored), suppressed-kept 0, unchanged 0, invalid 0" \
    "first import: every event applied"
t_has "people: 3 applied, 0 already recorded, 0 stale, 0 suppressed-kept, 0 unchanged, 3 in all" \
    "first import: three people"
for n in 2 3; do
    t_run import same.csv
    t_rc 0 "re-import $n"
    t_has "applied 0, already recorded 5 (the same event), stale 0 " \
	"re-import $n: every event already recorded, none stale"
    t_has "people: 0 applied, 3 already recorded, 0 stale, 0 suppressed-kept, 0 unchanged, 3 in all" \
	"re-import $n: three people already recorded"
done
t_eq "$(t_redis HGET cm:consent:alice@example.org news)" withdrawn \
    "re-import: Alice still withdrawn"
t_eq "$(t_redis XLEN cm:history:alice@example.org)" 2 \
    "re-import: no history added"

# Genuinely older: an export from before the withdrawal.
printf '%s\n' "$HDR" "alice@example.org,news,granted,$((T1 - 86400)),old crm" \
    "bob@example.org,news,granted,$T1,form" > older.csv
t_run import older.csv
t_has "applied 0, already recorded 1 (the same event), stale 1 (older than what is stored)" \
    "older export: stale only where older"
t_has "people: 0 applied, 1 already recorded, 1 stale," "older export: one person each"
t_eq "$(count stale)" 1 "count helper reads the row line"
t_eq "$(people stale)" 1 "people helper reads the people line"

# --- --dry-run: judged, shown, not written --------------------------------
printf '%s\n' "$HDR" "alice@example.org,news,granted,$((T2 + 60)),new form" \
    "bob@example.org,news,withdrawn,$T2,phoned" \
    "bob@example.org,sms,granted,$T2,shop" \
    "dave@example.org,news,granted,$T2,fair" \
    "carol@example.org,news,granted,$T2,form" \
    "erin@example.org,*,suppressed,$T2,bounced" > change.csv
before=$(snapshot)
t_run import change.csv --dry-run
t_rc 0 "dry run"
t_has "dry run: 5 consent rows, 1 suppression rows, invalid 0; nothing written" \
    "dry run: rows"
t_has "would be: applied 4, already recorded 1 (the same event), stale 0 (older than what is stored), suppressed-kept 1, unchanged 0, invalid 0" \
    "dry run: outcomes under the writer rules"
t_has "people: 4 applied, 1 already recorded, 0 stale, 1 suppressed-kept, 0 unchanged, 5 in all" \
    "dry run: people"
t_has "applied, for example:
  alice@example.org news: withdrawn -> granted (change.csv:2)
  bob@example.org news: granted -> withdrawn (change.csv:3)
  dave@example.org news: nothing -> granted (change.csv:5)
  erin@example.org *: nothing -> suppressed (change.csv:7)" "dry run: applied examples"
t_has "already recorded, for example:
  bob@example.org sms: granted -> granted (change.csv:4)" \
    "dry run: already-recorded example"
t_has "suppressed-kept, for example:
  carol@example.org news: nothing -> granted (change.csv:6)" \
    "dry run: suppressed-kept example"
t_eq "$(snapshot)" "$before" "dry run: Redis unchanged, key by key"
t_run import change.csv
t_has "applied 4, already recorded 1 (the same event), stale 0 (older than what is stored), suppressed-kept 1" \
    "the real import does what the dry run said"

# At most 5 examples per outcome.
{ printf '%s\n' "$HDR"; i=0; while [ $i -lt 12 ]; do
    printf 'p%d@example.org,news,granted,%s,form\n' $i $T1; i=$((i + 1)); done; } > many.csv
t_run import many.csv --dry-run
t_has "would be: applied 12," "dry run: twelve would apply"
t_eq "$(printf '%s\n' "$out" | grep -c '^  p[0-9]*@example.org news: nothing -> granted (many.csv:[0-9]*)$')" 5 \
    "dry run: five examples"
t_eq "$(t_redis EXISTS cm:consent:p0@example.org)" 0 "dry run: nothing written"

# --- mailchimp: the audience export, twice ----------------------------------
t_redis FLUSHALL > /dev/null
t_run import --from mailchimp --purpose news "$SUB" "$UNSUB" "$CLEAN"
t_rc 0 "mailchimp: first import"
t_eq "$(count applied)" 48 "mailchimp: every event applied"
n=$(people applied)
t_run import --from mailchimp --purpose news "$SUB" "$UNSUB" "$CLEAN"
t_rc 0 "mailchimp: re-import"
t_has "applied 0, already recorded 48 (the same event), stale 0 (older than what is stored)" \
    "mailchimp re-import: all 48 already recorded, none stale"
t_eq "$(people "already recorded")" "$n" "mailchimp re-import: the same people"
# dup@ is subscribed and (later) unsubscribed: the grant was replaced,
# and is still recognised as recorded, not called stale.
t_eq "$(t_redis HGET cm:consent:dup@example.org news)" withdrawn \
    "mailchimp: dup still withdrawn"
t_run import --from mailchimp --purpose news "$MC/old_subscribed_2020.csv" --dry-run
t_rc 0 "mailchimp: dry run of an older export"
case $out in *"stale, for example:"*"news: withdrawn -> granted ("*"old_subscribed_2020.csv:"*)
    t_ok "older export: the stale opt-in shown, withdrawn stays" ;;
*) t_notok "older export: stale example"; printf '#   %s\n' "$out" ;; esac

t_done
