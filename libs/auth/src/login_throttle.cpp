#include "radarhub/auth/login_throttle.hpp"

#include <algorithm>

namespace radarhub::auth {

bool LoginThrottle::Blocked(const std::string& address, Clock::time_point now) const {
  const auto it = entries_.find(address);
  return it != entries_.end() && now < it->second.blocked_until;
}

LoginThrottle::Clock::duration LoginThrottle::Failed(const std::string& address,
                                                     Clock::time_point now) {
  auto it = entries_.find(address);
  if (it != entries_.end() && now - it->second.last_failure > kForgetAfter) {
    entries_.erase(it);
    it = entries_.end();
  }
  if (it == entries_.end()) {
    if (entries_.size() >= max_addresses_) MakeRoom(now);
    it = entries_.emplace(address, Entry{}).first;
  }
  Entry& e = it->second;
  ++e.failures;
  e.last_failure = now;
  if (e.failures <= kFreeFailures) return Clock::duration::zero();
  const int doublings = std::min(e.failures - kFreeFailures - 1, 16);
  const Clock::duration block =
      std::min<Clock::duration>(std::chrono::seconds(int64_t{1} << doublings), kMaxBlock);
  e.blocked_until = now + block;
  return block;
}

void LoginThrottle::MakeRoom(Clock::time_point now) {
  std::erase_if(entries_, [&](const auto& kv) {
    return now - kv.second.last_failure > kForgetAfter || now >= kv.second.blocked_until;
  });
  if (entries_.size() >= max_addresses_) entries_.clear();  // a flood of blocked addresses
}

}  // namespace radarhub::auth
