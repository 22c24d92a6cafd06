#pragma once

#include <utility>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "radarhub/hub/hub.hpp"
#include "radarhub/service/health_service.hpp"

namespace radarhub::ingest {

// Keeps grpc.health.v1's `node/<id>` entries in step with node connections (SERVING while
// connected). It is a status-only subscriber to every node on the hub, so it sees connects and
// disconnects in the order they happened, moments after they happen, and nodes that appear later.
// Start/Stop from one thread; the updates run on the `pump` executor.
class NodeHealthPublisher final {
 public:
  NodeHealthPublisher(hub::Hub& hub, boost::asio::io_context& pump) : hub_(hub), pump_(pump) {}
  ~NodeHealthPublisher() { Stop(); }

  void Start(service::HealthService& health);
  // After Stop no update runs any more (the hub no longer wakes it); stop `pump` afterwards.
  void Stop();
  // For a gRPC server rebuilt while running: Detach returns once no update touches the old
  // server's health service; Attach moves to the new one, where `republish` first sets every
  // node's current entry (updates before it are not replayed). Both wait for the pump thread.
  void Detach();
  // The node was forgotten: its `node/<id>` entry goes, after any status of it already queued.
  void Forget(const std::string& node_id);
  void Attach(service::HealthService& health,
              std::function<void(service::HealthService&)> republish);

 private:
  void Schedule();
  void Apply();

  hub::Hub& hub_;
  boost::asio::io_context& pump_;
  service::HealthService* health_ = nullptr;     // pump thread only after Start
  std::shared_ptr<hub::SubscriberQueue> queue_;  // set by Start, then constant
  bool stopped_ = false;
  std::atomic<bool> scheduled_{false};
  std::vector<hub::Delivery> batch_;  // used on the pump thread only
};

}  // namespace radarhub::ingest
