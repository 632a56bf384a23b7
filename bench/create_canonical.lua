-- wrk script of the canonical create (DESIGN §11): POST /api/v1/orders with
-- a fresh idempotency key, 1-3 distinct lines of item-1 .. item-1000 (one
-- unit each) for a random user (user-1..1000): the same shape as
-- bench/canonical.pgb.

-- uuid.lua sits beside this script, wherever wrk is started from.
local uuid4 = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "uuid.lua")
local threads_made = 0

function setup(thread)
	threads_made = threads_made + 1
	thread:set("thread_no", threads_made)
end

function init(args)
	thread_no = thread_no or 0
	math.randomseed(os.time() * 1000 + thread_no * 7919)
end

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
	local body = string.format('{"user_id":"user-%d","idempotency_key":"%s","items":[%s]}',
		math.random(1, 1000), uuid4(thread_no), table.concat(lines, ","))
	return wrk.format("POST", "/api/v1/orders", {
		["Content-Type"] = "application/json",
		["Authorization"] = "Bearer " .. (os.getenv("BENCH_TOKEN") or ""),
	}, body)
end
