#!/usr/bin/python3
"""Tracks over truth in delay-Doppler, from tracking_quality_bench --csv-dir: detections as grey
points (clutter included), each aircraft's true path as a thin black line, each confirmed track as
a coloured line with its id (and ADS-B hex) at its start."""
import csv
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def rows(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def main(folder, out):
    detections = rows(f"{folder}/detections.csv")
    truth = defaultdict(list)
    for r in rows(f"{folder}/truth.csv"):
        truth[r["aircraft"]].append((float(r["delay"]), float(r["doppler"])))
    tracks = defaultdict(list)
    labels = {}
    for r in rows(f"{folder}/tracks.csv"):
        tracks[r["track_id"]].append((float(r["delay"]), float(r["doppler"])))
        if r["adsb_hex"]:
            labels[r["track_id"]] = r["adsb_hex"]

    fig, ax = plt.subplots(figsize=(12, 8), dpi=110)
    ax.scatter([float(d["delay"]) for d in detections], [float(d["doppler"]) for d in detections],
               s=1, c="0.8", label="detections (targets and clutter)", rasterized=True)
    for i, (name, points) in enumerate(sorted(truth.items())):
        ax.plot(*zip(*points), color="black", lw=3.5, alpha=0.35,
                label="truth" if i == 0 else None)
    colours = plt.get_cmap("tab20")
    for i, (track_id, points) in enumerate(sorted(tracks.items(), key=lambda t: int(t[0]))):
        ax.plot(*zip(*points), color=colours(i % 20), lw=1.2)
        text = f"T{track_id}" + (f" {labels[track_id]}" if track_id in labels else "")
        ax.annotate(text, points[0], fontsize=8, color=colours(i % 20),
                    xytext=(4, 4), textcoords="offset points")
    ax.set_xlabel("bistatic delay (km)")
    ax.set_ylabel("Doppler (Hz)")
    ax.set_title(f"Scenario busy (a): {len(truth)} aircraft, 20 false alarms per frame, "
                 f"10 min at 1 Hz - {len(tracks)} confirmed tracks")
    ax.set_xlim(0, 150)
    ax.set_ylim(-200, 200)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
