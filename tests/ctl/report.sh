#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# report.sh - consentctl report: exact numbers, and the HTML with its charts
#
# Run under tests/lib/redis.sh with CM_CONSENTCTL and CM_SRCDIR set. A
# seeded trail of two sends of campaign "autumn" (and noise), with
# recipient histories in Redis, so that every number of --json is known:
# decisions per day and reason, the opt-outs per day after each send,
# the consent age of the recipients. --html must hold the same numbers
# and four charts, and nothing that loads from elsewhere.

. "$CM_SRCDIR/tests/ctl/lib.sh"

# rec TIME QID RCPT DECISION REASON ACTION CONSENT_AT [CAMPAIGN]
rec() {
    qid=null; [ "$2" = - ] || qid="\"$2\""
    ca=; [ "$7" = - ] || ca=",\"consent_at\":\"$7\""
    printf '{"time":"%s","qid":%s,"msgid":null,"sender":"news@org.example",' "$1" "$qid"
    printf '"auth":null,"campaign":"%s","purpose":"newsletter",' "${8:-autumn}"
    printf '"basis":"consent","rcpt":"%s","decision":"%s","reason":"%s",' "$3" "$4" "$5"
    printf '"action":"%s","mode":"enforce","from":"news@org.example",' "$6"
    printf '"subject":"Autumn <b>news</b>"%s}\n' "$ca"
}

L=$TMP/audit.log
{
    rec 2026-11-02T09:00:00.000Z A1 a@example.org allow consent accept 2026-10-20T00:00:00Z
    rec 2026-11-02T09:00:00.001Z A1 b@example.org allow consent accept 2025-12-01T00:00:00Z
    rec 2026-11-02T09:00:00.002Z A1 c@example.org allow consent accept 2024-01-01T00:00:00Z
    rec 2026-11-02T08:59:59.000Z - d@example.org deny no-consent reject -
    rec 2026-11-02T08:59:59.500Z - e@example.org deny suppressed reject -
    rec 2026-11-02T09:00:00.000Z B1 a@example.org allow consent accept - winter
} > "$L.1"
gzip "$L.1"
{
    rec 2026-11-09T09:00:00.000Z A2 a@example.org allow consent accept 2026-10-20T00:00:00Z
    rec 2026-11-09T09:00:00.001Z A2 b@example.org allow consent accept 2025-12-01T00:00:00Z
    rec 2026-11-09T08:59:59.000Z - c@example.org deny withdrawn reject -
    rec 2026-11-09T08:59:59.100Z - f@example.org tempfail store-error tempfail -
    printf '{"time":"2026-11-03T10:00:00.000Z","event":"opt-out","channel":"one-click","rcpt":"c@example.org","purpose":"newsletter","campaign":"autumn","msgid":"<x@org.example>","client":"-","result":"withdrawn"}\n'
} > "$L"

# Opt-outs: c one day after the first send, b on the day of the second;
# a withdrawal of another purpose does not count.
at() { date -u -d "$1" +%s; }
t_redis XADD cm:history:c@example.org '*' purpose newsletter state withdrawn \
    at "$(at 2026-11-03T10:00:00Z)" src 'channel=one-click campaign=autumn message=- client=-' actor one-click > /dev/null
t_redis XADD cm:history:b@example.org '*' purpose '*' state suppressed \
    at "$(at 2026-11-09T20:00:00Z)" src complaint actor feedback > /dev/null
t_redis XADD cm:history:a@example.org '*' purpose surveys state withdrawn \
    at "$(at 2026-11-04T10:00:00Z)" src web actor web > /dev/null

t_conf "AuditLog $L"
t_run report autumn --json
t_rc 0 "report --json"
j() { printf '%s' "$out" | jq -c "$1"; }
t_eq "$(j '[.decisions, .messages, .sent, .refused, .dry_run, .opt_out_lines]')" \
    "[9,2,5,4,0,1]" "json: decisions, messages, sent, refused, dry-run, opt-out lines"
t_eq "$(j .refused_by_reason)" \
    '{"no-consent":1,"suppressed":1,"withdrawn":1,"store-error":1}' \
    "json: refused by reason"
t_eq "$(j .days)" \
    '[{"day":"2026-11-02","sent":3,"refused":{"no-consent":1,"suppressed":1}},{"day":"2026-11-09","sent":2,"refused":{"withdrawn":1,"store-error":1}}]' \
    "json: per day"
t_eq "$(j .consent_age)" \
    '{"under 1 month":1,"1-6 months":0,"6-12 months":1,"1-2 years":0,"2 years or more":1,"unknown":0}' \
    "json: consent age at the latest send"
t_eq "$(j '[.opt_outs.total, .opt_outs.later]')" "[2,0]" "json: opt-outs"
t_eq "$(j '[.opt_outs.after_send[] | [.send, .sent, .days[0], .days[1], (.days | add)]]')" \
    '[["2026-11-02",3,0,1,1],["2026-11-09",2,1,0,1]]' \
    "json: opt-outs per day after each send"
t_eq "$(j '[.coverage.complete, (.coverage.files | length), .first, .last]')" \
    '[true,2,"2026-11-02T08:59:59Z","2026-11-09T09:00:00Z"]' "json: coverage and span"

t_run report autumn
t_rc 0 "report text"
t_has "sent 5, refused 4: no-consent 1, suppressed 1, withdrawn 1, store-error 1" \
    "text: sent and refused by reason"
t_has "  send 2026-11-02 (3 sent): day 1: 1" "text: opt-outs after the first send"
t_has "  send 2026-11-09 (2 sent): day 0: 1" "text: opt-outs after the second send"

t_run report autumn --html "$TMP/r.html"
t_rc 0 "report --html"
H=$TMP/r.html
t_eq "$(grep -c '<svg ' "$H")" 4 "html: four charts"
t_eq "$(grep -c '<title id="chart' "$H")" 4 "html: each chart has a title"
t_eq "$(grep -c '<desc id="chart' "$H")" 4 "html: and a description"
grep -q '<title id="chart1-t">Decisions over time</title>' "$H" \
    && t_ok "html: decisions over time" || t_notok "html: decisions over time"
grep -q '<title>2026-11-02: refused: no-consent 1</title>' "$H" \
    && t_ok "html: a bar with its exact number" || t_notok "html: a bar with its exact number"
grep -q '<title>1: send 2026-11-02 (3 sent) 1</title>' "$H" \
    && t_ok "html: opt-out on day 1 after the first send" \
    || t_notok "html: opt-out on day 1 after the first send"
grep -q '<th>Recipient decisions</th><td class="n">9</td>' "$H" \
    && t_ok "html: the plain numbers" || t_notok "html: the plain numbers"
grep -q '<title>2 years or more 1</title>' "$H" \
    && t_ok "html: consent age" || t_notok "html: consent age"
grep -Eqi 'https?:|src=|<script|<link|@import|url\(' "$H" \
    && t_notok "html: self-contained" || t_ok "html: self-contained"
grep -q '<b>news' "$H" && t_notok "html: escaped" || t_ok "html: escaped"

# Pseudonymised logs: recipients are record ids, histories found by them.
printf 'report-test-key' > "$TMP/addr.key"
chmod 600 "$TMP/addr.key"
hmac() { printf '%s' "$1" | openssl dgst -sha256 -hmac report-test-key | sed 's/.*= //'; }
C=$(hmac c@example.org)
rec 2026-11-02T09:00:00.000Z P1 c@example.org allow consent accept 2024-01-01T00:00:00Z |
    sed "s/\"rcpt\":\"c@example.org\"/\"rcpt_id\":\"$C\"/" > "$TMP/p.log"
t_redis XADD "cm:history:$C" '*' purpose newsletter state withdrawn \
    at "$(at 2026-11-04T10:00:00Z)" src web actor web > /dev/null
t_conf "AuditLog $TMP/p.log" "AddressKeyFile $TMP/addr.key" "LogAddresses pseudonymised"
t_run report autumn --json
t_rc 0 "pseudonymised report"
t_eq "$(j '[.decisions, .opt_outs.total, .opt_outs.after_send[0].days[2]]')" "[1,1,1]" \
    "pseudonymised: the opt-out found under the record id"
grep -q c@example.org "$TMP/p.log" && t_notok "pseudonymised log holds no address" \
    || t_ok "pseudonymised log holds no address"

# Redis down: the report stands on the logs, opt-outs left out, said so.
printf 'Redis unix:%s/nosuch.sock\nAuditLog %s\n' "$TMP" "$L" > "$CONF"
t_run report autumn --json
t_rc 0 "Redis down: still a report"
t_eq "$(j '[.decisions, .opt_outs]')" "[9,null]" "Redis down: opt-outs unknown, not 0"
t_errhas "opt-outs after each send are left out" "Redis down: a warning"

t_run report autumn --html
t_rc 64 "--html without a file"
t_done
