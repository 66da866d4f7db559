-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- diskfull-msg.lua - one header-campaign message, for tests/faults/diskfull.sh
--
-- Run by miltertest with CM_MILTER_SOCK and CM_TESTLIB set as
-- tests/milter/run.sh sets them, CM_QID (the queue id macro) and
-- CM_NRCPT (recipients: alice, granted; bob, withdrawn; then
-- user3@example.org... without a record). Campaign spring comes from
-- the X-Campaign-ID header, so every record is written at end of
-- message and the denied recipients are stripped. Prints one line,
--   RESULT qid=QID reply=accept|audit-error|other
-- "accept": accepted, every denied recipient removed; "audit-error":
-- 451 4.7.1 not sent: audit-error (...) (the MTA then drops the
-- removals that came before it).

local t = dofile(os.getenv("CM_TESTLIB"))
local qid = os.getenv("CM_QID")
local n = tonumber(os.getenv("CM_NRCPT") or "2")
local result = "other"

local conn = t.connect()
assert(t.mail(conn, "<campaigns@org.example>") == SMFIR_CONTINUE, "MAIL")
local rcpts = { "<alice@example.org>", "<bob@example.org>" }
for i = 3, n do
    rcpts[i] = "<user" .. i .. "@example.org>"
end
for i = 1, n do
    assert(t.rcpt(conn, rcpts[i]) == SMFIR_CONTINUE, "RCPT " .. rcpts[i])
end
local reply = t.message(conn, { { "X-Campaign-ID", "spring" },
                                { "Message-ID", "<" .. qid .. "@org.example>" } },
                        qid)
if reply == SMFIR_ACCEPT or reply == SMFIR_CONTINUE then
    local stripped = true
    for i = 2, n do
        stripped = stripped and mt.eom_check(conn, MT_RCPTDELETE, rcpts[i])
    end
    if stripped and not mt.eom_check(conn, MT_RCPTDELETE, rcpts[1]) then
        result = "accept"
    end
elseif reply == SMFIR_REPLYCODE
    and mt.eom_check(conn, MT_SMTPREPLY, "451", "4.7.1",
                     "not sent: audit-error (audit trail unavailable, "
                     .. "try again later)") then
    result = "audit-error"
end
mt.disconnect(conn)
print("RESULT qid=" .. qid .. " reply=" .. result)
