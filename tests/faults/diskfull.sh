#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# diskfull.sh - the audit trail on a full filesystem: whole or nothing
#
# AuditLog lives on a private 64 KiB tmpfs. Messages (header campaign
# spring, so that every record is written at end of message; alice
# allowed, the others stripped) go through the real daemon with
# miltertest (tests/faults/diskfull-msg.lua). The filesystem is filled with
# a filler file; the audit log's last page still has room, so a
# message with many recipients fills it and the write comes up short.
# Then the smallest messages until none fits, more while full, and
# finally the filler is removed. Proves:
#   - while full, every message that would have been delivered gets
#     451 4.7.1 not sent: audit-error, and leaves nothing in the log:
#     the file is byte for byte what it was (a short write is cut off
#     again: the daemon says how many bytes it removed);
#   - no record of any deferred message, and every line of the log is
#     one JSON object, ending with a newline (no torn line that would
#     swallow the next record);
#   - once there is space again, messages are accepted and logged,
#     every one of their records present.
# Needs root, for mount -t tmpfs; where mounting is not permitted the
# test is skipped (77).

. "${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/faults/lib.sh"
f_need mount umount dd cmp
MILTERTEST=${MILTERTEST:-miltertest}
if ! command -v "$MILTERTEST" > /dev/null 2>&1; then
    echo "$0: miltertest not found: install the Debian package miltertest" >&2
    exit 99
fi

FULL=$F_TMP/full
F_AUDIT=$FULL/audit.log
mkdir -p "$FULL" || exit 99
if ! mount -t tmpfs -o size=64k,mode=0700 tmpfs "$FULL" 2> "$F_TMP/mount.err"; then
    if [ "$(id -u)" -ne 0 ] || grep -q -i -E 'permission|not permitted|root|superuser' \
	"$F_TMP/mount.err"; then
	echo "SKIP: mounting a small tmpfs is not permitted here" \
	    "($(tr -s "\n\t " "   " < "$F_TMP/mount.err")): the test needs root"
	exit 77
    fi
    echo "$0: mount -t tmpfs failed: $(cat "$F_TMP/mount.err")" >&2
    exit 99
fi
# The daemon (f_cleanup stops it) holds the log open: unmount after it.
trap 'f_cleanup; umount "$FULL" 2>/dev/null || umount -l "$FULL"' EXIT

f_redis_start
rcli HSET cm:campaign:spring purpose newsletter status active > /dev/null
rcli HSET cm:consent:alice@example.org newsletter granted \
    newsletter:at "$(($(date +%s) - 86400))" newsletter:src form > /dev/null
rcli HSET cm:consent:bob@example.org newsletter withdrawn \
    newsletter:at "$(($(date +%s) - 3600))" newsletter:src link > /dev/null
f_daemon_start

# send QID NRCPT - one message; prints its reply (accept, audit-error)
send() {
    CM_MILTER_SOCK=$F_MILTER CM_REDIS_SOCK=$FR_SOCK CM_AUDIT_LOG=$F_AUDIT \
    CM_TESTLIB=$CM_SRCDIR/tests/milter/lib.lua CM_QID=$1 CM_NRCPT=$2 \
	timeout 30 "$MILTERTEST" -s "$CM_SRCDIR/tests/faults/diskfull-msg.lua" \
	> "$F_TMP/mt-$1.out" 2>&1
    _r=$(sed -n 's/^RESULT qid=[^ ]* reply=//p' "$F_TMP/mt-$1.out")
    if [ -z "$_r" ]; then
	sed 's/^/#   miltertest: /' "$F_TMP/mt-$1.out" | tail -5 >&2
	_r=none
    fi
    echo "$_r"
}
# records QID - how many records the log has for QID
records() { jq -r --arg q "$1" 'select(.qid == $q) | .qid' "$F_AUDIT" | wc -l; }
deferred=

t_eq "$(send DF01 2)" accept "with space: a message is accepted"
t_eq "$(records DF01)" 2 "with space: its two records are written"

# Fill the filesystem; what is left is the slack of the log's last page.
dd if=/dev/zero of="$FULL/filler" bs=4096 > /dev/null 2>&1
t_eq "$(df -P "$FULL" | awk 'NR == 2 { print $4 }')" 0 "the filesystem is full"
cp "$F_AUDIT" "$F_TMP/before-big"
removed_before=$(grep -c 'bytes of unfinished records removed' "$F_DLOG")

# 30 recipients, about 10 KB of records: more than the slack.
t_eq "$(send DF02 30)" audit-error "full: 30 recipients get 451 audit-error"
deferred="$deferred DF02"
t_true "full: the log is byte for byte what it was" \
    cmp -s "$F_AUDIT" "$F_TMP/before-big"
t_le $((removed_before + 1)) "$(grep -c 'bytes of unfinished records removed' "$F_DLOG")" \
    "the short write was cut off again (daemon log)"

# One-recipient messages (the smallest) while the slack lasts, then none
# fits. Queue ids all have 4 characters: every such record is as long.
n=10
r=accept
small_ok=0
while [ "$r" = accept ] && [ $n -lt 60 ]; do
    n=$((n + 1))
    r=$(send "DS$n" 1)
    if [ "$r" = accept ]; then
	small_ok=$((small_ok + 1))
	[ "$(records "DS$n")" -eq 1 ] || t_notok "DS$n accepted with its record"
    fi
done
t_eq "$r" audit-error "full: a message that does not fit gets 451 audit-error"
deferred="$deferred DS$n"
echo "# $small_ok one-recipient message(s) fitted in the slack before DS$n"
cp "$F_AUDIT" "$F_TMP/full-log"
for q in DF03:1 DF04:2 DF05:30; do
    t_eq "$(send "${q%:*}" "${q#*:}")" audit-error \
	"still full: ${q#*:} recipient(s) get 451 audit-error"
    deferred="$deferred ${q%:*}"
done
t_true "still full: the log did not change" cmp -s "$F_AUDIT" "$F_TMP/full-log"

# Space again.
rm -f "$FULL/filler"
t_eq "$(send DA01 2)" accept "space again: a message is accepted"
t_eq "$(records DA01)" 2 "space again: its two records are written"
t_eq "$(send DA02 30)" accept "space again: 30 recipients accepted"
t_eq "$(records DA02)" 30 "space again: 30 records written"

for q in $deferred; do
    t_eq "$(records "$q")" 0 "no record of the deferred message $q"
done
t_true "every line of the log is one JSON object" f_json_lines "$F_AUDIT"
t_eq "$(wc -l < "$F_AUDIT")" $((2 + small_ok + 2 + 30)) \
    "the log holds exactly the records of the accepted messages"
t_eq "$(jq -r 'select(.qid == "DA01" and .rcpt == "alice@example.org")
	| "\(.decision) \(.reason) \(.action)"' "$F_AUDIT")" \
    "allow consent accept" "space again: alice's record"
t_eq "$(jq -r 'select(.qid == "DA01" and .rcpt == "bob@example.org")
	| "\(.decision) \(.reason) \(.action)"' "$F_AUDIT")" \
    "deny withdrawn strip" "space again: bob's record"
f_daemon_stop
t_done
