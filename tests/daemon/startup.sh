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

printf 'Redis unix:%s/none.sock\nAllowRoot yes\nSocket unix:%s/m.sock\n' "$TMP" "$TMP" > "$CONF"
d_run -n -c "$CONF"
t_rc 1 "-n when Redis does not answer"
t_has "none.sock" "-n names the Redis address"

t_done
