#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# metrics.sh - the daemon's /metrics agree with its audit trail (issue 18)
#
# Under tests/lib/redis.sh. Starts a Redis of its own and the real daemon
# with "Metrics inet:PORT@127.0.0.1" (a free loopback port) and the optout
# plugin, drives messages with miltertest (every kind of decision: RCPT
# and end of message, strip, reject, a plugin veto, a service campaign,
# bulk without a campaign, a bad address), scrapes /metrics with curl and
#
#   - parses every line strictly: "# HELP name text", "# TYPE name type",
#     samples "name{label="value",...} number" of a declared family, each
#     family described once, before its samples; anything else fails;
#   - compares consent_milter_decisions_total{decision,reason} with the
#     audit lines counted by decision and reason (jq), series by series;
#     consent_milter_messages_total{action} with the daemon's summary
#     lines; plugin vetoes with the vetoed messages in the trail;
#   - checks the histogram (buckets cumulative, +Inf = _count > 0), that
#     no label value holds an "@", and the HTTP answers (404, 405, HEAD);
#   - stops Redis, sends one more message: store errors go up, and the
#     tempfail store-error decisions still equal the trail;
#   - a second daemon on the same Metrics port refuses to start, naming
#     the key; -n checks the value without binding.

. "$CM_SRCDIR/tests/ctl/lib.sh"
DAEMON=${CM_DAEMON:-consent-milter}
MILTERTEST=${MILTERTEST:-miltertest}
PLUGINDIR=${CM_PLUGINDIR:-$CM_BUILDDIR/plugins/.libs}

cm_redis_dir=$TMP
. "$CM_SRCDIR/tests/lib/redislib.sh"
cm_redis_start own_redis || exit 99
trap 'cm_redis_stop_all' EXIT

# wait_log FILE TEXT - wait until FILE contains TEXT (5 s at most)
wait_log() {
    i=0
    while ! grep -qF -- "$2" "$1" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.05; i=$((i + 1)); done
}

# scrape - GET /metrics into $TMP/metrics; sets $code
scrape() {
    code=$(curl -sS -o "$TMP/metrics" -D "$TMP/headers" -w '%{http_code}' \
	"http://127.0.0.1:$port/metrics")
}

# value NAME{LABELS} - the value of one sample in $TMP/metrics
value() {
    awk -v k="$1" '$1 == k { print $2; found = 1 } END { if (!found) print "absent" }' \
	"$TMP/metrics"
}

# check_format - every line of $TMP/metrics is well formed; "" or why not
check_format() {
    awk '
    function bad(why) { print "line " NR ": " why ": " $0; failed = 1; exit }
    function name_ok(n) { return n ~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/ }
    function number_ok(v) {
	return v ~ /^-?[0-9]+$/ || v ~ /^-?[0-9]+\.[0-9]+$/ ||
	    v ~ /^-?[0-9]+(\.[0-9]+)?e[-+][0-9]+$/ || v ~ /^[-+]Inf$/ || v == "NaN"
    }
    /^# HELP / {
	n = $3
	if (!name_ok(n)) bad("bad metric name in HELP")
	if (n in help) bad("a second HELP")
	if (NF < 4) bad("HELP without text")
	help[n] = 1
	next
    }
    /^# TYPE / {
	n = $3
	if (NF != 4 || !name_ok(n)) bad("bad TYPE line")
	if ($4 !~ /^(counter|gauge|histogram|summary|untyped)$/) bad("bad type")
	if (n in type) bad("a second TYPE")
	if (!(n in help)) bad("TYPE before HELP")
	type[n] = $4
	next
    }
    /^#/ { bad("an unknown comment") }
    /^$/ { bad("an empty line") }
    {
	line = $0
	if (!match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*/)) bad("no metric name")
	n = substr(line, 1, RLENGTH)
	rest = substr(line, RLENGTH + 1)
	labels = ""
	if (substr(rest, 1, 1) == "{") {
	    # label="value" pairs; a value: no raw quote or backslash but
	    # the escapes \\ \" \n
	    s = substr(rest, 2)
	    first = 1
	    while (substr(s, 1, 1) != "}") {
		if (!first) {
		    if (substr(s, 1, 1) != ",") bad("no comma between labels")
		    s = substr(s, 2)
		}
		first = 0
		if (!match(s, /^[a-zA-Z_][a-zA-Z0-9_]*="/)) bad("bad label name")
		lname = substr(s, 1, RLENGTH - 2)
		s = substr(s, RLENGTH + 1)
		if (!match(s, /^([^"\\\n]|\\\\|\\"|\\n)*"/)) bad("bad label value")
		v = substr(s, 1, RLENGTH - 1)
		if (v ~ /@/) bad("an @ in a label value")
		labels = labels lname "=" v ";"
		s = substr(s, RLENGTH + 1)
		if (s == "") bad("unterminated labels")
	    }
	    rest = substr(s, 2)
	}
	if (substr(rest, 1, 1) != " ") bad("no space before the value")
	val = substr(rest, 2)
	if (!number_ok(val)) bad("bad value")
	fam = n
	if (!(fam in type)) {
	    fam = n; sub(/_(bucket|sum|count)$/, "", fam)
	    if (!(fam in type) || type[fam] != "histogram")
		bad("a sample of an undeclared family")
	    if (n ~ /_bucket$/ && labels !~ /^le=/) bad("a bucket without le")
	}
	if (fam != last && (fam in seen)) bad("a family split in two")
	seen[fam] = 1; last = fam
	if ((n SUBSEP labels) in sample) bad("a sample twice")
	sample[n SUBSEP labels] = 1
	samples++
    }
    END { if (!failed && samples == 0) print "no samples" }
    ' "$TMP/metrics"
}

# check_histogram - buckets cumulative, +Inf = _count; "" or why not
check_histogram() {
    awk '
    /^consent_milter_store_seconds_bucket/ {
	if ($2 + 0 < prev) { print "bucket decreases: " $0; exit }
	prev = $2 + 0; last = $2 + 0
	if ($1 ~ /le="\+Inf"/) inf = $2 + 0
    }
    /^consent_milter_store_seconds_count / { count = $2 + 0 }
    END {
	if (inf != count) print "+Inf bucket " inf " but _count " count
	else if (count == 0) print "no round trip counted"
    }' "$TMP/metrics"
}

# metric_pairs - "decision reason count" lines of non-zero decisions
metric_pairs() {
    sed -n 's/^consent_milter_decisions_total{decision="\([a-z]*\)",reason="\([a-z-]*\)"} \([0-9]*\)$/\1 \2 \3/p' \
	"$TMP/metrics" | awk '$3 != 0' | sort
}

# audit_pairs - the same, counted in the audit trail
audit_pairs() {
    jq -r '"\(.decision) \(.reason)"' "$TMP/audit.log" | sort | uniq -c |
	awk '{ print $2, $3, $1 }' | sort
}

# --- start -------------------------------------------------------------

start_daemon() {
    n=0
    while [ $n -lt 5 ]; do
	n=$((n + 1))
	port=$(cm_free_port) || break
	cat > "$CONF" <<EOF
Socket unix:$TMP/m.sock
Redis unix:$own_redis_sock
AuditLog $TMP/audit.log
AllowRoot yes
ConsentHeader full
Plugin optout $PLUGINDIR/optout.so
Metrics inet:$port@127.0.0.1
EOF
	"$DAEMON" -f -c "$CONF" > "$TMP/m.log" 2>&1 &
	dpid=$!
	wait_log "$TMP/m.log" "started:"
	grep -q "started:" "$TMP/m.log" && return 0
	kill $dpid 2>/dev/null; wait $dpid 2>/dev/null
	grep -q "Address already in use" "$TMP/m.log" || break
    done
    echo "consent-milter did not start:"; cat "$TMP/m.log"
    exit 1
}
start_daemon

scrape
t_eq "$code" 200 "GET /metrics answers 200"
t_eq "$(grep -i '^Content-Type:' "$TMP/headers" | tr -d '\r')" \
    "Content-Type: text/plain; version=0.0.4; charset=utf-8" \
    "in the text exposition format 0.0.4"
t_eq "$(check_format)" "" "before any mail: every line well formed"
t_eq "$(value consent_milter_up)" 1 "consent_milter_up is 1"
t_eq "$(grep -c '^consent_milter_build_info{version="[^"]*"} 1$' "$TMP/metrics")" 1 \
    "build info carries the version"
t_eq "$(value consent_milter_store_errors_total)" 0 "no store errors yet"
t_eq "$(value consent_milter_audit_errors_total)" 0 "no audit errors"
t_eq "$(value 'consent_milter_plugin_vetoes_total{plugin="optout"}')" 0 \
    "the configured plugin has its series"
if [ -n "${CM_TEST_CONSENT_CACHE:-}" ]; then
    # make check-cache: ConsentCache is on (tests/lib/cached-daemon.sh);
    # the link sets the gauges just after it logs that it is up.
    i=0
    while scrape && [ "$(value consent_milter_cache_enabled)" != 1 ] &&
	[ $i -lt 100 ]; do
	sleep 0.05; i=$((i + 1)); done
    t_eq "$(value consent_milter_cache_enabled)" 1 \
	"the cache gauges are there (ConsentCache on, link up: 1)"
else
    t_eq "$(value consent_milter_cache_enabled)" 0 "the cache gauges are there"
fi
t_eq "$(value 'consent_milter_cache_lookups_total{result="miss"}')" 0 \
    "and its lookups (before any mail: none)"

# --- mail ----------------------------------------------------------------

cat > "$TMP/drive.lua" <<'EOF'
-- Every kind of decision, at RCPT and at end of message.
local t = dofile(os.getenv("CM_TESTLIB"))
local FROM = { "From", "Membership <news@org.example>" }
local UNSUB = { "List-Unsubscribe", "<mailto:unsubscribe@org.example>" }

-- send SENDER RCPTS HEADERS QID - one message; the EOM reply
local function send(sender, rcpts, headers, qid)
    local conn = t.connect()
    t.mail(conn, sender)
    local live = 0
    for _, r in ipairs(rcpts) do
        if t.rcpt(conn, r) == SMFIR_CONTINUE then live = live + 1 end
    end
    local reply = nil
    if live > 0 then reply = t.message(conn, headers, qid) end
    mt.disconnect(conn)
    return reply
end

t.main(function()
t.seed()
local five = { "<alice@example.org>", "<bob@example.org>",
    "<carol@example.org>", "<dave@example.org>", "<erin@example.org>" }
-- Envelope campaign: refusals at RCPT, the rest delivered.
send("<news@org.example>", five,
     { FROM, UNSUB, { "Message-ID", "<m1@org.example>" } }, "Q1")
-- Header campaign: decided at end of message, denied ones stripped.
send("<campaigns@org.example>", five,
     { FROM, UNSUB, { "X-Campaign-ID", "spring" },
       { "Message-ID", "<m2@org.example>" } }, "Q2")
-- No opt-out address: the optout plugin vetoes, the message is rejected.
send("<campaigns@org.example>", { "<alice@example.org>", "<erin@example.org>" },
     { FROM, { "X-Campaign-ID", "spring" },
       { "Message-ID", "<m3@org.example>" } }, "Q3")
-- Service mail, a paused and an unknown campaign, a bad address.
send("<billing@org.example>", { "<carol@example.org>" },
     { FROM, { "Message-ID", "<m4@org.example>" } }, "Q4")
send("<paused@org.example>", { "<alice@example.org>" }, { FROM }, "Q5")
send("<unknown@org.example>", { "<alice@example.org>" }, { FROM }, "Q6")
send("<campaigns@org.example>", { "<alice@example.org>", "<@bad>" },
     { FROM, UNSUB, { "X-Campaign-ID", "spring" },
       { "Message-ID", "<m7@org.example>" } }, "Q7")
-- Bulk without a campaign.
send("<lists@org.example>", { "<alice@example.org>" },
     { FROM, { "Precedence", "bulk" }, { "Message-ID", "<m8@org.example>" } },
     "Q8")
-- Ordinary mail: no decision at all.
send("<someone@org.example>", { "<carol@example.org>" },
     { FROM, { "Message-ID", "<m9@org.example>" } }, "Q9")
end)
EOF
drive() {
    CM_MILTER_SOCK=unix:$TMP/m.sock CM_REDIS_SOCK=$own_redis_sock \
    CM_AUDIT_LOG=$TMP/audit.log CM_TMP=$TMP \
    CM_TESTLIB=$CM_SRCDIR/tests/milter/lib.lua \
	"$MILTERTEST" -s "$1" > "$TMP/drive.out" 2>&1
}
drive "$TMP/drive.lua"
t_eq "$?" 0 "miltertest drove the messages"
sleep 0.2
scrape
t_eq "$(check_format)" "" "after mail: every line well formed"
t_eq "$(metric_pairs)" "$(audit_pairs)" \
    "decisions by decision and reason = audit lines by decision and reason"
t_eq "$(jq -s length "$TMP/audit.log")" \
    "$(metric_pairs | awk '{ n += $3 } END { print n }')" \
    "as many decisions as audit lines"
for pair in "allow consent" "deny withdrawn" "deny suppressed" "deny no-consent" \
    "deny no-opt-out-address" "allow service" "tempfail campaign-paused" \
    "deny unknown-campaign" "deny bad-address" "deny unidentified-bulk"; do
    case "
$(metric_pairs)" in
    *"
$pair "[1-9]*) t_ok "counted: $pair" ;;
    *) t_notok "counted: $pair" ;;
    esac
done

# Messages, by action: the summary lines of the daemon's log.
msg_log=$(sed -n 's/.*: campaign=.* action=\([a-z+]*\) mode=.*/\1/p' "$TMP/m.log" |
    sed -e 's/^accept+strip$/strip/' -e 's/^accept+tag$/tag/' | sort | uniq -c |
    awk '{ print $2, $1 }')
msg_metric=$(sed -n 's/^consent_milter_messages_total{action="\([a-z]*\)"} \([1-9][0-9]*\)$/\1 \2/p' \
    "$TMP/metrics" | sort)
t_eq "$msg_metric" "$msg_log" "messages by action = the summary lines"
case $msg_metric in *strip*reject*|*reject*strip*) t_ok "strip and reject both seen" ;;
    *) t_notok "strip and reject both seen: $msg_metric" ;; esac
t_eq "$(value 'consent_milter_plugin_vetoes_total{plugin="optout"}')" \
    "$(jq -r 'select(.reason == "no-opt-out-address") | .msgid' "$TMP/audit.log" |
	sort -u | wc -l | tr -d ' ')" \
    "plugin vetoes = vetoed messages in the trail"
t_eq "$(check_histogram)" "" "store round trips: cumulative buckets, +Inf = _count > 0"
t_eq "$(value consent_milter_store_errors_total)" 0 "still no store errors"

# One message after the cached campaign and sender answers expired (1 s):
# its round trips are the sender lookup and the campaign record at MAIL
# and the recipient's records at RCPT; end of message needs no more.
cat > "$TMP/trip.lua" <<'EOF'
local t = dofile(os.getenv("CM_TESTLIB"))
t.main(function()
local conn = t.connect()
t.mail(conn, "<news@org.example>")
t.rcpt(conn, "<alice@example.org>")
t.message(conn, { { "From", "news@org.example" },
    { "List-Unsubscribe", "<mailto:unsubscribe@org.example>" } }, "Q11")
mt.disconnect(conn)
end)
EOF
before=$(value consent_milter_store_seconds_count)
sleep 1.2
drive "$TMP/trip.lua"
scrape
if [ -n "${CM_TEST_CONSENT_CACHE:-}" ]; then
    # With ConsentCache the sender, the campaign and alice's records
    # were read before and are kept while Redis reports no change.
    t_eq "$(($(value consent_milter_store_seconds_count) - before))" 0 \
	"one message, every record cached: no round trip"
    t_eq "$(($(value 'consent_milter_cache_lookups_total{result="hit"}') > 0))" 1 \
	"and the cache counted its hits"
else
    t_eq "$(($(value consent_milter_store_seconds_count) - before))" 3 \
	"one message: three round trips counted (sender, campaign, recipient)"
fi
t_eq "$(grep -c '@' "$TMP/metrics")" 0 "no @ anywhere: no address in a label"

# --- Prometheus's own tools, where installed (Debian: prometheus) ---------

if command -v promtool > /dev/null 2>&1; then
    out=$(promtool check metrics < "$TMP/metrics" 2>&1)
    t_eq "$?:$out" "0:" "promtool check metrics finds nothing to say"
    out=$(cd "$CM_SRCDIR/contrib/prometheus" &&
	promtool test rules rules-test.yml 2>&1)
    t_has "SUCCESS" "contrib/prometheus: the alert rules pass their cases"
else
    echo "# promtool not installed: format left to the parser above"
fi
if command -v prometheus > /dev/null 2>&1; then
    pport=$(cm_free_port)
    cat > "$TMP/prom.yml" <<EOF
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: consent-milter
    static_configs:
      - targets: ['127.0.0.1:$port']
EOF
    prometheus --config.file="$TMP/prom.yml" --storage.tsdb.path="$TMP/prom" \
	--web.listen-address="127.0.0.1:$pport" > "$TMP/prom.log" 2>&1 &
    echo $! > "$TMP/prometheus.pid"
    # promql QUERY - the first value Prometheus has for QUERY, or ""
    promql() {
	curl -s -G "http://127.0.0.1:$pport/api/v1/query" \
	    --data-urlencode "query=$1" | jq -r '.data.result[0].value[1] // ""' 2>/dev/null
    }
    i=0
    while [ "$(promql 'up{job="consent-milter"}')" != 1 ] && [ $i -lt 200 ]; do
	sleep 0.1; i=$((i + 1)); done
    t_eq "$(promql 'up{job="consent-milter"}')" 1 "a real Prometheus scrapes /metrics"
    t_eq "$(promql 'sum(consent_milter_decisions_total)')" \
	"$(jq -s length "$TMP/audit.log")" "and reads as many decisions as audit lines"
    t_eq "$(promql 'consent_milter_store_seconds_count') -gt 0" \
	"$(value consent_milter_store_seconds_count) -gt 0" "and the histogram"
    kill "$(cat "$TMP/prometheus.pid")"; wait "$(cat "$TMP/prometheus.pid")" 2>/dev/null
    rm -f "$TMP/prometheus.pid"
else
    echo "# prometheus not installed: no scrape by the real thing"
fi

# --- HTTP ------------------------------------------------------------------

t_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")" 404 \
    "/ is 404"
t_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/metrics/x")" \
    404 "/metrics/x is 404"
t_eq "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x \
    "http://127.0.0.1:$port/metrics")" 413 "POST with a body: 413 (no body taken)"
t_eq "$(curl -s -o /dev/null -D "$TMP/h405" -w '%{http_code}' -X POST \
    "http://127.0.0.1:$port/metrics")" 405 "POST /metrics is 405"
t_eq "$(grep -i '^Allow:' "$TMP/h405" | tr -d '\r')" "Allow: GET, HEAD" \
    "405 says what is allowed"
t_eq "$(curl -s -I -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/metrics")" \
    200 "HEAD /metrics is 200"
t_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/metrics?x=1")" \
    200 "a query is ignored"

# --- -n and a second daemon ------------------------------------------------

"$DAEMON" -n -c "$CONF" > "$TMP/n.out" 2>&1
t_eq "$?" 0 "-n: the running daemon's port is not bound again"
sed "s/^Metrics .*/Metrics inet:$port@no.such.host.invalid/" "$CONF" > "$TMP/bad.conf"
"$DAEMON" -n -c "$TMP/bad.conf" > "$TMP/n.out" 2>&1
rc=$?
out=$(cat "$TMP/n.out")
t_rc 1 "-n: a Metrics host that does not resolve"
t_has "$TMP/bad.conf:7: Metrics: inet:$port@no.such.host.invalid: host no.such.host.invalid" \
    "-n names the file, line and key"
sed "s|^Socket .*|Socket unix:$TMP/m2.sock|" "$CONF" > "$TMP/two.conf"
timeout 10 "$DAEMON" -f -c "$TMP/two.conf" > "$TMP/two.out" 2>&1
rc=$?
out=$(cat "$TMP/two.out")
t_rc 1 "a second daemon on the same Metrics port does not start"
t_has "$TMP/two.conf:7: Metrics: inet:$port@127.0.0.1: cannot listen: Address already in use" \
    "and says why, naming the key"
t_eq "$(ls "$TMP/m2.sock" 2>/dev/null)" "" "and leaves no milter socket"

# --- Redis goes away -------------------------------------------------------

cat > "$TMP/one.lua" <<'EOF'
-- one more message: a header campaign, decided at end of message
local t = dofile(os.getenv("CM_TESTLIB"))
t.main(function()
local conn = t.connect()
t.mail(conn, "<campaigns@org.example>")
t.rcpt(conn, "<alice@example.org>")
t.message(conn, { { "From", "news@org.example" },
    { "List-Unsubscribe", "<mailto:unsubscribe@org.example>" },
    { "X-Campaign-ID", "spring" }, { "Message-ID", "<m10@org.example>" } },
    "Q10")
mt.disconnect(conn)
end)
EOF
cm_redis_stop own_redis
drive "$TMP/one.lua"
sleep 0.2
scrape
t_eq "$(check_format)" "" "after the outage: every line well formed"
errors=$(value consent_milter_store_errors_total)
case $errors in [1-9]*) t_ok "store errors counted ($errors)" ;;
    *) t_notok "store errors counted: $errors" ;; esac
t_eq "$(metric_pairs | grep '^tempfail store-error')" \
    "tempfail store-error $(jq -r 'select(.reason == "store-error") | .qid' \
	"$TMP/audit.log" | grep -c Q10)" \
    "the deferred message's store-error decision is counted, as in the trail"
t_eq "$(metric_pairs)" "$(audit_pairs)" "and every other series still agrees"
t_eq "$(check_histogram)" "" "the histogram is still consistent"

kill -TERM $dpid; wait $dpid
t_eq "$?" 0 "the daemon stops cleanly"
t_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/metrics")" \
    000 "and the metrics listener with it"

if [ "$t_fail" -ne 0 ]; then
    echo "--- the daemon's log:"; cat "$TMP/m.log"
    echo "--- the audit trail:"; cat "$TMP/audit.log"
    echo "--- the last scrape:"; cat "$TMP/metrics"
fi
t_done
