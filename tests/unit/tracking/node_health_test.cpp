#include "radarhub/tracking/node_health.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace radarhub::tracking {
namespace {

using Clock = std::chrono::system_clock;
using std::chrono::seconds;

const Clock::time_point kT0 = Clock::time_point(seconds(1767225600));

struct Step {
  const char* source;
  bool remove;
  bool reachable, connected;
  bool changed;
  bool healthy;
  HealthReason reason;
  const char* serving;  // the source named while healthy
};

// Two ingest replicas seeing one node, step by step (a fake clock: step i happens at t0 + i s).
TEST(NodeHealthRuleTest, FollowsEveryEndpointStepByStep) {
  const std::vector<Step> steps = {
      {"a", false, false, false, true, false, HealthReason::kIngestUnreachable, ""},
      {"a", false, true, false, true, false, HealthReason::kNodeDisconnected, ""},
      {"a", false, true, true, true, true, HealthReason::kOk, "a"},
      {"a", false, true, true, false, true, HealthReason::kOk, "a"},   // nothing new
      {"b", false, true, false, false, true, HealthReason::kOk, "a"},  // b reachable, node on a
      {"a", false, false, false, true, false, HealthReason::kNodeDisconnected, ""},  // a died
      {"b", false, true, true, true, true, HealthReason::kOk, "b"},    // the node moved to b
      {"a", false, false, true, false, true, HealthReason::kOk, "b"},  // unreachable: no vote
      {"b", true, false, false, true, false, HealthReason::kIngestUnreachable, ""},  // b gone
      {"a", true, false, false, false, false, HealthReason::kIngestUnreachable, ""},  // nobody
  };
  NodeHealthRule rule;
  EXPECT_EQ(rule.state().reason, HealthReason::kNoData);
  EXPECT_EQ(ToString(rule.state().reason), "no_data");
  uint64_t version = 0;
  Clock::time_point since{};
  for (size_t i = 0; i < steps.size(); ++i) {
    const Step& s = steps[i];
    const auto now = kT0 + seconds(i);
    const bool changed =
        s.remove ? rule.Remove(s.source, now) : rule.Set(s.source, {s.reachable, s.connected}, now);
    SCOPED_TRACE(i);
    EXPECT_EQ(changed, s.changed);
    EXPECT_EQ(rule.state().healthy, s.healthy);
    EXPECT_EQ(rule.state().reason, s.reason);
    EXPECT_EQ(rule.state().source, s.serving);
    version += changed ? 1 : 0;
    EXPECT_EQ(rule.state().version, version);
    if (changed && (i == 0 || rule.state().reason != steps[i - 1].reason)) since = now;
    EXPECT_EQ(rule.state().since, since) << "since moves only when healthy or reason changes";
  }
}

TEST(NodeHealthRuleTest, ReasonsReadAsTheContractSpellsThem) {
  EXPECT_EQ(ToString(HealthReason::kOk), "ok");
  EXPECT_EQ(ToString(HealthReason::kNodeDisconnected), "node_disconnected");
  EXPECT_EQ(ToString(HealthReason::kIngestUnreachable), "ingest_unreachable");
  EXPECT_EQ(ToString(HealthReason::kNoData), "no_data");
}

TEST(LinkJudgeTest, ConnectedNeedsTheNodesOwnStreamAndDiscoveryVouchesOnlyWhenNewer) {
  struct Case {
    LinkFacts link;
    bool reachable, connected;
  };
  const std::vector<Case> cases = {
      {{.stream_live = true, .node_connected = true}, true, true},
      {{.stream_live = false, .node_connected = true}, false, false},
      {{.stream_live = true, .node_connected = false}, true, false},
      // The node's stream ended while discovery generation 3 was live: that one may be dying.
      {{.discovery_live = true, .discovery_generation = 3, .ended_in_generation = 3}, false, false},
      // A discovery stream that went live since then vouches for the ingest.
      {{.discovery_live = true, .discovery_generation = 4, .ended_in_generation = 3}, true, false},
      {{.discovery_live = false, .discovery_generation = 4, .ended_in_generation = 3},
       false,
       false},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const SourceState s = Judge(cases[i].link);
    EXPECT_EQ(s.reachable, cases[i].reachable) << i;
    EXPECT_EQ(s.node_connected, cases[i].connected) << i;
  }
}

TEST(StatusOrderTest, LateStatusesNeverOverrideNewerOnesButANewEpochAlwaysApplies) {
  struct Case {
    uint64_t epoch;
    int64_t since_ns;
    bool applies;
  };
  const std::vector<Case> cases = {
      {7, 100, true},                   // the first
      {7, 200, true},                   // newer
      {7, 150, false},                  // late: another stream delivered it after the newer one
      {7, 200, true},                   // the same moment again (snapshot and live event): harmless
      {9, 50, true},                    // the ingest restarted: its clock of `since` starts over
      {9, 40, false},  {0, 300, true},  // no epoch known: by time alone
  };
  StatusOrder order;
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(order.Admit(cases[i].epoch, cases[i].since_ns), cases[i].applies) << i;
  }
  EXPECT_EQ(order.epoch(), 9u);
}

TEST(FrameDedupTest, DropsWhatWasSeenAndHistoryFromAnotherEpoch) {
  struct Case {
    uint64_t epoch, sequence;
    int64_t timestamp_ms;
    bool fresh;
  };
  const std::vector<Case> cases = {
      {1, 1, 1000, true},  {1, 2, 2000, true},
      {1, 2, 2000, false},  // the same frame through another endpoint
      {1, 1, 1000, false},  // a resume replaying what we have
      {1, 3, 2000, false},  // the node resent its last timestamp
      {1, 4, 1500, true},   // the node's clock stepped back: same epoch, new sequence: accepted
      {2, 1, 1400, false},  // another ingest's old history of this node
      {2, 2, 3000, true},   // the node moved there: new frames
      {1, 5, 3500, true},   // and back
  };
  FrameDedup dedup;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    EXPECT_EQ(dedup.Admit(c.epoch, c.sequence, c.timestamp_ms), c.fresh) << i;
  }
  EXPECT_EQ(dedup.LastSequence(1), 5u);
  EXPECT_EQ(dedup.LastSequence(2), 2u);
  EXPECT_EQ(dedup.LastSequence(3), 0u);
  EXPECT_EQ(dedup.last_timestamp_ms(), 3500);
}

}  // namespace
}  // namespace radarhub::tracking
