#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# acl.sh - the daemon and consentctl as Redis ACL users with least privilege
#
# Starts redis-server on a free loopback port with the ACL file written
# below: the user "default" is disabled; "consent-milter" may run only
# the read commands that the daemon sends (redispool.c, store.c,
# redisconn.c: PING, GET, HGETALL, and ROLE with RedisSentinel; SCAN
# for the sender map copy, sendermap.c) on the four kinds of key it
# reads, and what the consent cache's invalidation link sends
# (tracking.c: CLIENT ID, CLIENT TRACKING, SUBSCRIBE to the channel
# __redis__:invalidate only); "consentctl" may run what consentctl
# sends (writer.c runs one Lua script per event, whose redis.call()s
# are checked against the same ACL) on every key under the prefix.
# "consent-unsubscribe" may run what a one-click opt-out needs (the
# writer script, and reads of the opt-out references and campaigns).
# These are the ACLs that README.md documents: keep them in step.
#
# Checks that:
#   - every consentctl verb works as the consentctl user;
#   - the daemon works as the consent-milter user, with ConsentCache
#     on: consent-milter -n, a miltertest session with an allowed and a
#     refused recipient, the sender map copy loads (SCAN, then GET of
#     each sender key), and the consent cache's link comes up;
#   - the consent-milter user cannot write, nor read history, nor read
#     outside its keys, and consentctl run with its password file fails;
#   - a wrong password gives a clear error from consent-milter -n (exit
#     1, "AUTH failed: WRONGPASS ...") and, in the running daemon, a
#     tempfailed MAIL with the same reason in the log.

set -u
. "${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/redis/lib.sh"

milter_acl='resetchannels -@all +ping +get +hgetall +role +scan +client|id +client|tracking +subscribe &__redis__:invalidate ~cm:campaign:* ~cm:sender:* ~cm:consent:* ~cm:suppress:*'
unsub_acl='resetchannels -@all +ping +role +get +hget +hmget +hset +xadd +xrevrange +eval +evalsha +script|load %R~cm:unsub:* %R~cm:campaign:* ~cm:consent:* ~cm:history:* ~cm:suppress:*'
ctl_acl='resetchannels -@all +role +get +set +del +exists +hget +hgetall +hmget +hset +hkeys +incr +xadd +xrange +xrevrange +scan +watch +multi +exec +eval +evalsha +script|load ~cm:*'

cat > "$tmp/users.acl" <<EOF
user default off
user consent-milter on >milter-secret $milter_acl
user consentctl on >ctl-secret $ctl_acl
user consent-unsubscribe on >unsub-secret $unsub_acl
EOF
echo "--- ACL file"
sed 's/>[^ ]*/>(password)/' "$tmp/users.acl"

start_redis acl --aclfile "$tmp/users.acl"
echo "redis 127.0.0.1:$acl_port"
case $(rcli acl ping 2>&1) in
*NOAUTH*) ;;
*) fail "the default user is not disabled" ;;
esac

# as USER ARGS... - redis-cli as one of the ACL users
as() {
    user=$1
    shift
    case $user in
    consent-milter) pass=milter-secret ;;
    consent-unsubscribe) pass=unsub-secret ;;
    *) pass=ctl-secret ;;
    esac
    rcli acl --user "$user" --pass "$pass" --no-auth-warning "$@"
}

printf 'consent-milter milter-secret\n' > "$tmp/milter.pass"
printf 'consentctl ctl-secret\n' > "$tmp/ctl.pass"
printf 'consent-milter not-the-password\n' > "$tmp/wrong.pass"
chmod 600 "$tmp/milter.pass" "$tmp/ctl.pass" "$tmp/wrong.pass"

# conf NAME PASSFILE - a configuration for this server and that user
conf() {
    cat > "$tmp/$1.conf" <<EOF
Socket unix:$tmp/milter.sock
Redis tcp:127.0.0.1:$acl_port
RedisPasswordFile $2
RedisTimeout 1000
AuditLog $tmp/audit.log
AllowRoot yes
EOF
}
conf ctl "$tmp/ctl.pass"
conf milter "$tmp/milter.pass"
echo "ConsentCache 1000" >> "$tmp/milter.conf"
conf wrong "$tmp/wrong.pass"

echo "--- consentctl as the consentctl user: every verb"
ctl() {
    "$CM_CONSENTCTL" -c "$tmp/ctl.conf" "$@" > "$tmp/ctl.out" 2>&1
    status=$?
    sed 's/^/  /' "$tmp/ctl.out"
    return $status
}
ok() {
    ctl "$@" || fail "consentctl $* (as consentctl): exit $?"
}
ok campaign add spring --purpose newsletter --owner membership
ok campaign add autumn --purpose newsletter --senders news@org.example
ok campaign list
ok campaign show spring
ok campaign pause autumn
ok campaign resume autumn
ok campaign close autumn
ok sender set news@org.example spring
ok grant alice@example.org newsletter --source "web form v3"
ok withdraw bob@example.org newsletter --source "unsubscribe link"
ok grant dave@example.org newsletter --source "event"
ok suppress dave@example.org --reason complaint
ok unsuppress dave@example.org --source "asked again"
ok withdraw dave@example.org --all
printf 'address,purpose,state,at,source\nerin@example.org,newsletter,granted,2026-01-01T00:00:00Z,import\n' \
    > "$tmp/import.csv"
ok import "$tmp/import.csv"
ok erase erin@example.org
ok show alice@example.org
ok export
ok export --purpose newsletter
ok check alice@example.org spring
ok unsubscribe-refs
printf 'k1 %s\n' 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f \
    > "$tmp/unsub.keys"
chmod 600 "$tmp/unsub.keys"
printf 'UnsubscribeKeyFile %s\nUnsubscribeMailto optout.example.org\n' \
    "$tmp/unsub.keys" >> "$tmp/ctl.conf"
ok unsubscribe-link alice@example.org spring
ctl check bob@example.org spring
[ $? -eq 1 ] || fail "consentctl check bob: want exit 1 (deny)"

echo "--- the consent-milter user is read-only, and only for its keys"
denied() {
    out=$(as consent-milter "$@" 2>&1)
    case $out in
    *NOPERM*) echo "  $* -> $out" ;;
    *) fail "consent-milter may run $*: $out" ;;
    esac
}
denied set cm:consent:alice@example.org x
denied hset cm:consent:alice@example.org newsletter granted
denied del cm:suppress:bob@example.org
denied xrange cm:history:alice@example.org - +
denied get other:key
denied keys '*'
denied config get requirepass
denied eval "return 1" 0
[ "$(as consent-milter hget cm:consent:alice@example.org newsletter 2>&1)" \
    != granted ] || fail "consent-milter may run HGET (not needed)"
[ "$(as consent-milter get cm:sender:news@org.example)" = spring ] \
    || fail "consent-milter cannot GET its keys"
# SCAN lists key names (ACL key patterns do not limit it), no values.
# One page of COUNT 100000 holds every key of this small store: the
# default COUNT 10 may return a page without the one sender key.
as consent-milter scan 0 match 'cm:sender:*' count 100000 | grep -qx 'cm:sender:news@org.example' \
    || fail "consent-milter cannot SCAN the sender keys (sender map copy)"
"$CM_CONSENTCTL" -c "$tmp/milter.conf" grant frank@example.org newsletter \
    > "$tmp/ctl.out" 2>&1 && fail "consentctl could write as consent-milter"
grep -q NOPERM "$tmp/ctl.out" \
    || fail "consentctl as consent-milter: $(cat "$tmp/ctl.out")"
echo "  consentctl with the daemon's password: $(cat "$tmp/ctl.out")"

echo "--- the daemon as the consent-milter user"
"$CM_DAEMON" -n -c "$tmp/milter.conf" || fail "consent-milter -n"
start_daemon "$tmp/milter.conf"
run_sessions plain || fail "sessions as consent-milter"
stop_daemon
if grep 'consent store:' "$tmp/milter.log"; then
    fail "store errors with the consent-milter user"
fi
grep 'sender map loaded: 1 sender(s)' "$tmp/milter.log" \
    || fail "the sender map copy did not load as the consent-milter user"
grep 'consent cache on: invalidations from' "$tmp/milter.log" \
    || fail "the consent cache's link did not come up as consent-milter"
if grep 'consent cache off' "$tmp/milter.log"; then
    fail "the consent cache's link failed as the consent-milter user"
fi
denied subscribe other-channel

echo "--- consent-unsubscribe as the consent-unsubscribe user"
printf 'consent-unsubscribe unsub-secret\n' > "$tmp/unsub.pass"
chmod 600 "$tmp/unsub.pass"
conf unsub "$tmp/unsub.pass"
uport=$(cm_free_port)
printf 'UnsubscribeKeyFile %s\nUnsubscribeListen inet:%s@127.0.0.1\n' \
    "$tmp/unsub.keys" "$uport" >> "$tmp/unsub.conf"
ok grant gina@example.org newsletter --source "web form v3"
token=$("$CM_CONSENTCTL" -c "$tmp/ctl.conf" unsubscribe-link gina@example.org \
    spring | sed -n 's|.*unsubscribe+\([a-z2-7]*\)@.*|\1|p' | head -1)
[ ${#token} -eq 50 ] || fail "consentctl unsubscribe-link: no token"
UNSUB=${CM_UNSUB:-$CM_BUILDDIR/consent-unsubscribe}
"$UNSUB" -n -c "$tmp/unsub.conf" || fail "consent-unsubscribe -n"
"$UNSUB" -f -c "$tmp/unsub.conf" 2> "$tmp/unsub.log" &
unsub_pid=$!
echo "$unsub_pid" > "$tmp/unsub.pid"
wait_until 5 "consent-unsubscribe listens" grep -q 'started:' "$tmp/unsub.log"
code=$(curl -s -o /dev/null -w '%{http_code}' --data 'List-Unsubscribe=One-Click' \
    "http://127.0.0.1:$uport/u/$token")
[ "$code" = 200 ] || fail "one-click POST as consent-unsubscribe: $code"
[ "$(as consentctl hget cm:consent:gina@example.org newsletter)" = withdrawn ] \
    || fail "one-click POST did not withdraw: $(cat "$tmp/unsub.log")"
kill -TERM "$unsub_pid"
wait "$unsub_pid" || fail "consent-unsubscribe did not stop cleanly"
rm -f "$tmp/unsub.pid"
if grep -q 'NOPERM' "$tmp/unsub.log"; then
    fail "consent-unsubscribe: $(grep NOPERM "$tmp/unsub.log")"
fi
echo "  one-click opt-out as consent-unsubscribe: withdrawn"
for cmd in "hset cm:campaign:spring status active" "set cm:sender:x spring" \
    "del cm:consent:alice@example.org" "get cm:sender:news@org.example" \
    "set cm:unsub:p:1 x" "keys cm:" "scan 0" "xrange cm:history:alice@example.org - +"; do
    # shellcheck disable=SC2086 # one command, its words
    out=$(as consent-unsubscribe $cmd 2>&1)
    case $out in
    *NOPERM*) echo "  $cmd -> $out" ;;
    *) fail "consent-unsubscribe may run $cmd: $out" ;;
    esac
done

echo "--- consentctl with the audit trail the daemon wrote"
ok trace alice@example.org --audit-log "$tmp/audit.log"
ok report spring --audit-log "$tmp/audit.log"

echo "--- a wrong password"
"$CM_DAEMON" -n -c "$tmp/wrong.conf" > "$tmp/n.out" 2>&1
status=$?
cat "$tmp/n.out"
[ $status -eq 1 ] || fail "consent-milter -n with a wrong password: exit $status"
grep -q "redis 127.0.0.1:$acl_port: AUTH failed: WRONGPASS" "$tmp/n.out" \
    || fail "consent-milter -n: no clear AUTH error"
: > "$tmp/milter.log"
start_daemon "$tmp/wrong.conf"
run_sessions down || fail "a wrong password must tempfail"
stop_daemon
grep "consent store:.*AUTH failed: WRONGPASS" "$tmp/milter.log" | head -1 \
    | grep . || fail "the daemon did not log the AUTH failure"

echo "PASS: ACL users work; the daemon's user can only read its keys"
exit 0
