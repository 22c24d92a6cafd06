#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace radarhub::tracking {

// The tracker's rules for a node's health (api.md NodeHealth), apart from the threads and streams
// that feed them. Pure: time is passed in. Not thread-safe.

// api.md's `reason`.
enum class HealthReason : uint8_t { kNoData, kOk, kNodeDisconnected, kIngestUnreachable };
std::string_view ToString(HealthReason reason);

struct HealthState {
  bool healthy = false;
  HealthReason reason = HealthReason::kNoData;    // until any endpoint has said anything
  std::chrono::system_clock::time_point since{};  // last change of healthy or reason
  std::string source;    // an ingest endpoint serving the node while healthy
  uint64_t version = 0;  // +1 per change: publishers drop a state older than one they published
};

// What one ingest endpoint says of the node now.
struct SourceState {
  bool reachable = false;       // a stream to that ingest is live
  bool node_connected = false;  // and that ingest has the node connected
};

// Healthy while any endpoint is reachable and has the node connected (scale-out: a node is on one
// replica at a time); otherwise node_disconnected while some endpoint is reachable, else
// ingest_unreachable.
class NodeHealthRule final {
 public:
  using Clock = std::chrono::system_clock;
  // Each returns true when the health (healthy, reason or source) changed.
  bool Set(const std::string& source, SourceState state, Clock::time_point now);
  bool Remove(const std::string& source, Clock::time_point now);  // the endpoint is gone
  const HealthState& state() const { return health_; }

 private:
  bool Update(Clock::time_point now);

  std::map<std::string, SourceState> sources_;
  HealthState health_;
};

// What one endpoint knows of its link to the node, and the SourceState that follows. The node
// counts as connected there only once the node's own stream delivered (frames flow); the ingest
// counts as reachable while either the node's stream or the endpoint's discovery stream is live,
// but a discovery stream vouches only if it went live after the node's own stream ended (both ride
// one connection, and the one that was live then may be dying with it).
struct LinkFacts {
  bool stream_live = false;
  bool node_connected = false;  // as the latest admitted status says
  bool discovery_live = false;
  uint64_t discovery_generation = 0;  // discovery streams that went live so far
  uint64_t ended_in_generation = 0;   // discovery's generation when the node's stream last ended
};
SourceState Judge(const LinkFacts& link);

// The node statuses one ingest endpoint sends: within one ingest process (epoch) they apply in
// the order of their `since`, so a late one never overrides a newer one; a status from another
// epoch (the ingest restarted) always applies.
class StatusOrder final {
 public:
  // True when the status applies (and becomes the newest).
  bool Admit(uint64_t epoch, int64_t since_ns);
  uint64_t epoch() const { return epoch_; }
  void NoteEpoch(uint64_t epoch) { epoch_ = epoch; }  // a frame of that epoch arrived

 private:
  uint64_t epoch_ = 0;
  int64_t since_ns_ = INT64_MIN;
};

// Frames already seen, across endpoints and reconnects: a sequence already seen in its epoch, the
// same timestamp as the last frame, or, from another epoch than the last frame (another ingest,
// or one restarted), a timestamp not after the last frame's: history a replica still holds from
// before the node moved away must not be replayed as news.
class FrameDedup final {
 public:
  // True when the frame is new (and is now the last one).
  bool Admit(uint64_t epoch, uint64_t sequence, int64_t timestamp_ms);
  uint64_t LastSequence(uint64_t epoch) const;
  int64_t last_timestamp_ms() const { return last_timestamp_ms_; }

 private:
  std::map<uint64_t, uint64_t> last_sequence_;  // epoch -> last sequence
  bool has_timestamp_ = false;
  uint64_t last_epoch_ = 0;
  int64_t last_timestamp_ms_ = 0;
};

}  // namespace radarhub::tracking
