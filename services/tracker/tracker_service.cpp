#include "tracker_service.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <optional>

#include "radarhub/protocol/node_id.hpp"

namespace radarhub::tracker {

namespace asio = boost::asio;

HealthBoard::HealthBoard(asio::any_io_executor control, const NodeTable& table)
    : control_(std::move(control)), table_(table) {}

void HealthBoard::Attach(service::HealthService* health) { health_ = health; }

void HealthBoard::Changed(const std::string& node_id, const receiver::HealthState& state) {
  asio::post(control_, [this, node_id, state] { Publish(node_id, state); });
}

void HealthBoard::Publish(const std::string& node_id, const receiver::HealthState& state) {
  const auto node = table_.Find(node_id);
  if (!node) return;
  const auto [it, fresh] = published_.try_emplace(node_id, Published{node.get(), state.version});
  if (!fresh) {
    if (it->second.node == node.get() && state.version <= it->second.version) {
      return;  // a newer state went out already
    }
    it->second = Published{node.get(), state.version};
  }
  if (health_ != nullptr && !draining_) health_->SetServingStatus("node/" + node_id, state.healthy);
  std::optional<v1::NodeHealth> message;  // built once, for the watchers that want it
  for (HealthWatcher* watcher : watchers_) {
    if (!watcher->Wants(node_id)) continue;
    if (!message) message = node->Health(state);
    watcher->Enqueue(*message);
  }
}

void HealthBoard::Forget(const std::string& node_id) {
  asio::post(control_, [this, node_id] {
    published_.erase(node_id);
    if (health_ != nullptr && !draining_) health_->Forget("node/" + node_id);
  });
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
    : ControlThreadWriter(board.control()), board_(board), node_ids_(std::move(node_ids)) {
  asio::post(board_.control(), [this] { board_.Add(this); });
}

void HealthWatcher::Enqueue(v1::NodeHealth health) {
  if (finished()) return;
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
  Wake();
}

bool HealthWatcher::TakeNext(v1::NodeHealth& out) {
  if (pending_.empty()) return false;
  out = std::move(pending_.front());
  pending_.pop_front();
  return true;
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
template <typename Message>
class FailedStream final : public grpc::ServerWriteReactor<Message> {
 public:
  explicit FailedStream(const grpc::Status& status) { this->Finish(status); }
  void OnDone() override { delete this; }
};
using FailedWatch = FailedStream<v1::NodeHealth>;

// Node ids and statuses of a track request; `defaults` when no status is named.
grpc::Status ParseTrackRequest(const google::protobuf::RepeatedPtrField<std::string>& node_ids,
                               const google::protobuf::RepeatedPtrField<std::string>& statuses,
                               std::initializer_list<tracking::TrackStatus> defaults,
                               std::set<std::string>& ids, TrackFilter& filter) {
  for (const std::string& id : node_ids) {
    if (!protocol::IsValidNodeId(id)) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "node_ids: not a valid node id");
    }
    ids.insert(id);
  }
  for (const std::string& name : statuses) {
    bool known = false;
    for (const auto status : {tracking::TrackStatus::kTentative, tracking::TrackStatus::kConfirmed,
                              tracking::TrackStatus::kCoasting, tracking::TrackStatus::kDeleted}) {
      if (tracking::ToString(status) == name) {
        filter.statuses.insert(status);
        known = true;
      }
    }
    if (!known) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "statuses: \"" + name.substr(0, 32) +
                              "\" is not tentative, confirmed, coasting or deleted");
    }
  }
  if (filter.statuses.empty()) filter.statuses.insert(defaults);
  return grpc::Status::OK;
}

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

grpc::ServerUnaryReactor* TrackerService::ListTracks(grpc::CallbackServerContext* context,
                                                     const v1::ListTracksRequest* request,
                                                     v1::ListTracksResponse* response) {
  auto* reactor = context->DefaultReactor();
  if (grpc::Status denied = api_token_.Check(*context); !denied.ok()) {
    reactor->Finish(denied);
    return reactor;
  }
  std::set<std::string> ids;
  TrackFilter filter;
  if (grpc::Status bad = ParseTrackRequest(
          request->node_ids(), request->statuses(),
          {tracking::TrackStatus::kConfirmed, tracking::TrackStatus::kCoasting}, ids, filter);
      !bad.ok()) {
    reactor->Finish(bad);
    return reactor;
  }
  for (const std::string& id : ids) {
    if (!tracks_.Knows(id)) {
      reactor->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND, "node not tracked here: " + id));
      return reactor;
    }
  }
  for (const auto& node : tracks_.Latest(ids)) filter.Append(*node, *response->mutable_tracks());
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerWriteReactor<v1::TrackUpdate>* TrackerService::StreamTracks(
    grpc::CallbackServerContext* context, const v1::StreamTracksRequest* request) {
  if (grpc::Status denied = api_token_.Check(*context); !denied.ok()) {
    return new FailedStream<v1::TrackUpdate>(denied);
  }
  std::set<std::string> ids;
  TrackFilter filter;
  if (grpc::Status bad =
          ParseTrackRequest(request->node_ids(), request->statuses(),
                            {tracking::TrackStatus::kConfirmed, tracking::TrackStatus::kCoasting,
                             tracking::TrackStatus::kDeleted},
                            ids, filter);
      !bad.ok()) {
    return new FailedStream<v1::TrackUpdate>(bad);
  }
  return new TrackStreamer(tracks_, std::move(ids), std::move(filter));
}

}  // namespace radarhub::tracker
