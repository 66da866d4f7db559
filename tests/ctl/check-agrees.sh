#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# check-agrees.sh - "consentctl check" gives the daemon's answer
#
# Under tests/lib/redis.sh. One table of cases, every row of the
# decision table (DESIGN.md section 5) that check can express: an
# envelope campaign, its sender (and SASL login), one recipient. The
# daemon decides each case under miltertest (tests/ctl/agree-daemon.lua,
# which also seeds Redis); then "consentctl check RCPT CAMPAIGN
# --sender S [--auth A]" decides it on the same Redis. For each row the
# decisions and reasons must be equal, and be the ones the table says.

. "$CM_SRCDIR/tests/ctl/lib.sh"

cases=$TMP/agree.cases
# name|sender|auth|campaign|rcpt|decision|reason
cat > "$cases" <<'CASES'
row4-bad-id|badid@org.example||bad id!|<alice@example.org>|deny|bad-campaign-id
row5-unknown|unknown@org.example||nosuch|<alice@example.org>|deny|unknown-campaign
row6-closed|closed@org.example||closed1|<alice@example.org>|deny|campaign-closed
row7-paused|paused@org.example||paused1|<alice@example.org>|tempfail|campaign-paused
row8-not-listed|restricted@org.example||restricted|<alice@example.org>|deny|campaign-not-authorised
row8-auth-listed|restricted@org.example|login1|restricted|<alice@example.org>|allow|consent
row8-sender-listed|lister@org.example||listed|<alice@example.org>|allow|consent
row10-service|billing@org.example||receipts|<carol@example.org>|allow|service
row11-bad-address|news@org.example||spring|<no-at-sign>|deny|bad-address
row11-comma-domain|news@org.example||spring|<j.smith@gmail,com>|deny|bad-address
row11-two-addresses|news@org.example||spring|<peter@example.org; pete@work.example>|deny|bad-address
row11-space|news@org.example||spring|<john smith@example.org>|deny|bad-address
row11-bad-label|news@org.example||spring|<john@-example.org>|deny|bad-address
row11-bad-literal|news@org.example||spring|<john@[192.0.2.300]>|deny|bad-address
row13-quoted|news@org.example||spring|<"john smith"@example.org>|deny|no-consent
row13-tag|news@org.example||spring|<alice+news@example.org>|deny|no-consent
row13-ipv4|news@org.example||spring|<carol@[192.0.2.1]>|deny|no-consent
row13-ipv6|news@org.example||spring|<carol@[IPv6:2001:db8::1]>|deny|no-consent
row13-route|news@org.example||spring|<@relay.example:carol@example.org>|deny|no-consent
row13-root-dot|news@org.example||spring|<carol@example.org.>|deny|no-consent
row12-suppressed|news@org.example||spring|<dave@example.org>|deny|suppressed
row13-no-consent|news@org.example||spring|<carol@example.org>|deny|no-consent
row14-withdrawn|news@org.example||spring|<Bob@Example.ORG>|deny|withdrawn
row15-expired|fresh@org.example||fresh|<erin@example.org>|deny|consent-expired
row16a-future|news@org.example||spring|<frank@example.org>|deny|consent-invalid
row16-allow|news@org.example|membership-team|spring|<alice@example.org>|allow|consent
CASES

# The daemon's answers, one "agree|name|decision|reason" line a case.
CM_AGREE_CASES=$cases sh "$CM_SRCDIR/tests/milter/run.sh" \
    "$CM_SRCDIR/tests/ctl/agree-daemon.lua" > "$TMP/daemon.out" 2>&1
drc=$?
if [ $drc -ne 0 ]; then
    cat "$TMP/daemon.out"
fi
t_eq "$drc" 0 "the daemon decided every case"

t_conf
while IFS='|' read -r name sender auth campaign rcpt decision reason; do
    daemon=$(grep "^agree|$name|" "$TMP/daemon.out" | cut -d'|' -f3-)
    t_eq "$daemon" "$decision|$reason" "$name: the daemon says $decision $reason"
    if [ -n "$auth" ]; then
	t_run check "$rcpt" "$campaign" --sender "$sender" --auth "$auth"
    else
	t_run check "$rcpt" "$campaign" --sender "$sender"
    fi
    # "deny: reason (campaign ...)" -> "deny|reason"
    ctl=$(printf '%s\n' "$out" | sed -n '1s/^\([a-z]*\): \([^ ]*\) .*/\1|\2/p')
    t_eq "$ctl" "$daemon" "$name: consentctl check agrees with the daemon"
done < "$cases"

t_done
