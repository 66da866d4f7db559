-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- reload.lua - SIGUSR1 reads the configuration again (issue 15, point 6)
--
-- A session opened before the reload finishes with the old rules; a
-- session opened after it uses the new ones (DenyAction reject -> tag,
-- ConsentHeader campaign -> full). A key that needs a restart (Socket)
-- is named in the log and keeps its value: the daemon still answers on
-- its socket. A bad file is refused, logged, and the running rules stay.

-- conf: DenyAction reject

local t = dofile(os.getenv("CM_TESTLIB"))
local tmp = os.getenv("CM_TMP")
local conf = tmp .. "/consent-milter.conf"
local pid = os.getenv("CM_DAEMON_PID")

local slurp = t.slurp

-- rewrite - change the configuration file with a gsub
local function rewrite(from, to)
    local s = slurp(conf):gsub(from, to)
    local f = assert(io.open(conf, "w"))
    f:write(s)
    f:close()
end

-- reload - send SIGUSR1 and wait for the daemon to log the outcome
local function reload(want)
    local before = #slurp(tmp .. "/milter.log")
    os.execute("kill -USR1 " .. pid)
    for _ = 1, 100 do
        local log = slurp(tmp .. "/milter.log"):sub(before + 1)
        if log:find(want, 1, true) then return log end
        os.execute("sleep 0.05")
    end
    return slurp(tmp .. "/milter.log"):sub(before + 1)
end

-- campaign - MAIL and RCPT alice (consent) and carol (none)
local function campaign(conn)
    t.mail(conn, "<campaigns@org.example>")
    t.rcpt(conn, "<alice@example.org>")
    t.rcpt(conn, "<carol@example.org>")
end

t.main(function()
t.seed()

-- A session opened before the reload.
local old = t.connect()
campaign(old)

rewrite("DenyAction reject", "DenyAction tag\nConsentHeader full\nLogWhy yes")
rewrite("Socket unix:[^\n]*", "Socket unix:" .. tmp .. "/elsewhere.sock")
local log = reload("configuration " .. conf .. " reloaded")
t.check(log:find("configuration " .. conf .. " reloaded: mode enforce, "
        .. "DenyAction tag", 1, true), "the reload is logged, with the new rules")
t.check(log:find(conf .. ":1: Socket: changed, but takes a restart: still unix:"
        .. tmp .. "/milter.sock", 1, true), "Socket needs a restart: named, kept")

-- The old session ends under the old rules: carol is stripped.
t.eq(t.message(old, { { "X-Campaign-ID", "spring" } }, "QR1"), SMFIR_ACCEPT,
     "old session: accepted for alice")
t.check(mt.eom_check(old, MT_RCPTDELETE, "<carol@example.org>"),
        "old session: carol stripped (DenyAction reject, as it started)")
t.check(mt.eom_check(old, MT_HDRADD, "X-Consent-Milter",
        "campaign=spring; mode=enforce"), "old session: the old header")
mt.disconnect(old)

-- A new session, on the same socket, gets the new rules.
local new = t.connect()
campaign(new)
t.eq(t.message(new, { { "X-Campaign-ID", "spring" } }, "QR2"), SMFIR_ACCEPT,
     "new session: accepted")
t.check(not mt.eom_check(new, MT_RCPTDELETE, "<carol@example.org>"),
        "new session: carol kept (DenyAction tag)")
t.check(mt.eom_check(new, MT_HDRADD, "X-Consent-Milter-Denied",
        "1 recipient(s); reasons=no-consent"), "new session: tagged")
t.check(mt.eom_check(new, MT_HDRADD, "X-Consent-Milter",
        "campaign=spring; allowed=1; denied=1; mode=enforce"),
        "new session: ConsentHeader full")
mt.disconnect(new)
t.record(t.last_for("carol@example.org"), { decision = "deny",
         reason = "no-consent", action = "tag", qid = "QR2" }, "carol tagged")
t.check(slurp(tmp .. "/milter.log"):find("QR2: why: carol@example.org "
        .. "campaign=spring decision=deny reason=no-consent action=tag "
        .. "mode=enforce: row 13: no consent on record", 1, true),
        "LogWhy yes: one line explains the decision")

-- A bad file: refused, logged, the running rules stay.
rewrite("DenyAction tag", "DenyAction tagg")
log = reload("not reloaded")
t.check(log:find("configuration " .. conf .. " not reloaded, still running "
        .. "the old one: " .. conf, 1, true)
        and log:find("DenyAction: bad value \"tagg\"", 1, true),
        "a bad file is refused, with file, line and key")
local after = t.connect()
campaign(after)
t.eq(t.message(after, { { "X-Campaign-ID", "spring" } }, "QR3"), SMFIR_ACCEPT,
     "after the bad reload: accepted")
t.check(mt.eom_check(after, MT_HDRADD, "X-Consent-Milter-Denied",
        "1 recipient(s); reasons=no-consent"), "still DenyAction tag")
mt.disconnect(after)
end)
