#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# feedback.sh - complaints (ARF, RFC 5965) suppress the person, evidence kept
#
# Run under tests/lib/redis.sh with CM_CONSENTCTL and CM_SRCDIR set.
# tests/ctl/arf/: RFC 5965's own example (Original-Rcpt-To), a provider's
# redacted report in CRLF whose only clue is our token in the original
# List-Unsubscribe, a plain message and a DSN (not ARF: exit 65).

. "$CM_SRCDIR/tests/ctl/lib.sh"

ARF=$CM_SRCDIR/tests/ctl/arf
KEYS=$TMP/unsub.keys
printf 'k1 %s\n' 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f > "$KEYS"
chmod 600 "$KEYS"
t_conf "UnsubscribeKeyFile $KEYS" "UnsubscribeURL https://optout.example.org/u/" \
    "UnsubscribeMailto optout.example.org" "AuditLog $TMP/audit.log"
t_redis FLUSHALL > /dev/null
rm -f "$TMP/audit.log"

# feed FILE - consentctl feedback < FILE
feed() {
    "$CONSENTCTL" -c "$CONF" feedback < "$1" > "$TMP/out" 2> "$TMP/err"
    rc=$?
    out=$(cat "$TMP/out")
    err=$(cat "$TMP/err")
}

echo "--- RFC 5965's example: Original-Rcpt-To"
t_run grant user@example.com news
feed "$ARF/rfc5965-example.eml"
t_rc 0 "suppressed"
v=$(t_redis GET cm:suppress:user@example.com)
case $v in
[0-9]*" channel=feedback campaign=- message=8787KJKJ3K4J3K4J3K4J3.mail@example.net client=192.0.2.1 complaint=abuse arrival=Thu,%208%20Mar%202005%2014:00:00%20EDT mail-from=somespammer@example.net")
    t_ok "suppression with the report as evidence" ;;
*) t_notok "suppression with the report as evidence"; printf '#   got: %s\n' "$v" ;;
esac
t_eq "$(t_redis XREVRANGE cm:history:user@example.com + - COUNT 1 | sed -n 11p)" \
    feedback "history actor feedback"
t_eq "$(grep -c '"channel":"feedback","rcpt":"user@example.com","purpose":null,"campaign":null,"msgid":"8787KJKJ3K4J3K4J3K4J3.mail@example.net","client":"192.0.2.1","result":"done"' "$TMP/audit.log")" \
    1 "audit: one opt-out line"
feed "$ARF/rfc5965-example.eml"
t_rc 0 "the same report again"
t_errhas "result=already" "again: already"

echo "--- a redacted report: our token names the person"
t_run grant alice@example.org news
t_run campaign add spring --purpose news
t_run unsubscribe-link alice@example.org spring
tok=${out%%
*}
tok=${tok#https://optout.example.org/u/}
sed "s/@TOKEN@/$tok/g" "$ARF/redacted-token.eml" > "$TMP/redacted.eml"
feed "$TMP/redacted.eml"
t_rc 0 "suppressed by token"
v=$(t_redis GET cm:suppress:alice@example.org)
case $v in
*" channel=feedback campaign=spring message=<spring-42@org.example> client=198.51.100.25 complaint=abuse arrival=Thu,%2003%20Dec%202026%2008:00:00%20+0000 mail-from=campaigns@org.example")
    t_ok "token: campaign and message in the evidence" ;;
*) t_notok "token: campaign and message in the evidence"; printf '#   got: %s\n' "$v" ;;
esac
t_run check alice@example.org spring
t_rc 1 "alice is now refused"
t_has "suppressed" "reason suppressed"

echo "--- a report naming nobody we know: accepted, logged"
sed "s/@TOKEN@/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/g" \
    "$ARF/redacted-token.eml" > "$TMP/nobody.eml"
before=$(t_redis DBSIZE)
feed "$TMP/nobody.eml"
t_rc 0 "nobody: exit 0"
t_errhas "result=bad-token" "nobody: logged"
t_eq "$(t_redis DBSIZE)" "$before" "nobody: nothing written"

echo "--- not ARF: 65 with the reason"
feed "$ARF/not-arf.eml"
t_rc 65 "plain message"
t_errhas "not an ARF report: Content-Type text/plain" "plain: reason"
feed "$ARF/dsn.eml"
t_rc 65 "DSN"
t_errhas "report-type=feedback-report" "DSN: reason"

echo "--- run by hand as root: a link planted for the audit trail is not followed"
if [ "$(id -u)" = 0 ]; then
    # The trail's directory may belong to the daemon's user, who could
    # plant a link there; root (an admin feeding a report by hand) must
    # not append through it to another file.
    t_run grant dave@example.org news
    sed 's/user@example.com/dave@example.org/' "$ARF/rfc5965-example.eml" > "$TMP/dave.eml"
    printf 'root:x:0:0:root:/root:/bin/sh\n' > "$TMP/passwd"
    mv "$TMP/audit.log" "$TMP/audit.log.1"
    ln -s "$TMP/passwd" "$TMP/audit.log"
    feed "$TMP/dave.eml"
    t_rc 75 "symlinked trail: EX_TEMPFAIL, the MTA keeps the report"
    t_errhas "AuditLog $TMP/audit.log: a symbolic link: not written as root" \
        "symlinked trail: the reason"
    t_eq "$(cat "$TMP/passwd")" "root:x:0:0:root:/root:/bin/sh" \
        "symlinked trail: the link's target is untouched"
    rm -f "$TMP/audit.log"
    mv "$TMP/audit.log.1" "$TMP/audit.log"
    feed "$TMP/dave.eml"
    t_rc 0 "the retry, once the trail is a file again"
    t_eq "$(grep -c '"channel":"feedback","rcpt":"dave@example.org"' "$TMP/audit.log")" \
        1 "the retry writes the opt-out line"
else
    echo "# skipped: not root"
fi

echo "--- a configuration that cannot be read: 75, not a bounce"
t_run grant carol@example.org news
sed 's/user@example.com/carol@example.org/' "$ARF/rfc5965-example.eml" > "$TMP/carol.eml"
good=$CONF
CONF=$TMP/missing.conf
feed "$TMP/carol.eml"
t_rc 75 "no configuration file: EX_TEMPFAIL"
CONF=$TMP/unknown-key.conf
{ cat "$good"; echo "NoSuchKey yes"; } > "$CONF"
feed "$TMP/carol.eml"
t_rc 75 "an unknown key: EX_TEMPFAIL"
CONF=$good
t_eq "$(t_redis EXISTS cm:suppress:carol@example.org)" 0 "nothing written"

echo "--- store down: 75"
sed -i "s|^Redis .*|Redis unix:$TMP/nothing.sock|" "$CONF"
feed "$TMP/carol.eml"
t_rc 75 "store down: EX_TEMPFAIL"

t_done
