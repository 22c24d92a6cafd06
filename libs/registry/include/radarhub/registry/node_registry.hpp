#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

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

// One radar node, from its first authenticated connection for the life of the process. The
// registry hands out stable references. Thread-safe: every member is guarded by mu_.
class Node final {
 public:
  explicit Node(std::string id) : id_(std::move(id)) {}
  const std::string& id() const { return id_; }

 private:
  friend class NodeRegistry;
  const std::string id_;
  mutable std::mutex mu_;
  uint64_t owner_ = 0;  // id of the connection that holds the node; 0 when disconnected
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

// Every node ingest knows: connection ownership (takeover), per-node sequences within this
// process's epoch, timestamp dedup, counters and 1 Hz rates. Thread-safe; a node's updates take
// only that node's lock, so nodes on different I/O threads never contend.
class NodeRegistry final {
 public:
  explicit NodeRegistry(uint64_t epoch) : epoch_(epoch) {}

  uint64_t epoch() const { return epoch_; }

  // Finds or registers the node (auto-provision). The reference lives as long as the registry.
  Node& Get(std::string_view node_id);
  // The same, but registers no node beyond `max_nodes` in all: null for a new node then.
  Node* GetWithin(std::string_view node_id, size_t max_nodes);
  Node* Find(std::string_view node_id) const;
  std::vector<Node*> All() const;

  // The connection `owner` (a non-zero id) now holds the node. Returns the owner it replaces (to
  // close as superseded), or 0. `changed` runs under the node's lock, so status events of one
  // node are published in the order the changes happened.
  template <typename OnChange>
  uint64_t Attach(Node& node, uint64_t owner, std::string peer, WallClock::time_point now,
                  OnChange&& changed);

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
  std::vector<Node*> TickRates(WallClock::time_point now);

  void FillStatus(const Node& node, v1::NodeStatus& status) const;
  // Calls use(status) under the node's lock, so a status stored for later (the hub's snapshot)
  // can never overwrite a newer one published by Attach or Detach.
  template <typename Use>
  void WithStatus(const Node& node, Use&& use) const;
  NodeCounters Counters(const Node& node) const;
  bool Connected(const Node& node) const;

 private:
  void FillStatusLocked(const Node& node, v1::NodeStatus& status) const;

  const uint64_t epoch_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, std::unique_ptr<Node>> nodes_;  // guarded by mu_
  std::vector<Node*> order_;  // guarded by mu_: every node, in registration order (cheap walks)
};

void ToTimestamp(WallClock::time_point t, google::protobuf::Timestamp& out);

template <typename OnChange>
uint64_t NodeRegistry::Attach(Node& node, uint64_t owner, std::string peer,
                              WallClock::time_point now, OnChange&& changed) {
  std::lock_guard lock(node.mu_);
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
