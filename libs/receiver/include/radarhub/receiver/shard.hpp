#pragma once

#include <cstdint>
#include <string_view>

namespace radarhub::receiver {

// Rendezvous (highest random weight) hashing of node ids over `shard_count` trackers
// (operations.md scale-out): every tracker computes the same owner without coordination, and
// going from n to n+1 shards moves only the ~1/(n+1) of nodes the new shard wins.
uint32_t ShardOf(std::string_view node_id, uint32_t shard_count);

inline bool OwnsNode(std::string_view node_id, uint32_t shard_index, uint32_t shard_count) {
  return ShardOf(node_id, shard_count) == shard_index;
}

}  // namespace radarhub::receiver
