#include "radarhub/registry/node_registry.hpp"

#include <cstdint>

namespace radarhub::registry {

void ToTimestamp(WallClock::time_point t, google::protobuf::Timestamp& out) {
  const auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  out.set_seconds(ns / 1000000000);
  out.set_nanos(static_cast<int32_t>(ns % 1000000000));
}

namespace {

// SplitMix64's finalizer: epochs that look as random as the process's.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9;
  x = (x ^ (x >> 27)) * 0x94d049bb133111eb;
  return x ^ (x >> 31);
}

}  // namespace

NodePtr NodeRegistry::Get(std::string_view node_id) { return GetWithin(node_id, SIZE_MAX); }

NodePtr NodeRegistry::GetWithin(std::string_view node_id, size_t max_nodes) {
  {
    std::shared_lock lock(mu_);
    if (const auto it = nodes_.find(std::string(node_id)); it != nodes_.end()) return it->second;
  }
  std::unique_lock lock(mu_);
  if (const auto it = nodes_.find(std::string(node_id)); it != nodes_.end()) return it->second;
  if (nodes_.size() >= max_nodes) return nullptr;
  // Sequences restart with an epoch. Once any node was forgotten, a new one may be it back, and
  // trackers still hold its old sequences: it counts in an epoch of its own.
  // Mix is a bijection, so each registration's epoch differs from every earlier one.
  uint64_t epoch = epoch_;
  ++registered_;
  while (forgotten_ != 0 && (epoch == 0 || epoch == epoch_)) {
    epoch = Mix(epoch_ ^ Mix(registered_));
    if (epoch == 0 || epoch == epoch_) ++registered_;
  }
  auto node = std::make_shared<Node>(std::string(node_id), epoch,
                                     hub_ != nullptr ? hub_->GetChannel(node_id, epoch) : nullptr);
  nodes_.emplace(std::string(node_id), node);
  order_.push_back(node);
  return node;
}

NodePtr NodeRegistry::Find(std::string_view node_id) const {
  std::shared_lock lock(mu_);
  const auto it = nodes_.find(std::string(node_id));
  return it == nodes_.end() ? nullptr : it->second;
}

std::vector<NodePtr> NodeRegistry::All() const {
  std::shared_lock lock(mu_);
  return order_;
}

size_t NodeRegistry::size() const {
  std::shared_lock lock(mu_);
  return nodes_.size();
}

bool NodeRegistry::Forget(std::string_view node_id, WallClock::time_point disconnected_by) {
  // Exclusive: a registration of the same id waits, so it gets a fresh channel and epoch.
  std::unique_lock lock(mu_);
  const auto it = nodes_.find(std::string(node_id));
  if (it == nodes_.end()) return false;
  const NodePtr node = it->second;
  std::lock_guard node_lock(node->mu_);
  if (node->connected_ || node->owner_ != 0 || node->since_ > disconnected_by) return false;
  node->forgotten_ = true;
  std::erase(order_, node);
  nodes_.erase(it);
  ++forgotten_;
  if (hub_ != nullptr) hub_->Forget(node_id);
  return true;
}

uint64_t NodeRegistry::Owner(const Node& node) const {
  std::lock_guard lock(node.mu_);
  return node.owner_;
}

void NodeRegistry::CountRejected(Node& node, size_t bytes) {
  std::lock_guard lock(node.mu_);
  ++node.counters_.frames_rejected;
  node.counters_.bytes_received += bytes;
}

void NodeRegistry::CountBytes(Node& node, size_t bytes) {
  std::lock_guard lock(node.mu_);
  node.counters_.bytes_received += bytes;
}

void NodeRegistry::Heartbeat(Node& node, size_t bytes, const std::string_view* advertisement,
                             WallClock::time_point now) {
  std::lock_guard lock(node.mu_);
  node.counters_.bytes_received += bytes;
  node.last_heartbeat_at_ = now;
  if (advertisement != nullptr) node.advertised_.assign(*advertisement);
}

std::vector<NodePtr> NodeRegistry::TickRates(WallClock::time_point now) {
  size_t cursor = 0;
  return TickRates(now, cursor, SIZE_MAX);
}

std::vector<NodePtr> NodeRegistry::TickRates(WallClock::time_point now, size_t& cursor,
                                             size_t max_nodes) {
  std::vector<NodePtr> changed;
  std::shared_lock registry_lock(mu_);
  const size_t begin = std::min(cursor, order_.size());
  const size_t end = begin + std::min(max_nodes, order_.size() - begin);
  for (size_t i = begin; i < end; ++i) {
    const NodePtr& node = order_[i];
    std::lock_guard lock(node->mu_);
    const bool moved = node->counters_.bytes_received != node->bytes_at_tick_ ||
                       node->frames_per_second_ != 0 || node->bytes_per_second_ != 0;
    if (moved) changed.push_back(node);
    const double dt = std::chrono::duration<double>(now - node->rate_tick_).count();
    if (node->rate_tick_ != WallClock::time_point{} && dt > 0) {
      node->frames_per_second_ =
          static_cast<double>(node->counters_.frames_accepted - node->frames_at_tick_) / dt;
      node->bytes_per_second_ =
          static_cast<double>(node->counters_.bytes_received - node->bytes_at_tick_) / dt;
    }
    node->rate_tick_ = now;
    node->frames_at_tick_ = node->counters_.frames_accepted;
    node->bytes_at_tick_ = node->counters_.bytes_received;
  }
  cursor = end < order_.size() ? end : 0;
  return changed;
}

void NodeRegistry::FillStatus(const Node& node, v1::NodeStatus& status) const {
  std::lock_guard lock(node.mu_);
  FillStatusLocked(node, status);
}

void NodeRegistry::FillStatusLocked(const Node& node, v1::NodeStatus& status) const {
  status.set_node_id(node.id_);
  status.set_connected(node.connected_);
  if (node.since_ != WallClock::time_point{}) ToTimestamp(node.since_, *status.mutable_since());
  status.set_peer(node.peer_);
  if (node.last_frame_at_ != WallClock::time_point{}) {
    ToTimestamp(node.last_frame_at_, *status.mutable_last_frame_at());
  }
  if (node.last_heartbeat_at_ != WallClock::time_point{}) {
    ToTimestamp(node.last_heartbeat_at_, *status.mutable_last_heartbeat_at());
  }
  status.set_frames_accepted(node.counters_.frames_accepted);
  status.set_frames_rejected(node.counters_.frames_rejected);
  status.set_frames_deduplicated(node.counters_.frames_deduplicated);
  status.set_frames_out_of_order(node.counters_.frames_out_of_order);
  status.set_frames_per_second(node.frames_per_second_);
  status.set_bytes_per_second(node.bytes_per_second_);
  if (!node.advertised_.empty()) status.mutable_advertised()->ParseFromString(node.advertised_);
  status.set_last_sequence(node.last_sequence_);
  status.set_epoch(node.epoch_);
}

NodeCounters NodeRegistry::Counters(const Node& node) const {
  std::lock_guard lock(node.mu_);
  return node.counters_;
}

bool NodeRegistry::Connected(const Node& node) const {
  std::lock_guard lock(node.mu_);
  return node.connected_;
}

}  // namespace radarhub::registry
