#!/usr/bin/env bash
# The issue's acceptance run: radarhub node --nodes 1000 --rate 10 --duration 60 against the
# ingest; the ingest must accept exactly what was sent and reject nothing.
# Usage: bench/acceptance_1000x10.sh   (BUILD=build SECS=60)
cd "$(dirname "$0")/.."
source bench/lib.sh
SECS=${SECS:-60}
out=bench/results/acceptance_1000x10.txt
tmp=$(mktemp -d)
start_ingest "$tmp/ingest.log" "$INGEST" --token bench --log-level warn
"$CLI" node --ingest "127.0.0.1:$NODE_PORT" --nodes 1000 --rate 10 --duration "$SECS" --token bench >"$tmp/sim.json"
sleep 1
sent=$(sed -n 's/.*"frames_sent":\([0-9]*\).*/\1/p' "$tmp/sim.json")
accepted=$(metric_sum radarhub_ingest_frames_total 'result="accepted"')
rejected=$(metric_sum radarhub_ingest_frames_rejected_total)
dedup=$(metric_sum radarhub_ingest_frames_total 'result="deduplicated"')
p99=$(curl -s "http://127.0.0.1:$METRICS_PORT/metrics" | awk '/^radarhub_ingest_publish_latency_seconds_bucket/ { print }' | head -20)
{
  echo "# acceptance_1000x10 $(date -u +%FT%TZ); $(git rev-parse --short HEAD 2>/dev/null)"
  echo "simulator $(cat "$tmp/sim.json")"
  echo "sent $sent accepted $accepted rejected $rejected deduplicated $dedup"
  [ "$sent" = "$accepted" ] && [ "$rejected" = 0 ] && echo "RESULT ok" || echo "RESULT MISMATCH"
  echo "publish latency histogram (line read -> handed to subscribers):"
  echo "$p99"
} | tee "$out"
rm -rf "$tmp"
