-- The request keys of the wrk create scripts (through create_common.lua),
-- loaded with dofile from its own folder. A version-4 UUID: 16
-- random hex digits, then the wrk thread's number and a per-thread counter,
-- so two requests never share a key. Each wrk thread runs its own Lua state,
-- hence its own counter.

local counter = 0

return function(thread_no)
	counter = counter + 1
	local r = function(n) return math.random(0, 16 ^ n - 1) end
	return string.format("%08x-%04x-4%03x-%04x-%04x%08x",
		r(8), r(4), r(3), 0x8000 + (thread_no % 0x4000), r(4), counter)
end
