-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- deny-quarantine.lua - DenyAction quarantine: hold, don't refuse

-- conf: DenyAction quarantine

local t = dofile(os.getenv("CM_TESTLIB"))

t.main(function()
t.seed()
local conn = t.connect()
t.mail(conn, "<news@org.example>")
t.eq(t.rcpt(conn, "<alice@example.org>"), SMFIR_CONTINUE, "alice")
t.eq(t.rcpt(conn, "<bob@example.org>"), SMFIR_CONTINUE, "bob not refused at RCPT")
t.eq(t.message(conn, {}, "QQ1"), SMFIR_ACCEPT, "accepted into the hold queue")
t.check(mt.eom_check(conn, MT_QUARANTINE,
        "consent-milter: denied recipients (withdrawn)"), "quarantined with reason")
t.check(not mt.eom_check(conn, MT_RCPTDELETE, "<bob@example.org>"), "bob kept")
mt.disconnect(conn)
t.record(t.last_for("bob@example.org"), { decision = "deny",
         reason = "withdrawn", action = "quarantine", qid = "QQ1" }, "bob")
t.record(t.last_for("alice@example.org"), { decision = "allow",
         action = "quarantine" }, "alice")
end)
