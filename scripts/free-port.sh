# shellcheck shell=bash
# free_port: prints a TCP port below the kernel's ephemeral range (32768 and
# up by default, where outgoing connections would collide with a listener)
# that no socket uses: neither a listener (probed with bash's /dev/tcp) nor
# any socket bound to it (ss). Returns 1 when none is found in 200 tries.
# Sourced by the test runner, the e2e harness, the broker script, the chaos
# campaign and the benchmarks: several of them may share the machine.
free_port() {
	local p i
	for ((i = 0; i < 200; i++)); do
		p=$((20000 + RANDOM % 12000))
		if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then continue; fi
		if command -v ss >/dev/null 2>&1 && [ -n "$(ss -Htan "( sport = :$p )" 2>/dev/null)" ]; then continue; fi
		echo "$p"
		return 0
	done
	return 1
}
