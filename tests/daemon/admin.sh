#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# admin.sh - the documented installation, followed as written
#
# Under tests/lib/redis.sh, as root (skipped otherwise). contrib/postfix/README
# documents one configuration and two ways to start the daemon: a
# classic start (the daemon starts as root, detaches, writes PidFile,
# becomes UserID) and systemd (contrib/systemd/consent-milter.service:
# the daemon starts as UserID). This test takes the commands from
# those files and runs them, below a temporary root:
#
#   - every command it runs for the classic start is first looked up,
#     word for word, in contrib/postfix/README, and so is every
#     configuration line it relies on in the shipped sample
#     conf/consent-milter.conf, which is copied as /etc/consent-milter.conf
#     with only the paths and Redis changed;
#   - the systemd commands (ExecStartPre=, ExecStart=, ExecReload=,
#     User=, Group=, UMask=) are read out of the unit file;
#   - logrotate's postrotate script is read out of contrib/logrotate.
#
# Paths get the temporary root in front (/etc/consent-milter.conf,
# /var/spool/postfix/, /var/log/, /run/), the binary is the one under
# test, and the user consent-milter is a throwaway system user (created
# with the documented adduser line, removed at the end) so that nothing
# on the machine is touched. It proves: "consent-milter -n" as root on
# the production configuration passes; the classic start returns, the
# PID file names the daemon, which runs as that user; the socket is
# consent-milter:postfix 0660 in a consent-milter:postfix 2750
# directory, and the group postfix can connect while others cannot;
# logrotate's rename, create and postrotate make the daemon write to
# the new file; the documented stop removes the PID file. Then the same
# for the unit's commands, the daemon started as the user itself.

. "$CM_SRCDIR/tests/ctl/lib.sh"
DAEMON=${CM_DAEMON:-consent-milter}
README=$CM_SRCDIR/contrib/postfix/README
UNIT=$CM_SRCDIR/contrib/systemd/consent-milter.service
ROTATE=$CM_SRCDIR/contrib/logrotate/consent-milter
SAMPLE=$CM_SRCDIR/conf/consent-milter.conf

if [ "$(id -u)" != 0 ]; then
    echo "$0: the documented installation needs root: skipped" >&2
    exit 77
fi
for tool in adduser setpriv perl stat; do
    if ! command -v $tool >/dev/null 2>&1; then
	echo "$0: $tool not found: skipped" >&2
	exit 77
    fi
done
if ! getent group postfix >/dev/null; then
    echo "$0: no group postfix (Postfix not installed): skipped" >&2
    exit 77
fi

ROOT=$TMP/root
U=cmadm$$
pid=
cleanup() {
    st=$?
    for p in $pid $(cat "$ROOT/run/consent-milter/consent-milter.pid" 2>/dev/null); do
	kill "$p" 2>/dev/null
    done
    sleep 0.2
    getent passwd "$U" >/dev/null && userdel "$U" 2>/dev/null
    getent group "$U" >/dev/null && groupdel "$U" 2>/dev/null
    exit $st
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

# The daemon, once it is UserID, must reach the directories and Redis.
chmod 0711 "$TMP"
chmod 0666 "$CM_TEST_REDIS_SOCK"
mkdir -p "$ROOT/etc" "$ROOT/var/spool/postfix" "$ROOT/var/log" "$ROOT/run"
chmod -R 0755 "$ROOT"

t_true() {
    _what=$1; shift
    if "$@"; then t_ok "$_what"; else t_notok "$_what"; fi
}

# subst TEXT - a documented command or line, for the temporary root
subst() {
    printf '%s\n' "$1" | sed \
	-e "s#/etc/consent-milter.conf#$ROOT/etc/consent-milter.conf#g" \
	-e "s#/var/spool/postfix/#$ROOT/var/spool/postfix/#g" \
	-e "s#/var/log/#$ROOT/var/log/#g" \
	-e "s#/run/#$ROOT/run/#g" \
	-e "s#/usr/sbin/consent-milter#$DAEMON#g" \
	-e "s#^consent-milter #$DAEMON #" \
	-e "s#-o consent-milter #-o $U #g" \
	-e "s#-g consent-milter #-g $U #g" \
	-e "s#^\(UserID[[:space:]]*\)consent-milter\$#\1$U#" \
	-e "s# consent-milter\$# $U#"
}

# documented LINE WHAT - LINE is a line of contrib/postfix/README
documented() {
    if sed 's/^[[:space:]]*//' "$README" | grep -qxF -- "$1"; then
	t_ok "README documents: $1"
    else
	t_notok "README documents: $1"
    fi
}

# doc_run LINE - run a command of the README, as written (substituted)
doc_run() {
    documented "$1"
    sh -c "$(subst "$1")" > "$TMP/out" 2>&1
    rc=$?
    out=$(cat "$TMP/out")
    err=
}

# fd_targets PID - where the daemon's descriptors point
fd_targets() {
    for f in /proc/"$1"/fd/*; do readlink "$f"; done 2>/dev/null
}

# connects USER GROUP PATH - can USER:GROUP connect to the unix socket
connects() {
    setpriv --reuid="$1" --regid="$2" --clear-groups perl -MSocket -e '
	socket(my $s, PF_UNIX, SOCK_STREAM, 0) or exit 2;
	connect($s, pack_sockaddr_un($ARGV[0])) or exit 1;
	exit 0' "$3"
}

# wait_for SECONDS CMD... - until CMD succeeds
wait_for() {
    n=$(($1 * 10)); shift
    while [ $n -gt 0 ]; do
	"$@" && return 0
	sleep 0.1
	n=$((n - 1))
    done
    return 1
}

SOCKDIR=$ROOT/var/spool/postfix/consent-milter
SOCK=$SOCKDIR/consent-milter.sock
PIDFILE=$ROOT/run/consent-milter/consent-milter.pid
AUDIT=$ROOT/var/log/consent-milter/audit.log

# --- the configuration: the shipped sample, as the README says --------

for line in \
    "Socket unix:/var/spool/postfix/consent-milter/consent-milter.sock" \
    "SocketGroup postfix" \
    "UserID consent-milter" \
    "PidFile /run/consent-milter/consent-milter.pid" \
    "AuditLog /var/log/consent-milter/audit.log"; do
    documented "$line"
    t_true "the sample configuration has: $line" grep -qxF -- "$line" "$SAMPLE"
done
subst "$(cat "$SAMPLE")" |
    sed "s#^Redis .*#Redis unix:$CM_TEST_REDIS_SOCK#" > "$ROOT/etc/consent-milter.conf"
t_true "the copy names the throwaway user" \
    grep -qx "UserID $U" "$ROOT/etc/consent-milter.conf"

# --- the user ------------------------------------------------------------

doc_run "adduser --system --group --no-create-home --home /nonexistent consent-milter"
t_rc 0 "adduser creates the system user"
uid=$(id -u "$U")

# --- the classic start -----------------------------------------------------

doc_run "install -d -o consent-milter -g postfix -m 2750 /var/spool/postfix/consent-milter"
t_rc 0 "the socket directory"
doc_run "install -d -o consent-milter -g consent-milter -m 0750 /var/log/consent-milter"
t_rc 0 "the log directory"
doc_run "install -d -o consent-milter -g consent-milter -m 0750 /run/consent-milter"
t_rc 0 "the PID file directory"

doc_run "consent-milter -n -c /etc/consent-milter.conf"
t_rc 0 "-n as root on the production configuration"
t_has "configuration OK" "-n says so"
t_true "-n created no audit log" test ! -e "$AUDIT"
t_true "-n created no socket" test ! -e "$SOCK"

doc_run "consent-milter -c /etc/consent-milter.conf"
t_rc 0 "the classic start returns"
t_true "the PID file appears" wait_for 10 test -s "$PIDFILE"
pid=$(cat "$PIDFILE" 2>/dev/null)
t_true "the PID file names a running process ($pid)" kill -0 "${pid:-0}"
t_true "the socket appears" wait_for 10 test -S "$SOCK"
t_eq "$(awk '/^Uid:/ { print $2 ":" $3 }' /proc/"$pid"/status 2>/dev/null)" \
    "$uid:$uid" "the daemon runs as the user (real and effective uid)"
t_eq "$(stat -c '%U:%G %a' "$SOCKDIR")" "$U:postfix 2750" \
    "socket directory consent-milter:postfix 2750"
t_eq "$(stat -c '%U:%G %a %F' "$SOCK")" "$U:postfix 660 socket" \
    "socket consent-milter:postfix 0660"
t_true "the group postfix can connect" connects nobody postfix "$SOCK"
if connects nobody nogroup "$SOCK"; then t_notok "another user cannot connect"
else t_ok "another user cannot connect"; fi
t_eq "$(stat -c '%U:%G %a' "$AUDIT" 2>/dev/null)" "$U:$U 640" \
    "the audit log, created by the daemon: consent-milter, 0640"

# logrotate: rename (dateext), create, then the postrotate script as
# contrib/logrotate has it (the temporary root has no /run/systemd/system:
# the PID file branch runs, as on a host without systemd).
postrotate=$(sed -n '/^[[:space:]]*postrotate/,/^[[:space:]]*endscript/p' "$ROTATE" |
    sed '1d;$d')
t_true "contrib/logrotate has a postrotate script using the PID file" \
    sh -c 'printf "%s" "$1" | grep -q /run/consent-milter/consent-milter.pid' sh "$postrotate"
mv "$AUDIT" "$AUDIT-20261203"
install -m 0640 -o "$U" -g "$U" /dev/null "$AUDIT"	# "create 0640 ..."
sh -c "$(subst "$postrotate")"
t_eq "$?" 0 "postrotate exits 0"
reopened() {
    fd_targets "$pid" | grep -qxF "$AUDIT" &&
	! fd_targets "$pid" | grep -qxF "$AUDIT-20261203"
}
t_true "after postrotate the daemon writes to the new file only" wait_for 5 reopened

doc_run 'kill "$(cat /run/consent-milter/consent-milter.pid)"'
t_rc 0 "the documented stop"
t_true "the daemon stops" wait_for 10 sh -c '! kill -0 "$1" 2>/dev/null' sh "$pid"
t_true "the PID file is removed" test ! -e "$PIDFILE"
pid=

# --- systemd: the unit's commands, the daemon started as the user --------

# Fresh directories: the unit makes them (ExecStartPre=+, RuntimeDirectory=,
# LogsDirectory=), as at boot.
rm -rf "$SOCKDIR" "$ROOT/run/consent-milter" "$ROOT/var/log/consent-milter"
unit_get() { sed -n "s/^$1=//p" "$UNIT"; }
t_eq "$(unit_get User):$(unit_get Group)" "consent-milter:consent-milter" \
    "the unit runs the daemon as consent-milter"
umask_unit=$(unit_get UMask)
pre_root=$(sed -n 's/^ExecStartPre=+//p' "$UNIT")
pre_user=$(sed -n 's/^ExecStartPre=\([^+]\)/\1/p' "$UNIT")
start=$(unit_get ExecStart)
reload=$(unit_get ExecReload)
t_true "the unit has the commands" test -n "$pre_root" -a -n "$pre_user" -a -n "$start"
sh -c "$(subst "$pre_root")"
t_eq "$?" 0 "ExecStartPre=+ (as root): $pre_root"
# RuntimeDirectory= and LogsDirectory=: systemd makes them, owned by User=.
for d in $(unit_get RuntimeDirectory):$(unit_get RuntimeDirectoryMode):run \
	 $(unit_get LogsDirectory):$(unit_get LogsDirectoryMode):var/log; do
    install -d -o "$U" -g "$U" -m "$(echo "$d" | cut -d: -f2)" \
	"$ROOT/$(echo "$d" | cut -d: -f3)/$(echo "$d" | cut -d: -f1)"
done
as_user() {
    setpriv --reuid="$U" --regid="$U" --init-groups sh -c "umask $umask_unit; $1"
}
as_user "$(subst "$pre_user")" > "$TMP/out" 2>&1
rc=$?; out=$(cat "$TMP/out"); err=
t_rc 0 "ExecStartPre= (-n as the user)"
t_has "configuration OK" "-n as the user says so"
# Started the way as_user does, but exec'd all along: $! is the daemon.
setpriv --reuid="$U" --regid="$U" --init-groups \
    sh -c "umask $umask_unit; exec $(subst "$start")" > "$TMP/unit.log" 2>&1 &
pid=$!
t_true "ExecStart: the socket appears" wait_for 10 test -S "$SOCK"
t_true "ExecStart: the daemon keeps running" kill -0 "$pid"
t_eq "$(stat -c '%U:%G %a' "$SOCKDIR")" "$U:postfix 2750" \
    "unit: socket directory consent-milter:postfix 2750"
t_eq "$(stat -c '%U:%G %a %F' "$SOCK")" "$U:postfix 660 socket" \
    "unit: socket consent-milter:postfix 0660 (set-group-id directory)"
t_true "unit: the group postfix can connect" connects nobody postfix "$SOCK"
t_true "unit: the PID file names the daemon" wait_for 5 \
    sh -c '[ "$(cat "$1" 2>/dev/null)" = "$2" ]' sh "$PIDFILE" "$pid"
mv "$AUDIT" "$AUDIT-20261204"
MAINPID=$pid sh -c "$reload"
t_eq "$?" 0 "ExecReload: $reload"
t_true "after ExecReload the daemon writes to a new file" wait_for 5 \
    sh -c 'for f in /proc/"$1"/fd/*; do readlink "$f"; done | grep -qxF "$2"' \
    sh "$pid" "$AUDIT"
kill -TERM "$pid"
wait "$pid"
t_eq "$?" 0 "SIGTERM (systemctl stop): exit 0"
pid=
if [ "$t_fail" -ne 0 ]; then
    sed 's/^/#   unit: /' "$TMP/unit.log"
fi

# --- what the unit's way cannot do, said before the socket exists ---------

# Another user than UserID, not root: it could not switch.
setpriv --reuid=nobody --regid=nogroup --clear-groups \
    "$DAEMON" -f -c "$ROOT/etc/consent-milter.conf" > "$TMP/out" 2>&1
rc=$?; out=$(cat "$TMP/out"); err=
t_rc 78 "started as another user than UserID: refused"
t_has "UserID: $U: started as uid $(id -u nobody) gid $(id -g nobody), which can switch to no other user" \
    "and says why"
t_true "no socket left behind" test ! -e "$SOCK"

# The socket directory without its set-group-id bit: the daemon, as the
# user, cannot give the socket the group postfix; Postfix could not open
# it, so it does not start.
chmod g-s "$SOCKDIR"
setpriv --reuid="$U" --regid="$U" --init-groups \
    "$DAEMON" -f -c "$ROOT/etc/consent-milter.conf" > "$TMP/out" 2>&1
rc=$?; out=$(cat "$TMP/out"); err=
t_rc 1 "a socket it cannot give the group postfix: refused"
t_has "Socket $SOCK: chown to postfix: Operation not permitted (not started as root" \
    "and says why"
t_true "no socket left behind" test ! -e "$SOCK"

t_done
