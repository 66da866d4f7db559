-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- agree-daemon.lua - the daemon's half of tests/ctl/check-agrees.sh
--
-- Not a test by itself (its name differs from the .sh on purpose:
-- automake would pick a .lua over a .sh of the same name). Run by
-- check-agrees.sh through tests/milter/run.sh, against the same Redis
-- that consentctl then reads.
--
-- Seeds the sample data (t.seed() and the extras below), then reads the
-- case table named by CM_AGREE_CASES, one case a line:
--	name|sender|auth|campaign|rcpt|decision|reason
-- and plays each through the real daemon as an envelope campaign: MAIL
-- (with the SASL login, if any), RCPT and, when RCPT is not refused,
-- the message. The case's audit record (exactly one) gives the
-- daemon's decision and reason, printed as
--	agree|name|decision|reason
-- for the shell script to compare with "consentctl check".

local t = dofile(os.getenv("CM_TESTLIB"))

t.main(function()
t.seed()
-- Row 8 allowed by the envelope sender itself.
t.redis("HSET", "cm:campaign:listed", "purpose", "newsletter",
        "senders", "lister@org.example")
t.redis("SET", "cm:sender:lister@org.example", "listed")
-- Row 16a: a consent time a day ahead.
t.redis("HSET", "cm:consent:frank@example.org", "newsletter", "granted",
        "newsletter:at", tostring(t.now + 86400), "newsletter:src", "bad clock")

local f = assert(io.open(os.getenv("CM_AGREE_CASES"), "r"))
local n = 0
for line in f:lines() do
    local name, sender, auth, _, rcpt =
        string.match(line, "^([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|")
    if name and name ~= "" then
        n = n + 1
        local before = #t.audit()
        local conn = t.connect()
        t.eq(t.mail(conn, "<" .. sender .. ">", auth ~= "" and auth or nil),
             SMFIR_CONTINUE, name .. ": MAIL continues")
        if t.rcpt(conn, rcpt) == SMFIR_CONTINUE then
            t.message(conn, { { "From", sender } }, "Q" .. n)
        end
        mt.disconnect(conn)
        local recs = t.audit()
        if t.eq(#recs, before + 1, name .. ": one audit record") then
            local r = recs[#recs]
            print("agree|" .. name .. "|" .. tostring(r.decision) .. "|"
                  .. tostring(r.reason))
        end
    end
end
f:close()
t.check(n > 0, "cases read")
end)
