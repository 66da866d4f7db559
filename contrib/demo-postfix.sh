#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# demo-postfix.sh - consent-milter behind a real Postfix, on sample data
#
# Usage: contrib/demo-postfix.sh [BUILD_DIR]      (as root)
#
# The same story as contrib/demo.sh, but with a real MTA instead of
# miltertest: a private Postfix (its own configuration and queue in a
# temporary directory, smtpd on a loopback port, no chroot, no syslog)
# with consent-milter as smtpd_milters and non_smtpd_milters, relaying
# everything to smtp-sink, which keeps each delivered message in a file.
# tests/postfix/lib.sh sets it all up and tests/lib/redis.sh provides a
# throwaway Redis; everything is stopped and removed at the end.
#
# It loads the sample consent records of conf/sample-consent.csv with
# consentctl (and registers the campaigns, as contrib/demo.sh does), sends
# the sample messages of conf/sample-messages/ with swaks (the envelopes
# of contrib/demo.lua) and one with Postfix's sendmail command, then
# stops Redis, shows that mail waits instead of going out unchecked,
# starts Redis again and shows the waiting mail delivered. Then alice
# unsubscribes with one click (curl POSTs the List-Unsubscribe URL the
# relay added, to consent-unsubscribe), the next newsletter skips her, and
# consentctl trace tells her story. For each
# message: what the SMTP client was told, whom the message reached, the
# headers the milter added; at the end the audit trail, the milter's log,
# Postfix's log lines about the milter, and consentctl reconcile: the
# audit trail held against what Postfix's own log says it delivered.
#
# Needs: consent-milter and consentctl built in BUILD_DIR (default
# _build), postfix, swaks, jq, redis-server, redis-cli (contrib/quickstart.sh
# installs them) and root, to start Postfix.

set -u

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/_build}
CM_SRCDIR=$top
CM_DAEMON=${CM_DAEMON:-$build/consent-milter}
CM_CONSENTCTL=${CM_CONSENTCTL:-$build/consentctl}
export CM_SRCDIR CM_DAEMON CM_CONSENTCTL
for prog in "$CM_DAEMON" "$CM_CONSENTCTL"; do
    if [ ! -x "$prog" ]; then
	echo "demo: $prog not built (run contrib/quickstart.sh)" >&2
	exit 1
    fi
done
if [ "$(id -u)" != 0 ]; then
    echo "demo: run as root: it starts a private Postfix" >&2
    exit 1
fi

. "$top/tests/postfix/lib.sh"
# Run under a throwaway redis-server (tests/lib/redis.sh), with the
# build directory as argument again.
pf_need_redis "$0" "$build"

samples=$top/conf/sample-messages

bold() { printf '\n\033[1m%s\033[0m\n' "$*"; }

# --- set-up -----------------------------------------------------------------
# The relay's own one-click opt-out (DESIGN.md section 14): a token key,
# consent-unsubscribe on a loopback port, and the milter told to add
# List-Unsubscribe headers that point at it.
. "$top/tests/lib/redislib.sh"
UNSUB=${CM_UNSUBSCRIBE:-$build/consent-unsubscribe}
unsub_dir=$CM_TEST_TMPDIR/unsub
mkdir -p "$unsub_dir"
unsub_keys=$unsub_dir/unsubscribe.keys
(umask 077; printf 'demo %s\n' "$(openssl rand -hex 32)" > "$unsub_keys")
unsub_port=$(cm_free_port)
unsub_url=http://127.0.0.1:$unsub_port
printf '%s\n' "Redis unix:$CM_TEST_REDIS_SOCK" \
    "UnsubscribeListen inet:$unsub_port@127.0.0.1" \
    "UnsubscribeURL $unsub_url/u/" "UnsubscribeKeyFile $unsub_keys" \
    "UnsubscribeOrganisation The Party (demo)" \
    "AuditLog $unsub_dir/audit.log" "AllowRoot yes" \
    > "$unsub_dir/consent-unsubscribe.conf"
"$UNSUB" -f -c "$unsub_dir/consent-unsubscribe.conf" 2> "$unsub_dir/log" &
unsub_pid=$!

pf_up "Unsubscribe yes" "UnsubscribeURL $unsub_url/u/" \
    "UnsubscribeMailto optout.party.example" \
    "UnsubscribeKeyFile $unsub_keys"

ctl() { "$CM_CONSENTCTL" -c "$PF_MILTER_CONF" --actor demo "$@"; }

# The consent records of a CRM export, and the campaigns.
load_sample_data() {
    ctl import "$top/conf/sample-consent.csv" | sed 's/^/  /'
    ctl campaign add spring-newsletter --purpose newsletter \
	--owner membership-team | sed 's/^/  /'
    ctl campaign add membership-receipts --purpose receipts --basis service \
	--owner finance | sed 's/^/  /'
    ctl sender set news@party.example spring-newsletter | sed 's/^/  /'
}

bold "A private Postfix with consent-milter (tests/postfix/lib.sh):"
postconf -c "$PF_CONF" -n smtpd_milters non_smtpd_milters \
    milter_default_action milter_rcpt_macros relayhost | sed 's/^/  /'
echo "  (smtpd on 127.0.0.1:$PF_SMTP_PORT; smtp-sink on 127.0.0.1:$PF_SINK_PORT)"

bold "Loading consent with consentctl (conf/sample-consent.csv, a CRM export):"
sed 's/^/  | /' "$top/conf/sample-consent.csv"
load_sample_data
for who in alice bob carol dave; do
    printf '  check %-18s ' "$who@example.org:"
    ctl check "$who@example.org" spring-newsletter | head -n 1
done

# --- how to show one message --------------------------------------------------

# The SMTP dialogue, as the client saw it: each command and its reply.
show_dialogue() {
    printf '%s\n' "$swaks_out" | awk '
	/^ -> (MAIL FROM|RCPT TO):/ { cmd = substr($0, 5); next }
	/^ -> \.$/ { cmd = "end of data"; next }
	/^ -> DATA$/ { cmd = ""; next }
	/^<(-|\*\*) / && cmd != "" {
	    r = $0; sub(/^<(-|\*\*) +/, "", r)
	    if (r ~ /^[0-9][0-9][0-9]-/) next
	    printf "    %-36s %s\n", cmd, r; cmd = "" }'
}

# What became of a message: whom it reached, what the milter added.
# show_outcome MSGID FILE RCPT...  (FILE: the message as sent)
show_outcome() {
    _id=$1 _orig=$2; shift 2
    _f=$(pf_sink_file "$_id")
    if [ -z "$_f" ]; then
	echo "    -> delivered to nobody"
	return
    fi
    _got=$(pf_sink_rcpts "$_f" | tr '\n' ' ')
    echo "    -> delivered to: ${_got% }"
    _not=
    for _r in "$@"; do
	case " $_got " in *" $_r "*) ;; *) _not="$_not $_r" ;; esac
    done
    [ -n "$_not" ] && echo "    -> not delivered to:$_not"
    # Header lines in the delivered message that were not in the original.
    pf_sink_message "$_f" | sed '/^$/q' | while IFS= read -r _h; do
	[ -n "$_h" ] || continue
	grep -qxF -- "$_h" "$_orig" || echo "    -> header added: $_h"
    done
}

# Wait until Postfix has dealt with a local submission: delivered,
# stripped, rejected (and bounced) alike. mark_log before submitting.
mark_log() { log_mark=$(wc -l < "$PF_MAILLOG"); }
wait_done() {
    cm_wait 15 "Postfix to pick up $1" _logged_since "message-id=$1" 2>/dev/null
    cm_wait 15 "Postfix to finish" _pf_idle 2>/dev/null
}
_logged_since() { tail -n "+$((log_mark + 1))" "$PF_MAILLOG" | grep -qF -- "$1"; }

# send FILE SENDER RCPT... : through SMTP with swaks
send() {
    _file=$1 _from=$2; shift 2
    bold "=== $(basename "$_file")  (SMTP)"
    _to=$(echo "$@" | tr ' ' ',')
    pf_swaks --from "$_from" --to "$_to" --data "@$_file"
    show_dialogue
    _id=$(sed -n 's/^Message-ID: //Ip' "$_file" | head -n 1)
    if [ -n "$(pf_swaks_qid)" ]; then
	pf_wait_sink "$_id" 15 2>/dev/null
    else
	case $(printf '%s\n' "$swaks_out" | sed -n 's/^<\*\* \([0-9]\).*/\1/p' | tail -n 1) in
	4) echo "    -> deferred: nothing queued here; the sending system keeps the message and retries" ;;
	*) echo "    -> refused: nothing queued; the sending system tells its user" ;;
	esac
    fi
    [ -n "$(pf_swaks_qid)" ] && show_outcome "$_id" "$_file" "$@"
}

# --- the sample messages -------------------------------------------------------

# A campaign named in the message header: decided at end of message.
send "$samples/01-header-campaign.eml" campaigns@party.example \
    alice@example.org bob@example.org carol@example.org dave@example.org
# The newsletter stream's own sender: decided per recipient at RCPT.
send "$samples/02-envelope-campaign.eml" news@party.example \
    alice@example.org bob@example.org carol@example.org
# Ordinary mail: untouched, not logged.
send "$samples/03-ordinary.eml" office@party.example carol@example.org
# Bulk mail that names no campaign: refused (UnidentifiedBulk reject).
send "$samples/04-bulk-without-campaign.eml" volunteer@party.example \
    alice@example.org bob@example.org

# The same newsletter, submitted on the relay with the sendmail command
# (a CRM export script, say): non_smtpd_milters, decided at end of message.
local_eml=$PF_DIR/02-local.eml
sed 's/^Message-ID: .*/Message-ID: <spring-2026-002.local@party.example>/' \
    "$samples/02-envelope-campaign.eml" > "$local_eml"
bold "=== 02-envelope-campaign.eml again, with Postfix's sendmail command"
echo "    sendmail -f news@party.example alice@example.org bob@example.org carol@example.org"
mark_log
pf_sendmail -f news@party.example alice@example.org bob@example.org \
    carol@example.org < "$local_eml"
wait_done "<spring-2026-002.local@party.example>"
echo "    (no SMTP dialogue: the milter's verdict comes at end of message)"
show_outcome "<spring-2026-002.local@party.example>" "$local_eml" \
    alice@example.org bob@example.org carol@example.org

# --- the consent store goes down -----------------------------------------------
bold "The consent store goes down (redis-cli SHUTDOWN); the newsletter goes out again:"
pf_redis_stop
down_eml=$PF_DIR/02-down.eml
sed 's/^Message-ID: .*/Message-ID: <spring-2026-002.retry@party.example>/' \
    "$samples/02-envelope-campaign.eml" > "$down_eml"
send "$down_eml" news@party.example alice@example.org
wait_eml=$PF_DIR/02-wait.eml
sed 's/^Message-ID: .*/Message-ID: <spring-2026-002.wait@party.example>/' \
    "$samples/02-envelope-campaign.eml" > "$wait_eml"
bold "=== and once more with the sendmail command, while Redis is down"
mark_log
pf_sendmail -f news@party.example alice@example.org bob@example.org < "$wait_eml"
cm_wait 10 "the deferral" _logged_since "4.7.1 not sent: store-error" 2>/dev/null
echo "    Postfix's queue (postqueue -p): the message waits"
postqueue -c "$PF_CONF" -p | sed 's/^/      /'

bold "Redis is back (same socket, empty: the sample data loaded again); postqueue -f:"
pf_redis_start
load_sample_data > /dev/null
mark_log
pf_flush
wait_done "<spring-2026-002.wait@party.example>"
echo "=== the waiting message"
show_outcome "<spring-2026-002.wait@party.example>" "$wait_eml" \
    alice@example.org bob@example.org
echo "=== the SMTP client retries"
send "$down_eml" news@party.example alice@example.org

# --- one click ---------------------------------------------------------------------
bold "alice clicks \"unsubscribe\" in her mail program (one-click, RFC 8058):"
click_eml=$PF_DIR/05-click.eml
sed -e 's/^Message-ID: .*/Message-ID: <spring-2026-003@party.example>/' \
    "$samples/02-envelope-campaign.eml" > "$click_eml"
send "$click_eml" news@party.example alice@example.org
f=$(pf_sink_file "<spring-2026-003@party.example>")
lu=$(pf_sink_message "$f" | sed '/^$/q' |
    sed -n 's/^List-Unsubscribe: *//p' | head -n 1)
url=$(printf '%s' "$lu" | sed -n 's|.*<\(http[^>]*\)>.*|\1|p')
echo "    her mail program POSTs to the List-Unsubscribe URL the relay added:"
echo "    curl -X POST --data 'List-Unsubscribe=One-Click' $url"
printf '    -> %s\n' "$(curl -s -X POST --data 'List-Unsubscribe=One-Click' "$url")"
printf '    alice in the store now: '
ctl check alice@example.org spring-newsletter | head -n 1
bold "The next newsletter skips her, whichever tool sends it:"
next_eml=$PF_DIR/05-next.eml
sed -e 's/^Message-ID: .*/Message-ID: <spring-2026-004@party.example>/' \
    "$samples/02-envelope-campaign.eml" > "$next_eml"
send "$next_eml" news@party.example alice@example.org
bold "consentctl trace tells alice's story:"
ctl trace alice@example.org --audit-log "$PF_AUDIT" \
    --audit-log "$unsub_dir/audit.log" | sed 's/^/  /'
kill "$unsub_pid" 2>/dev/null
wait "$unsub_pid" 2>/dev/null

# --- the evidence ------------------------------------------------------------------
bold "A complaint arrives from bob@example.org: consentctl trace answers it:"
ctl trace bob@example.org | sed 's/^/  /'
# The same as pictures, for contrib/quickstart.sh: report and evidence pack.
if [ -n "${CM_DEMO_OUT:-}" ] && mkdir -p "$CM_DEMO_OUT"; then
    ctl report spring-newsletter --html "$CM_DEMO_OUT/report-spring-newsletter.html"
    ctl trace bob@example.org --html "$CM_DEMO_OUT/evidence-bob.html"
fi

bold "The audit trail (one JSON line per recipient decision):"
cat "$PF_AUDIT"
bold "The same, as a table:"
jq -r '[.qid // "-", (.rcpt // "-"), (.campaign // "-"), .decision,
	.reason, .action] | @tsv' "$PF_AUDIT" |
    awk -F'\t' 'BEGIN { printf "  %-12s %-20s %-20s %-9s %-18s %s\n",
			  "QID", "RECIPIENT", "CAMPAIGN", "DECISION", "REASON", "ACTION" }
		{ printf "  %-12s %-20s %-20s %-9s %-18s %s\n", $1, $2, $3, $4, $5, $6 }'

bold "The milter's log (syslog in production):"
sed 's/^/  /' "$PF_MILTER_LOG"

bold "Postfix's log, the lines about the milter:"
grep -E 'milter-(reject|hold)|Milter' "$PF_MAILLOG" |
    sed -e 's/^[A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]* [^ ]* //' -e 's/^/  /'

bold "Did anyone get mail the trail did not allow? consentctl reconcile reads Postfix's delivery log:"
cm_wait 15 "Postfix to finish" _pf_idle 2>/dev/null
echo "    consentctl reconcile --maillog $PF_MAILLOG"
ctl reconcile --maillog "$PF_MAILLOG" | sed 's/^/  /'
echo
