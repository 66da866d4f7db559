#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# browser.sh - the GET page of consent-unsubscribe in a real browser
#
# Under tests/lib/redis.sh: the real service, and Debian's chromium,
# headless. The page as the browser built it (--dump-dom) has its
# language, one heading, the sentence with the purpose, and one form
# with one button that POSTs the RFC 8058 body; a screenshot is not
# blank (larger than one of about:blank at the same size); and the
# browser's visit changed nothing in the store. Skipped (77) when
# chromium is not installed (apt-get install chromium). With
# CM_BROWSER_OUT=DIR the screenshot is kept there.

. "$CM_SRCDIR/tests/unsub/lib.sh"

CHROMIUM=
for c in chromium chromium-browser; do
    command -v "$c" > /dev/null 2>&1 && { CHROMIUM=$c; break; }
done
if [ -z "$CHROMIUM" ]; then
    echo "SKIP: chromium is not installed (apt-get install chromium)"
    exit 77
fi

u_keys
u_conf
t_run grant alice@example.org newsletter --source form
t_run campaign add spring --purpose newsletter
token=$(u_token alice@example.org spring)
t_eq "${#token}" 50 "a token"
u_start || { t_notok "the service starts"; t_done; }
before=$(t_redis hgetall cm:consent:alice@example.org | tr '\n' ' ')
hlen=$(t_redis xlen cm:history:alice@example.org)

# browse ARGS... - headless chromium, its own profile, bounded in time
browse() {
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
	--hide-scrollbars --user-data-dir="$TMP/chromium" \
	--window-size=800,600 "$@" 2> "$TMP/chromium.log"
}

browse --dump-dom "$u_url/u/$token" > "$TMP/dom.html"
out=$(cat "$TMP/dom.html")
t_has '<html lang="en">' "the browser's page has a language"
t_has '<h1>Unsubscribe</h1>' "one heading"
t_has 'You will no longer get newsletter email from Example &amp; &lt;Sons&gt;.' \
    "the sentence, with the purpose and the organisation"
t_has '<form method="post" action="">' "a form that POSTs to the same address"
t_has '<button type="submit">Unsubscribe</button>' "the button is there"
t_eq "$(grep -c '<button' "$TMP/dom.html")" 1 "one button"

browse --screenshot="$TMP/page.png" "$u_url/u/$token" > /dev/null
browse --screenshot="$TMP/blank.png" about:blank > /dev/null
page=$(wc -c < "$TMP/page.png" 2>/dev/null || echo 0)
blank=$(wc -c < "$TMP/blank.png" 2>/dev/null || echo 0)
if [ "$page" -gt 0 ] && [ "$page" -gt "$((blank + 1000))" ]; then
    t_ok "the screenshot is not blank ($page bytes, about:blank $blank)"
else
    t_notok "the screenshot is not blank ($page bytes, about:blank $blank)"
    sed 's/^/#   /' "$TMP/chromium.log"
fi
[ -n "${CM_BROWSER_OUT:-}" ] && cp "$TMP/page.png" "$CM_BROWSER_OUT/unsubscribe-page.png"

t_eq "$(t_redis hgetall cm:consent:alice@example.org | tr '\n' ' ')" "$before" \
    "the browser's visits changed nothing"
t_eq "$(t_redis xlen cm:history:alice@example.org)" "$hlen" "no history entry"
u_stop
t_done
