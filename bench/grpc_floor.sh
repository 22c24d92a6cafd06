#!/usr/bin/env bash
# The floor under the ingest -> tracker hop: gRPC alone (bench/grpc_floor.cpp), 1,000 streams x
# 10 Hz of one 10-detection frame each on one HTTP/2 connection, for each pairing of the callback
# and async APIs, then channel settings on the async pair. Server pinned to core 0, client to
# core 1 ("pinned"), or placed by the scheduler ("shared"). Loopback only.
# Usage: bench/grpc_floor.sh   (BUILD=build SECS=10 STREAMS=1000 RATE=10)
cd "$(dirname "$0")/.."
source bench/lib.sh
SECS=${SECS:-10}
STREAMS=${STREAMS:-1000}
RATE=${RATE:-10}
BENCH=$BUILD/bench/grpc_floor_bench
out=bench/results/grpc_floor.txt
tmp=$(mktemp -d)

# run WHERE SERVER_API CLIENT_API [--arg name=value ...]
run() {
  local where=$1 sapi=$2 capi=$3
  shift 3
  $(placement "$where" 0) "$BENCH" --role server --api "$sapi" --streams "$STREAMS" --rate "$RATE" \
    --seconds "$SECS" "$@" >"$tmp/server" &
  local server=$!
  PIDS+=("$server")
  for _ in $(seq 100); do grep -q '^listening' "$tmp/server" && break; sleep 0.05; done
  local port
  port=$(sed -n 's/^listening //p' "$tmp/server")
  echo "$where: server $sapi, client $capi${*:+, $*}"
  $(placement "$where" 1) "$BENCH" --role client --api "$capi" --target "127.0.0.1:$port" \
    --streams "$STREAMS" --seconds "$SECS" "$@" 2>/dev/null | sed 's/^/  /'
  wait "$server" || true
  sed -n 's/^server/  server/p' "$tmp/server"
}

{
  echo "# grpc_floor $(date -u +%FT%TZ); $(git rev-parse --short HEAD 2>/dev/null); $(nproc) cores;" \
    "$STREAMS streams x $RATE Hz"
  for where in pinned shared; do
    for pair in "callback callback" "async callback" "callback async" "async async"; do
      run "$where" $pair
    done
  done
  run pinned async async --arg grpc.http2.bdp_probe=0
  run pinned async async --arg grpc.http2.write_buffer_size=0
  run pinned async async --arg grpc.http2.lookahead_bytes=65536
} | tee "$out"
rm -rf "$tmp"
