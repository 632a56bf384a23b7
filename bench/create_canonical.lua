-- wrk script of the canonical create (DESIGN §11): POST /api/v1/orders with
-- a fresh idempotency key, 1-3 distinct lines of item-1 .. item-1000 (one
-- unit each) for a random user (user-1..1000): the same shape as
-- bench/canonical.pgb.

local counter = 0
local threads_made = 0

function setup(thread)
	threads_made = threads_made + 1
	thread:set("thread_no", threads_made)
end

function init(args)
	thread_no = thread_no or 0
	math.randomseed(os.time() * 1000 + thread_no * 7919)
end

local function uuid4()
	counter = counter + 1
	local r = function(n) return math.random(0, 16 ^ n - 1) end
	return string.format("%08x-%04x-4%03x-%04x-%04x%08x",
		r(8), r(4), r(3), 0x8000 + (thread_no % 0x4000), r(4), counter)
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
		math.random(1, 1000), uuid4(), table.concat(lines, ","))
	return wrk.format("POST", "/api/v1/orders", {
		["Content-Type"] = "application/json",
		["Authorization"] = "Bearer " .. (os.getenv("BENCH_TOKEN") or ""),
	}, body)
end
