#pragma once

#include <prometheus/metric_family.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace radarhub::metrics {

// Building blocks for the services' Collectables: families are assembled at scrape time from
// plain atomics and per-node state, so the data plane never touches a label map.
prometheus::MetricFamily Family(std::string name, std::string help, prometheus::MetricType type);
void AddGauge(prometheus::MetricFamily& f, double v,
              std::vector<prometheus::ClientMetric::Label> labels = {});
void AddCounter(prometheus::MetricFamily& f, double v,
                std::vector<prometheus::ClientMetric::Label> labels = {});

// A latency histogram with fixed buckets from 5 us to 1 s, lock-free to record. Thread-safe.
class LatencyHistogram final {
 public:
  static constexpr std::array<double, 16> kBounds = {5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4,
                                                     5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2,
                                                     5e-2, 0.1,  0.25,   1.0};
  void Observe(std::chrono::nanoseconds latency);
  uint64_t count() const;
  // Appends one histogram sample to `f`.
  void AddTo(prometheus::MetricFamily& f) const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<uint64_t> sum_ns_{0};
};

}  // namespace radarhub::metrics
