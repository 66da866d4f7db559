#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# page.sh - consent-unsubscribe: what it answers besides opt-outs
#
# Under tests/lib/redis.sh, with the real daemon and curl: the GET page
# (accessible, no script, nothing external, the organisation escaped),
# 404 and 405 with no detail, the request limits (a long path, a big
# body), no redirect ever, /metrics, and a clean stop on SIGTERM.

. "$CM_SRCDIR/tests/unsub/lib.sh"

u_keys
u_conf
u_start || { t_notok "the service starts"; t_done; }
t_ok "the service starts on a free port ($u_port)"

u_curl GET /u/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
t_eq "$code" 200 "GET /u/TOKEN: 200"
t_eq "$redir" "" "GET: no redirect"
case $(u_hdr Content-Type) in
text/html*) t_ok "GET: an HTML page" ;;
*) t_notok "GET: an HTML page ($(u_hdr Content-Type))" ;;
esac
out=$body
t_has '<html lang="en">' "the page has a language"
t_has '<title>Unsubscribe</title>' "a title"
t_eq "$(printf '%s\n' "$body" | grep -c '<h1>')" 1 "one heading"
t_eq "$(printf '%s\n' "$body" | grep -c '<form ')" 1 "one form"
t_eq "$(printf '%s\n' "$body" | grep -c '<button')" 1 "one button"
t_has '<form method="post" action="">' "the form POSTs to the page's own address"
t_has '<input type="hidden" name="List-Unsubscribe" value="One-Click">' \
    "the form sends the RFC 8058 body"
t_has 'from Example &amp; &lt;Sons&gt;.' "the organisation, HTML-escaped"
case $body in
*'<script'*|*'src='*|*'href='*|*'http:'*|*'https:'*)
    t_notok "no script, no external resource" ;;
*) t_ok "no script, no external resource" ;;
esac
case $(u_hdr Content-Security-Policy) in
*"default-src 'none'"*) t_ok "a strict Content-Security-Policy" ;;
*) t_notok "a strict Content-Security-Policy" ;;
esac
t_eq "$(u_hdr Referrer-Policy)" no-referrer "no Referer leaks the token"
t_eq "$(u_hdr Cache-Control)" no-store "not cached"

u_curl HEAD /u/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa -I
t_eq "$code" 200 "HEAD /u/TOKEN: 200"

u_curl GET /
t_eq "$code $body" "404 Not found." "GET /: 404, no detail"
u_curl GET /u/
t_eq "$code" 404 "GET /u/ (no token): 404"
u_curl POST /other --data 'List-Unsubscribe=One-Click'
t_eq "$code $body" "404 Not found." "POST elsewhere: 404"
u_curl PUT /u/aaaa --data x
t_eq "$code $body" "405 Method not allowed." "PUT: 405, no detail"
t_eq "$(u_hdr Allow)" "GET, HEAD, POST" "405 says what is allowed"
u_curl DELETE /u/aaaa
t_eq "$code" 405 "DELETE: 405"

long=$(printf '%0600d' 0)
u_curl GET "/u/$long"
t_eq "$code" 414 "a path over 256 bytes: 414"
u_curl POST /u/aaaa --data "List-Unsubscribe=One-Click&pad=$(printf '%04000d' 0)"
t_eq "$code" 413 "a body over 2048 bytes: 413"
u_curl GET /u/aaaa -H "X-Big: $(printf '%010000d' 0)"
t_eq "$code" 431 "headers over 8 KiB: 431"
u_curl POST /u/aaaa --data 'Something=else'
t_eq "$code $body" "400 Bad request." "POST without the one-click body: 400"

u_curl GET /metrics
t_eq "$code" 200 "GET /metrics: 200"
out=$body
t_has 'consent_unsubscribe_requests_total{method="GET",result="page"} 1' \
    "requests are counted by method and result"
case $body in
*aaaa*|*127.0.0.1*) t_notok "no token or address in a label" ;;
*) t_ok "no token or address in a label" ;;
esac
u_curl GET /metrics -H 'X-Forwarded-For: 198.51.100.1'
t_eq "$code" 404 "GET /metrics through a proxy: 404"
u_curl GET /metrics -H 'Forwarded: for=198.51.100.1'
t_eq "$code" 404 "GET /metrics with Forwarded: 404"

u_stop
t_eq "$u_rc" 0 "SIGTERM stops it cleanly (exit 0)"
grep -q 'stopping on signal 15' "$TMP/unsub.log" && t_ok "and it says so" \
    || t_notok "and it says so"
t_done
