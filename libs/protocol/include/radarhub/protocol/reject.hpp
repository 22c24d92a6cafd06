#pragma once

#include <cstdint>
#include <string_view>

namespace radarhub::protocol {

// Why a line after the hello was dropped (protocol.md, "Frames after the hello"). Values index
// per-reason counters; kCount is their number.
enum class Reject : uint8_t {
  kNone = 0,
  kInvalidJson,
  kNotObject,
  kMissingField,
  kWrongType,
  kLengthMismatch,
  kTooManyDetections,
  kNonFinite,
  kBadTimestamp,
  kCount,
};

std::string_view RejectName(Reject reason);

}  // namespace radarhub::protocol
