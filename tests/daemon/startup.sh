#!/bin/sh
# startup.sh - the daemon refuses to start on what it must not run with
#
# Under tests/lib/redis.sh. A bad key, a bad value and a missing file are
# named with file, line and key; root without UserID needs AllowRoot;
# secrets readable by others are refused; -n says what is wrong and
# exits 0 or 1.

. "$CM_SRCDIR/tests/ctl/lib.sh"
DAEMON=${CM_DAEMON:-consent-milter}

# d_run ARGS... - run the daemon (it must not stay up: every case fails
# before the socket, or is -n); sets $out (stdout+stderr) and $rc.
d_run() {
    timeout 10 "$DAEMON" "$@" > "$TMP/dout" 2>&1
    rc=$?
    out=$(cat "$TMP/dout")
    err=
}

t_conf "Socket unix:$TMP/m.sock" "AllowRoot yes"
d_run -n -c "$CONF"
t_rc 0 "-n on a good configuration"
t_has "configuration OK" "-n says so"

t_conf "Socket unix:$TMP/m.sock" "AllowRoot yes" "Mode enforcing"
d_run -n -c "$CONF"
t_rc 1 "-n on a bad value"
t_has "$CONF:4: Mode: bad value \"enforcing\" (expected enforce or dry-run)" \
    "-n names file, line and key"
d_run -f -c "$CONF"
t_rc 78 "the daemon refuses to start on a bad value"
t_has "$CONF:4: Mode: bad value" "and says why"

t_conf "AllowRoot yes" "Sockett unix:$TMP/m.sock"
d_run -f -c "$CONF"
t_rc 78 "unknown key"
t_has "$CONF:3: Sockett: unknown key" "unknown key named"

d_run -f -c "$TMP/missing.conf"
t_rc 78 "missing file"
t_has "$TMP/missing.conf: cannot read: No such file or directory" "missing file named"

t_conf "Socket unix:$TMP/m.sock"
if [ "$(id -u)" = 0 ]; then
    d_run -f -c "$CONF"
    t_rc 78 "root without UserID or AllowRoot"
    t_has "refusing to run as root: set UserID" "and says what to do"
fi

printf 'secret' > "$TMP/key"
chmod 644 "$TMP/key"
t_conf "Socket unix:$TMP/m.sock" "AllowRoot yes" "AddressKeyFile $TMP/key"
d_run -f -c "$CONF"
t_rc 78 "world-readable AddressKeyFile"
t_has "AddressKeyFile $TMP/key: readable or writable by others (mode 0644)" \
    "the key file is named with its mode"
chmod 600 "$TMP/key"
printf 'pw\n' > "$TMP/pw"
chmod 604 "$TMP/pw"
t_conf "Socket unix:$TMP/m.sock" "AllowRoot yes" "AddressKeyFile $TMP/key" \
    "RedisPasswordFile $TMP/pw"
d_run -n -c "$CONF"
t_rc 1 "world-readable RedisPasswordFile"
t_has "RedisPasswordFile $TMP/pw: readable or writable by others (mode 0604)" \
    "the password file is named"

t_conf "Socket unix:$TMP/m.sock" "AllowRoot yes" "Plugin dkim /nonexistent/dkim.so"
d_run -f -c "$CONF"
t_rc 78 "a missing plugin file stops the daemon"
t_has "$CONF:4: Plugin: plugin \"dkim\": /nonexistent/dkim.so: No such file or directory" \
    "the plugin, its line and its file are named"
d_run -n -c "$CONF"
t_rc 1 "-n checks the plugins too"

if [ -n "${CM_PLUGINDIR:-}" ]; then
    t_conf "Socket unix:$TMP/m.sock" "AllowRoot yes" \
	"Plugin optout $CM_PLUGINDIR/optout.so" "optout.RequireOneClick maybe"
    d_run -f -c "$CONF"
    t_rc 78 "a plugin whose init fails stops the daemon"
    t_has "$CONF:4: Plugin: plugin \"optout\": cannot start: optout.RequireOneClick: expected yes or no, not \"maybe\"" \
	"with the plugin's own reason"
    t_conf "Socket unix:$TMP/m.sock" "AllowRoot yes" \
	"Plugin dkim $CM_PLUGINDIR/dkim.so" "dkim.Require campaign-header"
    d_run -f -c "$CONF"
    t_rc 78 "dkim without TrustedDomains"
    t_has "dkim.TrustedDomains: required" "says which option is missing"
    t_conf "Socket unix:$TMP/m.sock" "AllowRoot yes" \
	"Plugin optout $CM_PLUGINDIR/optout.so" "optout.OneClick yes"
    d_run -n -c "$CONF"
    t_rc 1 "an option the plugin does not know"
    t_has "$CONF:5: optout.OneClick: unknown option of plugin \"optout\" (it knows: RequireOneClick)" \
	"is named with the options it knows"
fi

# SocketMode and SocketGroup: the socket is created with them.
grp=$(id -gn nobody 2>/dev/null || echo nogroup)
t_conf "Socket unix:$TMP/s.sock" "AllowRoot yes" "SocketMode 0660" \
    "SocketGroup $grp"
"$DAEMON" -f -c "$CONF" > "$TMP/sout" 2>&1 &
dpid=$!
i=0
while [ ! -S "$TMP/s.sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
t_eq "$(stat -c %a "$TMP/s.sock" 2>/dev/null)" 660 "SocketMode 0660 on the socket"
t_eq "$(stat -c %G "$TMP/s.sock" 2>/dev/null)" "$grp" "SocketGroup on the socket"
kill -TERM $dpid 2>/dev/null; wait $dpid
t_conf "Socket inet:8891@127.0.0.1" "AllowRoot yes" "SocketMode 0660"
d_run -f -c "$CONF"
t_rc 78 "SocketMode with a TCP socket"
t_has "SocketMode: only for a unix socket" "says why"
t_conf "Socket unix:$TMP/s.sock" "AllowRoot yes" "SocketGroup no-such-group-here"
d_run -f -c "$CONF"
t_rc 78 "SocketGroup naming no group"
t_has "SocketGroup: no such group \"no-such-group-here\"" "names the group"
t_conf "Socket unix:$TMP/s.sock" "AllowRoot yes" "SocketMode rw-rw----"
d_run -n -c "$CONF"
t_rc 1 "SocketMode that is not octal"
t_has "$CONF:4: SocketMode: bad value \"rw-rw----\" (expected octal permission bits, like 0660)" \
    "names the line"

# UserID: the running daemon is that user, with its group and no other,
# and so are its socket and its audit log; SocketMode 0660 keeps out a
# user of another group, and lets in one of the socket's group.
MILTERGEN=${CM_BUILDDIR:-.}/tests/bench/miltergen
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1 && [ -x "$MILTERGEN" ] &&
    command -v setpriv >/dev/null 2>&1; then
    pdir=$TMP/priv
    mkdir -p "$pdir/log"
    chmod 0711 "$TMP"			# others may pass, not look
    chmod 0755 "$pdir"
    chown nobody "$pdir/log"
    nuid=$(id -u nobody)
    ngid=$(id -g nobody)
    ngrp=$(id -gn nobody)
    t_conf "Socket unix:$pdir/p.sock" "UserID nobody" "SocketMode 0660" \
	"AuditLog $pdir/log/audit.log"
    # Leak checking needs to ptrace its own threads, which a process that
    # changed its user may not do: not for this run.
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" "$DAEMON" -f -c "$CONF" \
	> "$TMP/pout" 2>&1 &
    dpid=$!
    i=0
    while [ ! -f "$pdir/log/audit.log" ] && [ $i -lt 100 ]; do
	sleep 0.05; i=$((i + 1)); done
    t_eq "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' /proc/$dpid/status)" \
	"$nuid $nuid $nuid $nuid" "UserID: real, effective, saved and fs uid are nobody's"
    t_eq "$(awk '/^Gid:/ { print $2, $3, $4, $5 }' /proc/$dpid/status)" \
	"$ngid $ngid $ngid $ngid" "UserID: every gid is nobody's group"
    t_eq "$(awk '/^Groups:/ { $1 = ""; print }' /proc/$dpid/status | tr -d ' ')" \
	"$(id -G nobody | tr -d ' ')" "UserID: only nobody's supplementary groups"
    t_eq "$(stat -c '%U:%G %a' "$pdir/p.sock" 2>/dev/null)" \
	"nobody:$ngrp 660" "the socket belongs to UserID, mode 0660"
    t_eq "$(stat -c %U "$pdir/log/audit.log" 2>/dev/null)" nobody \
	"the audit log was created by UserID, not root"
    setpriv --reuid=daemon --regid=daemon --clear-groups \
	"$MILTERGEN" -s "unix:$pdir/p.sock" -Q > "$TMP/qout" 2>&1
    rc=$?
    out=$(cat "$TMP/qout")
    t_rc 2 "a user of another group cannot connect"
    t_has "Permission denied" "refused by the socket's mode"
    setpriv --reuid=daemon --regid="$ngid" --clear-groups \
	"$MILTERGEN" -s "unix:$pdir/p.sock" -Q > "$TMP/qout" 2>&1
    rc=$?
    out=$(cat "$TMP/qout")
    t_rc 0 "a user of the socket's group can"
    t_has "actions=0x" "and negotiates"
    kill -TERM $dpid 2>/dev/null
    wait $dpid
    t_eq "$?" 0 "and the daemon, as nobody, stops cleanly on SIGTERM"
    chmod 0700 "$TMP"
fi

printf 'Redis unix:%s/none.sock\nAllowRoot yes\nSocket unix:%s/m.sock\n' "$TMP" "$TMP" > "$CONF"
d_run -n -c "$CONF"
t_rc 1 "-n when Redis does not answer"
t_has "none.sock" "-n names the Redis address"

t_done
