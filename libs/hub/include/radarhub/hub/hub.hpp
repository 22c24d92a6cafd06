#pragma once

#include <atomic>
#include <cstdint>
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
  size_t replay_frames = 4096;     // frames kept per node for resume
  size_t subscriber_queue = 8192;  // events per subscriber before the oldest frames go
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
  const std::string& node_id() const { return node_id_; }

 private:
  friend class Hub;
  explicit Channel(std::string node_id) : node_id_(std::move(node_id)) {}

  const std::string node_id_;
  std::mutex mu_;
  EventPtr status_;             // guarded by mu_
  std::vector<EventPtr> ring_;  // guarded by mu_: grows to replay_frames, then wraps
  size_t ring_head_ = 0;        // guarded by mu_: index of the oldest frame once full
  std::vector<std::shared_ptr<SubscriberQueue>> subscribers_;  // guarded by mu_
};

// In-process fan-out from producers (connections) to subscribers (gRPC streams). Publishing
// takes one node's lock and each listening queue's lock briefly; it never waits for a consumer.
// Subscribing locks the requested nodes together so the snapshot and the live stream neither
// overlap nor leave a gap. Thread-safe.
class Hub final {
 public:
  explicit Hub(HubSettings settings) : settings_(settings) {}

  // Finds or creates a node's channel; the reference lives as long as the hub.
  Channel& GetChannel(std::string_view node_id);

  // A new frame (kind kFrame, sequence set) or status change (kind kStatus) of the node.
  void Publish(Channel& channel, EventPtr event);
  // Replaces the status a new subscriber's snapshot starts with, without notifying anyone.
  void RefreshStatus(Channel& channel, EventPtr status);

  // Opens a subscription: the queue already holds the snapshot (statuses, then each node's
  // latest frame or its resumed frames) and receives live events from now on.
  // `wakeup` is the queue's (see SubscriberQueue).
  std::shared_ptr<SubscriberQueue> Subscribe(const SubscribeRequest& request,
                                             std::function<void()> wakeup = {});
  void Unsubscribe(const std::shared_ptr<SubscriberQueue>& queue);

  size_t subscribers() const;
  // Frames dropped by every subscriber queue so far (slow consumers).
  uint64_t subscriber_frames_dropped() const { return frames_dropped_.load(); }
  const HubSettings& settings() const { return settings_; }

 private:
  Channel& GetChannelLocked(std::string_view node_id);
  void ReplayLocked(Channel& channel, const Resume* resume, SubscriberQueue& queue) const;

  const HubSettings settings_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::unique_ptr<Channel>> channels_;  // guarded by mu_
  std::vector<std::shared_ptr<SubscriberQueue>> wildcard_;              // guarded by mu_
  size_t subscriber_count_ = 0;                                         // guarded by mu_
  std::atomic<uint64_t> frames_dropped_{0};
};

}  // namespace radarhub::hub
