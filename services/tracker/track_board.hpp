#pragma once

#include <utility>

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "control_writer.hpp"
#include "radarhub/tracking/tracker.hpp"
#include "radarhub/v1/radarhub.grpc.pb.h"

namespace radarhub::tracker {

// A node's tracks after one frame or tick, shared by every reader of it.
struct NodeTracks {
  std::string node_id;
  int64_t timestamp_ms = 0;
  uint64_t version = 0;                       // +1 per publication of this node
  std::vector<tracking::TrackState> tracks;   // live, by track id
  std::vector<tracking::TrackState> deleted;  // deleted by that frame or tick
};

// Which tracks a reader asked for: statuses ("deleted" covers the tracks that had been confirmed,
// tentative ones too when "tentative" is asked for as well).
struct TrackFilter {
  std::set<tracking::TrackStatus> statuses;
  bool Wants(const tracking::TrackState& state) const;
  // Appends the wanted tracks of `tracks` to `out`.
  void Append(const NodeTracks& tracks, google::protobuf::RepeatedPtrField<v1::Track>& out) const;
};

class TrackStreamer;

// Every node's latest tracks, for ListTracks and as the snapshot of StreamTracks, and the open
// StreamTracks calls. Publish is called by the workers; streamers live on the control thread (as
// health watchers do), so updates reach each stream in publication order.
class TrackBoard final {
 public:
  explicit TrackBoard(boost::asio::any_io_executor control);

  // Worker threads: a node's stage produced `result` (its lists are taken, not copied).
  void Publish(const std::string& node_id, tracking::FrameResult&& result);
  // A node is tracked from now on (so a snapshot lists it before its first frame).
  void Provisioned(const std::string& node_id);
  // A node is no longer tracked (--forget-after): its tracks leave the board, and streamers
  // forget what they sent of it.
  void Forget(const std::string& node_id);
  // The latest tracks of `node_ids` (empty: every node), by node id.
  std::vector<std::shared_ptr<const NodeTracks>> Latest(
      const std::set<std::string>& node_ids) const;
  bool Knows(const std::string& node_id) const;

  // Ends every streamer with UNAVAILABLE once it has written what it holds; refuses new ones.
  void Drain();
  size_t streamers() const { return streamer_count_.load(); }
  // Control thread only (TrackStreamer).
  void Add(TrackStreamer* streamer);
  void Remove(TrackStreamer* streamer);
  const boost::asio::any_io_executor& control() const { return control_; }

 private:
  const boost::asio::any_io_executor control_;
  mutable std::mutex mu_;
  // guarded by mu_; hashed, as every frame of every node looks its node up here
  std::unordered_map<std::string, std::shared_ptr<const NodeTracks>> latest_;
  // Board-wide, so a node's versions keep rising when it is forgotten and tracked again.
  uint64_t last_version_ = 0;              // guarded by mu_
  std::vector<TrackStreamer*> streamers_;  // control thread
  bool draining_ = false;                  // control thread
  std::atomic<size_t> streamer_count_{0};
};

// One StreamTracks call: a snapshot of every requested node, then each node's update as its
// frames are tracked. A reader that falls behind holds at most one update per node, the newest:
// older ones are dropped and the next update says how many (updates_dropped), so memory is
// bounded by the number of nodes and the reader always gets the current picture. Control thread.
class TrackStreamer final : public ControlThreadWriter<v1::TrackUpdate> {
 public:
  TrackStreamer(TrackBoard& board, std::set<std::string> node_ids, TrackFilter filter);

  // Control thread.
  void Enqueue(std::shared_ptr<const NodeTracks> tracks, bool snapshot);
  void Forget(const std::string& node_id) { sent_.erase(node_id); }
  bool Wants(const std::string& node_id) const {
    return node_ids_.empty() || node_ids_.count(node_id) != 0;
  }

 private:
  struct Pending {
    std::shared_ptr<const NodeTracks> tracks;
    bool snapshot = false;
    uint64_t dropped = 0;
  };
  bool TakeNext(v1::TrackUpdate& out) override;
  void Forget() override { board_.Remove(this); }

  TrackBoard& board_;
  const std::set<std::string> node_ids_;
  const TrackFilter filter_;
  std::unordered_map<std::string, Pending> pending_;  // control thread: newest per node
  std::deque<std::string> order_;                     // control thread: nodes with pending
  std::unordered_map<std::string, uint64_t> sent_;    // control thread: version last queued
};

}  // namespace radarhub::tracker
