#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace radarhub::live {

// The live view's WebSocket protocol, `radarhub.live.v1` (README, "Live web view"): what a browser
// sends, parsed and checked without I/O so it is unit-tested and fuzzed alone. The tracker's HTTP
// listener (services/tracker) owns the sockets.
inline constexpr std::string_view kSubprotocol = "radarhub.live.v1";

// WebSocket close codes the server ends a client with (RFC 6455 7.4; 4000-4999 are ours).
enum class CloseCode : uint16_t {
  kMessageTooBig = 1009,         // a text message over Limits::max_message_bytes
  kUnsupportedData = 1003,       // a binary message
  kInvalidMessage = 4400,        // not JSON, unknown type, a malformed node id, ...
  kTooManySubscriptions = 4429,  // over Limits::max_subscriptions
};

struct Limits {
  size_t max_message_bytes = 64 * 1024;
  size_t max_subscriptions = 100;  // nodes one client may watch in detail at once
};

// `{"type":"subscribe","nodes":["radar1",...]}` (one or more): add these nodes (the server answers
// with their snapshot, then streams updates). `{"type":"unsubscribe","nodes":[...]}`: stop them;
// without "nodes", stop every one.
struct Subscribe {
  std::vector<std::string> nodes;
};
struct Unsubscribe {
  std::vector<std::string> nodes;  // empty: all
};
struct ProtocolError {
  CloseCode code;
  std::string reason;  // for the close frame: short, and never echoes more than a node id
};
using ClientMessage = std::variant<Subscribe, Unsubscribe, ProtocolError>;

// One text message from a client. Node ids are checked as the node protocol checks them, each
// list holds at most Limits::max_subscriptions distinct ids, duplicates are dropped in order.
ClientMessage ParseClientMessage(std::string_view text, const Limits& limits);

}  // namespace radarhub::live
