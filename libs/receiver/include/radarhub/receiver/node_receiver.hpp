#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

#include "radarhub/receiver/detection_source.hpp"
#include "radarhub/tracking/node_health.hpp"

namespace radarhub::receiver {

struct ReceiverSettings {
  size_t queue_size = 2000;  // --queue-size: frames waiting for the node's tracker
  std::chrono::seconds warn_every{10};
};

struct ReceiverCounters {
  uint64_t received = 0;      // accepted into the queue
  uint64_t dropped = 0;       // oldest frames dropped because the queue was full
  uint64_t deduplicated = 0;  // already seen: same (epoch, sequence) or the same timestamp
  uint64_t missed = 0;        // announced by ingest as dropped (slow consumer, resume range)
};

using tracking::HealthState;

// One node's frames on the tracker side: fed by the gRPC stream readers of every ingest
// endpoint, drained by the node's processing loop. The queue is bounded and drops its *oldest*
// frame when full (fresh data beats backlog), with a counter and a rate-limited warning, so a
// slow consumer never blocks a stream reader. Frames are de-duplicated across endpoints and
// reconnects by (epoch, sequence) and by timestamp (tracking::FrameDedup). Health follows the
// per-endpoint states (tracking::NodeHealthRule). This class adds the locking and the wake-ups.
// Thread-safe: any number of producers, one consumer.
class NodeReceiver final : public DetectionSource {
 public:
  using WallClock = std::chrono::system_clock;

  NodeReceiver(std::string node_id, ReceiverSettings settings);

  // Called (outside the lock) after every frame Offer queues, so a consumer need not poll. Set it
  // before any producer runs.
  void SetReadyCallback(std::function<void()> ready) { ready_callback_ = std::move(ready); }

  // Producer side. Returns false when the frame was a duplicate (not queued): a sequence already
  // seen in its epoch, the same timestamp as the last frame, or, from another epoch than the last
  // frame (another ingest, or one restarted), a timestamp not after the last frame's: history a
  // replica still holds from before the node moved away must not be replayed as news.
  bool Offer(v1::DetectionFrame frame);
  // Ingest announced frames this receiver will never get (a FramesDropped event).
  void Missed(uint64_t from_sequence, uint64_t to_sequence);
  // What `source` (an ingest endpoint) says now: is its stream live, is the node connected to it.
  // Returns true when the health (healthy, reason or source) changed; `state` (if given) gets the
  // health as of this change.
  bool SetSourceState(const std::string& source, bool stream_live, bool node_connected,
                      WallClock::time_point now, HealthState* state = nullptr);
  // The endpoint is gone (no longer resolved): it no longer counts either way.
  bool RemoveSource(const std::string& source, WallClock::time_point now,
                    HealthState* state = nullptr);
  // The last sequence received in `epoch` (0: none), where a resumed stream continues.
  uint64_t LastSequence(uint64_t epoch) const;

  std::optional<v1::DetectionFrame> Receive(std::chrono::milliseconds timeout) override;
  bool Healthy() const override;
  void Close() override;

  const std::string& node_id() const { return node_id_; }
  HealthState health() const;
  ReceiverCounters counters() const;
  size_t queue_depth() const;
  int64_t last_timestamp_ms() const;

 private:
  void WarnDroppedLocked();

  const std::string node_id_;
  const ReceiverSettings settings_;
  std::function<void()> ready_callback_;  // set before producers run, then only read
  mutable std::mutex mu_;
  std::condition_variable ready_;
  std::deque<v1::DetectionFrame> queue_;               // guarded by mu_
  bool closed_ = false;                                // guarded by mu_
  ReceiverCounters counters_;                          // guarded by mu_
  tracking::FrameDedup dedup_;                         // guarded by mu_
  tracking::NodeHealthRule health_;                    // guarded by mu_
  std::chrono::steady_clock::time_point last_warn_{};  // guarded by mu_
  uint64_t unwarned_drops_ = 0;                        // guarded by mu_
};

}  // namespace radarhub::receiver
