#!/usr/bin/env bash
# Tracking quality and speed (issue 11): the tracker of libs/tracking over the simulator's
# scenarios busy (a), crossing (b), dense (c) and sparse (d), seeds 1-20, in one process pinned to
# one core: OSPA (p=2, c=2, state (delay km, Doppler Hz / 5)), coverage, id switches per aircraft
# per 10 minutes, false confirmed tracks per hour, microseconds per frame; per seed and pooled
# over all seeds ("all": every aircraft-minute counts once). Then a picture of scenario (a):
# tracks over truth in delay-Doppler.
# Usage: bench/tracking_quality.sh   (BUILD=build SEEDS=1,2,...,20 CORE=1)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SEEDS=${SEEDS:-$(seq -s, 1 20)}
CORE=${CORE:-1}
out=bench/results/tracking_quality.txt
csv=$(mktemp -d)
trap 'rm -rf "$csv"' EXIT
{
  echo "# tracking_quality $(date -u +%FT%TZ); $(git rev-parse --short HEAD 2>/dev/null); $(nproc) cores; taskset -c $CORE"
  taskset -c "$CORE" "$BUILD/bench/tracking_quality_bench" --scenarios busy,crossing,dense,sparse \
    --seeds "$SEEDS" --csv-dir "$csv" --csv-scenario busy
} | tee "$out"
# The picture needs matplotlib (Debian's python3-matplotlib, in /usr/bin/python3).
if ! /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
  echo "installing python3-matplotlib for the picture" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-matplotlib
fi
/usr/bin/python3 bench/quality/plot_tracks.py "$csv" bench/results/tracking_busy.png
echo "wrote $out and bench/results/tracking_busy.png"
