#include "radarhub/common/log.hpp"

#include <unistd.h>

#include <atomic>
#include <ctime>
#include <utility>

namespace radarhub::common {
namespace {

std::atomic<LogLevel> g_level{LogLevel::kInfo};
std::atomic<LogFormat> g_format{LogFormat::kText};

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20 || u == 0x7f) {
      out += "\\u00";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

// Text values are quoted only when needed; control bytes are escaped so a line stays one line.
void AppendTextValue(std::string& out, std::string_view s) {
  bool plain = !s.empty();
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '"' || c == '=' || c == '\\') plain = false;
  }
  if (plain) {
    out += s;
  } else {
    AppendJsonString(out, s);
  }
}

}  // namespace

bool ParseLogLevel(std::string_view text, LogLevel& out) {
  if (text == "debug")
    out = LogLevel::kDebug;
  else if (text == "info")
    out = LogLevel::kInfo;
  else if (text == "warn" || text == "warning")
    out = LogLevel::kWarn;
  else if (text == "error")
    out = LogLevel::kError;
  else
    return false;
  return true;
}

bool ParseLogFormat(std::string_view text, LogFormat& out) {
  if (text == "text")
    out = LogFormat::kText;
  else if (text == "json")
    out = LogFormat::kJson;
  else
    return false;
  return true;
}

void Logger::Configure(LogLevel level, LogFormat format) {
  g_level = level;
  g_format = format;
}

bool Logger::Enabled(LogLevel level) { return level >= g_level.load(std::memory_order_relaxed); }

void Logger::Write(LogLevel level, std::string_view event, const Fields& fields) {
  if (!Enabled(level)) return;
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  tm utc{};
  gmtime_r(&ts.tv_sec, &utc);
  char time_buf[40];
  const size_t n = strftime(time_buf, sizeof time_buf, "%Y-%m-%dT%H:%M:%S", &utc);
  snprintf(time_buf + n, sizeof time_buf - n, ".%03ldZ", ts.tv_nsec / 1000000);

  std::string line;
  line.reserve(128);
  if (g_format.load(std::memory_order_relaxed) == LogFormat::kJson) {
    line += "{\"time\":\"";
    line += time_buf;
    line += "\",\"level\":\"";
    line += LevelName(level);
    line += "\",\"event\":";
    AppendJsonString(line, event);
    for (const auto& [key, value] : fields) {
      line.push_back(',');
      AppendJsonString(line, key);
      line.push_back(':');
      AppendJsonString(line, value);
    }
    line += "}\n";
  } else {
    line += time_buf;
    line.push_back(' ');
    line += LevelName(level);
    line.push_back(' ');
    line += event;
    for (const auto& [key, value] : fields) {
      line.push_back(' ');
      line += key;
      line.push_back('=');
      AppendTextValue(line, value);
    }
    line.push_back('\n');
  }
  // One write per line keeps lines whole when threads log at once.
  [[maybe_unused]] const auto written = ::write(STDERR_FILENO, line.data(), line.size());
}

uint64_t RateLimiter::Admit(const std::string& key, std::chrono::steady_clock::time_point now,
                            uint64_t events) {
  calls_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  auto it = slots_.find(key);
  if (it == slots_.end()) {
    if (slots_.size() >= max_keys_) slots_.clear();  // bounded memory under key floods
    if (!SpendLocked(now)) {
      // Held for the key's next line, which may come as soon as the budget allows.
      slots_.emplace(key, Slot{now - period_, events});
      return 0;
    }
    slots_.emplace(key, Slot{now, 0});
    return events;
  }
  Slot& slot = it->second;
  if (now - slot.last < period_ || !SpendLocked(now)) {
    slot.suppressed += events;
    return 0;
  }
  const uint64_t admitted = slot.suppressed + events;
  slot.last = now;
  slot.suppressed = 0;
  return admitted;
}

bool RateLimiter::SpendLocked(std::chrono::steady_clock::time_point now) {
  if (now - window_start_ >= period_) {
    window_start_ = now;
    window_lines_ = 0;
  }
  if (window_lines_ >= max_lines_) {
    ++over_budget_;
    return false;
  }
  ++window_lines_;
  return true;
}

uint64_t RateLimiter::TakeOverBudget() {
  std::lock_guard lock(mu_);
  return std::exchange(over_budget_, 0);
}

uint64_t LocalRateLimiter::Admit(std::string_view reason,
                                 std::chrono::steady_clock::time_point now) {
  if (!slots_) slots_ = std::make_unique<std::array<Slot, kSlots>>();
  Slot* slot = nullptr;
  for (Slot& s : *slots_) {
    if (s.reason == reason || s.reason.empty()) {
      slot = &s;
      break;
    }
  }
  if (slot == nullptr) slot = &slots_->back();  // unreachable with the protocol's reasons
  slot->reason = reason;
  if (now < slot->next) {
    ++slot->held;
    return 0;
  }
  const uint64_t admitted = slot->held + 1;
  slot->next = now + period_;
  slot->held = 0;
  return admitted;
}

}  // namespace radarhub::common
