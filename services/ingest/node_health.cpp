#include "node_health.hpp"

#include <boost/asio/post.hpp>
#include <future>

#include "radarhub/v1/radarhub.pb.h"

namespace radarhub::ingest {

void NodeHealthPublisher::Start(service::HealthService& health) {
  health_ = &health;
  queue_ = hub_.Subscribe(hub::SubscribeRequest{.node_ids = {}, .frames = false},
                          [this] { Schedule(); });
  Schedule();
}

void NodeHealthPublisher::Stop() {
  if (!queue_ || stopped_) return;
  stopped_ = true;
  hub_.Unsubscribe(queue_);  // no wakeup after this returns; queue_ stays for a queued Apply
}

void NodeHealthPublisher::Detach() {
  std::promise<void> done;
  boost::asio::post(pump_, [&] {
    health_ = nullptr;
    done.set_value();
  });
  done.get_future().wait();
}

void NodeHealthPublisher::Attach(service::HealthService& health,
                                 std::function<void(service::HealthService&)> republish) {
  std::promise<void> done;
  boost::asio::post(pump_, [&] {
    health_ = &health;
    republish(health);
    done.set_value();
  });
  done.get_future().wait();
}

void NodeHealthPublisher::Forget(const std::string& node_id) {
  boost::asio::post(pump_, [this, node_id] {
    Apply();  // statuses queued before the forget (its disconnect) first
    if (health_ != nullptr) health_->Forget("node/" + node_id);
  });
}

void NodeHealthPublisher::Schedule() {
  if (scheduled_.exchange(true)) return;
  boost::asio::post(pump_, [this] { Apply(); });
}

void NodeHealthPublisher::Apply() {
  scheduled_.store(false);
  if (!queue_) return;
  v1::NodeEvent event;
  while (queue_->Pop(batch_, 256) != 0) {
    for (const hub::Delivery& d : batch_) {
      if (!d.event || d.event->kind != hub::Event::Kind::kStatus) continue;
      if (health_ == nullptr || !event.ParseFromString(d.event->payload)) continue;
      health_->SetServingStatus("node/" + event.node_id(), event.status().connected());
    }
    batch_.clear();
  }
}

}  // namespace radarhub::ingest
