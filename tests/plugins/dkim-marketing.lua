-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- dkim-marketing.lua - dkim.Require marketing
--
-- Every marketing message needs a passing signature of a trusted domain,
-- whatever way its campaign was found; service mail does not.
--
-- setup: tests/plugins/dkim-setup.sh
-- conf: Plugin dkim @PLUGINDIR@/dkim.so
-- conf: dkim.TrustedDomains org.example
-- conf: dkim.KeyFile @TMP@/keys.txt
-- conf: dkim.Require marketing

local t = dofile(os.getenv("CM_TESTLIB"))

t.main(function()
t.seed()

-- Envelope campaign, unsigned: refused at end of message.
local conn = t.connect()
t.mail(conn, "<news@org.example>")
t.eq(t.rcpt(conn, "<alice@example.org>"), SMFIR_CONTINUE, "unsigned: alice passes RCPT")
t.eq(t.message(conn, { { "From", "news@org.example" } }, "QM1", "hi\r\n"),
     SMFIR_REPLYCODE, "unsigned envelope campaign: refused")
t.check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1",
        "<alice@example.org>: not sent: campaign-unauthenticated (campaign spring)"),
        "unsigned: reply")
mt.disconnect(conn)
t.record(t.last_for("alice@example.org"), { decision = "deny",
         reason = "campaign-unauthenticated", qid = "QM1" }, "unsigned envelope")

-- Service campaign by envelope, unsigned: not marketing, allowed.
conn = t.connect()
t.mail(conn, "<billing@org.example>")
t.rcpt(conn, "<carol@example.org>")
t.eq(t.message(conn, { { "From", "billing@org.example" } }, "QM2", "receipt\r\n"),
     SMFIR_ACCEPT, "unsigned service mail: accepted")
mt.disconnect(conn)
t.record(t.last_for("carol@example.org"), { decision = "allow",
         reason = "service", qid = "QM2" }, "service")

-- Signed by the trusted domain: consent decides.
local headers, body = t.read_message(os.getenv("CM_TMP") .. "/msg/good.eml")
conn = t.connect()
t.mail(conn, "<campaigns@org.example>")
t.rcpt(conn, "<alice@example.org>")
t.eq(t.message(conn, headers, "QM3", body), SMFIR_ACCEPT, "signed: accepted")
mt.disconnect(conn)
t.record(t.last_for("alice@example.org"), { decision = "allow",
         reason = "consent", qid = "QM3" }, "signed")
end)
