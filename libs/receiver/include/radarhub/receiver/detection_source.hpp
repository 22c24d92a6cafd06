#pragma once

#include <chrono>
#include <optional>

#include "radarhub/v1/radarhub.pb.h"

namespace radarhub::receiver {

// Where a node's tracker takes its frames from (the tracker's receive loop depends only on this).
class DetectionSource {
 public:
  virtual ~DetectionSource() = default;
  // The oldest waiting frame, waiting up to `timeout`; nullopt on timeout or once closed.
  virtual std::optional<v1::DetectionFrame> Receive(std::chrono::milliseconds timeout) = 0;
  // The stream to an ingest is live and that ingest reports the node connected.
  virtual bool Healthy() const = 0;
  // Wakes a waiting Receive; later ones return nullopt at once.
  virtual void Close() = 0;
};

}  // namespace radarhub::receiver
