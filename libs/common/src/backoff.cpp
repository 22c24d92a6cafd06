#include "radarhub/common/backoff.hpp"

#include <algorithm>

namespace radarhub::common {

Backoff::Backoff(uint64_t seed) : rng_(seed) {}

std::chrono::milliseconds Backoff::Base(int attempt) {
  if (attempt >= 5) return std::chrono::seconds(30);
  return std::chrono::seconds(1 << std::max(attempt, 0));
}

std::chrono::milliseconds Backoff::Next() {
  const auto base = Base(attempt_);
  if (attempt_ < 5) ++attempt_;
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  return std::chrono::milliseconds(
      static_cast<int64_t>(static_cast<double>(base.count()) * jitter(rng_)));
}

}  // namespace radarhub::common
