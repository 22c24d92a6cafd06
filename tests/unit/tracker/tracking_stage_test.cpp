// The tracker's per-node stage on its own (no gRPC): which ticks can be left out.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <filesystem>

#include "track_board.hpp"
#include "tracker_metrics.hpp"
#include "tracking_stage.hpp"

namespace radarhub::tracker {
namespace {

using namespace std::chrono_literals;
using Wall = std::chrono::system_clock;

constexpr int64_t kStartMs = 1767225600000;

// A target that a node sees every second at a steady range rate.
v1::DetectionFrame FrameAt(int k) {
  v1::DetectionFrame f;
  f.set_node_id("radar1");
  f.set_timestamp_ms(kStartMs + 1000 * k);
  v1::Detection* d = f.add_detections();
  d->set_delay(60 - 0.15 * k);
  d->set_doppler(0.15 * 1000.0 / 2.99792458);
  d->set_snr(15);
  return f;
}

TEST(TrackingStageTest, TicksAreDueOnlyOnceATickWouldChangeSomething) {
  boost::asio::io_context control;
  TrackBoard board(control.get_executor());
  TrackerMetrics metrics;
  TrackingStage stage("radar1", TrackingSettings{}, &board, metrics);
  EXPECT_FALSE(stage.TickDue(Wall::now() + 1h));  // no frame yet: a tick has nothing to do

  Wall::time_point before, after;  // around the last frame's arrival, however slow the machine
  for (int k = 0; k < 8; ++k) {
    v1::DetectionFrame f = FrameAt(k);
    before = Wall::now();
    stage.Process(f);
    after = Wall::now();
  }
  ASSERT_EQ(stage.counts().confirmed, 1u);
  // At 1 Hz a confirmed track coasts once frames are 1.5 s late, and no earlier.
  EXPECT_FALSE(stage.TickDue(before + 1400ms));
  const Wall::time_point due = after + 1600ms;
  EXPECT_TRUE(stage.TickDue(due));
  stage.Tick(due);
  EXPECT_EQ(stage.counts().coasting, 1u);
  EXPECT_TRUE(stage.TickDue(due + 1s));  // silent still: later ticks delete the track
}

TEST(TrackingStageTest, TicksStayDueWhileTrackLinesWaitToBeWritten) {
  boost::asio::io_context control;
  TrackBoard board(control.get_executor());
  TrackerMetrics metrics;
  TrackingSettings settings;
  const auto dir = std::filesystem::temp_directory_path() /
                   ("radarhub-stage-test-" + std::to_string(::getpid()));
  settings.tracks_dir = dir;
  {
    TrackingStage stage("radar1", settings, &board, metrics);
    for (int k = 0; k < 8; ++k) {
      v1::DetectionFrame f = FrameAt(k);
      stage.Process(f);
    }
    ASSERT_EQ(stage.counts().confirmed, 1u);
    // The confirmed track's lines are buffered for up to a second: only a tick writes them
    // once the node falls silent.
    EXPECT_TRUE(stage.TickDue(Wall::now()));
  }
  std::filesystem::remove_all(dir);
}

// A stage that counts its ticks, due or not as the test says.
class CountingStage final : public FrameStage {
 public:
  explicit CountingStage(std::atomic<bool>& due, std::atomic<int>& ticks)
      : due_(due), ticks_(ticks) {}
  void Process(v1::DetectionFrame&) override {}
  void Tick(Wall::time_point) override { ++ticks_; }
  bool TickDue(Wall::time_point) const override { return due_.load(); }

 private:
  std::atomic<bool>& due_;
  std::atomic<int>& ticks_;
};

TEST(TrackedNodeTest, ATickNotDueIsNeverScheduled) {
  std::atomic<bool> due{false};
  std::atomic<int> ticks{0};
  auto workers = std::make_shared<NodeWorkers>(1);
  auto node =
      std::make_shared<TrackedNode>("radar1", receiver::ReceiverSettings{},
                                    std::make_unique<CountingStage>(due, ticks), nullptr, workers);
  node->Start();
  node->Tick(Wall::now());
  due = true;
  node->Tick(Wall::now());
  workers->Join();  // runs what was posted
  EXPECT_EQ(ticks.load(), 1);
}

}  // namespace
}  // namespace radarhub::tracker
