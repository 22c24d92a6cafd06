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

TEST(RateLimiterTest, AdmitCarriesEventsCountedElsewhere) {
  RateLimiter limiter(10s);
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  EXPECT_EQ(limiter.Admit("radar1/x", t0, 5), 5u);
  EXPECT_EQ(limiter.Admit("radar1/x", t0 + 1s, 7), 0u);
  EXPECT_EQ(limiter.Admit("radar1/x", t0 + 10s, 2), 9u);
  EXPECT_EQ(limiter.calls(), 3u);
}

// 100,000 node ids each logging once would be 100,000 lines: the budget over all keys holds them
// to max_lines per period, and a held-back key's next line carries its count.
TEST(RateLimiterTest, ManyKeysShareOneBudgetPerPeriod) {
  RateLimiter limiter(10s, 100000, /*max_lines=*/100);
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  int admitted = 0;
  for (int i = 0; i < 10000; ++i) admitted += limiter.Admit("id" + std::to_string(i), t0) != 0;
  EXPECT_EQ(admitted, 100);
  EXPECT_EQ(limiter.TakeOverBudget(), 9900u);
  EXPECT_EQ(limiter.TakeOverBudget(), 0u);
  EXPECT_EQ(limiter.Admit("id5000", t0 + 10s), 2u) << "its held line, and this one";
}

TEST(LocalRateLimiterTest, OneLinePerReasonPerPeriodWithHeldBackCount) {
  LocalRateLimiter limiter(10s);
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  EXPECT_EQ(limiter.Admit("invalid_json", t0), 1u);
  EXPECT_EQ(limiter.Admit("invalid_json", t0 + 1s), 0u);
  EXPECT_EQ(limiter.Admit("deduplicated", t0 + 1s), 1u) << "reasons are independent";
  EXPECT_EQ(limiter.Admit("invalid_json", t0 + 9s), 0u);
  EXPECT_EQ(limiter.Admit("invalid_json", t0 + 10s), 3u) << "this one plus two held back";
  EXPECT_EQ(limiter.Admit("deduplicated", t0 + 10s), 0u) << "its period began at 1 s";
  EXPECT_EQ(limiter.Admit("deduplicated", t0 + 11s), 2u);
}

}  // namespace
}  // namespace radarhub::common
