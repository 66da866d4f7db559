-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- dkim.lua - the dkim plugin: only a signed campaign header counts
--
-- Keys and messages come from tests/plugins/dkim-setup.sh (generated
-- per run, signed with libopendkim). With dkim.Require campaign-header,
-- a campaign header counts only when a passing signature of a trusted
-- domain (org.example) covers every copy of it; otherwise every
-- recipient is denied with campaign-unauthenticated (row 9), whatever
-- the campaign claims to be. Envelope campaigns are not affected.
--
-- setup: tests/plugins/dkim-setup.sh
-- conf: Plugin dkim @PLUGINDIR@/dkim.so
-- conf: dkim.TrustedDomains org.example, news.org.example
-- conf: dkim.KeyFile @TMP@/keys.txt
-- conf: dkim.Require campaign-header

local t = dofile(os.getenv("CM_TESTLIB"))
local dir = os.getenv("CM_TMP") .. "/msg/"

-- send FILE QID RCPTS - one message from a file; returns the EOM reply
local function send(file, qid, rcpts)
    local headers, body = t.read_message(dir .. file)
    local conn = t.connect()
    t.eq(t.mail(conn, "<campaigns@org.example>"), SMFIR_CONTINUE,
         file .. ": MAIL")
    for _, r in ipairs(rcpts or { "<alice@example.org>" }) do
        t.eq(t.rcpt(conn, r), SMFIR_CONTINUE, file .. ": RCPT " .. r)
    end
    local reply = t.message(conn, headers, qid, body)
    return reply, conn
end

-- dkim_of - the dkim plugin's object in the last record for rcpt
local function dkim_of(rcpt, what)
    local r = t.last_for(rcpt)
    if t.check(r and r.plugins and r.plugins.dkim, what .. ": plugins.dkim in the audit record") then
        return r.plugins.dkim
    end
    return {}
end

t.main(function()
t.seed()

-- The key file was read at start, while the daemon could (as root, it
-- may be root's alone). Gone now, as it is to a daemon that dropped
-- privileges, it must not be needed again: libopendkim's own file
-- method opened it for every signature, and every signed message was
-- deferred.
os.remove(os.getenv("CM_TMP") .. "/keys.txt")

-- Signed by a trusted domain, covering the header: consent decides.
local reply, conn = send("good.eml", "QD1",
                         { "<alice@example.org>", "<bob@example.org>" })
t.eq(reply, SMFIR_ACCEPT, "good: accepted for the consented")
t.check(mt.eom_check(conn, MT_RCPTDELETE, "<bob@example.org>"),
        "good: bob (withdrawn) still stripped")
t.check(not mt.eom_check(conn, MT_RCPTDELETE, "<alice@example.org>"),
        "good: alice kept")
mt.disconnect(conn)
t.record(t.last_for("alice@example.org"), { decision = "allow",
         reason = "consent", qid = "QD1", campaign = "spring" }, "good: alice")
t.record(t.last_for("bob@example.org"), { decision = "deny",
         reason = "withdrawn", qid = "QD1" }, "good: bob")
local d = dkim_of("alice@example.org", "good")
t.eq(d.result, "pass", "good: dkim result")
t.eq(d.domain, "org.example", "good: dkim domain")
t.eq(d.selector, "s1", "good: dkim selector")
t.eq(d.campaign_signed, "yes", "good: campaign header signed")

-- Simple canonicalisation and a folded Subject also verify.
reply, conn = send("good-simple.eml", "QD2")
t.eq(reply, SMFIR_ACCEPT, "simple/simple: accepted")
mt.disconnect(conn)
t.eq(dkim_of("alice@example.org", "simple").result, "pass",
     "simple/simple: dkim pass")

-- A signature over many fields (73 in h=, 70 of them X-Tag) covers the
-- campaign header as well as one over three.
reply, conn = send("many-fields.eml", "QD3")
t.eq(reply, SMFIR_ACCEPT, "many signed fields: accepted")
mt.disconnect(conn)
d = dkim_of("alice@example.org", "many fields")
t.eq(d.result, "pass", "many signed fields: dkim pass")
t.eq(d.campaign_signed, "yes", "many signed fields: campaign header signed")

-- Everything else: the campaign claim is not backed.
local bad = {
    { "unsigned.eml", "none", "no signature at all" },
    { "forged-service.eml", "none", "an unsigned service claim" },
    { "uncovered.eml", "pass", "a signature that does not cover the header" },
    { "untrusted.eml", "pass", "a signature of an untrusted domain" },
    { "tampered-body.eml", "fail", "a body changed after signing" },
    { "tampered-header.eml", "fail", "a campaign header changed after signing" },
    { "added-below.eml", "pass", "a second copy added below the signed one" },
    { "added-above.eml", "pass", "a second copy added above the signed one" },
    { "length.eml", "pass", "a signature with a body length limit (l=)",
      "body-length" },
    { "length-appended.eml", "pass", "text appended below an l= signature",
      "body-length" },
    { "testing.eml", "pass", "a signature whose key is in testing mode (t=y)",
      "testing-key" },
}
for i, case in ipairs(bad) do
    local file, result, what = case[1], case[2], case[3]
    local qid = "QB" .. i
    reply, conn = send(file, qid)
    t.eq(reply, SMFIR_REPLYCODE, what .. ": refused")
    local campaign = file == "forged-service.eml" and "receipts"
        or file == "tampered-header.eml" and "receipts" or "spring"
    t.check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1",
            "<alice@example.org>: not sent: campaign-unauthenticated (campaign "
            .. campaign .. ")"), what .. ": reply names the reason")
    mt.disconnect(conn)
    t.record(t.last_for("alice@example.org"), { decision = "deny",
             reason = "campaign-unauthenticated", action = "reject",
             qid = qid, campaign = campaign }, what)
    d = dkim_of("alice@example.org", what)
    t.eq(d.result, result, what .. ": dkim result")
    t.eq(d.campaign_signed, "no", what .. ": campaign header not signed")
    t.eq(d.unused, case[4], what .. ": why the signature does not count")
end
t.eq(dkim_of("alice@example.org", "added above").domain, "org.example",
     "added above: the passing signature is still reported")

-- An envelope campaign needs no header signature in this mode.
conn = t.connect()
t.eq(t.mail(conn, "<news@org.example>"), SMFIR_CONTINUE, "envelope: MAIL")
t.eq(t.rcpt(conn, "<alice@example.org>"), SMFIR_CONTINUE, "envelope: alice")
t.eq(t.rcpt(conn, "<bob@example.org>"), SMFIR_REPLYCODE,
     "envelope: bob refused at RCPT as usual")
t.eq(t.message(conn, { { "From", "news@org.example" } }, "QE1", "hi\r\n"),
     SMFIR_ACCEPT, "envelope: accepted")
mt.disconnect(conn)
t.record(t.last_for("alice@example.org"), { decision = "allow",
         reason = "consent", qid = "QE1" }, "envelope: alice")
t.eq(dkim_of("alice@example.org", "envelope").result, "none",
     "envelope: dkim none")
end)
