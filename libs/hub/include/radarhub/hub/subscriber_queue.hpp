#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "radarhub/hub/event.hpp"

namespace radarhub::hub {

// Bytes of frames queued for every subscriber together (the hub's --subscriber-memory): while they
// are over `limit`, a queue holding more than `share` drops its oldest frames.
struct QueueBudget {
  size_t limit = 0;
  std::atomic<size_t> share{SIZE_MAX};  // limit / subscribers
  std::atomic<size_t> used{0};
};

// A bounded queue of events for one subscriber. When full, the oldest frames are dropped, but
// never a status event nor the newest queued frame of a node; each node's dropped range is
// announced just before that node's next delivered frame. Push never waits on the consumer: the
// lock is held only for O(1) work (amortized), so a slow subscriber cannot slow a producer.
// Thread-safe: any number of producers and one consumer.
class SubscriberQueue final {
 public:
  // `wakeup` runs (outside the lock, on the producer's thread) whenever the queue goes from empty
  // to non-empty; it must not block.
  // `dropped_total`, if given, also counts every frame this queue drops (a process-wide metric).
  // `budget`, if given, bounds the bytes of frames queued by all the queues sharing it: while they
  // are over its limit, a queue over its share drops its oldest frames as when it is full.
  SubscriberQueue(size_t capacity, bool frames, std::function<void()> wakeup = {},
                  std::atomic<uint64_t>* dropped_total = nullptr, QueueBudget* budget = nullptr);
  ~SubscriberQueue();

  // Producer side.
  void Push(const NodeName& node_id, EventPtr event);
  // Snapshot side (hub only, before the subscriber is live): no eviction, explicit gaps.
  void PushSnapshot(const NodeName& node_id, EventPtr event);
  void PushGap(const NodeName& node_id, uint64_t from, uint64_t to, DropReason reason);

  // Consumer side: moves up to `max` deliveries into `out`, stopping before the payloads pass
  // `max_bytes` (at least one delivery is always taken); returns how many.
  size_t Pop(std::vector<Delivery>& out, size_t max, size_t max_bytes = SIZE_MAX);
  // As Pop, waiting up to `timeout` for the first one (tests, simple consumers).
  size_t WaitPop(std::vector<Delivery>& out, size_t max, std::chrono::milliseconds timeout);

  bool frames() const { return frames_; }
  // More entries that may never be dropped (statuses, gaps) are queued than 2 x capacity: the
  // consumer has stopped reading while nodes churn. From then on pushes are ignored; the owner
  // should end the subscription.
  bool overflowed() const;
  size_t size() const;
  uint64_t frames_dropped() const;
  // Bytes of the frames queued now.
  size_t frame_bytes() const;

 private:
  struct Entry {
    NodeName node_id;
    EventPtr event;  // null: tombstone (evicted) or explicit gap
    uint64_t gap_from = 0, gap_to = 0;
    DropReason reason = DropReason::kSlowConsumer;
    bool gap = false;
  };
  struct PerNode {
    uint32_t queued_frames = 0;
    uint64_t gap_from = 0, gap_to = 0;  // pending slow_consumer gap, announced before next frame
  };

  bool Append(Entry entry, bool evict);  // true: the consumer must be woken
  void PopFront();
  bool EvictOneFor(const std::string* incoming_node, bool incoming_is_frame);
  void CompactIfSparse();
  void Notify(bool was_empty);

  const size_t capacity_;
  const bool frames_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Entry> entries_;  // guarded by mu_
  size_t live_ = 0;            // guarded by mu_: non-tombstones
  // guarded by mu_: keyed by the NodeName's string, which a queued frame of the node keeps alive
  std::unordered_map<const std::string*, PerNode> nodes_;
  uint64_t frames_dropped_ = 0;  // guarded by mu_
  size_t frame_bytes_ = 0;       // guarded by mu_: payloads of frames
  QueueBudget* const budget_;
  // Eviction looks only at frames: positions (counted from the first entry ever queued) of the
  // queued frames, oldest first, so statuses piling up never make a push slower.
  std::deque<uint64_t> frame_positions_;  // guarded by mu_
  uint64_t head_position_ = 0;            // guarded by mu_: position of entries_.front()
  size_t keep_ = 0;                       // guarded by mu_: queued statuses and gaps
  bool overflowed_ = false;               // guarded by mu_
  const std::function<void()> wakeup_;
  std::atomic<uint64_t>* const dropped_total_;
};

}  // namespace radarhub::hub
