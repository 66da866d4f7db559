-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- campaign-unreadable.lua - a campaign record Redis returns but nobody can read
--
-- OnError accept lets mail through unchecked while the store cannot
-- be read (row 1: timeout, connection, error reply). A campaign record
-- that Redis returns with a field the daemon cannot read ("Closed",
-- "stopped", "30d", no purpose) is no outage: Redis answered, and the
-- record is wrong. Read as an outage, the typo "Closed" in a campaign
-- meant to be closed sent it to everybody, the withdrawn included.
-- Such a message waits (451, reason store-error) whatever OnError says,
-- until the record is mended; then it is decided as usual.
-- conf: OnError accept

local t = dofile(os.getenv("CM_TESTLIB"))

t.main(function()
t.seed()

-- Envelope campaign: news@org.example maps to spring, "Closed" is no status.
t.redis("HSET", "cm:campaign:spring", "status", "Closed")
local conn = t.connect()
t.eq(t.mail(conn, "<news@org.example>"), SMFIR_REPLYCODE,
     "envelope: MAIL tempfailed, not let through")
mt.disconnect(conn)
local recs = t.audit()
t.record(recs[#recs], { rcpt = t.NULL, decision = "tempfail",
         reason = "store-error", action = "tempfail",
         sender = "news@org.example", campaign = "spring" },
         "envelope: MAIL record")

-- Header campaign: the record has no purpose, then a bad max_age_days.
local bad = {
    { "HDEL", "purpose", nil, "no purpose" },
    { "HSET", "max_age_days", "30d", "max_age_days 30d" },
    { "HSET", "basis", "Consent", "basis Consent" },
}
t.redis("HSET", "cm:campaign:spring", "status", "active")
for i, b in ipairs(bad) do
    t.redis("DEL", "cm:campaign:summer")
    t.redis("HSET", "cm:campaign:summer", "purpose", "newsletter",
            "status", "active")
    if b[3] then
	t.redis(b[1], "cm:campaign:summer", b[2], b[3])
    else
	t.redis(b[1], "cm:campaign:summer", b[2])
    end
    local qid = "QU" .. i
    conn = t.connect()
    t.eq(t.mail(conn, "<campaigns@org.example>"), SMFIR_CONTINUE,
	 b[4] .. ": MAIL")
    t.eq(t.rcpt(conn, "<bob@example.org>"), SMFIR_CONTINUE, b[4] .. ": RCPT")
    t.eq(t.message(conn, { { "X-Campaign-ID", "summer" } }, qid),
	 SMFIR_REPLYCODE, b[4] .. ": tempfailed at end of message")
    t.check(mt.eom_check(conn, MT_SMTPREPLY, "451", "4.7.1",
	    "<bob@example.org>: not sent: store-error (campaign summer)"),
	    b[4] .. ": 451 4.7.1 store-error")
    mt.disconnect(conn)
    t.record(t.last_for("bob@example.org"), { decision = "tempfail",
	     reason = "store-error", action = "tempfail", qid = qid,
	     campaign = "summer" }, b[4])
end

-- Mended: decided as usual (bob withdrew), no outage left behind.
t.redis("DEL", "cm:campaign:summer")
t.redis("HSET", "cm:campaign:summer", "purpose", "newsletter")
conn = t.connect()
t.eq(t.mail(conn, "<campaigns@org.example>"), SMFIR_CONTINUE, "mended: MAIL")
t.eq(t.rcpt(conn, "<bob@example.org>"), SMFIR_CONTINUE, "mended: RCPT")
t.eq(t.message(conn, { { "X-Campaign-ID", "summer" } }, "QU9"),
     SMFIR_REPLYCODE, "mended: bob refused")
t.check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1",
        "<bob@example.org>: not sent: withdrawn (campaign summer)"),
        "mended: 550 5.7.1 withdrawn")
mt.disconnect(conn)
t.record(t.last_for("bob@example.org"), { decision = "deny",
         reason = "withdrawn", qid = "QU9" }, "mended")

-- And a real outage is still the administrator's choice: accepted.
t.redis("SHUTDOWN", "NOSAVE")
conn = t.connect()
t.eq(t.mail(conn, "<campaigns@org.example>"), SMFIR_CONTINUE, "down: MAIL")
t.eq(t.rcpt(conn, "<bob@example.org>"), SMFIR_CONTINUE, "down: RCPT")
t.eq(t.message(conn, { { "X-Campaign-ID", "summer" } }, "QU10"),
     SMFIR_ACCEPT, "down: accepted unchecked (OnError accept)")
mt.disconnect(conn)
t.record(t.last_for("bob@example.org"), { decision = "allow",
         reason = "store-error", action = "accept", qid = "QU10" }, "down")
end)
