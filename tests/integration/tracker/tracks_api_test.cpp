// ListTracks and StreamTracks of an in-process tracker over real gRPC, fed straight through its
// track board (what the node stages publish), so the API's rules are checked exactly: filters,
// errors, the API token, snapshot then updates, and a slow reader's bound.
#include <gtest/gtest.h>

#include "support/grpc_stream.hpp"
#include "support/wait.hpp"
#include "tracker_app.hpp"

namespace radarhub::testing {
namespace {

using namespace std::chrono_literals;
using tracking::TrackStatus;

constexpr char kToken[] = "api-t0ken";

tracking::TrackState Track(uint64_t id, TrackStatus status, double delay = 50) {
  tracking::TrackState t;
  t.track_id = id;
  t.status = status;
  t.delay_km = delay;
  t.doppler_hz = -20;
  t.ever_confirmed = status != TrackStatus::kTentative;
  return t;
}

tracking::FrameResult Result(int64_t timestamp_ms, std::vector<tracking::TrackState> tracks,
                             std::vector<tracking::TrackState> deleted = {}) {
  tracking::FrameResult r;
  r.timestamp_ms = timestamp_ms;
  r.processed = true;
  for (auto& t : tracks) t.timestamp_ms = timestamp_ms;
  r.tracks = std::move(tracks);
  r.deleted = std::move(deleted);
  return r;
}

class TracksApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tracker::TrackerConfig config;
    config.ingest = {{{"127.0.0.1", 1}, false}};  // no ingest: the test publishes tracks itself
    config.grpc_listen = {"127.0.0.1", 0};
    config.metrics_listen.reset();
    config.api_token = kToken;
    config.nodes = {"radar1", "radar2"};
    app_ = std::make_unique<tracker::TrackerApp>(config);
    std::string error;
    ASSERT_TRUE(app_->Start(error)) << error;
    stub_ = v1::Tracker::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(app_->grpc_port()), grpc::InsecureChannelCredentials()));
  }

  static void Authorize(grpc::ClientContext& context) {
    context.AddMetadata("authorization", std::string("Bearer ") + kToken);
    context.set_deadline(std::chrono::system_clock::now() + 10s);
  }

  grpc::Status List(const v1::ListTracksRequest& request, v1::ListTracksResponse& response,
                    bool authorized = true) {
    grpc::ClientContext context;
    if (authorized) Authorize(context);
    return stub_->ListTracks(&context, request, &response);
  }

  std::unique_ptr<StreamReader<v1::TrackUpdate>> Stream(v1::StreamTracksRequest request) {
    return std::make_unique<StreamReader<v1::TrackUpdate>>(
        [this, request](grpc::ClientContext& context) {
          return stub_->StreamTracks(&context, request);
        },
        [](grpc::ClientContext& context) {
          context.AddMetadata("authorization", std::string("Bearer ") + kToken);
        });
  }

  std::unique_ptr<tracker::TrackerApp> app_;
  std::unique_ptr<v1::Tracker::Stub> stub_;
};

TEST_F(TracksApiTest, ListTracksFiltersByNodeAndStatusConfirmedAndCoastingByDefault) {
  app_->tracks().Publish(
      "radar1", Result(1000, {Track(1, TrackStatus::kConfirmed), Track(2, TrackStatus::kTentative),
                              Track(3, TrackStatus::kCoasting)}));
  app_->tracks().Publish("radar2", Result(1000, {Track(7, TrackStatus::kConfirmed, 80)}));

  v1::ListTracksResponse all;
  ASSERT_TRUE(List({}, all).ok());
  ASSERT_EQ(all.tracks_size(), 3);
  EXPECT_EQ(all.tracks(0).node_id(), "radar1");
  EXPECT_EQ(all.tracks(0).track_id(), 1u);
  EXPECT_EQ(all.tracks(0).status(), "confirmed");
  EXPECT_EQ(all.tracks(1).status(), "coasting");
  EXPECT_EQ(all.tracks(2).node_id(), "radar2");
  EXPECT_DOUBLE_EQ(all.tracks(2).delay(), 80);
  EXPECT_EQ(all.tracks(2).timestamp_ms(), 1000);

  v1::ListTracksRequest request;
  request.add_node_ids("radar1");
  request.add_statuses("tentative");
  v1::ListTracksResponse tentative;
  ASSERT_TRUE(List(request, tentative).ok());
  ASSERT_EQ(tentative.tracks_size(), 1);
  EXPECT_EQ(tentative.tracks(0).track_id(), 2u);
}

TEST_F(TracksApiTest, BadRequestsGetClearErrors) {
  v1::ListTracksResponse response;
  EXPECT_EQ(List({}, response, /*authorized=*/false).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  v1::ListTracksRequest bad_status;
  bad_status.add_statuses("lost");
  const grpc::Status status = List(bad_status, response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("lost"), std::string::npos) << status.error_message();
  v1::ListTracksRequest bad_id;
  bad_id.add_node_ids("no/such");
  EXPECT_EQ(List(bad_id, response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::ListTracksRequest unknown;
  unknown.add_node_ids("radar9");
  EXPECT_EQ(List(unknown, response).error_code(), grpc::StatusCode::NOT_FOUND);

  v1::StreamTracksRequest stream_bad;
  stream_bad.add_statuses("lost");
  auto stream = Stream(stream_bad);
  const auto ended = stream->Ended(5s);
  ASSERT_TRUE(ended);
  EXPECT_EQ(ended->error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

// A snapshot of every requested node first (nodes with no frame yet included), then each update
// in order; deleted tracks that had been confirmed are announced once.
TEST_F(TracksApiTest, StreamTracksSendsSnapshotThenEveryUpdateInOrder) {
  app_->tracks().Publish("radar1", Result(1000, {Track(1, TrackStatus::kConfirmed)}));
  auto stream = Stream({});
  std::map<std::string, v1::TrackUpdate> snapshot;
  for (int i = 0; i < 2; ++i) {
    auto update = stream->Next(5s);
    ASSERT_TRUE(update);
    EXPECT_TRUE(update->snapshot());
    snapshot[update->node_id()] = *update;
  }
  ASSERT_EQ(snapshot.count("radar1"), 1u);
  ASSERT_EQ(snapshot["radar1"].tracks_size(), 1);
  EXPECT_EQ(snapshot["radar2"].tracks_size(), 0) << "known, no frame yet";

  // A reader that keeps up gets every update, in order.
  int64_t last = 1000;
  for (int64_t t = 2000; t <= 6000; t += 1000) {
    std::vector<tracking::TrackState> live, deleted;
    (t < 6000 ? live : deleted)
        .push_back(Track(1, t < 6000 ? TrackStatus::kConfirmed : TrackStatus::kDeleted));
    app_->tracks().Publish("radar1", Result(t, live, deleted));
    auto update = stream->Next(5s);
    ASSERT_TRUE(update) << t;
    EXPECT_FALSE(update->snapshot());
    EXPECT_EQ(update->node_id(), "radar1");
    EXPECT_EQ(update->updates_dropped(), 0u);
    EXPECT_EQ(update->timestamp_ms(), t);
    last = update->timestamp_ms();
    ASSERT_EQ(update->tracks_size(), 1);
    EXPECT_EQ(update->tracks(0).status(), t < 6000 ? "confirmed" : "deleted");
  }
  EXPECT_EQ(last, 6000);
}

// A reader that does not read while 3,000 large updates are published holds at most one update
// per node: the newest arrives, and the gap is announced.
TEST_F(TracksApiTest, SlowReaderGetsTheNewestStateAndTheGapNeverAnUnboundedBacklog) {
  grpc::ClientContext context;
  context.AddMetadata("authorization", std::string("Bearer ") + kToken);
  v1::StreamTracksRequest request;
  request.add_node_ids("radar1");
  request.add_statuses("tentative");
  auto reader = stub_->StreamTracks(&context, request);
  v1::TrackUpdate update;
  ASSERT_TRUE(reader->Read(&update));
  ASSERT_TRUE(update.snapshot());

  constexpr int kUpdates = 3000;
  std::vector<tracking::TrackState> many;
  for (uint64_t id = 1; id <= 300; ++id) many.push_back(Track(id, TrackStatus::kTentative));
  for (int i = 1; i <= kUpdates; ++i) app_->tracks().Publish("radar1", Result(i, many));

  uint64_t received = 0, dropped = 0;
  int64_t last = 0;
  while (last < kUpdates && reader->Read(&update)) {
    ++received;
    dropped += update.updates_dropped();
    EXPECT_GT(update.timestamp_ms(), last);
    last = update.timestamp_ms();
    EXPECT_EQ(update.tracks_size(), 300);
  }
  EXPECT_EQ(last, kUpdates) << "the newest state arrives";
  EXPECT_EQ(received + dropped, static_cast<uint64_t>(kUpdates)) << "every update is accounted for";
  EXPECT_GT(dropped, 0u) << "about 12 MB of updates cannot all be in flight";
  context.TryCancel();
}

// Shutting down ends a StreamTracks call with UNAVAILABLE.
TEST_F(TracksApiTest, StopEndsStreamsWithUnavailable) {
  auto stream = Stream({});
  ASSERT_TRUE(stream->Next(5s));
  app_->Stop();
  const auto ended = stream->Ended(10s);
  ASSERT_TRUE(ended);
  EXPECT_EQ(ended->error_code(), grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace radarhub::testing
