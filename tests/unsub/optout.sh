#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# optout.sh - consent-unsubscribe: one-click opt-outs against a real store
#
# Under tests/lib/redis.sh, the real daemon, consentctl (to grant and to
# mint tokens) and curl. A GET changes nothing; a POST withdraws
# (consent, history with actor one-click and the evidence, the audit
# line); a replay gets the same answer and adds nothing; forged,
# truncated, re-keyed and garbage tokens get the very same status,
# headers and body and change nothing; multipart/form-data works too;
# SIGHUP reopens the audit trail; with LogAddresses pseudonymised the
# client is a pseudonym in the history and the audit line.

. "$CM_SRCDIR/tests/unsub/lib.sh"

# state ADDR - what the store holds for ADDR: the record and history size
state() {
    printf '%s|%s|%s' "$(t_redis hgetall "cm:consent:$1" | tr '\n' ' ')" \
	"$(t_redis xlen "cm:history:$1")" "$(t_redis exists "cm:suppress:$1")"
}

# answer - the last answer without the Date header: status, headers, body
answer() {
    printf '%s\n%s\n%s' "$code" "$(printf '%s\n' "$hdrs" | grep -vi '^date:')" \
	"$body"
}

u_keys
u_conf
for who in alice bob carol dave; do
    t_run grant "$who@example.org" news --source "web form v3"
done
t_run campaign add spring --purpose news
t_rc 0 "a campaign to opt out of"
alice=$(u_token alice@example.org spring)
bob=$(u_token bob@example.org spring)
carol=$(u_token carol@example.org spring)
t_eq "${#alice}" 50 "consentctl unsubscribe-link gives a token ($(cat "$TMP/link.err"))"
u_start CM_UNSUB_TEST_FLOOR_MS=0 || { t_notok "the service starts"; t_done; }

echo "# GET changes nothing"
before=$(state alice@example.org)
dbsize=$(t_redis dbsize)
u_curl GET "/u/$alice"
t_eq "$code" 200 "GET /u/TOKEN: 200"
out=$body
t_has "You will no longer get news email from Example &amp; &lt;Sons&gt;." \
    "the page names the purpose and the organisation"
t_eq "$(state alice@example.org)" "$before" "GET: the record and history unchanged"
t_eq "$(t_redis dbsize)" "$dbsize" "GET: no key added"
[ -s "$TMP/audit.log" ] && t_notok "GET: no audit line" || t_ok "GET: no audit line"

echo "# POST withdraws"
u_curl POST "/u/$alice" --data 'List-Unsubscribe=One-Click'
t_eq "$code" 200 "POST: 200"
t_eq "$body" "You are unsubscribed. Thank you." "POST: a short plain body"
t_eq "$redir" "" "POST: no redirect"
good=$(answer)
t_eq "$(t_redis hget cm:consent:alice@example.org news)" withdrawn \
    "the purpose is withdrawn"
hist=$(t_redis xrevrange cm:history:alice@example.org + - count 1 | tr '\n' ' ')
out=$hist
t_has "actor one-click" "history: actor one-click"
t_has "state withdrawn" "history: state withdrawn"
t_has "channel=one-click campaign=spring message=- client=127.0.0.1" \
    "history: the evidence names channel, campaign and client"
out=$(cat "$TMP/audit.log")
t_has '"event":"opt-out"' "audit: an opt-out line"
t_has '"channel":"one-click"' "audit: the channel"
t_has '"rcpt":"alice@example.org"' "audit: who"
t_has '"campaign":"spring"' "audit: the campaign"
t_has '"result":"done"' "audit: done"
t_eq "$(wc -l < "$TMP/audit.log" | tr -d ' ')" 1 "audit: one line"

echo "# a replay is harmless"
hlen=$(t_redis xlen cm:history:alice@example.org)
u_curl POST "/u/$alice" --data 'List-Unsubscribe=One-Click'
t_eq "$(answer)" "$good" "replay: the same status, headers and body"
t_eq "$(t_redis xlen cm:history:alice@example.org)" "$hlen" \
    "replay: no second history entry"

echo "# bad tokens: the same answer, nothing written"
before=$(state bob@example.org)
dbsize=$(t_redis dbsize)
lines=$(wc -l < "$TMP/audit.log")
# One character changed (the last one keeps its low bits valid).
c1=$(printf '%s' "$bob" | cut -c1-20)
c2=$(printf '%s' "$bob" | cut -c21)
c3=$(printf '%s' "$bob" | cut -c22-)
case $c2 in a) c2=b ;; *) c2=a ;; esac
forged=$c1$c2$c3
printf 'k2 %s\n' \
    fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210 \
    > "$TMP/other.keys"
chmod 600 "$TMP/other.keys"
cp "$CONF" "$TMP/conf.saved"
sed -i "s|^UnsubscribeKeyFile .*|UnsubscribeKeyFile $TMP/other.keys|" "$CONF"
rekeyed=$(u_token bob@example.org spring)
cp "$TMP/conf.saved" "$CONF"
t_eq "${#rekeyed}" 50 "a token of another key"
for bad in "$forged" "$(printf '%s' "$bob" | cut -c1-49)" "$rekeyed" \
    "${bob}a" "$(printf '%s' "$bob" | tr a-z A-Z | tr 2-7 0-5)" \
    aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa '%00%0d%0a<x>' x; do
    u_curl POST "/u/$bad" --data 'List-Unsubscribe=One-Click'
    t_eq "$(answer)" "$good" "bad token $(printf '%s' "$bad" | cut -c1-12)...: the same answer"
done
t_eq "$(state bob@example.org)" "$before" "bad tokens: bob's record and history unchanged"
t_eq "$(t_redis dbsize)" "$dbsize" "bad tokens: no key added"
t_eq "$(wc -l < "$TMP/audit.log")" "$lines" "bad tokens: no audit line"
grep -q 'bad token' "$TMP/unsub.log" && t_ok "bad tokens are logged (syslog)" \
    || t_notok "bad tokens are logged (syslog)"
u_curl POST "/u/$bob" --data 'List-Unsubscribe=One-Click'
t_eq "$(t_redis hget cm:consent:bob@example.org news)" withdrawn \
    "bob's own token still works"

echo "# multipart/form-data (RFC 8058 allows it), after SCRIPT FLUSH"
# Redis forgets the writer's script (a restart, SCRIPT FLUSH): the
# service gets NOSCRIPT for its EVALSHA and sends the script again.
t_redis script flush > /dev/null
u_curl POST "/u/$carol" -F 'List-Unsubscribe=One-Click'
t_eq "$(answer)" "$good" "multipart: the same answer"
t_eq "$(t_redis hget cm:consent:carol@example.org news)" withdrawn \
    "multipart, after SCRIPT FLUSH: withdrawn"

echo "# SIGHUP reopens the audit trail"
mv "$TMP/audit.log" "$TMP/audit.log.1"
kill -HUP "$u_pid"
n=0
while ! grep -q 'audit trail reopened' "$TMP/unsub.log" && [ $n -lt 50 ]; do
    sleep 0.1; n=$((n + 1)); done
dave=$(u_token dave@example.org spring)
u_curl POST "/u/$dave" --data 'List-Unsubscribe=One-Click'
grep -q '"rcpt":"dave@example.org"' "$TMP/audit.log" \
    && t_ok "after SIGHUP the line goes to the new file" \
    || t_notok "after SIGHUP the line goes to the new file"
u_stop

echo "# the time floor: bad and good tokens take as long"
u_start || { t_notok "the service starts again"; t_done; }
u_curl POST "/u/$alice" --data 'List-Unsubscribe=One-Click'
good_s=$secs
u_curl POST "/u/$forged" --data 'List-Unsubscribe=One-Click'
bad_s=$secs
echo "# replay ${good_s}s, forged ${bad_s}s"
awk -v g="$good_s" -v b="$bad_s" 'BEGIN { exit !(g >= 0.019 && b >= 0.019) }' \
    && t_ok "both answer after the 20 ms floor" \
    || t_notok "both answer after the 20 ms floor (${good_s}s, ${bad_s}s)"
u_stop

echo "# LogAddresses pseudonymised: the client is a pseudonym"
printf 'address-key-secret\n' > "$TMP/addr.key"
chmod 600 "$TMP/addr.key"
u_conf "AddressKeyFile $TMP/addr.key" "LogAddresses pseudonymised" \
    "AuditLog $TMP/audit2.log"
t_run grant erin@example.org news --source form
t_run unsubscribe-refs
erin=$(u_token erin@example.org spring)
t_eq "${#erin}" 50 "a token for a pseudonymised record"
u_start CM_UNSUB_TEST_FLOOR_MS=0 || { t_notok "the service starts"; t_done; }
u_curl POST "/u/$erin" --data 'List-Unsubscribe=One-Click' \
    -H 'X-Forwarded-For: 198.51.100.23'
t_eq "$(answer)" "$good" "the same answer"
out=$(cat "$TMP/audit2.log")
t_has '"rcpt_id":"' "audit: rcpt_id, not rcpt"
case $out in
*198.51.100.23*|*erin@*) t_notok "audit: neither address nor client in clear" ;;
*) t_ok "audit: neither address nor client in clear" ;;
esac
id=$(t_redis --scan --pattern 'cm:history:*' | grep -v '@' | head -1)
out=$(t_redis xrevrange "$id" + - count 1 | tr '\n' ' ')
t_has "actor one-click" "history of the pseudonymised record: one-click"
case $out in
*client=198.51.100.23*) t_notok "history: the client is pseudonymised" ;;
*client=[0-9a-f]*) t_ok "history: the client is pseudonymised" ;;
*) t_notok "history: the client is pseudonymised ($out)" ;;
esac
u_stop
t_done
