#pragma once

#include <grpcpp/create_channel.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "radarhub/v1/radarhub.grpc.pb.h"
#include "support/child_process.hpp"
#include "support/grpc_stream.hpp"

namespace radarhub::testing {

using namespace std::chrono_literals;

inline const std::string kNodeToken = "n0de-t0ken";

inline std::string Hello(const std::string& node) {
  return R"({"node_id":")" + node + R"(","token":")" + kNodeToken +
         R"(","type":"heartbeat"})"
         "\n";
}

inline std::string Frame(const std::string& node, int64_t timestamp) {
  return R"({"node_id":")" + node + R"(","timestamp":)" + std::to_string(timestamp) +
         R"(,"delay":[1.5,2.5],"doppler":[-3.25,4],"snr":[10,11]})"
         "\n";
}

// A real radarhub-ingest on loopback; with ports given, it binds those (a restart).
inline std::unique_ptr<ChildProcess> StartIngest(uint16_t node_port = 0, uint16_t grpc_port = 0,
                                                 std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"--node-listen",    "127.0.0.1:" + std::to_string(node_port),
                                   "--grpc-listen",    "127.0.0.1:" + std::to_string(grpc_port),
                                   "--metrics-listen", "",
                                   "--io-threads",     "1",
                                   "--token",          kNodeToken};
  args.insert(args.end(), extra.begin(), extra.end());
  return std::make_unique<ChildProcess>(RADARHUB_INGEST_BIN, args);
}

// WatchHealth on a tracker, with each node's latest state as the test saw it arrive.
class HealthWatch final {
 public:
  explicit HealthWatch(uint16_t tracker_port)
      : stub_(v1::Tracker::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(tracker_port),
                                                       grpc::InsecureChannelCredentials()))),
        reader_([this](grpc::ClientContext& context) {
          return stub_->WatchHealth(&context, v1::WatchHealthRequest());
        }) {}

  // Waits until every node in `nodes` has last reported `reason`; returns when the last of them
  // arrived, or nullopt on timeout.
  std::optional<std::chrono::steady_clock::time_point> WaitAll(
      const std::vector<std::string>& nodes, const std::string& reason,
      std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      bool all = true;
      auto last = std::chrono::steady_clock::time_point{};
      for (const auto& id : nodes) {
        const auto it = latest_.find(id);
        all = all && it != latest_.end() && it->second.first.reason() == reason;
        if (it != latest_.end()) last = std::max(last, it->second.second);
      }
      if (all) return last;
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return std::nullopt;
      auto next =
          reader_.Next(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
      if (!next) return std::nullopt;
      latest_[next->node_id()] = {*next, std::chrono::steady_clock::now()};
    }
  }

  const v1::NodeHealth& Latest(const std::string& node) { return latest_[node].first; }
  // How the stream ended, once it has; updates seen before the end are skipped.
  std::optional<grpc::Status> Ended(std::chrono::milliseconds timeout = 10s) {
    return reader_.Ended(timeout);
  }

 private:
  std::unique_ptr<v1::Tracker::Stub> stub_;
  StreamReader<v1::NodeHealth> reader_;
  std::map<std::string, std::pair<v1::NodeHealth, std::chrono::steady_clock::time_point>> latest_;
};

inline std::vector<v1::NodeHealth> ListTrackerNodes(uint16_t tracker_port) {
  auto stub = v1::Tracker::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(tracker_port),
                                                       grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 5s);
  v1::TrackerListNodesResponse response;
  if (!stub->ListNodes(&context, {}, &response).ok()) return {};
  return {response.nodes().begin(), response.nodes().end()};
}

}  // namespace radarhub::testing
