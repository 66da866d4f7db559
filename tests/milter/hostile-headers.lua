-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- hostile-headers.lua - odd and hostile header fields, and MaxHeaderBytes
--
-- The campaign header folded, empty, repeated, long (64 KiB: see
-- tests/unit/check_engine.c; miltertest overflows on such values), with CR/LF,
-- quotes or invalid UTF-8; no From; header blocks over the limit
-- (MaxHeaderBytes, set low here to show it is configurable, and a 1 MiB
-- block). Each gets its exact outcome, and the audit log stays one
-- valid JSON object per line whatever the bytes.
--
-- conf: MaxHeaderBytes 131072

local t = dofile(os.getenv("CM_TESTLIB"))

local serial = 0

-- send HEADERS - a message from campaigns@ to alice; reply and qid
local function send(headers)
    serial = serial + 1
    local qid = "QH" .. serial
    local conn = t.connect()
    t.mail(conn, "<campaigns@org.example>")
    t.rcpt(conn, "<alice@example.org>")
    local reply = t.message(conn, headers, qid)
    return reply, conn, qid
end

t.main(function()
t.seed()

local FROM = { "From", "News <campaigns@org.example>" }
local cases = {
    { { FROM, { "X-Campaign-ID", string.rep("s", 1000) } }, SMFIR_REPLYCODE, "deny",
      "bad-campaign-id", nil, "1,000 bytes long (64 KiB: check_engine; miltertest overflows its stack on longer values)" },
    { { FROM, { "X-Campaign-ID", "\n\tspring" } }, SMFIR_ACCEPT, "allow", "consent",
      "spring", "a folded campaign header" },
    { { FROM, { "X-Campaign-ID", "spring" }, { "X-Campaign-ID", "spring" } },
      SMFIR_ACCEPT, "allow", "consent", "spring", "repeated with the same value" },
    { { FROM, { "X-Campaign-ID", "spring" }, { "X-Campaign-ID", "receipts" } },
      SMFIR_REPLYCODE, "deny", "bad-campaign-id", "spring",
      "repeated with another value",
      "<alice@example.org>: not sent: bad-campaign-id (campaign spring)" },
    { { FROM, { "X-Campaign-ID", "" } }, SMFIR_REPLYCODE, "deny", "bad-campaign-id",
      "", "empty" },
    { { FROM, { "X-Campaign-ID", "spr\r\ning" } }, SMFIR_REPLYCODE, "deny",
      "bad-campaign-id", "spr\r\ning", "with CR LF inside",
      "<alice@example.org>: not sent: bad-campaign-id (campaign spr??ing)" },
    { { FROM, { "X-Campaign-ID", "\"spring\"" } }, SMFIR_REPLYCODE, "deny",
      "bad-campaign-id", "\"spring\"", "quoted",
      "<alice@example.org>: not sent: bad-campaign-id (campaign \"spring\")" },
    { { FROM, { "X-Campaign-ID", "spr\255\254ing" } }, SMFIR_REPLYCODE, "deny",
      "bad-campaign-id", "spr\239\191\189\239\191\189ing", "invalid UTF-8" },
    { { { "X-Campaign-ID", "spring" } }, SMFIR_ACCEPT, "allow", "consent", "spring",
      "no From" },
}
for _, c in ipairs(cases) do
    local reply, conn, qid = send(c[1])
    t.eq(reply, c[2], c[6] .. ": reply")
    if c[7] then
        t.check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1", c[7]),
                c[6] .. ": reply text")
    end
    mt.disconnect(conn)
    local r = t.last_for("alice@example.org")
    t.record(r, { decision = c[3], reason = c[4], qid = qid }, c[6])
    if r and c[5] then t.eq(r.campaign, c[5], c[6] .. ": campaign as logged") end
end
local r = t.last_for("alice@example.org")
t.eq(r.from, t.NULL, "no From: from is null")

-- Header blocks: under the limit, over it, and 1 MiB.
local function block(bytes)
    local hs = { FROM, { "X-Campaign-ID", "spring" } }
    local line = string.rep("x", 1000)
    for i = 1, math.floor(bytes / 1010) do
        hs[#hs + 1] = { "X-Filler", line }
    end
    return hs
end
local blocks = {
    { 100 * 1024, SMFIR_ACCEPT, "allow", "consent", "a 100 KiB header block" },
    { 200 * 1024, SMFIR_REPLYCODE, "deny", "header-too-large",
      "a 200 KiB header block (limit 128 KiB)" },
    { 1024 * 1024, SMFIR_REPLYCODE, "deny", "header-too-large", "a 1 MiB header block" },
}
for _, b in ipairs(blocks) do
    local reply, conn, qid = send(block(b[1]))
    t.eq(reply, b[2], b[5] .. ": reply")
    if b[2] == SMFIR_REPLYCODE then
        t.check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1",
                "<alice@example.org>: not sent: header-too-large (campaign spring)"),
                b[5] .. ": reply text")
    end
    mt.disconnect(conn)
    t.record(t.last_for("alice@example.org"), { decision = b[3], reason = b[4],
             qid = qid }, b[5])
end

-- The sender quoted in the log line is escaped: U+009B (C2 9B) is a
-- terminal's CSI, and SMTPUTF8 lets it into an address.
local c1 = t.connect()
t.mail(c1, "<news\194\155x@org.example>")
t.rcpt(c1, "<alice@example.org>")
t.message(c1, block(200 * 1024), "QHC1")
mt.disconnect(c1)
t.check(t.wait_log("message from news\\xc2\\x9bx@org.example: header "
                   .. "larger than 131072 bytes"),
        "the sender in the log line is escaped")

-- The null sender is named as such, not as nothing.
local c2 = t.connect()
t.mail(c2, "<>")
t.rcpt(c2, "<alice@example.org>")
t.message(c2, block(200 * 1024), "QHC2")
mt.disconnect(c2)
t.check(t.wait_log("message from <>: header larger than 131072 bytes"),
        "MAIL FROM:<> in the log line is <>")

-- Every line of the trail is one JSON object (t.audit() parses them all).
local f = io.open(os.getenv("CM_AUDIT_LOG"), "r")
local lines = 0
for _ in f:lines() do lines = lines + 1 end
f:close()
t.eq(#t.audit(), lines, "every audit line parses as JSON")
t.eq(lines, #cases + #blocks + 2, "one line per message")
end)
