# shellcheck shell=bash
# Process helpers shared by the dev stack, the broker script, the benchmarks
# and the e2e harness (sourced, like free-port.sh).

# kill_gracefully PID TENTHS: SIGTERM, up to TENTHS tenths of a second for
# the process to end, then SIGKILL.
kill_gracefully() {
	local pid=$1 tenths=$2 i
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < tenths; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}

# as_postgres CMD...: runs CMD as the postgres user when called as root
# (initdb and pg_ctl refuse root), as the caller otherwise.
as_postgres() {
	if [ "$(id -u)" -eq 0 ]; then
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

# pg_bin_dir: the newest PostgreSQL server's bin/ under /usr/lib/postgresql
# (PG_BIN overrides); empty when none is installed.
pg_bin_dir() {
	if [ -n "${PG_BIN:-}" ]; then
		echo "$PG_BIN"
		return
	fi
	printf '%s\n' /usr/lib/postgresql/*/bin | grep -v '\*' | sort -V | tail -n 1
}
