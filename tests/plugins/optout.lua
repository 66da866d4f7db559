-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- optout.lua - the optout plugin: marketing names its sender and can be
-- left (PECR regulation 23)
--
-- Every marketing message (basis consent) needs a From with a parseable
-- address and a List-Unsubscribe with a mailto: or https: URI, else all
-- its recipients are denied with no-opt-out-address; service campaigns
-- are not touched. RequireOneClick is tested in optout-oneclick.lua.
--
-- conf: Plugin optout @PLUGINDIR@/optout.so

local t = dofile(os.getenv("CM_TESTLIB"))

local FROM = { "From", "Membership <news@org.example>" }
local MAILTO = { "List-Unsubscribe", "<mailto:unsubscribe@org.example?subject=stop>" }

-- send CAMPAIGN HEADERS QID - one message to alice; the EOM reply
local function send(campaign, headers, qid)
    local conn = t.connect()
    t.mail(conn, "<campaigns@org.example>")
    t.rcpt(conn, "<alice@example.org>")
    local all = { { "X-Campaign-ID", campaign } }
    for _, h in ipairs(headers) do all[#all + 1] = h end
    local reply = t.message(conn, all, qid)
    return reply, conn
end

local function optout_of(what)
    local r = t.last_for("alice@example.org")
    if t.check(r and r.plugins and r.plugins.optout, what .. ": plugins.optout") then
        return r.plugins.optout
    end
    return {}
end

t.main(function()
t.seed()

local ok = {
    { { FROM, MAILTO }, "mailto", "a mailto: URI" },
    { { FROM, { "List-Unsubscribe", "<https://org.example/u/1>" } }, "https",
      "an https: URI" },
    { { FROM, { "List-Unsubscribe",
                "<http://org.example/u>,\n\t<mailto:u@org.example>" } },
      "mailto", "a folded list whose second URI is usable" },
    { { { "From", "news@org.example" }, MAILTO }, "mailto", "a bare From address" },
    -- RFC 5322: quoted display names and comments may hold <, >, @.
    { { { "From", '"Shop <Sale>" <news@org.example>' }, MAILTO }, "mailto",
      "a quoted display name with angle brackets" },
    { { { "From", "news@org.example (Membership)" }, MAILTO }, "mailto",
      "a bare address with a comment" },
    { { { "From", "Membership (the <best> club) <news@org.example>" }, MAILTO },
      "mailto", "a comment with angle brackets" },
}
for i, case in ipairs(ok) do
    local reply, conn = send("spring", case[1], "QO" .. i)
    t.eq(reply, SMFIR_ACCEPT, case[3] .. ": accepted")
    mt.disconnect(conn)
    t.record(t.last_for("alice@example.org"), { decision = "allow",
             reason = "consent", qid = "QO" .. i }, case[3])
    local o = optout_of(case[3])
    t.eq(o.result, "ok", case[3] .. ": optout result")
    t.eq(o.unsubscribe, case[2], case[3] .. ": usable schemes")
    t.eq(o.from, "ok", case[3] .. ": from")
end

local bad = {
    { { FROM }, "ok", "none", "no List-Unsubscribe" },
    { { FROM, { "List-Unsubscribe", "<http://org.example/u>" } }, "ok", "none",
      "only an http: URI" },
    { { FROM, { "List-Unsubscribe", "mailto:u@org.example" } }, "ok", "none",
      "a URI without angle brackets" },
    { { FROM, { "List-Unsubscribe", "<mailto:>" } }, "ok", "none",
      "a mailto: without an address" },
    { { MAILTO }, "missing", "mailto", "no From" },
    { { { "From", "Membership <news>" }, MAILTO }, "unparseable", "mailto",
      "a From without a domain" },
    { { { "From", "" }, MAILTO }, "unparseable", "mailto", "an empty From" },
    { { FROM, { "From", "other@org.example" }, MAILTO }, "repeated", "mailto",
      "two From fields" },
    { { { "From", '"Shop" <news@org.example>, <other@org.example>' }, MAILTO },
      "unparseable", "mailto", "two addresses in one From" },
    { { { "From", "Membership (unclosed <news@org.example>" }, MAILTO },
      "unparseable", "mailto", "an unclosed comment" },
}
for i, case in ipairs(bad) do
    local what = case[4]
    local reply, conn = send("spring", case[1], "QN" .. i)
    t.eq(reply, SMFIR_REPLYCODE, what .. ": refused")
    t.check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1",
            "<alice@example.org>: not sent: no-opt-out-address (campaign spring)"),
            what .. ": the reply says what to fix")
    mt.disconnect(conn)
    t.record(t.last_for("alice@example.org"), { decision = "deny",
             reason = "no-opt-out-address", action = "reject",
             qid = "QN" .. i }, what)
    local o = optout_of(what)
    t.eq(o.from, case[2], what .. ": from")
    t.eq(o.unsubscribe, case[3], what .. ": usable schemes")
    t.eq(o.result, "no-opt-out-address", what .. ": optout result")
end

-- Service mail is not marketing: no opt-out needed.
local reply, conn = send("receipts", { FROM }, "QS1")
t.eq(reply, SMFIR_ACCEPT, "service campaign without List-Unsubscribe: accepted")
mt.disconnect(conn)
t.record(t.last_for("alice@example.org"), { decision = "allow",
         reason = "service", qid = "QS1" }, "service")

-- An envelope campaign: alice passed at RCPT, the veto comes at the end.
conn = t.connect()
t.mail(conn, "<news@org.example>")
t.eq(t.rcpt(conn, "<alice@example.org>"), SMFIR_CONTINUE, "envelope: alice passes RCPT")
t.eq(t.message(conn, { FROM }, "QE1"), SMFIR_REPLYCODE,
     "envelope: refused at end of message")
t.check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1",
        "<alice@example.org>: not sent: no-opt-out-address (campaign spring)"),
        "envelope: reply")
mt.disconnect(conn)
t.record(t.last_for("alice@example.org"), { decision = "deny",
         reason = "no-opt-out-address", qid = "QE1" }, "envelope")

-- Ordinary mail is none of the plugin's business.
conn = t.connect()
t.mail(conn, "<someone@org.example>")
t.rcpt(conn, "<carol@example.org>")
t.eq(t.message(conn, { { "Subject", "lunch?" } }, "QP1"), SMFIR_ACCEPT,
     "ordinary mail: accepted")
mt.disconnect(conn)
t.eq(#t.audit_for("carol@example.org"), 0, "ordinary mail: not logged")
end)
