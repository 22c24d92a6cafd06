#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace radarhub::hub {

// One serialized radarhub.v1.NodeEvent, immutable and shared by the replay ring and every
// subscriber queue: a frame is serialized once however many subscribers there are.
struct Event {
  enum class Kind : uint8_t { kFrame, kStatus };
  Kind kind = Kind::kFrame;
  uint64_t sequence = 0;  // frames only
  std::string payload;
};
using EventPtr = std::shared_ptr<const Event>;

// A node's id, shared by its channel and by everything queued of it: a forgotten node's id lives
// on while a subscriber still holds its events.
using NodeName = std::shared_ptr<const std::string>;

enum class DropReason : uint8_t { kSlowConsumer, kResumeOutOfRange };
const char* DropReasonName(DropReason reason);

// One item a subscriber receives, in order: a shared event, or a gap announcement.
struct Delivery {
  NodeName node_id;
  EventPtr event;              // null for a gap
  uint64_t from_sequence = 0;  // gap, inclusive
  uint64_t to_sequence = 0;    // gap, inclusive
  DropReason reason = DropReason::kSlowConsumer;
};

}  // namespace radarhub::hub
