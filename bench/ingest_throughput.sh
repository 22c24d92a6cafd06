#!/usr/bin/env bash
# Frames/s one ingest process accepts from 100 simulated nodes sending 10-detection frames as fast
# as they can: ingest on one I/O thread pinned to core 0, one sender process pinned to core 1,
# accepted frames counted from /metrics over a steady window. Median of RUNS (default 3).
# Usage: bench/ingest_throughput.sh   (BUILD=build RUNS=3 SECS=10)
cd "$(dirname "$0")/.."
source bench/lib.sh
RUNS=${RUNS:-3}
SECS=${SECS:-10}
out=bench/results/ingest_throughput.txt
tmp=$(mktemp -d)
rates=()
for run in $(seq "$RUNS"); do
  PIDS=()
  start_ingest "$tmp/ingest.log" taskset -c 0 "$INGEST" --io-threads 1 --token bench --log-level warn
  taskset -c 1 "$CLI" node --ingest "127.0.0.1:$NODE_PORT" --nodes 100 --rate max --detections 10 \
    --duration "$((SECS + 3))s" --token bench >"$tmp/sim.json" &
  sim=$!
  sleep 2
  a0=$(metric_sum radarhub_ingest_frames_total 'result="accepted"'); c0=$(cpu_ticks "$INGEST_PID"); t0=$(date +%s.%N)
  sleep "$SECS"
  a1=$(metric_sum radarhub_ingest_frames_total 'result="accepted"'); c1=$(cpu_ticks "$INGEST_PID"); t1=$(date +%s.%N)
  wait "$sim"
  sent=$(sed -n 's/.*"frames_sent":\([0-9]*\).*/\1/p' "$tmp/sim.json")
  # The ingest runs behind the sender; let it drain what the sockets still hold.
  for _ in $(seq 100); do
    accepted=$(metric_sum radarhub_ingest_frames_total 'result="accepted"')
    [ "$accepted" -ge "$sent" ] && break
    sleep 0.1
  done
  rejected=$(metric_sum radarhub_ingest_frames_rejected_total)
  rate=$(awk -v a="$a0" -v b="$a1" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.0f", (b - a) / (e - s) }')
  cpu=$(awk -v a="$c0" -v b="$c1" -v s="$t0" -v e="$t1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.0f", 100 * (b - a) / hz / (e - s) }')
  echo "run $run: accepted $rate frames/s (ingest CPU ${cpu}%), sent $sent accepted $accepted rejected $rejected"
  rates+=("$rate")
  kill -TERM "$INGEST_PID"
  wait "$INGEST_PID" || true
done
med=$(printf '%s\n' "${rates[@]}" | median)
{
  echo "# ingest_throughput $(date -u +%FT%TZ) $(nproc) cores; $(git rev-parse --short HEAD 2>/dev/null)"
  echo "100 nodes x max rate x 10 detections, ingest --io-threads 1 on core 0, sender on core 1"
  echo "runs (frames/s): ${rates[*]}"
  echo "median_frames_per_second $med"
} | tee "$out"
rm -rf "$tmp"
