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
    if (!dedup_.Admit(frame.epoch(), frame.sequence(), frame.timestamp_ms())) {
      ++counters_.deduplicated;
      return false;
    }
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
  const bool changed = health_.Set(source, {stream_live, node_connected}, now);
  if (state != nullptr) *state = health_.state();
  return changed;
}

bool NodeReceiver::RemoveSource(const std::string& source, WallClock::time_point now,
                                HealthState* state) {
  std::lock_guard lock(mu_);
  const bool changed = health_.Remove(source, now);
  if (state != nullptr) *state = health_.state();
  return changed;
}

uint64_t NodeReceiver::LastSequence(uint64_t epoch) const {
  std::lock_guard lock(mu_);
  return dedup_.LastSequence(epoch);
}

std::optional<v1::DetectionFrame> NodeReceiver::Receive(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  // A wait of 0 ms would still be a futex call that sleeps the thread until its timer fires: the
  // workers ask with 0 ms after each batch, so it cost them a context switch per frame.
  if (timeout > std::chrono::milliseconds::zero()) {
    ready_.wait_for(lock, timeout, [this] { return closed_ || !queue_.empty(); });
  }
  if (closed_ || queue_.empty()) return std::nullopt;
  v1::DetectionFrame frame = std::move(queue_.front());
  queue_.pop_front();
  return frame;
}

bool NodeReceiver::Healthy() const {
  std::lock_guard lock(mu_);
  return health_.state().healthy;
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
  return health_.state();
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
  return dedup_.last_timestamp_ms();
}

}  // namespace radarhub::receiver
