-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- onerror-accept.lua - OnError accept: the administrator's explicit choice
--
-- With OnError accept, mail that cannot be checked is delivered, and
-- every recipient's record says so (decision allow, reason store-error).

-- conf: OnError accept

local t = dofile(os.getenv("CM_TESTLIB"))

t.main(function()
t.seed()
t.redis("SHUTDOWN", "NOSAVE")
local conn = t.connect()
t.eq(t.mail(conn, "<news@org.example>"), SMFIR_CONTINUE, "MAIL goes on")
t.eq(t.rcpt(conn, "<bob@example.org>"), SMFIR_CONTINUE, "RCPT goes on")
t.eq(t.message(conn, { { "X-Campaign-ID", "spring" } }, "QA1"), SMFIR_ACCEPT,
     "message accepted unchecked")
t.check(mt.eom_check(conn, MT_HDRADD, "X-Consent-Milter",
        "campaign=spring; mode=enforce"), "header added")
mt.disconnect(conn)
t.record(t.last_for("bob@example.org"), { decision = "allow",
         reason = "store-error", action = "accept", qid = "QA1" }, "bob")
end)
