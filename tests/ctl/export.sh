#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# export.sh - whatever consentctl export writes, import accepts
#
# Runs under tests/lib/redis.sh (a private redis-server). Records are
# seeded with raw Redis commands, as another tool would write them:
# odd but valid ones (quotes, commas, CR and LF in sources, UTF-8
# addresses and sources, a quoted local part, a suppression without a
# reason), exported, imported under an empty prefix and compared with
# the originals field by field, byte for byte. Then the records that
# no CSV row can carry faithfully (a NUL byte, Latin-1 text, a garbage
# or future time, an unknown state, a bad purpose, a field without its
# purpose, an address that is not in normal form, a key of the wrong
# type, a row too long for import): each is named on stderr (key,
# field, why), the export exits 65, and the faithful rows are still
# written and import accepts every one of them.

. "$CM_SRCDIR/tests/ctl/lib.sh"

T1=1700000000			# 2023-11-14T22:13:20Z
T2=1710000000			# 2024-03-09T16:00:00Z
R1=2023-11-14T22:13:20Z		# T1 as export writes it
R2=2024-03-09T16:00:00Z
NOW=$(date +%s)
# HMAC-SHA256("test-key", "alice@example.org"), as in check_address.c.
ALICE_ID=5b13e8116d5b702404872d5c6e7277660349ddb67dfb2eb9ab6935a97e4c7c88

# One line per stored field, names and values in hex, sorted: two
# prefixes hold the same records exactly when their dumps are equal.
# "#ref" (the opt-out reference a writer gives, DESIGN.md section 14) is
# the store's own number, not part of the record: it is left out.
DUMP='
local p = ARGV[1]
local out = {}
local function hex(s)
  return (string.gsub(s, ".", function(c)
    return string.format("%02x", string.byte(c)) end))
end
for _, k in ipairs(redis.call("KEYS", p .. "consent:*")) do
  local h = redis.call("HGETALL", k)
  for i = 1, #h, 2 do
    if string.sub(h[i], 1, 1) ~= "#" then table.insert(out, "consent " .. hex(string.sub(k, #p + 1)) .. " "
                 .. hex(h[i]) .. " " .. hex(h[i + 1])) end
  end
end
for _, k in ipairs(redis.call("KEYS", p .. "suppress:*")) do
  table.insert(out, "suppress " .. hex(string.sub(k, #p + 1)) .. " "
               .. hex(redis.call("GET", k)))
end
table.sort(out)
return out'

# dump PREFIX - the records under PREFIX, as above
dump() {
    t_redis EVAL "$DUMP" 0 "$1"
}

# raw LUA-EXPRESSIONS... - HSET/SET with binary values, through Lua
raw() {
    t_redis EVAL "$1" 0 > /dev/null
}

# conf PREFIX [LINES...] - $CONF with KeyPrefix PREFIX
conf() {
    p=$1
    shift
    t_conf "KeyPrefix $p" "$@"
}

cd "$TMP" || exit 99

# --- odd but valid records: an exact round trip --------------------------
t_redis HSET cm:consent:odd@example.org \
    news granted news:at $T1 news:src "say \"hi\", then
bye" \
    sms withdrawn sms:at $T2 sms:src "$(printf 'by phone\r\nline 2')" \
    post granted post:at 0 post:src "$(printf 'caf\303\251 \342\200\223 \360\237\230\200')" \
    a.b_c-9 granted a.b_c-9:at $T2 a.b_c-9:src " padded " \
    events withdrawn events:at $T1 events:src "" > /dev/null
t_redis HSET 'cm:consent:"quoted,local"@example.org' \
    news granted news:at $T1 news:src '"' > /dev/null
t_redis HSET "$(printf 'cm:consent:m\303\274ller@example.org')" \
    news granted news:at $T2 news:src "$(printf 'Stra\303\237e, Formular')" \
    > /dev/null
t_redis SET cm:suppress:sup@example.org "$T2 complaint, by \"phone\"
second line" > /dev/null
t_redis SET cm:suppress:bare@example.org "$T1" > /dev/null
t_redis SET cm:suppress:odd@example.org "$T1 a,b" > /dev/null

conf cm:
t_run export
t_rc 0 "export of odd but valid records"
t_eq "$err" "" "odd records: nothing on stderr"
printf '%s\n' "$out" > odd.csv
t_eq "$(grep -c . odd.csv)" 14 "odd records: header + 13 lines (three rows span two)"
# Issue 16: readable times, in UTC, and no Unix seconds left.
t_has "odd@example.org,news,granted,$R1," "RFC 3339 UTC time in a consent row"
t_has "odd@example.org,post,granted,1970-01-01T00:00:00Z," "time 0 as RFC 3339"
t_has "sup@example.org,*,suppressed,$R2," "RFC 3339 time in a suppression row"
t_has "bare@example.org,*,suppressed,$R1," "suppression without a reason"
t_eq "$(grep -c ",$T1,\|,$T2,\|,0," odd.csv)" 0 "no Unix seconds in the export"
conf rt:
t_run import odd.csv
t_rc 0 "import of the export under an empty prefix"
t_eq "$(printf '%s\n' "$out" | sed -n 's/.*applied \([0-9]*\).*/\1/p')" 10 \
    "every row applied"
a=$(dump cm:)
b=$(dump rt:)
t_eq "$(printf '%s\n' "$a" | wc -l)" 24 "dump: every stored field"
if [ "$a" = "$b" ]; then t_ok "round trip: every field identical"; else
    t_notok "round trip: every field identical"
    printf '%s\n' "$a" > a.txt; printf '%s\n' "$b" > b.txt
    diff a.txt b.txt | sed 's/^/#   /'; fi
t_run export
printf '%s\n' "$out" > odd2.csv
if cmp -s odd.csv odd2.csv; then t_ok "round trip: identical export"; else
    t_notok "round trip: identical export"; diff odd.csv odd2.csv | sed 's/^/#   /'; fi

# --- --unix-times: the stored seconds, for scripts; round-trips too -------
conf cm:
t_run export --unix-times
t_rc 0 "export --unix-times"
printf '%s\n' "$out" > unix.csv
t_has "odd@example.org,news,granted,$T1," "--unix-times: stored seconds"
t_has "odd@example.org,post,granted,0," "--unix-times: time 0"
t_has "sup@example.org,*,suppressed,$T2," "--unix-times: suppression"
t_eq "$(sed 's/,[0-9]\{1,\},/,T,/' unix.csv | md5sum)" \
    "$(sed 's/,[0-9-]*T[0-9:]*Z,/,T,/' odd.csv | md5sum)" \
    "--unix-times: the same rows, only the time column differs"
conf ut:
t_run import unix.csv
t_rc 0 "import of the --unix-times export"
if [ "$(dump ut:)" = "$a" ]; then t_ok "--unix-times round trip: identical"
else t_notok "--unix-times round trip: identical"; fi
conf cm:
t_run export --unix-times --unix-times
t_rc 64 "--unix-times twice is a usage error"

# --- records no row can carry: named, the rest still written -------------
t_redis FLUSHALL > /dev/null
t_redis HSET cm:consent:good@example.org news granted news:at $T1 \
    news:src form > /dev/null
raw "redis.call('HSET', 'cm:consent:nul@example.org', 'news', 'granted',
     'news:at', '$T1', 'news:src', 'a\\0b')"
raw "redis.call('HSET', 'cm:consent:latin@example.org', 'news', 'granted',
     'news:at', '$T1', 'news:src', 'caf\\233')"
t_redis HSET cm:consent:mixed@example.org news granted news:at $T1 \
    news:src kept sms granted sms:at yesterday sms:src crm > /dev/null
t_redis HSET cm:consent:future@example.org news granted \
    news:at $((NOW + 86400)) news:src "bad clock" > /dev/null
t_redis HSET cm:consent:zeros@example.org news granted news:at 0$T1 \
    news:src x > /dev/null
t_redis HSET cm:consent:state@example.org news maybe news:at $T1 \
    news:src x > /dev/null
t_redis HSET cm:consent:purpose@example.org 'News!' granted 'News!:at' $T1 \
    'News!:src' x > /dev/null
t_redis HSET cm:consent:orphan@example.org news granted news:at $T1 \
    news:src x gone:at $T1 > /dev/null
t_redis HSET cm:consent:noat@example.org news granted news:src x > /dev/null
t_redis HSET cm:consent:Upper@Example.org news granted news:at $T1 \
    news:src x > /dev/null
# Lua escapes are decimal: \252 is the Latin-1 u-umlaut, 0xfc.
raw "redis.call('HSET', 'cm:consent:m\\252ller@example.org', 'news',
     'granted', 'news:at', '$T1', 'news:src', 'x')"
t_redis SET cm:consent:string@example.org oops > /dev/null
t_redis HSET cm:consent:long@example.org news granted news:at $T1 \
    news:src "$(head -c 70000 /dev/zero | tr '\0' x)" > /dev/null
t_redis SET cm:suppress:notime@example.org "complaint by phone" > /dev/null
t_redis SET cm:suppress:sfuture@example.org "$((NOW + 86400)) complaint" \
    > /dev/null
t_redis SET cm:suppress:sgood@example.org "$T2 complaint" > /dev/null

conf cm:
t_run export
t_rc 65 "unfaithful records: export exits 65"
printf '%s\n' "$out" > mixed.csv
t_errhas 'cm:consent:nul@example.org: field "news:src": "a\x00b": NUL byte' \
    "NUL in a source"
t_errhas 'cm:consent:latin@example.org: field "news:src": "caf\xe9": not valid UTF-8' \
    "Latin-1 source"
t_errhas 'cm:consent:mixed@example.org: field "sms:at": "yesterday": not Unix seconds' \
    "garbage time"
t_errhas 'cm:consent:future@example.org: field "news:at": "'"$((NOW + 86400))"'": more than 300 s in the future' \
    "future time"
t_errhas 'cm:consent:zeros@example.org: field "news:at": "0'"$T1"'": not Unix seconds' \
    "time with a leading zero"
t_errhas 'cm:consent:state@example.org: field "news": "maybe": want granted or withdrawn' \
    "unknown state"
t_errhas 'cm:consent:purpose@example.org: field "News!": not a purpose' "bad purpose"
t_errhas 'cm:consent:orphan@example.org: field "gone:at": no purpose field "gone"' \
    "field without its purpose"
t_errhas 'cm:consent:noat@example.org: field "news:at": missing' "missing time"
t_errhas 'cm:consent:Upper@Example.org: address "Upper@Example.org": not in normal form' \
    "address not normalised"
t_errhas 'cm:consent:m\xfcller@example.org: address "m\xfcller@example.org": not valid UTF-8' \
    "Latin-1 address"
t_errhas 'cm:consent:string@example.org: WRONGTYPE' "key of the wrong type"
t_errhas 'cm:consent:long@example.org: field "news:src": the row would be longer than 65536 bytes' \
    "row too long for import"
t_errhas 'cm:suppress:notime@example.org: time "complaint": not Unix seconds' \
    "suppression without a time"
t_errhas 'cm:suppress:sfuture@example.org: time "'"$((NOW + 86400))"'": more than 300 s in the future' \
    "suppression in the future"
t_errhas '15 records or fields could not be exported faithfully' "summary counts them"
t_eq "$(grep -c . mixed.csv)" 5 "the faithful rows are still written"
t_has "good@example.org,news,granted,$R1,form" "faithful record written"
t_has "mixed@example.org,news,granted,$R1,kept" \
    "faithful purpose of a mixed record written"
t_has "sgood@example.org,*,suppressed,$R2,complaint" "faithful suppression"
conf rt2:
t_run import mixed.csv
t_rc 0 "import accepts every row export wrote"
t_eq "$(t_redis HGETALL rt2:consent:mixed@example.org | tr '\n' ' ' |
	sed 's/#ref [0-9]* //')" \
    "news granted news:at $T1 news:src kept " "mixed record: the faithful part"

# --- pseudonymised ids: 64 lower-case hex digits, or named ----------------
printf '%s' test-key > key
t_redis FLUSHALL > /dev/null
t_redis HSET "cm:consent:$ALICE_ID" news granted news:at $T1 news:src x \
    > /dev/null
t_redis HSET cm:consent:alice@example.org news granted news:at $T1 \
    news:src x > /dev/null
conf cm: "AddressKeyFile $TMP/key"
t_run export
t_rc 65 "AddressKeyFile: a plain id cannot be exported"
t_errhas 'cm:consent:alice@example.org: address "alice@example.org": not a record id (want 64 lower-case hex digits)' \
    "AddressKeyFile: plain id named"
t_has "id:$ALICE_ID,news,granted,$R1,x" "AddressKeyFile: hex id written"

t_done
