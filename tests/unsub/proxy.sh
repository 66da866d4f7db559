#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# proxy.sh - consent-unsubscribe behind the shipped nginx configuration
#
# Under tests/lib/redis.sh: a real nginx (contrib/nginx/
# consent-unsubscribe.conf, with test ports and a self-signed
# certificate) in front of the real service, spoken to with curl over
# TLS from an address that is not the proxy's own, so the evidence can
# tell the client from nginx: 127.0.0.2, else this host's first
# non-loopback IPv4 address (whichever can reach nginx: sandboxes
# differ in both). The one-click POST
# withdraws and the evidence names the real client; an X-Forwarded-For
# that the client sends is overwritten; a cut token gets the very
# answer of a good one; /metrics is not forwarded; plain HTTP answers
# 404, never a redirect. Skipped (77) without nginx or openssl, or
# when no such address reaches nginx. On a failure the nginx and
# service logs follow the results.

. "$CM_SRCDIR/tests/unsub/lib.sh"

NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
if [ ! -x "$NGINX" ] || ! command -v openssl > /dev/null; then
    echo "SKIP: nginx or openssl not installed (Debian: nginx-light, openssl)"
    exit 77
fi

u_keys
u_conf
t_run grant alice@example.org news --source form
t_run grant bob@example.org news --source form
t_run campaign add spring --purpose news
alice=$(u_token alice@example.org spring)
bob=$(u_token bob@example.org spring)
t_eq "${#alice}" 50 "a token"
u_start || { t_notok "the service starts"; t_done; }
uport=${u_url##*:}

# nginx on two free ports, the shipped server blocks, our certificate.
n=$TMP/nginx
mkdir -p "$n"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$n/key.pem" \
    -out "$n/cert.pem" -days 1 -subj /CN=optout.example.org 2>/dev/null
# p_site - the shipped server blocks, on ports $hport and $sport
p_site() {
    cm_free_port hport && cm_free_port sport || exit 99	# never the same
    sed -e "s|/etc/letsencrypt/live/optout.example.org/fullchain.pem|$n/cert.pem|" \
	-e "s|/etc/letsencrypt/live/optout.example.org/privkey.pem|$n/key.pem|" \
	-e "s|/var/log/nginx/|$n/|" \
	-e "s|listen 80;|listen $hport;|" -e "/listen \[::\]:80;/d" \
	-e "s|listen 443 ssl http2;|listen $sport ssl http2;|" \
	-e "/listen \[::\]:443 ssl http2;/d" \
	-e "s|proxy_pass http://127.0.0.1:8025;|proxy_pass http://127.0.0.1:$uport;|" \
	"$CM_SRCDIR/contrib/nginx/consent-unsubscribe.conf" > "$n/site.conf"
}
p_site
cat > "$n/nginx.conf" <<EOF
pid $TMP/nginx.pid;
error_log $n/error.log;
daemon on;
events {}
http {
    client_body_temp_path $n/body;
    proxy_temp_path $n/proxy;
    fastcgi_temp_path $n/fcgi;
    uwsgi_temp_path $n/uwsgi;
    scgi_temp_path $n/scgi;
    include $n/site.conf;
}
EOF
if ! "$NGINX" -t -q -c "$n/nginx.conf" -p "$n" 2> "$n/t.out"; then
    t_notok "the shipped nginx configuration is valid: $(cat "$n/t.out")"
    t_done
fi
t_ok "the shipped nginx configuration is valid (nginx -t)"
# Another test may take a port between the choice and the bind: then
# on new ones (nginx says "Address already in use").
tries=0
until "$NGINX" -c "$n/nginx.conf" -p "$n" 2> "$n/start.err"; do
    tries=$((tries + 1))
    if [ $tries -ge 5 ] || ! grep -q 'Address already in use' "$n/start.err"
    then
	cat "$n/start.err"
	t_notok "nginx starts"
	t_done
    fi
    p_site
done
t_ok "nginx starts"

# p_done - the results; on a failure, what nginx and the service said
p_done() {
    kill "$(cat "$TMP/nginx.pid" 2>/dev/null)" 2>/dev/null
    u_stop
    if [ "$t_fail" -ne 0 ]; then
	echo "# client address: ${ext:-none}"
	for f in "$n/error.log" "$n"/*access*.log "$TMP/unsub.log"; do
	    [ -f "$f" ] && { echo "# --- $f"; tail -20 "$f" | sed 's/^/# /'; }
	done
    fi
    t_done
}

# The client's address: the first that reaches nginx's plain port.
ext=
for a in 127.0.0.2 $(hostname -I 2>/dev/null | tr ' ' '\n' \
	| grep -E '^[0-9.]+$' | grep -v '^127\.'); do
    c=$(curl -s -o /dev/null -w '%{http_code}' --interface "$a" \
	--max-time 5 "http://$a:$hport/" 2>/dev/null)
    [ "$c" = 404 ] && { ext=$a; break; }
    echo "# $a does not reach nginx (curl: ${c:-nothing})"
done
if [ -z "$ext" ]; then
    kill "$(cat "$TMP/nginx.pid" 2>/dev/null)" 2>/dev/null
    u_stop
    echo "SKIP: no address other than nginx's own reaches it"
    exit 77
fi
echo "# the client comes from $ext"

# p_curl METHOD URLPATH [ARGS] - through nginx, over TLS, from $ext
p_curl() {
    _m=$1
    _p=$2
    shift 2
    code=$(curl -s -X "$_m" -o "$TMP/body" -w '%{http_code} %{redirect_url}' \
	--interface "$ext" --cacert "$n/cert.pem" \
	--resolve "optout.example.org:$sport:$ext" \
	--max-time 10 "$@" "https://optout.example.org:$sport$_p")
    body=$(cat "$TMP/body")
}

p_curl GET "/u/$alice"
t_eq "$code" "200 " "GET through the proxy: the page"
p_curl POST "/u/$alice" --data 'List-Unsubscribe=One-Click' \
    -H 'X-Forwarded-For: 203.0.113.9'
t_eq "$code" "200 " "POST through the proxy: 200, no redirect"
good="$code $body"
t_eq "$(t_redis hget cm:consent:alice@example.org news)" withdrawn "withdrawn"
out=$(t_redis xrevrange cm:history:alice@example.org + - count 1 | tr '\n' ' ')
t_has "client=$ext" "the evidence names the real client ($ext)"
case $out in
*203.0.113.9*) t_notok "the client's own X-Forwarded-For is not believed" ;;
*) t_ok "the client's own X-Forwarded-For is not believed" ;;
esac
p_curl POST "/u/$(printf '%s' "$bob" | cut -c1-30)" --data 'List-Unsubscribe=One-Click'
t_eq "$code $body" "$good" "a cut token: the very answer of a good one"
t_eq "$(t_redis hget cm:consent:bob@example.org news)" granted "and nothing written"
p_curl GET /metrics
t_eq "${code% *}" 404 "/metrics is not forwarded"
p_curl PUT "/u/$bob"
t_eq "${code% *}" 403 "other methods stop at the proxy"
code=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' \
    "http://$ext:$hport/u/$bob")
t_eq "$code" "404 " "plain HTTP: 404, no redirect to https"

p_done
