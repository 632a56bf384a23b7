-- wrk script of the canonical create (DESIGN §11): POST /api/v1/orders with
-- a fresh idempotency key, 1-3 distinct lines of item-1 .. item-1000 (one
-- unit each) for a random user (user-1..1000): the same shape as
-- bench/canonical.pgb.

-- create_common.lua sits beside this script, wherever wrk is started from.
local create = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "create_common.lua")

function request()
	local n = math.random(1, 3)
	local seen, lines = {}, {}
	while #lines < n do
		local item = math.random(1, 1000)
		if not seen[item] then
			seen[item] = true
			lines[#lines + 1] = string.format('{"item_id":"item-%d","quantity":1}', item)
		end
	end
	return create.post(string.format('{"user_id":"user-%d","idempotency_key":"%s","items":[%s]}',
		math.random(1, 1000), create.key(), table.concat(lines, ",")))
end
