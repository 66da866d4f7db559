# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# redislib.sh - the one way a shell test starts a private redis-server (sourced)
#
# Usage: . "$CM_SRCDIR/tests/lib/redislib.sh"
#
#	cm_redis_dir	where servers live: set it before starting one
#			(default: CM_TEST_TMPDIR)
#	cm_redis_start [-t] NAME [CONF] [ARGS...]
#			start $REDIS_SERVER in the background on the unix
#			socket $cm_redis_dir/NAME.sock (and, with -t, on a
#			free 127.0.0.1 port, tried again when another
#			process takes it first), no persistence, pid file
#			NAME.pid and log NAME.log there; CONF (a config
#			file, e.g. a sentinel's) goes first, ARGS last, so
#			they override the defaults. Waits up to 5 s for PING
#			(PONG or NOAUTH). Sets NAME_sock, NAME_port (0
#			without -t) and NAME_pid, and adds the pid to
#			cm_redis_pids. Returns 1, the log's tail on stderr,
#			when the server did not answer.
#	cm_redis_stop NAME [SIGNAL]
#			signal NAME's server (default TERM), wait for it
#	cm_redis_stop_all
#			stop every server in cm_redis_pids (for traps)
#
# NAME must be a shell identifier. Environment: REDIS_SERVER (default
# redis-server), REDIS_CLI (default redis-cli).

REDIS_SERVER=${REDIS_SERVER:-redis-server}
REDIS_CLI=${REDIS_CLI:-redis-cli}
cm_redis_dir=${cm_redis_dir:-${CM_TEST_TMPDIR:-}}
cm_redis_pids=${cm_redis_pids:-}

# cm_port_used PORT [listen] - is a local TCP port in use by any socket
# (in any state; only LISTEN with a second argument)? /proc/net rather
# than ss(8): nothing to install.
cm_port_used() {
    awk -v port="$(printf '%04X' "$1")" -v listen="${2:-}" '
	FNR > 1 { n = split($2, a, ":")
		  if (a[n] == port && (listen == "" || $4 == "0A")) found = 1 }
	END { exit !found }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# cm_free_port [VAR] - a loopback TCP port that no socket uses now,
# printed, or with VAR stored in VAR and remembered, so that this shell
# is not handed it twice before it binds. Tests run in parallel, so
# another may take it first: a caller that sees "Address already in
# use" asks again. The port lies below the kernel's ephemeral range
# (ip_local_port_range, 32768-60999 on Debian), where no outgoing
# connection's local port can take it meanwhile (one did, in CI: nginx
# could not bind 34004).
_cm_ports_taken=${_cm_ports_taken:-}
cm_free_port() {
    _cr_lo=10000
    _cr_hi=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range \
	2>/dev/null)
    case $_cr_hi in ''|*[!0-9]*) _cr_hi=32768 ;; esac
    [ "$_cr_hi" -gt $((_cr_lo + 2000)) ] || { _cr_lo=20000; _cr_hi=50000; }
    _cr_n=0
    while [ $_cr_n -lt 200 ]; do
	_cr_n=$((_cr_n + 1))
	_cr_p=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	_cr_p=$((_cr_p % (_cr_hi - _cr_lo) + _cr_lo))
	case " $_cm_ports_taken " in *" $_cr_p "*) continue ;; esac
	cm_port_used "$_cr_p" && continue
	if [ $# -gt 0 ]; then
	    _cm_ports_taken="$_cm_ports_taken $_cr_p"
	    eval "$1=\$_cr_p"
	else
	    echo "$_cr_p"
	fi
	return 0
    done
    echo "cm_free_port: no free port found" >&2
    return 1
}

# _cm_redis_wait SOCK PID - 0 when it answers, 1 when it exited, 2 deaf
_cm_redis_wait() {
    _cr_n=0
    while [ $_cr_n -lt 100 ]; do
	kill -0 "$2" 2>/dev/null || { wait "$2" 2>/dev/null; return 1; }
	case $("$REDIS_CLI" -s "$1" ping 2>&1) in
	PONG|*NOAUTH*) return 0 ;;
	esac
	sleep 0.05
	_cr_n=$((_cr_n + 1))
    done
    return 2
}

cm_redis_start() {
    _cr_tcp=
    [ "${1:-}" = -t ] && { _cr_tcp=1; shift; }
    _cr_name=$1
    shift
    _cr_conf=
    case ${1:-} in
    ''|-*) ;;
    *) _cr_conf=$1; shift ;;
    esac
    _cr_dir=${cm_redis_dir:?cm_redis_start: cm_redis_dir is not set}
    _cr_sock=$_cr_dir/$_cr_name.sock
    _cr_try=0
    while [ $_cr_try -lt 5 ]; do
	_cr_try=$((_cr_try + 1))
	_cr_port=0
	if [ -n "$_cr_tcp" ]; then
	    _cr_port=$(cm_free_port) || break
	fi
	rm -f "$_cr_sock"
	# shellcheck disable=SC2086 # an empty CONF is no argument
	"$REDIS_SERVER" $_cr_conf --port "$_cr_port" --bind 127.0.0.1 \
	    --unixsocket "$_cr_sock" --unixsocketperm 700 \
	    --save '' --appendonly no --repl-diskless-sync-delay 0 \
	    --daemonize no --dir "$_cr_dir" \
	    --pidfile "$_cr_dir/$_cr_name.pid" \
	    --logfile "$_cr_dir/$_cr_name.log" "$@" &
	_cr_pid=$!
	cm_redis_pids="$cm_redis_pids $_cr_pid"
	_cm_redis_wait "$_cr_sock" "$_cr_pid"
	case $? in
	0)  eval "${_cr_name}_sock=\$_cr_sock ${_cr_name}_port=\$_cr_port" \
		"${_cr_name}_pid=\$_cr_pid"
	    return 0 ;;
	2)  kill -KILL "$_cr_pid" 2>/dev/null; wait "$_cr_pid" 2>/dev/null
	    break ;;
	esac
	# Exited: a port taken meanwhile (try another), else give up.
	[ -n "$_cr_tcp" ] || break
    done
    echo "redis-server $_cr_name did not start; its log:" >&2
    tail -20 "$_cr_dir/$_cr_name.log" >&2 2>/dev/null
    return 1
}

cm_redis_stop() {
    eval "_cr_pid=\${${1}_pid:-}"
    [ -n "$_cr_pid" ] || return 0
    kill -"${2:-TERM}" "$_cr_pid" 2>/dev/null
    wait "$_cr_pid" 2>/dev/null
    eval "${1}_pid="
    return 0
}

cm_redis_stop_all() {
    for _cr_pid in $cm_redis_pids; do
	kill -TERM "$_cr_pid" 2>/dev/null
    done
    for _cr_pid in $cm_redis_pids; do
	# Up to 2 s for each to go, then SIGKILL.
	_cr_n=0
	while kill -0 "$_cr_pid" 2>/dev/null && [ $_cr_n -lt 20 ]; do
	    sleep 0.1
	    _cr_n=$((_cr_n + 1))
	done
	kill -KILL "$_cr_pid" 2>/dev/null
	wait "$_cr_pid" 2>/dev/null
    done
    cm_redis_pids=
}
