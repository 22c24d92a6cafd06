#pragma once

#include <utility>

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

#include <memory>

#include "ingest_metrics.hpp"
#include "radarhub/auth/token_store.hpp"
#include "radarhub/hub/hub.hpp"
#include "radarhub/registry/node_registry.hpp"
#include "radarhub/rpc/api_token.hpp"
#include "radarhub/v1/radarhub.grpc.pb.h"
#include "subscribe_pump.hpp"

namespace radarhub::ingest {

struct IngestServiceSettings {
  size_t max_batch = 256;
  size_t max_subscribers = 1000;
};

// ListNodes and GetNode on the callback API; Subscribe on the async API (SubscribePump says why),
// raw so each event's bytes, serialized once at publish, go out without being parsed and
// re-serialized per subscriber.
using IngestServiceBase =
    v1::Ingest::WithCallbackMethod_ListNodes<v1::Ingest::WithCallbackMethod_GetNode<
        v1::Ingest::WithRawMethod_Subscribe<v1::Ingest::Service>>>;

// A SubscribeRequest from a client, checked (api.md "Subscribe" 6 and the README's decisions:
// valid ids, at most 10,000, unknown ids NOT_FOUND without auto-provision, resume entries once
// each and among node_ids) and turned into the hub's request. Pure: fuzzed alone (subscribe_fuzz).
grpc::Status CheckSubscribeRequest(const v1::SubscribeRequest& parsed,
                                   const auth::TokenStore& tokens,
                                   const registry::NodeRegistry& registry,
                                   hub::SubscribeRequest& request);

// radarhub.v1.Ingest (api.md) on the registry and the hub. No thread per stream: one pump thread
// serves every Subscribe stream. Thread-safe: gRPC calls the methods from its threads; Drain from
// any.
class IngestService final : public IngestServiceBase {
 public:
  IngestService(IngestServiceSettings settings, const rpc::ApiTokenGuard& api_token,
                const auth::TokenStore& tokens, registry::NodeRegistry& registry, hub::Hub& hub,
                IngestMetrics& metrics);

  grpc::ServerUnaryReactor* ListNodes(grpc::CallbackServerContext* context,
                                      const v1::ListNodesRequest* request,
                                      v1::ListNodesResponse* response) override;
  grpc::ServerUnaryReactor* GetNode(grpc::CallbackServerContext* context,
                                    const v1::GetNodeRequest* request,
                                    v1::NodeStatus* response) override;

  // Serves Subscribe from the server's completion queue (ServerBuilder::AddCompletionQueue),
  // once the server has started.
  void ServeSubscribe(std::unique_ptr<grpc::ServerCompletionQueue> cq);
  // After grpc::Server::Shutdown: the pump's queue drained and its thread joined.
  void StopSubscribe();
  // Shutdown: refuse new streams with UNAVAILABLE; open ones send what they hold, then end with
  // UNAVAILABLE.
  void Drain();
  size_t streams() const;
  // Events waiting in all streams' queues.
  uint64_t queued_events() const;

 private:
  grpc::Status Admit(const grpc::ServerContext& context, const grpc::ByteBuffer& raw,
                     hub::SubscribeRequest& request) const;

  const rpc::ApiTokenGuard& api_token_;
  const auth::TokenStore& tokens_;
  registry::NodeRegistry& registry_;
  SubscribePump pump_;
};

}  // namespace radarhub::ingest
