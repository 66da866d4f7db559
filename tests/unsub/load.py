#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# load.py - many concurrent clients against consent-unsubscribe (a benchmark)
#
# Usage: load.py URL TOKEN [SECONDS [CLIENTS [PID]]]
#
# CLIENTS threads (default 200), each with its own keep-alive connection,
# for SECONDS (default 10): POST /u/TOKEN with the one-click body (a
# replay after the first: the full store round trip), GET /u/TOKEN, and
# POST of a forged token, in turn. Each request claims another client
# address in X-Forwarded-For (believed from loopback), so that the rate
# limit does not turn the run into 429s. Prints requests per second by
# status, and, with PID, the service's resident memory every second.
# Not a test: a measurement (tests/unsub/bench.sh runs it).

import http.client
import sys
import threading
import time

url, token = sys.argv[1], sys.argv[2]
secs = float(sys.argv[3]) if len(sys.argv) > 3 else 10
clients = int(sys.argv[4]) if len(sys.argv) > 4 else 200
pid = sys.argv[5] if len(sys.argv) > 5 else None
host, port = url.split("//")[1].split(":")
port = int(port)
forged = token[:10] + ("b" if token[10] != "b" else "c") + token[11:]
counts = {}
lock = threading.Lock()
stop = time.time() + secs
body = b"List-Unsubscribe=One-Click"


def rss():
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def worker(n):
    conn = None
    i = 0
    local = {}
    while time.time() < stop:
        i += 1
        xff = "10.%d.%d.%d" % ((n >> 8) & 255, n & 255, i & 255)
        kind = i % 3
        try:
            if conn is None:
                conn = http.client.HTTPConnection(host, port, timeout=10)
            hdrs = {"X-Forwarded-For": xff}
            if kind == 1:
                conn.request("GET", "/u/" + token, headers=hdrs)
            else:
                hdrs["Content-Type"] = "application/x-www-form-urlencoded"
                conn.request("POST", "/u/" + (token if kind == 0 else forged),
                             body=body, headers=hdrs)
            r = conn.getresponse()
            r.read()
            key = "%s %d" % (("POST", "GET", "POST-forged")[kind], r.status)
        except Exception as e:
            key = "error " + type(e).__name__
            conn = None
        local[key] = local.get(key, 0) + 1
    with lock:
        for k, v in local.items():
            counts[k] = counts.get(k, 0) + v


threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
start = time.time()
mem = []
if pid:
    mem.append(rss())
for t in threads:
    t.start()
while any(t.is_alive() for t in threads):
    time.sleep(1)
    if pid:
        mem.append(rss())
took = time.time() - start
total = sum(counts.values())
print("%d clients, %.1f s: %d requests, %.0f/s" % (clients, took, total,
                                                    total / took))
for k in sorted(counts):
    print("  %-18s %7d  %6.0f/s" % (k, counts[k], counts[k] / took))
if pid:
    print("  RSS KiB each second: %s" % " ".join(str(m) for m in mem))
