#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "radarhub/hub/hub.hpp"
#include "radarhub/protocol/parser.hpp"
#include "radarhub/protocol/wire.hpp"
#include "radarhub/registry/node_registry.hpp"

namespace radarhub::bench {

// The ingest's data path for one node, minus sockets: each line the framer hands it is parsed,
// admitted by the registry, encoded once and published to the hub, whose `subscribers` queues
// the caller drains. A LineFramer sink; shared by the micro-benchmarks and the profile driver.
struct IngestPipeline {
  explicit IngestPipeline(int subscribers, size_t subscriber_queue = 8192)
      : hub(hub::HubSettings{
            .epoch = 7, .replay_frames = 4096, .subscriber_queue = subscriber_queue}),
        registry(7, &hub),
        node(*registry.Get("radar-0001")),
        channel(*node.channel()) {
    registry.Attach(node, 1, "127.0.0.1:1", registry::WallClock::now(), [](auto&) {});
    for (int i = 0; i < subscribers; ++i) queues.push_back(hub.Subscribe({}));
  }
  bool OnLine(char* line, size_t length) {
    protocol::Message m;
    if (parser.Parse(line, length, m) != protocol::Reject::kNone) {
      ++rejected;
      return true;
    }
    bool out_of_order = false;
    registry.AcceptFrame(node, 1, m.timestamp_ms, length + 1, registry::WallClock::now(),
                         out_of_order, [&](uint64_t sequence) {
                           auto e = std::make_shared<hub::Event>();
                           e->sequence = sequence;
                           protocol::AppendFrameEvent(m, sequence, 7, {1, 2}, e->payload);
                           hub.Publish(channel, std::move(e));
                         });
    ++frames;
    return true;
  }
  bool OnOverlong() { return true; }

  protocol::Parser parser;
  hub::Hub hub;
  registry::NodeRegistry registry;
  registry::Node& node;
  hub::Channel& channel;
  std::vector<std::shared_ptr<hub::SubscriberQueue>> queues;
  uint64_t frames = 0;
  uint64_t rejected = 0;
};

}  // namespace radarhub::bench
