#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# deb.sh - the Debian package, from build to purge (issue 15)
#
# Usage: sh tests/package/deb.sh   (as root; make check runs it under
#        tests/lib/redis.sh, and it runs itself under it otherwise)
#
# What an admin does with the package, on this machine's dpkg:
#   1. build it (contrib/debian/build-deb.sh; from the files of the
#      "make dist" tarball when CM_BUILDDIR is a configured build
#      directory, as in make check);
#   2. dpkg -i: files, conffiles, the user consent-milter (system, in no
#      other group), the directories and their owners and modes, the
#      configuration for the packaged layout, no example plugin;
#   3. consent-milter -n on the installed configuration as root: OK, or
#      only the Redis at its default address refused; then with Redis
#      set to the test's server: "configuration OK";
#   4. a classic start: the unit's ExecStart command line, run as root:
#      the daemon becomes consent-milter, the socket in Postfix's spool
#      is consent-milter:postfix 0660, the PID file is written; one
#      campaign through a private Postfix (tests/postfix/lib.sh): the
#      withdrawn recipient refused at RCPT, the consented one delivered,
#      the audit trail in /var/log/consent-milter; SIGTERM: exit 0;
#   5. as systemd starts it: RuntimeDirectory, LogsDirectory, the
#      ExecStartPre lines ("+": as root) and ExecStart as the unit's
#      User and Group with its UMask; the same checks and one more
#      message; consentctl reconcile over Postfix's log;
#   6. dpkg --purge: no file of the package left, no user or group, no
#      socket, PID or configuration file, no systemd symlink; the audit
#      trail kept (handed to root:root).
# Everything the test made is removed at the end, also on failure
# (the kept audit trail included). The system Postfix is not touched:
# mail goes through a private instance whose smtpd_milters names the
# installed daemon's socket (absolute path: that instance has no chroot).
#
# Refuses to run (99) where a consent-milter package, user or directory
# already exists: it would destroy them. Skips (77) when not root.
#
# Environment: CM_SRCDIR (the source tree), CM_BUILDDIR (optional: a
# configured build directory, for make distdir), CM_PACKAGE_TEST=no to
# skip (77).

CM_SRCDIR=${CM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
# contrib/quickstart.sh runs it in the normal build only: the sanitizer
# build and distcheck would build and install the same package again.
if [ "${CM_PACKAGE_TEST:-yes}" = no ]; then
    echo "$0: SKIP: CM_PACKAGE_TEST=no (run in the normal build)" >&2
    exit 77
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "$0: SKIP: needs root (dpkg -i, a system user, the Postfix spool)" >&2
    exit 77
fi
. "$CM_SRCDIR/tests/postfix/lib.sh"
pf_need_redis "$0" "$@"
. "$CM_SRCDIR/tests/ctl/lib.sh"

deb_t0=$(date +%s)
for tool in dpkg-buildpackage dh setpriv flock; do
    command -v "$tool" >/dev/null 2>&1 || {
	echo "$0: $tool not found (Debian packages: dpkg-dev, debhelper," \
	    "util-linux)" >&2
	exit 99; }
done

UNIT=/lib/systemd/system/consent-milter.service
CONF=/etc/consent-milter.conf
SOCKDIR=/var/spool/postfix/consent-milter
SOCK=$SOCKDIR/consent-milter.sock
RUNDIR=/run/consent-milter
PIDFILE=$RUNDIR/consent-milter.pid
LOGDIR=/var/log/consent-milter

# One package test at a time on this machine (several build trees may
# run make check at once): wait for the other one to finish.
exec 9>/run/lock/consent-milter-deb-test.lock
if ! flock -w 600 9; then
    echo "$0: another tests/package/deb.sh holds" \
	"/run/lock/consent-milter-deb-test.lock since 10 minutes" >&2
    exit 99
fi

# Ours to make and to remove: nothing of that name may exist already.
if dpkg-query -W -f='${Status}' consent-milter 2>/dev/null |
	grep -q installed ||
    getent passwd consent-milter >/dev/null ||
    getent group consent-milter >/dev/null ||
    [ -e "$SOCKDIR" ] || [ -e "$RUNDIR" ] || [ -e "$LOGDIR" ] ||
    [ -e "$CONF" ]; then
    echo "$0: a consent-milter package, user, group or directory exists" \
	"already: not touching it (dpkg --purge consent-milter first)" >&2
    exit 99
fi

pf_init
DEB_DIR=$PF_DIR/deb
mkdir -p "$DEB_DIR"
deb_installed=

# On any exit: our daemon and Postfix (pf_cleanup), the package, and
# what purge keeps or a failure left behind.
deb_cleanup() {
    _dst=$?
    trap - EXIT
    pf_stop
    if [ -n "$pf_milter_pid" ]; then
	kill -TERM "$pf_milter_pid" 2>/dev/null
	wait "$pf_milter_pid" 2>/dev/null
	pf_milter_pid=
    fi
    if [ -n "$deb_installed" ]; then
	dpkg --purge consent-milter >/dev/null 2>&1 ||
	    echo "# dpkg --purge consent-milter failed in the cleanup" >&2
    fi
    getent passwd consent-milter >/dev/null &&
	deluser --system consent-milter >/dev/null 2>&1
    getent group consent-milter >/dev/null &&
	delgroup --system consent-milter >/dev/null 2>&1
    rm -rf "$SOCKDIR" "$RUNDIR" "$LOGDIR"
    rm -f "$CONF"
    (exit $_dst)
    pf_cleanup
}
trap deb_cleanup EXIT

# unit_get KEY: the values of KEY= in the installed unit, one a line.
unit_get() {
    sed -n "s/^$1=//p" "$UNIT"
}

# Is $1 running as consent-milter (real, effective, saved, fs uid)?
runs_as_cm() {
    _uid=$(id -u consent-milter)
    [ "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$1/status")" = \
	"$_uid $_uid $_uid $_uid" ]
}

# daemon_ready: socket listening, and the daemon still there.
daemon_ready() {
    kill -0 "$pf_milter_pid" 2>/dev/null || return 2
    _pf_unix_listening "$SOCK"
}

# start_checks WHAT: after a start, what the admin relies on; fails
# when the daemon did not start (its log shown).
start_checks() {
    if ! cm_wait 10 "the daemon's socket $SOCK" daemon_ready; then
	t_notok "$1: the daemon started"
	sed 's/^/#   /' "$PF_MILTER_LOG"
	wait "$pf_milter_pid" 2>/dev/null
	pf_milter_pid=
	rm -f "$PF_MILTER_PIDFILE"
	return 1
    fi
    t_ok "$1: the daemon started, socket listening"
    t_true "$1: the daemon runs as consent-milter" runs_as_cm "$pf_milter_pid"
    t_eq "$(stat -c '%U:%G %a' "$SOCK")" "consent-milter:postfix 660" \
	"$1: socket consent-milter:postfix 0660 in Postfix's spool"
    cm_wait 5 "the PID file" [ -s "$PIDFILE" ]
    t_eq "$(cat "$PIDFILE" 2>/dev/null)" "$pf_milter_pid" \
	"$1: PID file $PIDFILE"
    return 0
}

# --- 1. build ---------------------------------------------------------------
_bd=
_how="a copy of $CM_SRCDIR"
if [ -f "${CM_BUILDDIR:-}/Makefile" ]; then
    _bd=$CM_BUILDDIR
    _how="make distdir in $_bd"
fi
_t=$(date +%s)
DEB=$(sh "$CM_SRCDIR/contrib/debian/build-deb.sh" "$CM_SRCDIR" "$DEB_DIR" \
    $_bd 2>"$DEB_DIR/build.err")
_rc=$?
t_eq "$_rc" 0 "package built from $_how ($(( $(date +%s) - _t )) s)"
if [ "$_rc" -ne 0 ] || [ ! -f "$DEB" ]; then
    sed 's/^/#   /' "$DEB_DIR/build.err"
    exit 1
fi

# --- 2. install ---------------------------------------------------------------
deb_installed=yes
dpkg -i "$DEB" >"$DEB_DIR/install.out" 2>&1
_rc=$?
t_eq "$_rc" 0 "dpkg -i ${DEB##*/}"
[ "$_rc" -eq 0 ] || { sed 's/^/#   /' "$DEB_DIR/install.out"; exit 1; }
# The package's paths, and which of them are directories.
dpkg -L consent-milter | while read -r _p; do
    if [ -d "$_p" ]; then echo "d $_p"; else echo "f $_p"; fi
done > "$DEB_DIR/files"

_files=$(sed -n 's/^f //p' "$DEB_DIR/files")
for _f in /usr/sbin/consent-milter /usr/sbin/consentctl "$CONF" "$UNIT" \
    /usr/sbin/consent-unsubscribe \
    /usr/share/man/man8/consent-unsubscribe.8.gz \
    /usr/share/doc/consent-milter/examples/consent-unsubscribe.service \
    /usr/share/doc/consent-milter/postfix/master.cf.unsubscribe \
    /etc/logrotate.d/consent-milter /usr/lib/tmpfiles.d/consent-milter.conf \
    /usr/share/man/man8/consent-milter.8.gz \
    /usr/share/man/man8/consentctl.8.gz \
    /usr/share/man/man5/consent-milter.conf.5.gz; do
    t_in "$_files" "$_f" "installed: $_f"
done
t_eq "$(printf '%s\n' "$_files" | sed -n 's|.*/consent-milter/\([^/]*\.so\)$|\1|p' |
    sort | tr '\n' ' ')" "dkim.so optout.so " \
    "installed plugins: dkim and optout, not example"
t_true "the unit is contrib/systemd's" \
    cmp -s "$UNIT" "$CM_SRCDIR/contrib/systemd/consent-milter.service"
t_true "the logrotate rule is contrib/logrotate's" \
    cmp -s /etc/logrotate.d/consent-milter "$CM_SRCDIR/contrib/logrotate/consent-milter"
_cf=$(dpkg-query -W -f='${Conffiles}\n' consent-milter)
t_in "$_cf" " $CONF " "conffile: $CONF"
t_in "$_cf" " /etc/logrotate.d/consent-milter " \
    "conffile: /etc/logrotate.d/consent-milter"
for _l in "Socket unix:$SOCK" "UserID consent-milter" "SocketGroup postfix" \
    "PidFile $PIDFILE" "AuditLog $LOGDIR/audit.log"; do
    t_eq "$(grep -cxF "$_l" "$CONF")" 1 "configuration: $_l"
done

_pw=$(getent passwd consent-milter)
t_true "user consent-milter created" [ -n "$_pw" ]
_uid=$(echo "$_pw" | cut -d: -f3)
t_true "a system user (uid $_uid < 1000)" [ "${_uid:-1000}" -lt 1000 ]
t_eq "$(id -Gn consent-milter)" consent-milter \
    "consent-milter is in its own group only"
t_eq "$(stat -c '%U:%G %a' "$SOCKDIR")" "consent-milter:postfix 2750" \
    "$SOCKDIR consent-milter:postfix 2750"
t_eq "$(stat -c '%U:%G %a' "$LOGDIR")" "consent-milter:consent-milter 750" \
    "$LOGDIR consent-milter:consent-milter 0750"
t_eq "$(stat -c '%U:%G %a' "$RUNDIR")" "consent-milter:consent-milter 750" \
    "$RUNDIR made by tmpfiles.d"

# --- 3. consent-milter -n on the installed configuration -------------------------
/usr/sbin/consent-milter -n -c "$CONF" >"$DEB_DIR/n.out" 2>"$DEB_DIR/n.err"
_rc=$?
if [ "$_rc" -eq 0 ]; then
    t_in "$(cat "$DEB_DIR/n.out")" "configuration OK" \
	"-n as root on the installed configuration: OK (a Redis answers on 6379)"
else
    # Nothing listens on Redis's default address: that, and only that
    # (every line of the report names it).
    t_eq "$_rc:$(grep -c . "$DEB_DIR/n.err"):$(grep -vc '127\.0\.0\.1:6379' "$DEB_DIR/n.err")" \
	"1:$(grep -c . "$DEB_DIR/n.err"):0" \
	"-n as root on the installed configuration: only Redis at 127.0.0.1:6379 refused"
    t_true "-n: the refusal is on stderr" [ -s "$DEB_DIR/n.err" ]
    sed 's/^/#   /' "$DEB_DIR/n.err"
fi

# The admin's edit: Redis is the test's server, which the daemon's user
# must reach (its directory is 0711 already: pf_init).
chgrp consent-milter "$CM_TEST_REDIS_SOCK"
chmod 0770 "$CM_TEST_REDIS_SOCK"
sed -i "s|^Redis .*|Redis unix:$CM_TEST_REDIS_SOCK|" "$CONF"
_out=$(/usr/sbin/consent-milter -n -c "$CONF" 2>&1)
t_eq "$?:$_out" "0:consent-milter: $CONF: configuration OK, Redis unix:$CM_TEST_REDIS_SOCK answers" \
    "-n as root with Redis set"

# A conffile: installing the package again keeps the admin's edit (the
# package's version of the file did not change: no question asked).
dpkg -i "$DEB" >"$DEB_DIR/reinstall.out" 2>&1 </dev/null
t_eq "$?:$(grep -c "^Redis unix:$CM_TEST_REDIS_SOCK\$" "$CONF")" "0:1" \
    "dpkg -i again: the edited $CONF kept"

# The private Postfix: the installed daemon's socket, audit trail and
# configuration (for pf_reconcile); the installed consentctl.
postconf -c "$PF_CONF" -e "smtpd_milters = unix:$SOCK"
PF_AUDIT=$LOGDIR/audit.log
PF_MILTER_CONF=$CONF
CM_CONSENTCTL=/usr/sbin/consentctl
pf_seed
pf_sink_start
pf_start

# --- 4. classic start: the unit's ExecStart, as root ---------------------------
EXECSTART=$(unit_get ExecStart)
t_eq "$EXECSTART" "/usr/sbin/consent-milter -f -c $CONF" "the unit's ExecStart"
( exec sh -c "exec $EXECSTART" ) >>"$PF_MILTER_LOG" 2>&1 &
pf_milter_pid=$!
echo "$pf_milter_pid" >"$PF_MILTER_PIDFILE"
if start_checks "classic start"; then
pf_swaks --from news@org.example --to alice@example.org,bob@example.org \
    --header "Message-Id: <deb-1@cmtest.invalid>"
t_in "$swaks_out" "<** 550 5.7.1 <bob@example.org>: not sent: withdrawn (campaign spring)" \
    "classic start: bob refused at RCPT through Postfix"
pf_wait_queue_empty
_f=$(pf_sink_file "<deb-1@cmtest.invalid>")
t_eq "$(pf_sink_rcpts "$_f" | tr '\n' ' ')" "alice@example.org " \
    "classic start: delivered to alice only"
t_eq "$(pf_audit_msg "<deb-1@cmtest.invalid>" alice@example.org decision reason)" \
    "allow consent" "classic start: audit line for alice in $PF_AUDIT"
t_eq "$(stat -c '%U:%G' "$PF_AUDIT")" consent-milter:consent-milter \
    "the audit log belongs to consent-milter"
pf_milter_stop
t_eq "$?" 0 "classic start: exit 0 on SIGTERM"
t_true "classic start: PID file removed on exit" [ ! -e "$PIDFILE" ]
fi

# --- 5. as systemd starts it ---------------------------------------------------
u_user=$(unit_get User)
u_group=$(unit_get Group)
u_umask=$(unit_get UMask)
# RuntimeDirectory, LogsDirectory: made, handed to User:Group, chmod'ed.
install -d -o "$u_user" -g "$u_group" -m "$(unit_get RuntimeDirectoryMode)" \
    "/run/$(unit_get RuntimeDirectory)"
install -d -o "$u_user" -g "$u_group" -m "$(unit_get LogsDirectoryMode)" \
    "/var/log/$(unit_get LogsDirectory)"
# unit_exec CMDLINE: as systemd would; "+": as root; "-": failure ignored.
unit_exec() {
    _cmd=$1; _ign=
    while :; do
	case $_cmd in
	+*) _cmd=${_cmd#+}; _root=yes ;;
	-*) _cmd=${_cmd#-}; _ign=yes ;;
	[@:!]*) echo "# unit_exec: prefix of \"$_cmd\" not emulated" >&2
		return 1 ;;
	*) break ;;
	esac
    done
    if [ -n "${_root:-}" ]; then
	( umask "$u_umask"; exec sh -c "exec $_cmd" )
    else
	( umask "$u_umask"; exec setpriv --reuid="$u_user" --regid="$u_group" \
	    --init-groups sh -c "exec $_cmd" )
    fi
    _urc=$?
    _root=
    [ -n "$_ign" ] || return $_urc
}
_pre_ok=yes
unit_get ExecStartPre > "$DEB_DIR/pre"
while read -r _l; do
    unit_exec "$_l" >>"$PF_MILTER_LOG" 2>&1 </dev/null || {
	_pre_ok=; t_notok "systemd start: ExecStartPre=$_l"; }
done < "$DEB_DIR/pre"
t_true "systemd start: every ExecStartPre succeeds" [ -n "$_pre_ok" ]
# One process from here to the daemon: its pid is $!.
( umask "$u_umask"; exec setpriv --reuid="$u_user" --regid="$u_group" \
    --init-groups sh -c "exec $EXECSTART" ) >>"$PF_MILTER_LOG" 2>&1 &
pf_milter_pid=$!
echo "$pf_milter_pid" >"$PF_MILTER_PIDFILE"
if start_checks "systemd start"; then
pf_swaks --from news@org.example --to alice@example.org,carol@example.org \
    --header "Message-Id: <deb-2@cmtest.invalid>"
t_in "$swaks_out" "<** 550 5.7.1 <carol@example.org>: not sent: no-consent (campaign spring)" \
    "systemd start: carol refused at RCPT through Postfix"
pf_wait_queue_empty
_f=$(pf_sink_file "<deb-2@cmtest.invalid>")
t_eq "$(pf_sink_rcpts "$_f" | tr '\n' ' ')" "alice@example.org " \
    "systemd start: delivered to alice only"
t_eq "$(pf_audit_msg "<deb-2@cmtest.invalid>" alice@example.org decision reason)" \
    "allow consent" "systemd start: audit line for alice"
pf_reconcile
pf_milter_stop
t_eq "$?" 0 "systemd start: exit 0 on SIGTERM"
fi
pf_stop

# --- 6. purge -------------------------------------------------------------------
_lines=$(wc -l < "$PF_AUDIT")
dpkg --purge consent-milter >"$DEB_DIR/purge.out" 2>&1
_rc=$?
t_eq "$_rc" 0 "dpkg --purge consent-milter"
t_in "$(cat "$DEB_DIR/purge.out")" "audit trail kept in $LOGDIR" \
    "purge says the audit trail is kept"
_s=$(dpkg-query -W -f='${db:Status-Status}' consent-milter 2>/dev/null)
t_true "the package is gone from dpkg's database (${_s:-unknown})" \
    [ -z "$_s" -o "$_s" = not-installed ]
# Every file of the package is gone, and its own directories (named
# consent-milter); shared ones (/usr/sbin, /etc/logrotate.d, /lib, a
# symbolic link on a merged-/usr system) stay.
_left=$(while read -r _t _p; do
    [ -e "$_p" ] || [ -L "$_p" ] || continue
    [ "$_t" = d ] && case $_p in *consent-milter*) ;; *) continue ;; esac
    echo "$_p"
done < "$DEB_DIR/files")
t_eq "$_left" "" "no path of dpkg -L consent-milter left"
t_eq "$(getent passwd consent-milter; getent group consent-milter)" "" \
    "user and group consent-milter removed"
for _p in "$SOCKDIR" "$RUNDIR" "$CONF" "$CONF.dpkg-old" "$CONF.dpkg-dist"; do
    t_true "$_p removed" [ ! -e "$_p" ]
done
t_eq "$(find /etc/systemd /var/lib/systemd -name '*consent-milter*' 2>/dev/null)" "" \
    "no systemd symlink or state left"
t_eq "$(stat -c '%U:%G %a' "$LOGDIR" 2>/dev/null)" "root:root 750" \
    "audit trail kept: $LOGDIR, now root:root 0750"
t_eq "$(wc -l < "$PF_AUDIT" 2>/dev/null):$(stat -c '%U:%G' "$PF_AUDIT" 2>/dev/null)" \
    "$_lines:root:root" "audit trail kept: $_lines lines, root:root"
deb_installed=

# Again, with an empty audit trail this time: purge removes the
# directory. (The trail kept above was the test's own: gone first.)
rm -rf "$LOGDIR"
deb_installed=yes
dpkg -i "$DEB" >"$DEB_DIR/install2.out" 2>&1 </dev/null
t_eq "$?:$(stat -c '%U %a' "$LOGDIR" 2>/dev/null)" "0:consent-milter 750" \
    "installed again: $LOGDIR made anew"
dpkg --purge consent-milter >"$DEB_DIR/purge2.out" 2>&1
t_eq "$?" 0 "dpkg --purge again"
t_true "purge: an empty $LOGDIR is removed" [ ! -e "$LOGDIR" ]
t_notin "$(cat "$DEB_DIR/purge2.out")" "audit trail kept" \
    "purge: no audit trail to keep, none announced"
t_eq "$(getent passwd consent-milter)" "" "purge again: user removed"
deb_installed=

echo "# deb.sh took $(( $(date +%s) - deb_t0 )) s"
t_done
