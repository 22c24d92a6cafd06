#pragma once

#include <utility>

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

#include "ingest_metrics.hpp"
#include "radarhub/registry/node_registry.hpp"
#include "radarhub/rpc/api_token.hpp"
#include "radarhub/v1/radarhub.grpc.pb.h"

namespace radarhub::ingest {

class NodeHealthPublisher;
class NodeServer;

// radarhub.v1.IngestAdmin: an operator disconnects or forgets a node. Guarded by the admin token
// alone; without one configured every call is PERMISSION_DENIED, so an ingest started without it
// has no write API at all. Thread-safe.
class AdminService final : public v1::IngestAdmin::CallbackService {
 public:
  AdminService(const rpc::ApiTokenGuard& admin_token, registry::NodeRegistry& registry,
               NodeServer& nodes, IngestMetrics& metrics, NodeHealthPublisher& node_health)
      : admin_token_(admin_token),
        registry_(registry),
        nodes_(nodes),
        metrics_(metrics),
        node_health_(node_health) {}

  grpc::ServerUnaryReactor* DisconnectNode(grpc::CallbackServerContext* context,
                                           const v1::DisconnectNodeRequest* request,
                                           v1::NodeStatus* response) override;
  grpc::ServerUnaryReactor* ForgetNode(grpc::CallbackServerContext* context,
                                       const v1::ForgetNodeRequest* request,
                                       v1::ForgetNodeResponse* response) override;

 private:
  // The node to act on, or why not (auth, a bad or unknown id).
  grpc::Status Find(const grpc::CallbackServerContext& context, const std::string& node_id,
                    registry::NodePtr& node) const;
  // Closes the node's connection and waits (briefly: the close runs on its I/O thread at once)
  // until the registry says it is disconnected.
  grpc::Status Disconnect(const registry::Node& node);

  const rpc::ApiTokenGuard& admin_token_;
  registry::NodeRegistry& registry_;
  NodeServer& nodes_;
  IngestMetrics& metrics_;
  NodeHealthPublisher& node_health_;
};

}  // namespace radarhub::ingest
