-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- header-listid.lua - CampaignHeader List-Id (the id between < and >)

-- conf: CampaignHeader List-Id

local t = dofile(os.getenv("CM_TESTLIB"))

t.main(function()
t.seed()
local conn = t.connect()
t.mail(conn, "<campaigns@org.example>")
t.rcpt(conn, "<bob@example.org>")
t.eq(t.message(conn, { { "List-Id", "Spring news <spring>" } }, "QL1"),
     SMFIR_REPLYCODE, "campaign spring from List-Id: bob refused")
mt.disconnect(conn)
t.record(t.last_for("bob@example.org"), { campaign = "spring",
         reason = "withdrawn", action = "reject" }, "bob")
end)
