#!/usr/bin/env bash
# Where a frame's CPU goes on the ingest's data path, in instructions (callgrind counts them
# exactly, whatever else the machine is doing): per phase, instructions per frame and the
# functions that spend them. Needs valgrind.
# Usage: bench/ingest_profile.sh   (BUILD=build N=20000)
cd "$(dirname "$0")/.."
set -euo pipefail
BUILD=${BUILD:-build}
N=${N:-20000}
out=bench/results/ingest_profile.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
{
  echo "# ingest_profile $(date -u +%FT%TZ); $(git rev-parse --short HEAD 2>/dev/null); N=$N frames of bench/sample_frames.hpp (10 detections, 521 bytes)"
  for phase in parse encode pipeline; do
    case $phase in
      parse) fn=RunParse ;; encode) fn=RunEncode ;; pipeline) fn=RunPipeline ;;
    esac
    valgrind --tool=callgrind --callgrind-out-file="$tmp/$phase.out" \
      "--toggle-collect=radarhub::bench::(anonymous namespace)::$fn*" \
      "$BUILD/bench/ingest_profile" "$phase" "$N" 2>/dev/null
    total=$(callgrind_annotate "$tmp/$phase.out" | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
    echo
    echo "$phase: $((total / N)) instructions per frame"
    callgrind_annotate "$tmp/$phase.out" | sed -n '/file:function/,$p' | sed -n '3,14p' |
      awk -v n="$N" '{ ir = $1; gsub(",", "", ir); $1 = ""; $2 = ""; sub(/^ +/, ""); sub(/\[.*$/, ""); printf "  %7.0f  %s\n", ir / n, substr($0, 1, 150) }'
  done
} | tee "$out"
