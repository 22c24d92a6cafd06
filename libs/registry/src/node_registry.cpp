#include "radarhub/registry/node_registry.hpp"

#include <cstdint>

namespace radarhub::registry {

void ToTimestamp(WallClock::time_point t, google::protobuf::Timestamp& out) {
  const auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  out.set_seconds(ns / 1000000000);
  out.set_nanos(static_cast<int32_t>(ns % 1000000000));
}

Node& NodeRegistry::Get(std::string_view node_id) { return *GetWithin(node_id, SIZE_MAX); }

Node* NodeRegistry::GetWithin(std::string_view node_id, size_t max_nodes) {
  {
    std::shared_lock lock(mu_);
    if (const auto it = nodes_.find(std::string(node_id)); it != nodes_.end()) {
      return it->second.get();
    }
  }
  std::unique_lock lock(mu_);
  if (const auto it = nodes_.find(std::string(node_id)); it != nodes_.end()) {
    return it->second.get();
  }
  if (nodes_.size() >= max_nodes) return nullptr;
  auto& slot = nodes_[std::string(node_id)];
  slot = std::make_unique<Node>(std::string(node_id));
  order_.push_back(slot.get());
  return slot.get();
}

Node* NodeRegistry::Find(std::string_view node_id) const {
  std::shared_lock lock(mu_);
  const auto it = nodes_.find(std::string(node_id));
  return it == nodes_.end() ? nullptr : it->second.get();
}

std::vector<Node*> NodeRegistry::All() const {
  std::shared_lock lock(mu_);
  return order_;
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

std::vector<Node*> NodeRegistry::TickRates(WallClock::time_point now) {
  std::vector<Node*> changed;
  for (Node* node : All()) {
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
  status.set_epoch(epoch_);
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
