-- SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
-- pseudonymised.lua - AddressKeyFile and LogAddresses pseudonymised
--
-- Record ids in Redis are HMAC-SHA256(key, normalised address) in hex;
-- the audit trail carries rcpt_id instead of the address.

-- keyfile: test-key
-- conf: LogAddresses pseudonymised

local t = dofile(os.getenv("CM_TESTLIB"))

local function hmac(addr)
    local p = io.popen("printf '%s' '" .. addr ..
                       "' | openssl dgst -sha256 -hmac test-key -r")
    local out = p:read("a")
    p:close()
    return string.match(out, "^(%x+)")
end

t.main(function()
local alice, bob = hmac("alice@example.org"), hmac("bob@example.org")
t.check(alice ~= nil and #alice == 64, "openssl computes the expected id")
t.redis("HSET", "cm:campaign:spring", "purpose", "newsletter")
t.redis("SET", "cm:sender:news@org.example", "spring")
t.redis("HSET", "cm:consent:" .. alice, "newsletter", "granted")
t.redis("HSET", "cm:consent:" .. bob, "newsletter", "withdrawn")
-- A plain-address record must not count any more.
t.redis("HSET", "cm:consent:bob@example.org", "newsletter", "granted")

local conn = t.connect()
t.mail(conn, "<news@org.example>")
t.eq(t.rcpt(conn, "<ALICE@example.org>"), SMFIR_CONTINUE, "alice found by HMAC id")
t.eq(t.rcpt(conn, "<bob@example.org>"), SMFIR_REPLYCODE, "bob withdrawn by HMAC id")
t.eq(t.message(conn, {}, "QK1"), SMFIR_ACCEPT, "accepted")
mt.disconnect(conn)
t.record(t.last_for(alice), { rcpt_id = alice, decision = "allow" }, "alice")
t.record(t.last_for(bob), { rcpt_id = bob, decision = "deny",
         reason = "withdrawn" }, "bob")
local f = io.open(os.getenv("CM_AUDIT_LOG"))
local text = f:read("a")
f:close()
t.check(not string.find(text, "alice@example.org", 1, true)
        and not string.find(text, "bob@example.org", 1, true),
        "no recipient address in the audit trail")
end)
