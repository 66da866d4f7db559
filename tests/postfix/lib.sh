# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# lib.sh - a private Postfix around consent-milter, for the end-to-end tests
#
# Sourced by tests/postfix/*.sh and contrib/demo-postfix.sh. The caller
# runs under tests/lib/redis.sh (CM_TEST_REDIS_SOCK and CM_TEST_TMPDIR
# set; pf_need_redis re-executes the script under it when they are not).
# Everything lives below $CM_TEST_TMPDIR/pf and is stopped by pf_cleanup,
# which pf_init installs as the EXIT trap; tests/lib/redis.sh then
# removes the directory. Nothing is installed, no system file is read or
# written (Postfix's own programs and /etc/postfix/postfix-files aside).
#
# What runs, all on the loopback interface:
#
#   redis-server   tests/lib/redis.sh's, on a unix socket
#   consent-milter -f, as root, on the unix socket $PF_MILTER_SOCK
#   Postfix        master with its own config_directory ($PF_CONF),
#                  queue_directory ($PF_QUEUE) and data_directory; smtpd
#                  on 127.0.0.1:$PF_SMTP_PORT, no chroot, no syslog:
#                  maillog_file $PF_MAILLOG through postlogd
#   smtp-sink      on 127.0.0.1:$PF_SINK_PORT, Postfix's relayhost; one
#                  file per delivered message in $PF_SINK (-d "DIR/%M.")
#
# With PF_MILTER_INET set (to anything), the milter listens on TCP
# instead (Socket inet:PORT@127.0.0.1, smtpd_milters = inet:127.0.0.1:PORT),
# to run the same tests over TCP.
#
# Why a unix socket for the milter by default: it is what the documentation
# recommends for production (TCP suffers Nagle/delayed-ACK stalls), so
# the tests exercise the recommended path, and it needs no third free
# port. As contrib/postfix/main.cf.snippet does, the socket is below
# the queue directory ($PF_QUEUE/consent-milter/consent-milter.sock) and
# main.cf names it relative to it (unix:consent-milter/consent-milter.sock),
# the form that works for chrooted and unchrooted Postfix daemons alike.
# smtpd and cleanup run as the postfix user, the daemon as root: the
# socket gets SocketGroup postfix (the daemon's default mode 0660 lets
# that group connect, as in production) in a directory of mode 0755, and
# the directories above it are made traversable (0711).
#
# Functions:
#
#   pf_need_redis "$0" "$@"   re-exec under tests/lib/redis.sh if needed
#   pf_up [CONF LINES...]     everything below, in order: pf_init,
#                             pf_milter_conf LINES, pf_sink_start,
#                             pf_milter_start, pf_start
#   pf_init                   directories, free ports, configuration files,
#                             the cleanup trap
#   pf_milter_conf LINES...   (re)write the daemon's configuration: Socket,
#                             Redis, AuditLog, plus LINES ("DenyAction tag")
#   pf_milter_start / pf_milter_stop   the daemon (stop: SIGTERM, returns
#                             its exit status)
#   pf_sink_start             smtp-sink
#   pf_start / pf_stop        Postfix
#   pf_seed                   the sample data of tests/milter/lib.lua t.seed()
#   pf_redis ARGS...          redis-cli on the test socket
#   pf_redis_stop / pf_redis_start   the consent store down, and up again
#                             (empty) on the same socket
#   pf_swaks ARGS...          swaks to the private smtpd; the dialogue in
#                             $swaks_out, the exit status in $swaks_rc
#   pf_swaks_reply CMD        the reply to CMD ("RCPT TO:<a@b>"; "." for
#                             the end of data) in $swaks_out
#   pf_swaks_qid              the queue id of "250 ... queued as ID"
#   pf_sendmail ARGS...       Postfix's sendmail -C $PF_CONF; message on stdin
#   pf_msg MSGID FROM SUBJECT [HEADER...]   a small message, on stdout
#   pf_flush                  postqueue -f (deferred queue and maildrop)
#   pf_queue_count            messages in Postfix's queues, maildrop and
#                             hold included ("error" if postqueue fails)
#   pf_queue_ids [QUEUE]      their queue ids (optionally only QUEUE:
#                             maildrop, incoming, active, deferred, hold)
#   pf_wait_queue_empty [S]   wait up to S seconds (default 15)
#   pf_wait_queue_count N [S] wait until exactly N messages are queued
#   pf_wait_log TEXT [S]      wait until the maillog contains TEXT
#   pf_log_qid MSGID          the queue id cleanup logged for a Message-ID
#   pf_wait_sink MSGID [S]    wait until that message is in the sink and
#                             nothing but held mail is queued
#   pf_sink_file MSGID        the sink file of the message with that
#                             Message-ID (empty when none)
#   pf_sink_bounce MSGID      the sink file of a bounce quoting it
#   pf_sink_rcpts FILE        its envelope recipients, one a line, sorted
#   pf_sink_message FILE      the message part of a sink file
#   pf_sink_count             the number of sink files
#   pf_header FILE NAME       the (first) value of a header in a sink file
#   pf_audit_for RCPT         the audit lines for RCPT (jq -c)
#   pf_audit_get RCPT KEY...  the KEYs of RCPT's last audit line, on one
#                             line ("deny withdrawn reject"; null: "null")
#   pf_audit_msg MSGID RCPT KEY...   the same within one message
#   pf_audit_lines            the number of audit lines
#   pf_wait_audit N [S]       wait until the audit log has N lines
#   pf_reconcile [QID:RCPT...]   once Postfix is idle (hold aside),
#                             consentctl reconcile over $PF_MAILLOG and
#                             $PF_AUDIT: asserts exactly the findings
#                             named (none by default; RCPT lower-case),
#                             the exit status that goes with them, and at
#                             least one delivery seen. The JSON report is
#                             in $PF_DIR/reconcile.json
#   cm_wait S WHAT CMD...     poll CMD every 0.1 s until it succeeds; after
#                             S seconds print WHAT and fail
#   t_true WHAT CMD..., t_in TEXT NEEDLE WHAT, t_notin TEXT NEEDLE WHAT
#                             assertions, with tests/ctl/lib.sh's t_ok,
#                             t_notok, t_eq and t_done
#
# Environment: CM_SRCDIR (the source tree: set before sourcing),
# CM_DAEMON (default consent-milter), CM_CONSENTCTL (default consentctl),
# SMTP_SINK (default smtp-sink),
# SWAKS (default swaks); PF_MILTER_INET (see above); PF_VERBOSE=1 shows
# the maillog, the daemon's log and the audit log at the end even on
# success (on failure they are always shown), PF_QUIET=1 never.

set -u

CM_DAEMON=${CM_DAEMON:-consent-milter}
SMTP_SINK=${SMTP_SINK:-smtp-sink}
SWAKS=${SWAKS:-swaks}

pf_need_redis() {
    if [ -z "${CM_TEST_REDIS_SOCK:-}" ]; then
	script=$1; shift
	exec sh "$CM_SRCDIR/tests/lib/redis.sh" sh "$script" "$@"
    fi
}

# --- small helpers --------------------------------------------------------

cm_wait() {
    _limit=$(( $1 * 10 )); _what=$2; shift 2
    _n=0
    until "$@"; do
	_n=$((_n + 1))
	if [ $_n -ge $_limit ]; then
	    echo "# timed out after ${_limit}00 ms waiting for: $_what" >&2
	    return 1
	fi
	sleep 0.1
    done
}

. "$CM_SRCDIR/tests/lib/redislib.sh"

# pf_free_port VAR: set VAR to a free TCP port (cm_free_port).
pf_free_port() {
    cm_free_port "$1"
}

_pf_listening() {
    cm_port_used "$1" listen
}

# Is there a listening unix socket bound to this path?
_pf_unix_listening() {
    awk -v path="$1" '$8 == path && $4 == "00010000" { found = 1 }
	END { exit !found }' /proc/net/unix
}

# Stop one of our processes: SIGTERM, then SIGKILL after 5 s; its status.
_pf_kill() {
    kill -TERM "$1" 2>/dev/null
    if ! cm_wait 5 "process $1 to exit" _pf_gone "$1"; then
	kill -KILL "$1" 2>/dev/null
    fi
    wait "$1" 2>/dev/null
}

pf_redis() {
    redis-cli -s "$CM_TEST_REDIS_SOCK" "$@"
}

# --- set-up ---------------------------------------------------------------

pf_init() {
    : "${CM_TEST_REDIS_SOCK:?run under tests/lib/redis.sh}"
    : "${CM_SRCDIR:?set CM_SRCDIR to the source tree}"
    for _tool in postfix postconf postqueue postsuper sendmail \
	"$SMTP_SINK" "$SWAKS" jq redis-cli; do
	if ! command -v "$_tool" >/dev/null 2>&1; then
	    echo "$0: $_tool not found (Debian packages: postfix, swaks," \
		"jq, redis-tools)" >&2
	    exit 99
	fi
    done
    if [ "$(id -u)" != 0 ]; then
	# postfix start, a postfix-owned queue and smtp-sink -u need root.
	echo "$0: a private Postfix needs root: skipped" >&2
	exit 77
    fi
    if ! id postfix >/dev/null 2>&1 || ! getent group postdrop >/dev/null; then
	echo "$0: no postfix user or postdrop group (install postfix)" >&2
	exit 99
    fi

    PF_DIR=$CM_TEST_TMPDIR/pf
    PF_CONF=$PF_DIR/etc
    PF_QUEUE=$PF_DIR/queue
    PF_DATA=$PF_DIR/data
    PF_SINK=$PF_DIR/sink
    PF_MAILLOG=$PF_DIR/maillog
    # As in production (contrib/postfix): the socket below the queue
    # directory, named in main.cf relative to it.
    PF_MILTER_DIR=$PF_QUEUE/consent-milter
    PF_MILTER_SOCK=$PF_MILTER_DIR/consent-milter.sock
    PF_MILTER_SPEC=unix:consent-milter/consent-milter.sock
    PF_MILTER_SOCKET=unix:$PF_MILTER_SOCK
    PF_MILTER_CONF=$PF_DIR/consent-milter.conf
    PF_MILTER_LOG=$PF_DIR/milter.log
    PF_AUDIT=$PF_DIR/audit.log
    # The test's files (redis.sh's cleanup kills the pids in its top
    # directory's *.pid files: a safety net if we die before pf_cleanup).
    PF_MILTER_PIDFILE=$CM_TEST_TMPDIR/consent-milter.pid
    PF_SINK_PIDFILE=$CM_TEST_TMPDIR/smtp-sink.pid
    pf_milter_pid=
    pf_sink_pid=
    pf_started=

    # smtpd, cleanup (as postfix) must reach the queue and the milter
    # socket; smtp-sink (as nobody) writes into $PF_SINK.
    chmod 0711 "$CM_TEST_TMPDIR"
    mkdir -p "$PF_CONF" "$PF_QUEUE" "$PF_DATA" "$PF_SINK" "$PF_MILTER_DIR"
    chmod 0755 "$PF_DIR" "$PF_CONF" "$PF_QUEUE" "$PF_MILTER_DIR"
    chown postfix "$PF_DATA"
    chown nobody "$PF_SINK"

    pf_free_port PF_SMTP_PORT || exit 99
    pf_free_port PF_SINK_PORT || exit 99
    PF_MILTER_PORT=
    if [ -n "${PF_MILTER_INET:-}" ]; then
	pf_free_port PF_MILTER_PORT || exit 99
	PF_MILTER_SPEC=inet:127.0.0.1:$PF_MILTER_PORT
	PF_MILTER_SOCKET=inet:$PF_MILTER_PORT@127.0.0.1
    fi

    trap pf_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP

    _pf_write_main_cf
    _pf_write_master_cf
    pf_milter_conf
}

_pf_write_main_cf() {
    cat > "$PF_CONF/main.cf" <<EOF
# A private Postfix for consent-milter's end-to-end tests.
compatibility_level = 3.6
config_directory = $PF_CONF
queue_directory = $PF_QUEUE
data_directory = $PF_DATA
mail_owner = postfix
setgid_group = postdrop

# No syslog daemon here: Postfix logs through postlogd to a file.
maillog_file = $PF_MAILLOG
maillog_file_prefixes = $PF_DIR
syslog_name = postfix-cmtest

myhostname = relay.cmtest.invalid
mydomain = cmtest.invalid
myorigin = \$myhostname
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
local_transport = error:5.1.1 no local delivery in this test instance
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions =
# Refused recipients must not tarpit the test client.
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 1000
smtpd_hard_error_limit = 1000
smtputf8_enable = no
biff = no
append_dot_mydomain = no

# Everything goes to smtp-sink.
relayhost = [127.0.0.1]:$PF_SINK_PORT
smtp_tls_security_level = none
smtpd_tls_security_level = none
smtp_dns_support_level = disabled
delay_warning_time = 0

# Retries come from "postqueue -f" in the tests, never from the clock.
queue_run_delay = 3600s
minimal_backoff_time = 3600s
maximal_backoff_time = 3600s

# The milter, as contrib/postfix/main.cf.snippet recommends.
smtpd_milters = $PF_MILTER_SPEC
non_smtpd_milters = \$smtpd_milters
milter_default_action = tempfail
milter_protocol = 6
milter_rcpt_macros = i {rcpt_addr}
milter_connect_timeout = 5s
milter_command_timeout = 10s
EOF
}

_pf_write_master_cf() {
    # No chroot anywhere: the queue is in a temporary directory.
    cat > "$PF_CONF/master.cf" <<EOF
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:$PF_SMTP_PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

# --- consent-milter --------------------------------------------------------

pf_milter_conf() {
    {
	echo "Socket $PF_MILTER_SOCKET"
	echo "Redis unix:$CM_TEST_REDIS_SOCK"
	echo "AuditLog $PF_AUDIT"
	echo "AllowRoot yes"		# tests run as root, with no UserID
	# Mode 0660 by default: the postfix user connects through the group.
	case $PF_MILTER_SOCKET in unix:*) echo "SocketGroup postfix" ;; esac
	for _line in "$@"; do echo "$_line"; done
    } > "$PF_MILTER_CONF"
}

pf_milter_start() {
    # umask 000 must not open the socket to all (SocketGroup does it).
    ( umask 000; exec "$CM_DAEMON" -f -c "$PF_MILTER_CONF" ) \
	>> "$PF_MILTER_LOG" 2>&1 &
    pf_milter_pid=$!
    echo "$pf_milter_pid" > "$PF_MILTER_PIDFILE"
    if ! cm_wait 5 "consent-milter socket" _pf_milter_ready; then
	echo "$0: consent-milter did not start; its log:" >&2
	cat "$PF_MILTER_LOG" >&2
	exit 99
    fi
}

# Listening, not merely there: a killed daemon leaves its socket file.
_pf_milter_ready() {
    kill -0 "$pf_milter_pid" 2>/dev/null || return 2
    if [ -n "$PF_MILTER_PORT" ]; then
	_pf_listening "$PF_MILTER_PORT"
    else
	_pf_unix_listening "$PF_MILTER_SOCK"
    fi
}

# Stop the daemon with SIGTERM; fails unless it exits 0.
pf_milter_stop() {
    [ -n "$pf_milter_pid" ] || return 0
    kill -TERM "$pf_milter_pid" 2>/dev/null
    if ! cm_wait 5 "consent-milter to exit after SIGTERM" _pf_gone "$pf_milter_pid"; then
	kill -KILL "$pf_milter_pid" 2>/dev/null
    fi
    wait "$pf_milter_pid"
    _st=$?
    pf_milter_pid=
    rm -f "$PF_MILTER_PIDFILE"
    return $_st
}

# --- smtp-sink -------------------------------------------------------------

pf_sink_start() {
    "$SMTP_SINK" -u nobody -d "$PF_SINK/%M." -h sink.cmtest.invalid \
	"127.0.0.1:$PF_SINK_PORT" 64 > "$PF_DIR/sink.log" 2>&1 &
    pf_sink_pid=$!
    echo "$pf_sink_pid" > "$PF_SINK_PIDFILE"
    if ! cm_wait 5 "smtp-sink on port $PF_SINK_PORT" _pf_listening "$PF_SINK_PORT"; then
	cat "$PF_DIR/sink.log" >&2
	exit 99
    fi
}


# --- Postfix ---------------------------------------------------------------

pf_start() {
    if ! postfix -c "$PF_CONF" start > "$PF_DIR/postfix-start.log" 2>&1; then
	echo "$0: postfix start failed:" >&2
	cat "$PF_DIR/postfix-start.log" "$PF_MAILLOG" >&2 2>/dev/null
	exit 99
    fi
    pf_started=yes
    if ! cm_wait 10 "Postfix smtpd on port $PF_SMTP_PORT" _pf_listening "$PF_SMTP_PORT"; then
	cat "$PF_DIR/postfix-start.log" "$PF_MAILLOG" >&2 2>/dev/null
	exit 99
    fi
}

pf_stop() {
    [ -n "$pf_started" ] || return 0
    _master=$(cat "$PF_QUEUE/pid/master.pid" 2>/dev/null | tr -d ' ')
    postfix -c "$PF_CONF" stop > /dev/null 2>&1
    pf_started=
    case $_master in
    ''|*[!0-9]*) ;;
    *) cm_wait 10 "Postfix master $_master to exit" _pf_gone "$_master" ||
	   kill -KILL "$_master" 2>/dev/null ;;
    esac
}

# Gone, or a zombie (an exited child of ours that nobody waited for yet).
_pf_gone() {
    ! kill -0 "$1" 2>/dev/null ||
	[ "$(sed 's/.*) //; s/ .*//' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

pf_up() {
    pf_init
    pf_milter_conf "$@"
    pf_sink_start
    pf_milter_start
    pf_start
}

pf_cleanup() {
    _st=$?
    trap - EXIT
    if [ -n "${PF_DIR:-}" ] && [ -z "${PF_QUIET:-}" ] &&
       { [ "$_st" -ne 0 ] || [ -n "${PF_VERBOSE:-}" ]; }; then
	echo "# --- maillog:"; sed 's/^/#   /' "$PF_MAILLOG" 2>/dev/null
	echo "# --- consent-milter log:"; sed 's/^/#   /' "$PF_MILTER_LOG" 2>/dev/null
	echo "# --- audit log:"; sed 's/^/#   /' "$PF_AUDIT" 2>/dev/null
    fi
    pf_stop
    # A test may have stopped redis.sh's server (SIGSTOP): a stopped
    # process would never act on redis.sh's SIGTERM.
    kill -CONT "$(cat "$CM_TEST_TMPDIR/redis.pid" 2>/dev/null)" 2>/dev/null
    for _pid in ${pf_milter_pid:-} ${pf_sink_pid:-} ${pf_redis_pid:-}; do
	_pf_kill "$_pid"
    done
    rm -f "${PF_MILTER_PIDFILE:-/nonexistent}" "${PF_SINK_PIDFILE:-/nonexistent}"
    # The directory itself is removed by tests/lib/redis.sh.
    exit $_st
}

# --- Redis -----------------------------------------------------------------

# The sample data of tests/milter/lib.lua t.seed(): one record per row
# of the decision table.
pf_seed() {
    _now=$(date +%s)
    {
	pf_redis HSET cm:campaign:spring purpose newsletter basis consent \
	    status active owner membership
	pf_redis HSET cm:campaign:closed1 purpose newsletter status closed
	pf_redis HSET cm:campaign:paused1 purpose newsletter status paused
	pf_redis HSET cm:campaign:restricted purpose newsletter \
	    senders "news@org.example, login1"
	pf_redis HSET cm:campaign:receipts purpose receipts basis service
	pf_redis HSET cm:campaign:fresh purpose newsletter max_age_days 30
	pf_redis SET cm:sender:news@org.example spring
	pf_redis SET cm:sender:badid@org.example "bad id!"
	pf_redis SET cm:sender:unknown@org.example nosuch
	pf_redis SET cm:sender:closed@org.example closed1
	pf_redis SET cm:sender:paused@org.example paused1
	pf_redis SET cm:sender:restricted@org.example restricted
	pf_redis SET cm:sender:billing@org.example receipts
	pf_redis SET cm:sender:fresh@org.example fresh
	pf_redis HSET cm:consent:alice@example.org newsletter granted \
	    newsletter:at $((_now - 86400)) \
	    newsletter:src 'web form v3 "join" 192.0.2.1'
	pf_redis HSET cm:consent:bob@example.org newsletter withdrawn \
	    newsletter:at $((_now - 3600)) newsletter:src "unsubscribe link"
	pf_redis HSET cm:consent:dave@example.org newsletter granted \
	    newsletter:at $((_now - 86400))
	pf_redis SET cm:suppress:dave@example.org "$((_now - 7200)) complaint"
	pf_redis HSET cm:consent:erin@example.org newsletter granted \
	    newsletter:at $((_now - 90 * 86400))
	# carol@example.org has no record at all.
    } > /dev/null
}

# Stop the consent store (SHUTDOWN NOSAVE) and wait until it is gone.
pf_redis_stop() {
    pf_redis SHUTDOWN NOSAVE > /dev/null 2>&1
    cm_wait 5 "redis-server to stop" _pf_redis_down
}

_pf_redis_down() {
    ! pf_redis PING > /dev/null 2>&1 && [ ! -S "$CM_TEST_REDIS_SOCK" ]
}

# Start a new redis-server on the same socket (empty: seed it again), and
# return once the daemon will use it.
# redis.sh stops it at the end through its pid file, should we not.
pf_redis_pid=
pf_redis_start() {
    # tests/lib/redislib.sh; NAME "redis" is the socket of redis.sh.
    . "$CM_SRCDIR/tests/lib/redislib.sh"
    cm_redis_dir=$(dirname "$CM_TEST_REDIS_SOCK")
    cm_redis_start redis --pidfile "$CM_TEST_TMPDIR/redis-again.pid" \
	--logfile "$CM_TEST_TMPDIR/redis-again.log" || return 1
    pf_redis_pid=$redis_pid
    # After a failed connect the daemon tries no new one for 200 ms
    # (consent-milter(8)); a retry inside that window would fail again,
    # and a local submission would then wait for pickup's next scan.
    sleep 0.3
}

_pf_redis_up() {
    [ "$(pf_redis PING 2>/dev/null)" = PONG ]
}

# --- sending ---------------------------------------------------------------

# swaks to the private smtpd; $swaks_out holds the whole dialogue.
pf_swaks() {
    swaks_out=$("$SWAKS" --server 127.0.0.1 --port "$PF_SMTP_PORT" \
	--helo client.cmtest.invalid --timeout 20 "$@" 2>&1)
    swaks_rc=$?
}

# The reply swaks got to a command, e.g. pf_swaks_reply "RCPT TO:<a@b>";
# "." for the end of data. The last line of a multi-line reply.
pf_swaks_reply() {
    printf '%s\n' "$swaks_out" | awk -v c=" -> $1" '
	f && /^<(-|\*\*) / { r = $0; sub(/^<(-|\*\*) +/, "", r); last = r
			      if (r !~ /^[0-9][0-9][0-9]-/) { print r; exit } }
	$0 == c { f = 1 }'
}

# The queue id from swaks' "250 2.0.0 Ok: queued as ID".
pf_swaks_qid() {
    printf '%s\n' "$swaks_out" | sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p'
}

pf_sendmail() {
    sendmail -C "$PF_CONF" "$@"
}

# pf_msg MSGID FROM SUBJECT [HEADER...]: a small message on stdout.
pf_msg() {
    printf 'From: %s\nTo: undisclosed-recipients:;\nSubject: %s\nMessage-ID: %s\n' \
	"$2" "$3" "$1"
    shift 3
    for _h in "$@"; do printf '%s\n' "$_h"; done
    printf '\nHello.\n'
}

# --- the queue -------------------------------------------------------------

# One JSON object per queued message, maildrop and hold too; fails when
# postqueue cannot report (so that a failure never reads as "empty").
pf_queue_json() {
    _pq=$(postqueue -c "$PF_CONF" -j 2>/dev/null) || return 1
    [ -z "$_pq" ] || printf '%s\n' "$_pq"
}

pf_queue_ids() {
    if [ $# -gt 0 ]; then
	pf_queue_json | jq -r --arg q "$1" 'select(.queue_name == $q) | .queue_id'
    else
	pf_queue_json | jq -r '.queue_id'
    fi
}

pf_queue_count() {
    _pj=$(pf_queue_json) || { echo error; return 1; }
    printf '%s' "$_pj" | jq -s 'length'
}

pf_wait_queue_count() {
    cm_wait "${2:-15}" "$1 message(s) in the Postfix queue (have $(pf_queue_count))" \
	_pf_queue_is "$1"
}

_pf_queue_is() {
    [ "$(pf_queue_count)" = "$1" ]
}

pf_wait_queue_empty() {
    pf_wait_queue_count 0 "${1:-15}"
}

# Retry what waits: postqueue -f flushes the deferred queue and wakes
# pickup, which retries what a milter deferred in the maildrop queue.
pf_flush() {
    postqueue -c "$PF_CONF" -f
}

pf_wait_log() {
    cm_wait "${2:-15}" "maillog line containing \"$1\"" \
	grep -qF -- "$1" "$PF_MAILLOG"
}

# --- the sink and the audit trail -------------------------------------------

pf_sink_count() {
    find "$PF_SINK" -type f | wc -l
}

# The sink file of the message whose Message-ID header is $1 (in the
# message's own header: not a bounce that quotes it); empty when none.
pf_sink_file() {
    for _f in "$PF_SINK"/*; do
	[ -f "$_f" ] || continue
	if awk -v want="message-id: $1" '
		/^$/ { exit }
		tolower($0) == tolower(want) { found = 1; exit }
		END { exit !found }' "$_f"; then
	    echo "$_f"
	    return 0
	fi
    done
}

# The sink file of a bounce (null sender) that quotes Message-ID $1.
pf_sink_bounce() {
    for _f in "$PF_SINK"/*; do
	[ -f "$_f" ] || continue
	if grep -qx 'X-Mail-Args: <>' "$_f" &&
	   grep -qixF -- "Message-ID: $1" "$_f"; then
	    echo "$_f"
	    return 0
	fi
    done
}

# Wait until the message with Message-ID $1 is in the sink and Postfix
# has nothing left to do (every queue empty but hold).
pf_wait_sink() {
    cm_wait "${2:-15}" "message $1 in the sink" _pf_in_sink "$1" &&
	cm_wait "${2:-15}" "Postfix's queues (but hold) to be empty" _pf_idle
}

_pf_idle() {
    _pj=$(pf_queue_json) || return 1
    [ "$(printf '%s' "$_pj" | jq -s 'map(select(.queue_name != "hold")) | length')" = 0 ]
}

_pf_in_sink() {
    [ -n "$(pf_sink_file "$1")" ]
}

# The queue id Postfix's cleanup logged for Message-ID $1 (the last one).
pf_log_qid() {
    sed -n "s/.*cleanup\[[0-9]*\]: \([0-9A-Za-z]*\): message-id=$1\$/\1/p" \
	"$PF_MAILLOG" | tail -n 1
}

# Envelope recipients of a sink file, sorted: "alice@example.org".
pf_sink_rcpts() {
    sed -n 's/^X-Rcpt-Args: <\([^>]*\)>.*/\1/p' "$1" | sort
}

# The value of the first header NAME in the message part of a sink file.
pf_header() {
    awk -v name="$2" '
	/^$/ { exit }
	{
	    i = index($0, ":")
	    if (i > 0 && tolower(substr($0, 1, i - 1)) == tolower(name)) {
		v = substr($0, i + 1); sub(/^[ \t]+/, "", v); print v; exit
	    }
	}' "$1"
}

pf_audit_for() {
    [ -f "$PF_AUDIT" ] || return 0
    jq -c --arg r "$1" 'select(.rcpt == $r)' "$PF_AUDIT"
}

# Fields of the last audit line for RCPT, space-separated:
# pf_audit_get bob@example.org decision reason action -> "deny withdrawn reject"
pf_audit_get() {
    _r=$1; shift
    _f=$(printf '.%s // "null", ' "$@"); _f=${_f%, }
    pf_audit_for "$_r" | tail -n 1 | jq -r "[$_f] | map(tostring) | join(\" \")"
}

# The same for the last audit line of RCPT in the message MSGID.
pf_audit_msg() {
    _m=$1; _r=$2; shift 2
    _f=$(printf '.%s // "null", ' "$@"); _f=${_f%, }
    [ -f "$PF_AUDIT" ] || return 0
    jq -c --arg m "$_m" --arg r "$_r" 'select(.msgid == $m and .rcpt == $r)' \
	"$PF_AUDIT" | tail -n 1 | jq -r "[$_f] | map(tostring) | join(\" \")"
}

pf_audit_lines() {
    if [ -f "$PF_AUDIT" ]; then wc -l < "$PF_AUDIT"; else echo 0; fi
}

pf_wait_audit() {
    cm_wait "${2:-10}" "$1 audit line(s)" _pf_audit_ge "$1"
}

_pf_audit_ge() {
    [ "$(pf_audit_lines)" -ge "$1" ]
}

# pf_send_spring ID SOURCE TO: one message of campaign "spring" (pf_seed's)
# by SMTP to TO (comma-separated), named in its header (SOURCE header:
# X-Campaign-ID from campaigns@org.example) or by its envelope sender
# (envelope: news@org.example), with Message-ID ID; swaks' dialogue in
# $swaks_out, and also in $PF_DIR/swaks-ID.log (ID's <> and @ dropped).
pf_send_spring() {
    if [ "$2" = header ]; then
	pf_swaks --from campaigns@org.example --to "$3" \
	    --header "X-Campaign-ID: spring" --header "Message-Id: $1"
    else
	pf_swaks --from news@org.example --to "$3" --header "Message-Id: $1"
    fi
    printf '%s\n' "$swaks_out" > "$PF_DIR/swaks-$(printf %s "$1" | tr -d '<>@').log"
}

# pf_sink_rcpts_of MSGID: the sink's recipients of that message, lower
# case, sorted, each followed by a space (empty: not in the sink).
pf_sink_rcpts_of() {
    _f=$(pf_sink_file "$1")
    [ -n "$_f" ] && pf_sink_rcpts "$_f" | tr 'A-Z' 'a-z' | sort | tr '\n' ' '
}

# pf_redis_reads: the GET and HGETALL calls Redis has answered so far
# (the daemon's lookups: with the consent cache, what it did not have).
pf_redis_reads() {
    pf_redis INFO commandstats | tr -d '\r' | awk -F'[:=,]' '
	$1 == "cmdstat_get" || $1 == "cmdstat_hgetall" { n += $3 }
	END { print n + 0 }'
}

# pf_delivered_is_allowed N: the sink's own envelopes against the trail.
# The (Message-ID, recipient) pairs of every message the sink received
# (Postfix's bounces aside) must be the audit trail's allow records whose
# action delivered, nothing more and nothing less, and N in number.
pf_delivered_is_allowed() {
    for _f in "$PF_SINK"/*; do
	[ -f "$_f" ] || continue
	grep -qx 'X-Mail-Args: <>' "$_f" && continue	# Postfix's own bounces
	_mid=$(pf_header "$_f" Message-ID)
	pf_sink_rcpts "$_f" | while read -r _r; do
	    printf '%s %s\n' "$_mid" "$_r"
	done
    done | LC_ALL=C tr 'A-Z' 'a-z' | LC_ALL=C sort -u > "$PF_DIR/delivered"
    jq -r 'select(.decision == "allow" and .action == "accept") |
	"\(.msgid) \(.rcpt)"' "$PF_AUDIT" | LC_ALL=C tr 'A-Z' 'a-z' |
	LC_ALL=C sort -u > "$PF_DIR/allowed"
    t_eq "$(wc -l < "$PF_DIR/delivered")" "$1" "$1 deliveries in the sink"
    t_eq "$(cat "$PF_DIR/delivered")" "$(cat "$PF_DIR/allowed")" \
	"the sink's delivered set equals the allow records"
}

# pf_reconcile [QID:RCPT...]: the MTA's own word against the trail.
# Every end-to-end test ends with it: whatever the test asserted about
# the sink, Postfix's maillog must show no delivery of an audited
# message to a recipient the trail did not allow (DESIGN.md section 6).
# A test that delivers a denied recipient on purpose (a released hold)
# names it, and the finding must then be there.
pf_reconcile() {
    _want=$(for _w in "$@"; do printf '%s\n' "$_w"; done | sort)
    _want_rc=0; [ -z "$_want" ] || _want_rc=1
    # What is still queued cannot be checked yet: that fails the test,
    # but what was delivered is still reconciled.
    if ! cm_wait 15 "Postfix's queues (but hold) to be empty" _pf_idle; then
	t_notok "reconcile: Postfix did not finish delivering"
    fi
    # No audit log yet means no record was written: an empty trail.
    [ -e "$PF_AUDIT" ] || : > "$PF_AUDIT"
    # postlogd writes asynchronously: wait until the maillog stops growing.
    _n=0; _size=-1
    while [ $_n -lt 30 ]; do
	_s=$(wc -c < "$PF_MAILLOG" 2>/dev/null || echo 0)
	[ "$_s" = "$_size" ] && break
	_size=$_s; _n=$((_n + 1)); sleep 0.2
    done
    "${CM_CONSENTCTL:-consentctl}" -c "$PF_MILTER_CONF" reconcile \
	--maillog "$PF_MAILLOG" --audit-log "$PF_AUDIT" --json \
	> "$PF_DIR/reconcile.json" 2> "$PF_DIR/reconcile.err"
    _rc=$?
    _got=$(jq -r '.findings[] | .qid + ":" + (.rcpt | ascii_downcase)' \
	"$PF_DIR/reconcile.json" 2>/dev/null | sort)
    _del=$(jq -r '.counts.deliveries' "$PF_DIR/reconcile.json" 2>/dev/null)
    _aud=$(jq -r '.counts.audited' "$PF_DIR/reconcile.json" 2>/dev/null)
    t_eq "$_rc" "$_want_rc" "reconcile: consentctl reconcile exits $_want_rc"
    t_eq "$_got" "$_want" \
	"reconcile: findings in the maillog: ${*:-none}"
    t_true "reconcile: deliveries seen in the maillog ($_del, $_aud of audited messages)" \
	[ "${_del:-0}" -ge 1 ]
    if [ "$_rc" != "$_want_rc" ] || [ "$_got" != "$_want" ]; then
	sed 's/^/#   /' "$PF_DIR/reconcile.err" "$PF_DIR/reconcile.json"
    fi
}

# The message part of a sink file: without smtp-sink's X- records and
# the Received headers at the top (smtp-sink's and Postfix's own).
pf_sink_message() {
    awk 'top == 0 && /^X-(Client-Addr|Client-Proto|Helo-Args|Mail-Args|Rcpt-Args): / { next }
	 top == 0 && /^Received: / { inrec = 1; next }
	 top == 0 && inrec && /^[ \t]/ { next }
	 { top = 1; print }' "$1"
}

# Assertions, on top of tests/ctl/lib.sh's t_ok/t_notok/t_eq:
#   t_true WHAT CMD...          CMD succeeds
#   t_in TEXT NEEDLE WHAT       TEXT contains NEEDLE
#   t_notin TEXT NEEDLE WHAT    TEXT does not contain NEEDLE
t_true() {
    _what=$1; shift
    if "$@"; then t_ok "$_what"; else t_notok "$_what"; fi
}

# t_has-like assertion on any text: t_in HAYSTACK NEEDLE WHAT
t_in() {
    case $1 in *"$2"*) t_ok "$3" ;; *)
	t_notok "$3"
	printf '#   lacks: %s\n' "$2"
	printf '%s\n' "$1" | sed 's/^/#   | /' ;; esac
}

t_notin() {
    case $1 in *"$2"*)
	t_notok "$3"
	printf '#   has: %s\n' "$2"
	printf '%s\n' "$1" | sed 's/^/#   | /' ;;
    *) t_ok "$3" ;; esac
}
