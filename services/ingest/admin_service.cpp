#include "admin_service.hpp"

#include <chrono>
#include <thread>

#include "node_health.hpp"
#include "node_server.hpp"
#include "radarhub/common/log.hpp"
#include "radarhub/protocol/node_id.hpp"

namespace radarhub::ingest {

grpc::Status AdminService::Find(const grpc::CallbackServerContext& context,
                                const std::string& node_id, registry::NodePtr& node) const {
  if (!admin_token_.enabled()) {
    return {grpc::StatusCode::PERMISSION_DENIED,
            "the admin API is off: start the ingest with --admin-token-file"};
  }
  if (auto status = admin_token_.Check(context); !status.ok()) return status;
  if (!protocol::IsValidNodeId(node_id)) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "node_id: not a valid node id"};
  }
  node = registry_.Find(node_id);
  if (node == nullptr) return {grpc::StatusCode::NOT_FOUND, "unknown node '" + node_id + "'"};
  return grpc::Status::OK;
}

grpc::Status AdminService::Disconnect(const registry::Node& node) {
  const uint64_t owner = registry_.Owner(node);
  if (owner == 0 || !nodes_.Close(owner, CloseReason::kAdmin)) {
    return {grpc::StatusCode::FAILED_PRECONDITION, "node '" + node.id() + "' is not connected"};
  }
  // The close is one post to the connection's I/O thread: this waits microseconds, not seconds.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (registry_.Owner(node) == owner) {
    if (std::chrono::steady_clock::now() > deadline) {
      return {grpc::StatusCode::DEADLINE_EXCEEDED, "the connection did not close within 2 s"};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  common::LogInfo("node disconnected by an operator", {{"node_id", node.id()}});
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* AdminService::DisconnectNode(grpc::CallbackServerContext* context,
                                                       const v1::DisconnectNodeRequest* request,
                                                       v1::NodeStatus* response) {
  auto* reactor = context->DefaultReactor();
  registry::NodePtr node;
  grpc::Status status = Find(*context, request->node_id(), node);
  if (status.ok()) status = Disconnect(*node);
  if (status.ok()) registry_.FillStatus(*node, *response);
  reactor->Finish(status);
  return reactor;
}

grpc::ServerUnaryReactor* AdminService::ForgetNode(grpc::CallbackServerContext* context,
                                                   const v1::ForgetNodeRequest* request,
                                                   v1::ForgetNodeResponse* response) {
  auto* reactor = context->DefaultReactor();
  registry::NodePtr node;
  grpc::Status status = Find(*context, request->node_id(), node);
  if (status.ok() && registry_.Connected(*node)) {
    status = request->disconnect() ? Disconnect(*node)
                                   : grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                                                  "node '" + node->id() +
                                                      "' is connected: set disconnect to close "
                                                      "its connection first");
  }
  if (status.ok()) {
    registry_.FillStatus(*node, *response->mutable_last_status());
    if (registry_.Forget(node->id(), registry::WallClock::time_point::max())) {
      metrics_.NodesForgotten(1);
      node_health_.Forget(node->id());
      common::LogInfo("node forgotten by an operator", {{"node_id", node->id()}});
    } else {
      status = {grpc::StatusCode::ABORTED,
                "node '" + node->id() + "' connected again before it could be forgotten"};
    }
  }
  reactor->Finish(status);
  return reactor;
}

}  // namespace radarhub::ingest
