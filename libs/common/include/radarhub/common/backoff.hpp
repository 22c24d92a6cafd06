#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace radarhub::common {

// Reconnect delays 1, 2, 4, 8, 16, then 30 s steady, each with up to +/-20 % jitter so a fleet
// that lost its server together does not come back in lock-step. Not thread-safe.
class Backoff final {
 public:
  explicit Backoff(uint64_t seed = std::random_device{}());

  std::chrono::milliseconds Next();
  void Reset() { attempt_ = 0; }
  int attempt() const { return attempt_; }

  // The delay before jitter for the given attempt (0-based).
  static std::chrono::milliseconds Base(int attempt);

 private:
  int attempt_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace radarhub::common
