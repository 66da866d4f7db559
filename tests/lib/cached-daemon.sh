#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# cached-daemon.sh - consent-milter with the consent cache on, for tests
#
# Usage: as CM_DAEMON, with CM_DAEMON_REAL the real consent-milter.
#
# make check-cache runs the daemon's tests a second time with this as
# CM_DAEMON (Makefile.am, CM_TEST_CONSENT_CACHE=1): every test keeps
# writing its own configuration, and this appends "ConsentCache
# CM_TEST_CONSENT_CACHE_SIZE" (default 100000 entries) to the file
# given with -c, unless it sets ConsentCache itself, then runs the real
# daemon in its place (same process id, same arguments). So every
# decision those tests assert is made with the cache on, as it would be
# without it.

set -u
: "${CM_DAEMON_REAL:?cached-daemon.sh: CM_DAEMON_REAL is not set}"
conf=
prev=
for arg in "$@"; do
    [ "$prev" = -c ] && conf=$arg
    prev=$arg
done
if [ -n "$conf" ] && [ -f "$conf" ] && [ -w "$conf" ] &&
   ! grep -q '^[[:space:]]*ConsentCache[[:space:]]' "$conf"; then
    # A file without a final newline must not swallow the line.
    [ -z "$(tail -c 1 "$conf")" ] || echo >> "$conf"
    echo "ConsentCache ${CM_TEST_CONSENT_CACHE_SIZE:-100000}" >> "$conf"
fi
exec "$CM_DAEMON_REAL" "$@"
