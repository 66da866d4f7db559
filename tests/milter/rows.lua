-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- rows.lua - the decision table, row by row, through the real daemon
--
-- Envelope campaigns (Psender: in Redis) are decided at RCPT time: a
-- refused recipient gets its own reply, and its audit record is written
-- at once. Each case checks the reply and the fields of the record.
-- Row 1 (store errors) is in storeerror.lua, row 9 (plugin veto) comes
-- with the plugins. The header carries the counts (ConsentHeader full).

-- conf: ConsentHeader full

local t = dofile(os.getenv("CM_TESTLIB"))

t.main(function()
t.seed()

-- One RCPT-time case: sender, recipient, expected reply, record fields.
local function rcpt_case(what, sender, rcpt, reply, fields)
    local conn = t.connect()
    t.eq(t.mail(conn, sender), SMFIR_CONTINUE, what .. ": MAIL continues")
    t.eq(t.rcpt(conn, rcpt), reply, what .. ": RCPT reply")
    mt.disconnect(conn)
    if fields then
        t.record(t.last_for(fields.rcpt), fields, what)
    end
end

-- Row 2: no campaign, not bulk: untouched and unlogged.
local conn = t.connect()
t.eq(t.mail(conn, "<someone@org.example>"), SMFIR_CONTINUE, "row 2: MAIL")
t.eq(t.rcpt(conn, "<carol@example.org>"), SMFIR_CONTINUE, "row 2: RCPT")
t.eq(t.message(conn, { { "From", "someone@org.example" },
                       { "Subject", "lunch?" } }, "Q2"),
     SMFIR_ACCEPT, "row 2: message accepted")
t.check(not mt.eom_check(conn, MT_HDRADD, "X-Consent-Milter"),
        "row 2: no X-Consent-Milter header on ordinary mail")
mt.disconnect(conn)
t.eq(#t.audit(), 0, "row 2: ordinary mail is not logged")

-- Rows 4 to 8: the campaign itself decides for every recipient.
rcpt_case("row 4 bad-campaign-id", "<badid@org.example>", "<alice@example.org>",
          SMFIR_REPLYCODE, { rcpt = "alice@example.org", decision = "deny",
          reason = "bad-campaign-id", action = "reject", campaign = "bad id!",
          purpose = t.NULL, basis = t.NULL, qid = t.NULL })
-- A mapping that is there but names no valid id is row 4 as well: an
-- empty value once read as "no campaign" and switched the check off.
t.redis("SET", "cm:sender:empty@org.example", "")
t.redis("SET", "cm:sender:long@org.example", string.rep("x", 200))
rcpt_case("row 4 bad-campaign-id, empty mapping", "<empty@org.example>",
          "<alice@example.org>", SMFIR_REPLYCODE, { rcpt = "alice@example.org",
          decision = "deny", reason = "bad-campaign-id", action = "reject",
          campaign = "", sender = "empty@org.example" })
rcpt_case("row 4 bad-campaign-id, over-long mapping", "<long@org.example>",
          "<alice@example.org>", SMFIR_REPLYCODE, { rcpt = "alice@example.org",
          decision = "deny", reason = "bad-campaign-id", action = "reject",
          campaign = string.rep("x", 128) .. "?", sender = "long@org.example" })
rcpt_case("row 5 unknown-campaign", "<unknown@org.example>", "<alice@example.org>",
          SMFIR_REPLYCODE, { rcpt = "alice@example.org", decision = "deny",
          reason = "unknown-campaign", campaign = "nosuch", purpose = t.NULL })
rcpt_case("row 6 campaign-closed", "<closed@org.example>", "<alice@example.org>",
          SMFIR_REPLYCODE, { rcpt = "alice@example.org", decision = "deny",
          reason = "campaign-closed", campaign = "closed1",
          purpose = "newsletter", basis = "consent" })
rcpt_case("row 7 campaign-paused", "<paused@org.example>", "<alice@example.org>",
          SMFIR_REPLYCODE, { rcpt = "alice@example.org", decision = "tempfail",
          reason = "campaign-paused", action = "tempfail", campaign = "paused1" })
rcpt_case("row 8 campaign-not-authorised", "<restricted@org.example>",
          "<alice@example.org>", SMFIR_REPLYCODE, { rcpt = "alice@example.org",
          decision = "deny", reason = "campaign-not-authorised",
          campaign = "restricted", sender = "restricted@org.example",
          auth = t.NULL })

-- Row 8 the other way: the SASL login is in the senders list.
conn = t.connect()
t.eq(t.mail(conn, "<restricted@org.example>", "login1"), SMFIR_CONTINUE,
     "row 8: MAIL with a listed login")
t.eq(t.rcpt(conn, "<alice@example.org>"), SMFIR_CONTINUE,
     "row 8: listed SASL login may use the campaign")
mt.disconnect(conn)

-- Row 10: a service campaign needs no marketing consent.
conn = t.connect()
t.eq(t.mail(conn, "<billing@org.example>"), SMFIR_CONTINUE, "row 10: MAIL")
t.eq(t.rcpt(conn, "<carol@example.org>"), SMFIR_CONTINUE,
     "row 10: service mail to someone without consent")
t.eq(t.message(conn, { { "From", "Billing <billing@org.example>" } }, "Q10"),
     SMFIR_ACCEPT, "row 10: accepted")
t.eq(mt.getheader(conn, "X-Consent-Milter", 0),
     "campaign=receipts; allowed=1; denied=0; mode=enforce",
     "row 10: X-Consent-Milter header")
mt.disconnect(conn)
t.record(t.last_for("carol@example.org"), { decision = "allow",
         reason = "service", action = "accept", basis = "service",
         purpose = "receipts", qid = "Q10", from = "billing@org.example" },
         "row 10")

-- Rows 11 to 16: the recipient's own records.
rcpt_case("row 11 bad-address", "<news@org.example>", "<no-at-sign>",
          SMFIR_REPLYCODE, { rcpt = "<no-at-sign>", decision = "deny",
          reason = "bad-address", campaign = "spring" })
rcpt_case("row 12 suppressed", "<news@org.example>", "<dave@example.org>",
          SMFIR_REPLYCODE, { rcpt = "dave@example.org", decision = "deny",
          reason = "suppressed" })
t.check(t.last_for("dave@example.org").suppressed_at ~= nil,
        "row 12: suppressed_at recorded")
rcpt_case("row 13 no-consent", "<news@org.example>", "<carol@example.org>",
          SMFIR_REPLYCODE, { rcpt = "carol@example.org", decision = "deny",
          reason = "no-consent", action = "reject", mode = "enforce" })
rcpt_case("row 14 withdrawn", "<news@org.example>", "<Bob@Example.ORG>",
          SMFIR_REPLYCODE, { rcpt = "bob@example.org", decision = "deny",
          reason = "withdrawn", consent_src = "unsubscribe link" })
rcpt_case("row 15 consent-expired", "<fresh@org.example>", "<erin@example.org>",
          SMFIR_REPLYCODE, { rcpt = "erin@example.org", decision = "deny",
          reason = "consent-expired", campaign = "fresh" })

-- Row 16a: consent stored with a time more than 300 s ahead (another
-- tool's doing: no writer of ours stores one) is not consent, and a
-- far-future time cannot dodge max_age_days either.
t.redis("HSET", "cm:consent:frank@example.org", "newsletter", "granted",
        "newsletter:at", tostring(t.now + 86400), "newsletter:src", "bad clock")
rcpt_case("row 16a consent-invalid", "<news@org.example>", "<frank@example.org>",
          SMFIR_REPLYCODE, { rcpt = "frank@example.org", decision = "deny",
          reason = "consent-invalid", action = "reject", campaign = "spring",
          consent_src = "bad clock" })
rcpt_case("row 16a with max_age_days", "<fresh@org.example>",
          "<frank@example.org>", SMFIR_REPLYCODE, { rcpt = "frank@example.org",
          decision = "deny", reason = "consent-invalid", campaign = "fresh" })
t.redis("HSET", "cm:consent:frank@example.org", "newsletter:at",
        tostring(t.now + 200))
conn = t.connect()
t.eq(t.mail(conn, "<news@org.example>"), SMFIR_CONTINUE, "row 16a: MAIL")
t.eq(t.rcpt(conn, "<frank@example.org>"), SMFIR_CONTINUE,
     "row 16a: 200 s ahead is clock skew, allowed")
mt.disconnect(conn)

-- Row 16, and the order of rows: erin's consent is fine without max age.
conn = t.connect()
t.eq(t.mail(conn, "<news@org.example>", "membership-team"), SMFIR_CONTINUE,
     "row 16: MAIL")
t.eq(t.rcpt(conn, "<alice@example.org>"), SMFIR_CONTINUE, "row 16: alice allowed")
t.eq(t.rcpt(conn, "<erin@example.org>"), SMFIR_CONTINUE,
     "row 16: old consent is fine without max_age_days")
t.eq(t.rcpt(conn, "<bob@example.org>"), SMFIR_REPLYCODE, "row 16: bob refused")
t.eq(t.message(conn, { { "From", "\"News\" <news@org.example>" },
                       { "Message-ID", "<row16@org.example>" },
                       { "Subject", "Spring\r\n \"news\" =?UTF-8?Q?f=C3=BCr?= you" } },
               "Q16"),
     SMFIR_ACCEPT, "row 16: message accepted for the others")
t.eq(mt.getheader(conn, "X-Consent-Milter", 0),
     "campaign=spring; allowed=2; denied=1; mode=enforce",
     "row 16: header counts the refused recipient too")
t.check(not mt.eom_check(conn, MT_RCPTDELETE, "<alice@example.org>"),
        "row 16: nothing stripped at end of message")
mt.disconnect(conn)
t.record(t.last_for("alice@example.org"), { decision = "allow",
         reason = "consent", action = "accept", campaign = "spring",
         purpose = "newsletter", basis = "consent", qid = "Q16",
         msgid = "<row16@org.example>", sender = "news@org.example",
         auth = "membership-team", from = "news@org.example",
         subject = "Spring \"news\" =?UTF-8?Q?f=C3=BCr?= you",
         consent_src = "web form v3 \"join\" 192.0.2.1" }, "row 16")
t.check(t.last_for("alice@example.org").consent_at ~= nil,
        "row 16: consent_at recorded")
t.record(t.last_for("bob@example.org"), { decision = "deny",
         reason = "withdrawn", qid = t.NULL, auth = "membership-team",
         subject = t.NULL }, "row 16: refused bob (at RCPT: no Subject yet)")
end)
