#pragma once

#include <cstdint>
#include <string>

#include "radarhub/protocol/parser.hpp"

namespace radarhub::protocol {

struct WallTime {
  int64_t seconds = 0;
  int32_t nanos = 0;
};

// Appends to `out` the serialized radarhub.v1.NodeEvent{node_id, frame} of a validated frame,
// written straight from the parsed JSON: the frame is serialized once, whatever the number of
// subscribers, and no protobuf objects are built per detection.
void AppendFrameEvent(const Message& frame, uint64_t sequence, uint64_t epoch, WallTime received_at,
                      std::string& out);

// Size AppendFrameEvent will append (AppendFrameEvent itself grows `out` exactly once).
size_t FrameEventSize(const Message& frame, uint64_t sequence, uint64_t epoch,
                      WallTime received_at);

// Appends the serialized google.protobuf.Struct of a JSON object's members; with
// `skip_identity` the members node_id, token and type are left out (a heartbeat's advertisement).
// Numbers must be finite (the parser checks).
void AppendStruct(const JsonValue& object, std::string& out, bool skip_identity = false);

}  // namespace radarhub::protocol
