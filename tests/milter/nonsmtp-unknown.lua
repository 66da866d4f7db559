-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- nonsmtp-unknown.lua - sendmail-command path, unregistered campaign
--
-- An envelope sender mapped to a campaign that is not registered
-- (unknown@org.example -> nosuch): over SMTP every recipient is refused
-- at RCPT with unknown-campaign; on Postfix's sendmail-command path the
-- same decision is made for the message at its end (550 5.7.1, reason
-- unknown-campaign), not a store-error tempfail. Closed and malformed
-- campaigns alike.

local t = dofile(os.getenv("CM_TESTLIB"))

t.main(function()
t.seed()

local cases = {
    { "unknown@org.example", "nosuch", "unknown-campaign" },
    { "closed@org.example", "closed1", "campaign-closed" },
    { "badid@org.example", "bad id!", "bad-campaign-id" },
}
for n, c in ipairs(cases) do
    local qid = "QU" .. n
    local conn = t.connect("unspec")
    t.eq(t.mail(conn, c[1]), SMFIR_CONTINUE, c[3] .. ": MAIL")
    t.eq(t.rcpt(conn, "alice@example.org"), SMFIR_CONTINUE, c[3] .. ": alice")
    t.eq(t.rcpt(conn, "carol@example.org"), SMFIR_CONTINUE, c[3] .. ": carol")
    t.eq(t.message(conn, {}, qid), SMFIR_REPLYCODE, c[3] .. ": refused at the end")
    t.check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1",
            "not sent: " .. c[3] .. " (campaign " .. c[2] .. ")"), c[3] .. ": 550 5.7.1")
    mt.disconnect(conn)
    t.record(t.last_for("alice@example.org"), { qid = qid, campaign = c[2],
             decision = "deny", reason = c[3], action = "reject" }, c[3] .. ": alice")
    t.record(t.last_for("carol@example.org"), { qid = qid, decision = "deny",
             reason = c[3], action = "reject" }, c[3] .. ": carol")
end

-- A header campaign still overrides the unregistered envelope one.
local conn = t.connect("unspec")
t.mail(conn, "unknown@org.example")
t.rcpt(conn, "alice@example.org")
t.eq(t.message(conn, { { "X-Campaign-ID", "spring" } }, "QU9"), SMFIR_ACCEPT,
     "header campaign: accepted")
mt.disconnect(conn)
t.record(t.last_for("alice@example.org"), { qid = "QU9", campaign = "spring",
         decision = "allow", reason = "consent", action = "accept" },
         "header campaign: alice")
end)
