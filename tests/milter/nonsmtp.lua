-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- nonsmtp.lua - Postfix's sendmail command (non_smtpd_milters)
--
-- Postfix may not refuse the simulated RCPT commands of local
-- submissions; the daemon recognises the path (no client address, or
-- port 0) and decides everything at end of message, even for an
-- envelope campaign. miltertest's "unspec" address plays that path.
-- Nothing is stripped there (cleanup shows the milter its rewritten
-- recipient but matches a deletion against the submitted one): a
-- message with allowed and denied recipients is deferred whole.
-- Without the sender map copy (outage.lua has it), so that Redis down
-- means what it meant before: every message waits.
-- conf: SenderMapRefresh 0

local t = dofile(os.getenv("CM_TESTLIB"))

t.main(function()
t.seed()

local conn = t.connect("unspec")
t.eq(t.mail(conn, "<news@org.example>"), SMFIR_CONTINUE, "MAIL")
t.eq(t.rcpt(conn, "<alice@example.org>"), SMFIR_CONTINUE, "alice not decided at RCPT")
t.eq(t.rcpt(conn, "<bob@example.org>"), SMFIR_CONTINUE, "bob not refused at RCPT")
t.eq(t.message(conn, { { "From", "news@org.example" } }, "QN1"), SMFIR_REPLYCODE,
     "alice and bob: deferred whole")
t.check(mt.eom_check(conn, MT_SMTPREPLY, "451", "4.7.1",
        "not sent: withdrawn (campaign spring)"), "451 4.7.1")
t.check(not mt.eom_check(conn, MT_RCPTDELETE, "<bob@example.org>"), "bob not stripped")
mt.disconnect(conn)
t.record(t.last_for("bob@example.org"), { decision = "deny",
         reason = "withdrawn", action = "tempfail", qid = "QN1" }, "bob")
t.record(t.last_for("alice@example.org"), { decision = "allow",
         reason = "consent", action = "tempfail", qid = "QN1" }, "alice")

-- Every recipient denied: the message is rejected at end of message.
conn = t.connect("unspec")
t.mail(conn, "<news@org.example>")
t.rcpt(conn, "<bob@example.org>")
t.eq(t.message(conn, {}, "QN2"), SMFIR_REPLYCODE, "all denied: rejected")
t.check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1",
        "<bob@example.org>: not sent: withdrawn (campaign spring)"), "550 text")
mt.disconnect(conn)

-- Redis down at MAIL: no refusal at MAIL, the message waits at the end.
t.redis("SHUTDOWN", "NOSAVE")
mt.sleep(0.15)			-- idle connections are looked at every 100 ms
conn = t.connect("unspec")
t.eq(t.mail(conn, "<news@org.example>"), SMFIR_CONTINUE, "down: MAIL goes on")
t.eq(t.rcpt(conn, "<alice@example.org>"), SMFIR_CONTINUE, "down: RCPT goes on")
t.eq(t.message(conn, {}, "QN3"), SMFIR_REPLYCODE, "down: tempfailed at the end")
t.check(mt.eom_check(conn, MT_SMTPREPLY, "451", "4.7.1",
        "not sent: store-error (consent store unavailable, try again later)"),
        "down: 451 4.7.1 store-error")
mt.disconnect(conn)
t.record(t.last_for("alice@example.org"), { decision = "tempfail",
         reason = "store-error", action = "tempfail", qid = "QN3" }, "down: alice")
end)
