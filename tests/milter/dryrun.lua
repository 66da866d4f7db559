-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- dryrun.lua - Mode dry-run: act on nothing, log everything
--
-- Every record says what would have been done ("action" as in enforce
-- mode) with "mode":"dry-run"; the MTA sees no refusal and no removed
-- recipient; the header says mode=dry-run. Limits included: a recipient
-- over MaxRecipients (2 here) is recorded as enforce mode refuses it,
-- with 452 (too-many-recipients), and let through; a store error at
-- MAIL FROM (Redis stopped at the end; no sender map copy) gets the one
-- "rcpt":null line of enforce mode, which defers the transaction there.

-- conf: Mode dry-run
-- conf: ConsentHeader full
-- conf: MaxRecipients 2
-- conf: SenderMapRefresh 0

local t = dofile(os.getenv("CM_TESTLIB"))

t.main(function()
t.seed()

-- Envelope campaign: bob would have been refused at RCPT.
local conn = t.connect()
t.eq(t.mail(conn, "<news@org.example>"), SMFIR_CONTINUE, "envelope: MAIL")
t.eq(t.rcpt(conn, "<alice@example.org>"), SMFIR_CONTINUE, "envelope: alice")
t.eq(t.rcpt(conn, "<bob@example.org>"), SMFIR_CONTINUE,
     "envelope: bob not refused in dry-run")
t.eq(t.message(conn, { { "From", "news@org.example" } }, "QD1"), SMFIR_ACCEPT,
     "envelope: message accepted")
t.check(mt.eom_check(conn, MT_HDRADD, "X-Consent-Milter",
        "campaign=spring; allowed=1; denied=1; mode=dry-run"),
        "envelope: header says dry-run")
t.check(not mt.eom_check(conn, MT_RCPTDELETE, "<bob@example.org>"),
        "envelope: bob not removed")
mt.disconnect(conn)
t.record(t.last_for("bob@example.org"), { decision = "deny",
         reason = "withdrawn", action = "reject", mode = "dry-run",
         qid = "QD1" }, "envelope: bob")
t.record(t.last_for("alice@example.org"), { decision = "allow",
         reason = "consent", action = "accept", mode = "dry-run" },
         "envelope: alice")

-- Header campaign: carol would have been stripped.
conn = t.connect()
t.mail(conn, "<campaigns@org.example>")
t.rcpt(conn, "<alice@example.org>")
t.rcpt(conn, "<carol@example.org>")
t.eq(t.message(conn, { { "X-Campaign-ID", "spring" } }, "QD2"), SMFIR_ACCEPT,
     "header: accepted")
t.check(not mt.eom_check(conn, MT_RCPTDELETE, "<carol@example.org>"),
        "header: carol not removed")
mt.disconnect(conn)
t.record(t.last_for("carol@example.org"), { decision = "deny",
         reason = "no-consent", action = "strip", mode = "dry-run" },
         "header: carol")

-- Everyone denied: would have been rejected, is delivered.
conn = t.connect()
t.mail(conn, "<campaigns@org.example>")
t.rcpt(conn, "<carol@example.org>")
t.eq(t.message(conn, { { "X-Campaign-ID", "spring" } }, "QD3"), SMFIR_ACCEPT,
     "all denied: still accepted")
mt.disconnect(conn)
t.record(t.last_for("carol@example.org"), { action = "reject",
         mode = "dry-run", qid = "QD3" }, "all denied: carol")

-- The envelope's campaign and another in the header: enforce mode
-- refuses bob at RCPT under spring and writes his line then (campaign
-- spring, its purpose, the evidence read under it); dry-run must write
-- the same, not the header campaign's name and record with spring's
-- decision. alice is decided again under the header campaign.
conn = t.connect()
t.mail(conn, "<news@org.example>")
t.rcpt(conn, "<alice@example.org>")
t.eq(t.rcpt(conn, "<bob@example.org>"), SMFIR_CONTINUE,
     "override: bob not refused")
t.eq(t.message(conn, { { "X-Campaign-ID", "receipts" } }, "QD5"), SMFIR_ACCEPT,
     "override: accepted")
mt.disconnect(conn)
t.record(t.last_for("bob@example.org"), { qid = "QD5", campaign = "spring",
         purpose = "newsletter", basis = "consent", decision = "deny",
         reason = "withdrawn", action = "reject", mode = "dry-run",
         consent_src = "unsubscribe link" }, "override: bob")
t.record(t.last_for("alice@example.org"), { qid = "QD5",
         campaign = "receipts", purpose = "receipts", basis = "service",
         decision = "allow", reason = "service", action = "accept",
         mode = "dry-run" }, "override: alice")

-- A third recipient over MaxRecipients 2: enforce mode refuses it at
-- RCPT (452 4.5.3) and writes its line then; dry-run writes the same
-- line and refuses nothing.
conn = t.connect()
t.mail(conn, "<news@org.example>")
t.rcpt(conn, "<alice@example.org>")
t.rcpt(conn, "<dave@example.org>")
t.eq(t.rcpt(conn, "<erin@example.org>"), SMFIR_CONTINUE,
     "limit: the third recipient is not refused")
t.eq(t.message(conn, { { "From", "news@org.example" } }, "QD4"), SMFIR_ACCEPT,
     "limit: message accepted")
mt.disconnect(conn)
t.record(t.last_for("erin@example.org"), { qid = t.NULL, campaign = "spring",
         decision = "tempfail", reason = "too-many-recipients",
         action = "tempfail", mode = "dry-run" }, "limit: erin")
t.record(t.last_for("dave@example.org"), { qid = "QD4", decision = "deny",
         reason = "suppressed", action = "reject", mode = "dry-run" },
         "limit: dave")

-- Redis down: enforce mode tempfails MAIL FROM and writes one line with
-- "rcpt":null; dry-run writes that line, lets the message through and
-- decides nothing more about it (no line per recipient, no header).
t.redis("SHUTDOWN", "NOSAVE")
mt.sleep(0.15)
local before = #t.audit()
conn = t.connect()
t.eq(t.mail(conn, "<news@org.example>"), SMFIR_CONTINUE, "down: MAIL goes on")
t.eq(t.rcpt(conn, "<alice@example.org>"), SMFIR_CONTINUE, "down: alice")
t.eq(t.rcpt(conn, "<bob@example.org>"), SMFIR_CONTINUE, "down: bob")
t.eq(t.message(conn, { { "X-Campaign-ID", "spring" } }, "QD6"), SMFIR_ACCEPT,
     "down: accepted")
t.check(not mt.eom_check(conn, MT_HDRADD, "X-Consent-Milter"),
        "down: no header (enforce mode delivers nothing to add it to)")
mt.disconnect(conn)
local recs = t.audit()
t.eq(#recs, before + 1, "down: one line, as in enforce mode")
t.record(recs[#recs], { rcpt = t.NULL, qid = t.NULL, campaign = t.NULL,
         sender = "news@org.example", decision = "tempfail",
         reason = "store-error", action = "tempfail", mode = "dry-run" },
         "down: the MAIL line")
end)
