#pragma once

#include <chrono>
#include <thread>

namespace radarhub::testing {

// Polls `condition` until it holds or `timeout` passes: tests wait on conditions, never on luck.
template <typename Condition>
bool WaitFor(Condition&& condition, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

}  // namespace radarhub::testing
