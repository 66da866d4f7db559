-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- outage.lua - Redis down: ordinary mail flows, marketing waits
--
-- The daemon keeps a copy of the sender mappings (sendermap(3)),
-- reloaded every SenderMapRefresh seconds (1 here). With Redis stopped,
-- the sender lookup at MAIL fails and the copy decides:
--   - a sender not in the copy, no campaign header, no bulk marker:
--     ordinary mail, accepted untouched and unlogged;
--   - a mapped sender: 451 at MAIL, store-error, as without a copy;
--   - a campaign header, List-Unsubscribe, Precedence bulk or more than
--     BulkThreshold recipients from an unmapped sender: 451 at end of
--     message, store-error (each needs Redis to be decided);
--   - the log gives the copy's age when it is used, and again when
--     Redis answers; then decisions are normal.
-- storeerror.lua is the daemon without a copy.

-- conf: SenderMapRefresh 1
-- conf: BulkThreshold 3

local t = dofile(os.getenv("CM_TESTLIB"))

local function log_has(pattern)
    local f = io.open(os.getenv("CM_TMP") .. "/milter.log", "r")
    if not f then return nil end
    local text = f:read("a")
    f:close()
    return string.match(text, pattern)
end

-- send SENDER HEADERS RCPTS QID - one message; its reply and connection
local function send(sender, headers, rcpts, qid)
    local conn = t.connect()
    local r = t.mail(conn, sender)
    if r ~= SMFIR_CONTINUE then return conn, r, "mail" end
    for _, rcpt in ipairs(rcpts) do
        r = t.rcpt(conn, rcpt)
        if r ~= SMFIR_CONTINUE then return conn, r, "rcpt" end
    end
    return conn, t.message(conn, headers, qid), "eom"
end

t.main(function()
t.seed()
-- The first reload after the seed puts the mappings into the copy.
for _ = 1, 50 do
    if log_has("sender map loaded") then break end
    mt.sleep(0.1)
end
mt.sleep(2.2)
t.redis("SHUTDOWN", "NOSAVE")
local before = #t.audit()

-- Ordinary mail from an unmapped sender: accepted, nothing logged.
local conn, reply, stage = send("<it@party.example>",
    { { "Subject", "printer on floor 2" } }, { "<alice@example.org>",
      "<bob@example.org>" }, "QO1")
t.eq(stage .. ":" .. reply, "eom:" .. SMFIR_ACCEPT,
     "down: ordinary mail from it@party.example accepted")
mt.disconnect(conn)
t.eq(#t.audit(), before, "down: ordinary mail leaves no audit record")
t.check(log_has("consent store unavailable: senders are decided at MAIL "
                .. "from the sender map copy %(%d+ sender%(s%), %d+ s old"),
        "down: the log says the copy is used, with its age")
t.check(log_has("sender map copy %(%d+ s old%): no campaign for this "
                .. "sender: ordinary mail goes on"),
        "down: the log line of the message gives the copy's age")

-- A mapped sender: 451 at MAIL, as without a copy.
conn, reply, stage = send("<news@org.example>", {}, { "<alice@example.org>" })
t.eq(stage .. ":" .. reply, "mail:" .. SMFIR_REPLYCODE,
     "down: mapped sender tempfailed at MAIL")
mt.disconnect(conn)
local recs = t.audit()
t.record(recs[#recs], { rcpt = t.NULL, decision = "tempfail",
         reason = "store-error", action = "tempfail",
         sender = "news@org.example", campaign = t.NULL },
         "down: mapped sender's record")

-- A campaign header from an unmapped sender: 451 at end of message.
conn, reply, stage = send("<it@party.example>",
    { { "X-Campaign-ID", "spring" } }, { "<alice@example.org>" }, "QO2")
t.eq(stage .. ":" .. reply, "eom:" .. SMFIR_REPLYCODE,
     "down: header campaign tempfailed at end of message")
t.check(mt.eom_check(conn, MT_SMTPREPLY, "451", "4.7.1",
        "<alice@example.org>: not sent: store-error (campaign spring)"),
        "down: header campaign: 451 store-error")
mt.disconnect(conn)
t.record(t.last_for("alice@example.org"), { decision = "tempfail",
         reason = "store-error", action = "tempfail", qid = "QO2",
         campaign = "spring" }, "down: header campaign record")

-- Bulk markers from an unmapped sender: 451, not unidentified-bulk
-- (the copy may miss a new mapping, and bulk is what mappings are for).
local bulk = {
    { { { "List-Unsubscribe", "<mailto:u@party.example>" } },
      { "<alice@example.org>" }, "QO3", "List-Unsubscribe",
      "<alice@example.org>: " },
    { { { "Precedence", "bulk" } }, { "<alice@example.org>" }, "QO4",
      "Precedence bulk", "<alice@example.org>: " },
    { {}, { "<alice@example.org>", "<bob@example.org>", "<carol@example.org>",
            "<dave@example.org>" }, "QO5", "more than BulkThreshold", "" },
}
for _, b in ipairs(bulk) do
    conn, reply, stage = send("<it@party.example>", b[1], b[2], b[3])
    t.eq(stage .. ":" .. reply, "eom:" .. SMFIR_REPLYCODE,
         "down: " .. b[4] .. ": tempfailed at end of message")
    t.check(mt.eom_check(conn, MT_SMTPREPLY, "451", "4.7.1",
            b[5] .. "not sent: store-error (no campaign)"),
            "down: " .. b[4] .. ": 451 4.7.1")
    mt.disconnect(conn)
    t.record(t.last_for("alice@example.org"), { decision = "tempfail",
             reason = "store-error", action = "tempfail", qid = b[3],
             campaign = t.NULL }, "down: " .. b[4] .. " record")
end

-- A bounce needs no lookup: it passes, as before.
conn, reply, stage = send("<>", { { "Content-Type",
    "multipart/report; report-type=delivery-status" } },
    { "<alice@example.org>" }, "QO6")
t.eq(stage .. ":" .. reply, "eom:" .. SMFIR_ACCEPT, "down: a bounce passes")
mt.disconnect(conn)

-- Redis back on the same socket: the log says so, with the copy's age.
local sock = os.getenv("CM_REDIS_SOCK")
os.execute("redis-server --port 0 --unixsocket '" .. sock .. "' --save '' " ..
           "--appendonly no --daemonize yes --pidfile '" ..
           os.getenv("CM_TMP") .. "/redis-again.pid' --logfile /dev/null")
for _ = 1, 50 do
    if string.match(t.redis("PING"), "PONG") then break end
    mt.sleep(0.1)
end
t.seed()
for _ = 1, 40 do
    if log_has("consent store answers again") then break end
    mt.sleep(0.25)
end
t.check(log_has("consent store answers again: sender map reloaded, %d+ "
                .. "sender%(s%); the copy used during the outage was %d+ s "
                .. "old when last used %(%d+ MAIL lookup%(s%)%)"),
        "back: the log says Redis answers again, with the copy's age")
conn, reply, stage = send("<news@org.example>", {}, { "<alice@example.org>",
    "<bob@example.org>" })
t.eq(stage .. ":" .. reply, "rcpt:" .. SMFIR_REPLYCODE,
     "back: mapped sender decided at RCPT again (bob refused)")
mt.disconnect(conn)
t.record(t.last_for("bob@example.org"), { decision = "deny",
         reason = "withdrawn" }, "back: bob")
end)
