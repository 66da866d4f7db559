#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# redis.sh - run a test program next to a private redis-server
#
# Usage: redis.sh PROGRAM [ARGS...]
#
# Used as the automake LOG_COMPILER. Starts redis-server on a unix socket
# in a new temporary directory (no TCP port, no persistence), exports
#
#	CM_TEST_REDIS_SOCK	the socket path
#	CM_TEST_TMPDIR		the directory, for the test's own files
#
# runs PROGRAM, then stops the server and removes the directory, also
# when PROGRAM fails or the script is interrupted. Exits with PROGRAM's
# status; 99 (automake: hard error) when the server cannot be started.
#
# Environment: REDIS_SERVER (default redis-server), REDIS_CLI (default:
# redis-cli). Any redis-server that a test starts with a --pidfile in
# CM_TEST_TMPDIR is stopped too, in case the test died before it could.
# The server is started with cm_redis_start (tests/lib/redislib.sh).

set -u

REDIS_SERVER=${REDIS_SERVER:-redis-server}
REDIS_CLI=${REDIS_CLI:-redis-cli}

if [ $# -lt 1 ]; then
    echo "usage: $0 PROGRAM [ARGS...]" >&2
    exit 99
fi
if ! command -v "$REDIS_SERVER" >/dev/null 2>&1; then
    echo "$0: redis-server not found (\"$REDIS_SERVER\"): install the" \
	"Debian package redis-server, or set REDIS_SERVER" >&2
    exit 99
fi
if ! command -v "$REDIS_CLI" >/dev/null 2>&1; then
    echo "$0: redis-cli not found (\"$REDIS_CLI\"): install the" \
	"Debian package redis-tools, or set REDIS_CLI" >&2
    exit 99
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/cm-redis.XXXXXX") || exit 99
sock=$dir/redis.sock
cm_redis_dir=$dir
. "$(dirname "$0")/redislib.sh"

cleanup() {
    # Our server first, then whatever a test left behind.
    cm_redis_stop redis
    for pidfile in "$dir"/*.pid; do
	[ -f "$pidfile" ] && [ "$pidfile" != "$dir/redis.pid" ] || continue
	pid=$(cat "$pidfile" 2>/dev/null)
	case $pid in
	''|*[!0-9]*) ;;
	*) kill "$pid" 2>/dev/null ;;
	esac
    done
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

cm_redis_start redis || exit 99

CM_TEST_REDIS_SOCK=$sock
CM_TEST_TMPDIR=$dir
export CM_TEST_REDIS_SOCK CM_TEST_TMPDIR

"$@"
status=$?
exit $status
