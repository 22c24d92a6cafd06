#include "ingest_service.hpp"

#include <grpcpp/support/proto_buffer_reader.h>

#include <algorithm>

#include "radarhub/protocol/node_id.hpp"

namespace radarhub::ingest {

namespace {

// Each id a subscriber names gets a hub channel (it may be a node yet to appear).
constexpr int kMaxNodeIdsPerRequest = 10000;

grpc::Status InvalidNodeId(const char* field, const std::string& id) {
  return {grpc::StatusCode::INVALID_ARGUMENT,
          std::string(field) + ": '" + id.substr(0, 64) +
              "' is not a valid node id (1-64 of [A-Za-z0-9._-])"};
}

}  // namespace

IngestService::IngestService(IngestServiceSettings settings, const rpc::ApiTokenGuard& api_token,
                             const auth::TokenStore& tokens, registry::NodeRegistry& registry,
                             hub::Hub& hub, IngestMetrics& metrics)
    : api_token_(api_token),
      tokens_(tokens),
      registry_(registry),
      pump_({.max_batch = settings.max_batch, .max_subscribers = settings.max_subscribers}, hub,
            metrics,
            [this](const grpc::ServerContext& context, const grpc::ByteBuffer& raw,
                   hub::SubscribeRequest& request) { return Admit(context, raw, request); }) {}

grpc::ServerUnaryReactor* IngestService::ListNodes(grpc::CallbackServerContext* context,
                                                   const v1::ListNodesRequest*,
                                                   v1::ListNodesResponse* response) {
  auto* reactor = context->DefaultReactor();
  if (auto status = api_token_.Check(*context); !status.ok()) {
    reactor->Finish(status);
    return reactor;
  }
  auto nodes = registry_.All();
  std::sort(nodes.begin(), nodes.end(), [](const registry::NodePtr& a, const registry::NodePtr& b) {
    return a->id() < b->id();
  });
  for (const registry::NodePtr& node : nodes) registry_.FillStatus(*node, *response->add_nodes());
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* IngestService::GetNode(grpc::CallbackServerContext* context,
                                                 const v1::GetNodeRequest* request,
                                                 v1::NodeStatus* response) {
  auto* reactor = context->DefaultReactor();
  grpc::Status status = api_token_.Check(*context);
  if (status.ok() && !protocol::IsValidNodeId(request->node_id())) {
    status = InvalidNodeId("node_id", request->node_id());
  }
  if (status.ok()) {
    if (const registry::NodePtr node = registry_.Find(request->node_id())) {
      registry_.FillStatus(*node, *response);
    } else {
      status = {grpc::StatusCode::NOT_FOUND, "unknown node '" + request->node_id() + "'"};
    }
  }
  reactor->Finish(status);
  return reactor;
}

grpc::Status IngestService::Admit(const grpc::ServerContext& context, const grpc::ByteBuffer& raw,
                                  hub::SubscribeRequest& request) const {
  if (auto status = api_token_.Check(context); !status.ok()) return status;
  v1::SubscribeRequest parsed;
  grpc::ByteBuffer copy(raw);  // the reader consumes its buffer; copying shares the slices
  grpc::ProtoBufferReader reader(&copy);
  if (!parsed.ParseFromZeroCopyStream(&reader)) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "malformed SubscribeRequest"};
  }
  return CheckSubscribeRequest(parsed, tokens_, registry_, request);
}

grpc::Status CheckSubscribeRequest(const v1::SubscribeRequest& parsed,
                                   const auth::TokenStore& tokens,
                                   const registry::NodeRegistry& registry,
                                   hub::SubscribeRequest& request) {
  if (parsed.node_ids_size() > kMaxNodeIdsPerRequest) {
    return {grpc::StatusCode::INVALID_ARGUMENT,
            "node_ids: more than " + std::to_string(kMaxNodeIdsPerRequest) +
                " ids; subscribe to every node with an empty list instead"};
  }
  for (const std::string& id : parsed.node_ids()) {
    if (!protocol::IsValidNodeId(id)) return InvalidNodeId("node_ids", id);
    // A node nobody can ever connect as is a typo, not something to wait for.
    if (!tokens.auto_provision() && !tokens.IsListed(id) && registry.Find(id) == nullptr) {
      return {grpc::StatusCode::NOT_FOUND,
              "unknown node '" + id + "' (not in the tokens file and auto-provision is off)"};
    }
    request.node_ids.push_back(id);
  }
  for (const v1::Resume& r : parsed.resume()) {
    if (!protocol::IsValidNodeId(r.node_id())) return InvalidNodeId("resume.node_id", r.node_id());
    if (!request.node_ids.empty() && std::find(request.node_ids.begin(), request.node_ids.end(),
                                               r.node_id()) == request.node_ids.end()) {
      return {grpc::StatusCode::INVALID_ARGUMENT,
              "resume: node '" + r.node_id() + "' is not among node_ids"};
    }
    const bool repeated =
        std::any_of(request.resume.begin(), request.resume.end(),
                    [&](const hub::Resume& e) { return e.node_id == r.node_id(); });
    if (repeated) {
      return {grpc::StatusCode::INVALID_ARGUMENT,
              "resume: node '" + r.node_id() + "' appears more than once"};
    }
    request.resume.push_back({r.node_id(), r.epoch(), r.after_sequence()});
  }
  request.frames = parsed.frames();
  return grpc::Status::OK;
}

void IngestService::ServeSubscribe(std::unique_ptr<grpc::ServerCompletionQueue> cq) {
  pump_.Start(std::move(cq), [this](grpc::ServerContext* context, grpc::ByteBuffer* request,
                                    grpc::ServerAsyncWriter<grpc::ByteBuffer>* writer,
                                    grpc::ServerCompletionQueue* queue, void* tag) {
    RequestSubscribe(context, request, writer, queue, queue, tag);
  });
}

void IngestService::StopSubscribe() { pump_.Stop(); }

void IngestService::Drain() { pump_.Drain(); }

uint64_t IngestService::queued_events() const { return pump_.queued_events(); }

size_t IngestService::streams() const { return pump_.streams(); }

}  // namespace radarhub::ingest
