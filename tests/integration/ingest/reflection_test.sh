#!/usr/bin/env bash
# Server reflection checked with a client that is not ours: `buf curl` (npm @bufbuild/buf) lists
# and calls the real radarhub-ingest with no proto files, as grpcurl users would. With an API
# token set, reflection and health stay open while Ingest calls need the token.
# usage: reflection_test.sh INGEST_BIN BUF_BIN
set -euo pipefail
ingest=$1
buf=$2
if [ ! -x "$buf" ]; then
  echo "buf not found at '$buf': tools/dev test installs it (npm @bufbuild/buf)" >&2
  exit 1
fi
work=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

RADARHUB_TOKEN=node-token RADARHUB_API_TOKEN=api-token "$ingest" --node-listen 127.0.0.1:0 \
  --grpc-listen 127.0.0.1:0 --metrics-listen "" 2>"$work/ingest.log" &
pid=$!
for _ in $(seq 100); do grep -q "^listening grpc" "$work/ingest.log" && break; sleep 0.05; done
port=$(sed -n 's/^listening grpc .*:\([0-9]*\)$/\1/p' "$work/ingest.log")
[ -n "$port" ] || fail "ingest did not start: $(cat "$work/ingest.log")"
url=http://127.0.0.1:$port
bufcurl() { "$buf" curl --protocol grpc --http2-prior-knowledge "$@"; }

services=$(bufcurl --list-services "$url")
echo "$services"
for s in radarhub.v1.Ingest grpc.health.v1.Health grpc.reflection.v1alpha.ServerReflection; do
  grep -qx "$s" <<<"$services" || fail "reflection does not list $s"
done
# Methods come from the services' descriptors (health's too: the binary carries health.proto).
methods=$(bufcurl --list-methods "$url")
for m in radarhub.v1.Ingest/{ListNodes,GetNode,Subscribe} grpc.health.v1.Health/{Check,Watch}; do
  grep -qx "$m" <<<"$methods" || fail "reflection does not describe $m"
done

# Calls built from the reflected schema alone.
health=$(bufcurl -d '{"service":""}' "$url/grpc.health.v1.Health/Check")
grep -q '"SERVING"' <<<"$health" || fail "health: $health"
if bufcurl "$url/radarhub.v1.Ingest/ListNodes" >"$work/out" 2>&1; then
  fail "ListNodes without the API token succeeded"
fi
grep -qi unauthenticated "$work/out" || fail "expected unauthenticated: $(cat "$work/out")"
nodes=$(bufcurl -H "Authorization: Bearer api-token" "$url/radarhub.v1.Ingest/ListNodes")
[ "$(tr -d ' \n' <<<"$nodes")" = "{}" ] || fail "ListNodes: $nodes"
grep -q "api-token" "$work/ingest.log" && fail "the API token appears in the log"
echo PASS
