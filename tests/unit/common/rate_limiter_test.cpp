#include <gtest/gtest.h>

#include "radarhub/common/log.hpp"

namespace radarhub::common {
namespace {

using namespace std::chrono_literals;

TEST(RateLimiterTest, OneLinePerKeyPerPeriodWithSuppressedCount) {
  RateLimiter limiter(10s);
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  EXPECT_EQ(limiter.Admit("radar1/invalid_json", t0), 1u);
  EXPECT_EQ(limiter.Admit("radar1/invalid_json", t0 + 1s), 0u);
  EXPECT_EQ(limiter.Admit("radar1/invalid_json", t0 + 2s), 0u);
  EXPECT_EQ(limiter.Admit("radar2/invalid_json", t0 + 2s), 1u) << "keys are independent";
  EXPECT_EQ(limiter.Admit("radar1/invalid_json", t0 + 10s), 3u) << "this one plus two held back";
}

}  // namespace
}  // namespace radarhub::common
