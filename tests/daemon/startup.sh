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
t_rc 78 "Plugin lines are refused by this version"
t_has "$CONF:4: Plugin: cannot load \"dkim\"" "the plugin line is named"

printf 'Redis unix:%s/none.sock\nAllowRoot yes\nSocket unix:%s/m.sock\n' "$TMP" "$TMP" > "$CONF"
d_run -n -c "$CONF"
t_rc 1 "-n when Redis does not answer"
t_has "none.sock" "-n names the Redis address"

t_done
