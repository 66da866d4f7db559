-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- bulk.lua - rows 2 and 3: bulk mail without a campaign
--
-- List-Unsubscribe, Precedence bulk/list, or more than BulkThreshold
-- recipients make mail bulk; bulk without a campaign gets
-- UnidentifiedBulk (reject by default). Ordinary mail passes untouched.

-- conf: BulkThreshold 3

local t = dofile(os.getenv("CM_TESTLIB"))

local function send(headers, rcpts, qid)
    local conn = t.connect()
    t.mail(conn, "<someone@org.example>")
    for _, r in ipairs(rcpts) do t.rcpt(conn, r) end
    local reply = t.message(conn, headers, qid)
    return conn, reply
end

t.main(function()
t.seed()
local conn, reply = send({ { "List-Unsubscribe", "<mailto:u@org.example>" } },
                         { "<alice@example.org>" }, "QB1")
t.eq(reply, SMFIR_REPLYCODE, "List-Unsubscribe without campaign: rejected")
t.check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1",
        "<alice@example.org>: not sent: unidentified-bulk (no campaign)"), "550 text")
mt.disconnect(conn)
t.record(t.last_for("alice@example.org"), { decision = "deny",
         reason = "unidentified-bulk", action = "reject", campaign = t.NULL,
         qid = "QB1" }, "list-unsubscribe")

conn, reply = send({ { "Precedence", " Bulk " } }, { "<carol@example.org>" }, "QB2")
t.eq(reply, SMFIR_REPLYCODE, "Precedence: bulk without campaign: rejected")
mt.disconnect(conn)

conn, reply = send({}, { "<a@example.org>", "<b@example.org>", "<c@example.org>" }, "QB3")
t.eq(reply, SMFIR_ACCEPT, "3 recipients (threshold 3): ordinary")
t.check(not mt.eom_check(conn, MT_HDRADD, "X-Consent-Milter"), "no header")
mt.disconnect(conn)
conn, reply = send({}, { "<a@example.org>", "<b@example.org>", "<c@example.org>",
                         "<d@example.org>" }, "QB4")
t.eq(reply, SMFIR_REPLYCODE, "4 recipients (over threshold 3): bulk, rejected")
mt.disconnect(conn)
t.eq(#t.audit_for("a@example.org"), 1, "only the bulk message is logged for a")

conn, reply = send({ { "Precedence", "junk" } }, { "<alice@example.org>" }, "QB5")
t.eq(reply, SMFIR_ACCEPT, "Precedence: junk is not bulk")
mt.disconnect(conn)
end)
