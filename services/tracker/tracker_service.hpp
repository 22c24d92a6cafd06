#pragma once

#include <utility>

#include <grpcpp/health_check_service_interface.h>
#include <boost/asio/any_io_executor.hpp>

#include <atomic>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "control_writer.hpp"
#include "node_table.hpp"
#include "radarhub/rpc/api_token.hpp"
#include "radarhub/service/health_service.hpp"
#include "radarhub/v1/radarhub.grpc.pb.h"
#include "track_board.hpp"

namespace radarhub::tracker {

class HealthWatcher;

// Publishes each node's health where clients look: grpc.health.v1 `node/<id>` and every
// WatchHealth stream. All state lives on one "control" thread; Changed() may be called from any.
// Every change is published, in order: states carry the receiver's version, so one reported late
// by a racing thread is dropped instead of published after a newer one.
class HealthBoard final {
 public:
  HealthBoard(boost::asio::any_io_executor control, const NodeTable& table);

  void Attach(service::HealthService* health);  // before any Changed()
  void Changed(const std::string& node_id, const receiver::HealthState& state);
  // A node is no longer tracked (--forget-after).
  void Forget(const std::string& node_id);
  // Ends every watcher with UNAVAILABLE once it has written what it holds; refuses new ones.
  void Drain();
  size_t watchers() const { return watcher_count_.load(); }

  // Control thread only (HealthWatcher).
  void Add(HealthWatcher* watcher);
  void Remove(HealthWatcher* watcher);
  const boost::asio::any_io_executor& control() const { return control_; }

 private:
  void Publish(const std::string& node_id, const receiver::HealthState& state);

  const boost::asio::any_io_executor control_;
  const NodeTable& table_;
  service::HealthService* health_ = nullptr;
  struct Published {
    const TrackedNode* node = nullptr;  // a node tracked again is a new one: its versions restart
    uint64_t version = 0;
  };
  std::unordered_map<std::string, Published> published_;  // control thread
  std::vector<HealthWatcher*> watchers_;                  // control thread
  bool draining_ = false;                                 // control thread
  std::atomic<size_t> watcher_count_{0};
};

// One WatchHealth stream: the current state of the requested nodes first, then every change, in
// order. A watcher too slow to take them (more pending than kMaxPending) has its backlog collapsed
// to each node's latest state, so it holds at most one entry per node. Control thread.
class HealthWatcher final : public ControlThreadWriter<v1::NodeHealth> {
 public:
  HealthWatcher(HealthBoard& board, std::set<std::string> node_ids);

  static constexpr size_t kMaxPending = 4096;

  // Control thread.
  void Enqueue(v1::NodeHealth health);
  bool Wants(const std::string& node_id) const {
    return node_ids_.empty() || node_ids_.count(node_id) != 0;
  }

 private:
  bool TakeNext(v1::NodeHealth& out) override;
  void Forget() override { board_.Remove(this); }

  HealthBoard& board_;
  const std::set<std::string> node_ids_;
  std::deque<v1::NodeHealth> pending_;  // control thread, FIFO
};

// radarhub.v1.Tracker (api.md): ListNodes, WatchHealth, ListTracks and StreamTracks, behind the
// API token.
class TrackerService final : public v1::Tracker::CallbackService {
 public:
  TrackerService(const rpc::ApiTokenGuard& api_token, const NodeTable& table, HealthBoard& board,
                 TrackBoard& tracks)
      : api_token_(api_token), table_(table), board_(board), tracks_(tracks) {}

  grpc::ServerUnaryReactor* ListNodes(grpc::CallbackServerContext* context,
                                      const v1::TrackerListNodesRequest* request,
                                      v1::TrackerListNodesResponse* response) override;
  grpc::ServerWriteReactor<v1::NodeHealth>* WatchHealth(
      grpc::CallbackServerContext* context, const v1::WatchHealthRequest* request) override;
  grpc::ServerUnaryReactor* ListTracks(grpc::CallbackServerContext* context,
                                       const v1::ListTracksRequest* request,
                                       v1::ListTracksResponse* response) override;
  grpc::ServerWriteReactor<v1::TrackUpdate>* StreamTracks(
      grpc::CallbackServerContext* context, const v1::StreamTracksRequest* request) override;

 private:
  const rpc::ApiTokenGuard& api_token_;
  const NodeTable& table_;
  HealthBoard& board_;
  TrackBoard& tracks_;
};

}  // namespace radarhub::tracker
