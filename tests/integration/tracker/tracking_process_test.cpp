// Tracking end to end with the real binaries: simulated aircraft from `radarhub scenario` and
// `radarhub node --scenario`, tracked offline by `radarhub-tracker --replay` and live through
// radarhub-ingest and radarhub-tracker, checked against the simulator's ground truth.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "http_get.hpp"
#include "support/child_process.hpp"
#include "support/grpc_stream.hpp"
#include "support/metrics.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"
#include "tracker_support.hpp"

namespace radarhub::testing {
namespace {

const std::string kTracker = RADARHUB_TRACKER_BIN;
const std::string kCli = RADARHUB_CLI_BIN;

struct Point {
  std::string name;
  double delay = 0, doppler = 0;
};

// timestamp -> the aircraft in view then, from a truth file (of `node`, or of every node).
std::map<int64_t, std::vector<Point>> ReadTruth(const std::string& path,
                                                const std::string& node = "") {
  std::map<int64_t, std::vector<Point>> out;
  for (const std::string& line : ReadLines(path)) {
    rapidjson::Document d;
    d.Parse(line.c_str());
    if (d.HasParseError() || !d.IsObject()) continue;
    if (!node.empty() && d["node_id"].GetString() != node) continue;
    auto& points = out[d["timestamp"].GetInt64()];
    for (const auto& p : d["truth"].GetArray()) {
      points.push_back(
          {p["aircraft"].GetString(), p["delay"].GetDouble(), p["doppler"].GetDouble()});
    }
  }
  return out;
}

// Every aircraft has a track within 1 km and 5 Hz.
::testing::AssertionResult AllCovered(const std::vector<Point>& truth,
                                      const std::vector<Point>& tracks) {
  for (const Point& a : truth) {
    bool found = false;
    for (const Point& t : tracks) {
      found = found || (std::abs(t.delay - a.delay) < 1.0 && std::abs(t.doppler - a.doppler) < 5.0);
    }
    if (!found) {
      return ::testing::AssertionFailure() << a.name << " at " << a.delay << " km, " << a.doppler
                                           << " Hz has no track (" << tracks.size() << " tracks)";
    }
  }
  return ::testing::AssertionSuccess();
}

// A recording of two nodes, tracked offline: one summary line, no port, and per node and day a
// track file whose confirmed tracks sit on the aircraft.
TEST(TrackingProcessTest, ReplayWritesTrackFilesOnTheTruthAndOpensNoPort) {
  TempDir dir;
  const std::string frames = dir.File("frames.ndjson"), truth = dir.File("truth.jsonl");
  ChildProcess scenario(kCli, {"scenario", "busy", "--out", frames, "--truth", truth, "--node-ids",
                               "radar1,radar2", "--seed", "7"});
  ASSERT_EQ(scenario.Wait(20s), 0) << scenario.Stderr();
  {
    // What a real recording holds besides frames: heartbeats, junk, a clock stepping back.
    std::ofstream append(frames, std::ios::app);
    append
        << R"({"node_id":"radar1","token":"t","type":"heartbeat"})"
        << "\n"
        << "this is not json\n"
        << R"({"node_id":"radar1","token":"t","timestamp":1000,"delay":[1],"doppler":[2],"snr":[9]})"
        << "\n";
  }

  ChildProcess replay(kTracker, {"--replay", frames, "--tracks-dir", dir.File("tracks")});
  ASSERT_EQ(replay.Wait(60s), 0) << replay.Stderr();
  const std::string summary = replay.Stdout();
  EXPECT_EQ(summary.rfind("replay: 1200 frames of 2 nodes from 1203 lines (1 heartbeats, 1 out of "
                          "order, 1 rejected invalid_json=1); ",
                          0),
            0u)
      << summary;
  EXPECT_EQ(std::count(summary.begin(), summary.end(), '\n'), 1) << "one line";
  EXPECT_EQ(replay.Stderr().find("listening"), std::string::npos) << replay.Stderr();

  // radar2's truth: the timestamps of its frames.
  auto truth_at = ReadTruth(truth, "radar2");
  ASSERT_EQ(truth_at.size(), 600u);
  for (const std::string node : {"radar1", "radar2"}) {
    const std::string file = dir.File("tracks/" + node + "/2026-01-01.jsonl");
    ASSERT_TRUE(std::filesystem::exists(file)) << file;
    std::map<int64_t, std::vector<Point>> tracks_at;
    std::set<uint64_t> ids;
    for (const std::string& line : ReadLines(file)) {
      rapidjson::Document d;
      d.Parse(line.c_str());
      ASSERT_FALSE(d.HasParseError()) << line;
      for (const char* key : {"track_id", "node_id", "timestamp", "status", "delay", "doppler",
                              "delay_rate", "doppler_rate", "hits"}) {
        ASSERT_TRUE(d.HasMember(key)) << key << " missing: " << line;
      }
      EXPECT_EQ(d["node_id"].GetString(), node);
      const std::string status = d["status"].GetString();
      ASSERT_TRUE(status == "confirmed" || status == "coasting" || status == "deleted") << line;
      if (status == "deleted") continue;
      ids.insert(d["track_id"].GetUint64());
      tracks_at[d["timestamp"].GetInt64()].push_back(
          {"", d["delay"].GetDouble(), d["doppler"].GetDouble()});
    }
    EXPECT_LE(ids.size(), 13u) << "10 aircraft, and hardly a false or broken track";
    if (node == "radar2") {
      // Halfway and at the end, every aircraft is under a track.
      for (const int64_t t : {std::next(truth_at.begin(), 300)->first, truth_at.rbegin()->first}) {
        EXPECT_TRUE(AllCovered(truth_at[t], tracks_at[t])) << "at " << t;
      }
    }
  }
  EXPECT_TRUE(std::filesystem::exists(dir.File("tracks/radar1")));
}

TEST(TrackingProcessTest, ReplayOfAMissingFileFailsWithOneLine) {
  ChildProcess replay(kTracker, {"--replay", "/nonexistent/frames.ndjson"});
  ASSERT_EQ(replay.Wait(10s), 2);
  EXPECT_EQ(replay.Stderr(), "radarhub-tracker: cannot read --replay /nonexistent/frames.ndjson\n");
}

// Three aircraft at 5 Hz through a real ingest and tracker: StreamTracks shows confirmed (or, on a
// missed frame, coasting) tracks on the truth the simulator wrote, ListTracks, ListNodes and
// /metrics count them, and the track file holds them.
TEST(TrackingProcessTest, SimulatedAircraftFlowThroughIngestAndTrackerIntoStreamTracks) {
  TempDir dir;
  {
    std::ofstream scenario(dir.File("three.json"));
    scenario << R"({"name":"three","duration_s":600,"frame_interval_s":0.2,"seed":5,
      "sensor":{"pd":0.9,"clutter_per_frame":20},
      "aircraft":[
        {"id":"ac1","hex":"a1b2c3","adsb":true,"position_km":{"x":10,"y":40,"z":8},"speed_mps":220,"heading_deg":90},
        {"id":"ac2","hex":"d4e5f6","position_km":{"x":-20,"y":30,"z":10},"speed_mps":180,"heading_deg":200},
        {"id":"ac3","hex":"0a0b0c","position_km":{"x":40,"y":-30,"z":6},"speed_mps":250,"heading_deg":330}]})";
  }
  auto ingest = StartIngest();
  const uint16_t node_port = ingest->ListeningPort("node"),
                 ingest_grpc = ingest->ListeningPort("grpc");
  ASSERT_NE(ingest_grpc, 0) << ingest->Stderr();
  ChildProcess tracker(kTracker, {"--ingest", "127.0.0.1:" + std::to_string(ingest_grpc),
                                  "--grpc-listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0",
                                  "--tracks-dir", dir.File("tracks"), "--worker-threads", "2"});
  const uint16_t tracker_port = tracker.ListeningPort("grpc");
  ASSERT_NE(tracker_port, 0) << tracker.Stderr();
  auto stub = v1::Tracker::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(tracker_port),
                                                       grpc::InsecureChannelCredentials()));
  StreamReader<v1::TrackUpdate> stream([&](grpc::ClientContext& context) {
    return stub->StreamTracks(&context, v1::StreamTracksRequest());
  });

  ChildProcess node(kCli, {"node", "--ingest", "127.0.0.1:" + std::to_string(node_port), "--token",
                           kNodeToken, "--node-ids", "radar1", "--scenario", dir.File("three.json"),
                           "--truth", dir.File("truth.jsonl"), "--duration", "6s"});
  std::map<int64_t, std::vector<Point>> confirmed_at;
  bool first = true;
  auto take = [&](std::chrono::milliseconds timeout) {
    auto update = stream.Next(timeout);
    if (!update) return;
    if (first) {
      EXPECT_TRUE(update->snapshot()) << "the snapshot comes first";
      first = false;
    }
    for (const auto& t : update->tracks()) {
      if (t.status() == "confirmed" || t.status() == "coasting") {  // coasting: missed this frame
        confirmed_at[update->timestamp_ms()].push_back({"", t.delay(), t.doppler()});
      }
    }
  };
  while (!node.Wait(0ms)) take(1s);
  ASSERT_EQ(node.Wait(5s), 0) << node.Stderr();
  const auto quiet = std::chrono::steady_clock::now() + 1s;  // the last frames' updates
  while (std::chrono::steady_clock::now() < quiet) take(100ms);
  const auto truth = ReadTruth(dir.File("truth.jsonl"));
  ASSERT_GE(truth.size(), 20u) << "about 30 frames in 6 s";
  // The last frames' confirmed tracks sit on every aircraft.
  int checked = 0;
  for (auto it = truth.rbegin(); it != truth.rend() && checked < 3; ++it) {
    EXPECT_TRUE(AllCovered(it->second, confirmed_at[it->first])) << "frame " << it->first;
    ++checked;
  }

  v1::ListTracksResponse listed;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub->ListTracks(&context, {}, &listed).ok());
  }
  EXPECT_GE(listed.tracks_size(), 3);
  bool labelled = false;
  for (const auto& t : listed.tracks()) labelled = labelled || t.adsb_hex() == "a1b2c3";
  EXPECT_TRUE(labelled) << "ac1 broadcasts ADS-B";
  const auto nodes = ListTrackerNodes(tracker_port);
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_GE(nodes[0].tracks_confirmed() + nodes[0].tracks_coasting(), 3u);
  const std::string page =
      tools::HttpGet("127.0.0.1", tracker.ListeningPort("metrics"), "/metrics", 2s).value_or("");
  EXPECT_GE(MetricValue(page, R"(radarhub_tracker_tracks{node_id="radar1",status="confirmed"})") +
                MetricValue(page, R"(radarhub_tracker_tracks{node_id="radar1",status="coasting"})"),
            3)
      << page;

  tracker.Signal(SIGTERM);
  ASSERT_EQ(tracker.Wait(15s), 0) << tracker.Stderr();
  const auto ended = stream.Ended(5s);
  ASSERT_TRUE(ended);
  EXPECT_EQ(ended->error_code(), grpc::StatusCode::UNAVAILABLE);
  size_t lines = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.File("tracks"))) {
    if (entry.is_regular_file()) lines += ReadLines(entry.path().string()).size();
  }
  EXPECT_GE(lines, 30u) << "track files written, flushed by the time the tracker stopped";
}

}  // namespace
}  // namespace radarhub::testing
