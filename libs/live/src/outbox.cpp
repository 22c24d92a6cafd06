#include "radarhub/live/outbox.hpp"

#include <utility>

namespace radarhub::live {

void Outbox::Put(const std::string& key, std::string update) {
  const auto it = pending_.find(key);
  if (it != pending_.end()) {
    it->second.update = std::move(update);
    ++it->second.replaced;
    ++replaced_total_;
    return;
  }
  order_.push_back(key);
  pending_.emplace(key, Pending{std::move(update), 0, std::prev(order_.end())});
}

std::optional<Outbox::Item> Outbox::Take() {
  if (order_.empty()) return std::nullopt;
  const auto it = pending_.find(order_.front());
  Item item{std::move(order_.front()), std::move(it->second.update), it->second.replaced};
  pending_.erase(it);
  order_.pop_front();
  return item;
}

void Outbox::Drop(const std::string& key) {
  const auto it = pending_.find(key);
  if (it == pending_.end()) return;
  order_.erase(it->second.position);
  pending_.erase(it);
}

}  // namespace radarhub::live
