#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# trace-coverage.sh - trace and report say what they read, and never
# answer "sent 0" from logs they could not read
#
# Run under tests/lib/redis.sh with CM_CONSENTCTL and CM_SRCDIR set.
# A rotated set (audit.log, .2.gz, .3.gz, no .1) is a hole that must be
# named; a log that cannot be read (mode 000, read by an unprivileged
# user: root reads anything, so the test drops to nobody with setpriv)
# makes the answer INCOMPLETE with exit status 65; opt-out lines in the
# trail are not decisions for report, reconcile or trace.

. "$CM_SRCDIR/tests/ctl/lib.sh"

# rec TIME QID RCPT DECISION REASON ACTION - one audit line
rec() {
    printf '{"time":"%s","qid":"%s","msgid":"<%s@org.example>",' "$1" "$2" "$2"
    printf '"sender":"news@org.example","auth":null,"campaign":"spring",'
    printf '"purpose":"newsletter","basis":"consent","rcpt":"%s",' "$3"
    printf '"decision":"%s","reason":"%s","action":"%s","mode":"enforce",' \
	"$4" "$5" "$6"
    printf '"from":"news@org.example","subject":"Spring"}\n'
}

# A world-readable place: the unprivileged run must reach the files.
W=$(mktemp -d /tmp/cm-cover.XXXXXX)
chmod 755 "$W"
trap 'chmod -R u+rwx "$W" 2>/dev/null; rm -rf "$W"' EXIT INT TERM
L=$W/audit.log
rec 2026-10-01T08:00:00.000Z Q3 alice@example.org allow consent accept > "$L.3"
rec 2026-10-08T08:00:00.000Z Q2 alice@example.org allow consent accept > "$L.2"
gzip "$L.3" "$L.2"
rec 2026-11-23T08:00:00.000Z Q0 alice@example.org allow consent accept > "$L"
printf '{"time":"2026-11-23T09:00:00.000Z","event":"opt-out","channel":"mailto","rcpt":"alice@example.org","purpose":"newsletter","campaign":"spring","msgid":"<Q0@org.example>","client":"-","result":"withdrawn"}\n' >> "$L"
chmod 644 "$L" "$L".*.gz

# --- a hole in the rotation ---------------------------------------------
t_conf "AuditLog $L"
t_run trace alice@example.org
t_rc 65 "trace: .1 missing while .2.gz exists: exit 65"
t_has "Coverage: 4 audit log file(s), records from 2026-10-01 08:00:00Z to 2026-11-23 09:00:00Z; 1 unreadable or missing: this answer is INCOMPLETE" \
    "coverage: files, span, INCOMPLETE"
t_has "  MISSING    $L.1  not found, though a later rotation exists" \
    "the hole is named"
t_has "  read       $L.3.gz  2026-10-01 08:00:00Z .. 2026-10-01 08:00:00Z  (1 line(s))" \
    "oldest rotation first, with its span"
t_has "  gap: no record from 2026-10-08 08:00:00Z to 2026-11-23 08:00:00Z (46.0 days) between $L.2.gz and $L" \
    "the gap between rotated files is named"
t_has "sent     3 (first 2026-10-01 08:00:00Z" "all three sends, from all files"
t_has "   INCOMPLETE: audit log files are unreadable or missing" \
    "question 2 says so"
t_has "OPT-OUT received by mailto for newsletter" "the opt-out line is shown"
t_errhas "audit trail incomplete: 1 file(s) unreadable or missing" "a warning"
t_run trace alice@example.org --json
t_rc 65 "trace --json: exit 65 too"
t_eq "$(printf '%s' "$out" | jq -r '.coverage.complete, .coverage.unreadable_or_missing, (.coverage.gaps | length), .summary.sent.count' | tr '\n' ' ')" \
    "false 1 2 3 " "json: incomplete, one missing, two gaps (7 and 46 days), three sends"
t_eq "$(printf '%s' "$out" | jq -r '[.coverage.files[] | select(.state == "missing")][0].path')" \
    "$L.1" "json: the missing file"

# The hole filled: complete, exit 0.
rec 2026-10-15T08:00:00.000Z Q1 alice@example.org allow consent accept > "$L.1"
chmod 644 "$L.1"
t_run trace alice@example.org
t_rc 0 "complete rotation: exit 0"
t_has "every file read to its end" "complete: said so"
t_has "sent     4 (first" "four sends"

# --- opt-out lines are not decisions ------------------------------------
t_run report spring --json
t_rc 0 "report: complete"
t_eq "$(printf '%s' "$out" | jq -r '.decisions, .sent, .opt_out_lines' | tr '\n' ' ')" \
    "4 4 1 " "report: the opt-out line is not a decision"
: > "$W/mail.log"
t_run reconcile --maillog "$W/mail.log"
t_errhas "" "reconcile runs"
case $err in *malformed*|*without*) t_notok "reconcile accepts opt-out lines" ;;
*) t_ok "reconcile accepts opt-out lines" ;; esac

# --- big files: lines across read buffers, a line over 1 MB ------------
# 6000 records of about 400 bytes (2.4 MB, gzipped and plain): lines
# cross the 1 MB reads; a 1.1 MB line is skipped with a warning and the
# record after it is still read.
awk 'BEGIN { for (i = 0; i < 6000; i++) printf "{\"time\":\"2026-11-%02dT08:00:00.000Z\",\"qid\":\"Q%d\",\"msgid\":null,\"sender\":\"news@org.example\",\"auth\":null,\"campaign\":\"big\",\"purpose\":\"newsletter\",\"basis\":\"consent\",\"rcpt\":\"m%d@example.org\",\"decision\":\"allow\",\"reason\":\"consent\",\"action\":\"accept\",\"mode\":\"enforce\",\"from\":\"news@org.example\",\"subject\":\"%0200d\"}\n", 1 + i % 28, i, i, i }' > "$W/big.log"
gzip -c "$W/big.log" > "$W/big.log.gz"
{ printf '{"campaign":"big","pad":"'; head -c 1100000 /dev/zero | tr '\0' x; printf '"}\n'
  rec 2026-11-30T08:00:00.000Z QL last@example.org allow consent accept | sed 's/spring/big/'
} >> "$W/big.log"
t_run report big --json --audit-log "$W/big.log" "$W/big.log.gz"
t_rc 0 "report over 2 x 6000 records"
t_eq "$(printf '%s' "$out" | jq -c '[.decisions, .sent, .messages, (.coverage.files | map(.lines))]')" \
    "[12001,12001,6001,[6002,6000]]" "every record counted, in both files"
t_errhas "big.log:6001: line longer than 1048576 bytes: skipped" "the long line is named"

# --- a log that cannot be read ------------------------------------------
mkdir "$W/dir.log"
t_run trace alice@example.org --audit-log "$L" "$W/dir.log"
t_rc 65 "trace: a log that cannot be read (a directory): exit 65"
t_has "  UNREADABLE $W/dir.log" "the unreadable file is named"

chmod 000 "$L.2.gz"
printf 'AuditLog %s\nRedis unix:%s/none.sock\n' "$L" "$W" > "$W/nobody.conf"
chmod 644 "$W/nobody.conf"
if [ "$(id -u)" = 0 ]; then
    asuser() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
else
    asuser() { "$@"; }
fi
asuser "$CONSENTCTL" -c "$W/nobody.conf" report spring > "$TMP/out" 2> "$TMP/err"
rc=$?
out=$(cat "$TMP/out"); err=$(cat "$TMP/err")
t_rc 65 "report as an unprivileged user, one log mode 000: exit 65"
t_has "  UNREADABLE $L.2.gz" "the unreadable log is named"
t_has "Permission denied" "with the reason"
t_has "this answer is INCOMPLETE" "and the answer is incomplete"
t_has "campaign spring: 3 recipient decision(s)" \
    "the counts come from the files that were read"
t_errhas "$L.2.gz: Permission denied" "a warning names it"

t_done
