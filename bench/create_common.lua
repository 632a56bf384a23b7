-- What the wrk create scripts (create_canonical.lua, create_order.lua) share,
-- loaded by each with dofile from its own folder: every wrk thread gets its
-- number (setup, in the main Lua state) so that request keys never collide
-- across threads, seeds its random numbers with it (init), and posts its
-- create bodies with the bench token (post). A script that reads wrk's
-- arguments (`wrk ... -s script.lua -- <args>`) sets on_args, which init
-- calls with them.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local uuid4 = dofile(here .. "uuid.lua")
local M = {}
local threads_made = 0

function setup(thread)
	threads_made = threads_made + 1
	thread:set("thread_no", threads_made)
end

function init(args)
	-- thread_no is the global that setup() set in this thread's state.
	thread_no = thread_no or 0
	math.randomseed(os.time() * 1000 + thread_no * 7919)
	if M.on_args then
		M.on_args(args)
	end
end

-- A fresh idempotency key.
function M.key()
	return uuid4(thread_no)
end

-- The request of a create with this JSON body.
function M.post(body)
	return wrk.format("POST", "/api/v1/orders", {
		["Content-Type"] = "application/json",
		["Authorization"] = "Bearer " .. (os.getenv("BENCH_TOKEN") or ""),
	}, body)
end

return M
