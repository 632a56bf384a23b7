-- wrk script of the liveness probe during a load phase: GET /health/live,
-- each connection pausing 10 ms between requests (~100 probes/s per
-- connection), so that the probe measures the loop, not itself.
function request()
	return wrk.format("GET", "/health/live")
end

function delay()
	return 10
end
