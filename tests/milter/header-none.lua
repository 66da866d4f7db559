-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- header-none.lua - ConsentHeader none: the message carries no header
--
-- DESIGN.md section 6: "none" adds no X-Consent-Milter header at all;
-- the decisions are the same (the denied recipient is stripped) and the
-- audit records are written as always.

-- conf: ConsentHeader none

local t = dofile(os.getenv("CM_TESTLIB"))

t.main(function()
t.seed()
local conn = t.connect()
t.mail(conn, "<campaigns@org.example>")
t.rcpt(conn, "<alice@example.org>")
t.rcpt(conn, "<carol@example.org>")
t.eq(t.message(conn, { { "X-Campaign-ID", "spring" } }, "QN1"), SMFIR_ACCEPT,
     "accepted for the consented")
t.check(mt.eom_check(conn, MT_RCPTDELETE, "<carol@example.org>"),
        "carol stripped")
t.check(not mt.eom_check(conn, MT_HDRADD, "X-Consent-Milter"),
        "no X-Consent-Milter header")
mt.disconnect(conn)
t.record(t.last_for("alice@example.org"), { decision = "allow",
         reason = "consent", action = "accept", qid = "QN1" }, "alice")
t.record(t.last_for("carol@example.org"), { decision = "deny",
         reason = "no-consent", action = "strip", qid = "QN1" }, "carol")
end)
