#include "radarhub/receiver/shard.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace radarhub::receiver {
namespace {

std::vector<std::string> NodeIds(int n) {
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) ids.push_back("radar" + std::to_string(i));
  return ids;
}

TEST(ShardTest, EveryNodeHasExactlyOneOwner) {
  for (uint32_t count = 1; count <= 5; ++count) {
    for (const auto& id : NodeIds(500)) {
      int owners = 0;
      for (uint32_t i = 0; i < count; ++i) owners += OwnsNode(id, i, count) ? 1 : 0;
      EXPECT_EQ(owners, 1) << id << " over " << count;
    }
  }
}

TEST(ShardTest, SpreadsNodesEvenly) {
  std::vector<int> per_shard(4);
  for (const auto& id : NodeIds(4000)) ++per_shard[ShardOf(id, 4)];
  for (int n : per_shard) EXPECT_NEAR(n, 1000, 150);
}

// Rendezvous hashing: adding a shard moves only the nodes the new shard wins.
TEST(ShardTest, AddingAShardMovesOnlyNodesToIt) {
  int moved = 0;
  for (const auto& id : NodeIds(3000)) {
    const uint32_t before = ShardOf(id, 3), after = ShardOf(id, 4);
    if (before != after) {
      EXPECT_EQ(after, 3u) << id;
      ++moved;
    }
  }
  EXPECT_NEAR(moved, 750, 150);
}

// The owner is part of the deployment contract: replicas of different builds must agree.
TEST(ShardTest, OwnersAreStable) {
  EXPECT_EQ(ShardOf("radar1", 1), 0u);
  EXPECT_EQ(ShardOf("radar1", 2), 0u);
  EXPECT_EQ(ShardOf("radar3", 2), 1u);
  EXPECT_EQ(ShardOf("radar1", 3), 2u);
  EXPECT_EQ(ShardOf("radar2", 3), 0u);
  EXPECT_EQ(ShardOf("radar3", 3), 1u);
}

}  // namespace
}  // namespace radarhub::receiver
