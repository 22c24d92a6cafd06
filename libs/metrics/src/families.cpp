#include "radarhub/metrics/families.hpp"

#include <algorithm>
#include <limits>

namespace radarhub::metrics {

using prometheus::ClientMetric;
using prometheus::MetricFamily;

MetricFamily Family(std::string name, std::string help, prometheus::MetricType type) {
  return MetricFamily{std::move(name), std::move(help), type, {}};
}

void AddGauge(MetricFamily& f, double v, std::vector<ClientMetric::Label> labels) {
  ClientMetric m;
  m.label = std::move(labels);
  m.gauge.value = v;
  f.metric.push_back(std::move(m));
}

void AddCounter(MetricFamily& f, double v, std::vector<ClientMetric::Label> labels) {
  ClientMetric m;
  m.label = std::move(labels);
  m.counter.value = v;
  f.metric.push_back(std::move(m));
}

void LatencyHistogram::Observe(std::chrono::nanoseconds latency) {
  const double seconds = std::chrono::duration<double>(latency).count();
  const auto bucket = static_cast<size_t>(
      std::lower_bound(kBounds.begin(), kBounds.end(), seconds) - kBounds.begin());
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<uint64_t>(std::max<int64_t>(0, latency.count())),
                    std::memory_order_relaxed);
}

uint64_t LatencyHistogram::count() const {
  uint64_t total = 0;
  for (const auto& b : buckets_) total += b.load(std::memory_order_relaxed);
  return total;
}

void LatencyHistogram::AddTo(MetricFamily& f) const {
  ClientMetric h;
  uint64_t cumulative = 0;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    ClientMetric::Bucket b;
    b.cumulative_count = cumulative;
    b.upper_bound = i < kBounds.size() ? kBounds[i] : std::numeric_limits<double>::infinity();
    h.histogram.bucket.push_back(b);
  }
  h.histogram.sample_count = cumulative;
  h.histogram.sample_sum = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
  f.metric.push_back(std::move(h));
}

}  // namespace radarhub::metrics
