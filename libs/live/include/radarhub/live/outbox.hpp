#pragma once

#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>

namespace radarhub::live {

// What waits to be written to one live-view client: per key (a node, or the fleet table) only the
// newest update. A client that reads slower than updates come gets each node's latest state and
// a count of the updates it missed, never a growing queue: memory is bounded by the number of
// keys (its subscriptions plus the fleet table). Keys leave in the order they first waited, so a
// busy node cannot starve a quiet one. Not thread-safe: one per client, on its strand.
class Outbox final {
 public:
  struct Item {
    std::string key;
    std::string update;
    uint64_t replaced = 0;  // updates of this key dropped for this one since the last Take
  };

  // Queues `update` for `key`; one still waiting for it is replaced (and counted).
  void Put(const std::string& key, std::string update);
  // The key that has waited longest, with its newest update.
  std::optional<Item> Take();
  // Forgets what waits for `key` (unsubscribed).
  void Drop(const std::string& key);

  size_t size() const { return pending_.size(); }
  bool empty() const { return pending_.empty(); }
  uint64_t replaced_total() const { return replaced_total_; }  // for the gap metric

 private:
  struct Pending {
    std::string update;
    uint64_t replaced = 0;
    std::list<std::string>::iterator position;
  };
  std::list<std::string> order_;
  std::unordered_map<std::string, Pending> pending_;
  uint64_t replaced_total_ = 0;
};

}  // namespace radarhub::live
