#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace radarhub::common {

enum class LogLevel { kDebug, kInfo, kWarn, kError };
enum class LogFormat { kText, kJson };

bool ParseLogLevel(std::string_view text, LogLevel& out);
bool ParseLogFormat(std::string_view text, LogFormat& out);

// One event per line on stderr. Fields are key/value pairs; values may be untrusted (node ids,
// peer input) and are escaped in both formats. Thread-safe: each line is one write(2).
class Logger final {
 public:
  using Fields = std::vector<std::pair<std::string_view, std::string>>;

  static void Configure(LogLevel level, LogFormat format);
  static bool Enabled(LogLevel level);
  static void Write(LogLevel level, std::string_view event, const Fields& fields = {});
};

inline void LogInfo(std::string_view event, const Logger::Fields& f = {}) {
  Logger::Write(LogLevel::kInfo, event, f);
}
inline void LogWarn(std::string_view event, const Logger::Fields& f = {}) {
  Logger::Write(LogLevel::kWarn, event, f);
}
inline void LogError(std::string_view event, const Logger::Fields& f = {}) {
  Logger::Write(LogLevel::kError, event, f);
}

// Lets through at most one line per key per period and reports how many were held back, so a
// hostile peer cannot turn per-frame problems into a log flood; and at most `max_lines` per period
// over all keys, so neither can a flood of keys (100,000 made-up node ids). Thread-safe.
class RateLimiter final {
 public:
  explicit RateLimiter(std::chrono::steady_clock::duration period = std::chrono::seconds(10),
                       size_t max_keys = 100000, uint64_t max_lines = 1000)
      : period_(period), max_keys_(max_keys), max_lines_(max_lines) {}

  // Returns 0 when the line must be suppressed, else the number of events since the last line
  // (`events`: how many this call stands for, e.g. a LocalRateLimiter's count).
  uint64_t Admit(const std::string& key, std::chrono::steady_clock::time_point now,
                 uint64_t events = 1);
  std::chrono::steady_clock::duration period() const { return period_; }
  // Calls of Admit so far: each takes the lock, which the data plane avoids (LocalRateLimiter).
  uint64_t calls() const { return calls_.load(std::memory_order_relaxed); }
  // Lines held back by the max_lines budget since the last call (their keys' next lines carry
  // them too, if those keys come again): for one summary line now and then.
  uint64_t TakeOverBudget();

 private:
  struct Slot {
    std::chrono::steady_clock::time_point last;
    uint64_t suppressed = 0;
  };
  // Whether the budget has room for one more line at `now` (and counts it). Under mu_.
  bool SpendLocked(std::chrono::steady_clock::time_point now);

  const std::chrono::steady_clock::duration period_;
  const size_t max_keys_;
  const uint64_t max_lines_;
  std::atomic<uint64_t> calls_{0};
  std::mutex mu_;
  std::map<std::string, Slot, std::less<>> slots_;        // guarded by mu_
  std::chrono::steady_clock::time_point window_start_{};  // guarded by mu_
  uint64_t window_lines_ = 0;                             // guarded by mu_
  uint64_t over_budget_ = 0;                              // guarded by mu_
};

// The same for one owner on one thread (a connection): reasons are a few string literals, so
// holding a line back takes no lock, builds no key and allocates nothing; a line it lets through
// then goes to the shared RateLimiter (per node, across reconnections) with the count held here.
// Holds no memory until the first Admit.
class LocalRateLimiter final {
 public:
  explicit LocalRateLimiter(std::chrono::steady_clock::duration period) : period_(period) {}

  // 0 when held back here, else 1 + the number held back for `reason` since its last line.
  // `reason` must outlive the limiter (a literal).
  uint64_t Admit(std::string_view reason, std::chrono::steady_clock::time_point now);

 private:
  struct Slot {
    std::string_view reason;
    std::chrono::steady_clock::time_point next{};
    uint64_t held = 0;
  };
  static constexpr size_t kSlots = 16;  // more reasons than the protocol has
  const std::chrono::steady_clock::duration period_;
  std::unique_ptr<std::array<Slot, kSlots>> slots_;
};

}  // namespace radarhub::common
