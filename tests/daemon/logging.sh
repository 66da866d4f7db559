#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# logging.sh - what the daemon tells the administrator (issue 15, 4 and 5)
#
# Under tests/lib/redis.sh. The start line names the version, the file,
# the socket, the mode, Redis, the plugins and the facility; SyslogFacility
# takes syslog's names; an outage of Redis is logged once when it begins
# and once when Redis answers again; -n warns, where postconf(1) is
# installed, about a unix socket that a chrooted smtpd cannot reach
# (a private Postfix configuration directory, through MAIL_CONFIG).

. "$CM_SRCDIR/tests/ctl/lib.sh"
DAEMON=${CM_DAEMON:-consent-milter}
MILTERTEST=${MILTERTEST:-miltertest}

# d_run ARGS... - run the daemon to completion; sets $out and $rc
d_run() {
    timeout 10 "$DAEMON" "$@" > "$TMP/dout" 2>&1
    rc=$?
    out=$(cat "$TMP/dout")
}

# wait_log FILE TEXT - wait until FILE contains TEXT (5 s at most)
wait_log() {
    i=0
    while ! grep -qF -- "$2" "$1" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.05; i=$((i + 1)); done
}

# --- the start line, SyslogFacility -------------------------------------

t_conf "Socket unix:$TMP/l.sock" "AllowRoot yes" "Mode dry-run" \
    "SyslogFacility local3" "AuditLog $TMP/audit.log"
"$DAEMON" -f -c "$CONF" > "$TMP/l.log" 2>&1 &
dpid=$!
wait_log "$TMP/l.log" "started:"
out=$(cat "$TMP/l.log")
t_has "started: version $(sed -n 's/^consent-milter \([^ ]*\) .*/\1/p' <<EOF2
$("$DAEMON" -V)
EOF2
), config $CONF, socket unix:$TMP/l.sock, mode dry-run, redis unix:$CM_TEST_REDIS_SOCK, plugins none, audit log $TMP/audit.log, syslog facility local3, pid $dpid" \
    "the start line says what runs, with what"
kill -TERM $dpid; wait $dpid
t_eq "$?" 0 "stops cleanly"

t_conf "Socket unix:$TMP/l.sock" "AllowRoot yes" "SyslogFacility mayl"
d_run -n -c "$CONF"
t_rc 1 "SyslogFacility with a bad name"
t_has "$CONF:4: SyslogFacility: bad value \"mayl\" (expected mail, daemon, user, local0" \
    "names the facilities"
t_conf "Socket unix:$TMP/l.sock" "AllowRoot yes" "LogWhy perhaps"
d_run -n -c "$CONF"
t_rc 1 "LogWhy takes yes or no"
t_conf "Socket unix:$TMP/l.sock" "AllowRoot yes" "ConsentHeader counts"
d_run -n -c "$CONF"
t_has "$CONF:4: ConsentHeader: bad value \"counts\" (expected campaign, full or none)" \
    "ConsentHeader names its values"

# --- Redis goes away and comes back ------------------------------------

cm_redis_dir=$TMP
. "$CM_SRCDIR/tests/lib/redislib.sh"
rsock=$TMP/own_redis.sock
start_redis() {
    cm_redis_start own_redis || exit 99
}
start_redis
printf 'Redis unix:%s\nSocket unix:%s/o.sock\nAllowRoot yes\nAuditLog %s/o-audit.log\n' \
    "$rsock" "$TMP" "$TMP" > "$CONF"
"$DAEMON" -f -c "$CONF" > "$TMP/o.log" 2>&1 &
dpid=$!
wait_log "$TMP/o.log" "started:"
cat > "$TMP/one.lua" <<'EOF2'
-- one message of a header campaign: the store is asked
local conn = mt.connect(os.getenv("SOCK"), 40, 0.05)
mt.conninfo(conn, "client.example", "192.0.2.1")
mt.mailfrom(conn, "<campaigns@org.example>")
mt.rcptto(conn, "<alice@example.org>")
mt.header(conn, "X-Campaign-ID", "spring")
mt.eoh(conn)
mt.eom(conn)
mt.disconnect(conn)
EOF2
SOCK=unix:$TMP/o.sock "$MILTERTEST" -s "$TMP/one.lua" > /dev/null 2>&1
cm_redis_stop own_redis
i=0
while [ -S "$rsock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
sleep 0.3
SOCK=unix:$TMP/o.sock "$MILTERTEST" -s "$TMP/one.lua" > /dev/null 2>&1
SOCK=unix:$TMP/o.sock "$MILTERTEST" -s "$TMP/one.lua" > /dev/null 2>&1
wait_log "$TMP/o.log" "consent store down: "
start_redis
sleep 0.3
SOCK=unix:$TMP/o.sock "$MILTERTEST" -s "$TMP/one.lua" > /dev/null 2>&1
wait_log "$TMP/o.log" "answers again"
out=$(cat "$TMP/o.log")
t_has "consent store down: redis unix:$rsock" "the outage is logged when it begins"
t_has "consent store: redis unix:$rsock answers again (after " \
    "and when Redis answers again"
t_eq "$(grep -c -e 'consent store down:' -e 'answers again' "$TMP/o.log")" 2 \
    "once each, not once per message"
kill -TERM $dpid; wait $dpid
cm_redis_stop own_redis

# --- -n: a socket outside the chroot of a chrooted smtpd ---------------

if command -v postconf > /dev/null 2>&1; then
    pf=$TMP/postfix-etc
    mkdir -p "$pf" "$TMP/spool/cm"
    printf 'queue_directory = %s/spool\n' "$TMP" > "$pf/main.cf"
    printf 'smtp      inet  n       -       y       -       -       smtpd\n' \
	> "$pf/master.cf"
    t_conf "Socket unix:$TMP/outside.sock" "AllowRoot yes"
    MAIL_CONFIG=$pf d_run -n -c "$CONF"
    t_rc 0 "-n: a socket outside the chroot is a warning, not an error"
    t_has "$CONF:2: Socket: warning: $TMP/outside.sock is not under Postfix's queue_directory $TMP/spool, but smtpd (master.cf service smtp/inet) runs chrooted there" \
	"-n warns, naming the line, the directory and the service"
    t_has "Socket unix:$TMP/spool/consent-milter/consent-milter.sock" \
	"and says where the socket should be"
    t_conf "Socket unix:$TMP/spool/cm/inside.sock" "AllowRoot yes"
    MAIL_CONFIG=$pf d_run -n -c "$CONF"
    t_rc 0 "-n: a socket inside queue_directory"
    case $out in *"not under Postfix"*) t_notok "no warning inside" ;;
	*) t_ok "no warning inside" ;; esac
    printf 'smtp      inet  n       -       n       -       -       smtpd\n' \
	> "$pf/master.cf"
    t_conf "Socket unix:$TMP/outside.sock" "AllowRoot yes"
    MAIL_CONFIG=$pf d_run -n -c "$CONF"
    case $out in *"not under Postfix"*) t_notok "no warning when smtpd is not chrooted" ;;
	*) t_ok "no warning when smtpd is not chrooted" ;; esac
fi

t_done
