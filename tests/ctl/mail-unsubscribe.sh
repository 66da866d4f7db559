#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# mail-unsubscribe.sh - the mailto: opt-out, as a Postfix pipe transport runs it
#
# Run under tests/lib/redis.sh with CM_CONSENTCTL and CM_SRCDIR set.
# consentctl mail-unsubscribe RECIPIENT SENDER < message: a good token
# withdraws (history, evidence, actor mailto, audit line), a replay and
# an upper-cased address change nothing and exit 0, a forged or foreign
# token and an address without a token exit 0 with nothing written (no
# oracle), a store that is down or a configuration that cannot be read
# exits 75 (EX_TEMPFAIL: Postfix retries).

. "$CM_SRCDIR/tests/ctl/lib.sh"

KEYS=$TMP/unsub.keys
printf 'k1 %s\n' 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f > "$KEYS"
chmod 600 "$KEYS"
t_conf "UnsubscribeKeyFile $KEYS" "UnsubscribeMailto optout.example.org" \
    "AuditLog $TMP/audit.log"
t_redis FLUSHALL > /dev/null
rm -f "$TMP/audit.log"

t_run grant alice@example.org news --source form
t_run campaign add spring --purpose news
t_run unsubscribe-link alice@example.org spring
t_rc 0 "unsubscribe-link"
rcpt=${out#mailto:}
tok=${rcpt#unsubscribe+}
tok=${tok%@*}

# mail RECIPIENT [SENDER] - pipe a short message in, as Postfix does
mail() {
    printf 'From: Alice <alice@example.org>\nTo: %s\nSubject: unsubscribe\nMessage-ID: <u1@mail.example>\n\nplease\n' "$1" |
	"$CONSENTCTL" -c "$CONF" mail-unsubscribe "$@" > "$TMP/out" 2> "$TMP/err"
    rc=$?
    out=$(cat "$TMP/out")
    err=$(cat "$TMP/err")
}

echo "--- a good token withdraws"
mail "$rcpt" alice@example.org
t_rc 0 "withdrawn"
t_eq "$(t_redis HGET cm:consent:alice@example.org news)" withdrawn "news withdrawn"
t_eq "$(t_redis HGET cm:consent:alice@example.org news:src)" \
    "channel=mailto campaign=spring message=<u1@mail.example> client=alice@example.org" \
    "evidence: channel, campaign, message, client"
t_eq "$(t_redis XREVRANGE cm:history:alice@example.org + - COUNT 1 | sed -n 11p)" \
    mailto "history actor mailto"
t_errhas "result=done campaign=spring purpose=news" "log line"
t_eq "$(grep -c '"event":"opt-out","channel":"mailto","rcpt":"alice@example.org","purpose":"news","campaign":"spring","msgid":"<u1@mail.example>","client":"alice@example.org","result":"done"}' "$TMP/audit.log")" \
    1 "audit trail: one opt-out line"
hist=$(t_redis XLEN cm:history:alice@example.org)

echo "--- replays are harmless"
mail "$rcpt" alice@example.org
t_rc 0 "replay"
t_errhas "result=already" "replay: already"
upper=$(printf '%s' "$rcpt" | tr 'a-z' 'A-Z')
mail "$upper"
t_rc 0 "upper-cased address"
t_errhas "result=already" "upper case: the same token"
t_eq "$(t_redis XLEN cm:history:alice@example.org)" "$hist" "no history added"

echo "--- bad tokens: accepted, nothing written, no oracle"
t_run grant bob@example.org news
t_run unsubscribe-link bob@example.org spring
bobrcpt=${out#mailto:}
before=$(t_redis DBSIZE)
forged=$(printf '%s' "$bobrcpt" | sed 's/^\(unsubscribe+.\{20\}\)./\1a/; s/^\(unsubscribe+.\{20\}\)aa/\1ab/')
[ "$forged" != "$bobrcpt" ] || forged=$(printf '%s' "$bobrcpt" | sed 's/^\(unsubscribe+.\{20\}\)./\1b/')
mail "$forged" bob@example.org
t_rc 0 "forged token: exit 0"
t_errhas "result=bad-token" "forged: logged"
t_errhas "does not verify" "forged: why, in the log"
mail "unsubscribe+short@optout.example.org"
t_rc 0 "no token: exit 0"
mail "alice@example.org"
t_rc 0 "not an unsubscribe address: exit 0"
t_eq "$(t_redis HGET cm:consent:bob@example.org news)" granted "bob still granted"
t_eq "$(t_redis DBSIZE)" "$before" "nothing written"
t_eq "$(grep -c '"result":"bad-token"' "$TMP/audit.log")" 3 "audit: the refusals too"

echo "--- store down: 75, Postfix retries, nothing lost"
cp "$CONF" "$TMP/good.conf"
t_conf "UnsubscribeKeyFile $KEYS" "UnsubscribeMailto optout.example.org" \
    "AuditLog $TMP/audit.log"
sed -i "s|^Redis .*|Redis unix:$TMP/nothing.sock|" "$CONF"
mail "$bobrcpt" bob@example.org
t_rc 75 "store down: EX_TEMPFAIL"
t_errhas "result=store-down" "store down: logged"
cp "$TMP/good.conf" "$CONF"
mail "$bobrcpt" bob@example.org
t_rc 0 "the retry withdraws"
t_eq "$(t_redis HGET cm:consent:bob@example.org news)" withdrawn "bob withdrawn on retry"

echo "--- a configuration that cannot be read: 75, the message waits"
# Postfix bounces a pipe command's 64 (EX_USAGE): the opt-out would go
# back to the person instead of waiting for the admin to fix the file.
good=$CONF
CONF=$TMP/missing.conf
mail "$rcpt" alice@example.org
t_rc 75 "no configuration file: EX_TEMPFAIL, not a bounce"
t_errhas "missing.conf" "the file named"
CONF=$TMP/unknown-key.conf
{ cat "$good"; echo "NoSuchKey yes"; } > "$CONF"
mail "$rcpt" alice@example.org
t_rc 75 "an unknown key: EX_TEMPFAIL"
CONF=$TMP/no-addresskey.conf
{ cat "$good"; echo "AddressKeyFile $TMP/no-such.key"; } > "$CONF"
mail "$rcpt" alice@example.org
t_rc 75 "AddressKeyFile unreadable: EX_TEMPFAIL"
CONF=$good
"$CONSENTCTL" -c "$TMP/missing.conf" show alice@example.org > /dev/null 2>&1
rc=$?
t_rc 64 "other verbs: still 64"

echo "--- usage"
t_run mail-unsubscribe
t_rc 64 "no recipient"

t_done
