#!/usr/bin/env bash
# Node write -> tracker dequeue latency (p50/p99/p99.9) at 1000 nodes x 10 Hz (and, for scale,
# 100 nodes x 10 Hz, where this 2-core machine is not saturated): nodes over real
# TCP into a real radarhub-ingest (one I/O thread), and the tracker in the bench process (the same
# TrackerApp as radarhub-tracker, one Subscribe stream per node over one channel) recording when
# each node's processing loop dequeues the frame. "pinned": ingest on core 0, nodes and tracker
# on core 1; "shared": the scheduler places everything. Loopback only.
# Usage: bench/tracker_latency.sh   (SCHED=fifo: see bench/lib.sh; BUILD=build SECS=20 SHAPES="1000 100" RATE=10)
cd "$(dirname "$0")/.."
source bench/lib.sh
SECS=${SECS:-20}
SHAPES=${SHAPES:-1000 100}
RATE=${RATE:-10}
BENCH=$BUILD/bench/subscribe_latency_bench
out=bench/results/tracker_latency${SCHED:+_$SCHED}.txt
tmp=$(mktemp -d)
{
  echo "# tracker_latency $(date -u +%FT%TZ); scheduler ${SCHED:-fair}; $(git rev-parse --short HEAD 2>/dev/null); $(nproc) cores"
  for NODES in $SHAPES; do for where in pinned shared; do
    # One Subscribe per tracked node plus discovery: above the default --max-subscribers 1000.
    start_ingest "$tmp/ingest.log" $(placement $where 0) "$INGEST" --token bench --io-threads 1 \
      --max-subscribers $((NODES + 100)) --log-level warn
    echo -n "$where "
    $(placement $where 1) "$BENCH" --node-port "$NODE_PORT" --grpc-port "$(grpc_port "$tmp/ingest.log")" \
      --nodes "$NODES" --rate "$RATE" --seconds "$SECS" --via-tracker
    kill -TERM "$INGEST_PID"; wait "$INGEST_PID" || true
  done; done
} | tee "$out"
rm -rf "$tmp"
