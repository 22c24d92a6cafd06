#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "radarhub/receiver/node_receiver.hpp"

namespace radarhub::tracker {

// What a node's processing loop hands each frame to. The tracking work plugs in here; until then
// a pass-through stage counts frames and records latency. Called on the node's own thread only.
class FrameStage {
 public:
  virtual ~FrameStage() = default;
  virtual void Process(v1::DetectionFrame& frame) = 0;
};
using StageFactory = std::function<std::unique_ptr<FrameStage>(const std::string& node_id)>;

// One tracked node: its receiver (fed by the ingest streams) and a loop on its own thread that
// drains it at full speed into the node's stage, so a burst after a reconnect drains at once and
// a slow stage only ever costs its own node's oldest frames. Thread-safe.
class TrackedNode final {
 public:
  using DequeueObserver = std::function<void(const v1::DetectionFrame&)>;
  TrackedNode(std::string node_id, receiver::ReceiverSettings settings,
              std::unique_ptr<FrameStage> stage, DequeueObserver dequeued);
  ~TrackedNode();

  void Start();
  // Call once no stream feeds the receiver any more: the loop processes what is queued (until
  // `deadline` at most) and ends. Join waits for that. Split so many nodes drain in parallel.
  void BeginStop(std::chrono::steady_clock::time_point deadline);
  void Join();

  const std::string& id() const { return receiver_.node_id(); }
  receiver::NodeReceiver& receiver() { return receiver_; }
  const receiver::NodeReceiver& receiver() const { return receiver_; }
  // api.md NodeHealth, as of now.
  v1::NodeHealth Health() const;
  // The same with the health of `state` (a change being published) and the counters of now.
  v1::NodeHealth Health(const receiver::HealthState& state) const;

 private:
  void Run();

  receiver::NodeReceiver receiver_;
  std::unique_ptr<FrameStage> stage_;
  const DequeueObserver dequeued_;
  std::atomic<bool> draining_{false};
  std::atomic<int64_t> drain_deadline_ns_{0};
  std::thread loop_;
};

struct ProvisionSettings {
  std::vector<std::string> fixed_nodes;  // --nodes; empty: auto-provision
  size_t max_nodes = 100;
  uint32_t shard_index = 0;
  uint32_t shard_count = 1;
  receiver::ReceiverSettings receiver;
  TrackedNode::DequeueObserver dequeued;  // each frame as its node's loop takes it (metrics)
};

// The nodes this tracker follows (api.md auto-provision, operations.md sharding): a node is
// tracked when it is in --nodes (or, without --nodes, the first time any ingest reports it, while
// fewer than --max-nodes are tracked) and its rendezvous shard is ours. Nodes are never
// un-provisioned: their health says what became of them. Thread-safe.
class NodeTable final {
 public:
  NodeTable(ProvisionSettings settings, StageFactory stages,
            std::function<void(const std::string&)> provisioned);

  // Provisions the --nodes set; call once before any stream runs.
  void ProvisionFixed();
  // The node, provisioning it on first sight; null when it is not ours to track.
  std::shared_ptr<TrackedNode> Admit(const std::string& node_id);
  std::shared_ptr<TrackedNode> Find(const std::string& node_id) const;
  std::vector<std::shared_ptr<TrackedNode>> All() const;  // by node id
  // Distinct nodes seen beyond --max-nodes (counting stops at 100,000 ids).
  uint64_t refused() const;
  void StopAll(std::chrono::steady_clock::time_point deadline);

 private:
  std::shared_ptr<TrackedNode> ProvisionLocked(const std::string& node_id);

  const ProvisionSettings settings_;
  const std::set<std::string> fixed_;
  const StageFactory stages_;
  const std::function<void(const std::string&)> provisioned_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<TrackedNode>> nodes_;  // guarded by mu_
  std::set<std::string> refused_;                              // guarded by mu_
  bool stopped_ = false;                                       // guarded by mu_
};

}  // namespace radarhub::tracker
