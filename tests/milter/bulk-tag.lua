-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- bulk-tag.lua - UnidentifiedBulk tag: deliver bulk without campaign, marked

-- conf: UnidentifiedBulk tag

local t = dofile(os.getenv("CM_TESTLIB"))

t.main(function()
t.seed()
local conn = t.connect()
t.mail(conn, "<someone@org.example>")
t.rcpt(conn, "<carol@example.org>")
t.eq(t.message(conn, { { "List-Unsubscribe", "<https://org.example/u>" } }, "QG1"),
     SMFIR_ACCEPT, "delivered")
t.check(mt.eom_check(conn, MT_HDRADD, "X-Consent-Milter",
        "campaign=none; mode=enforce"), "marked")
mt.disconnect(conn)
t.record(t.last_for("carol@example.org"), { decision = "allow",
         reason = "unidentified-bulk", action = "tag", campaign = t.NULL }, "carol")
end)
