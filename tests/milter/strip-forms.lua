-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- strip-forms.lua - a denied recipient is stripped only when that is sure
--
-- smfi_delrcpt must name a recipient as the MTA stored it, and MTAs
-- rewrite source routes, trailing dots, quoting and over-long arguments
-- before they store them (DESIGN.md section 6). Header campaign, alice
-- allowed, PartialAction strip (the default): with a denied recipient
-- in one of those forms nothing is deleted and the whole message gets
-- 451 4.7.1; every audit line says tempfail. A plain recipient in any
-- case is still stripped by the name it came with. On the sendmail-
-- command path the MTA shows the milter its rewritten form, never the
-- stored one: nothing is stripped there.

local t = dofile(os.getenv("CM_TESTLIB"))

t.main(function()
t.seed()

-- miltertest takes no argument over about 1,000 bytes; tests/postfix/
-- forms.sh sends one longer than the 1,280 the daemon keeps.
local long = "<" .. string.rep("b", 900) .. "@example.org>"
local cases = {
    { "<@relay.example:bob@example.org>", "@relay.example:bob@example.org",
      "no-consent", "source route" },
    { "<bob@example.org.>", "bob@example.org.", "no-consent", "trailing dot" },
    { "<\"bob\"@example.org>", "\"bob\"@example.org", "no-consent",
      "quoted local part" },
    { "<bob%example.org@relay.example>", "bob%example.org@relay.example",
      "no-consent", "percent hack" },
    { "<bob@[192.0.2.1]>", "bob@[192.0.2.1]", "no-consent", "address literal" },
    { long, nil, "bad-address", "over 320 bytes" },
}
for n, c in ipairs(cases) do
    local qid = "QF" .. n
    local conn = t.connect()
    t.eq(t.mail(conn, "<campaigns@org.example>"), SMFIR_CONTINUE, c[4] .. ": MAIL")
    t.eq(t.rcpt(conn, "<alice@example.org>"), SMFIR_CONTINUE, c[4] .. ": alice")
    t.eq(t.rcpt(conn, c[1]), SMFIR_CONTINUE, c[4] .. ": RCPT")
    t.eq(t.message(conn, { { "X-Campaign-ID", "spring" } }, qid),
         SMFIR_REPLYCODE, c[4] .. ": the message is refused")
    t.check(mt.eom_check(conn, MT_SMTPREPLY, "451", "4.7.1",
            "not sent: " .. c[3] .. " (campaign spring)"), c[4] .. ": 451 4.7.1")
    t.check(not mt.eom_check(conn, MT_RCPTDELETE, c[1]), c[4] .. ": not deleted")
    t.check(not mt.eom_check(conn, MT_RCPTDELETE, "<alice@example.org>"),
            c[4] .. ": alice not deleted")
    t.check(not mt.eom_check(conn, MT_HDRADD, "X-Consent-Milter"),
            c[4] .. ": no header")
    mt.disconnect(conn)
    local recs = {}
    for _, r in ipairs(t.audit()) do
        if r.qid == qid then recs[#recs + 1] = r end
    end
    t.eq(#recs, 2, c[4] .. ": two audit lines")
    t.record(t.last_for("alice@example.org"), { qid = qid, decision = "allow",
             reason = "consent", action = "tempfail" }, c[4] .. ": alice")
    local odd = recs[1].rcpt == "alice@example.org" and recs[2] or recs[1]
    t.record(odd, { qid = qid, decision = "deny", reason = c[3],
             action = "tempfail" }, c[4] .. ": the denied one")
    if c[2] then
        t.eq(odd.rcpt, c[2], c[4] .. ": rcpt as normalised")
    end
end

-- A plain address, in any case: stripped by the name it came with.
local conn = t.connect()
t.eq(t.mail(conn, "<campaigns@org.example>"), SMFIR_CONTINUE, "plain: MAIL")
t.rcpt(conn, "<alice@example.org>")
t.rcpt(conn, "<Bob@Example.ORG>")
t.rcpt(conn, "carol@example.org")
t.eq(t.message(conn, { { "X-Campaign-ID", "spring" } }, "QF10"), SMFIR_ACCEPT,
     "plain: accepted for alice")
t.check(mt.eom_check(conn, MT_RCPTDELETE, "<Bob@Example.ORG>"),
        "plain: Bob stripped by his own name")
t.check(mt.eom_check(conn, MT_RCPTDELETE, "carol@example.org"),
        "plain: carol (no brackets) stripped as she came")
mt.disconnect(conn)
t.record(t.last_for("bob@example.org"), { qid = "QF10", decision = "deny",
         reason = "withdrawn", action = "strip" }, "plain: bob")

-- The sendmail-command path: the milter sees Postfix's rewritten
-- recipient (cleanup emulates RCPT after rewriting, without brackets),
-- while a deletion is matched against the original: never sure.
conn = t.connect("unspec")
t.eq(t.mail(conn, "campaigns@org.example"), SMFIR_CONTINUE, "sendmail path: MAIL")
t.rcpt(conn, "alice@example.org")
t.rcpt(conn, "bob@example.org")
t.eq(t.message(conn, { { "X-Campaign-ID", "spring" } }, "QF11"),
     SMFIR_REPLYCODE, "sendmail path: the message is deferred")
t.check(mt.eom_check(conn, MT_SMTPREPLY, "451", "4.7.1",
        "not sent: withdrawn (campaign spring)"), "sendmail path: 451 4.7.1")
t.check(not mt.eom_check(conn, MT_RCPTDELETE, "bob@example.org"),
        "sendmail path: bob not deleted")
mt.disconnect(conn)
t.record(t.last_for("bob@example.org"), { qid = "QF11", decision = "deny",
         reason = "withdrawn", action = "tempfail" }, "sendmail path: bob")
t.record(t.last_for("alice@example.org"), { qid = "QF11", decision = "allow",
         action = "tempfail" }, "sendmail path: alice")

-- Every recipient denied: rejected as before, whatever the forms.
conn = t.connect()
t.mail(conn, "<campaigns@org.example>")
t.rcpt(conn, "<@relay.example:bob@example.org>")
t.rcpt(conn, "<bob@example.org>")
t.eq(t.message(conn, { { "X-Campaign-ID", "spring" } }, "QF12"),
     SMFIR_REPLYCODE, "all denied: refused")
t.check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1",
        "not sent: no-consent, withdrawn (campaign spring)"), "all denied: 550")
mt.disconnect(conn)
end)
