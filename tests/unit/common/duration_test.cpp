#include "radarhub/common/duration.hpp"

#include <gtest/gtest.h>

namespace radarhub::common {
namespace {

using namespace std::chrono_literals;

TEST(DurationTest, UnitsAndBareSeconds) {
  EXPECT_EQ(ParseDuration("250ms"), 250ms);
  EXPECT_EQ(ParseDuration("5s"), 5s);
  EXPECT_EQ(ParseDuration("2m"), 2min);
  EXPECT_EQ(ParseDuration("1h"), 1h);
  EXPECT_EQ(ParseDuration("30"), 30s);
  EXPECT_EQ(ParseDuration("1.5s"), 1500ms);
  EXPECT_EQ(ParseDuration("0"), 0s);
}

TEST(DurationTest, MalformedIsRejected) {
  EXPECT_FALSE(ParseDuration(""));
  EXPECT_FALSE(ParseDuration("s"));
  EXPECT_FALSE(ParseDuration("5 s"));
  EXPECT_FALSE(ParseDuration("5days"));
  EXPECT_FALSE(ParseDuration("-1s"));
  EXPECT_FALSE(ParseDuration("nan"));
  EXPECT_FALSE(ParseDuration("1e30h"));
}

}  // namespace
}  // namespace radarhub::common
