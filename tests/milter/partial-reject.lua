-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- partial-reject.lua - PartialAction reject: one denied refuses them all

-- conf: PartialAction reject

local t = dofile(os.getenv("CM_TESTLIB"))

t.main(function()
t.seed()
local conn = t.connect()
t.mail(conn, "<campaigns@org.example>")
t.rcpt(conn, "<alice@example.org>")
t.rcpt(conn, "<carol@example.org>")
t.eq(t.message(conn, { { "X-Campaign-ID", "spring" } }, "QP1"), SMFIR_REPLYCODE,
     "rejected")
t.check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1",
        "not sent: no-consent (campaign spring)"), "550 text")
mt.disconnect(conn)
t.record(t.last_for("alice@example.org"), { decision = "allow",
         reason = "consent", action = "reject" }, "alice")
t.record(t.last_for("carol@example.org"), { decision = "deny",
         reason = "no-consent", action = "reject" }, "carol")
end)
