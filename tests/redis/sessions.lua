-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- sessions.lua - miltertest sessions for the Redis deployment tests
--
-- Run by tests/redis/sentinel.sh and tests/redis/acl.sh with CM_PHASE
-- set. The campaign is "spring" (purpose newsletter), found from the
-- envelope sender news@org.example; alice has granted, bob withdrawn,
-- carol and dave have no record (carol is granted later by sentinel.sh).
--
--   plain     Redis answers: alice is allowed, bob (withdrawn) and carol
--             (no record) are refused.
--   down      Redis cannot be used (acl.sh: a wrong password): MAIL is
--             tempfailed, with a store-error audit record.
--   failover  the primary has just been killed (at CM_KILL_MS, in ms
--             since the epoch). Runs one session after another (MAIL
--             news@org.example; RCPT alice and bob; the message if
--             anyone was accepted) until, after at least one tempfailed
--             session, RECOVERED_RUN sessions in a row are decided
--             correctly, or CM_FAILOVER_TIMEOUT seconds pass. Every
--             session is classified from the milter's replies and the
--             audit records it wrote: tempfailed (store-error), decided
--             (alice allowed, bob refused as withdrawn) or wrong.
--             Nothing may be accepted unchecked: bob never allowed, MAIL
--             never accepting the whole message, alice accepted only
--             with an allow record. Prints the counts and the time to
--             recover.
--   after     Sentinel has promoted the replica: consent written before
--             the failover is still honoured, and carol, granted through
--             consentctl after the failover, is allowed.
--
-- Environment: CM_MILTER_SOCK, CM_AUDIT_LOG, CM_TESTLIB (as for the
-- scripts in tests/milter), CM_PHASE, CM_KILL_MS, CM_FAILOVER_TIMEOUT.

local t = dofile(os.getenv("CM_TESTLIB"))

local RECOVERED_RUN = 5			-- good sessions in a row: recovered
local PAUSE = 0.05			-- seconds between sessions

local function now_ms()
    local p = io.popen("date +%s%N")
    local ns = p:read("l")
    p:close()
    return math.tointeger(tonumber(ns)) // 1000000
end

-- Audit records written since the last call.
local audit_pos = 0
local function audit_skip()
    local f = io.open(os.getenv("CM_AUDIT_LOG"), "r")
    if f then
        audit_pos = f:seek("end")
        f:close()
    end
end
local function audit_new()
    local recs = {}
    local f = io.open(os.getenv("CM_AUDIT_LOG"), "r")
    if not f then return recs end
    f:seek("set", audit_pos)
    for line in f:lines() do
        recs[#recs + 1] = t.json_decode(line)
    end
    audit_pos = f:seek("cur")
    f:close()
    return recs
end

-- One session: MAIL, RCPT alice and bob, the message if anyone passed.
local function session(n)
    local res = {}
    local conn = t.connect()
    res.mail = t.mail(conn, "<news@org.example>")
    if res.mail == SMFIR_CONTINUE then
        res.alice = t.rcpt(conn, "<alice@example.org>")
        res.bob = t.rcpt(conn, "<bob@example.org>")
        if res.alice == SMFIR_CONTINUE or res.bob == SMFIR_CONTINUE then
            res.eom = t.message(conn, { { "From", "News <news@org.example>" },
                                        { "Subject", "failover " .. n } },
                                "QF" .. n)
        end
    end
    mt.disconnect(conn)
    res.recs = audit_new()
    return res
end

-- The records of one session, by recipient ("-" for rcpt null).
local function by_rcpt(recs)
    local out = {}
    for _, r in ipairs(recs) do
        local who = r.rcpt == t.NULL and "-" or r.rcpt
        out[who] = r
    end
    return out
end

-- A plain session with the primary up: who is allowed, who refused.
local function plain(phase, want)
    audit_skip()
    local conn = t.connect()
    t.eq(t.mail(conn, "<news@org.example>"), SMFIR_CONTINUE, phase .. ": MAIL")
    for _, w in ipairs(want) do
        local r = t.rcpt(conn, "<" .. w[1] .. ">")
        t.eq(r, w[2] == "consent" and SMFIR_CONTINUE or SMFIR_REPLYCODE,
             phase .. ": RCPT " .. w[1])
    end
    local eom = t.message(conn, { { "From", "News <news@org.example>" },
                                  { "Subject", phase } }, "Q" .. phase)
    t.check(eom == SMFIR_CONTINUE or eom == SMFIR_ACCEPT, phase .. ": delivered")
    mt.disconnect(conn)
    local recs = by_rcpt(audit_new())
    for _, w in ipairs(want) do
        t.record(recs[w[1]], { decision = w[2] == "consent" and "allow" or "deny",
                               reason = w[2], campaign = "spring",
                               purpose = "newsletter" }, phase .. ": " .. w[1])
    end
end

local function failover()
    local deadline = tonumber(os.getenv("CM_FAILOVER_TIMEOUT") or "30")
    local kill_ms = math.tointeger(tonumber(os.getenv("CM_KILL_MS"))) or now_ms()
    local start = now_ms()
    local c = { sessions = 0, accepted = 0, refused = 0, tempfailed = 0,
                tempfail_mail = 0, tempfail_rcpt = 0, decided = 0,
                before_tempfail = 0, unchecked = 0, wrong = 0 }
    local run, first_tempfail, recovered = 0, nil, nil
    local problems = {}

    local function problem(n, what)
        c.wrong = c.wrong + 1
        if #problems < 10 then
            problems[#problems + 1] = "session " .. n .. ": " .. what
        end
    end

    audit_skip()
    while true do
        c.sessions = c.sessions + 1
        local n = c.sessions
        local res = session(n)
        local recs = by_rcpt(res.recs)
        local a, b, m = recs["alice@example.org"], recs["bob@example.org"], recs["-"]
        local tempfailed = false

        -- Nothing accepted unchecked, whatever Redis is doing.
        if res.mail == SMFIR_ACCEPT then
            c.unchecked = c.unchecked + 1
            problem(n, "MAIL accepted the whole message")
        end
        if res.bob == SMFIR_CONTINUE or (b and b.decision == "allow") then
            c.unchecked = c.unchecked + 1
            problem(n, "bob (withdrawn) accepted")
        end
        if (res.eom == SMFIR_CONTINUE or res.eom == SMFIR_ACCEPT)
            and res.alice == SMFIR_CONTINUE
            and not (a and a.decision == "allow" and a.reason == "consent") then
            c.unchecked = c.unchecked + 1
            problem(n, "alice delivered without an allow record")
        end

        -- Count what the audit trail says.
        if res.mail == SMFIR_REPLYCODE or res.mail == SMFIR_TEMPFAIL then
            if m and m.decision == "tempfail" and m.reason == "store-error" then
                c.tempfail_mail = c.tempfail_mail + 1
                tempfailed = true
            else
                problem(n, "MAIL refused without a store-error record")
            end
        end
        for _, r in ipairs({ a, b }) do
            if r and r.decision == "tempfail" then
                if r.reason == "store-error" then
                    c.tempfail_rcpt = c.tempfail_rcpt + 1
                    tempfailed = true
                else
                    problem(n, r.rcpt .. " tempfailed: " .. tostring(r.reason))
                end
            end
        end
        if a and a.decision == "allow" then c.accepted = c.accepted + 1 end
        if b and b.decision == "deny" then c.refused = c.refused + 1 end
        if a and a.decision == "deny" then
            problem(n, "alice (granted) refused: " .. tostring(a.reason))
        end
        if b and b.decision == "deny" and b.reason ~= "withdrawn" then
            problem(n, "bob refused for " .. tostring(b.reason))
        end

        local decided = a and a.decision == "allow" and a.reason == "consent"
            and b and b.decision == "deny" and b.reason == "withdrawn"
        if tempfailed then
            c.tempfailed = c.tempfailed + 1
            first_tempfail = first_tempfail or now_ms()
            run = 0
        elseif decided then
            c.decided = c.decided + 1
            if not first_tempfail then
                c.before_tempfail = c.before_tempfail + 1
            else
                run = run + 1
                if run == 1 then recovered = now_ms() end
            end
        else
            problem(n, "neither tempfailed nor decided (MAIL " .. tostring(res.mail)
                    .. ", alice " .. tostring(res.alice) .. ", bob "
                    .. tostring(res.bob) .. ")")
            run = 0
        end
        if first_tempfail and run >= RECOVERED_RUN then break end
        if now_ms() - start > deadline * 1000 then break end
        mt.sleep(PAUSE)
    end

    print(string.format("failover: %d sessions in %d ms after the kill",
                        c.sessions, now_ms() - kill_ms))
    print(string.format("failover: accepted %d (alice, granted), refused %d "
                        .. "(bob, withdrawn), tempfailed %d sessions "
                        .. "(%d at MAIL, %d recipients at RCPT)",
                        c.accepted, c.refused, c.tempfailed, c.tempfail_mail,
                        c.tempfail_rcpt))
    print(string.format("failover: first tempfail %s ms after the kill; "
                        .. "decided correctly again %s ms after the kill",
                        first_tempfail and tostring(first_tempfail - kill_ms) or "-",
                        recovered and tostring(recovered - kill_ms) or "never"))
    for _, p in ipairs(problems) do print("failover: problem: " .. p) end

    t.check(c.tempfailed > 0, "messages during the failover were tempfailed")
    t.eq(c.unchecked, 0, "nothing accepted unchecked")
    t.eq(c.wrong, 0, "no session decided wrongly")
    t.check(recovered ~= nil and run >= RECOVERED_RUN,
            "decided correctly again after the promotion")
end

t.main(function()
    local phase = os.getenv("CM_PHASE")
    if phase == "plain" then
        plain("plain", { { "alice@example.org", "consent" },
                          { "bob@example.org", "withdrawn" },
                          { "carol@example.org", "no-consent" } })
    elseif phase == "down" then
        audit_skip()
        local conn = t.connect()
        t.eq(t.mail(conn, "<news@org.example>"), SMFIR_REPLYCODE,
             "down: MAIL tempfailed")
        mt.disconnect(conn)
        local m = by_rcpt(audit_new())["-"]
        t.record(m, { rcpt = t.NULL, decision = "tempfail",
                      reason = "store-error", action = "tempfail",
                      sender = "news@org.example" }, "down: MAIL record")
    elseif phase == "failover" then
        failover()
    elseif phase == "after" then
        plain("after", { { "alice@example.org", "consent" },
                         { "bob@example.org", "withdrawn" },
                         { "carol@example.org", "consent" },
                         { "dave@example.org", "no-consent" } })
    else
        error("CM_PHASE must be plain, down, failover or after")
    end
end)
