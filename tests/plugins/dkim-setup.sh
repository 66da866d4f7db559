#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# dkim-setup.sh - keys and signed messages for the dkim plugin tests
#
# Run by tests/milter/run.sh (a "-- setup:" line) in the test's temporary
# directory $CM_TMP, before the daemon starts. Generates three RSA keys
# (org.example, trusted by the tests' configuration, evil.example, not
# trusted, and a second one of org.example whose record says t=y), the
# key file that dkim.KeyFile names, and the messages
# of tests/plugins/dkim.lua under $CM_TMP/msg/, signed with
# tests/plugins/dkimsign (libopendkim's signing API). Nothing here is
# committed: each run makes its own keys.

set -eu
: "${CM_TMP:?}" "${CM_BUILDDIR:?}"
SIGN=$CM_BUILDDIR/tests/plugins/dkimsign
cd "$CM_TMP"
mkdir -p msg

# key DOMAIN SELECTOR [FILE [TAGS]] - a private key in FILE.key (default
# DOMAIN.key), and its line in keys.txt, with TAGS in the record. The
# lines end in CRLF and the file starts with a byte order mark, as an
# editor on Windows saves it: the keys must be found all the same.
key() {
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	-out "${3:-$1}.key" 2>/dev/null
    chmod 600 "${3:-$1}.key"
    pub=$(openssl pkey -in "${3:-$1}.key" -pubout -outform DER | base64 -w0)
    printf '%s\r\n' "$2._domainkey.$1 v=DKIM1;${4:+ $4;} k=rsa; p=$pub" \
	>> keys.txt
}
printf '\357\273\277' > keys.txt
key org.example s1
key evil.example s1
key org.example s2 testing "t=y"		# the domain is testing DKIM

# base CAMPAIGN - an unsigned campaign message on stdout
base() {
    cat <<MSG
From: Membership <news@org.example>
To: alice@example.org
Subject: Spring
 newsletter
X-Campaign-ID: $1
List-Unsubscribe: <mailto:unsubscribe@org.example>
Message-ID: <dkim-test@org.example>

Hello,

the spring newsletter.
MSG
}

base spring > msg/unsigned.eml
base receipts > msg/forged-service.eml
base spring | "$SIGN" -d org.example -s s1 -k org.example.key > msg/good.eml
base spring | "$SIGN" -d org.example -s s1 -k org.example.key -c simple \
    > msg/good-simple.eml
base spring | "$SIGN" -d org.example -s s1 -k org.example.key \
    -h from:subject > msg/uncovered.eml
base spring | "$SIGN" -d evil.example -s s1 -k evil.example.key \
    > msg/untrusted.eml

# A body length limit (l=): as signed, and with text appended below
# the signed part, which still verifies.
base spring | "$SIGN" -d org.example -s s1 -k org.example.key -l \
    > msg/length.eml
{ cat msg/length.eml; echo "Donate now: https://appeal.example/"; } \
    > msg/length-appended.eml

# A key in testing mode (t=y): its signatures count as none.
base spring | "$SIGN" -d org.example -s s2 -k testing.key > msg/testing.eml

# A signature over many fields: h= names 70 X-Tag fields before the
# campaign header, more than a fixed table of 64 signed fields held.
base spring | awk 'NR == 1 { for (i = 1; i <= 70; i++) print "X-Tag: " i }
    { print }' | "$SIGN" -d org.example -s s1 -k org.example.key \
    -h from:subject:x-tag:x-campaign-id > msg/many-fields.eml
sed 's/the spring newsletter\./the summer newsletter./' msg/good.eml \
    > msg/tampered-body.eml
sed 's/^X-Campaign-ID: spring$/X-Campaign-ID: receipts/' msg/good.eml \
    > msg/tampered-header.eml

# A second copy of the signed field, below it and above it.
sed '/^Message-ID:/a X-Campaign-ID: spring' msg/good.eml > msg/added-below.eml
sed '1i X-Campaign-ID: spring' msg/good.eml > msg/added-above.eml

# Each variant differs from good.eml where it should (a sed that
# matched nothing would make a test pass for the wrong reason).
for f in tampered-body tampered-header added-below added-above; do
    if cmp -s msg/good.eml "msg/$f.eml"; then
	echo "dkim-setup: msg/$f.eml is not changed" >&2
	exit 1
    fi
done
