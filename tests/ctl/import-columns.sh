#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# import-columns.sh - consentctl import --from columns (your spreadsheet)
#
# Runs under tests/lib/redis.sh. A CRM export as Excel saves it: cp1252,
# a BOM, ';' between fields, CRLF, UK dates (dd/mm/yyyy, local time).
# Asserts the events made from one row per person, the times converted
# from Europe/London (summer and winter), the zone and source in the
# evidence, the refusal of cp1252 read as UTF-8 (naming the line), a
# tab-separated file, and a header error naming found and expected.

. "$CM_SRCDIR/tests/ctl/lib.sh"

COLS='address=Email Address,granted_at=Opt-In Date,withdrawn_at=Unsubscribe Date,suppress=Do Not Contact,source=Signup Form'
FMT='%d/%m/%Y %H:%M'

hget() {
    t_redis HGET "cm:consent:$1" "$2"
}

t_conf
cd "$TMP" || exit 99

# \351 is e-acute in cp1252; the BOM is what Excel writes.
printf '\357\273\277Email Address;Name;Opt-In Date;Unsubscribe Date;Do Not Contact;Signup Form\r\n' > crm.csv
printf 'Anna@Example.org;Anna;24/07/2019 14:03;;no;Caf\351 evening\r\n' >> crm.csv
printf 'bert@example.org;Bert;15/01/2020 09:00;02/03/2021 10:00;;web\r\n' >> crm.csv
printf 'cleo@example.org;Cleo;01/06/2018 12:00;;Yes;"Fair; 2018"\r\n' >> crm.csv
printf 'dora@example.org;Dora;;;;\r\n' >> crm.csv
printf 'eve@example.org;Eve;10/10/2020 08:30;;;\r\n' >> crm.csv

# --- cp1252 read as UTF-8: refused, naming the line ----------------------
t_run import --from columns --columns "$COLS" --purpose news \
    --date-format "$FMT" --timezone Europe/London crm.csv
t_rc 65 "cp1252 without --encoding"
t_errhas "crm.csv:2: source" "invalid UTF-8 named by line"
t_errhas "not valid UTF-8" "invalid UTF-8: the reason"
t_eq "$(t_redis DBSIZE)" 0 "nothing written"

# --- with --encoding cp1252 ---------------------------------------------
t_run import --from columns --columns "$COLS" --purpose news \
    --date-format "$FMT" --timezone Europe/London --encoding cp1252 crm.csv
t_rc 0 "cp1252 spreadsheet"
t_has "columns: 5 rows, 6 events, 1 rows without a consent event" \
    "rows, events, rows without an event"
t_eq "$(hget anna@example.org news)" granted "opt-in date -> granted"
t_eq "$(hget anna@example.org news:at)" "$(date -u -d '2019-07-24 13:03:00' +%s)" \
    "summer time: 14:03 BST is 13:03 UTC"
t_eq "$(hget anna@example.org news:src)" \
    "columns crm.csv:2 granted_at tz=Europe/London source=\"Café evening\"" \
    "evidence: file, row, zone, source in UTF-8"
t_eq "$(hget eve@example.org news:at)" "$(date -u -d '2020-10-10 07:30:00' +%s)" \
    "eve: BST"
t_eq "$(hget bert@example.org news)" withdrawn "opt-in then unsubscribe -> withdrawn"
t_eq "$(hget bert@example.org news:at)" "$(date -u -d '2021-03-02 10:00:00' +%s)" \
    "winter time: 10:00 GMT is 10:00 UTC"
t_eq "$(hget cleo@example.org news)" granted "cleo: opt-in kept as history"
s=$(t_redis GET cm:suppress:cleo@example.org)
case $s in *"columns crm.csv:4 suppress (at import) tz=Europe/London source=\"Fair; 2018\""*)
    t_ok "do not contact -> suppressed, evidence" ;;
*) t_notok "do not contact -> suppressed"; echo "#   got: $s" ;; esac
t_eq "$(t_redis EXISTS cm:consent:dora@example.org)" 0 "no dates, no flag: nothing"

# --- an older spreadsheet never re-subscribes ----------------------------
printf 'Email Address;Opt-In Date\r\nbert@example.org;01/01/2021 10:00\r\n' > old.csv
t_run import --from columns --columns 'address=Email Address,granted_at=Opt-In Date' \
    --purpose news --date-format "$FMT" --timezone Europe/London old.csv
t_rc 0 "older spreadsheet"
t_has "stale 1" "older opt-in is stale"
t_eq "$(hget bert@example.org news)" withdrawn "bert stays withdrawn"

# --- tab-separated, UTF-8, RFC 3339 and default formats ------------------
printf 'email\twhen\tout\n' > tab.tsv
printf 'fred@example.org\t2022-05-01T10:00:00Z\t\n' >> tab.tsv
printf 'gina@example.org\t2022-05-01 10:00\t2022-06-01\n' >> tab.tsv
t_run import --from columns --columns 'address=email,granted_at=when,withdrawn_at=out' \
    --purpose sms tab.tsv
t_rc 0 "tab-separated file detected"
t_eq "$(hget fred@example.org sms:at)" "$(date -u -d '2022-05-01 10:00:00' +%s)" "RFC 3339"
t_eq "$(hget gina@example.org sms)" withdrawn "YYYY-MM-DD date, UTC by default"
t_eq "$(hget gina@example.org sms:at)" "$(date -u -d '2022-06-01' +%s)" "date only: midnight UTC"

# --- header error: names the columns found and expected ------------------
t_run import --from columns --purpose news --encoding cp1252 \
    --columns 'address=Email Address,withdrawn_at=Unsubscribed On' crm.csv
t_rc 65 "header error"
t_errhas 'crm.csv:1: header: missing column "Unsubscribed On"; found: "Email Address", "Name", "Opt-In Date"' \
    "header error names the columns found"
t_errhas 'expected: "Email Address", "Unsubscribed On"' "header error names those expected"

# --- bad values ------------------------------------------------------------
printf 'Email Address;Opt-In Date;Do Not Contact\r\nj.smith@gmail,com;24/07/2019 14:03;\r\nok@example.org;2019-07-24;\r\nx@example.org;24/07/2019 14:03;maybe\r\n' > bad.csv
t_run import --from columns --columns 'address=Email Address,granted_at=Opt-In Date,suppress=Do Not Contact' \
    --purpose news --date-format "$FMT" bad.csv
t_rc 65 "bad values"
t_errhas "bad.csv:3: granted_at \"2019-07-24\": want $FMT" "date not in --date-format"
t_errhas "bad.csv:4: suppress \"maybe\": want yes or no" "unknown flag"
t_run import --from columns --columns 'address=Email Address' --purpose news \
    --timezone Mars/Olympus bad.csv
t_rc 64 "unknown zone"
t_errhas "not in the system zone database" "unknown zone named"
t_run import --from columns --columns 'adress=Email Address' --purpose news bad.csv
t_rc 65 "unknown key"
t_errhas 'unknown key "adress"' "unknown key named"

t_done
