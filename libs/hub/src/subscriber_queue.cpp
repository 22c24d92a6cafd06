#include "radarhub/hub/subscriber_queue.hpp"

namespace radarhub::hub {

SubscriberQueue::SubscriberQueue(size_t capacity, bool frames, std::function<void()> wakeup,
                                 std::atomic<uint64_t>* dropped_total, QueueBudget* budget)
    : capacity_(capacity == 0 ? 1 : capacity),
      frames_(frames),
      budget_(budget),
      wakeup_(std::move(wakeup)),
      dropped_total_(dropped_total) {}

SubscriberQueue::~SubscriberQueue() {
  if (budget_ != nullptr) budget_->used.fetch_sub(frame_bytes_, std::memory_order_relaxed);
}

void SubscriberQueue::Notify(bool was_empty) {
  if (!was_empty) return;
  cv_.notify_one();
  if (wakeup_) wakeup_();
}

void SubscriberQueue::Push(const NodeName& node_id, EventPtr event) {
  if (event->kind == Event::Kind::kFrame && !frames_) return;
  bool was_empty;
  {
    std::lock_guard lock(mu_);
    was_empty = Append(Entry{node_id, std::move(event)}, /*evict=*/true);
  }
  Notify(was_empty);
}

void SubscriberQueue::PushSnapshot(const NodeName& node_id, EventPtr event) {
  bool was_empty;
  {
    std::lock_guard lock(mu_);
    was_empty = Append(Entry{node_id, std::move(event)}, /*evict=*/false);
  }
  Notify(was_empty);
}

void SubscriberQueue::PushGap(const NodeName& node_id, uint64_t from, uint64_t to,
                              DropReason reason) {
  bool was_empty;
  {
    std::lock_guard lock(mu_);
    was_empty = Append(Entry{node_id, nullptr, from, to, reason, true}, /*evict=*/false);
  }
  Notify(was_empty);
}

bool SubscriberQueue::Append(Entry entry, bool evict) {
  if (overflowed_) return false;
  const bool is_frame = entry.event && entry.event->kind == Event::Kind::kFrame;
  if (!is_frame && evict && keep_ >= 2 * capacity_) {
    overflowed_ = true;  // wake the consumer so its owner ends the subscription
    return true;
  }
  if (evict && live_ >= capacity_) EvictOneFor(entry.node_id.get(), is_frame);
  if (evict && is_frame && budget_ != nullptr) {
    // Only while the budget is spent: a stream catching up on a resume keeps its backlog as long
    // as there is room.
    const size_t size = entry.event->payload.size();
    const size_t share = budget_->share.load(std::memory_order_relaxed);
    while (budget_->used.load(std::memory_order_relaxed) + size > budget_->limit &&
           frame_bytes_ + size > share && EvictOneFor(entry.node_id.get(), is_frame)) {
    }
  }
  const bool was_empty = live_ == 0;
  if (is_frame) {
    frame_bytes_ += entry.event->payload.size();
    if (budget_ != nullptr) {
      budget_->used.fetch_add(entry.event->payload.size(), std::memory_order_relaxed);
    }
    ++nodes_[entry.node_id.get()].queued_frames;
    frame_positions_.push_back(head_position_ + entries_.size());
  } else {
    ++keep_;
  }
  entries_.push_back(std::move(entry));
  ++live_;
  return was_empty;
}

// Drops the oldest frame that is not the newest of its node (the incoming frame counts as its
// node's newest). When only statuses and lone frames are queued nothing is dropped, so the queue
// may exceed its capacity by at most one frame per node plus status events. Costs O(1) plus one
// step per lone frame ahead of the victim (at most one per node), whatever else is queued.
bool SubscriberQueue::EvictOneFor(const std::string* incoming_node, bool incoming_is_frame) {
  bool evicted = false;
  for (auto it = frame_positions_.begin(); it != frame_positions_.end(); ++it) {
    Entry& e = entries_[*it - head_position_];
    PerNode& node = nodes_[e.node_id.get()];
    if (node.queued_frames <= 1 && !(incoming_is_frame && e.node_id.get() == incoming_node)) {
      continue;
    }
    const uint64_t seq = e.event->sequence;
    if (node.gap_from == 0) node.gap_from = seq;
    node.gap_to = seq;
    --node.queued_frames;
    frame_bytes_ -= e.event->payload.size();
    if (budget_ != nullptr) {
      budget_->used.fetch_sub(e.event->payload.size(), std::memory_order_relaxed);
    }
    e.event.reset();
    evicted = true;
    --live_;
    ++frames_dropped_;
    if (dropped_total_ != nullptr) dropped_total_->fetch_add(1, std::memory_order_relaxed);
    frame_positions_.erase(it);
    break;
  }
  while (!entries_.empty() && !entries_.front().event && !entries_.front().gap) PopFront();
  CompactIfSparse();
  return evicted;
}

void SubscriberQueue::PopFront() {
  entries_.pop_front();
  ++head_position_;
}

void SubscriberQueue::CompactIfSparse() {
  if (entries_.size() <= 2 * live_ + 64) return;
  std::deque<Entry> kept;
  frame_positions_.clear();
  for (Entry& e : entries_) {
    if (!e.event && !e.gap) continue;
    if (e.event && e.event->kind == Event::Kind::kFrame) {
      frame_positions_.push_back(head_position_ + kept.size());
    }
    kept.push_back(std::move(e));
  }
  entries_.swap(kept);
}

size_t SubscriberQueue::Pop(std::vector<Delivery>& out, size_t max, size_t max_bytes) {
  constexpr size_t kGapBytes = 32;  // about what a dropped event adds to a response
  std::lock_guard lock(mu_);
  size_t n = 0, bytes = 0, popped_frame_bytes = 0;
  while (n < max && !entries_.empty()) {
    Entry& e = entries_.front();
    if (e.gap) {
      if (n > 0 && bytes + kGapBytes > max_bytes) break;
      out.push_back(Delivery{std::move(e.node_id), nullptr, e.gap_from, e.gap_to, e.reason});
      --live_;
      --keep_;
      PopFront();
      ++n;
      bytes += kGapBytes;
      continue;
    }
    if (!e.event) {  // evicted
      PopFront();
      continue;
    }
    const size_t size = e.event->payload.size();
    const bool is_frame = e.event->kind == Event::Kind::kFrame;
    const auto node = is_frame ? nodes_.find(e.node_id.get()) : nodes_.end();
    const bool gap_first = node != nodes_.end() && node->second.gap_from != 0;
    // A frame's pending gap goes out right before it, in the same batch when both fit.
    const size_t extra = gap_first ? kGapBytes : 0;
    if (n > 0 && (n + (gap_first ? 2 : 1) > max || bytes + size + extra > max_bytes)) break;
    if (gap_first) {
      PerNode& pn = node->second;
      out.push_back(
          Delivery{e.node_id, nullptr, pn.gap_from, pn.gap_to, DropReason::kSlowConsumer});
      pn.gap_from = pn.gap_to = 0;
      ++n;
      bytes += kGapBytes;
      if (n >= max) break;  // max 1: the frame goes out alone next time
    }
    if (is_frame) {
      frame_bytes_ -= size;
      popped_frame_bytes += size;
      frame_positions_.pop_front();  // frames leave in order: it is the oldest queued frame
      if (node != nodes_.end() && --node->second.queued_frames == 0) nodes_.erase(node);
    } else {
      --keep_;
    }
    --live_;
    out.push_back(Delivery{std::move(e.node_id), std::move(e.event)});
    PopFront();
    ++n;
    bytes += size;
  }
  if (budget_ != nullptr && popped_frame_bytes != 0) {
    budget_->used.fetch_sub(popped_frame_bytes, std::memory_order_relaxed);
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

bool SubscriberQueue::overflowed() const {
  std::lock_guard lock(mu_);
  return overflowed_;
}

uint64_t SubscriberQueue::frames_dropped() const {
  std::lock_guard lock(mu_);
  return frames_dropped_;
}

size_t SubscriberQueue::frame_bytes() const {
  std::lock_guard lock(mu_);
  return frame_bytes_;
}

}  // namespace radarhub::hub
