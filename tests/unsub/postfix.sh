#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# postfix.sh - the relay's own opt-out, end to end through a real Postfix
#
# Usage: as root, under make check (it runs itself under tests/lib/redis.sh).
#
# A private Postfix with consent-milter (Unsubscribe yes) relays a
# single-recipient campaign message to smtp-sink; the List-Unsubscribe
# URL is taken out of the message the sink received and used, with curl,
# against a running consent-unsubscribe:
#   1. the message carries our List-Unsubscribe (https-style URL and
#      mailto) and List-Unsubscribe-Post: List-Unsubscribe=One-Click;
#   2. a GET of that URL shows the page and changes nothing: the next
#      message is still delivered;
#   3. a forged token gets the very same answer as the real one and
#      changes nothing;
#   4. the one-click POST withdraws: the next message to that person is
#      refused at RCPT with "withdrawn", the others still get theirs;
#   5. consentctl trace tells the story (channel one-click, campaign), and
#      Postfix's own log agrees with the audit trail (pf_reconcile).

CM_SRCDIR=${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$CM_SRCDIR/tests/postfix/lib.sh"
pf_need_redis "$0" "$@"
. "$CM_SRCDIR/tests/unsub/lib.sh"

# The service, and consentctl's data, first: the milter needs the URL.
u_keys
u_conf
t_run grant alice@example.org newsletter --source "web form v3"
t_run grant frank@example.org newsletter --source "web form v3"
t_run campaign add spring --purpose newsletter
t_run sender set news@org.example spring
t_rc 0 "campaign spring, the sender of news@org.example"
u_start || { t_notok "consent-unsubscribe starts"; t_done; }

pf_up "Unsubscribe yes" "UnsubscribeURL $u_url/u/" \
    "UnsubscribeMailto optout.example.org" \
    "UnsubscribeKeyFile $TMP/unsub.keys"

# header FILE NAME - a header of a sink file, unfolded
header() {
    awk -v name="$2" '
	/^$/ { exit }
	/^[ \t]/ { if (on) { sub(/^[ \t]+/, " "); v = v $0 }; next }
	{
	    if (on) { print v; exit }
	    i = index($0, ":")
	    if (i > 0 && tolower(substr($0, 1, i - 1)) == tolower(name)) {
		v = substr($0, i + 1); sub(/^[ \t]+/, "", v); on = 1
	    }
	}
	END { if (on && v != "") print v }' "$1" | head -1
}

# send N RCPT - one campaign message from news@org.example to RCPT
send() {
    pf_swaks --from news@org.example --to "$2" \
	--header "From: Party News <news@org.example>" \
	--header "Message-Id: <unsub-$1@cmtest.invalid>"
}

echo "# 1. the message carries the relay's own one-click opt-out"
send 1 alice@example.org
pf_wait_queue_empty
f=$(pf_sink_file "<unsub-1@cmtest.invalid>")
t_true "delivered to the sink" [ -n "$f" ]
lu=$(header "$f" List-Unsubscribe)
echo "# List-Unsubscribe: $lu"
url=$(printf '%s' "$lu" | sed -n 's|.*<\(http[^>]*\)>.*|\1|p')
t_in "$url" "$u_url/u/" "List-Unsubscribe: our URL"
t_in "$lu" "<mailto:unsubscribe+" "List-Unsubscribe: our mailto"
t_eq "$(header "$f" List-Unsubscribe-Post)" "List-Unsubscribe=One-Click" \
    "List-Unsubscribe-Post: List-Unsubscribe=One-Click"
token=${url##*/u/}
t_eq "${#token}" 50 "a 50-character token"

echo "# 2. a GET (a link scanner) changes nothing"
before=$(t_redis hgetall cm:consent:alice@example.org | tr '\n' ' ')
hlen=$(t_redis xlen cm:history:alice@example.org)
code=$(curl -s -o "$TMP/page" -w '%{http_code} %{redirect_url}' "$url")
t_eq "$code" "200 " "GET: the page, no redirect"
t_true "the page names the purpose" grep -q 'no longer get newsletter email' "$TMP/page"
t_eq "$(t_redis hgetall cm:consent:alice@example.org | tr '\n' ' ')" "$before" \
    "GET: the record unchanged"
t_eq "$(t_redis xlen cm:history:alice@example.org)" "$hlen" "GET: no history entry"
send 2 alice@example.org
pf_wait_queue_empty
t_true "after the GET the next message is still delivered" \
    [ -n "$(pf_sink_file "<unsub-2@cmtest.invalid>")" ]

echo "# 3. a forged token: the same answer, nothing written"
c=$(printf '%s' "$token" | cut -c25)
case $c in a) c=b ;; *) c=a ;; esac
forged=$(printf '%s' "$token" | cut -c1-24)$c$(printf '%s' "$token" | cut -c26-)
fanswer=$(curl -s -w ' %{http_code} %{redirect_url}' -X POST \
    --data 'List-Unsubscribe=One-Click' "$u_url/u/$forged")
t_eq "$(t_redis hget cm:consent:alice@example.org newsletter)" granted \
    "forged: nothing written"

echo "# 4. the one-click POST, as a mailbox provider sends it"
answer=$(curl -s -w ' %{http_code} %{redirect_url}' -X POST \
    --data 'List-Unsubscribe=One-Click' "$url")
t_eq "$answer" "You are unsubscribed. Thank you.
 200 " "POST: 200, a short body, no redirect"
t_eq "$fanswer" "$answer" "the forged token got the very same answer"
t_eq "$(t_redis hget cm:consent:alice@example.org newsletter)" withdrawn \
    "POST: withdrawn in the store"
send 3 alice@example.org
t_in "$swaks_out" \
    "<** 550 5.7.1 <alice@example.org>: not sent: withdrawn (campaign spring)" \
    "the next campaign message is refused at RCPT: withdrawn"
send 4 frank@example.org
pf_wait_queue_empty
t_true "others still get theirs" [ -n "$(pf_sink_file "<unsub-4@cmtest.invalid>")" ]

echo "# 5. the story, and the MTA's word"
t_run trace alice@example.org --audit-log "$PF_AUDIT" --audit-log "$TMP/audit.log"
printf '%s\n' "$out" | sed 's/^/#   /'
t_has "one-click" "trace: the opt-out by one-click"
t_has "spring" "trace: in campaign spring"
t_has "withdrawn" "trace: the refusal that followed"
pf_reconcile
u_stop
t_eq "$u_rc" 0 "consent-unsubscribe stops cleanly"
pf_milter_stop
t_eq "$?" 0 "consent-milter stops cleanly"
t_done
