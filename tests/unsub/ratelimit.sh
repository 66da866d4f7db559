#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# ratelimit.sh - consent-unsubscribe: the per-client rate limit
#
# Under tests/lib/redis.sh, the real daemon and curl. With
# UnsubscribeRateLimit 5 the floor of 20 a minute applies: 20 requests
# pass, the 21st gets 429 with Retry-After, while other clients are not
# held back. Behind a proxy on this host (a loopback peer) the client is
# the last X-Forwarded-For address; an IPv6 client is its /64. A peer
# that is not on loopback cannot choose its client by the header (tried
# when this host has a non-loopback address to connect to).

. "$CM_SRCDIR/tests/unsub/lib.sh"

# burst N ARGS... - N GETs; $codes: how many of each status
burst() {
    _n=$1
    shift
    codes=$(i=0; while [ $i -lt "$_n" ]; do
	curl -s -o /dev/null -w '%{http_code}\n' "$@" "$u_url/u/aaaa"
	i=$((i + 1)); done | sort | uniq -c | awk '{printf "%s%s:%s", s, $2, $1; s=" "}')
}

u_keys
u_conf "UnsubscribeRateLimit 20" "UnsubscribeListen inet:$(u_free_port)@0.0.0.0"
port=$(sed -n 's/^UnsubscribeListen inet:\([0-9]*\)@.*/\1/p' "$CONF")
u_start || { t_notok "the service starts"; t_done; }
u_url=http://127.0.0.1:$port

# exhaust ARGS... - GETs until the first 429 (at most 40); $passed: the
# 200s before it. The allowance comes back at one every 3 s, so on a
# slow machine a few more than 20 may pass.
exhaust() {
    passed=0
    while [ $passed -lt 40 ]; do
	u_curl GET /u/aaaa "$@"
	[ "$code" = 200 ] || break
	passed=$((passed + 1))
    done
}

exhaust -H 'X-Forwarded-For: 198.51.100.7'
[ $passed -ge 20 ] && [ $passed -le 25 ] \
    && t_ok "20 requests a minute pass ($passed before the first refusal)" \
    || t_notok "20 requests a minute pass (got $passed)"
t_eq "$code" 429 "then: 429"
t_eq "$body" "Too many requests: please try again later." "a fixed body"
ra=$(u_hdr Retry-After)
case $ra in
[1-9]|[1-9][0-9]) t_ok "with Retry-After ($ra s)" ;;
*) t_notok "with Retry-After (got \"$ra\")" ;;
esac
u_curl POST /u/aaaa -H 'X-Forwarded-For: 198.51.100.7' \
    --data 'List-Unsubscribe=One-Click'
t_eq "$code" 429 "a POST is held back too"

burst 5 -H 'X-Forwarded-For: 198.51.100.8'
t_eq "$codes" "200:5" "another client behind the proxy is not held back"
burst 3 -H 'X-Forwarded-For: 203.0.113.1, 198.51.100.9'
t_eq "$codes" "200:3" "the proxy's own (last) X-Forwarded-For address counts"
burst 3 -H 'X-Forwarded-For: 198.51.100.7, 198.51.100.10'
t_eq "$codes" "200:3" "an address the client put first does not"
burst 3
t_eq "$codes" "200:3" "a direct loopback client is its own client"

exhaust -H 'X-Forwarded-For: 2001:db8:1:2::1'
[ $passed -ge 20 ] && t_ok "IPv6 client: 20 pass" \
    || t_notok "IPv6 client: 20 pass (got $passed)"
# Another address of the same /64 finds the allowance spent: at most
# what came back meanwhile passes (one every 3 s; a loaded machine may
# take seconds between two requests), not another 20.
exhaust -H 'X-Forwarded-For: 2001:db8:1:2:ffff::99'
[ $passed -le 3 ] && t_ok "its whole /64 is one client ($passed passed)" \
    || t_notok "its whole /64 is one client (got $passed, want <= 3)"
burst 1 -H 'X-Forwarded-For: 2001:db8:1:3::1'
t_eq "$codes" "200:1" "the next /64 is another"

# A peer that is not on loopback: its X-Forwarded-For is not believed.
ext=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9.]+$' \
    | grep -v '^127\.' | head -1)
if [ -n "$ext" ]; then
    u_url=http://$ext:$port
    exhaust -H 'X-Forwarded-For: 198.51.100.50'
    burst 1 -H 'X-Forwarded-For: 198.51.100.51'
    t_eq "$codes" "429:1" "a remote peer cannot pose as another client ($ext)"
else
    echo "# skipped: no non-loopback address to connect to"
fi

u_curl GET /metrics
out=$body
t_has 'consent_unsubscribe_requests_total{method="GET",result="limited"}' \
    "refusals are counted"
u_stop
t_done
