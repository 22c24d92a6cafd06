#pragma once

#include <prometheus/collectable.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "radarhub/metrics/families.hpp"
#include "radarhub/protocol/reject.hpp"

namespace radarhub::registry {
class NodeRegistry;
}
namespace radarhub::hub {
class Hub;
}

namespace radarhub::ingest {

// Why a node connection was closed (protocol.md); label `reason` of connections_closed_total.
enum class CloseReason : uint8_t {
  kAuth,
  kBadHello,
  kAuthTimeout,
  kNodeMismatch,
  kSuperseded,
  kIdle,
  kLimit,
  kPeerClosed,
  kError,
  kShutdown,
  kAuthThrottled,  // refused at accept: too many failed logins from the address lately
  kAdmin,          // an operator's DisconnectNode or ForgetNode
  kCount,
};
std::string_view CloseReasonName(CloseReason reason);

// Rejections beyond the parser's: line_too_long and unknown_type.
enum class ExtraReject : uint8_t { kLineTooLong, kUnknownType, kCount };
std::string_view ExtraRejectName(ExtraReject reason);

// The ingest's Prometheus metrics. The data plane only bumps relaxed atomics; per-node families
// are read from the registry at scrape time, so a frame costs no label lookups. Thread-safe.
class IngestMetrics final : public prometheus::Collectable {
 public:
  IngestMetrics(const registry::NodeRegistry& registry, const hub::Hub& hub)
      : registry_(registry), hub_(hub) {}

  void ConnectionOpened() { connections_.fetch_add(1, std::memory_order_relaxed); }
  void ConnectionClosed(CloseReason reason) {
    connections_.fetch_sub(1, std::memory_order_relaxed);
    closed_[static_cast<size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
  }
  // A connection refused before it counted as open (above the limit).
  void ConnectionRefused(CloseReason reason) {
    closed_[static_cast<size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
  }
  void Rejected(protocol::Reject reason) {
    rejected_[static_cast<size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
  }
  void Rejected(ExtraReject reason) {
    extra_rejected_[static_cast<size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
  }
  void PublishLatency(std::chrono::nanoseconds latency) { publish_latency_.Observe(latency); }
  // Reports the events waiting in every Subscribe stream's queue (set once, before serving).
  void SetQueuedEventsProbe(std::function<uint64_t()> probe) { queued_events_ = std::move(probe); }
  // Bytes of unfinished lines every connection's framer holds, together (--line-memory).
  std::atomic<size_t>& partial_line_bytes() { return partial_line_bytes_; }
  size_t partial_line_bytes() const { return partial_line_bytes_.load(std::memory_order_relaxed); }
  void NodesForgotten(size_t n) { forgotten_.fetch_add(n, std::memory_order_relaxed); }
  void SubscriberOpened() { subscribers_.fetch_add(1, std::memory_order_relaxed); }
  void SubscriberClosed() { subscribers_.fetch_sub(1, std::memory_order_relaxed); }

  int64_t connections() const { return connections_.load(std::memory_order_relaxed); }
  int64_t subscribers() const { return subscribers_.load(std::memory_order_relaxed); }
  uint64_t closed(CloseReason reason) const { return closed_[static_cast<size_t>(reason)].load(); }
  uint64_t rejected(protocol::Reject reason) const {
    return rejected_[static_cast<size_t>(reason)].load();
  }
  uint64_t rejected(ExtraReject reason) const {
    return extra_rejected_[static_cast<size_t>(reason)].load();
  }

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const registry::NodeRegistry& registry_;
  const hub::Hub& hub_;
  std::atomic<int64_t> connections_{0};
  std::atomic<int64_t> subscribers_{0};
  std::atomic<size_t> partial_line_bytes_{0};
  std::atomic<uint64_t> forgotten_{0};
  std::function<uint64_t()> queued_events_;  // Subscribe streams (not the hub's internal listeners)
  std::array<std::atomic<uint64_t>, static_cast<size_t>(CloseReason::kCount)> closed_{};
  std::array<std::atomic<uint64_t>, static_cast<size_t>(protocol::Reject::kCount)> rejected_{};
  std::array<std::atomic<uint64_t>, static_cast<size_t>(ExtraReject::kCount)> extra_rejected_{};
  metrics::LatencyHistogram publish_latency_;
};

}  // namespace radarhub::ingest
