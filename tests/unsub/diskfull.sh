#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# diskfull.sh - consent-unsubscribe with its audit trail on a full disk
#
# Under tests/lib/redis.sh: the real service, AuditLog on a private
# 64 KiB tmpfs that a filler file has filled. A one-click opt-out must
# still stand (it is in Redis with its history: the person asked, and
# the mailbox provider will not ask twice), the audit file must be left
# byte for byte as it was (no torn line), the line must go to syslog
# instead (here: the foreground log), and
# consent_unsubscribe_audit_errors_total must count it. With space
# again, the next opt-out is written whole. Needs root for mount -t
# tmpfs; skipped (77) where mounting is not permitted.

. "$CM_SRCDIR/tests/unsub/lib.sh"

FULL=$TMP/full
mkdir -p "$FULL"
if ! mount -t tmpfs -o size=64k,mode=0700 tmpfs "$FULL" 2> "$TMP/mount.err"
then
    echo "SKIP: mounting a small tmpfs is not permitted here" \
	"($(tr -s '\n\t ' '   ' < "$TMP/mount.err")): the test needs root"
    exit 77
fi
# The service holds the log open: stop it before unmounting.
trap 'u_stop; umount "$FULL" 2>/dev/null || umount -l "$FULL"' EXIT

u_keys
u_conf "AuditLog $FULL/audit.log"
t_run grant alice@example.org news --source form
t_run grant bob@example.org news --source form
t_run campaign add spring --purpose news
alice=$(u_token alice@example.org spring)
bob=$(u_token bob@example.org spring)
u_start || { t_notok "the service starts"; t_done; }

# errors - the audit error counter, from /metrics
errors() {
    u_curl GET /metrics
    printf '%s\n' "$body" |
	sed -n 's/^consent_unsubscribe_audit_errors_total \([0-9]*\).*/\1/p'
}
t_eq "$(errors)" 0 "no audit error yet"

# Fill the filesystem: what is left of it cannot take a line.
dd if=/dev/zero of="$FULL/filler" bs=1k count=128 2>/dev/null
: >> "$FULL/audit.log"
cp "$FULL/audit.log" "$TMP/audit.before" 2>/dev/null || : > "$TMP/audit.before"

u_curl POST "/u/$alice" --data 'List-Unsubscribe=One-Click'
t_eq "$code" 200 "disk full: the opt-out is answered 200"
t_eq "$(t_redis hget cm:consent:alice@example.org news)" withdrawn \
    "disk full: the purpose is withdrawn all the same"
t_eq "$(t_redis xlen cm:history:alice@example.org)" 2 \
    "disk full: the history has the withdrawal"
if cmp -s "$TMP/audit.before" "$FULL/audit.log"; then
    t_ok "disk full: the audit file is unchanged (no torn line)"
else
    t_notok "disk full: the audit file is unchanged (no torn line)"
fi
out=$(cat "$TMP/unsub.log")
t_has '"event":"opt-out"' "disk full: the line goes to syslog instead"
t_eq "$(errors)" 1 "disk full: consent_unsubscribe_audit_errors_total 1"

# Space again: the next opt-out is written, whole.
rm -f "$FULL/filler"
u_curl POST "/u/$bob" --data 'List-Unsubscribe=One-Click'
t_eq "$code" 200 "space again: 200"
t_eq "$(t_redis hget cm:consent:bob@example.org news)" withdrawn \
    "space again: withdrawn"
out=$(cat "$FULL/audit.log")
t_has '"rcpt":"bob@example.org"' "space again: the line is in the audit file"
n=$(grep -c . "$FULL/audit.log")
t_eq "$(jq -c . "$FULL/audit.log" 2>/dev/null | grep -c .)" "$n" \
    "every line of the audit file is one JSON object"
t_eq "$(errors)" 1 "space again: no new audit error"
t_done
