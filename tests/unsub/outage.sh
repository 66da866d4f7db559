#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# outage.sh - consent-unsubscribe while Redis is down, and after
#
# Under tests/lib/redis.sh; this test runs a redis-server of its own
# (tests/lib/redislib.sh) that it stops and starts again, its data kept
# in an RDB file across the restart. While Redis is down every POST,
# with a good token or a bad one, gets 503 with Retry-After and the
# same body (nothing written, nothing lost: the mailbox provider
# retries); a GET still gets the page. When Redis is back, the same
# POST withdraws.

. "$CM_SRCDIR/tests/unsub/lib.sh"
. "$CM_SRCDIR/tests/lib/redislib.sh"
cm_redis_dir=$TMP

cm_redis_start outage --dbfilename outage.rdb \
    || { t_notok "a redis-server of our own"; t_done; }
u_keys
u_conf "Redis unix:$outage_sock" "RedisTimeout 500"
t_run grant alice@example.org news --source form
t_run campaign add spring --purpose news
alice=$(u_token alice@example.org spring)
t_eq "${#alice}" 50 "a token"
forged=$(printf '%s' "$alice" | cut -c1-10)bbbbbbbbbb$(printf '%s' "$alice" | cut -c21-)
"$REDIS_CLI" -s "$outage_sock" save > /dev/null
u_start CM_UNSUB_TEST_FLOOR_MS=0 || { t_notok "the service starts"; t_done; }

cm_redis_stop outage
u_curl POST "/u/$alice" --data 'List-Unsubscribe=One-Click'
t_eq "$code" 503 "Redis down: 503"
t_eq "$(u_hdr Retry-After)" 60 "with Retry-After"
t_eq "$body" "Please try again later." "a fixed body"
t_eq "$redir" "" "no redirect"
down=$code/$(u_hdr Retry-After)/$body
u_curl POST "/u/$forged" --data 'List-Unsubscribe=One-Click'
t_eq "$code/$(u_hdr Retry-After)/$body" "$down" "a forged token gets the same 503"
u_curl POST /u/short --data 'List-Unsubscribe=One-Click'
t_eq "$code/$(u_hdr Retry-After)/$body" "$down" "so does a malformed one"
u_curl GET "/u/$alice"
t_eq "$code" 200 "GET while down: still the page"
out=$body
t_has "You will no longer get this email from" "without the purpose"
grep -q 'store down (503)' "$TMP/unsub.log" && t_ok "the outage is logged" \
    || t_notok "the outage is logged"
[ -s "$TMP/audit.log" ] && t_notok "nothing in the audit trail" \
    || t_ok "nothing in the audit trail"

cm_redis_start outage --dbfilename outage.rdb \
    || { t_notok "Redis back"; t_done; }
t_eq "$("$REDIS_CLI" -s "$outage_sock" hget cm:consent:alice@example.org news)" \
    granted "nothing was written while down"
# The pool fails fast for 200 ms after a failed connect.
sleep 0.3
u_curl POST "/u/$alice" --data 'List-Unsubscribe=One-Click'
t_eq "$code" 200 "Redis back: the retry gets 200"
t_eq "$("$REDIS_CLI" -s "$outage_sock" hget cm:consent:alice@example.org news)" \
    withdrawn "and withdraws"
grep -q '"result":"done"' "$TMP/audit.log" && t_ok "one audit line, done" \
    || t_notok "one audit line, done"
u_stop
t_eq "$u_rc" 0 "stops cleanly"
cm_redis_stop outage
t_done
