#pragma once

#include <utility>

#include <atomic>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "radarhub/receiver/node_receiver.hpp"

namespace radarhub::tracker {

// Live tracks of a node by status, after its last frame or tick.
struct TrackCounts {
  uint32_t confirmed = 0, coasting = 0, tentative = 0;
};

// What a node's frames go through, in order, one at a time (the tracking stage; tests and
// benchmarks plug in their own). Process and Tick run on a worker of the pool, never two at once
// for one node; counts() from any thread.
class FrameStage {
 public:
  virtual ~FrameStage() = default;
  virtual void Process(v1::DetectionFrame& frame) = 0;
  // About once a second, frames or not: tracks coast and expire when a node falls silent.
  virtual void Tick(std::chrono::system_clock::time_point /*now*/) {}
  // From any thread: false when a Tick at `now` would do nothing, so none need be scheduled (at
  // 10,000 nodes a tick is a worker's wake-up as costly as a frame's).
  virtual bool TickDue(std::chrono::system_clock::time_point /*now*/) const { return true; }
  // The node's last frame is processed (shutdown, after the workers ended): write what is held.
  virtual void Finish() {}
  virtual TrackCounts counts() const { return {}; }
};
using StageFactory = std::function<std::unique_ptr<FrameStage>(const std::string& node_id)>;

// The fixed pool that runs every node's stage: nodes are spread over its threads (a strand per
// node keeps each node's frames in order), so 10,000 nodes cost no more threads than 10.
// Thread-safe.
class NodeWorkers final {
 public:
  explicit NodeWorkers(size_t threads);  // 0: one per core
  ~NodeWorkers();
  using Strand = boost::asio::strand<boost::asio::thread_pool::executor_type>;
  Strand MakeStrand() { return boost::asio::make_strand(pool_.get_executor()); }
  // Runs what was posted and ends the threads; nothing posted afterwards runs. Idempotent; not
  // from a worker.
  void Join();

 private:
  const size_t threads_;
  boost::asio::thread_pool pool_;
  std::once_flag joined_;
};

// One tracked node: its receiver (fed by the ingest streams) and its stage, run on the worker
// pool whenever frames wait: a burst after a reconnect drains at once, and a slow stage only
// ever costs its own node's oldest frames. Thread-safe.
class TrackedNode final : public std::enable_shared_from_this<TrackedNode> {
 public:
  using DequeueObserver = std::function<void(const v1::DetectionFrame&)>;
  TrackedNode(std::string node_id, receiver::ReceiverSettings settings,
              std::unique_ptr<FrameStage> stage, DequeueObserver dequeued,
              std::shared_ptr<NodeWorkers> workers);

  // Connects the receiver to the workers: from now on every queued frame gets processed.
  void Start();
  // Runs the stage's tick on the node's strand, when it is due.
  void Tick(std::chrono::system_clock::time_point now);
  // The node was forgotten (no longer in the table): the receiver takes nothing more, and the
  // stage finishes on the node's strand, after any batch still running (track files written).
  void Retire();
  // Call once no stream feeds the receiver any more: what is queued is processed until
  // `deadline`, the rest dropped. The workers' Join waits for that.
  void BeginStop(std::chrono::steady_clock::time_point deadline);
  // After the workers ended: the stage writes what it holds.
  void Finish();
  TrackCounts track_counts() const { return stage_->counts(); }

  const std::string& id() const { return receiver_.node_id(); }
  receiver::NodeReceiver& receiver() { return receiver_; }
  const receiver::NodeReceiver& receiver() const { return receiver_; }
  // api.md NodeHealth, as of now.
  v1::NodeHealth Health() const;
  // The same with the health of `state` (a change being published) and the counters of now.
  v1::NodeHealth Health(const receiver::HealthState& state) const;

 private:
  // Frames arrived: make sure a batch is scheduled (at most one at a time per node).
  void Schedule();
  // On the strand: up to kBatch frames, then yield the worker to other nodes.
  void RunBatch();

  static constexpr int kBatch = 64;
  receiver::NodeReceiver receiver_;
  std::unique_ptr<FrameStage> stage_;
  const DequeueObserver dequeued_;
  // A node may outlive its table (whoever still holds it); its strand must not outlive the pool.
  const std::shared_ptr<NodeWorkers> workers_;
  NodeWorkers::Strand strand_;
  std::atomic<bool> scheduled_{false};
  std::atomic<bool> draining_{false};
  std::atomic<int64_t> drain_deadline_ns_{0};
};

struct ProvisionSettings {
  std::vector<std::string> fixed_nodes;  // --nodes; empty: auto-provision
  size_t max_nodes = 100;
  uint32_t shard_index = 0;
  uint32_t shard_count = 1;
  receiver::ReceiverSettings receiver;
  TrackedNode::DequeueObserver dequeued;  // each frame as its node's worker takes it (metrics)
  size_t worker_threads = 0;              // --worker-threads; 0: one per core
};

// The nodes this tracker follows (api.md auto-provision, operations.md sharding): a node is
// tracked when it is in --nodes (or, without --nodes, the first time any ingest reports it, while
// fewer than --max-nodes are tracked) and its rendezvous shard is ours. Nodes are never
// un-provisioned unless --forget-after says so (ForgetIdle); until then their health says what
// became of them. Thread-safe.
class NodeTable final {
 public:
  NodeTable(ProvisionSettings settings, StageFactory stages,
            std::function<void(const std::string&)> provisioned);
  ~NodeTable();  // ends the workers (StopAll drains them first)

  // Provisions the --nodes set; call once before any stream runs.
  void ProvisionFixed();
  // The node, provisioning it on first sight; null when it is not ours to track.
  std::shared_ptr<TrackedNode> Admit(const std::string& node_id);
  std::shared_ptr<TrackedNode> Find(const std::string& node_id) const;
  std::vector<std::shared_ptr<TrackedNode>> All() const;  // by node id
  // Distinct nodes seen beyond --max-nodes (counting stops at 100,000 ids).
  uint64_t refused() const;
  // Every node's stage ticks on its worker.
  void TickAll(std::chrono::system_clock::time_point now) const;
  // Auto-provisioned nodes unhealthy for `after` or longer, with nothing queued, leave the table
  // (and are retired), making room under --max-nodes; a node that comes back is provisioned
  // afresh. Returns them; --nodes entries are never forgotten.
  std::vector<std::shared_ptr<TrackedNode>> ForgetIdle(std::chrono::system_clock::time_point now,
                                                       std::chrono::milliseconds after);
  // Processes what is queued (until `deadline`) and ends the workers; provisions nothing after.
  void StopAll(std::chrono::steady_clock::time_point deadline);

 private:
  std::shared_ptr<TrackedNode> ProvisionLocked(const std::string& node_id);

  const ProvisionSettings settings_;
  const std::set<std::string> fixed_;
  const StageFactory stages_;
  const std::function<void(const std::string&)> provisioned_;
  const std::shared_ptr<NodeWorkers> workers_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<TrackedNode>> nodes_;  // guarded by mu_
  std::set<std::string> refused_;                              // guarded by mu_
  bool stopped_ = false;                                       // guarded by mu_
};

}  // namespace radarhub::tracker
