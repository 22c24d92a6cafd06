#include "radarhub/live/messages.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <optional>

#include "radarhub/protocol/node_id.hpp"

namespace radarhub::live {
namespace {

// The member `name` of `object`, or null. (HasMember, not FindMember: clang warns on comparing
// RapidJSON's member iterators under C++20's reversed operators.)
const rapidjson::Value* Member(const rapidjson::Value& object, const char* name) {
  return object.HasMember(name) ? &object[name] : nullptr;
}

ProtocolError Invalid(std::string reason) {
  return {CloseCode::kInvalidMessage, std::move(reason)};
}

// Fills `nodes` from the "nodes" array; a ProtocolError's reason when it is not a good one.
std::optional<ProtocolError> ReadNodes(const rapidjson::Value& message, const Limits& limits,
                                       std::vector<std::string>& nodes) {
  const rapidjson::Value* list = Member(message, "nodes");
  if (list == nullptr) return std::nullopt;
  if (!list->IsArray()) return Invalid("\"nodes\" must be an array of node ids");
  for (const auto& id : list->GetArray()) {
    if (!id.IsString() ||
        !protocol::IsValidNodeId(std::string_view(id.GetString(), id.GetStringLength()))) {
      return Invalid("\"nodes\" holds a malformed node id");
    }
    std::string node(id.GetString(), id.GetStringLength());
    if (std::find(nodes.begin(), nodes.end(), node) != nodes.end()) continue;
    if (nodes.size() == limits.max_subscriptions) {
      return ProtocolError{CloseCode::kTooManySubscriptions,
                           "more than " + std::to_string(limits.max_subscriptions) + " nodes"};
    }
    nodes.push_back(std::move(node));
  }
  return std::nullopt;
}

}  // namespace

ClientMessage ParseClientMessage(std::string_view text, const Limits& limits) {
  if (text.size() > limits.max_message_bytes) {
    return ProtocolError{CloseCode::kMessageTooBig,
                         "message over " + std::to_string(limits.max_message_bytes) + " bytes"};
  }
  rapidjson::Document message;
  message.Parse(text.data(), text.size());
  if (message.HasParseError() || !message.IsObject()) return Invalid("expected a JSON object");
  const rapidjson::Value* type = Member(message, "type");
  if (type == nullptr || !type->IsString()) {
    return Invalid("expected \"type\": \"subscribe\" or \"unsubscribe\"");
  }
  const std::string_view kind(type->GetString(), type->GetStringLength());
  std::vector<std::string> nodes;
  if (kind == "subscribe") {
    if (!message.HasMember("nodes")) return Invalid("subscribe needs \"nodes\"");
    if (auto error = ReadNodes(message, limits, nodes)) return *error;
    if (nodes.empty()) return Invalid("subscribe needs at least one node id");
    return Subscribe{std::move(nodes)};
  }
  if (kind == "unsubscribe") {
    if (auto error = ReadNodes(message, limits, nodes)) return *error;
    return Unsubscribe{std::move(nodes)};
  }
  return Invalid("unknown \"type\"; expected \"subscribe\" or \"unsubscribe\"");
}

}  // namespace radarhub::live
