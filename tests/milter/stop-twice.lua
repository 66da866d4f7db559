-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- stop-twice.lua - a second SIGTERM does not wait for the messages in progress
--
-- An administrator who sends SIGTERM again (or presses ^C twice) wants
-- the daemon gone now: the message in progress is left to the MTA
-- (milter_default_action), said so in the log, and nothing of it is
-- in the audit trail. The daemon still exits 0.

local t = dofile(os.getenv("CM_TESTLIB"))
local tmp = os.getenv("CM_TMP")
local pid = os.getenv("CM_DAEMON_PID")

local sh, wait_log = t.sh, t.wait_log

t.main(function()
t.seed()

local a = t.connect()
t.eq(t.mail(a, "<campaigns@org.example>"), SMFIR_CONTINUE, "MAIL")
t.eq(t.rcpt(a, "<alice@example.org>"), SMFIR_CONTINUE, "RCPT alice")

sh("kill -TERM " .. pid)
t.check(wait_log("waiting up to 10000 ms for 1 message in progress"),
        "the first SIGTERM waits for the message in progress")
sh("sleep 0.3")
t.check(t.daemon_alive(), "still running after 0.3 s")

sh("kill -TERM " .. pid)
t.check(t.daemon_gone(3), "a second SIGTERM: the daemon exits within 3 s")
local log = t.slurp(tmp .. "/milter.log")
t.check(log:find("stopping now on a second signal 15", 1, true),
        "the second signal is logged")
t.check(log:find("stopping: 1 message still in progress: the MTA will "
        .. "retry it", 1, true), "the message left to the MTA is logged")
t.check(log:find(": stopped\n$") ~= nil, "stopped is the last line of the log")
t.eq(#t.audit_for("alice@example.org"), 0, "nothing of it in the audit trail")
-- a is not disconnected: its QUIT would meet a closed socket (SIGPIPE).
end)
