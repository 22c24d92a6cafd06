#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "node_table.hpp"
#include "radarhub/tracking/tracker.hpp"
#include "track_files.hpp"

namespace radarhub::tracker {

class TrackBoard;
class TrackerMetrics;

// How every node is tracked: the tracker's settings (--track-* flags), each node's transmitter
// where it differs from the default, and where tracks go.
struct TrackingSettings {
  tracking::TrackerSettings tracker;
  std::map<std::string, double> transmitter_hz;  // --node-transmitter-hz: node id -> Hz
  std::optional<std::filesystem::path> tracks_dir;

  tracking::TrackerSettings ForNode(const std::string& node_id) const;
};

// One node's tracking: its multi-target tracker, its track files and its published tracks. The
// service's stage and the offline replay both run this, so a replay reproduces what the service
// would have done. Not thread-safe (one node, one worker at a time); counts() from any thread.
class NodeTracking final {
 public:
  NodeTracking(std::string node_id, const TrackingSettings& settings, TrackBoard* board);

  // With a board, the result's track lists have moved to the board (where they are read): the
  // tracker keeps no second copy of every node's tracks.
  const tracking::FrameResult& Process(const tracking::Frame& frame,
                                       std::chrono::steady_clock::time_point now);
  // Frames stopped: `node_now_ms` is the node's clock as it would read now.
  void Tick(int64_t node_now_ms, std::chrono::steady_clock::time_point now);
  void Flush();

  TrackCounts counts() const;
  const TrackFileWriter* files() const { return files_ ? &*files_ : nullptr; }
  // How long after the last frame a Tick first changes the tracks.
  int64_t TickQuietMs() const { return tracker_.TickQuietMs(); }

 private:
  void Publish(tracking::FrameResult& result);

  const std::string node_id_;
  tracking::MultiTargetTracker tracker_;
  std::optional<TrackFileWriter> files_;
  TrackBoard* const board_;
  std::atomic<uint32_t> confirmed_{0}, coasting_{0}, tentative_{0};
};

// The service's stage: frames from the node's queue through NodeTracking; ticks map the wall
// clock onto the node's clock by the time its last frame arrived.
class TrackingStage final : public FrameStage {
 public:
  TrackingStage(std::string node_id, const TrackingSettings& settings, TrackBoard* board,
                TrackerMetrics& metrics);

  void Process(v1::DetectionFrame& frame) override;
  void Tick(std::chrono::system_clock::time_point now) override;
  bool TickDue(std::chrono::system_clock::time_point now) const override;
  void Finish() override { tracking_.Flush(); }
  TrackCounts counts() const override { return tracking_.counts(); }

 private:
  NodeTracking tracking_;
  TrackerMetrics& metrics_;
  bool has_frame_ = false;
  int64_t last_frame_ms_ = 0;
  std::chrono::system_clock::time_point last_frame_wall_{};
  // When a Tick first has work (system clock, ns): never before the first frame; at once while
  // track lines wait to be written; else once frames are TickQuietMs late. Set on the worker.
  std::atomic<int64_t> tick_due_ns_{INT64_MAX};
  void UpdateTickDue();
};

}  // namespace radarhub::tracker
