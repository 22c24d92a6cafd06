#include "node_table.hpp"

#include <google/protobuf/util/time_util.h>

#include <boost/asio/post.hpp>
#include <thread>

#include "radarhub/common/log.hpp"
#include "radarhub/receiver/shard.hpp"

namespace radarhub::tracker {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// Refused ids remembered at most (an ingest cannot make us hold unbounded ids).
constexpr size_t kMaxRememberedRefusals = 100000;

int64_t SteadyNs(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace

NodeWorkers::NodeWorkers(size_t threads)
    : threads_(threads != 0 ? threads : std::max(1u, std::thread::hardware_concurrency())),
      pool_(threads_) {}

NodeWorkers::~NodeWorkers() { Join(); }

void NodeWorkers::Join() {
  std::call_once(joined_, [this] { pool_.join(); });
}

TrackedNode::TrackedNode(std::string node_id, receiver::ReceiverSettings settings,
                         std::unique_ptr<FrameStage> stage, DequeueObserver dequeued,
                         std::shared_ptr<NodeWorkers> workers)
    : receiver_(std::move(node_id), settings),
      stage_(std::move(stage)),
      dequeued_(std::move(dequeued)),
      workers_(std::move(workers)),
      strand_(workers_->MakeStrand()) {}

void TrackedNode::Start() {
  // The receiver holds the node weakly: posted work must not keep a forgotten node alive.
  receiver_.SetReadyCallback([weak = weak_from_this()] {
    if (const auto self = weak.lock()) self->Schedule();
  });
}

// No polling: a batch is posted when the first frame arrives and re-posted while frames remain.
// `scheduled_` is cleared before the queue is checked again, so a frame offered in between is
// either seen by that check or schedules its own batch.
void TrackedNode::Schedule() {
  if (scheduled_.exchange(true)) return;
  // Weak: a batch posted but never run (the pool ended) must not keep the node, and through it
  // the pool, alive.
  asio::post(strand_, [weak = weak_from_this()] {
    if (const auto self = weak.lock()) self->RunBatch();
  });
}

void TrackedNode::RunBatch() {
  for (int i = 0; i < kBatch; ++i) {
    auto frame = receiver_.Receive(0ms);
    if (!frame) break;
    if (draining_.load() &&
        SteadyNs(std::chrono::steady_clock::now()) >= drain_deadline_ns_.load()) {
      continue;  // past --shutdown-grace: what is left is dropped
    }
    if (dequeued_) dequeued_(*frame);
    stage_->Process(*frame);
  }
  scheduled_.store(false);
  if (receiver_.queue_depth() > 0) Schedule();
}

void TrackedNode::Tick(std::chrono::system_clock::time_point now) {
  if (draining_.load() || !stage_->TickDue(now)) return;
  asio::post(strand_, [weak = weak_from_this(), now] {
    if (const auto self = weak.lock()) self->stage_->Tick(now);
  });
}

void TrackedNode::Finish() { stage_->Finish(); }

void TrackedNode::Retire() {
  receiver_.Close();
  asio::post(strand_, [self = shared_from_this()] { self->stage_->Finish(); });
}

void TrackedNode::BeginStop(std::chrono::steady_clock::time_point deadline) {
  if (draining_.load()) return;
  drain_deadline_ns_.store(SteadyNs(deadline));
  draining_.store(true);
}

v1::NodeHealth TrackedNode::Health() const { return Health(receiver_.health()); }

v1::NodeHealth TrackedNode::Health(const receiver::HealthState& h) const {
  using google::protobuf::util::TimeUtil;
  const receiver::ReceiverCounters c = receiver_.counters();
  v1::NodeHealth out;
  out.set_node_id(id());
  out.set_healthy(h.healthy);
  out.set_reason(std::string(tracking::ToString(h.reason)));
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
  const TrackCounts tracks = stage_->counts();
  out.set_tracks_confirmed(tracks.confirmed);
  out.set_tracks_coasting(tracks.coasting);
  out.set_tracks_tentative(tracks.tentative);
  return out;
}

NodeTable::NodeTable(ProvisionSettings settings, StageFactory stages,
                     std::function<void(const std::string&)> provisioned)
    : settings_(std::move(settings)),
      fixed_(settings_.fixed_nodes.begin(), settings_.fixed_nodes.end()),
      stages_(std::move(stages)),
      provisioned_(std::move(provisioned)),
      workers_(std::make_shared<NodeWorkers>(settings_.worker_threads)) {}

NodeTable::~NodeTable() { workers_->Join(); }

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
                                            settings_.dequeued, workers_);
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

void NodeTable::TickAll(std::chrono::system_clock::time_point now) const {
  for (const auto& node : All()) node->Tick(now);
}

std::vector<std::shared_ptr<TrackedNode>> NodeTable::ForgetIdle(
    std::chrono::system_clock::time_point now, std::chrono::milliseconds after) {
  std::vector<std::shared_ptr<TrackedNode>> forgotten;
  {
    std::lock_guard lock(mu_);
    if (stopped_ || !fixed_.empty()) return forgotten;
    for (auto it = nodes_.begin(); it != nodes_.end();) {
      const receiver::HealthState h = it->second->receiver().health();
      if (!h.healthy && h.since != std::chrono::system_clock::time_point{} &&
          now - h.since >= after && it->second->receiver().queue_depth() == 0) {
        forgotten.push_back(it->second);
        it = nodes_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const auto& node : forgotten) node->Retire();
  return forgotten;
}

void NodeTable::StopAll(std::chrono::steady_clock::time_point deadline) {
  std::vector<std::shared_ptr<TrackedNode>> nodes;
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    for (const auto& [id, node] : nodes_) nodes.push_back(node);
  }
  for (const auto& node : nodes) node->BeginStop(deadline);
  workers_->Join();  // the batches already posted drain the queues
  for (const auto& node : nodes) {
    node->receiver().Close();
    node->Finish();
  }
}

}  // namespace radarhub::tracker
