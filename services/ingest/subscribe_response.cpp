#include "subscribe_response.hpp"

#include <grpc/slice.h>

#include <cstring>

#include "radarhub/v1/radarhub.pb.h"

namespace radarhub::ingest {

namespace {

constexpr uint8_t kEventsTag = (1 << 3) | 2;  // SubscribeResponse.events, length-delimited

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

uint8_t* PutVarint(uint8_t* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<uint8_t>(v);
  return p;
}

}  // namespace

grpc::Slice SubscribeResponseEncoder::Encode(const std::vector<hub::Delivery>& deliveries) {
  gaps_.clear();
  size_t total = 0;
  for (const hub::Delivery& d : deliveries) {
    size_t len;
    if (d.event) {
      len = d.event->payload.size();
    } else {
      v1::NodeEvent gap;
      gap.set_node_id(*d.node_id);
      auto* dropped = gap.mutable_dropped();
      dropped->set_from_sequence(d.from_sequence);
      dropped->set_to_sequence(d.to_sequence);
      dropped->set_reason(hub::DropReasonName(d.reason));
      len = gaps_.emplace_back(gap.SerializeAsString()).size();
    }
    total += 1 + VarintSize(len) + len;
  }
  grpc_slice slice = grpc_slice_malloc(total);
  uint8_t* p = GRPC_SLICE_START_PTR(slice);
  size_t gap = 0;
  for (const hub::Delivery& d : deliveries) {
    const std::string& bytes = d.event ? d.event->payload : gaps_[gap++];
    *p++ = kEventsTag;
    p = PutVarint(p, bytes.size());
    std::memcpy(p, bytes.data(), bytes.size());
    p += bytes.size();
  }
  return grpc::Slice(slice, grpc::Slice::STEAL_REF);
}

}  // namespace radarhub::ingest
