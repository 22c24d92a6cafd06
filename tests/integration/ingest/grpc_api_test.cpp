// The ingest's gRPC face (api.md) against a real in-process ingest, with real gRPC clients over
// loopback and real node connections.
#include <grpcpp/create_channel.h>
#include <sys/stat.h>

#include <cstdlib>
#include <deque>
#include <fstream>
#include <thread>

#include "grpc/health/v1/health.grpc.pb.h"
#include "ingest_fixture.hpp"
#include "radarhub/v1/radarhub.grpc.pb.h"
#include "support/grpc_stream.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"

namespace radarhub::ingest::testing {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;
using radarhub::testing::StreamReader;

// A Subscribe call whose responses are flattened into events.
class Subscription {
 public:
  Subscription(v1::Ingest::Stub& stub, v1::SubscribeRequest request,
               const std::function<void(grpc::ClientContext&)>& setup = {})
      : request_(std::move(request)),
        reader_([&stub, this](grpc::ClientContext& c) { return stub.Subscribe(&c, request_); },
                setup) {}

  std::optional<v1::NodeEvent> Next(std::chrono::milliseconds timeout = 5s) {
    if (pending_.empty()) {
      const auto response = reader_.Next(timeout);
      if (!response) return std::nullopt;
      ++responses_;
      for (const auto& e : response->events()) pending_.push_back(e);
    }
    v1::NodeEvent e = std::move(pending_.front());
    pending_.pop_front();
    return e;
  }
  // The next frame event, skipping status events; gaps are returned too.
  std::optional<v1::NodeEvent> NextFrameOrGap(std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto e = Next(std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now()));
      if (e && !e->has_status()) return e;
    }
    return std::nullopt;
  }
  std::optional<grpc::Status> Ended(std::chrono::milliseconds timeout = 5s) {
    return reader_.Ended(timeout);
  }
  void Cancel() { reader_.Cancel(); }
  size_t responses() const { return responses_; }

 private:
  v1::SubscribeRequest request_;
  StreamReader<v1::SubscribeResponse> reader_;
  std::deque<v1::NodeEvent> pending_;
  size_t responses_ = 0;
};

v1::SubscribeRequest Request(std::vector<std::string> nodes, bool frames = true) {
  v1::SubscribeRequest r;
  for (auto& n : nodes) r.add_node_ids(n);
  r.set_frames(frames);
  return r;
}

class GrpcApiTest : public IngestFixture {
 protected:
  void StartIngest() {
    IngestFixture::StartIngest();
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(app_->grpc_port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = v1::Ingest::NewStub(channel_);
    health_ = Health::NewStub(channel_);
  }

  // A node connected with its hello sent; waits until ingest has attached it.
  std::unique_ptr<TcpClient> ConnectNode(const std::string& node) {
    auto c = Connect();
    EXPECT_TRUE(c->Send(Hello(node)));
    EXPECT_TRUE(WaitFor([&] {
      const auto n = app_->registry().Find(node);
      return n != nullptr && app_->registry().Connected(*n);
    }));
    return c;
  }
  void WaitAccepted(const std::string& node, uint64_t frames) {
    ASSERT_TRUE(WaitFor([&] {
      const auto n = app_->registry().Find(node);
      return n != nullptr && app_->registry().Counters(*n).frames_accepted >= frames;
    }));
  }

  HealthCheckResponse::ServingStatus Check(const std::string& service, grpc::Status* status) {
    grpc::ClientContext context;
    HealthCheckRequest request;
    request.set_service(service);
    HealthCheckResponse response;
    *status = health_->Check(&context, request, &response);
    return response.status();
  }

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Ingest::Stub> stub_;
  std::unique_ptr<Health::Stub> health_;
};

TEST_F(GrpcApiTest, ListNodesAndGetNodeReportKnownNodes) {
  StartIngest();
  auto node = ConnectNode("radar1");
  ASSERT_TRUE(node->Send(FrameLine("radar1", 1000) + FrameLine("radar1", 1001)));
  WaitAccepted("radar1", 2);

  grpc::ClientContext list_context;
  v1::ListNodesResponse list;
  ASSERT_TRUE(stub_->ListNodes(&list_context, {}, &list).ok());
  ASSERT_EQ(list.nodes_size(), 1);
  EXPECT_EQ(list.nodes(0).node_id(), "radar1");
  EXPECT_TRUE(list.nodes(0).connected());

  grpc::ClientContext get_context;
  v1::GetNodeRequest get;
  get.set_node_id("radar1");
  v1::NodeStatus status;
  ASSERT_TRUE(stub_->GetNode(&get_context, get, &status).ok());
  EXPECT_EQ(status.frames_accepted(), 2u);
  EXPECT_EQ(status.last_sequence(), 2u);
  EXPECT_EQ(status.epoch(), app_->epoch());
  EXPECT_FALSE(status.peer().empty());

  grpc::ClientContext unknown_context;
  get.set_node_id("nobody");
  EXPECT_EQ(stub_->GetNode(&unknown_context, get, &status).error_code(),
            grpc::StatusCode::NOT_FOUND);
  grpc::ClientContext bad_context;
  get.set_node_id("not a node id");
  EXPECT_EQ(stub_->GetNode(&bad_context, get, &status).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(GrpcApiTest, SubscribeStartsWithStatusAndLatestFrameThenGoesLive) {
  StartIngest();
  auto node = ConnectNode("radar1");
  ASSERT_TRUE(node->Send(FrameLine("radar1", 1000) + FrameLine("radar1", 1001)));
  WaitAccepted("radar1", 2);

  Subscription sub(*stub_, Request({"radar1"}));
  auto first = sub.Next();
  ASSERT_TRUE(first && first->has_status());
  EXPECT_TRUE(first->status().connected());
  auto latest = sub.Next();
  ASSERT_TRUE(latest && latest->has_frame());
  EXPECT_EQ(latest->frame().sequence(), 2u);

  const std::string adsb_frame =
      R"({"node_id":"radar1","timestamp":1002,"delay":[40.5,7],"doppler":[-28,3.25],)"
      R"("snr":[12.5,9],"adsb":[{"hex":"4ca2d1","flight":"RYR1XY","alt_baro":3500},null]})"
      "\n";
  ASSERT_TRUE(node->Send(adsb_frame));
  auto live = sub.NextFrameOrGap();
  ASSERT_TRUE(live && live->has_frame());
  const v1::DetectionFrame& f = live->frame();
  EXPECT_EQ(live->node_id(), "radar1");
  EXPECT_EQ(f.node_id(), "radar1");
  EXPECT_EQ(f.sequence(), 3u);
  EXPECT_EQ(f.epoch(), app_->epoch());
  EXPECT_EQ(f.timestamp_ms(), 1002);
  EXPECT_GT(f.received_at().seconds(), 1700000000);
  ASSERT_EQ(f.detections_size(), 2);
  EXPECT_DOUBLE_EQ(f.detections(0).delay(), 40.5);
  EXPECT_DOUBLE_EQ(f.detections(0).doppler(), -28);
  EXPECT_DOUBLE_EQ(f.detections(0).snr(), 12.5);
  EXPECT_EQ(f.detections(0).adsb().fields().at("hex").string_value(), "4ca2d1");
  EXPECT_EQ(f.detections(0).adsb().fields().at("alt_baro").number_value(), 3500);
  EXPECT_FALSE(f.detections(1).has_adsb());
}

TEST_F(GrpcApiTest, EveryNodeSubscriptionSeesNodesThatAppearLater) {
  StartIngest();
  Subscription sub(*stub_, Request({}));
  auto node = ConnectNode("late1");
  auto status = sub.Next();
  ASSERT_TRUE(status && status->has_status());
  EXPECT_EQ(status->node_id(), "late1");
  ASSERT_TRUE(node->Send(FrameLine("late1", 5)));
  auto frame = sub.NextFrameOrGap();
  ASSERT_TRUE(frame && frame->has_frame());
  EXPECT_EQ(frame->frame().sequence(), 1u);
}

TEST_F(GrpcApiTest, SubscriptionToANodeNotYetSeenWaitsForIt) {
  StartIngest();
  Subscription sub(*stub_, Request({"later"}));
  auto node = ConnectNode("later");
  ASSERT_TRUE(node->Send(FrameLine("later", 5)));
  auto status = sub.Next();
  ASSERT_TRUE(status && status->has_status());
  EXPECT_TRUE(status->status().connected());
  auto frame = sub.NextFrameOrGap();
  ASSERT_TRUE(frame && frame->has_frame());
}

// --forget-after: nodes disconnected that long leave the registry, the replay rings, ListNodes and
// /metrics, and give their places under --max-nodes back; connected nodes stay. A node that comes
// back counts again from sequence 1 in an epoch of its own, so trackers holding its old
// sequences do not take the new ones for duplicates; a subscription naming it keeps listening.
TEST_F(GrpcApiTest, NodesDisconnectedForForgetAfterAreForgottenAndComeBackInANewEpoch) {
  config_.forget_after = 1s;
  config_.max_nodes = 22;
  StartIngest();
  Subscription sub(*stub_, Request({"radar1"}));
  ASSERT_TRUE(WaitFor([&] { return app_->service()->streams() == 1; }));
  auto stays = ConnectNode("stays");
  grpc::ClientContext watch_context;
  HealthCheckRequest watch_request;
  watch_request.set_service("node/churn0");
  auto watch = health_->Watch(&watch_context, watch_request);
  HealthCheckResponse watched;
  ASSERT_TRUE(watch->Read(&watched));
  EXPECT_EQ(watched.status(), HealthCheckResponse::SERVICE_UNKNOWN) << "not seen yet";
  {
    auto node = ConnectNode("radar1");
    for (int t = 1; t <= 3; ++t) ASSERT_TRUE(node->Send(FrameLine("radar1", t)));
    WaitAccepted("radar1", 3);
  }
  for (int i = 0; i < 20; ++i) {
    const std::string id = "churn" + std::to_string(i);
    auto node = ConnectNode(id);
    ASSERT_TRUE(node->Send(FrameLine(id, 1)));
    WaitAccepted(id, 1);
  }
  for (uint64_t want = 1; want <= 3; ++want) {
    auto e = sub.NextFrameOrGap();
    ASSERT_TRUE(e && e->has_frame());
    EXPECT_EQ(e->frame().sequence(), want);
    EXPECT_EQ(e->frame().epoch(), app_->epoch());
  }

  ASSERT_TRUE(WaitFor([&] { return app_->registry().size() == 1; }, 10s))
      << app_->registry().size() << " nodes still registered";
  EXPECT_NE(app_->registry().Find("stays"), nullptr) << "connected nodes are never forgotten";
  EXPECT_EQ(app_->hub().channels(), 2u) << "stays, and radar1 for the subscription naming it";
  EXPECT_LT(app_->hub().replay_bytes(), 1000u) << "only stays' ring (no frames)";
  grpc::ClientContext list_context;
  v1::ListNodesResponse list;
  ASSERT_TRUE(stub_->ListNodes(&list_context, {}, &list).ok());
  ASSERT_EQ(list.nodes_size(), 1);
  size_t series = 0, forgotten = 0;
  for (const auto& family : app_->metrics().Collect()) {
    if (family.name == "radarhub_ingest_nodes_forgotten_total") {
      forgotten = static_cast<size_t>(family.metric.at(0).counter.value);
    }
    for (const auto& metric : family.metric) {
      for (const auto& label : metric.label) series += label.name == "node_id" ? 1 : 0;
    }
  }
  EXPECT_EQ(forgotten, 21u);
  EXPECT_EQ(series, 6u) << "one node's series: frames x3, out of order, bytes, connected";
  // Their node/<id> health entries go too (gRPC's default health service kept every one).
  grpc::Status check_status;
  Check("node/churn0", &check_status);
  EXPECT_EQ(check_status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Check("node/stays", &check_status), HealthCheckResponse::SERVING);
  std::vector<HealthCheckResponse::ServingStatus> seen;
  while (watch->Read(&watched)) {
    seen.push_back(watched.status());
    if (watched.status() == HealthCheckResponse::SERVICE_UNKNOWN) break;
  }
  // A watcher gets the latest state (SERVING may be folded into NOT_SERVING), then the forget.
  ASSERT_GE(seen.size(), 2u);
  EXPECT_EQ(seen[seen.size() - 2], HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(seen.back(), HealthCheckResponse::SERVICE_UNKNOWN);
  watch_context.TryCancel();
  // Their places are free again: --max-nodes is 22; 20 new ids and radar1 back fit.
  std::vector<std::unique_ptr<TcpClient>> fresh;
  for (int i = 0; i < 20; ++i) fresh.push_back(ConnectNode("new" + std::to_string(i)));

  auto back = ConnectNode("radar1");
  ASSERT_TRUE(back->Send(FrameLine("radar1", 100)));
  auto e = sub.NextFrameOrGap();
  ASSERT_TRUE(e && e->has_frame()) << "the subscription naming radar1 hears it back";
  EXPECT_EQ(e->frame().sequence(), 1u);
  EXPECT_NE(e->frame().epoch(), app_->epoch());
  EXPECT_EQ(e->frame().epoch(), app_->registry().Find("radar1")->epoch());
  grpc::ClientContext get_context;
  v1::GetNodeRequest get;
  get.set_node_id("radar1");
  v1::NodeStatus status;
  ASSERT_TRUE(stub_->GetNode(&get_context, get, &status).ok());
  EXPECT_EQ(status.epoch(), e->frame().epoch());
  EXPECT_EQ(status.frames_accepted(), 1u);
}

TEST_F(GrpcApiTest, StatusOnlySubscriptionGetsNoFrames) {
  StartIngest();
  Subscription sub(*stub_, Request({"radar1"}, /*frames=*/false));
  // The stream is open at the server before the node comes and goes (else its snapshot would
  // already say disconnected).
  ASSERT_TRUE(WaitFor([&] { return app_->service()->streams() == 1; }));
  auto node = ConnectNode("radar1");
  ASSERT_TRUE(node->Send(FrameLine("radar1", 1) + FrameLine("radar1", 2)));
  WaitAccepted("radar1", 2);
  node.reset();
  auto connected = sub.Next();
  ASSERT_TRUE(connected && connected->has_status());
  EXPECT_TRUE(connected->status().connected());
  auto disconnected = sub.Next();
  ASSERT_TRUE(disconnected && disconnected->has_status())
      << (disconnected ? disconnected->DebugString() : "nothing");
  EXPECT_FALSE(disconnected->status().connected());
}

TEST_F(GrpcApiTest, ResumeAcrossReconnectLosesNothingAndRepeatsNothing) {
  StartIngest();
  auto node = ConnectNode("radar1");
  uint64_t last_seen = 0;
  {
    Subscription sub(*stub_, Request({"radar1"}));
    for (int t = 1; t <= 5; ++t) ASSERT_TRUE(node->Send(FrameLine("radar1", t)));
    while (last_seen < 5) {
      auto e = sub.NextFrameOrGap();
      ASSERT_TRUE(e && e->has_frame());
      last_seen = e->frame().sequence();
    }
  }  // the subscriber goes away; the node keeps sending
  for (int t = 6; t <= 10; ++t) ASSERT_TRUE(node->Send(FrameLine("radar1", t)));
  WaitAccepted("radar1", 10);

  v1::SubscribeRequest request = Request({"radar1"});
  auto* resume = request.add_resume();
  resume->set_node_id("radar1");
  resume->set_epoch(app_->epoch());
  resume->set_after_sequence(last_seen);
  Subscription sub(*stub_, request);
  for (int t = 11; t <= 12; ++t) ASSERT_TRUE(node->Send(FrameLine("radar1", t)));
  for (uint64_t want = 6; want <= 12; ++want) {
    auto e = sub.NextFrameOrGap();
    ASSERT_TRUE(e && e->has_frame()) << "waiting for sequence " << want;
    EXPECT_EQ(e->frame().sequence(), want);
    EXPECT_EQ(e->frame().timestamp_ms(), static_cast<int64_t>(want));
  }
}

TEST_F(GrpcApiTest, ResumeFromAStaleEpochOrBeyondTheReplayBufferAnnouncesTheGap) {
  config_.replay_frames = 4;
  StartIngest();
  auto node = ConnectNode("radar1");
  for (int t = 1; t <= 10; ++t) ASSERT_TRUE(node->Send(FrameLine("radar1", t)));
  WaitAccepted("radar1", 10);

  auto resume_from = [&](uint64_t epoch, uint64_t after) {
    v1::SubscribeRequest request = Request({"radar1"});
    auto* resume = request.add_resume();
    resume->set_node_id("radar1");
    resume->set_epoch(epoch);
    resume->set_after_sequence(after);
    return request;
  };
  {
    Subscription sub(*stub_, resume_from(app_->epoch() + 1, 3));
    auto gap = sub.NextFrameOrGap();
    ASSERT_TRUE(gap && gap->has_dropped());
    EXPECT_EQ(gap->dropped().reason(), "resume_out_of_range");
    EXPECT_EQ(gap->dropped().from_sequence(), 0u);
    EXPECT_EQ(gap->dropped().to_sequence(), 6u);
    for (uint64_t want = 7; want <= 10; ++want) {
      auto e = sub.NextFrameOrGap();
      ASSERT_TRUE(e && e->has_frame());
      EXPECT_EQ(e->frame().sequence(), want);
    }
  }
  Subscription sub(*stub_, resume_from(app_->epoch(), 2));
  auto gap = sub.NextFrameOrGap();
  ASSERT_TRUE(gap && gap->has_dropped());
  EXPECT_EQ(gap->dropped().reason(), "resume_out_of_range");
  EXPECT_EQ(gap->dropped().from_sequence(), 3u);
  EXPECT_EQ(gap->dropped().to_sequence(), 6u);
  auto next = sub.NextFrameOrGap();
  ASSERT_TRUE(next && next->has_frame());
  EXPECT_EQ(next->frame().sequence(), 7u);
}

TEST_F(GrpcApiTest, BadRequestsGetInvalidArgument) {
  StartIngest();
  auto ended_with = [&](v1::SubscribeRequest request) {
    Subscription sub(*stub_, std::move(request));
    const auto status = sub.Ended();
    return status ? status->error_code() : grpc::StatusCode::DEADLINE_EXCEEDED;
  };
  EXPECT_EQ(ended_with(Request({"bad id"})), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ended_with(Request({std::string(65, 'a')})), grpc::StatusCode::INVALID_ARGUMENT);
  v1::SubscribeRequest other = Request({"radar1"});
  other.add_resume()->set_node_id("radar2");
  EXPECT_EQ(ended_with(other), grpc::StatusCode::INVALID_ARGUMENT);
  v1::SubscribeRequest twice = Request({"radar1"});
  twice.add_resume()->set_node_id("radar1");
  twice.add_resume()->set_node_id("radar1");
  EXPECT_EQ(ended_with(twice), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(GrpcApiTest, UnknownNodeIsNotFoundWithoutAutoProvision) {
  config_.auto_provision = false;
  const radarhub::testing::TempDir dir;
  config_.tokens_file = dir.Write("tokens", "listed " + kToken + "\n");
  StartIngest();
  Subscription unknown(*stub_, Request({"stranger"}));
  const auto status = unknown.Ended();
  ASSERT_TRUE(status);
  EXPECT_EQ(status->error_code(), grpc::StatusCode::NOT_FOUND);

  // A listed node is known before it ever connects: a disconnected status and NOT_SERVING.
  Subscription listed(*stub_, Request({"listed"}));
  auto first = listed.Next();
  ASSERT_TRUE(first && first->has_status());
  EXPECT_FALSE(first->status().connected());
  grpc::Status check_status;
  EXPECT_TRUE(WaitFor([&] {
    return Check("node/listed", &check_status) == HealthCheckResponse::NOT_SERVING &&
           check_status.ok();
  }));
}

TEST_F(GrpcApiTest, SubscribersAboveTheLimitGetResourceExhausted) {
  config_.max_subscribers = 2;
  StartIngest();
  Subscription a(*stub_, Request({}, false)), b(*stub_, Request({}, false));
  ASSERT_TRUE(WaitFor([&] { return app_->metrics().subscribers() == 2; }));
  Subscription c(*stub_, Request({}, false));
  const auto status = c.Ended();
  ASSERT_TRUE(status);
  EXPECT_EQ(status->error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  a.Cancel();
  ASSERT_TRUE(WaitFor([&] { return app_->metrics().subscribers() == 1; }));
  Subscription d(*stub_, Request({}, false));
  EXPECT_FALSE(d.Ended(200ms).has_value());  // admitted: still open
}

// Every stream is written by one pump thread that the producers wake once per batch: with many
// streams on one connection and nodes sending at once, each stream still gets every frame of its
// node, in order (a lost or merged wakeup would leave a stream short).
TEST_F(GrpcApiTest, ManyStreamsOnOneConnectionEachGetEveryFrameInOrder) {
  StartIngest();
  constexpr int kNodes = 8, kStreamsPerNode = 25, kFrames = 200;
  std::vector<std::unique_ptr<TcpClient>> nodes;
  for (int n = 0; n < kNodes; ++n) nodes.push_back(ConnectNode("radar" + std::to_string(n)));
  std::vector<std::unique_ptr<Subscription>> subs;
  for (int n = 0; n < kNodes; ++n) {
    for (int s = 0; s < kStreamsPerNode; ++s) {
      subs.push_back(
          std::make_unique<Subscription>(*stub_, Request({"radar" + std::to_string(n)})));
    }
  }
  ASSERT_TRUE(WaitFor([&] { return app_->metrics().subscribers() == kNodes * kStreamsPerNode; }));
  std::vector<std::thread> senders;
  for (int n = 0; n < kNodes; ++n) {
    senders.emplace_back([&, n] {
      for (int t = 1; t <= kFrames; ++t) {
        EXPECT_TRUE(nodes[n]->Send(FrameLine("radar" + std::to_string(n), t)));
      }
    });
  }
  for (auto& t : senders) t.join();
  for (size_t i = 0; i < subs.size(); ++i) {
    for (uint64_t want = 1; want <= kFrames; ++want) {
      auto e = subs[i]->NextFrameOrGap();
      ASSERT_TRUE(e && e->has_frame()) << "stream " << i << " waiting for sequence " << want;
      ASSERT_EQ(e->frame().sequence(), want) << "stream " << i;
      ASSERT_EQ(e->node_id(), "radar" + std::to_string(i / kStreamsPerNode));
    }
  }
}

// A subscriber that stops reading costs a bounded queue and loses its oldest frames; the node and
// a healthy subscriber are not affected.
TEST_F(GrpcApiTest, StalledSubscriberIsBoundedAndDoesNotHurtOthers) {
  config_.subscriber_queue = 256;
  StartIngest();
  auto node = ConnectNode("radar1");

  grpc::ClientContext stalled_context;
  auto stalled = stub_->Subscribe(&stalled_context, Request({"radar1"}));  // never read (yet)
  Subscription healthy(*stub_, Request({"radar1"}));
  auto snapshot = healthy.Next();
  ASSERT_TRUE(snapshot && snapshot->has_status());
  ASSERT_TRUE(WaitFor([&] { return app_->metrics().subscribers() == 2; }));

  // The healthy subscriber reads as fast as it can; the test sends the next burst when it has
  // caught up, so its queue never overflows while the stalled one's does.
  constexpr int kFrames = 20000, kBurst = 100;
  uint64_t received = 0, most_queued = 0;
  for (int t = 1; t <= kFrames; t += kBurst) {
    most_queued = std::max(most_queued, app_->service()->queued_events());
    std::string burst;
    for (int i = t; i < t + kBurst; ++i) burst += FrameLine("radar1", i, 10);
    ASSERT_TRUE(node->Send(burst));
    while (received < static_cast<uint64_t>(t + kBurst - 1)) {
      auto e = healthy.NextFrameOrGap();
      ASSERT_TRUE(e && e->has_frame())
          << "healthy subscriber after " << received << ": " << (e ? e->DebugString() : "nothing");
      ASSERT_EQ(e->frame().sequence(), received + 1);
      received = e->frame().sequence();
    }
  }
  WaitAccepted("radar1", kFrames);
  EXPECT_GT(app_->hub().subscriber_frames_dropped(), 0u);
  // Two queues of 256 (plus a status each): the stalled one stays full, never more.
  most_queued = std::max(most_queued, app_->service()->queued_events());
  EXPECT_GE(most_queued, 256u);
  EXPECT_LE(most_queued, 2u * 256 + 2);
  EXPECT_GT(healthy.responses(), 0u);

  // When it reads again it gets a slow_consumer gap, in order, and ends on the newest frame.
  v1::SubscribeResponse response;
  uint64_t frames = 0, last = 0, gaps = 0;
  while (last < kFrames && stalled->Read(&response)) {
    for (const auto& e : response.events()) {
      if (e.has_dropped()) {
        EXPECT_EQ(e.dropped().reason(), "slow_consumer");
        EXPECT_GT(e.dropped().from_sequence(), last);
        last = e.dropped().to_sequence();
        ++gaps;
      } else if (e.has_frame()) {
        EXPECT_GT(e.frame().sequence(), last);
        last = e.frame().sequence();
        ++frames;
      }
    }
  }
  EXPECT_EQ(last, static_cast<uint64_t>(kFrames));
  EXPECT_GE(gaps, 1u);
  EXPECT_LT(frames, static_cast<uint64_t>(kFrames));
  stalled_context.TryCancel();
}

// Status events are never dropped, so a subscriber that stops reading while nodes churn would hold
// them without bound: its stream is ended instead, and nobody else notices.
TEST_F(GrpcApiTest, StalledSubscriberIsEndedWhenStatusEventsOverflowItsQueue) {
  config_.subscriber_queue = 16;
  StartIngest();
  // A client with a small flow-control window, so the ingest soon has to queue.
  grpc::ChannelArguments small_window;
  small_window.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  small_window.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 1024);
  auto stalled_stub = v1::Ingest::NewStub(
      grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(app_->grpc_port()),
                                grpc::InsecureChannelCredentials(), small_window));
  grpc::ClientContext stalled_context;
  auto stalled = stalled_stub->Subscribe(&stalled_context, Request({}, /*frames=*/false));
  ASSERT_TRUE(WaitFor([&] { return app_->metrics().subscribers() == 1; }));

  // Each cycle is two status events; HTTP/2 buffers some before the queue starts to fill.
  for (int i = 0; i < 1000 && app_->metrics().subscribers() != 0; ++i) {
    auto node = Connect();
    ASSERT_TRUE(node->Send(Hello("churn")));
    ASSERT_TRUE(WaitFor([&] {
      return app_->registry().Find("churn") &&
             app_->registry().Connected(*app_->registry().Find("churn"));
    }));
    node->Close();
    ASSERT_TRUE(
        WaitFor([&] { return !app_->registry().Connected(*app_->registry().Find("churn")); }));
  }
  ASSERT_TRUE(WaitFor([&] { return app_->metrics().subscribers() == 0; }))
      << "the stalled stream is still open; queued " << app_->service()->queued_events();
  EXPECT_EQ(app_->service()->queued_events(), 0u);
  v1::SubscribeResponse ignored;
  while (stalled->Read(&ignored)) {
  }
  const auto code = stalled->Finish().error_code();
  EXPECT_TRUE(code == grpc::StatusCode::RESOURCE_EXHAUSTED || code == grpc::StatusCode::CANCELLED)
      << code;

  Subscription healthy(*stub_, Request({"churn"}, false));
  auto status = healthy.Next();
  ASSERT_TRUE(status && status->has_status());
}

TEST_F(GrpcApiTest, NodeHealthFollowsTheConnectionWithin100ms) {
  StartIngest();
  grpc::Status status;
  EXPECT_EQ(Check("", &status), HealthCheckResponse::SERVING);
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(Check("radarhub.v1.Ingest", &status), HealthCheckResponse::SERVING);
  Check("node/radar1", &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);

  HealthCheckRequest watch_request;
  watch_request.set_service("node/radar1");
  StreamReader<HealthCheckResponse> watch(
      [&](grpc::ClientContext& c) { return health_->Watch(&c, watch_request); });
  auto initial = watch.Next();
  ASSERT_TRUE(initial);
  EXPECT_EQ(initial->status(), HealthCheckResponse::SERVICE_UNKNOWN);

  auto connected_at = std::chrono::steady_clock::now();
  auto node = Connect();
  ASSERT_TRUE(node->Send(Hello("radar1")));
  auto serving = watch.Next(100ms);
  auto elapsed = std::chrono::steady_clock::now() - connected_at;
  ASSERT_TRUE(serving) << "no health change within 100 ms of the hello";
  EXPECT_EQ(serving->status(), HealthCheckResponse::SERVING);
  EXPECT_LE(elapsed, 100ms);
  EXPECT_EQ(Check("node/radar1", &status), HealthCheckResponse::SERVING);

  const auto closed_at = std::chrono::steady_clock::now();
  node->Close();
  auto not_serving = watch.Next(100ms);
  elapsed = std::chrono::steady_clock::now() - closed_at;
  ASSERT_TRUE(not_serving) << "no health change within 100 ms of the disconnect";
  EXPECT_EQ(not_serving->status(), HealthCheckResponse::NOT_SERVING);
  EXPECT_LE(elapsed, 100ms);
  EXPECT_EQ(Check("node/radar1", &status), HealthCheckResponse::NOT_SERVING);
}

TEST_F(GrpcApiTest, ApiTokenGuardsOurRpcsButNotHealth) {
  config_.api_token = "api-s3cret";
  StartIngest();
  auto list = [&](const std::string& authorization) {
    grpc::ClientContext context;
    if (!authorization.empty()) context.AddMetadata("authorization", authorization);
    v1::ListNodesResponse response;
    return stub_->ListNodes(&context, {}, &response).error_code();
  };
  EXPECT_EQ(list(""), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(list("Bearer wrong"), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(list("Bearer api-s3cre"), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(list("api-s3cret"), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(list("Bearer api-s3cret"), grpc::StatusCode::OK);

  Subscription anonymous(*stub_, Request({}));
  const auto status = anonymous.Ended();
  ASSERT_TRUE(status);
  EXPECT_EQ(status->error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status->error_message().find("api-s3cret"), std::string::npos);
  Subscription authorized(*stub_, Request({}), [](grpc::ClientContext& c) {
    c.AddMetadata("authorization", "Bearer api-s3cret");
  });
  EXPECT_FALSE(authorized.Ended(200ms).has_value());

  grpc::Status health_status;
  EXPECT_EQ(Check("", &health_status), HealthCheckResponse::SERVING);
  EXPECT_TRUE(health_status.ok());
}

using radarhub::testing::TestPki;

class GrpcTlsTest : public IngestFixture {
 protected:
  // ListNodes over a TLS channel that trusts `ca`, presenting `client` ("" for none).
  grpc::StatusCode ListOver(const std::shared_ptr<grpc::ChannelCredentials>& credentials) {
    auto channel =
        grpc::CreateChannel("127.0.0.1:" + std::to_string(app_->grpc_port()), credentials);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 5s);
    v1::ListNodesResponse response;
    return v1::Ingest::NewStub(channel)->ListNodes(&context, {}, &response).error_code();
  }
  std::shared_ptr<grpc::ChannelCredentials> Tls(const std::string& client) {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = pki_.Read("ca.pem");
    if (!client.empty()) {
      options.pem_cert_chain = pki_.Read(client + ".pem");
      options.pem_private_key = pki_.Read(client + ".key");
    }
    return grpc::SslCredentials(options);
  }
  TestPki pki_;
};

TEST_F(GrpcTlsTest, TlsServesOnlyTlsClients) {
  ASSERT_TRUE(pki_.ok()) << "openssl could not make the test certificates";
  config_.tls_cert = pki_.Path("server.pem");
  config_.tls_key = pki_.Path("server.key");
  StartIngest();
  EXPECT_EQ(ListOver(Tls("")), grpc::StatusCode::OK);
  EXPECT_EQ(ListOver(grpc::InsecureChannelCredentials()), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(GrpcTlsTest, MutualTlsRequiresAClientCertificateFromTheClientCa) {
  ASSERT_TRUE(pki_.ok()) << "openssl could not make the test certificates";
  config_.tls_cert = pki_.Path("server.pem");
  config_.tls_key = pki_.Path("server.key");
  config_.tls_client_ca = pki_.Path("ca.pem");
  StartIngest();
  EXPECT_EQ(ListOver(Tls("client")), grpc::StatusCode::OK);
  EXPECT_EQ(ListOver(Tls("")), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(ListOver(Tls("rogue")), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(GrpcTlsTest, ReadableKeyOrMissingHalfIsRefusedAtStart) {
  ASSERT_TRUE(pki_.ok()) << "openssl could not make the test certificates";
  config_.tls_cert = pki_.Path("server.pem");
  config_.tls_key = pki_.Path("server.key");
  ::chmod(config_.tls_key.c_str(), 0644);
  IngestApp readable(config_);
  std::string error;
  EXPECT_FALSE(readable.Start(error));
  EXPECT_NE(error.find("--tls-key"), std::string::npos) << error;
  config_.tls_key.clear();
  IngestApp half(config_);
  EXPECT_FALSE(half.Start(error));
  EXPECT_NE(error.find("--tls-cert"), std::string::npos) << error;
}

TEST_F(GrpcApiTest, ShutdownTurnsHealthNotServingAndEndsStreamsWithUnavailable) {
  StartIngest();
  auto node = ConnectNode("radar1");
  Subscription sub(*stub_, Request({"radar1"}));
  ASSERT_TRUE(sub.Next());
  HealthCheckRequest overall;
  StreamReader<HealthCheckResponse> watch(
      [&](grpc::ClientContext& c) { return health_->Watch(&c, overall); });
  auto serving = watch.Next();
  ASSERT_TRUE(serving);
  EXPECT_EQ(serving->status(), HealthCheckResponse::SERVING);

  std::thread stopper([&] { app_->Stop(); });
  auto not_serving = watch.Next();
  ASSERT_TRUE(not_serving);
  EXPECT_EQ(not_serving->status(), HealthCheckResponse::NOT_SERVING);
  // The node's final status (disconnected, by shutdown) still reaches the subscriber first.
  std::optional<v1::NodeEvent> last;
  while (auto e = sub.Next(2s)) last = e;
  ASSERT_TRUE(last && last->has_status());
  EXPECT_FALSE(last->status().connected());
  const auto ended = sub.Ended();
  ASSERT_TRUE(ended);
  EXPECT_EQ(ended->error_code(), grpc::StatusCode::UNAVAILABLE);
  stopper.join();
}

// A stream whose client stopped reading has a write stuck in HTTP/2 flow control: shutdown
// cannot flush it, so after --shutdown-grace it is cancelled, and Stop returns.
TEST_F(GrpcApiTest, ShutdownEndsAStreamStuckInFlowControlAfterTheGrace) {
  config_.shutdown_grace = 500ms;
  StartIngest();
  auto node = ConnectNode("radar1");
  grpc::ClientContext stalled_context;
  auto stalled = stub_->Subscribe(&stalled_context, Request({"radar1"}));  // never read
  ASSERT_TRUE(WaitFor([&] { return app_->metrics().subscribers() == 1; }));
  // Far more than the stream's and the connection's flow-control windows.
  std::string burst;
  for (int t = 1; t <= 2000; ++t) burst += FrameLine("radar1", t, 50);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(node->Send(burst));
  WaitAccepted("radar1", 20000);
  ASSERT_TRUE(WaitFor([&] { return app_->service()->queued_events() > 0; }));

  const auto start = std::chrono::steady_clock::now();
  app_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  v1::SubscribeResponse response;
  while (stalled->Read(&response)) {
  }
  EXPECT_FALSE(stalled->Finish().ok());
}

}  // namespace
}  // namespace radarhub::ingest::testing
