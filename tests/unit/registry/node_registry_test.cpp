#include "radarhub/registry/node_registry.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace radarhub::registry {
namespace {

using namespace std::chrono_literals;

const WallClock::time_point kT0 = WallClock::time_point{} + 1000h;

struct Recorder {
  std::vector<v1::NodeStatus> statuses;
  auto fn() {
    return [this](const v1::NodeStatus& s) { statuses.push_back(s); };
  }
};

Admission Accept(NodeRegistry& r, Node& n, uint64_t owner, int64_t ts, uint64_t* seq = nullptr,
                 bool* ooo = nullptr) {
  bool out_of_order = false;
  const Admission a = r.AcceptFrame(n, owner, ts, 100, kT0, out_of_order, [&](uint64_t s) {
    if (seq) *seq = s;
  });
  if (ooo) *ooo = out_of_order;
  return a;
}

TEST(NodeRegistryTest, SequencesStartAtOneAndCountUp) {
  NodeRegistry r(77);
  Node& n = *r.Get("radar1");
  Recorder rec;
  EXPECT_EQ(r.Attach(n, 1, "127.0.0.1:5000", kT0, rec.fn()), std::optional<uint64_t>(0));
  for (uint64_t i = 1; i <= 5; ++i) {
    uint64_t seq = 0;
    ASSERT_EQ(Accept(r, n, 1, 1000 + static_cast<int64_t>(i), &seq), Admission::kAccepted);
    EXPECT_EQ(seq, i);
  }
  v1::NodeStatus s;
  r.FillStatus(n, s);
  EXPECT_EQ(s.last_sequence(), 5u);
  EXPECT_EQ(s.epoch(), 77u);
  EXPECT_EQ(s.frames_accepted(), 5u);
  EXPECT_EQ(r.Get("radar1").get(), &n) << "stable identity";
}

TEST(NodeRegistryTest, ForgetsOnlyNodesDisconnectedLongEnough) {
  hub::Hub hub(hub::HubSettings{.epoch = 5});
  NodeRegistry r(5, &hub);
  const NodePtr left = r.Get("left"), here = r.Get("here"), listed = r.Get("listed");
  r.Attach(*left, 1, "p", kT0, [](auto&) {});
  r.Detach(*left, 1, kT0 + 1s, [](auto&) {});
  r.Attach(*here, 2, "p", kT0, [](auto&) {});
  EXPECT_FALSE(r.Forget("left", kT0)) << "disconnected only since kT0 + 1s";
  EXPECT_FALSE(r.Forget("here", kT0 + 1h)) << "connected";
  EXPECT_EQ(r.ForgetIdle(kT0 + 1h, [](const std::string&) { return false; }),
            (std::vector<std::string>{"left"}))
      << "a node that never connected (listed) has nothing to expire";
  EXPECT_EQ(r.Find("left"), nullptr);
  EXPECT_EQ(r.All().size(), 2u);
  EXPECT_EQ(r.Attach(*left, 3, "p", kT0 + 2h, [](auto&) {}), std::nullopt)
      << "a connection still holding the forgotten node must get it again";
}

TEST(NodeRegistryTest, ANodeBackAfterBeingForgottenCountsInANewEpochFromOne) {
  hub::Hub hub(hub::HubSettings{.epoch = 5});
  NodeRegistry r(5, &hub);
  const NodePtr before = r.Get("radar1");
  r.Attach(*before, 1, "p", kT0, [](auto&) {});
  for (int64_t t = 1; t <= 3; ++t) Accept(r, *before, 1, 1000 + t);
  r.Detach(*before, 1, kT0, [](auto&) {});
  ASSERT_TRUE(r.Forget("radar1", kT0));
  const NodePtr after = r.Get("radar1");
  ASSERT_NE(after, before);
  EXPECT_NE(after->epoch(), 5u);
  EXPECT_NE(after->epoch(), 0u);
  r.Attach(*after, 2, "p", kT0, [](auto&) {});
  uint64_t seq = 0;
  Accept(r, *after, 2, 2000, &seq);
  EXPECT_EQ(seq, 1u);
  v1::NodeStatus s;
  r.FillStatus(*after, s);
  EXPECT_EQ(s.epoch(), after->epoch());
  EXPECT_EQ(s.frames_accepted(), 1u) << "counters start over";
  EXPECT_EQ(after->channel(), hub.GetChannel("radar1").get());
  // Each return gets an epoch of its own.
  r.Detach(*after, 2, kT0, [](auto&) {});
  ASSERT_TRUE(r.Forget("radar1", kT0));
  EXPECT_NE(r.Get("radar1")->epoch(), after->epoch());
}

// Hellos (Get, then Attach as the connection does: again while the node was forgotten) race with
// an operator forgetting nodes: every attached connection holds the registered node, with the
// channel the hub hands out for its id, never a forgotten one. One node per connection: a takeover
// would leave the superseded connection on a node that may go, as it should.
TEST(NodeRegistryTest, ForgettingRacingWithHellosNeverStrandsAConnection) {
  constexpr int kConnections = 4;
  hub::Hub hub(hub::HubSettings{.epoch = 5});
  NodeRegistry r(5, &hub);
  std::atomic<bool> stop{false};
  std::thread forgetter([&] {
    for (int i = 0; !stop; i = (i + 1) % kConnections) {
      r.Forget("radar" + std::to_string(i), WallClock::time_point::max());
    }
  });
  std::vector<std::thread> connections;
  std::atomic<int> stranded{0};
  for (int c = 0; c < kConnections; ++c) {
    connections.emplace_back([&, c] {
      const std::string id = "radar" + std::to_string(c);
      const auto owner = static_cast<uint64_t>(c + 1);
      for (int i = 0; i < 2000; ++i) {
        NodePtr node;
        std::optional<uint64_t> previous;
        do {
          node = r.Get(id);
          previous = r.Attach(*node, owner, "p", kT0, [](auto&) {});
        } while (!previous);
        // Attached and connected: it cannot be forgotten under us.
        if (r.Find(id) != node || hub.GetChannel(id).get() != node->channel()) ++stranded;
        r.Detach(*node, owner, kT0, [](auto&) {});
      }
    });
  }
  for (auto& t : connections) t.join();
  stop = true;
  forgetter.join();
  EXPECT_EQ(stranded, 0);
}

TEST(NodeRegistryTest, DuplicateTimestampDroppedOlderAcceptedAsOutOfOrder) {
  NodeRegistry r(1);
  Node& n = *r.Get("radar1");
  r.Attach(n, 1, "p", kT0, [](auto&) {});
  bool ooo = false;
  EXPECT_EQ(Accept(r, n, 1, 2000), Admission::kAccepted);
  EXPECT_EQ(Accept(r, n, 1, 2000), Admission::kDuplicate);
  uint64_t seq = 0;
  EXPECT_EQ(Accept(r, n, 1, 1500, &seq, &ooo), Admission::kAccepted);
  EXPECT_TRUE(ooo);
  EXPECT_EQ(seq, 2u) << "a duplicate takes no sequence number";
  const NodeCounters c = r.Counters(n);
  EXPECT_EQ(c.frames_accepted, 2u);
  EXPECT_EQ(c.frames_deduplicated, 1u);
  EXPECT_EQ(c.frames_out_of_order, 1u);
}

TEST(NodeRegistryTest, TakeoverReturnsPreviousOwnerAndKeepsNodeConnected) {
  NodeRegistry r(1);
  Node& n = *r.Get("radar1");
  Recorder rec;
  r.Attach(n, 1, "10.0.0.1:1", kT0, rec.fn());
  EXPECT_EQ(r.Attach(n, 2, "10.0.0.2:2", kT0 + 5s, rec.fn()), std::optional<uint64_t>(1));
  EXPECT_EQ(Accept(r, n, 1, 10), Admission::kNotOwner) << "the superseded connection is cut off";
  EXPECT_EQ(Accept(r, n, 2, 10), Admission::kAccepted);
  EXPECT_FALSE(r.Detach(n, 1, kT0 + 6s, rec.fn())) << "the old connection's close changes nothing";
  EXPECT_TRUE(r.Connected(n));
  ASSERT_EQ(rec.statuses.size(), 2u);
  EXPECT_EQ(rec.statuses[1].peer(), "10.0.0.2:2");
  EXPECT_EQ(rec.statuses[1].since().seconds(), rec.statuses[0].since().seconds())
      << "since is the last change of connected";
  EXPECT_TRUE(r.Detach(n, 2, kT0 + 7s, rec.fn()));
  EXPECT_FALSE(rec.statuses.back().connected());
  EXPECT_EQ(rec.statuses.back().peer(), "");
}

TEST(NodeRegistryTest, RatesOverTheLastSecond) {
  NodeRegistry r(1);
  Node& n = *r.Get("radar1");
  r.Attach(n, 1, "p", kT0, [](auto&) {});
  r.TickRates(kT0);
  for (int i = 1; i <= 10; ++i) Accept(r, n, 1, i);
  r.TickRates(kT0 + 1s);
  v1::NodeStatus s;
  r.FillStatus(n, s);
  EXPECT_DOUBLE_EQ(s.frames_per_second(), 10.0);
  EXPECT_DOUBLE_EQ(s.bytes_per_second(), 1000.0);
  r.TickRates(kT0 + 2s);
  r.FillStatus(n, s);
  EXPECT_DOUBLE_EQ(s.frames_per_second(), 0.0);
}

// The ingest ticks 10,000 nodes in slices between node reads: the slices together tick every
// node once, in registration order, and the cursor says when the walk is over.
TEST(NodeRegistryTest, RatesTickInSlicesThatCoverEveryNodeOnce) {
  NodeRegistry r(1);
  std::vector<Node*> nodes;
  for (int i = 0; i < 5; ++i) {
    nodes.push_back(r.Get("radar" + std::to_string(i)).get());
    r.Attach(*nodes.back(), static_cast<uint64_t>(i) + 1, "p", kT0, [](auto&) {});
  }
  r.TickRates(kT0);
  for (size_t i = 0; i < nodes.size(); ++i) {  // node i sends i + 1 frames
    for (size_t k = 0; k <= i; ++k) Accept(r, *nodes[i], i + 1, static_cast<int64_t>(k) + 1);
  }
  size_t cursor = 0;
  std::vector<std::string> ticked;
  for (int slice = 0; slice < 3; ++slice) {
    for (const NodePtr& n : r.TickRates(kT0 + 1s, cursor, 2)) ticked.push_back(n->id());
    EXPECT_EQ(cursor, slice < 2 ? 2u * (static_cast<size_t>(slice) + 1) : 0u);
  }
  EXPECT_EQ(ticked, (std::vector<std::string>{"radar0", "radar1", "radar2", "radar3", "radar4"}));
  for (int i = 0; i < 5; ++i) {
    v1::NodeStatus s;
    r.FillStatus(*nodes[static_cast<size_t>(i)], s);
    EXPECT_DOUBLE_EQ(s.frames_per_second(), i + 1.0);
  }
}

TEST(NodeRegistryTest, HeartbeatKeepsLatestAdvertisement) {
  NodeRegistry r(1);
  Node& n = *r.Get("radar1");
  google::protobuf::Struct ad;
  (*ad.mutable_fields())["status"].set_string_value("ok");
  const std::string bytes = ad.SerializeAsString();
  const std::string_view view = bytes;
  r.Heartbeat(n, 50, &view, kT0);
  v1::NodeStatus s;
  r.FillStatus(n, s);
  EXPECT_EQ(s.advertised().fields().at("status").string_value(), "ok");
  EXPECT_TRUE(s.has_last_heartbeat_at());
}

TEST(NodeRegistryTest, ConcurrentProducersGetUniqueGaplessSequences) {
  NodeRegistry r(1);
  Node& n = *r.Get("radar1");
  r.Attach(n, 1, "p", kT0, [](auto&) {});
  std::vector<uint64_t> seen[4];
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5000; ++i) {
        bool ooo;
        r.AcceptFrame(n, 1, 1 + t * 100000 + i, 1, kT0, ooo,
                      [&](uint64_t s) { seen[t].push_back(s); });
      }
    });
  }
  for (auto& th : threads) th.join();
  std::vector<bool> got(20001, false);
  size_t total = 0;
  for (auto& v : seen) {
    for (uint64_t s : v) {
      ASSERT_LE(s, 20000u);
      ASSERT_FALSE(got[s]);
      got[s] = true;
      ++total;
    }
  }
  EXPECT_EQ(total, 20000u);
}

}  // namespace
}  // namespace radarhub::registry
