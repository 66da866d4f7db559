-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- deny-tag.lua - DenyAction tag: deliver, and say so in a header

-- conf: DenyAction tag

local t = dofile(os.getenv("CM_TESTLIB"))

t.main(function()
t.seed()
local conn = t.connect()
t.mail(conn, "<campaigns@org.example>")
t.rcpt(conn, "<alice@example.org>")
t.rcpt(conn, "<carol@example.org>")
t.eq(t.message(conn, { { "X-Campaign-ID", "spring" } }, "QT1"), SMFIR_ACCEPT,
     "accepted")
t.check(mt.eom_check(conn, MT_HDRADD, "X-Consent-Milter-Denied",
        "1 recipient(s); reasons=no-consent"), "tag header")
t.check(mt.eom_check(conn, MT_HDRADD, "X-Consent-Milter",
        "campaign=spring; mode=enforce"), "consent header")
t.check(not mt.eom_check(conn, MT_RCPTDELETE, "<carol@example.org>"), "carol kept")
mt.disconnect(conn)
t.record(t.last_for("carol@example.org"), { decision = "deny",
         reason = "no-consent", action = "tag" }, "carol")
end)
