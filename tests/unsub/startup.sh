#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# startup.sh - consent-unsubscribe starts like consent-milter, or refuses to
#
# Under tests/lib/redis.sh. -n checks the configuration, the key files
# and Redis (exit 0/1, naming file, line and key); root needs UserID or
# AllowRoot; a secret that others may read is refused; errors of a
# classic start (no -f) reach the terminal and set the exit status; a
# classic start detaches, writes PidFile, and SIGTERM stops it and
# removes the file; a port already taken is named.

. "$CM_SRCDIR/tests/unsub/lib.sh"

# d_run ARGS... - run the service, which must not stay up; $out, $rc
d_run() {
    timeout 10 "$UNSUB" "$@" > "$TMP/dout" 2>&1
    rc=$?
    out=$(cat "$TMP/dout")
    err=
}

u_keys
u_conf
d_run -n -c "$CONF"
t_rc 0 "-n on a good configuration"
t_has "configuration OK, 1 token key(s), Redis unix:$CM_TEST_REDIS_SOCK answers" \
    "-n says so"

t_conf "AllowRoot yes" "UnsubscribeListen inet:$u_port@127.0.0.1"
d_run -n -c "$CONF"
t_rc 1 "-n without UnsubscribeKeyFile"
t_has "$CONF: UnsubscribeKeyFile (default): not set: consent-unsubscribe needs the token keys" \
    "says the key file is needed"
d_run -f -c "$CONF"
t_rc 78 "and the service does not start without it"

u_conf "Mode enforcing"
d_run -n -c "$CONF"
t_rc 1 "-n on a bad value"
t_has "$CONF:8: Mode: bad value \"enforcing\"" "names file, line and key"

chmod 644 "$TMP/unsub.keys"
u_conf
d_run -n -c "$CONF"
t_rc 1 "-n: a key file that others may read"
t_has "$CONF:2: UnsubscribeKeyFile: $TMP/unsub.keys: readable or writable by others (mode 0644)" \
    "named with its mode"
d_run -c "$CONF"
t_rc 78 "a classic start refuses it too"
t_has "readable or writable by others" "and says why on the terminal"
chmod 600 "$TMP/unsub.keys"

printf 'k1 tooshort\n' > "$TMP/bad.keys"
chmod 600 "$TMP/bad.keys"
u_conf "UnsubscribeKeyFile $TMP/bad.keys"
d_run -n -c "$CONF"
t_rc 1 "-n: a key file with a bad key"
t_has "UnsubscribeKeyFile: $TMP/bad.keys" "names the file"

printf 'pw\n' > "$TMP/pw"
chmod 604 "$TMP/pw"
u_conf "RedisPasswordFile $TMP/pw"
d_run -n -c "$CONF"
t_rc 1 "-n: a Redis password that others may read"
t_has "RedisPasswordFile: $TMP/pw: readable or writable by others" "named"

u_conf "Redis unix:$TMP/no-such.sock"
d_run -n -c "$CONF"
t_rc 1 "-n: Redis does not answer"
t_has "$CONF:7: Redis: redis unix:$TMP/no-such.sock" "names the Redis line"

if [ "$(id -u)" = 0 ]; then
    t_conf "UnsubscribeKeyFile $TMP/unsub.keys" \
	"UnsubscribeListen inet:$u_port@127.0.0.1"
    d_run -f -c "$CONF"
    t_rc 78 "root without UserID or AllowRoot"
    t_has "UserID (default): refusing to run as root: set UserID" "and says what to do"
    d_run -n -c "$CONF"
    t_rc 1 "-n says the same"
    u_conf "UserID no-such-user-here"
    d_run -c "$CONF"
    t_rc 78 "an unknown UserID, classic start"
    t_has "$CONF:8: UserID: unknown user \"no-such-user-here\"" "named on stderr"
    if id nobody >/dev/null 2>&1; then
	mkdir -p "$TMP/logs"
	chmod 755 "$TMP/logs"
	u_conf "UserID nobody" "AuditLog $TMP/logs/audit.log"
	d_run -c "$CONF"
	t_rc 1 "an audit log that UserID cannot create: the start fails"
	t_has "AuditLog: $TMP/logs/audit.log: cannot be created by nobody" \
	    "and says so on the terminal"
	# Root with UserID: the socket as root, then nobody for good.
	chown nobody "$TMP/logs"
	chmod 711 "$TMP"		# nobody may pass, not list
	u_conf "UserID nobody" "AuditLog $TMP/logs/audit.log"
	u_start || t_notok "started as root with UserID nobody"
	t_eq "$(ps -o user= -p "$u_pid" | tr -d ' ')" nobody \
	    "it runs as UserID, not root"
	t_eq "$(awk '/^Uid:/ { print $2 $3 $4 $5 }' /proc/"$u_pid"/status)" \
	    "$(id -u nobody)$(id -u nobody)$(id -u nobody)$(id -u nobody)" \
	    "real, effective, saved and file uid are all UserID's"
	u_curl GET /u/aaaa
	t_eq "$code" 200 "and answers"
	u_stop
	t_eq "$u_rc" 0 "SIGTERM: a clean stop"
    fi
fi

# A classic start: detached, PID file, SIGTERM.
u_conf "PidFile $TMP/unsub-daemon.pid"
timeout 10 "$UNSUB" -c "$CONF" > "$TMP/dout" 2>&1
rc=$?
t_eq "$rc" 0 "a classic start returns 0 once it serves"
pid=$(cat "$TMP/unsub-daemon.pid" 2>/dev/null)
case $pid in
''|*[!0-9]*) t_notok "PidFile holds the daemon's pid" ;;
*) t_ok "PidFile holds the daemon's pid" ;;
esac
u_url=http://127.0.0.1:$u_port
u_curl GET /u/aaaa
t_eq "$code" 200 "the detached service answers"

# The same port again: named.
d_run -f -c "$CONF"
t_rc 1 "a second service on the same port"
t_has "UnsubscribeListen: inet:$u_port@127.0.0.1: cannot listen" "names the key"

kill -TERM "$pid"
n=0
while kill -0 "$pid" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
kill -0 "$pid" 2>/dev/null && t_notok "SIGTERM stops it" || t_ok "SIGTERM stops it"
[ -e "$TMP/unsub-daemon.pid" ] && t_notok "PidFile removed at the stop" \
    || t_ok "PidFile removed at the stop"
t_done
