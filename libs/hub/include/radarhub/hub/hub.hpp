#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "radarhub/hub/event.hpp"
#include "radarhub/hub/subscriber_queue.hpp"

namespace radarhub::hub {

struct HubSettings {
  uint64_t epoch = 0;
  size_t replay_frames = 4096;  // frames kept per node for resume, at most
  // Bytes of frames kept for resume by all nodes together (0: no limit). Shared fairly: a node's
  // ring is trimmed (oldest first) to replay_memory / (nodes holding frames), and keeps at least
  // its latest frame, which a new subscriber's snapshot starts with.
  size_t replay_memory = 0;
  size_t subscriber_queue = 8192;  // events per subscriber before the oldest frames go
  // Bytes of frames queued for all subscribers together (0: no limit). While they are over it, a
  // stream holding more than an equal share (one that is behind) loses its oldest frames.
  size_t subscriber_memory = 0;
};

struct Resume {
  std::string node_id;
  uint64_t epoch = 0;
  uint64_t after_sequence = 0;
};

struct SubscribeRequest {
  std::vector<std::string> node_ids;  // empty: every node, including later ones
  bool frames = true;
  std::vector<Resume> resume;
};

class Hub;

// The events of one node: the latest status, the last replay_frames frames, and who listens.
class Channel final {
 public:
  const std::string& node_id() const { return *name_; }

 private:
  friend class Hub;
  explicit Channel(std::string node_id)
      : name_(std::make_shared<const std::string>(std::move(node_id))) {}

  const NodeName name_;
  size_t named_ = 0;  // guarded by the hub's mu_: subscriptions that name this node
  std::mutex mu_;
  uint64_t epoch_ = 0;         // guarded by mu_: the epoch of the node's sequences
  EventPtr status_;            // guarded by mu_
  std::deque<EventPtr> ring_;  // guarded by mu_: oldest first
  size_t ring_bytes_ = 0;      // guarded by mu_: ReplayCost of what ring_ holds
  std::vector<std::shared_ptr<SubscriberQueue>> subscribers_;  // guarded by mu_
};

// In-process fan-out from producers (connections) to subscribers (gRPC streams). Publishing
// takes one node's lock and each listening queue's lock briefly; it never waits for a consumer.
// Subscribing locks the requested nodes together so the snapshot and the live stream neither
// overlap nor leave a gap. Thread-safe.
class Hub final {
 public:
  explicit Hub(HubSettings settings) : settings_(settings) {
    subscriber_budget_.limit = settings.subscriber_memory;
  }

  // Finds or creates a node's channel. `epoch` (0: the hub's) is the epoch its sequences count in
  // from now on: a node registered again after Forget starts a new one.
  std::shared_ptr<Channel> GetChannel(std::string_view node_id, uint64_t epoch = 0);
  // The node is gone: its replay ring and status go, and so does the channel unless a
  // subscription names the node (it then waits for the node as for any unknown id). Holders of
  // the channel may still publish into it, unheard; GetChannel afterwards returns a fresh one.
  void Forget(std::string_view node_id);
  size_t channels() const;

  // A new frame (kind kFrame, sequence set) or status change (kind kStatus) of the node.
  void Publish(Channel& channel, EventPtr event);
  // Replaces the status a new subscriber's snapshot starts with, without notifying anyone.
  void RefreshStatus(Channel& channel, EventPtr status);
  // Trims every node's ring to its share of replay_memory: rings of nodes that have stopped
  // publishing keep what they had when more nodes came (call about once a second).
  void TrimReplay();
  // Bytes the replay rings hold now (frames, with their bookkeeping).
  size_t replay_bytes() const { return replay_bytes_.load(std::memory_order_relaxed); }

  // Opens a subscription: the queue already holds the snapshot (statuses, then each node's
  // latest frame or its resumed frames) and receives live events from now on.
  // `wakeup` is the queue's (see SubscriberQueue).
  std::shared_ptr<SubscriberQueue> Subscribe(const SubscribeRequest& request,
                                             std::function<void()> wakeup = {});
  void Unsubscribe(const std::shared_ptr<SubscriberQueue>& queue);

  size_t subscribers() const;
  // Each stream's share of subscriber_memory now (SIZE_MAX: no limit).
  size_t subscriber_share() const {
    return subscriber_budget_.share.load(std::memory_order_relaxed);
  }
  // Bytes of frames queued for every subscriber now.
  size_t subscriber_bytes() const {
    return subscriber_budget_.used.load(std::memory_order_relaxed);
  }
  // Frames dropped by every subscriber queue so far (slow consumers).
  uint64_t subscriber_frames_dropped() const { return frames_dropped_.load(); }
  const HubSettings& settings() const { return settings_; }

 private:
  const std::shared_ptr<Channel>& GetChannelLocked(std::string_view node_id);
  // Clears the ring of a channel whose lock is held.
  void DropRingLocked(Channel& channel);
  void ReplayLocked(Channel& channel, const Resume* resume, SubscriberQueue& queue) const;
  void UpdateShareLocked();
  // Drops the channel's oldest frames beyond replay_frames and beyond its share of replay_memory.
  void TrimLocked(Channel& channel);

  const HubSettings settings_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<Channel>> channels_;  // guarded by mu_
  std::vector<std::shared_ptr<SubscriberQueue>> wildcard_;              // guarded by mu_
  size_t subscriber_count_ = 0;                                         // guarded by mu_
  std::atomic<uint64_t> frames_dropped_{0};
  std::atomic<size_t> replay_bytes_{0};
  QueueBudget subscriber_budget_;           // limit: subscriber_memory; share: limit / subscribers
  std::atomic<size_t> replaying_nodes_{0};  // channels whose ring holds a frame
};

}  // namespace radarhub::hub
