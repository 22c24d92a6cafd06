// libFuzzer target for what a browser sends the live view (radarhub.live.v1). Besides not
// crashing: an accepted list holds only valid, distinct node ids within the limit, and a refusal
// has a reason short enough for a close frame.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "radarhub/live/messages.hpp"
#include "radarhub/protocol/node_id.hpp"

namespace {

void CheckNodes(const std::vector<std::string>& nodes, size_t limit) {
  if (nodes.size() > limit) std::abort();
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (!radarhub::protocol::IsValidNodeId(nodes[i])) std::abort();
    if (std::find(nodes.begin() + static_cast<std::ptrdiff_t>(i) + 1, nodes.end(), nodes[i]) !=
        nodes.end()) {
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const radarhub::live::Limits limits{.max_message_bytes = 2048, .max_subscriptions = 8};
  const auto message = radarhub::live::ParseClientMessage(
      std::string_view(reinterpret_cast<const char*>(data), size), limits);
  if (const auto* s = std::get_if<radarhub::live::Subscribe>(&message)) {
    if (s->nodes.empty()) std::abort();  // a subscribe names at least one node
    CheckNodes(s->nodes, limits.max_subscriptions);
  } else if (const auto* u = std::get_if<radarhub::live::Unsubscribe>(&message)) {
    CheckNodes(u->nodes, limits.max_subscriptions);
  } else {
    const auto& e = std::get<radarhub::live::ProtocolError>(message);
    if (e.reason.empty() || e.reason.size() > 123) std::abort();
  }
  return 0;
}
