-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- migration.lua - the failure behind the penalty, end to end
--
-- A membership team loads a CRM export with consentctl, registers a
-- campaign, and sends through the milter. One person unsubscribes. The
-- old CRM export is imported again (a change of provider, a careless
-- re-sync): it must not bring the person back. The next send refuses
-- them, and "consentctl trace" tells the whole story.

local t = dofile(os.getenv("CM_TESTLIB"))
local tmp = os.getenv("CM_TMP")
local conf = tmp .. "/consent-milter.conf"

-- Run consentctl with the daemon's configuration; returns output, status.
local function ctl(args)
    local p = io.popen(os.getenv("CM_CONSENTCTL") .. " -c '" .. conf .. "' "
                       .. args .. " 2>&1; echo \"exit=$?\"")
    local out = p:read("a")
    p:close()
    return out, tonumber(string.match(out, "exit=(%d+)%s*$"))
end

local function send(qid)
    local conn = t.connect()
    t.eq(t.mail(conn, "<news@party.example>"), SMFIR_CONTINUE, qid .. ": MAIL")
    local alice = t.rcpt(conn, "<alice@example.org>")
    local bob = t.rcpt(conn, "<bob@example.org>")
    t.eq(t.message(conn, { { "From", "news@party.example" } }, qid),
         SMFIR_ACCEPT, qid .. ": delivered to the consented")
    mt.disconnect(conn)
    return alice, bob
end

t.main(function()
local t1 = t.now - 30 * 86400
local csv = tmp .. "/crm-export.csv"
local f = assert(io.open(csv, "w"))
f:write("address,purpose,state,at,source\n",
        "alice@example.org,newsletter,granted,", t1, ",web form v3\n",
        "Bob@Example.org,newsletter,granted,", t1, ",\"paper form, 2025\"\n")
f:close()

local out, rc = ctl("import '" .. csv .. "'")
t.eq(rc, 0, "import of the CRM export")
t.check(string.find(out, "applied 2", 1, true) ~= nil, "two records applied")
_, rc = ctl("campaign add spring --purpose newsletter --owner membership")
t.eq(rc, 0, "campaign registered")
_, rc = ctl("sender set news@party.example spring")
t.eq(rc, 0, "newsletter stream mapped to the campaign")

local alice, bob = send("QM1")
t.eq(alice, SMFIR_CONTINUE, "first send: alice accepted")
t.eq(bob, SMFIR_CONTINUE, "first send: bob accepted")

-- Event times have one-second resolution: let the opt-out come later.
mt.sleep(1.1)
_, rc = ctl("withdraw bob@example.org newsletter --source 'unsubscribe link'")
t.eq(rc, 0, "bob unsubscribes")
out, rc = ctl("import '" .. csv .. "'")
t.eq(rc, 0, "the old export is imported again")
-- Both grants are the very events recorded before (bob's since replaced
-- by his opt-out): nothing new, nothing applied.
t.check(string.find(out, "applied 0, already recorded 2 (the same event), stale 0",
                    1, true) ~= nil,
        "both rows already recorded: nothing applied, nothing stale")
out, rc = ctl("check bob@example.org spring")
t.eq(rc, 1, "check: bob is denied")
t.check(string.find(out, "deny: withdrawn", 1, true) ~= nil, "check says withdrawn")

alice, bob = send("QM2")
t.eq(alice, SMFIR_CONTINUE, "second send: alice accepted")
t.eq(bob, SMFIR_REPLYCODE, "second send: bob refused")
t.record(t.last_for("bob@example.org"), { decision = "deny",
         reason = "withdrawn", campaign = "spring",
         consent_src = "unsubscribe link" }, "second send: bob")

out, rc = ctl("trace bob@example.org --audit-log '" .. os.getenv("CM_AUDIT_LOG") .. "'")
t.eq(rc, 0, "trace runs")
t.check(string.find(out, "consent granted for newsletter", 1, true) ~= nil,
        "trace: the grant from the import")
t.check(string.find(out, "consent withdrawn for newsletter", 1, true) ~= nil,
        "trace: the withdrawal")
t.check(string.find(out, "REFUSED spring: withdrawn", 1, true) ~= nil,
        "trace: the refused send")
t.check(string.find(out, "sent after opt-out: none", 1, true) ~= nil,
        "trace: nothing sent after the opt-out")
end)
