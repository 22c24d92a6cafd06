#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "radarhub/hub/hub.hpp"
#include "radarhub/v1/radarhub.pb.h"

namespace radarhub::registry {

using WallClock = std::chrono::system_clock;

// What a node has done, as NodeStatus and the ingest metrics report it.
struct NodeCounters {
  uint64_t frames_accepted = 0;
  uint64_t frames_rejected = 0;
  uint64_t frames_deduplicated = 0;
  uint64_t frames_out_of_order = 0;
  uint64_t bytes_received = 0;
};

enum class Admission {
  kAccepted,   // got the next sequence number and was handed to the publish callback
  kDuplicate,  // same timestamp as the last accepted frame: dropped
  kNotOwner,   // the connection lost the node to a newer one (takeover): dropped
};

class NodeRegistry;

// One radar node, from its first authenticated connection until it is forgotten (it stayed
// disconnected for --forget-after, or an operator asked). Thread-safe: every member is guarded
// by mu_ unless const.
class Node final {
 public:
  Node(std::string id, uint64_t epoch, std::shared_ptr<hub::Channel> channel)
      : id_(std::move(id)), epoch_(epoch), channel_(std::move(channel)) {}
  const std::string& id() const { return id_; }
  // The epoch its sequences count in: the process's, or for a node registered after some node
  // was forgotten, one of its own (it may be that node back, whose old sequences trackers hold).
  uint64_t epoch() const { return epoch_; }
  // Where its events are published (null for a registry without a hub).
  hub::Channel* channel() const { return channel_.get(); }

 private:
  friend class NodeRegistry;
  const std::string id_;
  const uint64_t epoch_;
  const std::shared_ptr<hub::Channel> channel_;
  mutable std::mutex mu_;
  bool forgotten_ = false;  // no longer in the registry: attaching to it fails
  uint64_t owner_ = 0;      // id of the connection that holds the node; 0 when disconnected
  bool connected_ = false;
  WallClock::time_point since_{};
  std::string peer_;
  WallClock::time_point last_frame_at_{};
  WallClock::time_point last_heartbeat_at_{};
  bool has_last_timestamp_ = false;
  int64_t last_timestamp_ms_ = 0;
  uint64_t last_sequence_ = 0;
  NodeCounters counters_;
  std::string advertised_;  // serialized google.protobuf.Struct
  // 1 Hz rates: counters at the previous tick.
  WallClock::time_point rate_tick_{};
  uint64_t frames_at_tick_ = 0;
  uint64_t bytes_at_tick_ = 0;
  double frames_per_second_ = 0;
  double bytes_per_second_ = 0;
};

using NodePtr = std::shared_ptr<Node>;

// Every node ingest knows: connection ownership (takeover), per-node sequences within an epoch,
// timestamp dedup, counters and 1 Hz rates, and each node's hub channel. Thread-safe; a node's
// updates take only that node's lock, so nodes on different I/O threads never contend.
class NodeRegistry final {
 public:
  // With a hub, each node gets its channel at registration, and Forget removes both at once.
  explicit NodeRegistry(uint64_t epoch, hub::Hub* hub = nullptr) : epoch_(epoch), hub_(hub) {}

  // The process's epoch (see Node::epoch).
  uint64_t epoch() const { return epoch_; }

  // Finds or registers the node (auto-provision).
  NodePtr Get(std::string_view node_id);
  // The same, but registers no node beyond `max_nodes` in all: null for a new node then.
  NodePtr GetWithin(std::string_view node_id, size_t max_nodes);
  NodePtr Find(std::string_view node_id) const;
  std::vector<NodePtr> All() const;
  size_t size() const;

  // Removes the node if it is disconnected and has been since `disconnected_by` or earlier, with
  // its hub channel's ring and status. Its counters and metric series go with it; registered
  // again, it starts over in a new epoch. False if unknown, connected, or disconnected later.
  bool Forget(std::string_view node_id, WallClock::time_point disconnected_by);
  // Forgets every node (but those `keep` names) disconnected since `disconnected_by` or earlier;
  // returns their ids.
  template <typename Keep>
  std::vector<std::string> ForgetIdle(WallClock::time_point disconnected_by, Keep&& keep);
  // The connection holding the node (0: none), for an operator's disconnect.
  uint64_t Owner(const Node& node) const;

  // The connection `owner` (a non-zero id) now holds the node. Returns the owner it replaces (to
  // close as superseded), or 0; nullopt if the node was forgotten meanwhile (get it again).
  // `changed` runs under the node's lock, so status events of one node are published in the
  // order the changes happened.
  template <typename OnChange>
  std::optional<uint64_t> Attach(Node& node, uint64_t owner, std::string peer,
                                 WallClock::time_point now, OnChange&& changed);

  // The connection `owner` is gone; if it still held the node, the node turns disconnected,
  // `changed` runs under the node's lock and Detach returns true.
  template <typename OnChange>
  bool Detach(Node& node, uint64_t owner, WallClock::time_point now, OnChange&& changed);

  // Admits a validated frame of `bytes` bytes from connection `owner`. When accepted, calls
  // publish(sequence) under the node's lock, so frames leave in sequence order even while a
  // takeover overlaps two connections. `out_of_order` is set when the timestamp went back.
  template <typename Publish>
  Admission AcceptFrame(Node& node, uint64_t owner, int64_t timestamp_ms, size_t bytes,
                        WallClock::time_point now, bool& out_of_order, Publish&& publish);

  void CountRejected(Node& node, size_t bytes);
  void CountBytes(Node& node, size_t bytes);
  // A heartbeat; `advertisement` (serialized Struct) replaces the previous one unless null.
  void Heartbeat(Node& node, size_t bytes, const std::string_view* advertisement,
                 WallClock::time_point now);

  // Recomputes every node's rates over the time since the previous tick (call at 1 Hz). Returns
  // the nodes whose counters or rates changed, so idle nodes cost nothing downstream.
  std::vector<NodePtr> TickRates(WallClock::time_point now);
  // The same for at most `max_nodes` nodes from `cursor` on (in registration order), so a caller
  // on an I/O thread can spread 10,000 nodes' tick over many short turns. Advances `cursor`, and
  // sets it to 0 once the walk has passed the last node. A node registered or forgotten meanwhile
  // shifts the walk by one: a node may be ticked twice or skipped once, and its rate is then over
  // the time that really passed.
  std::vector<NodePtr> TickRates(WallClock::time_point now, size_t& cursor, size_t max_nodes);

  void FillStatus(const Node& node, v1::NodeStatus& status) const;
  // Calls use(status) under the node's lock, so a status stored for later (the hub's snapshot)
  // can never overwrite a newer one published by Attach or Detach; not for a forgotten node.
  template <typename Use>
  void WithStatus(const Node& node, Use&& use) const;
  NodeCounters Counters(const Node& node) const;
  bool Connected(const Node& node) const;

 private:
  void FillStatusLocked(const Node& node, v1::NodeStatus& status) const;

  const uint64_t epoch_;
  hub::Hub* const hub_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, NodePtr> nodes_;  // guarded by mu_
  std::vector<NodePtr> order_;  // guarded by mu_: every node, in registration order (cheap walks)
  uint64_t forgotten_ = 0;      // guarded by mu_: nodes forgotten so far
  uint64_t registered_ = 0;     // guarded by mu_: nodes registered so far
};

void ToTimestamp(WallClock::time_point t, google::protobuf::Timestamp& out);

template <typename Keep>
std::vector<std::string> NodeRegistry::ForgetIdle(WallClock::time_point disconnected_by,
                                                  Keep&& keep) {
  std::vector<std::string> candidates;
  {
    std::shared_lock lock(mu_);
    for (const NodePtr& node : order_) {
      std::lock_guard node_lock(node->mu_);
      // A node that never connected (listed, or its hello under way) has no since_ yet.
      if (!node->connected_ && node->since_ != WallClock::time_point{} &&
          node->since_ <= disconnected_by && !keep(node->id_)) {
        candidates.push_back(node->id_);
      }
    }
  }
  std::erase_if(candidates, [&](const std::string& id) { return !Forget(id, disconnected_by); });
  return candidates;
}

template <typename OnChange>
std::optional<uint64_t> NodeRegistry::Attach(Node& node, uint64_t owner, std::string peer,
                                             WallClock::time_point now, OnChange&& changed) {
  std::lock_guard lock(node.mu_);
  if (node.forgotten_) return std::nullopt;
  const uint64_t previous = node.owner_;
  node.owner_ = owner;
  if (!node.connected_) {
    node.connected_ = true;
    node.since_ = now;
  }
  node.peer_ = std::move(peer);
  v1::NodeStatus status;
  FillStatusLocked(node, status);
  changed(status);
  return previous;
}

template <typename OnChange>
bool NodeRegistry::Detach(Node& node, uint64_t owner, WallClock::time_point now,
                          OnChange&& changed) {
  std::lock_guard lock(node.mu_);
  if (node.owner_ != owner || owner == 0) return false;
  node.owner_ = 0;
  node.connected_ = false;
  node.since_ = now;
  node.peer_.clear();
  v1::NodeStatus status;
  FillStatusLocked(node, status);
  changed(status);
  return true;
}

template <typename Use>
void NodeRegistry::WithStatus(const Node& node, Use&& use) const {
  std::lock_guard lock(node.mu_);
  if (node.forgotten_) return;
  v1::NodeStatus status;
  FillStatusLocked(node, status);
  use(status);
}

template <typename Publish>
Admission NodeRegistry::AcceptFrame(Node& node, uint64_t owner, int64_t timestamp_ms, size_t bytes,
                                    WallClock::time_point now, bool& out_of_order,
                                    Publish&& publish) {
  std::lock_guard lock(node.mu_);
  node.counters_.bytes_received += bytes;
  out_of_order = false;
  if (node.owner_ != owner) return Admission::kNotOwner;
  if (node.has_last_timestamp_ && timestamp_ms == node.last_timestamp_ms_) {
    ++node.counters_.frames_deduplicated;
    return Admission::kDuplicate;
  }
  if (node.has_last_timestamp_ && timestamp_ms < node.last_timestamp_ms_) {
    out_of_order = true;
    ++node.counters_.frames_out_of_order;
  }
  node.has_last_timestamp_ = true;
  node.last_timestamp_ms_ = timestamp_ms;
  ++node.counters_.frames_accepted;
  node.last_frame_at_ = now;
  publish(++node.last_sequence_);
  return Admission::kAccepted;
}

}  // namespace radarhub::registry
