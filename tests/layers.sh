#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# layers.sh - no library includes a header from a layer above it
#
# The libraries are layers (Makefile.am, README.md "Layout"):
#
#	milter/util	includes nothing of ours outside milter/util
#	milter/policy	util and policy only; no hiredis, no libmilter
#	milter/store	util, policy and store only; no libmilter
#	milter/http	util and http only; no hiredis, no libmilter; the only
#		library with libmicrohttpd
#	milter/ctl	the libraries and ctl only; no libmilter
#	milter/service	util, policy and service only (what the daemons share
#		at start-up); no hiredis, no libmilter
#	milter/unsub	the libraries and unsub only; no libmilter
#
# The build enforces the first three and http with -I, for our headers; this
# test also catches what -I cannot: a path ("../store/store.h") and the
# system headers of hiredis and libmilter. It reads every #include line
# of milter/*/*.[ch] and names each offending file:line.
#
# Also: no file in milter/ or plugins/ calls freeReplyObject(). Every
# connection's replies are built in an arena (redisreply(3)) and freed
# with cm_redis_reply_free(); hiredis's function would free(3) what
# malloc(3) never gave out. Exit 0 when all hold, 1 otherwise.
#
# Environment: CM_SRCDIR, the source tree (default: the parent of the
# folder of this script).

set -u

top=${CM_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 99
[ -d milter/util ] || { echo "layers.sh: no milter/util in $top" >&2; exit 99; }

bad=0

# allowed LAYER - the folders whose headers LAYER may include
allowed() {
    case $1 in
    util) echo "util" ;;
    policy) echo "util policy" ;;
    store) echo "util policy store" ;;
    http) echo "util http" ;;
    service) echo "util policy service" ;;
    unsub) echo "util policy store http service unsub" ;;
    ctl) echo "util policy store ctl" ;;
    *) echo "" ;;
    esac
}

# owner NAME - the milter folder that holds header NAME, or nothing
owner() {
    for d in milter/*/; do
	d=${d%/}
	if [ -f "$d/$1" ]; then
	    echo "${d#milter/}"
	    return
	fi
    done
}

fail() {
    echo "$1: $2" >&2
    bad=1
}

for file in milter/*/*.[ch]; do
    layer=$(echo "$file" | cut -d/ -f2)
    ok=$(allowed "$layer")
    [ -n "$ok" ] || continue
    # "LINE:KIND:NAME" for every #include "NAME" or <NAME>
    awk '/^[ \t]*#[ \t]*include[ \t]*["<]/ {
	    s = $0
	    sub(/^[ \t]*#[ \t]*include[ \t]*/, "", s)
	    k = substr(s, 1, 1)
	    s = substr(s, 2)
	    sub(/[">].*$/, "", s)
	    print NR ":" k s
	}' "$file" |
    while IFS=: read -r line inc; do
	kind=$(echo "$inc" | cut -c1)
	name=$(echo "$inc" | cut -c2-)
	where="$file:$line"
	if [ "$kind" = "<" ]; then
	    case $layer:$name in
	    util:hiredis/* | util:libmilter/* | policy:hiredis/* | \
	    policy:libmilter/* | store:libmilter/* | ctl:libmilter/* | \
	    service:hiredis/* | service:libmilter/* | unsub:libmilter/* | \
	    http:hiredis/* | http:libmilter/* | util:microhttpd.h | \
	    policy:microhttpd.h | store:microhttpd.h | ctl:microhttpd.h)
		fail "$where" "$layer must not include <$name>"
		echo x ;;
	    esac
	    continue
	fi
	case $name in
	*/*)
	    fail "$where" "\"$name\": include ours by name, through -I"
	    echo x
	    continue ;;
	esac
	from=$(owner "$name")
	case " $ok " in
	*" $from "*) ;;
	*)
	    if [ -n "$from" ]; then
		fail "$where" "$layer must not include \"$name\" (milter/$from)"
	    else
		fail "$where" "$layer must not include \"$name\" (not in milter/$layer or below)"
	    fi
	    echo x ;;
	esac
    done
done > "${TMPDIR:-/tmp}/layers.$$"

if [ -s "${TMPDIR:-/tmp}/layers.$$" ]; then
    bad=1
fi

# Replies are freed with cm_redis_reply_free(), not freeReplyObject().
# (A call has an argument; the comments that name it write "()".)
if grep -n 'freeReplyObject[ \t]*([^)]' milter/*/*.[ch] plugins/*/*.[ch] \
	plugins/*.[ch] > "${TMPDIR:-/tmp}/layers.$$" 2>/dev/null; then
    sed 's/^\([^:]*:[0-9]*\):.*/\1: freeReplyObject(): replies are freed with cm_redis_reply_free() (redisreply(3))/' \
	"${TMPDIR:-/tmp}/layers.$$" >&2
    bad=1
fi
rm -f "${TMPDIR:-/tmp}/layers.$$"
if [ $bad -ne 0 ]; then
    echo "layers.sh: FAIL: an include crosses the layers, or a reply is freed with freeReplyObject() (see above)" >&2
    exit 1
fi
echo "layers.sh: util < policy < store, util < http; programs on top: all includes hold"
exit 0
