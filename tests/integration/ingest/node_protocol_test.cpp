// The connection rules of protocol.md, against a real ingest on a loopback port with real sockets.
#include <atomic>
#include <random>
#include <thread>

#include "config.hpp"
#include "ingest/ingest_fixture.hpp"
#include "radarhub/auth/login_throttle.hpp"

namespace radarhub::ingest::testing {
namespace {

using protocol::Reject;

class NodeProtocolTest : public IngestFixture {};

TEST_F(NodeProtocolTest, ValidFramesArriveInOrderWithSequenceNumbers) {
  StartIngest();
  auto node = Connect();
  std::string burst = Hello("radar1");
  for (int i = 1; i <= 200; ++i) burst += FrameLine("radar1", 1000 + i, 3);
  // Framing never depends on segment boundaries: send in awkward pieces.
  for (size_t at = 0; at < burst.size(); at += 997) ASSERT_TRUE(node->Send(burst.substr(at, 997)));
  const auto frames = NextFrames(200);
  ASSERT_EQ(frames.size(), 200u);
  for (size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(frames[i].sequence(), i + 1);
    EXPECT_EQ(frames[i].timestamp_ms(), 1001 + static_cast<int64_t>(i));
    EXPECT_EQ(frames[i].epoch(), app_->epoch());
    EXPECT_EQ(frames[i].node_id(), "radar1");
    ASSERT_EQ(frames[i].detections_size(), 3);
    EXPECT_EQ(frames[i].detections(2).delay(), 12.5);
    EXPECT_EQ(frames[i].detections(1).doppler(), -1.25);
    EXPECT_TRUE(frames[i].has_received_at());
  }
}

TEST_F(NodeProtocolTest, FrameAsHelloIsDeliveredAndCrLfAccepted) {
  StartIngest();
  auto node = Connect();
  std::string hello = FrameLine("radar1", 5);
  hello.insert(hello.find(",\"timestamp\""), R"(,"token":")" + kToken + "\"");
  hello.insert(hello.size() - 1, "\r");
  ASSERT_TRUE(node->Send(hello + "\r\n\n" + FrameLine("radar1", 6)));
  const auto frames = NextFrames(2);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].timestamp_ms(), 5);
  EXPECT_EQ(frames[1].sequence(), 2u);
}

TEST_F(NodeProtocolTest, WrongTokenGetsAClosedSocketAndDeliversNothing) {
  StartIngest();
  auto node = Connect();
  ASSERT_TRUE(node->Send(Hello("radar1", "wrong") + FrameLine("radar1", 1)));
  EXPECT_TRUE(node->WaitClosed(5s));
  EXPECT_EQ(Closed(CloseReason::kAuth), 1u);
  EXPECT_FALSE(NextEvent(200ms)) << "nothing from a failed hello reaches subscribers";
  EXPECT_EQ(app_->registry().Find("radar1"), nullptr);
}

TEST_F(NodeProtocolTest, UnknownNodeRefusedWithoutAutoProvision) {
  config_.auto_provision = false;
  StartIngest();
  auto node = Connect();
  ASSERT_TRUE(node->Send(Hello("radar1")));
  EXPECT_TRUE(node->WaitClosed(5s));
  EXPECT_EQ(Closed(CloseReason::kAuth), 1u);
}

struct BadHello {
  const char* name;
  std::string line;
  friend void PrintTo(const BadHello& b, std::ostream* os) { *os << b.name; }
};

class BadHelloTest : public NodeProtocolTest, public ::testing::WithParamInterface<BadHello> {};

TEST_P(BadHelloTest, ClosesTheConnection) {
  StartIngest();
  auto node = Connect();
  ASSERT_TRUE(node->Send(GetParam().line + "\n" + FrameLine("radar1", 1)));
  EXPECT_TRUE(node->WaitClosed(5s));
  EXPECT_EQ(Closed(CloseReason::kBadHello), 1u);
  EXPECT_FALSE(NextEvent(100ms));
}

INSTANTIATE_TEST_SUITE_P(
    Rows, BadHelloTest,
    ::testing::Values(BadHello{"NotJson", "hello"}, BadHello{"NotObject", "[1,2]"},
                      BadHello{"NoNodeId", R"({"token":"s3cret","type":"heartbeat"})"},
                      BadHello{"NoToken", R"({"node_id":"radar1","type":"heartbeat"})"},
                      BadHello{"InvalidFrame", R"({"node_id":"radar1","token":"s3cret"})"},
                      BadHello{"UnknownType",
                               R"({"node_id":"radar1","token":"s3cret","type":"hi"})"}),
    [](const auto& row) { return std::string(row.param.name); });

TEST_F(NodeProtocolTest, OverlongFirstLineIsAFailedHello) {
  config_.max_line_bytes = 1024;
  StartIngest();
  auto node = Connect();
  ASSERT_TRUE(node->Send(std::string(5000, 'x')));
  EXPECT_TRUE(node->WaitClosed(5s));
  EXPECT_EQ(Closed(CloseReason::kBadHello), 1u);
}

TEST_F(NodeProtocolTest, HeartbeatNeverBecomesAFrame) {
  StartIngest();
  auto node = Connect();
  ASSERT_TRUE(node->Send(Hello("radar1")));
  ASSERT_TRUE(node->Send(R"({"node_id":"radar1","type":"heartbeat","version":"2.1"})"
                         "\n"));
  ASSERT_TRUE(node->Send(FrameLine("radar1", 7)));
  const auto frames = NextFrames(1);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].sequence(), 1u) << "heartbeats take no sequence number";
  EXPECT_EQ(frames[0].timestamp_ms(), 7);
  v1::NodeStatus status;
  app_->registry().FillStatus(*app_->registry().Find("radar1"), status);
  EXPECT_TRUE(status.has_last_heartbeat_at());
  EXPECT_EQ(status.advertised().fields().at("version").string_value(), "2.1");
  EXPECT_EQ(status.frames_accepted(), 1u);
}

TEST_F(NodeProtocolTest, OverlongLineIsSkippedAndTheNextFrameArrives) {
  config_.max_line_bytes = 1024;
  StartIngest();
  auto node = Connect();
  ASSERT_TRUE(node->Send(Hello("radar1")));
  ASSERT_TRUE(
      node->Send(R"({"node_id":"radar1","timestamp":1,"pad":")" + std::string(100000, 'x')));
  ASSERT_TRUE(node->Send("\"}\n" + FrameLine("radar1", 2)));
  const auto frames = NextFrames(1);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].timestamp_ms(), 2);
  EXPECT_EQ(app_->metrics().rejected(ExtraReject::kLineTooLong), 1u);
  EXPECT_TRUE(node->Send(FrameLine("radar1", 3))) << "the connection stays open";
  EXPECT_EQ(NextFrames(1).size(), 1u);
}

// Every "drop frame, connection stays" row of protocol.md's bad-input table.
struct BadFrame {
  const char* name;
  std::string line;
  Reject reason;
  friend void PrintTo(const BadFrame& b, std::ostream* os) { *os << b.name; }
};

class BadFrameTest : public NodeProtocolTest, public ::testing::WithParamInterface<BadFrame> {};

TEST_P(BadFrameTest, IsDroppedAndCountedWhileTheConnectionStays) {
  StartIngest();
  auto node = Connect();
  ASSERT_TRUE(node->Send(Hello("radar1") + GetParam().line + "\n" + FrameLine("radar1", 99)));
  const auto frames = NextFrames(1);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].timestamp_ms(), 99);
  EXPECT_EQ(frames[0].sequence(), 1u) << "the bad frame took no sequence number";
  EXPECT_EQ(app_->metrics().rejected(GetParam().reason), 1u);
  v1::NodeStatus status;
  app_->registry().FillStatus(*app_->registry().Find("radar1"), status);
  EXPECT_EQ(status.frames_rejected(), 1u);
  EXPECT_TRUE(status.connected());
}

INSTANTIATE_TEST_SUITE_P(
    Rows, BadFrameTest,
    ::testing::Values(
        BadFrame{"NotJson", "{oops", Reject::kInvalidJson},
        BadFrame{"InvalidUtf8", "{\"node_id\":\"radar1\",\"timestamp\":5,\"x\":\"\xff\"}",
                 Reject::kInvalidJson},
        BadFrame{"DeepNesting",
                 R"({"node_id":"radar1","timestamp":5,"x":)" + std::string(100, '[') +
                     std::string(100, ']') + "}",
                 Reject::kInvalidJson},
        BadFrame{"NotObject", "[]", Reject::kNotObject},
        BadFrame{"MissingTimestamp", R"({"node_id":"radar1"})", Reject::kMissingField},
        BadFrame{"WrongType", R"({"node_id":"radar1","timestamp":"now"})", Reject::kWrongType},
        BadFrame{"LengthMismatch",
                 R"({"node_id":"radar1","timestamp":5,"delay":[1,2],"doppler":[1],"snr":[1]})",
                 Reject::kLengthMismatch},
        BadFrame{"NaN",
                 R"({"node_id":"radar1","timestamp":5,"delay":[NaN],"doppler":[1],"snr":[1]})",
                 Reject::kNonFinite},
        BadFrame{"BadTimestamp", R"({"node_id":"radar1","timestamp":-5})", Reject::kBadTimestamp}),
    [](const auto& row) { return std::string(row.param.name); });

TEST_F(NodeProtocolTest, TooManyDetectionsIsDropped) {
  config_.max_detections = 3;
  StartIngest();
  auto node = Connect();
  ASSERT_TRUE(node->Send(Hello("radar1") + FrameLine("radar1", 1, 4) + FrameLine("radar1", 2, 3)));
  const auto frames = NextFrames(1);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].timestamp_ms(), 2);
  EXPECT_EQ(app_->metrics().rejected(Reject::kTooManyDetections), 1u);
}

TEST_F(NodeProtocolTest, DuplicateTimestampIsDroppedOlderOneAccepted) {
  StartIngest();
  auto node = Connect();
  ASSERT_TRUE(node->Send(Hello("radar1") + FrameLine("radar1", 10) + FrameLine("radar1", 10) +
                         FrameLine("radar1", 9) + FrameLine("radar1", 11)));
  const auto frames = NextFrames(3);
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[1].timestamp_ms(), 9) << "a clock step back is accepted";
  EXPECT_EQ(frames[2].sequence(), 3u);
  const auto counters = app_->registry().Counters(*app_->registry().Find("radar1"));
  EXPECT_EQ(counters.frames_deduplicated, 1u);
  EXPECT_EQ(counters.frames_out_of_order, 1u);
  v1::NodeStatus status;
  app_->registry().FillStatus(*app_->registry().Find("radar1"), status);
  EXPECT_EQ(status.frames_out_of_order(), 1u) << "node status counts them (protocol.md)";
}

TEST_F(NodeProtocolTest, UnknownTypeIsIgnoredAndCounted) {
  StartIngest();
  auto node = Connect();
  ASSERT_TRUE(node->Send(Hello("radar1") +
                         R"({"node_id":"radar1","type":"calibration"})"
                         "\n" +
                         FrameLine("radar1", 1)));
  EXPECT_EQ(NextFrames(1).size(), 1u);
  EXPECT_EQ(app_->metrics().rejected(ExtraReject::kUnknownType), 1u);
}

TEST_F(NodeProtocolTest, NodeMismatchClosesTheConnection) {
  StartIngest();
  auto node = Connect();
  ASSERT_TRUE(node->Send(Hello("radar1") + FrameLine("radar2", 1)));
  EXPECT_TRUE(node->WaitClosed(5s));
  EXPECT_EQ(Closed(CloseReason::kNodeMismatch), 1u);
  const auto status = NextStatus("radar1");
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->connected());
  const auto down = NextStatus("radar1");
  ASSERT_TRUE(down);
  EXPECT_FALSE(down->connected()) << "subscribers are told at once";
  EXPECT_EQ(app_->registry().Find("radar2"), nullptr);
}

TEST_F(NodeProtocolTest, TakeoverReplacesTheOldConnection) {
  StartIngest();
  auto first = Connect();
  ASSERT_TRUE(first->Send(Hello("radar1") + FrameLine("radar1", 1)));
  ASSERT_EQ(NextFrames(1).size(), 1u);
  auto second = Connect();
  ASSERT_TRUE(second->Send(Hello("radar1") + FrameLine("radar1", 2)));
  EXPECT_TRUE(first->WaitClosed(5s));
  EXPECT_EQ(Closed(CloseReason::kSuperseded), 1u);
  const auto frames = NextFrames(1);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].sequence(), 2u) << "sequences continue across connections";
  v1::NodeStatus status;
  app_->registry().FillStatus(*app_->registry().Find("radar1"), status);
  EXPECT_TRUE(status.connected()) << "the node stays connected";
  EXPECT_EQ(status.peer(), "127.0.0.1:" + std::to_string(second->local_port()));
}

TEST_F(NodeProtocolTest, SilentAuthenticatedConnectionClosedAfterIdleTimeout) {
  config_.idle_timeout = 300ms;
  StartIngest();
  auto node = Connect();
  ASSERT_TRUE(node->Send(Hello("radar1")));
  EXPECT_TRUE(node->WaitClosed(5s));
  EXPECT_EQ(Closed(CloseReason::kIdle), 1u);
  EXPECT_FALSE(app_->registry().Connected(*app_->registry().Find("radar1")));
}

TEST_F(NodeProtocolTest, HeartbeatsKeepAConnectionAlive) {
  config_.idle_timeout = 300ms;
  StartIngest();
  auto node = Connect();
  ASSERT_TRUE(node->Send(Hello("radar1")));
  for (int i = 0; i < 8; ++i) {
    std::this_thread::sleep_for(100ms);
    ASSERT_TRUE(node->Send(Hello("radar1")));
  }
  EXPECT_EQ(Closed(CloseReason::kIdle), 0u);
  EXPECT_TRUE(app_->registry().Connected(*app_->registry().Find("radar1")));
}

TEST_F(NodeProtocolTest, SlowlorisClosedAfterAuthTimeout) {
  config_.auth_timeout = 200ms;
  StartIngest();
  auto silent = Connect();
  auto dribbler = Connect();
  ASSERT_TRUE(dribbler->Send(R"({"node_id":"rad)"));  // never finishes its first line
  EXPECT_TRUE(silent->WaitClosed(5s));
  EXPECT_TRUE(dribbler->WaitClosed(5s));
  EXPECT_EQ(Closed(CloseReason::kAuthTimeout), 2u);
}

TEST_F(NodeProtocolTest, ConnectionsAboveTheLimitAreClosedAndExistingOnesUnaffected) {
  config_.max_connections = 3;
  StartIngest();
  std::vector<std::unique_ptr<TcpClient>> nodes;
  for (int i = 0; i < 3; ++i) {
    nodes.push_back(Connect());
    ASSERT_TRUE(nodes.back()->Send(Hello("radar" + std::to_string(i))));
  }
  ASSERT_TRUE(WaitFor([&] { return app_->connections() == 3; }));
  auto extra = Connect();
  EXPECT_TRUE(extra->WaitClosed(5s));
  EXPECT_EQ(Closed(CloseReason::kLimit), 1u);
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(nodes[static_cast<size_t>(i)]->Send(FrameLine("radar" + std::to_string(i), 5)));
  EXPECT_EQ(NextFrames(3).size(), 3u);
}

// Connections that have not said hello are capped per address, so that one host cannot hold
// every slot for the (long) auth timeout; authenticated nodes from the same address are not
// counted, and a slot frees when a pending connection says hello or goes.
TEST_F(NodeProtocolTest, PendingConnectionsArePerAddressCapped) {
  config_.max_pending_per_address = 3;
  StartIngest();
  auto node = Connect();
  ASSERT_TRUE(node->Send(Hello("radar1")));
  ASSERT_TRUE(WaitFor([&] { return app_->registry().Find("radar1") != nullptr; }));
  std::vector<std::unique_ptr<TcpClient>> silent;
  for (int i = 0; i < 3; ++i) silent.push_back(Connect());
  ASSERT_TRUE(WaitFor([&] { return app_->connections() == 4; }));
  EXPECT_EQ(app_->pending_connections(), 3u);
  auto refused = Connect();
  EXPECT_TRUE(refused->WaitClosed(5s)) << "a fourth pending connection from 127.0.0.1";
  EXPECT_EQ(Closed(CloseReason::kLimit), 1u);

  ASSERT_TRUE(silent[0]->Send(Hello("radar2")));  // no longer pending
  silent[1]->Close();                             // gone
  // Not only counted out of connections(): the slots are free once both are off the pending count.
  ASSERT_TRUE(WaitFor([&] { return app_->pending_connections() == 1; }));
  ASSERT_EQ(app_->connections(), 3u);
  std::vector<std::unique_ptr<TcpClient>> more;  // pending again: silent[2] and these two
  for (int i = 0; i < 2; ++i) more.push_back(Connect());
  ASSERT_TRUE(WaitFor([&] { return app_->connections() == 5; }));
  EXPECT_FALSE(more[1]->WaitClosed(200ms));
  ASSERT_TRUE(node->Send(FrameLine("radar1", 5)));
  EXPECT_EQ(NextFrames(1).size(), 1u) << "the authenticated node is unaffected";
  EXPECT_EQ(Closed(CloseReason::kLimit), 1u);
}

// Unfinished lines of all connections share --line-memory: connections that flood unfinished first
// lines are closed once it is spent (the others never grow), an authenticated node's oversized
// partial line is dropped and counted while its connection stays, and a small hello still works.
TEST_F(NodeProtocolTest, UnfinishedLinesShareLineMemory) {
  config_.line_memory = 1 << 20;
  StartIngest();
  auto node = Connect();
  ASSERT_TRUE(node->Send(Hello("radar1")));
  ASSERT_TRUE(WaitFor([&] { return app_->registry().Find("radar1") != nullptr; }));

  const std::string chunk = R"({"node_id":"x","token":")" + std::string(200 * 1024, 'a');
  std::vector<std::unique_ptr<TcpClient>> floods;
  for (int i = 0; i < 20; ++i) {  // 4 MB of first lines against 1 MiB
    floods.push_back(Connect());
    ASSERT_TRUE(floods.back()->Send(chunk));
  }
  ASSERT_TRUE(WaitFor([&] { return Closed(CloseReason::kBadHello) >= 14; }))
      << Closed(CloseReason::kBadHello);
  EXPECT_LE(app_->partial_line_bytes(), (1u << 20) + 200 * 1024u);

  ASSERT_TRUE(
      node->Send(R"({"node_id":"radar1","timestamp":1,"delay":[)" + std::string(300 * 1024, ' ')));
  ASSERT_TRUE(WaitFor([&] { return app_->metrics().rejected(ExtraReject::kLineTooLong) == 1; }));
  ASSERT_TRUE(node->Send("1]}\n" + FrameLine("radar1", 2)));
  const auto frames = NextFrames(1);
  ASSERT_EQ(frames.size(), 1u) << "the connection stays";
  EXPECT_EQ(frames[0].timestamp_ms(), 2);

  floods.clear();
  ASSERT_TRUE(WaitFor([&] { return app_->partial_line_bytes() == 0; }));
  auto late = Connect();
  ASSERT_TRUE(late->Send(Hello("radar2")));
  EXPECT_TRUE(WaitFor([&] { return app_->registry().Find("radar2") != nullptr; }));
}

// A token brute force from one address: after a few free failures the address is refused at
// accept for a doubling while (counted auth_throttled), while an authenticated node's frames flow
// on; once the while is over, a right token logs in (and clears the address).
TEST_F(NodeProtocolTest, FailedLoginsFromOneAddressAreThrottled) {
  StartIngest();
  auto good = Connect();
  ASSERT_TRUE(good->Send(Hello("radar1")));
  ASSERT_TRUE(WaitFor([&] { return app_->registry().Find("radar1") != nullptr; }));
  for (int i = 0; i <= auth::LoginThrottle::kFreeFailures; ++i) {
    auto guess = Connect();
    ASSERT_TRUE(guess->Send(Hello("radar1", "guess" + std::to_string(i))));
    ASSERT_TRUE(guess->WaitClosed(5s));
  }
  ASSERT_TRUE(WaitFor(
      [&] { return Closed(CloseReason::kAuth) == auth::LoginThrottle::kFreeFailures + 1; }));
  auto refused = Connect();  // within the first second of refusal
  EXPECT_TRUE(refused->WaitClosed(5s));
  EXPECT_EQ(Closed(CloseReason::kAuthThrottled), 1u);
  EXPECT_EQ(Closed(CloseReason::kAuth), auth::LoginThrottle::kFreeFailures + 1u)
      << "refused before it could guess";
  ASSERT_TRUE(good->Send(FrameLine("radar1", 1)));
  EXPECT_EQ(NextFrames(1).size(), 1u) << "an authenticated node is not affected";

  std::this_thread::sleep_for(1100ms);
  auto right = Connect();
  ASSERT_TRUE(right->Send(Hello("radar2")));
  EXPECT_TRUE(WaitFor([&] { return app_->registry().Find("radar2") != nullptr; }));
}

// --max-nodes bounds the node ids the shared token can register: a new one beyond it is closed at
// its hello (limit) and leaves no trace; known nodes still connect.
TEST_F(NodeProtocolTest, NewNodesBeyondMaxNodesAreRefused) {
  config_.max_nodes = 2;
  StartIngest();
  auto a = Connect(), b = Connect();
  ASSERT_TRUE(a->Send(Hello("radar1")));
  ASSERT_TRUE(b->Send(Hello("radar2")));
  ASSERT_TRUE(WaitFor([&] { return app_->registry().All().size() == 2; }));
  auto c = Connect();
  ASSERT_TRUE(c->Send(Hello("radar3")));
  EXPECT_TRUE(c->WaitClosed(5s));
  EXPECT_EQ(Closed(CloseReason::kLimit), 1u);
  EXPECT_EQ(app_->registry().Find("radar3"), nullptr);
  a->Close();
  ASSERT_TRUE(
      WaitFor([&] { return !app_->registry().Connected(*app_->registry().Find("radar1")); }));
  auto again = Connect();
  ASSERT_TRUE(again->Send(Hello("radar1") + FrameLine("radar1", 1)));
  EXPECT_EQ(NextFrames(1).size(), 1u) << "a known node reconnects";
}

TEST(IngestConfigTest, AuthTimeoutOutlastsAQuietNodesFirstHeartbeat) {
  // Quiet nodes send their first heartbeat 10 s after connecting (protocol.md: default 30 s).
  char name[] = "radarhub-ingest";
  char* argv[] = {name};
  int exit_code = 0;
  const auto config = ParseIngestCommandLine(1, argv, exit_code);
  ASSERT_TRUE(config);
  EXPECT_EQ(config->auth_timeout, std::chrono::seconds(30));
  EXPECT_EQ(config->max_pending_per_address, 256u);
}

// A flood of bad frames is held back per connection: the process-wide log limiter (a lock) is
// asked once per reason and period, not once per frame, and the line that is logged counts them.
TEST_F(NodeProtocolTest, BadFrameFloodTakesNoSharedLockPerFrame) {
  StartIngest();
  auto node = Connect();
  ASSERT_TRUE(node->Send(Hello("radar1") + FrameLine("radar1", 1)));
  ASSERT_EQ(NextFrames(1).size(), 1u);  // the hello and its log line are behind us
  const uint64_t calls_before = app_->log_limiter().calls();
  constexpr int kBad = 5000;
  std::string flood;
  for (int i = 0; i < kBad; ++i)
    flood += R"({"node_id":"radar1","timestamp":1,"delay":[)"
             "\n";
  ASSERT_TRUE(node->Send(flood));
  ASSERT_TRUE(WaitFor([&] { return app_->metrics().rejected(Reject::kInvalidJson) == kBad; }));
  EXPECT_LE(app_->log_limiter().calls() - calls_before, 1u);
}

TEST_F(NodeProtocolTest, PeerResetMidLineIsCleanedUpAndPartialLineDiscarded) {
  StartIngest();
  auto node = Connect();
  ASSERT_TRUE(node->Send(Hello("radar1") + R"({"node_id":"radar1","timestamp":5,"delay":[1)"));
  ASSERT_TRUE(WaitFor([&] { return app_->registry().Find("radar1") != nullptr; }));
  node->Reset();
  ASSERT_TRUE(WaitFor([&] { return app_->connections() == 0; }));
  EXPECT_FALSE(app_->registry().Connected(*app_->registry().Find("radar1")));
  EXPECT_EQ(DrainFrames(), 0u);
}

TEST_F(NodeProtocolTest, HalfCloseMidLineDiscardsThePartialLine) {
  StartIngest();
  auto node = Connect();
  ASSERT_TRUE(node->Send(Hello("radar1") + FrameLine("radar1", 1) + R"({"node_id":"radar1")"));
  node->Close();
  ASSERT_TRUE(WaitFor([&] { return Closed(CloseReason::kPeerClosed) == 1; }));
  EXPECT_EQ(NextFrames(1).size(), 1u);
  EXPECT_EQ(DrainFrames(), 0u);
}

// A hostile node pours garbage, over-long lines and invalid frames as fast as it can while a
// well-behaved node sends frames: every good frame arrives, in order, while the flood goes on.
TEST_F(NodeProtocolTest, GarbageFloodDoesNotStarveOrLoseAnotherNode) {
  config_.max_line_bytes = 4096;
  config_.io_threads = 1;  // both on one thread: the worst case for fairness
  StartIngest();
  auto hostile = Connect();
  ASSERT_TRUE(hostile->Send(Hello("hostile")));
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> flooded{0};
  std::thread flood([&] {
    std::mt19937 rng(1);
    std::string junk;
    for (int i = 0; i < 2000; ++i) {
      switch (i % 4) {
        case 0:
          junk += std::string(10000, 'x') + "\n";
          break;
        case 1:
          junk += "{\"node_id\":\"hostile\",\"timestamp\":\"x\"}\n";
          break;
        case 2:
          junk += "not json at all\n";
          break;
        default:
          for (int k = 0; k < 64; ++k) junk.push_back(static_cast<char>(rng() % 255 + 1));
          junk += "\n";
      }
    }
    while (!stop && hostile->Send(junk)) flooded += junk.size();
  });
  ASSERT_TRUE(WaitFor([&] { return flooded > 10'000'000; }, 30s)) << "the flood is flowing";
  auto good = Connect();
  ASSERT_TRUE(good->Send(Hello("good")));
  std::vector<int64_t> received;
  for (int i = 1; i <= 100; ++i) {
    ASSERT_TRUE(good->Send(FrameLine("good", i)));
    while (received.size() < static_cast<size_t>(i)) {
      const auto e = NextEvent(10s);
      ASSERT_TRUE(e) << "frame " << i << " of the good node did not arrive";
      if (e->has_frame() && e->node_id() == "good") received.push_back(e->frame().timestamp_ms());
      ASSERT_FALSE(e->has_frame() && e->node_id() == "hostile");
    }
  }
  const uint64_t during = flooded;
  stop = true;
  hostile->Close();
  flood.join();
  for (size_t i = 0; i < received.size(); ++i) EXPECT_EQ(received[i], static_cast<int64_t>(i + 1));
  EXPECT_GT(during, 10'000'000u);
  EXPECT_GT(app_->metrics().rejected(ExtraReject::kLineTooLong), 0u);
}

}  // namespace
}  // namespace radarhub::ingest::testing
