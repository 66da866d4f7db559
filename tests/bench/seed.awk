# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# seed.awk - the consent records that miltergen(1) expects, as Redis protocol
#
# Usage: awk -v n=RECORDS -v t=NOW [-v src=TEXT] -f seed.awk | redis-cli --pipe
#
# Addresses user<k>@example.org for k = 0 .. n-1, in the scheme shared
# with tests/bench/miltergen.c: k mod 4 = 0 or 1 granted (purpose
# newsletter), 2 withdrawn, 3 suppressed (k mod 8 = 3) or without any
# record (k mod 8 = 7). Times are a day (consent) or an hour
# (suppression) before t, minus k mod 86400 seconds; src is the evidence
# text of the consent records. Used by bench.sh, the fault tests and the
# Sentinel test, so that the three agree with the generator.

# out - one command of argc arguments a[1..argc], RESP-framed
function out(argc,   i, s) {
    s = "*" argc "\r\n"
    for (i = 1; i <= argc; i++)
	s = s "$" length(a[i]) "\r\n" a[i] "\r\n"
    printf "%s", s
}

BEGIN {
    if (src == "")
	src = "signup form v3"
    for (k = 0; k < n; k++) {
	addr = "user" k "@example.org"
	if (k % 8 == 7)
	    continue			# no record at all
	if (k % 8 == 3) {
	    a[1] = "SET"; a[2] = "cm:suppress:" addr
	    a[3] = (t - 3600 - k % 86400) " hard bounce"
	    out(3)
	    continue
	}
	a[1] = "HSET"; a[2] = "cm:consent:" addr; a[3] = "newsletter"
	a[4] = (k % 4 == 2) ? "withdrawn" : "granted"
	a[5] = "newsletter:at"; a[6] = t - 86400 - k % 86400
	a[7] = "newsletter:src"; a[8] = src
	out(8)
    }
}
