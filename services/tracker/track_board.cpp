#include "track_board.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <utility>

#include "track_convert.hpp"

namespace radarhub::tracker {

namespace asio = boost::asio;

bool TrackFilter::Wants(const tracking::TrackState& state) const {
  if (state.status != tracking::TrackStatus::kDeleted) return statuses.count(state.status) != 0;
  return statuses.count(tracking::TrackStatus::kDeleted) != 0 &&
         (state.ever_confirmed || statuses.count(tracking::TrackStatus::kTentative) != 0);
}

void TrackFilter::Append(const NodeTracks& tracks,
                         google::protobuf::RepeatedPtrField<v1::Track>& out) const {
  for (const auto* list : {&tracks.tracks, &tracks.deleted}) {
    for (const tracking::TrackState& t : *list) {
      if (Wants(t)) ToProto(t, tracks.node_id, *out.Add());
    }
  }
}

TrackBoard::TrackBoard(asio::any_io_executor control) : control_(std::move(control)) {}

void TrackBoard::Publish(const std::string& node_id, tracking::FrameResult&& result) {
  auto tracks = std::make_shared<NodeTracks>();
  tracks->node_id = node_id;
  tracks->timestamp_ms = result.timestamp_ms;
  tracks->tracks = std::move(result.tracks);
  tracks->deleted = std::move(result.deleted);
  std::shared_ptr<const NodeTracks> replaced;
  {
    std::lock_guard lock(mu_);
    tracks->version = ++last_version_;
    replaced = std::exchange(latest_[node_id], tracks);
  }
  replaced.reset();  // outside the lock: freeing a node's lists takes a while
  if (streamer_count_.load() == 0) return;  // nobody streams: no hop to the control thread
  asio::post(control_, [this, tracks = std::shared_ptr<const NodeTracks>(std::move(tracks))] {
    for (TrackStreamer* s : streamers_) {
      if (s->Wants(tracks->node_id)) s->Enqueue(tracks, /*snapshot=*/false);
    }
  });
}

void TrackBoard::Provisioned(const std::string& node_id) {
  std::lock_guard lock(mu_);
  auto& slot = latest_[node_id];
  if (!slot) {
    auto empty = std::make_shared<NodeTracks>();
    empty->node_id = node_id;
    slot = std::move(empty);
  }
}

std::vector<std::shared_ptr<const NodeTracks>> TrackBoard::Latest(
    const std::set<std::string>& node_ids) const {
  std::vector<std::shared_ptr<const NodeTracks>> out;
  if (node_ids.empty()) {
    {
      std::lock_guard lock(mu_);
      out.reserve(latest_.size());
      for (const auto& [id, tracks] : latest_) out.push_back(tracks);
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a->node_id < b->node_id; });
    return out;
  }
  std::lock_guard lock(mu_);
  for (const std::string& id : node_ids) {  // a set: by node id already
    if (const auto it = latest_.find(id); it != latest_.end()) out.push_back(it->second);
  }
  return out;
}

void TrackBoard::Forget(const std::string& node_id) {
  {
    std::lock_guard lock(mu_);
    latest_.erase(node_id);
  }
  asio::post(control_, [this, node_id] {
    for (TrackStreamer* s : streamers_) s->Forget(node_id);
  });
}

bool TrackBoard::Knows(const std::string& node_id) const {
  std::lock_guard lock(mu_);
  return latest_.count(node_id) != 0;
}

void TrackBoard::Add(TrackStreamer* streamer) {
  streamers_.push_back(streamer);
  streamer_count_.store(streamers_.size());
  if (draining_) {
    streamer->Drain();
    return;
  }
  // Updates published from now on are posted behind this: the snapshot comes first, and an
  // update it already contains is skipped by its version.
  std::set<std::string> all;
  for (const auto& tracks : Latest(all)) {
    if (streamer->Wants(tracks->node_id)) streamer->Enqueue(tracks, /*snapshot=*/true);
  }
}

void TrackBoard::Remove(TrackStreamer* streamer) {
  streamers_.erase(std::remove(streamers_.begin(), streamers_.end(), streamer), streamers_.end());
  streamer_count_.store(streamers_.size());
}

void TrackBoard::Drain() {
  asio::post(control_, [this] {
    draining_ = true;
    for (TrackStreamer* s : streamers_) s->Drain();
  });
}

TrackStreamer::TrackStreamer(TrackBoard& board, std::set<std::string> node_ids, TrackFilter filter)
    : ControlThreadWriter(board.control()),
      board_(board),
      node_ids_(std::move(node_ids)),
      filter_(std::move(filter)) {
  asio::post(board_.control(), [this] { board_.Add(this); });
}

void TrackStreamer::Enqueue(std::shared_ptr<const NodeTracks> tracks, bool snapshot) {
  if (finished()) return;
  const auto [seen, first] = sent_.try_emplace(tracks->node_id, 0);
  uint64_t& sent = seen->second;
  if (!snapshot && !first && tracks->version <= sent) return;  // the snapshot had it already
  snapshot = snapshot || first;  // a node provisioned after the stream opened
  sent = std::max(sent, tracks->version);
  const auto [it, fresh] = pending_.try_emplace(tracks->node_id);
  Pending& p = it->second;
  if (fresh) {
    order_.push_back(tracks->node_id);
  } else if (!p.snapshot) {
    ++p.dropped;  // the reader is behind: only the newest state of a node is kept
  }
  p.tracks = std::move(tracks);
  p.snapshot = p.snapshot || snapshot;
  Wake();
}

bool TrackStreamer::TakeNext(v1::TrackUpdate& out) {
  if (order_.empty()) return false;
  const std::string node_id = std::move(order_.front());
  order_.pop_front();
  const auto it = pending_.find(node_id);
  const Pending p = std::move(it->second);
  pending_.erase(it);
  out.Clear();
  out.set_node_id(node_id);
  out.set_timestamp_ms(p.tracks->timestamp_ms);
  out.set_snapshot(p.snapshot);
  out.set_updates_dropped(p.dropped);
  filter_.Append(*p.tracks, *out.mutable_tracks());
  return true;
}

}  // namespace radarhub::tracker
