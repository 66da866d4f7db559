#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# unsub-setup.sh - the opt-out token key file for tests/milter/unsubscribe*.lua
# (run by tests/milter/run.sh before the daemon starts; CM_TMP is set)
set -eu
printf '# test key, never use it\nk1 %s\n' \
    000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f \
    > "$CM_TMP/unsub.keys"
chmod 600 "$CM_TMP/unsub.keys"
