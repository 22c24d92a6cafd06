#include "radarhub/hub/subscriber_queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "hub/test_events.hpp"

namespace radarhub::hub {
namespace {

using testing::Describe;
using testing::Drain;
using testing::Frame;
using testing::Status;

const NodeName kA = std::make_shared<const std::string>("a");
const NodeName kB = std::make_shared<const std::string>("b");

TEST(SubscriberQueueTest, DeliversInOrder) {
  SubscriberQueue q(10, true);
  q.Push(kA, Status("up"));
  q.Push(kA, Frame(1));
  q.Push(kB, Frame(1));
  EXPECT_EQ(Drain(q), (std::vector<std::string>{"a:s:up", "a:f1", "b:f1"}));
  EXPECT_EQ(q.size(), 0u);
}

TEST(SubscriberQueueTest, FullQueueDropsOldestFramesAndAnnouncesTheGapInOrder) {
  SubscriberQueue q(4, true);
  for (uint64_t s = 1; s <= 10; ++s) q.Push(kA, Frame(s));
  EXPECT_EQ(q.size(), 4u);
  EXPECT_EQ(q.frames_dropped(), 6u);
  EXPECT_EQ(Drain(q),
            (std::vector<std::string>{"a:gap 1-6 slow_consumer", "a:f7", "a:f8", "a:f9", "a:f10"}));
}

TEST(SubscriberQueueTest, StatusEventsAndEachNodesNewestFrameAreKept) {
  SubscriberQueue q(3, true);
  q.Push(kB, Frame(1));  // b's only frame: must survive
  q.Push(kA, Status("up"));
  for (uint64_t s = 1; s <= 5; ++s) q.Push(kA, Frame(s));
  q.Push(kA, Status("down"));
  EXPECT_EQ(Drain(q), (std::vector<std::string>{"b:f1", "a:s:up", "a:gap 1-4 slow_consumer", "a:f5",
                                                "a:s:down"}));
}

TEST(SubscriberQueueTest, GapsOfDifferentNodesAreAnnouncedSeparately) {
  SubscriberQueue q(4, true);
  for (uint64_t s = 1; s <= 4; ++s) {
    q.Push(kA, Frame(s));
    q.Push(kB, Frame(s));
  }
  EXPECT_EQ(Drain(q),
            (std::vector<std::string>{"a:gap 1-2 slow_consumer", "a:f3", "b:gap 1-2 slow_consumer",
                                      "b:f3", "a:f4", "b:f4"}));
}

TEST(SubscriberQueueTest, LaterGapStartsFreshAfterTheFirstWasAnnounced) {
  SubscriberQueue q(2, true);
  for (uint64_t s = 1; s <= 4; ++s) q.Push(kA, Frame(s));
  EXPECT_EQ(Drain(q), (std::vector<std::string>{"a:gap 1-2 slow_consumer", "a:f3", "a:f4"}));
  for (uint64_t s = 5; s <= 8; ++s) q.Push(kA, Frame(s));
  EXPECT_EQ(Drain(q), (std::vector<std::string>{"a:gap 5-6 slow_consumer", "a:f7", "a:f8"}));
}

TEST(SubscriberQueueTest, StatusOnlySubscriberNeverQueuesFrames) {
  SubscriberQueue q(2, false);
  q.Push(kA, Frame(1));
  q.Push(kA, Status("up"));
  EXPECT_EQ(Drain(q), (std::vector<std::string>{"a:s:up"}));
}

TEST(SubscriberQueueTest, WakeupOnlyWhenGoingNonEmpty) {
  int wakeups = 0;
  SubscriberQueue q(10, true, [&] { ++wakeups; });
  q.Push(kA, Frame(1));
  q.Push(kA, Frame(2));
  EXPECT_EQ(wakeups, 1);
  Drain(q);
  q.Push(kA, Frame(3));
  EXPECT_EQ(wakeups, 2);
}

TEST(SubscriberQueueTest, MemoryStaysBoundedUnderSustainedOverload) {
  SubscriberQueue q(100, true);
  for (uint64_t s = 1; s <= 200000; ++s) q.Push(kA, Frame(s));
  EXPECT_EQ(q.size(), 100u);
  const auto got = Drain(q);
  EXPECT_EQ(got.front(), "a:gap 1-199900 slow_consumer");
  EXPECT_EQ(got.back(), "a:f200000");
}

// Many producers, one consumer: every node's frames arrive in order, each one either delivered or
// inside an announced gap, none twice.
TEST(SubscriberQueueTest, ConcurrentProducersLoseNothingUnannounced) {
  constexpr int kNodes = 4;
  constexpr uint64_t kFrames = 50000;
  std::vector<NodeName> names;
  // Literals: GCC 12 -O3 warns falsely (-Wrestrict) on "n" + std::to_string(n).
  for (const char* name : {"n0", "n1", "n2", "n3"}) {
    names.push_back(std::make_shared<const std::string>(name));
  }
  SubscriberQueue q(64, true);
  std::vector<std::thread> producers;
  for (int n = 0; n < kNodes; ++n) {
    producers.emplace_back([&, n] {
      for (uint64_t s = 1; s <= kFrames; ++s) q.Push(names[static_cast<size_t>(n)], Frame(s));
    });
  }
  std::atomic<bool> done{false};
  std::vector<uint64_t> next(kNodes, 1);
  std::thread consumer([&] {
    std::vector<Delivery> out;
    while (true) {
      out.clear();
      const bool finished = done.load();
      q.WaitPop(out, 256, std::chrono::milliseconds(10));
      for (const auto& d : out) {
        const auto i = static_cast<size_t>(d.node_id->back() - '0');
        if (!d.event) {
          ASSERT_EQ(d.from_sequence, next[i]);
          next[i] = d.to_sequence + 1;
        } else {
          ASSERT_EQ(d.event->sequence, next[i]);
          ++next[i];
        }
      }
      if (finished && out.empty()) break;
    }
  });
  for (auto& p : producers) p.join();
  done = true;
  consumer.join();
  for (int n = 0; n < kNodes; ++n) EXPECT_EQ(next[static_cast<size_t>(n)], kFrames + 1);
}

std::vector<std::string> PopDescribed(SubscriberQueue& q, size_t max, size_t max_bytes = SIZE_MAX) {
  std::vector<Delivery> out;
  q.Pop(out, max, max_bytes);
  std::vector<std::string> s;
  for (const auto& d : out) s.push_back(Describe(d));
  return s;
}

TEST(SubscriberQueueTest, PopNeverExceedsMaxEvenWhenAGapPrecedesAFrame) {
  SubscriberQueue q(2, true);
  for (uint64_t s = 1; s <= 5; ++s) q.Push(kA, Frame(s));  // 1-3 dropped
  EXPECT_EQ(PopDescribed(q, 1), (std::vector<std::string>{"a:gap 1-3 slow_consumer"}));
  EXPECT_EQ(PopDescribed(q, 1), (std::vector<std::string>{"a:f4"}));
  EXPECT_EQ(PopDescribed(q, 1), (std::vector<std::string>{"a:f5"}));

  for (uint64_t s = 6; s <= 9; ++s) q.Push(kA, Frame(s));  // 6-7 dropped
  // The gap and its frame go together or not at all.
  EXPECT_EQ(PopDescribed(q, 2), (std::vector<std::string>{"a:gap 6-7 slow_consumer", "a:f8"}));
  q.Push(kA, Frame(10));
  q.Push(kA, Frame(11));  // 9 dropped
  EXPECT_EQ(PopDescribed(q, 1), (std::vector<std::string>{"a:gap 9-9 slow_consumer"}));
  EXPECT_EQ(PopDescribed(q, 2), (std::vector<std::string>{"a:f10", "a:f11"}));
}

TEST(SubscriberQueueTest, PopStopsAtTheByteBudgetButAlwaysTakesOne) {
  SubscriberQueue q(10, true);
  for (uint64_t s = 1; s <= 4; ++s) q.Push(kA, Frame(s));  // payload "frame N": 7 bytes
  EXPECT_EQ(PopDescribed(q, 10, 3), (std::vector<std::string>{"a:f1"}));
  EXPECT_EQ(PopDescribed(q, 10, 14), (std::vector<std::string>{"a:f2", "a:f3"}));
  EXPECT_EQ(PopDescribed(q, 10, 0), (std::vector<std::string>{"a:f4"}));
}

TEST(SubscriberQueueTest, StatusesFromAStalledConsumerOverflowInsteadOfGrowing) {
  std::atomic<int> wakeups{0};
  SubscriberQueue q(4, false, [&] { ++wakeups; });
  for (int i = 0; i < 8; ++i) q.Push(kA, Status(std::to_string(i)));
  EXPECT_FALSE(q.overflowed());
  q.Push(kA, Status("one too many"));
  EXPECT_TRUE(q.overflowed());
  EXPECT_EQ(wakeups.load(), 2);  // the first push, then the overflow
  for (int i = 0; i < 100; ++i) q.Push(kA, Status("ignored"));
  EXPECT_EQ(q.size(), 8u);
}

TEST(SubscriberQueueTest, EvictionSkipsPiledUpStatusesAndLoneFrames) {
  SubscriberQueue q(4, true);
  q.Push(kB, Frame(1));  // b's lone (newest) frame stays
  for (int i = 0; i < 6; ++i) q.Push(kA, Status(std::to_string(i)));
  for (uint64_t s = 1; s <= 5; ++s) q.Push(kA, Frame(s));
  EXPECT_EQ(q.frames_dropped(), 4u);
  const auto got = Drain(q);
  ASSERT_EQ(got.size(), 9u);
  EXPECT_EQ(got.front(), "b:f1");
  EXPECT_EQ(got[7], "a:gap 1-4 slow_consumer");
  EXPECT_EQ(got[8], "a:f5");
}

}  // namespace
}  // namespace radarhub::hub
