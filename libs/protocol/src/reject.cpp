#include "radarhub/protocol/reject.hpp"

namespace radarhub::protocol {

std::string_view RejectName(Reject reason) {
  switch (reason) {
    case Reject::kNone:
      return "none";
    case Reject::kInvalidJson:
      return "invalid_json";
    case Reject::kNotObject:
      return "not_object";
    case Reject::kMissingField:
      return "missing_field";
    case Reject::kWrongType:
      return "wrong_type";
    case Reject::kLengthMismatch:
      return "length_mismatch";
    case Reject::kTooManyDetections:
      return "too_many_detections";
    case Reject::kNonFinite:
      return "non_finite";
    case Reject::kBadTimestamp:
      return "bad_timestamp";
    case Reject::kCount:
      break;
  }
  return "unknown";
}

}  // namespace radarhub::protocol
