#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# import-address.sh - import refuses what no MTA would deliver, naming the row
#
# Runs under tests/lib/redis.sh. Issue 16: "j.smith@gmail,com" and
# "peter@example.org; pete@work.example" came in through import as
# addresses. Each undeliverable form is refused with its line number
# and the reason from address(3) (the function the daemon's bad-address
# uses, see check-agrees.sh); the forms MTAs deliver today (quoted
# local parts, +tags, IP literals, UTF-8, a source route, a root dot)
# are stored. Nothing is written while any row is bad; --skip-invalid
# stores the good rows and counts the bad.

. "$CM_SRCDIR/tests/ctl/lib.sh"

T1=1700000000
HDR=address,purpose,state,at,source

t_conf
cd "$TMP" || exit 99

{
    printf '%s\n' "$HDR" \
	"ok@example.org,news,granted,$T1,row 2" \
	"\"j.smith@gmail,com\",news,granted,$T1,comma" \
	"peter@example.org; pete@work.example,news,granted,$T1,two" \
	"john smith@example.org,news,granted,$T1,space" \
	"john@example .org,news,granted,$T1,space in domain" \
	"john@-example.org,news,granted,$T1,hyphen" \
	"john@example..org,news,granted,$T1,empty label" \
	"john@[192.0.2.300],news,granted,$T1,literal" \
	"john@exa_mple.org,news,granted,$T1,underscore" \
	"\"\"\"john smith\"\"@example.org\",news,granted,$T1,quoted" \
	"Alice+News@Example.org,news,granted,$T1,tag" \
	"alice@[192.0.2.1],news,granted,$T1,ipv4" \
	"alice@[IPv6:2001:db8::1],news,granted,$T1,ipv6"
    printf 'j\303\266rg@b\303\274cher.example,news,granted,%s,utf8\n' $T1
} > addr.csv

t_run import addr.csv
t_rc 65 "undeliverable addresses refuse the file"
t_eq "$(t_redis DBSIZE)" 0 "nothing written"
t_errhas 'addr.csv:3: address "j.smith@gmail,com": domain has a character other than letters, digits' \
    "comma in the domain, with line"
t_errhas 'addr.csv:4: address "peter@example.org; pete@work.example": more than one address' \
    "two addresses in one field"
t_errhas 'addr.csv:5: address "john smith@example.org": white space inside the address' \
    "space in the local part"
t_errhas 'addr.csv:6: address "john@example .org": white space inside the address' \
    "space in the domain"
t_errhas 'addr.csv:7: address "john@-example.org": domain has an empty label' \
    "label starting with a hyphen"
t_errhas 'addr.csv:8: address "john@example..org": domain has an empty label' \
    "empty label"
t_errhas 'addr.csv:9: address "john@[192.0.2.300]": address literal is not [IPv4] or [IPv6:address]' \
    "bad address literal"
t_errhas 'addr.csv:10: address "john@exa_mple.org": domain has a character' \
    "underscore in the domain"
case $err in *'addr.csv:2:'* | *'addr.csv:1'[1-5]':'*)
    t_notok "deliverable addresses reported as bad"; printf '#   %s\n' "$err" ;;
*)  t_ok "deliverable addresses not reported" ;; esac
t_errhas '8 invalid rows' "summary counts them"

t_run import addr.csv --skip-invalid
t_rc 0 "--skip-invalid stores the deliverable ones"
for id in ok@example.org '"john smith"@example.org' alice+news@example.org \
    'alice@[192.0.2.1]' 'alice@[ipv6:2001:db8::1]' \
    "$(printf 'j\303\266rg@b\303\274cher.example')"; do
    t_eq "$(t_redis HGET "cm:consent:$id" news)" granted "stored: $id"
done
# (cm:unsub:*: the opt-out references the writer gives, DESIGN.md section 14)
t_eq "$(t_redis --scan | grep -vc '^cm:unsub:')" 12 \
    "six records and their histories, nothing else"
t_eq "$(t_redis --scan --pattern 'cm:unsub:p:*' | wc -l)" 6 "six references"

t_done
