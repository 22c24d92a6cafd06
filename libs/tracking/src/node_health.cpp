#include "radarhub/tracking/node_health.hpp"

namespace radarhub::tracking {

std::string_view ToString(HealthReason reason) {
  switch (reason) {
    case HealthReason::kNoData:
      return "no_data";
    case HealthReason::kOk:
      return "ok";
    case HealthReason::kNodeDisconnected:
      return "node_disconnected";
    case HealthReason::kIngestUnreachable:
      return "ingest_unreachable";
  }
  return "unknown";
}

bool NodeHealthRule::Set(const std::string& source, SourceState state, Clock::time_point now) {
  state.node_connected = state.node_connected && state.reachable;
  sources_[source] = state;
  return Update(now);
}

bool NodeHealthRule::Remove(const std::string& source, Clock::time_point now) {
  if (sources_.erase(source) == 0) return false;
  return Update(now);
}

bool NodeHealthRule::Update(Clock::time_point now) {
  HealthState next;
  bool any_reachable = false;
  for (const auto& [name, s] : sources_) {
    any_reachable = any_reachable || s.reachable;
    if (s.node_connected) {
      next.healthy = true;
      next.reason = HealthReason::kOk;
      next.source = name;
      break;
    }
  }
  if (!next.healthy) {
    next.reason =
        any_reachable ? HealthReason::kNodeDisconnected : HealthReason::kIngestUnreachable;
  }
  const bool state_changed = next.healthy != health_.healthy || next.reason != health_.reason;
  const bool changed = state_changed || next.source != health_.source;
  next.since = state_changed || health_.since == Clock::time_point{} ? now : health_.since;
  next.version = health_.version + (changed ? 1 : 0);
  health_ = std::move(next);
  return changed;
}

SourceState Judge(const LinkFacts& link) {
  return {.reachable = link.stream_live || (link.discovery_live &&
                                            link.discovery_generation > link.ended_in_generation),
          .node_connected = link.node_connected && link.stream_live};
}

bool StatusOrder::Admit(uint64_t epoch, int64_t since_ns) {
  const bool new_epoch = epoch != 0 && epoch != epoch_;
  if (since_ns < since_ns_ && !new_epoch) return false;
  since_ns_ = since_ns;
  if (epoch != 0) epoch_ = epoch;
  return true;
}

bool FrameDedup::Admit(uint64_t epoch, uint64_t sequence, int64_t timestamp_ms) {
  uint64_t& last = last_sequence_[epoch];
  const bool stale =
      has_timestamp_ && (timestamp_ms == last_timestamp_ms_ ||
                         (epoch != last_epoch_ && timestamp_ms < last_timestamp_ms_));
  if (sequence <= last || stale) return false;
  last = sequence;
  has_timestamp_ = true;
  last_timestamp_ms_ = timestamp_ms;
  last_epoch_ = epoch;
  return true;
}

uint64_t FrameDedup::LastSequence(uint64_t epoch) const {
  const auto it = last_sequence_.find(epoch);
  return it == last_sequence_.end() ? 0 : it->second;
}

}  // namespace radarhub::tracking
