#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# reconcile.sh - consentctl reconcile: the audit trail against the maillog
#
# Run under tests/lib/redis.sh with CM_CONSENTCTL and CM_SRCDIR set.
# The maillogs (Postfix and sendmail 8.17 line shapes) and audit logs
# are written by hand, so that every case is certain to be there:
#   clean: every delivery of an audited message has an allow record
#     (mixed case, sendmail lists, ordinary mail, a deferral) -> exit 0,
#     the header names the files, lines and time span;
#   rotated and compressed logs, in any order, ISO time stamps;
#   a delivery to a denied recipient, to one with no record, to one whose
#     allow was corrected (action-failed) -> exit 1, each named;
#   --since, --json;
#   pseudonymised trail (rcpt_id), with and without AddressKeyFile;
#   unreadable input (missing, a directory, corrupt gzip) -> exit 65
#     naming the file and the reason; bad command lines -> exit 64.
# Syslog stamps have no year: the files' modification time dates them,
# so every maillog is given one, and TZ is UTC.

. "$CM_SRCDIR/tests/ctl/lib.sh"

TZ=UTC; export TZ
D=$TMP/rl
mkdir -p "$D"

# rec TIME QID RCPTKEY RCPT DECISION REASON ACTION [MODE [MSGID]] - one audit
# line; QID or MSGID "-": null; the Message-ID is <MSGID@org.example>, by
# default <QID@org.example>
rec() {
    qid=null; [ "$2" = - ] || qid="\"$2\""
    mid="\"<${9:-$2}@org.example>\""; [ "${9:-}" = - ] && mid=null
    printf '{"time":"%s","qid":%s,"msgid":%s,' "$1" "$qid" "$mid"
    printf '"sender":"news@org.example","auth":null,"campaign":"spring",'
    printf '"purpose":"newsletter","basis":"consent","%s":"%s",' "$3" "$4"
    printf '"decision":"%s","reason":"%s","action":"%s","mode":"%s",' \
	"$5" "$6" "$7" "${8:-enforce}"
    printf '"from":"news@org.example"}\n'
}

# pf QID RCPT STATUS [TIME] - a Postfix smtp delivery line
pf() {
    printf '%s relay postfix/smtp[2002]: %s: to=<%s>, ' "${4:-Dec  3 05:25:50}" "$1" "$2"
    printf 'relay=127.0.0.1[127.0.0.1]:2525, delay=0.03, delays=0.01/0.01/0/0, '
    printf 'dsn=2.0.0, status=%s (250 2.0.0 Ok)\n' "$3"
}

# sm QID RCPTLIST STAT [TIME] - a sendmail 8.17 delivery line
sm() {
    printf '%s relay sm-mta[3003]: %s: to=%s, delay=00:00:00, ' "${4:-Dec  3 05:26:00}" "$1" "$2"
    printf 'xdelay=00:00:00, mailer=esmtp, pri=30123, relay=127.0.0.1 [127.0.0.1], '
    printf 'dsn=2.0.0, stat=%s\n' "$3"
}

# stamp FILE - the file was last written on 2026-12-03 06:00 UTC
stamp() {
    touch -d '2026-12-03 06:00:00 UTC' "$1"
}

# --- the trail: two messages through Postfix, one through sendmail -------
{
    rec 2026-12-03T05:25:49.100Z 1A2B3C4D5E rcpt alice@example.org allow consent accept
    rec 2026-12-03T05:25:49.100Z 1A2B3C4D5E rcpt bob@example.org deny withdrawn strip
    rec 2026-12-03T05:25:49.100Z 1A2B3C4D5E rcpt erin@example.org allow consent accept
    rec 2026-12-03T05:25:55.000Z - rcpt carol@example.org deny no-consent reject
    rec 2026-12-03T05:25:59.000Z 4B35e1Aa000123 rcpt alice@example.org allow consent accept
    rec 2026-12-03T05:25:59.000Z 4B35e1Aa000123 rcpt erin@example.org allow consent accept
    rec 2026-12-03T05:25:59.000Z 4B35e1Aa000123 rcpt bob@example.org deny withdrawn strip
    # Allowed, then the strip failed: the correcting record decides.
    rec 2026-12-03T05:25:59.500Z 5E6F7A8B9C rcpt erin@example.org allow consent accept
    rec 2026-12-03T05:25:59.500Z 5E6F7A8B9C rcpt erin@example.org tempfail action-failed tempfail
    # Denied but delivered on purpose (DenyAction tag): still a finding.
    rec 2026-12-03T05:25:59.600Z 6F7A8B9C0D rcpt bob@example.org deny withdrawn tag
} > "$D/audit.log"
# The rotated, compressed part: yesterday's message.
rec 2026-12-02T10:00:00.000Z 0A1B2C3D4E rcpt alice@example.org allow consent accept \
    > "$D/audit.log.1"
gzip -f "$D/audit.log.1"

{
    echo "Dec  3 05:25:49 relay postfix/cleanup[2001]: 1A2B3C4D5E: message-id=<r-1@cmtest.invalid>"
    pf 1A2B3C4D5E alice@example.org sent
    pf 1A2B3C4D5E Erin@Example.ORG sent
    pf 1A2B3C4D5E bob@example.org deferred
    pf 2B3C4D5E6F carol@example.org sent "Dec  3 05:25:51"
    echo "Dec  3 05:25:52 relay postfix/qmgr[2003]: 2B3C4D5E6F: removed"
    sm 4B35e1Aa000123 '<alice@example.org>,<erin@example.org>' 'Sent (ok)'
    sm 4B35e1Aa000123 '<bob@example.org>' 'Deferred: Connection refused by 127.0.0.1.'
} > "$D/maillog"
stamp "$D/maillog"
{
    echo "2026-12-02T10:00:01.123456+00:00 relay postfix/smtp[1]: 0A1B2C3D4E: to=<alice@example.org>, relay=x[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)"
} > "$D/maillog.1"
gzip -f "$D/maillog.1"
stamp "$D/maillog.1.gz"

t_conf "AuditLog $D/audit.log"

# --- clean ----------------------------------------------------------------
t_run reconcile --maillog "$D/maillog.1.gz" "$D/maillog"
t_rc 0 "clean: no finding"
t_has "maillog:   $D/maillog.1.gz (1 lines), $D/maillog (8 lines)" \
    "clean: names the maillogs and their lines (rotated .gz too)"
t_has "9 lines, 2026-12-02 10:00:01Z to 2026-12-03 05:26:00Z" \
    "clean: the maillog's time span (ISO and syslog stamps)"
t_has "audit log: $D/audit.log (10 records), $D/audit.log.1.gz (1 records)" \
    "clean: AuditLog from the config, with its rotated sibling"
t_has "11 records, 2026-12-02 10:00:00Z to 2026-12-03 05:25:59Z" \
    "clean: the trail's time span"
t_has "deliveries: 6 (5 of messages with audit records: 5 allowed, 0 not; 1 ordinary)" \
    "clean: deliveries counted: audited (mixed case, sendmail list) and ordinary"
t_has "not delivered (deferred, bounced...): 2 lines" "clean: deferrals are not deliveries"
t_has "findings: 0" "clean: zero findings"

# --- deliveries the trail does not allow -----------------------------------
cp "$D/maillog" "$D/maillog.bad"
{
    pf 1A2B3C4D5E Bob@Example.ORG sent "Dec  3 05:27:00"
    sm 4B35e1Aa000123 '<bob@example.org>,dave@example.org' 'Sent (ok)' "Dec  3 05:27:01"
    pf 5E6F7A8B9C erin@example.org sent "Dec  3 05:27:02"
    pf 6F7A8B9C0D bob@example.org sent "Dec  3 05:27:03"
    printf 'Dec  3 05:27:04 relay postfix/smtp[2002]: 1A2B3C4D5E: to=<bob@exa'
} >> "$D/maillog.bad"
stamp "$D/maillog.bad"
t_run reconcile --maillog "$D/maillog.bad"
t_rc 1 "denied recipient delivered: exit 1"
t_has "2026-12-03 05:27:00Z 1A2B3C4D5E Bob@Example.ORG: deny withdrawn strip campaign=spring [$D/maillog.bad:9]" \
    "finding: Postfix delivered bob, whom the trail denied (mixed case matched)"
t_has "2026-12-03 05:27:01Z 4B35e1Aa000123 bob@example.org: deny withdrawn strip campaign=spring" \
    "finding: sendmail delivered bob"
t_has "2026-12-03 05:27:01Z 4B35e1Aa000123 dave@example.org: no record" \
    "finding: a recipient of an audited message without any record"
t_has "2026-12-03 05:27:02Z 5E6F7A8B9C erin@example.org: tempfail action-failed tempfail" \
    "finding: an allow corrected by action-failed is not an allow"
t_has "2026-12-03 05:27:03Z 6F7A8B9C0D bob@example.org: deny withdrawn tag" \
    "finding: a deny delivered by DenyAction tag"
t_has "findings: 5" "five findings counted"
t_has "unreadable: 1 lines" "the cut last line is counted, not dropped"
t_errhas "maillog.bad:13: delivery line cut short or malformed" \
    "the cut line is named"
t_eq "$(printf '%s\n' "$out" | grep -c '^2026-')" 5 "one line per finding"

# Cut short inside a log (a syslogd that cuts lines at 1024 bytes, a long
# orig_to= and relay=): a delivery of a message with audit records that
# cannot be read leaves the report incomplete. A cut last line without
# its newline (syslogd writing it as this reads) does not, as above.
{
    pf 1A2B3C4D5E alice@example.org sent
    printf 'Dec  3 05:27:04 relay postfix/smtp[2002]: 1A2B3C4D5E: to=<bob@example.org>, orig_to=<bob@example.org>, relay=mx.exa\n'
    printf 'Dec  3 05:27:05 relay postfix/smtp[2002]: 2B3C4D5E6F: to=<carol@exa\n'
} > "$D/cut"
stamp "$D/cut"
t_run reconcile --maillog "$D/cut"
t_rc 65 "a delivery line of an audited message cut short: incomplete"
t_errhas "$D/cut:2: a delivery line of a message with audit records cannot be read" \
    "the cut line of an audited message is named"
t_errhas "1 delivery line(s) of messages with audit records could not be read" \
    "cut lines of audited messages are counted (not ordinary mail's)"
t_has "unreadable: 2 lines (delivery lines cut short, lines over 1 MB; 1 of messages with audit records)" \
    "the report counts them"
t_run reconcile --maillog "$D/cut" --json
t_eq "$(printf '%s' "$out" | jq -c '[.counts.unreadable_lines, .counts.unreadable_audited]')" \
    "[2,1]" "--json: the cut lines, and those of audited messages"
t_run reconcile --maillog "$D/cut" --since 2026-12-03T05:27:05Z
t_rc 0 "a cut line before --since: not counted"

t_run reconcile --maillog "$D/maillog.bad" --json
t_rc 1 "--json: exit 1"
t_eq "$(printf '%s' "$out" | jq -c '[.counts.findings, .counts.deliveries, .counts.ordinary, (.findings | map(.rcpt + "=" + (.decision // "none")) | join(","))]')" \
    '[5,10,1,"Bob@Example.ORG=deny,bob@example.org=deny,dave@example.org=none,erin@example.org=tempfail,bob@example.org=deny"]' \
    "--json: one object with the findings and counts"
t_eq "$(printf '%s' "$out" | jq -r '.maillog_first + " " + .maillog_last + " " + (.maillog[0].file | sub(".*/"; ""))')" \
    "2026-12-03T05:25:49Z 2026-12-03T05:27:04Z maillog.bad" "--json: files and time span"

t_run reconcile --maillog "$D/maillog.bad" --since 2026-12-03T05:27:02Z
t_rc 1 "--since: later findings only"
t_has "since:     2026-12-03 05:27:02Z" "--since: shown in the header"
t_has "findings: 2" "--since: earlier deliveries dropped"
t_has "; 8 before --since" "--since: and counted"
t_run reconcile --maillog "$D/maillog.bad" --since 2026-12-04
t_rc 0 "--since a date after everything: nothing to find"

# --- the client's form of an address, not the one Postfix stored ------------
mkdir -p "$D/f"
{
    rec 2026-12-03T05:25:49.100Z 7A8B9C0D1E rcpt alice@example.org. allow consent accept
    rec 2026-12-03T05:25:49.100Z 7A8B9C0D1E rcpt bob@example.org. deny withdrawn strip
    rec 2026-12-03T05:25:49.100Z 7A8B9C0D1E rcpt @relay.example:carol@example.org deny no-consent strip
    rec 2026-12-03T05:25:49.100Z 7A8B9C0D1E rcpt '\"dave\"@example.org' allow consent accept
    rec 2026-12-03T05:25:49.100Z 7A8B9C0D1E rcpt '\"frank\".x@example.org' deny withdrawn strip
} > "$D/f/audit.log"
{
    pf 7A8B9C0D1E alice@example.org sent
    pf 7A8B9C0D1E bob@example.org sent
    pf 7A8B9C0D1E carol@example.org sent
    pf 7A8B9C0D1E dave@example.org sent
    pf 7A8B9C0D1E frank.x@example.org sent
} > "$D/f/maillog"
stamp "$D/f/maillog"
t_run reconcile --maillog "$D/f/maillog" --audit-log "$D/f/audit.log"
t_rc 1 "stripped form not matched by the MTA: found"
t_has '7A8B9C0D1E bob@example.org: no record; for "bob@example.org." the trail says deny withdrawn strip' \
    "trailing dot: the finding shows the form the trail has"
t_has '7A8B9C0D1E carol@example.org: no record; for "@relay.example:carol@example.org" the trail says deny no-consent strip' \
    "source route: the finding shows the form the trail has"
t_has '7A8B9C0D1E frank.x@example.org: no record; for ""frank".x@example.org" the trail says deny withdrawn strip' \
    "needless quotes (Postfix unquotes): the finding shows the form the trail has"
t_has "2 allowed, 3 not" "an allow for alice's trailing-dot form and dave's quoted form counts"

# --- pseudonymised trail -----------------------------------------------------
printf 'reconcile-test-key' > "$TMP/addr.key"
hmac() { printf '%s' "$1" | openssl dgst -sha256 -hmac reconcile-test-key | sed 's/.*= //'; }
mkdir -p "$D/p"
{
    rec 2026-12-03T05:25:49.100Z 1A2B3C4D5E rcpt_id "$(hmac alice@example.org)" allow consent accept
    rec 2026-12-03T05:25:49.100Z 1A2B3C4D5E rcpt_id "$(hmac bob@example.org)" deny withdrawn strip
} > "$D/p/audit.log"
{
    pf 1A2B3C4D5E ALICE@example.org sent
    pf 1A2B3C4D5E bob@example.org sent
} > "$D/p/maillog"
stamp "$D/p/maillog"
t_conf "AuditLog $D/p/audit.log" "AddressKeyFile $TMP/addr.key" \
    "LogAddresses pseudonymised"
t_run reconcile --maillog "$D/p/maillog"
t_rc 1 "pseudonymised: the denied delivery found through the record id"
t_has "1A2B3C4D5E bob@example.org: deny withdrawn strip" "pseudonymised: bob named"
t_has "deliveries: 2 (2 of messages with audit records: 1 allowed, 1 not; 0 ordinary)" \
    "pseudonymised: alice matched through her record id"
t_conf "AuditLog $D/p/audit.log"
t_run reconcile --maillog "$D/p/maillog"
t_rc 65 "pseudonymised trail without AddressKeyFile"
t_errhas "pseudonymised (2 rcpt_id records) and no AddressKeyFile" \
    "pseudonymised without key: says why"

# --- a crash left NUL bytes in the maillog -------------------------------------
mkdir -p "$D/n"
rec 2026-12-03T05:25:49.100Z 1A2B3C4D5E rcpt alice@example.org allow consent accept > "$D/n/audit.log"
rec 2026-12-03T05:25:49.100Z 1A2B3C4D5E rcpt bob@example.org deny withdrawn strip >> "$D/n/audit.log"
{ printf '\0\0\0\0\0\0\0\0'; pf 1A2B3C4D5E bob@example.org sent; } > "$D/n/maillog"
stamp "$D/n/maillog"
t_run reconcile --maillog "$D/n/maillog" --audit-log "$D/n/audit.log"
t_rc 1 "NUL bytes before a line: the delivery after them is read"
t_has "2026-12-03 05:25:50Z 1A2B3C4D5E bob@example.org: deny withdrawn strip campaign=spring [$D/n/maillog:1]" \
    "NUL bytes: bob's delivery found"
t_errhas "$D/n/maillog:1: 8 bytes up to a NUL byte skipped" "NUL bytes: said"
{
    printf 'Dec  3 05:25:49 relay postfix/smtp[2002]: 1A2B3C4D5E: to=<alice@exa\0\0\0'
    pf 1A2B3C4D5E bob@example.org sent
} > "$D/n/maillog2"
stamp "$D/n/maillog2"
t_run reconcile --maillog "$D/n/maillog2" --audit-log "$D/n/audit.log"
t_rc 1 "a torn line, NULs, then a line: the last line is read, not the torn one"
t_has "1A2B3C4D5E bob@example.org: deny withdrawn strip" "torn line and NULs: bob found"
t_has "deliveries: 1 (1 of messages with audit records: 0 allowed, 1 not" \
    "torn line and NULs: alice's torn line is not a delivery"

# --- rotated maillogs compressed with something other than gzip -----------------
pf 1A2B3C4D5E bob@example.org sent > "$D/n/m"
for z in xz bzip2 zstd lz4; do
    case $z in bzip2) ext=bz2 ;; zstd) ext=zst ;; *) ext=$z ;; esac
    name=$z; [ $z = bzip2 ] && name=bzip2
    if command -v $z > /dev/null 2>&1; then
	$z -c "$D/n/m" > "$D/n/m.$ext"
    else
	case $z in
	xz) printf '\3757zXZ\0junk' ;; bzip2) printf 'BZh91AY&SYjunk' ;;
	zstd) printf '\050\265\057\375junk' ;; lz4) printf '\004\042\115\030junk' ;;
	esac > "$D/n/m.$ext"
    fi
    t_run reconcile --maillog "$D/n/m.$ext" --audit-log "$D/n/audit.log"
    t_rc 65 "maillog compressed with $name: unreadable"
    t_errhas "$D/n/m.$ext: compressed with $name: unreadable (decompress it first)" \
	"compressed with $name: named, with what to do"
done

# --- other log formats --------------------------------------------------------
tail1() { printf 'relay=x[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)\n'; }
for f in \
    'Dec 03 05:25:50.123456 relay postfix/smtp[2002]: 1A2B3C4D5E: to=<bob@example.org>, |journalctl -o short-precise' \
    '<22>1 2026-12-03T05:25:50.123456+00:00 relay postfix/smtp 2002 - - 1A2B3C4D5E: to=<bob@example.org>, |RFC 5424' \
    '<22>1 2026-12-03T05:25:50Z relay postfix/smtp 2002 - [meta sequenceId="1"] 1A2B3C4D5E: to=<bob@example.org>, |RFC 5424 with structured data' \
    'Thu 2026-12-03 05:25:50 UTC relay postfix/smtp[2002]: 1A2B3C4D5E: to=<bob@example.org>, |journalctl -o short-full' \
    '2026-12-03 05:25:50 relay postfix/smtp[2002]: 1A2B3C4D5E: to=<bob@example.org>, |ISO with a space' \
    '2026-12-03T06:25:50.123+01 relay postfix/smtp[2002]: 1A2B3C4D5E: to=<bob@example.org>, |ISO, +hh offset' \
    'Dec  3 05:25:50 2026 relay postfix/smtp[2002]: 1A2B3C4D5E: to=<bob@example.org>, |syslog with the year'
do
    { printf '%s' "${f%|*}"; tail1; } > "$D/n/fmt"
    stamp "$D/n/fmt"
    t_run reconcile --maillog "$D/n/fmt" --audit-log "$D/n/audit.log"
    t_rc 1 "${f#*|}: read"
    t_has "2026-12-03 05:25:50Z 1A2B3C4D5E bob@example.org: deny withdrawn strip" \
	"${f#*|}: bob's delivery found"
done
{ pf 1A2B3C4D5E alice@example.org sent; echo "Dec 3 5:25:50 what is this"; } > "$D/n/some"
stamp "$D/n/some"
t_run reconcile --maillog "$D/n/some" --audit-log "$D/n/audit.log"
t_rc 0 "a line not understood among log lines: still clean"
t_has "not understood: 1 lines" "lines not understood are counted in the report"
t_errhas "$D/n/some:2: not a log line in a known format" "the first lines not understood are named"
t_run reconcile --maillog "$D/maillog" --audit-log "$D/audit.log"
t_has "not understood: 0 lines" "lines not understood: always reported"
printf '%s\n' "no time stamp here" "1A2B3C4D5E: to=<bob@example.org>, status=sent" > "$D/n/nolog"
t_run reconcile --maillog "$D/n/nolog" --audit-log "$D/n/audit.log"
t_rc 65 "a maillog without one log line: unreadable"
t_errhas "$D/n/nolog: no line in a known log format" "no log line: named"
echo "Dec  3 05:25:50 relay kernel: eth0: link up" > "$D/n/nomail"
stamp "$D/n/nomail"
t_run reconcile --maillog "$D/n/nomail" --audit-log "$D/n/audit.log"
t_rc 0 "a maillog of log lines but no mail: fine"

# --- a held message requeued (postsuper -r): a new queue id ---------------------
{
    rec 2026-12-03T05:00:00.000Z 3F2A81234B rcpt bob@example.org deny withdrawn quarantine
    rec 2026-12-03T05:00:00.000Z 3F2A81234B rcpt alice@example.org allow consent accept
} > "$D/n/audit.hold"
{
    echo "Dec  3 05:10:00 relay postfix/postsuper[9]: 3F2A81234B: requeued"
    echo "Dec  3 05:10:01 relay postfix/pickup[10]: 4C1D92345A: uid=106 from=<news@org.example> orig_id=3F2A81234B"
    echo "Dec  3 05:10:01 relay postfix/cleanup[1]: 4C1D92345A: message-id=<m@x>"
    pf 4C1D92345A alice@example.org sent "Dec  3 05:10:02"
    pf 4C1D92345A bob@example.org sent "Dec  3 05:10:02"
    echo "Dec  3 05:20:01 relay postfix/pickup[10]: 5D2EA3456B: uid=106 from=<news@org.example> orig_id=4C1D92345A"
    pf 5D2EA3456B bob@example.org sent "Dec  3 05:20:02"
} > "$D/n/hold"
stamp "$D/n/hold"
t_run reconcile --maillog "$D/n/hold" --audit-log "$D/n/audit.hold"
t_rc 1 "requeued message: deliveries under the new queue id are checked"
t_has "2026-12-03 05:10:02Z 4C1D92345A bob@example.org: deny withdrawn quarantine campaign=spring; requeued from 3F2A81234B [$D/n/hold:5]" \
    "requeued: bob's delivery found, with the original queue id"
t_has "2026-12-03 05:20:02Z 5D2EA3456B bob@example.org: deny withdrawn quarantine campaign=spring; requeued from 3F2A81234B [$D/n/hold:7]" \
    "requeued twice: still the original queue id"
t_has "deliveries: 3 (3 of messages with audit records: 1 allowed, 2 not; 0 ordinary)" \
    "requeued: alice's allow under the old id counts"

# The same across a rotation, the files named newest first (as the shell
# expands mail.log*): the pickup line is in the older file, read first.
sed -n '1,3p' "$D/n/hold" > "$D/n/hold.1"
touch -d '2026-12-03 05:10:01 UTC' "$D/n/hold.1"
sed '1,3d' "$D/n/hold" > "$D/n/hold.0"
stamp "$D/n/hold.0"
t_run reconcile --maillog "$D/n/hold.0" "$D/n/hold.1" --audit-log "$D/n/audit.hold"
t_rc 1 "requeued across a rotation, files named newest first: checked"
t_has "2026-12-03 05:10:02Z 4C1D92345A bob@example.org: deny withdrawn quarantine campaign=spring; requeued from 3F2A81234B [$D/n/hold.0:2]" \
    "requeued across a rotation: bob's delivery found"
t_has "deliveries: 3 (3 of messages with audit records: 1 allowed, 2 not; 0 ordinary)" \
    "requeued across a rotation: no delivery counted as ordinary"
t_has "maillog:   $D/n/hold.1 (3 lines), $D/n/hold.0" "the files are read oldest first: the older named first"

# Standard input among the maillogs: read last, whatever its place.
t_stdin() {
    _in=$1; shift
    "$CONSENTCTL" -c "$CONF" "$@" < "$_in" > "$TMP/out" 2> "$TMP/err"
    rc=$?
    out=$(cat "$TMP/out")
    err=$(cat "$TMP/err")
}
t_stdin "$D/n/hold.0" reconcile --maillog - "$D/n/hold.1" --audit-log "$D/n/audit.hold"
t_rc 1 "standard input among maillogs: checked"
t_has "2026-12-03 05:10:02Z 4C1D92345A bob@example.org: deny withdrawn quarantine campaign=spring; requeued from 3F2A81234B [-:2]" \
    "standard input among maillogs: read after the named file, so the requeue is known"
t_has "maillog:   $D/n/hold.1 (3 lines), - (4 lines)" "standard input: read last"
# Read once: the trail is read first, and would leave an empty maillog.
t_stdin "$D/n/hold" reconcile --maillog - --audit-log -
t_rc 64 "standard input as maillog and audit log"
t_errhas 'standard input ("-") can be named only once' "standard input twice: says why"
t_stdin "$D/n/hold" reconcile --maillog - - --audit-log "$D/n/audit.hold"
t_rc 64 "standard input twice among maillogs"

# --- a short queue id used again months later ---------------------------------
# The record that decides a delivery is the latest one made before it
# (a minute's grace for clocks): a later message under the same id
# neither clears an old delivery nor is judged by the old records; and
# an earlier message's record (another Message-ID, or none) does not
# count for a later delivery to someone the later message has no record
# for (erin: allowed in June, not a recipient in December).
{
    rec 2026-06-01T09:00:00.000Z 6E7F8A9B0C rcpt bob@example.org deny withdrawn strip enforce june
    rec 2026-12-03T05:00:00.000Z 6E7F8A9B0C rcpt bob@example.org allow consent accept enforce dec
    rec 2026-12-03T05:00:00.000Z 6E7F8A9B0C rcpt carol@example.org allow consent accept enforce dec
    rec 2026-06-01T09:00:00.000Z 6E7F8A9B0C rcpt carol@example.org allow consent accept enforce june
    rec 2026-06-01T09:00:00.000Z 6E7F8A9B0C rcpt dave@example.org allow consent accept enforce june
    rec 2026-12-03T05:00:00.000Z 6E7F8A9B0C rcpt dave@example.org deny suppressed strip enforce dec
    rec 2026-06-01T09:00:00.000Z 6E7F8A9B0C rcpt erin@example.org allow consent accept enforce june
    rec 2026-06-01T09:00:00.000Z 7F8A9B0C1D rcpt erin@example.org allow consent accept enforce june2
    rec 2026-12-03T05:00:00.000Z 7F8A9B0C1D rcpt alice@example.org allow consent accept enforce -
    rec 2026-06-01T09:00:00.000Z 6E7F8A9B0C rcpt frank@example.org deny withdrawn strip enforce june
} > "$D/n/audit.reuse"
{
    pf 6E7F8A9B0C bob@example.org sent "Jun  1 09:00:01"
    pf 6E7F8A9B0C carol@example.org sent "Jun  1 09:00:01"
    pf 6E7F8A9B0C dave@example.org sent "Jun  1 09:00:01"
    pf 6E7F8A9B0C bob@example.org sent "Dec  3 05:00:00"
    pf 6E7F8A9B0C carol@example.org sent "Dec  3 05:00:01"
    pf 6E7F8A9B0C erin@example.org sent "Dec  3 05:00:02"
    pf 7F8A9B0C1D alice@example.org sent "Dec  3 05:00:02"
    pf 7F8A9B0C1D erin@example.org sent "Dec  3 05:00:02"
    pf 6E7F8A9B0C frank@example.org sent "Jun  1 09:00:02"
    pf 6E7F8A9B0C frank@example.org sent "Jun  1 09:00:03"
    pf 6E7F8A9B0C frank@example.org sent "Dec  3 05:00:03"
} > "$D/n/reuse"
stamp "$D/n/reuse"
t_run reconcile --maillog "$D/n/reuse" --audit-log "$D/n/audit.reuse"
t_rc 1 "a queue id used again: the old delivery is judged by its own record"
t_has "2026-06-01 09:00:01Z 6E7F8A9B0C bob@example.org: deny withdrawn strip campaign=spring [$D/n/reuse:1]" \
    "a queue id used again: June's delivery to bob found, December's allow does not clear it"
t_eq "$(grep -c "reuse:3\]" "$TMP/out")" 0 "a queue id used again: June's delivery to dave was allowed then"
t_has "2026-12-03 05:00:02Z 6E7F8A9B0C erin@example.org: no record [$D/n/reuse:6]" \
    "a queue id used again: June's allow for erin does not clear December's delivery"
t_has "2026-12-03 05:00:02Z 7F8A9B0C1D erin@example.org: no record [$D/n/reuse:8]" \
    "a queue id used again: nor when December's message has no Message-ID"
t_has "2026-06-01 09:00:02Z 6E7F8A9B0C frank@example.org: deny withdrawn strip campaign=spring [$D/n/reuse:9]" \
    "a queue id used again: June's delivery to frank found"
t_has "2026-12-03 05:00:03Z 6E7F8A9B0C frank@example.org: no record [$D/n/reuse:11]" \
    "a queue id used again: December's delivery to frank is another finding"
t_eq "$(grep -c ' frank@example.org: ' "$TMP/out")" 2 \
    "a queue id used again: one finding per recipient of each message"
t_has "deliveries: 11 (11 of messages with audit records: 5 allowed, 6 not; 0 ordinary)" \
    "a queue id used again: each delivery judged by the record before it"

# --- records without a queue id (the MTA gave the milter no {i}) ---------------
# Linked through the Message-ID that the maillog gives with a queue id
# (Postfix cleanup's message-id=, sendmail's msgid=); a queue id with
# records of its own is not linked.
{
    rec 2026-12-03T05:25:49.100Z - rcpt alice@example.org allow consent accept enforce m-pf
    rec 2026-12-03T05:25:49.100Z - rcpt bob@example.org deny withdrawn strip enforce m-pf
    rec 2026-12-03T05:25:59.000Z - rcpt erin@example.org allow consent accept enforce m-sm
    rec 2026-12-03T05:25:59.000Z - rcpt carol@example.org deny no-consent reject enforce -
    rec 2026-12-03T05:25:49.100Z 9B0C1D2E3F rcpt bob@example.org allow consent accept enforce m-own
    rec 2026-12-03T05:25:49.100Z - rcpt bob@example.org deny withdrawn strip enforce m-own
} > "$D/n/audit.noqid"
{
    echo "Dec  3 05:25:49 relay postfix/cleanup[2001]: 8A9B0C1D2E: message-id=<m-pf@org.example>"
    pf 8A9B0C1D2E alice@example.org sent
    pf 8A9B0C1D2E bob@example.org sent
    echo "Dec  3 05:25:59 relay sm-mta[3003]: 4B35e1Aa000999: from=<news@org.example>, size=612, class=0, nrcpts=2, msgid=<m-sm@org.example>, proto=ESMTP, daemon=MTA, relay=localhost [127.0.0.1]"
    sm 4B35e1Aa000999 '<erin@example.org>,<dave@example.org>' 'Sent (ok)'
    echo "Dec  3 05:25:49 relay postfix/cleanup[2001]: 9B0C1D2E3F: message-id=<m-own@org.example>"
    pf 9B0C1D2E3F bob@example.org sent
} > "$D/n/noqid"
stamp "$D/n/noqid"
t_run reconcile --maillog "$D/n/noqid" --audit-log "$D/n/audit.noqid"
t_rc 1 "records without a queue id: linked by Message-ID"
t_has "2026-12-03 05:25:50Z 8A9B0C1D2E bob@example.org: deny withdrawn strip campaign=spring; linked by Message-ID <m-pf@org.example> [$D/n/noqid:3]" \
    "no queue id: Postfix delivered bob, found through cleanup's message-id="
t_has "2026-12-03 05:26:00Z 4B35e1Aa000999 dave@example.org: no record; linked by Message-ID <m-sm@org.example> [$D/n/noqid:5]" \
    "no queue id: sendmail delivered dave, found through msgid="
t_has "deliveries: 5 (5 of messages with audit records: 3 allowed, 2 not; 0 ordinary)" \
    "no queue id: alice and erin allowed; a queue id with its own records not linked"
t_run reconcile --maillog "$D/n/noqid" --audit-log "$D/n/audit.noqid" --json
t_eq "$(printf '%s' "$out" | jq -r '[.findings[] | (.linked_msgid // "-") + " " + (.orig_qid // "-")] | join(",")')" \
    "<m-pf@org.example> -,<m-sm@org.example> -" "no queue id: --json names the Message-ID"

# --- a torn audit record ------------------------------------------------------
printf '%s' '{"time":"2026-12-03T05:25:49.100Z","qid":"1A2B3C4D5E","msgid":"<m@x>","sender":"n@o.ex' > "$D/n/audit.torn"
printf '\n' >> "$D/n/audit.torn"
rec 2026-12-03T05:25:49.100Z 2B3C4D5E6F rcpt carol@example.org allow consent accept >> "$D/n/audit.torn"
printf '%s\n' '{"time":"2026-12-03T05:25:49.100Z","ms' >> "$D/n/audit.torn"
{ pf 1A2B3C4D5E bob@example.org sent; pf 2B3C4D5E6F carol@example.org sent; } > "$D/n/torn"
stamp "$D/n/torn"
t_run reconcile --maillog "$D/n/torn" --audit-log "$D/n/audit.torn"
t_rc 1 "torn audit record: its message counts as audited"
t_has "2026-12-03 05:25:50Z 1A2B3C4D5E bob@example.org: no record [$D/n/torn:1]" \
    "torn audit record: a recipient without an allow is a finding"
t_has "damaged records: 2" "torn audit records: counted in the report"
t_errhas "$D/n/audit.torn:1: malformed audit record" "torn audit record: named"

# --- unreadable input ----------------------------------------------------------
t_conf "AuditLog $D/audit.log"
t_run reconcile --maillog "$D/maillog" "$D/nosuch.log"
t_rc 65 "missing maillog"
t_errhas "$D/nosuch.log: No such file or directory" "missing maillog: named, with the reason"
t_has "findings: 0" "missing maillog: the rest is still reported"
t_run reconcile --maillog "$D"
t_rc 65 "a directory as maillog"
t_errhas "$D: is a directory" "directory: named"
printf '\037\213\010\000garbage' > "$D/broken.gz"
t_run reconcile --maillog "$D/broken.gz"
t_rc 65 "corrupt gzip maillog"
t_errhas "$D/broken.gz: " "corrupt gzip: named"
t_run reconcile --maillog "$D/maillog" --audit-log "$D/audit.log" "$D/nosuch-audit.log"
t_rc 65 "missing audit log"
t_errhas "$D/nosuch-audit.log: No such file or directory" "missing audit log: named"
t_run reconcile --maillog "$D/maillog" --audit-log "$D/broken.gz"
t_rc 65 "corrupt gzip audit log"

# --- usage ---------------------------------------------------------------------
t_run reconcile
t_rc 64 "no --maillog"
t_run reconcile --maillog
t_rc 64 "--maillog without a file"
t_run reconcile --maillog "$D/maillog" --since yesterday
t_rc 64 "--since that is not a time"
t_errhas '--since "yesterday": not a time' "--since: says why"
t_run reconcile --maillog "$D/maillog" --frobnicate
t_rc 64 "unknown option"
t_conf
t_run reconcile --maillog "$D/maillog"
t_rc 64 "AuditLog none and no --audit-log"
t_errhas "no audit log to reconcile with" "no audit log: says why"
t_run reconcile --maillog "$D/maillog" --audit-log "$D/audit.log" --since 7d
t_rc 0 "--audit-log given, --since 7d (relative)"
t_run reconcile --help
t_rc 0 "--help"
t_has "reconcile --maillog FILE..." "--help: usage"

t_done
