# shellcheck shell=bash
# Helpers of bench/run.sh: processes it starts and stops by pid, SQL against
# the benchmark cluster, percentiles, and parsing of wrk and pgbench output.
# Sourced, not run. Expects WORK (scratch directory), PGPORT and the
# binaries' paths to be set by the caller.

say() { echo "bench: $*" >&2; }
die() { say "error: $*"; exit 1; }

now_us() { echo "${EPOCHREALTIME/./}"; }

# True when nothing listens on the TCP port (the API uses SO_REUSEPORT, so a
# second server on a busy port would silently share the load).
port_free() { ! ss -Htln "sport = :$1" | grep -q .; }
# shellcheck source=scripts/free-port.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/scripts/free-port.sh"
# shellcheck source=scripts/proc.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/scripts/proc.sh"

# Sets METRIC to the sum of every sample of counter name on a worker's
# /metrics (WORKER_METRICS_PORT), 0 while it does not answer. Bash builtins
# only, no subshell: the drains poll it often, and a poller that forks or
# queries the database takes CPU from what it measures.
metric_sum() { # port name
	local line v
	METRIC=0
	exec 3<>"/dev/tcp/127.0.0.1/$1" || return 0
	printf 'GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
	while IFS= read -r line <&3; do
		[[ "$line" == "$2"[{\ ]* ]] || continue
		v=${line##* }
		v=${v%%[.$'\r']*}
		[[ "$v" =~ ^[0-9]+$ ]] && METRIC=$((METRIC + v))
	done
	exec 3<&-
}

bsql() { psql -X -q -tA -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U postgres -d orders "$@"; }

# ------------------------------------------------------------------ processes

declare -A BENCH_PIDS=()

# Starts "$@" in the background with its output in $WORK/logs/<name>.log.
start_proc() { # name cmd...
	local name=$1
	shift
	"$@" </dev/null >>"$WORK/logs/$name.log" 2>&1 &
	BENCH_PIDS[$name]=$!
}

proc_pid() { echo "${BENCH_PIDS[$1]:-}"; }

proc_alive() { local p=${BENCH_PIDS[$1]:-}; [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

# SIGTERM, up to 15 s for a graceful stop, then SIGKILL.
stop_proc() { # name
	local pid=${BENCH_PIDS[$1]:-}
	[ -n "$pid" ] || return 0
	kill_gracefully "$pid" 150
	wait "$pid" 2>/dev/null || true
	unset "BENCH_PIDS[$1]"
}

stop_all_procs() {
	local name
	for name in "${!BENCH_PIDS[@]}"; do stop_proc "$name"; done
}

# Polls until the command succeeds; fails after timeout seconds or when the
# named process died.
wait_until() { # name timeout cmd...
	local name=$1 deadline=$((SECONDS + $2))
	shift 2
	until "$@" >/dev/null 2>&1; do
		proc_alive "$name" || { tail -n 20 "$WORK/logs/$name.log" >&2; die "$name exited (log: $WORK/logs/$name.log)"; }
		[ $SECONDS -lt "$deadline" ] || die "$name not ready in time"
		sleep 0.1
	done
}

# "<VmHWM MiB> <VmRSS MiB>" of a process, "- -" when it is gone.
rss_of() { # name
	local pid=${BENCH_PIDS[$1]:-}
	if [ -z "$pid" ] || [ ! -r "/proc/$pid/status" ]; then echo "- -"; return; fi
	awk '/^VmHWM:/ { h = $2 } /^VmRSS:/ { r = $2 }
	     END { printf "%.1f %.1f\n", h / 1024, r / 1024 }' "/proc/$pid/status"
}

# ------------------------------------------------------------------ numbers

# p-th percentile (0..100, nearest rank) of the numbers on stdin.
percentile() { # p
	sort -n | awk -v p="$1" '{ v[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		i = int(NR * p / 100 + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR
		print v[i] }'
}

# wrk prints latencies as 850.00us, 5.21ms or 1.02s: to milliseconds.
wrk_ms() {
	awk -v t="$1" 'BEGIN {
		v = t + 0
		if (t ~ /us$/) v /= 1000; else if (t ~ /ms$/) v = v; else if (t ~ /s$/) v *= 1000
		printf "%.2f\n", v }'
}

# Reads a wrk --latency report; prints "rps p50_ms p99_ms non2xx socket_errors requests".
wrk_summary() { # file
	local f=$1 rps p50 p99 bad sock reqs
	rps=$(awk '/^Requests\/sec:/ { print $2 }' "$f")
	p50=$(wrk_ms "$(awk '$1 == "50%" { print $2; exit }' "$f")")
	p99=$(wrk_ms "$(awk '$1 == "99%" { print $2; exit }' "$f")")
	bad=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$f")
	sock=$(awk '/Socket errors:/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' "$f")
	reqs=$(awk '/requests in/ { print $1; exit }' "$f")
	echo "${rps:--} $p50 $p99 ${bad:-0} ${sock:-0} ${reqs:--}"
}

# Reads a pgbench report and its per-transaction logs (prefix.*); prints
# "tps p50_ms p99_ms failed transactions".
pgbench_summary() { # report log-prefix
	local tps p50 p99 failed n
	tps=$(awk '/^tps = / { printf "%.2f", $3 }' "$1")
	failed=$(awk '/number of failed transactions:/ { print $5 }' "$1")
	n=$(awk '/number of transactions actually processed:/ { print $6 }' "$1")
	p50=$(cat "$2".* | awk '{ print $3 / 1000 }' | percentile 50)
	p99=$(cat "$2".* | awk '{ print $3 / 1000 }' | percentile 99)
	echo "${tps:--} $p50 $p99 ${failed:-0} ${n:--}"
}

# ------------------------------------------------------------------ statements

# The SQL text of a named prepared statement as the server logged its
# execution (log_min_duration_statement = 0 during the probe request).
logged_stmt() { # name pg-log
	sed -n "s/.* execute $1: //p" "$2" | head -n 1
}
