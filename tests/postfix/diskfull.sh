#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# diskfull.sh - a full disk under the audit trail, through a real Postfix
#
# Usage: CM_DAEMON=_build/consent-milter sh tests/postfix/diskfull.sh
#        (as root; it runs itself under tests/lib/redis.sh; make check runs it)
#
# AuditLog lies on a private 64 KiB tmpfs, filled up with a filler file
# after a first message. Then a message to 40 people who consented (40
# records, about 20 KB: more than any slack left in the log's last page,
# so the write fails or comes up short and is cut off again) goes in
# twice: by SMTP and by the sendmail command. Proves, against Postfix's
# own log and the sink rather than our audit lines alone:
#   - SMTP: 451 4.7.1 "not sent: audit-error" at end of data, nothing
#     queued, nothing delivered; the sendmail message waits in the
#     maildrop queue;
#   - the audit log is byte for byte what it was before (no torn line,
#     no record of what was not sent), and the daemon logs the failure;
#   - with space again, the waiting message goes out (postqueue -f) and
#     the SMTP client's retry is accepted, each to all 40, each record
#     written;
#   - six such messages sent at once by SMTP while the disk is full (the
#     audit trail commits concurrent messages' records in groups, one
#     write and, with AuditFsync yes as here, one fsync for a group):
#     each gets the 451, none is delivered, the log is unchanged; with
#     space again, six sent at once (to 4 each: the tmpfs is small) each
#     reach all 4 with their records;
#   - consentctl reconcile of Postfix's maillog against the trail finds
#     no delivery without an allow.
# Needs root for mount -t tmpfs: skipped (77) where mounting is refused.

CM_SRCDIR=${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$CM_SRCDIR/tests/postfix/lib.sh"
pf_need_redis "$0" "$@"
. "$CM_SRCDIR/tests/ctl/lib.sh"

pf_init
FULL=$PF_DIR/full
mkdir -p "$FULL"
if ! mount -t tmpfs -o size=64k,mode=0700 tmpfs "$FULL" 2> "$PF_DIR/mount.err"
then
    echo "SKIP: mount -t tmpfs refused: $(cat "$PF_DIR/mount.err")"
    exit 77
fi
# Lazily: the daemon holds the log open until pf_cleanup stops it.
df_cleanup() {
    _dst=$?
    umount -l "$FULL" 2>/dev/null
    (exit $_dst)
    pf_cleanup
}
trap df_cleanup EXIT
PF_AUDIT=$FULL/audit.log
pf_milter_conf "AuditFsync yes"
pf_sink_start
pf_milter_start
pf_start
pf_seed

rcpts=
i=1
while [ $i -le 40 ]; do
    pf_redis HSET "cm:consent:member$i@example.org" newsletter granted \
	newsletter:at $(($(date +%s) - 86400)) newsletter:src "form" > /dev/null
    rcpts="$rcpts${rcpts:+,}member$i@example.org"
    i=$((i + 1))
done

# --- with space: a message goes out, its record is written ------------------
pf_swaks --from news@org.example --to alice@example.org \
    --header "Message-Id: <df-1@cmtest.invalid>"
pf_wait_sink "<df-1@cmtest.invalid>"
t_eq "$(pf_audit_msg "<df-1@cmtest.invalid>" alice@example.org decision)" \
    allow "with space: delivered to alice, audited"

# --- full -----------------------------------------------------------------
dd if=/dev/zero of="$FULL/filler" bs=4096 > /dev/null 2>&1
t_eq "$(df -P "$FULL" | awk 'NR == 2 { print $4 }')" 0 "the filesystem is full"
cp "$PF_AUDIT" "$PF_DIR/audit.before"
sunk=$(pf_sink_count)

pf_swaks --from news@org.example --to "$rcpts" \
    --header "Message-Id: <df-2@cmtest.invalid>"
reply=$(pf_swaks_reply ".")
t_eq "${reply%%audit-error*}" "451 4.7.1 not sent: " \
    "full, SMTP: 451 4.7.1 not sent: audit-error at end of data ($reply)"
pf_msg "<df-3@cmtest.invalid>" news@org.example "Spring news" |
    pf_sendmail -f news@org.example $(echo "$rcpts" | tr ',' ' ')
pf_wait_log "milter-reject: END-OF-MESSAGE"
pf_wait_queue_count 1
t_eq "$(pf_queue_ids maildrop | wc -l)" 1 \
    "full, sendmail command: the message waits in the maildrop queue"
sleep 1				# anything that would go out, would have
t_eq "$(pf_sink_count)" "$sunk" "full: nothing delivered"
t_true "full: the audit log is byte for byte what it was" \
    cmp -s "$PF_AUDIT" "$PF_DIR/audit.before"
t_true "full: the daemon logged why" \
    grep -q "AuditLog $PF_AUDIT: write: No space left on device" "$PF_MILTER_LOG"
# The log's last page had room for part of the 40 records (its size is
# no multiple of the page): that part was written, and cut off again.
if [ $(($(wc -c < "$PF_DIR/audit.before") % 4096)) -ne 0 ]; then
    t_true "full: the short write was cut off again (daemon log)" \
	grep -q "bytes of unfinished records removed" "$PF_MILTER_LOG"
fi
t_true "full: and deferred the message" \
    grep -q "audit trail not written: message deferred" "$PF_MILTER_LOG"
t_eq "$(grep -c 'status=sent' "$PF_MAILLOG")" 1 \
    "full: Postfix's log shows the first message sent, no other"

# df_burst TAG RCPTS: six messages to RCPTS at once by SMTP, Message-Ids
# <df-TAG-K@cmtest.invalid>; each one's end-of-data reply in
# $PF_DIR/burst.TAG.K
df_burst() {
    _k=1
    _pids=
    while [ $_k -le 6 ]; do
	( pf_swaks --from news@org.example --to "$2" \
	      --header "Message-Id: <df-$1-$_k@cmtest.invalid>"
	  pf_swaks_reply "." > "$PF_DIR/burst.$1.$_k" ) &
	_pids="$_pids $!"
	_k=$((_k + 1))
    done
    wait $_pids		# not the sink and the daemon, also children
}

df_burst full "$rcpts"
k=1
while [ $k -le 6 ]; do
    reply=$(cat "$PF_DIR/burst.full.$k")
    t_eq "${reply%%audit-error*}" "451 4.7.1 not sent: " \
	"full, six at once: message $k refused with 451 audit-error ($reply)"
    k=$((k + 1))
done
sleep 1
t_eq "$(pf_sink_count)" "$sunk" "full, six at once: nothing delivered"
t_true "full, six at once: the audit log is byte for byte what it was" \
    cmp -s "$PF_AUDIT" "$PF_DIR/audit.before"

# --- space again ------------------------------------------------------------
rm -f "$FULL/filler"
pf_flush
pf_wait_sink "<df-3@cmtest.invalid>" 30
f=$(pf_sink_file "<df-3@cmtest.invalid>")
t_eq "$(pf_sink_rcpts "$f" | wc -l)" 40 \
    "space again, postqueue -f: the waiting message went to all 40"
pf_swaks --from news@org.example --to "$rcpts" \
    --header "Message-Id: <df-2@cmtest.invalid>"
pf_wait_sink "<df-2@cmtest.invalid>" 30
f=$(pf_sink_file "<df-2@cmtest.invalid>")
t_eq "$(pf_sink_rcpts "$f" | wc -l)" 40 \
    "space again, SMTP retry: delivered to all 40"
# Four recipients each: six times forty records would not fit in 64 KiB
# (a group that does not fit fails whole, and each of its messages waits).
few=member1@example.org,member2@example.org,member3@example.org,member4@example.org
df_burst again "$few"
k=1
while [ $k -le 6 ]; do
    m="<df-again-$k@cmtest.invalid>"
    t_eq "$(cut -c1-3 "$PF_DIR/burst.again.$k")" 250 \
	"space again, six at once: message $k accepted"
    pf_wait_sink "$m" 30
    t_eq "$(pf_sink_rcpts "$(pf_sink_file "$m")" | wc -l)" 4 \
	"space again, six at once: message $k delivered to all 4"
    k=$((k + 1))
done
for m in "<df-2@cmtest.invalid>" "<df-3@cmtest.invalid>"; do
    t_eq "$(jq -r --arg m "$m" 'select(.msgid == $m and .decision == "allow")
	| .rcpt' "$PF_AUDIT" | sort -u | wc -l)" 40 \
	"space again: $m has its 40 allow records"
done
k=1
while [ $k -le 6 ]; do
    t_eq "$(jq -r --arg m "<df-again-$k@cmtest.invalid>" \
	'select(.msgid == $m and .decision == "allow") | .rcpt' "$PF_AUDIT" |
	sort -u | wc -l)" 4 "space again, six at once: message $k has its 4 allow records"
    k=$((k + 1))
done
t_true "every audit line is one JSON object" \
    sh -c 'jq -e . "$1" > /dev/null' sh "$PF_AUDIT"
pf_reconcile
pf_milter_stop
t_eq "$?" 0 "consent-milter exits 0 on SIGTERM"

t_done
