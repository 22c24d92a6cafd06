#pragma once

#include <string>
#include <vector>

#include "radarhub/hub/event.hpp"
#include "radarhub/hub/subscriber_queue.hpp"

namespace radarhub::hub::testing {

inline EventPtr Frame(uint64_t sequence) {
  return std::make_shared<const Event>(
      Event{Event::Kind::kFrame, sequence, "frame " + std::to_string(sequence)});
}
inline EventPtr Status(const std::string& text) {
  return std::make_shared<const Event>(Event{Event::Kind::kStatus, 0, text});
}

// "n1:f3" for a frame, "n1:s:<payload>" for a status, "n1:gap 2-5 slow_consumer" for a gap.
inline std::string Describe(const Delivery& d) {
  std::string s = *d.node_id + ":";
  if (!d.event) {
    return s + "gap " + std::to_string(d.from_sequence) + "-" + std::to_string(d.to_sequence) +
           " " + DropReasonName(d.reason);
  }
  if (d.event->kind == Event::Kind::kFrame) return s + "f" + std::to_string(d.event->sequence);
  return s + "s:" + d.event->payload;
}

// Everything queued, described.
inline std::vector<std::string> Drain(SubscriberQueue& q) {
  std::vector<Delivery> out;
  q.Pop(out, 1000000);
  std::vector<std::string> s;
  for (const auto& d : out) s.push_back(Describe(d));
  return s;
}

}  // namespace radarhub::hub::testing
