// The real radarhub-ingest and radarhub binaries as users run them.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <tuple>

#include "http_get.hpp"
#include "support/child_process.hpp"
#include "support/metrics.hpp"
#include "support/tcp_client.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

namespace radarhub::testing {
namespace {

using namespace std::chrono_literals;

const std::string kIngest = RADARHUB_INGEST_BIN;
const std::string kCli = RADARHUB_CLI_BIN;

std::string Hello(const std::string& node, const std::string& token) {
  return R"({"node_id":")" + node + R"(","token":")" + token +
         R"(","type":"heartbeat"})"
         "\n";
}
std::string Frame(const std::string& node, int64_t ts) {
  return R"({"node_id":")" + node + R"(","timestamp":)" + std::to_string(ts) +
         R"(,"delay":[1.5],"doppler":[2.5],"snr":[10]})"
         "\n";
}

std::string Scrape(uint16_t port) {
  return tools::HttpGet("127.0.0.1", port, "/metrics", 2s).value_or("");
}

std::vector<std::string> LoopbackArgs(std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"--node-listen", "127.0.0.1:0",   "--metrics-listen",
                                   "127.0.0.1:0",   "--grpc-listen", "127.0.0.1:0"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

TEST(IngestProcessTest, ServesNodesAndMetricsOnPortZeroAndExitsZeroOnSigterm) {
  ChildProcess ingest(kIngest, LoopbackArgs(), {{"RADARHUB_TOKEN", "envtoken"}});
  const uint16_t node_port = ingest.ListeningPort("node");
  const uint16_t metrics_port = ingest.ListeningPort("metrics");
  ASSERT_NE(node_port, 0) << ingest.Stderr();
  ASSERT_NE(metrics_port, 0) << ingest.Stderr();

  TcpClient node(node_port);
  std::string lines = Hello("radar1", "envtoken");
  for (int i = 1; i <= 50; ++i) lines += Frame("radar1", i);
  ASSERT_TRUE(node.Send(lines));
  std::string page;
  ASSERT_TRUE(WaitFor([&] {
    page = Scrape(metrics_port);
    return MetricValue(page,
                       R"(radarhub_ingest_frames_total{node_id="radar1",result="accepted"})") == 50;
  })) << page;
  EXPECT_EQ(MetricValue(page, "radarhub_ingest_connections"), 1);
  EXPECT_EQ(MetricValue(page, "radarhub_ingest_nodes_connected"), 1);
  EXPECT_EQ(MetricValue(page, R"(radarhub_ingest_node_connected{node_id="radar1"})"), 1);
  EXPECT_GT(MetricValue(page, R"(radarhub_ingest_bytes_received_total{node_id="radar1"})"), 0);
  EXPECT_EQ(MetricValue(page, "radarhub_ingest_publish_latency_seconds_count"), 50);
  EXPECT_EQ(page.find("envtoken"), std::string::npos) << "secrets never reach metrics";

  const auto start = std::chrono::steady_clock::now();
  ingest.Signal(SIGTERM);
  const auto code = ingest.Wait(15s);
  ASSERT_TRUE(code) << "did not exit";
  EXPECT_EQ(*code, 0) << ingest.Stderr();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s) << "within --shutdown-grace";
  EXPECT_TRUE(node.WaitClosed(1s));
  EXPECT_EQ(ingest.Stderr().find("envtoken"), std::string::npos) << "secrets never logged";
}

TEST(IngestProcessTest, EverySimulatedFrameIsAccepted) {
  ChildProcess ingest(kIngest, LoopbackArgs({"--token", "t0k"}));
  const uint16_t node_port = ingest.ListeningPort("node");
  const uint16_t metrics_port = ingest.ListeningPort("metrics");
  ASSERT_NE(node_port, 0) << ingest.Stderr();
  ChildProcess sim(kCli, {"node", "--ingest", "127.0.0.1:" + std::to_string(node_port), "--nodes",
                          "100", "--rate", "20", "--duration", "2s", "--token", "t0k"});
  ASSERT_EQ(sim.Wait(30s), 0) << sim.Stderr();
  const std::string report = sim.Stdout();
  const auto at = report.find("\"frames_sent\":");
  ASSERT_NE(at, std::string::npos) << report;
  const double sent = std::stod(report.substr(at + 14));
  EXPECT_GT(sent, 3000) << report;
  std::string page;
  EXPECT_TRUE(WaitFor([&] {
    page = Scrape(metrics_port);
    return MetricSum(page, "radarhub_ingest_frames_total", "result=\"accepted\"") == sent;
  })) << "sent "
      << sent << ", accepted "
      << MetricSum(page, "radarhub_ingest_frames_total", "result=\"accepted\"");
  EXPECT_EQ(MetricSum(page, "radarhub_ingest_frames_rejected_total"), 0);
  EXPECT_EQ(MetricSum(page, "radarhub_ingest_frames_total", "result=\"deduplicated\""), 0);
}

// A node's clock stepping back: the older frame is accepted and counted (metric and log line say
// so, and it is not reported as dropped); a repeated timestamp is dropped as deduplicated.
TEST(IngestProcessTest, OutOfOrderFramesAreCountedAndLoggedAsAccepted) {
  ChildProcess ingest(kIngest, LoopbackArgs({"--token", "t0k"}));
  const uint16_t metrics_port = ingest.ListeningPort("metrics");
  ASSERT_NE(metrics_port, 0) << ingest.Stderr();
  TcpClient node(ingest.ListeningPort("node"));
  ASSERT_TRUE(node.Send(Hello("radar1", "t0k") + Frame("radar1", 10) + Frame("radar1", 9) +
                        Frame("radar1", 9) + Frame("radar1", 11)));
  std::string page;
  ASSERT_TRUE(WaitFor([&] {
    page = Scrape(metrics_port);
    return MetricValue(page,
                       R"(radarhub_ingest_frames_total{node_id="radar1",result="accepted"})") == 3;
  })) << page;
  EXPECT_EQ(MetricValue(page, R"(radarhub_ingest_frames_out_of_order_total{node_id="radar1"})"), 1)
      << page;
  EXPECT_EQ(
      MetricValue(page, R"(radarhub_ingest_frames_total{node_id="radar1",result="deduplicated"})"),
      1);
  ASSERT_TRUE(WaitFor([&] {
    return ingest.Stderr().find("reason=deduplicated") != std::string::npos;
  })) << ingest.Stderr();
  const std::string log = ingest.Stderr();
  EXPECT_NE(log.find("info frame out of order"), std::string::npos) << log;
  for (size_t at = log.find("frame dropped"); at != std::string::npos;
       at = log.find("frame dropped", at + 1)) {
    const std::string line = log.substr(at, log.find('\n', at) - at);
    EXPECT_EQ(line.find("out_of_order"), std::string::npos)
        << "an accepted frame is not dropped: " << line;
  }
}

// --replay-memory bounds the frames all nodes' replay rings hold together (in bytes), whatever
// --replay-frames would allow per node.
TEST(IngestProcessTest, ReplayRingsStayWithinReplayMemory) {
  ChildProcess ingest(kIngest, LoopbackArgs({"--token", "t0k", "--replay-memory", "1MiB"}));
  const uint16_t metrics_port = ingest.ListeningPort("metrics");
  ASSERT_NE(metrics_port, 0) << ingest.Stderr();
  constexpr int kNodes = 10, kFrames = 2000;  // ~10 MB of frames with the default 4096 per node
  std::vector<std::unique_ptr<TcpClient>> nodes;
  for (int n = 0; n < kNodes; ++n) {
    const std::string id = "radar" + std::to_string(n);
    std::string lines = Hello(id, "t0k");
    for (int i = 1; i <= kFrames; ++i) lines += Frame(id, i);
    nodes.push_back(std::make_unique<TcpClient>(ingest.ListeningPort("node")));
    ASSERT_TRUE(nodes.back()->Send(lines));
  }
  std::string page;
  ASSERT_TRUE(WaitFor([&] {
    page = Scrape(metrics_port);
    return MetricSum(page, "radarhub_ingest_frames_total", "result=\"accepted\"") ==
           kNodes * kFrames;
  })) << page;
  // Rings of nodes that have stopped publishing are trimmed to the shrunken share within a second.
  double held = 0;
  EXPECT_TRUE(WaitFor([&] {
    held = MetricValue(Scrape(metrics_port), "radarhub_ingest_replay_bytes");
    return held <= 1024 * 1024;
  })) << held;
  EXPECT_GT(held, 512 * 1024);
}

// Compose and Kubernetes hand nodes a service name, not an address: `radarhub node` resolves it
// on every attempt and tries each address (localhost is ::1 and 127.0.0.1; the ingest listens on
// one of them). A name that does not resolve is a retried failure, not a crash, and an ingest
// that is gone gives one warning for all nodes.
TEST(IngestProcessTest, SimulatedNodesReachTheIngestByName) {
  ChildProcess ingest(kIngest, LoopbackArgs({"--token", "t0k"}));
  const uint16_t node_port = ingest.ListeningPort("node");
  const uint16_t metrics_port = ingest.ListeningPort("metrics");
  ASSERT_NE(node_port, 0) << ingest.Stderr();
  ChildProcess sim(kCli, {"node", "--ingest", "localhost:" + std::to_string(node_port), "--nodes",
                          "5", "--frames", "20", "--rate", "100", "--token", "t0k"});
  ASSERT_EQ(sim.Wait(30s), 0) << sim.Stderr();
  EXPECT_NE(sim.Stdout().find("\"frames_sent\":100,"), std::string::npos) << sim.Stdout();
  EXPECT_NE(sim.Stdout().find("\"connects\":5,"), std::string::npos) << sim.Stdout();
  EXPECT_TRUE(WaitFor([&] {
    return MetricSum(Scrape(metrics_port), "radarhub_ingest_frames_total", "result=\"accepted\"") ==
           100;
  }));

  // A name that does not resolve: retried (how fast the resolver fails is the resolver's).
  ChildProcess lost(kCli, {"node", "--ingest", "no-such-ingest.invalid:30050", "--nodes", "3",
                           "--duration", "1500ms", "--token", "t0k"});
  ASSERT_EQ(lost.Wait(60s), 0) << lost.Stderr();
  EXPECT_NE(lost.Stdout().find("\"connects\":0,"), std::string::npos) << lost.Stdout();
  EXPECT_EQ(lost.Stdout().find("\"connect_failures\":0,"), std::string::npos) << lost.Stdout();

  // An ingest gone (its port refuses at once): one warning for all nodes, naming the reason.
  ingest.Signal(SIGTERM);
  ASSERT_EQ(ingest.Wait(15s), 0);
  ChildProcess refused(kCli, {"node", "--ingest", "localhost:" + std::to_string(node_port),
                              "--nodes", "3", "--duration", "1500ms", "--token", "t0k"});
  ASSERT_EQ(refused.Wait(30s), 0) << refused.Stderr();
  const std::string log = refused.Stderr();
  const std::string line =
      "ingest unreachable; retrying ingest=localhost:" + std::to_string(node_port) +
      " error=\"connect: Connection refused\"";
  EXPECT_NE(log.find(line), std::string::npos) << log;
  EXPECT_EQ(log.find("ingest unreachable", log.find(line) + 1), std::string::npos)
      << "one line per reason for all nodes: " << log;
}

TEST(IngestProcessTest, BadSettingStopsAtStartWithOneLineNamingIt) {
  ChildProcess bad_duration(kIngest, LoopbackArgs({"--token", "x", "--idle-timeout", "5x"}));
  EXPECT_EQ(bad_duration.Wait(10s), 2);
  EXPECT_NE(bad_duration.Stderr().find("--idle-timeout"), std::string::npos);

  ChildProcess bad_env(kIngest, LoopbackArgs({"--token", "x"}),
                       {{"RADARHUB_MAX_CONNECTIONS", "lots"}});
  EXPECT_EQ(bad_env.Wait(10s), 2);
  EXPECT_NE(bad_env.Stderr().find("max-connections"), std::string::npos) << bad_env.Stderr();

  ChildProcess no_token(kIngest, LoopbackArgs());
  EXPECT_EQ(no_token.Wait(10s), 2);
  EXPECT_NE(no_token.Stderr().find("--allow-unauthenticated"), std::string::npos);
}

TEST(IngestProcessTest, FlagWinsOverEnvironment) {
  ChildProcess ingest(kIngest, LoopbackArgs({"--token", "flag"}), {{"RADARHUB_TOKEN", "env"}});
  const uint16_t port = ingest.ListeningPort("node");
  ASSERT_NE(port, 0);
  TcpClient with_env(port);
  ASSERT_TRUE(with_env.Send(Hello("a", "env")));
  EXPECT_TRUE(with_env.WaitClosed(5s));
  TcpClient with_flag(port);
  ASSERT_TRUE(with_flag.Send(Hello("b", "flag")));
  EXPECT_FALSE(with_flag.WaitClosed(300ms));
}

class TokensFileTest : public ::testing::Test {
 protected:
  void Write(const std::string& content, mode_t mode) { dir_.Write("tokens", content, mode); }
  TempDir dir_;
  const std::string path_ = dir_.File("tokens");
};

TEST_F(TokensFileTest, WorldReadableFileRefusedAtStart) {
  Write("radar1 secret\n", 0644);
  ChildProcess ingest(kIngest, LoopbackArgs({"--tokens-file", path_}));
  EXPECT_EQ(ingest.Wait(10s), 2);
  EXPECT_NE(ingest.Stderr().find("chmod 600"), std::string::npos) << ingest.Stderr();
}

TEST_F(TokensFileTest, SighupReloadsTokensAndKeepsAuthenticatedConnections) {
  Write("radar1 old\n", 0600);
  ChildProcess ingest(kIngest, LoopbackArgs({"--tokens-file", path_}));
  const uint16_t port = ingest.ListeningPort("node");
  ASSERT_NE(port, 0) << ingest.Stderr();
  TcpClient before(port);
  ASSERT_TRUE(before.Send(Hello("radar1", "old")));
  ASSERT_FALSE(before.WaitClosed(200ms));

  // "authenticated connections stay" across a reload; the node then reconnects with its new token.
  Write("radar1 new\n", 0600);
  ingest.Signal(SIGHUP);
  ASSERT_TRUE(
      WaitFor([&] { return ingest.Stderr().find("tokens reloaded") != std::string::npos; }));

  TcpClient with_old(port);
  ASSERT_TRUE(with_old.Send(Hello("radar1", "old")));
  EXPECT_TRUE(with_old.WaitClosed(5s));
  TcpClient with_new(port);
  ASSERT_TRUE(with_new.Send(Hello("radar1", "new")));
  EXPECT_TRUE(before.WaitClosed(5s)) << "the new connection took the node over";
  EXPECT_FALSE(with_new.WaitClosed(200ms));
  ASSERT_TRUE(with_new.Send(Frame("radar1", 1)));
  EXPECT_FALSE(with_new.WaitClosed(200ms));
}

// `radarhub health` as a container health check: exit 0 only when SERVING.
TEST(IngestProcessTest, HealthCommandExitsZeroOnlyWhenServing) {
  ChildProcess ingest(kIngest, LoopbackArgs({"--token", "t0k"}));
  const std::string grpc = "127.0.0.1:" + std::to_string(ingest.ListeningPort("grpc"));
  const uint16_t node_port = ingest.ListeningPort("node");
  auto health = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"health", "--grpc", grpc, "--timeout", "2s"};
    args.insert(args.end(), extra.begin(), extra.end());
    ChildProcess cli(kCli, args);
    const auto code = cli.Wait(10s);
    return std::make_pair(code.value_or(-1), cli.Stdout());
  };
  auto [code, out] = health({});
  EXPECT_EQ(code, 0);
  EXPECT_NE(out.find("SERVING"), std::string::npos) << out;
  EXPECT_EQ(health({"--service", "node/radar1"}).first, 1);  // unknown yet

  TcpClient node(node_port);
  ASSERT_TRUE(node.Send(Hello("radar1", "t0k")));
  EXPECT_TRUE(WaitFor([&] { return health({"--service", "node/radar1"}).first == 0; }, 5s));
  node.Close();
  EXPECT_TRUE(WaitFor([&] { return health({"--service", "node/radar1"}).first == 1; }, 5s));

  ChildProcess unreachable(kCli, {"health", "--grpc", "127.0.0.1:1", "--timeout", "500ms"});
  EXPECT_EQ(unreachable.Wait(10s), 1);
}

// `radarhub watch` with and without the API token the ingest requires.
TEST(IngestProcessTest, WatchSendsTheApiTokenAndReportsRefusal) {
  ChildProcess ingest(kIngest, LoopbackArgs({"--token", "t0k"}),
                      {{"RADARHUB_API_TOKEN", "api-t0k"}});
  const std::string grpc = "127.0.0.1:" + std::to_string(ingest.ListeningPort("grpc"));
  TcpClient node(ingest.ListeningPort("node"));
  ASSERT_TRUE(node.Send(Hello("radar1", "t0k") + Frame("radar1", 1)));

  ChildProcess refused(kCli, {"watch", "--grpc", grpc, "--count", "1"});
  EXPECT_EQ(refused.Wait(10s), 1);
  EXPECT_NE(refused.Stderr().find("UNAUTHENTICATED"), std::string::npos) << refused.Stderr();

  ChildProcess watch(kCli, {"watch", "--grpc", grpc, "--nodes", "radar1", "--count", "2"},
                     {{"RADARHUB_API_TOKEN", "api-t0k"}});
  EXPECT_EQ(watch.Wait(10s), 0) << watch.Stderr();
  const std::string out = watch.Stdout();
  EXPECT_NE(out.find(R"("status":{"node_id":"radar1","connected":true)"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("sequence":"1")"), std::string::npos) << out;
  EXPECT_EQ(ingest.Stderr().find("api-t0k"), std::string::npos);
}

// gRPC 1.51 stops accepting for good once accept4 fails for want of descriptors (grpc/grpc#20418):
// a flood of connections to the API port would leave the ingest unreachable while nodes flow on.
// Here 300 connections exhaust an ingest limited to 200 descriptors; once they go, the ingest
// rebuilds its gRPC server on the same port and serves again, node health included.
TEST(IngestProcessTest, GrpcServerIsRebuiltAfterAConnectionFloodUsedEveryDescriptor) {
#if defined(__SANITIZE_ADDRESS__)
  // UBSan's vptr check probes memory through a pipe: with no descriptor left it reports every
  // virtual call as on an invalid object, and its suppressions file cannot be opened either.
  GTEST_SKIP() << "the sanitizer runtime needs descriptors this test takes away (plain build only)";
#endif
  std::vector<std::string> args = {"--nofile=200", kIngest};
  for (const std::string& a : LoopbackArgs({"--token", "t0k"})) args.push_back(a);
  ChildProcess ingest("/usr/bin/prlimit", args);
  const uint16_t grpc_port = ingest.ListeningPort("grpc");
  ASSERT_NE(grpc_port, 0) << ingest.Stderr();
  const std::string grpc = "127.0.0.1:" + std::to_string(grpc_port);
  TcpClient node(ingest.ListeningPort("node"));
  ASSERT_TRUE(node.Send(Hello("radar1", "t0k") + Frame("radar1", 1)));
  {
    std::vector<std::unique_ptr<TcpClient>> flood;
    for (int i = 0; i < 300; ++i) flood.push_back(std::make_unique<TcpClient>(grpc_port));
    ASSERT_TRUE(
        WaitFor([&] { return ingest.Stderr().find("Failed accept4") != std::string::npos; }, 10s))
        << "the flood did not exhaust the descriptors";
  }
  ASSERT_TRUE(WaitFor(
      [&] { return ingest.Stderr().find("grpc server rebuilt") != std::string::npos; }, 20s))
      << ingest.Stderr();
  ASSERT_TRUE(node.Send(Frame("radar1", 2)));
  ChildProcess health(kCli,
                      {"health", "--grpc", grpc, "--service", "node/radar1", "--timeout", "5s"});
  EXPECT_EQ(health.Wait(10s), 0) << health.Stdout() << health.Stderr();
  ChildProcess watch(kCli, {"watch", "--grpc", grpc, "--nodes", "radar1", "--count", "2"});
  EXPECT_EQ(watch.Wait(10s), 0) << watch.Stderr();
  EXPECT_NE(watch.Stdout().find(R"("sequence":"2")"), std::string::npos) << watch.Stdout();
}

// An operator disconnects and forgets nodes with `radarhub disconnect|forget` and the admin token,
// which the API token cannot stand in for; an ingest without an admin token has no admin API.
TEST(IngestProcessTest, AdminCommandsDisconnectAndForgetNodesWithTheAdminTokenOnly) {
  TempDir dir;
  dir.Write("admin", "adm1n\n", 0600);
  ChildProcess ingest(kIngest,
                      LoopbackArgs({"--token", "t0k", "--admin-token-file", dir.File("admin")}),
                      {{"RADARHUB_API_TOKEN", "api-t0k"}});
  const std::string grpc = "127.0.0.1:" + std::to_string(ingest.ListeningPort("grpc"));
  const uint16_t metrics_port = ingest.ListeningPort("metrics");
  auto admin = [&](std::vector<std::string> args,
                   std::map<std::string, std::string> env = {{"RADARHUB_ADMIN_TOKEN", "adm1n"}}) {
    args.insert(args.end(), {"--grpc", grpc});
    ChildProcess cli(kCli, args, env);
    const auto code = cli.Wait(10s);
    return std::make_tuple(code.value_or(-1), cli.Stdout(), cli.Stderr());
  };
  TcpClient node(ingest.ListeningPort("node"));
  ASSERT_TRUE(node.Send(Hello("radar1", "t0k") + Frame("radar1", 1)));
  ASSERT_TRUE(WaitFor([&] {
    return Scrape(metrics_port).find(R"(radarhub_ingest_node_connected{node_id="radar1"} 1)") !=
           std::string::npos;
  }));

  auto [code, out, err] = admin({"disconnect", "radar1"}, {{"RADARHUB_ADMIN_TOKEN", "api-t0k"}});
  EXPECT_EQ(code, 1);
  EXPECT_NE(err.find("UNAUTHENTICATED: invalid admin token"), std::string::npos) << err;
  std::tie(code, out, err) = admin({"forget", "radar1"});
  EXPECT_EQ(code, 1);
  EXPECT_NE(err.find("FAILED_PRECONDITION"), std::string::npos) << err;
  std::tie(code, out, err) = admin({"forget", "nobody"});
  EXPECT_EQ(code, 1);
  EXPECT_NE(err.find("NOT_FOUND"), std::string::npos) << err;

  std::tie(code, out, err) = admin({"disconnect", "radar1"});
  EXPECT_EQ(code, 0) << err;
  EXPECT_NE(out.find(R"("node_id":"radar1","connected":false)"), std::string::npos) << out;
  EXPECT_TRUE(node.WaitClosed(5s));
  EXPECT_NE(
      Scrape(metrics_port).find(R"(radarhub_ingest_connections_closed_total{reason="admin"} 1)"),
      std::string::npos);

  TcpClient again(ingest.ListeningPort("node"));
  ASSERT_TRUE(again.Send(Hello("radar1", "t0k") + Frame("radar1", 2)));
  ASSERT_TRUE(WaitFor([&] {
    return Scrape(metrics_port).find(R"(radarhub_ingest_node_connected{node_id="radar1"} 1)") !=
           std::string::npos;
  }));
  std::tie(code, out, err) = admin({"forget", "radar1", "--disconnect"});
  EXPECT_EQ(code, 0) << err;
  EXPECT_NE(out.find(R"("frames_accepted":"2")"), std::string::npos) << out;
  EXPECT_TRUE(again.WaitClosed(5s));
  const std::string metrics = Scrape(metrics_port);
  EXPECT_EQ(metrics.find(R"(node_id="radar1")"), std::string::npos) << "its series are gone";
  EXPECT_NE(metrics.find("radarhub_ingest_nodes_forgotten_total 1"), std::string::npos);

  ChildProcess without(kIngest, LoopbackArgs({"--token", "t0k"}));
  ChildProcess off(kCli, {"forget", "radar1", "--grpc",
                          "127.0.0.1:" + std::to_string(without.ListeningPort("grpc"))});
  EXPECT_EQ(off.Wait(10s), 1);
  EXPECT_NE(off.Stderr().find("PERMISSION_DENIED"), std::string::npos) << off.Stderr();
  EXPECT_EQ(ingest.Stderr().find("adm1n"), std::string::npos) << "the token is never logged";
}

}  // namespace
}  // namespace radarhub::testing
