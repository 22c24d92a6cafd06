#!/usr/bin/env bash
# Node write -> gRPC subscriber latency (p50/p99/p99.9) at 1000 nodes x 10 Hz and 100 nodes x
# 1000 Hz, one subscriber to every node; then the most frames/s one subscriber receives while
# `radarhub node --rate max` floods. Ingest on one I/O thread. Loopback only.
# Usage: bench/subscribe_latency.sh   (BUILD=build SECS=30)
cd "$(dirname "$0")/.."
source bench/lib.sh
SECS=${SECS:-30}
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
BENCH=$BUILD/bench/subscribe_latency_bench
out=bench/results/subscribe_latency.txt
tmp=$(mktemp -d)
grpc_port() { sed -n 's/^listening grpc .*:\([0-9]*\)$/\1/p' "$1"; }
{
  echo "# subscribe_latency $(date -u +%FT%TZ); $(git rev-parse --short HEAD 2>/dev/null); $(nproc) cores"
  for shape in "1000 10" "100 1000"; do
    set -- $shape
    start_ingest "$tmp/ingest.log" "$INGEST" --token bench --io-threads 1 --log-level warn
    "$BENCH" --node-port "$NODE_PORT" --grpc-port "$(grpc_port "$tmp/ingest.log")" \
      --nodes "$1" --rate "$2" --seconds "$SECS"
    kill -TERM "$INGEST_PID"; wait "$INGEST_PID" || true
  done
  start_ingest "$tmp/ingest.log" "$INGEST" --token bench --io-threads 1 --log-level warn
  "$CLI" node --ingest "127.0.0.1:$NODE_PORT" --nodes 100 --rate max --detections 10 \
    --duration $((SECS + 4)) --token bench >"$tmp/sim.json" &
  PIDS+=($!)
  "$BENCH" --grpc-port "$(grpc_port "$tmp/ingest.log")" --nodes 0 --warmup 2 --seconds "$SECS"
  wait "${PIDS[-1]}" || true
  echo "simulator $(cat "$tmp/sim.json")"
  echo "ingest accepted $(metric_sum radarhub_ingest_frames_total 'result="accepted"')," \
    "dropped for slow subscribers $(metric_sum radarhub_ingest_subscriber_frames_dropped_total)"
} | tee "$out"
rm -rf "$tmp"
