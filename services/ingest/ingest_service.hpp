#pragma once

#include <utility>

#include <grpcpp/support/server_callback.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <mutex>
#include <unordered_set>

#include "ingest_metrics.hpp"
#include "radarhub/auth/token_store.hpp"
#include "radarhub/hub/hub.hpp"
#include "radarhub/registry/node_registry.hpp"
#include "radarhub/rpc/api_token.hpp"
#include "radarhub/v1/radarhub.grpc.pb.h"
#include "subscribe_reactor.hpp"

namespace radarhub::ingest {

struct IngestServiceSettings {
  size_t max_batch = 256;
  size_t max_subscribers = 1000;
};

// The callback-API base: ListNodes and GetNode typed, Subscribe raw so each event's bytes,
// serialized once at publish, go out without being parsed and re-serialized per subscriber.
using IngestServiceBase =
    v1::Ingest::WithCallbackMethod_ListNodes<v1::Ingest::WithCallbackMethod_GetNode<
        v1::Ingest::WithRawCallbackMethod_Subscribe<v1::Ingest::Service>>>;

// radarhub.v1.Ingest (api.md) on the registry and the hub. No thread per stream: streams are
// SubscribeReactors. Thread-safe: gRPC calls the methods from its threads; Drain from any.
class IngestService final : public IngestServiceBase {
 public:
  IngestService(IngestServiceSettings settings, const rpc::ApiTokenGuard& api_token,
                const auth::TokenStore& tokens, registry::NodeRegistry& registry, hub::Hub& hub,
                IngestMetrics& metrics, boost::asio::io_context& pump);

  grpc::ServerUnaryReactor* ListNodes(grpc::CallbackServerContext* context,
                                      const v1::ListNodesRequest* request,
                                      v1::ListNodesResponse* response) override;
  grpc::ServerUnaryReactor* GetNode(grpc::CallbackServerContext* context,
                                    const v1::GetNodeRequest* request,
                                    v1::NodeStatus* response) override;
  grpc::ServerWriteReactor<grpc::ByteBuffer>* Subscribe(grpc::CallbackServerContext* context,
                                                        const grpc::ByteBuffer* request) override;

  // Shutdown: refuse new streams with UNAVAILABLE; open ones send what they hold, then end with
  // UNAVAILABLE.
  void Drain();
  size_t streams() const;
  // Events waiting in all streams' queues.
  uint64_t queued_events() const;

 private:
  grpc::Status Admit(const grpc::ByteBuffer& raw, hub::SubscribeRequest& request) const;

  const IngestServiceSettings settings_;
  const rpc::ApiTokenGuard& api_token_;
  const auth::TokenStore& tokens_;
  registry::NodeRegistry& registry_;
  hub::Hub& hub_;
  IngestMetrics& metrics_;
  boost::asio::io_context& pump_;

  mutable std::mutex mu_;
  bool draining_ = false;                          // guarded by mu_
  std::unordered_set<SubscribeReactor*> streams_;  // guarded by mu_: removed in their OnDone
};

}  // namespace radarhub::ingest
