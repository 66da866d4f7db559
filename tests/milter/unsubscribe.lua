-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- unsubscribe.lua - the relay's own List-Unsubscribe (DESIGN.md section 14)
--
-- With Unsubscribe yes, a single-recipient marketing message allowed on
-- consent gets List-Unsubscribe (https and mailto, one personal token)
-- and List-Unsubscribe-Post, inserted at index 0 (above the tool's own),
-- exactly what "consentctl unsubscribe-link --header" prints; a message
-- to two people and a record without an opt-out reference get nothing
-- (and a log line); the optout plugin with RelayOptOut accepts a
-- single-recipient message without the tool's List-Unsubscribe.
--
-- setup: tests/milter/unsub-setup.sh
-- conf: Unsubscribe yes
-- conf: UnsubscribeURL https://optout.example.org/u/
-- conf: UnsubscribeMailto optout.example.org
-- conf: UnsubscribeKeyFile @TMP@/unsub.keys
-- conf: Plugin optout @PLUGINDIR@/optout.so
-- conf: optout.RelayOptOut yes

local t = dofile(os.getenv("CM_TESTLIB"))

local FROM = { "From", "Membership <news@org.example>" }
local TOOL = { "List-Unsubscribe", "<https://tool.example/u/1>" }

-- ctl ARGS - consentctl on the daemon's configuration: its output
local function ctl(args)
    local p = io.popen((os.getenv("CM_CONSENTCTL") or "consentctl") .. " -c "
                       .. os.getenv("CM_TMP") .. "/consent-milter.conf " .. args
                       .. " 2>&1")
    local out = p:read("a")
    p:close()
    return out
end

-- send RCPTS HEADERS QID - one message of campaign spring; reply, conn
local function send(rcpts, headers, qid)
    local conn = t.connect()
    t.mail(conn, "<campaigns@org.example>")
    for _, r in ipairs(rcpts) do t.rcpt(conn, r) end
    local all = { { "X-Campaign-ID", "spring" } }
    for _, h in ipairs(headers) do all[#all + 1] = h end
    return t.message(conn, all, qid), conn
end

t.main(function()
t.seed()
t.redis("HSET", "cm:consent:carol@example.org", "newsletter", "granted",
        "newsletter:at", tostring(t.now - 60))
t.eq(ctl("unsubscribe-refs"),
     "records: 5 given a reference, 0 had one; campaigns: 6 given a reference, 0 had one\n",
     "references given to the seeded store")

local want = ctl("unsubscribe-link alice@example.org spring --header")
local lu = string.match(want, "^List%-Unsubscribe: ([^\n]+)\n")
t.check(lu ~= nil and string.match(lu,
        "^<https://optout%.example%.org/u/[a-z2-7]+>, <mailto:unsubscribe%+[a-z2-7]+@optout%.example%.org>$"),
        "unsubscribe-link --header: " .. tostring(lu))

-- One person: both headers, inserted on top.
local reply, conn = send({ "<alice@example.org>" }, { FROM, TOOL }, "QU1")
t.eq(reply, SMFIR_ACCEPT, "single recipient: accepted")
t.check(mt.eom_check(conn, MT_HDRINSERT, "List-Unsubscribe", lu),
        "List-Unsubscribe inserted, the token of unsubscribe-link")
t.check(mt.eom_check(conn, MT_HDRINSERT, "List-Unsubscribe-Post",
                     "List-Unsubscribe=One-Click"),
        "List-Unsubscribe-Post inserted")
mt.disconnect(conn)

-- The plugin takes the relay's own opt-out for one person...
reply, conn = send({ "<alice@example.org>" }, { FROM }, "QU2")
t.eq(reply, SMFIR_ACCEPT, "no tool List-Unsubscribe, one person: accepted")
t.check(mt.eom_check(conn, MT_HDRINSERT, "List-Unsubscribe", lu),
        "no tool header: ours inserted")
mt.disconnect(conn)
local r = t.last_for("alice@example.org")
t.eq(r and r.plugins and r.plugins.optout and r.plugins.optout.unsubscribe,
     "relay", "plugins.optout.unsubscribe = relay")

-- ... but not for two: nothing personal can be added.
reply, conn = send({ "<alice@example.org>", "<carol@example.org>" }, { FROM, TOOL },
                   "QU3")
t.eq(reply, SMFIR_ACCEPT, "two recipients: accepted")
t.check(not mt.eom_check(conn, MT_HDRINSERT, "List-Unsubscribe"),
        "two recipients: no List-Unsubscribe inserted")
mt.disconnect(conn)
reply, conn = send({ "<alice@example.org>", "<carol@example.org>" }, { FROM }, "QU4")
t.eq(reply, SMFIR_REPLYCODE, "two recipients without the tool's opt-out: refused (550)")
mt.disconnect(conn)

-- A record without a reference: nothing added (the log names the fix).
t.redis("HDEL", "cm:consent:carol@example.org", "#ref")
reply, conn = send({ "<carol@example.org>" }, { FROM, TOOL }, "QU5")
t.eq(reply, SMFIR_ACCEPT, "no reference: accepted")
t.check(not mt.eom_check(conn, MT_HDRINSERT, "List-Unsubscribe"),
        "no reference: nothing inserted")
mt.disconnect(conn)
end)
