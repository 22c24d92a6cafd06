#!/usr/bin/env bash
# Node write -> gRPC subscriber latency (p50/p99/p99.9) at 1000 nodes x 10 Hz and 100 nodes x
# 1000 Hz, one subscriber to every node; then the most frames/s one subscriber receives while
# `radarhub node --rate max` floods. Ingest on one I/O thread. Each shape runs twice on this
# 2-core machine: "pinned" (ingest on core 0; nodes and subscriber on core 1, so the two sides do
# not preempt each other) and "shared" (the scheduler places everything). Loopback only.
# Usage: bench/subscribe_latency.sh   (SCHED=fifo: see bench/lib.sh; BUILD=build SECS=20)
cd "$(dirname "$0")/.."
source bench/lib.sh
SECS=${SECS:-20}
BENCH=$BUILD/bench/subscribe_latency_bench
out=bench/results/subscribe_latency${SCHED:+_$SCHED}.txt
tmp=$(mktemp -d)
{
  echo "# subscribe_latency $(date -u +%FT%TZ); scheduler ${SCHED:-fair}; $(git rev-parse --short HEAD 2>/dev/null); $(nproc) cores"
  for shape in "1000 10" "100 1000"; do
    for where in pinned shared; do
      set -- $shape
      start_ingest "$tmp/ingest.log" $(placement $where 0) "$INGEST" --token bench --io-threads 1 \
        --log-level warn
      echo -n "$where "
      $(placement $where 1) "$BENCH" --node-port "$NODE_PORT" \
        --grpc-port "$(grpc_port "$tmp/ingest.log")" --nodes "$1" --rate "$2" --seconds "$SECS"
      kill -TERM "$INGEST_PID"; wait "$INGEST_PID" || true
    done
  done
  for where in pinned shared; do
    start_ingest "$tmp/ingest.log" $(placement $where 0) "$INGEST" --token bench --io-threads 1 \
      --log-level warn
    $(placement $where 1) "$CLI" node --ingest "127.0.0.1:$NODE_PORT" --nodes 100 --rate max \
      --detections 10 --duration $((SECS + 4)) --token bench >"$tmp/sim.json" &
    sim=$!
    echo -n "$where "
    $(placement $where 1) "$BENCH" --grpc-port "$(grpc_port "$tmp/ingest.log")" --nodes 0 \
      --warmup 2 --seconds "$SECS"
    wait "$sim" || true
    echo "  simulator $(cat "$tmp/sim.json")"
    echo "  ingest accepted $(metric_sum radarhub_ingest_frames_total 'result="accepted"')," \
      "dropped for the slow subscriber $(metric_sum radarhub_ingest_subscriber_frames_dropped_total)"
    kill -TERM "$INGEST_PID"; wait "$INGEST_PID" || true
  done
} | tee "$out"
rm -rf "$tmp"
