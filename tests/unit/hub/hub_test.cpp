#include "radarhub/hub/hub.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "hub/test_events.hpp"

namespace radarhub::hub {
namespace {

using testing::Describe;
using testing::Drain;
using testing::Frame;
using testing::Status;

constexpr uint64_t kEpoch = 42;

// Tests hold the channels they publish to, as the registry's nodes do: Unsubscribe drops a
// channel that nobody holds, names, or has published to.

class HubTest : public ::testing::Test {
 protected:
  Hub hub_{HubSettings{.epoch = kEpoch, .replay_frames = 5, .subscriber_queue = 100}};
};

TEST_F(HubTest, SnapshotIsStatusesThenLatestFrames) {
  const auto a_held = hub_.GetChannel("a");
  Channel& a = *a_held;
  const auto b_held = hub_.GetChannel("b");
  Channel& b = *b_held;
  hub_.Publish(a, Status("a-up"));
  hub_.Publish(b, Status("b-up"));
  for (uint64_t s = 1; s <= 3; ++s) hub_.Publish(a, Frame(s));
  auto q = hub_.Subscribe({.node_ids = {"a", "b"}});
  EXPECT_EQ(Drain(*q), (std::vector<std::string>{"a:s:a-up", "b:s:b-up", "a:f3"}));
  hub_.Publish(b, Frame(1));
  EXPECT_EQ(Drain(*q), (std::vector<std::string>{"b:f1"}));
}

TEST_F(HubTest, RefreshedStatusShowsInSnapshotsButIsNotPushed) {
  const auto a_held = hub_.GetChannel("a");
  Channel& a = *a_held;
  auto live = hub_.Subscribe({.node_ids = {"a"}});
  hub_.RefreshStatus(a, Status("rates"));
  EXPECT_TRUE(Drain(*live).empty());
  auto q = hub_.Subscribe({.node_ids = {"a"}});
  EXPECT_EQ(Drain(*q), (std::vector<std::string>{"a:s:rates"}));
}

TEST_F(HubTest, WildcardSubscriberHearsNodesThatAppearLater) {
  auto q = hub_.Subscribe({});
  const auto c_held = hub_.GetChannel("late");
  Channel& c = *c_held;
  hub_.Publish(c, Status("up"));
  hub_.Publish(c, Frame(1));
  EXPECT_EQ(Drain(*q), (std::vector<std::string>{"late:s:up", "late:f1"}));
}

TEST_F(HubTest, SubscriberToUnknownNodeWaitsForIt) {
  auto q = hub_.Subscribe({.node_ids = {"future"}});
  EXPECT_TRUE(Drain(*q).empty());
  hub_.Publish(*hub_.GetChannel("future"), Frame(1));
  EXPECT_EQ(Drain(*q), (std::vector<std::string>{"future:f1"}));
}

TEST_F(HubTest, ResumeReplaysRetainedFramesAfterTheSequence) {
  const auto a_held = hub_.GetChannel("a");
  Channel& a = *a_held;
  for (uint64_t s = 1; s <= 4; ++s) hub_.Publish(a, Frame(s));
  auto q = hub_.Subscribe(
      {.node_ids = {"a"}, .resume = {{.node_id = "a", .epoch = kEpoch, .after_sequence = 2}}});
  EXPECT_EQ(Drain(*q), (std::vector<std::string>{"a:f3", "a:f4"}));
}

TEST_F(HubTest, ResumeBeyondTheRingAnnouncesOutOfRangeFirst) {
  const auto a_held = hub_.GetChannel("a");
  Channel& a = *a_held;
  for (uint64_t s = 1; s <= 12; ++s) hub_.Publish(a, Frame(s));  // ring keeps 8..12
  auto q = hub_.Subscribe(
      {.node_ids = {"a"}, .resume = {{.node_id = "a", .epoch = kEpoch, .after_sequence = 3}}});
  EXPECT_EQ(Drain(*q), (std::vector<std::string>{"a:gap 4-7 resume_out_of_range", "a:f8", "a:f9",
                                                 "a:f10", "a:f11", "a:f12"}));
}

TEST_F(HubTest, ResumeUpToDateGetsOnlyLiveFrames) {
  const auto a_held = hub_.GetChannel("a");
  Channel& a = *a_held;
  for (uint64_t s = 1; s <= 3; ++s) hub_.Publish(a, Frame(s));
  auto q = hub_.Subscribe(
      {.node_ids = {"a"}, .resume = {{.node_id = "a", .epoch = kEpoch, .after_sequence = 3}}});
  EXPECT_TRUE(Drain(*q).empty());
  hub_.Publish(a, Frame(4));
  EXPECT_EQ(Drain(*q), (std::vector<std::string>{"a:f4"}));
}

TEST_F(HubTest, StaleEpochIsOutOfRangeFromZeroThenEverythingRetained) {
  const auto a_held = hub_.GetChannel("a");
  Channel& a = *a_held;
  for (uint64_t s = 1; s <= 2; ++s) hub_.Publish(a, Frame(s));
  auto q = hub_.Subscribe(
      {.node_ids = {"a"}, .resume = {{.node_id = "a", .epoch = 7, .after_sequence = 900}}});
  EXPECT_EQ(Drain(*q), (std::vector<std::string>{"a:gap 0-0 resume_out_of_range", "a:f1", "a:f2"}));
}

TEST_F(HubTest, ForgetDropsTheRingStatusAndChannel) {
  const auto a = hub_.GetChannel("a");
  hub_.Publish(*a, Status("a-up"));
  for (uint64_t s = 1; s <= 3; ++s) hub_.Publish(*a, Frame(s));
  ASSERT_GT(hub_.replay_bytes(), 0u);
  hub_.Forget("a");
  EXPECT_EQ(hub_.replay_bytes(), 0u);
  EXPECT_EQ(hub_.channels(), 0u);
  auto q = hub_.Subscribe({});
  EXPECT_TRUE(Drain(*q).empty()) << "a forgotten node is not in a new snapshot";
}

// A subscription naming a node keeps listening through a forget: the node back (in a new epoch)
// is heard, and a resume in the old epoch is out of range.
TEST_F(HubTest, SubscriptionNamingAForgottenNodeHearsItReturnInItsNewEpoch) {
  const auto old_channel = hub_.GetChannel("a");
  for (uint64_t s = 1; s <= 3; ++s) hub_.Publish(*old_channel, Frame(s));
  auto named = hub_.Subscribe({.node_ids = {"a"}});
  EXPECT_EQ(Drain(*named), (std::vector<std::string>{"a:f3"}));
  hub_.Forget("a");
  EXPECT_EQ(hub_.channels(), 1u) << "kept for the subscription that names it";

  const auto back = hub_.GetChannel("a", /*epoch=*/99);
  EXPECT_EQ(back, old_channel);
  hub_.Publish(*back, Frame(1));
  EXPECT_EQ(Drain(*named), (std::vector<std::string>{"a:f1"}));
  auto resumed = hub_.Subscribe(
      {.node_ids = {"a"}, .resume = {{.node_id = "a", .epoch = kEpoch, .after_sequence = 3}}});
  EXPECT_EQ(Drain(*resumed), (std::vector<std::string>{"a:gap 0-0 resume_out_of_range", "a:f1"}));
}

// Subscriptions may name ids that never come; their channels go with the last of them.
TEST_F(HubTest, ChannelsOnlySubscriptionsAskedForGoWithThem) {
  const auto held = hub_.GetChannel("registered");  // a node registering holds its channel
  auto q = hub_.Subscribe({.node_ids = {"never1", "never2", "registered"}});
  auto other = hub_.Subscribe({.node_ids = {"never2"}});
  EXPECT_EQ(hub_.channels(), 3u);
  hub_.Unsubscribe(q);
  EXPECT_EQ(hub_.channels(), 2u) << "never1 goes; never2 is still named; registered is held";
  hub_.Unsubscribe(other);
  EXPECT_EQ(hub_.channels(), 1u);
}

// A forgotten node's events still queued for a subscriber keep its name alive.
TEST_F(HubTest, QueuedEventsOutliveTheirForgottenChannel) {
  auto q = hub_.Subscribe({});
  {
    const auto a = hub_.GetChannel("gone");
    hub_.Publish(*a, Status("bye"));
    hub_.Publish(*a, Frame(1));
  }
  hub_.Forget("gone");
  EXPECT_EQ(Drain(*q), (std::vector<std::string>{"gone:s:bye", "gone:f1"}));
}

EventPtr BigFrame(uint64_t sequence) {
  return std::make_shared<const Event>(
      Event{Event::Kind::kFrame, sequence, std::string(1000, 'x')});
}

// Frames kept for resume are bounded in bytes for the whole hub, shared by the nodes that hold
// frames: a node that comes later takes its share from the others (at once when they publish,
// within a TrimReplay otherwise), and what is no longer held is announced on resume.
TEST(HubReplayMemoryTest, RingsShareTheBudgetFairly) {
  size_t cost = 0;
  {
    Hub probe(HubSettings{.epoch = kEpoch});
    probe.Publish(*probe.GetChannel("a"), BigFrame(1));
    cost = probe.replay_bytes();
  }
  ASSERT_GT(cost, 1000u);
  Hub hub(HubSettings{.epoch = kEpoch, .replay_frames = 1000, .replay_memory = 20 * cost});
  const auto a_held = hub.GetChannel("a");
  Channel& a = *a_held;
  const auto b_held = hub.GetChannel("b");
  Channel& b = *b_held;
  for (uint64_t s = 1; s <= 100; ++s) hub.Publish(a, BigFrame(s));
  EXPECT_EQ(hub.replay_bytes(), 20 * cost) << "one node alone may use it all";

  for (uint64_t s = 1; s <= 100; ++s) hub.Publish(b, BigFrame(s));
  EXPECT_EQ(hub.replay_bytes(), 30 * cost) << "b has its half; a keeps 20 until trimmed";
  hub.TrimReplay();
  EXPECT_EQ(hub.replay_bytes(), 20 * cost);

  auto q = hub.Subscribe(
      {.node_ids = {"a"}, .resume = {{.node_id = "a", .epoch = kEpoch, .after_sequence = 50}}});
  const auto got = Drain(*q);
  ASSERT_EQ(got.size(), 11u);
  EXPECT_EQ(got[0], "a:gap 51-90 resume_out_of_range");
  EXPECT_EQ(got[1], "a:f91");
  EXPECT_EQ(got[10], "a:f100");
}

TEST(HubReplayMemoryTest, EveryNodeKeepsItsLatestFrameForSnapshots) {
  Hub hub(HubSettings{.epoch = kEpoch, .replay_frames = 1000, .replay_memory = 100});
  const auto a_held = hub.GetChannel("a");
  Channel& a = *a_held;
  const auto b_held = hub.GetChannel("b");
  Channel& b = *b_held;
  for (uint64_t s = 1; s <= 10; ++s) {
    hub.Publish(a, BigFrame(s));
    hub.Publish(b, BigFrame(s));
  }
  hub.TrimReplay();
  auto q = hub.Subscribe({.node_ids = {"a", "b"}});
  EXPECT_EQ(Drain(*q), (std::vector<std::string>{"a:f10", "b:f10"}));
}

// Frames queued for subscribers are bounded in bytes for the whole hub. While the budget is
// spent, a stream over its equal share loses its oldest frames (announced); a stream that reads
// loses nothing, and a stream alone behind may use what the others leave.
TEST(HubSubscriberMemoryTest, TheStreamBehindLosesFirst) {
  const size_t frame = BigFrame(1)->payload.size();
  Hub hub(
      HubSettings{.epoch = kEpoch, .subscriber_queue = 100000, .subscriber_memory = 20 * frame});
  const auto a_held = hub.GetChannel("a");
  Channel& a = *a_held;
  auto reading = hub.Subscribe({.node_ids = {"a"}});
  auto stalled = hub.Subscribe({.node_ids = {"a"}});
  EXPECT_EQ(hub.subscriber_share(), 10 * frame);
  std::vector<Delivery> out;
  for (uint64_t s = 1; s <= 100; ++s) {
    hub.Publish(a, BigFrame(s));
    reading->Pop(out, 1000);
  }
  EXPECT_EQ(out.size(), 100u) << "the reader keeps up and loses nothing";
  // Alone behind, it may use the whole budget but for the frame the reader had not yet taken.
  EXPECT_EQ(stalled->frame_bytes(), 19 * frame);
  EXPECT_EQ(hub.subscriber_bytes(), 19 * frame);
  const auto got = Drain(*stalled);
  ASSERT_EQ(got.size(), 20u);
  EXPECT_EQ(got[0], "a:gap 1-81 slow_consumer");
  EXPECT_EQ(got[1], "a:f82");
  EXPECT_EQ(hub.subscriber_bytes(), 0u);
  hub.Unsubscribe(reading);
  EXPECT_EQ(hub.subscriber_share(), 20 * frame) << "one stream left: it may use it all";
}

TEST(HubSubscriberMemoryTest, StreamsBehindTogetherShareTheBudget) {
  const size_t frame = BigFrame(1)->payload.size();
  Hub hub(
      HubSettings{.epoch = kEpoch, .subscriber_queue = 100000, .subscriber_memory = 20 * frame});
  const auto a_held = hub.GetChannel("a");
  Channel& a = *a_held;
  auto first = hub.Subscribe({.node_ids = {"a"}});
  for (uint64_t s = 1; s <= 30; ++s) hub.Publish(a, BigFrame(s));
  EXPECT_EQ(first->frame_bytes(), 20 * frame);
  auto second = hub.Subscribe({.node_ids = {"a"}});
  for (uint64_t s = 31; s <= 100; ++s) hub.Publish(a, BigFrame(s));
  EXPECT_LE(hub.subscriber_bytes(), 20 * frame);
  EXPECT_EQ(first->frame_bytes(), 10 * frame) << "over its share: it gave way";
  EXPECT_EQ(second->frame_bytes(), 10 * frame);
  auto gone = hub.Subscribe({.node_ids = {"a"}});
  hub.Publish(a, BigFrame(101));
  const size_t held = gone->frame_bytes();  // its snapshot's frame and 101
  EXPECT_EQ(held, 2 * frame);
  const size_t before = hub.subscriber_bytes();
  hub.Unsubscribe(gone);
  gone.reset();
  EXPECT_EQ(hub.subscriber_bytes(), before - held) << "a queue that goes returns its bytes";
}

TEST_F(HubTest, UnsubscribedQueueHearsNothingMore) {
  const auto a_held = hub_.GetChannel("a");
  Channel& a = *a_held;
  auto q = hub_.Subscribe({});
  EXPECT_EQ(hub_.subscribers(), 1u);
  hub_.Unsubscribe(q);
  EXPECT_EQ(hub_.subscribers(), 0u);
  hub_.Publish(a, Frame(1));
  EXPECT_TRUE(Drain(*q).empty());
}

TEST_F(HubTest, SlowSubscriberDoesNotAffectAnotherOne) {
  Hub hub(HubSettings{.epoch = 1, .replay_frames = 8, .subscriber_queue = 16});
  const auto a_held = hub.GetChannel("a");
  Channel& a = *a_held;
  auto stalled = hub.Subscribe({});
  auto healthy = hub.Subscribe({});
  size_t received = 0;
  std::vector<Delivery> out;
  for (uint64_t s = 1; s <= 10000; ++s) {
    hub.Publish(a, Frame(s));
    out.clear();
    received += healthy->Pop(out, 100);
  }
  EXPECT_EQ(received, 10000u) << "the healthy subscriber got every frame";
  EXPECT_EQ(stalled->size(), 16u) << "the stalled one stays bounded";
}

// Subscribing while frames are being published: each subscriber sees one gapless, duplicate-free
// run of sequences that starts at the snapshot.
TEST_F(HubTest, SubscribeDuringPublishingNeitherDuplicatesNorSkips) {
  Hub hub(HubSettings{.epoch = 1, .replay_frames = 4, .subscriber_queue = 1 << 20});
  const auto a_held = hub.GetChannel("a");
  Channel& a = *a_held;
  std::atomic<bool> stop{false};
  std::thread producer([&] {
    for (uint64_t s = 1; !stop; ++s) hub.Publish(a, Frame(s));
  });
  std::vector<std::shared_ptr<SubscriberQueue>> queues;
  for (int i = 0; i < 50; ++i) {
    queues.push_back(hub.Subscribe({.node_ids = {"a"}}));
    std::this_thread::yield();
  }
  stop = true;
  producer.join();
  for (auto& q : queues) {
    std::vector<Delivery> out;
    q->Pop(out, 1u << 30);
    for (size_t i = 1; i < out.size(); ++i) {
      ASSERT_EQ(out[i].event->sequence, out[i - 1].event->sequence + 1);
    }
  }
}

}  // namespace
}  // namespace radarhub::hub
