#include "radarhub/hub/hub.hpp"

#include <algorithm>
#include <cstdint>

namespace radarhub::hub {

const char* DropReasonName(DropReason reason) {
  return reason == DropReason::kSlowConsumer ? "slow_consumer" : "resume_out_of_range";
}

std::shared_ptr<Channel> Hub::GetChannel(std::string_view node_id, uint64_t epoch) {
  std::lock_guard lock(mu_);
  const std::shared_ptr<Channel>& channel = GetChannelLocked(node_id);
  if (epoch != 0) {
    std::lock_guard channel_lock(channel->mu_);
    channel->epoch_ = epoch;
  }
  return channel;
}

const std::shared_ptr<Channel>& Hub::GetChannelLocked(std::string_view node_id) {
  auto& slot = channels_[std::string(node_id)];
  if (!slot) {
    slot.reset(new Channel(std::string(node_id)));
    std::lock_guard channel_lock(slot->mu_);
    slot->epoch_ = settings_.epoch;
    slot->subscribers_ = wildcard_;  // every-node subscribers hear new nodes too
  }
  return slot;
}

void Hub::Forget(std::string_view node_id) {
  std::lock_guard lock(mu_);
  const auto it = channels_.find(std::string(node_id));
  if (it == channels_.end()) return;
  Channel& channel = *it->second;
  {
    std::lock_guard channel_lock(channel.mu_);
    DropRingLocked(channel);
    channel.status_.reset();
  }
  if (channel.named_ == 0) channels_.erase(it);
}

size_t Hub::channels() const {
  std::lock_guard lock(mu_);
  return channels_.size();
}

namespace {

// What a frame in a ring costs: its payload, the event and its control block, the ring's slot.
size_t ReplayCost(const Event& event) {
  return event.payload.capacity() + sizeof(Event) + 2 * sizeof(void*) + sizeof(EventPtr) + 16;
}

}  // namespace

void Hub::Publish(Channel& channel, EventPtr event) {
  std::lock_guard lock(channel.mu_);
  if (event->kind == Event::Kind::kFrame) {
    if (channel.ring_.empty()) replaying_nodes_.fetch_add(1, std::memory_order_relaxed);
    const size_t cost = ReplayCost(*event);
    channel.ring_bytes_ += cost;
    replay_bytes_.fetch_add(cost, std::memory_order_relaxed);
    channel.ring_.push_back(event);
    TrimLocked(channel);
  } else {
    channel.status_ = event;
  }
  for (const auto& queue : channel.subscribers_) queue->Push(channel.name_, event);
}

void Hub::DropRingLocked(Channel& channel) {
  if (channel.ring_.empty()) return;
  replay_bytes_.fetch_sub(channel.ring_bytes_, std::memory_order_relaxed);
  replaying_nodes_.fetch_sub(1, std::memory_order_relaxed);
  channel.ring_bytes_ = 0;
  channel.ring_.clear();
  channel.ring_.shrink_to_fit();
}

void Hub::TrimLocked(Channel& channel) {
  const size_t max_frames = std::max<size_t>(settings_.replay_frames, 1);
  const size_t share =
      settings_.replay_memory == 0
          ? SIZE_MAX
          : settings_.replay_memory /
                std::max<size_t>(replaying_nodes_.load(std::memory_order_relaxed), 1);
  size_t freed = 0;
  while (channel.ring_.size() > max_frames ||
         (channel.ring_.size() > 1 && channel.ring_bytes_ > share)) {
    const size_t cost = ReplayCost(*channel.ring_.front());
    channel.ring_bytes_ -= cost;
    freed += cost;
    channel.ring_.pop_front();
  }
  if (freed != 0) replay_bytes_.fetch_sub(freed, std::memory_order_relaxed);
}

void Hub::TrimReplay() {
  if (settings_.replay_memory == 0 || replay_bytes() <= settings_.replay_memory) return;
  std::lock_guard lock(mu_);
  for (const auto& [id, channel] : channels_) {
    std::lock_guard channel_lock(channel->mu_);
    TrimLocked(*channel);
  }
}

void Hub::RefreshStatus(Channel& channel, EventPtr status) {
  std::lock_guard lock(channel.mu_);
  channel.status_ = std::move(status);
}

void Hub::ReplayLocked(Channel& channel, const Resume* resume, SubscriberQueue& queue) const {
  const std::deque<EventPtr>& ring = channel.ring_;
  const size_t n = ring.size();
  const uint64_t lo = n != 0 ? ring.front()->sequence : 0;
  const uint64_t hi = n != 0 ? ring.back()->sequence : 0;
  const NodeName& node = channel.name_;
  if (resume == nullptr) {
    if (n != 0) queue.PushSnapshot(node, ring.back());
    return;
  }
  size_t start = 0;
  if (resume->epoch != channel.epoch_) {
    // Another process's sequences: everything before what is retained now is gone (from 0).
    queue.PushGap(node, 0, n != 0 ? lo - 1 : 0, DropReason::kResumeOutOfRange);
  } else if (n == 0 || resume->after_sequence >= hi) {
    return;
  } else if (resume->after_sequence + 1 < lo) {
    queue.PushGap(node, resume->after_sequence + 1, lo - 1, DropReason::kResumeOutOfRange);
  } else {
    start = static_cast<size_t>(resume->after_sequence + 1 - lo);
  }
  for (size_t i = start; i < n; ++i) queue.PushSnapshot(node, ring[i]);
}

std::shared_ptr<SubscriberQueue> Hub::Subscribe(const SubscribeRequest& request,
                                                std::function<void()> wakeup) {
  auto queue = std::make_shared<SubscriberQueue>(
      settings_.subscriber_queue, request.frames, std::move(wakeup), &frames_dropped_,
      settings_.subscriber_memory != 0 ? &subscriber_budget_ : nullptr);
  std::lock_guard lock(mu_);
  std::vector<Channel*> channels;
  if (request.node_ids.empty()) {
    for (const auto& [id, channel] : channels_) channels.push_back(channel.get());
    std::sort(channels.begin(), channels.end(),
              [](const Channel* a, const Channel* b) { return *a->name_ < *b->name_; });
    wildcard_.push_back(queue);
  } else {
    for (const std::string& id : request.node_ids) {
      Channel* channel = GetChannelLocked(id).get();
      if (std::find(channels.begin(), channels.end(), channel) == channels.end()) {
        channels.push_back(channel);
        ++channel->named_;
      }
    }
  }
  // Only one subscriber at a time (under mu_) holds several channel locks, and publishers hold
  // one, so this cannot deadlock; holding them all makes the snapshot and the live stream meet
  // exactly, and puts every status ahead of every frame.
  std::vector<std::unique_lock<std::mutex>> locks;
  locks.reserve(channels.size());
  for (Channel* channel : channels) locks.emplace_back(channel->mu_);
  for (Channel* channel : channels) {
    if (channel->status_) queue->PushSnapshot(channel->name_, channel->status_);
  }
  if (request.frames) {
    for (Channel* channel : channels) {
      const auto it = std::find_if(request.resume.begin(), request.resume.end(),
                                   [&](const Resume& r) { return r.node_id == *channel->name_; });
      ReplayLocked(*channel, it != request.resume.end() ? &*it : nullptr, *queue);
    }
  }
  for (Channel* channel : channels) channel->subscribers_.push_back(queue);
  ++subscriber_count_;
  UpdateShareLocked();
  return queue;
}

void Hub::Unsubscribe(const std::shared_ptr<SubscriberQueue>& queue) {
  std::lock_guard lock(mu_);
  const bool wildcard = std::erase(wildcard_, queue) != 0;
  for (auto it = channels_.begin(); it != channels_.end();) {
    Channel& channel = *it->second;
    bool unused = false;
    {
      std::lock_guard channel_lock(channel.mu_);
      if (std::erase(channel.subscribers_, queue) != 0 && !wildcard) --channel.named_;
      unused = channel.named_ == 0 && !channel.status_ && channel.ring_.empty();
    }
    // A channel that only subscriptions asked for (a node that never came, or was forgotten)
    // goes with the last of them, unless a node is registering with it (it holds the channel).
    if (unused && it->second.use_count() == 1) {
      it = channels_.erase(it);
    } else {
      ++it;
    }
  }
  if (subscriber_count_ > 0) --subscriber_count_;
  UpdateShareLocked();
}

void Hub::UpdateShareLocked() {
  if (settings_.subscriber_memory == 0) return;
  subscriber_budget_.share.store(
      settings_.subscriber_memory / std::max<size_t>(subscriber_count_, 1),
      std::memory_order_relaxed);
}

size_t Hub::subscribers() const {
  std::lock_guard lock(mu_);
  return subscriber_count_;
}

}  // namespace radarhub::hub
