-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- nullsender.lua - MAIL FROM:<> is ordinary only for a true DSN
--
-- DESIGN.md section 2: a delivery status notification (one recipient,
-- Content-Type multipart/report, no campaign header, no bulk marker)
-- passes untouched and unlogged, even with Redis down; a message from
-- <> with a campaign header, a bulk marker or more than one recipient
-- (BulkThreshold 1 here, so that two recipients are bulk) is decided
-- like any other. Otherwise any sending tool could skip every check
-- with MAIL FROM:<>. Also on the sendmail-command path, where Postfix
-- passes the null sender as an empty string.
--
-- conf: BulkThreshold 1

local t = dofile(os.getenv("CM_TESTLIB"))

t.main(function()
t.seed()

local report = { { "From", "MAILER-DAEMON@relay.example" },
                 { "Content-Type", "multipart/report; report-type=delivery-status;\n\tboundary=\"b1\"" } }

-- A true DSN: one recipient, multipart/report.
local conn = t.connect()
t.eq(t.mail(conn, "<>"), SMFIR_CONTINUE, "DSN: MAIL goes on")
t.eq(t.rcpt(conn, "<bob@example.org>"), SMFIR_CONTINUE, "DSN: RCPT")
t.eq(t.message(conn, report, "QD1"), SMFIR_ACCEPT, "DSN: accepted")
t.check(not mt.eom_check(conn, MT_HDRADD, "X-Consent-Milter"), "DSN: untouched")
mt.disconnect(conn)
t.eq(#t.audit(), 0, "DSN: not logged")

-- <> with a campaign header: decided, bob (withdrawn) is refused.
conn = t.connect()
t.eq(t.mail(conn, "<>"), SMFIR_CONTINUE, "campaign: MAIL")
t.eq(t.rcpt(conn, "<bob@example.org>"), SMFIR_CONTINUE, "campaign: RCPT")
t.eq(t.message(conn, { { "X-Campaign-ID", "spring" } }, "QD2"), SMFIR_REPLYCODE,
     "campaign: refused")
t.check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1",
        "<bob@example.org>: not sent: withdrawn (campaign spring)"), "campaign: 550")
mt.disconnect(conn)
t.record(t.last_for("bob@example.org"), { qid = "QD2", sender = "",
         campaign = "spring", decision = "deny", reason = "withdrawn",
         action = "reject" }, "campaign: bob")

-- <> with a campaign header that also looks like a DSN: still decided.
conn = t.connect()
t.mail(conn, "<>")
t.rcpt(conn, "<alice@example.org>")
local with_campaign = { report[1], report[2], { "X-Campaign-ID", "spring" } }
t.eq(t.message(conn, with_campaign, "QD3"), SMFIR_ACCEPT, "report + campaign: accepted")
t.check(mt.eom_check(conn, MT_HDRADD, "X-Consent-Milter"),
        "report + campaign: treated as marketing")
mt.disconnect(conn)
t.record(t.last_for("alice@example.org"), { qid = "QD3", sender = "",
         decision = "allow", reason = "consent", action = "accept" },
         "report + campaign: alice")

-- <> with a bulk marker and no campaign: unidentified bulk.
conn = t.connect()
t.mail(conn, "<>")
t.rcpt(conn, "<carol@example.org>")
t.eq(t.message(conn, { report[2], { "List-Unsubscribe", "<mailto:u@org.example>" } },
     "QD4"), SMFIR_REPLYCODE, "bulk marker: refused")
t.check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1",
        "<carol@example.org>: not sent: unidentified-bulk (no campaign)"),
        "bulk marker: 550 unidentified-bulk")
mt.disconnect(conn)
t.record(t.last_for("carol@example.org"), { qid = "QD4", sender = "",
         decision = "deny", reason = "unidentified-bulk" }, "bulk marker: carol")

-- <> to two recipients (over BulkThreshold 1), report or not: bulk.
conn = t.connect()
t.mail(conn, "<>")
t.rcpt(conn, "<alice@example.org>")
t.rcpt(conn, "<erin@example.org>")
t.eq(t.message(conn, report, "QD5"), SMFIR_REPLYCODE, "two recipients: refused")
t.check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1",
        "not sent: unidentified-bulk (no campaign)"), "two recipients: 550")
mt.disconnect(conn)
t.record(t.last_for("erin@example.org"), { qid = "QD5", decision = "deny",
         reason = "unidentified-bulk" }, "two recipients: erin")

-- The sendmail-command path: Postfix passes the null sender as "".
conn = t.connect("unspec")
t.eq(t.mail(conn, ""), SMFIR_CONTINUE, "sendmail path: MAIL")
t.rcpt(conn, "bob@example.org")
t.eq(t.message(conn, { { "X-Campaign-ID", "spring" } }, "QD6"), SMFIR_REPLYCODE,
     "sendmail path: refused")
mt.disconnect(conn)
t.record(t.last_for("bob@example.org"), { qid = "QD6", sender = "",
         decision = "deny", reason = "withdrawn", action = "reject" },
         "sendmail path: bob")

-- With Redis down a true DSN still passes: nothing needs looking up.
t.redis("SHUTDOWN", "NOSAVE")
mt.sleep(0.15)
local n = #t.audit()
conn = t.connect()
t.eq(t.mail(conn, "<>"), SMFIR_CONTINUE, "down: MAIL")
t.rcpt(conn, "<bob@example.org>")
t.eq(t.message(conn, report, "QD7"), SMFIR_ACCEPT, "down: the DSN is accepted")
mt.disconnect(conn)
conn = t.connect()
t.mail(conn, "<>")
t.rcpt(conn, "<bob@example.org>")
t.eq(t.message(conn, { { "X-Campaign-ID", "spring" } }, "QD8"), SMFIR_REPLYCODE,
     "down: <> with a campaign waits")
t.check(mt.eom_check(conn, MT_SMTPREPLY, "451", "4.7.1",
        "<bob@example.org>: not sent: store-error (campaign spring)"), "down: 451")
mt.disconnect(conn)
t.eq(#t.audit(), n + 1, "down: one line, for the campaign message")
end)
