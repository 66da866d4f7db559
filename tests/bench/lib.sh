#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# lib.sh - what the benchmark scripts share (sourced, not run)
#
# bench_redis_start SOCK DIR [redis-server options...]
#	Starts a private redis-server with cm_redis_start (see
#	tests/lib/redislib.sh) on the unix socket SOCK, which must be
#	DIR/NAME.sock (no TCP port, no persistence, its log in
#	DIR/NAME.log), sets redis_pid, and waits up to 5 s for it to
#	answer PING. Returns 1, after printing the server's log, when it
#	does not; the caller decides how to exit. Uses REDIS_SERVER and
#	REDIS_CLI.

. "${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/redislib.sh"

bench_redis_start() {
    _name=$(basename "$1" .sock)
    cm_redis_dir=$2
    shift 2
    cm_redis_start "$_name" "$@" || return 1
    eval "redis_pid=\$${_name}_pid"
}
