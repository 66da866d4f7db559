#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# startup.sh - the daemon refuses to start on what it must not run with
#
# Under tests/lib/redis.sh. A bad key, a bad value and a missing file are
# named with file, line and key; root without UserID needs AllowRoot;
# secrets readable by others are refused; -n says what is wrong and
# exits 0 or 1, and changes nothing; a unix socket keeps others out by
# default; PidFile is never written through a planted link.

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
t_has "$CONF:3: Sockett: unknown key (did you mean Socket?)" \
    "unknown key named, with the nearest key (issue 15, point 2)"
t_conf "AllowRoot yes" "Socket unix:$TMP/m.sock" "DenyActoin tag"
d_run -c "$CONF"
t_rc 78 "a typo, classic start (no -f)"
t_has "$CONF:4: DenyActoin: unknown key (did you mean DenyAction?)" \
    "on stderr too, with a suggestion"
t_conf "AllowRoot yes" "Socket unix:$TMP/m.sock" "Frobnicate yes"
d_run -n -c "$CONF"
t_has "$CONF:4: Frobnicate: unknown key" "no suggestion for a key that is nothing like one"
case $out in *"did you mean"*) t_notok "no wild guess" ;; *) t_ok "no wild guess" ;; esac
t_conf "AllowRoot yes" "Socket unix:$TMP/m.sock" "UserID no-such-user-here"
d_run -c "$CONF"
t_rc 78 "an unknown UserID, classic start"
t_has "$CONF:4: UserID: unknown user \"no-such-user-here\"" \
    "names file, line and key on stderr"

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
t_has "$CONF:4: AddressKeyFile: $TMP/key: readable or writable by others (mode 0644)" \
    "the key file is named with its mode"
chmod 600 "$TMP/key"
printf 'pw\n' > "$TMP/pw"
chmod 604 "$TMP/pw"
t_conf "Socket unix:$TMP/m.sock" "AllowRoot yes" "AddressKeyFile $TMP/key" \
    "RedisPasswordFile $TMP/pw"
d_run -n -c "$CONF"
t_rc 1 "world-readable RedisPasswordFile"
t_has "$CONF:5: RedisPasswordFile: $TMP/pw: readable or writable by others (mode 0604)" \
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
    t_has "$CONF:5: optout.OneClick: unknown option of plugin \"optout\" (it knows: RequireOneClick, RelayOptOut)" \
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

# The socket is handed over as root, in a directory that UserID may own:
# a link swapped in for it after the bind (the shim does it at the last
# moment, tests/daemon/swapsock.c) must not hand another file over.
SHIM=$CM_BUILDDIR/tests/daemon/.libs/swapsock.so
if [ "$(id -u)" = 0 ] && [ ! -f "$SHIM" ]; then
    t_notok "the socket swap shim was built ($SHIM)"
elif [ "$(id -u)" = 0 ]; then
    printf 'secret\n' > "$TMP/victim"
    chmod 0600 "$TMP/victim"
    t_conf "Socket unix:$TMP/w.sock" "AllowRoot yes" "SocketMode 0660" \
	"SocketGroup $grp"
    LD_PRELOAD=$SHIM SWAPSOCK_PATH=$TMP/w.sock SWAPSOCK_TARGET=$TMP/victim \
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
	d_run -f -c "$CONF"
    t_rc 1 "a link swapped in for the socket: the daemon does not start"
    t_has "Socket $TMP/w.sock: not a socket (replaced by something else?): not handed over" \
	"and says why"
    t_eq "$(stat -c '%U:%G %a' "$TMP/victim")" "root:root 600" \
	"the link's target keeps its owner, group and mode"
    rm -f "$TMP/w.sock"
else
    echo "# skipped: the socket swap needs root"
fi

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

# With no SocketMode, a unix socket keeps others out whatever the
# umask: mode 0660 (issue 13, finding 13: under umask 000 it was 0777,
# and any local user could ask the consent of anyone).
t_conf "Socket unix:$TMP/u.sock" "AllowRoot yes"
( umask 000; exec "$DAEMON" -f -c "$CONF" ) > "$TMP/uout" 2>&1 &
dpid=$!
i=0
while [ ! -S "$TMP/u.sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
t_eq "$(stat -c %a "$TMP/u.sock" 2>/dev/null)" 660 \
    "no SocketMode, umask 000: the socket is 0660"
kill -TERM $dpid 2>/dev/null; wait $dpid

# PidFile is written as root: never through a link that the UserID
# account could plant, never in a directory that others may write
# (issue 13, finding 8). Refused before the socket is opened.
mkdir -p "$TMP/run"
chmod 0755 "$TMP/run"
printf 'precious\n' > "$TMP/target"
t_conf "Socket unix:$TMP/p1.sock" "AllowRoot yes" "PidFile $TMP/run/cm.pid"
ln -s "$TMP/target" "$TMP/run/cm.pid"
d_run -f -c "$CONF"
t_rc 1 "a PidFile that is a symbolic link"
t_has "PidFile $TMP/run/cm.pid: a symbolic link: not written" "says so"
t_eq "$(cat "$TMP/target")" precious "the link's target is untouched"
t_eq "$(ls "$TMP/p1.sock" 2>/dev/null)" "" "no socket was opened"
rm -f "$TMP/run/cm.pid"
ln "$TMP/target" "$TMP/run/cm.pid"
d_run -f -c "$CONF"
t_rc 1 "a PidFile that is a hard link"
t_has "PidFile $TMP/run/cm.pid: has 2 links: not written" "says so"
t_eq "$(cat "$TMP/target")" precious "the other link is untouched"
rm -f "$TMP/run/cm.pid"
mkfifo "$TMP/run/cm.pid"
d_run -f -c "$CONF"
t_rc 1 "a PidFile that is a FIFO"
t_has "PidFile $TMP/run/cm.pid: not a regular file: not written" "says so"
rm -f "$TMP/run/cm.pid"
chmod 0777 "$TMP/run"
d_run -f -c "$CONF"
t_rc 1 "a PidFile in a directory that others may write"
t_has "PidFile $TMP/run/cm.pid: directory $TMP/run is writable by others (mode 0777): not written" \
    "names the directory and its mode"
t_eq "$(ls -A "$TMP/run")" "" "and nothing was created there"
chmod 0755 "$TMP/run"
printf '999999999999\n' > "$TMP/run/cm.pid"	# stale, and longer
"$DAEMON" -f -c "$CONF" > "$TMP/pidout" 2>&1 &
dpid=$!
i=0
while [ ! -S "$TMP/p1.sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
sleep 0.2
t_eq "$(cat "$TMP/run/cm.pid")" "$dpid" "a safe PidFile holds the daemon's pid, and only that"
kill -TERM $dpid 2>/dev/null; wait $dpid
t_eq "$(ls -A "$TMP/run")" "" "and is removed at the stop"

# -n checks and changes nothing (issue 13, finding 9: as root it created
# the AuditLog root-owned, and the daemon, as UserID, could not start).
mkdir -p "$TMP/n"
t_conf "Socket unix:$TMP/n/n.sock" "AllowRoot yes" \
    "AuditLog $TMP/n/audit.log" "PidFile $TMP/n/cm.pid"
d_run -n -c "$CONF"
t_rc 0 "-n with an AuditLog that does not exist yet"
t_eq "$(ls -A "$TMP/n")" "" "-n created nothing: no audit log, socket or PID file"
t_conf "Socket unix:$TMP/n/n.sock" "AllowRoot yes" \
    "AuditLog $TMP/nodir/audit.log"
d_run -n -c "$CONF"
t_rc 1 "-n with an AuditLog in a directory that does not exist"
t_has "$CONF:4: AuditLog: $TMP/nodir/audit.log: cannot be created: $TMP/nodir: No such file or directory" \
    "names the file and the directory"
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
    chmod 0711 "$TMP"
    mkdir -p "$TMP/nu"
    chmod 0755 "$TMP/nu"
    t_conf "Socket unix:$TMP/nu/n.sock" "UserID nobody" \
	"AuditLog $TMP/nu/audit.log"
    d_run -n -c "$CONF"
    t_rc 1 "-n: an AuditLog that UserID could not create"
    t_has "$CONF:4: AuditLog: $TMP/nu/audit.log: cannot be created by nobody: $TMP/nu: Permission denied" \
	"names the file, the user and the directory"
    t_eq "$(ls -A "$TMP/nu")" "" "and created nothing"
    chown nobody "$TMP/nu"
    d_run -n -c "$CONF"
    t_rc 0 "-n: UserID can create the AuditLog"
    t_eq "$(ls -A "$TMP/nu")" "" "and -n did not create it"
    printf '' > "$TMP/nu/audit.log"
    chmod 0600 "$TMP/nu/audit.log"		# root's, as the old -n left it
    d_run -n -c "$CONF"
    t_rc 1 "-n: an AuditLog that UserID cannot append to"
    t_has "$CONF:4: AuditLog: $TMP/nu/audit.log: cannot be written by nobody: Permission denied" \
	"says so"
    chmod 0700 "$TMP"
fi

printf 'Redis unix:%s/none.sock\nAllowRoot yes\nSocket unix:%s/m.sock\n' "$TMP" "$TMP" > "$CONF"
d_run -n -c "$CONF"
t_rc 1 "-n when Redis does not answer"
t_has "none.sock" "-n names the Redis address"
t_has "$CONF:1: Redis: " "and the line of the Redis key"

# Issue 15, point 2: the classic start (no -f) reports an audit log that
# cannot be written on stderr, exits 1 and leaves no PID file or socket;
# a good start exits 0 once the daemon runs, and the PID file is its.
mkdir -p "$TMP/c"
chmod 0755 "$TMP/c"
t_conf "Socket unix:$TMP/c/c.sock" "AllowRoot yes" "PidFile $TMP/c/cm.pid" \
    "AuditLog $TMP/c/nodir/audit.log"
d_run -c "$CONF"
t_rc 1 "classic start with an AuditLog that cannot be created"
t_has "$CONF:5: AuditLog: $TMP/c/nodir/audit.log: cannot be created: $TMP/c/nodir: No such file or directory" \
    "the reason is on stderr, with file, line and key"
t_eq "$(ls -A "$TMP/c")" "" "no PID file, no socket left behind"
t_conf "Socket unix:$TMP/c/nodir/c.sock" "AllowRoot yes" "PidFile $TMP/c/cm.pid"
d_run -c "$CONF"
t_rc 1 "classic start with a socket that cannot be made"
t_has "$CONF:2: Socket: unix:$TMP/c/nodir/c.sock: cannot open the milter socket" \
    "the reason is on stderr, with file, line and key"
t_eq "$(ls -A "$TMP/c")" "" "and no PID file is left behind"
t_conf "Socket unix:$TMP/c/c.sock" "AllowRoot yes" "PidFile $TMP/c/cm.pid" \
    "AuditLog $TMP/c/audit.log"
d_run -c "$CONF"
t_rc 0 "classic start: the parent exits 0 once the daemon runs"
t_eq "$out" "" "and prints nothing"
dpid=$(cat "$TMP/c/cm.pid" 2>/dev/null)
if kill -0 "${dpid:-0}" 2>/dev/null; then t_ok "the PID file names a running daemon"
else t_notok "the PID file names a running daemon"; fi
if [ -S "$TMP/c/c.sock" ]; then t_ok "its socket is there"; else t_notok "its socket is there"; fi
kill -TERM "${dpid:-0}" 2>/dev/null
i=0
while kill -0 "${dpid:-0}" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
t_eq "$(ls -A "$TMP/c")" "audit.log" "stopped: PID file and socket removed"

t_done
