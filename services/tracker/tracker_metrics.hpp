#pragma once

#include <prometheus/collectable.h>

#include <atomic>
#include <chrono>
#include <cstdint>

#include "node_table.hpp"
#include "radarhub/metrics/families.hpp"

namespace radarhub::tracker {

// The tracker's Prometheus metrics (operations.md). Per-node families are read from the node
// table at scrape time; the data path only bumps atomics. Thread-safe.
class TrackerMetrics final : public prometheus::Collectable {
 public:
  explicit TrackerMetrics(const NodeTable* table = nullptr) : table_(table) {}
  void SetTable(const NodeTable* table) { table_ = table; }

  std::atomic<uint64_t>& reconnects() { return reconnects_; }
  // A node's loop took `frame` from its queue: ingest received_at -> now.
  void FrameDequeued(const v1::DetectionFrame& frame);
  void FrameProcessed() { processed_.fetch_add(1, std::memory_order_relaxed); }
  uint64_t frames_processed() const { return processed_.load(std::memory_order_relaxed); }

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const NodeTable* table_;
  std::atomic<uint64_t> reconnects_{0};
  std::atomic<uint64_t> processed_{0};
  metrics::LatencyHistogram frame_latency_;
};

}  // namespace radarhub::tracker
