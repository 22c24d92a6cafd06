#!/usr/bin/env bash
# The demo: ingest and tracker on their default ports, 3 simulated radar nodes (radar1..3) each
# seeing 6 aircraft and clutter at 1 Hz (the simulator's "demo" scenario), and a live per-node
# view (ingest counters, the tracker's health and confirmed tracks of each node), until Ctrl-C.
# gRPC on 127.0.0.1:50051 (ingest) and :50061 (tracker) for `radarhub watch` and grpcurl.
# Usage: tools/demo.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build}
logs=$(mktemp -d /tmp/radarhub-demo.XXXXXX)
RADARHUB_TOKEN=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
export RADARHUB_TOKEN

pids=()
# Ctrl-C, kill, or the terminal closing (SIGHUP: the ingest takes that as "reload tokens" and
# would stay, holding the ports): every child gets SIGTERM and is waited for.
cleanup() {
  trap - INT TERM HUP EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "stopped; logs in $logs" 2>/dev/null || true  # the terminal may be gone
}
trap cleanup INT TERM HUP EXIT

# started LOG: waits until the service logging to LOG listens (its last listener is metrics).
started() {
  for _ in $(seq 50); do grep -q "^listening metrics" "$1" && return 0; sleep 0.1; done
  cat "$1" >&2
  exit 1
}
"$build/services/ingest/radarhub-ingest" --node-listen 127.0.0.1:30050 \
  --grpc-listen 127.0.0.1:50051 --metrics-listen 127.0.0.1:9105 2>"$logs/ingest.log" &
pids+=($!)
started "$logs/ingest.log"
"$build/services/tracker/radarhub-tracker" --ingest 127.0.0.1:50051 \
  --grpc-listen 127.0.0.1:50061 --metrics-listen 127.0.0.1:9106 --tracks-dir "$logs/tracks" \
  2>"$logs/tracker.log" &
pids+=($!)
started "$logs/tracker.log"
"$build/tools/radarhub" node --ingest 127.0.0.1:30050 --node-ids radar1,radar2,radar3 \
  --scenario demo \
  --truth "$logs/truth.jsonl" >"$logs/nodes.json" 2>"$logs/nodes.log" &
pids+=($!)
echo "ingest on 127.0.0.1:30050 (nodes), :50051 (gRPC), :9105 (metrics);" \
  "tracker on :50061 (gRPC), :9106 (metrics); Ctrl-C to stop"
echo "in another shell: $build/tools/radarhub watch --nodes radar3" \
  " |  $build/tools/radarhub health --service node/radar3"
echo "tracks: $logs/tracks/<node>/<day>.jsonl; truth: $logs/truth.jsonl"
# In the background and waited for: bash runs a trap only once its foreground command has ended,
# but `wait` returns at once when a signal comes.
"$build/tools/radarhub" status --metrics 127.0.0.1:9105 --tracker 127.0.0.1:50061 --interval 1s &
pids+=($!)
wait "$!"
