#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "radarhub/tracking/settings.hpp"
#include "radarhub/tracking/types.hpp"

namespace radarhub::tracking {

// What one frame (or tick) did: the live tracks after it (every status but deleted), ordered by
// track id, and the tracks it deleted (status kDeleted, their last state).
struct FrameResult {
  int64_t timestamp_ms = 0;
  std::vector<TrackState> tracks;
  std::vector<TrackState> deleted;
  bool processed = false;  // false: the frame was older than the last one and was not used
};

// The multi-target tracker of one node, in delay-Doppler: a Kalman filter per track on bistatic
// range, range rate and range acceleration (Doppler is the range rate over the wavelength, so
// delay and Doppler are filtered as one motion), gating, optimal assignment within gate clusters,
// a sequential likelihood-ratio score for confirmation and deletion, and ADS-B labels. Pure: no
// I/O, no threads, time only from the frames and ticks. Not thread-safe: one per node.
class MultiTargetTracker final {
 public:
  explicit MultiTargetTracker(TrackerSettings settings = {});
  ~MultiTargetTracker();
  MultiTargetTracker(MultiTargetTracker&&) noexcept;
  MultiTargetTracker& operator=(MultiTargetTracker&&) noexcept;

  // One frame, in timestamp order. A frame not after the last processed one is ignored
  // (processed = false): a node's clock stepping back must not run the filters backwards.
  // The result is valid until the next Process or Tick; the caller may move its lists out (the
  // tracker fills fresh ones next time), so a published copy need not be a copy.
  FrameResult& Process(const Frame& frame);
  // Time passes without frames (node clock, ms): tracks not updated for `max_coast` are deleted,
  // and confirmed tracks that missed an expected frame turn coasting. Returns an empty result
  // (no tracks) when nothing changed.
  FrameResult& Tick(int64_t now_ms);
  // How long after the last frame (ms) a Tick first changes anything: before then it returns at
  // once, so a caller may leave it out.
  int64_t TickQuietMs() const;

  // Every live track, as of the last Process or Tick.
  std::vector<TrackState> Tracks() const;
  const TrackerSettings& settings() const;
  // Clutter density the tracker currently assumes (per km*Hz), learnt from unassociated
  // detections.
  double clutter_density() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace radarhub::tracking
