#pragma once

#include <chrono>
#include <cstdint>
#include <map>
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
// hostile peer cannot turn per-frame problems into a log flood. Thread-safe.
class RateLimiter final {
 public:
  explicit RateLimiter(std::chrono::steady_clock::duration period = std::chrono::seconds(10),
                       size_t max_keys = 100000)
      : period_(period), max_keys_(max_keys) {}

  // Returns 0 when the line must be suppressed, else 1 + the number suppressed since the last one.
  uint64_t Admit(const std::string& key, std::chrono::steady_clock::time_point now);

 private:
  struct Slot {
    std::chrono::steady_clock::time_point last;
    uint64_t suppressed = 0;
  };
  const std::chrono::steady_clock::duration period_;
  const size_t max_keys_;
  std::mutex mu_;
  std::map<std::string, Slot, std::less<>> slots_;  // guarded by mu_
};

}  // namespace radarhub::common
