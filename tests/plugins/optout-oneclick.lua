-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- optout-oneclick.lua - optout.RequireOneClick yes: RFC 8058 one-click
--
-- On top of a usable List-Unsubscribe, marketing needs
-- "List-Unsubscribe-Post: List-Unsubscribe=One-Click" and an https: URI,
-- else no-one-click. The first rule still comes first.
--
-- conf: Plugin optout @PLUGINDIR@/optout.so
-- conf: optout.RequireOneClick yes

local t = dofile(os.getenv("CM_TESTLIB"))

local FROM = { "From", "Membership <news@org.example>" }
local HTTPS = { "List-Unsubscribe", "<https://org.example/u/1>, <mailto:u@org.example>" }
local MAILTO = { "List-Unsubscribe", "<mailto:u@org.example>" }
local POST = { "List-Unsubscribe-Post", "List-Unsubscribe=One-Click" }

t.main(function()
t.seed()

local cases = {
    { { FROM, HTTPS, POST }, nil, "https and the Post field" },
    { { FROM, HTTPS, { "List-Unsubscribe-Post", " list-unsubscribe=one-click " } },
      nil, "the Post field in another case, with spaces" },
    { { FROM, HTTPS }, "no-one-click", "no Post field" },
    { { FROM, MAILTO, POST }, "no-one-click", "mailto only" },
    { { FROM, HTTPS, { "List-Unsubscribe-Post", "List-Unsubscribe=Yes" } },
      "no-one-click", "a wrong Post value" },
    { { FROM, POST }, "no-opt-out-address", "no List-Unsubscribe at all" },
}
for i, case in ipairs(cases) do
    local headers, reason, what = case[1], case[2], case[3]
    local conn = t.connect()
    t.mail(conn, "<campaigns@org.example>")
    t.rcpt(conn, "<alice@example.org>")
    local all = { { "X-Campaign-ID", "spring" } }
    for _, h in ipairs(headers) do all[#all + 1] = h end
    local reply = t.message(conn, all, "QC" .. i)
    if reason == nil then
        t.eq(reply, SMFIR_ACCEPT, what .. ": accepted")
        t.record(t.last_for("alice@example.org"), { decision = "allow",
                 reason = "consent", qid = "QC" .. i }, what)
    else
        t.eq(reply, SMFIR_REPLYCODE, what .. ": refused")
        t.check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1",
                "<alice@example.org>: not sent: " .. reason .. " (campaign spring)"),
                what .. ": reply")
        t.record(t.last_for("alice@example.org"), { decision = "deny",
                 reason = reason, qid = "QC" .. i }, what)
    end
    mt.disconnect(conn)
end
end)
