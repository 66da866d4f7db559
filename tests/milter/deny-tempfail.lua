-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- deny-tempfail.lua - DenyAction tempfail: 451 instead of 550

-- conf: DenyAction tempfail

local t = dofile(os.getenv("CM_TESTLIB"))

t.main(function()
t.seed()
local conn = t.connect()
t.mail(conn, "<news@org.example>")
t.eq(t.rcpt(conn, "<bob@example.org>"), SMFIR_REPLYCODE, "bob tempfailed at RCPT")
mt.disconnect(conn)
t.record(t.last_for("bob@example.org"), { decision = "deny",
         reason = "withdrawn", action = "tempfail" }, "rcpt: bob")

conn = t.connect()
t.mail(conn, "<campaigns@org.example>")
t.rcpt(conn, "<alice@example.org>")
t.rcpt(conn, "<bob@example.org>")
t.eq(t.message(conn, { { "X-Campaign-ID", "spring" } }, "QF1"), SMFIR_REPLYCODE,
     "header campaign: message tempfailed")
t.check(mt.eom_check(conn, MT_SMTPREPLY, "451", "4.7.1",
        "not sent: withdrawn (campaign spring)"), "451 text")
mt.disconnect(conn)
t.record(t.last_for("alice@example.org"), { decision = "allow",
         action = "tempfail", qid = "QF1" }, "eom: alice")
end)
