#include "radarhub/hub/subscriber_queue.hpp"

namespace radarhub::hub {

SubscriberQueue::SubscriberQueue(size_t capacity, bool frames, std::function<void()> wakeup,
                                 std::atomic<uint64_t>* dropped_total)
    : capacity_(capacity == 0 ? 1 : capacity),
      frames_(frames),
      wakeup_(std::move(wakeup)),
      dropped_total_(dropped_total) {}

void SubscriberQueue::Notify(bool was_empty) {
  if (!was_empty) return;
  cv_.notify_one();
  if (wakeup_) wakeup_();
}

void SubscriberQueue::Push(const std::string* node_id, EventPtr event) {
  if (event->kind == Event::Kind::kFrame && !frames_) return;
  bool was_empty;
  {
    std::lock_guard lock(mu_);
    was_empty = Append(Entry{node_id, std::move(event)}, /*evict=*/true);
  }
  Notify(was_empty);
}

void SubscriberQueue::PushSnapshot(const std::string* node_id, EventPtr event) {
  bool was_empty;
  {
    std::lock_guard lock(mu_);
    was_empty = Append(Entry{node_id, std::move(event)}, /*evict=*/false);
  }
  Notify(was_empty);
}

void SubscriberQueue::PushGap(const std::string* node_id, uint64_t from, uint64_t to,
                              DropReason reason) {
  bool was_empty;
  {
    std::lock_guard lock(mu_);
    was_empty = Append(Entry{node_id, nullptr, from, to, reason, true}, /*evict=*/false);
  }
  Notify(was_empty);
}

bool SubscriberQueue::Append(Entry entry, bool evict) {
  const bool is_frame = entry.event && entry.event->kind == Event::Kind::kFrame;
  if (evict && live_ >= capacity_) EvictOneFor(entry.node_id, is_frame);
  const bool was_empty = live_ == 0;
  if (is_frame) ++nodes_[entry.node_id].queued_frames;
  entries_.push_back(std::move(entry));
  ++live_;
  return was_empty;
}

// Drops the oldest frame that is not the newest of its node (the incoming frame counts as its
// node's newest). When only statuses and lone frames are queued nothing is dropped, so the queue
// may exceed its capacity by at most one frame per node plus status events.
void SubscriberQueue::EvictOneFor(const std::string* incoming_node, bool incoming_is_frame) {
  for (Entry& e : entries_) {
    if (!e.event || e.event->kind != Event::Kind::kFrame) continue;
    PerNode& node = nodes_[e.node_id];
    if (node.queued_frames <= 1 && !(incoming_is_frame && e.node_id == incoming_node)) continue;
    const uint64_t seq = e.event->sequence;
    if (node.gap_from == 0) node.gap_from = seq;
    node.gap_to = seq;
    --node.queued_frames;
    e.event.reset();
    --live_;
    ++frames_dropped_;
    if (dropped_total_ != nullptr) dropped_total_->fetch_add(1, std::memory_order_relaxed);
    break;
  }
  while (!entries_.empty() && !entries_.front().event && !entries_.front().gap) {
    entries_.pop_front();
  }
  CompactIfSparse();
}

void SubscriberQueue::CompactIfSparse() {
  if (entries_.size() <= 2 * live_ + 64) return;
  std::deque<Entry> kept;
  for (Entry& e : entries_) {
    if (e.event || e.gap) kept.push_back(std::move(e));
  }
  entries_.swap(kept);
}

size_t SubscriberQueue::Pop(std::vector<Delivery>& out, size_t max) {
  std::lock_guard lock(mu_);
  size_t n = 0;
  while (n < max && !entries_.empty()) {
    Entry e = std::move(entries_.front());
    entries_.pop_front();
    if (e.gap) {
      --live_;
      out.push_back(Delivery{e.node_id, nullptr, e.gap_from, e.gap_to, e.reason});
      ++n;
      continue;
    }
    if (!e.event) continue;  // evicted
    --live_;
    if (e.event->kind == Event::Kind::kFrame) {
      if (const auto it = nodes_.find(e.node_id); it != nodes_.end()) {
        PerNode& node = it->second;
        if (node.gap_from != 0) {  // the gap goes out right before the node's next frame
          out.push_back(
              Delivery{e.node_id, nullptr, node.gap_from, node.gap_to, DropReason::kSlowConsumer});
          ++n;
          node.gap_from = node.gap_to = 0;
        }
        if (--node.queued_frames == 0) nodes_.erase(it);
      }
    }
    out.push_back(Delivery{e.node_id, std::move(e.event)});
    ++n;
  }
  return n;
}

size_t SubscriberQueue::WaitPop(std::vector<Delivery>& out, size_t max,
                                std::chrono::milliseconds timeout) {
  {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [this] { return live_ > 0; });
  }
  return Pop(out, max);
}

size_t SubscriberQueue::size() const {
  std::lock_guard lock(mu_);
  return live_;
}

uint64_t SubscriberQueue::frames_dropped() const {
  std::lock_guard lock(mu_);
  return frames_dropped_;
}

}  // namespace radarhub::hub
