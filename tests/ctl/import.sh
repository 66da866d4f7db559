#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# import.sh - consentctl import and export
#
# Runs under tests/lib/redis.sh (a private redis-server). Covers: every
# kind of bad row, reported as FILE:LINE with nothing written;
# --skip-invalid; CSV quoting; both time forms; the migration that must
# not re-subscribe anyone; suppression rows; counts on re-import; the
# export -> import -> export round trip, plain and with AddressKeyFile;
# export --purpose; standard input; and exit 69 with Redis down. Rows
# dated more than 300 s ahead and invalid UTF-8 are bad rows; rows dated
# ahead within that are stored at the time they are imported.

. "$CM_SRCDIR/tests/ctl/lib.sh"

T1=1700000000			# 2023-11-14T22:13:20Z
T2=1710000000			# 2024-03-09T16:00:00Z
R1=2023-11-14T22:13:20Z		# T1 and T2 as export writes them
R2=2024-03-09T16:00:00Z
NOW=$(date +%s)
# HMAC-SHA256("test-key", "alice@example.org"), as in check_address.c.
ALICE_ID=5b13e8116d5b702404872d5c6e7277660349ddb67dfb2eb9ab6935a97e4c7c88
HDR=address,purpose,state,at,source

# count NAME - a number from the last import's summary line
count() {
    printf '%s\n' "$out" | sed -n "s/.*$1 \\([0-9]*\\).*/\\1/p"
}

# csv FILE LINES... - write FILE (in $TMP): the header, then LINES
csv() {
    f=$TMP/$1
    shift
    printf '%s\n' "$HDR" "$@" > "$f"
}

t_conf
cd "$TMP" || exit 99

# --- every kind of bad row: all reported, nothing written ---------------
csv bad.csv \
    "alice@example.org,news,granted,$T1,ok row" \
    "bob@,news,granted,$T1,x" \
    "nobody,news,granted,$T1,x" \
    "@example.org,news,granted,$T1,x" \
    ",news,granted,$T1,x" \
    "carol@example.org,News!,granted,$T1,x" \
    "carol@example.org,news,maybe,$T1,x" \
    "carol@example.org,news,granted,yesterday,x" \
    "carol@example.org,news,granted,$((NOW + 3 * 86400)),x" \
    "carol@example.org,*,granted,$T1,x" \
    "carol@example.org,news,suppressed,$T1,x" \
    "carol@example.org,news,granted,$T1" \
    "carol@example.org,news,granted,$T1,x,extra" \
    "id:$ALICE_ID,news,granted,$T1,x" \
    "\"carol@example.org\"x,news,granted,$T1,x" \
    "car\"ol@example.org,news,granted,$T1,x" \
    "dave@example.org,news,granted,$T1,\"multi" \
    "line\"" \
    "2024-01-01,news,granted,$T1,x"
printf 'nul\000@example.org,news,granted,%s,x\n' $T1 >> bad.csv
printf 'erin@example.org,news,granted,%s,' $T1 >> bad.csv
head -c 70000 /dev/zero | tr '\0' 'x' >> bad.csv
printf '\nlast@example.org,news,withdrawn,%s,ok row\n' $T1 >> bad.csv
t_run import bad.csv
t_rc 65 "bad rows refuse the whole file"
t_eq "$(t_redis DBSIZE)" 0 "bad file: nothing written"
t_errhas 'bad.csv:3: address "bob@": empty domain' "empty domain, with line"
t_errhas 'bad.csv:4: address "nobody": no @ in address' "no @"
t_errhas 'bad.csv:5: address "@example.org": empty local part' "empty local part"
t_errhas 'bad.csv:6: empty address' "empty address"
t_errhas 'bad.csv:7: purpose "News!"' "bad purpose"
t_errhas 'bad.csv:8: state "maybe"' "bad state"
t_errhas 'bad.csv:9: time "yesterday": want Unix seconds or RFC 3339' "bad time"
t_errhas 'bad.csv:10: time' "time in the future"
t_errhas 'bad.csv:10: time "'"$((NOW + 3 * 86400))"'": more than 300 s in the future' \
    "future: reason"
t_errhas 'bad.csv:11: purpose "*": "*" goes only with state suppressed' "* granted"
t_errhas 'bad.csv:12: purpose "news": a suppressed row has purpose "*"' "suppressed news"
t_errhas 'bad.csv:13: wrong number of fields: 4, want 5' "too few fields"
t_errhas 'bad.csv:14: wrong number of fields: 6, want 5' "too many fields"
t_errhas 'bad.csv:15: address "id:' "id: without AddressKeyFile"
t_errhas 'bad.csv:16: text after a closing quote' "text after closing quote"
t_errhas 'bad.csv:17: double quote inside an unquoted field' "bare quote"
t_errhas 'bad.csv:20: address "2024-01-01": no @' "line numbers after a quoted newline"
t_errhas 'bad.csv:21: NUL byte' "NUL byte"
t_errhas 'bad.csv:22: record longer than 65536 bytes' "over-long record"
t_errhas '18 invalid rows: nothing imported' "summary names the count"
case $err in *'bad.csv:2: '* | *'bad.csv:18: '* | *'bad.csv:23: '*)
    t_notok "good rows reported as bad"; printf '#   %s\n' "$err" ;;
*)  t_ok "good rows not reported" ;; esac

t_run import bad.csv --dry-run
t_rc 65 "dry run also refuses bad rows"

# Structure errors that no row-skipping can repair.
printf '%s\n' "$HDR" "a@example.org,news,granted,$T1,\"open" \
    "b@example.org,news,withdrawn,$T1,x" > open.csv
t_run import open.csv --skip-invalid
t_rc 65 "unterminated quote is fatal even with --skip-invalid"
t_errhas 'open.csv:2: unterminated quoted field' "unterminated quote: line"
t_eq "$(t_redis DBSIZE)" 0 "unterminated quote: nothing written"
printf 'email,purpose,state,at,source\n' > hdr.csv
t_run import hdr.csv
t_rc 65 "wrong header"
t_errhas 'hdr.csv:1: header row is not address,purpose,state,at,source' "wrong header: message"
: > empty.csv
t_run import empty.csv
t_rc 65 "empty file"
t_run import no-such.csv
t_rc 65 "missing file"
t_run import
t_rc 64 "no FILE"
t_run import bad.csv --frobnicate
t_rc 64 "unknown option"
t_eq "$(t_redis DBSIZE)" 0 "still nothing written"

# --- --skip-invalid imports the rest -------------------------------------
# Some bad rows may be opt-outs (state maybe, suppressed, unreadable
# records): the rest is imported, but the exit status is 65.
t_run import bad.csv --dry-run --skip-invalid
t_rc 65 "dry run with --skip-invalid, bad rows that may be opt-outs"
t_has "3 consent rows" "dry run: counts"
t_eq "$(t_redis DBSIZE)" 0 "dry run writes nothing"
t_run import bad.csv --skip-invalid
t_rc 65 "--skip-invalid, bad rows that may be opt-outs"
t_eq "$(count applied)" 3 "--skip-invalid: the good rows applied"
t_eq "$(count invalid)" 18 "--skip-invalid: invalid counted"
t_errhas 'bad.csv:3: address "bob@": empty domain' "--skip-invalid still reports"
t_eq "$(t_redis HGET cm:consent:alice@example.org news)" granted "good row stored"
t_eq "$(t_redis HGET cm:consent:last@example.org news)" withdrawn "row after the long one stored"
t_eq "$(t_redis EXISTS cm:consent:carol@example.org)" 0 "bad rows not stored"
t_redis FLUSHALL > /dev/null

# --- quoting, time forms, header case, BOM and CRLF ----------------------
printf '\357\273\277Address,PURPOSE,State,At,Source\r\n' > q.csv
printf '%s\r\n' \
    "<Alice@Example.ORG>,news,granted,2023-11-14T22:13:20Z,\"form, v2 \"\"spring\"\"\"" \
    "bob@example.org,news,granted,2023-11-14T23:13:20+01:00,\"line 1" \
    "line 2\"" \
    "carol@example.org,sms,withdrawn,$T2,plain" >> q.csv
t_run import q.csv
t_rc 0 "quoted fields, RFC 3339, BOM, CRLF, header case"
t_eq "$(count applied)" 3 "quoted: applied"
t_eq "$(t_redis HGET cm:consent:alice@example.org news:src)" \
    'form, v2 "spring"' "comma and quotes in source"
t_eq "$(t_redis HGET cm:consent:alice@example.org news:at)" $T1 "RFC 3339 Z"
t_eq "$(t_redis HGET cm:consent:bob@example.org news:at)" $T1 "RFC 3339 offset"
t_eq "$(t_redis HGET cm:consent:bob@example.org news:src)" \
    "$(printf 'line 1\r\nline 2')" "CRLF inside quotes is data"
t_eq "$(t_redis HGET cm:consent:carol@example.org sms:src)" plain "unquoted source"
t_eq "$(t_redis HGET cm:consent:carol@example.org sms:at)" $T2 "Unix seconds"
t_redis XRANGE cm:history:alice@example.org - + > hist.txt
t_eq "$(grep -c '^import:' hist.txt)" 1 "history actor: import:<user>"
csv actor.csv "frank@example.org,news,granted,$T1,x"
t_run import actor.csv --actor crm-migration
t_redis XRANGE cm:history:frank@example.org - + > hist.txt
t_eq "$(grep -cx 'crm-migration' hist.txt)" 1 "history actor: --actor"
t_redis FLUSHALL > /dev/null

# --- no event in the future (DESIGN.md section 3) --------------------------
# A row dated tomorrow would win against every withdrawal until then.
TOMORROW=$(date -u -d @$((NOW + 86400)) +%Y-%m-%dT%H:%M:%SZ)
csv soon.csv "gina@example.org,news,granted,$((NOW + 3600)),an hour ahead" \
    "hal@example.org,news,withdrawn,$T1,fine" \
    "gina@example.org,sms,granted,$TOMORROW,crm with a bad clock"
t_run import soon.csv
t_rc 65 "rows dated ahead refuse the file"
t_errhas "soon.csv:2: time \"$((NOW + 3600))\": more than 300 s in the future" \
    "an hour ahead: named with its line"
t_errhas "soon.csv:4: time \"$TOMORROW\": more than 300 s in the future" \
    "tomorrow: named with its line"
t_errhas "2 invalid rows" "rows dated ahead: counted"
t_eq "$(t_redis DBSIZE)" 0 "rows dated ahead: nothing written"
csv skew.csv "ivy@example.org,news,granted,$((NOW + 200)),clock skew"
t_run import skew.csv
t_rc 0 "200 s ahead is clock skew"
at=$(t_redis HGET cm:consent:ivy@example.org news:at)
t_eq "$((at >= NOW && at <= $(date +%s)))" 1 \
    "200 s ahead: stored at the moment it was imported"
csv unsub.csv "ivy@example.org,news,withdrawn,$(date +%s),unsubscribe link"
t_run import unsub.csv
t_eq "$(count applied)" 1 "a withdrawal right after beats it"
t_eq "$(t_redis HGET cm:consent:ivy@example.org news)" withdrawn \
    "withdrawal right after: stored"
t_redis FLUSHALL > /dev/null

# --- invalid UTF-8: refused, named with its line ---------------------------
printf '%s\n' "$HDR" > utf.csv
printf 'm\374ller@example.org,news,granted,%s,latin-1 crm\n' $T1 >> utf.csv
printf 'm\303\274ller@example.org,news,granted,%s,caf\303\251 form\n' $T1 >> utf.csv
printf 'a@example.org,news,granted,%s,caf\351 form\n' $T1 >> utf.csv
printf 'b\300\257@example.org,news,granted,%s,overlong\n' $T1 >> utf.csv
printf 'c\355\240\200@example.org,news,granted,%s,surrogate\n' $T1 >> utf.csv
printf 'd\364\220\200\200@example.org,news,granted,%s,above U+10FFFF\n' $T1 >> utf.csv
printf 'e@example.org,news,granted,%s,"cut \342\202"\n' $T1 >> utf.csv
t_run import utf.csv
t_rc 65 "invalid UTF-8 refuses the file"
t_errhas 'utf.csv:2: address "m\xfcller@example.org": not valid UTF-8' \
    "Latin-1 address: named"
t_errhas 'utf.csv:4: source "caf\xe9 form": not valid UTF-8' "Latin-1 source"
t_errhas 'utf.csv:5: address "b\xc0\xaf@example.org": not valid UTF-8' "overlong"
t_errhas 'utf.csv:6: address' "surrogate"
t_errhas 'utf.csv:7: address' "above U+10FFFF"
t_errhas 'utf.csv:8: source' "cut sequence"
t_errhas '6 invalid rows' "invalid UTF-8: every bad row"
case $err in *'utf.csv:3:'*) t_notok "valid UTF-8 reported as bad" ;;
*) t_ok "valid UTF-8 row not reported" ;; esac
t_eq "$(t_redis DBSIZE)" 0 "invalid UTF-8: nothing written"
t_run import utf.csv --skip-invalid --actor "$(printf 'J\366rg')"
t_rc 65 "--actor in Latin-1"
t_errhas '--actor "J\xf6rg": not valid UTF-8' "--actor in Latin-1: named"
t_eq "$(t_redis DBSIZE)" 0 "--actor in Latin-1: nothing written"
t_run import utf.csv --skip-invalid
t_eq "$(count applied)" 1 "--skip-invalid: the valid UTF-8 row applied"
t_eq "$(t_redis HGET "$(printf 'cm:consent:m\303\274ller@example.org')" news:src)" \
    "$(printf 'caf\303\251 form')" "UTF-8 address and source stored as they are"
t_redis FLUSHALL > /dev/null

# --- the migration: an old export never re-subscribes -------------------
csv old.csv "alice@example.org,news,granted,$T1,crm 2023" \
    "bob@example.org,news,granted,$T1,crm 2023"
csv optout.csv "alice@example.org,news,withdrawn,$T2,unsubscribe link"
t_run import old.csv
t_eq "$(count applied)" 2 "migration: grants applied"
t_run import optout.csv
t_eq "$(count applied)" 1 "migration: withdrawal applied"
t_run import old.csv
t_rc 0 "migration: re-import of the old export completes"
# Both grants are the very events recorded before (Alice's since
# replaced by her withdrawal): already recorded, not stale (issue 16).
t_eq "$(count stale)" 0 "migration: nothing stale"
t_eq "$(count "already recorded")" 2 "migration: the old grants already recorded"
t_eq "$(count applied)" 0 "migration: nothing applied"
t_eq "$(t_redis HGET cm:consent:alice@example.org news)" withdrawn \
    "migration: still withdrawn"
t_eq "$(t_redis HGET cm:consent:alice@example.org news:at)" $T2 \
    "migration: withdrawal time kept"
t_run import old.csv
t_eq "$(count applied)" 0 "re-import: nothing applied"
t_eq "$(count stale)" 0 "re-import: nothing counted stale"
t_eq "$(count "already recorded")" 2 "re-import: both already recorded"
# An export older still: genuinely stale.
csv older.csv "alice@example.org,news,granted,$((T1 - 60)),crm 2022"
t_run import older.csv
t_eq "$(count stale)" 1 "older export: stale"
t_eq "$(t_redis HGET cm:consent:alice@example.org news)" withdrawn \
    "older export: still withdrawn"

# --- suppression rows -----------------------------------------------------
csv sup.csv "bob@example.org,*,suppressed,$T2,complaint to the ICO" \
    "Zed@Example.org,*,suppressed,$T1,bounced"
t_run import sup.csv
t_rc 0 "suppression rows"
t_eq "$(count applied)" 2 "suppression rows applied"
t_eq "$(t_redis GET cm:suppress:bob@example.org)" "$T2 complaint to the ICO" \
    "suppression stored: time and reason"
t_eq "$(t_redis GET cm:suppress:zed@example.org)" "$T1 bounced" \
    "suppression address normalised"
csv regrant.csv "zed@example.org,news,granted,$T2,newer crm row"
t_run import regrant.csv
t_eq "$(count suppressed-kept)" 1 "import never lifts a suppression"
t_eq "$(t_redis HEXISTS cm:consent:zed@example.org news)" 0 \
    "suppressed: grant not stored"

# --- export, and the round trip -------------------------------------------
csv more.csv "bob@example.org,sms,withdrawn,$T2,\"said \"\"stop\"\", by phone\"" \
    "carol@example.org,post,granted,$T1,\" padded \"" \
    "carol@example.org,news,granted,$T2,\"two
lines\""
t_run import more.csv
t_rc 0 "more rows"
t_run export
t_rc 0 "export"
printf '%s\n' "$out" > e1.csv
t_eq "$(head -n 1 e1.csv)" "$HDR" "export: header row"
t_eq "$(sed -n 2p e1.csv)" "alice@example.org,news,withdrawn,$R2,unsubscribe link" \
    "export: first row"
t_eq "$(grep -c '^bob@example.org,' e1.csv)" 3 "export: bob's rows"
t_eq "$(grep '^carol@' e1.csv | cut -d, -f2 | tr '\n' ' ')" "news post " \
    "export: sorted by purpose"
t_eq "$(grep '^bob@' e1.csv | cut -d, -f2 | tr '\n' ' ')" "* news sms " \
    "export: sorted by purpose, suppression first"
t_eq "$(t_redis HGET cm:consent:carol@example.org news:src)" "two
lines" "newline in source"
t_has "carol@example.org,news,granted,$R2,\"two
lines\"" "export: newline quoted"
t_has "carol@example.org,post,granted,$R1,\" padded \"" "export: blanks quoted"
t_has "zed@example.org,*,suppressed,$R1,bounced" "export: suppression row"
t_redis FLUSHALL > /dev/null
t_run import e1.csv
t_rc 0 "round trip: import the export"
t_eq "$(count applied)" 7 "round trip: every row applied"
t_run export
printf '%s\n' "$out" > e2.csv
if cmp -s e1.csv e2.csv; then t_ok "round trip: identical export"; else
    t_notok "round trip: identical export"; diff e1.csv e2.csv | sed 's/^/#   /'; fi

t_run export --purpose sms
t_rc 0 "export --purpose"
t_eq "$(printf '%s\n' "$out" | cut -d, -f2 | LC_ALL=C sort -u | tr '\n' ' ')" \
    "* purpose sms " "export --purpose: that purpose and the suppressions"
t_eq "$(printf '%s\n' "$out" | wc -l)" 4 "export --purpose: header + 3 rows"
t_run export --purpose 'Bad!'
t_rc 64 "export --purpose with a bad purpose"

# --- standard input -------------------------------------------------------
t_redis FLUSHALL > /dev/null
"$CONSENTCTL" -c "$CONF" import - < e1.csv > out.txt 2> err.txt
rc=$?; out=$(cat out.txt); err=$(cat err.txt)
t_rc 0 "import - from a redirected file"
t_eq "$(count applied)" 7 "stdin file: applied"
t_redis FLUSHALL > /dev/null
cat bad.csv | "$CONSENTCTL" -c "$CONF" import - > out.txt 2> err.txt
rc=$?; out=$(cat out.txt); err=$(cat err.txt)
t_rc 65 "import - from a pipe: checked"
t_errhas 'stdin:3: address "bob@": empty domain' "stdin: named in messages"
cat e1.csv | "$CONSENTCTL" -c "$CONF" import - > out.txt 2> err.txt
rc=$?; out=$(cat out.txt); err=$(cat err.txt)
t_rc 0 "import - from a pipe (spooled)"
t_eq "$(count applied)" 7 "pipe: applied"

# --- AddressKeyFile: ids are HMACs, exported as id:<hex> ------------------
printf '%s' test-key > key
t_conf "AddressKeyFile $TMP/key"
t_redis FLUSHALL > /dev/null
csv keyed.csv "Alice@Example.org,news,granted,$T1,web" \
    "bob@example.org,*,suppressed,$T2,complaint"
t_run import keyed.csv
t_rc 0 "AddressKeyFile: import plain addresses"
t_eq "$(t_redis HGET cm:consent:$ALICE_ID news)" granted "AddressKeyFile: HMAC id"
t_run export
printf '%s\n' "$out" > k1.csv
t_has "id:$ALICE_ID,news,granted,$R1,web" "AddressKeyFile: export writes id:<hex>"
case $out in *@*) t_notok "AddressKeyFile: no plain address exported" ;;
*) t_ok "AddressKeyFile: no plain address exported" ;; esac
t_redis FLUSHALL > /dev/null
t_run import k1.csv
t_rc 0 "AddressKeyFile: import id:<hex>"
t_run export
printf '%s\n' "$out" > k2.csv
if cmp -s k1.csv k2.csv; then t_ok "AddressKeyFile: round trip identical"; else
    t_notok "AddressKeyFile: round trip identical"; diff k1.csv k2.csv | sed 's/^/#   /'; fi
upper=$(printf '%s' "$ALICE_ID" | tr a-f A-F)
csv upper.csv "id:$upper,sms,granted,$T1,x" "id:${ALICE_ID}0,sms,granted,$T1,x"
t_run import upper.csv
t_rc 65 "AddressKeyFile: id with 65 digits"
t_errhas 'upper.csv:3: address "id:' "AddressKeyFile: bad id reported"
t_run import upper.csv --skip-invalid
t_eq "$(t_redis HGET cm:consent:$ALICE_ID sms)" granted "id: hex case folded"

# --- a damaged record in the middle of a batch ------------------------------
# Person 50's consent key is a string. The import stops at it (69), names
# the event and the record, and importing again once the key is repaired
# applies every row: nothing is lost, nobody is granted twice.
t_conf				# plain addresses again, no AddressKeyFile
rows=
i=1
while [ $i -le 100 ]; do
    rows="$rows dmg$i@example.org,news,granted,$T1,form"
    i=$((i + 1))
done
# shellcheck disable=SC2086 # one word per row
csv damaged.csv $rows
t_redis SET cm:consent:dmg50@example.org granted > /dev/null
t_run import damaged.csv
t_rc 69 "a damaged record: exit 69"
t_errhas 'event 50 (id dmg50@example.org): WRONGTYPE' "the event and the record are named"
t_errhas 'damaged.csv: partly imported' "the file is said to be partly imported"
t_eq "$(t_redis HGET cm:consent:dmg49@example.org news)" granted \
    "the row before it is applied"
t_eq "$(t_redis TYPE cm:consent:dmg50@example.org)" string "the damaged key is left alone"
t_eq "$(t_redis EXISTS cm:consent:dmg51@example.org)" 0 \
    "the row after it, in the same script call, is not (consentctl(8))"
t_redis DEL cm:consent:dmg50@example.org > /dev/null
t_run import damaged.csv
t_rc 0 "imported again once repaired"
n=0
i=1
while [ $i -le 100 ]; do
    [ "$(t_redis HGET cm:consent:dmg$i@example.org news)" = granted ] && n=$((n + 1))
    i=$((i + 1))
done
t_eq "$n" 100 "every row granted after the second import"
t_eq "$(t_redis XLEN cm:history:dmg1@example.org)" 1 "and recorded once"

# --- --skip-invalid never skips an opt-out ------------------------------------
# A bad withdrawn row once vanished while the same person's grant was
# applied (exit 0): an opt-out turned into consent. Now every row of
# that person is held back, named, and the exit status says so.
t_redis FLUSHALL > /dev/null
csv hold.csv \
    "skip1@example.org,news,granted,$T1,form" \
    "skip1@example.org,news,withdrawn,14/11/2023,unsub link" \
    "skip2@example.org,news,granted,$T1,form" \
    "skip3@example.org,news,maybe,$T1,x" \
    "SKIP3@example.org,offers,granted,$T1,form" \
    "skip4@example.org,news,granted,yesterday,form" \
    "skip4@example.org,offers,granted,$T1,form" \
    "skip5@example.org,*,suppressed,$T1,x,extra" \
    "skip5@example.org,news,granted,$T1,form" \
    "skip1@example.org,*,suppressed,$T1,complaint"
t_run import hold.csv --skip-invalid
t_rc 65 "--skip-invalid with a bad opt-out row"
t_errhas 'hold.csv:3: time "14/11/2023"' "the bad opt-out row named"
t_errhas 'hold.csv:2: held back: skip1@example.org has an invalid opt-out row' \
    "the same person's grant held back, named FILE:LINE"
t_errhas 'hold.csv:6: held back: skip3@example.org' "state unreadable: held back too"
t_errhas 'hold.csv:10: held back: skip5@example.org' "wrong field count, suppressed: held back"
t_errhas 'invalid rows that carry or may carry an opt-out: 3' "the exit status explained"
t_eq "$(t_redis EXISTS cm:consent:skip1@example.org)" 0 "skip1: no grant applied"
t_eq "$(t_redis EXISTS cm:consent:skip3@example.org)" 0 "skip3: nothing applied"
t_eq "$(t_redis EXISTS cm:consent:skip5@example.org)" 0 "skip5: nothing applied"
t_eq "$(t_redis GET cm:suppress:skip1@example.org)" "$T1 complaint" \
    "skip1: a valid suppression of a person held back is applied"
t_eq "$(t_redis HGET cm:consent:skip2@example.org news)" granted "the rest imported"
t_eq "$(t_redis HGET cm:consent:skip4@example.org offers)" granted \
    "a bad grant row holds nothing back"
t_has "held back 3" "held-back rows counted"
case $err in *'hold.csv:4: held back'* | *'hold.csv:8: held back'*)
    t_notok "other people held back"; printf '#   %s\n' "$err" ;;
*)  t_ok "other people not held back" ;; esac

# --- Redis down -------------------------------------------------------------
printf 'Redis unix:%s/no-such.sock\n' "$TMP" > "$CONF"
t_run import e1.csv
t_rc 69 "import with Redis down"
t_run export
t_rc 69 "export with Redis down"
t_run import bad.csv
t_rc 65 "bad file with Redis down: the data error first"

t_done
