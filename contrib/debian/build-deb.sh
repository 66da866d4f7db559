#!/bin/sh
# build-deb.sh - build the consent-milter Debian package from a source tree
#
# Usage: build-deb.sh SRCDIR OUTDIR [BUILDDIR]
#
# Copies the source into a new temporary directory, puts
# SRCDIR/contrib/debian there as debian/, runs
# "dpkg-buildpackage -us -uc -b" in it and copies the binary package
# (consent-milter_VERSION_ARCH.deb) to OUTDIR, whose path it prints.
# The temporary directory is removed, also on failure.
#
# The copy: with BUILDDIR (a configured build directory, as "make deb"
# gives), the files of the "make dist" tarball ("make distdir" into the
# temporary directory: no tarball is made or touched), so that the
# package is built from what a release holds. Without it: the files
# git knows in SRCDIR (tracked, or untracked and not ignored:
# uncommitted work included, build products not), or, outside git,
# SRCDIR minus _build*, .git and autom4te.cache.
#
# Needs dpkg-dev and debhelper (and the Build-Depends of
# contrib/debian/control: dpkg-buildpackage names what is missing).
# No root: Rules-Requires-Root is no. DEB_BUILD_OPTIONS defaults to
# "nocheck parallel=2" and DEB_BUILD_PROFILES to "nocheck" (the test
# suite runs from the source tree, not in the package build).
#
# Exit status: 0 built; 1 failed (the build's output on stderr); 64 usage.

set -eu

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    echo "usage: $0 SRCDIR OUTDIR [BUILDDIR]" >&2
    exit 64
fi
src=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
builddir=${3:+$(cd "$3" && pwd)}

for tool in dpkg-buildpackage dh; do
    command -v "$tool" >/dev/null 2>&1 || {
	echo "$0: $tool not found: apt-get install dpkg-dev debhelper" >&2
	exit 1; }
done

# The package version is the changelog's; it must be the release's.
version=$(dpkg-parsechangelog -l "$src/contrib/debian/changelog" -S Version)
upstream=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' \
    "$src/configure.ac")
if [ "${version%%-*}" != "$upstream" ]; then
    echo "$0: contrib/debian/changelog is at $version, configure.ac at" \
	"$upstream: add a changelog entry (dch -v $upstream)" >&2
    exit 1
fi

# Run from "make deb" or "make check": the outer make's flags (its job
# server, TESTS=...) are not for the makes below.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cm-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
tree=$tmp/consent-milter-$upstream
log=$tmp/build.log

if [ -n "$builddir" ]; then
    # What "make dist" would put in the tarball, without making one.
    make -C "$builddir" distdir distdir="$tree" top_distdir="$tree" \
	>"$log" 2>&1 || {
	cat "$log" >&2; echo "$0: make distdir failed in $builddir" >&2
	exit 1; }
elif git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    mkdir "$tree"
    (cd "$src" && git ls-files -z --cached --others --exclude-standard |
	xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\n" "$f"; done' sh |
	tar --no-recursion -cf - -T -) | tar -C "$tree" -xf -
else
    mkdir "$tree"
    (cd "$src" && tar -cf - --exclude='./_build*' --exclude=./.git \
	--exclude=./autom4te.cache .) | tar -C "$tree" -xf -
fi

rm -rf "$tree/debian"
cp -a "$src/contrib/debian" "$tree/debian"
rm -f "$tree/debian/build-deb.sh"

DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:-nocheck parallel=2}
DEB_BUILD_PROFILES=${DEB_BUILD_PROFILES:-nocheck}
export DEB_BUILD_OPTIONS DEB_BUILD_PROFILES
(cd "$tree" && dpkg-buildpackage -us -uc -b) >"$log" 2>&1 || {
    tail -60 "$log" >&2; echo "$0: dpkg-buildpackage failed" >&2; exit 1; }

deb=$(ls "$tmp"/consent-milter_"$version"_*.deb)
cp "$deb" "$out/"
echo "$out/${deb##*/}"
