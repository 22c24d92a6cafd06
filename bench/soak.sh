#!/usr/bin/env bash
# Soak (issue 14): NODES simulated nodes at 10 Hz into a real radarhub-ingest for MINUTES, with a
# radarhub-tracker and a `radarhub watch` subscriber attached; every 30 s, the RSS (MB), open fds
# and threads of the ingest and the tracker. After the warm-up the series should be flat.
# Loopback only. Results: bench/results/soak.txt.
# Usage: bench/soak.sh   (BUILD=build NODES=200 MINUTES=30)
cd "$(dirname "$0")/.."
source bench/lib.sh
NODES=${NODES:-200}
MINUTES=${MINUTES:-30}
TRACKER=$BUILD/services/tracker/radarhub-tracker
out=bench/results/soak.txt
tmp=$(mktemp -d)
start_ingest "$tmp/ingest.log" "$INGEST" --token soak --log-level warn
GRPC=$(grpc_port "$tmp/ingest.log")
"$TRACKER" --ingest "127.0.0.1:$GRPC" --grpc-listen 127.0.0.1:0 --metrics-listen "" \
  --max-nodes "$NODES" --log-level warn 2>"$tmp/tracker.log" &
TRACKER_PID=$!
PIDS+=("$TRACKER_PID")
"$CLI" watch --grpc "127.0.0.1:$GRPC" >/dev/null 2>"$tmp/watch.log" &
PIDS+=($!)
"$CLI" node --ingest "127.0.0.1:$NODE_PORT" --token soak --nodes "$NODES" --rate 10 \
  --duration "$((MINUTES * 60 + 30))s" >"$tmp/nodes.json" 2>"$tmp/nodes.log" &
PIDS+=($!)
sample() {  # PID -> "rss_mb fds threads"
  echo "$(($(rss_kib "$1") / 1024)) $(ls "/proc/$1/fd" | wc -l) $(awk '/^Threads/ { print $2 }' "/proc/$1/status")"
}
{
  echo "# soak $(date -u +%FT%TZ); $(git rev-parse --short HEAD 2>/dev/null); $NODES nodes x 10 Hz; tracker and watch attached"
  echo "# minute  ingest: rss_mb fds threads  tracker: rss_mb fds threads"
  for ((i = 0; i <= MINUTES * 2; i++)); do
    printf '%5.1f  %s  %s\n' "$(awk -v i="$i" 'BEGIN { print i / 2 }')" "$(sample "$INGEST_PID")" "$(sample "$TRACKER_PID")"
    [ "$i" -lt $((MINUTES * 2)) ] && sleep 30
  done
} | tee "$out"
rm -rf "$tmp"
