#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# run.sh - run one miltertest script against the real daemon and Redis
#
# Usage: run.sh SCRIPT.lua
#
# The automake LOG_COMPILER for *.lua tests. Under tests/lib/redis.sh
# (a private redis-server on a unix socket in a temporary directory), it
# writes a configuration, starts consent-milter in the foreground on a
# unix socket next to Redis, runs miltertest on the script, stops the
# daemon with SIGTERM and checks that it stopped cleanly.
#
# Configuration: the daemon gets Socket, Redis and AuditLog pointing
# into the temporary directory; every line of the script of the form
#	-- conf: Key value
# is appended, so a script states the settings it tests; in them, @TMP@
# is the temporary directory and @PLUGINDIR@ where the build keeps the
# plugins. A line
#	-- keyfile: TEXT
# writes TEXT to a file and sets AddressKeyFile to it. A line
#	-- setup: tests/some/script.sh
# runs that script (relative to the source tree) before the daemon
# starts, with CM_TMP, CM_SRCDIR and CM_BUILDDIR set: for keys and
# messages the configuration refers to.
#
# The script sees, in its environment: CM_MILTER_SOCK (the milter socket
# spec), CM_REDIS_SOCK, CM_AUDIT_LOG, CM_TMP, CM_DAEMON_PID and
# CM_TESTLIB (tests/milter/lib.lua, to dofile()).
#
# Exit status: miltertest's, or 1 when the daemon did not start or did
# not stop cleanly; 77 (skipped) never: a missing miltertest is an error.

set -u

script=$1
srcdir=${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}

if [ -z "${CM_TEST_REDIS_SOCK:-}" ]; then
    exec sh "$srcdir/tests/lib/redis.sh" sh "$0" "$@"
fi

MILTERTEST=${MILTERTEST:-miltertest}
CM_DAEMON=${CM_DAEMON:-consent-milter}
if ! command -v "$MILTERTEST" >/dev/null 2>&1; then
    echo "$0: miltertest not found: install the Debian package miltertest" >&2
    exit 99
fi

tmp=$CM_TEST_TMPDIR
conf=$tmp/consent-milter.conf
sock=$tmp/milter.sock

cat > "$conf" <<CONF
Socket unix:$sock
Redis unix:$CM_TEST_REDIS_SOCK
AuditLog $tmp/audit.log
AllowRoot yes
CONF
setup=$(sed -n 's/^-- setup: //p' "$script")
if [ -n "$setup" ]; then
    if ! CM_TMP=$tmp CM_SRCDIR=$srcdir sh "$srcdir/$setup" > "$tmp/setup.log" 2>&1; then
	echo "$0: $setup failed:" >&2
	cat "$tmp/setup.log" >&2
	exit 1
    fi
fi
sed -n 's/^-- conf: //p' "$script" | \
    sed -e "s|@TMP@|$tmp|g" -e "s|@PLUGINDIR@|${CM_PLUGINDIR:-}|g" >> "$conf"
keytext=$(sed -n 's/^-- keyfile: //p' "$script")
if [ -n "$keytext" ]; then
    printf '%s' "$keytext" > "$tmp/address.key"
    chmod 600 "$tmp/address.key"
    echo "AddressKeyFile $tmp/address.key" >> "$conf"
fi

"$CM_DAEMON" -f -c "$conf" 2> "$tmp/milter.log" &
daemon=$!
i=0
while [ ! -S "$sock" ]; do
    i=$((i + 1))
    if [ $i -gt 100 ] || ! kill -0 "$daemon" 2>/dev/null; then
	echo "$0: consent-milter did not start; its log:" >&2
	cat "$tmp/milter.log" >&2
	exit 1
    fi
    sleep 0.05
done

CM_MILTER_SOCK=unix:$sock CM_REDIS_SOCK=$CM_TEST_REDIS_SOCK \
CM_AUDIT_LOG=$tmp/audit.log CM_TMP=$tmp CM_DAEMON_PID=$daemon \
CM_TESTLIB=$srcdir/tests/milter/lib.lua \
    "$MILTERTEST" ${CM_MILTERTEST_FLAGS:-} -s "$script"
status=$?

kill -TERM "$daemon" 2>/dev/null
wait "$daemon"
dstatus=$?
if [ "$dstatus" -ne 0 ]; then
    echo "$0: consent-milter exited with status $dstatus after SIGTERM" >&2
    status=1
fi
if [ "$status" -ne 0 ]; then
    echo "--- consent-milter log:"; cat "$tmp/milter.log"
    echo "--- audit log:"; cat "$tmp/audit.log" 2>/dev/null
fi
exit $status
