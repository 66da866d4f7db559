#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# smtp-inet.sh - tests/sendmail/smtp.sh with the milter on TCP
#
# Usage: CM_DAEMON=_build/consent-milter sh tests/sendmail/smtp-inet.sh
#
# The same scenarios and the same reconcile, with consent-milter on
# inet:PORT@127.0.0.1 and sendmail's INPUT_MAIL_FILTER S=inet:PORT@127.0.0.1
# (contrib/sendmail/consent-milter.mc as shipped but for S=).

CM_SRCDIR=${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
PF_MILTER_INET=1
export PF_MILTER_INET
exec sh "$CM_SRCDIR/tests/sendmail/smtp.sh" "$@"
