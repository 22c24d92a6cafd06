#include "radarhub/common/host_port.hpp"

#include <gtest/gtest.h>

namespace radarhub::common {
namespace {

TEST(HostPortTest, ParsesHostsAndBracketedV6AndPrintsThemBack) {
  for (const char* text :
       {"0.0.0.0:30050", "localhost:0", "[::1]:50051", "radarhub-ingest:65535"}) {
    const auto hp = ParseHostPort(text);
    ASSERT_TRUE(hp) << text;
    EXPECT_EQ(hp->ToString(), text);
  }
  EXPECT_EQ(ParseHostPort("[::1]:80")->host, "::1");
}

TEST(HostPortTest, RefusesWhatNamesNoHostOrPort) {
  // "[]:0" was accepted with an empty host (found by config_fuzz).
  for (const char* text : {"", ":80", "[]:0", "host", "host:", "host:65536", "host:-1", "host:8x",
                           "[::1:80", "a]:80", "[a]b:80"}) {
    EXPECT_FALSE(ParseHostPort(text)) << text;
  }
}

}  // namespace
}  // namespace radarhub::common
