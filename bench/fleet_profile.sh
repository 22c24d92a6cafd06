#!/usr/bin/env bash
# Where the CPU of the node -> ingest -> tracker path goes at NODES x 10 Hz: the same run as
# bench/tracker_latency.sh (nodes and tracker in the bench process, one real radarhub-ingest), then
# per thread of each process the CPU time and context switches per frame over a steady window,
# read from /proc; with PERF=1 (linux-perf), also each process's CPU by library (kernel, gRPC,
# ours) from a cpu-clock profile of the next window (sampling slows the run: the latency line is
# then not comparable). No pinning. Loopback only.
# Usage: bench/fleet_profile.sh   (BUILD=build NODES=1000 SECS=20 PERF=0)
cd "$(dirname "$0")/.."
source bench/lib.sh
NODES=${NODES:-1000}
SECS=${SECS:-20}
WINDOW=5
BENCH=$BUILD/bench/subscribe_latency_bench
out=bench/results/fleet_profile.txt
tmp=$(mktemp -d)

# threads PID: "name count voluntary+involuntary_switches cpu_ticks" per thread name
threads() {
  for t in /proc/"$1"/task/*; do
    echo "$(tr ' ' '_' <"$t/comm") $(awk '/ctxt_switches/ { s += $2 } END { print s }' "$t/status") $(awk '{ print $14 + $15 }' "$t/stat")"
  done | awk '{ c[$1] += $2; u[$1] += $3; n[$1]++ } END { for (k in c) print k, n[k], c[k], u[k] }' | sort
}
# per_frame BEFORE AFTER FRAMES: the table of one process
per_frame() {
  join "$1" "$2" | awk -v f="$3" -v hz="$(getconf CLK_TCK)" '
    { cs = ($6 - $3) / f; us = ($7 - $4) * 1e6 / hz / f; if (us < 0.05 && cs < 0.005) next
      printf "    %-18s %2d threads  %5.2f switches  %6.1f us\n", $1, $5, cs, us; tcs += cs; tus += us }
    END { printf "    %-18s            %5.2f switches  %6.1f us\n", "total", tcs, tus }'
}

{
  echo "# fleet_profile $(date -u +%FT%TZ); $(git rev-parse --short HEAD 2>/dev/null); $(nproc) cores; $NODES nodes x 10 Hz x 10 detections, no pinning"
  start_ingest "$tmp/ingest.log" "$INGEST" --token bench --io-threads 1 \
    --max-subscribers $((NODES + 100)) --log-level warn
  "$BENCH" --node-port "$NODE_PORT" --grpc-port "$(grpc_port "$tmp/ingest.log")" \
    --nodes "$NODES" --rate 10 --seconds "$SECS" --via-tracker >"$tmp/bench.json" &
  bench_pid=$!
  PIDS+=("$bench_pid")
  sleep $((3 + (SECS - 2 * WINDOW) / 2))
  threads "$INGEST_PID" >"$tmp/i0"; threads "$bench_pid" >"$tmp/b0"
  sleep "$WINDOW"
  threads "$INGEST_PID" >"$tmp/i1"; threads "$bench_pid" >"$tmp/b1"
  if [ "${PERF:-0}" = 1 ]; then
    perf record -q -e cpu-clock -p "$INGEST_PID" -o "$tmp/ingest.perf" -- sleep "$WINDOW" 2>/dev/null &
    perf_pid=$!
    perf record -q -e cpu-clock -p "$bench_pid" -o "$tmp/bench.perf" -- sleep "$WINDOW" 2>/dev/null
    wait "$perf_pid"
  fi
  wait "$bench_pid" || true
  frames=$((NODES * 10 * WINDOW))
  echo "per frame, over a ${WINDOW} s window ($frames frames):"
  echo "  radarhub-ingest (node-io: nodes' connections; subscribe-pump: Subscribe writes; health-pump; nexting_thread, default-executor: gRPC's)"
  per_frame "$tmp/i0" "$tmp/i1" "$frames"
  echo "  bench process (subscribe_laten: the nodes' sender and the tracker's workers; the rest: gRPC's)"
  per_frame "$tmp/b0" "$tmp/b1" "$frames"
  if [ -f "$tmp/ingest.perf" ]; then
    for p in ingest bench; do
      echo "  $p CPU by library (perf, cpu-clock):"
      perf report -q -i "$tmp/$p.perf" --no-children -g none --sort dso 2>/dev/null | head -6 |
        awk '{ printf "    %7s  %s\n", $1, $2 }'
    done
  fi
  echo "latency: $(sed 's/.*"latency_us":\({[^}]*}\).*/\1/' "$tmp/bench.json")"
  kill -TERM "$INGEST_PID"; wait "$INGEST_PID" || true
} | tee "$out"
rm -rf "$tmp"
