#pragma once

#include <grpcpp/channel.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "node_table.hpp"
#include "subscription.hpp"

namespace radarhub::tracker {

// What every endpoint shares: the node table, where health changes are reported, and the
// plumbing of its subscriptions.
struct EndpointServices {
  NodeTable& table;
  // A node's health changed (to `state`); any thread.
  std::function<void(const std::string& node_id, const receiver::HealthState& state)>
      health_changed;
  boost::asio::any_io_executor timers;
  const rpc::BearerToken* authorization = nullptr;  // secret; null: none
  CallCounter& calls;
  common::RateLimiter& log_limiter;
  std::atomic<uint64_t>& reconnects;
  // A node whose status changed after this (by the ingest's clock) is followed from its first
  // frame; one known before starts at the frame discovery reports as its latest.
  std::chrono::system_clock::time_point tracker_started;
};

// One ingest replica, over one channel: a status-only Subscribe of every node discovers nodes
// (auto-provision) and reports connects and disconnects; each tracked node it knows gets its own
// Subscribe (node_ids=[id], frames) that feeds the node's receiver and resumes from the last
// (epoch, sequence) this tracker has. Thread-safe.
class IngestEndpoint final : public std::enable_shared_from_this<IngestEndpoint> {
 public:
  IngestEndpoint(std::string name, std::shared_ptr<grpc::Channel> channel,
                 EndpointServices services);
  ~IngestEndpoint();

  void Start();
  // Ends every stream of this endpoint; with `forget`, its nodes stop counting it as a source
  // (the endpoint was removed, not shut down).
  void Stop(bool forget);
  // The node was forgotten (NodeTable::ForgetIdle): its stream here ends. A stream already made
  // for the node provisioned again since is kept.
  void Forget(const std::shared_ptr<TrackedNode>& node);
  const std::string& name() const { return name_; }

 private:
  class Discovery;
  class NodeLink;
  void OnStatus(const v1::NodeStatus& status);
  void OnDiscoveryLive(bool live);
  SubscriptionContext SubscriptionContextFor();

  const std::string name_;
  const std::shared_ptr<grpc::Channel> channel_;
  const std::shared_ptr<v1::Ingest::Stub> stub_;
  EndpointServices services_;
  std::mutex mu_;
  bool stopped_ = false;
  bool discovery_live_ = false;              // guarded by mu_
  uint64_t discovery_generation_ = 0;        // guarded by mu_: discovery streams that went live
  std::shared_ptr<Subscription> discovery_;  // guarded by mu_
  std::map<std::string, std::pair<std::shared_ptr<NodeLink>, std::shared_ptr<Subscription>>>
      links_;  // guarded by mu_
};

}  // namespace radarhub::tracker
