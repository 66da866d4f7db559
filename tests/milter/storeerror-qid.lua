-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- storeerror-qid.lua - the store-error line at MAIL carries {i}
--
-- sendmail sends the queue id macro {i} with MAIL; Postfix only after
-- the first accepted RCPT. When the sender lookup at MAIL fails (Redis
-- stopped), the one audit line with "rcpt":null carries the queue id
-- where the MTA gave it, and null where it did not. Without the sender
-- map copy (outage.lua has it): the lookup's failure decides alone.
-- conf: SenderMapRefresh 0

local t = dofile(os.getenv("CM_TESTLIB"))

t.main(function()
t.seed()
t.redis("SHUTDOWN", "NOSAVE")
mt.sleep(0.15)

local conn = t.connect()
mt.macro(conn, SMFIC_MAIL, "i", "QM1sendmail")
t.eq(t.mail(conn, "<news@org.example>"), SMFIR_REPLYCODE, "sendmail: MAIL 451")
mt.disconnect(conn)
local recs = t.audit()
t.record(recs[#recs], { rcpt = t.NULL, qid = "QM1sendmail", decision = "tempfail",
         reason = "store-error", action = "tempfail",
         sender = "news@org.example" }, "sendmail: the MAIL line has the qid")

conn = t.connect()
t.eq(t.mail(conn, "<news@org.example>"), SMFIR_REPLYCODE, "postfix: MAIL 451")
mt.disconnect(conn)
recs = t.audit()
t.eq(#recs, 2, "postfix: a second line")
t.record(recs[#recs], { rcpt = t.NULL, qid = t.NULL, reason = "store-error" },
         "postfix: no {i} at MAIL, qid null")
end)
