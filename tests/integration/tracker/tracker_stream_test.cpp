// An in-process tracker (so the test sees every frame its processing loops take) against real
// radarhub-ingest processes over real gRPC, with a loopback proxy the test can break.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <grpcpp/create_channel.h>

#include "grpc/health/v1/health.grpc.pb.h"
#include "radarhub/v1/radarhub.grpc.pb.h"
#include "support/tcp_client.hpp"
#include "support/tcp_proxy.hpp"
#include "support/wait.hpp"
#include "tracker_app.hpp"
#include "tracker_support.hpp"

namespace radarhub::testing {
namespace {

using tracker::FrameStage;
using tracker::TrackerApp;
using tracker::TrackerConfig;

// What the processing loops took, per node, in order. A node can be held: its stage blocks
// (a slow tracker) until released.
class Recorder {
 public:
  void Take(const v1::DetectionFrame& frame) {
    std::unique_lock lock(mu_);
    taken_[frame.node_id()].push_back(frame.sequence());
    changed_.notify_all();
    changed_.wait(lock, [&] { return held_.count(frame.node_id()) == 0; });
  }
  void Hold(const std::string& node) {
    std::lock_guard lock(mu_);
    held_.insert(node);
  }
  void ReleaseAll() {
    std::lock_guard lock(mu_);
    held_.clear();
    changed_.notify_all();
  }
  void Release(const std::string& node) {
    std::lock_guard lock(mu_);
    held_.erase(node);
    changed_.notify_all();
  }
  std::vector<uint64_t> Taken(const std::string& node) {
    std::lock_guard lock(mu_);
    return taken_[node];
  }
  bool WaitTaken(const std::string& node, size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, timeout, [&] { return taken_[node].size() >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::map<std::string, std::vector<uint64_t>> taken_;
  std::set<std::string> held_;
};

class RecordingStage final : public FrameStage {
 public:
  explicit RecordingStage(Recorder& recorder) : recorder_(recorder) {}
  void Process(v1::DetectionFrame& frame) override { recorder_.Take(frame); }

 private:
  Recorder& recorder_;
};

class TrackerStreamTest : public ::testing::Test {
 protected:
  // Not a default argument `= {}`: GCC 12 -O3 then warns falsely (-Wmaybe-uninitialized).
  void StartTracker(uint16_t ingest_grpc_port) {
    TrackerConfig config;
    StartTracker(ingest_grpc_port, std::move(config));
  }
  void StartTracker(uint16_t ingest_grpc_port, TrackerConfig config) {
    config.ingest = {{{"127.0.0.1", ingest_grpc_port}, false}};
    config.grpc_listen = {"127.0.0.1", 0};
    config.metrics_listen.reset();
    tracker_ = std::make_unique<TrackerApp>(
        config, [this](const std::string&) { return std::make_unique<RecordingStage>(recorder_); });
    std::string error;
    ASSERT_TRUE(tracker_->Start(error)) << error;
  }

  std::shared_ptr<tracker::TrackedNode> WaitHealthy(const std::string& node,
                                                    std::chrono::milliseconds timeout = 10s) {
    std::shared_ptr<tracker::TrackedNode> found;
    WaitFor(
        [&] {
          found = tracker_->table().Find(node);
          return found && found->receiver().Healthy();
        },
        timeout);
    return found && found->receiver().Healthy() ? found : nullptr;
  }

  // A real ingest, the tracker reaching it through a proxy the test can break, and node radar1
  // connected; the tracked node once healthy (null if it never is).
  std::shared_ptr<tracker::TrackedNode> StartBehindProxy(
      std::vector<std::string> ingest_args = {}) {
    ingest_ = StartIngest(0, 0, std::move(ingest_args));
    const uint16_t grpc_port = ingest_->ListeningPort("grpc");
    if (grpc_port == 0) return nullptr;
    proxy_ = std::make_unique<TcpProxy>(grpc_port);
    StartTracker(proxy_->port());
    node_ = std::make_unique<TcpClient>(ingest_->ListeningPort("node"));
    if (!node_->Send(Hello("radar1"))) return nullptr;
    return WaitHealthy("radar1");
  }

  // A held stage would block the tracker's shutdown if an assertion ended the test early.
  void TearDown() override {
    recorder_.ReleaseAll();
    tracker_.reset();
  }

  std::unique_ptr<ChildProcess> ingest_;
  std::unique_ptr<TcpProxy> proxy_;
  std::unique_ptr<TcpClient> node_;
  Recorder recorder_;
  std::unique_ptr<TrackerApp> tracker_;
};

// Only the tracker's gRPC connection breaks, for 2 s, while the node keeps sending: the stream
// comes back by itself, resumes from the last (epoch, sequence), and the processing loop gets
// every frame exactly once, in order.
TEST_F(TrackerStreamTest, BrokenStreamResumesWithEveryFrameInOrderNoneTwice) {
  const auto tracked = StartBehindProxy();
  ASSERT_TRUE(tracked) << "never healthy";

  constexpr int kFrames = 1500;  // 3 s at 500 Hz: the break falls in the middle
  std::atomic<int> sent{0};
  std::thread sender([&] {
    for (int i = 1; i <= kFrames; ++i) {
      node_->Send(Frame("radar1", 1000 + i));
      sent.store(i);
      std::this_thread::sleep_for(2ms);
    }
  });
  ASSERT_TRUE(WaitFor([&] { return sent.load() >= 200; }));
  proxy_->Break();
  EXPECT_TRUE(WaitFor([&] { return !tracked->receiver().Healthy(); }, 1s))
      << "a broken stream must turn the node unhealthy";
  EXPECT_EQ(tracking::ToString(tracked->receiver().health().reason), "ingest_unreachable");
  std::this_thread::sleep_for(2s);
  const int sent_during_break = sent.load();
  proxy_->Heal();
  sender.join();
  EXPECT_GT(sent_during_break, 400) << "the node kept sending through the break";

  ASSERT_TRUE(recorder_.WaitTaken("radar1", kFrames, 20s))
      << "took " << recorder_.Taken("radar1").size() << " of " << kFrames;
  const auto taken = recorder_.Taken("radar1");
  ASSERT_EQ(taken.size(), static_cast<size_t>(kFrames));
  for (size_t i = 0; i < taken.size(); ++i) ASSERT_EQ(taken[i], i + 1) << "at " << i;
  const auto c = tracked->receiver().counters();
  EXPECT_EQ(c.missed, 0u);
  EXPECT_EQ(c.dropped, 0u);
  EXPECT_TRUE(tracked->receiver().Healthy());
  EXPECT_GE(tracker_->metrics().reconnects().load(), 1u);
}

// A node that has only said hello when the tracker's stream breaks, and sends its first frames
// during the break: the resumed stream still brings every one of them.
TEST_F(TrackerStreamTest, FirstFramesSentDuringABreakAreNotLost) {
  const auto tracked = StartBehindProxy();
  ASSERT_TRUE(tracked);
  proxy_->Break();
  ASSERT_TRUE(WaitFor([&] { return !tracked->receiver().Healthy(); }, 1s));
  std::string lines;
  for (int i = 1; i <= 20; ++i) lines += Frame("radar1", i);
  ASSERT_TRUE(node_->Send(lines));
  proxy_->Heal();
  ASSERT_TRUE(recorder_.WaitTaken("radar1", 20, 20s));
  const auto taken = recorder_.Taken("radar1");
  for (size_t i = 0; i < taken.size(); ++i) EXPECT_EQ(taken[i], i + 1);
}

// When the ingest no longer holds what the tracker lacks (its replay ring is smaller than the
// break), the resumed stream announces the gap and the tracker counts it as missed: every frame
// is either taken, in order, or counted.
TEST_F(TrackerStreamTest, FramesBeyondTheReplayRingAreCountedAsMissed) {
  const auto tracked = StartBehindProxy({"--replay-frames", "50"});
  ASSERT_TRUE(tracked);
  std::string lines;
  for (int i = 1; i <= 10; ++i) lines += Frame("radar1", i);
  ASSERT_TRUE(node_->Send(lines));
  ASSERT_TRUE(recorder_.WaitTaken("radar1", 10, 5s));

  proxy_->Break();
  ASSERT_TRUE(WaitFor([&] { return !tracked->receiver().Healthy(); }, 1s));
  lines.clear();
  for (int i = 11; i <= 210; ++i) lines += Frame("radar1", i);
  ASSERT_TRUE(node_->Send(lines));
  proxy_->Heal();

  ASSERT_TRUE(recorder_.WaitTaken("radar1", 60, 20s));
  const auto taken = recorder_.Taken("radar1");
  ASSERT_EQ(taken.size(), 60u);
  for (size_t i = 0; i < 10; ++i) EXPECT_EQ(taken[i], i + 1);
  for (size_t i = 10; i < 60; ++i) EXPECT_EQ(taken[i], 151 + i) << "the 50 the ingest still held";
  EXPECT_EQ(tracked->receiver().counters().missed, 150u);
  EXPECT_EQ(tracked->receiver().counters().received, 60u);
}

// Nodes that appear while the tracker runs are followed from their first frame, even when each
// says hello and sends 200 frames at once, before the tracker's stream for it is open (issue 14:
// the tracker used to start them at the ingest's latest frame and took 91, 167 and 147 of 200).
TEST_F(TrackerStreamTest, NodeAppearingWhileTrackerRunsIsFollowedFromItsFirstFrame) {
  auto ingest = StartIngest();
  const uint16_t grpc_port = ingest->ListeningPort("grpc");
  ASSERT_NE(grpc_port, 0) << ingest->Stderr();
  StartTracker(grpc_port);
  // Once radar0 is tracked, the tracker's discovery stream is live: the three nodes below appear
  // while the tracker runs.
  TcpClient first(ingest->ListeningPort("node"));
  ASSERT_TRUE(first.Send(Hello("radar0")));
  ASSERT_TRUE(WaitHealthy("radar0"));
  const std::vector<std::string> ids = {"radar1", "radar2", "radar3"};
  constexpr int kFrames = 200;
  std::vector<std::unique_ptr<TcpClient>> nodes;
  for (const std::string& id : ids) {
    std::string lines = Hello(id);
    for (int i = 1; i <= kFrames; ++i) lines += Frame(id, i);
    nodes.push_back(std::make_unique<TcpClient>(ingest->ListeningPort("node")));
    ASSERT_TRUE(nodes.back()->Send(lines));
  }
  for (const std::string& id : ids) {
    ASSERT_TRUE(recorder_.WaitTaken(id, kFrames, 10s))
        << id << " took " << recorder_.Taken(id).size() << " of " << kFrames;
    const auto taken = recorder_.Taken(id);
    ASSERT_EQ(taken.size(), static_cast<size_t>(kFrames)) << id;
    for (size_t i = 0; i < taken.size(); ++i) ASSERT_EQ(taken[i], i + 1) << id << " at " << i;
    const auto c = tracker_->table().Find(id)->receiver().counters();
    EXPECT_EQ(c.missed, 0u) << id;
    EXPECT_EQ(c.dropped, 0u) << id;
  }
}

// The ingest forgets a node that stayed away for its --forget-after; back, the node counts from
// sequence 1 in a new epoch. The tracker, still following it, takes every frame of both lives.
TEST_F(TrackerStreamTest, NodeForgottenByTheIngestIsFollowedWhenItReturns) {
  auto ingest = StartIngest(0, 0, {"--forget-after", "1s"});
  const uint16_t grpc_port = ingest->ListeningPort("grpc");
  ASSERT_NE(grpc_port, 0) << ingest->Stderr();
  StartTracker(grpc_port);
  constexpr int kFrames = 50;
  auto send = [&](int64_t first_timestamp) {
    TcpClient node(ingest->ListeningPort("node"));
    std::string lines = Hello("radar1");
    for (int i = 0; i < kFrames; ++i) lines += Frame("radar1", first_timestamp + i);
    ASSERT_TRUE(node.Send(lines));
    ASSERT_TRUE(recorder_.WaitTaken("radar1", recorder_.Taken("radar1").size() + kFrames, 10s));
  };
  send(1000);
  auto stub = v1::Ingest::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(grpc_port),
                                                      grpc::InsecureChannelCredentials()));
  ASSERT_TRUE(WaitFor(
      [&] {
        grpc::ClientContext context;
        v1::GetNodeRequest request;
        request.set_node_id("radar1");
        v1::NodeStatus status;
        return stub->GetNode(&context, request, &status).error_code() ==
               grpc::StatusCode::NOT_FOUND;
      },
      10s))
      << "the ingest never forgot radar1";
  send(5000);
  const auto taken = recorder_.Taken("radar1");
  ASSERT_EQ(taken.size(), 2u * kFrames);
  for (size_t i = 0; i < taken.size(); ++i) EXPECT_EQ(taken[i], i % kFrames + 1) << "at " << i;
  const auto c = tracker_->table().Find("radar1")->receiver().counters();
  EXPECT_EQ(c.missed, 0u);
  EXPECT_EQ(c.dropped, 0u);
}

// A node that was connected before the tracker started begins at the ingest's latest frame (its
// history before the tracker is not replayed), and from there nothing is lost.
TEST_F(TrackerStreamTest, NodeConnectedBeforeTheTrackerStartsAtItsLatestFrame) {
  auto ingest = StartIngest();
  const uint16_t grpc_port = ingest->ListeningPort("grpc");
  ASSERT_NE(grpc_port, 0) << ingest->Stderr();
  TcpClient node(ingest->ListeningPort("node"));
  std::string lines = Hello("radar1");
  for (int i = 1; i <= 50; ++i) lines += Frame("radar1", i);
  ASSERT_TRUE(node.Send(lines));
  // A new stream's snapshot carries the node's status of the ingest's last 1 Hz refresh: wait
  // until that has seen all 50 frames.
  auto client = v1::Ingest::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(grpc_port),
                                                        grpc::InsecureChannelCredentials()));
  ASSERT_TRUE(WaitFor([&] {
    grpc::ClientContext context;
    v1::SubscribeRequest request;
    request.add_node_ids("radar1");
    v1::SubscribeResponse response;
    auto reader = client->Subscribe(&context, request);
    const bool read = reader->Read(&response);
    context.TryCancel();
    return read && response.events_size() > 0 && response.events(0).status().last_sequence() == 50;
  }));
  StartTracker(grpc_port);
  ASSERT_TRUE(recorder_.WaitTaken("radar1", 1, 10s));
  lines.clear();
  for (int i = 51; i <= 100; ++i) lines += Frame("radar1", i);
  ASSERT_TRUE(node.Send(lines));
  ASSERT_TRUE(recorder_.WaitTaken("radar1", 51, 10s));
  const auto taken = recorder_.Taken("radar1");
  ASSERT_EQ(taken.size(), 51u);
  for (size_t i = 0; i < taken.size(); ++i) EXPECT_EQ(taken[i], 50 + i) << "at " << i;
}

// --forget-after: an auto-provisioned node that stays away that long is no longer tracked, and
// its place under --max-nodes goes to the next node; when it comes back it is tracked afresh.
// (Without it, ids that came and went filled --max-nodes for good.)
TEST_F(TrackerStreamTest, NodesAwayForForgetAfterFreeTheirPlace) {
  auto ingest = StartIngest();
  const uint16_t grpc_port = ingest->ListeningPort("grpc");
  ASSERT_NE(grpc_port, 0) << ingest->Stderr();
  TrackerConfig config;
  config.max_nodes = 1;
  config.forget_after = std::chrono::milliseconds(500);
  StartTracker(grpc_port, config);
  {
    TcpClient first(ingest->ListeningPort("node"));
    ASSERT_TRUE(first.Send(Hello("radar1") + Frame("radar1", 1)));
    ASSERT_TRUE(recorder_.WaitTaken("radar1", 1, 10s));
  }  // radar1 leaves
  ASSERT_TRUE(WaitFor([&] { return tracker_->table().Find("radar1") == nullptr; }, 10s))
      << "radar1 still tracked";
  // Its node/<id> health entry goes with it: ids come and go, entries must not pile up.
  auto health = grpc::health::v1::Health::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(tracker_->grpc_port()), grpc::InsecureChannelCredentials()));
  EXPECT_TRUE(WaitFor([&] {
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckRequest request;
    request.set_service("node/radar1");
    grpc::health::v1::HealthCheckResponse response;
    return health->Check(&context, request, &response).error_code() == grpc::StatusCode::NOT_FOUND;
  }));

  TcpClient second(ingest->ListeningPort("node"));
  ASSERT_TRUE(second.Send(Hello("radar2") + Frame("radar2", 1)));
  ASSERT_TRUE(recorder_.WaitTaken("radar2", 1, 10s)) << "radar2 got the freed place";
  EXPECT_EQ(tracker_->table().refused(), 0u);
  const auto all = tracker_->table().All();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0]->id(), "radar2");
}

// A stalled processing loop costs its own node's oldest frames, counted, and nothing else: the
// stream reader keeps taking frames (ingest never has to drop any for this tracker), the queue
// keeps the newest, and another node's frames flow meanwhile.
TEST_F(TrackerStreamTest, QueueOverflowDropsOldestAndNeverBlocksTheReader) {
  auto ingest = StartIngest();
  const uint16_t grpc_port = ingest->ListeningPort("grpc");
  ASSERT_NE(grpc_port, 0) << ingest->Stderr();
  TrackerConfig config;
  config.queue_size = 50;
  // The held stage blocks its worker: the other node runs on the second one. (A stage that is
  // merely slow yields its worker every batch of frames.)
  config.worker_threads = 2;
  StartTracker(grpc_port, config);
  TcpClient slow(ingest->ListeningPort("node")), other(ingest->ListeningPort("node"));
  ASSERT_TRUE(slow.Send(Hello("radar1")));
  ASSERT_TRUE(other.Send(Hello("radar2")));
  const auto tracked = WaitHealthy("radar1");
  ASSERT_TRUE(tracked);
  ASSERT_TRUE(WaitHealthy("radar2"));

  recorder_.Hold("radar1");
  ASSERT_TRUE(slow.Send(Frame("radar1", 1)));
  ASSERT_TRUE(recorder_.WaitTaken("radar1", 1, 5s)) << "the stage now holds frame 1";
  constexpr int kFrames = 1000;
  std::string burst;
  for (int i = 2; i <= kFrames; ++i) burst += Frame("radar1", i);
  ASSERT_TRUE(slow.Send(burst));
  for (int i = 1; i <= 20; ++i) ASSERT_TRUE(other.Send(Frame("radar2", i)));

  ASSERT_TRUE(WaitFor([&] { return tracked->receiver().counters().received == kFrames; }, 10s))
      << "received " << tracked->receiver().counters().received;
  const auto c = tracked->receiver().counters();
  EXPECT_EQ(c.dropped, static_cast<uint64_t>(kFrames - 1 - 50));
  EXPECT_EQ(c.missed, 0u) << "the reader kept up: ingest dropped nothing for this stream";
  EXPECT_EQ(tracked->receiver().queue_depth(), 50u);
  EXPECT_TRUE(recorder_.WaitTaken("radar2", 20, 5s)) << "another node is not held up";

  recorder_.Release("radar1");
  ASSERT_TRUE(recorder_.WaitTaken("radar1", 51, 5s));
  const auto taken = recorder_.Taken("radar1");
  ASSERT_EQ(taken.size(), 51u);
  EXPECT_EQ(taken[0], 1u);
  for (size_t i = 1; i < taken.size(); ++i) EXPECT_EQ(taken[i], kFrames - 50 + i) << i;
}

// --max-nodes caps auto-provision (the rest are counted, not tracked); --nodes fixes the set,
// known from the start with no_data until an ingest reports them.
TEST_F(TrackerStreamTest, ProvisionsUpToMaxNodesOrExactlyTheFixedSet) {
  auto ingest = StartIngest();
  const uint16_t grpc_port = ingest->ListeningPort("grpc");
  ASSERT_NE(grpc_port, 0) << ingest->Stderr();
  std::vector<std::unique_ptr<TcpClient>> nodes;
  {
    TrackerConfig config;
    config.max_nodes = 2;
    StartTracker(grpc_port, config);
    for (const char* id : {"radar1", "radar2", "radar3"}) {
      nodes.push_back(std::make_unique<TcpClient>(ingest->ListeningPort("node")));
      ASSERT_TRUE(nodes.back()->Send(Hello(id)));
    }
    ASSERT_TRUE(WaitFor([&] { return tracker_->table().refused() == 1; }));
    EXPECT_EQ(tracker_->table().All().size(), 2u);
    tracker_->Stop();
  }
  TrackerConfig config;
  config.nodes = {"radar3", "radar9"};
  StartTracker(grpc_port, config);
  const auto all = tracker_->table().All();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0]->id(), "radar3");
  EXPECT_EQ(all[1]->id(), "radar9");
  EXPECT_TRUE(WaitHealthy("radar3"));
  // The ingest is up but has never seen radar9.
  EXPECT_TRUE(WaitFor([&] {
    return tracking::ToString(tracker_->table().Find("radar9")->receiver().health().reason) ==
           "node_disconnected";
  }));
  EXPECT_EQ(tracker_->table().All().size(), 2u) << "radar1 and radar2 stay untracked";
  tracker_->Stop();

  // No ingest to reach at all: a fixed node says so rather than "no_data".
  TcpClient placeholder(ingest->ListeningPort("node"));   // a port known to be ours...
  const uint16_t closed_port = placeholder.local_port();  // ...and one nothing listens on
  placeholder.Close();
  StartTracker(closed_port, config);
  EXPECT_TRUE(WaitFor([&] {
    return tracking::ToString(tracker_->table().Find("radar9")->receiver().health().reason) ==
           "ingest_unreachable";
  }));
}

}  // namespace
}  // namespace radarhub::testing
