#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# hostile-redis.sh - what answers at the Redis address cannot take the relay down
#
# Issue 13, finding 5. A real TCP listener (perl) at the Redis address
# answers the first command of every connection with a hostile reply
# and then says nothing: "*2147483647" (hiredis 0.14 allocated and then
# walked the declared array: 9 GB and two minutes of CPU per lookup),
# the same nested, an array just over the bound, and an absurd bulk
# length. A broken server, a proxy or a tunnel to the wrong port looks
# like this. For each, the daemon (RedisTimeout 500 ms) under miltergen
# (2 sessions, 20 messages):
#   - tempfails every message (451 4.7.1 store-error at MAIL): nothing
#     accepted unchecked, no mismatch, no MTA-side timeout, no message
#     slower than 5 x RedisTimeout;
#   - keeps its peak memory (VmHWM) under 256 MB;
#   - logs why ("reply refused: array of 2147483647 elements (at most
#     1048576)", or the timeout), drops the connection (the listener
#     sees a new connection for later lookups), exits 0 on SIGTERM with
#     no sanitizer report;
# and consentctl show exits 69 (store unavailable) with the same reason
# (for a refused reply), within 2 s. An empty error reply is named as
# such, and an error text with control bytes reaches the daemon's log and
# consentctl's stderr escaped (\xNN).

. "${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/faults/lib.sh"

f_need perl
TIMEOUT_MS=500
BOUND_MS=$((5 * TIMEOUT_MS))
H_PORTFILE=$F_TMP/hostile.port
hostile_pid=

# hostile_start PAYLOAD - the listener; \r\n in PAYLOAD are CR LF
hostile_start() {
    rm -f "$H_PORTFILE" "$H_PORTFILE.conns"
    perl -e '
	use strict; use IO::Socket::INET;
	my ($portfile, $payload) = @ARGV;
	$payload =~ s/\\r\\n/\r\n/g;
	my $l = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
	    LocalPort => 0, Listen => 64, ReuseAddr => 1) or die "listen: $!";
	open(my $f, ">", "$portfile.tmp") or die; print $f $l->sockport, "\n";
	close $f; rename("$portfile.tmp", $portfile);
	$SIG{CHLD} = "IGNORE";
	while (my $c = $l->accept) {
	    open(my $n, ">>", "$portfile.conns"); print $n "1\n"; close $n;
	    if (fork() == 0) {
		my $buf;
		syswrite($c, $payload) if sysread($c, $buf, 65536);
		1 while sysread($c, $buf, 65536);	# then silence
		exit 0;
	    }
	    close $c;
	}' "$H_PORTFILE" "$1" &
    hostile_pid=$!
    _bg_pids="$_bg_pids $hostile_pid"
    wait_for 5 "the hostile listener" test -s "$H_PORTFILE" ||
	f_fatal "the hostile listener did not start"
    h_port=$(cat "$H_PORTFILE")
}

hostile_stop() {
    kill -TERM "$hostile_pid" 2>/dev/null
    wait "$hostile_pid" 2>/dev/null
}

# hostile_daemon - consent-milter with Redis at the hostile listener
hostile_daemon() {
    {
	echo "Socket $F_MILTER"
	echo "Redis tcp:127.0.0.1:$h_port"
	echo "RedisTimeout $TIMEOUT_MS"
	echo "AuditLog $F_AUDIT"
	echo "AllowRoot yes"
    } > "$F_CONF"
    rm -f "$F_TMP/milter.sock" "$F_DLOG"
    "$CM_DAEMON" -f -c "$F_CONF" >> "$F_DLOG" 2>&1 &
    daemon_pid=$!
    wait_for 10 "consent-milter" "$MILTERGEN" -s "$F_MILTER" -Q -R 2000 ||
	f_fatal "consent-milter did not start"
}

# one_case NAME PAYLOAD WANT [CTLWANT] - the daemon and consentctl
# against PAYLOAD; consentctl's message has CTLWANT (default WANT; "-":
# not checked, for a timeout, which consentctl words as hiredis does).
one_case() {
    hostile_start "$2"
    hostile_daemon
    f_gen "$1" -c 2 -n 20 -r 2 -T -R 10000 -f news@bench.example
    t_eq "$gen_rc:$(kv "$gen_result" mismatches):$(kv "$gen_result" timeouts)" \
	"0:0:0" "$1: every answer valid, no MTA-side timeout"
    t_eq "$(kv "$gen_result" tempfailed_msgs)" "$(kv "$gen_result" msgs)" \
	"$1: every message tempfailed"
    t_eq "$(kv "$gen_result" accepted)" 0 "$1: nothing accepted unchecked"
    _max=$(kv "$gen_result" max_ms)
    t_le "${_max%.*}" "$BOUND_MS" "$1: no message waited over 5 x RedisTimeout"
    _hwm=$(awk '/^VmHWM:/ { print int($2 / 1024) }' "/proc/$daemon_pid/status")
    t_le "$_hwm" 256 "$1: the daemon's peak memory (MB)"
    t_true "$1: the daemon logs why" grep -q -F "$3" "$F_DLOG"
    grep -m 1 -F "$3" "$F_DLOG" | sed 's/^/# daemon: /'
    _conns=$(wc -l < "$H_PORTFILE.conns")
    t_le 2 "$_conns" "$1: broken connections are dropped, new ones opened"
    f_daemon_stop

    printf 'Redis tcp:127.0.0.1:%s\nRedisTimeout %s\n' "$h_port" \
	"$TIMEOUT_MS" > "$F_TMP/ctl.conf"
    _t0=$(now_ms)
    "$CM_CONSENTCTL" -c "$F_TMP/ctl.conf" show user1@example.org \
	> "$F_TMP/ctl.out" 2> "$F_TMP/ctl.err"
    _rc=$?
    _took=$(($(now_ms) - _t0))
    t_eq "$_rc" 69 "$1: consentctl show: store unavailable"
    if [ "${4:-$3}" != - ]; then
	t_true "$1: consentctl says why" grep -q -F "${4:-$3}" "$F_TMP/ctl.err"
    fi
    t_le "$_took" 2000 "$1: consentctl gives up quickly (ms)"
    for _f in "$F_DLOG" "$F_TMP/ctl.err"; do
	t_eq "$(tr -d '\n' < "$_f" | LC_ALL=C grep -c '[[:cntrl:]]')" 0 \
	    "$1: no control byte reaches $(basename "$_f") (escaped)"
    done
    hostile_stop
}

one_case absurd-array '*2147483647\r\n' \
    "reply refused: array of 2147483647 elements (at most 1048576)"
one_case nested-array '*2\r\n*3\r\n:1\r\n*2147483647\r\n' \
    "reply refused: array of 2147483647 elements (at most 1048576)"
one_case over-bound '*1048577\r\n' \
    "reply refused: array of 1048577 elements (at most 1048576)"
one_case absurd-bulk '$2147483647\r\n' ": timeout" -
one_case empty-error '-\r\n' "empty error reply"
# What the server says goes to the log and the terminal escaped: no
# terminal escape (here: red text, a bell) from whatever answers there.
one_case control-bytes "-ERR $(printf '\033')[31mred$(printf '\007')\r\n" \
    'ERR \x1b[31mred\x07'

t_done
