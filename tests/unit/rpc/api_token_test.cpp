#include "radarhub/rpc/api_token.hpp"

#include <gtest/gtest.h>

namespace radarhub::rpc {
namespace {

TEST(ApiTokenGuardTest, WithoutATokenEveryCallPasses) {
  const ApiTokenGuard guard;
  EXPECT_FALSE(guard.enabled());
  EXPECT_TRUE(guard.Accepts(""));
}

TEST(ApiTokenGuardTest, AcceptsOnlyTheBearerToken) {
  const ApiTokenGuard guard("t0ken");
  EXPECT_TRUE(guard.enabled());
  EXPECT_TRUE(guard.Accepts("Bearer t0ken"));
  EXPECT_TRUE(guard.Accepts("bearer t0ken"));  // the scheme is case-insensitive
  EXPECT_FALSE(guard.Accepts("Bearer t0ke"));
  EXPECT_FALSE(guard.Accepts("Bearer t0ken "));
  EXPECT_FALSE(guard.Accepts("Bearer T0KEN"));
  EXPECT_FALSE(guard.Accepts("t0ken"));
  EXPECT_FALSE(guard.Accepts("Basic t0ken"));
  EXPECT_FALSE(guard.Accepts(""));
}

}  // namespace
}  // namespace radarhub::rpc
