-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- stop.lua - SIGTERM with sessions open (drain(3))
--
-- libmilter's smfi_stop() does not wait for the connections already
-- open: their callbacks went on running while the daemon freed the
-- store, closed the trail and unloaded the plugins. Now a message past
-- MAIL FROM when SIGTERM comes is finished as usual (decided, stripped,
-- audited), a new MAIL FROM gets 451 4.3.2, a message from Postfix's
-- sendmail path is let through, and the daemon exits 0 once no message
-- is in progress, although a connection is still open.

-- conf: DenyAction reject

local t = dofile(os.getenv("CM_TESTLIB"))
local tmp = os.getenv("CM_TMP")
local pid = os.getenv("CM_DAEMON_PID")

local slurp, sh, wait_log = t.slurp, t.sh, t.wait_log

t.main(function()
t.seed()

-- A: a message in progress, from an SMTP client.
local a = t.connect()
t.eq(t.mail(a, "<campaigns@org.example>"), SMFIR_CONTINUE, "A: MAIL")
t.eq(t.rcpt(a, "<alice@example.org>"), SMFIR_CONTINUE, "A: RCPT alice")
t.eq(t.rcpt(a, "<carol@example.org>"), SMFIR_CONTINUE, "A: RCPT carol")

-- B: connected, between messages. C: Postfix's sendmail path.
local b = t.connect()
local c = t.connect("unspec")

sh("kill -TERM " .. pid)
t.check(wait_log("stopping on signal 15"), "SIGTERM is logged")
t.check(wait_log("waiting up to 10000 ms for 1 message in progress"),
        "the daemon waits for the message in progress")
t.check(t.daemon_alive(), "the daemon is still running while A's message is open")

-- B's next message waits in the MTA's queue.
t.eq(t.mail(b, "<campaigns@org.example>"), SMFIR_REPLYCODE,
     "B: a new MAIL FROM after SIGTERM is tempfailed (451 4.3.2)")

-- C, on the sendmail path, may not be tempfailed at MAIL: it goes on.
t.eq(t.mail(c, "<news@org.example>"), SMFIR_CONTINUE, "C: MAIL let through")
t.eq(t.rcpt(c, "<alice@example.org>"), SMFIR_CONTINUE, "C: RCPT alice")
t.eq(t.message(c, { { "From", "news@org.example" } }, "QSTOP2"), SMFIR_ACCEPT,
     "C: decided as usual")
t.check(mt.eom_check(c, MT_HDRADD, "X-Consent-Milter",
        "campaign=spring; mode=enforce"), "C: tagged")

-- A ends as if nothing happened: alice kept, carol stripped.
t.eq(t.message(a, { { "X-Campaign-ID", "spring" } }, "QSTOP1"), SMFIR_ACCEPT,
     "A: the message in progress is decided after SIGTERM")
t.check(mt.eom_check(a, MT_RCPTDELETE, "<carol@example.org>"),
        "A: carol stripped")
t.check(not mt.eom_check(a, MT_RCPTDELETE, "<alice@example.org>"),
        "A: alice kept")
t.record(t.last_for("carol@example.org"), { decision = "deny",
         reason = "no-consent", campaign = "spring", qid = "QSTOP1" },
         "A: carol's record")
t.record(t.last_for("alice@example.org"), { decision = "allow",
         reason = "consent", campaign = "spring", qid = "QSTOP1" },
         "A: alice's record")

-- No message in progress: the daemon exits, B still connected.
mt.disconnect(a)
mt.disconnect(c)
t.check(t.daemon_gone(5), "the daemon exits once no message is in progress")
local log = slurp(tmp .. "/milter.log")
t.check(log:find("stopping: closed %d connections? between messages") ~= nil,
        "the connections still open are counted")
t.check(log:find(": stopped\n$") ~= nil, "stopped is the last line of the log")
t.check(not log:find("still running", 1, true), "no callback was left running")
-- B is not disconnected: its QUIT would meet a closed socket (SIGPIPE).
end)
