-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- header-forms.lua - CampaignHeader Feedback-ID (first field)

-- conf: CampaignHeader Feedback-ID

local t = dofile(os.getenv("CM_TESTLIB"))

t.main(function()
t.seed()
local conn = t.connect()
t.mail(conn, "<campaigns@org.example>")
t.rcpt(conn, "<alice@example.org>")
t.rcpt(conn, "<carol@example.org>")
t.eq(t.message(conn, { { "Feedback-ID", "spring:members:org:ESP123" },
                       { "X-Campaign-ID", "receipts" } }, "QF1"),
     SMFIR_ACCEPT, "campaign from Feedback-ID, X-Campaign-ID ignored")
t.check(mt.eom_check(conn, MT_RCPTDELETE, "<carol@example.org>"), "carol stripped")
mt.disconnect(conn)
t.record(t.last_for("carol@example.org"), { campaign = "spring",
         reason = "no-consent" }, "carol")
end)
