#!/usr/bin/env bash
# kill -9 of the ingest -> every node ingest_unreachable at the tracker, and restart -> every node
# healthy again, with NODES simulated nodes at 10 Hz (real processes, loopback). The restart time
# includes the nodes' own reconnect backoff (1-2-4 s) as well as the tracker's.
# Usage: bench/tracker_failover.sh   (BUILD=build NODES=1000 RUNS=3)
cd "$(dirname "$0")/.."
source bench/lib.sh
NODES=${NODES:-1000}
RUNS=${RUNS:-3}
out=bench/results/tracker_failover.txt
{
  echo "# tracker_failover $(date -u +%FT%TZ); $(git rev-parse --short HEAD 2>/dev/null); $(nproc) cores"
  for _ in $(seq "$RUNS"); do "$BUILD/bench/tracker_failover_bench" --nodes "$NODES"; done
} | tee "$out"
