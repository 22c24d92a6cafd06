#!/usr/bin/env bash
# Memory and CPU of 10,000 idle authenticated node connections (heartbeats every 5 s, no frames).
# Usage: bench/idle_connections.sh   (BUILD=build NODES=10000 SECS=30)
cd "$(dirname "$0")/.."
source bench/lib.sh
NODES=${NODES:-10000}
SECS=${SECS:-30}
out=bench/results/idle_connections.txt
tmp=$(mktemp -d)
start_ingest "$tmp/ingest.log" "$INGEST" --token bench --max-connections $((NODES * 2)) --log-level warn
sleep 1
rss0=$(rss_kib "$INGEST_PID")
"$CLI" node --ingest "127.0.0.1:$NODE_PORT" --nodes "$NODES" --rate 0 --duration "$((SECS + 60))s" \
  --token bench >"$tmp/sim.json" 2>"$tmp/sim.log" &
PIDS+=($!)
for _ in $(seq 600); do
  [ "$(metric_sum radarhub_ingest_nodes_connected)" -ge "$NODES" ] && break
  sleep 0.1
done
connected=$(metric_sum radarhub_ingest_nodes_connected)
sleep 6  # every node has sent a heartbeat since connecting
rss1=$(rss_kib "$INGEST_PID"); c0=$(cpu_ticks "$INGEST_PID"); t0=$(date +%s.%N)
sleep "$SECS"
c1=$(cpu_ticks "$INGEST_PID"); t1=$(date +%s.%N); rss2=$(rss_kib "$INGEST_PID")
cpu=$(awk -v a="$c0" -v b="$c1" -v s="$t0" -v e="$t1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", 100 * (b - a) / hz / (e - s) }')
per=$(awk -v a="$rss0" -v b="$rss2" -v n="$connected" 'BEGIN { printf "%.2f", (b - a) / n }')
{
  echo "# idle_connections $(date -u +%FT%TZ) $(nproc) cores; $(git rev-parse --short HEAD 2>/dev/null)"
  echo "nodes_connected $connected"
  echo "ingest_rss_kib_before $rss0"
  echo "ingest_rss_kib_connected $rss1"
  echo "ingest_rss_kib_after_${SECS}s $rss2"
  echo "kib_per_connection $per"
  echo "ingest_cpu_percent_over_${SECS}s $cpu"
} | tee "$out"
rm -rf "$tmp"
