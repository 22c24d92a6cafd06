// libFuzzer target for what operators and their files hand the services: the tokens file's
// content, durations and HOST:PORT addresses. The first byte picks the parser. Besides not
// crashing: an accepted address prints back to itself, an accepted duration is not negative, and
// a tokens table holds only valid node ids.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "radarhub/auth/token_store.hpp"
#include "radarhub/common/duration.hpp"
#include "radarhub/common/host_port.hpp"
#include "radarhub/protocol/node_id.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      radarhub::auth::TokenTable table;
      std::string error;
      if (radarhub::auth::ParseTokensFile(text, "fuzz", table, error)) {
        for (const auto& [node, digest] : table.nodes) {
          if (!radarhub::protocol::IsValidNodeId(node)) std::abort();
        }
      } else if (error.empty()) {
        std::abort();  // a refusal always says why
      }
      break;
    }
    case 1:
      if (const auto d = radarhub::common::ParseDuration(text); d && d->count() < 0) std::abort();
      break;
    case 2:
      if (const auto hp = radarhub::common::ParseHostPort(text)) {
        const auto again = radarhub::common::ParseHostPort(hp->ToString());
        if (!again || again->host != hp->host || again->port != hp->port) std::abort();
      }
      break;
  }
  return 0;
}
