#include "tracker_service.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <optional>

#include "radarhub/protocol/node_id.hpp"

namespace radarhub::tracker {

namespace asio = boost::asio;

HealthBoard::HealthBoard(asio::any_io_executor control, const NodeTable& table)
    : control_(std::move(control)), table_(table) {}

void HealthBoard::Attach(grpc::HealthCheckServiceInterface* health) { health_ = health; }

void HealthBoard::Changed(const std::string& node_id, const receiver::HealthState& state) {
  asio::post(control_, [this, node_id, state] { Publish(node_id, state); });
}

void HealthBoard::Publish(const std::string& node_id, const receiver::HealthState& state) {
  const auto node = table_.Find(node_id);
  if (!node) return;
  const auto [it, fresh] = published_.try_emplace(node_id, state.version);
  if (!fresh) {
    if (state.version <= it->second) return;  // a newer state went out already
    it->second = state.version;
  }
  if (health_ != nullptr && !draining_) health_->SetServingStatus("node/" + node_id, state.healthy);
  std::optional<v1::NodeHealth> message;  // built once, for the watchers that want it
  for (HealthWatcher* watcher : watchers_) {
    if (!watcher->Wants(node_id)) continue;
    if (!message) message = node->Health(state);
    watcher->Enqueue(*message);
  }
}

void HealthBoard::Add(HealthWatcher* watcher) {
  watchers_.push_back(watcher);
  watcher_count_.store(watchers_.size());
  if (draining_) {
    watcher->Drain();
    return;
  }
  for (const auto& node : table_.All()) {
    if (watcher->Wants(node->id())) watcher->Enqueue(node->Health());
  }
}

void HealthBoard::Remove(HealthWatcher* watcher) {
  watchers_.erase(std::remove(watchers_.begin(), watchers_.end(), watcher), watchers_.end());
  watcher_count_.store(watchers_.size());
}

void HealthBoard::Drain() {
  asio::post(control_, [this] {
    draining_ = true;
    for (HealthWatcher* watcher : watchers_) watcher->Drain();
  });
}

HealthWatcher::HealthWatcher(HealthBoard& board, std::set<std::string> node_ids)
    : board_(board), node_ids_(std::move(node_ids)) {
  asio::post(board_.control(), [this] { board_.Add(this); });
}

void HealthWatcher::Enqueue(v1::NodeHealth health) {
  if (finished_) return;
  pending_.push_back(std::move(health));
  if (pending_.size() > kMaxPending) {
    // Too slow for every change: keep each node's latest state, in the order of those.
    std::deque<v1::NodeHealth> latest;
    std::set<std::string> seen;
    for (auto it = pending_.rbegin(); it != pending_.rend(); ++it) {
      if (seen.insert(it->node_id()).second) latest.push_front(std::move(*it));
    }
    pending_ = std::move(latest);
  }
  if (!writing_) Next();
}

void HealthWatcher::Next() {
  if (finished_) return;
  if (!pending_.empty()) {
    message_ = std::move(pending_.front());
    pending_.pop_front();
    writing_ = true;
    StartWrite(&message_);
    return;
  }
  if (draining_) FinishOnce(grpc::Status(grpc::StatusCode::UNAVAILABLE, "tracker shutting down"));
}

void HealthWatcher::Drain() {
  draining_ = true;
  if (!writing_) Next();
}

void HealthWatcher::OnWriteDone(bool ok) {
  asio::post(board_.control(), [this, ok] {
    writing_ = false;
    if (!ok) {
      FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, "stream ended"));
      return;
    }
    Next();
  });
}

void HealthWatcher::OnCancel() {
  asio::post(board_.control(), [this] {
    if (!writing_) FinishOnce(grpc::Status::CANCELLED);
    draining_ = true;  // a write in flight fails and finishes the stream
  });
}

void HealthWatcher::FinishOnce(const grpc::Status& status) {
  if (finished_) return;
  finished_ = true;
  Finish(status);
}

void HealthWatcher::OnDone() {
  asio::post(board_.control(), [this] {
    board_.Remove(this);
    delete this;
  });
}

grpc::ServerUnaryReactor* TrackerService::ListNodes(grpc::CallbackServerContext* context,
                                                    const v1::TrackerListNodesRequest*,
                                                    v1::TrackerListNodesResponse* response) {
  auto* reactor = context->DefaultReactor();
  if (grpc::Status denied = api_token_.Check(*context); !denied.ok()) {
    reactor->Finish(denied);
    return reactor;
  }
  for (const auto& node : table_.All()) *response->add_nodes() = node->Health();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

namespace {

// A stream that only reports an error.
class FailedWatch final : public grpc::ServerWriteReactor<v1::NodeHealth> {
 public:
  explicit FailedWatch(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerWriteReactor<v1::NodeHealth>* TrackerService::WatchHealth(
    grpc::CallbackServerContext* context, const v1::WatchHealthRequest* request) {
  if (grpc::Status denied = api_token_.Check(*context); !denied.ok()) {
    return new FailedWatch(denied);
  }
  std::set<std::string> ids;
  for (const std::string& id : request->node_ids()) {
    if (!protocol::IsValidNodeId(id)) {
      return new FailedWatch(
          grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "node_ids: not a valid node id"));
    }
    ids.insert(id);
  }
  return new HealthWatcher(board_, std::move(ids));
}

}  // namespace radarhub::tracker
