#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# quickstart.sh - install what consent-milter needs, build it, run it
#
# Usage:
#	contrib/quickstart.sh		install, build, run the demo
#	contrib/quickstart.sh check	install, build, run every test
#
# For a fresh Debian 12 machine, as root: installs the Debian packages
# that the build and the tests need (apt-get update first; postfix is
# preseeded to "No configuration", so nothing is configured or started),
# builds in _build/ with warnings as errors, then runs the demo
# (contrib/demo-postfix.sh through a private Postfix; contrib/demo.sh,
# with miltertest as the MTA, when not root) or the whole test suite: make check in the normal
# build, make check-cache (the daemon's tests with ConsentCache on), make
# check again in an AddressSanitizer+UndefinedBehaviorSanitizer build
# (_build-san/), make check-tsan in a ThreadSanitizer build
# (_build-tsan/), the libFuzzer targets built with clang and run
# briefly over their seed corpora (_build-fuzz/), and make
# distcheck-short (the tarball built, installed and tested with the
# unit tests and one of each end-to-end kind; in a git checkout, every
# file git tracks but .gitignore must be in the tarball). Each step
# says how long it took. The last line of "check" is the total count
# of test cases: "tests: N passed, M failed".
#
# "check" also installs, when it can, chromium and nginx-light for the
# browser and proxy tests (skipped without them).
#
# Not root: nothing is installed; the script says which packages are
# missing and stops.

set -eu

mode=${1:-demo}
case $mode in
demo|check) ;;
*) echo "usage: $0 [check]" >&2; exit 64 ;;
esac

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# Build tools and libraries, then what the tests and the demo run.
PACKAGES="build-essential autoconf automake libtool pkg-config
	libmilter-dev libhiredis-dev libopendkim-dev check libssl-dev zlib1g-dev
	libmicrohttpd-dev libzip-dev curl
	redis-server redis-tools miltertest opendkim-tools postfix swaks
	openssl jq procps groff-base clang libclang-rt-14-dev debhelper m4"

missing=
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
	missing="$missing $p"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" -ne 0 ]; then
	echo "quickstart: missing Debian packages:$missing" >&2
	echo "quickstart: run as root, or: apt-get install$missing" >&2
	exit 1
    fi
    echo "quickstart: installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    echo "postfix postfix/main_mailer_type select No configuration" |
	debconf-set-selections
    apt-get update -q
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing
fi

# Optional, for "check": chromium, so that tests/ctl/report-browser.sh
# renders the HTML reports in a real browser (skipped without it). A
# failure to install it stops nothing.
if [ "$mode" = check ] && [ "$(id -u)" -eq 0 ] &&
    ! command -v chromium >/dev/null 2>&1; then
    echo "quickstart: installing chromium (optional: the browser check)"
    { DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	--no-install-recommends chromium >/dev/null 2>&1 ||
      { apt-get update -q >/dev/null 2>&1 &&
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends chromium >/dev/null 2>&1; }; } ||
	echo "quickstart: chromium not installed: the browser check will be skipped"
fi

# Optional, for "check": nginx, so that tests/unsub/proxy.sh runs the
# shipped contrib/nginx configuration in front of consent-unsubscribe
# (skipped without it). The test starts its own nginx on free ports;
# the package's own service is kept from starting (policy-rc.d(8)),
# unless this machine already has a policy.
if [ "$mode" = check ] && [ "$(id -u)" -eq 0 ] &&
    ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
    echo "quickstart: installing nginx-light (optional: the proxy check)"
    policy=
    if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d &&
	    chmod 755 /usr/sbin/policy-rc.d && policy=/usr/sbin/policy-rc.d
    fi
    { DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	--no-install-recommends nginx-light >/dev/null 2>&1 ||
      { apt-get update -q >/dev/null 2>&1 &&
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends nginx-light >/dev/null 2>&1; }; } ||
	echo "quickstart: nginx not installed: the proxy check will be skipped"
    [ -z "$policy" ] || rm -f "$policy"
fi

jobs=$(nproc 2>/dev/null || echo 2)

# build DIR [configure options] - configure and build out of tree
build() {
    dir=$1
    shift
    mkdir -p "$dir"
    (cd "$dir" && "$top/configure" --enable-werror "$@" >configure.out 2>&1) || {
	cat "$dir/configure.out" >&2; exit 1; }
    make -C "$dir" -j"$jobs" >"$dir/make.out" 2>&1 || {
	tail -50 "$dir/make.out" >&2; exit 1; }
}

echo "quickstart: building in _build/"
[ -x configure ] && [ configure -nt configure.ac ] && [ Makefile.in -nt Makefile.am ] ||
    autoreconf -fi >/dev/null 2>&1
build _build

# The demo goes through a real private Postfix when it can (root);
# otherwise miltertest plays the MTA.
# At its end the demo writes the campaign report and the evidence pack
# (CM_DEMO_OUT): HTML files to open in a browser.
if [ "$mode" = demo ]; then
    CM_DEMO_OUT=$top/_build/demo-out
    export CM_DEMO_OUT
    if [ "$(id -u)" -eq 0 ]; then
	sh contrib/demo-postfix.sh "$top/_build"
    else
	sh contrib/demo.sh "$top/_build"
    fi
    echo
    echo "quickstart: open these in a browser (self-contained, printable on A4):"
    echo "  the campaign report: $CM_DEMO_OUT/report-spring-newsletter.html"
    echo "  the evidence pack:   $CM_DEMO_OUT/evidence-bob.html"
    exit 0
fi

# count_results DIR... - add up the test cases in the test logs
count_results() {
    cat "$@" 2>/dev/null | awk '
	/^[0-9]+%: Checks: / {
	    gsub(",", ""); n = $3; f = $5 + $7; pass += n - f; fail += f }
	/^[0-9]+ passed, [0-9]+ failed$/ { pass += $1; fail += $3 }
	END { printf "%d %d\n", pass, fail }'
}

# took - how long the step just ended took (the CI has a time budget)
step_start=$(date +%s)
took() {
    _now=$(date +%s)
    _s=$((_now - step_start))
    echo "quickstart:   took $((_s / 60)) min $((_s % 60)) s"
    step_start=$_now
}

status=0
echo "quickstart: make check (normal build)"
make -C _build -j"$jobs" check >_build/check.out 2>&1 || status=1
grep -E '^(PASS|FAIL|ERROR|XPASS|# )' _build/check.out || true
set -- $(count_results _build/tests/*/*.log)
pass=$1 fail=$2
# failed LOG... - the tail of each failed test's log, kept for the end
: > _build/failures.out
failed() {
    for log in "$@"; do
	grep -qE '^:test-result: (FAIL|ERROR)' "${log%.log}.trs" 2>/dev/null || continue
	echo "--- $log"; tail -40 "$log"
	{ echo "--- $log"; grep -E '^(not ok|#)|Sanitizer|runtime error' "$log" |
	    tail -25; } \
	    >> _build/failures.out
    done
}
[ $status -eq 0 ] || failed _build/tests/*/*.log

# The daemon's tests again with the consent cache on (DESIGN.md section
# 12): its answers must be the same as Redis's own, fault tests included.
took
echo "quickstart: make check-cache (the daemon's tests, ConsentCache on)"
touch _build/check-cache.stamp
make -C _build -j"$jobs" check-cache >_build/check-cache.out 2>&1 || {
	status=1; grep -E '^(FAIL|ERROR)' _build/check-cache.out || true
	failed $(find _build/tests -name '*.log' -newer _build/check-cache.stamp); }
grep -E '^# (TOTAL|PASS|FAIL|ERROR)' _build/check-cache.out || true
cache_logs=$(find _build/tests -name '*.log' -newer _build/check-cache.stamp)
# shellcheck disable=SC2086 # one word per log file
set -- $(count_results ${cache_logs:-/dev/null})
pass=$((pass + $1)) fail=$((fail + $2))

took
echo "quickstart: make check (sanitizer build in _build-san/)"
build _build-san --enable-sanitizers
CM_PACKAGE_TEST=no ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    make -C _build-san -j"$jobs" check >_build-san/check.out 2>&1 || {
	status=1; grep -E '^(FAIL|ERROR)' _build-san/check.out || true
	failed _build-san/tests/*/*.log; }
grep -E '^# (TOTAL|PASS|FAIL|ERROR)' _build-san/check.out || true
set -- $(count_results _build-san/tests/*/*.log)
pass=$((pass + $1)) fail=$((fail + $2))

# The threads (the consent cache's link and warm-up, the lookups of
# concurrent sessions, the Redis pool, libmilter's workers) under
# ThreadSanitizer: the tests that run them hardest (Makefile.am,
# TSAN_TESTS); a report anywhere fails (nothing is suppressed:
# tests/lib/tsan.supp).
took
echo "quickstart: make check-tsan (ThreadSanitizer build in _build-tsan/)"
build _build-tsan --enable-tsan
make -C _build-tsan -j"$jobs" check-tsan >_build-tsan/check.out 2>&1 || {
	status=1; grep -E '^(FAIL|ERROR)|ThreadSanitizer' _build-tsan/check.out || true
	failed _build-tsan/tests/*/*.log; }
grep -E '^# (TOTAL|PASS|FAIL|ERROR)|^check-tsan:' _build-tsan/check.out || true
set -- $(count_results _build-tsan/tests/*/*.log)
pass=$((pass + $1)) fail=$((fail + $2))

took
echo "quickstart: fuzz targets (clang, libFuzzer, in _build-fuzz/)"
build _build-fuzz CC=clang --enable-fuzzing
make -C _build-fuzz check TESTS=tests/fuzz/run.sh >_build-fuzz/check.out 2>&1 || {
	status=1; tail -40 _build-fuzz/check.out; }
grep -E '^(PASS|FAIL): fuzz_' _build-fuzz/tests/fuzz/run.log || true
# grep -c counts 0 with exit status 1: not a failure here (set -e).
n=$(grep -c '^PASS: fuzz_' _build-fuzz/tests/fuzz/run.log 2>/dev/null || true)
pass=$((pass + ${n:-0}))
n=$(grep -c '^FAIL: fuzz_' _build-fuzz/tests/fuzz/run.log 2>/dev/null || true)
fail=$((fail + ${n:-0}))

took
echo "quickstart: make distcheck-short"
CM_PACKAGE_TEST=no make -C _build -j"$jobs" distcheck-short \
    DISTCHECK_CONFIGURE_FLAGS=--enable-werror \
    >_build/distcheck.out 2>&1 || {
	status=1; tail -40 _build/distcheck.out
	grep -E '^(FAIL|ERROR)' _build/distcheck.out || true
	# distcheck leaves its tree behind when it fails (made read-only).
	failed $(find _build -path '*/_build/sub/tests/*' -name '*.log' \
	    2>/dev/null); }
grep -E '^(=+|consent-milter-.* archives ready)' _build/distcheck.out | tail -3 || true
# The tests above ran from the tarball only a part of the suite: a file
# left out of it is found here instead, by name.
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    tarball=$(ls _build/consent-milter-*.tar.gz 2>/dev/null | tail -1)
    if [ -z "$tarball" ]; then
	echo "quickstart: no tarball in _build/ to compare with git" >&2
	status=1
    else
	tar tzf "$tarball" | sed 's|^[^/]*/||; /\/$/d; /^$/d' | LC_ALL=C sort \
	    >_build/dist-files.txt
	left=$(git -C "$top" ls-files | grep -vx '.gitignore' | LC_ALL=C sort |
	    LC_ALL=C comm -23 - _build/dist-files.txt)
	if [ -n "$left" ]; then
	    echo "quickstart: tracked by git but not in $tarball (EXTRA_DIST?):" >&2
	    echo "$left" | sed 's/^/  /' >&2
	    status=1
	else
	    echo "quickstart: the tarball holds every file git tracks"
	fi
    fi
else
    # Said, not skipped in silence: the short suite above does not
    # find a missing file by itself.
    echo "quickstart: not a git checkout: the tarball's file list not compared"
fi
took

if [ "$pass" -eq 0 ]; then
    echo "quickstart: no test ran" >&2
    status=1
fi
[ $status -eq 0 ] || [ "$fail" -gt 0 ] || fail=1
# Once more at the very end, where a reader of the last lines sees it.
if [ -s _build/failures.out ]; then
    echo "quickstart: what the failed tests said"
    cat _build/failures.out
fi
echo "tests: $pass passed, $fail failed"
exit $status
