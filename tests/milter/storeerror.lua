-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- storeerror.lua - row 1: the consent store cannot be read
--
-- Redis is stopped in the middle of the script. With the default
-- OnError tempfail nothing is accepted unchecked: the sender lookup at
-- MAIL fails and the transaction gets 451 (one audit record with a null
-- rcpt says why), and a message whose header campaign cannot be looked
-- up at end of message gets 451. When Redis is back, decisions are
-- normal again. This is the daemon without a sender map copy (no
-- load yet, or SenderMapRefresh 0); outage.lua is the one with it.
-- conf: SenderMapRefresh 0

local t = dofile(os.getenv("CM_TESTLIB"))

t.main(function()
t.seed()

-- A header-campaign message in flight when Redis goes away.
local conn = t.connect()
t.eq(t.mail(conn, "<campaigns@org.example>"), SMFIR_CONTINUE, "in flight: MAIL")
t.eq(t.rcpt(conn, "<alice@example.org>"), SMFIR_CONTINUE, "in flight: RCPT")
t.redis("SHUTDOWN", "NOSAVE")
t.eq(t.message(conn, { { "X-Campaign-ID", "spring" } }, "QS1"),
     SMFIR_REPLYCODE, "in flight: tempfailed at end of message")
t.check(mt.eom_check(conn, MT_SMTPREPLY, "451", "4.7.1",
        "<alice@example.org>: not sent: store-error (campaign spring)"),
        "in flight: 451 4.7.1 store-error")
mt.disconnect(conn)
t.record(t.last_for("alice@example.org"), { decision = "tempfail",
         reason = "store-error", action = "tempfail", qid = "QS1",
         campaign = "spring", purpose = t.NULL }, "in flight")

-- A new transaction while Redis is down: 451 at MAIL.
conn = t.connect()
t.eq(t.mail(conn, "<news@org.example>"), SMFIR_REPLYCODE,
     "down: MAIL tempfailed (campaign cannot be known)")
mt.disconnect(conn)
local recs = t.audit()
t.record(recs[#recs], { rcpt = t.NULL, decision = "tempfail",
         reason = "store-error", action = "tempfail",
         sender = "news@org.example", campaign = t.NULL }, "down: MAIL record")

-- Ordinary mail waits too: whether it is marketing cannot be told.
conn = t.connect()
t.eq(t.mail(conn, "<someone@org.example>"), SMFIR_REPLYCODE,
     "down: ordinary mail waits as well")
mt.disconnect(conn)

-- A bounce (one recipient, no campaign) needs no lookup: it passes.
conn = t.connect()
t.eq(t.mail(conn, "<>"), SMFIR_CONTINUE, "down: the null sender goes on")
t.eq(t.rcpt(conn, "<alice@example.org>"), SMFIR_CONTINUE, "down: bounce RCPT")
t.eq(t.message(conn, { { "Content-Type", "multipart/report; report-type=delivery-status" } },
     "QS2"), SMFIR_ACCEPT, "down: the bounce passes")
mt.disconnect(conn)

-- Redis back on the same socket: decided normally again.
local sock = os.getenv("CM_REDIS_SOCK")
os.execute("redis-server --port 0 --unixsocket '" .. sock .. "' --save '' " ..
           "--appendonly no --daemonize yes --pidfile '" ..
           os.getenv("CM_TMP") .. "/redis-again.pid' --logfile /dev/null")
for _ = 1, 50 do
    if string.match(t.redis("PING"), "PONG") then break end
    mt.sleep(0.1)
end
t.seed()
mt.sleep(0.3)			-- past the store's fail-fast window
conn = t.connect()
t.eq(t.mail(conn, "<news@org.example>"), SMFIR_CONTINUE, "back: MAIL")
t.eq(t.rcpt(conn, "<alice@example.org>"), SMFIR_CONTINUE, "back: alice allowed")
t.eq(t.rcpt(conn, "<bob@example.org>"), SMFIR_REPLYCODE, "back: bob refused")
mt.disconnect(conn)
t.record(t.last_for("bob@example.org"), { decision = "deny",
         reason = "withdrawn" }, "back: bob")
end)
