#include "radarhub/protocol/wire.hpp"

#include <bit>
#include <vector>

#include "protobuf_writer.hpp"

namespace radarhub::protocol {
namespace {

using pb::LenFieldSize;
using pb::TagSize;
using pb::VarintFieldSize;
using pb::Writer;

// proto3 leaves out fields at their default; a double's default is +0.0 exactly (bitwise).
bool IsDefault(double d) { return std::bit_cast<uint64_t>(d) == 0; }
size_t DoubleFieldSize(uint32_t field, double d) { return IsDefault(d) ? 0 : TagSize(field) + 8; }

const AdsbEntry* AdsbAt(const Message& m, size_t i) {
  return m.adsb != nullptr && m.adsb[i].is_object ? &m.adsb[i] : nullptr;
}

size_t DetectionBodySize(const Message& m, size_t i) {
  size_t n = DoubleFieldSize(1, m.delay[i]) + DoubleFieldSize(2, m.doppler[i]) +
             DoubleFieldSize(3, m.snr[i]);
  if (const AdsbEntry* adsb = AdsbAt(m, i)) n += LenFieldSize(4, adsb->encoded.size());
  return n;
}

size_t TimestampBodySize(WallTime t) {
  return (t.seconds != 0 ? VarintFieldSize(1, static_cast<uint64_t>(t.seconds)) : 0) +
         (t.nanos != 0 ? VarintFieldSize(2, static_cast<uint64_t>(t.nanos)) : 0);
}

// Detection sizes from the size pass, reused by the write pass (per thread, capacity kept).
std::vector<uint32_t>& DetectionSizes() {
  thread_local std::vector<uint32_t> sizes;
  return sizes;
}

size_t FrameBodySize(const Message& m, uint64_t sequence, uint64_t epoch, WallTime received_at) {
  size_t n =
      LenFieldSize(1, m.node_id.size()) + VarintFieldSize(2, static_cast<uint64_t>(m.timestamp_ms));
  std::vector<uint32_t>& sizes = DetectionSizes();
  sizes.resize(m.count);
  for (size_t i = 0; i < m.count; ++i) {
    sizes[i] = static_cast<uint32_t>(DetectionBodySize(m, i));
    n += LenFieldSize(3, sizes[i]);
  }
  if (sequence != 0) n += VarintFieldSize(4, sequence);
  if (epoch != 0) n += VarintFieldSize(5, epoch);
  n += LenFieldSize(6, TimestampBodySize(received_at));
  return n;
}

}  // namespace

size_t FrameEventSize(const Message& m, uint64_t sequence, uint64_t epoch, WallTime received_at) {
  return LenFieldSize(1, m.node_id.size()) +
         LenFieldSize(2, FrameBodySize(m, sequence, epoch, received_at));
}

void AppendFrameEvent(const Message& m, uint64_t sequence, uint64_t epoch, WallTime received_at,
                      std::string& out) {
  const size_t frame_size = FrameBodySize(m, sequence, epoch, received_at);
  const size_t total = LenFieldSize(1, m.node_id.size()) + LenFieldSize(2, frame_size);
  const size_t start = out.size();
  out.resize(start + total);
  Writer w(out.data() + start);
  w.Bytes(1, m.node_id);    // NodeEvent.node_id
  w.Header(2, frame_size);  // NodeEvent.frame
  w.Bytes(1, m.node_id);    // DetectionFrame.node_id
  w.VarintField(2, static_cast<uint64_t>(m.timestamp_ms));
  const std::vector<uint32_t>& sizes = DetectionSizes();
  for (size_t i = 0; i < m.count; ++i) {
    w.Header(3, sizes[i]);
    if (!IsDefault(m.delay[i])) w.Double(1, m.delay[i]);
    if (!IsDefault(m.doppler[i])) w.Double(2, m.doppler[i]);
    if (!IsDefault(m.snr[i])) w.Double(3, m.snr[i]);
    if (const AdsbEntry* adsb = AdsbAt(m, i)) w.Bytes(4, adsb->encoded);
  }
  if (sequence != 0) w.VarintField(4, sequence);
  if (epoch != 0) w.VarintField(5, epoch);
  w.Header(6, TimestampBodySize(received_at));
  if (received_at.seconds != 0) w.VarintField(1, static_cast<uint64_t>(received_at.seconds));
  if (received_at.nanos != 0) w.VarintField(2, static_cast<uint64_t>(received_at.nanos));
}

void AppendStruct(const JsonValue& object, std::string& out, bool skip_identity) {
  pb::StructEncoder<pb::RapidJsonAccess>::AppendStruct(object, out, skip_identity);
}

}  // namespace radarhub::protocol
