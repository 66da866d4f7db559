#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# unsubscribe.sh - the relay's own opt-out, mailto: form, through a real Postfix
#
# Usage: CM_DAEMON=_build/consent-milter sh tests/postfix/unsubscribe.sh
#        (as root; it runs itself under tests/lib/redis.sh; make check runs it)
#
# A private Postfix with consent-milter (Unsubscribe yes) and the pipe
# transport of contrib/postfix/master.cf.unsubscribe for the domain
# optout.example.org, delivering into "consentctl mail-unsubscribe" as
# an unprivileged user:
#   1. a single-recipient campaign message reaches alice with the relay's
#      List-Unsubscribe (https and mailto) and List-Unsubscribe-Post;
#   2. mail to that mailto: address goes through the pipe transport:
#      alice's newsletter consent is withdrawn (actor mailto, evidence
#      names the campaign and the Message-ID);
#   3. the next campaign message to alice is refused at RCPT: withdrawn;
#   4. a forged token is accepted by the transport and changes nothing;
#   5. a mailbox provider's complaint (ARF, the redacted sample of
#      tests/ctl/arf/ with erin's token) to fbl@org.example goes through
#      the feedback transport: erin is suppressed, her next campaign
#      message refused;
# then pf_reconcile: nothing was delivered that the trail did not allow.

CM_SRCDIR=${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$CM_SRCDIR/tests/postfix/lib.sh"
pf_need_redis "$0" "$@"
. "$CM_SRCDIR/tests/ctl/lib.sh"

CONSENTCTL=${CM_CONSENTCTL:-consentctl}
pf_init
KEYS=$PF_DIR/unsub.keys
printf 'k1 %s\n' 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f > "$KEYS"
chmod 600 "$KEYS"
pf_milter_conf "Unsubscribe yes" \
    "UnsubscribeURL https://optout.example.org/u/" \
    "UnsubscribeMailto optout.example.org" \
    "UnsubscribeKeyFile $KEYS"

# consentctl as the pipe transport runs it: user nobody, its own copy of
# the key file and an audit file it may write; Redis's socket opened to it.
CTL_CONF=$PF_DIR/consentctl.conf
CTL_KEYS=$PF_DIR/ctl-unsub.keys
CTL_AUDIT=$PF_DIR/optout-audit.log
cp "$KEYS" "$CTL_KEYS"
chown nobody "$CTL_KEYS"
: > "$CTL_AUDIT"
chown nobody "$CTL_AUDIT"
cat > "$CTL_CONF" <<CONF
Redis unix:$CM_TEST_REDIS_SOCK
UnsubscribeKeyFile $CTL_KEYS
UnsubscribeMailto optout.example.org
AuditLog $CTL_AUDIT
CONF
chmod 644 "$CTL_CONF"
chmod 666 "$CM_TEST_REDIS_SOCK"

# The transport, as contrib/postfix/master.cf.unsubscribe has it.
cat >> "$PF_CONF/master.cf" <<EOF
unsubscribe unix - n n - - pipe
  flags=q user=nobody argv=$CONSENTCTL -c $CTL_CONF mail-unsubscribe \${original_recipient} \${sender}
feedback unix - n n - - pipe
  flags=q user=nobody argv=$CONSENTCTL -c $CTL_CONF feedback
EOF
printf 'optout.example.org unsubscribe:\nfbl@org.example feedback:\n' > "$PF_CONF/transport"
cat >> "$PF_CONF/main.cf" <<EOF
transport_maps = texthash:$PF_CONF/transport
relay_domains = optout.example.org
unsubscribe_destination_recipient_limit = 1
feedback_destination_recipient_limit = 1
EOF
pf_sink_start
pf_milter_start
pf_start
pf_seed
"$CONSENTCTL" -c "$PF_MILTER_CONF" unsubscribe-refs > "$PF_DIR/refs.out" 2>&1
t_eq "$?" 0 "unsubscribe-refs on the seeded store"

# --- 1. the campaign message carries the relay's opt-out ---------------
pf_swaks --from news@org.example --to alice@example.org \
    --header "From: Party News <news@org.example>" \
    --header "Message-Id: <unsub-1@cmtest.invalid>"
pf_wait_queue_empty
f=$(pf_sink_file "<unsub-1@cmtest.invalid>")
t_true "campaign message delivered" [ -n "$f" ]
want=$("$CONSENTCTL" -c "$PF_MILTER_CONF" unsubscribe-link alice@example.org spring --header)
t_eq "$(pf_header "$f" List-Unsubscribe)" \
    "$(printf '%s\n' "$want" | sed -n 's/^List-Unsubscribe: //p')" \
    "List-Unsubscribe: the relay's, as unsubscribe-link prints it"
t_eq "$(pf_header "$f" List-Unsubscribe-Post)" "List-Unsubscribe=One-Click" \
    "List-Unsubscribe-Post"
mailto=$(pf_header "$f" List-Unsubscribe | sed -n 's/.*<mailto:\([^>]*\)>.*/\1/p')
t_in "$mailto" "@optout.example.org" "a mailto: address ($mailto)"

# --- 2. mail to it: through the pipe transport, withdrawn --------------
pf_swaks --from alice@example.org --to "$mailto" \
    --header "Subject: unsubscribe" \
    --header "Message-Id: <unsub-2@mail.example>"
pf_wait_queue_empty
t_true "the unsubscribe mail was delivered to the pipe" \
    grep -q "relay=unsubscribe.*status=sent" "$PF_MAILLOG"
t_eq "$(pf_redis HGET cm:consent:alice@example.org newsletter)" withdrawn \
    "alice's newsletter consent withdrawn"
t_eq "$(pf_redis HGET cm:consent:alice@example.org newsletter:src)" \
    "channel=mailto campaign=spring message=<unsub-2@mail.example> client=alice@example.org" \
    "evidence: channel, campaign, message, client"
t_eq "$(jq -r '[.event, .channel, .rcpt, .purpose, .campaign, .result] | join(" ")' "$CTL_AUDIT")" \
    "opt-out mailto alice@example.org newsletter spring done" \
    "the opt-out in the audit trail"

# --- 3. the next campaign message to alice: refused --------------------
pf_swaks --from news@org.example --to alice@example.org \
    --header "From: Party News <news@org.example>" \
    --header "Message-Id: <unsub-3@cmtest.invalid>"
t_in "$swaks_out" "<** 550 5.7.1 <alice@example.org>: not sent: withdrawn (campaign spring)" \
    "next campaign message: alice refused, withdrawn"

# --- 4. a forged token: accepted by the transport, nothing changes -----
forged=$(printf '%s' "$mailto" | sed 's/^\(unsubscribe+.\{30\}\)\(.\)/\1q/')
[ "$forged" != "$mailto" ] || forged=$(printf '%s' "$mailto" | sed 's/^\(unsubscribe+.\{30\}\)\(.\)/\1r/')
before=$(pf_redis DBSIZE)
pf_swaks --from mallory@example.net --to "$forged" \
    --header "Message-Id: <unsub-4@mail.example>"
pf_wait_queue_empty
t_eq "$(pf_redis DBSIZE)" "$before" "forged token: nothing written"
t_eq "$(grep -c '"result":"bad-token"' "$CTL_AUDIT")" 1 "forged token: audited as bad-token"
t_eq "$(grep -c 'status=bounced' "$PF_MAILLOG")" 0 "nothing bounced (no oracle)"

# --- 5. a complaint through the feedback transport ---------------------
etok=$("$CONSENTCTL" -c "$PF_MILTER_CONF" unsubscribe-link erin@example.org spring | sed -n 1p)
etok=${etok#https://optout.example.org/u/}
sed "s/@TOKEN@/$etok/g" "$CM_SRCDIR/tests/ctl/arf/redacted-token.eml" > "$PF_DIR/arf.eml"
pf_swaks --from fbl@mailbox.example --to fbl@org.example --data "$PF_DIR/arf.eml"
pf_wait_queue_empty
t_true "the report was delivered to the feedback pipe" \
    grep -q "relay=feedback.*status=sent" "$PF_MAILLOG"
case $(pf_redis GET cm:suppress:erin@example.org) in
*" channel=feedback campaign=spring message=<spring-42@org.example> client=198.51.100.25 complaint=abuse "*)
    t_ok "erin suppressed, the report as evidence" ;;
*) t_notok "erin suppressed, the report as evidence"
   pf_redis GET cm:suppress:erin@example.org | sed 's/^/#   /' ;;
esac
pf_swaks --from news@org.example --to erin@example.org \
    --header "From: Party News <news@org.example>" \
    --header "Message-Id: <unsub-5@cmtest.invalid>"
t_in "$swaks_out" "<** 550 5.7.1 <erin@example.org>: not sent: suppressed (campaign spring)" \
    "after the complaint: erin refused, suppressed"

pf_reconcile
t_done
