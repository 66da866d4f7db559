#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# postfix-bench.sh - end to end: smtp-source -> Postfix (+ milter) -> smtp-sink
#
# Usage: postfix-bench.sh   (as root; make bench runs it with the build's
#                            paths; it runs itself under tests/lib/redis.sh)
#
# A benchmark, not a test: it prints figures and fails only when
# something breaks (a message lost or refused, a process that did not
# start). With tests/postfix/lib.sh's private Postfix (own config and
# queue in a temporary directory, no chroot, relaying to smtp-sink), it
# measures how fast Postfix's smtpd accepts mail from smtp-source:
#
#  1. 1 recipient x BENCH_PF_SESSIONS sessions (default 20; smtp-source
#     -d: many messages per session), BENCH_PF_MESSAGES messages a run,
#     with smtpd_milters empty ("none"), the null milter (nullmilter,
#     negotiating what consent-milter negotiates), and consent-milter on
#     a unix socket with a header campaign (X-Campaign-ID: bench-hdr) to
#     a consented recipient; BENCH_PF_REPS runs of each, alternating;
#     prints the medians (messages/s) and both ratios: consent/null
#     (issue 6's target: >= 0.9) and null/none (what any milter costs);
#  2. one session, consent-milter over TCP and over a unix socket
#     (TCP/unix target: >= 0.8: no Nagle stalls).
#
# The time is smtp-source's, from the first connection to the last
# reply; between runs the queue is drained, and the sink is checked:
# every message delivered once, with consent-milter's header when it ran.
#
# Knobs (environment): BENCH_QUICK=1 (smoke run: 300 messages, 1 run),
# BENCH_PF_MESSAGES (2000), BENCH_PF_MESSAGES1 (one-session runs: 600),
# BENCH_PF_SESSIONS (20), BENCH_PF_REPS (3), BENCH_STRICT=1 (exit 1 when
# a ratio misses its target). Paths: CM_DAEMON, CM_CONSENTCTL,
# BENCH_MILTERGEN, BENCH_NULLMILTER, SMTP_SOURCE (default smtp-source),
# CM_SRCDIR (the source tree).
#
# Exit status: 0 done, 1 something broke (or BELOW with BENCH_STRICT=1),
# 77 not root.

CM_SRCDIR=${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$CM_SRCDIR/tests/postfix/lib.sh"
pf_need_redis "$0" "$@"

CM_CONSENTCTL=${CM_CONSENTCTL:-consentctl}
MILTERGEN=${BENCH_MILTERGEN:-./tests/bench/miltergen}
NULLMILTER=${BENCH_NULLMILTER:-./tests/bench/nullmilter}
SMTP_SOURCE=${SMTP_SOURCE:-smtp-source}
if [ -n "${BENCH_QUICK:-}" ]; then
    : "${BENCH_PF_MESSAGES:=300}" "${BENCH_PF_MESSAGES1:=100}" "${BENCH_PF_REPS:=1}"
fi
MESSAGES=${BENCH_PF_MESSAGES:-2000}
MESSAGES1=${BENCH_PF_MESSAGES1:-600}
SESSIONS=${BENCH_PF_SESSIONS:-20}
REPS=${BENCH_PF_REPS:-3}
PF_QUIET=${PF_QUIET-1}

for prog in "$MILTERGEN" "$NULLMILTER"; do
    [ -x "$prog" ] || { echo "$0: $prog is not executable" >&2; exit 99; }
done
command -v "$SMTP_SOURCE" > /dev/null ||
    { echo "$0: $SMTP_SOURCE not found (Debian: postfix)" >&2; exit 99; }

pf_init
pf_sink_start
pf_milter_start

# --- consent-milter on TCP too, and the null milter ----------------------

pf_free_port tcp_port || exit 99
# (SocketGroup is for a unix socket only: dropped.)
sed -e "s/^Socket .*/Socket inet:$tcp_port@127.0.0.1/" -e "/^SocketGroup /d" \
    "$PF_MILTER_CONF" > "$PF_DIR/consent-tcp.conf"
( exec "$CM_DAEMON" -f -c "$PF_DIR/consent-tcp.conf" ) >> "$PF_DIR/consent-tcp.log" 2>&1 &
tcp_pid=$!
echo "$tcp_pid" > "$CM_TEST_TMPDIR/consent-tcp.pid"
cm_wait 5 "consent-milter on TCP" _pf_listening "$tcp_port" || exit 99

nego=$("$MILTERGEN" -s "$PF_MILTER_SOCKET" -Q) || exit 99
nego_args=$(echo "$nego" | sed 's/actions=0x\([0-9a-f]*\) protocol=0x\([0-9a-f]*\)/-A \1 -P \2/')
mkdir -p "$PF_QUEUE/null-milter"
chmod 0755 "$PF_QUEUE/null-milter"
# shellcheck disable=SC2086
( umask 000; exec "$NULLMILTER" -p "unix:$PF_QUEUE/null-milter/null.sock" $nego_args ) \
    >> "$PF_DIR/null.log" 2>&1 &
null_pid=$!
echo "$null_pid" > "$CM_TEST_TMPDIR/nullmilter.pid"
cm_wait 5 "the null milter" _pf_unix_listening "$PF_QUEUE/null-milter/null.sock" ||
    exit 99
echo "consent-milter negotiates $nego;" \
    "null milter $("$MILTERGEN" -s "unix:$PF_QUEUE/null-milter/null.sock" -Q)"

# Stop our extra daemons too (lib.sh's cleanup knows only its own).
bench_cleanup() {
    _st=$?
    kill "$tcp_pid" "$null_pid" 2>/dev/null
    wait "$tcp_pid" "$null_pid" 2>/dev/null
    rm -f "$CM_TEST_TMPDIR/consent-tcp.pid" "$CM_TEST_TMPDIR/nullmilter.pid"
    (exit $_st)
    pf_cleanup
}
trap bench_cleanup EXIT

# --- data: a header campaign, a consented recipient ------------------------

"$CM_CONSENTCTL" -c "$PF_MILTER_CONF" --actor bench campaign add bench-hdr \
    --purpose newsletter --owner bench > /dev/null || exit 99
"$CM_CONSENTCTL" -c "$PF_MILTER_CONF" --actor bench grant user0@example.org \
    newsletter --source "bench" > /dev/null || exit 99
cat > "$PF_DIR/message" <<EOF
From: Bench Party <news@bench.example>
To: Member <user0@example.org>
Subject: Spring newsletter
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
List-Unsubscribe: <mailto:unsubscribe@bench.example>
X-Campaign-ID: bench-hdr

Hello,

this is the spring newsletter of the bench party. It is about as long
as a short newsletter, and nobody reads it.

Unsubscribe: mailto:unsubscribe@bench.example
EOF

# --- helpers -------------------------------------------------------------------

# use_milter SPEC: smtpd_milters = SPEC (empty: none), Postfix restarted
use_milter() {
    pf_stop
    postconf -c "$PF_CONF" -e "smtpd_milters = $1" "non_smtpd_milters =" ||
	exit 99
    pf_start
}

# measure LABEL SESSIONS COUNT HEADER: one smtp-source run; messages/s
# on stdout, the run recorded in $PF_DIR/results (it runs in a subshell:
# a failure leaves $PF_DIR/failed)
measure() {
    rm -f "$PF_SINK"/*
    _t0=$(date +%s.%N)
    "$SMTP_SOURCE" -d -s "$2" -m "$3" -f news@bench.example \
	-t user0@example.org -F "$PF_DIR/message" -M client.bench.invalid \
	"127.0.0.1:$PF_SMTP_PORT" > "$PF_DIR/source.out" 2>&1
    _rc=$?
    _t1=$(date +%s.%N)
    if [ $_rc -ne 0 ]; then
	echo "$0: $1: smtp-source failed (exit $_rc):" >&2
	sed 's/^/  /' "$PF_DIR/source.out" >&2
	tail -n 20 "$PF_MAILLOG" >&2
	: > "$PF_DIR/failed"
    fi
    if ! pf_wait_queue_empty 120 || ! cm_wait 10 "$3 messages in the sink" \
	    _sink_has "$3"; then
	echo "$0: $1: $(pf_sink_count) of $3 messages delivered" >&2
	: > "$PF_DIR/failed"
    elif [ -n "$4" ] && [ "$(grep -l "^$4" "$PF_SINK"/* | wc -l)" -ne "$3" ]; then
	echo "$0: $1: not every message has \"$4\"" >&2
	: > "$PF_DIR/failed"
    fi
    awk -v a="$_t0" -v b="$_t1" -v n="$3" -v l="$1" 'BEGIN {
	r = (b > a) ? n / (b - a) : 0
	printf "%s %.1f\n", l, r >> "/dev/stderr"
	printf "%.1f\n", r }' 2>> "$PF_DIR/results"
}

_sink_has() {
    [ "$(pf_sink_count)" -eq "$1" ]
}

# median LABEL: of the recorded runs
median() {
    awk -v l="$1" '$1 == l { v[++n] = $2 }
	END {
	    for (i = 2; i <= n; i++)
		for (j = i; j > 1 && v[j - 1] > v[j]; j--) {
		    t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
	    if (n == 0) print 0
	    else if (n % 2) print v[(n + 1) / 2]
	    else print (v[n / 2] + v[n / 2 + 1]) / 2
	}' "$PF_DIR/results"
}

# --- 1. none, null, consent at 1 x SESSIONS -----------------------------------

: > "$PF_DIR/results"
HDR="X-Consent-Milter: campaign=bench-hdr; mode=enforce"
NONE_SPEC=
NULL_SPEC=unix:null-milter/null.sock
echo "Postfix, 1 recipient x $SESSIONS sessions, $MESSAGES messages a run, $REPS run(s):"
rep=1
while [ $rep -le "$REPS" ]; do
    use_milter "$NONE_SPEC"
    printf '  run %d: none %s msg/s' $rep "$(measure none "$SESSIONS" "$MESSAGES" '')"
    use_milter "$NULL_SPEC"
    printf ', null milter %s' "$(measure null "$SESSIONS" "$MESSAGES" '')"
    use_milter "$PF_MILTER_SPEC"
    printf ', consent-milter %s\n' "$(measure consent "$SESSIONS" "$MESSAGES" "$HDR")"
    rep=$((rep + 1))
done

# --- 2. one session: TCP against unix ------------------------------------------

echo "Postfix + consent-milter, 1 session, $MESSAGES1 messages a run, $REPS run(s):"
rep=1
while [ $rep -le "$REPS" ]; do
    use_milter "$PF_MILTER_SPEC"
    printf '  run %d: unix %s msg/s' $rep "$(measure unix1 1 "$MESSAGES1" "$HDR")"
    use_milter "inet:127.0.0.1:$tcp_port"
    printf ', tcp %s\n' "$(measure tcp1 1 "$MESSAGES1" "$HDR")"
    rep=$((rep + 1))
done

# --- the figures ------------------------------------------------------------------

none=$(median none); null=$(median null); consent=$(median consent)
unix1=$(median unix1); tcp1=$(median tcp1)
awk -v none="$none" -v null="$null" -v cm="$consent" -v u="$unix1" \
    -v t="$tcp1" -v s="$SESSIONS" -v strict="${BENCH_STRICT:-}" 'BEGIN {
    r1 = (null > 0) ? cm / null : 0
    r2 = (none > 0) ? null / none : 0
    r3 = (u > 0) ? t / u : 0
    v1 = (r1 >= 0.9) ? "PASS" : "BELOW"
    v3 = (r3 >= 0.8) ? "PASS" : "BELOW"
    printf "\nPostfix end to end, medians (messages/s accepted by smtpd), 1 recipient x %d sessions:\n", s
    printf "  Postfix alone %.1f | + null milter %.1f | + consent-milter %.1f\n", none, null, cm
    printf "  consent/null %.2f (target >= 0.90: %s); null/none %.2f (what a milter costs)\n", r1, v1, r2
    printf "  one session, consent-milter: unix %.1f, tcp %.1f: TCP/unix %.2f (target >= 0.80: %s)\n", u, t, r3, v3
    printf "PFROW none=%.1f null=%.1f consent=%.1f consent_null=%.3f null_none=%.3f unix1=%.1f tcp1=%.1f tcp_unix=%.3f\n",
	none, null, cm, r1, r2, u, t, r3
    if (strict != "" && (v1 == "BELOW" || v3 == "BELOW"))
	exit 1
}' || : > "$PF_DIR/failed"
if [ -f "$PF_DIR/failed" ]; then
    echo "$0: FAILED (see above)" >&2
    exit 1
fi
exit 0
