#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# restart.sh - tests/postfix/restart.sh through the private sendmail 8.x
#
# Usage: CM_DAEMON=_build/consent-milter sh tests/sendmail/restart.sh
#
# The same clients, the same two restarts under traffic and the same
# checks, with sendmail (contrib/sendmail/consent-milter.mc, F=T: the
# milter away means 451 4.3.2) and consentctl reconcile over its log.

CM_SRCDIR=${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
CM_RESTART_MTA=sendmail
export CM_RESTART_MTA
exec sh "$CM_SRCDIR/tests/postfix/restart.sh" "$@"
