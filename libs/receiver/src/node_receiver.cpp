#include "radarhub/receiver/node_receiver.hpp"

#include <algorithm>

#include "radarhub/common/log.hpp"

namespace radarhub::receiver {

namespace {

ReceiverSettings AtLeastOneFrame(ReceiverSettings s) {
  if (s.queue_size == 0) s.queue_size = 1;
  return s;
}

}  // namespace

NodeReceiver::NodeReceiver(std::string node_id, ReceiverSettings settings)
    : node_id_(std::move(node_id)), settings_(AtLeastOneFrame(settings)) {}

bool NodeReceiver::Offer(v1::DetectionFrame frame) {
  {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    // The same frame through another endpoint or after a resume, or a node resending its last.
    uint64_t& last = last_seq_[frame.epoch()];
    const bool stale =
        has_timestamp_ &&
        (frame.timestamp_ms() == last_timestamp_ms_ ||
         (frame.epoch() != last_epoch_ && frame.timestamp_ms() < last_timestamp_ms_));
    if (frame.sequence() <= last || stale) {
      ++counters_.deduplicated;
      return false;
    }
    last = frame.sequence();
    has_timestamp_ = true;
    last_timestamp_ms_ = frame.timestamp_ms();
    last_epoch_ = frame.epoch();
    if (queue_.size() >= settings_.queue_size) {
      queue_.pop_front();
      ++counters_.dropped;
      WarnDroppedLocked();
    }
    queue_.push_back(std::move(frame));
    ++counters_.received;
  }
  ready_.notify_one();
  if (ready_callback_) ready_callback_();
  return true;
}

// At most one line per node per warn_every, with the count since the last line.
void NodeReceiver::WarnDroppedLocked() {
  ++unwarned_drops_;
  const auto now = std::chrono::steady_clock::now();
  if (last_warn_ != std::chrono::steady_clock::time_point{} &&
      now - last_warn_ < settings_.warn_every) {
    return;
  }
  last_warn_ = now;
  common::LogWarn("receiver queue full: oldest frames dropped",
                  {{"node_id", node_id_}, {"count", std::to_string(unwarned_drops_)}});
  unwarned_drops_ = 0;
}

// Sequences start at 1: a gap "from 0" (a stale epoch) counts from the first frame.
void NodeReceiver::Missed(uint64_t from_sequence, uint64_t to_sequence) {
  std::lock_guard lock(mu_);
  from_sequence = std::max<uint64_t>(from_sequence, 1);
  if (to_sequence >= from_sequence) counters_.missed += to_sequence - from_sequence + 1;
}

bool NodeReceiver::SetSourceState(const std::string& source, bool stream_live, bool node_connected,
                                  WallClock::time_point now, HealthState* state) {
  std::lock_guard lock(mu_);
  sources_[source] = Source{stream_live, stream_live && node_connected};
  const bool changed = UpdateHealthLocked(now);
  if (state != nullptr) *state = health_;
  return changed;
}

bool NodeReceiver::RemoveSource(const std::string& source, WallClock::time_point now,
                                HealthState* state) {
  std::lock_guard lock(mu_);
  if (sources_.erase(source) == 0) return false;
  const bool changed = UpdateHealthLocked(now);
  if (state != nullptr) *state = health_;
  return changed;
}

uint64_t NodeReceiver::LastSequence(uint64_t epoch) const {
  std::lock_guard lock(mu_);
  const auto it = last_seq_.find(epoch);
  return it == last_seq_.end() ? 0 : it->second;
}

// Healthy if any endpoint's stream is live and has the node connected (scale-out: a node is on
// one replica at a time). Otherwise: disconnected if some live stream knows of it, unreachable if
// no stream is live.
bool NodeReceiver::UpdateHealthLocked(WallClock::time_point now) {
  HealthState next;
  bool any_live = false;
  for (const auto& [name, s] : sources_) {
    any_live = any_live || s.stream_live;
    if (s.node_connected) {
      next.healthy = true;
      next.reason = "ok";
      next.source = name;
      break;
    }
  }
  if (!next.healthy) next.reason = any_live ? "node_disconnected" : "ingest_unreachable";
  const bool changed = next.healthy != health_.healthy ||
                       std::string_view(next.reason) != health_.reason ||
                       next.source != health_.source;
  const bool state_changed =
      next.healthy != health_.healthy || std::string_view(next.reason) != health_.reason;
  next.since = state_changed || health_.since == WallClock::time_point{} ? now : health_.since;
  next.version = health_.version + (changed ? 1 : 0);
  health_ = std::move(next);
  return changed;
}

std::optional<v1::DetectionFrame> NodeReceiver::Receive(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  ready_.wait_for(lock, timeout, [this] { return closed_ || !queue_.empty(); });
  if (closed_ || queue_.empty()) return std::nullopt;
  v1::DetectionFrame frame = std::move(queue_.front());
  queue_.pop_front();
  return frame;
}

bool NodeReceiver::Healthy() const {
  std::lock_guard lock(mu_);
  return health_.healthy;
}

void NodeReceiver::Close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  ready_.notify_all();
}

HealthState NodeReceiver::health() const {
  std::lock_guard lock(mu_);
  return health_;
}

ReceiverCounters NodeReceiver::counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

size_t NodeReceiver::queue_depth() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

int64_t NodeReceiver::last_timestamp_ms() const {
  std::lock_guard lock(mu_);
  return last_timestamp_ms_;
}

}  // namespace radarhub::receiver
