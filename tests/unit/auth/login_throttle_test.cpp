#include "radarhub/auth/login_throttle.hpp"

#include <gtest/gtest.h>

namespace radarhub::auth {
namespace {

using namespace std::chrono_literals;
using Clock = LoginThrottle::Clock;

TEST(LoginThrottleTest, FreeFailuresThenADoublingRefusal) {
  LoginThrottle throttle;
  const auto t0 = Clock::time_point{} + 1h;
  for (int i = 0; i < LoginThrottle::kFreeFailures; ++i) {
    EXPECT_EQ(throttle.Failed("10.0.0.1", t0), Clock::duration::zero());
  }
  EXPECT_FALSE(throttle.Blocked("10.0.0.1", t0));
  EXPECT_EQ(throttle.Failed("10.0.0.1", t0), Clock::duration(1s));
  EXPECT_TRUE(throttle.Blocked("10.0.0.1", t0 + 999ms));
  EXPECT_FALSE(throttle.Blocked("10.0.0.1", t0 + 1s));
  EXPECT_FALSE(throttle.Blocked("10.0.0.2", t0)) << "addresses are independent";
  EXPECT_EQ(throttle.Failed("10.0.0.1", t0 + 1s), Clock::duration(2s));
  EXPECT_EQ(throttle.Failed("10.0.0.1", t0 + 3s), Clock::duration(4s));
  for (int i = 0; i < 20; ++i) throttle.Failed("10.0.0.1", t0 + 10s);
  EXPECT_EQ(throttle.Failed("10.0.0.1", t0 + 10s), Clock::duration(LoginThrottle::kMaxBlock));
}

TEST(LoginThrottleTest, SuccessOrQuietClearsTheAddress) {
  LoginThrottle throttle;
  const auto t0 = Clock::time_point{} + 1h;
  for (int i = 0; i <= LoginThrottle::kFreeFailures; ++i) throttle.Failed("a", t0);
  throttle.Succeeded("a");
  EXPECT_FALSE(throttle.Blocked("a", t0));
  EXPECT_EQ(throttle.Failed("a", t0), Clock::duration::zero());
  for (int i = 0; i < LoginThrottle::kFreeFailures; ++i) throttle.Failed("b", t0);
  EXPECT_EQ(throttle.Failed("b", t0 + LoginThrottle::kForgetAfter + 1s), Clock::duration::zero())
      << "failures long ago are forgotten";
}

TEST(LoginThrottleTest, RemembersABoundedNumberOfAddresses) {
  LoginThrottle throttle(100);
  const auto t0 = Clock::time_point{} + 1h;
  for (int i = 0; i < 10000; ++i) throttle.Failed("10.0." + std::to_string(i), t0);
  EXPECT_LE(throttle.addresses(), 100u);
}

}  // namespace
}  // namespace radarhub::auth
