-- wrk script: POST /api/v1/orders with a fresh idempotency key per request,
-- one line of a random SKU (sku-1..sku-10) for a random user (user-1..1000),
-- the same shape of work as the pgbench script of bench/run.sh.
--
-- Rate limiting: with `wrk ... -s create_order.lua -- <delay_ms>` each
-- connection waits delay_ms between requests (used by the lifecycle run);
-- without an argument wrk sends as fast as the server answers.

-- create_common.lua sits beside this script, wherever wrk is started from.
local create = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "create_common.lua")
local delay_ms = 0

function create.on_args(args)
	if args[1] ~= nil then
		delay_ms = tonumber(args[1]) or 0
	end
end

function request()
	return create.post(string.format(
		'{"user_id":"user-%d","idempotency_key":"%s","items":[{"item_id":"sku-%d","quantity":1}]}',
		math.random(1, 1000), create.key(), math.random(1, 10)))
end

function delay()
	return delay_ms
end
