#!/usr/bin/env bash
# The tracker through a client that is not ours: `buf curl` (npm @bufbuild/buf) lists and calls
# the real radarhub-tracker with no proto files, as grpcurl users would, while a real ingest and
# a simulated node feed it. With an API token set, reflection and health stay open while Tracker
# calls need the token (the tracker also sends it to the ingest).
# usage: reflection_test.sh INGEST_BIN TRACKER_BIN RADARHUB_BIN BUF_BIN
set -euo pipefail
ingest=$1
tracker=$2
cli=$3
buf=$4
if [ ! -x "$buf" ]; then
  echo "buf not found at '$buf': tools/dev test installs it (npm @bufbuild/buf)" >&2
  exit 1
fi
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
port_of() {  # LOG NAME: the port of "listening NAME host:port"
  for _ in $(seq 100); do grep -q "^listening $2" "$1" && break; sleep 0.05; done
  sed -n "s/^listening $2 .*:\([0-9]*\)\$/\1/p" "$1"
}
export RADARHUB_API_TOKEN=api-token
RADARHUB_TOKEN=node-token "$ingest" --node-listen 127.0.0.1:0 --grpc-listen 127.0.0.1:0 \
  --metrics-listen "" 2>"$work/ingest.log" &
pids+=($!)
ingest_grpc=$(port_of "$work/ingest.log" grpc)
node_port=$(port_of "$work/ingest.log" node)
[ -n "$ingest_grpc" ] || fail "ingest did not start: $(cat "$work/ingest.log")"
"$tracker" --ingest "127.0.0.1:$ingest_grpc" --grpc-listen 127.0.0.1:0 --metrics-listen "" \
  2>"$work/tracker.log" &
pids+=($!)
port=$(port_of "$work/tracker.log" grpc)
[ -n "$port" ] || fail "tracker did not start: $(cat "$work/tracker.log")"
RADARHUB_TOKEN=node-token "$cli" node --ingest "127.0.0.1:$node_port" --node-ids radar3 \
  --rate 10 --duration 20s >/dev/null 2>"$work/node.log" &
pids+=($!)
url=http://127.0.0.1:$port
bufcurl() { "$buf" curl --protocol grpc --http2-prior-knowledge "$@"; }

services=$(bufcurl --list-services "$url")
echo "$services"
for s in radarhub.v1.Tracker grpc.health.v1.Health grpc.reflection.v1alpha.ServerReflection; do
  grep -qx "$s" <<<"$services" || fail "reflection does not list $s"
done
methods=$(bufcurl --list-methods "$url")
for m in radarhub.v1.Tracker/{ListNodes,WatchHealth} grpc.health.v1.Health/{Check,Watch}; do
  grep -qx "$m" <<<"$methods" || fail "reflection does not describe $m"
done

if bufcurl "$url/radarhub.v1.Tracker/ListNodes" >"$work/out" 2>&1; then
  fail "ListNodes without the API token succeeded"
fi
grep -qi unauthenticated "$work/out" || fail "expected unauthenticated: $(cat "$work/out")"
for _ in $(seq 100); do
  nodes=$(bufcurl -H "Authorization: Bearer api-token" "$url/radarhub.v1.Tracker/ListNodes")
  grep -q '"reason": "ok"' <<<"$nodes" && break
  sleep 0.1
done
echo "$nodes"
grep -q '"nodeId": "radar3"' <<<"$nodes" || fail "ListNodes: $nodes"
grep -q '"reason": "ok"' <<<"$nodes" || fail "radar3 never healthy: $nodes"
health=$(bufcurl -d '{"service":"node/radar3"}' "$url/grpc.health.v1.Health/Check")
grep -q '"SERVING"' <<<"$health" || fail "node health: $health"
# WatchHealth opens with the current state of every node.
watch=$(timeout 3 "$buf" curl --protocol grpc --http2-prior-knowledge \
  -H "Authorization: Bearer api-token" "$url/radarhub.v1.Tracker/WatchHealth" 2>&1 || true)
grep -q '"nodeId": "radar3"' <<<"$watch" || fail "WatchHealth: $watch"
grep -q "api-token" "$work/tracker.log" && fail "the API token appears in the log"
echo PASS
