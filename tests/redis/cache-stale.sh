#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# cache-stale.sh - the consent cache never serves a withdrawn person
#
# Starts a private redis-server and consent-milter with ConsentCache on,
# seeds CS_PEOPLE addresses with the scheme of tests/bench (seed.awk:
# k mod 4 = 0, 1 granted), and registers an envelope campaign (sender
# news@cache.example) and a header campaign. Warms the cache with one
# pass over the granted people, then, while two miltergen runs keep the
# daemon busy (envelope campaign, 1 recipient a message, 3 connections;
# header campaign, 4 recipients a message, 2 connections; every answer
# logged with -L; stopped with SIGUSR1 half a second after the last
# withdrawal), withdraws CS_VICTIMS granted people one after the
# other through consentctl, noting the time each withdrawal returned.
#
# Asserts, for every message of the -L logs that holds a withdrawn
# person: if the message started (MAIL) after that person's withdrawal
# returned, it was not accepted for them (miltergen logs "decided" only
# when every recipient got what the scheme expects, here acceptance;
# a refused victim makes it "mismatch"). Also asserts that the cache was
# used (Redis saw fewer HGETALLs than recipients were decided), and that
# every victim was mailed after their withdrawal (so the assertion was
# exercised). Prints the staleness bound measured: the latest end of a
# message that accepted a victim, after the withdrawal returned (such
# a message started before it: its decision may have been made just
# before), and the number of decisions checked.
#
# Run by make check under tests/lib/redis.sh (whose own server it does
# not use); by hand with the variables of tests/redis/lib.sh.

set -u
. "${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/redis/lib.sh"

MILTERGEN=${MILTERGEN:-${CM_BUILDDIR:-.}/tests/bench/miltergen}
PEOPLE=${CS_PEOPLE:-400}
VICTIMS=${CS_VICTIMS:-30}
[ -x "$MILTERGEN" ] || { echo "$0: $MILTERGEN not built" >&2; exit 99; }

start_redis store
rcli store ping > /dev/null || fail "redis did not answer"

cat > "$tmp/ctl.conf" <<EOF
Redis unix:$tmp/store.sock
EOF
cat > "$tmp/milter.conf" <<EOF
Socket unix:$tmp/milter.sock
Redis unix:$tmp/store.sock
AuditLog $tmp/audit.log
AllowRoot yes
ConsentHeader full
ConsentCache 100000
EOF
ctl() { "$CM_CONSENTCTL" -c "$tmp/ctl.conf" --actor cache-test "$@"; }

echo "--- seed $PEOPLE people, two campaigns"
awk -v n="$PEOPLE" -v t="$(date +%s)" -v src="cache test" \
    -f "$srcdir/tests/bench/seed.awk" | rcli store --pipe > "$tmp/seed.out" \
    || fail "seeding failed"
ctl campaign add cache-env --purpose newsletter --owner test > /dev/null &&
ctl campaign add cache-hdr --purpose newsletter --owner test > /dev/null &&
ctl sender set news@cache.example cache-env > /dev/null ||
    fail "consentctl could not register the campaigns"

start_daemon "$tmp/milter.conf"
wait_until 10 "the consent cache to come on" \
    grep -q 'consent cache on' "$tmp/milter.log"

gen() {
    "$MILTERGEN" -s "unix:$tmp/milter.sock" -N "$PEOPLE" -u 0 "$@"
}

echo "--- warm: every granted person once, each campaign"
gen -c 2 -n "$PEOPLE" -r 1 -m envelope -f news@cache.example \
    -L "$tmp/warm.lines" > "$tmp/warm-env.out" 2>&1 || { cat "$tmp/warm-env.out"; fail "warm-up"; }
gen -c 2 -n "$PEOPLE" -r 1 -m header -C cache-hdr \
    > "$tmp/warm-hdr.out" 2>&1 || { cat "$tmp/warm-hdr.out"; fail "warm-up"; }
rcli store config resetstat > /dev/null

echo "--- load, and $VICTIMS withdrawals through consentctl"
# exec: $! must be miltergen itself, which SIGUSR1 stops.
(exec "$MILTERGEN" -s "unix:$tmp/milter.sock" -N "$PEOPLE" -u 0 -c 3 -d 120 \
    -n 100000000 -r 1 -m envelope -f news@cache.example \
    -L "$tmp/env.lines" > "$tmp/env.out" 2>&1) &
g1=$!
(exec "$MILTERGEN" -s "unix:$tmp/milter.sock" -N "$PEOPLE" -u 0 -c 2 -d 120 \
    -n 100000000 -r 4 -m header -C cache-hdr \
    -L "$tmp/hdr.lines" > "$tmp/hdr.out" 2>&1) &
g2=$!
sleep 0.5
: > "$tmp/withdrawn"
# The victims: people the load mails (miltergen draws from a subset).
for k in $(awk '{ print $NF }' "$tmp/warm.lines" | sort -un |
	   awk -v n="$VICTIMS" 'NR % 3 == 1 && ++c <= n'); do
    ctl withdraw "user$k@example.org" newsletter > /dev/null ||
	fail "consentctl withdraw user$k@example.org failed"
    echo "$k $(now_ms)" >> "$tmp/withdrawn"
    sleep 0.1
done
[ "$(wc -l < "$tmp/withdrawn")" -eq "$VICTIMS" ] ||
    fail "fewer than $VICTIMS people to withdraw"
# Half a second more, so that the last victim is mailed too; then stop.
sleep 0.5
kill -USR1 $g1 $g2
# Refused victims are mismatches (status 1) to miltergen; 2 is an error.
wait $g1
[ $? -le 1 ] || { cat "$tmp/env.out"; fail "miltergen (envelope) failed"; }
wait $g2
[ $? -le 1 ] || { cat "$tmp/hdr.out"; fail "miltergen (header) failed"; }
calls=$(rcli store info commandstats | sed -n 's/^cmdstat_hgetall:calls=\([0-9]*\),.*/\1/p')

echo "--- check every decision about a withdrawn person"
awk -v calls="${calls:-0}" '
    FILENAME == ARGV[1] { at[$1] = $2; next }
    {
	n = split($NF, ks, ",")
	rcpts += n
	for (i = 1; i <= n; i++) {
	    k = ks[i]
	    if (!(k in at))
		continue
	    if ($1 > at[k]) {
		after[k]++
		checked++
		if ($3 == "decided") {
		    printf "STALE: user%s@example.org accepted in a message " \
			"started %d ms after the withdrawal returned (%s)\n",
			k, $1 - at[k], $0
		    bad++
		}
	    } else if ($3 == "decided" && (!seen || $2 - at[k] > late)) {
		late = $2 - at[k]
		seen = 1
	    }
	}
    }
    END {
	for (k in at)
	    if (!(k in after)) {
		printf "not exercised: user%s@example.org was not mailed " \
		    "after the withdrawal\n", k
		bad++
	    }
	printf "decisions about withdrawn people after the withdrawal: %d, " \
	    "all refused: %s\n", checked, bad ? "NO" : "yes"
	printf "staleness measured: the last acceptance of a withdrawn " \
	    "person ended %d ms after the withdrawal returned (<= 0: " \
	    "before; such a message started before it)\n", late
	printf "recipients decided: %d; Redis HGETALL calls: %d\n", rcpts, calls
	if (rcpts > 0 && calls * 2 > rcpts) {
	    print "the cache was hardly used"
	    bad++
	}
	exit bad ? 1 : 0
    }' "$tmp/withdrawn" "$tmp/env.lines" "$tmp/hdr.lines" ||
    fail "a withdrawn person was accepted, or the test did not exercise it"
grep -h '^RESULT' "$tmp/env.out" "$tmp/hdr.out"
stop_daemon
echo "PASS"
