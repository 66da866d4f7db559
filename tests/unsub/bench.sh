#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# bench.sh - consent-unsubscribe under load: requests per second and memory
#
# Usage (from the build directory):
#   CM_SRCDIR=.. CM_BUILDDIR=$PWD CM_CONSENTCTL=$PWD/consentctl \
#       sh ../tests/lib/redis.sh sh ../tests/unsub/bench.sh [SECONDS [CLIENTS]]
#
# A private Redis (tests/lib/redis.sh), one person and one campaign, the
# real daemon, then tests/unsub/load.py: CLIENTS (200) concurrent
# keep-alive clients for SECONDS (10). A measurement, not a test: it
# prints the figures (README.md quotes them) and fails only when the
# service stopped answering or its memory grew by more than 10 MiB.

. "$CM_SRCDIR/tests/unsub/lib.sh"
u_keys
u_conf
t_run grant alice@example.org news --source form
t_run campaign add spring --purpose news
token=$(u_token alice@example.org spring)
u_start || exit 1
python3 "$CM_SRCDIR/tests/unsub/load.py" "$u_url" "$token" "${1:-10}" \
    "${2:-200}" "$u_pid" | tee "$TMP/load.out"
u_curl GET /metrics
printf '%s\n' "$body" | grep 'optouts_total'
first=$(sed -n 's/.*RSS KiB each second: \([0-9]*\).*/\1/p' "$TMP/load.out")
last=$(sed -n 's/.*RSS KiB each second: .* \([0-9]*\)$/\1/p' "$TMP/load.out")
u_curl GET "/u/$token"
t_eq "$code" 200 "still answering after the load"
[ $((last - first)) -lt 10240 ] && t_ok "memory: $first KiB -> $last KiB" \
    || t_notok "memory grew: $first KiB -> $last KiB"
u_stop
t_done
