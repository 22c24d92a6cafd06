#pragma once

#include <grpcpp/support/slice.h>

#include <string>
#include <vector>

#include "radarhub/hub/event.hpp"

namespace radarhub::ingest {

// Builds the serialized radarhub.v1.SubscribeResponse carrying `deliveries` in order. Each event's
// NodeEvent bytes, serialized once when it was published, are only framed as field 1 and copied
// into one contiguous slice; gaps become NodeEvent{dropped}. Not thread-safe: one per stream.
class SubscribeResponseEncoder final {
 public:
  grpc::Slice Encode(const std::vector<hub::Delivery>& deliveries);

 private:
  std::vector<std::string> gaps_;  // serialized dropped events of the current batch
};

}  // namespace radarhub::ingest
