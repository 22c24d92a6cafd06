#include "radarhub/receiver/shard.hpp"

namespace radarhub::receiver {

namespace {

// Fixed, platform-independent hashes: every tracker replica and version must agree on owners.
uint64_t Fnv1a(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

uint32_t ShardOf(std::string_view node_id, uint32_t shard_count) {
  if (shard_count <= 1) return 0;
  const uint64_t node = Fnv1a(node_id);
  uint32_t best = 0;
  uint64_t best_weight = 0;
  for (uint32_t shard = 0; shard < shard_count; ++shard) {
    const uint64_t weight = SplitMix64(node ^ SplitMix64(shard));
    if (shard == 0 || weight > best_weight) {
      best = shard;
      best_weight = weight;
    }
  }
  return best;
}

}  // namespace radarhub::receiver
