-- wrk script: POST /api/v1/orders with a fresh idempotency key per request,
-- one line of a random SKU (sku-1..sku-10) for a random user (user-1..1000),
-- the same shape of work as the pgbench script of bench/run.sh.
--
-- Rate limiting: with `wrk ... -s create_order.lua -- <delay_ms>` each
-- connection waits delay_ms between requests (used by the lifecycle run);
-- without an argument wrk sends as fast as the server answers.

-- uuid.lua sits beside this script, wherever wrk is started from.
local uuid4 = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "uuid.lua")
local delay_ms = 0

-- Runs in the main Lua state once per thread: give each thread its number so
-- that keys never collide across threads.
local threads_made = 0
function setup(thread)
	threads_made = threads_made + 1
	thread:set("thread_no", threads_made)
end

function init(args)
	-- thread_no is the global that setup() set in this thread's state.
	thread_no = thread_no or 0
	math.randomseed(os.time() * 1000 + thread_no * 7919)
	if args[1] ~= nil then
		delay_ms = tonumber(args[1]) or 0
	end
end

function request()
	local body = string.format(
		'{"user_id":"user-%d","idempotency_key":"%s","items":[{"item_id":"sku-%d","quantity":1}]}',
		math.random(1, 1000), uuid4(thread_no), math.random(1, 10))
	return wrk.format("POST", "/api/v1/orders", {
		["Content-Type"] = "application/json",
		["Authorization"] = "Bearer " .. (os.getenv("BENCH_TOKEN") or ""),
	}, body)
end

function delay()
	return delay_ms
end
