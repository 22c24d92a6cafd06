// libFuzzer target for the client input of the ingest's Subscribe: a serialized SubscribeRequest
// (node id filters, resume lists) through the service's check. The first byte says whether
// auto-provision is on. Besides not crashing: what is admitted holds only valid node ids, at most
// 10,000 of them, each resume entry once and among node_ids, and without auto-provision only
// nodes that can exist; what is refused says why.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>

#include "ingest_service.hpp"
#include "radarhub/protocol/node_id.hpp"

using namespace radarhub;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  v1::SubscribeRequest parsed;
  if (!parsed.ParseFromArray(data + 1, static_cast<int>(size - 1))) return 0;
  auth::TokenStore tokens;
  std::string error;
  if (!tokens.Load({.shared_token = "t", .auto_provision = (data[0] & 1) != 0}, error)) {
    std::abort();
  }
  registry::NodeRegistry registry(42);
  registry.Get("radar1");
  hub::SubscribeRequest request;
  const grpc::Status status = ingest::CheckSubscribeRequest(parsed, tokens, registry, request);
  if (!status.ok()) {
    if (status.error_message().empty()) std::abort();
    return 0;
  }
  if (request.node_ids.size() > 10000) std::abort();
  for (const std::string& id : request.node_ids) {
    if (!protocol::IsValidNodeId(id)) std::abort();
    if (!tokens.auto_provision() && registry.Find(id) == nullptr) std::abort();
  }
  std::set<std::string> resumed;
  for (const hub::Resume& r : request.resume) {
    if (!protocol::IsValidNodeId(r.node_id) || !resumed.insert(r.node_id).second) std::abort();
    if (!request.node_ids.empty() && std::find(request.node_ids.begin(), request.node_ids.end(),
                                               r.node_id) == request.node_ids.end()) {
      std::abort();
    }
  }
  if (request.frames != parsed.frames()) std::abort();
  return 0;
}
