-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- sender-forms.lua - a mapped sender written in another form is still mapped
--
-- Postfix delivers MAIL FROM:<@relay.example:news@org.example>,
-- <news@org.example.> and <"news"@org.example> from news@org.example
-- (it drops a source route and a trailing dot, and unquotes), so each
-- must find the campaign of Psender:news@org.example (DESIGN.md
-- sections 2 and 4): bob (withdrawn) is refused at RCPT, 550, with an
-- audit line, exactly as for the plain form; alice goes through with
-- the header. The audit "sender" keeps the form the client wrote
-- (normalised). The same forms are in a campaign's senders list
-- (row 8) as the canonical address.

-- conf: ConsentHeader full

local t = dofile(os.getenv("CM_TESTLIB"))

t.main(function()
t.seed()

local forms = {
    { "plain", "<news@org.example>", "news@org.example" },
    { "source route", "<@relay.example:news@org.example>",
      "@relay.example:news@org.example" },
    { "two hops", "<@a.example,@b.example:news@org.example>",
      "@a.example,@b.example:news@org.example" },
    { "trailing dot", "<news@org.example.>", "news@org.example." },
    { "quoted", "<\"news\"@org.example>", "\"news\"@org.example" },
    { "backslash", "<\"n\\ews\"@Org.Example>", "\"n\\ews\"@org.example" },
    { "all at once", "<@relay.example:\"NEWS\"@org.example.>",
      "@relay.example:\"news\"@org.example." },
}

for i, f in ipairs(forms) do
    local what, sender, shown = f[1], f[2], f[3]
    local qid = "QS" .. i
    local conn = t.connect()
    t.eq(t.mail(conn, sender), SMFIR_CONTINUE, what .. ": MAIL")
    mt.macro(conn, SMFIC_RCPT, "i", qid)
    t.eq(t.rcpt(conn, "<bob@example.org>"), SMFIR_REPLYCODE,
         what .. ": withdrawn bob refused at RCPT")
    t.eq(t.rcpt(conn, "<alice@example.org>"), SMFIR_CONTINUE,
         what .. ": alice accepted")
    t.eq(t.message(conn, { { "From", "news@org.example" } }, qid),
         SMFIR_ACCEPT, what .. ": message to alice accepted")
    t.check(mt.eom_check(conn, MT_HDRADD, "X-Consent-Milter",
            "campaign=spring; allowed=1; denied=1; mode=enforce"),
            what .. ": marketing header")
    mt.disconnect(conn)
    t.record(t.last_for("bob@example.org"), { decision = "deny",
             reason = "withdrawn", action = "reject", campaign = "spring",
             sender = shown }, what .. ": bob")
    t.record(t.last_for("alice@example.org"), { decision = "allow",
             reason = "consent", action = "accept", campaign = "spring",
             sender = shown, qid = qid }, what .. ": alice")
end

-- Row 8: "restricted" lists news@org.example; its other forms are it.
for _, sender in ipairs({ "<@relay.example:news@org.example>",
                          "<news@org.example.>", "<\"news\"@org.example>" }) do
    local conn = t.connect()
    t.mail(conn, sender)
    t.eq(t.rcpt(conn, "<alice@example.org>"), SMFIR_CONTINUE,
         sender .. ": alice under spring")
    t.eq(t.message(conn, { { "X-Campaign-ID", "restricted" } }, "QR"),
         SMFIR_ACCEPT, sender .. ": listed sender may use restricted")
    mt.disconnect(conn)
    t.record(t.last_for("alice@example.org"), { decision = "allow",
             reason = "consent", campaign = "restricted" },
             sender .. ": alice")
end

-- Not a form of news@org.example: someone else, as before.
local conn = t.connect()
t.mail(conn, "<@news@org.example:other@org.example>")
t.eq(t.rcpt(conn, "<bob@example.org>"), SMFIR_CONTINUE,
     "a route naming news@ is not news@")
mt.disconnect(conn)
end)
