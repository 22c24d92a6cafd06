#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace radarhub::auth {

// Failed logins per peer address: after a few free failures an address is refused for a while,
// the while doubling with each further failure (1 s, 2 s, 4 s... up to kMaxBlock), so a token
// brute force gets a handful of guesses a minute instead of thousands a second. A success, or
// kForgetAfter without a failure, clears the address. Bounded: at most `max_addresses` are
// remembered (when full, the ones not blocked are forgotten first). Not thread-safe.
class LoginThrottle final {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int kFreeFailures = 10;
  static constexpr std::chrono::seconds kMaxBlock{300};
  static constexpr std::chrono::seconds kForgetAfter{600};

  explicit LoginThrottle(size_t max_addresses = 100000) : max_addresses_(max_addresses) {}

  // Whether a connection from `address` must be refused now.
  bool Blocked(const std::string& address, Clock::time_point now) const;
  // A login from `address` failed; returns how long it is now refused (zero: not yet).
  Clock::duration Failed(const std::string& address, Clock::time_point now);
  void Succeeded(const std::string& address) { entries_.erase(address); }
  size_t addresses() const { return entries_.size(); }

 private:
  struct Entry {
    int failures = 0;
    Clock::time_point last_failure;
    Clock::time_point blocked_until;
  };
  void MakeRoom(Clock::time_point now);

  const size_t max_addresses_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace radarhub::auth
