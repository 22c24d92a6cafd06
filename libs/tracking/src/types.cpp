#include "radarhub/tracking/types.hpp"

namespace radarhub::tracking {

std::string_view ToString(TrackStatus status) {
  switch (status) {
    case TrackStatus::kTentative:
      return "tentative";
    case TrackStatus::kConfirmed:
      return "confirmed";
    case TrackStatus::kCoasting:
      return "coasting";
    case TrackStatus::kDeleted:
      return "deleted";
  }
  return "unknown";
}

}  // namespace radarhub::tracking
