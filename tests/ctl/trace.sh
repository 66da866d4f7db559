#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# trace.sh - consentctl trace and report: the complaint view
#
# Run under tests/lib/redis.sh with CM_CONSENTCTL and CM_SRCDIR set.
# The audit logs are written by hand in the format of DESIGN.md section
# 7, so that every case (a send after the opt-out, a dry-run send, a
# malformed line) is certain to be there; one log is rotated and
# compressed as logrotate would. The same story is told twice: with
# plain addresses, and pseudonymised (AddressKeyFile, LogAddresses
# pseudonymised) where neither Redis nor the logs hold the address.

. "$CM_SRCDIR/tests/ctl/lib.sh"

LOGS=$TMP/logs
mkdir -p "$LOGS"

# Fixed times, so that the expected timeline can be written out.
T_GRANT=1792834891		# 2026-10-24 09:41:31Z
T_SEND1=1795426891		# 2026-11-23 09:41:31Z
T_WITHDRAW=1795428000		# 2026-11-23 10:00:00Z
T_REFUSE=1795428302		# 2026-11-23 10:05:02Z
T_SERVICE=1795428600		# 2026-11-23 10:10:00Z
T_LATE=1795429200		# 2026-11-23 10:20:00Z

# rec TIME QID CAMPAIGN PURPOSE BASIS RCPTKEY RCPT DECISION REASON ACTION
#     [MODE [EXTRA]] - one audit line as consent-milter writes it
rec() {
    # A recipient refused at RCPT (QID -) has no queue id, Message-ID or
    # Subject yet: the header has not been sent.
    qid=null; msgid=null; subj=null
    [ "$2" = - ] || { qid="\"$2\""; msgid="\"<$2@org.example>\""
	subj='"Spring \"news\" & <more>"'; }
    printf '{"time":"%s","qid":%s,"msgid":%s,"subject":%s,' \
	"$1" "$qid" "$msgid" "$subj"
    printf '"sender":"news@org.example","auth":null,"campaign":"%s",' "$3"
    printf '"purpose":"%s","basis":"%s","%s":"%s","decision":"%s",' \
	"$4" "$5" "$6" "$7" "$8"
    printf '"reason":"%s","action":"%s","mode":"%s","from":"news@org.example"%s}\n' \
	"$9" "${10}" "${11:-enforce}" "${12:-}"
}

# story KEY RCPT LOGDIR - the audit trail of alice (RCPT) and bob
story() {
    ev=',"consent_at":"2026-10-24T09:41:31Z","consent_src":"web form /join v3"'
    # Rotated, older part: the first send.
    rec 2026-11-23T09:41:31.250Z DEMO001 spring newsletter consent \
	"$1" "$2" allow consent accept enforce "$ev" > "$3/audit.log.1"
    rec 2026-11-23T09:41:31.260Z DEMO001 spring newsletter consent \
	"$1" "$4" allow consent accept enforce "$ev" >> "$3/audit.log.1"
    gzip -f "$3/audit.log.1"
    # Current part: refusals, service mail, a late send to bob, noise.
    {
	rec 2026-11-23T10:05:02.000Z - spring newsletter consent \
	    "$1" "$2" deny withdrawn reject
	echo '{"time":"2026-11-23T10:06:00.000Z","rcpt":"'"$2"'",'
	rec 2026-11-23T10:07:00.000Z - spring newsletter consent \
	    "$1" carol@example.org deny no-consent reject
	rec 2026-11-23T10:10:00.000Z DEMO003 receipts receipts service \
	    "$1" "$2" allow service accept
	rec 2026-11-23T10:20:00.000Z DEMO004 spring newsletter consent \
	    "$1" "$4" deny withdrawn tag
	rec 2026-11-23T10:21:00.000Z DEMO005 spring newsletter consent \
	    "$1" "$4" deny withdrawn accept dry-run
	rec 2026-11-23T10:22:00.000Z DEMO006 spring newsletter consent \
	    "$1" "$4" tempfail campaign-paused tempfail
	# The relay's own opt-out channel: not a decision.
	printf '{"time":"2026-11-23T10:00:00.500Z","event":"opt-out",'
	printf '"channel":"one-click","%s":"%s","purpose":"newsletter",' "$1" "$2"
	printf '"campaign":"spring","msgid":"<DEMO001@org.example>",'
	printf '"client":"192.0.2.9","result":"withdrawn"}\n'
    } > "$3/audit.log"
}

# seed ID - history of one person: granted, then withdrawn
seed() {
    t_redis XADD "cm:history:$1" '*' purpose newsletter state granted \
	at $T_GRANT src 'web form /join v3' actor alice-admin > /dev/null
    t_redis XADD "cm:history:$1" '*' purpose newsletter state withdrawn \
	at $T_WITHDRAW src 'unsubscribe link' actor web > /dev/null
    t_redis HSET "cm:consent:$1" newsletter withdrawn \
	newsletter:at $T_WITHDRAW newsletter:src 'unsubscribe link' > /dev/null
}

# --- plain addresses -------------------------------------------------------
t_conf "AuditLog $LOGS/audit.log"
story rcpt alice@example.org "$LOGS" bob@example.org
seed alice@example.org
seed bob@example.org

t_run trace Alice@Example.ORG
t_rc 0 "trace alice"
t_has "2026-10-24 09:41:31Z  consent granted for newsletter (source: web form /join v3) by alice-admin" \
    "history: the grant, with evidence and actor"
t_has "2026-11-23 09:41:31Z  SENT spring (queue id DEMO001, Message-ID <DEMO001@org.example>): allow, consent" \
    "rotated .gz log read: the first send"
t_has "2026-11-23 10:00:00Z  consent withdrawn for newsletter (source: unsubscribe link) by web" \
    "history: the withdrawal"
t_has "2026-11-23 10:05:02Z  REFUSED spring: withdrawn (action reject)" \
    "the refusal after the opt-out"
t_has "SENT receipts" "service mail is in the timeline"
t_has "purpose newsletter; Message-ID <DEMO001@org.example>; Subject \"Spring \"news\" & <more>\"; queue id DEMO001; sender news@org.example" \
    "a message with its purpose, Message-ID, Subject and queue id"
t_has "purpose newsletter; refused at RCPT, before the message: no queue id, Message-ID or Subject; sender news@org.example" \
    "a refusal at RCPT with the identity it has"
t_has "2026-11-23 10:00:00Z  OPT-OUT received by one-click for newsletter (campaign spring, message <DEMO001@org.example>, client 192.0.2.9): withdrawn" \
    "the relay's own opt-out line is shown"
t_has "Coverage: 2 audit log file(s), records from 2026-11-23 09:41:31Z to 2026-11-23 10:22:00Z; every file read to its end" \
    "coverage statement: files and span, complete"
t_has "  read       $LOGS/audit.log.1.gz  2026-11-23 09:41:31Z .. 2026-11-23 09:41:31Z  (2 line(s))" \
    "coverage: the rotated file, oldest first"
case $out in Coverage:*) t_ok "coverage comes first" ;;
*) t_notok "coverage comes first" ;; esac
case $out in *carol*) t_notok "other people's records left out" ;;
*) t_ok "other people's records left out" ;; esac
case $out in *WARNING*) t_notok "no WARNING for alice (service mail is not marketing)" ;;
*) t_ok "no WARNING for alice (service mail is not marketing)" ;; esac
t_has "spring (purpose newsletter): consent given 2026-10-24T09:41:31Z, source: web form /join v3" \
    "question 1: the consent behind the send"
t_has "sent     2 (first 2026-11-23 09:41:31Z, last 2026-11-23 10:10:00Z)" \
    "question 2: sends counted, first and last"
t_has "refused  1" "question 2: refusals counted"
t_has "first opt-out: newsletter withdrawn at 2026-11-23 10:00:00Z, source: unsubscribe link" \
    "question 3: when the opt-out arrived"
t_has "2026-11-23 10:05:02Z  spring: withdrawn" "question 3: what it stopped"
t_has "sent after opt-out: none" "question 3: nothing slipped through"
t_errhas "audit.log:2: malformed audit record skipped" \
    "a malformed line is named by file and line"
order=$(printf '%s\n' "$out" | grep -n 'consent granted\|SENT spring\|withdrawn for\|REFUSED' |
    cut -d: -f1 | tr '\n' ' ')
sorted=$(printf '%s\n' $order | sort -n | tr '\n' ' ')
t_eq "$order" "$sorted" "timeline oldest first across both logs"

t_run trace bob@example.org
t_rc 0 "trace bob: exit 0 even with a warning"
t_has "SENT spring (queue id DEMO004, Message-ID <DEMO004@org.example>): deny, withdrawn (action tag)" \
    "DenyAction tag delivered a denied recipient"
t_has "WARNING: sent after opt-out (withdrawn at 2026-11-23 10:00:00Z" \
    "the send after the opt-out is flagged in the timeline"
t_has ", recorded only at " \
    "the warning says the opt-out reached Redis after the send"
t_has "[Mode dry-run: delivered whatever the decision]" "dry-run sends are sends"
t_has "WARNING: 2 marketing message(s) sent after opt-out" \
    "and counted in the summary"
t_has "DEFERRED spring: campaign-paused (action tempfail)" "deferrals shown"
t_has "NO CONSENT: decision deny (withdrawn)" "question 1 says a send had no consent"

# --json: one object that jq can read, with the same facts.
t_run trace alice@example.org --json
t_rc 0 "trace --json"
t_eq "$(printf '%s' "$out" | jq -r .address)" alice@example.org "json: address"
t_eq "$(printf '%s' "$out" | jq '.events | length')" 6 "json: six events"
t_eq "$(printf '%s' "$out" | jq -r '[.events[] | select(.type == "opt-out")][0].channel')" \
    one-click "json: the opt-out line is an event of its own"
t_eq "$(printf '%s' "$out" | jq -r '.events[1].subject')" 'Spring "news" & <more>' \
    "json: the Subject"
t_eq "$(printf '%s' "$out" | jq -r '.coverage.complete, (.coverage.files | length)' | tr '\n' ' ')" \
    "true 2 " "json: coverage"
t_eq "$(printf '%s' "$out" | jq -r '.events[0].type + " " + .events[0].state')" \
    "consent granted" "json: oldest first"
t_eq "$(printf '%s' "$out" | jq -r '.events[1].time')" \
    2026-11-23T09:41:31.250Z "json: audit time with milliseconds"
t_eq "$(printf '%s' "$out" | jq -r '.summary.sent.count, .summary.refused.count' | tr '\n' ' ')" \
    "2 1 " "json: counts"
t_eq "$(printf '%s' "$out" | jq -r '.summary.opt_out.time')" \
    2026-11-23T10:00:00Z "json: opt-out time"
t_run trace bob@example.org --json
t_eq "$(printf '%s' "$out" | jq '.summary.sent_after_opt_out')" 2 \
    "json: sends after opt-out"
t_eq "$(printf '%s' "$out" | jq '[.events[] | select(.sent_after_opt_out)] | length')" \
    2 "json: flagged events"

# Explicit logs: repeatable, several after one option; a missing one warns.
t_run trace alice@example.org --audit-log "$LOGS/audit.log" "$LOGS/nosuch.log" \
    --audit-log "$LOGS/audit.log.1.gz"
t_rc 65 "explicit --audit-log files, one missing: exit 65 (incomplete)"
t_errhas "nosuch.log: No such file or directory" "missing log: a warning"
t_has "  MISSING    $LOGS/nosuch.log" "missing log: named in the coverage"
t_has "1 unreadable or missing: this answer is INCOMPLETE" "missing log: INCOMPLETE"
t_has "   INCOMPLETE: audit log files are unreadable or missing" \
    "missing log: question 2 says its counts are incomplete"
t_has "SENT spring (queue id DEMO001" "explicit .gz log read"
t_run trace alice@example.org --audit-log "$LOGS/audit.log"
t_has "sent     1" "only the logs given are read"

# Crash damage: NUL bytes where a line was cut, the next record after them;
# a CRLF line end; a record with no usable time. The good records stay.
{
    printf 'partial line cut by a cr\000\000\000'
    rec 2026-11-23T09:00:00.000Z - spring newsletter consent \
	rcpt alice@example.org deny no-consent reject
    rec 2026-11-23T09:10:00.000Z - spring newsletter consent \
	rcpt alice@example.org deny suppressed reject | sed 's/$/\r/'
    echo '{"time":"yesterday","rcpt":"alice@example.org"}'
} > "$TMP/damaged.log"
t_run trace alice@example.org --audit-log "$TMP/damaged.log"
t_rc 0 "damaged log"
t_has "2026-11-23 09:00:00Z  REFUSED spring: no-consent (action reject)" \
    "the record after the NUL bytes is kept"
t_has "2026-11-23 09:10:00Z  REFUSED spring: suppressed (action reject)" \
    "a CRLF line is read"
t_errhas "damaged.log:1: 27 bytes up to a NUL byte skipped" "NUL bytes: a warning"
t_errhas "damaged.log:3: audit record without a valid time skipped" \
    "a record without a time: a warning"

# A record kept only in the current record (no history) still shows.
t_redis HSET cm:consent:erin@example.org newsletter granted \
    newsletter:at $T_GRANT newsletter:src 'paper form 2025' > /dev/null
t_redis SET cm:suppress:erin@example.org "$T_WITHDRAW complaint" > /dev/null
t_run trace erin@example.org
t_has "consent granted for newsletter (source: paper form 2025) [current record; no history entry]" \
    "current consent record without history"
t_has "2026-11-23 10:00:00Z  suppressed: no marketing of any kind (reason: complaint)" \
    "suppression shown"
t_has "first opt-out: all marketing suppressed at 2026-11-23 10:00:00Z" \
    "suppression is an opt-out"

# Errors.
t_run trace no-at-sign
t_rc 65 "trace: bad address"
t_run trace
t_rc 64 "trace: no address"
t_run trace a@b --audit-log
t_rc 64 "trace: --audit-log without a file"
t_run trace a@b --bogus
t_rc 64 "trace: unknown option"

# An opt-out the relay took itself (consent-unsubscribe, mail-unsubscribe,
# feedback): said in words, with the campaign and message it came from.
t_redis XADD cm:history:dave@example.org '*' purpose newsletter \
    state withdrawn at $T_WITHDRAW actor one-click \
    src 'channel=one-click campaign=spring message=<DEMO001@org.example> client=192.0.2.9' > /dev/null
t_run trace dave@example.org
t_has "consent withdrawn for newsletter (source: channel=one-click campaign=spring message=<DEMO001@org.example> client=192.0.2.9) by one-click" \
    "one-click history entry with its evidence"
t_has "    opted out by one-click link in campaign spring, message <DEMO001@org.example>, client 192.0.2.9" \
    "one-click history entry in words"

# --html: the evidence pack, one file, escaped, dated, nothing external.
t_run trace alice@example.org --html "$TMP/alice.html"
t_rc 0 "trace --html"
H=$TMP/alice.html
if [ -s "$H" ]; then t_ok "evidence pack written"; else t_notok "evidence pack written"; fi
grep -q '<h1>Evidence pack: alice@example.org</h1>' "$H" && t_ok "html: title" || t_notok "html: title"
grep -q 'Spring &quot;news&quot; &amp; &lt;more&gt;' "$H" && t_ok "html: Subject escaped" \
    || t_notok "html: Subject escaped"
grep -q '<more>' "$H" && t_notok "html: nothing unescaped" || t_ok "html: nothing unescaped"
grep -q 'consentctl [0-9][^ ]*, [0-9-]*T[0-9:]*Z' "$H" && t_ok "html: dated, with the version" \
    || t_notok "html: dated, with the version"
grep -q '@page{size:A4' "$H" && t_ok "html: A4 print style" || t_notok "html: A4 print style"
grep -q 'Complete: every audit log file found was read' "$H" && t_ok "html: coverage first" \
    || t_notok "html: coverage first"
grep -q 'refused at RCPT, before the message; sender news@org.example' "$H" && t_ok "html: refusal at RCPT with its identity" \
    || t_notok "html: refusal at RCPT with its identity"
grep -Eqi 'https?:|src=|<script|<link' "$H" && t_notok "html: no external reference" \
    || t_ok "html: no external reference"
t_run trace alice@example.org --html "$TMP/no/such/dir/alice.html"
t_rc 73 "trace --html into a missing directory"
t_errhas "$TMP/no/such/dir/alice.html.tmp." "the file is named"
t_eq "$(grep -c '<tr[^>]*><td' "$H")" 12 "html: body rows (coverage 2, outcomes 4, consent 2, opt-out 1, messages 3)"

# Written into a directory that others may write (/tmp), by root: a link
# planted at the temporary name (it was PATH.tmp.PID, a PID is easy to
# guess: links for the next 3,000) must not be followed to the file it
# names. perl is essential in Debian; one process plants them all.
printf 'keep\n' > "$TMP/victim"
mkdir "$TMP/pub" && chmod 1777 "$TMP/pub"
next=$(sh -c 'echo $$')
perl -e 'my ($v, $b, $p) = @ARGV; symlink($v, "$b.tmp.$_") or die "$!\n" for $p .. $p + 3000' \
    "$TMP/victim" "$TMP/pub/pack.html" "$next"
t_run trace alice@example.org --html "$TMP/pub/pack.html"
t_rc 0 "trace --html beside planted links"
t_eq "$(cat "$TMP/victim")" "keep" "html: no planted link followed"
grep -q '<h1>Evidence pack: alice@example.org</h1>' "$TMP/pub/pack.html" \
    && t_ok "html: the pack is where it was asked for" \
    || t_notok "html: the pack is where it was asked for"
t_eq "$(stat -c %a "$TMP/pub/pack.html")" 600 "html: mode 0600 (personal data)"
t_eq "$(ls "$TMP/pub" | grep -c 'pack.html.tmp')" 3001 \
    "html: nothing left beside the links"

# --- report --------------------------------------------------------------
t_run report spring
t_rc 0 "report spring"
t_has "campaign spring: 7 recipient decision(s), 4 message(s) (distinct queue ids)" \
    "report: decisions and distinct messages"
t_has "from 2026-11-23 09:41:31Z to 2026-11-23 10:22:00Z" "report: time range"
t_has "1 of them in Mode dry-run" "report: dry-run records"
line=$(printf '%s\n' "$out" | grep '^deny .* withdrawn .* reject')
t_eq "$(echo $line)" "deny withdrawn reject 1" "report: deny/withdrawn/reject row"
line=$(printf '%s\n' "$out" | grep '^allow .* consent .* accept')
t_eq "$(echo $line)" "allow consent accept 2" "report: allow/consent/accept row"
t_run report receipts --audit-log "$LOGS/audit.log"
t_has "campaign receipts: 1 recipient decision(s), 1 message(s)" "report: one log"
t_run report 'bad id!'
t_rc 65 "report: malformed campaign id"
t_run report nosuchcampaign
t_rc 0 "report: a campaign with no records"
t_has "campaign nosuchcampaign: 0 recipient decision(s), 0 message(s)" \
    "report: says there is nothing"

# --- pseudonymised -------------------------------------------------------
printf 'trace-test-key' > "$TMP/addr.key"
hmac() { printf '%s' "$1" | openssl dgst -sha256 -hmac trace-test-key | sed 's/.*= //'; }
ALICE=$(hmac alice@example.org)
BOB=$(hmac bob@example.org)
PLOGS=$TMP/plogs
mkdir -p "$PLOGS"
t_conf "AuditLog $PLOGS/audit.log" "AddressKeyFile $TMP/addr.key" \
    "LogAddresses pseudonymised"
story rcpt_id "$ALICE" "$PLOGS" "$BOB"
seed "$ALICE"
seed "$BOB"
if grep -q alice "$PLOGS/audit.log"; then t_notok "pseudonymised log holds no address"
else t_ok "pseudonymised log holds no address"; fi
t_run trace alice@example.org
t_rc 0 "pseudonymised trace"
t_has "(record id $ALICE)" "record id shown"
t_has "SENT spring (queue id DEMO001" "rcpt_id matched in the rotated log"
t_has "REFUSED spring: withdrawn (action reject)" "rcpt_id matched in the current log"
t_has "consent granted for newsletter (source: web form /join v3)" \
    "history under the record id"
t_run trace bob@example.org --json
t_eq "$(printf '%s' "$out" | jq -r .id)" "$BOB" "json: id is the pseudonym"
t_eq "$(printf '%s' "$out" | jq '.summary.sent_after_opt_out')" 2 \
    "pseudonymised: sends after opt-out flagged"

# --- Redis down ----------------------------------------------------------
printf 'Redis unix:%s/nosuch.sock\nAuditLog %s/audit.log\n' "$TMP" "$LOGS" > "$CONF"
t_run trace alice@example.org
t_rc 69 "trace: Redis down"
t_run report spring
t_rc 0 "report needs no Redis"

t_done
