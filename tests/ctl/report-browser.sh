#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# report-browser.sh - the campaign report and the evidence pack in a real
# browser: Debian's chromium, headless
#
# Run under tests/lib/redis.sh with CM_CONSENTCTL and CM_SRCDIR set. Skips
# (77) when chromium is not installed (contrib/quickstart.sh installs it
# when it can). Renders both pages to PNG (a screen) and to PDF (the A4
# print style sheet) and checks that the pictures are not blank (a blank
# page compresses to a few kilobytes), that the PDF pages are A4, and
# that the HTML is whole (the elements close) and loads nothing from
# anywhere. With CM_BROWSER_OUT=DIR the PNG and PDF files are kept there,
# for a person to look at.

. "$CM_SRCDIR/tests/ctl/lib.sh"

CHROMIUM=
for c in chromium chromium-browser; do
    command -v "$c" > /dev/null 2>&1 && { CHROMIUM=$c; break; }
done
if [ -z "$CHROMIUM" ]; then
    echo "SKIP: chromium is not installed (apt-get install chromium)"
    exit 77
fi

# A campaign over three weeks: sends, refusals of four kinds, opt-outs.
L=$TMP/audit.log
awk 'BEGIN {
    split("no-consent withdrawn suppressed campaign-paused", why, " ")
    for (d = 0; d < 21; d++) {
	if (d % 7 != 1 && d % 7 != 3) continue
	for (i = 0; i < 40 + d * 3; i++) {
	    t = sprintf("2026-11-%02dT09:%02d:%02d.000Z", d + 1, i % 60, i % 60)
	    n = (d * 131 + i) % 97
	    if (i % 9 == 0) {
		r = why[1 + (i / 9) % 4]
		a = (r == "campaign-paused") ? "tempfail" : "reject"
		dec = (r == "campaign-paused") ? "tempfail" : "deny"
		printf "{\"time\":\"%s\",\"qid\":null,\"msgid\":null,\"subject\":null,", t
		printf "\"sender\":\"news@org.example\",\"auth\":null,\"campaign\":\"autumn\","
		printf "\"purpose\":\"newsletter\",\"basis\":\"consent\",\"rcpt\":\"p%d@example.org\",", n
		printf "\"decision\":\"%s\",\"reason\":\"%s\",\"action\":\"%s\",\"mode\":\"enforce\",\"from\":null}\n", dec, r, a
	    } else {
		printf "{\"time\":\"%s\",\"qid\":\"Q%d\",\"msgid\":\"<%d.%d@org.example>\",", t, d, d, i
		printf "\"subject\":\"Autumn <news> & \\\"more\\\" %d\",", d
		printf "\"sender\":\"news@org.example\",\"auth\":\"crm\",\"campaign\":\"autumn\","
		printf "\"purpose\":\"newsletter\",\"basis\":\"consent\",\"rcpt\":\"p%d@example.org\",", n
		printf "\"decision\":\"allow\",\"reason\":\"consent\",\"action\":\"accept\",\"mode\":\"enforce\",\"from\":\"news@org.example\","
		printf "\"consent_at\":\"20%02d-0%d-15T10:00:00Z\",\"consent_src\":\"web form\"}\n", 22 + n % 5, 1 + n % 9
	    }
	}
    }
}' > "$L"
for n in 3 8 15 21 34 55; do
    t_redis XADD "cm:history:p$n@example.org" '*' purpose newsletter \
	state withdrawn at $((1793523600 + n * 43200)) actor one-click \
	src "channel=one-click campaign=autumn message=<1.$n@org.example> client=-" > /dev/null
done
t_redis XADD cm:history:p8@example.org '*' purpose newsletter state granted \
    at 1761984000 src 'web form <v3> & "join"' actor web > /dev/null

t_conf "AuditLog $L"
t_run report autumn --html "$TMP/report.html"
t_rc 0 "report --html"
t_run trace p8@example.org --html "$TMP/trace.html"
t_rc 0 "trace --html"
t_eq "$(grep -o '<svg ' "$TMP/report.html" | wc -l)" 4 "report: four charts"

# shot NAME - screenshot and A4 PDF of $TMP/NAME.html
shot() {
    for mode in "--screenshot=$TMP/$1.png --window-size=1024,2600" \
	"--print-to-pdf=$TMP/$1.pdf --no-pdf-header-footer"; do
	# shellcheck disable=SC2086
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
	    --hide-scrollbars --user-data-dir="$TMP/chromium" $mode \
	    "file://$TMP/$1.html" > "$TMP/$1.chromium.log" 2>&1
    done
}

for page in report trace; do
    H=$TMP/$page.html
    shot $page
    size=$(wc -c < "$TMP/$page.png" 2>/dev/null || echo 0)
    if [ "$size" -gt 40000 ]; then t_ok "$page: screenshot is not blank ($size bytes)"
    else t_notok "$page: screenshot is not blank ($size bytes)"; cat "$TMP/$page.chromium.log"; fi
    t_eq "$(od -An -c -N4 "$TMP/$page.png" 2>/dev/null | tr -d ' ')" '211PNG' "$page: a PNG"
    t_eq "$(head -c 5 "$TMP/$page.pdf" 2>/dev/null)" '%PDF-' "$page: printed to PDF"
    # A4 is 595 x 842 points; chromium writes the MediaBox with decimals.
    if grep -aEq 'MediaBox ?\[0 0 59[45](\.[0-9]+)? 84[12](\.[0-9]+)?\]' "$TMP/$page.pdf"
    then t_ok "$page: PDF pages are A4"; else t_notok "$page: PDF pages are A4"; fi
    # Whole: every element we open is closed, once for html/head/body.
    for el in html head body main table svg section figure tr; do
	o=$(grep -o "<$el[ >]" "$H" | wc -l)
	cl=$(grep -o "</$el>" "$H" | wc -l)
	t_eq "$o" "$cl" "$page: every <$el> is closed ($o)"
    done
    t_eq "$(grep -c '<html' "$H") $(grep -c '<body' "$H") $(grep -c '</html>' "$H")" "1 1 1" \
	"$page: one html, one body"
    grep -Eqi 'https?:|src=|<script|<link|@import|url\(' "$H" \
	&& t_notok "$page: no external reference" || t_ok "$page: no external reference"
    if [ -n "${CM_BROWSER_OUT:-}" ]; then
	mkdir -p "$CM_BROWSER_OUT" && cp "$TMP/$page.png" "$TMP/$page.pdf" "$H" "$CM_BROWSER_OUT/"
    fi
done
t_done
