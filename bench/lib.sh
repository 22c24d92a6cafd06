# Helpers for the benchmark scripts (sourced). Loopback only; every process started is stopped.
set -euo pipefail
BUILD=${BUILD:-build}
INGEST=$BUILD/services/ingest/radarhub-ingest
CLI=$BUILD/tools/radarhub
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
# Thousands of node connections per run.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# start_ingest LOG ARGS... : starts the ingest on loopback port 0; sets INGEST_PID, NODE_PORT, METRICS_PORT
start_ingest() {
  local log=$1
  shift
  "$@" --node-listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 --grpc-listen 127.0.0.1:0 2>"$log" &
  INGEST_PID=$!
  PIDS+=("$INGEST_PID")
  for _ in $(seq 100); do grep -q "^listening metrics" "$log" && break; sleep 0.05; done
  NODE_PORT=$(sed -n 's/^listening node .*:\([0-9]*\)$/\1/p' "$log")
  METRICS_PORT=$(sed -n 's/^listening metrics .*:\([0-9]*\)$/\1/p' "$log")
}

# grpc_port LOG: the port of "listening grpc host:port" in a service's log
grpc_port() { sed -n 's/^listening grpc .*:\([0-9]*\)$/\1/p' "$1"; }

# placement pinned|shared SIDE: the taskset prefix putting the service (0) or the clients (1) on
# their own core when pinned; nothing when the scheduler places everything. SCHED=fifo adds
# `chrt -f 1` (real-time FIFO, every thread of the process, root or CAP_SYS_NICE): it shows how
# much of a latency tail is the fair scheduler time-sharing a core (bench/results/fleet_scale.md).
placement() {
  [ "$1" = pinned ] && echo -n "taskset -c $2 "
  [ "${SCHED:-}" = fifo ] && echo -n "chrt -f 1"
  return 0
}

# metric_sum NAME [LABEL_FRAGMENT]
metric_sum() {
  curl -s "http://127.0.0.1:$METRICS_PORT/metrics" |
    awk -v n="$1" -v f="${2:-}" 'index($0, n) == 1 && (f == "" || index($0, f) > 0) { s += $NF } END { printf "%.0f\n", s }'
}

# cpu_ticks PID: user+system clock ticks so far
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
