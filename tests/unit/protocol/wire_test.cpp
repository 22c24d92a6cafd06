#include "radarhub/protocol/wire.hpp"

#include <gtest/gtest.h>

#include <string>

#include "radarhub/v1/radarhub.pb.h"

namespace radarhub::protocol {
namespace {

class WireTest : public ::testing::Test {
 protected:
  const Message& Parse(std::string line) {
    line_ = std::move(line) + std::string(kLinePadding, '\n');
    EXPECT_EQ(parser_.Parse(line_.data(), line_.size() - kLinePadding, message_), Reject::kNone);
    return message_;
  }

  Parser parser_;
  Message message_;
  std::string line_;
};

TEST_F(WireTest, FrameEventDecodesWithProtobufWithEveryFieldIntact) {
  const Message& m = Parse(
      R"({"node_id":"radar3","timestamp":1768932172478,"delay":[40.46,0,-1e-300],)"
      R"("doppler":[-27.99,5,2],"snr":[12.08,0,7],"adsb":[{"hex":"a1b2c3","alt":10000,)"
      R"("on_ground":false,"path":[1,"x",null,{"k":true}],"nested":{"a":{"b":1}}},null,{}]})");
  std::string bytes;
  AppendFrameEvent(m, 17, 0xfeedbeefcafe, WallTime{1768932172, 478123456}, bytes);
  EXPECT_EQ(bytes.size(), FrameEventSize(m, 17, 0xfeedbeefcafe, WallTime{1768932172, 478123456}));

  v1::NodeEvent event;
  ASSERT_TRUE(event.ParseFromString(bytes));
  EXPECT_EQ(event.node_id(), "radar3");
  ASSERT_TRUE(event.has_frame());
  const v1::DetectionFrame& f = event.frame();
  EXPECT_EQ(f.node_id(), "radar3");
  EXPECT_EQ(f.timestamp_ms(), 1768932172478);
  EXPECT_EQ(f.sequence(), 17u);
  EXPECT_EQ(f.epoch(), 0xfeedbeefcafeu);
  EXPECT_EQ(f.received_at().seconds(), 1768932172);
  EXPECT_EQ(f.received_at().nanos(), 478123456);
  ASSERT_EQ(f.detections_size(), 3);
  EXPECT_EQ(f.detections(0).delay(), 40.46);
  EXPECT_EQ(f.detections(0).doppler(), -27.99);
  EXPECT_EQ(f.detections(0).snr(), 12.08);
  EXPECT_EQ(f.detections(1).delay(), 0);
  EXPECT_EQ(f.detections(2).delay(), -1e-300);
  const auto& adsb = f.detections(0).adsb().fields();
  EXPECT_EQ(adsb.at("hex").string_value(), "a1b2c3");
  EXPECT_EQ(adsb.at("alt").number_value(), 10000);
  EXPECT_EQ(adsb.at("on_ground").kind_case(), google::protobuf::Value::kBoolValue);
  EXPECT_FALSE(adsb.at("on_ground").bool_value());
  const auto& path = adsb.at("path").list_value();
  ASSERT_EQ(path.values_size(), 4);
  EXPECT_EQ(path.values(1).string_value(), "x");
  EXPECT_EQ(path.values(2).kind_case(), google::protobuf::Value::kNullValue);
  EXPECT_TRUE(path.values(3).struct_value().fields().at("k").bool_value());
  EXPECT_EQ(adsb.at("nested")
                .struct_value()
                .fields()
                .at("a")
                .struct_value()
                .fields()
                .at("b")
                .number_value(),
            1);
  EXPECT_FALSE(f.detections(1).has_adsb()) << "null entry: adsb unset";
  EXPECT_TRUE(f.detections(2).has_adsb()) << "{} entry: adsb set and empty";
}

TEST_F(WireTest, BytesMatchProtobufsOwnSerialization) {
  const Message& m =
      Parse(R"({"node_id":"n-1","timestamp":123,"delay":[1.25,2],"doppler":[0,-3],"snr":[9,8]})");
  std::string ours;
  AppendFrameEvent(m, 1, 99, WallTime{1, 2}, ours);

  v1::NodeEvent event;
  event.set_node_id("n-1");
  auto* f = event.mutable_frame();
  f->set_node_id("n-1");
  f->set_timestamp_ms(123);
  f->set_sequence(1);
  f->set_epoch(99);
  f->mutable_received_at()->set_seconds(1);
  f->mutable_received_at()->set_nanos(2);
  for (const auto& [d, dop, s] : {std::tuple{1.25, 0.0, 9.0}, std::tuple{2.0, -3.0, 8.0}}) {
    auto* det = f->add_detections();
    det->set_delay(d);
    det->set_doppler(dop);
    det->set_snr(s);
  }
  EXPECT_EQ(ours, event.SerializeAsString());
}

TEST_F(WireTest, FrameWithoutDetections) {
  const Message& m = Parse(R"({"node_id":"a","timestamp":5})");
  std::string bytes;
  AppendFrameEvent(m, 3, 4, WallTime{}, bytes);
  v1::NodeEvent event;
  ASSERT_TRUE(event.ParseFromString(bytes));
  EXPECT_EQ(event.frame().detections_size(), 0);
  EXPECT_EQ(event.frame().sequence(), 3u);
  EXPECT_TRUE(event.frame().has_received_at());
}

}  // namespace
}  // namespace radarhub::protocol
