#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ingest_app.hpp"
#include "radarhub/v1/radarhub.pb.h"
#include "support/tcp_client.hpp"
#include "support/wait.hpp"

namespace radarhub::ingest::testing {

using radarhub::testing::TcpClient;
using radarhub::testing::WaitFor;
using namespace std::chrono_literals;

inline const std::string kToken = "s3cret";

inline std::string Hello(const std::string& node, const std::string& token = kToken) {
  return R"({"node_id":")" + node + R"(","token":")" + token +
         R"(","type":"heartbeat","status":"ok"})" + "\n";
}

inline std::string FrameLine(const std::string& node, int64_t timestamp, int detections = 2) {
  std::string d, dop, snr;
  for (int i = 0; i < detections; ++i) {
    const std::string sep = i ? "," : "";
    d += sep + std::to_string(10 + i) + ".5";
    dop += sep + "-" + std::to_string(i) + ".25";
    snr += sep + "12";
  }
  return R"({"node_id":")" + node + R"(","timestamp":)" + std::to_string(timestamp) +
         R"(,"delay":[)" + d + R"(],"doppler":[)" + dop + R"(],"snr":[)" + snr + "]}\n";
}

// An ingest running in-process on loopback port 0, observed through a hub subscription that
// sees every node from the start.
class IngestFixture : public ::testing::Test {
 protected:
  IngestFixture() {
    config_.node_listen = {"127.0.0.1", 0};
    config_.grpc_listen = {"127.0.0.1", 0};
    config_.metrics_listen.reset();
    config_.io_threads = 2;
    config_.token = kToken;
  }
  ~IngestFixture() override {
    if (app_) app_->Stop();
  }

  void StartIngest() {
    app_ = std::make_unique<IngestApp>(config_);
    std::string error;
    ASSERT_TRUE(app_->Start(error)) << error;
    events_ = app_->hub().Subscribe({});
  }

  std::unique_ptr<TcpClient> Connect() { return std::make_unique<TcpClient>(app_->node_port()); }

  // The next event (frame, status or gap) the subscriber receives, waiting up to `timeout`.
  std::optional<v1::NodeEvent> NextEvent(std::chrono::milliseconds timeout = 5s) {
    if (pending_.empty()) {
      std::vector<hub::Delivery> got;
      events_->WaitPop(got, 1 << 20, timeout);
      for (auto& d : got) pending_.push_back(std::move(d));
    }
    if (pending_.empty()) return std::nullopt;
    hub::Delivery d = std::move(pending_.front());
    pending_.erase(pending_.begin());
    v1::NodeEvent event;
    if (d.event) {
      event.ParseFromString(d.event->payload);
    } else {
      event.set_node_id(*d.node_id);
      event.mutable_dropped()->set_from_sequence(d.from_sequence);
      event.mutable_dropped()->set_to_sequence(d.to_sequence);
    }
    return event;
  }

  // The next `n` frames, skipping status events; fewer if they do not come in time.
  std::vector<v1::DetectionFrame> NextFrames(size_t n, std::chrono::milliseconds timeout = 5s) {
    std::vector<v1::DetectionFrame> frames;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (frames.size() < n && std::chrono::steady_clock::now() < deadline) {
      const auto e = NextEvent(std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now()));
      if (e && e->has_frame()) frames.push_back(e->frame());
    }
    return frames;
  }

  // The next status event of `node`, skipping others.
  std::optional<v1::NodeStatus> NextStatus(const std::string& node,
                                           std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      const auto e = NextEvent(std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now()));
      if (e && e->has_status() && e->node_id() == node) return e->status();
    }
    return std::nullopt;
  }

  // Frames delivered so far, without waiting.
  size_t DrainFrames() {
    size_t n = 0;
    while (const auto e = NextEvent(0ms)) n += e->has_frame() ? 1 : 0;
    return n;
  }

  uint64_t Closed(CloseReason reason) { return app_->metrics().closed(reason); }

  IngestConfig config_;
  std::unique_ptr<IngestApp> app_;
  std::shared_ptr<hub::SubscriberQueue> events_;
  std::vector<hub::Delivery> pending_;
};

}  // namespace radarhub::ingest::testing
