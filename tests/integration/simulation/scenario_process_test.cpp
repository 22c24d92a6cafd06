// `radarhub scenario` and `radarhub node --scenario` as real processes.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "http_get.hpp"
#include "radarhub/protocol/parser.hpp"
#include "support/child_process.hpp"
#include "support/metrics.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

namespace radarhub::testing {
namespace {

using namespace std::chrono_literals;

const std::string kIngest = RADARHUB_INGEST_BIN;
const std::string kCli = RADARHUB_CLI_BIN;

TEST(ScenarioProcessTest, BusyWritesFramesAndTruthForTenMinutes) {
  TempDir dir;
  const std::string frames_path = dir.File("frames.ndjson"), truth_path = dir.File("truth.jsonl");
  ChildProcess cli(
      kCli, {"scenario", "busy", "--out", frames_path, "--truth", truth_path, "--token", "t0k"});
  ASSERT_EQ(cli.Wait(10s), 0) << cli.Stderr();
  EXPECT_NE(cli.Stdout().find(R"("frames":600,)"), std::string::npos) << cli.Stdout();
  EXPECT_NE(cli.Stdout().find(R"("aircraft":10,)"), std::string::npos) << cli.Stdout();

  const auto frames = ReadLines(frames_path);
  ASSERT_EQ(frames.size(), 600u);
  protocol::Parser parser;
  int64_t previous = 0;
  size_t detections = 0;
  for (std::string line : frames) {
    const size_t size = line.size();
    line.append(protocol::kLinePadding, '\0');
    protocol::Message m;
    ASSERT_EQ(parser.Parse(line.data(), size, m), protocol::Reject::kNone) << line;
    EXPECT_EQ(m.type, protocol::MessageType::kFrame);
    EXPECT_EQ(m.node_id, "radar1");
    EXPECT_EQ(m.token, "t0k");
    if (previous != 0) {
      EXPECT_EQ(m.timestamp_ms, previous + 1000);
    }
    previous = m.timestamp_ms;
    detections += m.count;
  }
  EXPECT_NE(cli.Stdout().find(R"("detections":)" + std::to_string(detections) + ","),
            std::string::npos)
      << cli.Stdout();

  const auto truth = ReadLines(truth_path);
  ASSERT_EQ(truth.size(), 600u);
  for (const auto& line : truth) {
    rapidjson::Document doc;
    doc.Parse(line.c_str());
    ASSERT_FALSE(doc.HasParseError()) << line;
    EXPECT_STREQ(doc["node_id"].GetString(), "radar1");
    ASSERT_EQ(doc["truth"].Size(), 10u) << line;
  }
}

TEST(ScenarioProcessTest, UsageErrorsExitTwoWithOneLine) {
  TempDir dir;
  ChildProcess no_out(kCli, {"scenario", "busy"});
  EXPECT_EQ(no_out.Wait(10s), 2);
  EXPECT_NE(no_out.Stderr().find("--out"), std::string::npos) << no_out.Stderr();

  ChildProcess unknown(kCli, {"scenario", "bussy", "--out", dir.File("x")});
  EXPECT_EQ(unknown.Wait(10s), 2);
  EXPECT_NE(unknown.Stderr().find("bussy"), std::string::npos) << unknown.Stderr();

  const std::string bad = dir.Write("bad.json", R"({"aircraft":[{"speed_mps":"fast"}]})");
  ChildProcess invalid(kCli, {"scenario", bad, "--out", dir.File("x")});
  EXPECT_EQ(invalid.Wait(10s), 2);
  EXPECT_NE(invalid.Stderr().find("aircraft[0].speed_mps: must be a number"), std::string::npos)
      << invalid.Stderr();
}

TEST(ScenarioProcessTest, NodePlaysTheScenarioLiveIntoARealIngest) {
  TempDir dir;
  ChildProcess ingest(kIngest, {"--node-listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0",
                                "--grpc-listen", "127.0.0.1:0", "--token", "t0k"});
  const uint16_t node_port = ingest.ListeningPort("node");
  const uint16_t metrics_port = ingest.ListeningPort("metrics");
  ASSERT_NE(node_port, 0) << ingest.Stderr();
  ASSERT_NE(metrics_port, 0) << ingest.Stderr();

  const auto started = std::chrono::system_clock::now();
  const std::string truth_path = dir.File("truth.jsonl");
  ChildProcess sim(
      kCli, {"node", "--ingest", "127.0.0.1:" + std::to_string(node_port), "--token", "t0k",
             "--nodes", "2", "--scenario", "sparse", "--frames", "3", "--truth", truth_path});
  ASSERT_EQ(sim.Wait(15s), 0) << sim.Stderr();
  EXPECT_NE(sim.Stdout().find(R"("frames_sent":6,)"), std::string::npos) << sim.Stdout();
  std::string page;
  EXPECT_TRUE(WaitFor([&] {
    page = tools::HttpGet("127.0.0.1", metrics_port, "/metrics", 2s).value_or("");
    return MetricSum(page, "radarhub_ingest_frames_total", R"(result="accepted")") == 6;
  })) << page;
  EXPECT_EQ(MetricSum(page, "radarhub_ingest_frames_total", R"(result="rejected")"), 0);
  for (const char* node : {"sim-0001", "sim-0002"}) {
    EXPECT_EQ(MetricValue(page, std::string(R"(radarhub_ingest_frames_total{node_id=")") + node +
                                    R"(",result="accepted"})"),
              3)
        << node;
  }

  // The truth of what was sent: sparse's 4 aircraft, stamped with the wall clock one frame
  // interval (1 s) apart.
  const auto truth = ReadLines(truth_path);
  ASSERT_EQ(truth.size(), 6u);
  const int64_t started_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(started.time_since_epoch()).count();
  std::set<std::string> nodes;
  std::set<int64_t> timestamps;
  for (const auto& line : truth) {
    rapidjson::Document doc;
    doc.Parse(line.c_str());
    ASSERT_FALSE(doc.HasParseError()) << line;
    nodes.insert(doc["node_id"].GetString());
    timestamps.insert(doc["timestamp"].GetInt64());
    EXPECT_EQ(doc["truth"].Size(), 4u) << line;
    EXPECT_GE(doc["timestamp"].GetInt64(), started_ms) << line;
    EXPECT_LT(doc["timestamp"].GetInt64(), started_ms + 15000) << line;
  }
  EXPECT_EQ(nodes, (std::set<std::string>{"sim-0001", "sim-0002"}));
  ASSERT_EQ(timestamps.size(), 3u) << "both nodes share the frame times";
  EXPECT_EQ(*timestamps.rbegin() - *timestamps.begin(), 2000);
}

}  // namespace
}  // namespace radarhub::testing
