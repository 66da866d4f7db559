# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# lib.sh - helpers for the consent-unsubscribe tests (sourced by tests/unsub/*.sh)
#
# Under tests/lib/redis.sh (CM_TEST_REDIS_SOCK, CM_TEST_TMPDIR); the
# assertions are those of tests/ctl/lib.sh. The service under test is
# the real daemon ($CM_UNSUB), spoken to with the real curl.
#
#   u_keys                write $TMP/unsub.keys (mode 0600), one key "k1"
#   u_conf [LINES...]     write $CONF for the service (and consentctl):
#                         Redis on the test socket, the key file, a free
#                         loopback port ($u_port), AuditLog $TMP/audit.log,
#                         then LINES (a line replaces the default of its key)
#   u_start [ENV=VALUE...] start the service in the foreground, wait for
#                         its "started" line; sets $u_url
#   u_stop                SIGTERM, wait; sets $u_rc (its exit status)
#   u_curl METHOD PATH [CURL ARGS...]
#                         one request; sets $code, $body (the body),
#                         $hdrs (the headers, CR removed), $redir (curl's
#                         %{redirect_url}) and $secs (time_total)
#   u_token ADDRESS CAMPAIGN
#                         a real token, from consentctl unsubscribe-link

. "$CM_SRCDIR/tests/ctl/lib.sh"
UNSUB=${CM_UNSUB:-${CM_BUILDDIR:-.}/consent-unsubscribe}
u_pid=
u_port=
u_url=

u_keys() {
    printf '# test keys\nk1 %s\n' \
	0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef \
	> "$TMP/unsub.keys"
    chmod 600 "$TMP/unsub.keys"
}

. "$CM_SRCDIR/tests/lib/redislib.sh"

# u_free_port - a loopback TCP port that nothing listens on now
u_free_port() {
    cm_free_port
}

u_conf() {
    u_port=$(u_free_port)
    # A line of the caller's replaces the default line of its key.
    _lines=
    for _d in "UnsubscribeKeyFile $TMP/unsub.keys" \
	"UnsubscribeListen inet:$u_port@127.0.0.1" \
	"UnsubscribeURL http://127.0.0.1/u/" \
	"UnsubscribeOrganisation Example & <Sons>" \
	"AuditLog $TMP/audit.log" "AllowRoot yes"; do
	_k=${_d%% *}
	for _a in "$@"; do
	    [ "${_a%% *}" = "$_k" ] && { _d=; break; }
	done
	[ -n "$_d" ] && _lines="$_lines$_d
"
    done
    printf 'Redis unix:%s\n%s' "$CM_TEST_REDIS_SOCK" "$_lines" > "$CONF"
    for _a in "$@"; do
	[ "${_a%% *}" = Redis ] && sed -i 1d "$CONF"
	printf '%s\n' "$_a" >> "$CONF"
    done
}

# u_start - start it; when another test took the port first, on a new one
u_start() {
    _try=0
    while :; do
	_u_start1 "$@" && return 0
	grep -q 'Address already in use' "$TMP/unsub.log" || return 1
	_try=$((_try + 1))
	[ $_try -lt 5 ] || return 1
	u_port=$(u_free_port)
	sed -i "s/^\(UnsubscribeListen inet:\)[0-9]*@/\1$u_port@/" "$CONF"
    done
}

_u_start1() {
    : > "$TMP/unsub.log"
    env "$@" "$UNSUB" -f -c "$CONF" 2> "$TMP/unsub.log" &
    u_pid=$!
    # tests/lib/redis.sh stops it too, should this script die first.
    echo "$u_pid" > "$TMP/unsub.pid"
    n=0
    _up=
    while [ $n -lt 100 ]; do
	_up=$(sed -n 's/.*started: .*(port \([0-9]*\)).*/\1/p' "$TMP/unsub.log")
	[ -n "$_up" ] && break
	kill -0 "$u_pid" 2>/dev/null || break
	sleep 0.05
	n=$((n + 1))
    done
    if [ -z "$_up" ]; then
	wait "$u_pid" 2>/dev/null
	grep -q 'Address already in use' "$TMP/unsub.log" && return 1
	echo "# consent-unsubscribe did not start:"
	sed 's/^/#   /' "$TMP/unsub.log"
	return 1
    fi
    u_url=http://127.0.0.1:$_up
    return 0
}

u_stop() {
    [ -n "$u_pid" ] || return 0
    kill -TERM "$u_pid" 2>/dev/null
    wait "$u_pid"
    u_rc=$?
    u_pid=
    rm -f "$TMP/unsub.pid"
}

u_curl() {
    _m=$1
    _p=$2
    shift 2
    _w=$(curl -s -X "$_m" -o "$TMP/body" -D "$TMP/hdrs" \
	-w '%{http_code} %{redirect_url} %{time_total}' \
	--max-time 10 "$@" "$u_url$_p")
    code=${_w%% *}
    _r=${_w#* }
    redir=${_r% *}
    secs=${_r##* }
    body=$(cat "$TMP/body")
    hdrs=$(tr -d '\r' < "$TMP/hdrs")
}

u_token() {
    "$CONSENTCTL" -c "$CONF" unsubscribe-link "$1" "$2" 2> "$TMP/link.err" \
	| sed -n 's|.*/u/\([a-z2-7]*\).*|\1|p' | head -1
}

# u_hdr NAME - the value of a header of the last answer
u_hdr() {
    printf '%s\n' "$hdrs" | sed -n "s/^$1: //Ip" | head -1
}
