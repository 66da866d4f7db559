-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- lib.lua - helpers for the miltertest scripts
--
-- Loaded by every script with dofile(os.getenv("CM_TESTLIB")). Gives:
--
--   t.redis(args...)      run one Redis command (binary-safe: each
--                         argument is one argv item); returns its output
--   t.seed()              the sample campaigns, senders and consent
--                         records that most scripts use (see below)
--   t.audit()             every audit record so far, as Lua tables
--   t.audit_for(rcpt)     the records whose rcpt (or rcpt_id) is rcpt
--   t.connect(ip)         a negotiated connection; ip "unspec" plays
--                         Postfix's sendmail-command path
--   t.check(cond, what)   one assertion: prints "ok"/"not ok" and counts
--   t.eq(got, want, what) equality assertion that shows both values
--   t.record(r, fields)   assert every field of an audit record
--   t.main(function)      runs the script body, reports any Lua error,
--                         prints the count; fails the script if any failed
--
-- JSON null is t.NULL, so that a test can say a key is null rather than
-- absent.

local t = {}
t.NULL = setmetatable({}, { __tostring = function() return "null" end })

local passed, failed = 0, 0

function t.check(cond, what)
    if cond then
        passed = passed + 1
        print("ok " .. (passed + failed) .. " - " .. what)
    else
        failed = failed + 1
        print("not ok " .. (passed + failed) .. " - " .. what)
    end
    return cond
end

function t.eq(got, want, what)
    local ok = got == want
    if not ok then
        what = what .. " (got " .. tostring(got) .. ", want "
            .. tostring(want) .. ")"
    end
    return t.check(ok, what)
end

function t.done()
    print(passed .. " passed, " .. failed .. " failed")
    if failed > 0 then
        error(failed .. " check(s) failed")
    end
end

-- Run a script's body: miltertest does not print Lua errors, so show
-- them (with a traceback) before failing.
function t.main(body)
    local ok, err = xpcall(body, debug.traceback)
    if not ok then
        print("not ok - script error: " .. tostring(err))
        failed = failed + 1
    end
    t.done()
end

-- Shell quoting for one argument.
local function q(s)
    return "'" .. string.gsub(s, "'", "'\\''") .. "'"
end

function t.redis(...)
    local cmd = "redis-cli -s " .. q(os.getenv("CM_REDIS_SOCK"))
    for _, a in ipairs({ ... }) do
        cmd = cmd .. " " .. q(tostring(a))
    end
    local p = io.popen(cmd .. " 2>&1")
    local out = p:read("a")
    p:close()
    return out
end

t.now = os.time()

-- The sample data: one record per row of the decision table.
function t.seed()
    local R = t.redis
    R("HSET", "cm:campaign:spring", "purpose", "newsletter", "basis",
      "consent", "status", "active", "owner", "membership")
    R("HSET", "cm:campaign:closed1", "purpose", "newsletter", "status", "closed")
    R("HSET", "cm:campaign:paused1", "purpose", "newsletter", "status", "paused")
    R("HSET", "cm:campaign:restricted", "purpose", "newsletter",
      "senders", "news@org.example, login1")
    R("HSET", "cm:campaign:receipts", "purpose", "receipts", "basis", "service")
    R("HSET", "cm:campaign:fresh", "purpose", "newsletter", "max_age_days", "30")
    R("SET", "cm:sender:news@org.example", "spring")
    R("SET", "cm:sender:badid@org.example", "bad id!")
    R("SET", "cm:sender:unknown@org.example", "nosuch")
    R("SET", "cm:sender:closed@org.example", "closed1")
    R("SET", "cm:sender:paused@org.example", "paused1")
    R("SET", "cm:sender:restricted@org.example", "restricted")
    R("SET", "cm:sender:billing@org.example", "receipts")
    R("SET", "cm:sender:fresh@org.example", "fresh")
    R("HSET", "cm:consent:alice@example.org", "newsletter", "granted",
      "newsletter:at", tostring(t.now - 86400), "newsletter:src",
      "web form v3 \"join\" 192.0.2.1")
    R("HSET", "cm:consent:bob@example.org", "newsletter", "withdrawn",
      "newsletter:at", tostring(t.now - 3600), "newsletter:src", "unsubscribe link")
    R("HSET", "cm:consent:dave@example.org", "newsletter", "granted",
      "newsletter:at", tostring(t.now - 86400))
    R("SET", "cm:suppress:dave@example.org", tostring(t.now - 7200) .. " complaint")
    R("HSET", "cm:consent:erin@example.org", "newsletter", "granted",
      "newsletter:at", tostring(t.now - 90 * 86400))
    -- carol@example.org has no record at all.
end

-- A small JSON reader: enough for one audit line.
local function json_decode(s)
    local pos = 1
    local value

    local function ws()
        pos = string.find(s, "[^ \t\r\n]", pos) or (#s + 1)
    end
    local function str()
        local out = {}
        pos = pos + 1
        while true do
            local c = string.sub(s, pos, pos)
            if c == '"' then
                pos = pos + 1
                return table.concat(out)
            elseif c == "\\" then
                local e = string.sub(s, pos + 1, pos + 1)
                local map = { b = "\b", f = "\f", n = "\n", r = "\r",
                              t = "\t", ['"'] = '"', ["\\"] = "\\", ["/"] = "/" }
                if e == "u" then
                    local cp = tonumber(string.sub(s, pos + 2, pos + 5), 16)
                    out[#out + 1] = utf8.char(cp)
                    pos = pos + 6
                elseif map[e] then
                    out[#out + 1] = map[e]
                    pos = pos + 2
                else
                    error("bad escape at " .. pos .. " in " .. s)
                end
            elseif c == "" or string.byte(c) < 32 then
                error("bad string at " .. pos .. " in " .. s)
            else
                out[#out + 1] = c
                pos = pos + 1
            end
        end
    end
    value = function()
        ws()
        local c = string.sub(s, pos, pos)
        if c == "{" then
            local obj = {}
            pos = pos + 1
            ws()
            if string.sub(s, pos, pos) == "}" then
                pos = pos + 1
                return obj
            end
            while true do
                ws()
                if string.sub(s, pos, pos) ~= '"' then
                    error("key expected at " .. pos .. " in " .. s)
                end
                local k = str()
                ws()
                if string.sub(s, pos, pos) ~= ":" then
                    error("colon expected at " .. pos .. " in " .. s)
                end
                pos = pos + 1
                obj[k] = value()
                ws()
                local d = string.sub(s, pos, pos)
                pos = pos + 1
                if d == "}" then return obj end
                if d ~= "," then error("comma expected in " .. s) end
            end
        elseif c == '"' then
            return str()
        elseif string.sub(s, pos, pos + 3) == "null" then
            pos = pos + 4
            return t.NULL
        elseif string.sub(s, pos, pos + 3) == "true" then
            pos = pos + 4
            return true
        elseif string.sub(s, pos, pos + 4) == "false" then
            pos = pos + 5
            return false
        else
            local num = string.match(s, "^-?%d+%.?%d*[eE]?[-+]?%d*", pos)
            if not num or num == "" then
                error("bad value at " .. pos .. " in " .. s)
            end
            pos = pos + #num
            return tonumber(num)
        end
    end
    local v = value()
    ws()
    if pos <= #s then error("trailing text in " .. s) end
    return v
end
t.json_decode = json_decode

function t.audit()
    local records = {}
    local f = io.open(os.getenv("CM_AUDIT_LOG"), "r")
    if not f then return records end
    for line in f:lines() do
        records[#records + 1] = json_decode(line)
    end
    f:close()
    return records
end

function t.audit_for(rcpt)
    local found = {}
    for _, r in ipairs(t.audit()) do
        if r.rcpt == rcpt or r.rcpt_id == rcpt then
            found[#found + 1] = r
        end
    end
    return found
end

-- The last record for rcpt, or nil.
function t.last_for(rcpt)
    local found = t.audit_for(rcpt)
    return found[#found]
end

-- Assert the listed fields of an audit record; t.NULL means null.
function t.record(r, fields, what)
    if not t.check(r ~= nil, what .. ": audit record present") then
        return
    end
    local keys = {}
    for k in pairs(fields) do keys[#keys + 1] = k end
    table.sort(keys)
    for _, k in ipairs(keys) do
        t.eq(r[k], fields[k], what .. ": " .. k)
    end
    -- The keys that every line carries (DESIGN.md section 7).
    for _, k in ipairs({ "time", "qid", "msgid", "sender", "auth",
                         "campaign", "purpose", "basis", "decision",
                         "reason", "action", "mode", "from", "subject" }) do
        t.check(r[k] ~= nil, what .. ": key " .. k .. " present")
    end
    t.check(r.rcpt ~= nil or r.rcpt_id ~= nil, what .. ": rcpt key present")
    t.check(type(r.time) == "string"
            and string.match(r.time, "^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d%.%d%d%dZ$")
            ~= nil, what .. ": time is RFC 3339 with milliseconds")
end

-- slurp - a whole file, or "" when it cannot be read
function t.slurp(path)
    local f = io.open(path)
    if not f then return "" end
    local s = f:read("*a")
    f:close()
    return s
end

-- sh - run a command; true when it exits 0 (Lua 5.1 and later)
function t.sh(cmd)
    local r = os.execute(cmd)
    return r == true or r == 0
end

-- wait_log - wait (5 s at most) for a text in the daemon's log
function t.wait_log(want)
    local path = os.getenv("CM_TMP") .. "/milter.log"
    for _ = 1, 100 do
        if t.slurp(path):find(want, 1, true) then return true end
        t.sh("sleep 0.05")
    end
    return false
end

-- daemon_alive - is the daemon (CM_DAEMON_PID) still running
function t.daemon_alive()
    return t.sh("kill -0 " .. os.getenv("CM_DAEMON_PID") .. " 2>/dev/null")
end

-- daemon_gone - wait (secs at most) for the daemon to exit
function t.daemon_gone(secs)
    for _ = 1, secs * 20 do
        if not t.daemon_alive() then return true end
        t.sh("sleep 0.05")
    end
    return false
end

-- A negotiated connection with its connect info sent.
function t.connect(ip)
    local conn = mt.connect(os.getenv("CM_MILTER_SOCK"), 40, 0.05)
    assert(conn, "cannot connect to the milter")
    assert(mt.conninfo(conn, "client.example", ip or "192.0.2.10") == nil,
           "conninfo failed")
    assert(mt.getreply(conn) == SMFIR_CONTINUE, "conninfo not accepted")
    return conn
end

-- MAIL FROM with the macros Postfix sends then.
function t.mail(conn, sender, auth)
    if auth then
        mt.macro(conn, SMFIC_MAIL, "{auth_authen}", auth)
    end
    assert(mt.mailfrom(conn, sender) == nil, "mailfrom failed")
    return mt.getreply(conn)
end

function t.rcpt(conn, rcpt)
    assert(mt.rcptto(conn, rcpt) == nil, "rcptto failed")
    return mt.getreply(conn)
end

-- Headers, end of headers, the body (if given, and if the milter wants
-- it) and end of message; qid is the queue id macro sent at DATA and
-- end of message.
function t.message(conn, headers, qid, body)
    if qid then
        mt.macro(conn, SMFIC_RCPT, "i", qid)
    end
    for _, h in ipairs(headers) do
        assert(mt.header(conn, h[1], h[2]) == nil, "header failed")
    end
    if not mt.test_option(conn, SMFIP_NOEOH) then
        assert(mt.eoh(conn) == nil, "eoh failed")
    end
    if body and not mt.test_option(conn, SMFIP_NOBODY) then
        assert(mt.bodystring(conn, body) == nil, "body failed")
    end
    assert(mt.eom(conn) == nil, "eom failed")
    return mt.getreply(conn)
end

-- A message file (LF line ends, as a queue file keeps it): its header
-- fields as { name, value } pairs, as an MTA hands them to a milter
-- (no space after the colon; folded lines joined with LF), and its body
-- with CRLF line ends, as on the wire.
function t.read_message(path)
    local f = assert(io.open(path, "rb"), "cannot read " .. path)
    local text = f:read("*a")
    f:close()
    local head, body = string.match(text, "^(.-)\n\n(.*)$")
    assert(head, path .. ": no empty line after the header")
    local headers = {}
    for line in string.gmatch(head .. "\n", "(.-)\n") do
        if string.match(line, "^[ \t]") and #headers > 0 then
            local h = headers[#headers]
            h[2] = h[2] .. "\n" .. line
        else
            local name, value = string.match(line, "^([^:]+):[ ]?(.*)$")
            assert(name, path .. ": bad header line: " .. line)
            table.insert(headers, { name, value })
        end
    end
    body = string.gsub(body, "\r?\n", "\r\n")
    return headers, body
end

return t
