// How long the tracker's view of every node takes to follow an ingest failure, at scale: N
// simulated nodes (`radarhub node`) at 10 Hz into a real radarhub-ingest, a real radarhub-tracker
// following it, and WatchHealth on the tracker. The ingest is killed with SIGKILL, then started
// again on the same ports; the nodes reconnect on their own backoff, the tracker on its own.
//
//   tracker_failover_bench --nodes 1000
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "integration/tracker/tracker_support.hpp"

namespace {

using radarhub::testing::ChildProcess;
using radarhub::testing::HealthWatch;
using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kill -9 of the ingest -> tracker health, and restart -> healthy"};
  int nodes = 1000;
  app.add_option("--nodes", nodes);
  CLI11_PARSE(app, argc, argv);
  const std::string max_subscribers = std::to_string(nodes + 100);  // a stream per node

  auto ingest = radarhub::testing::StartIngest(0, 0, {"--max-subscribers", max_subscribers});
  const uint16_t node_port = ingest->ListeningPort("node"),
                 grpc_port = ingest->ListeningPort("grpc");
  ChildProcess tracker(
      RADARHUB_TRACKER_BIN,
      {"--ingest", "127.0.0.1:" + std::to_string(grpc_port), "--grpc-listen", "127.0.0.1:0",
       "--metrics-listen", "", "--max-nodes", std::to_string(nodes), "--log-level", "warn"});
  const uint16_t tracker_port = tracker.ListeningPort("grpc");
  ChildProcess simulator(RADARHUB_CLI_BIN,
                         {"node", "--ingest", "127.0.0.1:" + std::to_string(node_port), "--nodes",
                          std::to_string(nodes), "--rate", "10", "--token",
                          radarhub::testing::kNodeToken, "--duration", "300s"});
  std::vector<std::string> ids;
  for (int i = 0; i < nodes; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "sim-%04d", i + 1);  // `radarhub node` names its nodes so
    ids.push_back(id);
  }
  HealthWatch watch(tracker_port);
  if (!watch.WaitAll(ids, "ok", std::chrono::seconds(60))) {
    std::fprintf(stderr, "nodes never all healthy\n%s\n", tracker.Stderr().c_str());
    return 1;
  }

  const auto killed = Clock::now();
  ingest->Signal(SIGKILL);
  const auto unreachable = watch.WaitAll(ids, "ingest_unreachable", std::chrono::seconds(30));
  ingest->Wait(std::chrono::seconds(5));
  const auto restarted = Clock::now();
  ingest =
      radarhub::testing::StartIngest(node_port, grpc_port, {"--max-subscribers", max_subscribers});
  const auto healthy = watch.WaitAll(ids, "ok", std::chrono::seconds(120));
  std::printf(
      "{\"nodes\":%d,\"kill_to_all_unreachable_ms\":%.1f,\"restart_to_all_healthy_ms\":%.1f}\n",
      nodes, unreachable ? Ms(*unreachable - killed) : -1.0,
      healthy ? Ms(*healthy - restarted) : -1.0);
  return unreachable && healthy ? 0 : 1;
}
