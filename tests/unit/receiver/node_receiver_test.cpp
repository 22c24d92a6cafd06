#include "radarhub/receiver/node_receiver.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <atomic>
#include <thread>

namespace radarhub::receiver {
namespace {

using namespace std::chrono_literals;
using WallClock = std::chrono::system_clock;

v1::DetectionFrame Frame(uint64_t sequence, uint64_t epoch = 7, int64_t timestamp = -1) {
  v1::DetectionFrame f;
  f.set_node_id("radar1");
  f.set_sequence(sequence);
  f.set_epoch(epoch);
  f.set_timestamp_ms(timestamp >= 0 ? timestamp : static_cast<int64_t>(1000 + sequence));
  return f;
}

TEST(NodeReceiverTest, DeliversInOrderAndTimesOutWhenEmpty) {
  NodeReceiver r("radar1", {.queue_size = 10});
  EXPECT_TRUE(r.Offer(Frame(1)));
  EXPECT_TRUE(r.Offer(Frame(2)));
  EXPECT_EQ(r.Receive(0ms)->sequence(), 1u);
  EXPECT_EQ(r.Receive(0ms)->sequence(), 2u);
  EXPECT_FALSE(r.Receive(10ms).has_value());
  EXPECT_EQ(r.counters().received, 2u);
}

// The workers ask with 0 ms once a batch has emptied the queue: that must not put the thread to
// sleep (a futex wait until an expired timer fires), or every frame costs a context switch.
TEST(NodeReceiverTest, AskingAnEmptyQueueWithoutTimeoutNeverSleeps) {
  NodeReceiver r("radar1", {.queue_size = 10});
  rusage before{}, after{};
  ASSERT_EQ(getrusage(RUSAGE_THREAD, &before), 0);
  for (int i = 0; i < 1000; ++i) ASSERT_FALSE(r.Receive(0ms).has_value());
  ASSERT_EQ(getrusage(RUSAGE_THREAD, &after), 0);
  EXPECT_LT(after.ru_nvcsw - before.ru_nvcsw, 10) << "voluntary context switches";
}

TEST(NodeReceiverTest, FullQueueDropsTheOldestAndCountsIt) {
  NodeReceiver r("radar1", {.queue_size = 3});
  for (uint64_t s = 1; s <= 5; ++s) EXPECT_TRUE(r.Offer(Frame(s)));
  EXPECT_EQ(r.queue_depth(), 3u);
  EXPECT_EQ(r.counters().dropped, 2u);
  EXPECT_EQ(r.Receive(0ms)->sequence(), 3u);  // the newest are kept
}

TEST(NodeReceiverTest, DuplicatesBySequenceOrTimestampAreDropped) {
  NodeReceiver r("radar1", {.queue_size = 10});
  EXPECT_TRUE(r.Offer(Frame(1)));
  EXPECT_TRUE(r.Offer(Frame(2)));
  EXPECT_FALSE(r.Offer(Frame(2)));  // resent after a resume
  EXPECT_FALSE(r.Offer(Frame(1)));
  EXPECT_FALSE(r.Offer(Frame(1, 9, 1002)));  // same timestamp via another ingest
  EXPECT_TRUE(r.Offer(Frame(1, 9, 1003)));   // the node moved to another ingest (epoch)
  EXPECT_EQ(r.counters().deduplicated, 3u);
  EXPECT_EQ(r.counters().received, 3u);
  EXPECT_EQ(r.last_timestamp_ms(), 1003);
}

// Another replica still holding the node's history from before it moved away: its replay is not
// news. Within one epoch, sequence order rules (a node's clock stepping back is its business).
TEST(NodeReceiverTest, OlderFramesFromAnotherEpochAreHistoryNotNews) {
  NodeReceiver r("radar1", {.queue_size = 10});
  EXPECT_TRUE(r.Offer(Frame(7, 7, 5000)));
  EXPECT_FALSE(r.Offer(Frame(1, 9, 4000)));  // replica 9's old ring
  EXPECT_FALSE(r.Offer(Frame(2, 9, 4100)));
  EXPECT_TRUE(r.Offer(Frame(3, 9, 5100)));  // the node on replica 9 now
  EXPECT_TRUE(r.Offer(Frame(4, 9, 5050)));  // same epoch: an earlier timestamp still counts
  EXPECT_EQ(r.counters().deduplicated, 2u);
  EXPECT_EQ(r.LastSequence(9), 4u);
}

TEST(NodeReceiverTest, MissedFramesAreCountedFromGaps) {
  NodeReceiver r("radar1", {});
  r.Missed(5, 9);
  r.Missed(12, 12);
  EXPECT_EQ(r.counters().missed, 6u);
}

TEST(NodeReceiverTest, HealthyOnlyWhileALiveStreamHasTheNodeConnected) {
  NodeReceiver r("radar1", {});
  const auto t0 = WallClock::now();
  EXPECT_FALSE(r.Healthy());
  EXPECT_EQ(tracking::ToString(r.health().reason), "no_data");

  r.SetSourceState("a:50051", true, true, t0);
  EXPECT_TRUE(r.Healthy());
  EXPECT_EQ(tracking::ToString(r.health().reason), "ok");
  EXPECT_EQ(r.health().source, "a:50051");
  EXPECT_EQ(r.health().since, t0);

  r.SetSourceState("a:50051", true, false, t0 + 1s);
  EXPECT_EQ(tracking::ToString(r.health().reason), "node_disconnected");
  EXPECT_EQ(r.health().since, t0 + 1s);

  r.SetSourceState("b:50051", true, true, t0 + 2s);  // it reconnected to another replica
  EXPECT_TRUE(r.Healthy());
  EXPECT_EQ(r.health().source, "b:50051");

  r.SetSourceState("b:50051", false, true, t0 + 3s);  // that stream broke; a's is still live
  EXPECT_EQ(tracking::ToString(r.health().reason), "node_disconnected");
  EXPECT_EQ(r.health().since, t0 + 3s);
  r.SetSourceState("a:50051", false, false, t0 + 4s);  // now no stream is live
  EXPECT_FALSE(r.Healthy());
  EXPECT_EQ(tracking::ToString(r.health().reason), "ingest_unreachable");
  EXPECT_EQ(r.health().since, t0 + 4s);
  r.SetSourceState("a:50051", false, false, t0 + 5s);  // no change: `since` stays
  EXPECT_EQ(r.health().since, t0 + 4s);
}

TEST(NodeReceiverTest, CloseWakesAWaitingConsumer) {
  NodeReceiver r("radar1", {});
  std::thread closer([&] {
    std::this_thread::sleep_for(20ms);
    r.Close();
  });
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(r.Receive(10s).has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  closer.join();
  EXPECT_FALSE(r.Offer(Frame(1)));
}

// A producer at full speed and a consumer that takes frames as they come: every frame is either
// received in order or counted as dropped, and the producer never waits for the consumer.
TEST(NodeReceiverTest, ConcurrentProducerAndConsumerLoseNothingUncounted) {
  NodeReceiver r("radar1", {.queue_size = 64});
  constexpr uint64_t kFrames = 200000;
  std::thread producer([&] {
    for (uint64_t s = 1; s <= kFrames; ++s) r.Offer(Frame(s));
    r.Close();
  });
  uint64_t got = 0, last = 0;
  bool ordered = true;
  while (true) {
    auto f = r.Receive(1s);
    if (!f) break;
    ordered = ordered && f->sequence() > last;
    last = f->sequence();
    ++got;
  }
  producer.join();
  EXPECT_TRUE(ordered);
  const auto c = r.counters();
  EXPECT_EQ(c.received, kFrames);
  EXPECT_EQ(got + c.dropped + r.queue_depth(), kFrames);
}

// Resume needs each endpoint's position: the last sequence per epoch, 0 for an unseen epoch.
TEST(NodeReceiverTest, LastSequenceIsKeptPerEpoch) {
  NodeReceiver r("radar1", {});
  r.Offer(Frame(5, 7));
  r.Offer(Frame(9, 7));
  r.Offer(Frame(2, 8, 2000));
  EXPECT_EQ(r.LastSequence(7), 9u);
  EXPECT_EQ(r.LastSequence(8), 2u);
  EXPECT_EQ(r.LastSequence(9), 0u);
}

// A stale-epoch gap starts "from 0"; sequences start at 1, so it must not count one extra frame.
TEST(NodeReceiverTest, GapFromZeroCountsFromTheFirstSequence) {
  NodeReceiver r("radar1", {});
  r.Missed(0, 4);
  r.Missed(0, 0);
  EXPECT_EQ(r.counters().missed, 4u);
}

TEST(NodeReceiverTest, ReportsHealthChangesAndForgetsRemovedSources) {
  NodeReceiver r("radar1", {});
  const auto t = WallClock::now();
  EXPECT_TRUE(r.SetSourceState("a:1", true, true, t));
  EXPECT_FALSE(r.SetSourceState("a:1", true, true, t + 1s));  // nothing changed
  EXPECT_EQ(r.health().since, t);
  EXPECT_EQ(r.health().version, 1u);
  EXPECT_FALSE(r.SetSourceState("b:1", true, false, t + 2s));  // still ok through a:1
  EXPECT_TRUE(r.RemoveSource("a:1", t + 3s));
  EXPECT_EQ(tracking::ToString(r.health().reason), "node_disconnected");
  EXPECT_TRUE(r.RemoveSource("b:1", t + 4s));
  EXPECT_EQ(tracking::ToString(r.health().reason), "ingest_unreachable");
  EXPECT_FALSE(r.RemoveSource("b:1", t + 5s));
}

}  // namespace
}  // namespace radarhub::receiver
