#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# run.sh - short, bounded libFuzzer runs over the seed corpora
#
# Usage: run.sh [TARGET...]     (default: every target)
#
# Run by "make check" when configured with --enable-fuzzing, from the
# top build directory. Each target runs for at most FUZZ_TIME seconds
# (default 10) or FUZZ_RUNS inputs (default 100000), whichever comes
# first, starting from tests/fuzz/corpus/TARGET in the source tree.
# New inputs go to a temporary directory, so the source tree is never
# written. A crash, leak, timeout or sanitizer report fails the test; the
# input that caused it is kept as tests/fuzz/TARGET-crash-... (etc.) in
# the build directory. Extra libFuzzer flags can be given in FUZZ_FLAGS.

set -u

srcdir=${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=$(pwd)
FUZZ_TIME=${FUZZ_TIME:-10}
FUZZ_RUNS=${FUZZ_RUNS:-100000}
FUZZ_FLAGS=${FUZZ_FLAGS:-}

if [ $# -eq 0 ]; then
    set -- fuzz_address fuzz_header fuzz_config fuzz_csv fuzz_jsonread \
	fuzz_reply fuzz_token fuzz_arf fuzz_oneclick fuzz_maillog \
	fuzz_timeparse fuzz_textout fuzz_record
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/cm-fuzz.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

status=0
for target in "$@"; do
    prog=$builddir/tests/fuzz/$target
    seeds=$srcdir/tests/fuzz/corpus/$target
    if [ ! -x "$prog" ]; then
	echo "$0: $prog not built (configure --enable-fuzzing, make check)" >&2
	exit 99
    fi
    if [ ! -d "$seeds" ]; then
	echo "$0: no seed corpus $seeds" >&2
	exit 99
    fi
    mkdir -p "$work/$target"
    echo "== $target: up to ${FUZZ_TIME}s / $FUZZ_RUNS runs"
    # shellcheck disable=SC2086
    if "$prog" -max_total_time="$FUZZ_TIME" -runs="$FUZZ_RUNS" \
	    -timeout=10 -print_final_stats=1 \
	    -artifact_prefix="$builddir/tests/fuzz/$target-" \
	    $FUZZ_FLAGS "$work/$target" "$seeds"; then
	echo "PASS: $target"
    else
	echo "FAIL: $target (see the artifact in $builddir/tests/fuzz/)"
	status=1
    fi
done
exit $status
