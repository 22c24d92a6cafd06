#include "ingest_endpoint.hpp"

#include <google/protobuf/util/time_util.h>

namespace radarhub::tracker {

using google::protobuf::util::TimeUtil;
using WallClock = std::chrono::system_clock;

using HealthChanged = std::function<void(const std::string&, const receiver::HealthState&)>;

// One node as one endpoint sees it. Its health input is (stream live, node connected): status
// events arrive on both this node's stream and the endpoint's discovery stream, so within one
// ingest process (epoch) they are applied in the order of their `since` and a late one never
// overrides a newer one; a status from a new epoch (the ingest restarted) always applies.
class IngestEndpoint::NodeLink final : public SubscriptionHandler {
 public:
  // `discovered`: the discovery stream's status that made this endpoint's stream of the node.
  NodeLink(std::string endpoint, std::shared_ptr<TrackedNode> node, HealthChanged changed,
           const v1::NodeStatus& discovered, WallClock::time_point tracker_started)
      : endpoint_(std::move(endpoint)),
        node_(std::move(node)),
        changed_(std::move(changed)),
        discovered_epoch_(discovered.epoch()),
        discovered_after_(StartAfter(discovered, tracker_started)) {}

  v1::SubscribeRequest NextRequest() override {
    v1::SubscribeRequest request;
    request.add_node_ids(node_->id());
    request.set_frames(true);
    uint64_t epoch = 0;
    bool was_live = false;
    {
      std::lock_guard lock(mu_);
      epoch = order_.epoch();
      was_live = was_live_;
    }
    if (epoch == 0) return request;  // an ingest that reports no epoch: its snapshot, then live
    uint64_t after = 0;
    if (was_live || node_->receiver().counters().received != 0) {
      // The ingest replays what it still holds after our last sequence of its epoch (from 0 for
      // an epoch we have no frames of: the node moved here, this ingest restarted, or the node
      // sent its first frames while the stream was down).
      after = node_->receiver().LastSequence(epoch);
    } else if (epoch == discovered_epoch_) {
      after = discovered_after_;
    }
    auto* resume = request.add_resume();
    resume->set_node_id(node_->id());
    resume->set_epoch(epoch);
    resume->set_after_sequence(after);
    return request;
  }

  void OnResponse(v1::SubscribeResponse& response) override {
    for (v1::NodeEvent& event : *response.mutable_events()) {
      switch (event.kind_case()) {
        case v1::NodeEvent::kFrame: {
          v1::DetectionFrame& frame = *event.mutable_frame();
          NoteEpoch(frame.epoch());
          node_->receiver().Offer(std::move(frame));
          break;
        }
        case v1::NodeEvent::kStatus:
          ApplyStatus(event.status());
          break;
        case v1::NodeEvent::kDropped:
          node_->receiver().Missed(event.dropped().from_sequence(), event.dropped().to_sequence());
          break;
        case v1::NodeEvent::KIND_NOT_SET:
          break;
      }
    }
  }

  void OnLive(bool live) override {
    std::lock_guard lock(mu_);
    reported_ = true;
    live_ = live;
    was_live_ = was_live_ || live;
    if (!live) {
      connected_ = false;  // unknown until the next stream's snapshot says
      // The discovery stream that was live when ours ended may be dying with it (one connection):
      // only a later one vouches for the ingest.
      ended_in_generation_ = discovery_generation_;
    }
    PushLocked();
  }

  void ApplyStatus(const v1::NodeStatus& status) {
    const int64_t since = TimeUtil::TimestampToNanoseconds(status.since());
    std::lock_guard lock(mu_);
    if (!order_.Admit(status.epoch(), since)) return;
    connected_ = status.connected();
    PushLocked();
  }

  // Whether this endpoint's discovery stream is live (`generation` counts those that went live):
  // the ingest is reachable.
  void SetDiscoveryLive(bool live, uint64_t generation) {
    std::lock_guard lock(mu_);
    discovery_live_ = live;
    discovery_generation_ = generation;
    PushLocked();
  }

  const std::shared_ptr<TrackedNode>& node() const { return node_; }

  void Forget() {
    std::lock_guard lock(mu_);
    forgotten_ = true;
    receiver::HealthState state;
    if (node_->receiver().RemoveSource(endpoint_, WallClock::now(), &state)) {
      changed_(node_->id(), state);
    }
  }

 private:
  // Where the node's first stream starts: never at the ingest's latest frame as of the stream's
  // opening, which would skip what the node sent since discovery reported it. A node whose status
  // changed (it connected or left) after the tracker started is followed from its first frame of
  // the epoch; one known before starts at the frame its status reports as latest (the ingest
  // refreshes that at 1 Hz, so at most a second of frames before the ingest's latest).
  static uint64_t StartAfter(const v1::NodeStatus& status, WallClock::time_point tracker_started) {
    if (!status.has_since()) return 0;
    const auto since = WallClock::time_point(std::chrono::duration_cast<WallClock::duration>(
        std::chrono::nanoseconds(TimeUtil::TimestampToNanoseconds(status.since()))));
    if (since >= tracker_started) return 0;
    return status.last_sequence() > 0 ? status.last_sequence() - 1 : 0;
  }

  void NoteEpoch(uint64_t epoch) {
    std::lock_guard lock(mu_);
    order_.NoteEpoch(epoch);
  }

  // Held under mu_ so the receiver sees this link's states in the order they happened.
  void PushLocked() {
    // Before any stream attempt finished, say nothing rather than "down"; once forgotten, nothing.
    if (!reported_ || forgotten_) return;
    // The node counts as connected here only once our own stream delivered (frames flow). The
    // ingest counts as reachable while either stream is live: a stream for a node the ingest does
    // not know yet (it restarted) stays silent until the node comes, and meanwhile the node is
    // node_disconnected there, not ingest_unreachable.
    const tracking::SourceState source =
        tracking::Judge({.stream_live = live_,
                         .node_connected = connected_,
                         .discovery_live = discovery_live_,
                         .discovery_generation = discovery_generation_,
                         .ended_in_generation = ended_in_generation_});
    receiver::HealthState state;
    if (node_->receiver().SetSourceState(endpoint_, source.reachable, source.node_connected,
                                         WallClock::now(), &state)) {
      changed_(node_->id(), state);
    }
  }

  const std::string endpoint_;
  const std::shared_ptr<TrackedNode> node_;
  const HealthChanged changed_;
  const uint64_t discovered_epoch_;
  const uint64_t discovered_after_;
  std::mutex mu_;
  bool reported_ = false;              // guarded by mu_
  bool forgotten_ = false;             // guarded by mu_
  bool live_ = false;                  // guarded by mu_
  bool was_live_ = false;              // guarded by mu_
  bool discovery_live_ = false;        // guarded by mu_
  uint64_t discovery_generation_ = 0;  // guarded by mu_
  uint64_t ended_in_generation_ = 0;   // guarded by mu_: discovery's when our stream last ended
  bool connected_ = false;             // guarded by mu_
  tracking::StatusOrder order_;        // guarded by mu_: which statuses apply, this ingest's epoch
};

// The endpoint's status-only stream of every node (node_ids empty also covers later nodes).
class IngestEndpoint::Discovery final : public SubscriptionHandler {
 public:
  explicit Discovery(std::weak_ptr<IngestEndpoint> endpoint) : endpoint_(std::move(endpoint)) {}

  v1::SubscribeRequest NextRequest() override { return {}; }

  void OnResponse(v1::SubscribeResponse& response) override {
    const auto endpoint = endpoint_.lock();
    if (!endpoint) return;
    for (const v1::NodeEvent& event : response.events()) {
      if (event.has_status()) endpoint->OnStatus(event.status());
    }
  }

  void OnLive(bool live) override {
    if (const auto endpoint = endpoint_.lock()) endpoint->OnDiscoveryLive(live);
  }

 private:
  const std::weak_ptr<IngestEndpoint> endpoint_;
};

IngestEndpoint::IngestEndpoint(std::string name, std::shared_ptr<grpc::Channel> channel,
                               EndpointServices services)
    : name_(std::move(name)),
      channel_(std::move(channel)),
      stub_(v1::Ingest::NewStub(channel_)),
      services_(std::move(services)) {}

IngestEndpoint::~IngestEndpoint() = default;

SubscriptionContext IngestEndpoint::SubscriptionContextFor() {
  return SubscriptionContext{.stub = stub_,
                             .timers = services_.timers,
                             .endpoint = name_,
                             .authorization = services_.authorization,
                             .calls = &services_.calls,
                             .log_limiter = &services_.log_limiter,
                             .reconnects = &services_.reconnects};
}

void IngestEndpoint::Start() {
  std::shared_ptr<Subscription> discovery;
  {
    std::lock_guard lock(mu_);
    if (stopped_ || discovery_) return;
    SubscriptionContext context = SubscriptionContextFor();
    context.wait_for_ready = true;
    discovery_ = std::make_shared<Subscription>(std::move(context),
                                                std::make_shared<Discovery>(weak_from_this()));
    discovery = discovery_;
  }
  discovery->Start();
}

void IngestEndpoint::OnStatus(const v1::NodeStatus& status) {
  std::shared_ptr<TrackedNode> node = services_.table.Admit(status.node_id());
  if (!node) return;
  std::shared_ptr<NodeLink> link;
  std::shared_ptr<Subscription> fresh;
  bool discovery_live = false;
  uint64_t generation = 0;
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    auto it = links_.find(node->id());
    if (it == links_.end()) {
      auto new_link = std::make_shared<NodeLink>(name_, node, services_.health_changed, status,
                                                 services_.tracker_started);
      fresh = std::make_shared<Subscription>(SubscriptionContextFor(), new_link);
      it = links_.emplace(node->id(), std::make_pair(new_link, fresh)).first;
    }
    link = it->second.first;
    discovery_live = discovery_live_;
    generation = discovery_generation_;
  }
  link->ApplyStatus(status);
  if (fresh && discovery_live) link->SetDiscoveryLive(true, generation);
  if (fresh) fresh->Start();
}

// Tracked nodes this ingest has not reported have no stream here; what the discovery stream says
// still counts for them: reachable without the node (node_disconnected) or unreachable.
void IngestEndpoint::OnDiscoveryLive(bool live) {
  const auto nodes = services_.table.All();
  std::lock_guard lock(mu_);
  if (stopped_) return;
  discovery_live_ = live;
  if (live) ++discovery_generation_;
  for (auto& [id, link] : links_) {
    link.first->SetDiscoveryLive(live, discovery_generation_);
    // The ingest answers again (it restarted, or the network healed): node streams that backed
    // off meanwhile try now instead of after up to 30 s.
    if (live) link.second->RetryNow();
  }
  for (const auto& node : nodes) {
    if (links_.count(node->id()) != 0) continue;
    receiver::HealthState state;
    if (node->receiver().SetSourceState(name_, live, false, WallClock::now(), &state)) {
      services_.health_changed(node->id(), state);
    }
  }
}

void IngestEndpoint::Forget(const std::shared_ptr<TrackedNode>& node) {
  std::shared_ptr<Subscription> stream;
  {
    std::lock_guard lock(mu_);
    const auto it = links_.find(node->id());
    if (it == links_.end() || it->second.first->node() != node) return;
    stream = std::move(it->second.second);
    links_.erase(it);
  }
  stream->Stop();
}

void IngestEndpoint::Stop(bool forget) {
  std::shared_ptr<Subscription> discovery;
  decltype(links_) links;
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    discovery = std::move(discovery_);
    links = std::move(links_);
  }
  if (discovery) discovery->Stop();
  for (auto& [id, link] : links) {
    link.second->Stop();
    if (forget) link.first->Forget();
  }
  if (!forget) return;
  for (const auto& node : services_.table.All()) {  // what discovery said for nodes without a link
    receiver::HealthState state;
    if (links.count(node->id()) == 0 &&
        node->receiver().RemoveSource(name_, WallClock::now(), &state)) {
      services_.health_changed(node->id(), state);
    }
  }
}

}  // namespace radarhub::tracker
