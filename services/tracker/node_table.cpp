#include "node_table.hpp"

#include <google/protobuf/util/time_util.h>
#include <pthread.h>

#include "radarhub/common/log.hpp"
#include "radarhub/receiver/shard.hpp"

namespace radarhub::tracker {

using namespace std::chrono_literals;

namespace {

// Refused ids remembered at most (an ingest cannot make us hold unbounded ids).
constexpr size_t kMaxRememberedRefusals = 100000;

int64_t SteadyNs(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace

TrackedNode::TrackedNode(std::string node_id, receiver::ReceiverSettings settings,
                         std::unique_ptr<FrameStage> stage, DequeueObserver dequeued)
    : receiver_(std::move(node_id), settings),
      stage_(std::move(stage)),
      dequeued_(std::move(dequeued)) {}

TrackedNode::~TrackedNode() {
  BeginStop(std::chrono::steady_clock::now());
  Join();
}

void TrackedNode::Start() {
  loop_ = std::thread([this] { Run(); });
}

// No fixed sleeps: Receive returns as soon as a frame is queued, so the loop runs at the pace of
// the data. While draining, it finishes what is queued (or gives up at the deadline).
void TrackedNode::Run() {
  while (true) {
    auto frame = receiver_.Receive(draining_.load() ? 0ms : 100ms);
    if (frame) {
      if (dequeued_) dequeued_(*frame);
      stage_->Process(*frame);
      if (!draining_.load() ||
          SteadyNs(std::chrono::steady_clock::now()) < drain_deadline_ns_.load()) {
        continue;
      }
    }
    if (draining_.load()) return;
  }
}

void TrackedNode::BeginStop(std::chrono::steady_clock::time_point deadline) {
  if (draining_.load()) return;
  drain_deadline_ns_.store(SteadyNs(deadline));
  draining_.store(true);
}

void TrackedNode::Join() {
  if (loop_.joinable()) loop_.join();
  receiver_.Close();
}

v1::NodeHealth TrackedNode::Health() const { return Health(receiver_.health()); }

v1::NodeHealth TrackedNode::Health(const receiver::HealthState& h) const {
  using google::protobuf::util::TimeUtil;
  const receiver::ReceiverCounters c = receiver_.counters();
  v1::NodeHealth out;
  out.set_node_id(id());
  out.set_healthy(h.healthy);
  out.set_reason(h.reason);
  if (h.since != receiver::NodeReceiver::WallClock::time_point{}) {
    *out.mutable_since() = TimeUtil::NanosecondsToTimestamp(
        std::chrono::duration_cast<std::chrono::nanoseconds>(h.since.time_since_epoch()).count());
  }
  out.set_source(h.source);
  out.set_queue_depth(receiver_.queue_depth());
  out.set_frames_received(c.received);
  out.set_frames_dropped(c.dropped);
  out.set_frames_deduplicated(c.deduplicated);
  out.set_frames_missed(c.missed);
  out.set_last_timestamp_ms(receiver_.last_timestamp_ms());
  return out;
}

NodeTable::NodeTable(ProvisionSettings settings, StageFactory stages,
                     std::function<void(const std::string&)> provisioned)
    : settings_(std::move(settings)),
      fixed_(settings_.fixed_nodes.begin(), settings_.fixed_nodes.end()),
      stages_(std::move(stages)),
      provisioned_(std::move(provisioned)) {}

void NodeTable::ProvisionFixed() {
  std::vector<std::string> added;
  {
    std::lock_guard lock(mu_);
    for (const std::string& id : fixed_) {
      if (receiver::OwnsNode(id, settings_.shard_index, settings_.shard_count) &&
          ProvisionLocked(id)) {
        added.push_back(id);
      }
    }
  }
  for (const std::string& id : added) provisioned_(id);
}

std::shared_ptr<TrackedNode> NodeTable::Admit(const std::string& node_id) {
  std::shared_ptr<TrackedNode> node;
  {
    std::lock_guard lock(mu_);
    if (const auto it = nodes_.find(node_id); it != nodes_.end()) return it->second;
    if (stopped_ || !fixed_.empty()) return nullptr;
    if (!receiver::OwnsNode(node_id, settings_.shard_index, settings_.shard_count)) return nullptr;
    if (nodes_.size() >= settings_.max_nodes) {
      if (refused_.size() < kMaxRememberedRefusals && refused_.insert(node_id).second) {
        common::LogWarn("node not tracked: --max-nodes reached",
                        {{"node_id", node_id}, {"max_nodes", std::to_string(settings_.max_nodes)}});
      }
      return nullptr;
    }
    node = ProvisionLocked(node_id);
  }
  provisioned_(node_id);
  return node;
}

std::shared_ptr<TrackedNode> NodeTable::ProvisionLocked(const std::string& node_id) {
  auto node = std::make_shared<TrackedNode>(node_id, settings_.receiver, stages_(node_id),
                                            settings_.dequeued);
  node->Start();
  nodes_.emplace(node_id, node);
  common::LogInfo("tracking node", {{"node_id", node_id}});
  return node;
}

std::shared_ptr<TrackedNode> NodeTable::Find(const std::string& node_id) const {
  std::lock_guard lock(mu_);
  const auto it = nodes_.find(node_id);
  return it == nodes_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<TrackedNode>> NodeTable::All() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<TrackedNode>> out;
  out.reserve(nodes_.size());
  for (const auto& [id, node] : nodes_) out.push_back(node);
  return out;
}

uint64_t NodeTable::refused() const {
  std::lock_guard lock(mu_);
  return refused_.size();
}

void NodeTable::StopAll(std::chrono::steady_clock::time_point deadline) {
  std::vector<std::shared_ptr<TrackedNode>> nodes;
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    for (const auto& [id, node] : nodes_) nodes.push_back(node);
  }
  for (const auto& node : nodes) node->BeginStop(deadline);
  for (const auto& node : nodes) node->Join();
}

}  // namespace radarhub::tracker
