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

// A reloaded token file: the new token replaces the old at once; an empty one turns checks off.
TEST(ApiTokenGuardTest, ResetReplacesTheToken) {
  ApiTokenGuard guard("old");
  guard.Reset("new");
  EXPECT_TRUE(guard.Accepts("Bearer new"));
  EXPECT_FALSE(guard.Accepts("Bearer old"));
  guard.Reset("");
  EXPECT_FALSE(guard.enabled());
}

TEST(BearerTokenTest, AuthorizationFollowsSet) {
  BearerToken token;
  EXPECT_EQ(*token.Authorization(), "");
  token.Set("abc");
  const auto held = token.Authorization();
  token.Set("def");
  EXPECT_EQ(*held, "Bearer abc") << "a value handed out stays valid";
  EXPECT_EQ(*token.Authorization(), "Bearer def");
  token.Set("");
  EXPECT_EQ(*token.Authorization(), "");
}

}  // namespace
}  // namespace radarhub::rpc
