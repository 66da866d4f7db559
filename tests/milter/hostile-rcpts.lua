-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- hostile-rcpts.lua - odd and hostile recipients, and MaxRecipients
--
-- Envelope campaign (news@org.example -> spring), so every recipient is
-- decided at RCPT: upper case is the same person, quoted local parts,
-- IP-literal domains and UTF-8 addresses are ordinary addresses without
-- consent, and what cannot be an address (empty, control bytes, over 320
-- bytes, no domain) is bad-address. Then 10,000 recipients in one
-- message all get a decision; the 10,001st is refused with 452 4.5.3
-- (too-many-recipients) and logged. Every audit line is valid JSON.
-- The header counts them (ConsentHeader full).

-- conf: ConsentHeader full

local t = dofile(os.getenv("CM_TESTLIB"))

t.main(function()
t.seed()

local conn = t.connect()
t.eq(t.mail(conn, "<news@org.example>"), SMFIR_CONTINUE, "MAIL")
local cases = {
    { "<ALICE@EXAMPLE.ORG>", SMFIR_CONTINUE, "alice@example.org", "allow", "consent",
      "upper case is alice" },
    { "<\"alice smith\"@example.org>", SMFIR_REPLYCODE, "\"alice smith\"@example.org",
      "deny", "no-consent", "a quoted local part" },
    { "<alice@[192.0.2.1]>", SMFIR_REPLYCODE, "alice@[192.0.2.1]", "deny",
      "no-consent", "an IP-literal domain" },
    { "<J\xC3\xB6rg@B\xC3\xBCcher.example>", SMFIR_REPLYCODE,
      "j\xC3\xB6rg@b\xC3\xBCcher.example", "deny", "no-consent", "SMTPUTF8" },
    { "<>", SMFIR_REPLYCODE, nil, "deny", "bad-address", "empty <>" },
    { "<al\1ice@example.org>", SMFIR_REPLYCODE, nil, "deny", "bad-address",
      "a control byte" },
    { "<" .. string.rep("a", 310) .. "@example.org>", SMFIR_REPLYCODE, nil, "deny",
      "bad-address", "over 320 bytes" },
    { "<alice>", SMFIR_REPLYCODE, nil, "deny", "bad-address", "no domain" },
    -- Issue 16: what no MTA delivers is bad-address, as import refuses it;
    -- what MTAs deliver is still looked up.
    { "<j.smith@gmail,com>", SMFIR_REPLYCODE, nil, "deny", "bad-address",
      "a comma in the domain" },
    { "<peter@example.org; pete@work.example>", SMFIR_REPLYCODE, nil, "deny",
      "bad-address", "two addresses in one" },
    { "<alice+news@example.org>", SMFIR_REPLYCODE, "alice+news@example.org",
      "deny", "no-consent", "a +tag" },
    { "<alice@[IPv6:2001:DB8::1]>", SMFIR_REPLYCODE, "alice@[ipv6:2001:db8::1]",
      "deny", "no-consent", "an IPv6 literal" },
}
for _, c in ipairs(cases) do
    t.eq(t.rcpt(conn, c[1]), c[2], c[6] .. ": RCPT reply")
end
t.eq(t.message(conn, { { "From", "news@org.example" } }, "QR1"), SMFIR_ACCEPT,
     "the message goes to the one consented recipient")
mt.disconnect(conn)

local records = t.audit()
t.eq(#records, #cases, "one audit line per recipient")
for _, c in ipairs(cases) do
    if c[3] then
        t.record(t.last_for(c[3]), { decision = c[4], reason = c[5] }, c[6])
    end
end
local bad = 0
for _, r in ipairs(records) do
    if r.reason == "bad-address" then bad = bad + 1 end
end
t.eq(bad, 6, "six bad-address lines")

-- 10,000 recipients (MaxRecipients, the default) and one more.
conn = t.connect()
t.eq(t.mail(conn, "<campaigns@org.example>"), SMFIR_CONTINUE, "10k: MAIL")
local refused = 0
for k = 1, 10000 do
    local rcpt = k == 1 and "<alice@example.org>" or string.format("<user%d@example.org>", k)
    if t.rcpt(conn, rcpt) ~= SMFIR_CONTINUE then refused = refused + 1 end
end
t.eq(refused, 0, "10k: 10,000 recipients taken")
t.eq(t.rcpt(conn, "<one-too-many@example.org>"), SMFIR_REPLYCODE,
     "10k: the 10,001st is refused (452 4.5.3)")
t.eq(t.message(conn, { { "X-Campaign-ID", "spring" } }, "QR2"), SMFIR_ACCEPT,
     "10k: delivered to the consented one")
t.check(mt.eom_check(conn, MT_RCPTDELETE, "<user2@example.org>"), "10k: user2 stripped")
t.check(mt.eom_check(conn, MT_RCPTDELETE, "<user10000@example.org>"),
        "10k: user10000 stripped")
t.check(not mt.eom_check(conn, MT_RCPTDELETE, "<alice@example.org>"), "10k: alice kept")
t.check(mt.eom_check(conn, MT_HDRADD, "X-Consent-Milter",
        "campaign=spring; allowed=1; denied=9999; mode=enforce"), "10k: header counts")
mt.disconnect(conn)
local over = t.last_for("one-too-many@example.org")
t.record(over, { decision = "tempfail", reason = "too-many-recipients",
         action = "tempfail" }, "10k: the refused one is logged")
local n = 0
for _, r in ipairs(t.audit()) do
    if r.qid == "QR2" then n = n + 1 end
end
t.eq(n, 10000, "10k: one audit line per recipient")
end)
