-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- header.lua - campaigns named in the X-Campaign-ID header
--
-- The header arrives after every RCPT, so recipients are decided at end
-- of message: denied ones are stripped (PartialAction strip, the
-- default) and the rest get the message; when every recipient is
-- denied, the message is rejected. The records carry the queue id.

local t = dofile(os.getenv("CM_TESTLIB"))

t.main(function()
t.seed()

-- Mixed recipients: strip the denied, deliver to the consented.
local conn = t.connect()
t.eq(t.mail(conn, "<campaigns@org.example>"), SMFIR_CONTINUE, "strip: MAIL")
for _, r in ipairs({ "<alice@example.org>", "<Bob@Example.org>",
                     "<carol@example.org>", "<dave@example.org>" }) do
    t.eq(t.rcpt(conn, r), SMFIR_CONTINUE, "strip: RCPT " .. r .. " waits for the header")
end
t.eq(t.message(conn, { { "From", "Campaigns <campaigns@org.example>" },
                       { "X-Campaign-ID", " spring " },
                       { "Message-ID", "<h1@org.example>" } }, "QH1"),
     SMFIR_ACCEPT, "strip: message accepted for the consented")
t.check(mt.eom_check(conn, MT_RCPTDELETE, "<Bob@Example.org>"),
        "strip: bob removed exactly as the MTA sent him")
t.check(mt.eom_check(conn, MT_RCPTDELETE, "<carol@example.org>"), "strip: carol removed")
t.check(mt.eom_check(conn, MT_RCPTDELETE, "<dave@example.org>"), "strip: dave removed")
t.check(not mt.eom_check(conn, MT_RCPTDELETE, "<alice@example.org>"),
        "strip: alice kept")
t.check(mt.eom_check(conn, MT_HDRADD, "X-Consent-Milter",
        "campaign=spring; mode=enforce"),
        "strip: X-Consent-Milter header added, without counts (ConsentHeader campaign)")
mt.disconnect(conn)
t.record(t.last_for("alice@example.org"), { decision = "allow",
         reason = "consent", action = "accept", qid = "QH1",
         campaign = "spring", msgid = "<h1@org.example>",
         from = "campaigns@org.example", sender = "campaigns@org.example" },
         "strip: alice")
t.record(t.last_for("bob@example.org"), { decision = "deny",
         reason = "withdrawn", action = "strip", qid = "QH1" }, "strip: bob")
t.record(t.last_for("carol@example.org"), { decision = "deny",
         reason = "no-consent", action = "strip", qid = "QH1" }, "strip: carol")
t.record(t.last_for("dave@example.org"), { decision = "deny",
         reason = "suppressed", action = "strip", qid = "QH1" }, "strip: dave")

-- Every recipient denied: the whole message is rejected.
conn = t.connect()
t.mail(conn, "<campaigns@org.example>")
t.rcpt(conn, "<bob@example.org>")
t.rcpt(conn, "<carol@example.org>")
t.eq(t.message(conn, { { "X-Campaign-ID", "spring" } }, "QH2"),
     SMFIR_REPLYCODE, "reject: all denied rejects the message")
t.check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1",
        "not sent: withdrawn, no-consent (campaign spring)"),
        "reject: 550 5.7.1 with the reasons")
t.check(not mt.eom_check(conn, MT_HDRADD, "X-Consent-Milter"),
        "reject: no header on a refused message")
mt.disconnect(conn)
t.record(t.last_for("carol@example.org"), { decision = "deny",
         reason = "no-consent", action = "reject", qid = "QH2" }, "reject: carol")

-- One recipient: the reply has the RCPT shape.
conn = t.connect()
t.mail(conn, "<campaigns@org.example>")
t.rcpt(conn, "<bob@example.org>")
t.eq(t.message(conn, { { "X-Campaign-ID", "spring" } }, "QH3"),
     SMFIR_REPLYCODE, "reject one: refused")
t.check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1",
        "<bob@example.org>: not sent: withdrawn (campaign spring)"),
        "reject one: 550 5.7.1 <bob@example.org>: not sent: withdrawn (campaign spring)")
mt.disconnect(conn)

-- A paused campaign waits: 451 for the message, nothing lost.
conn = t.connect()
t.mail(conn, "<campaigns@org.example>")
t.rcpt(conn, "<alice@example.org>")
t.eq(t.message(conn, { { "X-Campaign-ID", "paused1" } }, "QH4"),
     SMFIR_REPLYCODE, "paused: tempfailed")
t.check(mt.eom_check(conn, MT_SMTPREPLY, "451", "4.7.1",
        "<alice@example.org>: not sent: campaign-paused (campaign paused1)"),
        "paused: 451 4.7.1 campaign-paused")
mt.disconnect(conn)
t.record(t.last_for("alice@example.org"), { decision = "tempfail",
         reason = "campaign-paused", action = "tempfail", qid = "QH4",
         campaign = "paused1" }, "paused: alice")

-- The header overrides the envelope campaign: alice passed RCPT under
-- spring, and is decided again under closed1.
conn = t.connect()
t.mail(conn, "<news@org.example>")
t.eq(t.rcpt(conn, "<alice@example.org>"), SMFIR_CONTINUE, "override: RCPT ok under spring")
t.eq(t.message(conn, { { "X-Campaign-ID", "closed1" } }, "QH5"),
     SMFIR_REPLYCODE, "override: header campaign closed1 rejects")
mt.disconnect(conn)
t.record(t.last_for("alice@example.org"), { decision = "deny",
         reason = "campaign-closed", campaign = "closed1", qid = "QH5" },
         "override: alice")

-- Two different campaign headers: nobody guesses which one counts.
conn = t.connect()
t.mail(conn, "<campaigns@org.example>")
t.rcpt(conn, "<alice@example.org>")
t.eq(t.message(conn, { { "X-Campaign-ID", "receipts" },
                       { "X-Campaign-ID", "spring" } }, "QH6"),
     SMFIR_REPLYCODE, "conflict: rejected")
mt.disconnect(conn)
t.record(t.last_for("alice@example.org"), { decision = "deny",
         reason = "bad-campaign-id", campaign = "receipts" }, "conflict")

-- The same when the first header names the envelope's campaign: alice
-- passed RCPT under spring, and a second header says receipts (a
-- service campaign). Either order is row 4, and no consent evidence
-- read under spring stays in the record.
for _, order in ipairs({ { "spring", "receipts" }, { "receipts", "spring" } }) do
    conn = t.connect()
    t.mail(conn, "<news@org.example>")
    t.eq(t.rcpt(conn, "<alice@example.org>"), SMFIR_CONTINUE,
         "envelope conflict: RCPT ok under spring")
    t.eq(t.message(conn, { { "X-Campaign-ID", order[1] },
                           { "X-Campaign-ID", order[2] } }, "QH8"),
         SMFIR_REPLYCODE, "envelope conflict " .. order[1] .. ", " ..
         order[2] .. ": rejected")
    mt.disconnect(conn)
    local rec = t.last_for("alice@example.org")
    t.record(rec, { decision = "deny", reason = "bad-campaign-id",
                    qid = "QH8" }, "envelope conflict " .. order[1])
    t.eq(rec.consent_at, nil, "envelope conflict " .. order[1] ..
         ": no consent evidence of spring")
end

-- Hostile header text is escaped: the record stays one JSON object.
conn = t.connect()
t.mail(conn, "<campaigns@org.example>")
t.rcpt(conn, "<alice@example.org>")
t.eq(t.message(conn, { { "X-Campaign-ID", "x\"y\\z\1\255" },
                       { "Message-ID", "<\"quoted\"\\\255@x>" } }, "QH7"),
     SMFIR_REPLYCODE, "escaping: malformed id rejected")
mt.disconnect(conn)
local r = t.last_for("alice@example.org")
t.record(r, { reason = "bad-campaign-id", qid = "QH7",
              campaign = "x\"y\\z\1\u{fffd}",
              msgid = "<\"quoted\"\\\u{fffd}@x>" }, "escaping")
end)
