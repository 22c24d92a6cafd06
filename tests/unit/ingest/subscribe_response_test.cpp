#include "subscribe_response.hpp"

#include <gtest/gtest.h>

#include "radarhub/v1/radarhub.pb.h"

namespace radarhub::ingest {
namespace {

hub::EventPtr FrameEvent(const std::string& node, uint64_t sequence, int detections) {
  v1::NodeEvent e;
  e.set_node_id(node);
  auto* f = e.mutable_frame();
  f->set_node_id(node);
  f->set_sequence(sequence);
  for (int i = 0; i < detections; ++i) f->add_detections()->set_delay(i + 0.5);
  auto event = std::make_shared<hub::Event>();
  event->sequence = sequence;
  event->payload = e.SerializeAsString();
  return event;
}

v1::SubscribeResponse Decode(const grpc::Slice& slice) {
  v1::SubscribeResponse response;
  EXPECT_TRUE(response.ParseFromArray(slice.begin(), static_cast<int>(slice.size())));
  return response;
}

TEST(SubscribeResponseEncoderTest, FramesStoredEventsAndGapsInOrder) {
  const std::string a = "radar1", b = "radar2";
  // 200 detections make an event longer than 127 bytes: a two-byte length prefix.
  const auto big = FrameEvent(a, 7, 200), small = FrameEvent(b, 3, 1);
  const auto name_a = std::make_shared<const std::string>(a);
  const auto name_b = std::make_shared<const std::string>(b);
  std::vector<hub::Delivery> batch = {
      {name_a, nullptr, 2, 6, hub::DropReason::kSlowConsumer},
      {name_a, big},
      {name_b, small},
  };
  SubscribeResponseEncoder encoder;
  const auto response = Decode(encoder.Encode(batch));
  ASSERT_EQ(response.events_size(), 3);
  EXPECT_EQ(response.events(0).node_id(), "radar1");
  EXPECT_EQ(response.events(0).dropped().from_sequence(), 2u);
  EXPECT_EQ(response.events(0).dropped().to_sequence(), 6u);
  EXPECT_EQ(response.events(0).dropped().reason(), "slow_consumer");
  EXPECT_EQ(response.events(1).SerializeAsString(), big->payload);
  EXPECT_EQ(response.events(1).frame().detections_size(), 200);
  EXPECT_EQ(response.events(2).SerializeAsString(), small->payload);

  // The encoder is reused per stream: a second batch carries nothing of the first.
  batch = {{name_b, nullptr, 0, 9, hub::DropReason::kResumeOutOfRange}};
  const auto second = Decode(encoder.Encode(batch));
  ASSERT_EQ(second.events_size(), 1);
  EXPECT_EQ(second.events(0).dropped().reason(), "resume_out_of_range");
}

}  // namespace
}  // namespace radarhub::ingest
