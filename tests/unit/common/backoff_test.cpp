#include "radarhub/common/backoff.hpp"

#include <gtest/gtest.h>

namespace radarhub::common {
namespace {

TEST(BackoffTest, DoublesFromOneSecondThenHoldsAtThirty) {
  const int expected_s[] = {1, 2, 4, 8, 16, 30, 30, 30};
  Backoff backoff(42);
  for (const int s : expected_s) {
    const auto d = backoff.Next().count();
    EXPECT_GE(d, s * 800) << s;
    EXPECT_LE(d, s * 1200) << s;
  }
}

TEST(BackoffTest, JitterSpreadsAFleet) {
  Backoff a(1), b(2);
  EXPECT_NE(a.Next(), b.Next());
}

TEST(BackoffTest, ResetStartsOver) {
  Backoff backoff(7);
  for (int i = 0; i < 6; ++i) backoff.Next();
  backoff.Reset();
  EXPECT_LE(backoff.Next().count(), 1200);
}

}  // namespace
}  // namespace radarhub::common
