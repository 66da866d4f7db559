#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# lib.sh - what the benchmark scripts share (sourced, not run)
#
# bench_redis_start SOCK DIR [redis-server options...]
#	Starts a private redis-server on the unix socket SOCK (no TCP
#	port, no persistence, its log in DIR/redis.log), sets redis_pid,
#	and waits up to 5 s for it to answer PING. Returns 1, after
#	printing the server's log, when it does not; the caller decides
#	how to exit. Uses REDIS_SERVER and REDIS_CLI.

bench_redis_start() {
    _sock=$1 _dir=$2
    shift 2
    "$REDIS_SERVER" --port 0 --unixsocket "$_sock" --unixsocketperm 700 \
	--save '' --appendonly no --daemonize no --dir "$_dir" \
	--logfile "$_dir/redis.log" "$@" &
    redis_pid=$!
    _tries=0
    until [ "$("$REDIS_CLI" -s "$_sock" ping 2>/dev/null)" = PONG ]; do
	_tries=$((_tries + 1))
	if [ $_tries -ge 50 ] || ! kill -0 "$redis_pid" 2>/dev/null; then
	    echo "$0: redis-server did not start; its log:" >&2
	    cat "$_dir/redis.log" >&2 2>/dev/null
	    return 1
	fi
	sleep 0.1
    done
}
