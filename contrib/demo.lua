-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- demo.lua - send the sample messages through consent-milter
--
-- Run by contrib/demo.sh with miltertest, which plays the MTA. Each
-- sample message in conf/sample-messages/ goes through with an envelope
-- (sender and recipients); what the milter answers is printed as an
-- MTA would report it. CM_DEMO_PHASE=down sends one message while the
-- consent store is down.

local samples = os.getenv("CM_SAMPLES")
local sock = os.getenv("CM_MILTER_SOCK")

local function say(s) io.write(s, "\n") end

local replies = {
    [SMFIR_CONTINUE] = "accepted", [SMFIR_ACCEPT] = "accepted",
    [SMFIR_REJECT] = "rejected (5xx)", [SMFIR_TEMPFAIL] = "deferred (4xx)",
    [SMFIR_REPLYCODE] = "refused (5xx/4xx with the reason; see the audit trail)",
}

-- Read a message file into headers (unfolded) and body.
local function read_eml(path)
    local f = assert(io.open(path, "r"))
    local headers, body, in_body = {}, {}, false
    for line in f:lines() do
        if in_body then
            body[#body + 1] = line
        elseif line == "" then
            in_body = true
        elseif string.match(line, "^[ \t]") and #headers > 0 then
            headers[#headers][2] = headers[#headers][2] .. "\r\n" .. line
        else
            local name, value = string.match(line, "^([^:]+):%s?(.*)$")
            headers[#headers + 1] = { name, value }
        end
    end
    f:close()
    return headers, table.concat(body, "\r\n") .. "\r\n"
end

local qid_serial = 0

local function send(file, sender, rcpts)
    local headers, body = read_eml(samples .. "/" .. file)
    qid_serial = qid_serial + 1
    local qid = string.format("DEMO%03d", qid_serial)
    say("")
    say("=== " .. file .. "  (queue id " .. qid .. ")")
    say("    MAIL FROM:" .. sender)
    local conn = assert(mt.connect(sock, 40, 0.05), "cannot reach the milter")
    assert(mt.conninfo(conn, "crm.party.example", "192.0.2.25") == nil)
    assert(mt.mailfrom(conn, sender) == nil)
    local r = mt.getreply(conn)
    if r ~= SMFIR_CONTINUE then
        say("    -> MAIL " .. (replies[r] or r) .. ": the sending system keeps the message queued and retries")
        mt.disconnect(conn)
        return
    end
    local accepted = 0
    for _, rcpt in ipairs(rcpts) do
        assert(mt.rcptto(conn, rcpt) == nil)
        r = mt.getreply(conn)
        if r == SMFIR_CONTINUE then accepted = accepted + 1 end
        say(string.format("    RCPT TO:%-22s -> %s", rcpt, replies[r] or r))
    end
    if accepted == 0 then
        say("    -> no recipient left: nothing is sent")
        mt.disconnect(conn)
        return
    end
    mt.macro(conn, SMFIC_RCPT, "i", qid)
    for _, h in ipairs(headers) do
        assert(mt.header(conn, h[1], h[2]) == nil)
    end
    if not mt.test_option(conn, SMFIP_NOEOH) then assert(mt.eoh(conn) == nil) end
    if not mt.test_option(conn, SMFIP_NOBODY) then
        assert(mt.bodystring(conn, body) == nil)
    end
    assert(mt.eom(conn) == nil)
    r = mt.getreply(conn)
    say("    end of message -> " .. (replies[r] or r))
    for _, rcpt in ipairs(rcpts) do
        if mt.eom_check(conn, MT_RCPTDELETE, rcpt) then
            say("      removed recipient " .. rcpt)
        end
    end
    local h = mt.getheader(conn, "X-Consent-Milter", 0)
    if h then say("      added header X-Consent-Milter: " .. h) end
    mt.disconnect(conn)
end

if os.getenv("CM_DEMO_PHASE") == "down" then
    qid_serial = 5
    send("02-envelope-campaign.eml", "<news@party.example>",
         { "<alice@example.org>" })
    return
end

-- A campaign named in the message header: decided at end of message.
send("01-header-campaign.eml", "<campaigns@party.example>",
     { "<alice@example.org>", "<bob@example.org>", "<carol@example.org>",
       "<dave@example.org>" })
-- The newsletter stream's own sender: decided per recipient at RCPT.
send("02-envelope-campaign.eml", "<news@party.example>",
     { "<alice@example.org>", "<bob@example.org>", "<carol@example.org>" })
-- Ordinary mail: untouched, not logged.
send("03-ordinary.eml", "<office@party.example>", { "<carol@example.org>" })
-- Bulk mail that names no campaign: refused (UnidentifiedBulk reject).
send("04-bulk-without-campaign.eml", "<volunteer@party.example>",
     { "<alice@example.org>", "<bob@example.org>" })
-- Marketing without List-Unsubscribe: the optout plugin refuses it,
-- even for alice, who consented (reason no-opt-out-address).
if os.getenv("CM_DEMO_OPTOUT") then
    send("05-no-unsubscribe.eml", "<campaigns@party.example>",
         { "<alice@example.org>" })
end
