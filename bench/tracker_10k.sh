#!/usr/bin/env bash
# A tracker following 10,000 nodes at 1 Hz (10 detections each) through one ingest, each process
# on its own (the sandbox caps open files at 20,000 per process): nodes -> radarhub-ingest ->
# radarhub-tracker with --worker-threads 2. After a warm-up, over WINDOW seconds: the tracker's
# thread count, RSS per node, CPU, frames tracked per second, nodes followed. Loopback only.
# Usage: bench/tracker_10k.sh   (BUILD=build NODES=10000 WARMUP=40 WINDOW=20)
cd "$(dirname "$0")/.."
source bench/lib.sh
NODES=${NODES:-10000}
WARMUP=${WARMUP:-40}
WINDOW=${WINDOW:-20}
TRACKER=$BUILD/services/tracker/radarhub-tracker
out=bench/results/tracker_10k.txt
tmp=$(mktemp -d)
start_ingest "$tmp/ingest.log" "$INGEST" --token bench --max-subscribers $((NODES + 100)) \
  --replay-frames 16 --log-level warn
"$TRACKER" --ingest "127.0.0.1:$(grpc_port "$tmp/ingest.log")" --grpc-listen 127.0.0.1:0 \
  --metrics-listen 127.0.0.1:0 --max-nodes "$NODES" --worker-threads 2 --log-level warn \
  2>"$tmp/tracker.log" &
TRACKER_PID=$!
PIDS+=("$TRACKER_PID")
for _ in $(seq 100); do grep -q "^listening metrics" "$tmp/tracker.log" && break; sleep 0.05; done
TRACKER_METRICS=$(sed -n 's/^listening metrics .*:\([0-9]*\)$/\1/p' "$tmp/tracker.log")
"$CLI" node --ingest "127.0.0.1:$NODE_PORT" --token bench --nodes "$NODES" --rate 1 \
  --detections 10 --threads 2 --duration "$((WARMUP + WINDOW + 10))s" >"$tmp/nodes.json" \
  2>"$tmp/nodes.log" &
PIDS+=($!)
tracker_metric() {
  curl -s "http://127.0.0.1:$TRACKER_METRICS/metrics" |
    awk -v n="$1" 'index($0, n) == 1 && substr($0, length(n) + 1, 1) ~ /[ {]/ { s += $NF } END { printf "%.0f\n", s }'
}
sleep "$WARMUP"
frames0=$(tracker_metric radarhub_tracker_frames_processed_total)
cpu0=$(cpu_ticks "$TRACKER_PID")
sleep "$WINDOW"
frames1=$(tracker_metric radarhub_tracker_frames_processed_total)
cpu1=$(cpu_ticks "$TRACKER_PID")
nodes=$(tracker_metric radarhub_tracker_nodes)
healthy=$(tracker_metric radarhub_tracker_node_healthy)
threads=$(awk '/^Threads/ { print $2 }' "/proc/$TRACKER_PID/status")
rss=$(rss_kib "$TRACKER_PID")
{
  echo "# tracker_10k $(date -u +%FT%TZ); $(git rev-parse --short HEAD 2>/dev/null); $(nproc) cores; no pinning"
  printf '{"nodes":%s,"followed":%s,"healthy":%s,"threads":%s,"worker_threads":2,' \
    "$NODES" "$nodes" "$healthy" "$threads"
  awk -v f=$((frames1 - frames0)) -v c=$((cpu1 - cpu0)) -v hz="$(getconf CLK_TCK)" -v w="$WINDOW" \
    -v rss="$rss" -v n="$NODES" 'BEGIN {
      printf "\"frames_per_s\":%.0f,\"cpu_percent\":%.0f,\"rss_kib\":%d,\"rss_kib_per_node\":%.1f}\n",
        f / w, c * 100 / hz / w, rss, rss / n }'
} | tee "$out"
rm -rf "$tmp"
